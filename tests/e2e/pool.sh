#!/usr/bin/env bash
# pool.sh -- end-to-end tests of `hive serve` for the worker pool's limits:
# deadlines for guests in bulk memory operations and memory.grow storms
# under --threads 1, the queue (--max-instances, --max-queued,
# --queue-timeout), --request-fuel, flags that do not apply to WAGI, true
# end reasons in the metrics, the guest memory budget, /healthz and
# /readyz; then the deadline precision check (pool_deadline).
#
#   tests/e2e/pool.sh [BUILD]    (HIVE=path tests another binary)
#
# Needs $BUILD/hive, the guests in $BUILD/pool/ and $BUILD/examples/wagi/
# (`make pool-e2e` builds them). Same conventions as run.sh: free ports,
# bounded waits, every server killed on exit, last line "pool-e2e: N
# passed, N failed", exit 1 when any failed.
set -u

BUILD=${1:-build}
HIVE=${HIVE:-$BUILD/hive}
APPS=$BUILD/examples/wagi
GUESTS=$BUILD/pool
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hive-pool.XXXXXX")
passed=0
failed=0
SERVERS=()

cleanup() {
    for p in "${SERVERS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT

for f in "$HIVE" "$APPS/hello.wasm" "$APPS/slow.wasm" "$GUESTS/fill.wasm"; do
    [ -e "$f" ] || { echo "pool-e2e: missing $f (run make pool-e2e)"; echo "pool-e2e: 0 passed, 1 failed"; exit 1; }
done

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "FAIL $1${2:+: $2}"
}
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}
eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got '$2', want '$3'"; fi
}
# lt NAME A B: passes when A < B (decimals).
lt() {
    if awk -v a="$2" -v b="$3" 'BEGIN { exit !(a < b) }'; then ok "$1 ($2 < $3)"; else bad "$1" "$2 is not below $3"; fi
}

