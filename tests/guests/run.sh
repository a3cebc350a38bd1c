#!/usr/bin/env bash
# run.sh -- JavaScript component guests, built at test time with the
# compilers people use today, run by `hive run` and checked.
#
# Usage: tests/guests/run.sh HIVE TOOLS OUTDIR
#   HIVE    the hive binary
#   TOOLS   tools/node_modules (componentize-qjs, componentize-js, jco)
#   OUTDIR  work directory: the WIT (tests/guests/guests.wit plus jco's
#           wasi:* 0.2.12 packages), the built components (remade only when
#           a source is newer), outputs
#
# Guests (tests/guests/*.js, worlds in guests.wit):
#   qjs-command.wasm   componentize-qjs --sync (its non-async runtime),
#                      world command (wasi:cli/run)
#   qjs-greeter.wasm   componentize-qjs with its default runtime (built with
#                      component-model async support), world greeter
#                      (string functions)
#   sm-command.wasm    componentize-js (SpiderMonkey/StarlingMonkey) with its
#                      default features, command: it imports wasi:http/types
#                      too (for fetch), which `hive run` defines
#   sm-greeter.wasm    componentize-js -d http -d fetch-event, greeter
#
# Prints one line per check and last "guests: N passed, N failed"; exits 1
# on any failure, 2 on usage errors or when a guest cannot be built.
set -u

die() {
    echo "guests: $*" >&2
    exit 2
}

[ $# -eq 3 ] || die "usage: run.sh HIVE TOOLS OUTDIR"
HIVE=$1
TOOLS=$2
OUT=$3
SRC=$(cd "$(dirname "$0")" && pwd)
[ -x "$HIVE" ] || die "hive binary '$HIVE' not found"
QJS=$TOOLS/.bin/componentize-qjs
SM=$TOOLS/.bin/componentize-js
WASI_WIT=$TOOLS/@bytecodealliance/jco/lib/wit/builtin/0.2.12
for t in "$QJS" "$SM"; do
    [ -x "$t" ] || die "$t not found (run scripts/install-deps.sh test: npm ci --prefix tools)"
done
[ -d "$WASI_WIT" ] || die "jco's WASI WIT ($WASI_WIT) not found"

mkdir -p "$OUT/wit/deps" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
TOOLS=$(cd "$TOOLS" && pwd)
QJS=$TOOLS/.bin/componentize-qjs
SM=$TOOLS/.bin/componentize-js
WASI_WIT=$TOOLS/@bytecodealliance/jco/lib/wit/builtin/0.2.12
cp "$SRC/guests.wit" "$OUT/wit/guests.wit"
for p in "$WASI_WIT"/*; do
    ln -sfn "$p" "$OUT/wit/deps/$(basename "$p")"
done

# build OUT.wasm WORLD JS TOOL...: runs the compiler when the component is
# missing or older than its sources.
build() {
    local name=$1 out=$OUT/$1 js=$SRC/$3
    shift 3
    if [ -f "$out" ] && [ "$out" -nt "$js" ] && [ "$out" -nt "$SRC/guests.wit" ]; then
        return 0
    fi
    local t0=$(date +%s.%N)
    if ! "$@" "$out.tmp" >"$out.log" 2>&1; then
        echo "  build $name: FAILED" >&2
        sed 's/^/    /' "$out.log" | tail -n 15 >&2
        exit 2
    fi
    mv "$out.tmp" "$out"
    printf '  built %s (%s bytes) in %.1f s\n' "$name" "$(stat -c %s "$out")" \
        "$(echo "$(date +%s.%N) - $t0" | bc)"
}
W=$OUT/wit
build qjs-command.wasm command command-qjs.js \
    "$QJS" --sync --wit "$W" -n command --js "$SRC/command-qjs.js" -o
build qjs-greeter.wasm greeter greet.js \
    "$QJS" --wit "$W" -n greeter --js "$SRC/greet.js" -o
build sm-command.wasm command command-sm.js \
    "$SM" "$SRC/command-sm.js" --wit "$W" -n command -o
build sm-greeter.wasm greeter greet.js \
    "$SM" "$SRC/greet.js" --wit "$W" -n greeter -d http -d fetch-event -o

pass=0
fail=0
# check NAME WANT_RC WANT_STDOUT CMD...: runs CMD, compares its exit status
# and its whole stdout.
check() {
    local name=$1 want_rc=$2 want=$3
    shift 3
    local got rc
    got=$("$@" 2>"$OUT/stderr.txt")
    rc=$?
    if [ "$rc" = "$want_rc" ] && [ "$got" = "$want" ]; then
        pass=$((pass + 1))
        echo "  ok   $name"
    else
        fail=$((fail + 1))
        echo "  FAIL $name: exit $rc (want $want_rc)"
        echo "    stdout: $(printf '%q' "$got" | cut -c1-200)"
        echo "    want:   $(printf '%q' "$want" | cut -c1-200)"
        sed 's/^/    stderr: /' "$OUT/stderr.txt" | head -n 5
    fi
}

long=$(printf 'ab%.0s' $(seq 1 5000))
for g in qjs sm; do
    cmd=$OUT/$g-command.wasm
    lib=$OUT/$g-greeter.wasm
    check "$g command: args and env" 0 $'hello from js: 3 args: ["a","b c"]\nenv GUEST_A=1\nenv GUEST_B=é ü ☃' \
        "$HIVE" run --env GUEST_A=1 --env 'GUEST_B=é ü ☃' --env OTHER=x "$cmd" a 'b c'
    check "$g command: no args" 0 'hello from js: 1 args: []' "$HIVE" run "$cmd"
    check "$g command: wasi:cli/exit err" 1 'hello from js: 1 args: []' \
        "$HIVE" run --env GUEST_EXIT=err "$cmd"
    check "$g greet" 0 '"Hello, World! (5 chars)"' "$HIVE" run --invoke greet "$lib" '"World"'
    check "$g greet: empty" 0 '"Hello, ! (0 chars)"' "$HIVE" run --invoke greet "$lib" '""'
    check "$g greet: unicode and escapes" 0 '"Hello, a\"b\\c é ☃ 😀! (11 chars)"' \
        "$HIVE" run --invoke greet "$lib" '"a\"b\\c é ☃ 😀"'
    check "$g greet: 10000 chars" 0 "\"Hello, $long! (10000 chars)\"" \
        "$HIVE" run --invoke greet "$lib" "\"$long\""
    check "$g count: list<string> -> tuple" 0 '(3, "a+bb+ccc")' \
        "$HIVE" run --invoke count "$lib" '["a", "bb", "ccc"]'
    check "$g count: empty list" 0 '(0, "")' "$HIVE" run --invoke count "$lib" '[]'
    check "$g greet: bad argument" 2 '' "$HIVE" run --invoke greet "$lib" '42'
done
# A JS exception in run: QuickJS's bindings panic (a trap: 134),
# StarlingMonkey's return run's err (1). Either way no output after it.
check "qjs command: exception" 134 'hello from js: 1 args: []' \
    "$HIVE" run --env GUEST_EXIT=throw "$OUT/qjs-command.wasm"
check "sm command: exception" 1 'hello from js: 1 args: []' \
    "$HIVE" run --env GUEST_EXIT=throw "$OUT/sm-command.wasm"

echo "guests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
