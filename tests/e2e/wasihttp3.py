#!/usr/bin/env python3
"""wasihttp3.py -- end-to-end tests of `hive serve` with wasi:http 0.3
services (docs/WASIHTTP3.md): the JavaScript example
(examples/wasihttp3-js/service.js, componentize-qjs) and the component-text
hello (tests/wasihttp3/hello.wat), as `make wasihttp3-guests` builds them.

    tests/e2e/wasihttp3.py [BUILD]     (HIVE=path tests another binary;
                                        E2E_KEEP=1 keeps the servers' logs)

Servers listen on 127.0.0.1 with a port the kernel picks; every wait is
bounded and every server is killed at the end. The last line says
"wasihttp3: N passed, N failed"; the exit status is 1 when any failed.
"""
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
HIVE = os.environ.get("HIVE") or os.path.join(BUILD, "hive")
JS = os.path.join(BUILD, "examples/wasihttp3-js/service.wasm")
WAT = os.path.join(BUILD, "wasihttp3/hello.wasm")
PROXY = os.path.join(BUILD, "wasihttp3/proxy.wasm")
TMP = tempfile.mkdtemp(prefix="hive-wasihttp3.")
passed = failed = 0
servers = []


def ok(name):
    global passed
    passed += 1
    print("ok   " + name, flush=True)


def bad(name, why=""):
    global failed
    failed += 1
    print("FAIL " + name + (": " + why if why else ""), flush=True)


def check(name, cond, why=""):
    (ok if cond else bad)(name, *([why] if not cond else []))


class Server:
    def __init__(self, name, *args):
        self.log = os.path.join(TMP, name + ".log")
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen([HIVE, "serve", "--addr", "127.0.0.1:0", *args],
                                     stderr=self.logf, stdout=subprocess.DEVNULL)
        servers.append(self)
        self.port = None
        deadline = time.time() + 20
        while time.time() < deadline and self.port is None:
            with open(self.log) as f:
                m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", f.read())
            if m:
                self.port = int(m.group(1))
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.05)
        if self.port is None:
            raise RuntimeError(f"{name}: hive serve did not start: {self.text()}")

    def text(self):
        with open(self.log) as f:
            return f.read()

    def get(self, path, method="GET", body=None, headers=None, timeout=30):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def access(self, path, want=1):
        """The access-log lines of requests for path (waiting a little for
        want of them: a line is written just after its response)."""
        deadline = time.time() + 3
        while True:
            lines = [l for l in self.text().splitlines()
                     if f'"GET {path} ' in l or f'"POST {path} ' in l]
            if len(lines) >= want or time.time() > deadline:
                return lines
            time.sleep(0.02)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


def background(fn):
    """Runs fn in a thread; the returned function joins it and gives its result."""
    box = {}

    def run():
        try:
            box["v"] = fn()
        except Exception as e:  # noqa: BLE001 -- reported by the caller
            box["v"] = e
    t = threading.Thread(target=run)
    t.start()

    def join():
        t.join(60)
        return box.get("v")
    return join


def worker_of(line):
    m = re.search(r"worker=(\d+)", line)
    return int(m.group(1)) if m else None


