#!/usr/bin/env bash
# outbound.sh -- end-to-end tests of outgoing HTTP (wasi:http/outgoing-handler,
# src/httpclient): `hive serve` with examples/wasihttp/fetch.c, which sends
# each request on to an upstream, against local servers on 127.0.0.1 only:
# tests/e2e/outbound_upstream.py (HTTP/1.1: streaming, slow, reset, trailers)
# and nghttpd (HTTP/2: h2c by prior knowledge, and h2 over TLS with a CA made
# here by openssl, given by --outbound-ca).
#
#   tests/e2e/outbound.sh [BUILD]    (HIVE=path tests another binary;
#                                     E2E_KEEP=1 keeps the logs)
#
# The last line says "outbound: N passed, N failed"; exit 1 when any failed.
set -u

BUILD=${1:-build}
HIVE=${HIVE:-$BUILD/hive}
APP=$BUILD/examples/wasihttp/fetch.wasm
WAGI=$BUILD/examples/wagi/hello.wasm
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hive-outbound.XXXXXX")
passed=0
failed=0
PIDS=()

cleanup() {
    for p in "${PIDS[@]}"; do { kill -KILL "$p"; wait "$p"; } 2>/dev/null; done
    if [ -n "${E2E_KEEP:-}" ]; then echo "outbound: logs kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

for f in "$HIVE" "$APP"; do
    [ -e "$f" ] || { echo "outbound: missing $f (run make e2e-outbound)"; echo "outbound: 0 passed, 1 failed"; exit 1; }
done

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got '$2', want '$3'"; fi; }
has() { case "$2" in *"$3"*) ok "$1" ;; *) bad "$1" "'$3' not in '$2'" ;; esac; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start NAME ARGS...: hive serve on a free port; sets PORT, PID, LOG.
start() {
    local name=$1
    shift
    LOG=$TMP/$name.log
    : >"$LOG"
    "$HIVE" serve --addr 127.0.0.1:0 "$@" 2>"$LOG" &
    PID=$!
    PIDS+=("$PID")
    PORT=""
    for _ in $(seq 1 200); do
        PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$LOG" | head -n 1)
        [ -n "$PORT" ] && break
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$PORT" ] || { bad "start $name" "no 'listening on' line"; sed 's/^/    | /' "$LOG"; return 1; }
}

stop() {
    kill -TERM "$PID" 2>/dev/null
    for _ in $(seq 1 150); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && kill -KILL "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
    STOP_RC=$?
}

CURL=(curl -s --max-time 20)
# fetch PATH ARGS...: through the guest to the HTTP/1.1 upstream
fetch() { local p=$1; shift; "${CURL[@]}" -H "x-upstream: 127.0.0.1:$UP" "$@" "http://127.0.0.1:$PORT$p"; }

# the HTTP/1.1 upstream
python3 "$HERE/outbound_upstream.py" "$TMP/up.port" &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$TMP/up.port" ] && break; sleep 0.05; done
UP=$(cat "$TMP/up.port" 2>/dev/null)
[ -n "$UP" ] || { bad "upstream" "did not start"; echo "outbound: $passed passed, $failed failed"; exit 1; }
CLOSED=$(free_port) # nothing listens there

echo "== HTTP/1.1 upstream"
start h1 --allow-outbound "127.0.0.1:$UP" --allow-outbound "127.0.0.1:$CLOSED" "$APP" || exit 1
eq "relay: body" "$(fetch /hello)" "hello upstream"
eq "relay: status and upstream header" "$(fetch /hello -o /dev/null -D - | tr -d '\r' | grep -ci '^x-upstream: yes')" "1"
eq "relay: 404 kept" "$(fetch /nothing -o /dev/null -w '%{http_code}')" "404"
eq "report: status, length, no trailers" "$(fetch /hello -H 'x-mode: report' | sed 's/ sum=[0-9]*//')" \
    "status=200 bytes=15 body=ok trailers=none"
hdrs=$(fetch /headers)
has "upstream sees the guest's header" "$hdrs" "x-via: hive-fetch"
has "upstream sees the authority as host" "$hdrs" "host: 127.0.0.1:$UP"
case "$hdrs" in *"accept:"*) bad "no accept header of libcurl's" "$hdrs" ;; *) ok "no accept header of libcurl's" ;; esac

