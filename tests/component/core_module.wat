;; expect-output: ^core module [^\n]*\(.* bytes, 2 functions\)\nimports \(2\):\n  env\.log: func \[i32 i32\] -> \[\]\n  env\.mem: memory 1 16\nexports \(2\):\n  counter: global mut i32\n  run: func \[i64\] -> \[f32\]\n$
(module
  (import "env" "log" (func (param i32 i32)))
  (import "env" "mem" (memory 1 16))
  (global (export "counter") (mut i32) (i32.const 0))
  (func (export "run") (param i64) (result f32) f32.const 0)
)
