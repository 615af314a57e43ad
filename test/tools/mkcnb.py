#!/usr/bin/env python3
"""A minimal Cloud Native Buildpacks-style image, as an OCI layout:
busybox, /cnb/lifecycle/launcher (a small script that says it ran and
execs its arguments), /workspace and /layers owned by uid 1000, User
1000:1000, and the io.buildpacks.* labels with a default process "web".
Usage: mkcnb.py OUTDIR  (then: crunlocal pull oci:OUTDIR:cnb)"""
import json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mkimages import tar_bytes, busybox_rootfs, compress, sha, write_oci_layout  # noqa: E402

LAUNCHER = b"""#!/bin/sh
echo "launcher: type=$CNB_PROCESS_TYPE"
exec "$@"
"""
METADATA = {
    "processes": [
        {"type": "worker", "command": ["sh"], "args": ["-c", "echo worker"], "direct": True},
        {"type": "web", "command": ["sh"],
         "args": ["-c", "echo web pwd=$(pwd) api=$CNB_PLATFORM_API uid=$(id -u)"],
         "direct": True, "default": True},
    ],
    "buildpacks": [{"id": "test/busybox", "version": "0.0.1"}],
    "launcher": {"version": "0.0.0"},
}


class CnbImage:
    def __init__(self):
        raw = tar_bytes(busybox_rootfs([
            ("cnb", "dir", None, 0o755, 0, 0),
            ("cnb/lifecycle", "dir", None, 0o755, 0, 0),
            ("cnb/lifecycle/launcher", "file", LAUNCHER, 0o755, 0, 0),
            ("workspace", "dir", None, 0o755, 1000, 1000),
            ("layers", "dir", None, 0o755, 1000, 1000),
        ]))
        c = compress(raw, "gzip")
        self.blobs = {sha(c): c}
        cfg = {"architecture": "amd64", "os": "linux", "created": "2023-11-14T22:13:20Z",
               "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                  "CNB_USER_ID=1000", "CNB_GROUP_ID=1000"],
                          "User": "1000:1000",
                          "Labels": {"io.buildpacks.stack.id": "test.busybox",
                                     "io.buildpacks.build.metadata": json.dumps(METADATA)}},
               "rootfs": {"type": "layers", "diff_ids": [sha(raw)]}}
        cb = json.dumps(cfg, sort_keys=True).encode()
        self.blobs[sha(cb)] = cb
        self.manifest_mt = "application/vnd.oci.image.manifest.v1+json"
        self.manifest = json.dumps({
            "schemaVersion": 2, "mediaType": self.manifest_mt,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": sha(cb), "size": len(cb)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": sha(c), "size": len(c)}]}, sort_keys=True).encode()


if __name__ == "__main__":
    write_oci_layout(sys.argv[1], {"cnb": CnbImage()})
