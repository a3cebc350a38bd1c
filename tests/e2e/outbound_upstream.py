#!/usr/bin/env python3
"""An HTTP/1.1 upstream for tests/e2e/outbound.sh, on 127.0.0.1 only.

usage: outbound_upstream.py PORTFILE   (binds port 0, writes the port there)
       outbound_upstream.py --stuck PORTFILE
                               a listener that never accepts, its backlog
                               filled: connections to it time out

GET  /hello            "hello upstream\n"
GET  /headers          the request's header names and values, one per line
GET  /big?n=N[&chunked=1]  N bytes (i*7 % 251), by content-length or chunked
GET  /slow-head?ms=M   waits M ms before the head
GET  /stall?ms=M       the head and 5 bytes, then M ms, then 5 more
GET  /reset            declares 100 bytes, sends 10, closes
GET  /trailers         a chunked body "abc" with a trailer x-checksum: 42
POST|PUT /echo         the body back; x-got-length / x-got-te / x-got-trailers tell
                       how it came
"""
import sys
import time
import socketserver
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlparse, parse_qs


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def q(self):
        u = urlparse(self.path)
        return u.path, {k: v[0] for k, v in parse_qs(u.query).items()}

    def send(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path, q = self.q()
        if path == "/hello":
            self.send(200, b"hello upstream\n", [("x-upstream", "yes")])
        elif path == "/headers":
            body = "".join("%s: %s\n" % (k.lower(), v) for k, v in self.headers.items())
            self.send(200, body.encode())
        elif path == "/big":
            n = int(q.get("n", "0"))
            data = bytes((i * 7) % 251 for i in range(n))
            if q.get("chunked"):
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i in range(0, n, 10000):
                    c = data[i:i + 10000]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send(200, data)
        elif path == "/slow-head":
            time.sleep(int(q.get("ms", "1000")) / 1000)
            self.send(200, b"late\n")
        elif path == "/stall":
            self.send_response(200)
            self.send_header("Content-Length", "10")
            self.end_headers()
            self.wfile.write(b"first")
            self.wfile.flush()
            time.sleep(int(q.get("ms", "1000")) / 1000)
            self.wfile.write(b"after")
        elif path == "/drip":
            # a small chunk every 2 ms for ms milliseconds (many client wake-ups)
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            end = time.time() + int(q.get("ms", "1000")) / 1000
            try:
                while time.time() < end:
                    self.wfile.write(b"4\r\ndrip\r\n")
                    self.wfile.flush()
                    time.sleep(0.002)
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
        elif path == "/reset":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.close_connection = True
        elif path == "/trailers":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "x-checksum")
            self.end_headers()
            self.wfile.write(b"3\r\nabc\r\n0\r\nx-checksum: 42\r\n\r\n")
        else:
            self.send(404, b"not found\n")

    def do_POST(self):
        path, q = self.q()
        te = self.headers.get("Transfer-Encoding", "")
        trailers = []
        if te.lower() == "chunked":
            body = b""
            while True:
                line = self.rfile.readline().strip()
                n = int(line.split(b";")[0], 16)
                if n == 0:
                    while True:
                        t = self.rfile.readline().strip()
                        if not t:
                            break
                        trailers.append(t.decode())
                    break
                body += self.rfile.read(n)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send(200, body, [("x-got-length", self.headers.get("Content-Length", "none")),
                              ("x-got-te", te or "none"), ("x-got-method", self.command),
                              ("x-got-trailers", ";".join(trailers) or "none")])

    do_PUT = do_POST


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that go away (timeouts under test) are expected


def stuck(portfile):
    import socket
    import os
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(0)
    port = lst.getsockname()[1]
    fill = []
    for _ in range(4):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fill.append(c)
    time.sleep(0.3)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(portfile + ".tmp", portfile)
    while True:
        time.sleep(60)


def main():
    if sys.argv[1] == "--stuck":
        stuck(sys.argv[2])
        return
    srv = Server(("127.0.0.1", 0), Handler)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
