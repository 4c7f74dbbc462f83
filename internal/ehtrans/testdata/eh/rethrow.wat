;; rethrow at depths 0, 1 and 2, with the exception's payload and identity
;; kept; rethrow from nested handlers where two caught exceptions are live.
(module
  (tag $e0 (param i32))
  (tag $e1)
  (tag $e2 (param i32 i32))

  ;; x=1: e0(10)  x=2: e1  x=3: e2(3, 7)  x=-1: e0(-1)
  (func $thrower (param $x i32)
    (if (i32.eq (local.get $x) (i32.const 1)) (then (throw $e0 (i32.const 10))))
    (if (i32.eq (local.get $x) (i32.const 2)) (then (throw $e1)))
    (if (i32.eq (local.get $x) (i32.const 3)) (then (throw $e2 (i32.const 3) (i32.const 7))))
    (if (i32.eq (local.get $x) (i32.const -1)) (then (throw $e0 (i32.const -1)))))

  ;; rethrow 0 from a tagged handler and from catch_all.
  (func (export "rethrow0") (param $x i32) (result i32)
    try (result i32)
      try (result i32)
        local.get $x
        call $thrower
        i32.const 1
      catch $e0
        drop
        rethrow 0
      catch_all
        rethrow 0
      end
    catch $e0
      i32.const 1000
      i32.add
    catch $e1
      i32.const 2000
    catch $e2
      i32.add
      i32.const 3000
      i32.add
    end)

  ;; rethrow 1 from a handler inside a handler: the outer exception, not the
  ;; one the inner handler caught; inside the if, rethrow 1 is the inner one.
  (func (export "rethrow1") (param $x i32) (result i32)
    try (result i32)
      try (result i32)
        local.get $x
        call $thrower
        i32.const 1
      catch_all
        try (result i32)
          i32.const 5
          i32.const 6
          throw $e2
        catch_all
          local.get $x
          i32.const 2
          i32.eq
          if
            rethrow 1
          end
          rethrow 1
        end
      end
    catch $e0
      i32.const 1000
      i32.add
    catch $e1
      i32.const 2000
    catch $e2
      i32.add
      i32.const 3000
      i32.add
    end)

  ;; rethrow 2 across a block.
  (func (export "rethrow2") (param $x i32) (result i32)
    try (result i32)
      try (result i32)
        local.get $x
        call $thrower
        i32.const 1
      catch $e0
        drop
        block (result i32)
          try (result i32)
            throw $e1
          catch_all
            rethrow 2
          end
        end
      end
    catch $e0
      i32.const 1000
      i32.add
    catch_all
      i32.const 2000
    end)

  ;; Two caught exceptions live at once; x chooses which one goes out.
  ;; Labels inside the if: 0 if, 1 inner try, 2 outer try.
  (func (export "rethrow_choice") (param $x i32) (result i32)
    try (result i32)
      try (result i32)
        local.get $x
        throw $e0
      catch $e0
        drop
        try (result i32)
          local.get $x
          i32.const 2
          throw $e2
        catch $e2
          drop
          drop
          local.get $x
          i32.const 1
          i32.and
          if
            rethrow 2
          else
            rethrow 1
          end
          i32.const 0
        end
      end
    catch $e0
      i32.const 100
      i32.add
    catch $e2
      drop
      i32.const 10000
      i32.add
    end)

  ;; rethrow after the handler ran other tries (the exnref must survive
  ;; a nested catch that used its own local).
  (func (export "rethrow_after_nested") (param $x i32) (result i32)
    (local $n i32)
    try (result i32)
      try (result i32)
        local.get $x
        call $thrower
        i32.const 1
      catch_all
        try
          throw $e1
        catch_all
          local.get $n
          i32.const 1
          i32.add
          local.set $n
        end
        try
          i32.const 8
          throw $e0
        catch $e0
          local.get $n
          i32.add
          local.set $n
        end
        rethrow 0
      end
    catch $e0
      local.get $n
      i32.const 100
      i32.mul
      i32.add
    catch_all
      local.get $n
      i32.const -1
      i32.mul
    end)
)
