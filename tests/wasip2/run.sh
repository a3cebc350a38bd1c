#!/bin/sh
# run.sh HIVE DIR -- `hive run` of WASI 0.2 command components end to end.
# DIR holds the components (preview-1 programs wrapped by jco's command
# adapter): hello, trap, echo (tests/wasi/), args, wait, sandbox, bigout,
# tty (tests/wasip2/), each as NAME.component.wasm. Checks output, exit codes,
# limits, stdin streamed in while the guest waits, stdout written out
# while a slow reader lags, one wait over several pollables, and the
# filesystem sandbox. Prints one line per failure and
# "wasip2-cli: N passed, M failed".
set -u
HIVE=$1
D=$2
pass=0
fail=0
T=$(mktemp -d /tmp/hive-wasip2-XXXXXX)
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
# expect_ms NAME FILE LO HI : the "elapsed N" line of FILE has LO <= N <= HI
expect_ms() {
    ms=$(sed -n 's/^elapsed //p' "$2")
    if [ -n "$ms" ] && [ "$ms" -ge "$3" ] && [ "$ms" -le "$4" ]; then ok; else bad "$1: elapsed '$ms' ms, want $3..$4"; fi
}

C() { echo "$D/$1.component.wasm"; }

# output and exit codes
expect_rc hello 0 "$HIVE" run "$(C hello)"
expect_in hello "$T/out" "hello, world"
expect_rc "exit 0" 0 "$HIVE" run "$(C trap)" exit 0
# the adapter turns every nonzero proc_exit into wasi:cli/exit exit(err)
expect_rc "exit 7" 1 "$HIVE" run "$(C trap)" exit 7
expect_rc trap 134 "$HIVE" run "$(C trap)"
expect_in trap "$T/out" "before the trap"
expect_in trap "$T/err" "trap: unreachable"
expect_in trap "$T/err" "wasm backtrace:"
expect_in trap "$T/err" "outer_layer"

# --invoke on a command component: any export, with WASI 0.2 as for run
RUN='wasi:cli/run@0.2.12#run'
expect_rc "invoke run" 0 "$HIVE" run --invoke "$RUN" "$(C hello)"
expect_in "invoke run" "$T/out" "hello, world"
expect_in "invoke run" "$T/out" "ok"
printf 'abc' | "$HIVE" run --invoke "$RUN" "$(C echo)" >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 0 ]; then ok; else bad "invoke echo: exit $rc"; fi
expect_in "invoke echo" "$T/out" "abc[3 bytes]"
expect_rc "invoke trap" 134 "$HIVE" run --invoke "$RUN" "$(C trap)"
expect_in "invoke trap" "$T/err" "trap: unreachable"
expect_rc "invoke fuel" 124 "$HIVE" run --fuel 1 --invoke "$RUN" "$(C hello)"
expect_in "invoke fuel" "$T/err" "fuel"
expect_rc "invoke unknown" 1 "$HIVE" run --invoke nope "$(C hello)"
expect_in "invoke unknown" "$T/err" "no exported function 'nope'"

# limits
expect_rc timeout 124 "$HIVE" run --timeout 300ms "$(C trap)" loop
expect_in timeout "$T/err" "timed out"
expect_rc fuel 124 "$HIVE" run --fuel 1000000 "$(C trap)" loop
expect_in fuel "$T/err" "fuel"
expect_rc slice 0 "$HIVE" run --slice 5 "$(C hello)"
expect_in slice "$T/out" "hello, world"

# arguments and environment
expect_rc args 0 "$HIVE" run --env A=1 --env "B=two words" "$(C args)" x "y z" --env A B C
expect_in args "$T/out" "arg 1: x"
expect_in args "$T/out" "arg 2: y z"
expect_in args "$T/out" "env A=1"
expect_in args "$T/out" "env B=two words"
expect_in args "$T/out" "env C=(unset)"
HIVE_P2_SECRET=s3 expect_rc "inherit-env" 0 "$HIVE" run --inherit-env "$(C args)" --env HIVE_P2_SECRET
expect_in "inherit-env" "$T/out" "env HIVE_P2_SECRET=s3"
HIVE_P2_SECRET=s3 expect_rc "no env" 0 "$HIVE" run "$(C args)" --env HIVE_P2_SECRET
expect_in "no env" "$T/out" "env HIVE_P2_SECRET=(unset)"

# stdin streamed in: the guest's read waits (PENDING) until bytes come
(sleep 0.3; printf 'ping\n'; sleep 0.2; printf 'pong\n') | "$HIVE" run "$(C echo)" >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 0 ]; then ok; else bad "echo: exit $rc"; fi
expect_in echo "$T/out" "ping"
expect_in echo "$T/out" "pong"
expect_in echo "$T/out" "[10 bytes]"
head -c 3000000 /dev/zero | "$HIVE" run "$(C echo)" >"$T/out" 2>"$T/err"
expect_in "echo 3 MB" "$T/out" "[3000000 bytes]"

