#!/usr/bin/env python3
"""run.py -- runs the official WASI test suite (WebAssembly/wasi-testsuite)
through `hive run`, over the suite's own JSON test specifications
(doc/specification.md of the suite). Python 3.11 is enough: the suite's
own runner needs 3.12.

Usage: tests/wasi-testsuite/run.py [options] HIVE SUITE_DIR EXPECTED [NAME...]
  HIVE       the hive binary
  SUITE_DIR  the wasi-testsuite checkout (holds tests/<lang>/testsuite/<version>/)
  EXPECTED   expected failures, one per line: "lang/version/name reason..."
             or "NAME # reason" (NAME: the test's file name without .wasm,
             in the selected suites); lines starting with # are comments
  NAME       run only the tests whose id (lang/version/name) contains NAME
Options:
  --suite VERSION   which test directories: wasm32-wasip1 (default) or
                    wasm32-wasip3; repeatable
  --lang LANG       only the tests of this language directory (c, rust,
                    assemblyscript); repeatable
  --scratch DIR     where the fresh copies of test roots go
                    (default: a temporary directory, removed at the end)
  --timeout SEC     per test (default 60, or $WASI_TESTSUITE_TIMEOUT)
  --hive-option OPT an option of `hive run` put before the others, e.g.
                    --path-walk; repeatable
  --guest-env K=V   add K=V to every test's environment (the Rust tests
                    take ERRNO_MODE_UNIX=1 to ask for the Unix errno where
                    they accept several); repeatable
  --wrap-component JCO DIR
                    run each test as a WASI 0.2 command component: wrap
                    NAME.wasm first with the preview-1 command adapter that
                    jco ships (`JCO new NAME.wasm --wasi-command -o
                    DIR/ID.component.wasm`, redone only when the module is
                    newer), then `hive run` the component
  -v                print the command, stdout and stderr of failing tests

Each test NAME.wasm runs as the suite's wasmtime adapter maps it:
    HIVE run [OPT...] --env K=V... [--dir ROOT::/] NAME.wasm ARGS...
(wasm32-wasip3 tests run in their own directory as NAME.wasm, so that the
guest's argv[0] is the file name, as wasmtime gives it; the "sockets"
proposal adds --inherit-network --allow-ip-name-lookup, the "http"
proposal --allow-outbound HOST:PORT for each of the spec's servers when
hive has that flag). A test of the
wasi:http/service world runs as
    HIVE serve --addr 127.0.0.1:0 --env K=V... NAME.wasm
and its `request` operations go to the address of the first line hive
serve writes on stderr ("... http://HOST:PORT/"); `kill` sends the signal,
`wait` checks the exit code. The spec's "servers" are local HTTP servers
started here (modes static, with a body or chunks and trailers,
echo-body, echo-headers; kind "closed": an address nobody listens on),
their HOST:PORT passed as HTTP_SERVER_<NAME>. `connect` reads HOST:PORT
from the guest's stdout and connects (tcp or udp); `send` and `recv`
move bytes over it.
ROOT is a fresh writable copy of the test's root directory (without the
suite's "*.cleanup" artifacts), so no test sees another's leftovers and
the suite's files are never written. A test passes when every operation
of its specification holds: each `read` reads exactly as many characters
as its payload from that stream and gets the payload, each `wait` sees the
expected exit code. Operations this runner cannot perform (network, HTTP,
signals) make the test a skip, with the reason on its line.

Prints one line per test (PASS, FAIL, XFAIL, XPASS, SKIP) and a last line
"wasi-testsuite: N passed, N failed, N skipped" (plus the expected
failures when there are any). Exits 1 when a test fails that EXPECTED
does not list, or when a listed test passes (the list only shrinks),
2 on usage errors, else 0.
"""

import http.client
import http.server
import json
import os
import select
import signal
import socket
import threading
import shutil
import subprocess
import sys
import tempfile
import time

SUITES = ("wasm32-wasip1", "wasm32-wasip3")
SUPPORTED_OPS = {"run", "read", "write", "wait", "connect", "send", "recv", "request", "kill"}
WORLDS = ("wasi:cli/command", "wasi:http/service")
PROPOSALS = ("http", "sockets")


