;; expect-error: canon lift needs the realloc option \(parameters hold strings or lists\)
(component
  (core module $m (memory (export "mem") 1) (func (export "f") (param i32 i32)))
  (core instance $i (instantiate $m))
  (alias core export $i "f" (core func $f))
  (alias core export $i "mem" (core memory $mem))
  (type $t (func (param "s" string)))
  (func (type $t) (canon lift (core func $f) (memory $mem)))
)
