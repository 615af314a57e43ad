# cp (issue 16): host ↔ container both ways, running and stopped, tar
# streams with "-", ownership with -a through the id mapping, and the
# escapes: symlinks in the container and hostile tar entries must never
# reach the host's files.
. "$TOP/test/lib.sh"
BB=$REG/busybox
ERR=""
xcl () {
  $X "$CL" "$@" >"$T/out" 2>"$T/err"
  RC=$?
  OUT=$(cat "$T/out")
  ERR=$(cat "$T/err")
}

for who in root crltest; do
  if [ "$who" = root ]; then
    fresh_store; X=""; H=$T/cp-root
  else
    X="as_user $who"; H=$T/users/$who/cp
    $X "$CL" rm -af >/dev/null 2>&1
  fi
  rm -rf "$H"; mkdir -p "$H/d/sub"
  echo hello >"$H/f.txt"; echo a >"$H/d/a"; echo b >"$H/d/sub/b"; ln -s a "$H/d/lnk"
  [ "$who" = root ] || chown -R "$who:$who" "$H"
  $X "$CL" pull -q "$BB" >/dev/null

  # --- a running container ---
  $X "$CL" run -d --name cpr "$BB" sleep 1000 >/dev/null
  xcl cp "$H/f.txt" cpr:/tmp/
  got=$($X "$CL" exec cpr cat /tmp/f.txt)
  expect "[$who] cp FILE c:/DIR/ into a running container" sh -c "[ $RC = 0 ] && [ -z '$OUT' ] && [ '$got' = hello ]"
  xcl cp "$H/f.txt" cpr:/tmp/renamed
  got=$($X "$CL" exec cpr cat /tmp/renamed)
  expect "[$who] cp FILE c:/NEWNAME: the file under the new name" sh -c "[ $RC = 0 ] && [ '$got' = hello ]"
  xcl cp "$H/d" cpr:/tmp/
  got=$($X "$CL" exec cpr sh -c 'cat /tmp/d/a /tmp/d/sub/b; readlink /tmp/d/lnk')
  expect "[$who] cp DIR into an existing directory: the tree, a symlink kept as a symlink" sh -c "[ $RC = 0 ] && [ \"\$1\" = \"\$(printf 'a\nb\na')\" ]" _ "$got"
  xcl cp "$H/d" cpr:/newd
  got=$($X "$CL" exec cpr cat /newd/sub/b)
  expect "[$who] cp DIR c:/NEW: the directory under the new name" sh -c "[ $RC = 0 ] && [ '$got' = b ]"
  xcl cp "$H/d/." cpr:/tmp/
  got=$($X "$CL" exec cpr cat /tmp/a)
  expect "[$who] cp DIR/. copies the contents" sh -c "[ $RC = 0 ] && [ '$got' = a ]"
  xcl cp cpr:/tmp/d "$H/out"
  expect "[$who] cp c:/DIR HOST/NEW out of a running container" sh -c "[ $RC = 0 ] && [ \"\$(cat '$H/out/a' '$H/out/sub/b')\" = \"\$(printf 'a\nb')\" ] && [ \"\$(readlink '$H/out/lnk')\" = a ]"
  xcl cp cpr:/tmp/f.txt "$H/out/"
  expect "[$who] cp c:/FILE HOST/DIR/: into the directory" sh -c "[ $RC = 0 ] && [ \"\$(cat '$H/out/f.txt')\" = hello ]"
  $X "$CL" cp cpr:/tmp/d - >"$H/d.tar"; RC=$?
  expect "[$who] cp c:/DIR -: a tar stream on stdout, the directory's name on top" sh -c "[ $RC = 0 ] && [ \"\$(tar tf '$H/d.tar' | LC_ALL=C sort | tr '\n' ' ')\" = 'd/ d/a d/lnk d/sub/ d/sub/b ' ]"
  tar cf - -C "$H" f.txt d | $X "$CL" cp - cpr:/var; RC=$?
  got=$($X "$CL" exec cpr cat /var/f.txt /var/d/sub/b)
  expect "[$who] cp - c:/DIR: stdin's tar unpacked in the container" sh -c "[ $RC = 0 ] && [ \"\$1\" = \"\$(printf 'hello\nb')\" ]" _ "$got"
  $X "$CL" exec cpr mkdir /tmp/own
  tar cf - --owner=1000 --group=1001 -C "$H" f.txt | $X "$CL" cp -a - cpr:/tmp/own; RC=$?
  own=$($X "$CL" exec cpr stat -c %u:%g /tmp/own/f.txt)
  tar cf - --owner=1000 --group=1001 -C "$H" f.txt | $X "$CL" cp - cpr:/tmp/own; RC2=$?
  own2=$($X "$CL" exec cpr stat -c %u:%g /tmp/own/f.txt)
  expect "[$who] cp -a keeps the archive's owners as the container sees them; without -a the writer's (root)" sh -c "[ $RC = 0 ] && [ $RC2 = 0 ] && [ '$own' = 1000:1001 ] && [ '$own2' = 0:0 ]"
  xcl cp cpr:/nosuch "$H/x"
  expect "[$who] cp of a missing path: 125, could not be found" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q '\"/nosuch\" could not be found on cpr'" _ "$ERR"
  xcl cp "$H/nosuch" cpr:/tmp/
  expect "[$who] cp of a missing host path: 125" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'could not be found on the host'" _ "$ERR"
  xcl cp "$H/f.txt" cpr:/no/such/dir/x
  $X "$CL" exec cpr test -e /no; made=$?
  expect "[$who] cp into a missing directory: 125, nothing made" sh -c "[ $RC = 125 ] && [ $made = 1 ] && printf '%s' \"\$1\" | grep -q 'no such directory'" _ "$ERR"
  xcl cp "$H/d" cpr:/tmp/f.txt
  got=$($X "$CL" exec cpr cat /tmp/f.txt)
  expect "[$who] cp of a directory onto a file: 125, the file kept" sh -c "[ $RC = 125 ] && [ '$got' = hello ]"
  $X "$CL" stop -t 0 cpr >/dev/null

  # --- a stopped container: its writes and ours meet, the image stays ---
  $X "$CL" run --name cps "$BB" sh -c 'mkdir -p /data && echo inside >/data/x' >/dev/null
  xcl cp cps:/data/x "$H/x2"
  expect "[$who] cp out of a stopped container: what it wrote" sh -c "[ $RC = 0 ] && [ \"\$(cat '$H/x2')\" = inside ]"
  # Relative host paths start where the caller is, not in the store.
  ( cd "$H" && $X "$CL" cp cps:/data/x ./rel-x >/dev/null 2>&1 && $X "$CL" cp f.txt cps:/data/ >/dev/null 2>&1 ); RC=$?
  got=$( cd "$H" && $X "$CL" cp cps:/data/f.txt - 2>/dev/null | tar -xOf - 2>/dev/null)
  expect "[$who] cp with a stopped container: relative host paths are the caller's" sh -c "[ $RC = 0 ] && [ \"\$(cat '$H/rel-x')\" = inside ] && [ '$got' = hello ]"
  xcl cp "$H/f.txt" cps:/etc/passwd
  o1=$RC
  xcl cp cps:/etc/passwd "$H/pw"
  fresh=$($X "$CL" run --rm "$BB" head -c 5 /etc/passwd)
  expect "[$who] cp over an image's file in a stopped container: the container's copy changes, the image's does not" sh -c "[ $o1 = 0 ] && [ $RC = 0 ] && [ \"\$(cat '$H/pw')\" = hello ] && [ '$fresh' = 'root:' ]"
  xcl start -a cps
  expect "[$who] a container cp wrote into starts again" sh -c "[ $RC = 0 ]"
  xcl cp cpr:/newd "$H/again"
  expect "[$who] cp out of the stopped container that was running" sh -c "[ $RC = 0 ] && [ \"\$(cat '$H/again/a')\" = a ]"

  # --- escapes: symlinks of the container's own, resolved inside it ---
  mkdir -p "$H/secret"; echo host-secret >"$H/secret/marker"
  [ "$who" = root ] || chown -R "$who:$who" "$H/secret"
  $X "$CL" run --name evil "$BB" sh -c "mkdir /esc && ln -s / /esc/root && ln -s ../../../../../../../../.. /esc/up && ln -s $H/secret /esc/abs" >/dev/null
  for st in stopped running; do
    [ "$st" = running ] && { $X "$CL" rm -f evil >/dev/null; $X "$CL" run -d --name evil "$BB" sh -c "mkdir /esc && ln -s / /esc/root && ln -s ../../../../../../../../.. /esc/up && ln -s $H/secret /esc/abs && exec sleep 1000" >/dev/null; sleep 0.5; }
    xcl cp "evil:/esc/up$H/secret/marker" "$H/stolen1"
    r1=$RC
    xcl cp "evil:/esc/abs/marker" "$H/stolen2"
    r2=$RC
    expect "[$who, $st] cp out through the container's symlinks (../.., absolute) never reads the host's file" sh -c "[ $r1 = 125 ] && [ $r2 = 125 ] && ! [ -e '$H/stolen1' ] && ! [ -e '$H/stolen2' ]"
    xcl cp "$H/f.txt" "evil:/esc/abs/"
    w1=$RC
    xcl cp "$H/f.txt" "evil:/esc/up/"
    w2=$RC
    xcl cp "$H/f.txt" "evil:/esc/up$H/secret/"
    w3=$RC
    got=$($X "$CL" cp evil:/f.txt - | tar xOf - f.txt)
    expect "[$who, $st] cp into the container's symlinks writes inside it (../.. is its /), never the host's directory" sh -c "[ $w1 = 125 ] && [ $w2 = 0 ] && [ $w3 = 125 ] && [ '$got' = hello ] && [ \"\$(ls '$H/secret')\" = marker ] && [ \"\$(cat '$H/secret/marker')\" = host-secret ]"
    xcl cp "evil:/esc/root" "$H/rootlink"
    expect "[$who, $st] a symlink copied out stays a symlink (not followed on the host)" sh -c "[ $RC = 0 ] && [ -L '$H/rootlink' ] && [ \"\$(readlink '$H/rootlink')\" = / ]"
    rm -f "$H/rootlink"
    python3 - "$H/evil.tar" "$H" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    s = tarfile.TarInfo("lnk"); s.type = tarfile.SYMTYPE; s.linkname = sys.argv[2] + "/secret"; t.addfile(s)
    f = tarfile.TarInfo("lnk/pwned"); data = b"pwned\n"; f.size = len(data); t.addfile(f, io.BytesIO(data))
