#!/usr/bin/env bash
# wasihttp.sh BUILD -- wrk against `hive serve` with the C wasi:http hello
# component (examples/wasihttp/proxy.c) without and with instance reuse,
# the wasi-libc one (examples/wasihttp-libc: the whole of WASI 0.2) likewise,
# the JavaScript ones (examples/wasihttp-js: hello.js without reuse, which
# it does not support; handler.js with reuse) beside `jco serve` of
# handler.js, the WAGI hello app, node's http and nginx (`return 200`, when
# installed), interleaved in one run on loopback (the machines are shared:
# compare within a run). Then the memory of live instances: RSS with 16
# instances kept alive, minus RSS with one, over 15.
#   BENCH_HTTP_SECONDS  each wrk run (default 5)
#   BENCH_HTTP_ROUNDS   rounds over all servers (default 2)
#   BENCH_HTTP_CONNS    connections (default 16), BENCH_HTTP_THREADS wrk threads (1)
# Prints req/s and p99 per round and server, then the median req/s of each.
set -euo pipefail
BUILD=${1:?usage: wasihttp.sh BUILD}
secs=${BENCH_HTTP_SECONDS:-5}
rounds=${BENCH_HTTP_ROUNDS:-2}
conns=${BENCH_HTTP_CONNS:-16}
threads=${BENCH_HTTP_THREADS:-1}
hive=$BUILD/hive
comp=$BUILD/examples/wasihttp/proxy.wasm
wagi=$BUILD/examples/wagi/hello.wasm
js=$BUILD/examples/wasihttp-js
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
for tool in wrk curl node; do
    command -v $tool >/dev/null || { echo "bench-wasihttp: $tool not found" >&2; exit 1; }
done
for f in "$hive" "$comp" "$wagi" "$js/hello.wasm" "$js/handler.wasm"; do
    [ -e "$f" ] || { echo "bench-wasihttp: build $f first (make bench-wasihttp)" >&2; exit 1; }
done

wait_port() {
    local port
    for _ in $(seq 100); do
        port=$(sed -n "s/$2/\1/p" "$1" | head -n1)
        [ -n "$port" ] && { echo "$port"; return 0; }
        sleep 0.1
    done
    echo "bench-wasihttp: no port in $1" >&2
    cat "$1" >&2
    return 1
}

names=()
ports=()
serve() { # NAME ARGS...
    local name=$1
    shift
    "$hive" serve --addr 127.0.0.1:0 "$@" 2>"$work/$name.err" >/dev/null &
    pids+=($!)
    names+=("$name")
    ports+=("$(wait_port "$work/$name.err" '.*listening on [a-z:/]*127\.0\.0\.1:\([0-9]*\).*')")
}
serve wasihttp "$comp"
serve wasihttp-reuse --max-instance-reuse-count 1000 "$comp"
serve wasihttp-reuse-t1 --max-instance-reuse-count 1000 --threads 1 "$comp"
serve libc "$BUILD/examples/wasihttp-libc/env.wasm"
serve libc-reuse --max-instance-reuse-count 1000 "$BUILD/examples/wasihttp-libc/env.wasm"
serve js-hello "$js/hello.wasm"
serve js-handler-reuse --max-instance-reuse-count 1000 "$js/handler.wasm"
serve wagi "$wagi"
jport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$here/../../tools/node_modules/.bin/jco" serve --host 127.0.0.1 --port "$jport" "$js/handler.wasm" \
    >"$work/jco.out" 2>&1 &
pids+=($!)
for _ in $(seq 120); do curl -s "http://127.0.0.1:$jport/" >/dev/null && break; sleep 0.5; done
names+=(jco-serve-handler)
ports+=("$jport")
node "$here/node-hello.mjs" >"$work/node.out" 2>&1 &
pids+=($!)
names+=(node)
ports+=("$(wait_port "$work/node.out" '.*listening on \([0-9]*\).*')")
if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
    ngx=$(command -v nginx || echo /usr/sbin/nginx)
    nport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$work/nginx"
    cat >"$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
daemon off;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx;
    proxy_temp_path $work/nginx;
    fastcgi_temp_path $work/nginx;
    uwsgi_temp_path $work/nginx;
    scgi_temp_path $work/nginx;
    server { listen 127.0.0.1:$nport; location / { return 200 "hello, world\n"; } }
}
CONF
    "$ngx" -c "$work/nginx/nginx.conf" -p "$work/nginx" 2>"$work/nginx.err" &
    pids+=($!)
    for _ in $(seq 50); do curl -s "http://127.0.0.1:$nport/" >/dev/null && break; sleep 0.1; done
    names+=(nginx)
    ports+=("$nport")
fi

eq_body() { # PORT WANT
    local got
    got=$(curl -sS "http://127.0.0.1:$1/")
    [ "$got" = "$2" ] || { echo "bench-wasihttp: port $1 answered '$got', want '$2'" >&2; exit 1; }
}
eq_body "${ports[0]}" "hello from wasi:http #1"

run_wrk() {
    local out
    out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$1/")
    if echo "$out" | grep -q 'Non-2xx'; then
        echo "bench-wasihttp: non-2xx answers on port $1:" >&2
        echo "$out" >&2
        return 1
    fi
    echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1 == "99%" {print $2}')"
}

printf 'wrk -t%s -c%s -d%ss, %s round(s), loopback\n' "$threads" "$conns" "$secs" "$rounds"
printf '%-6s %-14s %12s %10s\n' round server req/s p99
declare -A all
for r in $(seq "$rounds"); do
    for i in "${!names[@]}"; do
        read -r rps p99 < <(run_wrk "${ports[$i]}")
        printf '%-6s %-14s %12s %10s\n' "$r" "${names[$i]}" "$rps" "$p99"
        all[${names[$i]}]="${all[${names[$i]}]:-} $rps"
    done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
printf 'median req/s:'
for n in "${names[@]}"; do
    # shellcheck disable=SC2086
    printf ' %s %s;' "$n" "$(median ${all[$n]})"
done
echo

# RSS per live instance: 16 connections keep up to 16 instances busy, and
# the idle timeout keeps them alive for the measurement
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
instance_rss() { # NAME ARGS...
    local name=$1
    shift
    "$hive" serve --addr 127.0.0.1:0 --metrics-addr 127.0.0.1:0 --idle-instance-timeout 60s \
        --max-instance-reuse-count 1000000 "$@" 2>"$work/$name.mem.err" >/dev/null &
    local pid=$!
    pids+=("$pid")
    local port mport
    port=$(wait_port "$work/$name.mem.err" '.*listening on [a-z:/]*127\.0\.0\.1:\([0-9]*\).*')
    mport=$(wait_port "$work/$name.mem.err" '.*metrics on [a-z:/]*127\.0\.0\.1:\([0-9]*\).*')
    live() { curl -s "http://127.0.0.1:$mport/metrics" | awk '$1 == "hive_workers_live" {print $2}'; }
    curl -s "http://127.0.0.1:$port/" >/dev/null
    local one one_live
    one=$(rss_kb "$pid")
    one_live=$(live)
    wrk -t1 -c16 -d2s "http://127.0.0.1:$port/" >/dev/null
    local many many_live
    many=$(rss_kb "$pid")
    many_live=$(live)
    printf 'memory %-11s RSS %7s KiB with %s live instance(s), %7s KiB with %s: %s KiB per instance\n' \
        "$name" "$one" "$one_live" "$many" "$many_live" \
        "$(( (many - one) / (many_live > one_live ? many_live - one_live : 1) ))"
    kill "$pid"
}
instance_rss wasihttp "$comp"
instance_rss js-handler "$js/handler.wasm"
