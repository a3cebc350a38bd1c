#!/usr/bin/env bash
# bench/wasip2.sh -- WASI 0.2 stream throughput, side by side with preview 1.
#
#   bench/wasip2.sh BUILD_DIR     (make wasip2-bench calls it as bench/wasip2.sh build)
#
# The same C programs run by `hive run` twice: as a preview-1 core module
# (BUILD/wasip2/NAME.wasm) and wrapped into a wasi:cli/command component by
# the preview-1 command adapter (BUILD/wasip2/NAME.component.wasm), so the
# component's bytes cross wasi:io/streams through the canonical ABI:
#   out-pipe   bigout writes BENCH_P2_OUT_MB MB (default 100) in 64 KiB
#              writes into a pipe (read by cat into /dev/null)
#   out-null   the same into /dev/null
#   cat-pipe   echo copies BENCH_P2_IN_MB MB (default 50) stdin -> stdout
#              in 4 KiB reads, pipe to pipe
# Each round runs every case on both forms once; the table gives the median
# seconds over BENCH_P2_ROUNDS rounds (default 3) and the ratio component /
# module. Outputs are checked (byte counts); a wrong one fails the run.
# HIVE_BASE=path/to/another/hive adds its component runs as a third column
# (before/after a change, e.g. a build of an older commit).
set -euo pipefail

BUILD=${1:-build}
HIVE=${HIVE:-$BUILD/hive}
D=$BUILD/wasip2
ROUNDS=${BENCH_P2_ROUNDS:-3}
OUT_MB=${BENCH_P2_OUT_MB:-100}
IN_MB=${BENCH_P2_IN_MB:-50}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

for f in bigout.wasm bigout.component.wasm echo.wasm echo.component.wasm; do
    [ -f "$D/$f" ] || { echo "wasip2-bench: $D/$f missing (make wasip2-bench builds it)" >&2; exit 1; }
done
head -c $((IN_MB << 20)) /dev/zero >"$T/in"

now() { date +%s.%N; }
fail=0

# run CASE FORM: prints seconds
run() {
    local c=$1 form=$2 w t0 t1 got want=0 HIVE=$HIVE
    if [ "$form" = module ]; then w=.wasm; else w=.component.wasm; fi
    if [ "$form" = base ]; then HIVE=$HIVE_BASE; fi
    t0=$(now)
    case $c in
    out-pipe)
        "$HIVE" run "$D/bigout$w" $((OUT_MB << 20)) 2>/dev/null | wc -c >"$T/n"
        want=$((OUT_MB << 20)) ;;
    out-null)
        "$HIVE" run "$D/bigout$w" $((OUT_MB << 20)) >/dev/null 2>"$T/err"
        grep -q done "$T/err" && echo $((OUT_MB << 20)) >"$T/n" || echo 0 >"$T/n"
        want=$((OUT_MB << 20)) ;;
    cat-pipe)
        "$HIVE" run "$D/echo$w" <"$T/in" 2>/dev/null | cat | wc -c >"$T/n" ;;
    esac
    t1=$(now)
    got=$(tr -d ' ' <"$T/n")
    if [ "$c" = cat-pipe ]; then
        # the copy, then "[N bytes]\n"
        local tail="[$((IN_MB << 20)) bytes]"
        want=$(( (IN_MB << 20) + ${#tail} + 1 ))
    fi
    if [ "$got" != "$want" ]; then
        echo "wasip2-bench: $c as $form: $got bytes, expected $want" >&2
        fail=1
    fi
    echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}'
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

CASES="out-pipe out-null cat-pipe"
FORMS="module component"
if [ -n "${HIVE_BASE:-}" ]; then FORMS="$FORMS base"; fi
for ((r = 1; r <= ROUNDS; r++)); do
    for c in $CASES; do
        for form in $FORMS; do
            run "$c" "$form" >>"$T/$c.$form"
        done
    done
done

ratio() { awk -v m="$1" -v k="$2" 'BEGIN {printf "%.1fx", (m > 0 ? k / m : 0)}'; }
if [ -n "${HIVE_BASE:-}" ]; then
    printf '%-10s %10s %12s %8s %12s %8s\n' case module_s component_s ratio base_comp_s ratio
else
    printf '%-10s %10s %12s %8s\n' case module_s component_s ratio
fi
for c in $CASES; do
    m=$(median <"$T/$c.module")
    k=$(median <"$T/$c.component")
    if [ -n "${HIVE_BASE:-}" ]; then
        o=$(median <"$T/$c.base")
        printf '%-10s %10s %12s %8s %12s %8s\n' "$c" "$m" "$k" "$(ratio "$m" "$k")" "$o" "$(ratio "$m" "$o")"
    else
        printf '%-10s %10s %12s %8s\n' "$c" "$m" "$k" "$(ratio "$m" "$k")"
    fi
done
echo "($OUT_MB MB out, $IN_MB MB through; median of $ROUNDS rounds; hive: $HIVE${HIVE_BASE:+, base: $HIVE_BASE})"
exit $fail
