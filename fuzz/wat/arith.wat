(module
  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
  (func (export "div") (result i32) (i32.div_s (i32.const -2147483648) (i32.const -1)))
  (func (export "f") (result f64) (f64.sqrt (f64.add (f64.const 2) (f64.convert_i32_s (i32.const -7)))))
  (func (export "trunc") (result i32) (i32.trunc_f32_u (f32.const -1)))
  (func (export "sat") (result i64) (i64.trunc_sat_f64_s (f64.const 1e300)))
  (func (export "ext") (result i32) (i32.extend8_s (i32.const 0x80))))
