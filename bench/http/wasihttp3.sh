#!/usr/bin/env bash
# wasihttp3.sh BUILD -- wasi:http 0.3 under `hive serve` (docs/WASIHTTP3.md):
#  1. wrk against the 0.3 hello (tests/wasihttp3/hello.wat) with the 0.3
#     defaults (reuse 128, 16 at once per instance), beside the 0.2 C hello
#     (examples/wasihttp/proxy.c) with reuse 128, the 0.3 hello with
#     --loop-slice 20000 (its first slice on the event loop's thread, as
#     0.2 requests have by default) and the 0.3 JavaScript service
#     (examples/wasihttp3-js) with the defaults, interleaved in one
#     run on loopback (the machine is shared: compare within a run);
#  2. N requests (default 100) that each wait 200 ms on a timer, all at
#     once against ONE instance of the JavaScript service
#     (--max-instances 1 --max-instance-concurrent-reuse-count N): the
#     time until all are answered (serially it would be N x 200 ms);
#  3. memory per waiting task: the server's RSS while W requests (default
#     1000) wait 3 s each on one instance, minus its RSS with the instance
#     idle, over W (the guest's own state per task, its linear memory's
#     growth, the host's task and connection records together).
#   BENCH_HTTP_SECONDS (5), BENCH_HTTP_ROUNDS (2), BENCH_HTTP_CONNS (16),
#   BENCH_W3_WAITERS (100), BENCH_W3_RSS_WAITERS (1000)
set -euo pipefail
BUILD=${1:?usage: wasihttp3.sh BUILD}
secs=${BENCH_HTTP_SECONDS:-5}
rounds=${BENCH_HTTP_ROUNDS:-2}
conns=${BENCH_HTTP_CONNS:-16}
waiters=${BENCH_W3_WAITERS:-100}
rss_waiters=${BENCH_W3_RSS_WAITERS:-1000}
hive=$BUILD/hive
p2=$BUILD/examples/wasihttp/proxy.wasm
p3=$BUILD/wasihttp3/hello.wasm
js=$BUILD/examples/wasihttp3-js/service.wasm
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
for tool in wrk curl python3; do
    command -v $tool >/dev/null || { echo "bench-wasihttp3: $tool not found" >&2; exit 1; }
done
for f in "$hive" "$p2" "$p3" "$js"; do
    [ -e "$f" ] || { echo "bench-wasihttp3: build $f first (make bench-wasihttp3)" >&2; exit 1; }
done

