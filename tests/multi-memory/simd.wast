;; Multi-memory: the SIMD loads and stores with a memory index: v128.load
;; and .store, the extending loads, splats, load_zero and the lane loads
;; and stores. Written for hive from the multi-memory proposal's text.

(module
  (memory $a 1)
  (memory $b 1)
  (data (memory $b) (i32.const 0) "\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\f0\f1")
  (func (export "load") (param i32) (result v128) (v128.load $b (local.get 0)))
  (func (export "load_a") (param i32) (result v128) (v128.load $a (local.get 0)))
  (func (export "store") (param i32 v128) (v128.store $b (local.get 0) (local.get 1)))
  (func (export "load8x8_s") (param i32) (result v128) (v128.load8x8_s $b offset=10 (local.get 0)))
  (func (export "load16x4_u") (param i32) (result v128) (v128.load16x4_u $b (local.get 0)))
  (func (export "load32x2_s") (param i32) (result v128) (v128.load32x2_s $b (local.get 0)))
  (func (export "splat8") (param i32) (result v128) (v128.load8_splat $b (local.get 0)))
  (func (export "splat64") (param i32) (result v128) (v128.load64_splat $b (local.get 0)))
  (func (export "zero32") (param i32) (result v128) (v128.load32_zero $b (local.get 0)))
  (func (export "lane16") (param i32 v128) (result v128) (v128.load16_lane $b 3 (local.get 0) (local.get 1)))
  (func (export "slane32") (param i32 v128) (v128.store32_lane $b 2 (local.get 0) (local.get 1)))
  (func (export "i32") (param i32) (result i32) (i32.load $b (local.get 0)))
)

(assert_return (invoke "load" (i32.const 0))
  (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15))
(assert_return (invoke "load_a" (i32.const 0)) (v128.const i64x2 0 0))
(assert_trap (invoke "load" (i32.const 65521)) "out of bounds memory access")
(assert_return (invoke "load8x8_s" (i32.const 0)) (v128.const i16x8 10 11 12 13 14 15 -16 -15))
(assert_return (invoke "load16x4_u" (i32.const 2)) (v128.const i32x4 0x0302 0x0504 0x0706 0x0908))
(assert_return (invoke "load32x2_s" (i32.const 14)) (v128.const i64x2 0xfffffffff1f00f0e 0))
(assert_return (invoke "splat8" (i32.const 17)) (v128.const i8x16 0xf1 0xf1 0xf1 0xf1 0xf1 0xf1 0xf1 0xf1 0xf1 0xf1 0xf1 0xf1 0xf1 0xf1 0xf1 0xf1))
(assert_return (invoke "splat64" (i32.const 1)) (v128.const i64x2 0x0807060504030201 0x0807060504030201))
(assert_return (invoke "zero32" (i32.const 4)) (v128.const i32x4 0x07060504 0 0 0))
(assert_trap (invoke "zero32" (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke "lane16" (i32.const 1) (v128.const i64x2 0 0)) (v128.const i16x8 0 0 0 0x0201 0 0 0 0))
(assert_trap (invoke "lane16" (i32.const 65535) (v128.const i64x2 0 0)) "out of bounds memory access")
(assert_return (invoke "slane32" (i32.const 100) (v128.const i32x4 1 2 3 4)))
(assert_return (invoke "i32" (i32.const 100)) (i32.const 3))
(assert_trap (invoke "slane32" (i32.const 65533) (v128.const i32x4 1 2 3 4)) "out of bounds memory access")
(assert_return (invoke "store" (i32.const 200) (v128.const i32x4 5 6 7 8)))
(assert_return (invoke "load" (i32.const 200)) (v128.const i32x4 5 6 7 8))
(assert_return (invoke "load_a" (i32.const 200)) (v128.const i32x4 0 0 0 0))
(assert_trap (invoke "store" (i32.const 65530) (v128.const i32x4 5 6 7 8)) "out of bounds memory access")

(assert_invalid
  (module (memory 1) (func (drop (v128.load 1 (i32.const 0)))))
  "unknown memory")
(assert_invalid
  (module (memory 1) (func (v128.store8_lane 1 0 (i32.const 0) (v128.const i64x2 0 0))))
  "unknown memory")
