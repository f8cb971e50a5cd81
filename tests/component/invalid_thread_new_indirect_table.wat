;; expect-error: thread.new-indirect: core table 0 does not hold funcref
(component
  (core module $m (table (export "tbl") 1 externref))
  (core instance $i (instantiate $m))
  (alias core export $i "tbl" (core table $tbl))
  (core type $start (func (param i32)))
  (core func (canon thread.new-indirect $start (core table $tbl))))