# large bodies: beyond the client's buffers (backpressure both ways)
direct=$("${CURL[@]}" "http://127.0.0.1:$UP/big?n=3000000" | md5sum)
eq "relay: 3 MB by content-length" "$(fetch '/big?n=3000000' | md5sum)" "$direct"
eq "relay: 3 MB chunked" "$(fetch '/big?n=3000000&chunked=1' | md5sum)" "$direct"
eq "report: 3 MB counted" "$(fetch '/big?n=3000000&chunked=1' -H 'x-mode: report' | sed 's/ sum=[0-9]*//')" \
    "status=200 bytes=3000000 body=ok trailers=none"
head -c 2000000 /dev/urandom >"$TMP/body"
want=$(md5sum <"$TMP/body")
fetch /echo --data-binary @"$TMP/body" -D "$TMP/h1" -o "$TMP/got1"
eq "request body streamed up (content-length): echoed" "$(md5sum <"$TMP/got1")" "$want"
eq "request body: its content-length went up" "$(tr -d '\r' <"$TMP/h1" | sed -n 's/^x-got-length: //p')" "2000000"
fetch /echo -X PUT -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/body" -D "$TMP/h2" -o "$TMP/got2"
eq "request body streamed up (chunked): echoed" "$(md5sum <"$TMP/got2")" "$want"
eq "request body: chunked upstream, method kept" \
    "$(tr -d '\r' <"$TMP/h2" | sed -n 's/^x-got-\(te\|method\): //p' | tr '\n' ' ')" "chunked PUT "
fetch /echo -H 'Transfer-Encoding: chunked' -H 'x-send-trailer: t42' --data-binary @"$TMP/body" -D "$TMP/h3" -o "$TMP/got3"
eq "request trailers go up after a chunked body" "$(tr -d '\r' <"$TMP/h3" | sed -n 's/^x-got-trailers: //p')" "x-trailer: t42"
eq "... and the body with them" "$(md5sum <"$TMP/got3")" "$want"
# a chunked request with a trailer section of its own: the guest gets its
# fields (incoming-body.finish) and sends them up with its request
got=$(python3 - "$PORT" "$UP" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nx-upstream: 127.0.0.1:" + sys.argv[2].encode() +
          b"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
          b"5\r\nhello\r\n0\r\nX-Sum: 99\r\nX-Two: b\r\n\r\n")
raw = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    raw += d
head = raw.split(b"\r\n\r\n")[0].decode("latin-1").lower()
print([l for l in head.split("\r\n") if l.startswith("x-got-trailers")])
PY
)
eq "request trailers reach the guest and go up with its request" "$got" "['x-got-trailers: x-sum: 99;x-two: b']"
eq "trailers reach the guest" "$(fetch /trailers -H 'x-mode: report' | sed 's/ sum=[0-9]*//')" \
    "status=200 bytes=3 body=ok trailers=x-checksum:42;"
# the relay passes them on (outgoing-body.finish(trailers)): hive's chunked
# response ends with them as its trailer section
eq "relayed trailers: a trailer section after the chunked body" \
    "$(fetch /trailers --raw | tr -d '\r' | sed -n '/^0$/,$p' | tr '\n' '|')" "0|x-checksum: 42||"

echo "== errors"
eq "report: a reset body fails" "$(fetch /reset -H 'x-mode: report' | sed 's/ sum=[0-9]*//')" \
    "status=200 bytes=10 body=failed trailers-error=25"
fetch /reset -o /dev/null
eq "relay: a reset body cuts the response" "$?" "18"
eq "connection refused: error-code 6" \
    "$("${CURL[@]}" -H "x-upstream: 127.0.0.1:$CLOSED" -o /dev/null -D - "http://127.0.0.1:$PORT/" | tr -d '\r' | sed -n 's/^x-error-code: //p')" "6"
eq "not allowed: HTTP-request-denied (15)" \
    "$("${CURL[@]}" -H "x-upstream: localhost:$UP" -o /dev/null -D - "http://127.0.0.1:$PORT/" | tr -d '\r' | sed -n 's/^x-error-code: //p')" "15"
