;; copy.wat -- a WAGI guest that loops memory.copy of 32 MiB forever,
;; alternating directions (overlapping halves of a 64 MiB memory).
(module
  (memory 1024)
  (func (export "_start")
    (loop $l
      (memory.copy (i32.const 0) (i32.const 33554432) (i32.const 33554432))
      (memory.copy (i32.const 16777216) (i32.const 0) (i32.const 33554432))
      (br $l))))