wait_port() {
    local port
    for _ in $(seq 100); do
        port=$(sed -n 's/.*listening on [a-z:/]*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1" | head -n1)
        [ -n "$port" ] && { echo "$port"; return 0; }
        sleep 0.1
    done
    echo "bench-wasihttp3: no port in $1" >&2
    cat "$1" >&2
    return 1
}

names=()
ports=()
srv_pids=()
serve() { # NAME ARGS...
    local name=$1
    shift
    "$hive" serve --addr 127.0.0.1:0 "$@" 2>"$work/$name.err" >/dev/null &
    pids+=($!)
    srv_pids+=($!)
    names+=("$name")
    ports+=("$(wait_port "$work/$name.err")")
}
serve p2-hello-reuse128 --max-instance-reuse-count 128 "$p2"
serve p3-hello-default "$p3"
serve p3-hello-loopslice --loop-slice 20000 "$p3"
serve p3-js-default "$js"

run_wrk() {
    local out
    out=$(wrk -t1 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$1/")
    if echo "$out" | grep -q 'Non-2xx'; then
        echo "bench-wasihttp3: non-2xx answers on port $1:" >&2
        echo "$out" >&2
        return 1
    fi
    echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1 == "99%" {print $2}')"
}

printf 'wrk -t1 -c%s -d%ss, %s round(s), loopback\n' "$conns" "$secs" "$rounds"
printf '%-6s %-22s %12s %10s\n' round server req/s p99
declare -A all
for r in $(seq "$rounds"); do
    for i in "${!names[@]}"; do
        read -r rps p99 < <(run_wrk "${ports[$i]}")
        printf '%-6s %-22s %12s %10s\n' "$r" "${names[$i]}" "$rps" "$p99"
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
for p in "${srv_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done

# waits: N requests of /wait?ms=MS at once; prints the seconds until all
# were answered (200 and the right body), or fails
waits() { # PORT N MS
    python3 - "$@" <<'PY'
import http.client, sys, threading, time
port, n, ms = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
good = []
def one():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", f"/wait?ms={ms}")
    r = c.getresponse()
    if r.status == 200 and r.read() == f"waited {ms} ms\n".encode():
        good.append(1)
ts = [threading.Thread(target=one) for _ in range(n)]
t0 = time.time()
for t in ts: t.start()
for t in ts: t.join()
if len(good) != n:
    sys.exit(f"only {len(good)} of {n} answered")
print(f"{time.time() - t0:.3f}")
PY
}

one_instance() { # NAME N
    "$hive" serve --addr 127.0.0.1:0 --max-instances 1 --max-instance-concurrent-reuse-count "$2" \
        --max-instance-reuse-count 100000 --max-concurrent-requests "$(($2 + 16))" \
        --max-connections-per-client "$(($2 + 16))" "$js" \
        2>"$work/$1.err" >/dev/null &
    pids+=($!)
    PID=$!
    PORT=$(wait_port "$work/$1.err")
    curl -sS "http://127.0.0.1:$PORT/" >/dev/null # the instance exists
}

one_instance waits "$waiters"
total=$(waits "$PORT" "$waiters" 200)
printf '%s requests x 200 ms on one instance: all answered in %s s (serially %s s)\n' \
    "$waiters" "$total" "$(awk -v n="$waiters" 'BEGIN {print n * 0.2}')"
kill "$PID"; wait "$PID" 2>/dev/null || true

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
one_instance rss "$rss_waiters"
waits "$PORT" 1 10 >/dev/null # warm: one task has run
sleep 0.3
idle=$(rss_kb "$PID")
waits "$PORT" "$rss_waiters" 3000 >"$work/rss.out" &
wpid=$!
peak=$idle
for _ in $(seq 25); do
    sleep 0.1
    now=$(rss_kb "$PID")
    [ "$now" -gt "$peak" ] && peak=$now
done
wait "$wpid"
printf 'memory per waiting task (%s tasks in a 3 s wait on one instance): %s KiB (RSS %s KiB idle, %s KiB while waiting)\n' \
    "$rss_waiters" "$(awk -v a="$idle" -v b="$peak" -v n="$rss_waiters" 'BEGIN {printf "%.1f", (b - a) / n}')" \
    "$idle" "$peak"
kill "$PID"; wait "$PID" 2>/dev/null || true

# 4. latency of hello requests, one at a time, on an idle server and while
# one instance computes for 3 s (they must go to another instance)
"$hive" serve --addr 127.0.0.1:0 "$js" 2>"$work/compute.err" >/dev/null &
pids+=($!)
PID=$!
PORT=$(wait_port "$work/compute.err")
python3 - "$PORT" <<'PY'
import http.client, sys, threading, time
port = int(sys.argv[1])
def get(path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    b = r.read()
    c.close()
    return r.status, b
def lat(n, until=None):
    v = []
    while len(v) < n and (until is None or time.time() < until):
        t0 = time.time()
        st, b = get("/")
        assert st == 200 and b == b"hello from js\n", (st, b)
        v.append((time.time() - t0) * 1000)
    v.sort()
    return v
def pct(v, p):
    return v[min(len(v) - 1, int(len(v) * p / 100))]
get("/")
idle = lat(200)
t = threading.Thread(target=get, args=("/compute?ms=3000",))
t.start()
time.sleep(0.2)
busy = lat(200, time.time() + 2.5)
t.join()
print(f"hello one at a time: idle p50 {pct(idle, 50):.2f} ms p99 {pct(idle, 99):.2f} ms; "
      f"while an instance computes for 3 s: p50 {pct(busy, 50):.2f} ms p99 {pct(busy, 99):.2f} ms "
      f"({len(busy)} requests)")
PY
