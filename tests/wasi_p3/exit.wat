;; A WASI 0.3 command that ends with wasi:cli/exit.exit-with-code(3) from inside its async run:
;; `warren run` exits with 3, as for 0.2's exit.
(component
  (import "wasi:cli/exit@0.3.0-rc-2026-03-15" (instance $exit
    (export "exit-with-code" (func (param "status-code" u8)))))
  (core func $exit-with-code (canon lower (func $exit "exit-with-code")))
  (core module $Main
    (import "" "exit-with-code" (func $exit-with-code (param i32)))
    (func (export "run") (result i32)
      (call $exit-with-code (i32.const 3))
      unreachable))
  (core instance $main (instantiate $Main (with "" (instance (export "exit-with-code" (func $exit-with-code))))))
  (func $run async (result (result)) (canon lift (core func $main "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0-rc-2026-03-15" (instance $run-instance)))
