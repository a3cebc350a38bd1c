;; Source of test_component.c's user_wasm: imports test:res/things (a resource and
;; functions), served by another component instance through hive_linker_define_instance.
(component
  (import "test:res/things" (instance $t
    (export "thing" (type (sub resource)))
    (export "make" (func (param "v" u32) (result (own 0))))
    (export "get" (func (param "t" (borrow 0)) (result u32)))))
  (alias export $t "thing" (type $thing))
  (alias export $t "make" (func $make))
  (alias export $t "get" (func $get))
  (core func $make-low (canon lower (func $make)))
  (core func $get-low (canon lower (func $get)))
  (core func $drop (canon resource.drop $thing))
  (core module $M
    (import "t" "make" (func $make (param i32) (result i32)))
    (import "t" "get" (func $get (param i32) (result i32)))
    (import "t" "drop" (func $drop (param i32)))
    (func (export "run") (param $v i32) (result i32)
      (local $h i32) (local $r i32)
      (local.set $h (call $make (local.get $v)))
      (local.set $r (call $get (local.get $h)))
      (call $drop (local.get $h))
      (local.get $r)))
  (core instance $i (instantiate $M (with "t" (instance
    (export "make" (func $make-low)) (export "get" (func $get-low)) (export "drop" (func $drop))))))
  (func (export "run") (param "v" u32) (result u32) (canon lift (core func $i "run")))
)
