;; Catches the thrower's exception coming back through the relay (which proposals_test.c calls
;; from a host function: the exception crosses the host and the relay's native code as a trap).
(module
  (import "env" "e" (tag $e (param i32)))
  (import "env" "relay" (func $relay (param i32)))
  (func $catch (export "catch") (param i32) (result i32)
    (try (result i32)
      (do (call $relay (local.get 0)) (i32.const -1))
      (catch $e)))
  ;; catches n exceptions through the relay and sums their payloads
  (func (export "catch_n") (param $n i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $sum (i32.add (local.get $sum) (call $catch (local.get $n))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $sum))
  ;; catch_all, then rethrow to the caller
  (func (export "rethrow") (param i32)
    (try (do (call $relay (local.get 0))) (catch_all (rethrow 0))))
)
