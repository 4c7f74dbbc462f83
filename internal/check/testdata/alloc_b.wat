;; A second allocator: defines malloc only (a bump allocator from its own
;; __heap_base), data at 2048 so that it does not overlap alloc_a's data.
(module
  (import "env" "memory" (memory 2))
  (global $__stack_pointer (mut i32) (i32.const 67584))
  (global $next (mut i32) (i32.const 67584))
  (global $__heap_base i32 (i32.const 67584))
  (export "__heap_base" (global $__heap_base))
  (func (export "malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.add (local.get $p) (local.get $n)))
    (local.get $p))
  (data (i32.const 2048) "allocator B\00"))
