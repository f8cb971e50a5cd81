;; An interface exported by a nested component and re-exported by the outer one: --invoke names
;; its function as iface#func.
(component
  (component $A
    (core module $M (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))
    (core instance $m (instantiate $M))
    (func $f (param "x" u32) (result u32) (canon lift (core func $m "f")))
    (instance $api (export "f" (func $f)))
    (export "test:x/api@1.0.0" (instance $api)))
  (instance $a (instantiate $A))
  (alias export $a "test:x/api@1.0.0" (instance $api))
  (export "test:x/api@1.0.0" (instance $api))
)