t0=$(date +%s%N)
r=$(fetch '/slow-head?ms=3000' -H 'x-first-byte-timeout-ms: 300' -o /dev/null -D - | tr -d '\r' | sed -n 's/^x-error-code: //p')
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
eq "first-byte timeout: connection-read-timeout (9)" "$r" "9"
if [ "$ms" -lt 2000 ]; then ok "first-byte timeout: in time (${ms} ms)"; else bad "first-byte timeout: in time" "${ms} ms"; fi
eq "between-bytes timeout: the body fails" \
    "$(fetch '/stall?ms=3000' -H 'x-between-bytes-timeout-ms: 300' -H 'x-mode: report' | sed 's/ sum=[0-9]*//')" \
    "status=200 bytes=5 body=failed trailers-error=9"
eq "no timeout: the stalled body completes" \
    "$(fetch '/stall?ms=500' -H 'x-mode: report' | sed 's/ sum=[0-9]*//')" "status=200 bytes=10 body=ok trailers=none"
python3 "$HERE/outbound_upstream.py" --stuck "$TMP/stuck.port" &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$TMP/stuck.port" ] && break; sleep 0.05; done
STUCK=$(cat "$TMP/stuck.port" 2>/dev/null)
stop
start h1b --allow-outbound "127.0.0.1:$UP" --allow-outbound "127.0.0.1:$STUCK" "$APP" || exit 1
t0=$(date +%s%N)
r=$("${CURL[@]}" -H "x-upstream: 127.0.0.1:$STUCK" -H 'x-connect-timeout-ms: 300' -o /dev/null -D - \
    "http://127.0.0.1:$PORT/" | tr -d '\r' | sed -n 's/^x-error-code: //p')
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
eq "connect timeout (a listener that never accepts): connection-timeout (8)" "$r" "8"
if [ "$ms" -lt 2000 ]; then ok "connect timeout: in time (${ms} ms)"; else bad "connect timeout: in time" "${ms} ms"; fi
eq "https to a cleartext server: TLS-protocol-error (12)" \
    "$(fetch /hello -H 'x-upstream-scheme: https' -o /dev/null -D - | tr -d '\r' | sed -n 's/^x-error-code: //p')" "12"
# many at once through few instances
par=()
for i in $(seq 1 20); do fetch '/big?n=200000' -o "$TMP/par$i" & par+=($!); done
wait_ok=1
for p in "${par[@]}"; do wait "$p"; done
for i in $(seq 1 20); do [ "$(wc -c <"$TMP/par$i")" = 200000 ] || wait_ok=0; done
eq "20 concurrent relays" "$wait_ok" "1"
stop
eq "clean shutdown" "$STOP_RC" "0"

echo "== instances that end with outgoing requests in flight"
# The guest traps once the head came, its response body still dripping in
# (a wake-up of the client every 2 ms): the ending worker must not be woken
# by the client after it is freed (under ASan: a use-after-free otherwise).
start trap --allow-outbound "127.0.0.1:$UP" "$APP" || exit 1
for round in 1 2 3; do
    par=()
    for i in $(seq 1 12); do
        fetch '/drip?ms=1500' -H 'x-mode: trap' -o /dev/null -w '%{http_code}\n' >"$TMP/tcode$i" & par+=($!)
    done
    for p in "${par[@]}"; do wait "$p"; done
    codes=$(cat "$TMP"/tcode* | sort | uniq -c | tr -s ' ')
    eq "round $round: 12 guests trapping with a body in flight answer 500" "$codes" " 12 500"
done
# and expiry: the deadline passes while the outgoing request waits for its head
stop
start trapx --allow-outbound "127.0.0.1:$UP" --request-timeout 300ms "$APP" || exit 1
par=()
for i in $(seq 1 12); do
    fetch '/slow-head?ms=1500' -o /dev/null -w '%{http_code}\n' >"$TMP/tcode$i" & par+=($!)
done
for p in "${par[@]}"; do wait "$p"; done
codes=$(cat "$TMP"/tcode* | sort | uniq -c | tr -s ' ')
eq "12 requests expiring with their outgoing request waiting answer 504" "$codes" " 12 504"
sleep 1.6 # the slow heads come
eq "the server lives on" "$(fetch /hello)" "hello upstream"
case "$(cat "$TMP"/trap.log "$TMP"/trapx.log)" in
*AddressSanitizer*|*"runtime error"*) bad "no sanitizer report" "$(grep -h -m3 -A12 'Sanitizer\|runtime error' "$TMP"/trap.log "$TMP"/trapx.log)" ;;
*) ok "no sanitizer report" ;;
esac
stop
eq "clean shutdown" "$STOP_RC" "0"

