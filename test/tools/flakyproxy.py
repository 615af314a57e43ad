#!/usr/bin/env python3
"""A misbehaving front for a test registry.
  flakyproxy.py PORT UPSTREAM LOG [--redirect PORT2 USER:PASS]
Without --redirect: each manifest path answers 503, then 429, then the
real thing; each blob is cut off half-way the first time (the client must
resume with Range).  With --redirect: blob GETs get a 307 to another host
(localhost:PORT2), which serves them from upstream with USER:PASS and logs
whether the client sent it an Authorization header (it must not)."""
import base64, sys, threading, urllib.request, urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, upstream, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
redirect = len(sys.argv) > 4 and sys.argv[4] == "--redirect"
rport = int(sys.argv[5]) if redirect else 0
rauth = sys.argv[6] if redirect else ""
seen = {}
lock = threading.Lock()


def note(line):
    with lock:
        open(log, "a").write(line + "\n")


def fetch(path, headers):
    h = {k: v for k, v in headers.items() if k.lower() in ("authorization", "accept", "range")}
    req = urllib.request.Request(upstream + path, headers=h)
    try:
        return urllib.request.urlopen(req)
    except urllib.error.HTTPError as e:
        return e


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def relay(self, r, body=None, cut=False):
        body = r.read() if body is None else body
        self.send_response(r.status)
        for k, v in r.headers.items():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cut:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if self.command != "HEAD":
            self.wfile.write(body)

    def count(self):
        with lock:
            seen[self.path] = seen.get(self.path, 0) + 1
            return seen[self.path]

    def do_HEAD(self):
        self.relay(fetch(self.path, self.headers))

    def do_GET(self):
        note(f"{self.command} {self.path} range={self.headers.get('Range')} "
             f"auth={'yes' if self.headers.get('Authorization') else 'no'}")
        n = self.count()
        if "/manifests/" in self.path and not redirect and n <= 2:
            self.send_response(503 if n == 1 else 429)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if "/blobs/" in self.path and redirect:
            self.send_response(307)
            self.send_header("Location", f"http://localhost:{rport}{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        r = fetch(self.path, self.headers)
        self.relay(r, cut=("/blobs/" in self.path and n == 1 and r.status == 200))


class Elsewhere(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        note(f"ELSEWHERE {self.path} auth={'yes' if self.headers.get('Authorization') else 'no'}")
        h = {"Authorization": "Basic " + base64.b64encode(rauth.encode()).decode()}
        r = fetch(self.path, h)
        body = r.read()
        self.send_response(r.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if redirect:
    threading.Thread(target=ThreadingHTTPServer(("127.0.0.1", rport), Elsewhere).serve_forever,
                     daemon=True).start()
ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()
