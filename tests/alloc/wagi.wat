;; wagi.wat -- the WAGI guest of tests/alloc/http_walk.c: writes a CGI
;; head and "hello\n", then copies the request body (stdin) to stdout.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0: iovec {ptr, len}; 8: bytes written or read; 64: the head and greeting
  (data (i32.const 64) "Content-Type: text/plain\n\nhello\n")
  (func $write (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "_start")
    (local $n i32)
    (drop (call $write (i32.const 64) (i32.const 32)))
    (block $done
      (loop $copy
        (i32.store (i32.const 0) (i32.const 1024))
        (i32.store (i32.const 4) (i32.const 4096))
        (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $done (i32.eqz (local.get $n)))
        (br_if $done (call $write (i32.const 1024) (local.get $n)))
        (br $copy)))))
