;; A WASI 0.3 command whose async run returns err: `warren run` exits with 1, as for 0.2.
(component
  (core module $Main (func (export "run") (result i32) (i32.const 1 (; err ;))))
  (core instance $main (instantiate $Main))
  (func $run async (result (result)) (canon lift (core func $main "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $run-instance)))
