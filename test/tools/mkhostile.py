#!/usr/bin/env python3
"""Write OCI layouts whose single layer is hostile, one per tag:
traversal, symlink-escape, hardlink-escape, whiteout-escape, abs-path (the
last one is legal: absolute names land inside the layer).  OUTSIDE is a
path the hostile entries aim at."""
import io, json, os, sys, tarfile, hashlib

out, outside = sys.argv[1], sys.argv[2]


def tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, kind, arg in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.mode = 1700000000, 0o644
            if kind == "file":
                ti.size = len(arg)
                t.addfile(ti, io.BytesIO(arg))
            elif kind == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                t.addfile(ti)
            elif kind == "symlink":
                ti.type, ti.linkname = tarfile.SYMTYPE, arg
                t.addfile(ti)
            elif kind == "hardlink":
                ti.type, ti.linkname = tarfile.LNKTYPE, arg
                t.addfile(ti)
    return buf.getvalue()


depth = "../" * 20
cases = {
    "traversal": [("ok", "file", b"ok"), (depth + outside.lstrip("/") + "/pwned", "file", b"x")],
    "symlink-escape": [("link", "symlink", outside), ("link/pwned", "file", b"x")],
    "symlink-relative-escape": [("link", "symlink", depth + outside.lstrip("/")),
                                ("link/pwned", "file", b"x")],
    "hardlink-escape": [("stolen", "hardlink", depth + outside.lstrip("/") + "/victim")],
    "whiteout-escape": [("d", "dir", None), ("d/.wh..." , "file", b"")],
    "whiteout-traversal": [(depth + outside.lstrip("/") + "/.wh.victim", "file", b"")],
    "abs-path": [("/" + "abs/inside", "file", b"inside")],
}

os.makedirs(out + "/blobs/sha256", exist_ok=True)
index = {"schemaVersion": 2, "manifests": []}


def put(b):
    d = hashlib.sha256(b).hexdigest()
    open(f"{out}/blobs/sha256/{d}", "wb").write(b)
    return "sha256:" + d, len(b)


for tag, entries in cases.items():
    layer = tar(entries)
    ld, ls = put(layer)
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": [ld]}}).encode()
    cd, cs = put(cfg)
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                 "digest": cd, "size": cs},
                      "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                  "digest": ld, "size": ls}]}).encode()
    md, ms = put(man)
    index["manifests"].append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "digest": md, "size": ms,
                               "annotations": {"org.opencontainers.image.ref.name": tag}})
open(out + "/index.json", "w").write(json.dumps(index))
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
