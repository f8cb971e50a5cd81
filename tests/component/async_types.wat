;; expect-output: write-via-stream: func\(data: stream<u8>\) -> future<result<_, error-code>>.*wait-for: async func\(how-long: u64\)\n.*read-via-stream: func\(\) -> tuple<stream<u8>, future<result<_, error-code>>>.*run: async func\(\) -> result\n
;; `warren inspect` of WASI 0.3 imports and exports: async functions, streams and futures.
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
  (import "wasi:clocks/monotonic-clock@0.3.0" (instance $clock
    (export "wait-for" (func async (param "how-long" u64)))))
  (import "wasi:cli/stdin@0.3.0" (instance $stdin
    (alias outer 1 $error-code (type $ec-outer))
    (export "error-code" (type $ec (eq $ec-outer)))
    (type $s (stream u8))
    (type $r (result (error $ec)))
    (type $f (future $r))
    (export "read-via-stream" (func (result (tuple $s $f))))))
  (core module $M (func (export "run") (result i32) (i32.const 0)))
  (core instance $m (instantiate $M))
  (func $run async (result (result)) (canon lift (core func $m "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $run-instance)))
