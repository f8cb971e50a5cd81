;; A core module as a component's guest: memory, a bump `realloc`, a lifted export
;; (reverse: func(xs: list<u32>) -> list<u32>, its post-return) and a lowered import
;; (greet: func(name: string) -> string) called by `run`.
(module
  (import "host" "greet" (func $greet (param i32 i32 i32)))
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (global $post_returns (export "post_returns") (mut i32) (i32.const 0))
  (data (i32.const 16) "W\c3\a4rren")

  ;; (old_ptr, old_size, align, new_size) -> ptr: a fresh aligned block, old contents copied
  (func $realloc (export "realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32)
        (result i32)
    (local $ptr i32)
    (local.set $ptr (i32.and (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
    (global.set $next (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.gt_u (global.get $next) (i32.mul (memory.size) (i32.const 65536)))
      (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (global.get $next)
                                                                 (i32.mul (memory.size) (i32.const 65536)))
                                                         (i32.const 16))
                                              (i32.const 1)))
                        (i32.const -1))
              (then unreachable))))
    (if (local.get $old)
      (then (memory.copy (local.get $ptr) (local.get $old)
                         (select (local.get $old_size) (local.get $size)
                                 (i32.lt_u (local.get $old_size) (local.get $size))))))
    (local.get $ptr))

  ;; reverse: the list's u32s in reverse order, returned through the return area at 8
  (func (export "reverse") (param $ptr i32) (param $len i32) (result i32)
    (local $out i32) (local $i i32)
    (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.shl (local.get $len) (i32.const 2))))
    (block $done
      (loop $copy
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
                   (i32.load (i32.add (local.get $ptr)
                                      (i32.shl (i32.sub (i32.sub (local.get $len) (local.get $i)) (i32.const 1))
                                               (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (i32.store (i32.const 8) (local.get $out))
    (i32.store (i32.const 12) (local.get $len))
    (i32.const 8))

  (func (export "cabi_post_reverse") (param i32)
    (global.set $post_returns (i32.add (global.get $post_returns) (i32.const 1))))

  ;; run: greet("Wärren") with the return area at 0; returns that pointer
  (func (export "run") (result i32)
    (call $greet (i32.const 16) (i32.const 7) (i32.const 0))
    (i32.const 0)))
