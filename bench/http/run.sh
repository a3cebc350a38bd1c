#!/usr/bin/env bash
# run.sh BUILD -- the HTTP benchmark of `make bench`: wrk against
# `hive serve` with the hello WAGI app (a fresh instance per request) and
# with the C wasi:http 0.2 hello component (examples/wasihttp/proxy.c,
# when built) with instance reuse (--max-instance-reuse-count 1000) and
# without (a fresh instance per request), against node's http hello
# answering the same bytes and against nginx `return 200` (when nginx is
# installed), interleaved in one run (these machines are shared: compare
# the ratios, not the absolute numbers).
#   BENCH_HTTP_SECONDS  duration of each wrk run (default 5; quick: 2)
#   BENCH_HTTP_ROUNDS   rounds, each running every server (default 2; quick: 1)
#   BENCH_HTTP_LOADS    wrk loads as THREADSxCONNS (default "1x16 2x64")
#   BENCH_HTTP_BASE     another hive binary to run beside with the same apps
#                       (e.g. an older build): servers base, base-p2, base-p2-fresh
#   BENCH_HTTP_HIVE_ARGS extra `hive serve` options
#   BENCH_HTTP_P2=0     leave out the wasi:http servers
# Servers: hive (WAGI), p2 (wasi:http, reuse 1000), p2-fresh (wasi:http, a
# fresh instance per request), node, nginx. Prints per round, load and
# server req/s and latency percentiles, then the median req/s of each and
# the ratios hive/node, hive/nginx, p2/nginx, p2-fresh/hive (and against
# the base build).
# Loopback only.
set -euo pipefail
BUILD=${1:?usage: run.sh BUILD}
quick=${BENCH_QUICK:-0}
secs=${BENCH_HTTP_SECONDS:-$([ "$quick" = 1 ] && echo 2 || echo 5)}
rounds=${BENCH_HTTP_ROUNDS:-$([ "$quick" = 1 ] && echo 1 || echo 2)}
loads=${BENCH_HTTP_LOADS:-1x16 2x64}
base=${BENCH_HTTP_BASE:-}
hive=$BUILD/hive
app=$BUILD/examples/wagi/hello.wasm
comp=$BUILD/examples/wasihttp/proxy.wasm
p2=${BENCH_HTTP_P2:-1}
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
nginx=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null || true)
if [ "$p2" = 1 ] && [ ! -f "$comp" ]; then
    echo "bench-http: $comp not built (make http-guests): leaving out the wasi:http servers" >&2
    p2=0
fi

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
# free_port: a port nothing listens on now.
free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

names=()
ports=()
bodies=() # what each server answers (checked before the runs)
# serve NAME BINARY ARGS...: a hive server
serve() {
    local name=$1 bin=$2
    shift 2
    "$bin" serve --addr 127.0.0.1:0 "$@" 2>"$work/$name.err" >/dev/null &
    pids+=($!)
    names+=("$name")
    ports+=("$(wait_port "$work/$name.err" '.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*')")
}
hello=$'hello, world'
p2body='hello from wasi:http #1'
# shellcheck disable=SC2086
serve hive "$hive" ${BENCH_HTTP_HIVE_ARGS:-} "$app"
bodies+=("$hello")
if [ "$p2" = 1 ]; then
    # shellcheck disable=SC2086
    serve p2 "$hive" ${BENCH_HTTP_HIVE_ARGS:-} --max-instance-reuse-count 1000 "$comp"
    bodies+=("$p2body")
    # shellcheck disable=SC2086
    serve p2-fresh "$hive" ${BENCH_HTTP_HIVE_ARGS:-} "$comp"
    bodies+=("$p2body")
fi
if [ -n "$base" ]; then
    serve base "$base" "$app"
    bodies+=("$hello")
    if [ "$p2" = 1 ]; then
        serve base-p2 "$base" --max-instance-reuse-count 1000 "$comp"
        bodies+=("$p2body")
        serve base-p2-fresh "$base" "$comp"
        bodies+=("$p2body")
    fi
