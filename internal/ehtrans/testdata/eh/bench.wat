;; Loops for the runtime benchmarks: x iterations of a throw caught by a
;; try, of a try entered but not thrown to, and of a bare call.
(module
  (tag $e (param i32))
  (func $thrower (param i32)
    local.get 0
    throw $e)
  (func $noop (param i32))

  ;; Each iteration calls a function that throws; the try catches.
  (func (export "throw_catch") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    block $done
      loop $l
        local.get $i
        local.get $n
        i32.ge_s
        br_if $done
        try
          local.get $i
          call $thrower
        catch $e
          local.get $s
          i32.add
          local.set $s
        end
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $l
      end
    end
    local.get $s)

  ;; Each iteration enters a try around a call that returns.
  (func (export "try_no_throw") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    block $done
      loop $l
        local.get $i
        local.get $n
        i32.ge_s
        br_if $done
        try
          local.get $i
          call $noop
          local.get $s
          i32.const 1
          i32.add
          local.set $s
        catch $e
          drop
        end
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $l
      end
    end
    local.get $s)

  ;; The same loop with no try: the cost of the call alone.
  (func (export "call_only") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    block $done
      loop $l
        local.get $i
        local.get $n
        i32.ge_s
        br_if $done
        local.get $i
        call $noop
        local.get $s
        i32.const 1
        i32.add
        local.set $s
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $l
      end
    end
    local.get $s)
)
