#!/usr/bin/env bash
# wasihttp.sh -- end-to-end tests of `hive serve` with a wasi:http 0.2
# component (examples/wasihttp/proxy.c built by mk/http-guests.mk).
#
#   tests/e2e/wasihttp.sh [BUILD]    (HIVE=path tests another binary;
#                                     E2E_KEEP=1 keeps the servers' logs)
#
# Needs $BUILD/hive, $BUILD/examples/wasihttp/proxy.wasm, the JavaScript
# examples in $BUILD/examples/wasihttp-js and $BUILD/examples/wagi/hello.wasm
# (`make e2e-wasihttp` builds them). Servers
# listen on 127.0.0.1 with a port the kernel picks; every wait is bounded
# and every server is killed on exit. The last line says
# "wasihttp: N passed, N failed"; the exit status is 1 when any failed.
set -u

BUILD=${1:-build}
HIVE=${HIVE:-$BUILD/hive}
APP=$BUILD/examples/wasihttp/proxy.wasm
WAGI=$BUILD/examples/wagi/hello.wasm
JS=$BUILD/examples/wasihttp-js
LIBC=$BUILD/examples/wasihttp-libc/env.wasm
JCO=${JCO:-tools/node_modules/.bin/jco}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hive-wasihttp.XXXXXX")
passed=0
failed=0
SERVERS=()

