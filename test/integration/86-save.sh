# save (issue 16): save → rmi → load gives the same image IDs, as
# docker-archive (several images in one, gzip, zstd and plain layers) and
# oci-archive (the pulled manifest kept), as root and rootless with and
# without subordinate ids; the archives load in podman and skopeo reads
# them; skopeo's docker-archive loads here and runs; the errors leave no
# file behind.
. "$TOP/test/lib.sh"
ERR=""
xcl () {
  $X "$CL" "$@" >"$T/out" 2>"$T/err"
  RC=$?
  OUT=$(cat "$T/out")
  ERR=$(cat "$T/err")
}
BB=$REG/busybox
WH=$REG/whiteout
ZS=$REG/comp:zstd
PL=$REG/comp:plain
BBID=$(id_of busybox)
WHID=$(id_of whiteout)
ZSID=$(id_of comp-zstd)
PLID=$(id_of comp-plain)
S=$T/save
rm -rf "$S"; mkdir -p "$S"; chmod 777 "$S"

for who in root crltest crlnosub; do
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; rm -rf "$T/users/$who/root" "$T/users/$who/run"; fi
  D=$S/$who; rm -rf "$D"; mkdir -p "$D"; [ "$who" = root ] || chown "$who" "$D"
  for i in "$BB" "$WH" "$ZS" "$PL"; do $X "$CL" pull -q "$i" >/dev/null; done
  wh_digest=$($X "$CL" image inspect -f '{{.Digest}}' "$WH")

  # oci-archive, saved now while the store holds the blobs as pulled.
  xcl save -q --format oci-archive -o "$D/wh-oci.tar" "$WH"
  quiet_rc=$RC quiet_err=$ERR
  xcl save -q --format oci-archive -o "$D/zs-oci.tar" "$ZS"
  zs_rc=$RC

  xcl save -o "$D/all.tar" "$BB" "$WH" "$ZS" "$PL"
  $X "$CL" save "$BB" "$WH" "$ZS" "$PL" >"$D/stdout.tar" 2>/dev/null
  expect "[$who] save of four images to -o (progress on stderr) and to stdout: the same bytes" sh -c "[ $RC = 0 ] && [ -z '$OUT' ] && printf '%s' \"\$1\" | grep -q '^Copying blob' && cmp -s '$D/all.tar' '$D/stdout.tar'" _ "$ERR"
  members=$(tar tf "$D/all.tar" | LC_ALL=C sort | tr '\n' ' ')
  expect "[$who] docker-archive: manifest.json, a config and an uncompressed tar per layer, nothing else" sh -c "[ \$(tar tf '$D/all.tar' | grep -c '\.json\$') = 5 ] && tar tf '$D/all.tar' | grep -q '^$BBID.json\$' && [ \$(tar tf '$D/all.tar' | grep -vc '\.json\$') = \$(tar tf '$D/all.tar' | grep -c '^[0-9a-f]\{64\}\.tar\$') ] && tar xOf '$D/all.tar' manifest.json | jq -e 'length == 4' >/dev/null" _ "$members"
  for f in $(tar tf "$D/all.tar" | grep '\.tar$'); do
    [ "$(tar xOf "$D/all.tar" "$f" | sha256sum | cut -c1-64).tar" = "$f" ] || echo "$f" >>"$D/badtar"
  done
  expect "[$who] every layer tar's digest is its name, the config's diff ID" [ ! -e "$D/badtar" ]

  $X "$CL" rmi "$BB" "$WH" "$ZS" "$PL" >/dev/null 2>&1
  left=$($X "$CL" images -q | wc -l)
  xcl load -i "$D/all.tar"
  ids=$($X "$CL" images -q --no-trunc | sort | tr '\n' ' ')
  want=$(printf '%s\n' "$BBID" "$WHID" "$ZSID" "$PLID" | sort | tr '\n' ' ')
  expect "[$who] save, rmi, load (docker-archive): the same four image IDs under their names" sh -c "[ $left = 0 ] && [ $RC = 0 ] && [ '$ids' = '$want' ] && printf '%s\n' \"\$1\" | grep -qx 'Loaded image: $WH:latest' && printf '%s\n' \"\$1\" | grep -qx 'Loaded image: $ZS'" _ "$OUT"
  xcl run --rm "$WH" cat /new
  run_rc=$RC
  xcl run --rm "$BB" echo ran
  expect "[$who] the loaded images run" sh -c "[ $run_rc = 0 ] && [ $RC = 0 ] && [ '$OUT' = ran ]"

  $X "$CL" rmi "$WH" "$ZS" >/dev/null 2>&1
  xcl load -i "$D/wh-oci.tar"
  digest=$($X "$CL" image inspect -f '{{.Digest}}' "$WH" 2>/dev/null)
  ids=$($X "$CL" images -q --no-trunc)
  expect "[$who] save --format oci-archive, rmi, load: the same ID, name and manifest digest (quietly)" sh -c "[ $quiet_rc = 0 ] && [ -z '$quiet_err' ] && [ $RC = 0 ] && printf '%s\n' '$ids' | grep -qx '$WHID' && [ '$OUT' = 'Loaded image: $WH:latest' ] && [ '$digest' = '$wh_digest' ]"
  xcl load -i "$D/zs-oci.tar"
  ids=$($X "$CL" images -q --no-trunc)
  zst=$(tar tf "$D/zs-oci.tar" | grep '^blobs/sha256/.' | while read -r b; do tar xOf "$D/zs-oci.tar" "$b" | head -c 4 | od -An -tx1 | tr -d ' \n'; echo; done | grep -c '^28b52ffd')
  expect "[$who] an image of zstd layers: oci-archive keeps them zstd, loads with the same ID" sh -c "[ $zs_rc = 0 ] && [ $RC = 0 ] && [ $zst -ge 1 ] && printf '%s\n' '$ids' | grep -qx '$ZSID'"
  $X "$CL" store check >/dev/null 2>&1
  expect "[$who] ... and the store checks clean" [ "$?" = 0 ]
