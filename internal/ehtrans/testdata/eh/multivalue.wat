;; Block types with several results and with parameters (a type index),
;; tags with several and wider values, delegates and rethrows under them.
(module
  (type $v_ii (func (result i32 i32)))
  (type $i_ii (func (param i32) (result i32 i32)))
  (type $ii_i (func (param i32 i32) (result i32)))
  (tag $e0 (param i32))
  (tag $e2 (param i32 i32))
  (tag $wide (param i64 f64 i32))

  ;; x=1: e0(10)  x=3: e2(3, 7)  x=5: wide(2^40+5, 2.5, 9)  x=-1: e0(-1)
  (func $thrower (param $x i32)
    (if (i32.eq (local.get $x) (i32.const 1)) (then (throw $e0 (i32.const 10))))
    (if (i32.eq (local.get $x) (i32.const 3)) (then (throw $e2 (i32.const 3) (i32.const 7))))
    (if (i32.eq (local.get $x) (i32.const 5))
      (then (throw $wide (i64.const 0x10000000005) (f64.const 2.5) (i32.const 9))))
    (if (i32.eq (local.get $x) (i32.const -1)) (then (throw $e0 (i32.const -1)))))

  ;; Two results; catch $e2 delivers exactly the two.
  (func (export "two_results") (param $x i32) (result i32)
    (local $b i32)
    try (type $v_ii)
      local.get $x
      call $thrower
      i32.const 1
      i32.const 2
    catch $e2
    catch $e0
      i32.const 9
    catch_all
      i32.const 5
      i32.const 6
    end
    local.set $b
    i32.const 100
    i32.mul
    local.get $b
    i32.add)

  ;; A parameter and two results.
  (func (export "param_results") (param $x i32) (result i32)
    local.get $x
    try (type $i_ii)
      call $thrower
      i32.const 3
      i32.const 4
    catch $e0
      i32.const 4
    catch $wide
      local.set $x
      i32.trunc_f64_s
      local.get $x
      call $fold
    catch_all
      i32.const 7
      i32.const 8
    end
    i32.sub)
  ;; (hi, a, b) -> (hi >> 40, a + b)
  (func $fold (param i64 i32 i32) (result i32 i32)
    local.get 0
    i64.const 40
    i64.shr_u
    i32.wrap_i64
    local.get 1
    local.get 2
    i32.add)

  ;; Two parameters; the body branches to the try's label with one result.
  (func (export "two_params") (param $x i32) (result i32)
    local.get $x
    i32.const 1000
    try $t (type $ii_i)
      local.get $x
      i32.const 6
      i32.eq
      if (param i32 i32) (result i32 i32)
        i32.add
        br $t
      end
      i32.sub
      local.get $x
      call $thrower
    catch $e2
      i32.mul
    catch_all
      i32.const -3
    end)

  ;; Delegate and rethrow inside multi-value tries.
  (func $mvdr (export "mv_delegate_rethrow") (param $x i32) (result i32)
    (local $b i32)
    try $a (type $v_ii)
      try $b (type $v_ii)
        try (type $v_ii)
          local.get $x
          call $thrower
          i32.const 1
          i32.const 1
        delegate $a
      catch_all
        i32.const 0
        i32.const 0
      end
    catch $e2
      local.get $x
      i32.const 3
      i32.eq
      if (param i32 i32) (result i32 i32)
        try (param i32 i32) (result i32 i32)
          throw $e2
        catch_all
          rethrow 2
        end
      end
    catch $e0
      i32.const 2
    catch_all
      i32.const 7
      i32.const 7
    end
    local.set $b
    i32.const 100
    i32.mul
    local.get $b
    i32.add)
  (func (export "mv_outer") (param $x i32) (result i32)
    try (result i32)
      local.get $x
      call $mvdr
    catch $e2
      i32.add
      i32.const 5000
      i32.add
    end)
)