echo "== policy"
start limit --allow-outbound "127.0.0.1:$UP" --max-outbound-requests 3 --max-instance-reuse-count 10 "$APP" || exit 1
eq "--max-outbound-requests 3: the 4th and 5th at once are connection-limit-reached (11)" \
    "$(fetch / -H 'x-burst: 5' -H 'x-upstream-path: /hello')" "200 200 200 e11 e11"
eq "... and the next request of the instance may make 3 again" \
    "$(fetch / -H 'x-burst: 3' -H 'x-upstream-path: /hello')" "200 200 200"
stop
start deny "$APP" || exit 1
eq "default: every destination denied (15)" \
    "$(fetch /hello -o /dev/null -D - | tr -d '\r' | sed -n 's/^x-error-code: //p')" "15"
stop
# libcurl is loaded on the first outgoing request (src/httpclient/curl_dyn.h);
# without it requests fail with internal-error (38) and the server lives on
HIVE_LIBCURL=/nonexistent/libcurl.so.4 start nolib --allow-outbound "127.0.0.1:$UP" "$APP" || exit 1
for i in 1 2; do
    eq "no libcurl: internal-error (38), request $i" \
        "$(fetch /hello -o /dev/null -D - | tr -d '\r' | sed -n 's/^x-error-code: //p')" "38"
done
stop
start star --allow-outbound '*:'"$UP" "$APP" || exit 1
eq "*:PORT allows any host on that port" "$(fetch /hello)" "hello upstream"
stop
"$HIVE" serve --addr 127.0.0.1:0 --allow-outbound 'a:b:c' "$APP" 2>"$TMP/badrule"
rc=$?
eq "malformed --allow-outbound: exit 2" "$rc" "2"
has "malformed --allow-outbound: says so" "$(cat "$TMP/badrule")" "bad --allow-outbound"
if [ -e "$WAGI" ]; then
    "$HIVE" serve --addr 127.0.0.1:0 --allow-outbound 127.0.0.1 "$WAGI" 2>"$TMP/wagi"
    eq "WAGI refuses --allow-outbound: exit 2" "$?" "2"
fi

echo "== JavaScript (componentize-js fetch(), the whole of WASI 0.2)"
JSAPP=$BUILD/examples/wasihttp-js/hello.wasm
if [ -e "$JSAPP" ]; then
    start js --allow-outbound "127.0.0.1:$UP" "$JSAPP" || exit 1
    eq "fetch() through the host" "$(fetch /fetch -H 'x-upstream-path: /hello')" "upstream 200: hello upstream"
    eq "fetch(): the upstream's headers" \
        "$(fetch /fetch -H 'x-upstream-path: /hello' -o /dev/null -D - | tr -d '\r' | sed -n 's/^x-upstream-header: //p')" "yes"
    eq "fetch() of a denied destination fails" \
        "$("${CURL[@]}" -H "x-upstream: 127.0.0.1:$CLOSED" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/fetch")" "502"
    stop
else
    bad "JavaScript guest" "missing $JSAPP (make e2e-outbound builds it)"
fi

echo "== hive run: a command component (tests/outbound/cmd.c)"
CMD=$BUILD/tests/outbound/cmd.wasm
if [ -e "$CMD" ]; then
    eq "hive run: GET" "$("$HIVE" run --allow-outbound "127.0.0.1:$UP" "$CMD" "127.0.0.1:$UP" /hello)" \
        "$(printf 'status 200\nhello upstream')"
    eq "hive run: 3 MB body" \
        "$("$HIVE" run --allow-outbound "127.0.0.1:$UP" "$CMD" "127.0.0.1:$UP" '/big?n=3000000' | tail -c +12 | md5sum)" "$direct"
    out=$("$HIVE" run "$CMD" "127.0.0.1:$UP" /hello)
    rc=$?
    eq "hive run: denied by default" "$out/$rc" "error-code 15/1"
    # a stalled body: the driver sleeps in poll(2) on the client's eventfd, not in a loop
    # (the CPU of a stalled request, less that of one that does not stall)
    TIMEFORMAT='%U %S'
    base=$( { time "$HIVE" run --allow-outbound "127.0.0.1:$UP" "$CMD" "127.0.0.1:$UP" '/stall?ms=0' >/dev/null 2>&1; } 2>&1 | tail -1)
    cpu=$( { time "$HIVE" run --allow-outbound "127.0.0.1:$UP" "$CMD" "127.0.0.1:$UP" '/stall?ms=1000' >/dev/null 2>&1; } 2>&1 | tail -1)
    if awk -v c="$cpu" -v b="$base" 'BEGIN { split(c, x, " "); split(b, y, " "); exit !(x[1] + x[2] - y[1] - y[2] < 0.15) }'; then
        ok "hive run: waiting costs no CPU ($cpu s user/sys over 1 s, $base without the wait)"
    else
        bad "hive run: waiting costs no CPU" "$cpu s with a 1 s wait, $base without"
    fi
    "$HIVE" run --allow-outbound 127.0.0.1 "$BUILD/examples/wagi/hello.wasm" >/dev/null 2>&1
    eq "hive run: outbound options refused for core modules" "$?" "2"
