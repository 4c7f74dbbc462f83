;; An exception nobody catches ends the program as a native uncaught C++
;; exception does (abort: status 134), and the message names the tag.
(module
  (import "env" "memory" (memory 0))
  (import "env" "__memory_base" (global $mb i32))
  (import "env" "dyn_throw" (func $dyn_throw (param i32)))
  (func (export "__main_void") (result i32)
    i32.const 5
    call $dyn_throw
    i32.const 0)
)
