;; Defines (and does not export) its own memory: it shares nothing.
(module
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 66560))
  (data (i32.const 1024) "private\00"))
