# Hostile image metadata and contents (mkhostileinput.py): JSON nested a
# million deep, archive paths that lead out of the archive, an /etc that is
# a symlink out of the image, a sparse file that ends in a hole.
. "$TOP/test/lib.sh"

H=$T/hostile-input
outside=$T/outside-input
mkdir -p "$H/src" "$outside"
# 1 MiB: 512 KiB of data, then a 512 KiB hole, stored sparse by GNU tar in
# both of its sparse formats.
yes crunlocal-sparse | head -c 524288 >"$H/src/file"
truncate -s 1M "$H/src/file"
for fmt in "pax --format=posix --sparse-version=1.0" "gnu --format=gnu"; do
  set -- $fmt
  tar --sparse "$2" ${3:-} --mtime=@1700000000 --owner=0 --group=0 -C "$H/src" \
    -cf "$H/$1.tar" file
done
python3 "$TOP/test/tools/mkhostileinput.py" --registry "http://$REG" \
  --sparse pax="$H/pax.tar" --sparse gnu="$H/gnu.tar" "$H" "$outside" ||
  not_ok "mkhostileinput.py builds the images"

# Under a timeout: some of these used to crash, or hang deaf to signals.
run_cl_bounded () {
  timeout -k 5 60 "$CL" "$@" >"$T/out" 2>"$T/err"
  RC=$?
  OUT=$(cat "$T/out")
  ERR=$(cat "$T/err")
}
# One line, exit 125, matching PATTERN.
fails_with () { [ "$RC" = 125 ] && [ "$(lines "$ERR")" = 1 ] && printf '%s' "$ERR" | grep -q "$1"; }
store_clean () {
  "$CL" store check >/dev/null 2>&1 && [ -z "$(ls -A "$CRUNLOCAL_ROOT/tmp" 2>/dev/null)" ]
}

for t in deep-config deep-manifest; do
  fresh_store
  run_cl_bounded pull -q "oci:$H/layout:$t"
  expect "a $t a million arrays deep fails with one line, no crash" \
    fails_with "nested deeper than 256 levels"
  expect "the store is clean after the $t" store_clean
done
fresh_store
run_cl_bounded pull -q "oci:$H/deep-index"
expect "an index.json a million arrays deep fails with one line, no crash" \
  fails_with "nested deeper than 256 levels"
fresh_store
run_cl_bounded pull -q "$REG/hostile/deep-config"
expect "a registry image whose config is a million arrays deep fails with one line" \
  fails_with "nested deeper than 256 levels"
expect "the store is clean after the deep registry config" store_clean

for a in abs-layer dotdot-layer symlink-layer symdir-layer devzero-config; do
  fresh_store
  run_cl_bounded pull -q "docker-archive:$H/$a.tar"
  expect "docker-archive naming a path outside it ($a) fails with one line naming it" \
    fails_with "$a.tar: manifest.json: .*leads outside"
  expect "docker-archive ($a) stored nothing" sh -c \
    "[ \"$(layer_count)\" = 0 ] && [ -z \"\$(find '$CRUNLOCAL_ROOT' -name secret)\" ]"
  expect "docker-archive ($a) leaves the store clean" store_clean
done
fresh_store
run_cl_bounded pull -q "docker-archive:$H/fifo-config.tar"
expect "docker-archive whose config is a FIFO fails at once" fails_with "fifo: not a regular file"

# crltest is a host user (check.sh makes it); the images' passwd lacks it.
for t in etc-abs etc-rel; do
  fresh_store
  run_cl_bounded run --rm -u crltest "oci:$H/layout:$t" id -u
  expect "run -u with /etc a symlink out of the image ($t) never reads the host's passwd" \
    fails_with "unable to find user crltest"
done
fresh_store
run_cl_bounded run --rm -u user "oci:$H/layout:etc-inside" id -u
expect "run -u follows an /etc symlink that stays inside the image" [ "$RC" = 0 -a "$OUT" = 1000 ]

for fmt in pax gnu; do
  fresh_store
  run_cl pull -q "oci:$H/layout:sparse-$fmt"
  f=$(find "$CRUNLOCAL_ROOT/layers" -path '*/diff/file' | head -n 1)
  expect "a sparse file ($fmt) that ends in a hole keeps its size" \
    sh -c "[ $RC = 0 ] && [ \"\$(stat -c %s '$f')\" = 1048576 ]"
  expect "a sparse file ($fmt) keeps its data bytes" cmp -s "$f" "$H/src/file"
done