def die(msg):
    print(f"run.py: {msg}", file=sys.stderr)
    sys.exit(2)


class Skip(Exception):
    pass


class Failed(Exception):
    pass


def load_expected(path):
    expected = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if " # " in line or line.endswith(" #"):
                name, _, reason = line.partition(" #")
                parts = [name.strip(), reason.strip()]
                if not parts[1]:
                    parts = parts[:1]
            else:
                parts = line.split(None, 1)
            if len(parts) < 2:
                die(f"{path}:{lineno}: '{parts[0]}' needs a reason")
            expected[parts[0]] = parts[1]
    return expected


def find_tests(suite_dir, versions, langs):
    """(id, wasm path, json path or None), sorted by id."""
    tests = []
    base = os.path.join(suite_dir, "tests")
    if not os.path.isdir(base):
        die(f"'{suite_dir}' has no tests/ directory: not a wasi-testsuite checkout")
    for lang in sorted(os.listdir(base)):
        if langs and lang not in langs:
            continue
        for version in versions:
            d = os.path.join(base, lang, "testsuite", version)
            if not os.path.isdir(d):
                continue
            for f in sorted(os.listdir(d)):
                if not f.endswith(".wasm"):
                    continue
                name = f[:-5]
                spec = os.path.join(d, name + ".json")
                tests.append((f"{lang}/{version}/{name}", os.path.join(d, f),
                              spec if os.path.isfile(spec) else None))
    return tests


def unsupported(world, proposals, servers):
    """Why hive_argv cannot run a test of this world with these proposals
    and endpoint servers, or None. (The suite's wasmtime adapter runs
    wasi:http/service tests with `serve`, and turns the http and sockets
    proposals into flags: this is where hive's would go.)"""
    if world not in WORLDS:
        return f"world {world}"
    for s in servers:
        if s.get("kind", "endpoints") not in ("endpoints", "closed"):
            return f"server kind {s.get('kind')}"
        for ep in s.get("endpoints", []):
            if ep.get("mode", "static") not in ("static", "echo-body", "echo-headers"):
                return f"endpoint mode {ep.get('mode')}"
    bad = [p for p in proposals if p not in PROPOSALS]
    if bad:
        return "proposals " + ",".join(bad)
    return None


_SUPPORTS = {}


