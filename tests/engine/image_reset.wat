;; A memory with an image (engine_test.c, test_image_reset): 320 pages, data on page 0 and
;; page 1; the rest of the memory is zero.
(module
  (memory (export "mem") 320)
  (data (i32.const 0) "abc")
  (data (i32.const 70000) "xyz")
  (func (export "write") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "read") (param i32) (result i32) (i32.load8_u (local.get 0)))
  ;; one byte written on each of the first n pages
  (func (export "dirty_pages") (param $n i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (i32.add (i32.mul (local.get $i) (i32.const 65536)) (i32.const 12)) (i32.const 9))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))
)
