;; hive's own tests of the external visibility of types in instance exports
;; (Explainer.md, "External visibility of types"), as wasm-tools validates
;; them: a bag-of-exports instance gives its type exports no new identity,
;; so a type it exports may be used by the types it exports after it; an
;; exported instance is checked export by export, in order.

;; the types of an instantiated component, re-exported through a bag of
;; exports (what async/big-interleaving-test.wast does)
(component
  (component $D
    (type $a (record (field "x" u32)))
    (export $a-e "a" (type $a))
    (type $b (record (field "y" $a-e)))
    (export $b-e "b" (type $b)))
  (instance $d (instantiate $D))
  (instance $types (export "a" (type $d "a")) (export "b" (type $d "b")))
  (export "types" (instance $types)))

;; the instance of the component itself
(component
  (component $D
    (type $a (enum "p" "q"))
    (export $a-e "a" (type $a))
    (type $b (variant (case "v" $a-e) (case "w")))
    (export $b-e "b" (type $b)))
  (instance $d (instantiate $D))
  (export "types" (instance $d)))

;; "b" uses "a", which the bag exports only after it: not yet named
(assert_invalid
  (component
    (component $D
      (type $a (record (field "x" u32)))
      (export $a-e "a" (type $a))
      (type $b (record (field "y" $a-e)))
      (export $b-e "b" (type $b)))
    (instance $d (instantiate $D))
    (instance $types (export "b" (type $d "b")) (export "a" (type $d "a")))
    (export "types" (instance $types)))
  "instance not valid to be used as export")

;; "b" uses "a", which the bag does not export at all
(assert_invalid
  (component
    (component $D
      (type $a (record (field "x" u32)))
      (export $a-e "a" (type $a))
      (type $b (record (field "y" $a-e)))
      (export $b-e "b" (type $b)))
    (instance $d (instantiate $D))
    (instance $types (export "b" (type $d "b")))
    (export "types" (instance $types)))
  "instance not valid to be used as export")

;; a record using an unexported record, through a bag of exports
(assert_invalid
  (component
    (type $a (record (field "x" u32)))
    (type $b (record (field "y" $a)))
    (instance $types (export "b" (type $b)))
    (export "types" (instance $types)))
  "instance not valid to be used as export")

;; exporting "a" from the component first names it for the bag
(component
  (type $a (record (field "x" u32)))
  (export $a-e "a" (type $a))
  (type $b (record (field "y" $a-e)))
  (instance $types (export "b" (type $b)))
  (export "types" (instance $types)))

;; a bag of exports names no resource for [constructor]/[method]/[static]
;; functions, even one it exports itself
(assert_invalid
  (component
    (type $T (resource (rep i32)))
    (core module $m (func (export "a") (result i32) unreachable))
    (core instance $i (instantiate $m))
    (func $f (result (own $T)) (canon lift (core func $i "a")))
    (instance
      (export "t" (type $T))
      (export "[constructor]t" (func $f))))
  "resource used in function does not have a name in this context")
