;; Multi-memory: loads and stores of every width on memories other than 0,
;; each memory on its own (a store in one is not seen in another), bounds
;; checked against the memory the instruction names, memory.size and
;; memory.grow per memory, and active data segments for any memory.
;; Written for hive from the multi-memory proposal's text.

(module
  (memory $m0 1)
  (memory $m1 1 2)
  (memory $m2 2)
  (data (memory $m1) (i32.const 8) "\01\02\03\04\05\06\07\08")
  (data (memory $m2) (i32.const 0x1fff8) "abcdefgh")
  (data (i32.const 0) "zero")

  (func (export "load0") (param i32) (result i32) (i32.load8_u $m0 (local.get 0)))
  (func (export "load1") (param i32) (result i32) (i32.load8_u $m1 (local.get 0)))
  (func (export "load2") (param i32) (result i32) (i32.load8_u $m2 (local.get 0)))

  (func (export "i32.load1") (param i32) (result i32) (i32.load $m1 (local.get 0)))
  (func (export "i64.load1") (param i32) (result i64) (i64.load $m1 (local.get 0)))
  (func (export "f32.load1") (param i32) (result f32) (f32.load $m1 (local.get 0)))
  (func (export "f64.load1") (param i32) (result f64) (f64.load $m1 (local.get 0)))
  (func (export "i32.load8_s1") (param i32) (result i32) (i32.load8_s $m1 (local.get 0)))
  (func (export "i32.load16_s1") (param i32) (result i32) (i32.load16_s $m1 (local.get 0)))
  (func (export "i32.load16_u1") (param i32) (result i32) (i32.load16_u $m1 (local.get 0)))
  (func (export "i64.load8_s1") (param i32) (result i64) (i64.load8_s $m1 (local.get 0)))
  (func (export "i64.load8_u1") (param i32) (result i64) (i64.load8_u $m1 (local.get 0)))
  (func (export "i64.load16_s1") (param i32) (result i64) (i64.load16_s $m1 (local.get 0)))
  (func (export "i64.load16_u1") (param i32) (result i64) (i64.load16_u $m1 (local.get 0)))
  (func (export "i64.load32_s1") (param i32) (result i64) (i64.load32_s $m1 (local.get 0)))
  (func (export "i64.load32_u1") (param i32) (result i64) (i64.load32_u $m1 (local.get 0)))
  (func (export "offset1") (param i32) (result i32) (i32.load8_u $m1 offset=9 (local.get 0)))

  (func (export "i32.store2") (param i32 i32) (i32.store $m2 (local.get 0) (local.get 1)))
  (func (export "i64.store2") (param i32 i64) (i64.store $m2 (local.get 0) (local.get 1)))
  (func (export "f32.store2") (param i32 f32) (f32.store $m2 (local.get 0) (local.get 1)))
  (func (export "f64.store2") (param i32 f64) (f64.store $m2 (local.get 0) (local.get 1)))
  (func (export "i32.store8_2") (param i32 i32) (i32.store8 $m2 (local.get 0) (local.get 1)))
  (func (export "i32.store16_2") (param i32 i32) (i32.store16 $m2 (local.get 0) (local.get 1)))
  (func (export "i64.store8_2") (param i32 i64) (i64.store8 $m2 (local.get 0) (local.get 1)))
  (func (export "i64.store16_2") (param i32 i64) (i64.store16 $m2 (local.get 0) (local.get 1)))
  (func (export "i64.store32_2") (param i32 i64) (i64.store32 $m2 (local.get 0) (local.get 1)))
  (func (export "i64.load2") (param i32) (result i64) (i64.load $m2 (local.get 0)))
  (func (export "i32.store0") (param i32 i32) (i32.store $m0 (local.get 0) (local.get 1)))
  (func (export "i32.load0") (param i32) (result i32) (i32.load $m0 (local.get 0)))

  ;; a store to memory 1 then a load from memory 0 at the same address in
  ;; one body: the select back to memory 0 comes between them
  (func (export "store1-load0") (param i32 i32) (result i32)
    (i32.store $m1 (local.get 0) (local.get 1))
    (i32.load $m0 (local.get 0)))
  ;; a value moved from memory 2 to memory 1 and back to memory 0 (a load
  ;; followed by a store of the same width, which hive fuses on memory 0)
  (func (export "move") (param i32 i32)
    (i32.store $m1 (local.get 1) (i32.load $m2 (local.get 0)))
    (i32.store $m0 (local.get 1) (i32.load $m1 (local.get 1))))
  ;; an address computed right before the load (hive folds the addition
  ;; into loads of memory 0)
  (func (export "sum1") (param i32 i32) (result i32)
    (i32.load8_u $m1 (i32.add (local.get 0) (local.get 1))))
  ;; a loop summing bytes of memory 1 and writing memory 0
  (func (export "loop") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i32.add (local.get $s) (i32.load8_u $m1 offset=8 (local.get $i))))
        (i32.store8 $m0 (local.get $i) (local.get $s))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $s))

  (func (export "size0") (result i32) (memory.size $m0))
  (func (export "size1") (result i32) (memory.size $m1))
  (func (export "size2") (result i32) (memory.size $m2))
  (func (export "grow0") (param i32) (result i32) (memory.grow $m0 (local.get 0)))
  (func (export "grow1") (param i32) (result i32) (memory.grow $m1 (local.get 0)))
  (func (export "grow2") (param i32) (result i32) (memory.grow $m2 (local.get 0)))
)