else
    bad "hive run" "missing $CMD (make e2e-outbound builds it)"
fi

echo "== HTTP/2 upstream (nghttpd)"
if ! command -v nghttpd >/dev/null 2>&1; then
    bad "nghttpd" "not installed (Debian nghttp2-server; scripts/install-deps.sh test)"
else
    mkdir -p "$TMP/h2root"
    head -c 1500000 /dev/urandom >"$TMP/h2root/blob"
    echo "hello over h2" >"$TMP/h2root/hello"
    want=$(md5sum <"$TMP/h2root/blob")
    H2=$(free_port)
    nghttpd --no-tls -a 127.0.0.1 -d "$TMP/h2root" "$H2" >"$TMP/nghttpd.log" 2>&1 &
    PIDS+=($!)
    H2S=$(free_port)
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=hive test CA" \
        -keyout "$TMP/ca.key" -out "$TMP/ca.pem" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$TMP/srv.key" \
        -out "$TMP/srv.csr" >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1\n' >"$TMP/ext"
    openssl x509 -req -in "$TMP/srv.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial \
        -days 1 -extfile "$TMP/ext" -out "$TMP/srv.pem" >/dev/null 2>&1
    nghttpd -a 127.0.0.1 -d "$TMP/h2root" "$H2S" "$TMP/srv.key" "$TMP/srv.pem" >"$TMP/nghttpds.log" 2>&1 &
    PIDS+=($!)
    sleep 0.5
    start h2 --outbound-h2c on --outbound-ca "$TMP/ca.pem" --allow-outbound "127.0.0.1:$H2" \
        --allow-outbound "127.0.0.1:$H2S" "$APP" || exit 1
    h2() { local p=$1 port=$2; shift 2; "${CURL[@]}" -H "x-upstream: 127.0.0.1:$port" "$@" "http://127.0.0.1:$PORT$p"; }
    eq "h2c (prior knowledge): body" "$(h2 /hello "$H2")" "hello over h2"
    eq "h2c: 1.5 MB relayed" "$(h2 /blob "$H2" | md5sum)" "$want"
    eq "h2 over TLS (ALPN, --outbound-ca): body" "$(h2 /hello "$H2S" -H 'x-upstream-scheme: https')" "hello over h2"
    eq "h2 over TLS: 1.5 MB relayed" "$(h2 /blob "$H2S" -H 'x-upstream-scheme: https' | md5sum)" "$want"
    eq "h2c: 404 kept" "$(h2 /none "$H2" -o /dev/null -w '%{http_code}')" "404"
    eq "h2 over TLS: a 2 MB request body streamed up (with its length)" \
        "$(h2 /hello "$H2S" -H 'x-upstream-scheme: https' --data-binary @"$TMP/body")" "hello over h2"
    eq "h2c: a 2 MB request body streamed up (no length: DATA frames)" \
        "$(h2 /hello "$H2" -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/body")" "hello over h2"
    stop
    start h2ca --allow-outbound "127.0.0.1:$H2S" "$APP" || exit 1
    eq "TLS without the test CA: TLS-certificate-error (13)" \
        "$(h2 /hello "$H2S" -H 'x-upstream-scheme: https' -o /dev/null -D - | tr -d '\r' | sed -n 's/^x-error-code: //p')" "13"
    stop
fi

echo "outbound: $passed passed, $failed failed"
[ "$failed" = 0 ]
