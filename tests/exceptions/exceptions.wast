;; Exception handling as hive has it: tags (defined, imported, exported),
;; throw, and try_table with catch and catch_all clauses; the thrown
;; values reach the clause's label; unwinding crosses calls and instances;
;; tags are per instantiation; an uncaught throw traps. catch_ref,
;; catch_all_ref and throw_ref (exception references) are refused.
;; Written for hive from the exception-handling proposal's text. The text
;; script is converted by wast2json.mjs here (wabt's wast2json
;; does not read try_table).

(module $M
  (tag $e0 (export "e0"))
  (tag $e1 (export "e1") (param i32))
  (tag $e2 (param i64 f64))
  (tag $ev (param v128))

  (func $throw-if (export "throw-if") (param i32)
    (if (local.get 0) (then (throw $e1 (local.get 0)))))

  ;; caught in the same function
  (func (export "same") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e1 $h)
        (if (local.get 0) (then (throw $e1 (i32.add (local.get 0) (i32.const 100))))))
      (i32.const 7)))

  ;; caught from a callee, two frames down
  (func $mid (param i32) (call $throw-if (local.get 0)))
  (func (export "deep") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e1 $h)
        (call $mid (local.get 0))
        (i32.const 5))))

  ;; two values of two types
  (func (export "two") (param i64 f64) (result f64)
    (local $f f64)
    (block $h (result i64 f64)
      (try_table (catch $e2 $h)
        (throw $e2 (local.get 0) (local.get 1)))
      (return (f64.const -1)))
    (local.set $f)
    (f64.add (f64.convert_i64_s) (local.get $f)))

  ;; a v128
  (func (export "vec") (param i32) (result i32)
    (block $h (result v128)
      (try_table (catch $ev $h)
        (throw $ev (i32x4.splat (local.get 0))))
      (return (i32.const -1)))
    (i32x4.extract_lane 3))

  ;; catch_all, and clauses in order: the first that matches
  (func (export "all") (param i32) (result i32)
    (block $all
      (block $h1 (result i32)
        (try_table (catch $e1 $h1) (catch_all $all)
          (if (i32.eq (local.get 0) (i32.const 1)) (then (throw $e1 (i32.const 11))))
          (if (i32.eq (local.get 0) (i32.const 2)) (then (throw $e0))))
        (return (i32.const 0)))
      (return))
    (i32.const 22))
  (func (export "order") (result i32)
    (block $first
      (block $second
        (try_table (catch_all $first) (catch $e0 $second)
          (throw $e0))
        (return (i32.const 0)))
      (return (i32.const 2)))
    (i32.const 1))

  ;; nested: the inner try_table does not catch e0, the outer one does
  (func (export "nested") (result i32)
    (block $outer
      (block $inner (result i32)
        (try_table (catch $e0 $outer)
          (try_table (catch $e1 $inner)
            (throw $e0)))
        (return (i32.const 0)))
      (return (i32.const 1)))
    (i32.const 2))

  ;; the label of a clause is the function's: the values are its results
  (func (export "to-func") (param i32) (result i32)
    (try_table (catch $e1 0)
      (call $throw-if (local.get 0)))
    (i32.const 3))

  ;; a throw in a loop, caught, then the loop goes on; locals written in
  ;; the body keep their values
  (func (export "loop") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (block $h (result i32)
        (try_table (catch $e1 $h)
          (local.set $s (i32.add (local.get $s) (i32.const 1000)))
          (call $throw-if (local.get $i)))
        (i32.const 0))
      (local.set $s (i32.add (local.get $s)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))

  ;; the values below the try_table's are kept; a try_table with a param
  (func (export "below") (result i32)
    (i32.const 40)
    (block $h (result i32)
      (i32.const 1)
      (try_table (param i32) (catch $e1 $h)
        (throw $e1 (i32.add (i32.const 1))))
      (i32.const 0))
    (i32.add))

  ;; recursion: thrown at depth n, caught at the top
  (func $rec (param i32)
    (if (i32.eqz (local.get 0)) (then (throw $e1 (i32.const 99))))
    (call $rec (i32.sub (local.get 0) (i32.const 1))))
  (func (export "rec") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e1 $h) (call $rec (local.get 0)))
      (i32.const 0)))

  ;; clauses whose label is a loop: back to its start, with the values as
  ;; the loop's params
  (func (export "retry") (result i32) (local $k i32)
    (loop $again
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (try_table (catch_all $again)
        (if (i32.lt_u (local.get $k) (i32.const 5)) (then (throw $e0)))))
    (local.get $k))
  (func (export "loop-param") (result i32) (local $x i32)
    (i32.const 0)
    (loop $l (param i32) (result i32)
      (local.set $x)
      (try_table (catch $e1 $l)
        (if (i32.lt_u (local.get $x) (i32.const 10))
          (then (call $throw-if (i32.add (local.get $x) (i32.const 3))))))
      (local.get $x)))

  (func (export "uncaught") (param i32) (call $throw-if (local.get 0)))
  (func (export "wrong-tag") (result i32)
    (block $h (result i32)
      (try_table (catch $e1 $h) (throw $e0))
      (i32.const 0)))
)
(register "M" $M)

