;; Extended constant expressions (the extended-const proposal, part of
;; WebAssembly 3.0): i32/i64 add, sub and mul in global initialisers and in
;; data and element segment offsets. Written for hive; run by
;; `make spec-extra` (tests/spec/run.sh, wast2json --enable-extended-const).

;; Folded at validation (no global.get): values with wrap-around.
(module
  (global (export "a") i32 (i32.add (i32.const 0x7fffffff) (i32.const 1)))
  (global (export "b") i32 (i32.sub (i32.const -1) (i32.const 2)))
  (global (export "c") i32 (i32.mul (i32.const 0x10001) (i32.const 0x10001)))
  (global (export "d") i64 (i64.mul (i64.const 0x100000000) (i64.const 0x100000001)))
  (global (export "e") i64 (i64.sub (i64.const 0) (i64.const 0x8000000000000000)))
  (global (export "f") i64 (i64.add (i64.mul (i64.const 3) (i64.const 4)) (i64.sub (i64.const 10) (i64.const 20))))
  (global (export "g") i32 i32.const 1 i32.const 2 i32.const 3 i32.const 4 i32.add i32.mul i32.sub)
  (func (export "get_a") (result i32) (global.get 0))
  (func (export "get_d") (result i64) (global.get 3))
)
(assert_return (get "a") (i32.const 0x80000000))
(assert_return (get "b") (i32.const -3))
(assert_return (get "c") (i32.const 0x20001))
(assert_return (get "d") (i64.const 0x100000000))
(assert_return (get "e") (i64.const 0x8000000000000000))
(assert_return (get "f") (i64.const 2))
(assert_return (get "g") (i32.const -13))
(assert_return (invoke "get_a") (i32.const 0x80000000))
(assert_return (invoke "get_d") (i64.const 0x100000000))

;; Reading imported globals: evaluated at instantiation (spectest's
;; global_i32 and global_i64 are 666).
(module
  (import "spectest" "global_i32" (global $g i32))
  (import "spectest" "global_i64" (global $h i64))
  (global (export "x") i32 (i32.add (global.get $g) (i32.mul (i32.const 5) (i32.const 3))))
  (global (export "y") i64 (i64.sub (global.get $h) (i64.const 1000)))
  (global (export "z") i64 (i64.mul (global.get $h) (global.get $h)))
  (global (export "w") i32 (i32.sub (global.get $g) (global.get $g)))
)
(assert_return (get "x") (i32.const 681))
(assert_return (get "y") (i64.const -334))
(assert_return (get "z") (i64.const 443556))
(assert_return (get "w") (i32.const 0))

;; Our own exported globals, imported by a second module.
(module $base
  (global (export "g") i32 (i32.const 1000))
  (global (export "h") i64 (i64.const -7))
)
(register "base" $base)
(module
  (import "base" "g" (global $g i32))
  (import "base" "h" (global $h i64))
  (global (export "p") i32 (i32.mul (global.get $g) (i32.const -2)))
  (global (export "q") i64 (i64.add (global.get $h) (i64.const 7)))
)
(assert_return (get "p") (i32.const -2000))
(assert_return (get "q") (i64.const 0))

