;; expect-error: the argument for component 0 import `api` is an instance without a required export \(export `get`\)
(component
  (component $c (import "api" (instance (export "get" (func)))))
  (import "x" (instance $x (export "put" (func))))
  (instance (instantiate $c (with "api" (instance $x))))
)
