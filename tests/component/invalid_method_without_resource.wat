;; expect-error: `\[method\]thing.get` names no preceding resource `thing` in this scope
(component
  (import "x" (instance
    (export "[method]thing.get" (func (result u32)))))
)
