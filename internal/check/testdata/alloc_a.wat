;; An allocator over an imported memory: defines malloc and sbrk, exports
;; __heap_base, and executes memory.grow (as wasi-libc's sbrk does).
(module
  (import "env" "memory" (memory 2))
  (global $__stack_pointer (mut i32) (i32.const 66576))
  (global $heap_ptr (mut i32) (i32.const 66576))
  (global $__heap_base i32 (i32.const 66576))
  (export "__heap_base" (global $__heap_base))
  (func $sbrk (export "sbrk") (param $n i32) (result i32)
    (local $old i32)
    (local.set $old (global.get $heap_ptr))
    (if (i32.gt_u (i32.add (local.get $old) (local.get $n)) (i32.mul (memory.size) (i32.const 65536)))
      (then (drop (memory.grow (i32.const 1)))))
    (global.set $heap_ptr (i32.add (local.get $old) (local.get $n)))
    (local.get $old))
  (func (export "malloc") (param $n i32) (result i32)
    (call $sbrk (local.get $n)))
  (data (i32.const 1024) "allocator A\00"))
