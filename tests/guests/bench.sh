#!/usr/bin/env bash
# bench.sh -- startup of the componentize-js (StarlingMonkey) guests: the
# wall time of a whole process that loads the component and makes its first
# call, and that process's peak RSS, under hive and under node, side by
# side with ratios. Medians of RUNS runs (default 5).
#
# Usage: tests/guests/bench.sh HIVE TOOLS OUTDIR
#   OUTDIR holds sm-command.wasm and sm-greeter.wasm (tests/guests/run.sh
#   builds them); the node runs use `jco transpile` output made here
#   (OUTDIR/js, transpiled once, not timed).
#
# Rows:
#   hive run            `hive run sm-command.wasm a b`
#   jco run             `jco run sm-command.wasm a b` (transpiles, then node)
#   node (transpiled)   node importing jco's transpiled component and calling
#                       run.run() / greet()
#   hive run --invoke   `hive run --invoke greet sm-greeter.wasm '"World"'`
set -u
[ $# -eq 3 ] || { echo "usage: bench.sh HIVE TOOLS OUTDIR" >&2; exit 2; }
HIVE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
TOOLS=$(cd "$2" && pwd)
OUT=$(cd "$3" && pwd)
RUNS=${RUNS:-5}
JCO=$TOOLS/.bin/jco
for f in sm-command.wasm sm-greeter.wasm; do
    [ -f "$OUT/$f" ] || { echo "bench.sh: $OUT/$f missing (run tests/guests/run.sh first)" >&2; exit 2; }
done
command -v /usr/bin/time >/dev/null || { echo "bench.sh: /usr/bin/time missing (Debian package time)" >&2; exit 2; }

# node resolves the transpiled code's imports (preview2-shim) from here.
ln -sfn "$TOOLS" "$OUT/node_modules"
mkdir -p "$OUT/js"
for g in command greeter; do
    if [ ! -f "$OUT/js/$g/sm-$g.js" ] || [ "$OUT/sm-$g.wasm" -nt "$OUT/js/$g/sm-$g.js" ]; then
        "$JCO" transpile "$OUT/sm-$g.wasm" -o "$OUT/js/$g" -q >/dev/null || exit 2
    fi
done
printf "import { run } from './command/sm-command.js';\nrun.run();\n" >"$OUT/js/command.mjs"
printf "import { greet } from './greeter/sm-greeter.js';\nconsole.log(JSON.stringify(greet(process.argv[2])));\n" \
    >"$OUT/js/greet.mjs"

# measure CMD...: prints "SECONDS KB", medians over RUNS runs; checks that
# every run printed the expected first line.
measure() {
    local want=$1
    shift
    local ts=() ms=() cs=() k out
    for ((k = 0; k < RUNS; k++)); do
        local t0 t1 m
        t0=$(date +%s%N)
        out=$(/usr/bin/time -o "$OUT/time.txt" -f "%M %U %S" "$@" 2>/dev/null)
        t1=$(date +%s%N)
        if ! grep -qF -- "$want" <<<"$out"; then
            echo "bench.sh: unexpected output from $*: $out" >&2
            exit 1
        fi
        t=$(echo "($t1 - $t0) / 1000000000" | bc -l)
        read -r m u sy <"$OUT/time.txt"
        ts+=("$t")
        ms+=("$m")
        cs+=("$(echo "$u + $sy" | bc -l)")
    done
    echo "$(printf '%s\n' "${ts[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")" \
        "$(printf '%s\n' "${ms[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")" \
        "$(printf '%s\n' "${cs[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")"
}

row() { # row LABEL SECONDS KB CPU HIVE_SECONDS HIVE_KB HIVE_CPU
    printf '  %-22s %8.3f s %7.2f s %9.1f MB %8.1fx %8.1fx %8.1fx\n' "$1" "$2" "$4" \
        "$(echo "$3/1024" | bc -l)" "$(echo "$2/$5" | bc -l)" "$(echo "$4/$7" | bc -l)" \
        "$(echo "$3/$6" | bc -l)"
}

cd "$OUT" || exit 2
echo "componentize-js guests: startup (process start to first call done) and peak RSS, median of $RUNS"
printf '  %-22s %10s %9s %12s %9s %9s %9s\n' "" wall CPU RSS "wall/hive" "CPU/hive" "RSS/hive"
echo "wasi:cli/run command (sm-command.wasm, $(stat -c %s sm-command.wasm) bytes)"
read -r ht hm hc <<<"$(measure 'hello from js: 3 args' "$HIVE" run sm-command.wasm a b)"
row "hive run" "$ht" "$hm" "$hc" "$ht" "$hm" "$hc"
read -r t m c <<<"$(measure 'hello from js: 3 args' "$JCO" run sm-command.wasm a b)"
row "jco run" "$t" "$m" "$c" "$ht" "$hm" "$hc"
read -r t m c <<<"$(measure 'hello from js: 3 args' node js/command.mjs a b)"
row "node (transpiled)" "$t" "$m" "$c" "$ht" "$hm" "$hc"
echo "greet(\"World\") (sm-greeter.wasm, $(stat -c %s sm-greeter.wasm) bytes)"
read -r ht hm hc <<<"$(measure '"Hello, World! (5 chars)"' "$HIVE" run --invoke greet sm-greeter.wasm '"World"')"
row "hive run --invoke" "$ht" "$hm" "$hc" "$ht" "$hm" "$hc"
read -r t m c <<<"$(measure '"Hello, World! (5 chars)"' node js/greet.mjs World)"
row "node (transpiled)" "$t" "$m" "$c" "$ht" "$hm" "$hc"
read -r t m c <<<"$(measure '' node -e 0)"
printf '(node -e 0 alone: %.3f s wall, %.2f s CPU, %.1f MB)\n' "$t" "$c" "$(echo "$m/1024" | bc -l)"
