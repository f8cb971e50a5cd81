;; A WASI 0.3 command in component text (tests/wasi_p3.cmake runs it with `warren run`):
;; wasi:cli/run@0.3.0#run, lifted with the sync ABI from an async type so that it may block,
;;   1. writes "hello from p3" to stdout through stdout.write-via-stream,
;;   2. writes its arguments after the program name, one per line, then its environment,
;;   3. waits 20 ms with monotonic-clock.wait-for (lowered sync: its thread waits on the reactor),
;;   4. copies stdin (stdin.read-via-stream) to stdout and checks stdin's future says ok,
;;   5. ends the stream and checks stdout's future says ok, then returns ok.
;; Any unexpected status traps (unreachable).
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
  (import "wasi:cli/environment@0.3.0" (instance $environment
    (export "get-environment" (func (result (list (tuple string string)))))
    (export "get-arguments" (func (result (list string))))))
  (import "wasi:clocks/monotonic-clock@0.3.0" (instance $clock
    (export "wait-for" (func async (param "how-long" u64)))))

  (type $S (stream u8))
  (type $R (result (error $error-code)))
  (type $F (future $R))

  (core module $Memory
    (memory (export "mem") 1)
    ;; a bump allocator for the lists and strings the host returns (from 32 KiB up)
    (global $next (mut i32) (i32.const 32768))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $at i32)
      (local.set $at (i32.and (i32.add (global.get $next) (i32.sub (local.get 2) (i32.const 1)))
                              (i32.sub (i32.const 0) (local.get 2))))
      (global.set $next (i32.add (local.get $at) (local.get 3)))
      (if (i32.gt_u (global.get $next) (i32.mul (memory.size) (i32.const 65536))) (then unreachable))
      (local.get $at)))
  (core instance $memory (instantiate $Memory))
  (alias core export $memory "mem" (core memory $mem))
  (alias core export $memory "realloc" (core func $realloc))

  (core func $stream.new (canon stream.new $S))
  (core func $stream.write (canon stream.write $S (memory $mem)))
  (core func $stream.read (canon stream.read $S (memory $mem)))
  (core func $stream.drop-writable (canon stream.drop-writable $S))
  (core func $stream.drop-readable (canon stream.drop-readable $S))
  (core func $future.read (canon future.read $F (memory $mem)))
  (core func $future.drop-readable (canon future.drop-readable $F))
  (core func $write-via-stream (canon lower (func $stdout "write-via-stream")))
  (core func $read-via-stream (canon lower (func $stdin "read-via-stream") (memory $mem)))
  (core func $get-environment (canon lower (func $environment "get-environment") (memory $mem) (realloc $realloc)))
  (core func $get-arguments (canon lower (func $environment "get-arguments") (memory $mem) (realloc $realloc)))
  (core func $wait-for (canon lower (func $clock "wait-for")))

  (core module $Main
    (import "" "mem" (memory 1))
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
    (import "" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
    (import "" "stream.drop-writable" (func $stream.drop-writable (param i32)))
    (import "" "stream.drop-readable" (func $stream.drop-readable (param i32)))
    (import "" "future.read" (func $future.read (param i32 i32) (result i32)))
    (import "" "future.drop-readable" (func $future.drop-readable (param i32)))
    (import "" "write-via-stream" (func $write-via-stream (param i32) (result i32)))
    (import "" "read-via-stream" (func $read-via-stream (param i32)))
    (import "" "get-environment" (func $get-environment (param i32)))
    (import "" "get-arguments" (func $get-arguments (param i32)))
    (import "" "wait-for" (func $wait-for (param i64)))
    (data (i32.const 0) "hello from p3\n")
    (data (i32.const 16) "=")
    (data (i32.const 17) "\n")
    (data (i32.const 20) "waited\n")
    (global $out (mut i32) (i32.const 0)) ;; stdout's writable end

    ;; all `len` bytes at `ptr` into stdout (a sync write completes once the host took them all)
    (func $write (param $ptr i32) (param $len i32)
      (local $ret i32)
      (block $done (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $ret (call $stream.write (global.get $out) (local.get $ptr) (local.get $len)))
        (if (i32.ne (i32.and (local.get $ret) (i32.const 0xf)) (i32.const 0 (; COMPLETED ;))) (then unreachable))
        (local.set $ptr (i32.add (local.get $ptr) (i32.shr_u (local.get $ret) (i32.const 4))))
        (local.set $len (i32.sub (local.get $len) (i32.shr_u (local.get $ret) (i32.const 4))))
        (br $more))))

    ;; the future<result<_, error-code>> at handle $f must say ok
    (func $expect-ok (param $f i32)
      (if (i32.ne (call $future.read (local.get $f) (i32.const 64)) (i32.const 0 (; COMPLETED ;))) (then unreachable))
      (if (i32.ne (i32.load8_u (i32.const 64)) (i32.const 0 (; ok ;))) (then unreachable))
      (call $future.drop-readable (local.get $f)))

    (func (export "run") (result i32)
      (local $pair i64) (local $stdout-done i32) (local $i i32) (local $n i32) (local $at i32)
      (local $in i32) (local $stdin-done i32) (local $ret i32)
      ;; 1. stdout
      (local.set $pair (call $stream.new))
      (global.set $out (i32.wrap_i64 (i64.shr_u (local.get $pair) (i64.const 32))))
      (local.set $stdout-done (call $write-via-stream (i32.wrap_i64 (local.get $pair))))
      (call $write (i32.const 0) (i32.const 14))
      ;; 2. arguments after the program name, then the environment
      (call $get-arguments (i32.const 128))
      (local.set $n (i32.load (i32.const 132)))
      (local.set $i (i32.const 1))
      (block $done (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.add (i32.load (i32.const 128)) (i32.mul (local.get $i) (i32.const 8))))
        (call $write (i32.load (local.get $at)) (i32.load offset=4 (local.get $at)))
        (call $write (i32.const 17) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
      (call $get-environment (i32.const 128))
      (local.set $n (i32.load (i32.const 132)))
      (local.set $i (i32.const 0))
      (block $done (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.add (i32.load (i32.const 128)) (i32.mul (local.get $i) (i32.const 16))))
        (call $write (i32.load (local.get $at)) (i32.load offset=4 (local.get $at)))
        (call $write (i32.const 16) (i32.const 1))
        (call $write (i32.load offset=8 (local.get $at)) (i32.load offset=12 (local.get $at)))
        (call $write (i32.const 17) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
      ;; 3. the clock
      (call $wait-for (i64.const 20000000))
      (call $write (i32.const 20) (i32.const 7))
      ;; 4. stdin to stdout, 4 KiB at a time, until the host drops its end (end of input)
      (call $read-via-stream (i32.const 128))
      (local.set $in (i32.load (i32.const 128)))
      (local.set $stdin-done (i32.load (i32.const 132)))
      (block $eof (loop $more
        (local.set $ret (call $stream.read (local.get $in) (i32.const 4096) (i32.const 4096)))
        (call $write (i32.const 4096) (i32.shr_u (local.get $ret) (i32.const 4)))
        (br_if $eof (i32.eq (i32.and (local.get $ret) (i32.const 0xf)) (i32.const 1 (; DROPPED ;))))
        (br $more)))
      (call $stream.drop-readable (local.get $in))
      (call $expect-ok (local.get $stdin-done))
      ;; 5. end of output: the host writes what is left, then says ok
      (call $stream.drop-writable (global.get $out))
      (call $expect-ok (local.get $stdout-done))
      (i32.const 0 (; ok ;))))

  (core instance $main (instantiate $Main (with "" (instance
    (export "mem" (memory $mem))
    (export "stream.new" (func $stream.new))
    (export "stream.write" (func $stream.write))
    (export "stream.read" (func $stream.read))
    (export "stream.drop-writable" (func $stream.drop-writable))
    (export "stream.drop-readable" (func $stream.drop-readable))
    (export "future.read" (func $future.read))
    (export "future.drop-readable" (func $future.drop-readable))
    (export "write-via-stream" (func $write-via-stream))
    (export "read-via-stream" (func $read-via-stream))
    (export "get-environment" (func $get-environment))
    (export "get-arguments" (func $get-arguments))
    (export "wait-for" (func $wait-for))))))
  (func $run async (result (result)) (canon lift (core func $main "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $run-instance)))
