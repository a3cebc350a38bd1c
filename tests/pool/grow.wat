;; grow.wat -- a memory.grow storm: grows by one page at a time forever
;; (then keeps asking once the limit answers -1), touching each new page.
(module
  (memory 1)
  (func (export "_start") (local $old i32)
    (loop $l
      (local.set $old (memory.grow (i32.const 1)))
      (if (i32.ne (local.get $old) (i32.const -1))
        (then (i32.store8 (i32.mul (local.get $old) (i32.const 65536)) (i32.const 1))))
      (br $l))))
