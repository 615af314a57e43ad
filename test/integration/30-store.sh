# The store: exact unpacked trees, verification, concurrency, local
# transports, removal, and the errors users meet.
. "$TOP/test/lib.sh"

layer_dir () { # IMAGE-INDEX LAYER-INDEX → the layer's diff directory
  d=$("$CL" images --format json | jq -r ".[$1].Layers[$2]" | cut -d: -f2)
  echo "$CRUNLOCAL_ROOT/layers/$d/diff"
}

fresh_store
run_cl pull -q "$REG/whiteout"
expect "pull the whiteout image" [ "$RC" = 0 -a "$OUT" = "$(id_of whiteout)" ]
L1=$(layer_dir 0 0); L2=$(layer_dir 0 1); L3=$(layer_dir 0 2)
tree () { (cd "$1" && find . -mindepth 1 -printf '%y %m %U:%G %p\n' | sort); }
expect "layer 2 is exactly: a/x whited out, d opaque with d/3" [ "$(tree "$L2")" = "$(printf '%s\n' 'c 0 0:0 ./a/x' 'd 755 0:0 ./a' 'd 755 0:0 ./d' 'f 644 0:0 ./d/3')" ]
expect "the whiteout is a 0/0 character device" [ "$(stat -c '%t:%T' "$L2/a/x")" = "0:0" ]
expect "the opaque directory carries trusted.overlay.opaque=y" [ "$(getfattr --only-values -n trusted.overlay.opaque "$L2/d" 2>/dev/null)" = y ]
expect "layer 3 is exactly the new file" [ "$(tree "$L3")" = "f 600 0:0 ./new" ]
expect "setuid bit kept" [ "$(stat -c %a "$L1/s")" = 4755 ]
expect "hard links kept" [ "$(stat -c %i "$L1/h1")" = "$(stat -c %i "$L1/h2")" ]
expect "mtimes kept" [ "$(stat -c %Y "$L1/bin/busybox")" = 1700000000 -a "$(stat -c %Y "$L1/a")" = 1700000000 ]
expect "owners kept (root store)" [ "$(stat -c %u:%g "$L1/home/user/owned")" = 1000:1000 ]
expect "symlinks kept" [ "$(readlink "$L1/bin/sh")" = busybox ]
run_cl store check
expect "store check on a good store exits 0" [ "$RC" = 0 ]

# A blob tampered with in the registry's storage.
tdir=$T/tamper-storage
cp -a "$T/storage" "$tdir"
start_registry tamper "$P_TAMPER" "$tdir" "" http
TREG=127.0.0.1:$P_TAMPER
layer=$(curl -s -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$TREG/v2/busybox/manifests/latest" | jq -r '.layers[0].digest')
blob=$tdir/docker/registry/v2/blobs/sha256/$(echo "$layer" | cut -c8-9)/$(echo "$layer" | cut -c8-)/data
cp "$blob" "$T/blob.orig"
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=0xff; open(p,"wb").write(b)' "$blob"
fresh_store
run_cl pull -q "$TREG/busybox"
expect "a tampered layer fails naming its digest" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && printf '%s' \"\$1\" | grep -q \"$layer.*digest mismatch\"" _ "$ERR"
expect "and leaves no layer, image or staging behind" [ "$(layer_count)" = 0 -a -z "$(ls -A "$CRUNLOCAL_ROOT/images")$(ls -A "$CRUNLOCAL_ROOT/tmp")" ]
run_cl store check
expect "store check is clean after the failed pull" [ "$RC" = 0 ]
cp "$T/blob.orig" "$blob"
run_cl pull -q "$TREG/busybox"
expect "after repair the next pull works" [ "$RC" = 0 -a "$OUT" = "$(id_of busybox)" ]

# Eight pulls of the same image at once.
fresh_store
pids=
for i in 1 2 3 4 5 6 7 8; do
  ("$CL" pull -q "$REG/whiteout" >"$T/c$i.out" 2>&1; echo $? >"$T/c$i.rc") &
  pids="$pids $!"
done
wait $pids
allok=yes
for i in 1 2 3 4 5 6 7 8; do
  [ "$(cat "$T/c$i.rc")" = 0 ] && [ "$(cat "$T/c$i.out")" = "$(id_of whiteout)" ] || allok=no
done
expect "8 concurrent pulls all succeed" [ "$allok" = yes ]
expect "with one copy of each layer and blob" [ "$(layer_count)" = 3 -a "$(ls "$CRUNLOCAL_ROOT/blobs/sha256" | wc -l)" = 2 -a -z "$(ls "$CRUNLOCAL_ROOT/tmp")" ]

# Local transports.
fresh_store
run_cl pull -q "oci:$T/images/layout:v1"
expect "oci:DIR:TAG" [ "$RC" = 0 -a "$OUT" = "$(id_of busybox-oci)" ]
run_cl pull -q "oci:$T/images/layout:wh"
expect "oci:DIR:TAG with whiteouts" [ "$RC" = 0 -a "$OUT" = "$(id_of whiteout)" ]
run_cl pull -q "oci:$T/images/layout"
expect "oci:DIR naming no tag among several fails" [ "$RC" = 125 ]
run_cl pull -q "oci-archive:$T/images/oci.tar:v1"
expect "oci-archive:FILE:TAG" [ "$RC" = 0 -a "$OUT" = "$(id_of busybox-oci)" ]
run_cl pull -q "docker-archive:$T/images/docker.tar"
expect "docker-archive:FILE" [ "$RC" = 0 -a "$OUT" = "$(id_of busybox)" ]
run_cl images --format '{{.Repository}}:{{.Tag}}'
expect "docker-archive keeps its RepoTags name" sh -c "printf '%s\n' \"\$1\" | grep -qx 'example.com/saved/busybox:1.0'" _ "$OUT"
expect "no staging left after archives" [ -z "$(ls "$CRUNLOCAL_ROOT/tmp")" ]

# Errors a user meets: one line, exit 125.
fresh_store
run_cl pull "$REG/UPPER"
expect "a bad reference: one line, exit 125" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && printf '%s' \"\$1\" | grep -q 'must be lowercase'" _ "$ERR"
run_cl pull "$REG/does-not-exist"
expect "an unknown image (404): one line, exit 125" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | grep -c crunlocal:) = 1 ] && printf '%s' \"\$1\" | grep -q 'not found'" _ "$ERR"
run_cl pull "127.0.0.1:1/busybox"
expect "an unreachable registry: one line, exit 125" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | grep -c crunlocal:) = 1 ] && printf '%s' \"\$1\" | grep -q 'cannot reach'" _ "$ERR"
run_cl pull "oci:$T/nowhere"
expect "a missing layout: one line, exit 125" [ "$RC" = 125 ]
run_cl pull --no-such-flag x
expect "an unknown flag: exit 125" [ "$RC" = 125 ]
run_cl frobnicate
expect "an unknown command: exit 125" [ "$RC" = 125 ]
run_cl pull --help
expect "pull --help: exit 0, usage on stdout" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q 'Usage: crunlocal pull'" _ "$OUT"

