# The commands podman users reach for next (issue 16): tag/untag, history,
# rename, top, stop -a/kill -a/wait/restart, system df, login/logout.
. "$TOP/test/lib.sh"
BB=$REG/busybox
BBID=$(id_of busybox)
ERR=""
# run_cl as $X (root: empty; a user: as_user USER).
xcl () {
  $X "$CL" "$@" >"$T/out" 2>"$T/err"
  RC=$?
  OUT=$(cat "$T/out")
  ERR=$(cat "$T/err")
}

# --- tag, untag, rmi of one name among several ---
for who in root crltest; do
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; fi
  $X "$CL" pull -q "$BB" >/dev/null
  xcl tag "$BB" myimg
  out=$($X "$CL" images --format '{{.Repository}}:{{.Tag}} {{.ID}}')
  expect "[$who] tag IMAGE short-name: localhost/NAME:latest, same image" sh -c "[ $RC = 0 ] && printf '%s\n' \"\$1\" | grep -qx 'localhost/myimg:latest $(echo "$BBID" | cut -c1-12)'" _ "$out"
  xcl tag myimg example.com:5000/a/b:v1 other:2
  out=$($X "$CL" images --format '{{.Repository}}:{{.Tag}}' | LC_ALL=C sort | tr '\n' ' ')
  expect "[$who] tag by the new short name, to several names at once" sh -c "[ $RC = 0 ] && [ \"\$1\" = '$BB:latest example.com:5000/a/b:v1 localhost/myimg:latest localhost/other:2 ' ]" _ "$out"
  xcl run --rm other:2 true
  expect "[$who] run by a tag" [ "$RC" = 0 ]
  xcl untag "$BB" myimg
  out=$($X "$CL" images --format '{{.Repository}}:{{.Tag}}' | LC_ALL=C sort | tr '\n' ' ')
  expect "[$who] untag IMAGE NAME removes only that name" sh -c "[ $RC = 0 ] && [ \"\$1\" = '$BB:latest example.com:5000/a/b:v1 localhost/other:2 ' ]" _ "$out"
  xcl rmi other:2
  imgs=$($X "$CL" images)
  expect "[$who] rmi of one of several names untags it and keeps the image" sh -c "[ $RC = 0 ] && [ \"\$1\" = 'Untagged: localhost/other:2' ] && [ \$(printf '%s\n' \"\$2\" | wc -l) = 3 ] && ! printf '%s' \"\$2\" | grep -q other" _ "$OUT" "$imgs"
  xcl untag "$BB" nosuch:1
  imgs=$($X "$CL" images)
  expect "[$who] untag of a name the image does not have: 125, nothing removed" sh -c "[ $RC = 125 ] && grep -q 'nosuch:1: tag not known' '$T/err' && [ \$(printf '%s\n' \"\$1\" | wc -l) = 3 ]" _ "$imgs"
  xcl untag "$BBID"
  out=$($X "$CL" images --format '{{.Repository}}:{{.Tag}} {{.ID}}')
  expect "[$who] untag IMAGE with no names: every name gone, the image stays as <none>" sh -c "[ $RC = 0 ] && [ \"\$1\" = '<none>:<none> $(echo "$BBID" | cut -c1-12)' ]" _ "$out"
  xcl tag "$BBID" "$BB"
  imgs=$($X "$CL" images)
  expect "[$who] tag by ID gives the name back" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q '^$BB '" _ "$imgs"
  xcl rmi "$BB"
  imgs=$($X "$CL" images -q)
  expect "[$who] rmi of the last name removes the image" sh -c "[ $RC = 0 ] && [ -z \"\$1\" ]" _ "$imgs"
  xcl tag nosuch x
  expect "[$who] tag of an unknown image: 125, podman's message" sh -c "[ $RC = 125 ] && grep -qx 'crunlocal: nosuch: image not known' '$T/err'"
done
X=""
"$CL" pull -q "$BB" >/dev/null
xcl tag "$BB" 'Bad:name'
expect "tag to an invalid name: 125, nothing added" sh -c "[ $RC = 125 ] && grep -q 'invalid name' '$T/err' && [ \$('$CL' images | wc -l) = 2 ]"
xcl tag "$BB" "x@sha256:$BBID"
expect "tag by digest is refused as podman does" sh -c "[ $RC = 125 ] && grep -q 'tag by digest not supported' '$T/err'"
xcl tag --help
expect "tag --help and untag --help" sh -c "printf '%s' \"\$1\" | grep -q '^Usage: crunlocal tag' && '$CL' untag --help | grep -q '^Usage: crunlocal untag' && '$CL' --help | grep -q '^  tag '" _ "$OUT"
