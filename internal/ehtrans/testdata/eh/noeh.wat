;; No legacy exception handling: throw alone is part of the new form too.
;; Translate must return this module as it is.
(module
  (tag $e (param i32))
  (func (export "add6") (param $x i32) (result i32)
    local.get $x
    i32.const 6
    i32.add)
  (func (export "maybe_throw") (param $x i32) (result i32)
    local.get $x
    i32.const 3
    i32.eq
    if
      i32.const 6
      throw $e
    end
    local.get $x))
