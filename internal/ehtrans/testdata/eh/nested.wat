;; Nested tries: in a try body, in a catch handler; handlers and bodies
;; that branch out; tries in loops; br_table through tries.
(module
  (tag $e0 (param i32))
  (tag $e1)

  ;; x=1: e0(10)  x=2: e1  x=4: e0(44)  x=-1: e0(-1)
  (func $thrower (param $x i32)
    (if (i32.eq (local.get $x) (i32.const 1)) (then (throw $e0 (i32.const 10))))
    (if (i32.eq (local.get $x) (i32.const 2)) (then (throw $e1)))
    (if (i32.eq (local.get $x) (i32.const 4)) (then (throw $e0 (i32.const 44))))
    (if (i32.eq (local.get $x) (i32.const -1)) (then (throw $e0 (i32.const -1)))))

  (func (export "in_body") (param $x i32) (result i32)
    try (result i32)
      try (result i32)
        local.get $x
        call $thrower
        i32.const 1
      catch $e1
        i32.const 2
      end
      i32.const 10
      i32.add
      local.get $x
      i32.const 5
      i32.eq
      if
        throw $e1
      end
    catch $e0
      drop
      i32.const 3
    catch $e1
      i32.const 4
    catch_all
      i32.const 5
    end)

  ;; The inner handlers throw; the outer try catches what they throw.
  (func (export "in_handler") (param $x i32) (result i32)
    try (result i32)
      try (result i32)
        local.get $x
        call $thrower
        i32.const 1
      catch $e0
        try (param i32) (result i32)
          i32.const 44
          i32.eq
          if
            throw $e1
          end
          i32.const 50
        catch $e1
          i32.const 60
        end
        local.get $x
        i32.const -1
        i32.eq
        if
          throw $e1
        end
      catch_all
        i32.const 7
        throw $e0
      end
    catch $e1
      i32.const 99
    catch $e0
      i32.const 200
      i32.add
    end)

  ;; A handler branches past the code after the try.
  (func (export "branch_out") (param $x i32) (result i32)
    block $out (result i32)
      try (result i32)
        local.get $x
        call $thrower
        i32.const 1
      catch $e0
        i32.const 7
        i32.add
        br $out
      catch_all
        i32.const 3
      end
      i32.const 100
      i32.add
    end)

  ;; The body branches out of the try, to the try's own label and further.
  (func (export "br_from_body") (param $x i32) (result i32)
    block $b (result i32)
      try $t (result i32)
        local.get $x
        i32.const 6
        i32.eq
        if
          i32.const 66
          br $b
        end
        local.get $x
        i32.const 7
        i32.eq
        if
          i32.const 77
          br $t
        end
        local.get $x
        call $thrower
        i32.const 1
      catch_all
        i32.const 2
        br $t
      end
      i32.const 1000
      i32.add
    end)

  ;; A try in a loop, counting the exceptions caught.
  (func (export "loop_try") (param $x i32) (result i32)
    (local $i i32) (local $n i32)
    loop $l
      try
        local.get $i
        call $thrower
      catch_all
        local.get $n
        i32.const 1
        i32.add
        local.set $n
      end
      local.get $i
      i32.const 1
      i32.add
      local.tee $i
      local.get $x
      i32.lt_s
      br_if $l
    end
    local.get $n)

  ;; br_table from inside try bodies and handlers.
  (func (export "br_table") (param $x i32) (result i32)
    block $b2
      block $b1
        block $b0
          try
            try
              local.get $x
              call $thrower
              local.get $x
              br_table $b0 $b1 $b2 $b0 $b1 $b2 $b0
            catch $e0
              i32.const 1
              i32.and
              br_table $b1 $b2
            end
          catch_all
            br $b2
          end
          i32.const -1
          return
        end
        i32.const 100
        return
      end
      i32.const 101
      return
    end
    i32.const 102)

  ;; Deep nesting: three tries, each catching a different thing.
  (func (export "deep") (param $x i32) (result i32)
    try (result i32)
      try (result i32)
        try (result i32)
          local.get $x
          call $thrower
          i32.const 0
        catch $e1
          i32.const 1
        end
        local.get $x
        i32.const 3
        i32.eq
        if (result i32)
          throw $e1
        else
          i32.const 10
        end
        i32.add
      catch $e1
        i32.const 20
      end
    catch $e0
    end)
)
