;; expect-output: exports \(2\):\n  get: func\(\) -> u32\n  get64: func\(\) -> u64\n
;; A core module inside a component whose globals are initialised with extended constant
;; expressions over an imported global, the shape componentize-qjs emits
;; (`global.get __memory_base; i32.const N; i32.add`). Extended-const is on by default, as in
;; wasmtime, so this loads; component.extended_const_run also calls it (1000 + 42, and
;; (7 - 2) * 3 + the 64-bit base).
(component
  (core module $base
    (global (export "memory_base") i32 (i32.const 1000))
    (global (export "base64") i64 (i64.const 4294967296)))
  (core instance $base (instantiate $base))
  (core module $main
    (import "env" "__memory_base" (global $memory_base i32))
    (import "env" "base64" (global $base64 i64))
    (global $g i32 (i32.add (global.get $memory_base) (i32.const 42)))
    (global $h i64 (i64.add (i64.mul (i64.sub (i64.const 7) (i64.const 2)) (i64.const 3)) (global.get $base64)))
    (func (export "get") (result i32) (global.get $g))
    (func (export "get64") (result i64) (global.get $h)))
  (core instance $main (instantiate $main
    (with "env" (instance
      (export "__memory_base" (global $base "memory_base"))
      (export "base64" (global $base "base64"))))))
  (func (export "get") (result u32) (canon lift (core func $main "get")))
  (func (export "get64") (result u64) (canon lift (core func $main "get64"))))
