#!/usr/bin/env python3
"""Hostile image metadata and contents, beyond hostile layer tars
(mkhostile.py).  Writes to OUT:

  layout/            an OCI layout, one image per tag:
    deep-config        a config nested 1,000,000 arrays deep
    deep-manifest      a manifest nested 1,000,000 arrays deep
  deep-index/        an OCI layout whose index.json is nested as deep
With --registry, deep-config is also pushed there as hostile/deep-config
(a registry parses manifests itself: it refuses a deep one).
"""
import argparse, copy, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mkimages import Image, Registry, busybox_rootfs, sha, tar_bytes  # noqa: E402

DEEP = b"[" * 1000000 + b"]" * 1000000


def write_layout(path, manifests, blobs, index=None):
    os.makedirs(f"{path}/blobs/sha256", exist_ok=True)
    for d, b in blobs.items():
        open(f"{path}/blobs/sha256/{d[7:]}", "wb").write(b)
    if index is None:
        index = json.dumps({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(m),
             "size": len(m), "annotations": {"org.opencontainers.image.ref.name": tag}}
            for tag, m in manifests.items()]}).encode()
    open(f"{path}/index.json", "wb").write(index)
    open(f"{path}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')


def add_image(manifests, blobs, tag, img):
    blobs.update(img.blobs)
    blobs[sha(img.manifest)] = img.manifest
    manifests[tag] = img.manifest


def with_config(img, config):
    """A copy of img whose manifest names `config` as its config blob."""
    bad = copy.copy(img)
    bad.blobs = dict(img.blobs)
    bad.blobs[sha(config)] = config
    m = json.loads(img.manifest)
    m["config"] = dict(m["config"], digest=sha(config), size=len(config))
    bad.manifest = json.dumps(m).encode()
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--registry")
    ap.add_argument("out")
    ap.add_argument("outside")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    manifests, blobs = {}, {}
    deep_config = with_config(Image([tar_bytes(busybox_rootfs())], oci=True), DEEP)
    add_image(manifests, blobs, "deep-config", deep_config)
    manifests["deep-manifest"] = DEEP
    write_layout(f"{a.out}/layout", manifests, blobs)
    write_layout(f"{a.out}/deep-index", {}, {}, index=DEEP)
    if a.registry:
        Registry(a.registry).push("hostile/deep-config", "latest", deep_config)


if __name__ == "__main__":
    main()
