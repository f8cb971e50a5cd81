;; A WASI 0.3 command that keeps asking for stdout streams (stdout.write-via-stream in a loop,
;; never ending one): each holds a host buffer, so the 65th traps with a clear message instead of
;; letting a guest take the host's memory.
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
  (type $S (stream u8))
  (core func $stream.new (canon stream.new $S))
  (core func $write-via-stream (canon lower (func $stdout "write-via-stream")))
  (core module $Main
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "write-via-stream" (func $write-via-stream (param i32) (result i32)))
    (func (export "run") (result i32)
      (loop $more
        (drop (call $write-via-stream (i32.wrap_i64 (call $stream.new))))
        (br $more))
      unreachable))
  (core instance $main (instantiate $Main (with "" (instance
    (export "stream.new" (func $stream.new))
    (export "write-via-stream" (func $write-via-stream))))))
  (func $run async (result (result)) (canon lift (core func $main "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $run-instance)))
