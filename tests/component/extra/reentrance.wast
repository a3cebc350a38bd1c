;; hive's own tests of component reentrance as the reference defines it
;; (CanonicalABI.md, "may_enter_from"; definitions.py,
;; ComponentInstance.entering_set): entering a component also enters its
;; ancestors, minus those the caller is already in. So a parent may call
;; its child and a child its parent (donut wrapping), which
;; async/trap-on-reenter.wast lines 86 and 110 expect to trap ("for now",
;; wasmtime's rule); but reentering a child that is on the stack traps.

;; parent to child, synchronously
(component
  (component $Child
    (core module $CM (func (export "f") (result i32) (i32.const 7)))
    (core instance $ci (instantiate $CM))
    (func (export "f") (result u32) (canon lift (core func $ci "f"))))
  (instance $child (instantiate $Child))
  (canon lower (func $child "f") (core func $f))
  (core module $PM
    (import "" "f" (func $f (result i32)))
    (func (export "g") (result i32) (i32.add (call $f) (i32.const 1))))
  (core instance $pi (instantiate $PM (with "" (instance (export "f" (func $f))))))
  (func (export "g") (result u32) (canon lift (core func $pi "g"))))
(assert_return (invoke "g") (u32.const 8))

;; child to parent, synchronously, the child's export called from outside
(component
  (core module $PM (func (export "f") (result i32) (i32.const 40)))
  (core instance $pi (instantiate $PM))
  (func $f (result u32) (canon lift (core func $pi "f")))
  (component $Child
    (import "f" (func $f (result u32)))
    (canon lower (func $f) (core func $f'))
    (core module $CM
      (import "" "f" (func $f (result i32)))
      (func (export "g") (result i32) (i32.add (call $f) (i32.const 2))))
    (core instance $ci (instantiate $CM (with "" (instance (export "f" (func $f'))))))
    (func (export "g") (result u32) (canon lift (core func $ci "g"))))
  (instance $child (instantiate $Child (with "f" (func $f))))
  (alias export $child "g" (func $g))
  (export "g" (func $g)))
(assert_return (invoke "g") (u32.const 42))

;; parent -> child -> parent -> the same child again: the child is
;; entered, so the second call traps (the callback reaches the child's
;; export through a table the parent fills after instantiating it)
(component
  (core module $Tab
    (table (export "t") 1 funcref)
    (type $ft (func))
    (func (export "cb") (call_indirect (type $ft) (i32.const 0))))
  (core instance $tab (instantiate $Tab))
  (func $cb (canon lift (core func $tab "cb")))
  (component $Child
    (import "cb" (func $cb))
    (canon lower (func $cb) (core func $cb'))
    (core module $CM
      (import "" "cb" (func $cb))
      (func (export "f") (call $cb)))
    (core instance $ci (instantiate $CM (with "" (instance (export "cb" (func $cb'))))))
    (func (export "f") (canon lift (core func $ci "f"))))
  (instance $child (instantiate $Child (with "cb" (func $cb))))
  (canon lower (func $child "f") (core func $f))
  (core module $Fill
    (import "" "t" (table 1 funcref))
    (import "" "f" (func $f))
    (elem (i32.const 0) func $f)
    (func (export "go") (call $f)))
  (core instance $fill (instantiate $Fill
    (with "" (instance (export "t" (table $tab "t")) (export "f" (func $f))))))
  (func (export "go") (canon lift (core func $fill "go"))))
(assert_trap (invoke "go") "cannot enter component instance")
