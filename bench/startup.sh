#!/usr/bin/env bash
# bench/startup.sh -- startup: load + instantiate + run to exit, as a whole
# process (docs/PERFORMANCE.md, "Lazy compilation").
#
#   bench/startup.sh BUILD_DIR      (make bench-startup; make bench runs it too)
#
# Three guests:
#   hello     BUILD/bench/hello.wasm (mk/bench.mk), beside hello.native
#   corpus    the largest module of BUILD/corpus/ (mk/corpus.mk), size 1,
#             beside its native build
#   yosys     the core module of the npm package @yowasp/yosys (30.8 MB of
#             wasm), fetched with `npm pack` into BUILD/startup/ the first
#             time and kept there (never committed), run with -V (prints its
#             version and exits); skipped, saying so, when npm cannot get it
# and four engines: native (where there is one), hive (functions compiled
# on their first call), hive with HIVE_EAGER=1 (every function compiled at
# load, as before) and node (node's WASI, bench/node-wasi.mjs).
# Prints, per guest and engine, the median wall-clock time and the peak
# RSS over the runs, and the ratios hive/native and hive/node.
#
# Environment:
#   STARTUP_RUNS=N     runs per guest and engine (default 20; the big module 5)
#   STARTUP_YOSYS=PKG  the npm package spec (default @yowasp/yosys@0.55.944)
#   STARTUP_GUESTS="hello corpus yosys"   only these
#   NODE=path          the node binary (default: node on PATH)
#   STARTUP_BASE=DIR   also run DIR/hive (a baseline build, e.g. of main) as
#                      engine "base", interleaved with the others, and print
#                      base/native and hive/base
set -euo pipefail

BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
TIMEIT=$BUILD/bench/timeit
HIVE=$BUILD/hive
NODE=${NODE:-node}
BASE=${STARTUP_BASE:-}
if [ -n "$BASE" ] && [ ! -x "$BASE/hive" ]; then
    echo "startup.sh: STARTUP_BASE=$BASE has no hive" >&2
    exit 2
fi
RUNS=${STARTUP_RUNS:-20}
YOSYS_PKG=${STARTUP_YOSYS:-@yowasp/yosys@0.55.944}
GUESTS=${STARTUP_GUESTS:-hello corpus yosys}
DIR=$BUILD/startup
mkdir -p "$DIR"

for f in "$TIMEIT" "$HIVE" "$BUILD/bench/hello.wasm"; do
    [ -e "$f" ] || { echo "startup.sh: $f missing (make bench-build corpus-build)" >&2; exit 2; }
done
HAVE_NODE=
command -v "$NODE" >/dev/null 2>&1 && HAVE_NODE=1

