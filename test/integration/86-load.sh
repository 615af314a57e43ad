# load (issue 16): docker-archive (one image or several, every RepoTag)
# and oci-archive, from -i FILE and from stdin, as root and rootless; a
# hostile or broken archive is refused in one line and the store stays
# as it was.
. "$TOP/test/lib.sh"
ERR=""
xcl () {
  $X "$CL" "$@" >"$T/out" 2>"$T/err"
  RC=$?
  OUT=$(cat "$T/out")
  ERR=$(cat "$T/err")
}
BBID=$(id_of busybox)
OCIID=$(id_of busybox-oci)
WHID=$(id_of whiteout)

# Two images, three names, in one docker-archive (as `docker save a b`).
L=$T/load
rm -rf "$L"; mkdir -p "$L"
python3 - "$T/images/docker.tar" "$L" <<'PY'
import io, json, os, sys, tarfile
sys.path.insert(0, os.environ["TOP"] + "/test/tools")
from mkimages import Image, tar_bytes, busybox_rootfs
src, out = sys.argv[1], sys.argv[2]
with tarfile.open(src) as t:
    members = {m.name: t.extractfile(m).read() if m.isfile() else None for m in t.getmembers()}
man = json.loads(members["manifest.json"])
raw2 = tar_bytes(busybox_rootfs([("two", "file", b"2\n", 0o644, 0, 0)]))
second = Image([raw2])
members["layer9/layer.tar"] = raw2
members[f"{second.id}.json"] = second.config
man[0]["RepoTags"] = ["example.com/saved/busybox:1.0", "example.com/saved/other:2"]
man.append({"Config": f"{second.id}.json", "RepoTags": ["example.com/saved/two:1"], "Layers": ["layer9/layer.tar"]})
members["manifest.json"] = json.dumps(man).encode()
def write(path, members):
    with tarfile.open(path, "w") as t:
        for name, data in members.items():
            ti = tarfile.TarInfo(name)
            if data is None:
                ti.type = tarfile.DIRTYPE; t.addfile(ti)
            else:
                ti.size = len(data); t.addfile(ti, io.BytesIO(data))
write(f"{out}/multi.tar", members)
# Hostile: a layer path out of the archive, and a layer whose bytes are
# not the config's diff ID.
bad = dict(members)
bad["manifest.json"] = json.dumps([{"Config": man[0]["Config"], "RepoTags": ["example.com/evil:1"], "Layers": ["../../../../etc/passwd"]}]).encode()
write(f"{out}/escape.tar", bad)
bad = dict(members)
third = Image([tar_bytes(busybox_rootfs([("three", "file", b"3\n", 0o644, 0, 0)]))])
bad[f"{third.id}.json"] = third.config
bad["manifest.json"] = json.dumps([{"Config": f"{third.id}.json", "RepoTags": ["example.com/evil:2"], "Layers": ["layer9/layer.tar"]}]).encode()
write(f"{out}/mismatch.tar", bad)
open(f"{out}/garbage.tar", "wb").write(b"this is not a tar\n" * 100)
open(f"{out}/second.id", "w").write(second.id)
PY
TWOID=$(sed 's/^sha256://' "$L/second.id")
chmod -R a+rX "$L"

