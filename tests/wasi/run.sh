#!/bin/sh
# run.sh HIVE GUESTDIR -- `hive run` end to end: exit codes, --env,
# --inherit-env, --dir, the sandbox from the command line, traps with
# backtraces, --fuel / --timeout, reactors with --invoke, link errors, and
# the example program (examples/wasi) against its native build, byte for
# byte. Prints one line per failure and "wasi-cli: N passed, M failed".
set -u
HIVE=$1
G=$2
pass=0
fail=0
T=$(mktemp -d /tmp/hive-wasi-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect_rc NAME WANT CMD... : runs CMD (stdout to $T/out, stderr to $T/err)
expect_rc() {
    name=$1 want=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
    if [ "$rc" = "$want" ]; then ok; else bad "$name: exit $rc, want $want"; sed 's/^/    /' "$T/err" | head -5; fi
}
# expect_in NAME FILE TEXT : FILE contains TEXT
expect_in() {
    if grep -qF -- "$3" "$2"; then ok; else bad "$1: no '$3' in $(basename "$2")"; sed 's/^/    /' "$2" | head -5; fi
}

# hello and exit codes
expect_rc hello 0 "$HIVE" run "$G/hello.wasm"
expect_in hello "$T/out" "hello, world"
expect_rc "proc_exit 7" 7 "$HIVE" run "$G/trap.wasm" exit 7
expect_rc "proc_exit 0" 0 "$HIVE" run "$G/trap.wasm" exit 0
expect_rc "proc_exit 300" 1 "$HIVE" run "$G/trap.wasm" exit 300

# a trap: reason and a backtrace with function names on stderr
expect_rc trap 134 "$HIVE" run "$G/trap.wasm"
expect_in trap "$T/out" "before the trap"
expect_in trap "$T/err" "trap: unreachable"
expect_in trap "$T/err" "wasm backtrace:"
expect_in trap "$T/err" "0: innermost_fault"
expect_in trap "$T/err" "middle_layer"
expect_in trap "$T/err" "outer_layer"

# limits
expect_rc timeout 124 "$HIVE" run --timeout 200ms "$G/trap.wasm" loop
expect_in timeout "$T/err" "timed out"
expect_rc fuel 124 "$HIVE" run --fuel 1000000 "$G/trap.wasm" loop
expect_in fuel "$T/err" "fuel"
expect_rc "bad timeout" 2 "$HIVE" run --timeout xyz "$G/hello.wasm"
# --slice: many suspensions and resumes, the same output; fuel still counts
expect_rc slice 0 "$HIVE" run --slice 3 "$G/hello.wasm"
expect_in slice "$T/out" "hello, world"
expect_rc "slice and fuel" 124 "$HIVE" run --slice 7 --fuel 1000 "$G/trap.wasm" loop
expect_rc "bad slice" 2 "$HIVE" run --slice 0 "$G/hello.wasm"
expect_rc "max memory" 1 "$HIVE" run --max-memory-size 64K "$G/hello.wasm"
expect_in "max memory" "$T/err" "limit"

# environment: nothing unless granted
cat >"$T/env.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
extern char **environ;
int main(int argc, char **argv) {
    for (char **e = environ; *e; e++) printf("env %s\n", *e);
    for (int i = 1; i < argc; i++) printf("arg %s\n", argv[i]);
    return 0;
}
C
clang --target=wasm32-wasi -O2 "$T/env.c" -o "$T/env.wasm"
expect_rc "no env" 0 "$HIVE" run "$T/env.wasm" a "b c"
if grep -q "^env " "$T/out"; then bad "no env: host variables leaked"; else ok; fi
expect_in "args" "$T/out" "arg b c"
HIVE_TEST_VAR=secret expect_rc "env" 0 "$HIVE" run --env A=1 --env B=x=y --env A=2 "$T/env.wasm"
expect_in "env" "$T/out" "env A=2"
expect_in "env" "$T/out" "env B=x=y"
if grep -q "HIVE_TEST_VAR" "$T/out"; then bad "env: unrequested variable leaked"; else ok; fi
HIVE_TEST_VAR=secret expect_rc "env pass" 0 "$HIVE" run --env HIVE_TEST_VAR "$T/env.wasm"
expect_in "env pass" "$T/out" "env HIVE_TEST_VAR=secret"
HIVE_TEST_VAR=secret expect_rc "inherit-env" 0 "$HIVE" run --inherit-env --env HIVE_TEST_VAR=mine "$T/env.wasm"
expect_in "inherit-env" "$T/out" "env HIVE_TEST_VAR=mine"
expect_in "inherit-env" "$T/out" "env PATH="

# directories: mapped names, files in, nothing out
mkdir -p "$T/data/sub"
echo "inside" >"$T/data/sub/in.txt"
echo "outside" >"$T/outside.txt"
ln -s ../outside.txt "$T/data/escape"
cat >"$T/cat.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "r");
        if (!f) { printf("%s: errno %d\n", argv[i], errno); rc = 1; continue; }
        char buf[256];
        size_t n = fread(buf, 1, sizeof buf, f);
        fwrite(buf, 1, n, stdout);
        fclose(f);
    }
    FILE *o = fopen("/out/new.txt", "w");
    if (o) { fputs("written\n", o); fclose(o); }
    return rc;
}
C
clang --target=wasm32-wasi -O2 "$T/cat.c" -o "$T/cat.wasm"
mkdir -p "$T/outdir"
expect_rc "dir" 0 "$HIVE" run --dir "$T/data::/data" --dir "$T/outdir::/out" "$T/cat.wasm" /data/sub/in.txt
expect_in "dir" "$T/out" "inside"
expect_in "dir write" "$T/outdir/new.txt" "written"
expect_rc "dir escape" 1 "$HIVE" run --dir "$T/data::/data" "$T/cat.wasm" /data/../outside.txt /data/escape "$T/outside.txt"
expect_in "dir escape .." "$T/out" "/data/../outside.txt: errno 76"
expect_in "dir escape symlink" "$T/out" "/data/escape: errno 76"
expect_in "dir escape absolute" "$T/out" "$T/outside.txt: errno 76"
if grep -v errno "$T/out" | grep -q outside; then bad "dir escape: content leaked"; else ok; fi
expect_rc "dir missing" 1 "$HIVE" run --dir "$T/nope" "$T/cat.wasm"
expect_in "dir missing" "$T/err" "$T/nope"

