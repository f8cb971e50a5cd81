;; Loops with registers of their own (native_region): three loops in a row, each with eight hot
;; locals of its own, so that no one choice of eight registers for the function holds them all.
;; The first and third are left by a branch to the block around them (the moves on that edge),
;; the second calls a function (its own registers saved and reloaded), branches inside itself
;; through a br_table and falls out of its end straight into the third; a fourth has a br_table
;; out of it (no registers of its own: a jump table has no room for the moves). A branch to the
;; end of a block that ends where the second loop begins reaches its head from outside. Last, a
;; loop inside a loop that starts at the same word. Everything is summed at the end.
(module
  (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func (export "loop_regions") (param $n i32) (result i32)
    (local $i i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $a4 i32) (local $a5 i32) (local $a6 i32) (local $a7 i32)
    (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)
    (local $b4 i32) (local $b5 i32) (local $b6 i32) (local $b7 i32)
    (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32)
    (local $c4 i32) (local $c5 i32) (local $c6 i32) (local $c7 i32)
    (local $d i32) (local $j i32)
    (local $e0 i32) (local $e1 i32) (local $e2 i32) (local $e3 i32)
    (local $e4 i32) (local $e5 i32) (local $e6 i32) (local $e7 i32)
    (block $out
      (loop $first
        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a0 (i32.add (local.get $a0) (local.get $i)))
        (local.set $a1 (i32.xor (local.get $a1) (i32.add (local.get $a0) (i32.const 1))))
        (local.set $a2 (i32.add (local.get $a2) (i32.mul (local.get $a1) (i32.const 3))))
        (local.set $a3 (i32.sub (local.get $a3) (local.get $a2)))
        (local.set $a4 (i32.add (local.get $a4) (i32.rotl (local.get $a3) (i32.const 5))))
        (local.set $a5 (i32.xor (local.get $a5) (local.get $a4)))
        (local.set $a6 (i32.add (local.get $a6) (i32.shr_u (local.get $a5) (i32.const 3))))
        (local.set $a7 (i32.add (local.get $a7) (i32.xor (local.get $a6) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $first)))
    (local.set $i (i32.const 0))
    (block $pre ;; ends where the next loop begins: a branch from outside to its head
      (br_if $pre (i32.and (local.get $n) (i32.const 1)))
      (local.set $b7 (i32.const 11)))
    (loop $second
      (local.set $b0 (i32.add (local.get $b0) (call $triple (local.get $i))))
      (block $odd
        (block $even
          (br_table $even $odd (i32.and (local.get $i) (i32.const 1))))
        (local.set $b1 (i32.add (local.get $b1) (local.get $b0)))
        (br $odd))
      (local.set $b2 (i32.xor (local.get $b2) (i32.add (local.get $b1) (local.get $i))))
      (local.set $b3 (i32.add (local.get $b3) (local.get $b2)))
      (local.set $b4 (i32.sub (local.get $b4) (i32.mul (local.get $b3) (i32.const 7))))
      (local.set $b5 (i32.add (local.get $b5) (i32.rotr (local.get $b4) (i32.const 3))))
      (local.set $b6 (i32.xor (local.get $b6) (local.get $b5)))
      (local.set $b7 (i32.add (local.get $b7) (local.get $b6)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $second (i32.lt_u (local.get $i) (local.get $n))))
    (block $leave
      (loop $third
        (local.set $c0 (i32.add (local.get $c0) (local.get $i)))
        (local.set $c1 (i32.add (local.get $c1) (i32.mul (local.get $c0) (i32.const 5))))
        (local.set $c2 (i32.xor (local.get $c2) (local.get $c1)))
        (local.set $c3 (i32.add (local.get $c3) (i32.shl (local.get $c2) (i32.const 1))))
        (local.set $c4 (i32.sub (local.get $c4) (local.get $c3)))
        (local.set $c5 (i32.add (local.get $c5) (i32.rotl (local.get $c4) (i32.const 7))))
        (local.set $c6 (i32.xor (local.get $c6) (i32.add (local.get $c5) (i32.const 9))))
        (local.set $c7 (i32.add (local.get $c7) (local.get $c6)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br_if $leave (i32.le_u (local.get $i) (i32.const 1)))
        (br $third)))
    (block $done
      (block $two
        (loop $fourth
          (local.set $d (i32.add (i32.mul (local.get $d) (i32.const 31)) (local.get $a7)))
          (local.set $a7 (i32.add (local.get $a7) (i32.const 1)))
          (br_table $fourth $fourth $two $done (i32.and (local.get $a7) (i32.const 3)))))
      (local.set $d (i32.xor (local.get $d) (i32.const 0x5555))))
    ;; a loop in a loop that starts at the same word, eight hot locals of its own
    (local.set $i (i32.const 0))
    (loop $outer
      (loop $inner
        (local.set $e0 (i32.add (local.get $e0) (local.get $j)))
        (local.set $e1 (i32.xor (local.get $e1) (i32.add (local.get $e0) (i32.const 3))))
        (local.set $e2 (i32.add (local.get $e2) (i32.mul (local.get $e1) (i32.const 5))))
        (local.set $e3 (i32.sub (local.get $e3) (local.get $e2)))
        (local.set $e4 (i32.add (local.get $e4) (i32.rotl (local.get $e3) (i32.const 11))))
        (local.set $e5 (i32.xor (local.get $e5) (local.get $e4)))
        (local.set $e6 (i32.add (local.get $e6) (i32.shr_u (local.get $e5) (i32.const 2))))
        (local.set $e7 (i32.add (local.get $e7) (local.get $e6)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.and (local.get $j) (i32.const 7))))
      (local.set $d (i32.add (local.get $d) (local.get $e7)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (local.set $d (i32.add (local.get $d)
      (i32.add (i32.add (i32.add (local.get $e0) (local.get $e1)) (i32.add (local.get $e2) (local.get $e3)))
               (i32.add (i32.add (local.get $e4) (local.get $e5)) (i32.add (local.get $e6) (local.get $e7))))))
    (i32.add
      (i32.add (i32.add (i32.add (local.get $a0) (local.get $a1)) (i32.add (local.get $a2) (local.get $a3)))
               (i32.add (i32.add (local.get $a4) (local.get $a5)) (i32.add (local.get $a6) (local.get $a7))))
      (i32.add
        (i32.add (i32.add (i32.add (local.get $b0) (local.get $b1)) (i32.add (local.get $b2) (local.get $b3)))
                 (i32.add (i32.add (local.get $b4) (local.get $b5)) (i32.add (local.get $b6) (local.get $b7))))
        (i32.add
          (i32.add (i32.add (i32.add (local.get $c0) (local.get $c1)) (i32.add (local.get $c2) (local.get $c3)))
                   (i32.add (i32.add (local.get $c4) (local.get $c5)) (i32.add (local.get $c6) (local.get $c7))))
          (local.get $d))))))
