;; -W memory64 / -W exceptions: `--invoke caught` stores through a 64-bit memory and returns what a
;; catch got; the module loads only with both proposals on.
(module
  (memory i64 1)
  (tag $e (param i64))
  (func (export "caught") (result i64)
    (i64.store (i64.const 8) (i64.const 42))
    (try (result i64)
      (do (throw $e (i64.load (i64.const 8))))
      (catch $e)))
)
