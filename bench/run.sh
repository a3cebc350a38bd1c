#!/usr/bin/env bash
# bench/run.sh -- runs the benchmark suite and prints the tables.
#
#   bench/run.sh BUILD_DIR        (make bench calls it as: bench/run.sh build)
#
# Needs BUILD_DIR/hive and, in BUILD_DIR/bench/, the programs (NAME.native,
# NAME.wasm), hello.native/hello.wasm, timeit and instantiate (mk/bench.mk
# builds them all).
#
# Interleaved: each round runs every program on every engine (native, hive,
# hive without fused runs, node) once, in that order; the tables show medians over the rounds. Every
# run's output is compared with the native output: a mismatch is reported
# loudly and makes the exit status 1. A run that exits non-zero, dies or
# times out marks that program "failed" on that engine (its reason is
# printed; later rounds skip it) without stopping the suite; failures count
# towards the exit status only with BENCH_STRICT=1 (a native failure, or a
# failure of the in-process instantiate benchmark, always does).
#
# Environment:
#   BENCH_QUICK=1          smoke mode: tiny sizes, 1 round, few startup and
#                          instantiate repetitions
#   BENCH_ROUNDS=N         rounds (default 5; quick 1)
#   BENCH_PROGS="a b"      only these programs (default: all six)
#   BENCH_ENGINES="a b"    only these of native hive interp unfused now node
#                          (native is always run; interp is hive run
#                          --no-inline, the interpreter without inline-threaded
#                          copies; unfused is hive run --no-fusion; now is
#                          HIVE_TIER=0 hive run, every function copied as it
#                          is compiled instead of once hot; default: hive
#                          interp node)
#   BENCH_TIMEOUT=S        per-run limit in seconds (default 300)
#   BENCH_STARTUP_RUNS=N   hello-world runs per engine (default 100; quick 5)
#   BENCH_INSTANCES=N      instances per batch for instantiate (default 2000)
#   BENCH_STRICT=1         a failed run also makes the exit status 1
#   BENCH_SKIP="startup instantiate"   skip those sections
#   NODE=path              the node binary (default: node on PATH)
set -euo pipefail

BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
B=$BUILD/bench
OUT=$B/out
TIMEIT=$B/timeit
NODE=${NODE:-node}
QUICK=${BENCH_QUICK:-}
[ "$QUICK" = 0 ] && QUICK=
if [ -n "$QUICK" ]; then
    ROUNDS=${BENCH_ROUNDS:-1}
    STARTUP_RUNS=${BENCH_STARTUP_RUNS:-5}
    INSTANCES=${BENCH_INSTANCES:-50}
    INST_BATCHES=3
else
    ROUNDS=${BENCH_ROUNDS:-5}
    STARTUP_RUNS=${BENCH_STARTUP_RUNS:-100}
    INSTANCES=${BENCH_INSTANCES:-2000}
    INST_BATCHES=5
fi
TIMEOUT=${BENCH_TIMEOUT:-300}
STRICT=${BENCH_STRICT:-}
SKIP=" ${BENCH_SKIP:-} "

# Programs and their arguments: full size (each about 0.1-0.4 s natively
# on the machine of docs/BENCHMARKS.md) and quick size.
declare -A FULL_ARGS=(
    [fib]="39" [sieve]="20000000 2" [sha256]="16"
    [matmul]="500 2" [intmix]="2000" [strmem]="30"
)
declare -A QUICK_ARGS=(
    [fib]="24" [sieve]="200000 1" [sha256]="1"
    [matmul]="60 1" [intmix]="20" [strmem]="1"
)
ALL_PROGS="fib sieve sha256 matmul intmix strmem"
read -r -a PROGS <<<"${BENCH_PROGS:-$ALL_PROGS}"
ENGINES=(native)
for e in ${BENCH_ENGINES:-hive interp node}; do
    case $e in
    native) ;;
    hive | interp | unfused | now | node) ENGINES+=("$e") ;;
    *) echo "run.sh: unknown engine '$e' (native, hive, interp, unfused, now, node)" >&2; exit 2 ;;
    esac
