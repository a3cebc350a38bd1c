#!/usr/bin/env bash
# outbound.sh -- outgoing HTTP (docs/OUTBOUND.md): requests/s of the fetch
# guest (examples/wasihttp/fetch.c) proxying every request to a local
# upstream, beside direct requests to that upstream, with wrk on loopback.
# The upstream is nginx (`return 200`) when installed, else the python
# upstream of the tests. Rounds interleaved; the machines are shared, so
# compare within a run.
#
#   bench/http/outbound.sh [BUILD]   (DURATION=5s ROUNDS=2 CONNS=16)
set -u
BUILD=${1:-build}
HIVE=${HIVE:-$BUILD/hive}
APP=$BUILD/examples/wasihttp/fetch.wasm
P3APP=$BUILD/wasihttp3/proxy.wasm # wasi:http 0.3: client.send's response returned as is
DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-2}
CONNS=${CONNS:-16}
work=$(mktemp -d "${TMPDIR:-/tmp}/hive-bench-outbound.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do { kill -TERM "$p"; wait "$p"; } 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "outbound bench: wrk is not installed"; exit 1; }
[ -e "$APP" ] || { echo "outbound bench: missing $APP (make bench-outbound)"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

up=$(free_port)
if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
    ngx=$(command -v nginx || echo /usr/sbin/nginx)
    mkdir -p "$work/nginx"
    cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
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
    keepalive_requests 100000;
    server { listen 127.0.0.1:$up; location / { return 200 "hello, world\n"; } }
}
CONF
    "$ngx" -c "$work/nginx/nginx.conf" -p "$work/nginx" 2>"$work/nginx.err" &
    pids+=($!)
    upname="nginx return 200 (1 worker)"
else
    python3 "$(dirname "$0")/../../tests/e2e/outbound_upstream.py" "$work/up.port" &
    pids+=($!)
    for _ in $(seq 50); do [ -s "$work/up.port" ] && break; sleep 0.1; done
    up=$(cat "$work/up.port")
    upname="python upstream"
fi
for _ in $(seq 50); do curl -s "http://127.0.0.1:$up/hello" >/dev/null && break; sleep 0.1; done

# hive NAME APP ARGS...: a server; its port in PORT_<NAME>
start_hive() {
    local name=$1 app=$2
    shift 2
    "$HIVE" serve --addr 127.0.0.1:0 --allow-outbound "127.0.0.1:$up" "$@" "$app" 2>"$work/$name.log" &
    pids+=($!)
    local p=""
    for _ in $(seq 100); do
        p=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/$name.log" | head -1)
        [ -n "$p" ] && break
        sleep 0.05
    done
    eval "PORT_$name=$p"
}
start_hive reuse "$APP" --max-instance-reuse-count 1000
start_hive fresh "$APP"
[ -e "$P3APP" ] && start_hive p3 "$P3APP"

run() { # URL [headers...] -> "req/s p99"
    local url=$1
    shift
    wrk -t1 -c"$CONNS" -d"$DURATION" --latency "$@" "$url" 2>/dev/null |
        awk '/Requests\/sec/ {r=$2} /^ +99%/ {p=$2} END {printf "%s %s", r, p}'
}
echo "outbound: wrk -t1 -c$CONNS -d$DURATION, $ROUNDS rounds; upstream: $upname"
declare -A res
for round in $(seq "$ROUNDS"); do
    res[direct]+="$(run "http://127.0.0.1:$up/hello")|"
    res[reuse]+="$(run "http://127.0.0.1:$PORT_reuse/hello" -H "x-upstream: 127.0.0.1:$up")|"
    res[fresh]+="$(run "http://127.0.0.1:$PORT_fresh/hello" -H "x-upstream: 127.0.0.1:$up")|"
    [ -n "${PORT_p3:-}" ] && res[p3]+="$(run "http://127.0.0.1:$PORT_p3/hello" -H "x-upstream: 127.0.0.1:$up")|"
done
printf '%-58s %s\n' "server" "req/s, p99 (per round)"
printf '%-58s %s\n' "direct to the upstream" "${res[direct]}"
printf '%-58s %s\n' "hive: fetch guest proxying, --max-instance-reuse-count 1000" "${res[reuse]}"
printf '%-58s %s\n' "hive: fetch guest proxying, fresh instance per request" "${res[fresh]}"
[ -n "${PORT_p3:-}" ] && printf '%-58s %s\n' "hive: wasi:http 0.3 proxy (host relay), default reuse" "${res[p3]}"