# Ctrl-C in the middle of a pull.
fresh_store
"$CL" pull -q "$REG/big" >/dev/null 2>"$T/int.err" &
pid=$!
sleep 0.7
kill -INT $pid
wait $pid
rc=$?
expect "SIGINT mid-pull exits 130" [ "$rc" = 130 ]
run_cl store check
expect "and leaves the store consistent" [ "$RC" = 0 -a -z "$(ls "$CRUNLOCAL_ROOT/tmp")" ]

# Removing images.
fresh_store
"$CL" pull -q "$REG/busybox" >/dev/null
"$CL" pull -q "$REG/whiteout" >/dev/null
run_cl rmi "$REG/whiteout"
expect "rmi prints Untagged and Deleted" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q '^Deleted: $(id_of whiteout)'" _ "$OUT"
expect "rmi removes the layers only that image used" [ "$(layer_count)" = 1 ]
run_cl rmi "$REG/whiteout"
expect "rmi of an unknown image: exit 1" sh -c "[ $RC = 1 ] && printf '%s' \"\$1\" | grep -q 'image not known'" _ "$ERR"
run_cl rmi "$(id_of busybox | cut -c1-12)"
expect "rmi by short ID" [ "$RC" = 0 -a "$(layer_count)" = 0 ]
run_cl images -q
expect "images -q is empty afterwards" [ "$RC" = 0 -a -z "$OUT" ]
run_cl system prune
expect "system prune on an empty store" [ "$RC" = 0 ]

# A full disk: one clear line, and the store stays usable.
small=$T/small
mkdir -p "$small"
if mount -t tmpfs -o size=4m tmpfs "$small" 2>/dev/null; then
  export CRUNLOCAL_ROOT="$small/root" CRUNLOCAL_RUNROOT="$small/run"
  run_cl pull -q "$REG/big"
  expect "a full disk: one line naming the cause, exit 125" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && printf '%s' \"\$1\" | grep -q 'No space left on device'" _ "$ERR"
  run_cl store check
  expect "after a full disk the store checks clean and is empty" [ "$RC" = 0 -a "$(layer_count)" = 0 -a -z "$(ls -A "$CRUNLOCAL_ROOT/tmp")" ]
  run_cl pull -q "$REG/busybox"
  expect "and the next (smaller) pull works" [ "$RC" = 0 ]
  umount "$small"
else
  not_ok "mount a small tmpfs for the full-disk test (needs root)"
fi

# Damage in the store is found and named.
fresh_store
"$CL" pull -q "$REG/busybox" >/dev/null
cfg=$CRUNLOCAL_ROOT/blobs/sha256/$(id_of busybox)
chmod u+w "$cfg"; echo garbage >>"$cfg"
run_cl store check
expect "store check names a damaged blob and exits 1" sh -c "[ $RC = 1 ] && printf '%s' \"\$1\" | grep -q \"blob sha256:$(id_of busybox): content has digest\"" _ "$OUT"
rm -rf "$CRUNLOCAL_ROOT/layers/$(ls "$CRUNLOCAL_ROOT/layers" | head -n1)"
run_cl store check
expect "store check names a missing layer" sh -c "[ $RC = 1 ] && printf '%s' \"\$1\" | grep -q 'layer sha256:.* missing'" _ "$OUT"
