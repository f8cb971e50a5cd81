;; A component whose core module traps in its start function: every instantiation fails, so
;; `warren serve` must refuse it at startup with a clear error (exit 1) rather than serve 500s.
(component
  (core module $m
    (func $start unreachable)
    (start $start))
  (core instance (instantiate $m)))