def supports(hive, flag):
    """Whether both `hive run --help` and `hive serve --help` name flag."""
    if (hive, flag) not in _SUPPORTS:
        ok = True
        for sub in ("run", "serve"):
            try:
                r = subprocess.run([hive, sub, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   timeout=10, check=False)
                ok = ok and flag.encode() in r.stdout
            except (OSError, subprocess.TimeoutExpired):
                ok = False
        _SUPPORTS[(hive, flag)] = ok
    return _SUPPORTS[(hive, flag)]


def hive_argv(hive, hive_opts, wasm, run, root, guest_env, world="wasi:cli/command", proposals=(),
              extra_env=()):
    """The command line of a `run` operation, as the suite's wasmtime
    adapter maps it; root is the host directory to preopen as / or None."""
    if world == "wasi:http/service":
        argv = [hive, "serve", "--addr", "127.0.0.1:0"] + hive_opts
    else:
        argv = [hive, "run"] + hive_opts
    if "sockets" in proposals:
        argv += ["--inherit-network", "--allow-ip-name-lookup"]
    if "http" in proposals and supports(hive, "--allow-outbound"):
        # wasmtime's -Shttp lets a guest send anywhere; hive denies outgoing
        # requests unless allowed: allow the spec's servers
        for k, v in extra_env:
            if k.startswith("HTTP_SERVER_"):
                argv += ["--allow-outbound", v]
    for k, v in list(run.get("env", {}).items()) + list(extra_env) + guest_env:
        argv += ["--env", f"{k}={v}"]
    if root:
        argv += ["--dir", f"{root}::/"]
    if world == "wasi:http/service":
        return argv + [wasm]
    return argv + [wasm] + list(run.get("args", []))


def operations(spec_path):
    """The spec as (operations, reason to skip or None, world, proposals,
    servers), legacy specs converted to run/read/wait as the suite's runner
    does."""
    ops, skip, _, _, _ = spec_of(spec_path)
    return ops, skip


def spec_of(spec_path):
    cmd = "wasi:cli/command"
    if spec_path is None:
        return [{"type": "run"}, {"type": "wait"}], None, cmd, [], []
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    new_keys = {"operations", "proposals", "world", "servers"}
    legacy_keys = {"args", "root", "env", "exit_code", "stderr", "stdout"}
    unknown = set(spec) - new_keys - legacy_keys
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    if set(spec) & new_keys:
        if set(spec) & legacy_keys:
            raise ValueError("mixes the legacy and the operation-based formats")
        ops = spec.get("operations") or [{"type": "run"}, {"type": "wait"}]
        world = spec.get("world", cmd)
        proposals = spec.get("proposals", []) or []
        servers = spec.get("servers", []) or []
        for op in ops:
            if op.get("type") not in SUPPORTED_OPS:
                return ops, f"operation '{op.get('type')}'", world, proposals, servers
        return ops, unsupported(world, proposals, servers), world, proposals, servers
    ops = [{"type": "run", "args": spec.get("args", []), "env": spec.get("env", {}),
            "root": spec.get("root")}]
    if spec.get("stdout") is not None:
        ops.append({"type": "read", "id": "stdout", "payload": spec["stdout"]})
    if spec.get("stderr") is not None:
        ops.append({"type": "read", "id": "stderr", "payload": spec["stderr"]})
    ops.append({"type": "wait", "exit_code": spec.get("exit_code", 0)})
    return ops, None, cmd, [], []


def fresh_root(src, dst):
    """A writable copy of the test's root, without *.cleanup artifacts."""
    def ignore(_d, names):
        return [n for n in names if n.endswith(".cleanup")]
    shutil.copytree(src, dst, symlinks=True, ignore=ignore)
    for d, _dirs, files in os.walk(dst):
        os.chmod(d, os.stat(d).st_mode | 0o700)
        for n in files:
            p = os.path.join(d, n)
            if not os.path.islink(p):
                os.chmod(p, os.stat(p).st_mode | 0o600)


class Proc:
    """A running test: the stdout/stderr bytes read so far, consumed by
    `read` operations in order."""

    def __init__(self, argv, deadline, cwd=None):
        self.argv = argv
        self.deadline = deadline
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, cwd=cwd)
        self.buf = {"stdout": b"", "stderr": b""}
        self.pos = {"stdout": 0, "stderr": 0}
        self.open = {"stdout": self.p.stdout, "stderr": self.p.stderr}

    def _pump(self, timeout):
        fds = [f for f in self.open.values() if f is not None]
        if not fds:
            return False
        ready, _, _ = select.select(fds, [], [], max(0.0, timeout))
        for f in ready:
            chunk = os.read(f.fileno(), 65536)
            key = "stdout" if f is self.p.stdout else "stderr"
            if chunk:
                self.buf[key] += chunk
            else:
                self.open[key] = None
        return True

    def read(self, stream, n):
        """n characters of stream (fewer at its end), after those read before."""
        while True:
            text = self.buf[stream][self.pos[stream]:].decode("utf-8", "replace")
            if len(text) >= n or self.open[stream] is None:
                break
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise Failed(f"timeout reading {stream}")
            self._pump(left)
        got = text[:n]
        self.pos[stream] += len(got.encode("utf-8", "replace"))
        return got

    def readline(self, stream):
        """The next line of stream (without its end), after what was read."""
        while True:
            rest = self.buf[stream][self.pos[stream]:]
            nl = rest.find(b"\n")
            if nl >= 0:
                self.pos[stream] += nl + 1
                return rest[:nl].decode("utf-8", "replace").rstrip("\r")
            if self.open[stream] is None:
                self.pos[stream] += len(rest)
                return rest.decode("utf-8", "replace")
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise Failed(f"timeout reading a line of {stream}")
            self._pump(min(left, 0.5))

    def write(self, stream, payload):
        if stream != "stdin":
            raise Failed(f"cannot write to {stream}")
        self.p.stdin.write(payload.encode("utf-8"))
        self.p.stdin.flush()

    def wait(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        while any(f is not None for f in self.open.values()):
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise Failed("timeout")
            self._pump(left)
        try:
            return self.p.wait(max(0.1, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
            raise Failed("timeout") from None

    def signal(self, sig):
        if self.p.poll() is None:
            self.p.send_signal(sig)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def output(self):
        return {k: v.decode("utf-8", "replace") for k, v in self.buf.items()}


class EndpointServer(http.server.ThreadingHTTPServer):
    """A local HTTP server of a spec's "servers" (the modes of the suite's
    specification: static responses, chunked with trailers, echo-body,
    echo-headers); one connection per request."""
    daemon_threads = True

    def __init__(self, endpoints):
        super().__init__(("127.0.0.1", 0), EndpointHandler)
        self.routes = {(ep.get("method", "GET"), ep.get("path", "/")): ep for ep in endpoints}

    def handle_error(self, request, client_address):
        # a client that gave its request up (e.g. a request body aborted
        # by its trailers' error) is not the server's failure
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class EndpointHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args):
        pass

    def _body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body, trailers = b"", {}
            while True:
                line = self.rfile.readline()
                if not line:
                    return body, trailers
                size = int(line.split(b";")[0], 16)
                if size == 0:
                    break
                body += self.rfile.read(size)
                self.rfile.read(2)
            while True:
                line = self.rfile.readline()
                if not line or line in (b"\r\n", b"\n"):
                    return body, trailers
                k, _, v = line.decode("utf-8").partition(":")
                trailers[k.strip().lower()] = v.strip()
        n = int(self.headers.get("Content-Length") or 0)
        return (self.rfile.read(n) if n else b""), {}

    def _reply(self, status, headers, body, chunks=None, trailers=None):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.close_connection = True
        self.send_header("Connection", "close")
        if chunks is None:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        if trailers:
            self.send_header("Trailer", ", ".join(trailers))
        self.end_headers()
        if self.command == "HEAD":
            return
        for c in chunks:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
        self.wfile.write(b"0\r\n")
        for k, v in (trailers or {}).items():
            self.wfile.write(f"{k}: {v}\r\n".encode("utf-8"))
        self.wfile.write(b"\r\n")

    def _dispatch(self):
        body, trailers = self._body()
        ep = self.server.routes.get((self.command, self.path))
        mode = ep.get("mode", "static") if ep else None
        if ep is None:
            self._reply(404, [], b"")
        elif mode == "echo-body":
            self._reply(200, [], body)
        elif mode == "echo-headers":
            hs = [("x-request-method", self.command), ("x-request-path", self.path)]
            for name in dict.fromkeys(k.lower() for k in self.headers.keys()):
                for v in self.headers.get_all(name, []):
                    hs.append(("x-echo-" + name, v))
            for k, v in trailers.items():
                hs.append(("x-trailer-" + k, v))
            self._reply(200, hs, b"")
        else:
            r = ep.get("response", {})
            hs = list(r.get("headers", {}).items())
            if r.get("chunks") is None:
                self._reply(r.get("status", 200), hs, r.get("body", "").encode("utf-8"))
            else:
                self._reply(r.get("status", 200), hs, b"", [c.encode("utf-8") for c in r["chunks"]],
                            r.get("trailers", {}))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch


def start_servers(servers):
    """The spec's servers, started: (their env pairs, servers to stop)."""
    env, running = [], []
    for sv in servers:
        var = "HTTP_SERVER_" + sv["name"].upper()
        if sv.get("kind", "endpoints") == "closed":
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as so:
                so.bind(("127.0.0.1", 0))
                host, port = so.getsockname()
            env.append((var, f"{host}:{port}"))
            continue
        srv = EndpointServer(sv.get("endpoints", []))
        host, port = srv.server_address[:2]
        env.append((var, f"{host}:{port}"))
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        running.append(srv)
    return env, running


def http_request(proc, op, deadline, state):
    """A `request` operation against the service's address (the first
    stderr line of hive serve), checked against op's response."""
    if "url" not in state:
        line = proc.readline("stderr")
        at = line.find("http://")
        if at < 0:
            raise Failed(f"expected 'http://' in the first stderr line, got {line!r}")
        state["url"] = line[at:].split()[0]
    hostport = state["url"][len("http://"):].split("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    conn = http.client.HTTPConnection(host.strip("[]"), int(port),
                                      timeout=max(0.5, min(5.0, deadline - time.monotonic())))
    path = op.get("path", "/")
    target = path if path.startswith("/") else "/" + path
    body = op.get("body", "")
    try:
        conn.request(op.get("method", "GET"), target, body=body.encode("utf-8") if body else None,
                     headers=op.get("headers", {}))
        r = conn.getresponse()
        got = r.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as e:
        raise Failed(f"request {op.get('method', 'GET')} {path}: {e}") from None
    finally:
        conn.close()
    want = op.get("response", {})
    if r.status != want.get("status", 200):
        raise Failed(f"{op.get('method', 'GET')} {path}: status {r.status}, expected "
                     f"{want.get('status', 200)}")
    for k, v in want.get("headers", {}).items():
        if r.getheader(k) != v:
            raise Failed(f"{op.get('method', 'GET')} {path}: header {k}: {r.getheader(k)!r}, expected {v!r}")
    if got != want.get("body", ""):
        raise Failed(f"{op.get('method', 'GET')} {path}: body {got!r}, expected {want.get('body', '')!r}")


def wrap_component(jco, wrap_dir, tid, wasm):
    """The command component made of the test module wasm (cached in
    wrap_dir); raises Failed when jco cannot make it."""
    out = os.path.join(wrap_dir, tid.replace("/", "_") + ".component.wasm")
    if os.path.isfile(out) and os.path.getmtime(out) >= os.path.getmtime(wasm):
        return out
    os.makedirs(wrap_dir, exist_ok=True)
    tmp = out + ".tmp"
    r = subprocess.run([jco, "new", wasm, "--wasi-command", "-o", tmp],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    if r.returncode != 0 or not os.path.isfile(tmp):
        msg = r.stdout.decode("utf-8", "replace").strip().splitlines()
        raise Failed("jco new failed: " + (msg[-1] if msg else f"exit {r.returncode}"))
    os.replace(tmp, out)
    return out


def run_test(hive, hive_opts, guest_env, wasm, ops, scratch, timeout, exe=None,
             world="wasi:cli/command", proposals=(), servers=(), in_dir=False):
    """Runs one test; returns None when it passes, else (message, proc).
    exe is the binary to run when it is not wasm itself (a wrapped
    component); roots are found beside wasm. in_dir: run in wasm's
    directory as its file name (the guest's argv[0])."""
    deadline = time.monotonic() + timeout
    proc = last = None
    socks = {}
    running = []
    http_state = {}
    try:
        return _run_ops(hive, hive_opts, guest_env, wasm, ops, scratch, deadline, exe, world,
                        proposals, servers, in_dir, socks, running, http_state)
    finally:
        for so in socks.values():
            so.close()
        for srv in running:
            srv.shutdown()
            srv.server_close()


def _run_ops(hive, hive_opts, guest_env, wasm, ops, scratch, deadline, exe, world, proposals,
             servers, in_dir, socks, running, http_state):
    proc = last = None
    try:
        for op in ops:
            kind = op.get("type")
            if kind == "run":
                if proc is not None:
                    raise Failed("two run operations without a wait")
                root = op.get("root")
                dst = None
                if root:
                    src = os.path.join(os.path.dirname(wasm), root)
                    dst = os.path.join(scratch, os.path.basename(os.path.normpath(root)))
                    if os.path.exists(dst):
                        shutil.rmtree(dst)
                    fresh_root(src, dst)
                env, srvs = start_servers(servers)
                running += srvs
                target = exe or wasm
                cwd = None
                if in_dir and not exe:
                    cwd, target = os.path.dirname(os.path.abspath(wasm)), os.path.basename(wasm)
                proc = Proc(hive_argv(hive, hive_opts, target, op, dst, guest_env, world, proposals, env),
                            deadline, cwd)
            elif proc is None:
                raise Failed(f"operation '{kind}' before run")
            elif kind == "read":
                stream = op.get("id", "stdout")
                want = op.get("payload", "")
                got = proc.read(stream, len(want))
                if got != want:
                    raise Failed(f"{stream}: expected {want!r}, got {got!r}")
            elif kind == "write":
                proc.write(op.get("id", "stdin"), op.get("payload", ""))
            elif kind == "wait":
                want = op.get("exit_code", 0)
                code = proc.wait()
                if code != want:
                    raise Failed(f"exit code: expected {want}, got {code}")
                last, proc = proc, None
            elif kind == "connect":
                cid = op.get("id", "server")
                if cid in socks:
                    raise Failed(f"connect: id {cid!r} used twice")
                line = proc.readline("stdout").strip()
                host, _, port = line.rpartition(":")
                if not host or not port.isdigit():
                    raise Failed(f"connect: expected HOST:PORT on stdout, got {line!r}")
                udp = op.get("protocol_type", "tcp") == "udp"
                fam = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
                so = socket.socket(fam, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
                so.settimeout(max(0.5, deadline - time.monotonic()))
                try:
                    so.connect((host.strip("[]"), int(port)))
                except OSError as e:
                    so.close()
                    raise Failed(f"connect to {line}: {e}") from None
                socks[cid] = so
            elif kind in ("send", "recv"):
                cid = op.get("id")
                if cid not in socks:
                    raise Failed(f"{kind}: no connection {cid!r}")
                so = socks[cid]
                payload = op.get("payload", "").encode("utf-8")
                so.settimeout(max(0.5, deadline - time.monotonic()))
                try:
                    if kind == "send":
                        so.sendall(payload)
                    else:
                        got = b""
                        while len(got) < len(payload):
                            chunk = so.recv(len(payload) - len(got))
                            if not chunk:
                                break
                            got += chunk
                        if got != payload:
                            raise Failed(f"recv: expected {payload!r}, got {got!r}")
                except OSError as e:
                    raise Failed(f"{kind}: {e}") from None
            elif kind == "request":
                http_request(proc, op, deadline, http_state)
            elif kind == "kill":
                name = op.get("signal", "SIGTERM")
                if name not in signal.Signals.__members__:
                    raise Failed(f"kill: unknown signal {name!r}")
                proc.signal(signal.Signals[name])
            else:
                raise Failed(f"operation '{kind}' not supported")
        if proc is not None:
            raise Failed("run without a wait")
        return None
    except Failed as e:
        if proc is not None:
            proc.kill()
        return str(e), proc or last
    except OSError as e:
        if proc is not None:
            proc.kill()
        return f"cannot run: {e}", proc


def main(argv):
    versions, langs, scratch, verbose, names, hive_opts, guest_env = [], [], None, False, [], [], []
    wrap = None
    timeout = float(os.environ.get("WASI_TESTSUITE_TIMEOUT", "60"))
    pos = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--suite", "--lang", "--scratch", "--timeout", "--hive-option", "--guest-env"):
            if i + 1 >= len(argv):
                die(f"{a} needs a value")
            v = argv[i + 1]
            i += 2
            if a == "--suite":
                if v not in SUITES:
                    die(f"unknown suite '{v}' (one of {', '.join(SUITES)})")
                versions.append(v)
            elif a == "--lang":
                langs.append(v)
            elif a == "--scratch":
                scratch = v
            elif a == "--hive-option":
                hive_opts.append(v)
            elif a == "--guest-env":
                if "=" not in v[1:]:
                    die(f"--guest-env wants K=V, not '{v}'")
                guest_env.append(tuple(v.split("=", 1)))
            else:
                try:
                    timeout = float(v)
                except ValueError:
                    die(f"bad --timeout '{v}'")
            continue
        if a == "--wrap-component":
            if i + 2 >= len(argv):
                die("--wrap-component needs JCO and DIR")
            wrap = (argv[i + 1], argv[i + 2])
            if not os.access(wrap[0], os.X_OK):
                die(f"jco '{wrap[0]}' is not executable (npm ci --prefix tools)")
            i += 3
            continue
        if a == "-v":
            verbose = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif a.startswith("-"):
            die(f"unknown option '{a}'")
        else:
            pos.append(a)
        i += 1
    if len(pos) < 3:
        die("usage: run.py [--suite VERSION] [--lang LANG] [--scratch DIR] [--timeout SEC] [--hive-option OPT] "
            "[--guest-env K=V] [--wrap-component JCO DIR] [-v] "
            "HIVE SUITE_DIR EXPECTED [NAME...]")
    hive, suite_dir, expected_path = pos[:3]
    names = pos[3:]
    versions = versions or ["wasm32-wasip1"]
    if not (os.path.isfile(hive) and os.access(hive, os.X_OK)):
        die(f"'{hive}' is not an executable file")
    if not os.path.isdir(suite_dir):
        die(f"suite directory '{suite_dir}' not found")
    if not os.path.isfile(expected_path):
        die(f"expected failures '{expected_path}' not found")
    hive = os.path.abspath(hive)
    expected = load_expected(expected_path)
    ids = {t[0] for t in find_tests(suite_dir, versions, [])}
    tests = find_tests(suite_dir, versions, langs)
    names_of = {}
    for t in ids:
        if t.split("/")[1] in versions:
            names_of.setdefault(t.rsplit("/", 1)[1], []).append(t)
    for t in list(expected):
        if "/" not in t:  # NAME: the test of that name in the selected suites
            if t not in names_of:
                die(f"{expected_path}: '{t}' is not a test of the suite")
            for full in names_of[t]:
                expected[full] = expected[t]
            del expected[t]
        elif t.split("/")[1:2] and t.split("/")[1] in versions and t not in ids:
            die(f"{expected_path}: '{t}' is not a test of the suite")
    if names:
        tests = [t for t in tests if any(n in t[0] for n in names)]
    if not tests and not names:
        die("no tests selected")

    own_scratch = scratch is None
    if own_scratch:
        scratch = tempfile.mkdtemp(prefix="hive-wasi-testsuite.")
    os.makedirs(scratch, exist_ok=True)
    counts = {"PASS": 0, "FAIL": 0, "XFAIL": 0, "XPASS": 0, "SKIP": 0}
    try:
        for tid, wasm, spec in tests:
            world, proposals, servers = "wasi:cli/command", [], []
            try:
                ops, skip, world, proposals, servers = spec_of(spec)
            except (ValueError, KeyError, json.JSONDecodeError) as e:
                ops, skip = None, None
                result = (f"bad specification: {e}", None)
            if skip:
                counts["SKIP"] += 1
                print(f"SKIP  {tid} (this runner does not support {skip})")
                continue
            if ops is not None:
                tdir = os.path.join(scratch, tid.replace("/", "_"))
                os.makedirs(tdir, exist_ok=True)
                try:
                    exe = wrap_component(wrap[0], wrap[1], tid, wasm) if wrap else None
                    result = run_test(hive, hive_opts, guest_env, wasm, ops, tdir, timeout, exe,
                                      world, proposals, servers,
                                      in_dir="/wasm32-wasip3/" in tid + "/")
                except Failed as e:
                    result = (str(e), None)
                shutil.rmtree(tdir, ignore_errors=True)
            listed = tid in expected
            if result is None:
                status = "XPASS" if listed else "PASS"
                line = f"{status:5} {tid}"
                if listed:
                    line += " (listed as an expected failure: remove it from the list)"
            else:
                status = "XFAIL" if listed else "FAIL"
                msg, proc = result
                line = f"{status:5} {tid}: {msg}"
                if listed:
                    line += f" (expected: {expected[tid]})"
            counts[status] += 1
            print(line, flush=True)
            if verbose and result is not None and result[1] is not None:
                out = result[1].output()
                print("      command: " + " ".join(result[1].argv))
                for k in ("stdout", "stderr"):
                    for l in out[k].splitlines()[:12]:
                        print(f"      {k}: {l}")
    finally:
        if own_scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    extra = hive_opts + [f"--env {k}={v}" for k, v in guest_env]
    label = "wasi-testsuite" + (f" {'+'.join(langs)}" if langs else "")
    label += f" (hive run {' '.join(extra)})" if extra else ""
    summary = (f"{label}: {counts['PASS']} passed, "
               f"{counts['FAIL'] + counts['XPASS']} failed, {counts['SKIP']} skipped")
    if counts["XFAIL"]:
        summary += f", {counts['XFAIL']} expected failures"
    print(summary)
    return 1 if counts["FAIL"] or counts["XPASS"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
