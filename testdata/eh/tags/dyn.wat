;; libdyn.so (opened with dlopen): throws __cpp_exception, v * 2.
(module
  (import "env" "memory" (memory 0))
  (import "env" "__memory_base" (global $mb i32))
  (import "env" "__cpp_exception" (tag $e (param i32)))
  (func (export "dyn_throw") (param $v i32)
    local.get $v
    i32.const 2
    i32.mul
    throw $e)
)
