#!/usr/bin/env bash
# run.sh -- the command line's conventions, which scripts and test runners
# rely on:
#   - `hive --version`, `hive version`: "hive X.Y.Z" (include/hive/version.h)
#     on stdout, exit 0;
#   - `hive help`, `hive --help`, `hive run --help`, `hive serve --help`,
#     `hive help run|serve`: help on stdout, exit 0;
#   - bad usage: exit 2, nothing on stdout, exactly one line on stderr;
#   - `hive serve --addr HOST:0`: the first line on stderr holds
#     http://HOST:PORT/ with the port actually bound, which then serves.
#
# Usage: tests/cli/run.sh HIVE APP
#   HIVE  the hive binary;  APP  a WAGI app answering GET / with 200
# Last line "cli: N passed, N failed"; exit 1 when any failed.
set -u
[ $# -eq 2 ] || { echo "usage: run.sh HIVE APP" >&2; exit 2; }
HIVE=$1
APP=$2
HERE=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/hive-cli.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() {
    failed=$((failed + 1))
    echo "  FAIL: $1"
    [ -s "$T/out" ] && sed 's/^/    out| /' "$T/out" | head -n 3
    [ -s "$T/err" ] && sed 's/^/    err| /' "$T/err" | head -n 3
}
# run ARGS...: runs hive, stdout to $T/out, stderr to $T/err, status in rc.
run() {
    "$HIVE" "$@" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
}

version=$(sed -n 's/^#define HIVE_VERSION_STRING "\(.*\)"/\1/p' "$HERE/include/hive/version.h")
for args in "--version" "version" "-V"; do
    run $args
    if [ $rc -eq 0 ] && [ "$(cat "$T/out")" = "hive $version" ] && [ ! -s "$T/err" ]; then ok
    else bad "hive $args: exit $rc, want 'hive $version' and exit 0"; fi
done

for args in "help" "--help" "-h" "run --help" "run -h" "serve --help" "serve -h" "help run" "help serve"; do
    run $args
    if [ $rc -eq 0 ] && head -n 1 "$T/out" | grep -q '^usage: hive' && [ ! -s "$T/err" ]; then ok
    else bad "hive $args: exit $rc, want help on stdout and exit 0"; fi
done
run run --help
grep -q -- '--invoke' "$T/out" && ok || bad "hive run --help does not list --invoke"
run serve --help
grep -q -- '--addr' "$T/out" && ok || bad "hive serve --help does not list --addr"

# Bad usage: status 2, one line on stderr, nothing on stdout.
while IFS= read -r line; do
    # shellcheck disable=SC2086
    set -- $line
    run "$@"
    if [ $rc -eq 2 ] && [ ! -s "$T/out" ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q '^hive' "$T/err"; then ok
    else bad "hive $line: exit $rc with $(wc -l <"$T/err") stderr line(s); want exit 2 and one line"; fi
done <<'CASES'

bogus
version extra
help nope
run
run --bogus x.wasm
run --fuel
run --timeout xyz x.wasm
serve
serve --bogus x.wasm
serve --addr
serve --request-timeout banana x.wasm
serve a.wasm b.wasm
CASES
# (The run and serve cases never reach the module: usage is checked first.)

# serve: the first line on stderr is the address, as a URL.
first_line_port() { # LOG HOSTRE: waits for the first line, prints its port
    for _ in $(seq 1 200); do
        [ "$(wc -l <"$1")" -ge 1 ] && break
        sleep 0.05
    done
    head -n 1 "$1" | sed -n "s/.*http:\/\/$2:\([0-9][0-9]*\)\/.*/\1/p"
}
for fmt in text json; do
    "$HIVE" serve --addr 127.0.0.1:0 --log-format $fmt "$APP" 2>"$T/serve-$fmt.err" >/dev/null &
    PIDS+=($!)
    port=$(first_line_port "$T/serve-$fmt.err" '127\.0\.0\.1')
    if [ -n "$port" ] && [ "$port" -gt 0 ]; then
        ok
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$port/")
        [ "$code" = 200 ] && ok || bad "serve ($fmt log): GET http://127.0.0.1:$port/ gave '$code'"
    else
        bad "serve ($fmt log): first stderr line has no http://127.0.0.1:PORT/: '$(head -n 1 "$T/serve-$fmt.err")'"
    fi
    kill -TERM "${PIDS[-1]}" 2>/dev/null
    wait "${PIDS[-1]}" 2>/dev/null
done
# An IPv6 address comes in brackets, as URLs write it (when the host has ::1).
"$HIVE" serve --addr '[::1]:0' "$APP" 2>"$T/serve-v6.err" >/dev/null &
PIDS+=($!)
port=$(first_line_port "$T/serve-v6.err" '\[::1\]')
if [ -n "$port" ] && [ "$port" -gt 0 ]; then ok
elif grep -q 'cannot listen' "$T/serve-v6.err"; then echo "  (no IPv6 loopback here: [::1]:0 not tried)"
else bad "serve [::1]:0: first stderr line: '$(head -n 1 "$T/serve-v6.err")'"; fi
kill -TERM "${PIDS[-1]}" 2>/dev/null
wait "${PIDS[-1]}" 2>/dev/null

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
