;; expect-error: duplicate export name `RUN`
(component
  (core module $m (func (export "f")))
  (core instance $i (instantiate $m))
  (alias core export $i "f" (core func $f))
  (func $g (canon lift (core func $f)))
  (export "run" (func $g))
  (export "RUN" (func $g))
)
