#!/usr/bin/env bash
# syscalls.sh -- the request path's system calls stay few: `hive serve`
# under `strace -c -f` (bench/http/syscalls.sh) answers N, then 2N
# keep-alive requests one after another; the difference over N is what a
# request costs (start and shutdown left out), and it must be at most:
#   - one writev to the socket: head, body and end of a response go out
#     together, not one write each;
#   - one write (the access log: one per turn of the event loop, and here
#     every request has a turn of its own);
#   - no handoff between threads: futex 0.5 (a handoff costs 2 or more;
#     the timer thread's look every 10 ms, about 0.1-0.3 a request at the
#     pace of a server under strace, is what is left);
#   - no mmap, munmap, mprotect or madvise (< 0.1): linear memories come
#     from kept slots, reset in place;
#   - no pread (< 0.1): a memory of up to 256 KiB is reset by scanning its
#     pages, without reading /proc/self/pagemap.
# For the WAGI hello (a fresh instance per request) and the C wasi:http
# hello with and without instance reuse.
#
#   tests/e2e/syscalls.sh [BUILD] [N]    (HIVE=path tests another binary)
#
# Needs strace, $BUILD/examples/wagi/hello.wasm and
# $BUILD/examples/wasihttp/proxy.wasm. Last line "syscalls: N passed, N
# failed"; exit 1 when any failed.
set -u
BUILD=${1:-build}
N=${2:-300}
HIVE=${HIVE:-$BUILD/hive}
here=$(cd "$(dirname "$0")" && pwd)
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }

# at_most NAME TABLE1 TABLE2 CALLS MAX: (count in TABLE2 - count in
# TABLE1) / N of CALLS (summed, space-separated names) is at most MAX
at_most() {
    local got a b
    a=$(awk -v names=" $4 " 'index(names, " " $1 " ") { s += $2 } END { print s + 0 }' <<<"$2")
    b=$(awk -v names=" $4 " 'index(names, " " $1 " ") { s += $2 } END { print s + 0 }' <<<"$3")
    got=$(awk -v a="$a" -v b="$b" -v n="$N" 'BEGIN { printf "%.2f", (b - a) / n }')
    set -- "$1" "$4" "$5"
    if awk -v g="$got" -v m="$3" 'BEGIN { exit !(g <= m) }'; then
        ok "$1: $2 $got per request (at most $3)"
    else
        bad "$1: $2 $got per request" "more than $3"
    fi
}

# run NAME APP ARGS...
run() {
    local name=$1 app=$2
    shift 2
    local t1="" t2=""
    if ! t1=$("$here/../../bench/http/syscalls.sh" "$HIVE" "$app" "$N" "$@" 2>&1) ||
        ! t2=$("$here/../../bench/http/syscalls.sh" "$HIVE" "$app" "$((2 * N))" "$@" 2>&1); then
        bad "$name: $N and $((2 * N)) requests under strace" "$t1 $t2"
        return
    fi
    ok "$name: $N and $((2 * N)) requests under strace"
    at_most "$name" "$t1" "$t2" "writev" 1.05
    at_most "$name" "$t1" "$t2" "write" 1.05
    at_most "$name" "$t1" "$t2" "futex" 0.5
    at_most "$name" "$t1" "$t2" "mmap munmap mprotect madvise" 0.1
    at_most "$name" "$t1" "$t2" "pread64" 0.1
}

command -v strace >/dev/null || { bad "strace" "not installed (scripts/install-deps.sh test)"; echo "syscalls: $passed passed, $failed failed"; exit 1; }
run wagi "$BUILD/examples/wagi/hello.wasm"
run wasihttp-reuse "$BUILD/examples/wasihttp/proxy.wasm" --max-instance-reuse-count 1000
run wasihttp-fresh "$BUILD/examples/wasihttp/proxy.wasm"
echo "syscalls: $passed passed, $failed failed"
[ "$failed" = 0 ]