# start NAME ARGS...: hive serve on a free port; sets PORT, PID, LOG, MPORT.
start() {
    local name=$1
    shift
    LOG=$TMP/$name.log
    : >"$LOG"
    "$HIVE" serve --addr 127.0.0.1:0 "$@" 2>"$LOG" &
    PID=$!
    SERVERS+=("$PID")
    PORT=""
    for _ in $(seq 1 200); do
        PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$LOG" | head -n 1)
        [ -n "$PORT" ] && break
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.05
    done
    MPORT=$(sed -n 's/.*metrics on http:\/\/127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$LOG" | head -n 1)
    if [ -z "$PORT" ]; then
        bad "start $name" "no 'listening on' line"
        sed 's/^/    | /' "$LOG"
        return 1
    fi
}

stop() {
    kill -TERM "$PID" 2>/dev/null
    for _ in $(seq 1 150); do
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$PID" 2>/dev/null && kill -KILL "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
    STOP_RC=$?
}

url() { echo "http://127.0.0.1:$PORT$1"; }
CURL=(curl -s --max-time 20)
code() { "${CURL[@]}" -o /dev/null -w '%{http_code}' "$@"; }
metrics() { curl -s --max-time 5 "http://127.0.0.1:$MPORT/metrics"; }
metric() { metrics | awk -v n="$1" '$1 == n { print $2 }'; }

# ---- deadlines hold for any guest, under --threads 1 ---------------------------

echo "== deadlines: bulk memory, tables, memory.grow storms (--threads 1)"
for g in fill copy table grow spin; do
    if start "dl-$g" "$GUESTS/$g.wasm" --threads 1 --request-timeout 200ms; then
        out=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{time_total}' "$(url /)")
        read -r c t <<<"$out"
        eq "$g: 504" "$c" 504
        lt "$g: 504 comes at the deadline" "$t" 0.6
        # the next request gets the one guest thread at once: the guest of
        # the first is stopped, not left running after its 504
        out=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{time_total}' "$(url /)")
        read -r c t <<<"$out"
        eq "$g: a second request also 504s" "$c" 504
        lt "$g: ... at its own deadline" "$t" 0.6
        stop
    fi
done
# one instance allowed: a second request queues behind a fill loop; that
# loop is stopped at its deadline, the queued request starts in the freed
# slot and gets its own 504 at its own deadline (about 0.35 s after it came)
if start dl-mix "$GUESTS/fill.wasm" --threads 1 --request-timeout 200ms --max-instances 1; then
    "${CURL[@]}" -o /dev/null "$(url /)" &
    c1=$!
    sleep 0.05
    out=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{time_total}' "$(url /)")
    read -r c t <<<"$out"
    eq "fill, one instance: a queued request gets its 504" "$c" 504
    lt "... after the first one's deadline and its own" "$t" 0.8
    wait "$c1"
    stop
fi

# ---- the queue: --max-instances, --max-queued, --queue-timeout -------------------

echo "== the queue"
if start queue "$APPS/slow.wasm" --max-instances 1 --max-queued 1 --queue-timeout 300ms \
    --metrics-addr 127.0.0.1:0; then
    "${CURL[@]}" -o "$TMP/q1" -w '%{http_code}' "$(url '/?ms=1500')" >"$TMP/q1.code" &
    c1=$!
    sleep 0.2
    "${CURL[@]}" -D "$TMP/q2.hdr" -o /dev/null -w '%{http_code} %{time_total}' "$(url '/?ms=0')" >"$TMP/q2.out" &
    c2=$!
    sleep 0.1
    eq "metrics: one request queued" "$(metric hive_queue_depth)" 1
    "${CURL[@]}" -D "$TMP/q3.hdr" -o /dev/null -w '%{http_code} %{time_total}' "$(url '/?ms=0')" >"$TMP/q3.out"
    read -r c t <"$TMP/q3.out"
    eq "queue full (--max-queued 1): 503" "$c" 503
    lt "... at once" "$t" 0.2
    check "... with Retry-After" grep -qi '^retry-after: ' "$TMP/q3.hdr"
    wait "$c2"
    read -r c t <"$TMP/q2.out"
    eq "queued past --queue-timeout 300ms: 503" "$c" 503
    check "... after about 300 ms ($t)" awk -v t="$t" 'BEGIN { exit !(t >= 0.25 && t < 1.0) }'
    check "... with Retry-After" grep -qi '^retry-after: ' "$TMP/q2.hdr"
    wait "$c1"
    eq "the running request completes" "$(cat "$TMP/q1.code")" 200
    m=$(metrics)
    check "metrics: queue_full counted" grep -q '^hive_requests_failed_total{reason="queue_full"} 1' <<<"$m"
    check "metrics: queue_timeout counted" grep -q '^hive_requests_failed_total{reason="queue_timeout"} 1' <<<"$m"
    # a request that waits less than the timeout runs once the instance is free
    "${CURL[@]}" -o /dev/null "$(url '/?ms=200')" &
    c1=$!
    sleep 0.05
    eq "queued within --queue-timeout: served" "$("${CURL[@]}" "$(url '/?ms=0')")" "slept 0 ms"
    wait "$c1"
    stop
fi

# ---- --request-fuel ---------------------------------------------------------------

echo "== --request-fuel"
if start fuel "$GUESTS/spin.wasm" --request-fuel 2000000 --metrics-addr 127.0.0.1:0; then
    out=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{time_total}' "$(url /)")
    read -r c t <<<"$out"
    eq "fuel: a compute loop past its budget gets 500" "$c" 500
    lt "fuel: ... soon" "$t" 2
    sleep 0.2
    check "fuel: the reason in the access log" grep -q 'error="fuel exhausted' "$LOG"
    m=$(metrics)
    check "fuel: metrics, request failed by fuel" grep -q '^hive_requests_failed_total{reason="fuel"} 1' <<<"$m"
    check "fuel: metrics, worker ended by fuel" grep -q '^hive_workers_ended_total{reason="fuel"} 1' <<<"$m"
    check "fuel: metrics, not counted ok" grep -q '^hive_workers_ended_total{reason="ok"} 0' <<<"$m"
    stop
fi
if start fuel-ok "$APPS/hello.wasm" --request-fuel 2000000; then
    eq "fuel: a request within its budget is served" "$(code "$(url /)")" 200
    stop
fi
if start fuel-fill "$GUESTS/fill.wasm" --request-fuel 5000000; then
    eq "fuel: bulk operations are charged too (500)" "$(code "$(url /)")" 500
    stop
fi

# ---- flags that do not apply to WAGI ------------------------------------------------

echo "== flags"
for f in --max-instance-reuse-count=2 --max-instance-concurrent-reuse-count=2 --idle-instance-timeout=5s; do
    timeout 5 "$HIVE" serve --addr 127.0.0.1:0 "$f" "$APPS/hello.wasm" >"$TMP/flag.out" 2>&1
    rc=$?
    eq "${f%%=*}: refused (exit 2)" "$rc" 2
    eq "${f%%=*}: one line" "$(wc -l <"$TMP/flag.out" | tr -d ' ')" 1
    check "${f%%=*}: says why" grep -q -e "${f%%=*} does not apply to WAGI" "$TMP/flag.out"
done
"$HIVE" serve --help >"$TMP/help.out"
check "--help: the per-guest memory default" grep -q 'default 256M' "$TMP/help.out"
check "--help: --max-total-memory" grep -q -- '--max-total-memory' "$TMP/help.out"
check "--help: --request-fuel" grep -q -- '--request-fuel' "$TMP/help.out"
check "--help: --max-instances" grep -q -- '--max-instances' "$TMP/help.out"

# ---- true end reasons: a failed instantiation is INSTANTIATE ---------------------------

echo "== end reasons, memory budget"
# A module that can never be instantiated is refused at start, with the reason.
refused_at_start() { # NAME PATTERN ARGS...
    local name=$1 pat=$2
    shift 2
    timeout 10 "$HIVE" serve --addr 127.0.0.1:0 "$@" >/dev/null 2>"$TMP/$name.log"
    local rc=$?
    eq "$name: refused at start (exit 1)" "$rc" 1
    check "$name: the reason is given" grep -q "$pat" "$TMP/$name.log"
}
refused_at_start bigmem-cap 'exceeds the limit' --max-memory-size 16M "$GUESTS/bigmem.wasm"
refused_at_start bigmem-budget "over the engine's memory budget" --max-total-memory 16M "$GUESTS/bigmem.wasm"
# An instantiation that fails at run time (the budget is taken by another
# instance) ends its worker as INSTANTIATE and fails its request with 500.
if start budget "$GUESTS/bigspin.wasm" --max-total-memory 48M --threads 2 --request-timeout 4s \
    --metrics-addr 127.0.0.1:0; then
    check "the budget is shown at start" grep -q '48 MiB for all guests together' "$LOG"
    code "$(url /)" >"$TMP/budget-first.out" &
    first=$!
    sleep 0.5
    eq "an instance over the total budget: 500" "$(code "$(url /)")" 500
    wait "$first"
    m=$(metrics)
    check "metrics: workers ended 'instantiate'" grep -q '^hive_workers_ended_total{reason="instantiate"} [1-9]' <<<"$m"
    check "metrics: requests failed 'instantiate'" grep -q '^hive_requests_failed_total{reason="instantiate"} [1-9]' <<<"$m"
    stop
fi
if start budget-grow "$APPS/oom.wasm" --max-total-memory 24M --max-memory-size 1G \
    --metrics-addr 127.0.0.1:0; then
    eq "memory.grow past the total budget: -1, the guest fails (500)" "$(code "$(url /)")" 500
    eq "... and the next request works" "$("${CURL[@]}" "$(url '/?ok')")" "no oom"
    check "metrics: committed guest memory" grep -q '^hive_guest_memory_committed_bytes ' <<<"$(metrics)"
    eq "metrics: the budget" "$(metric hive_guest_memory_budget_bytes)" $((24 << 20))
    stop
fi
if start budget-default "$APPS/hello.wasm"; then
    check "the default budget is shown at start" grep -q 'MiB for all guests together' "$LOG"
    check "... and the per-guest cap" grep -q '256 MiB per guest' "$LOG"
    stop
fi

# ---- health -------------------------------------------------------------------------

echo "== /healthz, /readyz"
if start health "$APPS/slow.wasm" --metrics-addr 127.0.0.1:0 --shutdown-grace 5s; then
    m="http://127.0.0.1:$MPORT"
    eq "/healthz: 200" "$(code "$m/healthz")" 200
    eq "/readyz: 200" "$(code "$m/readyz")" 200
    "${CURL[@]}" -o /dev/null "$(url '/?ms=1500')" &
    c1=$!
    sleep 0.2
    kill -TERM "$PID"
    sleep 0.2
    eq "draining: /readyz 503" "$(code "$m/readyz")" 503
    eq "draining: /healthz still 200" "$(code "$m/healthz")" 200
    wait "$c1"
    for _ in $(seq 1 100); do
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
fi

# ---- deadline precision (the library, one guest thread) -------------------------------

echo "== deadline precision"
DL=$BUILD/tests/pool_deadline
if [ -x "$DL" ]; then
    # A bound that catches the defect (an unstoppable guest held its thread for
    # seconds) but not a loaded machine or a sanitizer build: precision itself
    # is measured by `make pool-deadline`, not asserted here.
    "$DL" -n 20 -d 50 -t 1 -max-p99 2000 "$GUESTS/spin.wasm" "$GUESTS/fill.wasm" "$GUESTS/copy.wasm" \
        "$GUESTS/grow.wasm" "$GUESTS/table.wasm" "$APPS/hello.wasm"
    check "pool_deadline: every guest stopped at its deadline" [ $? -eq 0 ]
else
    bad "pool_deadline" "missing $DL"
fi

echo "pool-e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
