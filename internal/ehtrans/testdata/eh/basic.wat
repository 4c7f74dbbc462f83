;; Legacy try/catch basics: catches with tag parameters, catch_all, several
;; catches, handlers that fall through to the end, results (none, one),
;; exceptions thrown across functions. Every export takes x and returns i32.
(module
  (tag $e0 (param i32))
  (tag $e1)
  (tag $e2 (param i32 i32))

  ;; x=1: e0(10)  x=2: e1  x=3: e2(3, 7)  x=4: e0(44) three calls down
  ;; x=-1: e0(-1) other: returns
  (func $thrower (param $x i32)
    (if (i32.eq (local.get $x) (i32.const 1)) (then (throw $e0 (i32.const 10))))
    (if (i32.eq (local.get $x) (i32.const 2)) (then (throw $e1)))
    (if (i32.eq (local.get $x) (i32.const 3)) (then (throw $e2 (i32.const 3) (i32.const 7))))
    (if (i32.eq (local.get $x) (i32.const 4)) (then (call $deep (i32.const 44))))
    (if (i32.eq (local.get $x) (i32.const -1)) (then (throw $e0 (i32.const -1)))))
  (func $deep (param i32) (call $deeper (local.get 0)))
  (func $deeper (param i32) (throw $e0 (local.get 0)))

  ;; One result; three kinds of handler, each falling through to the end.
  (func (export "multi_catch") (param $x i32) (result i32)
    try (result i32)
      local.get $x
      call $thrower
      i32.const -5
    catch $e0
      i32.const 1000
      i32.add
    catch $e2
      i32.mul
    catch_all
      i32.const 77
    end)

  ;; No result: the handler's effect is on a local.
  (func (export "no_result") (param $x i32) (result i32)
    (local $r i32)
    i32.const 1
    local.set $r
    try
      local.get $x
      call $thrower
      local.get $r
      i32.const 10
      i32.add
      local.set $r
    catch $e1
      i32.const 200
      local.set $r
    end
    local.get $r)

  ;; catch_all alone.
  (func (export "catch_all_only") (param $x i32) (result i32)
    try (result i32)
      local.get $x
      call $thrower
      i32.const 1
    catch_all
      i32.const 2
    end)

  ;; A try without catches lets everything through.
  (func (export "no_catch") (param $x i32) (result i32)
    try (result i32)
      local.get $x
      call $thrower
      i32.const 8
    end
    i32.const 1
    i32.add)

  ;; Thrown and caught in the same function.
  (func (export "local_throw") (param $x i32) (result i32)
    try (result i32)
      local.get $x
      if
        local.get $x
        i32.const 5
        i32.add
        throw $e0
      end
      i32.const 0
    catch $e0
    end)

  ;; The middle function catches e1 only; the rest crosses it.
  (func $middle (param $x i32) (result i32)
    try (result i32)
      local.get $x
      call $thrower
      i32.const 9
    catch $e1
      i32.const 19
    end)
  (func (export "across") (param $x i32) (result i32)
    try (result i32)
      local.get $x
      call $middle
    catch $e0
      i32.const 100
      i32.add
    catch_all
      i32.const -100
    end)

  ;; Order of catches: the first matching one runs.
  (func (export "order") (param $x i32) (result i32)
    try (result i32)
      local.get $x
      call $thrower
      i32.const 0
    catch $e1
      i32.const 1
    catch $e0
      drop
      i32.const 2
    catch $e1
      i32.const 3
    catch_all
      i32.const 4
    end)
)