# median, in ms, of the times on a timeit line "STATUS RSS T1 T2 ..."
median_ms() { cut -d' ' -f3- <<<"$1" | tr ' ' '\n' | grep . | sort -g |
    awk '{ a[NR] = $1 } END { printf "%.2f", 1000 * (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

# results: TIMES[NAME,ENGINE] (seconds, space-separated), RSS (KB, peak)
declare -A TIMES RSS MED BAD
# one run of NAME on ENGINE: command...
run_once() {
    local name=$1 engine=$2
    shift 2
    local line
    line=$("$TIMEIT" -n 1 -t 120 -o "$DIR/$name.$engine.out" -- "$@")
    local status=${line%% *} rest=${line#* }
    if [ "$status" != ok ]; then
        BAD[$name,$engine]=$status
        return
    fi
    local rss=${rest%% *}
    TIMES[$name,$engine]="${TIMES[$name,$engine]:-} ${rest#* }"
    if [ -z "${RSS[$name,$engine]:-}" ] || [ "$rss" -gt "${RSS[$name,$engine]}" ]; then
        RSS[$name,$engine]=$rss
    fi
}

ratio() { # a b: a / b, or "-"
    if [ -n "${1:-}" ] && [ -n "${2:-}" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'
    else echo "-"; fi
}

# NAME RUNS NATIVE_OR_EMPTY WASM ARGS...: the engines interleaved, run by run
guest() {
    local name=$1 n=$2 native=$3 wasm=$4
    shift 4
    local engines="hive eager" e r
    [ -n "$BASE" ] && engines="base $engines"
    [ -n "$native" ] && engines="native $engines"
    [ -n "$HAVE_NODE" ] && engines="$engines node"
    for ((r = 0; r < n; r++)); do
        for e in $engines; do
            [ -n "${BAD[$name,$e]:-}" ] && continue
            case $e in
            native) run_once "$name" native "$native" "$@" ;;
            hive) run_once "$name" hive "$HIVE" run "$wasm" "$@" ;;
            base) run_once "$name" base "$BASE/hive" run "$wasm" "$@" ;;
            eager) HIVE_EAGER=1 run_once "$name" eager "$HIVE" run "$wasm" "$@" ;;
            node) run_once "$name" node "$NODE" --no-turbo-fast-api-calls --no-warnings \
                "$HERE/node-wasi.mjs" "$wasm" "$@" ;;
            esac
        done
    done
    for e in $engines; do
        if [ -n "${BAD[$name,$e]:-}" ]; then
            printf '  %-10s %-7s failed (%s)\n' "$name" "$e" "${BAD[$name,$e]}"
            continue
        fi
        MED[$name,$e]=$(median_ms "x 0 ${TIMES[$name,$e]}")
        printf '  %-10s %-7s %9s ms  %7.1f MB\n' "$name" "$e" "${MED[$name,$e]}" \
            "$(awk -v k="${RSS[$name,$e]}" 'BEGIN { print k / 1024 }')"
    done
    # the same output from every engine
    local ref=$DIR/$name.hive.out
    for e in native base eager node; do
        if [ -n "${MED[$name,$e]:-}" ] && ! cmp -s "$ref" "$DIR/$name.$e.out"; then
            echo "  $name: output of $e differs from hive's" >&2
            FAIL=1
        fi
    done
    printf '  %-10s hive/native %s  hive/node %s  eager/hive %s\n' "$name" \
        "$(ratio "${MED[$name,hive]:-}" "${MED[$name,native]:-}")" \
        "$(ratio "${MED[$name,hive]:-}" "${MED[$name,node]:-}")" \
        "$(ratio "${MED[$name,eager]:-}" "${MED[$name,hive]:-}")"
    if [ -n "$BASE" ]; then
        printf '  %-10s base/native %s  hive/base %s\n' "$name" \
            "$(ratio "${MED[$name,base]:-}" "${MED[$name,native]:-}")" \
            "$(ratio "${MED[$name,hive]:-}" "${MED[$name,base]:-}")"
    fi
}

FAIL=0
echo "Startup: load + instantiate + run to exit, whole process; engines interleaved, median wall time and peak RSS over $RUNS runs"
for g in $GUESTS; do
    case $g in
    hello)
        guest hello "$RUNS" "$BUILD/bench/hello.native" "$BUILD/bench/hello.wasm"
        ;;
    corpus)
        big=$(ls -S "$BUILD"/corpus/*.wasm 2>/dev/null | head -1 || true)
        if [ -z "$big" ]; then
            echo "  corpus: skipped ($BUILD/corpus/*.wasm missing: make corpus-build)"
            continue
        fi
        n=$(basename "$big" .wasm)
        echo "  corpus: $n.wasm, $(stat -c %s "$big") bytes, size 1"
        guest "$n" "$RUNS" "$BUILD/corpus/$n.native" "$big" 1
        ;;
    yosys)
        wasm=$DIR/package/gen/yosys.core.wasm
        if [ ! -f "$wasm" ]; then
            rm -f "$DIR"/yowasp-yosys-*.tgz
            if ! command -v npm >/dev/null 2>&1 ||
                ! (cd "$DIR" && timeout 120 npm pack --silent "$YOSYS_PKG" >/dev/null 2>&1) ||
                ! tar -xzf "$DIR"/yowasp-yosys-*.tgz -C "$DIR" package/gen/yosys.core.wasm; then
                echo "  yosys: skipped (npm pack $YOSYS_PKG failed: offline?)"
                continue
            fi
            rm -f "$DIR"/yowasp-yosys-*.tgz
        fi
        echo "  yosys: $YOSYS_PKG yosys.core.wasm, $(stat -c %s "$wasm") bytes, -V"
        guest yosys "$(( RUNS < 5 ? RUNS : 5 ))" "" "$wasm" -V
        ;;
    *)
        echo "startup.sh: unknown guest '$g' (hello corpus yosys)" >&2
        exit 2
        ;;
    esac
done
exit $FAIL
