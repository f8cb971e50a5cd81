;; expect-error: resource.new: resource type 0 is not defined by this component
(component
  (import "r" (type $r (sub resource)))
  (core func (canon resource.new $r))
)
