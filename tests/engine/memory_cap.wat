;; A memory without a declared maximum, for the store's cap (engine_test.c, test_memory_cap):
;; 2 pages with an image, grown one page at a time until memory.grow answers -1.
(module
  (memory (export "mem") 2)
  (data (i32.const 0) "cap")
  ;; grows by one page until a grow fails or the memory has `limit` pages; its size in pages
  (func (export "grow_until_fail") (param $limit i32) (result i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (memory.size) (local.get $limit)))
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $next)))
    (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  ;; writes then reads a byte at the last byte of the memory
  (func (export "touch_last") (result i32)
    (local $at i32)
    (local.set $at (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)))
    (i32.store8 (local.get $at) (i32.const 77))
    (i32.load8_u (local.get $at)))
)
