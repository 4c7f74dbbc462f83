;; The environment a clang-19 -wasm-enable-sjlj shared library imports:
;; memory, table, stack pointer, bases, and the setjmp/longjmp runtime
;; (see ../../SJLJ.md for the contract). Data goes at 1024, the stack
;; grows down from 65536.
(module
  (memory (export "memory") 2)
  (table (export "__indirect_function_table") 4 funcref)
  (global (export "__stack_pointer") (mut i32) (i32.const 65536))
  (global (export "__memory_base") i32 (i32.const 1024))
  (global (export "__table_base") i32 (i32.const 1))
  (tag $c_longjmp (export "__c_longjmp") (param i32))

  ;; jmp_buf: [0] invocation id, [4] label, [8] env, [12] val
  (func (export "__wasm_setjmp") (param $env i32) (param $label i32) (param $id i32)
    (i32.store (local.get $env) (local.get $id))
    (i32.store offset=4 (local.get $env) (local.get $label)))

  (func (export "__wasm_setjmp_test") (param $env i32) (param $id i32) (result i32)
    (if (result i32) (i32.eq (i32.load (local.get $env)) (local.get $id))
      (then (i32.load offset=4 (local.get $env)))
      (else (i32.const 0))))

  (func (export "__wasm_longjmp") (param $env i32) (param $val i32)
    (i32.store offset=8 (local.get $env) (local.get $env))
    (i32.store offset=12 (local.get $env)
      (select (local.get $val) (i32.const 1) (local.get $val)))
    (throw $c_longjmp (i32.add (local.get $env) (i32.const 8))))
)
