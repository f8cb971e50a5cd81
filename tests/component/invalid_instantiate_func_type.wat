;; expect-error: instance 0: the argument for component 0 import `log` is a different function type
(component
  (component $c (import "log" (func (param "msg" string))))
  (import "f" (func $f (param "msg" u32)))
  (instance (instantiate $c (with "log" (func $f))))
)
