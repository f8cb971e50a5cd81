;; Lazy table entries (tests/engine/lazy_table_test.c): a table this module defines, filled by an
;; active segment, exported for lazy_table_user.wat; only "double" is exported as a function.
(module
  (type $i2i (func (param i32) (result i32)))
  (table (export "table") 3 funcref)
  (elem (i32.const 0) $double $triple $square)
  (func $double (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $square (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "apply") (param $which i32) (param $x i32) (result i32)
    (call_indirect (type $i2i) (local.get $x) (local.get $which)))
  (func (export "get") (param i32) (result funcref) (table.get 0 (local.get 0)))
)
