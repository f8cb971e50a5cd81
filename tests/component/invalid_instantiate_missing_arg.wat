;; expect-error: instance 0: component 0 import `log` \(func\) is not supplied
(component
  (component $c (import "log" (func)))
  (instance (instantiate $c))
)
