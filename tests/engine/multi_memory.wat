;; Two memories (engine_test.c, test_multi_memory): memory 1 is addressed by loads, stores,
;; memory.size/grow/fill/init and memory.copy between memories, beside memory 0. Both are
;; imported, so a test can pass one memory as both (a grow through memory 1 is then seen by
;; memory 0's instructions).
(module
  (import "env" "m0" (memory $m0 1))
  (import "env" "m1" (memory $m1 1))
  (data $hello "hello")
  (func (export "store1") (param i32 i32) (i32.store $m1 (local.get 0) (local.get 1)))
  (func (export "load1") (param i32) (result i32) (i32.load $m1 (local.get 0)))
  (func (export "load0") (param i32) (result i32) (i32.load $m0 (local.get 0)))
  (func (export "size1") (result i32) (memory.size $m1))
  (func (export "grow1") (param i32) (result i32) (memory.grow $m1 (local.get 0)))
  (func (export "fill1") (param i32 i32 i32) (memory.fill $m1 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill0") (param i32 i32 i32) (memory.fill $m0 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init1") (param i32) (memory.init $m1 $hello (local.get 0) (i32.const 0) (i32.const 5)))
  ;; n bytes from memory 1 at s to memory 0 at d
  (func (export "copy1to0") (param i32 i32 i32) (memory.copy $m0 $m1 (local.get 0) (local.get 1) (local.get 2)))
  ;; grows memory 1 by a page, then fills the new page's first bytes through memory 0
  (func (export "grow1_fill0") (result i32)
    (drop (memory.grow $m1 (i32.const 1)))
    (memory.fill $m0 (i32.const 65536) (i32.const 7) (i32.const 4))
    (i32.load8_u $m0 (i32.const 65539)))
)
