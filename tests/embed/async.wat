;; Async exports for the embedding API (tests/embed/test_embed.c): `add` yields once before it
;; returns a + b (so a second call can run meanwhile; the sum waits in the task's context
;; slot); `hold` and `release` turn the guest's
;; backpressure on and off (sync functions barge in).
(component
  (core func $task.return (canon task.return (result u32)))
  (core func $backpressure.inc (canon backpressure.inc))
  (core func $backpressure.dec (canon backpressure.dec))
  (core func $context.get (canon context.get i32 0))
  (core func $context.set (canon context.set i32 0))
  (core module $M
    (import "" "task.return" (func $task.return (param i32)))
    (import "" "backpressure.inc" (func $backpressure.inc))
    (import "" "backpressure.dec" (func $backpressure.dec))
    (import "" "context.get" (func $context.get (result i32)))
    (import "" "context.set" (func $context.set (param i32)))
    (func (export "add") (param $a i32) (param $b i32) (result i32)
      (call $context.set (i32.add (local.get $a) (local.get $b)))
      (i32.const 1 (; YIELD ;)))
    (func (export "add-cb") (param i32 i32 i32) (result i32)
      (call $task.return (call $context.get))
      (i32.const 0 (; EXIT ;)))
    (func (export "hold") (call $backpressure.inc))
    (func (export "release") (call $backpressure.dec)))
  (core instance $m (instantiate $M (with "" (instance
    (export "task.return" (func $task.return))
    (export "backpressure.inc" (func $backpressure.inc))
    (export "backpressure.dec" (func $backpressure.dec))
    (export "context.get" (func $context.get))
    (export "context.set" (func $context.set))))))
  (func (export "add") async (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $m "add") async (callback (core func $m "add-cb"))))
  (func (export "hold") (canon lift (core func $m "hold")))
  (func (export "release") (canon lift (core func $m "release"))))