for who in root crltest; do
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; rm -rf "$T/users/$who/root" "$T/users/$who/run"; fi
  xcl load -i "$T/images/docker.tar"
  ids=$($X "$CL" images -q --no-trunc)
  expect "[$who] load -i docker-archive: podman's 'Loaded image:' line, the same image ID" sh -c "[ $RC = 0 ] && [ '$OUT' = 'Loaded image: example.com/saved/busybox:1.0' ] && printf '%s\n' '$ids' | grep -q '$BBID'"
  xcl run --rm example.com/saved/busybox:1.0 echo loaded
  expect "[$who] a loaded image runs" sh -c "[ $RC = 0 ] && [ '$OUT' = loaded ]"
  OUT=$($X "$CL" load <"$T/images/oci.tar" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  ids=$($X "$CL" images -q --no-trunc)
  expect "[$who] load from stdin, an oci-archive with two tagged images: both" sh -c "[ $RC = 0 ] && [ \$(printf '%s\n' \"\$1\" | grep -c '^Loaded image: ') = 2 ] && printf '%s\n' '$ids' | grep -q '$OCIID' && printf '%s\n' '$ids' | grep -q '$WHID' && [ -z \"\$(ls '$($X sh -c 'echo $CRUNLOCAL_ROOT')/tmp')\" ]" _ "$OUT"
  xcl load -q -i "$L/multi.tar"
  names=$($X "$CL" images --format '{{.Repository}}:{{.Tag}}' | LC_ALL=C sort | tr '\n' ' ')
  ids=$($X "$CL" images -q --no-trunc)
  expect "[$who] load of a docker-archive with two images and three names: every one, quietly" sh -c "[ $RC = 0 ] && [ -z '$OUT' ] && printf '%s' '$names' | grep -q 'example.com/saved/other:2' && printf '%s' '$names' | grep -q 'example.com/saved/two:1' && printf '%s\n' '$ids' | grep -q '$TWOID'"
  before=$($X "$CL" images -q --no-trunc | sort | tr '\n' ' ')
  for bad in escape mismatch garbage; do
    xcl load -i "$L/$bad.tar"
    after=$($X "$CL" images -q --no-trunc | sort | tr '\n' ' ')
    root=$($X sh -c 'echo $CRUNLOCAL_ROOT')
    expect "[$who] load of a bad archive ($bad): 125, one line, no image added, no staging left" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && [ '$before' = '$after' ] && [ -z \"\$(ls '$root/tmp')\" ]" _ "$ERR"
  done
  $X "$CL" store check >/dev/null 2>&1
  expect "[$who] ... and the store checks clean" [ "$?" = 0 ]
done
X=""
xcl load -i "$L/nosuch.tar"
expect "load of a missing file: 125" [ "$RC" = 125 ]
xcl load -i "$L/a:b.tar"
expect "load of a path with ':': 125, one line saying so" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q \"with ':'\"" _ "$ERR"
xcl load extra
expect "load with an argument: a usage error" [ "$RC" = 125 ]
xcl load --help
expect "load --help, image load, and in crunlocal --help" sh -c "printf '%s' \"\$1\" | grep -q '^Usage: crunlocal load' && '$CL' image load --help | grep -q '^Usage: crunlocal load' && '$CL' --help | grep -q '^  load '" _ "$OUT"

# Interop: what podman save writes (docker-archive and oci-archive) loads
# here with the same image ID, and runs.
if command -v podman >/dev/null 2>&1; then
  podman_own "$T/podman"
  # podman's own complaints, if any, go into the log (a failed save shows
  # up as a failed load below).
  $P load -q -i "$T/images/docker.tar" 2>&1 >/dev/null | sed 's/^/# podman load: /'
  $P save -q -o "$L/podman-docker.tar" example.com/saved/busybox:1.0 2>&1 >/dev/null | sed 's/^/# podman save: /'
  $P save -q --format oci-archive -o "$L/podman-oci.tar" example.com/saved/busybox:1.0 2>&1 >/dev/null | sed 's/^/# podman save: /'
  $P rmi -a -f >/dev/null 2>&1
  rm -rf "$PRUN"
  fresh_store
  xcl load -i "$L/podman-docker.tar"
  run=$("$CL" run --rm example.com/saved/busybox:1.0 echo ran 2>&1)
  expect "load of podman save's docker-archive: the same image ID, it runs" sh -c "[ $RC = 0 ] && '$CL' images -q --no-trunc | grep -qx '$BBID' && [ '$run' = ran ]"
  # podman rewrites the config as an OCI one: its digest is the ID.
  cfg=$(python3 - "$L/podman-oci.tar" <<'PY'
import json, sys, tarfile
t = tarfile.open(sys.argv[1])
blob = lambda d: t.extractfile("blobs/sha256/" + d.split(":")[1]).read()
idx = json.loads(t.extractfile("index.json").read())
print(json.loads(blob(idx["manifests"][0]["digest"]))["config"]["digest"].split(":")[1])
PY
)
  fresh_store
  xcl load -i "$L/podman-oci.tar"
  run=$("$CL" run --rm example.com/saved/busybox:1.0 echo ran 2>&1)
  expect "load of podman save's oci-archive: its config's ID, its name, it runs" sh -c "[ $RC = 0 ] && [ -n '$cfg' ] && '$CL' images -q --no-trunc | grep -qx '$cfg' && [ '$OUT' = 'Loaded image: example.com/saved/busybox:1.0' ] && [ '$run' = ran ]"
else
  echo "# podman not installed: its archives not tried"
fi
