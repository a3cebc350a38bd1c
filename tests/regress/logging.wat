;; Not a bug: pins the output format hive-fuzz-exec shares with binaryen 108
;; (an i64 logged as low and high halves, floats as doubles, traps, tuples).
(module
 (import "fuzzing-support" "log-i32" (func $li (param i32)))
 (import "fuzzing-support" "log-i64" (func $l (param i64)))
 (import "fuzzing-support" "log-f32" (func $f (param f32)))
 (import "fuzzing-support" "log-f64" (func $d (param f64)))
 (func (export "a") (result i32)
  (call $li (i32.const -7))
  (call $l (i64.const 0x123456789)) (call $l (i64.const -5))
  (call $f (f32.const 0.1)) (call $d (f64.const 0.1)) (call $d (f64.const 1e300))
  (call $d (f64.const -inf)) (call $f (f32.const 3e38)) (call $d (f64.const 5e-324))
  (call $d (f64.const -0)) (call $f (f32.const nan:0x200000))
  (i32.const -1))
 (func (export "b") (result i64) (i64.const -1))
 (func (export "c") (result f32) (f32.const 16777216))
 (func (export "c2") (result f32 i32 i64) (f32.const 0.1) (i32.const -1) (i64.const 9223372036854775807))
 (func (export "d") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
 (func (export "e") (param f64) (result i32) (i32.trunc_f64_s (f64.div (local.get 0) (local.get 0)))))
