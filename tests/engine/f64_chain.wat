;; f64 results left in xmm0 and not stored to their slot when the next instruction takes them
;; from there (native_f64_result_unread): c[i] = a * b[i] + c[i] (a product from memory, added
;; into memory in place), a sum stored straight to memory, and results a sub or div takes as its
;; first operand (not stored). Stored: results taken as a second operand, a product reaching its
;; consumer at a block's end that a branch also reaches, and one into a local read again later.
;; b at 1024, c at 2048, n <= 64.
(module
  (memory 1)
  (func (export "f64_chain") (param $n i32) (param $x i32) (result f64)
    (local $i i32) (local $p i32) (local $a f64) (local $acc f64) (local $alt f64) (local $t f64)
    (loop $fill
      (f64.store offset=1024 (i32.shl (local.get $i) (i32.const 3))
        (f64.add (f64.convert_i32_u (local.get $i)) (f64.const 0.5)))
      (f64.store offset=2048 (i32.shl (local.get $i) (i32.const 3)) (f64.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (local.get $n))))
    (local.set $a (f64.convert_i32_s (local.get $x)))
    (local.set $i (i32.const 0))
    (loop $mac
      (local.set $p (i32.shl (local.get $i) (i32.const 3)))
      (f64.store offset=2048 (local.get $p)
        (f64.add (f64.mul (local.get $a) (f64.load offset=1024 (local.get $p)))
                 (f64.load offset=2048 (local.get $p))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $mac (i32.lt_u (local.get $i) (local.get $n))))
    (local.set $i (i32.const 0))
    (loop $sum
      (local.set $p (i32.shl (local.get $i) (i32.const 3)))
      (local.set $acc
        (f64.add (local.get $acc)
          (f64.add
            (f64.div (f64.sub (f64.mul (f64.load offset=2048 (local.get $p)) (f64.const 2)) (local.get $a))
                     (f64.const 3))
            (f64.div (f64.const 1) (f64.mul (local.get $a) (f64.const 4))))))
      (local.set $alt (f64.sub (f64.mul (local.get $a) (f64.load offset=1024 (local.get $p))) (local.get $alt)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $sum (i32.lt_u (local.get $i) (local.get $n))))
    ;; a product into a local, which the next instruction reads first and a later one again
    (local.set $t (f64.mul (local.get $a) (f64.const 3)))
    (local.set $acc (f64.add (local.get $t) (local.get $acc)))
    (local.set $acc (f64.add (local.get $acc) (local.get $t)))
    (f64.add (f64.add (local.get $acc) (local.get $alt))
      (f64.div
        (block (result f64)
          (drop (br_if 0 (f64.const 7) (i32.and (local.get $x) (i32.const 1))))
          (f64.mul (local.get $a) (f64.const 8)))
        (f64.const 2)))))
