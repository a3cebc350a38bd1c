;; raw.wat -- a component that calls WASI 0.2 imports directly (no
;; preview-1 adapter), for what the adapter never uses: poll answering
;; every ready index, a stream's `closed`, errors and
;; filesystem-error-code, blocking-splice, write-zeroes, insecure-seed,
;; initial-cwd, terminal-stdin, exit-with-code. tests/wasip2/host.c calls its exports.
(component
  (import "wasi:io/error@0.2.0" (instance $err
    (export "error" (type $e (sub resource)))
    (export "[method]error.to-debug-string" (func (param "self" (borrow $e)) (result string)))
  ))
  (alias export $err "error" (type $error))
  (import "wasi:io/poll@0.2.0" (instance $poll
    (export "pollable" (type $p (sub resource)))
    (export "poll" (func (param "in" (list (borrow $p))) (result (list u32))))
  ))
  (alias export $poll "pollable" (type $pollable))
  (import "wasi:io/streams@0.2.3" (instance $streams
    (alias outer 1 $error (type $e0))
    (export "error" (type $e (eq $e0)))
    (export "input-stream" (type $in (sub resource)))
    (export "output-stream" (type $out (sub resource)))
    (type $se (variant (case "last-operation-failed" (own $e)) (case "closed")))
    (export "stream-error" (type $se2 (eq $se)))
    (export "[method]input-stream.read"
      (func (param "self" (borrow $in)) (param "len" u64) (result (result (list u8) (error $se2)))))
    (export "[method]output-stream.blocking-write-zeroes-and-flush"
      (func (param "self" (borrow $out)) (param "len" u64) (result (result (error $se2)))))
    (export "[method]output-stream.blocking-splice"
      (func (param "self" (borrow $out)) (param "src" (borrow $in)) (param "len" u64) (result (result u64 (error $se2)))))
  ))
  (alias export $streams "input-stream" (type $input-stream))
  (alias export $streams "output-stream" (type $output-stream))
  (import "wasi:cli/stdin@0.2.0" (instance $stdin
    (alias outer 1 $input-stream (type $i0))
    (export "input-stream" (type $i (eq $i0)))
    (export "get-stdin" (func (result (own $i))))
  ))
  (import "wasi:cli/stdout@0.2.0" (instance $stdout
    (alias outer 1 $output-stream (type $o0))
    (export "output-stream" (type $o (eq $o0)))
    (export "get-stdout" (func (result (own $o))))
  ))
  (import "wasi:cli/exit@0.2.0" (instance $exit
    (export "exit-with-code" (func (param "status-code" u8)))
  ))
  (import "wasi:cli/environment@0.2.0" (instance $env
    (export "initial-cwd" (func (result (option string))))
  ))
  (import "wasi:cli/terminal-input@0.2.0" (instance $ti
    (export "terminal-input" (type (sub resource)))
  ))
  (alias export $ti "terminal-input" (type $terminal-input))
  (import "wasi:cli/terminal-stdin@0.2.0" (instance $tstdin
    (alias outer 1 $terminal-input (type $t0))
    (export "terminal-input" (type $t (eq $t0)))
    (export "get-terminal-stdin" (func (result (option (own $t)))))
  ))
  (import "wasi:clocks/monotonic-clock@0.2.0" (instance $mono
    (alias outer 1 $pollable (type $p0))
    (export "pollable" (type $p (eq $p0)))
    (export "subscribe-duration" (func (param "when" u64) (result (own $p))))
  ))
  (import "wasi:random/insecure-seed@0.2.0" (instance $seed
    (export "insecure-seed" (func (result (tuple u64 u64))))
  ))
  (import "wasi:filesystem/types@0.2.0" (instance $fs
    (alias outer 1 $error (type $e0))
    (export "error" (type $e (eq $e0)))
    (type $ec (enum "access" "would-block" "already" "bad-descriptor" "busy" "deadlock" "quota"
      "exist" "file-too-large" "illegal-byte-sequence" "in-progress" "interrupted" "invalid" "io"
      "is-directory" "loop" "too-many-links" "message-size" "name-too-long" "no-device" "no-entry"
      "no-lock" "insufficient-memory" "insufficient-space" "not-directory" "not-empty"
      "not-recoverable" "unsupported" "no-tty" "no-such-device" "overflow" "not-permitted" "pipe"
      "read-only" "invalid-seek" "text-file-busy" "cross-device"))
    (export "error-code" (type $ec2 (eq $ec)))
    (export "filesystem-error-code" (func (param "err" (borrow $e)) (result (option $ec2))))
  ))

  ;; memory and a bump allocator
  (core module $Mem
    (memory (export "memory") 1)
    (global $top (mut i32) (i32.const 4096))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $top) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (global.set $top (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $mem (instantiate $Mem))
  (alias core export $mem "memory" (core memory $memory))
  (alias core export $mem "realloc" (core func $realloc))

  (core func $poll (canon lower (func $poll "poll") (memory $memory) (realloc $realloc)))
  (core func $sub (canon lower (func $mono "subscribe-duration")))
  (core func $drop-pollable (canon resource.drop $pollable))
  (core func $get-stdin (canon lower (func $stdin "get-stdin")))
  (core func $get-stdout (canon lower (func $stdout "get-stdout")))
  (core func $read (canon lower (func $streams "[method]input-stream.read") (memory $memory) (realloc $realloc)))
  (core func $zeroes (canon lower (func $streams "[method]output-stream.blocking-write-zeroes-and-flush") (memory $memory)))
  (core func $splice (canon lower (func $streams "[method]output-stream.blocking-splice") (memory $memory)))
  (core func $drop-in (canon resource.drop $input-stream))
  (core func $drop-out (canon resource.drop $output-stream))
  (core func $drop-error (canon resource.drop $error))
  (core func $debug (canon lower (func $err "[method]error.to-debug-string") (memory $memory) (realloc $realloc)))
  (core func $fs-code (canon lower (func $fs "filesystem-error-code") (memory $memory)))
  (core func $cwd (canon lower (func $env "initial-cwd") (memory $memory) (realloc $realloc)))
  (core func $tstdin (canon lower (func $tstdin "get-terminal-stdin") (memory $memory)))
  (core func $seed (canon lower (func $seed "insecure-seed") (memory $memory)))
  (core func $exit-code (canon lower (func $exit "exit-with-code")))

  (core module $Main
    (import "env" "memory" (memory 1))
    (import "w" "poll" (func $poll (param i32 i32 i32)))
    (import "w" "sub" (func $sub (param i64) (result i32)))
    (import "w" "drop-pollable" (func $drop-pollable (param i32)))
    (import "w" "get-stdin" (func $get-stdin (result i32)))
    (import "w" "get-stdout" (func $get-stdout (result i32)))
    (import "w" "read" (func $read (param i32 i64 i32)))
    (import "w" "zeroes" (func $zeroes (param i32 i64 i32)))
    (import "w" "splice" (func $splice (param i32 i32 i64 i32)))
    (import "w" "drop-in" (func $drop-in (param i32)))
    (import "w" "drop-out" (func $drop-out (param i32)))
    (import "w" "drop-error" (func $drop-error (param i32)))
    (import "w" "debug" (func $debug (param i32 i32)))
    (import "w" "fs-code" (func $fs-code (param i32 i32)))
    (import "w" "cwd" (func $cwd (param i32)))
    (import "w" "tstdin" (func $tstdin (param i32)))
    (import "w" "seed" (func $seed (param i32)))
    (import "w" "exit-code" (func $exit-code (param i32)))

    ;; exit-with-code(n): never returns
    (func (export "exit") (param $n i32) (result i32)
      (call $exit-code (local.get $n))
      (i32.const 0))

    ;; three clocks (0 ns, 0 ns, one hour) in one poll: the ready indexes,
    ;; as count * 100 + first * 10 + second
    (func (export "poll3") (result i32)
      (local $a i32) (local $b i32) (local $c i32) (local $r i32) (local $n i32) (local $lp i32)
      (local.set $a (call $sub (i64.const 0)))
      (local.set $b (call $sub (i64.const 3600000000000)))
      (local.set $c (call $sub (i64.const 0)))
      (i32.store (i32.const 0) (local.get $a))
      (i32.store (i32.const 4) (local.get $b))
      (i32.store (i32.const 8) (local.get $c))
      (call $poll (i32.const 0) (i32.const 3) (i32.const 16))
      (local.set $lp (i32.load (i32.const 16)))
      (local.set $n (i32.load (i32.const 20)))
      (local.set $r (i32.mul (local.get $n) (i32.const 100)))
      (if (i32.ge_u (local.get $n) (i32.const 1))
        (then (local.set $r (i32.add (local.get $r) (i32.mul (i32.load (local.get $lp)) (i32.const 10))))))
      (if (i32.ge_u (local.get $n) (i32.const 2))
        (then (local.set $r (i32.add (local.get $r) (i32.load offset=4 (local.get $lp))))))
      (call $drop-pollable (local.get $a))
      (call $drop-pollable (local.get $b))
      (call $drop-pollable (local.get $c))
      (local.get $r))

    ;; read up to n bytes of stdin: the byte count, or 1000 + (closed: 1;
    ;; failed: 2 + 10 * (filesystem-error-code + 1)); the debug string of
    ;; a failure is at 512, its length at 508
    (func (export "read") (param $n i64) (result i32)
      (local $s i32) (local $r i32) (local $e i32)
      (local.set $s (call $get-stdin))
      (call $read (local.get $s) (local.get $n) (i32.const 32))
      (if (i32.eqz (i32.load8_u (i32.const 32)))
        (then (local.set $r (i32.load (i32.const 40))))
        (else
          (if (i32.eq (i32.load8_u (i32.const 36)) (i32.const 1))
            (then (local.set $r (i32.const 1001)))
            (else
              (local.set $e (i32.load (i32.const 40)))
              (call $fs-code (local.get $e) (i32.const 48))
              (local.set $r (i32.const 1002))
              (if (i32.load8_u (i32.const 48))
                (then (local.set $r (i32.add (local.get $r)
                  (i32.mul (i32.add (i32.load8_u (i32.const 49)) (i32.const 1)) (i32.const 10))))))
              (call $debug (local.get $e) (i32.const 56))
              (i32.store (i32.const 508) (i32.load (i32.const 60)))
              (memory.copy (i32.const 512) (i32.load (i32.const 56)) (i32.load (i32.const 60)))
              (call $drop-error (local.get $e))))))
      (call $drop-in (local.get $s))
      (local.get $r))

    ;; blocking-splice stdin -> stdout (n bytes at most): the count, or 1000 + closed/failed
    (func (export "splice") (param $n i64) (result i64)
      (local $i i32) (local $o i32) (local $r i64)
      (local.set $i (call $get-stdin))
      (local.set $o (call $get-stdout))
      (call $splice (local.get $o) (local.get $i) (local.get $n) (i32.const 64))
      (if (i32.eqz (i32.load8_u (i32.const 64)))
        (then (local.set $r (i64.load (i32.const 72))))
        (else (local.set $r (i64.add (i64.const 1000) (i64.load8_u (i32.const 72))))))
      (call $drop-in (local.get $i))
      (call $drop-out (local.get $o))
      (local.get $r))

    ;; n zero bytes to stdout: 0, or 1
    (func (export "zeroes") (param $n i64) (result i32)
      (local $o i32) (local $r i32)
      (local.set $o (call $get-stdout))
      (call $zeroes (local.get $o) (local.get $n) (i32.const 80))
      (local.set $r (i32.load8_u (i32.const 80)))
      (call $drop-out (local.get $o))
      (local.get $r))

    ;; initial-cwd: its length + 1, or 0 for none
    (func (export "cwd") (result i32)
      (call $cwd (i32.const 88))
      (if (result i32) (i32.load8_u (i32.const 88))
        (then (i32.add (i32.load (i32.const 96)) (i32.const 1)))
        (else (i32.const 0))))

    ;; terminal-stdin: 1 some, 0 none
    (func (export "tty") (result i32)
      (call $tstdin (i32.const 104))
      (i32.load8_u (i32.const 104)))

    ;; insecure-seed: both halves xor'ed
    (func (export "seed") (result i64)
      (call $seed (i32.const 112))
      (i64.xor (i64.load (i32.const 112)) (i64.load (i32.const 120))))
  )
  (core instance $main (instantiate $Main
    (with "env" (instance (export "memory" (memory $memory))))
    (with "w" (instance
      (export "poll" (func $poll)) (export "sub" (func $sub)) (export "drop-pollable" (func $drop-pollable))
      (export "get-stdin" (func $get-stdin)) (export "get-stdout" (func $get-stdout))
      (export "read" (func $read)) (export "zeroes" (func $zeroes)) (export "splice" (func $splice))
      (export "drop-in" (func $drop-in)) (export "drop-out" (func $drop-out))
      (export "drop-error" (func $drop-error)) (export "debug" (func $debug))
      (export "fs-code" (func $fs-code)) (export "cwd" (func $cwd)) (export "tstdin" (func $tstdin))
      (export "seed" (func $seed)) (export "exit-code" (func $exit-code))))))
  (func (export "poll3") (result u32) (canon lift (core func $main "poll3")))
  (func (export "read") (param "n" u64) (result u32) (canon lift (core func $main "read")))
  (func (export "splice") (param "n" u64) (result u64) (canon lift (core func $main "splice")))
  (func (export "zeroes") (param "n" u64) (result u32) (canon lift (core func $main "zeroes")))
  (func (export "cwd") (result u32) (canon lift (core func $main "cwd")))
  (func (export "tty") (result u32) (canon lift (core func $main "tty")))
  (func (export "seed") (result u64) (canon lift (core func $main "seed")))
  (func (export "exit") (param "n" u32) (result u32) (canon lift (core func $main "exit")))
)
