;; expect-error: function results may not contain a borrow
(component
  (import "r" (type $r (sub resource)))
  (import "f" (func (result (borrow $r))))
)