# stdin through a pipe that fills later
(sleep 0.2; printf 'one\n'; sleep 0.2; printf 'two\n') | "$HIVE" run "$G/echo.wasm" >"$T/out" 2>"$T/err"
if [ "$(cat "$T/out")" = "$(printf 'one\ntwo\n[8 bytes]')" ]; then ok; else bad "stdin pipe: got '$(cat "$T/out")'"; fi

# isatty (the exit code has a bit per stdio fd that looks like a terminal):
# /dev/null, files and pipes do not; a pseudo-terminal does
expect_rc "isatty /dev/null and files" 0 "$HIVE" run "$G/tty.wasm"
(echo | "$HIVE" run "$G/tty.wasm"; echo $? >"$T/rc") 2>&1 | cat >/dev/null
rc=$(cat "$T/rc")
[ "$rc" = 0 ] && ok || bad "isatty pipes: exit $rc, want 0"
if command -v script >/dev/null 2>&1; then
    script -qec "$HIVE run $G/tty.wasm" /dev/null >/dev/null 2>&1
    rc=$?
    [ $rc = 7 ] && ok || bad "isatty terminal: exit $rc, want 7"
    script -qec "$HIVE run $G/tty.wasm </dev/null 2>/dev/null" /dev/null >/dev/null 2>&1
    rc=$?
    [ $rc = 2 ] && ok || bad "isatty terminal stdout only: exit $rc, want 2"
else
    echo "wasi-cli: isatty on a terminal not checked: no script(1) (Debian package bsdutils)"
fi

# reactors and --invoke
expect_rc "reactor" 0 "$HIVE" run --env BASE=1000 --invoke add "$G/reactor.wasm" 20 3
expect_in "reactor" "$T/out" "1023"
expect_rc "reactor greet" 0 "$HIVE" run --invoke greet "$G/reactor.wasm"
expect_in "reactor greet" "$T/out" "hello from a reactor, base 100"
expect_rc "invoke missing" 1 "$HIVE" run --invoke nope "$G/reactor.wasm"
expect_rc "invoke args" 2 "$HIVE" run --invoke add "$G/reactor.wasm" 1

# link errors name the import
printf '(module (import "env" "missing_fn" (func)))' >"$T/imp.wat"
if command -v wat2wasm >/dev/null 2>&1; then
    wat2wasm "$T/imp.wat" -o "$T/imp.wasm"
    expect_rc "unknown import" 1 "$HIVE" run "$T/imp.wasm"
    expect_in "unknown import" "$T/err" "env.missing_fn"
fi
expect_rc "help" 0 "$HIVE" run --help
expect_in "help" "$T/out" "--dir HOST[::GUEST]"
expect_rc "no module" 1 "$HIVE" run "$T/none.wasm"

# the example program, byte for byte against its native build
EX=$G/example.wasm
NAT=$G/example-native
if [ -x "$NAT" ] && [ -f "$EX" ]; then
    for s in examples/wasi/scripts/*.tl; do
        b=$(basename "$s")
        "$NAT" "examples/wasi/scripts/$b" >"$T/native.out" 2>&1 </dev/null
        nrc=$?
        "$HIVE" run --dir examples/wasi/scripts::examples/wasi/scripts "$EX" "examples/wasi/scripts/$b" >"$T/wasm.out" 2>&1 </dev/null
        wrc=$?
        if cmp -s "$T/native.out" "$T/wasm.out" && [ "$nrc" = "$wrc" ]; then ok; else
            bad "example $b: output or exit status ($nrc vs $wrc) differs"
            diff "$T/native.out" "$T/wasm.out" | head -5
        fi
    done
    # stdin as the program
    "$NAT" - <examples/wasi/scripts/basics.tl >"$T/native.out" 2>&1
    "$HIVE" run "$EX" - <examples/wasi/scripts/basics.tl >"$T/wasm.out" 2>&1
    if cmp -s "$T/native.out" "$T/wasm.out"; then ok; else bad "example from stdin differs"; fi
else
    bad "example program not built"
fi

echo "wasi-cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
