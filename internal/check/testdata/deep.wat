;; A small stack-first stack ([0,4096)) and a call chain that needs 6000
;; bytes: it runs below address 0. $rec recurses with a 16-byte frame.
(module
  (import "env" "memory" (memory 1))
  (global $__stack_pointer (mut i32) (i32.const 4096))
  (func $outer (export "outer")
    (local $sp i32)
    (global.set $__stack_pointer (local.tee $sp (i32.sub (global.get $__stack_pointer) (i32.const 3000))))
    (call $inner)
    (global.set $__stack_pointer (i32.add (local.get $sp) (i32.const 3000))))
  (func $inner
    (local $sp i32)
    (global.set $__stack_pointer (local.tee $sp (i32.sub (global.get $__stack_pointer) (i32.const 3000))))
    (global.set $__stack_pointer (i32.add (local.get $sp) (i32.const 3000))))
  (func $rec (export "rec") (param $n i32)
    (local $sp i32)
    (global.set $__stack_pointer (local.tee $sp (i32.sub (global.get $__stack_pointer) (i32.const 16))))
    (if (local.get $n) (then (call $rec (i32.sub (local.get $n) (i32.const 1)))))
    (global.set $__stack_pointer (i32.add (local.get $sp) (i32.const 16))))
  (data (i32.const 4096) "above the stack\00"))
