;; Source of test_component.c's nested_wasm: the embedder calls run, which
;; calls the nested component's name-len, which calls the host's get-name:
;; a host function that may return PENDING two components deep. spin(n)
;; loops n times in the nested component (budgets reach nested calls).
(component
  (import "test:host/env@0.2.4" (instance $env
    (export "get-name" (func (result string)))))
  (alias export $env "get-name" (func $get-name))
  (component $B
    (import "get-name" (func $get-name (result string)))
    (core module $Mem
      (memory (export "mem") 1)
      (global $bump (mut i32) (i32.const 1024))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p (global.get $bump))
        (global.set $bump (i32.add (global.get $bump) (local.get 3)))
        (local.get $p)))
    (core instance $mem (instantiate $Mem))
    (alias core export $mem "mem" (core memory $m))
    (alias core export $mem "realloc" (core func $realloc))
    (core func $get-name-low (canon lower (func $get-name) (memory $m) (realloc $realloc)))
    (core module $Main
      (import "env" "mem" (memory 1))
      (import "env" "get-name" (func $get-name (param i32)))
      (func (export "name-len") (result i32)
        (call $get-name (i32.const 8))
        (i32.load (i32.const 12)))
      (func (export "spin") (param $n i32) (result i32)
        (local $i i32)
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (local.get $i)))
    (core instance $main (instantiate $Main (with "env" (instance
      (export "mem" (memory $m)) (export "get-name" (func $get-name-low))))))
    (func (export "name-len") (result u32) (canon lift (core func $main "name-len")))
    (func (export "spin") (param "n" u32) (result u32) (canon lift (core func $main "spin"))))
  (instance $b (instantiate $B (with "get-name" (func $get-name))))
  (alias export $b "name-len" (func $name-len))
  (alias export $b "spin" (func $spin))
  (core func $name-len-low (canon lower (func $name-len)))
  (core func $spin-low (canon lower (func $spin)))
  (core module $A
    (import "b" "name-len" (func $name-len (result i32)))
    (import "b" "spin" (func $spin (param i32) (result i32)))
    (func (export "run") (result i32)
      (i32.add (i32.mul (call $name-len) (i32.const 10)) (call $name-len)))
    (func (export "spin") (param i32) (result i32)
      (i32.add (call $spin (local.get 0)) (i32.const 1))))
  (core instance $a (instantiate $A (with "b" (instance (export "name-len" (func $name-len-low))
                                                         (export "spin" (func $spin-low))))))
  (func (export "run") (result u32) (canon lift (core func $a "run")))
  (func (export "spin") (param "n" u32) (result u32) (canon lift (core func $a "spin")))
)
