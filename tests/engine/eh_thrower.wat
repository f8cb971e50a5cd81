;; Exception handling across modules and tiers (proposals_test.c, test_exceptions): this module
;; throws (so it runs on the interpreter), eh_relay.wat calls it from a module without exception
;; handling (native code where the native tier is on), eh_catcher.wat catches what comes back.
(module
  (tag $e (export "e") (param i32))
  (func (export "throw") (param i32) (throw $e (local.get 0)))
)
