;; expect-error: export `f`: the ascribed type does not match: the export is a different function type
(component
  (import "g" (func $g (param "x" u32)))
  (export "f" (func $g) (func (param "x" string)))
)
