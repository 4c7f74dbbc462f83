;; A main whose data lies past its initial memory (1 page): wasm-ld never
;; writes this, and a loader would place libraries right there.
(module
  (import "env" "memory" (memory 1))
  (data (i32.const 1024) "inside")
  (data (i32.const 65530) "straddles the end"))