;; Data segment offsets.
(module
  (import "spectest" "global_i32" (global $g i32))
  (memory 1)
  (data (i32.add (i32.const 100) (i32.const 20)) "ab")
  (data (i32.sub (global.get $g) (i32.const 600)) "cd")
  (data (i32.mul (i32.const 16) (i32.const 16)) "ef")
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
(assert_return (invoke "load8" (i32.const 119)) (i32.const 0))
(assert_return (invoke "load8" (i32.const 120)) (i32.const 0x61))
(assert_return (invoke "load8" (i32.const 121)) (i32.const 0x62))
(assert_return (invoke "load8" (i32.const 66)) (i32.const 0x63))
(assert_return (invoke "load8" (i32.const 67)) (i32.const 0x64))
(assert_return (invoke "load8" (i32.const 256)) (i32.const 0x65))

;; Element segment offsets.
(module
  (import "spectest" "global_i32" (global $g i32))
  (table 700 funcref)
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (elem (i32.add (i32.const 3) (i32.const 4)) $one)
  (elem (i32.add (global.get $g) (i32.const 1)) $two)
  (func (export "call") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
)
(assert_return (invoke "call" (i32.const 7)) (i32.const 1))
(assert_return (invoke "call" (i32.const 667)) (i32.const 2))
(assert_trap (invoke "call" (i32.const 666)) "uninitialized element")

;; Offsets computed out of bounds trap at instantiation.
(assert_trap
  (module
    (import "spectest" "global_i32" (global $g i32))
    (memory 1)
    (data (i32.mul (global.get $g) (i32.const 100)) "x"))
  "out of bounds memory access")
(assert_trap
  (module
    (memory 1)
    (data (i32.add (i32.const 65535) (i32.const 1)) "x"))
  "out of bounds memory access")
(assert_trap
  (module
    (import "spectest" "global_i32" (global $g i32))
    (table 10 funcref)
    (func)
    (elem (i32.sub (global.get $g) (i32.const 656)) 0))
  "out of bounds table access")

;; Validation: only i32/i64 add, sub, mul join the constant instructions.
(assert_invalid
  (module (global i32 (i32.div_s (i32.const 6) (i32.const 3))))
  "constant expression required")
(assert_invalid
  (module (global i32 (i32.and (i32.const 6) (i32.const 3))))
  "constant expression required")
(assert_invalid
  (module (global i64 (i64.shl (i64.const 6) (i64.const 3))))
  "constant expression required")
(assert_invalid
  (module (global f32 (f32.add (f32.const 1) (f32.const 2))))
  "constant expression required")
(assert_invalid
  (module (global i32 (i32.add (i32.const 1) (i32.const 2)) (nop)))
  "constant expression required")
;; Operand types.
(assert_invalid
  (module (global i32 (i32.add (i64.const 1) (i64.const 2))))
  "type mismatch")
(assert_invalid
  (module (global i64 (i64.add (i32.const 1) (i64.const 2))))
  "type mismatch")
(assert_invalid
  (module (global i64 (i32.add (i32.const 1) (i32.const 2))))
  "type mismatch")
(assert_invalid
  (module (global i32 (i32.add (f32.const 1) (f32.const 2))))
  "type mismatch")
(assert_invalid
  (module (global funcref (i32.add (i32.const 1) (i32.const 2))))
  "type mismatch")
;; Operand counts.
(assert_invalid
  (module (global i32 i32.const 1 i32.add))
  "type mismatch")
(assert_invalid
  (module (global i64 i64.mul))
  "type mismatch")
(assert_invalid
  (module (global i32 i32.const 1 i32.const 2 i32.const 3 i32.add))
  "type mismatch")
;; Globals: imported and immutable only, as in a plain constant.
(assert_invalid
  (module
    (import "spectest" "global_i32" (global $g (mut i32)))
    (global i32 (i32.add (global.get $g) (i32.const 1))))
  "constant expression required")
(assert_invalid
  (module
    (global $a i32 (i32.const 1))
    (global i32 (i32.add (global.get 5) (i32.const 1))))
  "unknown global")
;; Segment offsets.
(assert_invalid
  (module (memory 1) (data (i64.add (i64.const 0) (i64.const 0)) ""))
  "type mismatch")
(assert_invalid
  (module (memory 1) (data (i32.rem_u (i32.const 7) (i32.const 2)) ""))
  "constant expression required")
(assert_invalid
  (module (table 1 funcref) (elem (i32.xor (i32.const 0) (i32.const 0))))
  "constant expression required")
(assert_invalid
  (module (table 1 funcref) (elem (i32.add (i32.const 0) (i64.const 0))))
  "type mismatch")
;; Depth: hive bounds an expression's operand stack at 256 values (an
;; implementation limit, docs/GUESTS.md); 256 is fine, 257 is not.
(module (global (export "deep") i32 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add))
(assert_return (get "deep") (i32.const 256))
(assert_invalid
  (module (global i32 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.const 1 i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add))
  "constant expression too deep")
