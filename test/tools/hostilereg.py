#!/usr/bin/env python3
"""A hostile registry on 127.0.0.1 (a port the OS picks, written to
PORTFILE), one misbehaviour per repository name:
  hostilereg.py PORTFILE BOMB.tar.zst BOMB-DIFF-ID
  huge-manifest    a 5 MiB manifest, honest Content-Length
  endless-manifest a manifest body that never ends (no Content-Length)
  short-manifest   Content-Length 4096, 10 bytes, then the connection closes
  slow-manifest    a byte a second, forever
  silent           headers never come
  unauthorized     401 for everything, however good the token or password
  index-of-index   an index whose entry is another index
  self-index       an index whose entry's digest serves the index again
  many-layers      a manifest with 1001 layers
  big-config       a config descriptor of 9 MiB
  long-config      a config larger than its descriptor says, without end
  long-blob        a layer larger than its descriptor says, without end
  bomb             a zstd layer that decompresses 2000-fold and more
Requests are logged to stderr, one a line."""
import hashlib, json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

portfile, bombfile, bomb_diff = sys.argv[1], sys.argv[2], sys.argv[3]
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar+zstd"


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def config_for(diff_ids):
    return json.dumps({"architecture": "amd64", "os": "linux",
                       "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()


def manifest(config, layers):
    """config: (bytes, size-to-claim); layers: [(digest, size)]."""
    return json.dumps({
        "schemaVersion": 2, "mediaType": MT_MANIFEST,
        "config": {"mediaType": MT_CONFIG, "digest": sha(config[0]), "size": config[1]},
        "layers": [{"mediaType": MT_LAYER, "digest": d, "size": s} for d, s in layers],
    }).encode()


def index(entries):
    return json.dumps({
        "schemaVersion": 2, "mediaType": MT_INDEX,
        "manifests": [{"mediaType": mt, "digest": d, "size": s,
                       "platform": {"architecture": "amd64", "os": "linux"}}
                      for mt, d, s in entries],
    }).encode()


# Documents by (repo, reference): bytes and media type.
docs, blobs = {}, {}
bomb = open(bombfile, "rb").read()
small_layer = b"\0" * 1024
cfg = config_for([sha(small_layer)])


def add_image(repo, config, layers, blob_bytes):
    m = manifest(config, layers)
    docs[(repo, "latest")] = (m, MT_MANIFEST)
    docs[(repo, sha(m))] = (m, MT_MANIFEST)
    blobs[(repo, sha(config[0]))] = config[0]
    for (d, _), b in zip(layers, blob_bytes):
        blobs[(repo, d)] = b
    return m


docs[("huge-manifest", "latest")] = (b" " * (5 << 20) + b"{}", MT_MANIFEST)
add_image("many-layers", (cfg, len(cfg)), [(sha(small_layer), 1024)] * 1001, [small_layer])
add_image("big-config", (cfg, 9 << 20), [(sha(small_layer), 1024)], [small_layer])
add_image("long-config", (cfg, 64), [(sha(small_layer), 1024)], [small_layer])
add_image("long-blob", (cfg, len(cfg)), [(sha(small_layer), 1024)], [small_layer])
bomb_cfg = config_for([bomb_diff])
add_image("bomb", (bomb_cfg, len(bomb_cfg)), [(sha(bomb), len(bomb))], [bomb])
inner = add_image("index-of-index", (cfg, len(cfg)), [(sha(small_layer), 1024)], [small_layer])
inner_index = index([(MT_MANIFEST, sha(inner), len(inner))])
outer_index = index([(MT_INDEX, sha(inner_index), len(inner_index))])
docs[("index-of-index", "latest")] = (outer_index, MT_INDEX)
docs[("index-of-index", sha(inner_index))] = (inner_index, MT_INDEX)
endless = {"long-config": sha(cfg), "long-blob": sha(small_layer)}
loop_digest = "sha256:" + "5e1f" * 16
self_index = index([(MT_INDEX, loop_digest, 300)])
docs[("self-index", "latest")] = (self_index, MT_INDEX)
docs[("self-index", loop_digest)] = (self_index, MT_INDEX)


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body, ctype="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def forever(self, ctype, chunk, pause=0.0):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for _ in range(10 ** 9):
                self.wfile.write(chunk)
                self.wfile.flush()
                if pause:
                    time.sleep(pause)
        except OSError:
            pass

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        sys.stderr.write("%s %s auth=%s\n" % (self.command, self.path,
                                              "yes" if self.headers.get("Authorization") else "no"))
        sys.stderr.flush()
        parts = self.path.split("?")[0].split("/")
        if self.path.startswith("/token"):
            return self.send(200, b'{"token":"t"}')
        if len(parts) < 5:  # /v2/
            return self.send(200, b"{}")
        repo, kind, ref = parts[2], parts[3], parts[4]
        if repo == "unauthorized":
            host = self.headers.get("Host")
            ch = 'Bearer realm="http://%s/token",service="x",scope="repository:%s:pull"' % (host, repo)
            return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"no"}]}',
                             headers=[("WWW-Authenticate", ch)])
        if repo == "silent":
            time.sleep(3600)
            return
        if kind == "manifests":
            if repo == "endless-manifest":
                return self.forever(MT_MANIFEST, b" " * 65536)
            if repo == "slow-manifest":
                return self.forever(MT_MANIFEST, b" ", pause=1.0)
            if repo == "short-manifest":
                self.send_response(200)
                self.send_header("Content-Type", MT_MANIFEST)
                self.send_header("Content-Length", "4096")
                self.end_headers()
                self.wfile.write(b'{"schemaVe')
                self.wfile.flush()
                self.close_connection = True
                return
            d = docs.get((repo, ref))
            if d is None:
                return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}')
            return self.send(200, d[0], d[1])
        if kind == "blobs":
            b = blobs.get((repo, ref))
            if b is None:
                return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"unknown"}]}')
            if endless.get(repo) == ref:
                return self.forever("application/octet-stream", b + b"\0" * 65536)
            return self.send(200, b, "application/octet-stream")
        return self.send(404, b"{}")


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