(assert_return (invoke "load0" (i32.const 0)) (i32.const 0x7a))
(assert_return (invoke "load1" (i32.const 0)) (i32.const 0))
(assert_return (invoke "load1" (i32.const 8)) (i32.const 1))
(assert_return (invoke "load0" (i32.const 8)) (i32.const 0))
(assert_return (invoke "load2" (i32.const 0x1fff8)) (i32.const 0x61))
(assert_return (invoke "load2" (i32.const 0x1ffff)) (i32.const 0x68))
(assert_trap (invoke "load1" (i32.const 0x10000)) "out of bounds memory access")
(assert_trap (invoke "load0" (i32.const 0x10000)) "out of bounds memory access")
(assert_trap (invoke "load2" (i32.const 0x20000)) "out of bounds memory access")

(assert_return (invoke "i32.load1" (i32.const 8)) (i32.const 0x04030201))
(assert_return (invoke "i64.load1" (i32.const 8)) (i64.const 0x0807060504030201))
(assert_return (invoke "f32.load1" (i32.const 8)) (f32.const 0x1.06040200p-119))
(assert_return (invoke "f64.load1" (i32.const 8)) (f64.const 0x1.7060504030201p-895))
(assert_return (invoke "i32.load8_s1" (i32.const 9)) (i32.const 2))
(assert_return (invoke "i32.load16_s1" (i32.const 9)) (i32.const 0x0302))
(assert_return (invoke "i32.load16_u1" (i32.const 14)) (i32.const 0x0807))
(assert_return (invoke "i64.load8_s1" (i32.const 15)) (i64.const 8))
(assert_return (invoke "i64.load8_u1" (i32.const 15)) (i64.const 8))
(assert_return (invoke "i64.load16_s1" (i32.const 10)) (i64.const 0x0403))
(assert_return (invoke "i64.load16_u1" (i32.const 10)) (i64.const 0x0403))
(assert_return (invoke "i64.load32_s1" (i32.const 12)) (i64.const 0x08070605))
(assert_return (invoke "i64.load32_u1" (i32.const 12)) (i64.const 0x08070605))
(assert_return (invoke "offset1" (i32.const 0)) (i32.const 2))
(assert_trap (invoke "i32.load1" (i32.const 0xfffd)) "out of bounds memory access")
(assert_trap (invoke "i64.load1" (i32.const 0xfff9)) "out of bounds memory access")
(assert_trap (invoke "offset1" (i32.const 0xfff7)) "out of bounds memory access")
(assert_trap (invoke "offset1" (i32.const -1)) "out of bounds memory access")

(assert_return (invoke "i32.store2" (i32.const 16) (i32.const -2)))
(assert_return (invoke "i64.load2" (i32.const 16)) (i64.const 0xfffffffe))
(assert_return (invoke "i64.store2" (i32.const 16) (i64.const 0x1122334455667788)))
(assert_return (invoke "i64.load2" (i32.const 16)) (i64.const 0x1122334455667788))
(assert_return (invoke "f32.store2" (i32.const 16) (f32.const 1.5)))
(assert_return (invoke "i64.load2" (i32.const 16)) (i64.const 0x112233443fc00000))
(assert_return (invoke "f64.store2" (i32.const 16) (f64.const -2.5)))
(assert_return (invoke "i64.load2" (i32.const 16)) (i64.const 0xc004000000000000))
(assert_return (invoke "i32.store8_2" (i32.const 16) (i32.const 0x1ff)))
(assert_return (invoke "i32.store16_2" (i32.const 18) (i32.const 0x12345)))
(assert_return (invoke "i64.store8_2" (i32.const 20) (i64.const 0x1aa)))
(assert_return (invoke "i64.load2" (i32.const 16)) (i64.const 0xc00400aa234500ff))
(assert_return (invoke "i64.store16_2" (i32.const 22) (i64.const 0xbeef)))
(assert_return (invoke "i64.store32_2" (i32.const 16) (i64.const 0x1cafef00d)))
(assert_return (invoke "i64.load2" (i32.const 16)) (i64.const 0xbeef00aacafef00d))
(assert_trap (invoke "i32.store2" (i32.const 0x1fffd) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "i64.store32_2" (i32.const 0x1fffd) (i64.const 0)) "out of bounds memory access")
(assert_trap (invoke "i32.store8_2" (i32.const 0x20000) (i32.const 0)) "out of bounds memory access")
;; nothing of the stores reached memory 0 or 1
(assert_return (invoke "load0" (i32.const 16)) (i32.const 0))
(assert_return (invoke "load1" (i32.const 16)) (i32.const 0))

