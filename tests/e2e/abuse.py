#!/usr/bin/env python3
"""abuse.py -- `hive serve` under attack, over loopback only.

    tests/e2e/abuse.py [--fast] [--hive PATH] [--apps DIR] [--p99-ms N]

Each scenario starts a server (127.0.0.1, a port the kernel picks), runs
one attack from 127.0.0.3 while a normal client on 127.0.0.2 sends one
GET at a time on fresh connections, and checks that the normal client
keeps getting 200 with a p99 latency under --p99-ms (default 50), plus
what the attack itself should meet (408, 413, 503, memory). RSS of the
server is read before, during (at the attack's height) and after.

--fast runs the short scenarios `make e2e` includes (about 20 s); the
full set is `make abuse` (a few minutes). Every wait is bounded and every
server is killed on exit. The last line says "abuse: N passed, N failed";
the exit status is 1 when any check failed.
"""
import argparse
import multiprocessing
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time

NORMAL_SRC = "127.0.0.2"
ATTACK_SRC = "127.0.0.3"

passed = 0
failed = 0
rows = []  # (scenario, normal requests, non-200, p50 ms, p99 ms, rss before/during/after kB)


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}{': ' + detail if detail else ''}")
    sys.stdout.flush()


class Server:
    """hive serve with a metrics endpoint, its log in tmp/NAME.log."""

    def __init__(self, opts, name, app, args):
        self.name = name
        self.log = os.path.join(opts.tmp, name + ".log")
        self.logf = open(self.log, "w")
        cmd = [opts.hive, "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
               *args, os.path.join(opts.apps, app)]
        self.p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.logf)
        self.port = self.mport = None
        deadline = time.time() + 10
        while time.time() < deadline and self.p.poll() is None:
            text = self.text()
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", text)
            mm = re.search(r"metrics on http://127\.0\.0\.1:(\d+)/", text)
            if m and mm:
                self.port, self.mport = int(m.group(1)), int(mm.group(1))
                break
            time.sleep(0.05)

    def ok(self):
        return self.port is not None

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def rss_kb(self):
        try:
            with open(f"/proc/{self.p.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def metric(self, name):
        status, body = http_get(self.mport, "/metrics", src=NORMAL_SRC, timeout=5)
        for line in body.decode(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == name:
                return float(parts[1])
        return None

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.logf.close()
        return self.p.returncode


def http_get(port, path, src=NORMAL_SRC, timeout=5.0):
    """One GET on a fresh connection: (status, body); status 0 on failure."""
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
    except OSError:
        return 0, b""
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    if not m:
        return 0, b""
    head, _, body = data.partition(b"\r\n\r\n")
    return int(m.group(1)), body


class Sampler:
    """The normal client: GETs one after another, every `interval` s, in
    a process of its own (so that the attacker's work does not delay it
    in this interpreter)."""

    def __init__(self, port, path="/", interval=0.02):
        self.port, self.path, self.interval = port, path, interval
        self.results = []
        self.halt = multiprocessing.Event()
        self.queue = multiprocessing.Queue()
        self.proc = multiprocessing.Process(target=self._run, daemon=True)

    def _run(self):
        out = []
        while not self.halt.is_set():
            t0 = time.perf_counter()
            status, _ = http_get(self.port, self.path)
            dt = time.perf_counter() - t0
            out.append((status, dt))
            self.halt.wait(max(0.0, self.interval - dt))
        self.queue.put(out)

    def start(self):
        self.proc.start()

    def stop(self):
        self.halt.set()
        try:
            self.results = self.queue.get(timeout=15)
        except Exception:
            self.results = []
        self.proc.join(5)

    def summary(self):
        lat = sorted(dt for _, dt in self.results)
        bad = sum(1 for st, _ in self.results if st != 200)
        if not lat:
            return 0, bad, 0.0, 0.0
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
        return len(lat), bad, p(0.50), p(0.99)


class Attack:
    """Many connections from ATTACK_SRC; `opening` bytes at once, then
    `drip` bytes every `every` seconds. What the server answers on each
    (the status of its first response line) is collected."""

    def __init__(self, port, n, opening, drip=b"", every=1.0, read=True):
        self.port, self.n, self.opening, self.drip, self.every = port, n, opening, drip, every
        self.read = read
        self.socks = []
        self.sel = selectors.DefaultSelector()
        self.answers = {}  # status -> count
        self.closed = 0
        self.data = {}
        self.refused = 0

    def open(self):
        for _ in range(self.n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind((ATTACK_SRC, 0))
                s.settimeout(5)
                s.connect(("127.0.0.1", self.port))
                if self.opening:
                    s.sendall(self.opening)
                s.setblocking(False)
            except OSError:
                self.refused += 1
                s.close()
                continue
            self.socks.append(s)
            self.data[s] = b""
            if self.read:
                self.sel.register(s, selectors.EVENT_READ)

    def _gone(self, s):
        if s in self.data:
            del self.data[s]
            if self.read:
                self.sel.unregister(s)
            s.close()
            self.closed += 1

    def poll(self, seconds):
        """Reads answers for `seconds`, dripping on schedule."""
        end = time.time() + seconds
        next_drip = time.time() + self.every
        while time.time() < end:
            timeout = max(0.0, min(end, next_drip) - time.time())
            if self.read:
                for key, _ in self.sel.select(timeout):
                    s = key.fileobj
                    try:
                        chunk = s.recv(65536)
                    except BlockingIOError:
                        continue
                    except OSError:
                        chunk = b""
                    if s not in self.data:
                        continue
                    if chunk and len(self.data[s]) < 64:
                        before = self.data[s]
                        self.data[s] += chunk
                        m = re.match(rb"HTTP/1\.1 (\d{3}) ", self.data[s])
                        if m and not re.match(rb"HTTP/1\.1 (\d{3}) ", before):
                            code = int(m.group(1))
                            self.answers[code] = self.answers.get(code, 0) + 1
                    if not chunk:
                        self._gone(s)
            else:
                time.sleep(timeout)
            if self.drip and time.time() >= next_drip:
                next_drip += self.every
                for s in list(self.data):
                    try:
                        s.send(self.drip)
                    except BlockingIOError:
                        pass
                    except OSError:
                        self._gone(s)

    def still_open(self):
        return len(self.data)

    def close(self):
        for s in list(self.data):
            self._gone(s)


def scenario(opts, name, app, args, make_attack, seconds, expect=None, path="/"):
    """Runs one attack against a fresh server with the normal client
    sampling throughout; checks the normal client, then expect(attack,
    server, during) for the attack's own outcome."""
    srv = Server(opts, name, app, args)
    if not srv.ok():
        check(f"{name}: server starts", False, srv.text()[-500:])
        srv.stop()
        return
    http_get(srv.port, path)  # warm up
    before = srv.rss_kb()
    sampler = Sampler(srv.port, path)
    sampler.start()
    attack = make_attack(srv.port)
    attack.open()
    attack.poll(seconds / 2)
    during = {"rss": srv.rss_kb(), "inflight": srv.metric("hive_http_requests_in_flight"),
              "open": attack.still_open()}
    attack.poll(seconds / 2)
    during["rss"] = max(during["rss"], srv.rss_kb())
    during["open_end"] = attack.still_open()
    sampler.stop()
    attack.close()
    time.sleep(1.0)
    after = srv.rss_kb()
    n, bad, p50, p99 = sampler.summary()
    rows.append((name, n, bad, p50, p99, before, during["rss"], after))
    check(f"{name}: normal client got 200 throughout ({n - bad}/{n})", n >= 10 and bad == 0,
          f"{bad} not 200")
    check(f"{name}: normal client p99 {p99:.1f} ms < {opts.p99_ms} ms", p99 < opts.p99_ms)
    if expect:
        expect(attack, srv, during)
    rc = srv.stop()
    check(f"{name}: server exits 0 after SIGTERM", rc == 0, f"exit {rc}")


# ---- scenarios ----------------------------------------------------------------


def slow_body_head(length=100000, close=False):
    conn = "Connection: close\r\n" if close else ""
    return f"POST /?slow HTTP/1.1\r\nHost: x\r\n{conn}Content-Length: {length}\r\n\r\n".encode()


def run_slow_bodies(opts, n, seconds, extra_args, label, per_client=None):
    def expect(attack, srv, during):
        # (the normal client's own request may be in flight as the metric is read)
        check(f"{label}: no slow upload holds a guest (in flight: {during['inflight']})",
              during["inflight"] <= 1)
        if per_client:
            refused = attack.answers.get(503, 0) + attack.refused
            check(f"{label}: one address holds at most {per_client} connections "
                  f"({during['open']} open, {refused} refused with 503)",
                  during["open"] <= per_client and refused >= n - per_client)
        else:
            check(f"{label}: all {n} slow connections held ({during['open']} open)",
                  during["open"] >= n * 0.98)

    scenario(opts, label, "echo.wasm", extra_args,
             lambda port: Attack(port, n, slow_body_head(), b"a", 1.0), seconds, expect)


def run_slow_after_start(opts, n, seconds):
    """Bodies that start fast (past the buffer: they reach a guest), then
    drip: uploads are bounded apart from other requests (half of
    --max-concurrent-requests), and the minimum rate ends them."""
    slots = 100

    def expect(attack, srv, during):
        check(f"fast-then-slow uploads: at most {slots // 2} hold a guest "
              f"(in flight: {during['inflight']}, the normal client's one aside)",
              during["inflight"] <= slots // 2 + 1)
        check(f"fast-then-slow uploads: the others get 503 (503: {attack.answers.get(503, 0)})",
              attack.answers.get(503, 0) >= n - slots // 2 - 5)
        check(f"fast-then-slow uploads: the minimum rate cut them all "
              f"({during['open_end']} still open at the end)", during["open_end"] == 0)

    scenario(opts, "fast-then-slow uploads", "echo.wasm",
             ["--max-concurrent-requests", str(slots), "--max-connections-per-client", "0",
              "--body-min-rate", "500/2s"],
             lambda port: Attack(port, n, slow_body_head(200000) + b"x" * 70000, b"a", 1.0),
             seconds, expect)


class Hammer:
    """`procs` processes from ATTACK_SRC, each sending GET `path` one
    after another as fast as answered (the Attack interface)."""

    def __init__(self, port, path, procs):
        self.port, self.path, self.procs = port, path, procs
        self.halt = multiprocessing.Event()
        self.queue = multiprocessing.Queue()
        self.workers = []
        self.answers = {}
        self.refused = self.closed = 0

    def _run(self):
        counts = {}
        while not self.halt.is_set():
            st, _ = http_get(self.port, self.path, src=ATTACK_SRC, timeout=10)
            counts[st] = counts.get(st, 0) + 1
        self.queue.put(counts)

    def open(self):
        for _ in range(self.procs):
            w = multiprocessing.Process(target=self._run, daemon=True)
            w.start()
            self.workers.append(w)

    def poll(self, seconds):
        time.sleep(seconds)

    def still_open(self):
        return 0

    def close(self):
        if self.halt.is_set():
            return
        self.halt.set()
        for _ in self.workers:
            try:
                for k, v in self.queue.get(timeout=15).items():
                    self.answers[k] = self.answers.get(k, 0) + v
            except Exception:
                pass
        for w in self.workers:
            w.join(5)


def run_guest_faults(opts, seconds):
    def expect(attack, srv, during):
        n = sum(attack.answers.values())
        check(f"guest faults: every trapping request got 500 ({attack.answers.get(500, 0)} of {n})",
              n > 20 and attack.answers.get(500, 0) == n)

    scenario(opts, "guest faults (4 clients, every request traps)", "trap.wasm",
             ["--max-connections-per-client", "0"], lambda port: Hammer(port, "/", 4), seconds,
             expect, path="/?ok")


def run_burst(opts, n):
    """n requests at once to a guest that takes 300 ms, over the pool's
    limit: each is answered, 200 or 503 with Retry-After, none hangs, and
    the server serves normally right after."""
    srv = Server(opts, "burst", "slow.wasm", ["--max-connections-per-client", "0"])
    if not srv.ok():
        check("burst: server starts", False)
        srv.stop()
        return
    before = srv.rss_kb()
    a = Attack(srv.port, n, b"GET /?ms=300 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    t0 = time.time()
    a.open()
    peak = srv.rss_kb()
    while a.still_open() and time.time() - t0 < 20:
        a.poll(0.5)
        peak = max(peak, srv.rss_kb())
    t = time.time() - t0
    ok200, busy = a.answers.get(200, 0), a.answers.get(503, 0)
    check(f"burst: {n} requests at once all answered in {t:.1f} s (200: {ok200}, 503: {busy})",
          ok200 + busy == n and a.still_open() == 0 and ok200 >= 1000)
    a.close()
    st, _ = http_get(srv.port, "/?ms=0")
    check("burst: served normally right after", st == 200, str(st))
    time.sleep(1)
    rows.append((f"burst of {n} (no normal client: slots full by design)", 0, 0, 0.0, 0.0, before,
                 peak, srv.rss_kb()))
    rc = srv.stop()
    check("burst: server exits 0 after SIGTERM", rc == 0, f"exit {rc}")


def run_slow_heads(opts, n, seconds):
    def expect(attack, srv, during):
        check(f"slow heads: all {n} got 408 at the header timeout "
              f"(408: {attack.answers.get(408, 0)})", attack.answers.get(408, 0) >= n * 0.98)

    scenario(opts, "slow heads", "hello.wasm",
             ["--header-timeout", "3s", "--max-connections-per-client", "0"],
             lambda port: Attack(port, n, b"GET / HTTP/1.1\r\n", b"X", 1.0), seconds, expect)


def run_storm(opts, n, seconds):
    def expect(attack, srv, during):
        refused = attack.answers.get(503, 0) + attack.refused + attack.closed
        check(f"connection storm: {n} connections from one address, at most 256 kept "
              f"({during['open']} open at mid-attack)", during["open"] <= 256 and refused >= n - 256)

    scenario(opts, "connection storm", "hello.wasm", [],
             lambda port: Attack(port, n, b""), seconds, expect)


def run_slow_readers(opts, n, seconds):
    def expect(attack, srv, during):
        grew = during["rss"] - srv_before[0]
        check(f"slow readers: {n} unread 64 MiB responses cost {grew // 1024} MiB of RSS (< 128)",
              grew < 128 * 1024)

    srv_before = [0]

    def make(port):
        a = Attack(port, n, b"GET /?n=1024&size=65536 HTTP/1.1\r\nHost: x\r\n\r\n", read=False)
        return a

    # the RSS before the attack is taken inside scenario(); keep ours too
    orig = Server.rss_kb

    def first_rss(self):
        v = orig(self)
        if not srv_before[0]:
            srv_before[0] = v
        return v

    Server.rss_kb = first_rss
    try:
        scenario(opts, "slow readers", "stream.wasm", ["--max-connections-per-client", "0"], make,
                 seconds, expect, path="/?n=1")
    finally:
        Server.rss_kb = orig


def raw(port, data, wait=10.0, src=NORMAL_SRC, drip=None):
    """Sends data (then drip: (bytes, interval, count)), reads until the
    server closes or wait passes. Returns (bytes received, seconds)."""
    t0 = time.time()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    got = b""
    try:
        s.sendall(data)
        if drip:
            piece, every, count = drip
            s.settimeout(every)
            for _ in range(count):
                try:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
                except socket.timeout:
                    pass
                try:
                    s.sendall(piece)
                except OSError:
                    break
        s.settimeout(max(0.1, wait - (time.time() - t0)))
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    s.close()
    return got, time.time() - t0


def run_min_rate(opts):
    srv = Server(opts, "min rate", "echo.wasm", ["--body-min-rate", "1000/1s", "--body-timeout", "30s"])
    if not srv.ok():
        check("min rate: server starts", False)
        srv.stop()
        return
    # one byte every 100 ms: 10 bytes/s, far under 1000
    got, t = raw(srv.port, slow_body_head(5000), wait=8, drip=(b"a", 0.1, 60))
    check(f"min rate: a 10 bytes/s body gets 408 ({t:.1f} s)",
          got.startswith(b"HTTP/1.1 408 ") and t < 4, got[:40].decode(errors="replace"))
    # 2000 bytes/s for 2.5 s: over the minimum, completes
    got, t = raw(srv.port, slow_body_head(5000, close=True), wait=10, drip=(b"a" * 200, 0.1, 25))
    check(f"min rate: a 2000 bytes/s body is answered 200 ({t:.1f} s)",
          got.startswith(b"HTTP/1.1 200 ") and b"body-bytes: 5000" in got,
          got[:40].decode(errors="replace"))
    log = srv.text()
    check("min rate: the log names the reason", "request body too slow" in log)
    slow = srv.metric("hive_http_slow_request_bodies_total")
    check(f"min rate: counted in the metrics ({slow})", slow == 1)
    srv.stop()


def chunked(total, piece=16384):
    out = []
    left = total
    while left > 0:
        k = min(piece, left)
        out.append(b"%x\r\n" % k + b"b" * k + b"\r\n")
        left -= k
    out.append(b"0\r\n\r\n")
    return b"".join(out)


def run_chunked_limit(opts):
    head = b"POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    for limit, label in (("16K", "before any guest"), ("128K", "the guest answers first")):
        srv = Server(opts, f"chunked limit {limit}", "hello.wasm", ["--max-body-size", limit])
        if not srv.ok():
            check("chunked limit: server starts", False)
            srv.stop()
            continue
        body = chunked(2 * 1024 * 1024)
        if limit == "16K":
            got, _ = raw(srv.port, head + body, wait=10)
        else:  # 80 KiB (the guest starts and answers), then the rest
            cut = 5 * (16384 + 10)
            got, _ = raw(srv.port, head + body[:cut], wait=10, drip=(body[cut:], 0.5, 1))
        status = got[9:12].decode(errors="replace")
        if limit == "16K":
            check(f"chunked body over {limit} ({label}): 413", status == "413", status)
        else:
            check(f"chunked body over {limit} ({label}): the response, then the connection closes",
                  status in ("200", ""), status)
        time.sleep(0.3)
        srv.stop()
        lines = [l for l in srv.text().splitlines() if '"POST /big ' in l]
        check(f"chunked body over {limit}: logged as 413 with the reason, never 200",
              len(lines) == 1 and '" 413 ' in lines[0] and "over the limit" in lines[0],
              " | ".join(lines)[:300])


def run_per_client(opts):
    srv = Server(opts, "per client", "hello.wasm", ["--max-connections-per-client", "3"])
    if not srv.ok():
        check("per client: server starts", False)
        srv.stop()
        return
    a = Attack(srv.port, 5, b"")
    a.open()
    a.poll(0.5)
    check(f"--max-connections-per-client 3: 2 of 5 refused with 503 "
          f"(503: {a.answers.get(503, 0)}, open: {a.still_open()})",
          a.answers.get(503, 0) == 2 and a.still_open() == 3)
    st, _ = http_get(srv.port, "/")
    check("... another address is served", st == 200, str(st))
    refused = srv.metric("hive_http_connections_refused_per_client_total")
    check(f"... counted in the metrics ({refused})", refused == 2)
    a.close()
    time.sleep(0.3)
    st, _ = http_get(srv.port, "/", src=ATTACK_SRC)
    check("... and the address again once its connections closed", st == 200, str(st))
    srv.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fast", action="store_true")
    ap.add_argument("--hive", default=os.environ.get("HIVE", "build/hive"))
    ap.add_argument("--apps", default="build/examples/wagi")
    ap.add_argument("--p99-ms", type=float, default=50.0)
    opts = ap.parse_args()
    for f in (opts.hive, os.path.join(opts.apps, "hello.wasm")):
        if not os.path.exists(f):
            print(f"abuse: missing {f}")
            print("abuse: 0 passed, 1 failed")
            return 1
    with tempfile.TemporaryDirectory(prefix="hive-abuse.") as tmp:
        opts.tmp = tmp
        if opts.fast:
            print("== abuse (fast subset)")
            run_per_client(opts)
            run_min_rate(opts)
            run_chunked_limit(opts)
            # 300 slow uploads against 100 guest slots: buffering keeps
            # them off the guests (no per-address limit here)
            run_slow_bodies(opts, 300, 4,
                            ["--max-concurrent-requests", "100", "--max-connections-per-client", "0"],
                            "slow bodies x300")
            run_slow_after_start(opts, 200, 5)
        else:
            print("== abuse")
            run_per_client(opts)
            run_min_rate(opts)
            run_chunked_limit(opts)
            run_slow_bodies(opts, 1000, 10, [], "slow bodies x1000 (defaults)", per_client=256)
            run_slow_bodies(opts, 1000, 10, ["--max-connections-per-client", "0"],
                            "slow bodies x1000 (no per-address limit)")
            run_slow_after_start(opts, 200, 6)
            run_slow_heads(opts, 1000, 8)
            run_storm(opts, 5000, 6)
            run_slow_readers(opts, 20, 8)
            run_guest_faults(opts, 6)
            run_burst(opts, 2000)
    if rows:
        print("\n| attack | normal requests | not 200 | p50 ms | p99 ms | RSS before | during | after |")
        print("|---|---|---|---|---|---|---|---|")
        for name, n, bad, p50, p99, b, d, a in rows:
            lat = f"{n} | {bad} | {p50:.2f} | {p99:.2f}" if n else "- | - | - | -"
            print(f"| {name} | {lat} | {b // 1024} MiB | {d // 1024} MiB | {a // 1024} MiB |")
        print()
    print(f"abuse: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
