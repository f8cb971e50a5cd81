;; expect-error: invalid version in interface name: `wasi:http/types@1.x.0`
(component
  (import "wasi:http/types@1.x.0" (instance))
)
