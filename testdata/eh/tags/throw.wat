;; libthrow.so (a startup library): throws, catches, rethrows and delegates
;; the C++ tag __cpp_exception, written in the legacy form clang emits.
(module
  (type $ii (func (param i32) (result i32)))
  (import "env" "memory" (memory 0))
  (import "env" "__memory_base" (global $mb i32))
  (import "env" "__cpp_exception" (tag $e (param i32)))
  (import "env" "main_throw" (func $main_throw (param i32)))
  ;; throws v
  (func $lib_throw (export "lib_throw") (param $v i32)
    local.get $v
    throw $e)
  ;; catches its own throw, then rethrows it to the caller
  (func (export "lib_rethrow") (param $v i32) (local $seen i32)
    try
      local.get $v
      throw $e
    catch $e
      local.set $seen
      rethrow 0
    end)
  ;; calls back the main, which throws: caught here, v + 100
  (func (export "lib_catch_main") (param $v i32) (result i32)
    try (result i32)
      local.get $v
      call $main_throw
      i32.const -1
    catch $e
      i32.const 100
      i32.add
    end)
  ;; the inner try delegates to the outer one: v + 1000
  (func (export "lib_delegate") (param $v i32) (result i32)
    try (result i32)
      try
        local.get $v
        call $lib_throw
      delegate 0
      i32.const -1
    catch $e
      i32.const 1000
      i32.add
    end)
)
