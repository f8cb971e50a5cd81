;; expect-error: the argument for component 0 import `b` is a different function type
(component
  (component $c
    (import "r" (type $r (sub resource)))
    (import "b" (func (param "x" (own $r)))))
  (import "r1" (type $r1 (sub resource)))
  (import "r2" (type $r2 (sub resource)))
  (import "f" (func $f (param "x" (own $r2))))
  (instance (instantiate $c (with "r" (type $r1)) (with "b" (func $f))))
)
