;; Multi-memory: memory.fill, memory.copy (within one memory and between
;; two), memory.init into any memory and data.drop, small (run in place)
;; and large (over 1 KiB: run in paid chunks), with bounds checked against
;; each memory the instruction names. Written for hive from the
;; multi-memory proposal's text.

(module
  (memory $a 1)
  (memory $b 1)
  (memory $c 2)
  (data $d "0123456789")

  (func (export "fill_b") (param i32 i32 i32) (memory.fill $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill_a") (param i32 i32 i32) (memory.fill $a (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_c_b") (param i32 i32 i32) (memory.copy $c $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_a_c") (param i32 i32 i32) (memory.copy $a $c (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_b_b") (param i32 i32 i32) (memory.copy $b $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_a_a") (param i32 i32 i32) (memory.copy $a $a (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_c") (param i32 i32 i32) (memory.init $c $d (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_a") (param i32 i32 i32) (memory.init $a $d (local.get 0) (local.get 1) (local.get 2)))
  (func (export "drop") (data.drop $d))

  (func (export "a") (param i32) (result i32) (i32.load8_u $a (local.get 0)))
  (func (export "b") (param i32) (result i32) (i32.load8_u $b (local.get 0)))
  (func (export "c") (param i32) (result i32) (i32.load8_u $c (local.get 0)))
  ;; the sum of n bytes of memory m (0, 1, 2) from address p
  (func (export "sum") (param $m i32) (param $p i32) (param $n i32) (result i32)
    (local $s i32) (local $e i32)
    (local.set $e (i32.add (local.get $p) (local.get $n)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $p) (local.get $e)))
        (local.set $s (i32.add (local.get $s)
          (if (result i32) (i32.eqz (local.get $m))
            (then (i32.load8_u $a (local.get $p)))
            (else (if (result i32) (i32.eq (local.get $m) (i32.const 1))
              (then (i32.load8_u $b (local.get $p)))
              (else (i32.load8_u $c (local.get $p))))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $l)))
    (local.get $s))
)

;; small fill: only memory b changes
(assert_return (invoke "fill_b" (i32.const 10) (i32.const 0x1ab) (i32.const 4)))
(assert_return (invoke "b" (i32.const 9)) (i32.const 0))
(assert_return (invoke "b" (i32.const 10)) (i32.const 0xab))
(assert_return (invoke "b" (i32.const 13)) (i32.const 0xab))
(assert_return (invoke "b" (i32.const 14)) (i32.const 0))
(assert_return (invoke "a" (i32.const 10)) (i32.const 0))
(assert_return (invoke "c" (i32.const 10)) (i32.const 0))
;; large fill (5000 bytes) of memory b up to its end
(assert_return (invoke "fill_b" (i32.const 60536) (i32.const 2) (i32.const 5000)))
(assert_return (invoke "sum" (i32.const 1) (i32.const 60536) (i32.const 5000)) (i32.const 10000))
(assert_return (invoke "sum" (i32.const 0) (i32.const 60536) (i32.const 5000)) (i32.const 0))
(assert_trap (invoke "fill_b" (i32.const 60537) (i32.const 2) (i32.const 5000)) "out of bounds memory access")
(assert_trap (invoke "fill_b" (i32.const 65536) (i32.const 2) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "fill_b" (i32.const 65536) (i32.const 2) (i32.const 0)))
(assert_trap (invoke "fill_b" (i32.const 65537) (i32.const 2) (i32.const 0)) "out of bounds memory access")
;; memory a is bounded by its own size
(assert_trap (invoke "fill_a" (i32.const 65535) (i32.const 2) (i32.const 2)) "out of bounds memory access")

;; copy from b to c: c has two pages, b one
(assert_return (invoke "copy_c_b" (i32.const 70000) (i32.const 60536) (i32.const 5000)))
(assert_return (invoke "sum" (i32.const 2) (i32.const 70000) (i32.const 5000)) (i32.const 10000))
(assert_return (invoke "c" (i32.const 69999)) (i32.const 0))
(assert_return (invoke "c" (i32.const 75000)) (i32.const 0))
(assert_return (invoke "copy_c_b" (i32.const 0) (i32.const 8) (i32.const 8)))
(assert_return (invoke "c" (i32.const 1)) (i32.const 0))
(assert_return (invoke "c" (i32.const 2)) (i32.const 0xab))
(assert_return (invoke "c" (i32.const 5)) (i32.const 0xab))
(assert_return (invoke "c" (i32.const 6)) (i32.const 0))
;; source bounds are b's, destination bounds c's
(assert_trap (invoke "copy_c_b" (i32.const 0) (i32.const 65535) (i32.const 2)) "out of bounds memory access")
(assert_trap (invoke "copy_c_b" (i32.const 131071) (i32.const 0) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "copy_c_b" (i32.const 131070) (i32.const 65534) (i32.const 2)))
;; from c (large) to a: addresses valid in c but not in a
(assert_trap (invoke "copy_a_c" (i32.const 0) (i32.const 70000) (i32.const 65537)) "out of bounds memory access")
(assert_return (invoke "copy_a_c" (i32.const 100) (i32.const 70000) (i32.const 5000)))
(assert_return (invoke "sum" (i32.const 0) (i32.const 100) (i32.const 5000)) (i32.const 10000))
(assert_return (invoke "sum" (i32.const 1) (i32.const 100) (i32.const 5000)) (i32.const 0))

;; overlapping copies within memory b, both directions, small and large
(assert_return (invoke "fill_b" (i32.const 0) (i32.const 0) (i32.const 65536)))
(assert_return (invoke "fill_b" (i32.const 1000) (i32.const 1) (i32.const 3000)))
(assert_return (invoke "copy_b_b" (i32.const 1500) (i32.const 1000) (i32.const 3000)))
(assert_return (invoke "sum" (i32.const 1) (i32.const 0) (i32.const 65536)) (i32.const 3500))
(assert_return (invoke "b" (i32.const 4499)) (i32.const 1))
(assert_return (invoke "b" (i32.const 4500)) (i32.const 0))
(assert_return (invoke "copy_b_b" (i32.const 0) (i32.const 1000) (i32.const 3500)))
(assert_return (invoke "b" (i32.const 0)) (i32.const 1))
(assert_return (invoke "b" (i32.const 3499)) (i32.const 1))
(assert_return (invoke "copy_b_b" (i32.const 1) (i32.const 0) (i32.const 5)))
(assert_return (invoke "b" (i32.const 5)) (i32.const 1))
;; memory a untouched by b's copies
(assert_return (invoke "sum" (i32.const 0) (i32.const 0) (i32.const 100)) (i32.const 0))

;; memory.init into c and into a, then drop
(assert_return (invoke "init_c" (i32.const 131066) (i32.const 4) (i32.const 6)))
(assert_return (invoke "c" (i32.const 131066)) (i32.const 0x34))
(assert_return (invoke "c" (i32.const 131071)) (i32.const 0x39))
(assert_trap (invoke "init_c" (i32.const 131067) (i32.const 4) (i32.const 6)) "out of bounds memory access")
(assert_trap (invoke "init_c" (i32.const 0) (i32.const 5) (i32.const 6)) "out of bounds memory access")
(assert_return (invoke "init_a" (i32.const 65526) (i32.const 0) (i32.const 10)))
(assert_return (invoke "a" (i32.const 65535)) (i32.const 0x39))
(assert_trap (invoke "init_a" (i32.const 65527) (i32.const 0) (i32.const 10)) "out of bounds memory access")
(assert_return (invoke "drop"))
(assert_trap (invoke "init_c" (i32.const 0) (i32.const 0) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "init_c" (i32.const 0) (i32.const 0) (i32.const 0)))

;; memory.copy between two memories where only memory 1 is involved, with
;; memory 0 written just before and read just after (the selection of
;; memory 1 does not outlive the instruction)
(module
  (memory 1)
  (memory 1)
  (func (export "go") (result i32)
    (i32.store 0 (i32.const 0) (i32.const 0x11111111))
    (i32.store 1 (i32.const 0) (i32.const 0x22222222))
    (memory.copy 1 1 (i32.const 4) (i32.const 0) (i32.const 4))
    (i32.add (i32.load 0 (i32.const 4)) (i32.load 1 (i32.const 4))))
)
(assert_return (invoke "go") (i32.const 0x22222222))

(assert_invalid
  (module (memory 1) (func (memory.copy 0 1 (i32.const 0) (i32.const 0) (i32.const 0))))
  "unknown memory")
(assert_invalid
  (module (memory 1) (func (memory.fill 1 (i32.const 0) (i32.const 0) (i32.const 0))))
  "unknown memory")
(assert_invalid
  (module (memory 1) (data "") (func (memory.init 1 0 (i32.const 0) (i32.const 0) (i32.const 0))))
  "unknown memory")