PY
    $X "$CL" cp - evil:/tmp <"$H/evil.tar" 2>"$T/err"; r1=$?
    python3 - "$H/evil2.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    f = tarfile.TarInfo("../../../../../../../../tmp/pwned-by-cp"); data = b"pwned\n"; f.size = len(data); t.addfile(f, io.BytesIO(data))
PY
    $X "$CL" cp - evil:/tmp <"$H/evil2.tar" 2>"$T/err"; r2=$?
    expect "[$who, $st] cp - of a hostile tar (an entry under its own symlink, a ../ path): refused, the host untouched" sh -c "[ $r1 = 125 ] && [ $r2 = 125 ] && [ \"\$(ls '$H/secret')\" = marker ] && ! [ -e /tmp/pwned-by-cp ]"
  done

  # An image whose /etc is a symlink to ../../.. and whose /etc2 is one
  # to /, in a container that never ran.
  rm -rf "$H/evil-layout"
  python3 - "$H/evil-layout" <<'PY'
import os, sys
sys.path.insert(0, os.environ["TOP"] + "/test/tools")
from mkimages import Image, tar_bytes, busybox_rootfs, write_oci_layout
top = tar_bytes([("etc", "symlink", "../../../../../../../../..", 0o777, 0, 0),
                 ("etc2", "symlink", "/", 0o777, 0, 0)])
