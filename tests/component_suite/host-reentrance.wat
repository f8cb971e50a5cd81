;; A component whose export `outer` calls the host's test:host/cb.call-back, which the test's
;; host implements by calling the component's export `inner`: that re-enters the instance.
(component
  (import "test:host/cb" (instance $cb (export "call-back" (func (result u32)))))
  (core func $call-back (canon lower (func $cb "call-back")))
  (core module $M
    (import "" "call-back" (func $call-back (result i32)))
    (func (export "outer") (result i32) (call $call-back))
    (func (export "inner") (result i32) (i32.const 7)))
  (core instance $m (instantiate $M (with "" (instance (export "call-back" (func $call-back))))))
  (func (export "outer") (result u32) (canon lift (core func $m "outer")))
  (func (export "inner") (result u32) (canon lift (core func $m "inner"))))