cleanup() {
    for p in "${SERVERS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    if [ -n "${E2E_KEEP:-}" ]; then echo "wasihttp: logs kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

for f in "$HIVE" "$APP" "$WAGI" "$JS/hello.wasm" "$JS/handler.wasm" "$LIBC"; do
    [ -e "$f" ] || { echo "wasihttp: missing $f (run make e2e-wasihttp)"; echo "wasihttp: 0 passed, 1 failed"; exit 1; }
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

# start NAME ARGS...: hive serve on a free port; sets PORT, PID, LOG.
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
        PORT=$(sed -n 's/.*listening on \(http:\/\/\)\{0,1\}127\.0\.0\.1:\([0-9][0-9]*\).*/\2/p' "$LOG" | head -n 1)
        [ -n "$PORT" ] && break
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.05
    done
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

echo "== wasi:http component: hello, echo, headers"
if start proxy "$APP"; then
    eq "hello: body" "$("${CURL[@]}" "$(url /)")" "hello from wasi:http #1"
    "${CURL[@]}" -D "$TMP/h.hdr" -o /dev/null "$(url /)"
    check "hello: status 200" grep -q '^HTTP/1.1 200' "$TMP/h.hdr"
    check "hello: content-type from the guest's fields" grep -qi '^content-type: text/plain' "$TMP/h.hdr"
    eq "default reuse 1: a fresh instance per request" \
        "$(for i in 1 2 3; do "${CURL[@]}" "$(url /)"; done | tr '\n' ' ')" \
        "hello from wasi:http #1 hello from wasi:http #1 hello from wasi:http #1 "
    eq "HEAD: status" "$("${CURL[@]}" -I -o /dev/null -w '%{http_code}' "$(url /)")" 200

    out=$("${CURL[@]}" -D "$TMP/e.hdr" --data-binary 'hello body' "$(url '/echo?q=1')")
    eq "echo: small body" "$out" "hello body"
    check "echo: x-method POST" grep -qi '^x-method: POST' "$TMP/e.hdr"
    eq "echo: PUT method name" "$("${CURL[@]}" -X PUT -D - -o /dev/null --data-binary x "$(url /echo)" |
        tr -d '\r' | sed -n 's/^x-method: //Ip')" PUT
    eq "echo: an unknown method comes as other(string)" \
        "$("${CURL[@]}" -X FROB -D - -o /dev/null --data-binary x "$(url /echo)" |
        tr -d '\r' | sed -n 's/^x-method: //Ip')" FROB
    eq "echo: empty body" "$("${CURL[@]}" -X POST --data-binary '' "$(url /echo)" | wc -c)" 0
    head -c 3000000 /dev/urandom >"$TMP/up.bin"
    want=$(md5sum <"$TMP/up.bin")
    eq "echo: 3 MB body streamed back" "$("${CURL[@]}" --data-binary @"$TMP/up.bin" "$(url /echo)" | md5sum)" "$want"
    eq "echo: 3 MB chunked upload" \
        "$("${CURL[@]}" -T "$TMP/up.bin" -H 'Transfer-Encoding: chunked' "$(url /echo)" | md5sum)" "$want"
    # backpressure: a client reading slowly (1 MB/s) still gets every byte
    eq "echo: slow reader gets the whole body" \
        "$("${CURL[@]}" --limit-rate 1500k --data-binary @"$TMP/up.bin" "$(url /echo)" | md5sum)" "$want"
    # the non-blocking calls: read + poll, check-write + write + pollable.block
    eq "pollecho: 3 MB body" "$("${CURL[@]}" --data-binary @"$TMP/up.bin" "$(url /pollecho)" | md5sum)" "$want"
    eq "pollecho: slow reader (check-write 0, pollable.block)" \
        "$("${CURL[@]}" --limit-rate 1500k --data-binary @"$TMP/up.bin" "$(url /pollecho)" | md5sum)" "$want"
    head -c 200000 "$TMP/up.bin" >"$TMP/small.bin"
    eq "pollecho: slow chunked upload (empty reads, poll)" \
        "$("${CURL[@]}" --limit-rate 150k -T "$TMP/small.bin" -H 'Transfer-Encoding: chunked' "$(url /pollecho)" | md5sum)" \
        "$(md5sum <"$TMP/small.bin")"
    eq "echo: slow chunked upload (blocking-read waits)" \
        "$("${CURL[@]}" --limit-rate 150k -T "$TMP/small.bin" -H 'Transfer-Encoding: chunked' "$(url /echo)" | md5sum)" \
        "$(md5sum <"$TMP/small.bin")"
    # 16 at once, each its own body
    pids=()
    for i in $(seq 1 16); do
        ( head -c $((i * 40000)) /dev/urandom >"$TMP/p$i.bin"
          "${CURL[@]}" --data-binary @"$TMP/p$i.bin" "$(url /echo)" | cmp -s - "$TMP/p$i.bin" &&
              touch "$TMP/p$i.ok" ) &
        pids+=($!)
    done
    wait "${pids[@]}"
    eq "echo: 16 concurrent bodies intact" "$(ls "$TMP"/p*.ok 2>/dev/null | wc -l)" 16

    eq "fields: forbidden, malformed and immutable headers; request headers read" \
        "$("${CURL[@]}" -H 'X-Test: v1' -H 'x-test: v2' "$(url /headers)")" \
        "immutable=immutable forbidden=forbidden syntax=invalid-syntax value=invalid-syntax fine=ok x-test=v1,v2"
    check "fields: the guest's header is sent (lower case)" \
        grep -q '^x-fine: yes' < <("${CURL[@]}" -D - -o /dev/null "$(url /headers)" | tr -d '\r')

    "${CURL[@]}" -D "$TMP/len.hdr" -o "$TMP/len.body" "$(url /length)"
    eq "content-length 5: a longer write fails, the 5 bytes go out" "$(cat "$TMP/len.body")" "yes!"
    check "content-length 5: sent as Content-Length" grep -qi '^content-length: 5' "$TMP/len.hdr"
    "${CURL[@]}" -o "$TMP/short.body" "$(url /length-short)"
    rc=$?
    check "content-length 10, 5 written: finish fails, the response is cut (curl exit $rc)" [ "$rc" -ne 0 ]
    eq "after a cut response the server still serves" "$("${CURL[@]}" "$(url /)")" "hello from wasi:http #1"

    # a client that goes away mid-body: the guest waits in blocking-read,
    # the request is cancelled and its instance dropped
    curl -s --max-time 1 --limit-rate 20k -T "$TMP/small.bin" -H 'Transfer-Encoding: chunked' \
        "$(url /echo)" >/dev/null 2>&1
    curl -s --max-time 1 --limit-rate 20k -T "$TMP/small.bin" -H 'Transfer-Encoding: chunked' \
        "$(url /pollecho)" >/dev/null 2>&1
    eq "client gone mid-upload: the server still serves" "$("${CURL[@]}" "$(url /)")" "hello from wasi:http #1"

    echo "== outcomes"
    eq "trap: 500" "$(code "$(url /trap)")" 500
    check "trap: logged with the reason" grep -q 'trap.*unreachable' "$LOG"
    eq "after a trap the server still serves" "$("${CURL[@]}" "$(url /)")" "hello from wasi:http #1"
    eq "response-outparam set to error-code HTTP-request-denied: 403" "$(code "$(url /denied)")" 403
    eq "error-code: body names the case" "$("${CURL[@]}" "$(url /denied)")" "error-code: HTTP-request-denied"
    eq "no response set: 502" "$(code "$(url /none)")" 502
    stop
    eq "SIGTERM: exit 0" "$STOP_RC" 0
