;; expect-error: realloc function 0 must have type \[i32 i32 i32 i32\] -> \[i32\]
(component
  (import "log" (func $log (param "msg" string)))
  (core module $m (memory (export "mem") 1) (func (export "realloc") (param i32) (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (alias core export $i "mem" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (core func (canon lower (func $log) (memory $mem) (realloc $realloc)))
)
