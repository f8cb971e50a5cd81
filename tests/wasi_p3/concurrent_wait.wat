;; Waits that never block the thread (tests/wasi_p3.cmake runs it with `warren run`):
;; wasi:cli/run@0.3.0#run starts three monotonic-clock.wait-for calls with async lowers: 200 ms,
;; then 10 ms, then an hour. Each is a subtask. It cancels the hour (subtask.cancel: cancelled
;; before it returned), then waits on a set holding the other two: the 10 ms one, started
;; second, must finish first ("short"), then the 200 ms one ("long"). Were a wait to block the
;; thread, the 200 ms wait would come first; were the cancel ignored, the run would last an hour.
;; A wait-for(0) returns at once. Any other status traps (unreachable). It also asks for stdin
;; (stdin.read-via-stream) and never reads it: once run is over, the host must not wait for input.
(component
  (import "wasi:cli/types@0.3.0" (instance $types
    (type $ec (enum "io" "illegal-byte-sequence" "pipe"))
    (export "error-code" (type (eq $ec)))))
  (alias export $types "error-code" (type $error-code))
  (import "wasi:cli/stdout@0.3.0" (instance $stdout
    (alias outer 1 $error-code (type $ec-outer))
    (export "error-code" (type $ec (eq $ec-outer)))
    (type $s (stream u8))
    (type $r (result (error $ec)))
    (type $f (future $r))
    (export "write-via-stream" (func (param "data" $s) (result $f)))))
  (import "wasi:cli/stdin@0.3.0" (instance $stdin
    (alias outer 1 $error-code (type $ec-outer))
    (export "error-code" (type $ec (eq $ec-outer)))
    (type $s (stream u8))
    (type $r (result (error $ec)))
    (type $f (future $r))
    (export "read-via-stream" (func (result (tuple $s $f))))))
  (import "wasi:clocks/monotonic-clock@0.3.0" (instance $clock
    (export "wait-for" (func async (param "how-long" u64)))))

  (type $S (stream u8))
  (type $R (result (error $error-code)))
  (type $F (future $R))

  (core module $Memory (memory (export "mem") 1))
  (core instance $memory (instantiate $Memory))
  (alias core export $memory "mem" (core memory $mem))

  (core func $stream.new (canon stream.new $S))
  (core func $stream.write (canon stream.write $S (memory $mem)))
  (core func $stream.drop-writable (canon stream.drop-writable $S))
  (core func $future.read (canon future.read $F (memory $mem)))
  (core func $future.drop-readable (canon future.drop-readable $F))
  (core func $write-via-stream (canon lower (func $stdout "write-via-stream")))
  (core func $read-via-stream (canon lower (func $stdin "read-via-stream") (memory $mem)))
  (core func $wait-for (canon lower (func $clock "wait-for") async))
  (core func $waitable-set.new (canon waitable-set.new))
  (core func $waitable-set.wait (canon waitable-set.wait (memory $mem)))
  (core func $waitable.join (canon waitable.join))
  (core func $subtask.cancel (canon subtask.cancel))
  (core func $subtask.drop (canon subtask.drop))

  (core module $Main
    (import "" "mem" (memory 1))
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
    (import "" "stream.drop-writable" (func $stream.drop-writable (param i32)))
    (import "" "future.read" (func $future.read (param i32 i32) (result i32)))
    (import "" "future.drop-readable" (func $future.drop-readable (param i32)))
    (import "" "write-via-stream" (func $write-via-stream (param i32) (result i32)))
    (import "" "read-via-stream" (func $read-via-stream (param i32)))
    (import "" "wait-for" (func $wait-for (param i64) (result i32)))
    (import "" "waitable-set.new" (func $waitable-set.new (result i32)))
    (import "" "waitable-set.wait" (func $waitable-set.wait (param i32 i32) (result i32)))
    (import "" "waitable.join" (func $waitable.join (param i32 i32)))
    (import "" "subtask.cancel" (func $subtask.cancel (param i32) (result i32)))
    (import "" "subtask.drop" (func $subtask.drop (param i32)))
    (data (i32.const 16) "short\n")
    (data (i32.const 24) "long\n")
    (data (i32.const 32) "cancelled\n")

    ;; a started wait-for: its subtask
    (func $start-wait (param $ns i64) (result i32)
      (local $ret i32)
      (local.set $ret (call $wait-for (local.get $ns)))
      (if (i32.ne (i32.and (local.get $ret) (i32.const 0xf)) (i32.const 1 (; STARTED ;))) (then unreachable))
      (i32.shr_u (local.get $ret) (i32.const 4)))

    ;; the next event of set $ws must be subtask $st RETURNED
    (func $expect-returned (param $ws i32) (param $st i32)
      (if (i32.ne (call $waitable-set.wait (local.get $ws) (i32.const 0)) (i32.const 1 (; SUBTASK ;))) (then unreachable))
      (if (i32.ne (i32.load (i32.const 0)) (local.get $st)) (then unreachable))
      (if (i32.ne (i32.load (i32.const 4)) (i32.const 2 (; RETURNED ;))) (then unreachable))
      (call $waitable.join (local.get $st) (i32.const 0))
      (call $subtask.drop (local.get $st)))

    (func (export "run") (result i32)
      (local $pair i64) (local $out i32) (local $done i32)
      (local $ws i32) (local $long i32) (local $short i32) (local $hour i32)
      (local.set $pair (call $stream.new))
      (local.set $out (i32.wrap_i64 (i64.shr_u (local.get $pair) (i64.const 32))))
      (local.set $done (call $write-via-stream (i32.wrap_i64 (local.get $pair))))
      (call $read-via-stream (i32.const 128)) ;; and never read
      ;; no wait at all: returned at once, no subtask
      (if (i32.ne (call $wait-for (i64.const 0)) (i32.const 2 (; RETURNED ;))) (then unreachable))
      (local.set $ws (call $waitable-set.new))
      (local.set $long (call $start-wait (i64.const 200000000)))
      (call $waitable.join (local.get $long) (local.get $ws))
      (local.set $short (call $start-wait (i64.const 10000000)))
      (call $waitable.join (local.get $short) (local.get $ws))
      (local.set $hour (call $start-wait (i64.const 3600000000000)))
      (if (i32.ne (call $subtask.cancel (local.get $hour)) (i32.const 4 (; CANCELLED_BEFORE_RETURNED ;)))
        (then unreachable))
      (call $subtask.drop (local.get $hour))
      (if (i32.ne (call $stream.write (local.get $out) (i32.const 32) (i32.const 10)) (i32.const 0xa0)) (then unreachable))
      (call $expect-returned (local.get $ws) (local.get $short))
      (if (i32.ne (call $stream.write (local.get $out) (i32.const 16) (i32.const 6)) (i32.const 0x60)) (then unreachable))
      (call $expect-returned (local.get $ws) (local.get $long))
      (if (i32.ne (call $stream.write (local.get $out) (i32.const 24) (i32.const 5)) (i32.const 0x50)) (then unreachable))
      (call $stream.drop-writable (local.get $out))
      (if (i32.ne (call $future.read (local.get $done) (i32.const 8)) (i32.const 0)) (then unreachable))
      (if (i32.ne (i32.load8_u (i32.const 8)) (i32.const 0)) (then unreachable))
      (call $future.drop-readable (local.get $done))
      (i32.const 0)))

  (core instance $main (instantiate $Main (with "" (instance
    (export "mem" (memory $mem))
    (export "stream.new" (func $stream.new))
    (export "stream.write" (func $stream.write))
    (export "stream.drop-writable" (func $stream.drop-writable))
    (export "future.read" (func $future.read))
    (export "future.drop-readable" (func $future.drop-readable))
    (export "write-via-stream" (func $write-via-stream))
    (export "read-via-stream" (func $read-via-stream))
    (export "wait-for" (func $wait-for))
    (export "waitable-set.new" (func $waitable-set.new))
    (export "waitable-set.wait" (func $waitable-set.wait))
    (export "waitable.join" (func $waitable.join))
    (export "subtask.cancel" (func $subtask.cancel))
    (export "subtask.drop" (func $subtask.drop))))))
  (func $run async (result (result)) (canon lift (core func $main "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $run-instance)))
