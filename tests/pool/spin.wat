;; spin.wat -- a WAGI guest that computes forever (a plain loop) and never
;; answers: only a deadline or a CPU budget stops it.
(module
  (memory 1)
  (func (export "_start") (local $n i32)
    (loop $l
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $l))))
