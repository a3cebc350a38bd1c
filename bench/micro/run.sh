#!/usr/bin/env bash
# run.sh -- micro-benchmarks: each kernel of kernels.c natively (gcc -O2)
# and under hive, side by side, best of REPS wall-clock runs, with the ratio.
#
# Usage: bench/micro/run.sh [HIVE] [KERNEL...]
#   HIVE      the hive binary (default build/perf/hive; build it with
#             `make BUILD=build/perf`)
#   KERNEL    names to run (default: all)
# Environment: REPS (default 3), OUT (work dir, default build/micro).
# Wall-clock times on a shared machine are noisy: for repeatable numbers
# use bench/micro/callgrind.sh (instruction counts).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
hive=${1:-build/perf/hive}
shift || true
reps=${REPS:-3}
out=${OUT:-build/micro}
mkdir -p "$out"
clang --target=wasm32-wasi -O2 -mbulk-memory -nostdlib -Wl,--no-entry -Wl,--export-all \
    "$here/kernels.c" -o "$out/kernels.wasm"
gcc -O2 "$here/kernels.c" "$here/native_main.c" -o "$out/native"

# name:size, sized for roughly 0.1-0.3 s natively.
SIZES="fib:38 loop:100000000 sieve:30 matmul:100 crc:150 mix64:50000000 chase:10000"
want="$*"

best() { # best wall time of $reps runs of "$@", in seconds
    local b=
    for _ in $(seq "$reps"); do
        local s e t
        s=$(date +%s%N)
        "$@" >/dev/null
        e=$(date +%s%N)
        t=$(( (e - s) / 1000 ))
        if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
    done
    echo "$b"
}

printf '%-8s %12s %10s %10s %8s\n' kernel size native_ms hive_ms ratio
logsum=0
count=0
for ks in $SIZES; do
    k=${ks%%:*}
    n=${ks##*:}
    if [ -n "$want" ] && ! [[ " $want " == *" $k "* ]]; then continue; fi
    r1=$("$out/native" "$k" "$n")
    r2=$("$hive" run --invoke "$k" "$out/kernels.wasm" "$n" | tail -1)
    if [ $(( (r1 - r2) % 4294967296 )) -ne 0 ]; then
        echo "$k: results differ: native $r1, hive $r2" >&2
        exit 1
    fi
    tn=$(best "$out/native" "$k" "$n")
    th=$(best "$hive" run --invoke "$k" "$out/kernels.wasm" "$n")
    ratio=$(echo "scale=2; $th / $tn" | bc)
    printf '%-8s %12s %10.1f %10.1f %8s\n' "$k" "$n" "$(echo "$tn/1000" | bc -l)" \
        "$(echo "$th/1000" | bc -l)" "$ratio"
    logsum=$(echo "$logsum + l($th / $tn)" | bc -l)
    count=$((count + 1))
done
if [ "$count" -gt 0 ]; then
    printf 'geomean hive/native: %.2f\n' "$(echo "e($logsum / $count)" | bc -l)"
fi
