;; try ... delegate: to the enclosing try, to an outer try past a try
;; with catch_all, past a plain block, past a loop, to the caller, from a
;; handler, to a try without catches, to a try that delegates in turn.
(module
  (tag $e0 (param i32))
  (tag $e1)

  ;; x=1: e0(10)  x=2: e1  x=4: e0(44)  x=-1: e0(-1)
  (func $thrower (param $x i32)
    (if (i32.eq (local.get $x) (i32.const 1)) (then (throw $e0 (i32.const 10))))
    (if (i32.eq (local.get $x) (i32.const 2)) (then (throw $e1)))
    (if (i32.eq (local.get $x) (i32.const 4)) (then (throw $e0 (i32.const 44))))
    (if (i32.eq (local.get $x) (i32.const -1)) (then (throw $e0 (i32.const -1)))))

  ;; delegate 0: the enclosing try's handlers.
  (func (export "to_enclosing") (param $x i32) (result i32)
    try $a (result i32)
      try
        local.get $x
        call $thrower
      delegate $a
      i32.const 1
    catch $e0
    catch_all
      i32.const 3
    end)

  ;; Past a try whose catch_all must not see the exception.
  (func (export "to_outer") (param $x i32) (result i32)
    try $a (result i32)
      try $b (result i32)
        try
          local.get $x
          call $thrower
        delegate $a
        i32.const 1
      catch_all
        i32.const 2
      end
    catch $e0
      i32.const 100
      i32.add
    catch_all
      i32.const 3
    end)

  ;; Naming a plain block: the exception goes to the try around it, past
  ;; the try between.
  (func (export "across_block") (param $x i32) (result i32)
    try $a (result i32)
      block $blk (result i32)
        try $b (result i32)
          try
            local.get $x
            call $thrower
          delegate $blk
          i32.const 1
        catch_all
          i32.const 2
        end
      end
    catch $e0
      i32.const 100
      i32.add
    catch_all
      i32.const 3
    end)

  ;; Naming a loop (inside the try being skipped's parent).
  (func (export "across_loop") (param $x i32) (result i32)
    (local $i i32)
    try $a (result i32)
      loop $l (result i32)
        try $b (result i32)
          try
            local.get $x
            local.get $i
            i32.add
            call $thrower
          delegate $l
          local.get $i
          i32.const 1
          i32.add
          local.tee $i
          i32.const 3
          i32.lt_s
          br_if $l
          local.get $i
        catch_all
          i32.const 2
        end
      end
    catch $e0
      i32.const 100
      i32.add
      local.get $i
      i32.const 1000
      i32.mul
      i32.add
    catch_all
      local.get $i
      i32.const -1000
      i32.mul
    end)

  ;; Naming the function body: to the caller, past the function's own
  ;; catch_all.
  (func $to_caller_inner (param $x i32) (result i32)
    try $a (result i32)
      try
        local.get $x
        call $thrower
      delegate 1
      i32.const 1
    catch_all
      i32.const 2
    end)
  (export "to_caller_raw" (func $to_caller_inner))
  (func (export "to_caller") (param $x i32) (result i32)
    try (result i32)
      local.get $x
      call $to_caller_inner
    catch $e0
      i32.const 500
      i32.add
    catch_all
      i32.const 600
    end)

  ;; From a handler, naming the try whose handler it is: that try no
  ;; longer catches, the next one out does.
  (func (export "from_handler") (param $x i32) (result i32)
    try $a (result i32)
      try $b (result i32)
        local.get $x
        call $thrower
        i32.const 0
      catch_all
        try
          throw $e1
        delegate $b
        i32.const 5
      end
    catch $e1
      i32.const 40
    catch_all
      i32.const 41
    end)

  ;; Naming a try without catches: transparent, the exception goes on.
  (func (export "to_catchless") (param $x i32) (result i32)
    try $a (result i32)
      try $p (result i32)
        try $q (result i32)
          try
            local.get $x
            call $thrower
          delegate $p
          i32.const 1
        catch_all
          i32.const 2
        end
      end
    catch $e0
      i32.const 100
      i32.add
    catch_all
      i32.const 3
    end)

  ;; A delegate that lands in a try that delegates in turn.
  (func (export "chain") (param $x i32) (result i32)
    try $a (result i32)
      try $b (result i32)
        try $c (result i32)
          try $d
            try $e
              try
                local.get $x
                call $thrower
              delegate $d
            catch_all
              unreachable
            end
          delegate $a
          i32.const 1
        catch_all
          i32.const 2
        end
      catch_all
        i32.const 3
      end
    catch $e0
      i32.const 100
      i32.add
    catch_all
      i32.const 4
    end)

  ;; A delegating try with parameters and results, landing in a try with
  ;; parameters.
  (func (export "with_params") (param $x i32) (result i32)
    local.get $x
    try $a (param i32) (result i32)
      try $b (param i32) (result i32)
        try (param i32) (result i32)
          call $thrower
          i32.const 7
        delegate $a
      catch_all
        i32.const 2
      end
    catch $e0
      i32.const 100
      i32.add
    catch_all
      i32.const 3
    end)

  ;; A delegate whose target is the caller, from inside a handler of a try
  ;; that itself sits in another try's body.
  (func $caller_from_handler (param $x i32) (result i32)
    try (result i32)
      try (result i32)
        local.get $x
        i32.const 1
        i32.add
        call $thrower
        i32.const 0
      catch_all
        try
          local.get $x
          call $thrower
        delegate 2
        i32.const 9
      end
    catch_all
      i32.const 8
    end)
  (func (export "caller_from_handler") (param $x i32) (result i32)
    try (result i32)
      local.get $x
      call $caller_from_handler
    catch $e0
      i32.const 500
      i32.add
    catch_all
      i32.const 600
    end)
)