done
for p in "${PROGS[@]}"; do
    [ -n "${FULL_ARGS[$p]+x}" ] || { echo "run.sh: unknown program '$p' ($ALL_PROGS)" >&2; exit 2; }
done

for f in "$TIMEIT" "$BUILD/hive"; do
    [ -x "$f" ] || { echo "run.sh: $f is missing: run 'make bench'" >&2; exit 2; }
done
HAVE_NODE=1
command -v "$NODE" >/dev/null 2>&1 || HAVE_NODE=

mkdir -p "$OUT"

# The command line of program $1 (a path without .native/.wasm) on engine $2.
engine_cmd() {
    case $2 in
    native) CMD=("$1.native") ;;
    hive) CMD=("$BUILD/hive" run "$1.wasm") ;;
    interp) CMD=("$BUILD/hive" run --no-inline "$1.wasm") ;;
    unfused) CMD=("$BUILD/hive" run --no-fusion "$1.wasm") ;;
    now) CMD=(env HIVE_TIER=0 "$BUILD/hive" run "$1.wasm") ;;
    node) CMD=("$NODE" --no-turbo-fast-api-calls --no-warnings "$HERE/node-wasi.mjs" "$1.wasm") ;;
    esac
}

# The median of a space-separated list of numbers.
median() {
    tr -s ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ a[NR] = $1 }
        END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# seconds -> milliseconds, one decimal
ms() { awk -v t="$1" 'BEGIN { printf "%.1f", t * 1000 }'; }

# The first line of a stderr file, shortened, for a failure reason.
first_err() {
    local line
    line=$(grep -m1 -v '^[[:space:]]*$' "$1" 2>/dev/null || true)
    printf '%s' "${line:0:160}"
}

declare -A TIMES=() RSS=() FAILED=()
MISMATCHES=0
FAILURES=0
NATIVE_FAILED=0
INSTANTIATE_FAILED=0