fi
# --request-timeout also bounds the rest of a response after its head
# (the worker's expiry), so the deadline has a server of its own
if start deadline "$APP" --request-timeout 1s; then
    t0=$(date +%s%N)
    eq "deadline: 504" "$(code "$(url /loop)")" 504
    ms=$((($(date +%s%N) - t0) / 1000000))
    check "deadline: 504 came near the 1 s timeout (${ms} ms)" [ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ]
    eq "after a deadline the server still serves" "$("${CURL[@]}" "$(url /)")" "hello from wasi:http #1"
    stop
fi

echo "== instance reuse"
if start reuse "$APP" --max-instance-reuse-count 3 --threads 1; then
    eq "reuse 3: the count runs 1 2 3 and starts again in a new instance" \
        "$(for i in 1 2 3 4 5 6 7; do "${CURL[@]}" "$(url /)" | sed 's/.*#//'; done | tr '\n' ' ')" \
        "1 2 3 1 2 3 1 "
    # a reused instance reads only its own request's body
    "${CURL[@]}" "$(url /)" >/dev/null
    eq "reuse: echo after hellos on the same instance" \
        "$("${CURL[@]}" --data-binary 'second body' "$(url /echo)")" "second body"
    eq "reuse: a trap ends the instance: the next request gets a fresh one" \
        "$(code "$(url /trap)") $("${CURL[@]}" "$(url /)")" "500 hello from wasi:http #1"
    stop
fi
if start idle "$APP" --max-instance-reuse-count 1000 --idle-instance-timeout 300ms --threads 1; then
    a=$("${CURL[@]}" "$(url /)" | sed 's/.*#//')
    b=$("${CURL[@]}" "$(url /)" | sed 's/.*#//')
    sleep 1
    c=$("${CURL[@]}" "$(url /)" | sed 's/.*#//')
    eq "idle timeout 300ms: reused at once, a fresh instance after 1 s idle" "$a $b $c" "1 2 1"
    stop
fi
if start reuse-many "$APP" --max-instance-reuse-count 1000 --threads 1; then
    for i in $(seq 1 20); do "${CURL[@]}" "$(url /)" >/dev/null; done
    eq "reuse 1000: the 21st request on one instance" "$("${CURL[@]}" "$(url /)")" "hello from wasi:http #21"
    stop
fi

echo "== C with wasi-libc (the whole of WASI 0.2): --env, --dir, stderr"
mkdir -p "$TMP/data/sub"
echo "file content" >"$TMP/data/sub/a.txt"
echo "secret" >"$TMP/outside.txt"
if start libc "$LIBC" --env GREETING=hi --dir "$TMP/data::/data"; then
    eq "libc: hello" "$("${CURL[@]}" "$(url /)")" "hello from wasi-libc"
    check "libc: stderr goes to the log, tagged with the worker" \
        grep -q '^\[worker [0-9]*\] wasi-libc guest served /$' "$LOG"
    eq "libc: --env reaches getenv" "$("${CURL[@]}" "$(url '/env?GREETING')")" "hi"
    eq "libc: nothing else of the host's environment" "$("${CURL[@]}" "$(url '/env?HOME')")" "(unset)"
    eq "libc: --dir: a file under the preopen" "$("${CURL[@]}" "$(url '/file?/data/sub/a.txt')")" "file content"
    eq "libc: --dir: no way out by .." "$("${CURL[@]}" "$(url '/file?/data/../outside.txt')")" "(none)"
    eq "libc: --dir: nothing outside" "$("${CURL[@]}" "$(url '/file?/etc/passwd')")" "(none)"
    stop
fi

