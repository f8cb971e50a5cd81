;; A 64-bit memory 0 beside a 32-bit memory 1 (proposals_test.c, test_memory64): i64 addresses,
;; offsets past 4 GiB, memory.size/grow in pages as i64, and memory.copy between the two kinds.
(module
  (memory $m (export "mem") i64 1 3)
  (memory $small 1)
  (func (export "load") (param i64) (result i32) (i32.load (local.get 0)))
  ;; the largest static offset wat2wasm takes
  (func (export "load_far") (param i64) (result i32) (i32.load offset=0xffffffff (local.get 0)))
  (func (export "store") (param i64 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "size") (result i64) (memory.size))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "fill") (param i64 i32 i64) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  ;; n (i32) bytes from the 64-bit memory at s (i64) to the 32-bit one at d (i32)
  (func (export "copy_to_small") (param i32 i64 i32) (memory.copy $small $m (local.get 0) (local.get 1) (local.get 2)))
  (func (export "load_small") (param i32) (result i32) (i32.load $small (local.get 0)))
  ;; a v128 stored and loaded back at an i64 address: the first lane
  (func (export "v128_roundtrip") (param i64) (result i64)
    (v128.store (local.get 0) (i64x2.splat (i64.const 0x0102030405060708)))
    (i64x2.extract_lane 0 (v128.load (local.get 0))))
)
