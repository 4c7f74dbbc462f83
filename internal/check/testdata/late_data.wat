;; Plain data placed high (at 100000), inside an allocator's heap when
;; loaded after alloc_a.
(module
  (import "env" "memory" (memory 2))
  (data (i32.const 100000) "late data\00"))
