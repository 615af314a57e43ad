#!/usr/bin/env python3
"""Build the test images offline and reproducibly, and push them to a
registry on 127.0.0.1 with the distribution API (no other tool needed).

Images (all under REG/):
  busybox:latest        one gzip layer, Docker schema2 media types
  busybox-oci:latest    the same rootfs, OCI media types
  multi:latest          OCI index: linux/amd64 and linux/arm64 (each has /arch)
  whiteout:latest       3 layers: deletes a file, makes a directory opaque
  comp:zstd / comp:plain  zstd-compressed and uncompressed layers
  private/busybox:latest  for auth tests (token server denies anonymous)
  fdcwd:3 ... fdcwd:10  busybox with config WorkingDir /proc/self/fd/N (escape tests)
  devnodes:latest       busybox plus device nodes under /evil (kmsg, mem, fuse, ...)
  devnodes:vol          the same, /evil a volume of its config
  big:latest            ~400 MB, 5 layers, tens of thousands of files (--big)
It also writes an OCI layout dir, an oci-archive and a docker-archive to OUT.
"""
import argparse, gzip, hashlib, io, json, os, random, subprocess, sys, tarfile
import urllib.request, urllib.error

EPOCH = 1700000000
APPLETS = ["sh", "echo", "ls", "cat", "id", "sleep", "true", "false", "ps", "hostname",
           "env", "mkdir", "touch", "rm", "stat", "test", "wc", "head", "tail", "sha256sum",
           "readlink", "grep", "kill", "tty", "stty", "vi", "printf", "seq", "chown", "whoami"]


