;; Calls between instances for loop_bench.c: the same small function called N times from a
;; loop as a function of this instance ("local"), as an import from another instance
;; ("imported") and through a table holding that import ("indirect").
(module
  (import "callee" "inc" (func $inc (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $inc)
  (type $t (func (param i32) (result i32)))
  (func $own (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1)))
  (func (export "local") (param $n i32) (result i32)
    (local $s i32)
    (block $exit
      (loop $top
        (br_if $exit (i32.eqz (local.get $n)))
        (local.set $s (call $own (local.get $s)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))
    (local.get $s))
  (func (export "imported") (param $n i32) (result i32)
    (local $s i32)
    (block $exit
      (loop $top
        (br_if $exit (i32.eqz (local.get $n)))
        (local.set $s (call $inc (local.get $s)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))
    (local.get $s))
  (func (export "indirect") (param $n i32) (result i32)
    (local $s i32)
    (block $exit
      (loop $top
        (br_if $exit (i32.eqz (local.get $n)))
        (local.set $s (call_indirect (type $t) (local.get $s) (i32.const 0)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))
    (local.get $s)))
