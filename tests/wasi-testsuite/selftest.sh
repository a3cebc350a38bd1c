#!/usr/bin/env bash
# selftest.sh -- checks tests/wasi-testsuite/run.py itself on a small
# suite made here (WAT modules built with wat2wasm, laid out as the
# official suite is): that a wrong exit code or output fails, that args,
# env and the root reach the guest as the adapter maps them, that each test
# gets a fresh writable copy of its root and the suite's copy is never
# written, that expected failures are XFAIL, that a listed test passing
# fails the run, and that unsupported specs are skips.
#
# Usage: tests/wasi-testsuite/selftest.sh HIVE WORKDIR
# Prints "wasi-testsuite selftest: N passed, N failed"; exits 1 on a failure.
set -u
[ $# -eq 2 ] || { echo "usage: selftest.sh HIVE WORKDIR" >&2; exit 2; }
HIVE=$1
WORK=$2
RUN="$(dirname "$0")/run.py"
command -v wat2wasm >/dev/null 2>&1 || { echo "selftest.sh: wat2wasm not found (Debian package wabt)" >&2; exit 2; }

rm -rf "$WORK"
SUITE=$WORK/suite
D=$SUITE/tests/fake/testsuite/wasm32-wasip1
mkdir -p "$D/root.dir" || exit 2
echo keep > "$D/root.dir/marker"
echo '{"name": "selftest", "version": "wasm32-wasip1"}' > "$D/manifest.json"

wat() { # name, body of _start (after the imports below)
    cat > "$WORK/$1.wat" <<EOF
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func \$exit (param i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func \$write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func \$args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func \$envs (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func \$mkdir (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello")
  (data (i32.const 32) "new.cleanup")
  (func (export "_start") $2))
EOF
    wat2wasm "$WORK/$1.wat" -o "$D/$1.wasm" || exit 2
}
wat exit0 ''
wat exit3 '(call $exit (i32.const 3))'
wat exit3_unexpected '(call $exit (i32.const 3))'
wat hello '(i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 5))
  (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))'
cp "$D/hello.wasm" "$D/hello_wrong.wasm"
wat argc '(drop (call $args (i32.const 0) (i32.const 4))) (call $exit (i32.load (i32.const 0)))'
wat envc '(drop (call $envs (i32.const 0) (i32.const 4))) (call $exit (i32.load (i32.const 0)))'
# Creates new.cleanup in the root: 0 the first time, EEXIST (20) after.
wat mkdir1 '(call $exit (call $mkdir (i32.const 3) (i32.const 32) (i32.const 11)))'
cp "$D/mkdir1.wasm" "$D/mkdir2.wasm"
cp "$D/exit0.wasm" "$D/service.wasm"
echo '{"exit_code": 3}' > "$D/exit3.json"
echo '{"stdout": "hello"}' > "$D/hello.json"
echo '{"stdout": "world"}' > "$D/hello_wrong.json"
echo '{"args": ["a", "b c"], "exit_code": 3}' > "$D/argc.json"
echo '{"env": {"A": "1", "B": "x=y"}, "exit_code": 2}' > "$D/envc.json"
echo '{"root": "root.dir"}' > "$D/mkdir1.json"
echo '{"root": "root.dir"}' > "$D/mkdir2.json"
echo '{"world": "wasi:http/service", "operations": [{"type": "run"}, {"type": "wait"}]}' > "$D/service.json"
# Left by an earlier run of the suite's own runner: must not be copied.
mkdir "$D/root.dir/new.cleanup"
chmod -R a-w "$D/root.dir"

pass=0 fail=0
check() { # description, condition (a command)
    if "${@:2}"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}
has() { grep -qxF -- "$1" "$OUT"; }
OUT=$WORK/out.txt

printf '%s\n' "fake/wasm32-wasip1/exit3_unexpected exits 3" "fake/wasm32-wasip1/hello_wrong says hello" > "$WORK/expected.txt"
python3 "$RUN" "$HIVE" "$SUITE" "$WORK/expected.txt" > "$OUT" 2>&1
check "listed failures only: exit 0" test $? -eq 0
check "exit0 passes" has "PASS  fake/wasm32-wasip1/exit0"
check "exit_code 3 passes" has "PASS  fake/wasm32-wasip1/exit3"
check "stdout hello passes" has "PASS  fake/wasm32-wasip1/hello"
check "args reach the guest" has "PASS  fake/wasm32-wasip1/argc"
check "only the given env reaches the guest" has "PASS  fake/wasm32-wasip1/envc"
check "a fresh root (first)" has "PASS  fake/wasm32-wasip1/mkdir1"
check "a fresh root (second)" has "PASS  fake/wasm32-wasip1/mkdir2"
check "wrong exit code is an expected failure" \
    has "XFAIL fake/wasm32-wasip1/exit3_unexpected: exit code: expected 0, got 3 (expected: exits 3)"
check "wrong stdout is an expected failure" \
    has "XFAIL fake/wasm32-wasip1/hello_wrong: stdout: expected 'world', got 'hello' (expected: says hello)"
check "a service test is a skip" \
    has "SKIP  fake/wasm32-wasip1/service (this runner does not support world wasi:http/service)"
check "summary" has "wasi-testsuite: 7 passed, 0 failed, 1 skipped, 2 expected failures"
check "the suite's root is untouched" test "$(ls -A "$D/root.dir" | tr '\n' ' ')" = "marker new.cleanup "

: > "$WORK/none.txt"
python3 "$RUN" "$HIVE" "$SUITE" "$WORK/none.txt" > "$OUT" 2>&1
check "unlisted failures: exit 1" test $? -eq 1
check "unlisted failure is FAIL" has "FAIL  fake/wasm32-wasip1/exit3_unexpected: exit code: expected 0, got 3"
check "summary with failures" has "wasi-testsuite: 7 passed, 2 failed, 1 skipped"

echo "fake/wasm32-wasip1/exit0 was broken" >> "$WORK/expected.txt"
python3 "$RUN" "$HIVE" "$SUITE" "$WORK/expected.txt" exit0 > "$OUT" 2>&1
check "a listed test that passes: exit 1" test $? -eq 1
check "XPASS line" has "XPASS fake/wasm32-wasip1/exit0 (listed as an expected failure: remove it from the list)"

echo "fake/wasm32-wasip1/gone no such test" > "$WORK/bad.txt"
python3 "$RUN" "$HIVE" "$SUITE" "$WORK/bad.txt" > "$OUT" 2>&1
check "a listed test that does not exist: exit 2" test $? -eq 2
python3 "$RUN" "$HIVE" "$WORK/nowhere" "$WORK/none.txt" > "$OUT" 2>&1
check "a missing suite: exit 2" test $? -eq 2

chmod -R u+w "$D/root.dir"
echo "wasi-testsuite selftest: $pass passed, $fail failed"
[ $fail -eq 0 ]