write_oci_layout(sys.argv[1], {"e": Image([tar_bytes(busybox_rootfs()), top], oci=True)})
PY
  [ "$who" = root ] || chown -R "$who:$who" "$H/evil-layout"
  $X "$CL" pull -q "oci:$H/evil-layout:e" >/dev/null
  xcl create --name evilc "oci:$H/evil-layout:e" true
  [ "$RC" = 0 ] || xcl create --name evilc "$($X "$CL" images -q | head -n 1)" true
  xcl cp "evilc:/etc$H/secret/marker" "$H/stolen3"
  r1=$RC
  xcl cp "evilc:/etc2$H/secret/marker" "$H/stolen4"
  r2=$RC
  xcl cp "$H/f.txt" "evilc:/etc/"
  w1=$RC
  xcl cp "$H/f.txt" "evilc:/etc2$H/secret/"
  w2=$RC
  got=$($X "$CL" cp evilc:/f.txt - | tar xOf - f.txt)
  expect "[$who] a container whose /etc is ../../.. or /: cp c:/etc/x reads inside it, cp x c:/etc/ writes its /; the marker outside untouched" sh -c "[ $r1 = 125 ] && [ $r2 = 125 ] && [ $w1 = 0 ] && [ $w2 = 125 ] && [ '$got' = hello ] && ! [ -e '$H/stolen3' ] && ! [ -e '$H/stolen4' ] && ! [ -e /f.txt ] && [ \"\$(ls '$H/secret')\" = marker ] && [ \"\$(cat '$H/secret/marker')\" = host-secret ]"
  $X "$CL" rm -af >/dev/null 2>&1
done

# --- a hard-link farm: a file copied over an image file replaces it in
# the container only (the layer's inode is shared) ---
fresh_store; X=""; H=$T/cp-root
CRUNLOCAL_SNAPSHOT=hardlink "$CL" run --name cph "$BB" true
xcl cp "$H/f.txt" cph:/etc/group
fresh=$(CRUNLOCAL_SNAPSHOT=hardlink "$CL" run --rm "$BB" head -c 5 /etc/group)
expect "cp into a hard-link farm container: its file replaced, the image's layer untouched" sh -c "[ $RC = 0 ] && [ \"\$('$CL' cp cph:/etc/group - | tar xOf -)\" = hello ] && [ '$fresh' = 'root:' ]"

# --- usage ---
xcl cp a b
expect "cp with no container side: 125, a usage error" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'CONTAINER:PATH'" _ "$ERR"
xcl cp nosuch:/x "$H/y"
expect "cp with an unknown container: 125, no such container" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'no such container: nosuch'" _ "$ERR"
xcl cp --help
expect "cp --help, and in crunlocal --help" sh -c "printf '%s' \"\$1\" | grep -q '^Usage: crunlocal cp' && '$CL' --help | grep -q '^  cp '" _ "$OUT"
"$CL" rm -af >/dev/null 2>&1