# stdout written out while a slow reader lags: nothing lost
"$HIVE" run "$(C bigout)" 3000000 2>"$T/err" | (sleep 0.5; wc -c) >"$T/out"
expect_in bigout "$T/out" "3000000"
expect_in bigout "$T/err" "done"
"$HIVE" run "$(C bigout)" 200000 2>/dev/null >"$T/big"
if [ "$(head -c 52 "$T/big")" = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz" ] && \
   [ "$(wc -c <"$T/big")" -eq 200000 ]; then ok; else bad "bigout to a file: wrong bytes"; fi

# waiting: clocks, several pollables in one poll, stdin readiness
expect_rc sleep 0 "$HIVE" run "$(C wait)" sleep 300
expect_in sleep "$T/out" "slept"
expect_ms sleep "$T/out" 295 1500
expect_rc clocks 0 "$HIVE" run "$(C wait)" clocks
expect_in clocks "$T/out" "first"
expect_ms clocks "$T/out" 95 290
(sleep 0.3; printf 'hi\n'; sleep 2) | "$HIVE" run "$(C wait)" stdin 5000 >"$T/out" 2>"$T/err"
expect_in "poll stdin" "$T/out" "ready"
expect_in "poll stdin" "$T/out" "line hi"
expect_ms "poll stdin" "$T/out" 50 1500 # data at 0.3 s after the start (less the startup), not the 5 s timeout
sleep 2 | "$HIVE" run "$(C wait)" stdin 300 >"$T/out" 2>"$T/err"
expect_in "poll timeout" "$T/out" "timeout"
expect_ms "poll timeout" "$T/out" 295 1500
# a wait costs no CPU: 1 s asleep in well under 0.2 s of CPU (the
# children's times that the shell's `times` prints, as 0m0.012s 0m0.004s)
s=$( ("$HIVE" run "$(C wait)" sleep 1000 >/dev/null; times) | tail -1)
cpu=$(echo "$s" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] } print t }')
if [ -n "$cpu" ] && awk -v c="$cpu" 'BEGIN { exit !(c < 0.2) }'; then ok; else bad "sleep used CPU: $s"; fi

# the sandbox: no escape by "..", absolute paths or symlinks
mkdir -p "$T/box/d/sub"
echo secret >"$T/box/secret.txt"
ln -s "$T/box/secret.txt" "$T/box/d/link_abs"
ln -s ../secret.txt "$T/box/d/link_up"
expect_rc sandbox 0 "$HIVE" run --dir "$T/box/d::/sandbox" "$(C sandbox)"
expect_in sandbox "$T/out" "all held"
if [ -f "$T/box/d/sub/new.txt" ] && [ ! -e "$T/box/d/abs_link" ]; then ok; else bad "sandbox: files on the host"; fi
expect_rc "sandbox walk" 0 "$HIVE" run --path-walk --dir "$T/box/d::/sandbox" "$(C sandbox)"
expect_in "sandbox walk" "$T/out" "all held"
expect_rc "no such dir" 1 "$HIVE" run --dir "$T/nope::/x" "$(C hello)"
expect_in "no such dir" "$T/err" "cannot open"

# terminals: wasi:cli/terminal-* give a handle for a tty only
expect_rc "tty none" 0 "$HIVE" run "$(C tty)"
expect_in "tty none" "$T/out" "tty 0"
echo | "$HIVE" run "$(C tty)" 2>/dev/null | cat >"$T/out"
expect_in "tty pipes" "$T/out" "tty 0"
if command -v script >/dev/null 2>&1; then
    script -qec "$HIVE run $(C tty)" /dev/null </dev/null >"$T/out" 2>&1
    expect_in "tty terminal" "$T/out" "tty 7"
    script -qec "$HIVE run $(C tty) </dev/null 2>/dev/null" /dev/null </dev/null >"$T/out" 2>&1
    expect_in "tty terminal stdout only" "$T/out" "tty 2"
else
    echo "wasip2-cli: terminals not checked: no script(1) (Debian package bsdutils)"
fi

# wasi:sockets flags: for components only, rules checked
expect_rc "net flags" 0 "$HIVE" run --inherit-network --allow-ip 127.0.0.1 --allow-ip "[::1]:8080" \
    --allow-ip-name-lookup "$(C hello)"
expect_in "net flags" "$T/out" "hello, world"
printf '\000asm\001\000\000\000' >"$T/core.wasm" # an empty core module
expect_rc "net flag, core module" 2 "$HIVE" run --inherit-network "$T/core.wasm"
expect_in "net flag, core module" "$T/err" "for components"
expect_rc "allow-ip alone" 2 "$HIVE" run --allow-ip 127.0.0.1 "$(C hello)"
expect_rc "bad allow-ip" 2 "$HIVE" run --inherit-network --allow-ip 1.2.3.4/40 "$(C hello)"
expect_in "bad allow-ip" "$T/err" "bad --allow-ip"

echo "wasip2-cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