# Runs program $1 with args $2 on engine $3; $4 names the result files.
# Sets TIMES/RSS/FAILED for "$4,$3"; returns 1 if the run did not give a
# comparable output.
run_one() {
    local prog=$1 args=$2 engine=$3 key=$4
    local out=$OUT/$key.$engine.out err=$OUT/$key.$engine.err
    if [ "$engine" = node ] && [ -z "$HAVE_NODE" ]; then
        FAILED[$key,$engine]="node not found"
        return 1
    fi
    engine_cmd "$B/$prog" "$engine"
    local line status rss times
    # shellcheck disable=SC2086 # args are words on purpose
    line=$("$TIMEIT" -n "${5:-1}" -t "$TIMEOUT" -o "$out" -e "$err" -- "${CMD[@]}" $args) ||
        line="timeit-failed 0"
    read -r status rss times <<<"$line"
    if [ "$status" != ok ]; then
        local why
        why=$(first_err "$err")
        FAILED[$key,$engine]="$status${times:+ after $(ms "${times##* }") ms}${why:+: $why}"
        echo "  FAILED: $key on $engine: ${FAILED[$key,$engine]} (output in $out, $err)" >&2
        FAILURES=$((FAILURES + 1))
        [ "$engine" = native ] && NATIVE_FAILED=1
        return 1
    fi
    local ref=$OUT/$key.reference
    if [ "$engine" = native ] && [ ! -e "$ref" ]; then
        cp "$out" "$ref"
    elif [ ! -e "$ref" ]; then
        FAILED[$key,$engine]="no native output to compare with"
        return 1
    elif ! cmp -s "$ref" "$out"; then
        MISMATCHES=$((MISMATCHES + 1))
        {
            echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
            echo "!!! MISMATCH: $key on $engine printed something other than native"
            echo "!!! $engine: ${CMD[*]} $args"
            diff "$ref" "$out" | head -20 | sed 's/^/!!!   /'
            echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        } >&2
        cp "$out" "$OUT/$key.$engine.mismatch"
        FAILED[$key,$engine]="MISMATCH (output kept in $OUT/$key.$engine.mismatch)"
        return 1
    fi
    TIMES[$key,$engine]="${TIMES[$key,$engine]:-}$times "
    if [ "${RSS[$key,$engine]:-0}" -lt "$rss" ]; then RSS[$key,$engine]=$rss; fi
    return 0
}

cpu=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || true)
rev=$(git -C "$HERE/.." rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$HERE/.." status --porcelain 2>/dev/null | head -1 || true)
echo "hive benchmarks$([ -n "$QUICK" ] && echo ' (QUICK: smoke sizes, numbers mean nothing)')"
echo "  machine: ${cpu:-unknown cpu}, $(nproc) cores, $(uname -sr)"
echo "  hive $rev${dirty:+ (with uncommitted changes)}; gcc $(gcc -dumpversion 2>/dev/null || echo ?)," \
    "clang $(clang -dumpversion 2>/dev/null || echo ?), node $([ -n "$HAVE_NODE" ] && "$NODE" --version || echo 'not found')"
echo "  $ROUNDS round(s), interleaved; engines: ${ENGINES[*]};" \
    "load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"

# ---- compute programs -----------------------------------------------------

rm -f "$OUT"/*.reference "$OUT"/*.mismatch
for ((r = 1; r <= ROUNDS; r++)); do
    for p in "${PROGS[@]}"; do
        if [ -n "$QUICK" ]; then args=${QUICK_ARGS[$p]}; else args=${FULL_ARGS[$p]}; fi
        progress="[round $r/$ROUNDS] $p:"
        for e in "${ENGINES[@]}"; do
            if [ -n "${FAILED[$p,$e]+x}" ]; then
                progress+=" $e skipped"
                continue
            fi
            if run_one "$p" "$args" "$e" "$p"; then
                t=${TIMES[$p,$e]% }
                progress+=" $e $(ms "${t##* }") ms"
            else
                progress+=" $e FAILED"
            fi
        done
        echo "$progress" >&2
    done
done

echo
echo "Compute programs: median wall time of $ROUNDS run(s), whole process (ms), and ratio to native"
header=$(printf '%-8s %-17s' program args)
rule=$(printf '%-8s %-17s' -------- -----------------)
for e in "${ENGINES[@]}"; do
    if [ "$e" = native ]; then
        header+=$(printf ' %10s' "native ms")
        rule+=$(printf ' %10s' ----------)
    else
        header+=$(printf ' %10s %8s' "$e ms" "x native")
        rule+=$(printf ' %10s %8s' ---------- --------)
    fi
done
echo "$header"
echo "$rule"
declare -A LOGSUM=() NOK=()
for p in "${PROGS[@]}"; do
    if [ -n "$QUICK" ]; then args=${QUICK_ARGS[$p]}; else args=${FULL_ARGS[$p]}; fi
    row=$(printf '%-8s %-17s' "$p" "$args")
    base=
    [ -z "${FAILED[$p,native]+x}" ] && base=$(median "${TIMES[$p,native]}")
    for e in "${ENGINES[@]}"; do
        if [ -n "${FAILED[$p,$e]+x}" ]; then
            what=failed
            [[ "${FAILED[$p,$e]}" == MISMATCH* ]] && what=MISMATCH
            if [ "$e" = native ]; then row+=$(printf ' %10s' $what); else row+=$(printf ' %10s %8s' $what -); fi
            continue
        fi
        m=$(median "${TIMES[$p,$e]}")
        if [ "$e" = native ]; then
            row+=$(printf ' %10s' "$(ms "$m")")
        else
            ratio=$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
            row+=$(printf ' %10s %8s' "$(ms "$m")" "${ratio}x")
            LOGSUM[$e]=$(awk -v s="${LOGSUM[$e]:-0}" -v x="$ratio" 'BEGIN { printf "%.9f", s + log(x) }')
            NOK[$e]=$((${NOK[$e]:-0} + 1))
        fi
    done
    echo "$row"
done
row=$(printf '%-8s %-17s %10s' geomean "" "")
for e in "${ENGINES[@]:1}"; do
    if [ "${NOK[$e]:-0}" -gt 0 ]; then
        g=$(awk -v s="${LOGSUM[$e]}" -v n="${NOK[$e]}" 'BEGIN { printf "%.2f", exp(s / n) }')
        note=""
        [ "${NOK[$e]}" -lt "${#PROGS[@]}" ] && note=" (of ${NOK[$e]})"
        row+=$(printf ' %10s %8s' "$note" "${g}x")
    else
        row+=$(printf ' %10s %8s' "" -)
    fi
done
echo "$row"

# Paired ratios: within a round each engine runs right after native on
# the same program, so engine/native in the same round cancels the drift
# of a shared machine (other tenants, clock changes) that moves both
# alike. Per program: the median over rounds of those ratios; then the
# geometric mean over programs, and the geometric mean taken round by
# round (its lowest and highest show how far one round can stray).
echo
echo "Paired ratios: engine / native within each round (median over $ROUNDS round(s)); geomean per round: min .. max"
header=$(printf '%-8s' program)
for e in "${ENGINES[@]:1}"; do header+=$(printf ' %13s' "$e"); done
echo "$header"
declare -A PLOG=() PN=() ROUNDLOG=() ROUNDN=()
for p in "${PROGS[@]}"; do
    row=$(printf '%-8s' "$p")
    for e in "${ENGINES[@]:1}"; do
        if [ -n "${FAILED[$p,native]+x}" ] || [ -n "${FAILED[$p,$e]+x}" ]; then
            row+=$(printf ' %13s' -)
            continue
        fi
        ratios=$(awk -v n="${TIMES[$p,native]}" -v x="${TIMES[$p,$e]}" 'BEGIN {
            k = split(n, a, " "); m = split(x, b, " "); if (m < k) k = m
            for (i = 1; i <= k; i++) printf "%.6f ", b[i] / a[i] }')
        med=$(median "$ratios")
        row+=$(printf ' %12.2fx' "$med")
        PLOG[$e]=$(awk -v s="${PLOG[$e]:-0}" -v x="$med" 'BEGIN { printf "%.9f", s + log(x) }')
        PN[$e]=$((${PN[$e]:-0} + 1))
        i=0
        for r in $ratios; do
            i=$((i + 1))
            ROUNDLOG[$e,$i]=$(awk -v s="${ROUNDLOG[$e,$i]:-0}" -v x="$r" 'BEGIN { printf "%.9f", s + log(x) }')
            ROUNDN[$e,$i]=$((${ROUNDN[$e,$i]:-0} + 1))
        done
    done
    echo "$row"
done
row=$(printf '%-8s' geomean)
spread=$(printf '%-8s' rounds)
for e in "${ENGINES[@]:1}"; do
    if [ "${PN[$e]:-0}" -gt 0 ]; then
        row+=$(printf ' %12.2fx' "$(awk -v s="${PLOG[$e]}" -v n="${PN[$e]}" 'BEGIN { print exp(s / n) }')")
        per=""
        for ((r = 1; r <= ROUNDS; r++)); do
            [ "${ROUNDN[$e,$r]:-0}" -eq "${PN[$e]}" ] || continue
            per+="$(awk -v s="${ROUNDLOG[$e,$r]}" -v n="${PN[$e]}" 'BEGIN { printf "%.4f", exp(s / n) }') "
        done
        if [ -n "$per" ]; then
            spread+=$(printf ' %13s' "$(tr -s ' ' '\n' <<<"$per" | grep . | sort -g | awk '{ a[NR] = $1 } END { printf "%.2f..%.2f", a[1], a[NR] }')")
        else
            spread+=$(printf ' %13s' -)
        fi
    else
        row+=$(printf ' %13s' -)
        spread+=$(printf ' %13s' -)
    fi
done
echo "$row"
echo "$spread"

echo
echo "Peak RSS (MiB; largest of the runs, whole process)"
header=$(printf '%-8s' program)
for e in "${ENGINES[@]}"; do header+=$(printf ' %9s' "$e"); done
echo "$header"
for p in "${PROGS[@]}"; do
    row=$(printf '%-8s' "$p")
    for e in "${ENGINES[@]}"; do
        if [ -n "${FAILED[$p,$e]+x}" ]; then
            row+=$(printf ' %9s' failed)
        else
            row+=$(printf ' %9s' "$(awk -v k="${RSS[$p,$e]}" 'BEGIN { printf "%.1f", k / 1024 }')")
        fi
    done
    echo "$row"
done

reasons=""
for p in "${PROGS[@]}"; do
    for e in "${ENGINES[@]}"; do
        [ -n "${FAILED[$p,$e]+x}" ] && reasons+="  $p on $e: ${FAILED[$p,$e]}"$'\n'
    done
done
if [ -n "$reasons" ]; then
    echo
    echo "Failed runs:"
    printf '%s' "$reasons"
fi

# ---- startup --------------------------------------------------------------

if [[ "$SKIP" != *" startup "* ]]; then
    echo
    echo "Startup: hello world as a whole process, $STARTUP_RUNS runs per engine (interleaved in groups of up to 10)"
    printf '%-8s %10s %10s %10s %8s\n' engine "median ms" "mean ms" "min ms" "x native"
    rm -f "$OUT"/hello.reference
    done_runs=0
    while [ "$done_runs" -lt "$STARTUP_RUNS" ]; do
        n=$((STARTUP_RUNS - done_runs))
        [ "$n" -gt 10 ] && n=10
        for e in "${ENGINES[@]}"; do
            [ -n "${FAILED[hello,$e]+x}" ] && continue
            run_one hello "" "$e" hello "$n" || true
        done
        done_runs=$((done_runs + n))
    done
    base=
    [ -z "${FAILED[hello,native]+x}" ] && base=$(median "${TIMES[hello,native]}")
    for e in "${ENGINES[@]}"; do
        if [ -n "${FAILED[hello,$e]+x}" ]; then
            printf '%-8s %10s   (%s)\n' "$e" failed "${FAILED[hello,$e]}"
            continue
        fi
        read -r med mean min < <(tr -s ' ' '\n' <<<"${TIMES[hello,$e]}" | grep . | sort -g | awk '{ a[NR] = $1; s += $1 }
            END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
                  printf "%.3f %.3f %.3f\n", m * 1000, s / NR * 1000, a[1] * 1000 }')
        ratio=-
        [ -n "$base" ] && ratio=$(awk -v a="$med" -v b="$base" 'BEGIN { printf "%.1fx", a / (b * 1000) }')
        printf '%-8s %10s %10s %10s %8s\n' "$e" "$med" "$mean" "$min" "$ratio"
    done
fi

# ---- instantiation --------------------------------------------------------

if [[ "$SKIP" != *" instantiate "* ]]; then
    echo
    echo "Instantiation of a compiled module (hive_instance_new + hive_instance_free, in process)"
    if ! "$B/instantiate" "$INSTANCES" "$INST_BATCHES"; then
        echo "  FAILED: $B/instantiate" >&2
        INSTANTIATE_FAILED=1
    fi
fi

echo
status=0
if [ "$MISMATCHES" -gt 0 ]; then
    echo "!!! $MISMATCHES run(s) printed output different from native: see the MISMATCH lines above" >&2
    status=1
fi
if [ "$NATIVE_FAILED" -ne 0 ]; then
    echo "run.sh: a native run failed, so nothing could be compared" >&2
    status=1
fi
if [ "$INSTANTIATE_FAILED" -ne 0 ]; then
    echo "run.sh: the instantiate benchmark failed" >&2
    status=1
fi
if [ "$FAILURES" -gt 0 ]; then
    if [ -n "$STRICT" ]; then
        echo "run.sh: $FAILURES failed run(s) (BENCH_STRICT=1)" >&2
        status=1
    else
        echo "run.sh: $FAILURES failed run(s), listed above (not fatal without BENCH_STRICT=1)" >&2
    fi
fi
exit "$status"
