;; bigspin.wat -- a WAGI guest whose initial memory is 32 MiB and which
;; computes for a few seconds: while one runs, a second instance does not
;; fit under a 48 MiB memory budget, so its instantiation fails at run time.
(module
  (memory 512)
  (func (export "_start")
    (local $i i32)
    (local.set $i (i32.const 0x7fffffff))
    (loop $spin
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $spin (local.get $i)))))
