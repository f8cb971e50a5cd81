;; Edge cases of the native tier's SIMD templates (src/wasm/native_emit_simd.c) that the spec suite
;; leaves out: static offsets above INT32_MAX (the template adds them through a scratch register),
;; with a memory just over 2 GiB so that such accesses are in bounds.
(module
  (memory 32769) ;; 2 GiB + 64 KiB
  (func (export "store8_lane") (param i32) (result i32)
    (v128.store8_lane offset=0x80000000 5 (local.get 0)
      (v128.const i8x16 0 1 2 3 4 55 6 7 8 9 10 11 12 13 14 15))
    (i32.load8_u offset=0x80000000 (local.get 0)))
  (func (export "store64_lane") (param i32) (result i64)
    (v128.store64_lane offset=0x80000010 1 (local.get 0) (v128.const i64x2 7 0x1122334455667788))
    (i64.load offset=0x80000010 (local.get 0)))
  (func (export "load32_lane") (param i32) (result i32)
    (i32.store offset=0x80000020 (local.get 0) (i32.const 0x0badf00d))
    (i32x4.extract_lane 2
      (v128.load32_lane offset=0x80000020 2 (local.get 0) (v128.const i32x4 1 2 3 4))))
  (func (export "load_store") (param i32) (result i64)
    (v128.store offset=0x80000030 (local.get 0) (v128.const i64x2 0x0102030405060708 0x1112131415161718))
    (i64x2.extract_lane 1 (v128.load offset=0x80000030 (local.get 0))))
  (func (export "load8x8_u") (param i32) (result i32)
    (i64.store offset=0x80000040 (local.get 0) (i64.const 0xff00000000000080))
    (i16x8.extract_lane_u 7 (v128.load8x8_u offset=0x80000040 (local.get 0))))
  (func (export "load16_splat") (param i32) (result i32)
    (i32.store16 offset=0x80000050 (local.get 0) (i32.const 0xbeef))
    (i16x8.extract_lane_u 3 (v128.load16_splat offset=0x80000050 (local.get 0))))
  (func (export "past_end") (param i32) (result i32)
    (i32x4.extract_lane 0 (v128.load offset=0x80000000 (local.get 0))))
)
(assert_return (invoke "store8_lane" (i32.const 16)) (i32.const 55))
(assert_return (invoke "store64_lane" (i32.const 16)) (i64.const 0x1122334455667788))
(assert_return (invoke "load32_lane" (i32.const 16)) (i32.const 0x0badf00d))
(assert_return (invoke "load_store" (i32.const 16)) (i64.const 0x1112131415161718))
(assert_return (invoke "load8x8_u" (i32.const 16)) (i32.const 0xff))
(assert_return (invoke "load16_splat" (i32.const 16)) (i32.const 0xbeef))
;; the last 16 bytes are in bounds, one byte further is not
(assert_return (invoke "past_end" (i32.const 0xfff0)) (i32.const 0))
(assert_trap (invoke "past_end" (i32.const 0xfff1)) "out of bounds memory access")