echo "== JavaScript (componentize-js, with the whole of WASI 0.2)"
t0=$(date +%s%N)
if start js "$JS/hello.wasm"; then
    up=$((($(date +%s%N) - t0) / 1000000))
    t1=$(date +%s%N)
    eq "js fetch-event: hello" "$("${CURL[@]}" "$(url /)")" "hello from js #1"
    first=$((($(date +%s%N) - t1) / 1000000))
    echo "     (start: listening after ${up} ms; first response ${first} ms after)"
    check "js: first response under 1 s after listening (${first} ms)" [ "$first" -lt 1000 ]
    eq "js: default reuse 1: a fresh instance" "$("${CURL[@]}" "$(url /)")" "hello from js #1"
    out=$("${CURL[@]}" -D "$TMP/js.hdr" --data-binary 'js body' "$(url /echo)")
    eq "js: echo" "$out" "js body"
    check "js: x-method POST" grep -qi '^x-method: POST' "$TMP/js.hdr"
    eq "js: echo 3 MB" "$("${CURL[@]}" --data-binary @"$TMP/up.bin" "$(url /echo)" | md5sum)" "$want"
    eq "js: echo, slow reader" \
        "$("${CURL[@]}" --limit-rate 1500k --data-binary @"$TMP/up.bin" "$(url /echo)" | md5sum)" "$want"
    "${CURL[@]}" -D "$TMP/js418.hdr" -o /dev/null "$(url /status)"
    check "js: status 418" grep -q '^HTTP/1.1 418' "$TMP/js418.hdr"
    check "js: the guest's header" grep -qi '^x-teapot: yes' "$TMP/js418.hdr"
    curl -s --max-time 1 --limit-rate 20k -T "$TMP/small.bin" -H 'Transfer-Encoding: chunked' \
        "$(url /echo)" >/dev/null 2>&1
    eq "js: client gone mid-upload: the server still serves" "$("${CURL[@]}" "$(url /)")" "hello from js #1"
    check "js: no uncaught exception in the log" \
        bash -c "! grep -q 'uncaught exception' '$LOG'"
    stop
fi
if start js-handler "$JS/handler.wasm" --max-instance-reuse-count 100 --idle-instance-timeout 30s --threads 1; then
    # (a pause after each: the guest still runs after its response, and a
    # request arriving meanwhile may get a new instance)
    eq "js incomingHandler: handled" "$("${CURL[@]}" "$(url '/a?b=1')")" "handled /a?b=1 by incomingHandler"
    sleep 0.5
    "${CURL[@]}" "$(url /2)" >/dev/null
    sleep 0.5
    "${CURL[@]}" "$(url /3)" >/dev/null
    eq "js incomingHandler: reuse 100: one instance served all three" \
        "$(grep -o 'worker=[0-9]*' "$LOG" | sort -u | wc -l)" 1
    stop
fi

echo "== detection and refused flags"
if start wagi "$WAGI"; then
    eq "a WAGI module is still served as WAGI" "$("${CURL[@]}" "$(url /)")" "hello, world"
    stop
fi
# refused NAME WANT ARGS...: hive serve exits WANT at once (2: a flag that
# does not apply, 1: the app cannot be served)
refused() {
    local name=$1 want=$2 rc
    shift 2
    timeout 10 "$HIVE" serve --addr 127.0.0.1:0 "$@" >"$TMP/refused.out" 2>&1
    rc=$?
    eq "refused: $name: exit $want" "$rc" "$want"
}
refused "--env with a component" 2 "$APP" --env A=B
check "refused: --env: the message says why" grep -q -- '--env does not apply: the component imports only wasi:http' "$TMP/refused.out"
refused "--dir with a component" 2 "$APP" --dir /tmp
refused "--max-instance-concurrent-reuse-count 2 with a component" 2 "$APP" \
    --max-instance-concurrent-reuse-count 2
if [ -x "$JCO" ]; then
    printf '(component)\n' >"$TMP/empty.wat"
    "$JCO" parse "$TMP/empty.wat" -o "$TMP/empty.wasm" 2>/dev/null
    refused "a component without wasi:http/incoming-handler" 1 "$TMP/empty.wasm"
    check "refused: says what is missing" grep -q 'incoming-handler' "$TMP/refused.out"
else
    bad "jco missing ($JCO): scripts/install-deps.sh test installs it"
fi
head -c 100 "$APP" >"$TMP/cut.wasm"
refused "a truncated component" 1 "$TMP/cut.wasm"
refused "--max-instance-reuse-count with a WAGI module" 2 "$WAGI" --max-instance-reuse-count 3
check "refused: WAGI: says why" grep -q -- '--max-instance-reuse-count does not apply to WAGI' "$TMP/refused.out"

echo "wasihttp: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
