;; expect-error: malformed name \(expected a kebab-case label or an interface name\): `not_kebab`
(component
  (import "not_kebab" (func))
)
