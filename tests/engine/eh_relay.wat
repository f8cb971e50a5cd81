;; Calls the thrower with its argument + 100; has no exception handling of its own.
(module
  (import "env" "throw" (func $throw (param i32)))
  (func (export "relay") (param i32) (call $throw (i32.add (local.get 0) (i32.const 100))))
)
