;; expect-error: module 1 import `env`.`f` \(func\): core instance 0 supplies an incompatible func
(component
  (core module $a (func (export "f") (param i64)))
  (core module $b (import "env" "f" (func (param i32))))
  (core instance $ia (instantiate $a))
  (core instance $ib (instantiate $b (with "env" (instance $ia))))
)