fi
node "$here/node-hello.mjs" >"$work/node.out" 2>&1 &
pids+=($!)
names+=(node)
ports+=("$(wait_port "$work/node.out" '.*listening on \([0-9]*\).*')")
bodies+=("$hello")
if [ -n "$nginx" ]; then
    # nginx as a plain user: one worker process per core, no logs, a
    # fixed 200 with the same body.
    gport=$(free_port)
    mkdir -p "$work/nginx"
    cat >"$work/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 127.0.0.1:$gport;
        location / { default_type text/plain; return 200 "hello, world\n"; }
    }
}
CONF
    "$nginx" -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>"$work/nginx.err" &
    pids+=($!)
    for i in $(seq 100); do curl -s "http://127.0.0.1:$gport/" >/dev/null && break; sleep 0.1; done
    names+=(nginx)
    ports+=("$gport")
    bodies+=("$hello")
else
    echo "bench-http: nginx not installed, comparing with node only" >&2
fi

for i in "${!names[@]}"; do
    b=$(curl -sS "http://127.0.0.1:${ports[$i]}/")
    [ "$b" = "${bodies[$i]}" ] || { echo "bench-http: ${names[$i]} answered '$b', want '${bodies[$i]}'" >&2; exit 1; }
done

# run_wrk PORT THREADS CONNS: "req/s p50 p90 p99" (latencies as wrk prints them).
run_wrk() {
    local out
    out=$(wrk -t"$2" -c"$3" -d"${secs}s" --latency "http://127.0.0.1:$1/")
    if echo "$out" | grep -q 'Non-2xx\|Socket errors'; then
        echo "bench-http: errors on port $1:" >&2
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
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

printf 'HTTP hello, wrk -d%ss, %s round(s), servers: %s\n' "$secs" "$rounds" "${names[*]}"
printf '%-6s %-6s %-14s %12s %10s %10s %10s\n' round load server req/s p50 p90 p99
declare -A rps_of
for r in $(seq "$rounds"); do
    for load in $loads; do
        t=${load%x*}
        c=${load#*x}
        for i in "${!names[@]}"; do
            read -r rps p50 p90 p99 < <(run_wrk "${ports[$i]}" "$t" "$c")
            printf '%-6s %-6s %-14s %12s %10s %10s %10s\n' "$r" "$load" "${names[$i]}" "$rps" "$p50" "$p90" "$p99"
            rps_of[$load.${names[$i]}]="${rps_of[$load.${names[$i]}]:-} $rps"
        done
    done
done
# ratio A B: A/B with two decimals
ratio() { echo "$1 $2" | awk '{printf "%.2f", $1/$2}'; }
for load in $loads; do
    line="median req/s at -t${load%x*} -c${load#*x}:"
    declare -A m=()
    for n in "${names[@]}"; do
        # shellcheck disable=SC2086
        m[$n]=$(median ${rps_of[$load.$n]})
        line="$line $n ${m[$n]},"
    done
    echo "$line"
    line="  ratios: hive/node $(ratio "${m[hive]}" "${m[node]}")"
    [ -n "${m[nginx]:-}" ] && line="$line, hive/nginx $(ratio "${m[hive]}" "${m[nginx]}")"
    if [ -n "${m[p2]:-}" ]; then
        [ -n "${m[nginx]:-}" ] && line="$line, p2/nginx $(ratio "${m[p2]}" "${m[nginx]}")"
        line="$line, p2-fresh/hive $(ratio "${m[p2-fresh]}" "${m[hive]}")"
    fi
    if [ -n "${m[base]:-}" ]; then
        line="$line, hive/base $(ratio "${m[hive]}" "${m[base]}")"
        if [ -n "${m[base-p2]:-}" ]; then
            line="$line, p2/base-p2 $(ratio "${m[p2]}" "${m[base-p2]}")"
            line="$line, p2-fresh/base-p2-fresh $(ratio "${m[p2-fresh]}" "${m[base-p2-fresh]}")"
        fi
    fi
    echo "$line"
    unset m
done
