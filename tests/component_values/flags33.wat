;; flags have at most 32 labels (Binary.md): a 33-label flags type is refused when loading.
(component
  (core module $m (func (export "id") (param i32 i32) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (type $f' (flags "f0" "f1" "f2" "f3" "f4" "f5" "f6" "f7" "f8" "f9" "f10" "f11" "f12" "f13" "f14" "f15" "f16" "f17" "f18" "f19" "f20" "f21" "f22" "f23" "f24" "f25" "f26" "f27" "f28" "f29" "f30" "f31" "f32" ))
  (export $f "f" (type $f'))
  (func (export "echo") (param "x" $f) (result u32) (canon lift (core func $i "id")))
)
