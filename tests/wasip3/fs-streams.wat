;; fs-streams.wat -- a component that moves bytes through
;; wasi:filesystem@0.3.0 streams, for tests/wasip3/fs_sandbox.c. Its
;; exports are async funcs lifted sync: they may block in sync stream and
;; future copies while the host pumps.
;;
;;   read-file: async func(path: string, offset: u64, chunk: u32) -> u64
;;       reads the file from offset to its end through read-via-stream,
;;       chunk bytes per stream.read; the byte count, or 1 << 63 | (1 +
;;       error-code) when open-at or the stream's future fails. The sum
;;       of the bytes read is then what `checksum` returns.
;;   checksum: func() -> u64
;;   write-file: async func(path: string, offset: u64, n: u32, append: u32) -> u32
;;       creates (or opens) the file and writes n bytes (byte i of them is
;;       i * 31 + 7 mod 256) through write-via-stream at offset, or
;;       append-via-stream; 0, or 1 + error-code (1000 + for open-at).
;;   append-then-size: async func(path: string, n: u32) -> u64
;;       opens the file, writes n bytes (n <= 8192: the copy completes at
;;       once) into append-via-stream and, before anything else, asks
;;       stat for the size: what a completed write wrote must be there.
;;       The size (the stream is then finished), or 1 << 63 on an error.
;;   list-dir: async func() -> u32
;;       the entries read-directory gives for the preopen, or 1 << 31 |
;;       (1 + error-code).
(component
  (import "wasi:filesystem/types@0.3.0" (instance $fs
    (type $ec (variant (case "access") (case "already") (case "bad-descriptor") (case "busy")
      (case "deadlock") (case "quota") (case "exist") (case "file-too-large")
      (case "illegal-byte-sequence") (case "in-progress") (case "interrupted") (case "invalid")
      (case "io") (case "is-directory") (case "loop") (case "too-many-links") (case "message-size")
      (case "name-too-long") (case "no-device") (case "no-entry") (case "no-lock")
      (case "insufficient-memory") (case "insufficient-space") (case "not-directory")
      (case "not-empty") (case "not-recoverable") (case "unsupported") (case "no-tty")
      (case "no-such-device") (case "overflow") (case "not-permitted") (case "pipe")
      (case "read-only") (case "invalid-seek") (case "text-file-busy") (case "cross-device")
      (case "other" (option string))))
    (export "error-code" (type $error-code (eq $ec)))
    (export "descriptor" (type $d (sub resource)))
    (type $dt (variant (case "block-device") (case "character-device") (case "directory") (case "fifo")
      (case "symbolic-link") (case "regular-file") (case "socket") (case "other" (option string))))
    (export "descriptor-type" (type $descriptor-type (eq $dt)))
    (type $pf (flags "symlink-follow"))
    (export "path-flags" (type $path-flags (eq $pf)))
    (type $of (flags "create" "directory" "exclusive" "truncate"))
    (export "open-flags" (type $open-flags (eq $of)))
    (type $df (flags "read" "write" "file-integrity-sync" "data-integrity-sync" "requested-write-sync"
      "mutate-directory"))
    (export "descriptor-flags" (type $descriptor-flags (eq $df)))
    (type $in (record (field "seconds" s64) (field "nanoseconds" u32)))
    (export "instant" (type $instant (eq $in)))
    (type $st (record (field "type" $descriptor-type) (field "link-count" u64) (field "size" u64)
      (field "data-access-timestamp" (option $instant))
      (field "data-modification-timestamp" (option $instant))
      (field "status-change-timestamp" (option $instant))))
    (export "descriptor-stat" (type $descriptor-stat (eq $st)))
    (export "[method]descriptor.stat" (func async (param "self" (borrow $d))
      (result (result $descriptor-stat (error $error-code)))))
    (type $de (record (field "type" $descriptor-type) (field "name" string)))
    (export "directory-entry" (type $directory-entry (eq $de)))
    (export "[method]descriptor.open-at" (func async (param "self" (borrow $d)) (param "path-flags" $path-flags)
      (param "path" string) (param "open-flags" $open-flags) (param "flags" $descriptor-flags)
      (result (result (own $d) (error $error-code)))))
    (export "[method]descriptor.read-via-stream" (func (param "self" (borrow $d)) (param "offset" u64)
      (result (tuple (stream u8) (future (result (error $error-code)))))))
    (export "[method]descriptor.write-via-stream" (func (param "self" (borrow $d)) (param "data" (stream u8))
      (param "offset" u64) (result (future (result (error $error-code))))))
    (export "[method]descriptor.append-via-stream" (func (param "self" (borrow $d)) (param "data" (stream u8))
      (result (future (result (error $error-code))))))
    (export "[method]descriptor.read-directory" (func (param "self" (borrow $d))
      (result (tuple (stream $directory-entry) (future (result (error $error-code)))))))
  ))
  (alias export $fs "descriptor" (type $descriptor))
  (alias export $fs "error-code" (type $error-code))
  (alias export $fs "directory-entry" (type $directory-entry))
  (import "wasi:filesystem/preopens@0.3.0" (instance $pre
    (alias outer 1 $descriptor (type $d0))
    (export "descriptor" (type $d (eq $d0)))
    (export "get-directories" (func (result (list (tuple (own $d) string)))))
  ))
  (type $bytes (stream u8))
  (type $entries (stream $directory-entry))
  (type $fut (future (result (error $error-code))))

  (core module $Mem
    (memory (export "memory") 4)
    (global $top (mut i32) (i32.const 4096))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      ;; strings (error messages, names) go to 4096..65535, reused in a ring
      (if (i32.gt_u (i32.add (global.get $top) (local.get 3)) (i32.const 65536))
        (then (global.set $top (i32.const 4096))))
      (local.set $p (i32.and (i32.add (global.get $top) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (global.set $top (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $mem (instantiate $Mem))
  (alias core export $mem "memory" (core memory $memory))
  (alias core export $mem "realloc" (core func $realloc))

  (core func $get-dirs (canon lower (func $pre "get-directories") (memory $memory) (realloc $realloc)))
  (core func $open-at (canon lower (func $fs "[method]descriptor.open-at") (memory $memory) (realloc $realloc)))
  (core func $read-via (canon lower (func $fs "[method]descriptor.read-via-stream") (memory $memory)))
  (core func $write-via (canon lower (func $fs "[method]descriptor.write-via-stream")))
  (core func $append-via (canon lower (func $fs "[method]descriptor.append-via-stream")))
  (core func $stat (canon lower (func $fs "[method]descriptor.stat") (memory $memory) (realloc $realloc)))
  (core func $read-dir (canon lower (func $fs "[method]descriptor.read-directory") (memory $memory)))
  (core func $drop (canon resource.drop $descriptor))
  (core func $bytes-new (canon stream.new $bytes))
  (core func $bytes-read (canon stream.read $bytes (memory $memory)))
  (core func $bytes-write (canon stream.write $bytes (memory $memory)))
  (core func $bytes-drop-r (canon stream.drop-readable $bytes))
  (core func $bytes-drop-w (canon stream.drop-writable $bytes))
  (core func $entries-read (canon stream.read $entries (memory $memory) (realloc $realloc)))
  (core func $entries-drop-r (canon stream.drop-readable $entries))
  (core func $fut-read (canon future.read $fut (memory $memory) (realloc $realloc)))
  (core func $fut-drop-r (canon future.drop-readable $fut))

  (core module $Main
    (import "env" "memory" (memory 4))
    (import "w" "get-dirs" (func $get-dirs (param i32)))
    (import "w" "open-at" (func $open-at (param i32 i32 i32 i32 i32 i32 i32)))
    (import "w" "read-via" (func $read-via (param i32 i64 i32)))
    (import "w" "write-via" (func $write-via (param i32 i32 i64) (result i32)))
    (import "w" "append-via" (func $append-via (param i32 i32) (result i32)))
    (import "w" "read-dir" (func $read-dir (param i32 i32)))
    (import "w" "stat" (func $stat (param i32 i32)))
    (import "w" "drop" (func $drop (param i32)))
    (import "w" "bytes-new" (func $bytes-new (result i64)))
    (import "w" "bytes-read" (func $bytes-read (param i32 i32 i32) (result i32)))
    (import "w" "bytes-write" (func $bytes-write (param i32 i32 i32) (result i32)))
    (import "w" "bytes-drop-r" (func $bytes-drop-r (param i32)))
    (import "w" "bytes-drop-w" (func $bytes-drop-w (param i32)))
    (import "w" "entries-read" (func $entries-read (param i32 i32 i32) (result i32)))
    (import "w" "entries-drop-r" (func $entries-drop-r (param i32)))
    (import "w" "fut-read" (func $fut-read (param i32 i32) (result i32)))
    (import "w" "fut-drop-r" (func $fut-drop-r (param i32)))

    (global $dir (mut i32) (i32.const 0))
    (global $sum (mut i64) (i64.const 0))
    ;; 0..63: small results; 64..: future results; 65536..: data buffers
    (global $buf i32 (i32.const 65536))

    (func $dir (result i32)
      (if (i32.eqz (global.get $dir))
        (then
          (call $get-dirs (i32.const 0))
          (if (i32.eqz (i32.load (i32.const 4))) (then unreachable))
          (global.set $dir (i32.load (i32.load (i32.const 0))))))
      (global.get $dir))

    ;; open-at beneath the preopen: the descriptor, or -(1 + error-code)
    (func $open (param $p i32) (param $l i32) (param $of i32) (param $df i32) (result i32)
      (call $open-at (call $dir) (i32.const 0) (local.get $p) (local.get $l) (local.get $of) (local.get $df)
        (i32.const 16))
      (if (result i32) (i32.load8_u (i32.const 16))
        (then (i32.sub (i32.const 0) (i32.add (i32.const 1) (i32.load8_u (i32.const 20)))))
        (else (i32.load (i32.const 20)))))

    ;; reads future f (result<_, error-code>) and drops it: 0 or 1 + error-code
    (func $future (param $f i32) (result i32)
      (local $r i32)
      (local.set $r (call $fut-read (local.get $f) (i32.const 64)))
      (if (i32.ne (i32.and (local.get $r) (i32.const 0xf)) (i32.const 0)) (then unreachable))
      (call $fut-drop-r (local.get $f))
      (if (result i32) (i32.load8_u (i32.const 64))
        (then (i32.add (i32.const 1) (i32.load8_u (i32.const 68))))
        (else (i32.const 0))))

    (func (export "checksum") (result i64) (global.get $sum))

    (func (export "read-file") (param $p i32) (param $l i32) (param $off i64) (param $chunk i32) (result i64)
      (local $d i32) (local $s i32) (local $f i32) (local $r i32) (local $n i32) (local $i i32)
      (local $total i64) (local $e i32)
      (global.set $sum (i64.const 0))
      (if (i32.gt_u (local.get $chunk) (i32.const 131072)) (then unreachable))
      (local.set $d (call $open (local.get $p) (local.get $l) (i32.const 0) (i32.const 1)))
      (if (i32.lt_s (local.get $d) (i32.const 0))
        (then (return (i64.or (i64.const 0x8000000000000000)
          (i64.extend_i32_u (i32.sub (i32.const 0) (local.get $d)))))))
      (call $read-via (local.get $d) (local.get $off) (i32.const 24))
      (local.set $s (i32.load (i32.const 24)))
      (local.set $f (i32.load (i32.const 28)))
      (block $end
        (loop $more
          (local.set $r (call $bytes-read (local.get $s) (global.get $buf) (local.get $chunk)))
          (local.set $n (i32.shr_u (local.get $r) (i32.const 4)))
          (local.set $total (i64.add (local.get $total) (i64.extend_i32_u (local.get $n))))
          (local.set $i (i32.const 0))
          (block $summed
            (loop $byte
              (br_if $summed (i32.ge_u (local.get $i) (local.get $n)))
              (global.set $sum (i64.add (global.get $sum)
                (i64.load8_u (i32.add (global.get $buf) (local.get $i)))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $byte)))
          (br_if $end (i32.ne (i32.and (local.get $r) (i32.const 0xf)) (i32.const 0))) ;; DROPPED
          (br $more)))
      (call $bytes-drop-r (local.get $s))
      (local.set $e (call $future (local.get $f)))
      (call $drop (local.get $d))
      (if (result i64) (local.get $e)
        (then (i64.or (i64.const 0x8000000000000000) (i64.extend_i32_u (local.get $e))))
        (else (local.get $total))))

    (func (export "write-file") (param $p i32) (param $l i32) (param $off i64) (param $n i32) (param $append i32)
                                (result i32)
      (local $d i32) (local $pair i64) (local $rd i32) (local $wr i32) (local $f i32) (local $i i32)
      (local $done i32) (local $len i32) (local $r i32) (local $e i32)
      (if (i32.gt_u (local.get $n) (i32.const 131072)) (then unreachable))
      ;; the bytes
      (block $filled
        (loop $fill
          (br_if $filled (i32.ge_u (local.get $i) (local.get $n)))
          (i32.store8 (i32.add (global.get $buf) (local.get $i))
            (i32.add (i32.mul (local.get $i) (i32.const 31)) (i32.const 7)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $fill)))
      (local.set $d (call $open (local.get $p) (local.get $l) (i32.const 1) (i32.const 3)))
      (if (i32.lt_s (local.get $d) (i32.const 0))
        (then (return (i32.add (i32.const 1000) (i32.sub (i32.const 0) (local.get $d))))))
      (local.set $pair (call $bytes-new))
      (local.set $rd (i32.wrap_i64 (local.get $pair)))
      (local.set $wr (i32.wrap_i64 (i64.shr_u (local.get $pair) (i64.const 32))))
      (if (local.get $append)
        (then (local.set $f (call $append-via (local.get $d) (local.get $rd))))
        (else (local.set $f (call $write-via (local.get $d) (local.get $rd) (local.get $off)))))
      ;; write in copies of at most 20000 bytes, each as far as it goes
      (block $written
        (loop $more
          (br_if $written (i32.ge_u (local.get $done) (local.get $n)))
          (local.set $len (i32.sub (local.get $n) (local.get $done)))
          (if (i32.gt_u (local.get $len) (i32.const 20000)) (then (local.set $len (i32.const 20000))))
          (local.set $r (call $bytes-write (local.get $wr) (i32.add (global.get $buf) (local.get $done))
            (local.get $len)))
          (local.set $done (i32.add (local.get $done) (i32.shr_u (local.get $r) (i32.const 4))))
          (br_if $written (i32.ne (i32.and (local.get $r) (i32.const 0xf)) (i32.const 0))) ;; DROPPED
          (br $more)))
      (call $bytes-drop-w (local.get $wr))
      (local.set $e (call $future (local.get $f)))
      (call $drop (local.get $d))
      (if (result i32) (local.get $e)
        (then (local.get $e))
        (else (if (result i32) (i32.eq (local.get $done) (local.get $n))
          (then (i32.const 0)) (else (i32.const 999))))))

    (func (export "append-then-size") (param $p i32) (param $l i32) (param $n i32) (result i64)
      (local $d i32) (local $pair i64) (local $rd i32) (local $wr i32) (local $f i32) (local $r i32)
      (local $size i64)
      (if (i32.gt_u (local.get $n) (i32.const 8192)) (then unreachable))
      (local.set $d (call $open (local.get $p) (local.get $l) (i32.const 1) (i32.const 3)))
      (if (i32.lt_s (local.get $d) (i32.const 0)) (then (return (i64.const 0x8000000000000000))))
      (local.set $pair (call $bytes-new))
      (local.set $rd (i32.wrap_i64 (local.get $pair)))
      (local.set $wr (i32.wrap_i64 (i64.shr_u (local.get $pair) (i64.const 32))))
      (local.set $f (call $append-via (local.get $d) (local.get $rd)))
      (local.set $r (call $bytes-write (local.get $wr) (global.get $buf) (local.get $n)))
      ;; all of it, at once
      (if (i32.ne (local.get $r) (i32.shl (local.get $n) (i32.const 4))) (then unreachable))
      (call $stat (local.get $d) (i32.const 128))
      (if (i32.load8_u (i32.const 128)) (then (return (i64.const 0x8000000000000000))))
      (local.set $size (i64.load (i32.const 160)))
      (call $bytes-drop-w (local.get $wr))
      (if (call $future (local.get $f)) (then (return (i64.const 0x8000000000000000))))
      (call $drop (local.get $d))
      (local.get $size))

    (func (export "list-dir") (result i32)
      (local $s i32) (local $f i32) (local $r i32) (local $count i32) (local $e i32)
      (call $read-dir (call $dir) (i32.const 32))
      (local.set $s (i32.load (i32.const 32)))
      (local.set $f (i32.load (i32.const 36)))
      (block $end
        (loop $more
          ;; 16 entries of 24 bytes each
          (local.set $r (call $entries-read (local.get $s) (global.get $buf) (i32.const 16)))
          (local.set $count (i32.add (local.get $count) (i32.shr_u (local.get $r) (i32.const 4))))
          (br_if $end (i32.ne (i32.and (local.get $r) (i32.const 0xf)) (i32.const 0)))
          (br $more)))
      (call $entries-drop-r (local.get $s))
      (local.set $e (call $future (local.get $f)))
      (if (result i32) (local.get $e)
        (then (i32.or (i32.const 0x80000000) (local.get $e)))
        (else (local.get $count))))
  )
  (core instance $main (instantiate $Main
    (with "env" (instance (export "memory" (memory $memory))))
    (with "w" (instance
      (export "get-dirs" (func $get-dirs)) (export "open-at" (func $open-at))
      (export "read-via" (func $read-via)) (export "write-via" (func $write-via))
      (export "append-via" (func $append-via)) (export "read-dir" (func $read-dir)) (export "stat" (func $stat))
      (export "drop" (func $drop)) (export "bytes-new" (func $bytes-new))
      (export "bytes-read" (func $bytes-read)) (export "bytes-write" (func $bytes-write))
      (export "bytes-drop-r" (func $bytes-drop-r)) (export "bytes-drop-w" (func $bytes-drop-w))
      (export "entries-read" (func $entries-read)) (export "entries-drop-r" (func $entries-drop-r))
      (export "fut-read" (func $fut-read)) (export "fut-drop-r" (func $fut-drop-r))))))
  (func (export "read-file") async (param "path" string) (param "offset" u64) (param "chunk" u32) (result u64)
    (canon lift (core func $main "read-file") (memory $memory) (realloc $realloc)))
  (func (export "checksum") (result u64) (canon lift (core func $main "checksum")))
  (func (export "write-file") async (param "path" string) (param "offset" u64) (param "n" u32) (param "append" u32)
    (result u32)
    (canon lift (core func $main "write-file") (memory $memory) (realloc $realloc)))
  (func (export "append-then-size") async (param "path" string) (param "n" u32) (result u64)
    (canon lift (core func $main "append-then-size") (memory $memory) (realloc $realloc)))
  (func (export "list-dir") async (result u32) (canon lift (core func $main "list-dir")))
)