done
X=""

# Several names of one image: one manifest.json entry with both.
fresh_store
"$CL" pull -q "$BB" >/dev/null
xcl save -o "$S/bb-oci.tar" --format oci-archive "$BB"
bb_oci_rc=$RC
"$CL" tag "$BB" example.com/other/name:2 >/dev/null
xcl save -o "$S/two-names.tar" "$BB" example.com/other/name:2
tags=$(tar xOf "$S/two-names.tar" manifest.json | jq -c '[length, .[0].RepoTags]')
expect "one image under two names: one entry, both RepoTags" [ "$RC" = 0 -a "$tags" = "[1,[\"$BB:latest\",\"example.com/other/name:2\"]]" ]
"$CL" rmi -f "$BBID" >/dev/null 2>&1
xcl load -i "$S/two-names.tar"
expect "... and load gives it both names again" sh -c "[ $RC = 0 ] && '$CL' images --format '{{.Repository}}:{{.Tag}}' | grep -qx example.com/other/name:2 && '$CL' images --format '{{.Repository}}:{{.Tag}}' | grep -qx '$BB:latest'"

# A docker manifest (busybox's) cannot go into an OCI layout as it is:
# an OCI manifest over the same blobs, the same ID.
"$CL" rmi -f "$BBID" >/dev/null 2>&1
xcl load -i "$S/bb-oci.tar"
mt=$(tar xOf "$S/bb-oci.tar" index.json | jq -r '.manifests[0].digest' | cut -c8- | xargs -I{} tar xOf "$S/bb-oci.tar" "blobs/sha256/{}" | jq -r '.mediaType + " " + .layers[0].mediaType')
expect "an image pulled with a docker manifest: oci-archive with an OCI manifest, the same ID" sh -c "[ $bb_oci_rc = 0 ] && [ $RC = 0 ] && '$CL' images -q --no-trunc | grep -qx '$BBID' && [ '$mt' = 'application/vnd.oci.image.manifest.v1+json application/vnd.oci.image.layer.v1.tar+gzip' ]"

