#!/usr/bin/env bash
# run.sh BUILD -- the HTTP benchmark of `make bench`: wrk against
# `hive serve` with the hello WAGI app and against a node http server
# answering the same bytes, interleaved in one run (these machines are
# shared: compare the ratio, not the absolute numbers).
#   BENCH_HTTP_SECONDS  duration of each wrk run (default 5; quick: 2)
#   BENCH_HTTP_ROUNDS   rounds, each running both servers (default 2; quick: 1)
#   BENCH_HTTP_CONNS    connections (default 32)
# Prints per round and server req/s and latency percentiles, then the
# median req/s of each and the ratio hive/node. Loopback only.
set -euo pipefail
BUILD=${1:?usage: run.sh BUILD}
quick=${BENCH_QUICK:-0}
secs=${BENCH_HTTP_SECONDS:-$([ "$quick" = 1 ] && echo 2 || echo 5)}
rounds=${BENCH_HTTP_ROUNDS:-$([ "$quick" = 1 ] && echo 1 || echo 2)}
conns=${BENCH_HTTP_CONNS:-32}
hive=$BUILD/hive
app=$BUILD/examples/wagi/hello.wasm
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk curl node; do
    command -v $tool >/dev/null || { echo "bench-http: $tool not found" >&2; exit 1; }
done
[ -x "$hive" ] && [ -f "$app" ] || { echo "bench-http: build $hive and $app first" >&2; exit 1; }

# wait_port FILE PATTERN: the port printed in FILE, within 10 s.
wait_port() {
    local i port
    for i in $(seq 100); do
        port=$(sed -n "s/$2/\1/p" "$1" | head -n1)
        [ -n "$port" ] && { echo "$port"; return 0; }
        sleep 0.1
    done
    echo "bench-http: no port in $1:" >&2
    cat "$1" >&2
    return 1
}

"$hive" serve --addr 127.0.0.1:0 "$app" 2>"$work/hive.err" >/dev/null &
pids+=($!)
hport=$(wait_port "$work/hive.err" '.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*')
node "$here/node-hello.mjs" >"$work/node.out" 2>&1 &
pids+=($!)
nport=$(wait_port "$work/node.out" '.*listening on \([0-9]*\).*')

h=$(curl -sS "http://127.0.0.1:$hport/")
n=$(curl -sS "http://127.0.0.1:$nport/")
[ "$h" = "$n" ] || { echo "bench-http: bodies differ: hive '$h' node '$n'" >&2; exit 1; }

# run_wrk PORT: "req/s p50 p90 p99" (latencies as wrk prints them).
run_wrk() {
    local out
    out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$1/")
    if echo "$out" | grep -q 'Non-2xx'; then
        echo "bench-http: non-2xx answers on port $1:" >&2
        echo "$out" >&2
        return 1
    fi
    local rps p50 p90 p99
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p90=$(echo "$out" | awk '$1 == "90%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    echo "$rps $p50 $p90 $p99"
}

printf 'HTTP hello, wrk -t2 -c%s -d%ss, %s round(s)\n' "$conns" "$secs" "$rounds"
printf '%-6s %-5s %12s %10s %10s %10s\n' round server req/s p50 p90 p99
hive_rps=()
node_rps=()
for r in $(seq "$rounds"); do
    read -r rps p50 p90 p99 < <(run_wrk "$hport")
    printf '%-6s %-5s %12s %10s %10s %10s\n' "$r" hive "$rps" "$p50" "$p90" "$p99"
    hive_rps+=("$rps")
    read -r rps p50 p90 p99 < <(run_wrk "$nport")
    printf '%-6s %-5s %12s %10s %10s %10s\n' "$r" node "$rps" "$p50" "$p90" "$p99"
    node_rps+=("$rps")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
hm=$(median "${hive_rps[@]}")
nm=$(median "${node_rps[@]}")
printf 'median req/s: hive %s, node %s, hive/node %.2f\n' "$hm" "$nm" "$(echo "$hm $nm" | awk '{print $1/$2}')"