(assert_return (invoke "same" (i32.const 0)) (i32.const 7))
(assert_return (invoke "same" (i32.const 1)) (i32.const 101))
(assert_return (invoke "deep" (i32.const 0)) (i32.const 5))
(assert_return (invoke "deep" (i32.const 9)) (i32.const 9))
(assert_return (invoke "two" (i64.const 5) (f64.const 0.5)) (f64.const 5.5))
(assert_return (invoke "vec" (i32.const 77)) (i32.const 77))
(assert_return (invoke "all" (i32.const 0)) (i32.const 0))
(assert_return (invoke "all" (i32.const 1)) (i32.const 11))
(assert_return (invoke "all" (i32.const 2)) (i32.const 22))
(assert_return (invoke "order") (i32.const 1))
(assert_return (invoke "nested") (i32.const 2))
(assert_return (invoke "to-func" (i32.const 0)) (i32.const 3))
(assert_return (invoke "to-func" (i32.const 8)) (i32.const 8))
(assert_return (invoke "loop" (i32.const 4)) (i32.const 4006))
(assert_return (invoke "below") (i32.const 42))
(assert_return (invoke "rec" (i32.const 500)) (i32.const 99))
(assert_return (invoke "retry") (i32.const 5))
(assert_return (invoke "loop-param") (i32.const 12))
(assert_return (invoke "uncaught" (i32.const 0)))
(assert_trap (invoke "uncaught" (i32.const 1)) "uncaught exception")
(assert_trap (invoke "wrong-tag") "uncaught exception")
;; after an uncaught throw, the instance works on
(assert_return (invoke "deep" (i32.const 4)) (i32.const 4))

;; across instances: a throw in M of M's exported tag, caught here
(module
  (import "M" "e1" (tag $e (param i32)))
  (import "M" "e0" (tag $z))
  (import "M" "throw-if" (func $throw-if (param i32)))
  (tag $mine (param i32))
  (func (export "catch") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $throw-if (local.get 0)))
      (i32.const -1)))
  ;; a tag of this module's own, with M's type: not M's tag
  (func (export "mine") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $mine $h) (call $throw-if (local.get 0)))
      (i32.const -1)))
)
(assert_return (invoke "catch" (i32.const 0)) (i32.const -1))
(assert_return (invoke "catch" (i32.const 6)) (i32.const 6))
(assert_trap (invoke "mine" (i32.const 6)) "uncaught exception")

;; tags are per instantiation: two instances of one module, two tags
(module $T (tag (export "t") (param i32)) (func (export "throw") (param i32) (throw 0 (local.get 0))))
(register "T1" $T)
(module $T2 (tag (export "t") (param i32)) (func (export "throw") (param i32) (throw 0 (local.get 0))))
(register "T2" $T2)
(module
  (import "T1" "t" (tag $t (param i32)))
  (import "T1" "throw" (func $t1 (param i32)))
  (import "T2" "throw" (func $t2 (param i32)))
  (func (export "t1") (result i32)
    (block $h (result i32) (try_table (catch $t $h) (call $t1 (i32.const 1))) (i32.const 0)))
  (func (export "t2") (result i32)
    (block $h (result i32)
      (block $all (try_table (catch $t $h) (catch_all $all) (call $t2 (i32.const 2))))
      (i32.const 3)))
)
(assert_return (invoke "t1") (i32.const 1))
(assert_return (invoke "t2") (i32.const 3))

;; an import's tag type must match
(assert_unlinkable
  (module (import "M" "e1" (tag (param i64))))
  "incompatible import type")
(assert_unlinkable
  (module (import "M" "e0" (tag (param i32))))
  "incompatible import type")

;; validation
(assert_invalid (module (func (throw 0))) "unknown tag")
(assert_invalid (module (tag (param i64)) (func (throw 0 (i32.const 1)))) "type mismatch")
(assert_invalid (module (tag (param i32)) (func (throw 0))) "type mismatch")
(assert_invalid (module (type (func (result i32))) (tag (type 0))) "non-empty tag result type")
(assert_invalid
  (module (tag (param i32))
    (func (block $h (try_table (catch 0 $h)))))
  "type mismatch")
(assert_invalid
  (module (tag)
    (func (block $h (result i32) (try_table (catch_all $h)) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (tag) (func (try_table (catch 1 0))))
  "unknown tag")
(assert_invalid
  (module (tag) (func (try_table (catch 0 1))))
  "unknown label")
(assert_invalid
  (module (tag) (func (try_table (catch_ref 0 0))))
  "exnref")
(assert_invalid
  (module (func (try_table (catch_all_ref 0))))
  "exnref")
(assert_invalid
  (module (func (try_table (result i32) (i32.const 0) (i32.const 1))))
  "type mismatch")