# Errors: one line, 125, no file (nor temp file) left.
xcl save -o "$S/e1.tar" nosuch:1
expect "save of an unknown image: 125, one line, nothing written" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | grep -c .) = 1 ] && printf '%s' \"\$1\" | grep -q 'nosuch:1: image not known' && [ ! -e '$S/e1.tar' ] && [ -z \"\$(ls -A '$S' | grep '^\.e1')\" ]" _ "$ERR"
xcl save -o "$S/e2.tar" "$BB" nosuch:1
expect "save of a known and an unknown image: 125, nothing written" sh -c "[ $RC = 125 ] && [ ! -e '$S/e2.tar' ]"
xcl save -o "$S/no/such/dir/x.tar" "$BB"
expect "save -o into a missing directory: 125, one line" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | grep -c .) = 1 ]" _ "$ERR"
mkdir -p "$S/rootonly"; chmod 755 "$S/rootonly"
as_user crltest "$CL" pull -q "$BB" >/dev/null 2>&1
X="as_user crltest"
xcl save -o "$S/rootonly/x.tar" "$BB"
X=""
expect "save -o into a directory the user cannot write: 125, one line, nothing there" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | grep -c .) = 1 ] && printf '%s' \"\$1\" | grep -q 'Permission denied' && [ -z \"\$(ls -A '$S/rootonly')\" ]" _ "$ERR"
mkdir -p "$S/partial"
echo old >"$S/partial/keep.tar"
blob=$CRUNLOCAL_ROOT/layers/$(jq -r '.rootfs.diff_ids[0]' "$CRUNLOCAL_ROOT/blobs/sha256/$BBID" | cut -c8-)/blob
cp "$blob" "$S/blob.orig"
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=0xff; open(p,"wb").write(b)' "$blob"
xcl save -o "$S/partial/keep.tar" "$BB"
expect "a blob damaged in the store: save fails (125, one line) and leaves the old file, no temp file" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | grep -c .) = 1 ] && [ \"\$(cat '$S/partial/keep.tar')\" = old ] && [ \$(ls -A '$S/partial' | wc -l) = 1 ]" _ "$ERR"
xcl save --format oci-archive -o "$S/partial/x.tar" "$BB"
expect "... as oci-archive too: its digest is checked as it is copied" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'digest' && [ ! -e '$S/partial/x.tar' ]" _ "$ERR"
xcl store check
expect "... and store check names the damaged blob" sh -c "[ $RC != 0 ] && printf '%s' \"\$1\" | grep -q 'blob has digest'" _ "$OUT$ERR"
cp "$S/blob.orig" "$blob"
rm -f "$CRUNLOCAL_ROOT/layers/$(jq -r '.rootfs.diff_ids[0]' "$CRUNLOCAL_ROOT/blobs/sha256/$BBID" | cut -c8-)/blob"
xcl save -o "$S/partial/y.tar" "$BB"
expect "a layer with no kept blob (unpacked by an older crunlocal): 125, one line saying what to do" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | grep -c .) = 1 ] && printf '%s' \"\$1\" | grep -q 'pull them again' && [ ! -e '$S/partial/y.tar' ]" _ "$ERR"
cp "$S/blob.orig" "$blob"
xcl save -o /dev/null "$BB"
expect "save -o /dev/null writes through it (a device is not replaced)" sh -c "[ $RC = 0 ] && [ -c /dev/null ]"
script -qec "'$CL' save '$BB'" /dev/null >"$T/tty.out" 2>&1; RC=$?
expect "save to a terminal: refused, 125, one line saying so" sh -c "[ $RC = 125 ] && grep -q 'terminal' '$T/tty.out' && [ \$(grep -c . '$T/tty.out') = 1 ]"
xcl save -o "$S/f.tar" --format tar "$BB"
expect "save --format of an unknown kind: 125" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'docker-archive or oci-archive' && [ ! -e '$S/f.tar' ]" _ "$ERR"
xcl save --format oci-archive -o "$S/f.tar" "$BB" "$BB"
expect "save --format oci-archive of several images: 125, saying so" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'one image'" _ "$ERR"
xcl save -o "$S/f.tar"
expect "save without an image: a usage error" [ "$RC" = 125 ]
xcl save --help
expect "save --help, image save, and in crunlocal --help" sh -c "printf '%s' \"\$1\" | grep -q '^Usage: crunlocal save' && '$CL' image save --help | grep -q '^Usage: crunlocal save' && '$CL' --help | grep -q '^  save '" _ "$OUT"
compl=$(PATH="$(dirname "$CL"):$PATH" bash -c '. "$0"; COMP_WORDS=(crunlocal save --format ""); COMP_CWORD=3; _crunlocal; printf "%s\n" "${COMPREPLY[@]}"' "$TOP/completion/crunlocal.bash" | tr '\n' ' ')
expect "bash completes save --format's kinds" [ "$compl" = "docker-archive oci-archive " ]