def tar_bytes(entries):
    """entries: list of (name, kind, data_or_target, mode, uid, gid)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, kind, data, mode, uid, gid in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.mode, ti.uid, ti.gid = EPOCH, mode, uid, gid
            ti.uname = ti.gname = ""
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
            elif kind == "file":
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
            elif kind == "symlink":
                ti.type, ti.linkname = tarfile.SYMTYPE, data
                t.addfile(ti)
            elif kind == "hardlink":
                ti.type, ti.linkname = tarfile.LNKTYPE, data
                t.addfile(ti)
            elif kind in ("chr", "blk"):
                ti.type = tarfile.CHRTYPE if kind == "chr" else tarfile.BLKTYPE
                ti.devmajor, ti.devminor = data
                t.addfile(ti)
    return buf.getvalue()


def busybox_rootfs(extra=()):
    bb = open("/bin/busybox", "rb").read()
    e = [(d, "dir", None, 0o755, 0, 0) for d in
         ["bin", "etc", "tmp", "proc", "sys", "dev", "root", "home", "home/user", "var"]]
    e[2] = ("tmp", "dir", None, 0o1777, 0, 0)
    e[-2] = ("home/user", "dir", None, 0o755, 1000, 1000)
    e.append(("bin/busybox", "file", bb, 0o755, 0, 0))
    e += [("bin/" + a, "symlink", "busybox", 0o777, 0, 0) for a in APPLETS]
    e.append(("etc/passwd", "file",
              b"root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n"
              b"nobody:x:65534:65534:nobody:/:/bin/false\n", 0o644, 0, 0))
    e.append(("etc/group", "file", b"root:x:0:\nuser:x:1000:\nwheel:x:10:user\n"
              b"nogroup:x:65534:\n", 0o644, 0, 0))
    e.append(("home/user/owned", "file", b"uid 1000\n", 0o644, 1000, 1000))
    e += list(extra)
    return e


def compress(raw, how):
    if how == "gzip":
        return gzip.compress(raw, compresslevel=6, mtime=0)
    if how == "gzip1":
        return gzip.compress(raw, compresslevel=1, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c", "-3"], input=raw, check=True,
                              stdout=subprocess.PIPE).stdout
    return raw


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


class Image:
    def __init__(self, layers_raw, how="gzip", oci=False, arch="amd64", cmd=None, workdir=None,
                 volumes=None):
        self.blobs = {}
        self.oci = oci
        lt = {"gzip": ".tar+gzip", "gzip1": ".tar+gzip", "zstd": ".tar+zstd", "plain": ".tar"}[how]
        layer_mt = ("application/vnd.oci.image.layer.v1" + lt) if oci else (
            "application/vnd.docker.image.rootfs.diff.tar.gzip" if how.startswith("gzip")
            else "application/vnd.oci.image.layer.v1" + lt)
        diff_ids, layers = [], []
        for raw in layers_raw:
            c = compress(raw, how)
            diff_ids.append(sha(raw))
            self.blobs[sha(c)] = c
            layers.append({"mediaType": layer_mt, "digest": sha(c), "size": len(c)})
        cfg = {"architecture": arch, "os": "linux", "created": "2023-11-14T22:13:20Z",
               "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                          "Cmd": cmd or ["sh"]},
               "rootfs": {"type": "layers", "diff_ids": diff_ids}}
        if workdir:
            cfg["config"]["WorkingDir"] = workdir
        if volumes:
            cfg["config"]["Volumes"] = {v: {} for v in volumes}
        cb = json.dumps(cfg, sort_keys=True).encode()
        self.config = cb
        self.blobs[sha(cb)] = cb
        self.manifest_mt = ("application/vnd.oci.image.manifest.v1+json" if oci
                            else "application/vnd.docker.distribution.manifest.v2+json")
        m = {"schemaVersion": 2, "mediaType": self.manifest_mt,
             "config": {"mediaType": "application/vnd.oci.image.config.v1+json" if oci
                        else "application/vnd.docker.container.image.v1+json",
                        "digest": sha(cb), "size": len(cb)},
             "layers": layers}
        self.manifest = json.dumps(m, sort_keys=True).encode()
        self.id = hashlib.sha256(cb).hexdigest()


class Registry:
    def __init__(self, base):
        self.base = base

    def req(self, method, path, data=None, headers=None, url=None):
        r = urllib.request.Request(url or self.base + path, data=data, method=method,
                                   headers=headers or {})
        try:
            return urllib.request.urlopen(r)
        except urllib.error.HTTPError as e:
            return e

    def push_blob(self, repo, digest, data):
        if self.req("HEAD", f"/v2/{repo}/blobs/{digest}").status == 200:
            return
        r = self.req("POST", f"/v2/{repo}/blobs/uploads/")
        loc = r.headers["Location"]
        if loc.startswith("/"):
            loc = self.base + loc
        sep = "&" if "?" in loc else "?"
        r = self.req("PUT", None, data=data, url=f"{loc}{sep}digest={digest}",
                     headers={"Content-Type": "application/octet-stream"})
        if r.status != 201:
            sys.exit(f"push blob {digest}: HTTP {r.status}")

    def push_manifest(self, repo, tag, body, mt):
        r = self.req("PUT", f"/v2/{repo}/manifests/{tag}", data=body, headers={"Content-Type": mt})
        if r.status != 201:
            sys.exit(f"push manifest {repo}:{tag}: HTTP {r.status} {r.read()[:200]}")

    def push(self, repo, tag, img):
        for d, b in img.blobs.items():
            self.push_blob(repo, d, b)
        self.push_manifest(repo, tag, img.manifest, img.manifest_mt)


class NoRegistry:
    def push(self, *a):
        pass

    def push_manifest(self, *a):
        pass


def whiteout_layers():
    l1 = tar_bytes(busybox_rootfs([
        ("a", "dir", None, 0o755, 0, 0), ("a/x", "file", b"x\n", 0o644, 0, 0),
        ("a/y", "file", b"y\n", 0o644, 0, 0), ("d", "dir", None, 0o755, 0, 0),
        ("d/1", "file", b"1\n", 0o644, 0, 0), ("d/2", "file", b"2\n", 0o644, 0, 0),
        ("s", "file", b"setuid\n", 0o4755, 0, 0),
        ("h1", "file", b"linked\n", 0o644, 0, 0), ("h2", "hardlink", "h1", 0o644, 0, 0)]))
    l2 = tar_bytes([("a", "dir", None, 0o755, 0, 0), ("a/.wh.x", "file", b"", 0o644, 0, 0),
                    ("d", "dir", None, 0o755, 0, 0), ("d/.wh..wh..opq", "file", b"", 0o644, 0, 0),
                    ("d/3", "file", b"3\n", 0o644, 0, 0)])
    l3 = tar_bytes([("new", "file", b"new\n", 0o600, 0, 0)])
    return [l1, l2, l3]


def big_layers(seed=42):
    """~400 MB over 5 layers, ~35k files: mixed compressible and random data."""
    rnd = random.Random(seed)
    layers = []
    for li in range(5):
        entries = [(f"big{li}", "dir", None, 0o755, 0, 0)]
        for d in range(70):
            entries.append((f"big{li}/d{d}", "dir", None, 0o755, 0, 0))
            for f in range(100):
                n = rnd.choice((200, 800, 1500, 4000))
                data = (rnd.randbytes(n // 2) + bytes(n - n // 2))
                entries.append((f"big{li}/d{d}/f{f}", "file", data, 0o644, 0, 0))
        blob = rnd.randbytes(8 << 20)
        for k in range(8):
            entries.append((f"big{li}/blob{k}", "file", blob[k:] + blob[:k], 0o644, 0, 0))
        layers.append(tar_bytes(entries))
    return layers


def write_oci_layout(path, images_by_tag):
    os.makedirs(f"{path}/blobs/sha256", exist_ok=True)
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": []}
    for tag, img in images_by_tag.items():
        for d, b in list(img.blobs.items()) + [(sha(img.manifest), img.manifest)]:
            open(f"{path}/blobs/sha256/{d[7:]}", "wb").write(b)
        index["manifests"].append({"mediaType": img.manifest_mt, "digest": sha(img.manifest),
                                   "size": len(img.manifest),
                                   "annotations": {"org.opencontainers.image.ref.name": tag}})
    open(f"{path}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
    open(f"{path}/index.json", "w").write(json.dumps(index))


def write_docker_archive(path, raw_layers, img, tag):
    entries = []
    names = []
    for i, raw in enumerate(raw_layers):
        names.append(f"layer{i}/layer.tar")
        entries.append((f"layer{i}", "dir", None, 0o755, 0, 0))
        entries.append((names[-1], "file", raw, 0o644, 0, 0))
    entries.append((f"{img.id}.json", "file", img.config, 0o644, 0, 0))
    man = [{"Config": f"{img.id}.json", "RepoTags": [tag], "Layers": names}]
    entries.append(("manifest.json", "file", json.dumps(man).encode(), 0o644, 0, 0))
    open(path, "wb").write(tar_bytes(entries))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--registry", help="http://127.0.0.1:PORT; without it only local files")
    ap.add_argument("--out", required=True)
    ap.add_argument("--big", action="store_true")
    a = ap.parse_args()
    reg = Registry(a.registry) if a.registry else NoRegistry()
    os.makedirs(a.out, exist_ok=True)
    ids = {}
    base = tar_bytes(busybox_rootfs())
    bb = Image([base])
    reg.push("busybox", "latest", bb)
    reg.push("private/busybox", "latest", bb)
    ids["busybox"] = bb.id
    bbo = Image([base], oci=True)
    reg.push("busybox-oci", "latest", bbo)
    ids["busybox-oci"] = bbo.id
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": []}
    for arch in ("amd64", "arm64"):
        img = Image([tar_bytes(busybox_rootfs([("arch", "file", arch.encode() + b"\n",
                                                0o644, 0, 0)]))], oci=True, arch=arch)
        reg.push("multi", "img-" + arch, img)
        ids["multi-" + arch] = img.id
        plat = {"architecture": arch, "os": "linux"}
        if arch == "arm64":
            plat["variant"] = "v8"
        index["manifests"].append({"mediaType": img.manifest_mt, "digest": sha(img.manifest),
                                   "size": len(img.manifest), "platform": plat})
    reg.push_manifest("multi", "latest", json.dumps(index).encode(),
                      "application/vnd.oci.image.index.v1+json")
    wl = whiteout_layers()
    wimg = Image(wl, oci=True)
    reg.push("whiteout", "latest", wimg)
    ids["whiteout"] = wimg.id
    for how in ("zstd", "plain"):
        img = Image([tar_bytes(busybox_rootfs([("comp", "file", how.encode(), 0o644, 0, 0)]))],
                    how=how, oci=True)
        reg.push("comp", how, img)
        ids["comp-" + how] = img.id
    for n in range(3, 11):
        img = Image([base], workdir=f"/proc/self/fd/{n}")
        reg.push("fdcwd", str(n), img)
        ids[f"fdcwd-{n}"] = img.id
    dev_layer = tar_bytes(busybox_rootfs([
        ("evil", "dir", None, 0o755, 0, 0), ("evil/data", "file", b"kept", 0o644, 0, 0),
        ("evil/kmsg", "chr", (1, 11), 0o666, 0, 0), ("evil/mem", "chr", (1, 1), 0o666, 0, 0),
        ("evil/port", "chr", (1, 4), 0o666, 0, 0), ("evil/fuse", "chr", (10, 229), 0o666, 0, 0),
        ("evil/loop-control", "chr", (10, 237), 0o666, 0, 0),
        ("evil/tty0", "chr", (4, 0), 0o666, 0, 0),
        ("evil/vda", "blk", (254, 0), 0o666, 0, 0),
        ("evil/zram0", "blk", (253, 0), 0o666, 0, 0), ("evil/sda", "blk", (8, 0), 0o666, 0, 0)]))
    dev = Image([dev_layer])
    reg.push("devnodes", "latest", dev)
    ids["devnodes"] = dev.id
    devvol = Image([dev_layer], volumes=["/evil"])
    reg.push("devnodes", "vol", devvol)
    ids["devnodes-vol"] = devvol.id
    write_oci_layout(f"{a.out}/layout", {"v1": bbo, "wh": wimg})
    subprocess.run(["tar", "-C", f"{a.out}/layout", "-cf", f"{a.out}/oci.tar", "."], check=True)
    write_docker_archive(f"{a.out}/docker.tar", [base], bb, "example.com/saved/busybox:1.0")
    ids["docker-archive"] = bb.id
    if a.big:
        big = Image(big_layers(), how="gzip1", oci=True)
        reg.push("big", "latest", big)
        ids["big"] = big.id
        json.dump({"layers": {d: len(b) for d, b in big.blobs.items()}},
                  open(f"{a.out}/big.json", "w"))
    json.dump(ids, open(f"{a.out}/ids.json", "w"), indent=1)


if __name__ == "__main__":
    main()
