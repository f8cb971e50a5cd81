;; expect-error: thread.new-indirect: core type 0 is not \(func \(param i32\)\)
(component
  (core module $m (table (export "tbl") 1 funcref))
  (core instance $i (instantiate $m))
  (alias core export $i "tbl" (core table $tbl))
  (core type $wrong (func (param i64)))
  (core func (canon thread.new-indirect $wrong (core table $tbl))))
