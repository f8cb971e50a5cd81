;; Calls through the table lazy_table.wat exports, and through a copy of it in a table of its own.
(module
  (type $i2i (func (param i32) (result i32)))
  (import "owner" "table" (table $theirs 3 funcref))
  (table $mine 3 funcref)
  (func (export "apply_theirs") (param $which i32) (param $x i32) (result i32)
    (call_indirect $theirs (type $i2i) (local.get $x) (local.get $which)))
  (func (export "copy_then_apply") (param $which i32) (param $x i32) (result i32)
    (table.copy $mine $theirs (i32.const 0) (i32.const 0) (i32.const 3))
    (call_indirect $mine (type $i2i) (local.get $x) (local.get $which)))
  (func (export "tail_apply_theirs") (param $which i32) (param $x i32) (result i32)
    (return_call_indirect $theirs (type $i2i) (local.get $x) (local.get $which)))
)
