;; Fills slots 1 and 2 of the shared table with its own functions.
(module
  (import "env" "__indirect_function_table" (table 3 funcref))
  (func $a_one (result i32) (i32.const 1))
  (func $a_two (result i32) (i32.const 2))
  (elem (i32.const 1) func $a_one $a_two))
