;; A WASI 0.3 command stuck for good: its run reads a future whose writable end it keeps and never
;; writes. Nothing is pending in the event loop, so `warren run` stops with a deadlock error
;; instead of hanging.
(component
  (type $F (future))
  (core func $future.new (canon future.new $F))
  (core func $future.read (canon future.read $F))
  (core module $Main
    (import "" "future.new" (func $future.new (result i64)))
    (import "" "future.read" (func $future.read (param i32 i32) (result i32)))
    (func (export "run") (result i32)
      (drop (call $future.read (i32.wrap_i64 (call $future.new)) (i32.const 0)))
      unreachable))
  (core instance $main (instantiate $Main (with "" (instance
    (export "future.new" (func $future.new))
    (export "future.read" (func $future.read))))))
  (func $run async (result (result)) (canon lift (core func $main "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $run-instance)))
