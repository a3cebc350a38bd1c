;; fill.wat -- a WAGI guest that loops memory.fill over 64 MiB forever.
(module
  (memory 1024)
  (func (export "_start")
    (loop $l
      (memory.fill (i32.const 0) (i32.const 7) (i32.const 67108864))
      (br $l))))