(assert_return (invoke "store1-load0" (i32.const 100) (i32.const 42)) (i32.const 0))
(assert_return (invoke "i32.load1" (i32.const 100)) (i32.const 42))
(assert_return (invoke "i32.store0" (i32.const 100) (i32.const 7)))
(assert_return (invoke "store1-load0" (i32.const 100) (i32.const 43)) (i32.const 7))
(assert_return (invoke "i32.load1" (i32.const 100)) (i32.const 43))

(assert_return (invoke "i32.store2" (i32.const 200) (i32.const 0x55667788)))
(assert_return (invoke "move" (i32.const 200) (i32.const 300)))
(assert_return (invoke "i32.load1" (i32.const 300)) (i32.const 0x55667788))
(assert_return (invoke "i32.load0" (i32.const 300)) (i32.const 0x55667788))
(assert_trap (invoke "move" (i32.const 0x1fffe) (i32.const 300)) "out of bounds memory access")
(assert_trap (invoke "move" (i32.const 200) (i32.const 0xfffe)) "out of bounds memory access")

(assert_return (invoke "sum1" (i32.const 4) (i32.const 5)) (i32.const 2))
(assert_trap (invoke "sum1" (i32.const 0xffff) (i32.const 1)) "out of bounds memory access")

(assert_return (invoke "loop" (i32.const 8)) (i32.const 36))
(assert_return (invoke "load0" (i32.const 7)) (i32.const 36))
(assert_return (invoke "load0" (i32.const 2)) (i32.const 6))
(assert_return (invoke "load1" (i32.const 2)) (i32.const 0))

(assert_return (invoke "size0") (i32.const 1))
(assert_return (invoke "size1") (i32.const 1))
(assert_return (invoke "size2") (i32.const 2))
(assert_return (invoke "grow1" (i32.const 1)) (i32.const 1))
(assert_return (invoke "size1") (i32.const 2))
(assert_return (invoke "size0") (i32.const 1))
(assert_return (invoke "grow1" (i32.const 1)) (i32.const -1))
(assert_return (invoke "load1" (i32.const 0x1ffff)) (i32.const 0))
(assert_trap (invoke "load0" (i32.const 0x10000)) "out of bounds memory access")
(assert_return (invoke "grow0" (i32.const 2)) (i32.const 1))
(assert_return (invoke "size0") (i32.const 3))
(assert_return (invoke "size1") (i32.const 2))
(assert_return (invoke "size2") (i32.const 2))
(assert_return (invoke "load0" (i32.const 0x2ffff)) (i32.const 0))
(assert_return (invoke "grow2" (i32.const 0)) (i32.const 2))
(assert_trap (invoke "load1" (i32.const 0x20000)) "out of bounds memory access")

;; a data segment out of bounds of its memory (memory 1 of one page) traps
;; at instantiation
(assert_trap
  (module
    (memory 4)
    (memory 1)
    (data (memory 1) (i32.const 0xffff) "ab"))
  "out of bounds memory access")

;; a memory without memory 0's size: an access in bounds of memory 0 but
;; not of memory 1
(module
  (memory 2)
  (memory 0)
  (func (export "load1") (param i32) (result i32) (i32.load 1 (local.get 0)))
  (func (export "grow1") (result i32) (memory.grow 1 (i32.const 1)))
)
(assert_trap (invoke "load1" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "grow1") (i32.const 0))
(assert_return (invoke "load1" (i32.const 0)) (i32.const 0))

;; validation
(assert_invalid
  (module (memory 1) (func (drop (i32.load 1 (i32.const 0)))))
  "unknown memory")
(assert_invalid
  (module (memory 1) (memory 1) (func (i32.store 2 (i32.const 0) (i32.const 0))))
  "unknown memory")
(assert_invalid
  (module (memory 1) (func (drop (memory.size 1))))
  "unknown memory")
(assert_invalid
  (module (memory 1) (func (drop (memory.grow 3 (i32.const 0)))))
  "unknown memory")
(assert_invalid
  (module (memory 1) (data (memory 1) (i32.const 0) ""))
  "unknown memory")
(assert_invalid
  (module (memory 1) (memory 1) (func (drop (i32.load 1 align=8 (i32.const 0)))))
  "alignment must not be larger than natural")
