;; expect-error: canon lift: core func 0 has type \[i32\] -> \[i32\] but the component func type flattens to \[i32 i32\] -> \[i32\]
(component
  (core module $m (func (export "f") (param i32) (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (alias core export $i "f" (core func $f))
  (type $t (func (param "a" u32) (param "b" u32) (result u32)))
  (func (type $t) (canon lift (core func $f)))
)
