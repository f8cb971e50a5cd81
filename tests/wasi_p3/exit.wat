;; A WASI 0.3 command, imports under the release-candidate names of 0.3.0-rc-2026-03-15, that
;; copies stdin to stdout and then ends with wasi:cli/exit.exit-with-code(3) from inside its async
;; run, without waiting for stdout: `warren run` exits with 3, as for 0.2's exit, and every byte
;; the host accepted from the stream still reaches stdout.
(component
  (import "wasi:cli/types@0.3.0-rc-2026-03-15" (instance $types
    (type $ec (enum "io" "illegal-byte-sequence" "pipe"))
    (export "error-code" (type (eq $ec)))))
  (alias export $types "error-code" (type $error-code))
  (import "wasi:cli/stdout@0.3.0-rc-2026-03-15" (instance $stdout
    (alias outer 1 $error-code (type $ec-outer))
    (export "error-code" (type $ec (eq $ec-outer)))
    (type $s (stream u8))
    (type $r (result (error $ec)))
    (type $f (future $r))
    (export "write-via-stream" (func (param "data" $s) (result $f)))))
  (import "wasi:cli/stdin@0.3.0-rc-2026-03-15" (instance $stdin
    (alias outer 1 $error-code (type $ec-outer))
    (export "error-code" (type $ec (eq $ec-outer)))
    (type $s (stream u8))
    (type $r (result (error $ec)))
    (type $f (future $r))
    (export "read-via-stream" (func (result (tuple $s $f))))))
  (import "wasi:cli/exit@0.3.0-rc-2026-03-15" (instance $exit
    (export "exit-with-code" (func (param "status-code" u8)))))
  (type $S (stream u8))
  (core module $Memory (memory (export "mem") 1))
  (core instance $memory (instantiate $Memory))
  (alias core export $memory "mem" (core memory $mem))
  (core func $stream.new (canon stream.new $S))
  (core func $stream.write (canon stream.write $S (memory $mem)))
  (core func $stream.read (canon stream.read $S (memory $mem)))
  (core func $write-via-stream (canon lower (func $stdout "write-via-stream")))
  (core func $read-via-stream (canon lower (func $stdin "read-via-stream") (memory $mem)))
  (core func $exit-with-code (canon lower (func $exit "exit-with-code")))
  (core module $Main
    (import "" "mem" (memory 1))
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
    (import "" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
    (import "" "write-via-stream" (func $write-via-stream (param i32) (result i32)))
    (import "" "read-via-stream" (func $read-via-stream (param i32)))
    (import "" "exit-with-code" (func $exit-with-code (param i32)))
    (func (export "run") (result i32)
      (local $pair i64) (local $out i32) (local $in i32) (local $ret i32)
      (local.set $pair (call $stream.new))
      (local.set $out (i32.wrap_i64 (i64.shr_u (local.get $pair) (i64.const 32))))
      (drop (call $write-via-stream (i32.wrap_i64 (local.get $pair))))
      (call $read-via-stream (i32.const 0))
      (local.set $in (i32.load (i32.const 0)))
      (block $eof (loop $more
        (local.set $ret (call $stream.read (local.get $in) (i32.const 4096) (i32.const 4096)))
        (if (i32.shr_u (local.get $ret) (i32.const 4)) (then
          ;; a sync write completes once the host took every byte
          (if (i32.ne (call $stream.write (local.get $out) (i32.const 4096) (i32.shr_u (local.get $ret) (i32.const 4)))
                      (i32.and (local.get $ret) (i32.const -16)))
            (then unreachable))))
        (br_if $eof (i32.eq (i32.and (local.get $ret) (i32.const 0xf)) (i32.const 1 (; DROPPED ;))))
        (br $more)))
      (call $exit-with-code (i32.const 3))
      unreachable))
  (core instance $main (instantiate $Main (with "" (instance
    (export "mem" (memory $mem))
    (export "stream.new" (func $stream.new))
    (export "stream.write" (func $stream.write))
    (export "stream.read" (func $stream.read))
    (export "write-via-stream" (func $write-via-stream))
    (export "read-via-stream" (func $read-via-stream))
    (export "exit-with-code" (func $exit-with-code))))))
  (func $run async (result (result)) (canon lift (core func $main "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0-rc-2026-03-15" (instance $run-instance)))
