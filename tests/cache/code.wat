;; Functions whose machine code holds every kind of relocation (cache_test.c, the code area):
;; calls between defined functions (their entries), call_indirect (a C helper for lazy table
;; entries), loops (the interrupt check's helper), memory.grow (no template: a step of the
;; interpreter on a word of the internal code) and a constant pool of more than 16 slots (copied
;; from the function's pool).
(module
  (type $ii (func (param i32) (result i32)))
  (memory 1)
  (table 4 funcref)
  (elem (i32.const 0) $double $square $fib $pool)
  (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $square (type $ii) (i32.mul (local.get 0) (local.get 0)))
  (func $fib (export "fib") (type $ii)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $pool (type $ii)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (i32.wrap_i64
      (i64.add (i64.extend_i32_u (local.get 0))
        (i64.add (i64.add (i64.add (i64.const 0x100000001) (i64.const 0x200000002))
                          (i64.add (i64.const 0x300000003) (i64.const 0x400000004)))
                 (i64.add (i64.add (i64.const 0x500000005) (i64.const 0x600000006))
                          (i64.add (local.get 1) (local.get 20)))))))
  (func (export "apply") (param $f i32) (param $x i32) (result i32)
    (call_indirect (type $ii) (local.get $x) (local.get $f)))
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))
  (func (export "sum") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i32.add (local.get $s) (call $double (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $s))
)