# Interop.  podman (a store of its own, vfs) loads what crunlocal saves,
# with the same IDs; podman's own save is tried by 86-load.sh.
if command -v podman >/dev/null 2>&1; then
  podman_own "$T/podman-save"
  $P load -q -i "$S/root/all.tar" >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  pids=$($P images -q --no-trunc 2>/dev/null | sed 's/^sha256://' | sort -u | tr '\n' ' ')
  want=$(printf '%s\n' "$BBID" "$WHID" "$ZSID" "$PLID" | sort | tr '\n' ' ')
  expect "podman load of crunlocal's docker-archive: the same four IDs" sh -c "[ $RC = 0 ] && [ '$pids' = '$want' ] && $P images --format '{{.Repository}}:{{.Tag}}' | grep -qx '$WH:latest'"
  $P rmi -a -f >/dev/null 2>&1
  $P load -q -i "$S/root/wh-oci.tar" >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "podman load of crunlocal's oci-archive: the same ID" sh -c "[ $RC = 0 ] && $P images -q --no-trunc | grep -qx 'sha256:$WHID'"
  $P rmi -a -f >/dev/null 2>&1
  rm -rf "$T/podman-save" "$PRUN"
else
  echo "# podman not installed: not tried"
fi

# skopeo (apt-get install skopeo): its docker-archive loads here and runs;
# it copies crunlocal's archives (each blob verified) to an OCI layout.
if command -v skopeo >/dev/null 2>&1; then
  rm -f "$S/skopeo.tar"
  skopeo copy -q --src-tls-verify=false "docker://$BB" "docker-archive:$S/skopeo.tar:example.com/skopeo/busybox:1" >/dev/null 2>"$T/err"
  fresh_store
  xcl load -i "$S/skopeo.tar"
  run=$("$CL" run --rm example.com/skopeo/busybox:1 echo ran 2>&1)
  expect "skopeo's docker-archive loads with the same ID and runs" sh -c "[ $RC = 0 ] && '$CL' images -q --no-trunc | grep -qx '$BBID' && [ '$run' = ran ]"
  skopeo copy -q "docker-archive:$S/root/all.tar:$WH:latest" "oci:$S/sk-layout:wh" >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  cfg=$(skopeo inspect --raw --config "docker-archive:$S/root/all.tar:$WH:latest" 2>/dev/null | sha256sum | cut -c1-64)
  expect "skopeo copies an image out of crunlocal's docker-archive of several; its config is the image ID" sh -c "[ $RC = 0 ] && [ '$cfg' = '$WHID' ]"
  skopeo copy -q "oci-archive:$S/root/zs-oci.tar" "oci:$S/sk-layout:zs" >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  cfg=$(skopeo inspect --raw --config "oci-archive:$S/root/zs-oci.tar" 2>/dev/null | sha256sum | cut -c1-64)
  expect "skopeo copies crunlocal's oci-archive; its config is the image ID" sh -c "[ $RC = 0 ] && [ '$cfg' = '$ZSID' ]"
else
  echo "# skopeo not installed (apt-get install skopeo): not tried"
fi
