;; expect-error: canon lift needs the memory option \(the result is returned in memory\)
(component
  (core module $m (func (export "f") (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (alias core export $i "f" (core func $f))
  (type $t (func (result (tuple u32 u32))))
  (func (type $t) (canon lift (core func $f)))
)
