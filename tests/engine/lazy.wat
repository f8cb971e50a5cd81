;; Lazy translation (tests/engine/lazy_test.c): functions reached by direct calls, call_indirect
;; and tail calls, and one never called.
(module
  (type $i2i (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $double $triple)
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  ;; table[which](x)
  (func (export "apply") (param $which i32) (param $x i32) (result i32)
    (call_indirect (type $i2i) (local.get $x) (local.get $which)))
  ;; sums 1..n by a tail-recursive helper
  (func $sum_to (param $n i32) (param $acc i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call $sum_to (i32.sub (local.get $n) (i32.const 1)) (i32.add (local.get $acc) (local.get $n))))))
  (func (export "sum") (param i32) (result i32) (call $sum_to (local.get 0) (i32.const 0)))
  (func (export "never") (result i32) (i32.const 7))
)
