;; Multi-memory: memories exported and imported, several per module, in
;; any order with defined ones; an import is matched by its own limits;
;; the memory index space puts imports first. Written for hive from the
;; multi-memory proposal's text.

(module $M
  (memory (export "one") 1)
  (memory (export "two") 2 3)
  (memory (export "small") 0 1)
  (func (export "peek_two") (param i32) (result i32) (i32.load8_u 1 (local.get 0)))
  (func (export "poke_two") (param i32 i32) (i32.store8 1 (local.get 0) (local.get 1)))
  (func (export "peek_one") (param i32) (result i32) (i32.load8_u 0 (local.get 0)))
)
(register "M" $M)

(module $N
  (import "M" "two" (memory $i0 2))
  (import "M" "one" (memory $i1 1))
  (memory $own 1)
  ;; index space: 0 = M.two, 1 = M.one, 2 = own
  (data (memory $i1) (i32.const 5) "\05")
  (data (memory $own) (i32.const 5) "\07")
  (data (memory $i0) (i32.const 70000) "\09")
  (func (export "get") (param i32 i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.load8_u $i0 (local.get 1)))
      (else (if (result i32) (i32.eq (local.get 0) (i32.const 1))
        (then (i32.load8_u $i1 (local.get 1)))
        (else (i32.load8_u $own (local.get 1)))))))
  (func (export "size") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (memory.size $i0))
      (else (if (result i32) (i32.eq (local.get 0) (i32.const 1))
        (then (memory.size $i1))
        (else (memory.size $own))))))
  (func (export "grow_i0") (param i32) (result i32) (memory.grow $i0 (local.get 0)))
  (func (export "put_i1") (param i32 i32) (i32.store8 $i1 (local.get 0) (local.get 1)))
  (export "own" (memory $own))
  (export "i1" (memory $i1))
)
(register "N" $N)

(assert_return (invoke $N "get" (i32.const 1) (i32.const 5)) (i32.const 5))
(assert_return (invoke $N "get" (i32.const 2) (i32.const 5)) (i32.const 7))
(assert_return (invoke $N "get" (i32.const 0) (i32.const 5)) (i32.const 0))
(assert_return (invoke $N "get" (i32.const 0) (i32.const 70000)) (i32.const 9))
;; the memories are shared with M: its writes are seen by N and N's by M
(assert_return (invoke $M "peek_two" (i32.const 70000)) (i32.const 9))
(assert_return (invoke $M "peek_one" (i32.const 5)) (i32.const 5))
(assert_return (invoke $M "poke_two" (i32.const 3) (i32.const 33)))
(assert_return (invoke $N "get" (i32.const 0) (i32.const 3)) (i32.const 33))
(assert_return (invoke $N "put_i1" (i32.const 4) (i32.const 44)))
(assert_return (invoke $M "peek_one" (i32.const 4)) (i32.const 44))
;; growing through N is seen in M, up to the maximum of 3 pages
(assert_return (invoke $N "size" (i32.const 0)) (i32.const 2))
(assert_return (invoke $N "grow_i0" (i32.const 1)) (i32.const 2))
(assert_return (invoke $N "size" (i32.const 0)) (i32.const 3))
(assert_return (invoke $N "grow_i0" (i32.const 1)) (i32.const -1))
(assert_return (invoke $M "peek_two" (i32.const 196607)) (i32.const 0))
(assert_return (invoke $N "size" (i32.const 1)) (i32.const 1))
(assert_return (invoke $N "size" (i32.const 2)) (i32.const 1))

;; a memory exported again by N, imported by a third module
(module
  (import "N" "own" (memory 1))
  (import "N" "i1" (memory 1))
  (func (export "a") (result i32) (i32.load8_u 0 (i32.const 5)))
  (func (export "b") (result i32) (i32.load8_u 1 (i32.const 4)))
)
(assert_return (invoke "a") (i32.const 7))
(assert_return (invoke "b") (i32.const 44))

;; limits are matched per import
(assert_unlinkable
  (module (import "M" "one" (memory 1)) (import "M" "small" (memory 1)))
  "incompatible import type")
(assert_unlinkable
  (module (import "M" "one" (memory 1)) (import "M" "two" (memory 2 2)))
  "incompatible import type")
(module (import "M" "one" (memory 1)) (import "M" "two" (memory 2 4)) (import "M" "small" (memory 0 1)))

;; a data segment of one memory out of bounds: segments before it stay
;; written (in imported memories), those after it are not
(assert_trap
  (module
    (import "M" "one" (memory 1))
    (import "M" "small" (memory 0))
    (data (memory 0) (i32.const 6) "\06")
    (data (memory 1) (i32.const 0) "x")
    (data (memory 0) (i32.const 7) "\07"))
  "out of bounds memory access")
(assert_return (invoke $M "peek_one" (i32.const 6)) (i32.const 6))
(assert_return (invoke $M "peek_one" (i32.const 7)) (i32.const 0))
