#!/usr/bin/env bash
# callgrind.sh -- instruction counts (valgrind --tool=callgrind), which are
# repeatable on a busy machine: each kernel natively and under each hive
# binary given, at small sizes, whole process included.
#
# Usage: bench/micro/callgrind.sh HIVE [HIVE2...]   (after bench/micro/run.sh
#        has built build/micro/kernels.wasm and build/micro/native)
set -eu
out=${OUT:-build/micro}
SIZES="fib:25 loop:1000000 sieve:1 matmul:2 crc:2 mix64:1000000 chase:100"
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
          awk '/Collected/ {print $4}'; }
printf '%-8s %12s' kernel native
for h in "$@"; do printf ' %14s %7s' "$(basename "$(dirname "$h")")" ratio; done
echo
for ks in $SIZES; do
    k=${ks%%:*} n=${ks##*:}
    nat=$(count "$out/native" "$k" "$n")
    printf '%-8s %12s' "$k" "$nat"
    for h in "$@"; do
        c=$(count "$h" run --invoke "$k" "$out/kernels.wasm" "$n")
        printf ' %14s %7.2f' "$c" "$(echo "$c / $nat" | bc -l)"
    done
    echo
done
