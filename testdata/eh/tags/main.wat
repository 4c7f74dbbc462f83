;; A main and two libraries share one exception tag: what one throws the
;; other catches, in every direction, through a library opened with
;; dlopen too. Exit status 50 + the number of checks that passed (55).
(module
  (type $vi (func (param i32)))
  (import "env" "memory" (memory 0))
  (import "env" "__indirect_function_table" (table 0 funcref))
  (import "env" "__memory_base" (global $mb i32))
  (import "env" "__cpp_exception" (tag $e (param i32)))
  (import "env" "lib_throw" (func $lib_throw (param i32)))
  (import "env" "lib_rethrow" (func $lib_rethrow (param i32)))
  (import "env" "lib_catch_main" (func $lib_catch_main (param i32) (result i32)))
  (import "env" "lib_delegate" (func $lib_delegate (param i32) (result i32)))
  (import "env" "dlopen" (func $dlopen (param i32 i32) (result i32)))
  (import "env" "dlsym" (func $dlsym (param i32 i32) (result i32)))
  (func $main_throw (export "main_throw") (param $v i32)
    local.get $v
    throw $e)
  ;; calls f(v) and returns what it threw, or -1
  (func $caught (param $v i32) (param $which i32) (result i32)
    try (result i32)
      local.get $which
      i32.eqz
      if
        local.get $v
        call $lib_throw
      else
        local.get $v
        call $lib_rethrow
      end
      i32.const -1
    catch $e
    end)
  ;; writes a name of 9 or 10 bytes (NUL included) at $at: 8 bytes, then 2
  (func $name (param $at i32) (param $lo i64) (param $tail i32) (result i32)
    local.get $at
    local.get $lo
    i64.store
    local.get $at
    local.get $tail
    i32.store16 offset=8
    local.get $at)
  (func (export "__main_void") (result i32) (local $n i32) (local $h i32) (local $f i32)
    i32.const 50
    local.set $n
    ;; 1: the library throws, the main catches
    i32.const 7
    i32.const 0
    call $caught
    i32.const 7
    i32.eq
    local.get $n
    i32.add
    local.set $n
    ;; 2: the library catches and rethrows, the main catches
    i32.const 8
    i32.const 1
    call $caught
    i32.const 8
    i32.eq
    local.get $n
    i32.add
    local.set $n
    ;; 3: the main throws, the library catches
    i32.const 9
    call $lib_catch_main
    i32.const 109
    i32.eq
    local.get $n
    i32.add
    local.set $n
    ;; 4: delegate inside the library
    i32.const 10
    call $lib_delegate
    i32.const 1010
    i32.eq
    local.get $n
    i32.add
    local.set $n
    ;; 5: a dlopen'ed library throws, the main catches
    i32.const 2048 ;; the PIE's stack region, unused: "libdyn.so"
    i64.const 0x732e6e796462696c
    i32.const 0x006f
    call $name
    i32.const 2
    call $dlopen
    local.tee $h
    if
      local.get $h
      i32.const 2064 ;; "dyn_throw"
      i64.const 0x6f7268745f6e7964
      i32.const 0x0077
      call $name
      call $dlsym
      local.tee $f
      if
        try (result i32)
          i32.const 21
          local.get $f
          call_indirect (type $vi)
          i32.const -1
        catch $e
        end
        i32.const 42
        i32.eq
        local.get $n
        i32.add
        local.set $n
      end
    end
    local.get $n)
)
