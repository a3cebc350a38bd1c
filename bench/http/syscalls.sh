#!/usr/bin/env bash
# syscalls.sh HIVE APP [N] -- system calls per request of `hive serve`:
# runs the server under `strace -c -f`, sends N (default 1000) requests
# over one keep-alive connection, stops the server and prints strace's
# table with a per-request column (startup and shutdown included, so
# a few calls more than the request path).
set -euo pipefail
hive=${1:?usage: syscalls.sh HIVE APP [N]}
app=${2:?usage: syscalls.sh HIVE APP [N]}
n=${3:-1000}
shift 3 || true
command -v strace >/dev/null || { echo "syscalls: strace not found" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/hive-syscalls.XXXXXX")
spid=""
: >"$work/err" # (the server's stderr; read before the server has written it)
cleanup() {
    if [ -n "$spid" ]; then kill "$spid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
# (the background shell drops the trap: it must not clean up when it ends)
(
    trap - EXIT
    exec strace -c -f -o "$work/strace" "$hive" serve --addr 127.0.0.1:0 "$@" "$app" 2>"$work/err" >/dev/null
) &
spid=$!
for i in $(seq 100); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$work/err" | head -n1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$work/err" >&2; exit 1; }
python3 - "$port" "$n" <<'PY'
import http.client, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(n):
    c.request("GET", "/")
    r = c.getresponse()
    r.read()
    assert r.status == 200, r.status
c.close()
PY
# the server is strace's child: stop it, and strace ends with it
kill -INT "$(pgrep -P $spid)" 2>/dev/null || kill -INT $spid
wait $spid || true
awk -v n="$n" '
    /^[ ]*[0-9.]+[ ]+[0-9.]+[ ]+[0-9]+[ ]+[0-9]+/ { calls = $4; name = $NF; if ($5 ~ /^[0-9]+$/) { name = $6 }
        printf "%-16s %8d %8.2f\n", name, calls, calls / n; next }
    /total/ { printf "%-16s %8d %8.2f\n", "total", $3 == "" ? 0 : $(NF-1), $(NF-1) / n }' "$work/strace" | sort -k2 -n -r
