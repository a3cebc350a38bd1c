;; fs-sandbox.wat -- a component that calls wasi:filesystem@0.3.0 directly,
;; for tests/wasip3/fs_sandbox.c: one export runs one operation on the
;; first preopened directory (or on a directory opened beneath it) and
;; returns 0 for ok or 1 + the error-code case.
;;
;;   op: async func(which: u32, follow: u32, a: string, b: string) -> u32
;;
;; which: 0 open-at a (read)         1 stat-at a          2 create-directory-at a
;;        3 remove-directory-at a    4 unlink-file-at a   5 readlink-at a
;;        6 rename-at a -> b         7 link-at a -> b     8 symlink-at (target a) b
;;        9 metadata-hash-at a      10 set-times-at a (now, now)
;;       11 open-at a (create, read|write)
;;       12 open-at a (directory, read|mutate-directory), then create-directory-at b in it
;;       13 open-at a (directory, read), then create-directory-at b in it
;;       14 open-at a (directory, read|mutate-directory), then open-at b (read) in it
;; (12..14 return 1000 + the result of the first open when it fails.)
;; follow: path-flags (1: symlink-follow). The export is an async func
;; lifted sync, so that it may call the async imports with sync lowers.
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
    (type $nt (variant (case "no-change") (case "now") (case "timestamp" $instant)))
    (export "new-timestamp" (type $new-timestamp (eq $nt)))
    (type $mh (record (field "lower" u64) (field "upper" u64)))
    (export "metadata-hash-value" (type $metadata-hash-value (eq $mh)))
    (export "[method]descriptor.open-at" (func async (param "self" (borrow $d)) (param "path-flags" $path-flags)
      (param "path" string) (param "open-flags" $open-flags) (param "flags" $descriptor-flags)
      (result (result (own $d) (error $error-code)))))
    (export "[method]descriptor.stat-at" (func async (param "self" (borrow $d)) (param "path-flags" $path-flags)
      (param "path" string) (result (result $descriptor-stat (error $error-code)))))
    (export "[method]descriptor.create-directory-at" (func async (param "self" (borrow $d))
      (param "path" string) (result (result (error $error-code)))))
    (export "[method]descriptor.remove-directory-at" (func async (param "self" (borrow $d))
      (param "path" string) (result (result (error $error-code)))))
    (export "[method]descriptor.unlink-file-at" (func async (param "self" (borrow $d))
      (param "path" string) (result (result (error $error-code)))))
    (export "[method]descriptor.readlink-at" (func async (param "self" (borrow $d))
      (param "path" string) (result (result string (error $error-code)))))
    (export "[method]descriptor.rename-at" (func async (param "self" (borrow $d)) (param "old-path" string)
      (param "new-descriptor" (borrow $d)) (param "new-path" string) (result (result (error $error-code)))))
    (export "[method]descriptor.link-at" (func async (param "self" (borrow $d))
      (param "old-path-flags" $path-flags) (param "old-path" string) (param "new-descriptor" (borrow $d))
      (param "new-path" string) (result (result (error $error-code)))))
    (export "[method]descriptor.symlink-at" (func async (param "self" (borrow $d)) (param "old-path" string)
      (param "new-path" string) (result (result (error $error-code)))))
    (export "[method]descriptor.metadata-hash-at" (func async (param "self" (borrow $d))
      (param "path-flags" $path-flags) (param "path" string)
      (result (result $metadata-hash-value (error $error-code)))))
    (export "[method]descriptor.set-times-at" (func async (param "self" (borrow $d))
      (param "path-flags" $path-flags) (param "path" string)
      (param "data-access-timestamp" $new-timestamp) (param "data-modification-timestamp" $new-timestamp)
      (result (result (error $error-code)))))
  ))
  (alias export $fs "descriptor" (type $descriptor))
  (import "wasi:filesystem/preopens@0.3.0" (instance $pre
    (alias outer 1 $descriptor (type $d0))
    (export "descriptor" (type $d (eq $d0)))
    (export "get-directories" (func (result (list (tuple (own $d) string)))))
  ))

  (core module $Mem
    (memory (export "memory") 2)
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

  (core func $get-dirs (canon lower (func $pre "get-directories") (memory $memory) (realloc $realloc)))
  (core func $open-at (canon lower (func $fs "[method]descriptor.open-at") (memory $memory) (realloc $realloc)))
  (core func $stat-at (canon lower (func $fs "[method]descriptor.stat-at") (memory $memory) (realloc $realloc)))
  (core func $mkdir (canon lower (func $fs "[method]descriptor.create-directory-at") (memory $memory) (realloc $realloc)))
  (core func $rmdir (canon lower (func $fs "[method]descriptor.remove-directory-at") (memory $memory) (realloc $realloc)))
  (core func $unlink (canon lower (func $fs "[method]descriptor.unlink-file-at") (memory $memory) (realloc $realloc)))
  (core func $readlink (canon lower (func $fs "[method]descriptor.readlink-at") (memory $memory) (realloc $realloc)))
  (core func $rename (canon lower (func $fs "[method]descriptor.rename-at") (memory $memory) (realloc $realloc)))
  (core func $link (canon lower (func $fs "[method]descriptor.link-at") (memory $memory) (realloc $realloc)))
  (core func $symlink (canon lower (func $fs "[method]descriptor.symlink-at") (memory $memory) (realloc $realloc)))
  (core func $hash-at (canon lower (func $fs "[method]descriptor.metadata-hash-at") (memory $memory) (realloc $realloc)))
  (core func $times-at (canon lower (func $fs "[method]descriptor.set-times-at") (memory $memory) (realloc $realloc)))
  (core func $drop (canon resource.drop $descriptor))

  (core module $Main
    (import "env" "memory" (memory 2))
    (import "w" "get-dirs" (func $get-dirs (param i32)))
    (import "w" "open-at" (func $open-at (param i32 i32 i32 i32 i32 i32 i32)))
    (import "w" "stat-at" (func $stat-at (param i32 i32 i32 i32 i32)))
    (import "w" "mkdir" (func $mkdir (param i32 i32 i32 i32)))
    (import "w" "rmdir" (func $rmdir (param i32 i32 i32 i32)))
    (import "w" "unlink" (func $unlink (param i32 i32 i32 i32)))
    (import "w" "readlink" (func $readlink (param i32 i32 i32 i32)))
    (import "w" "rename" (func $rename (param i32 i32 i32 i32 i32 i32 i32)))
    (import "w" "link" (func $link (param i32 i32 i32 i32 i32 i32 i32 i32)))
    (import "w" "symlink" (func $symlink (param i32 i32 i32 i32 i32 i32)))
    (import "w" "hash-at" (func $hash-at (param i32 i32 i32 i32 i32)))
    (import "w" "times-at" (func $times-at (param i32 i32 i32 i32 i32 i64 i32 i32 i64 i32 i32)))
    (import "w" "drop" (func $drop (param i32)))

    (global $dir (mut i32) (i32.const 0))
    (global $ret i32 (i32.const 64)) ;; result area, 8-aligned

    ;; the first preopened directory (asked once)
    (func $dir (result i32)
      (if (i32.eqz (global.get $dir))
        (then
          (call $get-dirs (i32.const 0))
          (if (i32.eqz (i32.load (i32.const 4))) (then unreachable))
          (global.set $dir (i32.load (i32.load (i32.const 0))))))
      (global.get $dir))

    ;; the result at $ret: 0 for ok, else 1 + the error-code case at offset $off
    (func $code (param $off i32) (result i32)
      (if (result i32) (i32.load8_u (global.get $ret))
        (then (i32.add (i32.const 1) (i32.load8_u (i32.add (global.get $ret) (local.get $off)))))
        (else (i32.const 0))))

    ;; open-at beneath $d: the code; an opened descriptor is dropped unless $keep
    ;; (then it is in $opened)
    (global $opened (mut i32) (i32.const 0))
    (func $open (param $d i32) (param $follow i32) (param $p i32) (param $l i32) (param $of i32) (param $df i32)
                (param $keep i32) (result i32)
      (local $c i32)
      (call $open-at (local.get $d) (local.get $follow) (local.get $p) (local.get $l) (local.get $of)
        (local.get $df) (global.get $ret))
      (local.set $c (call $code (i32.const 4)))
      (if (i32.eqz (local.get $c))
        (then
          (global.set $opened (i32.load offset=4 (global.get $ret)))
          (if (i32.eqz (local.get $keep)) (then (call $drop (global.get $opened))))))
      (local.get $c))

    (func (export "op") (param $which i32) (param $follow i32) (param $ap i32) (param $al i32)
                        (param $bp i32) (param $bl i32) (result i32)
      (local $d i32) (local $c i32) (local $child i32)
      (local.set $d (call $dir))
      (block $done
        (if (i32.eq (local.get $which) (i32.const 0)) (then
          (local.set $c (call $open (local.get $d) (local.get $follow) (local.get $ap) (local.get $al)
            (i32.const 0) (i32.const 1) (i32.const 0)))
          (br $done)))
        (if (i32.eq (local.get $which) (i32.const 1)) (then
          (call $stat-at (local.get $d) (local.get $follow) (local.get $ap) (local.get $al) (global.get $ret))
          (local.set $c (call $code (i32.const 8)))
          (br $done)))
        (if (i32.eq (local.get $which) (i32.const 2)) (then
          (call $mkdir (local.get $d) (local.get $ap) (local.get $al) (global.get $ret))
          (local.set $c (call $code (i32.const 4)))
          (br $done)))
        (if (i32.eq (local.get $which) (i32.const 3)) (then
          (call $rmdir (local.get $d) (local.get $ap) (local.get $al) (global.get $ret))
          (local.set $c (call $code (i32.const 4)))
          (br $done)))
        (if (i32.eq (local.get $which) (i32.const 4)) (then
          (call $unlink (local.get $d) (local.get $ap) (local.get $al) (global.get $ret))
          (local.set $c (call $code (i32.const 4)))
          (br $done)))
        (if (i32.eq (local.get $which) (i32.const 5)) (then
          (call $readlink (local.get $d) (local.get $ap) (local.get $al) (global.get $ret))
          (local.set $c (call $code (i32.const 4)))
          (br $done)))
        (if (i32.eq (local.get $which) (i32.const 6)) (then
          (call $rename (local.get $d) (local.get $ap) (local.get $al) (local.get $d) (local.get $bp)
            (local.get $bl) (global.get $ret))
          (local.set $c (call $code (i32.const 4)))
          (br $done)))
        (if (i32.eq (local.get $which) (i32.const 7)) (then
          (call $link (local.get $d) (local.get $follow) (local.get $ap) (local.get $al) (local.get $d)
            (local.get $bp) (local.get $bl) (global.get $ret))
          (local.set $c (call $code (i32.const 4)))
          (br $done)))
        (if (i32.eq (local.get $which) (i32.const 8)) (then
          (call $symlink (local.get $d) (local.get $ap) (local.get $al) (local.get $bp) (local.get $bl)
            (global.get $ret))
          (local.set $c (call $code (i32.const 4)))
          (br $done)))
        (if (i32.eq (local.get $which) (i32.const 9)) (then
          (call $hash-at (local.get $d) (local.get $follow) (local.get $ap) (local.get $al) (global.get $ret))
          (local.set $c (call $code (i32.const 8)))
          (br $done)))
        (if (i32.eq (local.get $which) (i32.const 10)) (then
          (call $times-at (local.get $d) (local.get $follow) (local.get $ap) (local.get $al)
            (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 1) (i64.const 0) (i32.const 0) (global.get $ret))
          (local.set $c (call $code (i32.const 4)))
          (br $done)))
        (if (i32.eq (local.get $which) (i32.const 11)) (then
          (local.set $c (call $open (local.get $d) (local.get $follow) (local.get $ap) (local.get $al)
            (i32.const 1) (i32.const 3) (i32.const 0)))
          (br $done)))
        ;; 12..14: a directory opened beneath the preopen first
        (if (i32.and (i32.ge_u (local.get $which) (i32.const 12)) (i32.le_u (local.get $which) (i32.const 14))) (then
          (local.set $c (call $open (local.get $d) (i32.const 0) (local.get $ap) (local.get $al)
            (i32.const 2) (select (i32.const 1) (i32.const 0x21) (i32.eq (local.get $which) (i32.const 13)))
            (i32.const 1)))
          (if (local.get $c) (then (local.set $c (i32.add (local.get $c) (i32.const 1000))) (br $done)))
          (local.set $child (global.get $opened))
          (if (i32.eq (local.get $which) (i32.const 14))
            (then
              (local.set $c (call $open (local.get $child) (local.get $follow) (local.get $bp) (local.get $bl)
                (i32.const 0) (i32.const 1) (i32.const 0))))
            (else
              (call $mkdir (local.get $child) (local.get $bp) (local.get $bl) (global.get $ret))
              (local.set $c (call $code (i32.const 4)))))
          (call $drop (local.get $child))
          (br $done)))
        unreachable)
      (local.get $c))
  )
  (core instance $main (instantiate $Main
    (with "env" (instance (export "memory" (memory $memory))))
    (with "w" (instance
      (export "get-dirs" (func $get-dirs)) (export "open-at" (func $open-at)) (export "stat-at" (func $stat-at))
      (export "mkdir" (func $mkdir)) (export "rmdir" (func $rmdir)) (export "unlink" (func $unlink))
      (export "readlink" (func $readlink)) (export "rename" (func $rename)) (export "link" (func $link))
      (export "symlink" (func $symlink)) (export "hash-at" (func $hash-at)) (export "times-at" (func $times-at))
      (export "drop" (func $drop))))))
  (func (export "op") async (param "which" u32) (param "follow" u32) (param "a" string) (param "b" string)
    (result u32)
    (canon lift (core func $main "op") (memory $memory) (realloc $realloc)))
)