def main():
    for f in (HIVE, JS, WAT, PROXY):
        if not os.path.exists(f):
            bad("guests", f"missing {f} (run make e2e-wasihttp3)")
            return

    # ---- statuses, headers, bodies ------------------------------------------
    s = Server("basic", JS)
    st, h, b = s.get("/")
    check("js: GET / is 200 'hello from js'", st == 200 and b == b"hello from js\n", f"{st} {b!r}")
    check("js: content-type from the guest's fields", h.get("content-type") == "text/plain", str(h))
    st, h, b = s.get("/headers", headers={"x-echo": "ping"})
    check("js: a request header reflected", st == 200 and h.get("x-echoed") == "ping", f"{st} {h}")
    body = bytes((i * 7 + 3) & 0xff for i in range(200000))
    st, h, b = s.get("/echo", method="POST", body=body)
    check("js: a 200 kB request body echoed through the streams", st == 200 and b == body,
          f"{st}, {len(b)} bytes")
    # a body larger than the server's output buffer, to a client that
    # reads slowly: the response's drain pump waits for room and goes on
    big = bytes((i * 7 + 1) & 0xff for i in range(4000000))
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    c.request("POST", "/echo", body=big)
    r = c.getresponse()
    first = r.read(1000)
    time.sleep(0.5)
    got = first + r.read()
    c.close()
    check("js: a 4 MB body echoed to a slow reader", got == big, f"{len(got)} bytes")
    st, h, b = s.get("/echo", method="POST", body=b"")
    check("js: an empty request body echoed", st == 200 and b == b"", f"{st} {b!r}")
    t0 = time.time()
    st, h, b = s.get("/stream?n=5&ms=60")
    dt = time.time() - t0
    lines = b.decode().splitlines()
    check("js: a body streamed after handle returned (5 lines, 60 ms apart)",
          st == 200 and len(lines) == 5 and lines[4].startswith("line 4") and dt >= 0.2,
          f"{st} {lines} {dt:.3f}s")
    # trailers both ways: a chunked request's trailer section reaches the
    # guest (the request's trailers future), the guest's trailers future
    # goes out as the chunked response's trailer section
    def raw_post(path, chunked_body):
        sk = socket.create_connection(("127.0.0.1", s.port), timeout=20)
        sk.sendall(b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                   b"Connection: close\r\n\r\n" + chunked_body)
        raw = b""
        while True:
            d = sk.recv(65536)
            if not d:
                break
            raw += d
        sk.close()
        return raw
    raw = raw_post(b"/trailers", b"5\r\nhello\r\n0\r\nX-Sum: 99\r\nX-Two: b\r\n\r\n")
    check("js: request trailers in, response trailers out",
          raw.endswith(b"\r\n5 bytes, 2 trailers\n\r\n0\r\nx-echo-x-sum: 99\r\nx-echo-x-two: b\r\n\r\n"),
          repr(raw[-120:]))
    raw = raw_post(b"/trailers", b"5\r\nhello\r\n0\r\n\r\n")
    check("js: no request trailers, an empty trailer section",
          raw.endswith(b"\r\n5 bytes, 0 trailers\n\r\n0\r\n\r\n"), repr(raw[-120:]))
    st, h, b = s.get("/nothing-here")
    check("js: 404 from the guest", st == 404 and b == b"not found\n", f"{st} {b!r}")
    workers = {worker_of(l) for l in s.access("/")} | {worker_of(l) for l in s.access("/echo")}
    check("js: requests in turn reuse one instance", workers == {1}, str(workers))
    s.stop()

    w = Server("wat", WAT)
    st, h, b = w.get("/")
    check("wat: GET / is 200 'hello from wat'", st == 200 and b == b"hello from wat\n", f"{st} {b!r}")
    st, h, b = w.get("/anything")
    check("wat: a second request on the instance", st == 200 and b == b"hello from wat\n", f"{st} {b!r}")
    w.stop()

    # ---- 100 waiting requests on ONE instance ---------------------------------
    c = Server("concurrent", "--max-instances", "1", "--max-instance-concurrent-reuse-count", "100",
               "--max-instance-reuse-count", "1000", JS)
    c.get("/")  # the instance exists
    results = []
    lock = threading.Lock()

    def one():
        try:
            st, _, b = c.get("/wait?ms=200")
        except Exception as e:  # noqa: BLE001
            st, b = 0, str(e).encode()
        with lock:
            results.append((st, b))
    threads = [threading.Thread(target=one) for _ in range(100)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    dt = time.time() - t0
    good = sum(1 for st, b in results if st == 200 and b == b"waited 200 ms\n")
    check(f"100 requests waiting 200 ms each on one instance: all answered ({good}/100)", good == 100)
    check(f"... in {dt:.3f} s (serially 20 s; the bound here is 5 s)", dt < 5.0)
    ws = {worker_of(l) for l in c.access("/wait?ms=200", 100)}
    check("... all by one instance", ws == {1}, str(ws))
    print(f"wasihttp3: 100 x 200 ms on one instance: {dt:.3f} s", flush=True)
    c.stop()

    # ---- an instance that computes does not hold up new requests ----------------
    m = Server("compute", JS)
    m.get("/")
    comp = background(lambda: m.get("/compute?ms=1500"))
    time.sleep(0.2)
    slow = []
    for _ in range(5):
        t0 = time.time()
        st, _, b = m.get("/")
        slow.append((st, b, time.time() - t0))
    c = comp()
    check("compute: the computing request is answered",
          isinstance(c, tuple) and c[0] == 200 and c[2] == b"computed 1500 ms\n", repr(c)[:200])
    check("compute: requests meanwhile are answered at once (< 0.5 s each)",
          all(st == 200 and b == b"hello from js\n" and dt < 0.5 for st, b, dt in slow),
          str([(st, round(dt, 3)) for st, _, dt in slow]))
    wc = {worker_of(l) for l in m.access("/compute?ms=1500")}
    wh = {worker_of(l) for l in m.access("/", 6)[1:]}
    check("compute: ... by another instance", len(wc) == 1 and wc.isdisjoint(wh), f"{wc} {wh}")
    m.stop()

    # ---- a deadline cancels that request's task only --------------------------
    d = Server("deadline", "--max-instances", "1", "--request-timeout", "700ms", JS)
    d.get("/")
    hang = background(lambda: (time.time(), d.get("/hang")))
    time.sleep(0.1)
    st, h, b = d.get("/stream?n=10&ms=100")
    r = hang()
    lines = b.decode().splitlines()
    check("deadline: the waiting request gets 504",
          isinstance(r, tuple) and r[1][0] == 504, repr(r)[:200])
    check("deadline: the instance's other request is answered whole (10 lines)",
          st == 200 and len(lines) == 10, f"{st} {lines}")
    check("deadline: the expired task saw its cancellation and ended (its finally ran)",
          lines and lines[-1].endswith("(hanging 0 ended 1)"), lines[-1] if lines else "")
    ws = {worker_of(l) for l in d.access("/hang") + d.access("/stream?n=10&ms=100")}
    check("deadline: both on the one instance, which lived on", ws == {1}, str(ws))
    d.stop()

    # ---- a request computing past its deadline, alone on its instance --------
    d = Server("spin", "--max-instances", "1", "--request-timeout", "500ms", JS)
    d.get("/")
    t0 = time.time()
    st, _, _ = d.get("/compute?ms=5000")
    dt = time.time() - t0
    st2, _, b2 = d.get("/")
    dt2 = time.time() - t0
    check("spin: a request computing past its deadline gets 504 at the deadline",
          st == 504 and dt < 1.5, f"{st} {dt:.3f}s")
    check("spin: it is stopped there (the next request, on a new instance, at once)",
          st2 == 200 and b2 == b"hello from js\n" and dt2 < 2.5, f"{st2} {dt2:.3f}s")
    d.stop()

    # ---- a trap takes down only its own instance's requests -------------------
    t = Server("trap", "--max-instance-concurrent-reuse-count", "2", JS)
    t.get("/")
    r1 = background(lambda: t.get("/wait?ms=1500"))
    time.sleep(0.2)
    r2 = background(lambda: t.get("/trap?ms=300"))
    time.sleep(0.2)
    r3 = background(lambda: t.get("/wait?ms=800"))
    a, b2, c3 = r1(), r2(), r3()
    stat = lambda x: x[0] if isinstance(x, tuple) else repr(x)
    check("trap: the trapping request gets 500", stat(b2) == 500, str(stat(b2)))
    check("trap: the other request of that instance gets 500", stat(a) == 500, str(stat(a)))
    check("trap: a request on another instance is answered 200", stat(c3) == 200, str(stat(c3)))
    w1 = {worker_of(l) for l in t.access("/wait?ms=1500") + t.access("/trap?ms=300")}
    w2 = {worker_of(l) for l in t.access("/wait?ms=800")}
    check("trap: instances as planned (two on one, the third on another)",
          len(w1) == 1 and len(w2) == 1 and w1 != w2, f"{w1} {w2}")
    ends = [l for l in t.text().splitlines() if "ended (trap)" in l]
    check("trap: one worker ended, with the trap as its reason",
          len(ends) == 1 and "a trap on purpose" not in ends[0] and "unreachable" in ends[0],
          str(ends))
    t.stop()

    # ---- a client that goes away cancels its task -----------------------------
    g = Server("gone", JS)
    g.get("/")
    sock = socket.create_connection(("127.0.0.1", g.port), timeout=10)
    sock.sendall(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.3)
    st, h, b = g.get("/tasks")
    check("gone: the task waits while its client is there", b == b"hanging 1 ended 0\n", repr(b))
    sock.close()
    deadline = time.time() + 5
    b = b""
    while time.time() < deadline:
        st, h, b = g.get("/tasks")
        if b == b"hanging 0 ended 1\n":
            break
        time.sleep(0.05)
    check("gone: its task is cancelled and ends when the client disconnects",
          b == b"hanging 0 ended 1\n", repr(b))
    ws = {worker_of(l) for l in g.access("/tasks", 2)}
    check("gone: on the same instance, which lives on", ws == {1}, str(ws))
    g.stop()

    # ---- a proxy: client.send's response returned as the handler's own ---------
    # tests/wasihttp3/proxy.wat hands the upstream's response back untouched:
    # the host relays the HTTP client's body to the server's sink itself
    # (backpressure both ways, no copy through the guest).
    up_port_file = os.path.join(TMP, "up.port")
    up = subprocess.Popen([sys.executable, "tests/e2e/outbound_upstream.py", up_port_file])
    try:
        deadline = time.time() + 10
        while time.time() < deadline and not (os.path.exists(up_port_file) and os.path.getsize(up_port_file)):
            time.sleep(0.05)
        with open(up_port_file) as f:
            upa = "127.0.0.1:" + f.read().strip()
        x = Server("proxy", "--allow-outbound", upa, "--allow-outbound", "127.0.0.1:1", PROXY)
        hx = {"x-upstream": upa}
        st, hd, b = x.get("/hello", headers=hx)
        check("proxy: the upstream's status, header and body relayed",
              (st, hd.get("x-upstream"), b) == (200, "yes", b"hello upstream\n"), repr((st, hd, b)))
        direct = bytes((i * 7) % 251 for i in range(3000000))
        st, hd, b = x.get("/big?n=3000000", headers=hx)
        check("proxy: 3 MB with its content-length relayed",
              (st, hd.get("content-length"), b == direct) == (200, "3000000", True), repr((st, len(b))))
        st, hd, b = x.get("/big?n=3000000&chunked=1", headers=hx)
        check("proxy: 3 MB chunked relayed", (st, len(b), b == direct) == (200, 3000000, True),
              repr((st, len(b))))
        # the upstream's trailers follow the relayed chunked body
        sk = socket.create_connection(("127.0.0.1", x.port), timeout=10)
        sk.sendall(b"GET /trailers HTTP/1.1\r\nHost: x\r\nx-upstream: " + upa.encode() +
                   b"\r\nConnection: close\r\n\r\n")
        raw = b""
        while True:
            d = sk.recv(65536)
            if not d:
                break
            raw += d
        sk.close()
        check("proxy: the upstream's trailers as the trailer section of the chunked body",
              raw.endswith(b"\r\n\r\n3\r\nabc\r\n0\r\nx-checksum: 42\r\n\r\n"), repr(raw[-80:]))
        # request bodies go up the same way: the incoming body's stream and
        # trailers future, handed to client.send by the guest, are read by
        # the host (a stream from the host back to the host)
        up_body = bytes((i * 13 + 5) & 0xff for i in range(2000000))
        st, hd, b = x.get("/echo", method="POST", body=up_body, headers=hx)
        check("proxy: a 2 MB request body (content-length) up and its echo back",
              (st, b == up_body, hd.get("x-got-te")) == (200, True, "chunked"), repr((st, len(b), hd)))
        sk = socket.create_connection(("127.0.0.1", x.port), timeout=20)
        sk.sendall(b"PUT /echo HTTP/1.1\r\nHost: x\r\nx-upstream: " + upa.encode() +
                   b"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                   b"5\r\nhello\r\n0\r\nX-Sum: 99\r\nX-Two: b\r\n\r\n")
        raw = b""
        while True:
            d = sk.recv(65536)
            if not d:
                break
            raw += d
        sk.close()
        rh = raw.split(b"\r\n\r\n")[0].decode("latin-1").lower()
        check("proxy: a chunked request's trailers go up after its body (method kept)",
              "x-got-trailers: x-sum: 99;x-two: b" in rh and "x-got-method: put" in rh and
              raw.endswith(b"\r\n\r\nhello"), repr(raw[-300:]))
        st, hd, b = x.get("/nothing", headers=hx)
        check("proxy: a 404 kept", (st, b) == (404, b"not found\n"), repr((st, b)))
        # backpressure: a client that reads slowly holds the upstream back
        # (the relay takes from the HTTP client only what the sink can take)
        c = http.client.HTTPConnection("127.0.0.1", x.port, timeout=30)
        c.request("GET", "/big?n=3000000", headers=hx)
        r = c.getresponse()
        first = r.read(1000)
        time.sleep(1.0)
        rss = 0
        with open(f"/proc/{x.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        rest = r.read()
        c.close()
        check("proxy: a slow reader gets the whole body", first + rest == direct, str(len(first + rest)))
        try:
            got = repr(x.get("/reset", headers=hx))
        except http.client.IncompleteRead as e:
            got = "cut after %d bytes" % len(e.partial)
        check("proxy: a reset upstream body cuts the response (declared 100, 10 came)",
              got == "cut after 10 bytes", got)
        code = x.get("/hello", headers={"x-upstream": "127.0.0.1:1"})[0]
        check("proxy: send's error-code gives its status (connection-refused: 502)", code == 502, str(code))
        st, hd, b = x.get("/hello", headers=hx)
        check("proxy: the instance lives on", b == b"hello upstream\n", repr(b))
        print(f"     (proxy RSS while a 3 MB relay is held by a slow reader: {rss} kB)")
        x.stop()
    finally:
        up.kill()
        up.wait()

    # ---- outgoing requests (client.send) --------------------------------------
    # The official suite's http-client tests, each a service whose handler
    # calls wasi:http/client.send against a local endpoint, through its
    # runner, with --allow-outbound for the endpoints on 127.0.0.1.
    # (The request trailers tests pass too: none is expected to fail.)
    suite = os.environ.get("WASI_TESTSUITE_DIR") or "../shared/wasi-testsuite"
    tests = os.path.join(suite, "tests/rust/testsuite/wasm32-wasip3")
    if not os.path.isdir(tests):
        print(f"SKIP client: no official suite in {suite} (set WASI_TESTSUITE_DIR)", flush=True)
        return
    names = sorted(f[:-5] for f in os.listdir(tests) if f.startswith("http-client") and f.endswith(".wasm"))
    exp = os.path.join(TMP, "expected.txt")
    with open(exp, "w") as f:
        f.write("# none\n")
    r = subprocess.run([sys.executable, "tests/wasi-testsuite/run.py", "--suite", "wasm32-wasip3",
                        "--hive-option", "--allow-outbound=127.0.0.1", HIVE, suite, exp, *names],
                       capture_output=True, text=True, timeout=600)
    last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr[-300:]
    check(f"client: the suite's {len(names)} http-client tests ({last})",
          r.returncode == 0 and len(names) >= 11, r.stdout[-1500:] + r.stderr[-500:])


try:
    main()
except Exception as e:  # noqa: BLE001
    bad("run", repr(e))
finally:
    for s in servers:
        try:
            s.stop()
        except Exception:  # noqa: BLE001
            pass
    if os.environ.get("E2E_KEEP"):
        print(f"wasihttp3: logs kept in {TMP}")
    else:
        import shutil
        shutil.rmtree(TMP, ignore_errors=True)
print(f"wasihttp3: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
