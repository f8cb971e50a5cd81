;; expect-output: wait-for: async func\(d: u64\)
;; An async lower that moves nothing through memory (no result, params within
;; MAX_FLAT_ASYNC_PARAMS) needs no `memory` option. CanonicalABI.md says async lowers always
;; need one, but real producers omit it (componentize-qjs lowers wasi:clocks wait-for this
;; way) and the ABI never reads it, so Warren accepts it, as wasmtime does.
(component
  (import "wait-for" (func $wait-for async (param "d" u64)))
  (core func $lowered (canon lower (func $wait-for) async))
  (core module $m (import "" "wait-for" (func (param i64) (result i32))))
  (core instance (instantiate $m (with "" (instance (export "wait-for" (func $lowered))))))
)
