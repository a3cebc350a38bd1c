#!/bin/sh
# bench/simd/run.sh -- the SIMD benchmark (docs/SIMD.md): bench/simd/blur.c
# built natively (gcc -O2), as scalar wasm (clang --target=wasm32-wasi -O2)
# and as SIMD wasm (the same with -msimd128), all run by mk/simd.mk.
#
# usage: bench/simd/run.sh [--check] BUILD [SIZE [ROUNDS]]
#   BUILD    build directory with hive and simd/blur.{native,wasm,simd.wasm}
#   --check  only check that the three outputs are identical (no timing)
# Exits 1 when the outputs differ or a run fails.
set -u
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
B=${1:?usage: bench/simd/run.sh [--check] BUILD [SIZE [ROUNDS]]}
shift
D=$B/simd
HIVE=$B/hive
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# now_ms: wall-clock milliseconds.
now_ms() { date +%s%3N; }

run() { # name command...: runs, stores output in $tmp/name.out, time in $tmp/name.ms
    name=$1; shift
    t0=$(now_ms)
    if ! "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
        echo "simd: $name run failed:" >&2
        cat "$tmp/$name.err" >&2
        exit 1
    fi
    t1=$(now_ms)
    echo $((t1 - t0)) >"$tmp/$name.ms"
}

run native "$D/blur.native" "$@"
run scalar "$HIVE" run "$D/blur.wasm" "$@"
run simd "$HIVE" run "$D/blur.simd.wasm" "$@"

status=0
for n in scalar simd; do
    if ! cmp -s "$tmp/native.out" "$tmp/$n.out"; then
        echo "simd: $n wasm output differs from native:" >&2
        diff "$tmp/native.out" "$tmp/$n.out" >&2
        status=1
    fi
done
[ $status -eq 0 ] || exit 1
if [ $check -eq 1 ]; then
    echo "simd: blur outputs identical (native, scalar wasm, simd wasm): $(tail -n 1 "$tmp/native.out")"
    exit 0
fi
tail -n 1 "$tmp/native.out"
ns=$(cat "$tmp/native.ms"); ss=$(cat "$tmp/scalar.ms"); vs=$(cat "$tmp/simd.ms")
printf '%-24s %10s %10s %10s %14s\n' benchmark native scalar-wasm simd-wasm simd-speedup
speed=$(awk -v s="$ss" -v v="$vs" 'BEGIN { if (v > 0) printf "%.2fx", s / v; else print "-" }')
printf '%-24s %8sms %8sms %8sms %14s\n' blur "$ns" "$ss" "$vs" "$speed"
