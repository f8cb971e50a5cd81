;; expect-error: core instance 0: module 0 import `env`.`log` is not supplied: no argument named `env`
(component
  (core module $m (import "env" "log" (func (param i32))))
  (core instance $i (instantiate $m))
)
