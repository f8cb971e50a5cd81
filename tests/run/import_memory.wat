;; Imports a memory, which preview1 does not provide.
(module
  (import "env" "memory" (memory 1))
  (func (export "_start")))
