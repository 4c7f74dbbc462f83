;; Fills slot 2 of the shared table, as every module linked without -fPIC
;; starts its slots at 1.
(module
  (import "env" "__indirect_function_table" (table 3 funcref))
  (func $b_one (result i32) (i32.const 10))
  (func $b_two (result i32) (i32.const 20))
  (elem (i32.const 2) func $b_one $b_two))
