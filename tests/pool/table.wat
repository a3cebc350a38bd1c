;; table.wat -- a WAGI guest that loops table.fill and table.copy over a
;; table of a million entries forever.
(module
  (table 1000000 funcref)
  (func $f)
  (elem declare func $f)
  (func (export "_start")
    (loop $l
      (table.fill 0 (i32.const 0) (ref.func $f) (i32.const 1000000))
      (table.copy 0 0 (i32.const 1) (i32.const 0) (i32.const 999999))
      (br $l))))
