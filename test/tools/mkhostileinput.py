#!/usr/bin/env python3
"""Hostile image metadata and contents, beyond hostile layer tars
(mkhostile.py).  Writes to OUT:

  layout/            an OCI layout, one image per tag:
    deep-config        a config nested 1,000,000 arrays deep
    deep-manifest      a manifest nested 1,000,000 arrays deep
    etc-abs            busybox whose /etc is a symlink to /etc
    etc-rel            busybox whose /etc is a symlink to ../../(x20)etc
    etc-inside         busybox whose /etc is a symlink to /usr/etc, inside it
    sparse-NAME        one layer: the tar file given as --sparse NAME=PATH
  deep-index/        an OCI layout whose index.json is nested as deep
  docker archives (what `docker save` writes) whose manifest.json names:
    abs-layer.tar      a host file by absolute path (OUTSIDE/secret.tar)
    dotdot-layer.tar   the same file through ../../..
    symlink-layer.tar  a symlink in the archive to it
    symdir-layer.tar   a file under a symlinked directory that leads to it
    devzero-config.tar /dev/zero as its config
    fifo-config.tar    a FIFO in the archive as its config

OUTSIDE/secret.tar is written too: a valid layer holding "secret", whose
diff ID the archives' configs list, so that an unconfined reader pulls it.
With --registry, deep-config is also pushed there as hostile/deep-config
(a registry parses manifests itself: it refuses a deep one).
"""
import argparse, copy, io, json, os, sys, tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mkimages import EPOCH, Image, Registry, busybox_rootfs, sha, tar_bytes  # noqa: E402

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


def etc_symlink_rootfs(target):
    keep = [e for e in busybox_rootfs() if e[0] != "etc" and not e[0].startswith("etc/")]
    return keep + [("etc", "symlink", target, 0o777, 0, 0)]


def etc_inside_rootfs():
    """/etc -> /usr/etc, which the image has: a symlink that stays inside."""
    moved = [("usr/" + e[0],) + e[1:] if e[0] == "etc" or e[0].startswith("etc/") else e
             for e in busybox_rootfs()]
    return [("usr", "dir", None, 0o755, 0, 0)] + moved + [("etc", "symlink", "/usr/etc", 0o777, 0, 0)]


def docker_archive(path, config_name, layer_names, extra):
    man = [{"Config": config_name, "RepoTags": ["hostile/archive:1"], "Layers": layer_names}]
    entries = extra + [("manifest.json", "file", json.dumps(man).encode(), 0o644, 0, 0)]
    open(path, "wb").write(tar_bytes(entries))


def fifo_archive(path, config_name):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as t:
        ti = tarfile.TarInfo(config_name)
        ti.type, ti.mtime, ti.mode = tarfile.FIFOTYPE, EPOCH, 0o644
        t.addfile(ti)
        man = json.dumps([{"Config": config_name, "Layers": []}]).encode()
        ti = tarfile.TarInfo("manifest.json")
        ti.size, ti.mtime, ti.mode = len(man), EPOCH, 0o644
        t.addfile(ti, io.BytesIO(man))
    open(path, "wb").write(out.getvalue())


def archives(out, outside):
    secret = tar_bytes([("secret", "file", b"secret\n", 0o644, 0, 0)])
    open(f"{outside}/secret.tar", "wb").write(secret)
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": [sha(secret)]}}).encode()
    conf = [("config.json", "file", cfg, 0o644, 0, 0)]
    up = "../" * 20 + outside.lstrip("/") + "/secret.tar"
    docker_archive(f"{out}/abs-layer.tar", "config.json", [f"{outside}/secret.tar"], conf)
    docker_archive(f"{out}/dotdot-layer.tar", "config.json", [up], conf)
    docker_archive(f"{out}/symlink-layer.tar", "config.json", ["l.tar"],
                   conf + [("l.tar", "symlink", f"{outside}/secret.tar", 0o777, 0, 0)])
    docker_archive(f"{out}/symdir-layer.tar", "config.json", ["d/secret.tar"],
                   conf + [("d", "symlink", outside, 0o777, 0, 0)])
    docker_archive(f"{out}/devzero-config.tar", "/dev/zero", [], [])
    fifo_archive(f"{out}/fifo-config.tar", "fifo")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--registry")
    ap.add_argument("--sparse", action="append", default=[], help="NAME=TAR")
    ap.add_argument("out")
    ap.add_argument("outside")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    manifests, blobs = {}, {}
    add_image(manifests, blobs, "etc-abs", Image([tar_bytes(etc_symlink_rootfs("/etc"))], oci=True))
    add_image(manifests, blobs, "etc-rel",
              Image([tar_bytes(etc_symlink_rootfs("../" * 20 + "etc"))], oci=True))
    add_image(manifests, blobs, "etc-inside", Image([tar_bytes(etc_inside_rootfs())], oci=True))
    deep_config = with_config(Image([tar_bytes(busybox_rootfs())], oci=True), DEEP)
    add_image(manifests, blobs, "deep-config", deep_config)
    manifests["deep-manifest"] = DEEP
    for spec in a.sparse:
        name, path = spec.split("=", 1)
        add_image(manifests, blobs, "sparse-" + name,
                  Image([open(path, "rb").read()], how="plain", oci=True))
    write_layout(f"{a.out}/layout", manifests, blobs)
    write_layout(f"{a.out}/deep-index", {}, {}, index=DEEP)
    archives(a.out, a.outside)
    if a.registry:
        Registry(a.registry).push("hostile/deep-config", "latest", deep_config)


if __name__ == "__main__":
    main()
