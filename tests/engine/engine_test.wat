;; Modules exercised by engine_test.c (converted with wat2wasm at build time).
(module
  (import "host" "add_then_call" (func $host_add (param i32 i32) (result i32)))
  (import "host" "stop" (func $host_stop))
  (import "host" "yield" (func $host_yield (param i32) (result i32)))
  (memory (export "mem") 1 3)
  (table $t 4 funcref)
  (elem (table $t) (i32.const 0) func $fib $fac $swap3)
  (type $i32_i32 (func (param i32) (result i32)))
  (global $counter (mut i32) (i32.const 0))

  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))

  (func $fac (export "fac") (param i64) (result i64)
    (local $acc i64)
    (local.set $acc (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i64.eqz (local.get 0)))
        (local.set $acc (i64.mul (local.get $acc) (local.get 0)))
        (local.set 0 (i64.sub (local.get 0) (i64.const 1)))
        (br $next)))
    (local.get $acc))

  ;; results taken from locals in an order that overlaps the result slots
  (func $swap3 (export "swap3") (param i32 i32 i32) (result i32 i32 i32)
    (local.get 2) (local.get 1) (local.get 0))

  (func (export "sum_to") (param $n i32) (result i64)
    (local $i i32) (local $s i64)
    (block $exit
      (loop $top
        (br_if $exit (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (local.get $s))

  (func (export "classify") (param i32) (result i32)
    (block $c (block $b (block $a
      (br_table $a $b $c (local.get 0)))
      (return (i32.const 100)))
      (return (i32.const 200)))
    (i32.const 300))

  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  ;; the caller uses the page its callee added
  (func $grow_one (result i32) (memory.grow (i32.const 1)))
  (func (export "grow_then_store") (param i32) (result i32)
    (drop (call $grow_one))
    (i32.store (local.get 0) (i32.const 77))
    (i32.load (local.get 0)))
  (func (export "boom") (unreachable))
  (func $forever (export "forever") (param i32) (result i32)
    (call $forever (i32.add (local.get 0) (i32.const 1))))
  (func $depth (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect $t (type $i32_i32) (local.get 1) (local.get 0)))
  (func (export "via_host") (param i32 i32) (result i32)
    (call $host_add (local.get 0) (local.get 1)))
  (func (export "spin") (loop $l (call $host_stop) (br $l)))
  ;; a live value (local 0) and a pending add across a host call that suspends the fiber
  (func (export "yield_sum") (param i32) (result i32)
    (i32.add (local.get 0) (call $host_yield (i32.mul (local.get 0) (i32.const 2)))))
;; a result carried in rax to the next instruction (native tier): not into a branch target,
  ;; where the other path left something else in rax
  (func (export "carry_join") (param i32) (result i32)
    (local $x i32) (local $y i32)
    (local.set $x (i32.const 7))
    (local.set $y (i32.mul (local.get 0) (i32.const 5))) ;; what rax holds on the branch
    (block $b
      (br_if $b (local.get 0))
      (local.set $x (i32.add (local.get 0) (i32.const 100))))
    (i32.xor (local.get $x) (local.get $y)))
  ;; ...and an operation that does not commute keeps its operands' order
  (func (export "carry_sub") (param i32 i32) (result i32)
    (i32.sub (local.get 1) (i32.add (local.get 0) (i32.const 1))))
;; ...and a comparison whose second operand is carried compares the other way round
  (func (export "carry_lt") (param i32 i32) (result i32)
    (i32.lt_s (local.get 0) (i32.add (local.get 1) (i32.const 1))))
  (func (export "carry_branch_gt_u") (param i32 i32) (result i32)
    (block $b
      (br_if $b (i32.gt_u (local.get 0) (i32.add (local.get 1) (i32.const 1))))
      (return (i32.const 0)))
    (i32.const 1))
;; a v128 result carried in xmm0 to the next instruction (native tier): not into a branch target,
  ;; where the other path left another vector in xmm0
  (func (export "v128_carry_join") (param i32) (result i32)
    (local $x v128) (local $y v128)
    (local.set $x (i32x4.splat (i32.const 7)))
    (local.set $y (i32x4.mul (i32x4.splat (local.get 0)) (i32x4.splat (i32.const 5))))
    (block $b
      (br_if $b (local.get 0))
      (local.set $x (i32x4.add (i32x4.splat (local.get 0)) (i32x4.splat (i32.const 100)))))
    (i32x4.extract_lane 0 (v128.xor (local.get $x) (local.get $y))))
  ;; ...and a carried second operand keeps its place: b - (a + 1), and a & ~(b + 1)
  (func (export "v128_carry_sub") (param i32 i32) (result i32)
    (i32x4.extract_lane 3
      (i32x4.sub (i32x4.splat (local.get 1)) (i32x4.add (i32x4.splat (local.get 0)) (i32x4.splat (i32.const 1))))))
  (func (export "v128_carry_andnot") (param i32 i32) (result i32)
    (i32x4.extract_lane 1
      (v128.andnot (i32x4.splat (local.get 0)) (i32x4.add (i32x4.splat (local.get 1)) (i32x4.splat (i32.const 1))))))
  ;; ...and only while xmm0 still has it: the mask, carried, is bitselect's third operand
  (func (export "v128_carry_bitselect") (param i32 i32 i32) (result i32)
    (i32x4.extract_lane 2
      (v128.bitselect (i32x4.splat (local.get 0)) (i32x4.splat (local.get 1))
                      (i32x4.add (i32x4.splat (local.get 2)) (i32x4.splat (i32.const 1))))))
  ;; ...and only when its store was the instruction's last code: replace_lane copies the vector
  ;; from xmm0, then writes the lane in the frame
  (func (export "v128_carry_replace_lane") (param i32) (result i32)
    (local $v v128)
    (local.set $v (i32x4.splat (local.get 0)))
    (i32x4.extract_lane 1
      (i32x4.add (i32x4.splat (i32.const 0)) (i32x4.replace_lane 1 (local.get $v) (i32.const 9)))))
;; vectors kept in xmm registers (native tier): across calls (the callee keeps its own vectors
  ;; in the same registers), and a vector whose lanes are read and written in the frame
  (func $vector_noise (param i32) (result v128)
    (local $w v128) (local $k i32)
    (loop $l
      (local.set $w (i32x4.add (local.get $w) (i32x4.splat (i32.const 1000))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (local.get 0))))
    (local.get $w))
  (func (export "v128_across_calls") (param i32) (result v128)
    (local $i i32) (local $v v128) ;; $v past the result's slots
    (loop $l
      (local.set $v (i32x4.add (local.get $v) (i32x4.splat (local.get $i))))
      (drop (call $vector_noise (i32.const 3)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
    (local.get $v))
  (func (export "v128_lanes_in_loop") (param i32) (result i32)
    (local $v v128) (local $i i32) (local $sum i32)
    (loop $l
      (local.set $v (i32x4.add (local.get $v) (i32x4.splat (local.get $i))))
      (local.set $sum (i32.add (local.get $sum) (i32x4.extract_lane 2 (local.get $v))))
      (local.set $v (i32x4.replace_lane 0 (local.get $v) (local.get $sum)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
    (i32.add (local.get $sum) (i32x4.extract_lane 0 (local.get $v))))
  ;; every lane kind read, written, stored and loaded while the vector is in an xmm register:
  ;; extracts shuffle the lane out of the register, replaces and lane loads go through the
  ;; vector's own bytes in the frame
  (func (export "v128_lane_kinds") (param $n i32) (result i64)
    (local $v v128) (local $i i32) (local $sum i64)
    (local.set $v (v128.const i32x4 0x80FF7F01 0x8001FFFE 0x01020304 0xF0E0D0C0))
    (loop $l
      (local.set $v (i32x4.add (local.get $v) (i32x4.splat (i32.mul (local.get $i) (i32.const 0x01030507)))))
      (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (i8x16.extract_lane_s 13 (local.get $v)))))
      (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (i8x16.extract_lane_u 6 (local.get $v)))))
      (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (i16x8.extract_lane_s 7 (local.get $v)))))
      (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (i16x8.extract_lane_u 3 (local.get $v)))))
      (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (i32x4.extract_lane 3 (local.get $v)))))
      (local.set $sum (i64.add (local.get $sum) (i64x2.extract_lane 1 (local.get $v))))
      (local.set $sum (i64.add (local.get $sum)
                               (i64.extend_i32_u (i32.reinterpret_f32 (f32x4.extract_lane 2 (local.get $v))))))
      (local.set $sum (i64.add (local.get $sum) (i64.reinterpret_f64 (f64x2.extract_lane 0 (local.get $v)))))
      (local.set $v (i8x16.replace_lane 5 (local.get $v) (local.get $i)))
      (local.set $v (i16x8.replace_lane 6 (local.get $v) (i32.add (local.get $i) (i32.const 0x1234))))
      (local.set $v (i64x2.replace_lane 1 (local.get $v) (i64.and (local.get $sum) (i64.const 0xFFFFFFFF))))
      (v128.store64_lane 1 (i32.const 64) (local.get $v))
      (v128.store16_lane 3 (i32.const 64) (local.get $v))
      (v128.store32_lane 1 (i32.const 66) (local.get $v))
      (v128.store8_lane 9 (i32.const 70) (local.get $v))
      (local.set $v (v128.load16_lane 2 (i32.const 65) (local.get $v)))
      (local.set $v (v128.load8_lane 15 (i32.const 70) (local.get $v)))
      (local.set $v (v128.load64_lane 1 (i32.const 64) (local.get $v)))
      (local.set $v (v128.load32_lane 0 (i32.const 67) (local.get $v)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.xor (local.get $sum) (i64x2.extract_lane 0 (local.get $v))))
  ;; a result computed in its own register while that register is also an operand read after
  ;; the first write: bitselect(v, v, m) into v, w - v into v, shuffles of (w, v) and (v, v) into v
  (func (export "v128_result_is_operand") (param $x i32) (param $n i32) (result i32)
    (local $v v128) (local $w v128) (local $m v128) (local $i i32)
    (local.set $v (i32x4.splat (local.get $x)))
    (local.set $w (v128.const i32x4 1000 2000 3000 4000))
    (local.set $m (v128.const i32x4 0x0000FFFF 0xFFFF0000 0x00FF00FF 0))
    (loop $l
      (local.set $v (v128.bitselect (local.get $v) (local.get $v) (local.get $m)))
      (local.set $v (i32x4.sub (local.get $w) (local.get $v)))
      (local.set $v (i8x16.shuffle 20 21 22 23 0 1 2 3 28 29 30 31 16 17 18 19 (local.get $w) (local.get $v)))
      (local.set $v (i8x16.shuffle 4 5 6 7 8 9 10 11 12 13 14 15 0 1 2 3 (local.get $v) (local.get $v)))
      (local.set $v (i32x4.add (local.get $v) (i32x4.splat (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (i32.mul (i32x4.extract_lane 0 (local.get $v)) (i32.const 3))
             (i32.add (i32x4.extract_lane 1 (local.get $v))
                      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v))))))
  ;; a shuffle operand known to be a v128.const (native tier: its lanes are constants) only in
  ;; straight-line code after the constant: not after a loop head, nor once it is overwritten
  (func (export "v128_known_constants") (param $x i32) (param $n i32) (result i32)
    (local $z v128) (local $v v128) (local $r v128) (local $i i32)
    (local.set $v (i32x4.splat (local.get $x)))
    (local.set $z (v128.const i32x4 0 0 0 0))
    (loop $l
      (local.set $r (i32x4.add (local.get $r)
        (i8x16.shuffle 16 17 18 19 0 1 2 3 20 21 22 23 4 5 6 7 (local.get $z) (local.get $v))))
      (local.set $z (i32x4.add (local.get $z) (local.get $v)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.set $z (v128.const i32x4 7 0 0 0))
    (local.set $z (i32x4.add (local.get $z) (local.get $v)))
    (local.set $r (i32x4.add (local.get $r)
      (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $z) (local.get $v))))
    (local.set $z (v128.const i32x4 9 0 0 0))
    (local.set $z (i32x4.replace_lane 1 (local.get $z) (local.get $x)))
    (local.set $r (i32x4.add (local.get $r)
      (i8x16.shuffle 4 5 6 7 16 17 18 19 0 1 2 3 20 21 22 23 (local.get $z) (local.get $v))))
    (local.set $r (i32x4.add (local.get $r)
      (i8x16.shuffle 16 17 18 19 0 1 2 3 20 21 22 23 4 5 6 7 (v128.const i32x4 0 11 0 0) (local.get $v))))
    (i32.add (i32.add (i32x4.extract_lane 0 (local.get $r)) (i32.mul (i32x4.extract_lane 1 (local.get $r)) (i32.const 3)))
             (i32.add (i32.mul (i32x4.extract_lane 2 (local.get $r)) (i32.const 5))
                      (i32.mul (i32x4.extract_lane 3 (local.get $r)) (i32.const 7)))))
;; v128 results in vector temporaries (the compiler): more vectors on the stack than there are
  ;; temporaries, above an i32 in the first operand-stack slot; and temporaries below a block that
  ;; calls a function (whose frame starts above them)
  (func (export "v128_deep_stack") (param $x i32) (result i32)
    (i32.add (local.get $x) (i32.const 1))
    (i32x4.splat (i32.add (local.get $x) (i32.const 10)))
    (i32x4.splat (i32.add (local.get $x) (i32.const 20)))
    (i32x4.splat (i32.add (local.get $x) (i32.const 30)))
    (i32x4.splat (i32.add (local.get $x) (i32.const 40)))
    (i32x4.splat (i32.add (local.get $x) (i32.const 50)))
    (i32x4.splat (i32.add (local.get $x) (i32.const 60)))
    (i32x4.splat (i32.add (local.get $x) (i32.const 70)))
    (i32x4.splat (i32.add (local.get $x) (i32.const 80)))
    (i32x4.splat (i32.add (local.get $x) (i32.const 90)))
    (i32x4.splat (i32.add (local.get $x) (i32.const 100)))
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.extract_lane 2)
    (i32.mul (i32.const 1000))
    (i32.add))
  (func (export "v128_temps_across_block") (param $x i32) (result i32)
    (i32x4.splat (local.get $x))
    (block (result v128)
      (i32x4.splat (i32.const 5))
      (drop (call $vector_noise (i32.const 3)))
      (i32x4.mul (i32x4.splat (i32.const 7))))
    (i32x4.sub)
    (i32x4.extract_lane 1))
  (func (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter))
)
