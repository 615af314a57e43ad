# Snapshot modes: overlay where the host allows it, else a copy, chosen
# automatically (a hard-link farm only when asked); `crunlocal info` says
# which.  A farm's in-place write changes the image: store check finds it
# and --repair fetches the layer again.
. "$TOP/test/lib.sh"
BB=$REG/busybox
WH=$REG/whiteout
RC= # expect names it on failure
# A directory's st_size is the filesystem's own business (an overlay
# reports its upper directory's), so only files' sizes are compared.
# The times of /etc and of its hosts, hostname and resolv.conf are the
# run's own: the runtime writes those files and makes their mount points
# there (two runs may straddle a second).
tree () { # the container's view of its root, for comparing modes (/tmp: a tmpfs of its own)
  "$CL" run --rm "$WH" sh -c 'find / -xdev ! -path "/dev*" ! -path / ! -path /proc ! -path /sys ! -path /tmp | sort | while read f; do if [ -d "$f" ]; then stat -c "%n %a %u %g - %Y %F" "$f"; else stat -c "%n %a %u %g %s %Y %F" "$f"; fi; done' | sed -E 's#^(/etc(/hosts|/hostname|/resolv\.conf)? [0-9]+ [0-9]+ [0-9]+ [-0-9]+ )[0-9]+ #\1(run time) #'
}

for who in root crltest; do
  if [ "$who" = root ]; then fresh_store; X=""; R=$CRUNLOCAL_ROOT; else X="as_user $who"; R=$T/users/$who/root; fi
  mode=$($X "$CL" info --format json 2>"$T/err" | jq -r .store.snapshotMode); ERR=$(cat "$T/err")
  expect "[$who] info: this host mounts overlay (rootless too, in a user namespace)" [ "$mode" = overlay ]
  mode=$($X env CRUNLOCAL_SNAPSHOT=copy "$CL" info | sed -n 's/^  snapshotMode: //p')
  expect "[$who] info reports the mode \$CRUNLOCAL_SNAPSHOT forces" [ "$mode" = copy ]
done

fresh_store
"$CL" pull -q "$WH" >/dev/null; "$CL" pull -q "$BB" >/dev/null
tree >"$T/tree.overlay"
for m in hardlink copy; do
  CRUNLOCAL_SNAPSHOT=$m tree >"$T/tree.$m"
  expect "$m: the whiteout image's tree is the overlay one (owners, modes, sizes, times)" sh -c "[ -s '$T/tree.$m' ] && { cmp -s '$T/tree.overlay' '$T/tree.$m' || { diff '$T/tree.overlay' '$T/tree.$m' | sed 's/^/# /' >&2; false; }; }"
  out=$(CRUNLOCAL_SNAPSHOT=$m "$CL" run --rm "$WH" sh -c 'ls /a; echo -; ls /d; echo -; cat /new')
  expect "$m: deleted files are gone, the opaque dir shows only the upper layer" [ "$(echo $out)" = "y - 3 - new" ]
  expect "$m: --rm leaves no container directory" [ -z "$(ls -A "$CRUNLOCAL_ROOT/containers")" ]
done
CRUNLOCAL_SNAPSHOT=copy "$CL" run --rm "$BB" sh -c 'echo changed >>/etc/passwd; rm /bin/ls'
expect "copy: changes in a container do not reach the image" sh -c "\"$CL\" run --rm \"$BB\" sh -c '! grep -q changed /etc/passwd && [ -e /bin/ls ]' && \"$CL\" store check >/dev/null"
# A hard-link farm shares the image's files: an in-place write reaches the
# layer.  store check re-hashes the layer trees and names it; --repair
# fetches the layer again from its blob.
CRUNLOCAL_SNAPSHOT=hardlink "$CL" run --rm "$BB" sh -c 'echo farmed >>/etc/passwd'
expect "hardlink: an in-place write reaches the image (why it is not the default)" \
  "$CL" run --rm "$BB" grep -q farmed /etc/passwd
run_cl store check
expect "store check names the changed layer and exits 1" sh -c "[ $RC = 1 ] && printf '%s' \"\$1\" | grep -q 'damaged: layer sha256:.*content changed since it was unpacked'" _ "$OUT"
run_cl store check --repair
expect "store check --repair fetches the layer again and exits 0" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q 'repair: image .*repaired from $BB@sha256:'" _ "$OUT"
expect "the repaired image is the pristine one" "$CL" run --rm "$BB" sh -c '! grep -q farmed /etc/passwd'
expect "the repair added no name and left the store clean" sh -c "\"$CL\" store check >/dev/null && [ -z \"\$(\"$CL\" images --format '{{.Repository}}:{{.Tag}}' | grep '@\|<none>')\" ]"
fresh_store
"$CL" pull -q "oci:$T/images/layout:v1" >/dev/null
rm -rf "$CRUNLOCAL_ROOT/layers/$(ls "$CRUNLOCAL_ROOT/layers" | head -n 1)/diff/bin"
run_cl store check --repair
expect "store check --repair of an image from a local layout says it cannot, exit 1" sh -c "[ $RC = 1 ] && printf '%s' \"\$1\" | grep -q 'cannot repair'" _ "$OUT"
CRUNLOCAL_SNAPSHOT=zfs "$CL" run --rm "$BB" true 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "an unknown \$CRUNLOCAL_SNAPSHOT: one line, 125" sh -c "[ $RC = 125 ] && [ $(lines "$ERR") = 1 ] && grep -q 'want overlay, hardlink or copy' \"$T/err\""

# A store on a filesystem overlay refuses as upper (overlayfs itself, as
# inside another container): the mode falls back on its own, whiteouts are
# kept in their OCI form, and containers still see the right tree.
ov=$T/ovfs; mkdir -p "$ov/l" "$ov/u" "$ov/w" "$ov/m"
if mount -t overlay overlay -o "lowerdir=$ov/l,upperdir=$ov/u,workdir=$ov/w" "$ov/m"; then
  export CRUNLOCAL_ROOT=$ov/m/store
  "$CL" pull -q "$WH" >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "store on overlayfs: the whiteout image pulls" [ "$RC" = 0 ]
  expect "store on overlayfs: info says copy, chosen automatically (not a hard-link farm)" [ "$("$CL" info --format json | jq -r .store.snapshotMode)" = copy ]
  out=$("$CL" run --rm "$WH" sh -c 'ls /a; echo -; ls /d; echo -; cat /new' 2>"$T/err"); ERR=$(cat "$T/err")
  expect "store on overlayfs: the container sees the whiteouts applied" [ "$(echo $out)" = "y - 3 - new" ]
  expect "store on overlayfs: store check is clean" "$CL" store check
  umount "$ov/m"
else
  not_ok "mount an overlay for the store-on-overlayfs case"
fi
