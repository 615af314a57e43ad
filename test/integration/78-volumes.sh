# Volumes: -v NAME:/dst, -v /dst, -v ./rel:/dst, --mount, the options
# podman users write, and `crunlocal volume` — as root and as real
# unprivileged users, with and without subordinate ids.
. "$TOP/test/lib.sh"
BB=$REG/busybox
WH=$REG/whiteout

has_line () { printf '%s\n' "$1" | grep -qx "$2"; }

for who in root crltest crlnosub; do
  if [ "$who" = root ]; then fresh_store; X=""; ROOT=$CRUNLOCAL_ROOT; else X="as_user $who"; ROOT=$T/users/$who/root; fi
  W=$T/vol-$who; mkdir -p "$W"; [ "$who" = root ] || chown "$who" "$W"

  # A named volume outlives its containers.
  $X "$CL" run --rm -v data:/data "$BB" sh -c 'echo kept >/data/f' 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  out=$($X "$CL" run --rm -v data:/data "$BB" cat /data/f 2>"$T/err"); ERR=$(cat "$T/err")
  expect "[$who] -v data:/data: what one container writes the next reads" [ "$RC" = 0 -a "$out" = kept ]
  expect "[$who] the volume lives in the store, owned by the user" [ "$(stat -c %U "$ROOT/volumes/data/_data/f")" = "$who" ]

  # Copy-up: a new volume gets the image's content at its destination.
  out=$($X "$CL" run --rm -v etc:/etc "$BB" sh -c 'grep -c . /etc/passwd; echo mine >/etc/mine')
  out2=$($X "$CL" run --rm -v etc:/etc "$BB" cat /etc/mine)
  expect "[$who] a new volume is filled from the image (copy-up), and kept as changed" [ "$out" = 3 -a "$out2" = mine ]
  expect "[$who] copy-up keeps owners: /home/user is the image's uid 1000" [ "$($X "$CL" run --rm -v home:/home "$BB" stat -c %u /home/user/owned)" = "$( [ "$who" = crlnosub ] && echo 0 || echo 1000)" ]
  out=$($X "$CL" run --rm -v wa:/a -v wd:/d "$WH" sh -c 'ls /a; echo -; ls /d' | tr '\n' ' ')
  expect "[$who] copy-up sees the image as the container does (whiteouts, opaque dirs)" [ "$out" = "y - 3 " ]
  $X "$CL" volume create pre >/dev/null
  $X sh -c "echo own >'$ROOT/volumes/pre/_data/own'"
  out=$($X "$CL" run --rm -v pre:/etc "$BB" ls /etc | tr '\n' ' ')
  expect "[$who] a volume that is not empty is not copied into" [ "$out" = "own " ]
  $X "$CL" run --rm -v nc:/etc:nocopy "$BB" true
  expect "[$who] :nocopy skips the copy-up" [ -z "$(ls -A "$ROOT/volumes/nc/_data")" ]

  # In use: refused, even with -f (docker's rule), running or not.
  $X "$CL" run --name holder -v inuse:/d "$BB" true
  run_cl_x () { $X "$CL" "$@" >"$T/out" 2>"$T/err"; RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err"); }
  run_cl_x volume rm inuse
  expect "[$who] volume rm of a volume a stopped container uses is refused, naming it" sh -c "[ $RC != 0 ] && grep -q 'in use by container holder' \"$T/err\""
  run_cl_x volume rm -f inuse
  expect "[$who] ... and with -f too" [ "$RC" != 0 -a -d "$ROOT/volumes/inuse/_data" ]
  js=$($X "$CL" inspect holder)
  expect "[$who] inspect shows the volume in Mounts: Type, Name, Source, Destination, RW" sh -c "printf '%s' \"\$1\" | jq -e '.[0].Mounts[0] | .Type == \"volume\" and .Name == \"inuse\" and .Destination == \"/d\" and .RW == true and (.Source | endswith(\"/volumes/inuse/_data\"))' >/dev/null" _ "$js"
  $X "$CL" rm holder >/dev/null
  run_cl_x volume rm inuse
  expect "[$who] once the container is gone, volume rm removes it" [ "$RC" = 0 -a "$OUT" = inuse -a ! -e "$ROOT/volumes/inuse" ]
  $X "$CL" run -d --name runner -v busy:/d "$BB" sleep 1234 >/dev/null
  run_cl_x volume rm -f busy
  expect "[$who] volume rm -f of a volume a running container uses is refused" sh -c "[ $RC != 0 ] && grep -q 'in use' \"$T/err\""
  $X "$CL" rm -f runner >/dev/null

  # Anonymous volumes: gone with rm -v and with --rm; kept by plain rm.
  $X "$CL" run --name anon -v /data "$BB" sh -c 'echo x >/data/x'
  anon=$($X "$CL" inspect anon | jq -r '.[0].Mounts[0].Name')
  expect "[$who] -v /data makes an anonymous volume (64 hex)" sh -c "echo '$anon' | grep -qx '[0-9a-f]\{64\}' && [ -f '$ROOT/volumes/$anon/_data/x' ]"
  $X "$CL" rm -v anon >/dev/null
  expect "[$who] rm -v removes it" [ ! -e "$ROOT/volumes/$anon" ]
  $X "$CL" run --name anon2 -v /data "$BB" true
  anon=$($X "$CL" inspect anon2 | jq -r '.[0].Mounts[0].Name')
  $X "$CL" rm anon2 >/dev/null
  expect "[$who] plain rm keeps it (as docker)" [ -d "$ROOT/volumes/$anon" ]
  before=$($X "$CL" volume ls -q | wc -l)
  $X "$CL" run --rm -v /data "$BB" true
  expect "[$who] run --rm -v /data leaves no volume" [ "$($X "$CL" volume ls -q | wc -l)" = "$before" ]
  $X "$CL" run -d --rm -v /data "$BB" sleep 0.3 >/dev/null
  for _ in $(seq 1 50); do [ "$($X "$CL" volume ls -q | wc -l)" = "$before" ] && break; sleep 0.1; done
  expect "[$who] run -d --rm -v /data: the monitor's rm takes the volume too" [ "$($X "$CL" volume ls -q | wc -l)" = "$before" ]

  # Host paths: relative to the cwd, created when missing (-v), refused (--mount).
  out=$(cd "$W" && $X "$CL" run --rm -v ./rel:/x "$BB" sh -c 'echo r >/x/r && echo ok')
  expect "[$who] -v ./rel:/x binds \$PWD/rel (made when missing)" [ "$out" = ok -a -f "$W/rel/r" ]
  $X "$CL" run --rm -v "$W/rel:/x:ro,Z" "$BB" touch /x/no 2>/dev/null; RC=$?
  expect "[$who] :ro,Z is accepted and read-only" [ "$RC" != 0 -a ! -e "$W/rel/no" ]
  $X "$CL" run --rm -v "$W/rel:/x:z" "$BB" touch /x/yes; RC=$?
  expect "[$who] :z is accepted (no SELinux: nothing to do)" [ "$RC" = 0 -a -e "$W/rel/yes" ]
  n=$($X "$CL" ps -aq | wc -l)
  run_cl_x run --rm --mount "type=bind,src=$W/missing,dst=/x" "$BB" true
  n2=$($X "$CL" ps -aq | wc -l)
  expect "[$who] --mount type=bind with a missing source exits 125 and makes nothing" sh -c "[ $RC = 125 ] && [ ! -e '$W/missing' ] && [ $n2 = $n ] && grep -q 'does not exist' \"$T/err\""
  $X "$CL" run --rm --mount "type=bind,src=$W/rel,dst=/x,readonly" --mount type=volume,src=mvol,dst=/m --mount type=tmpfs,dst=/t,tmpfs-size=1m "$BB" sh -c 'ls /x >/dev/null && touch /m/ok && grep -q " /t tmpfs" /proc/mounts && ! touch /x/no 2>/dev/null'; RC=$?
  expect "[$who] --mount type=bind,readonly / type=volume / type=tmpfs" [ "$RC" = 0 -a -f "$ROOT/volumes/mvol/_data/ok" ]

  # :U gives the source to the container's user.
  mkdir -p "$W/u"; echo f >"$W/u/f"; chown -R "$who:$who" "$W/u"
  if [ "$who" = crlnosub ]; then
    $X "$CL" run --rm -v "$W/u:/u:U" "$BB" true; RC=$?
    expect "[$who] :U as the container's root: the user's own" [ "$RC" = 0 -a "$(stat -c %U "$W/u/f")" = "$who" ]
    out=$($X "$CL" run --rm -u 1000 -v "$W/u:/u:U" "$BB" sh -c 'echo y >/u/f && stat -c %u /u/f')
    expect "[$who] :U with -u 1000: the one id is the container's user, so the user's own" [ "$out" = 1000 -a "$(stat -c %U "$W/u/f")" = "$who" ]
  else
    sub=$(grep "^$who:" /etc/subuid | head -n 1 | cut -d: -f2)
    want=$( [ "$who" = root ] && echo 1000 || echo $((sub + 999)) )
    out=$($X "$CL" run --rm -u 1000:1000 -v "$W/u:/u:U" "$BB" sh -c 'echo y >/u/f && stat -c %u:%g /u/f')
    expect "[$who] :U chowns the source to the container's user (mapped: $want)" [ "$out" = 1000:1000 -a "$(stat -c %u "$W/u/f")" = "$want" ]
    out=$($X "$CL" run --rm -u 1000 -v uvol:/v:U "$BB" sh -c 'touch /v/made && stat -c %u /v/made')
    expect "[$who] :U on a volume: the container's user writes it" [ "$out" = 1000 ]
  fi

  # volume create / ls / inspect / names.
  run_cl_x volume create made
  expect "[$who] volume create NAME prints it" [ "$RC" = 0 -a "$OUT" = made ]
  run_cl_x volume create made
  expect "[$who] volume create of an existing name is a no-op (docker)" [ "$RC" = 0 -a "$OUT" = made ]
  js=$($X "$CL" volume ls --format json)
  expect "[$who] volume ls --format json: Name, Driver, Mountpoint" sh -c "printf '%s' \"\$1\" | jq -e 'map(select(.Name == \"made\" and .Driver == \"local\" and (.Mountpoint | endswith(\"/volumes/made/_data\")))) | length == 1' >/dev/null" _ "$js"
  out=$($X "$CL" volume ls)
  expect "[$who] volume ls: docker's columns" sh -c "printf '%s\n' \"\$1\" | head -n 1 | grep -q '^DRIVER  *VOLUME NAME\$' && printf '%s\n' \"\$1\" | grep -q '^local  *made\$'" _ "$out"
  names=$($X "$CL" volume ls --format '{{.Name}}')
  expect "[$who] volume ls --format '{{.Name}}' and inspect --format" sh -c "printf '%s\n' \"\$1\" | grep -qx made && [ \"\$2\" = 'made local' ]" _ "$names" "$($X "$CL" volume inspect --format '{{.Name}} {{.Driver}}' made)"
  for bad in ../x a/b .. x; do
    run_cl_x volume create "$bad"
    expect "[$who] volume create '$bad' is refused (125)" sh -c "[ $RC = 125 ] && [ ! -e '$ROOT/x' ] && [ ! -e '$ROOT/volumes/a' ]"
  done
  run_cl_x run --rm --mount type=volume,src=../x,dst=/x "$BB" true
  expect "[$who] --mount type=volume,src=../x is refused (125)" [ "$RC" = 125 ]

  # Removing a volume never follows a symlink out of the store.
  echo precious >"$W/precious"; mkdir -p "$W/pdir"; echo p >"$W/pdir/p"
  $X "$CL" run --rm -v "sl:/d" -v "$W:/host" "$BB" sh -c 'ln -s /host/precious /d/file && ln -s /host/pdir /d/dir'
  $X sh -c "ln -s '$W/precious' '$ROOT/volumes/sl/_data/hostfile' && ln -s '$W/pdir' '$ROOT/volumes/sl/_data/hostdir'"
  run_cl_x volume rm sl
  expect "[$who] volume rm of a volume holding symlinks to host files leaves them intact" sh -c "[ $RC = 0 ] && [ \"\$(cat '$W/precious')\" = precious ] && [ -f '$W/pdir/p' ] && [ ! -e '$ROOT/volumes/sl' ]"

  # prune: anonymous unused ones; -a every unused one; system prune keeps them.
  $X "$CL" run --name keep -v /kept -v named-used:/n "$BB" true
  kept=$($X "$CL" inspect keep | jq -r '.[0].Mounts[0].Name')
  $X "$CL" system prune -f >/dev/null
  expect "[$who] system prune keeps volumes" [ -d "$ROOT/volumes/made" -a -d "$ROOT/volumes/$kept" -a -d "$ROOT/volumes/$anon" ]
  out=$($X "$CL" volume prune -f)
  expect "[$who] volume prune removes unused anonymous volumes only" sh -c "[ -d '$ROOT/volumes/made' ] && [ -d '$ROOT/volumes/$kept' ] && [ ! -e '$ROOT/volumes/$anon' ] && printf '%s\n' \"\$1\" | grep -qx '$anon'" _ "$out"
  out=$($X "$CL" volume prune -f -a)
  left=$($X "$CL" volume ls -q | sort | tr '\n' ' ')
  expect "[$who] volume prune -a removes every unused one, keeps those in use" [ "$left" = "$(printf '%s\n' "$kept" named-used | sort | tr '\n' ' ')" ]
  $X "$CL" rm -v keep >/dev/null
  left=$($X "$CL" volume ls -q)
  expect "[$who] rm -v removes the anonymous volume, keeps the named one" sh -c "printf '%s\n' \"\$1\" | grep -qx named-used && ! printf '%s\n' \"\$1\" | grep -qx '$kept'" _ "$left"
done

# Parsing, as root.
fresh_store
for bad in "a:b:c:d" ":/x" "vol:" "vol:/x:bogus" "vol:/x:ro,rw" "vol:rel"; do
  run_cl run --rm -v "$bad" "$BB" true
  expect "-v '$bad' is refused with 125" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ]" _ "$ERR"
done
run_cl run --rm -v aa:/x -v bb:/x/ "$BB" true
expect "a duplicate mount point is refused" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'duplicate mount point'" _ "$ERR"
run_cl run --rm --mount type=nfs,dst=/x "$BB" true
expect "--mount type=nfs is refused" [ "$RC" = 125 ]
run_cl volume rm nosuch
expect "volume rm of an unknown volume: exit 1; with -f: 0" sh -c "[ $RC = 1 ] && \"$CL\" volume rm -f nosuch"
"$CL" volume create loose >/dev/null
"$CL" run --name user-of -v used:/u "$BB" true
expect "volume ls -f dangling=true lists the unused ones, dangling=false the used ones" sh -c "[ \"\$(\"$CL\" volume ls -q -f dangling=true)\" = loose ] && [ \"\$(\"$CL\" volume ls -q -f dangling=false)\" = used ]"
expect "volume ls -f name=TEXT keeps the names holding TEXT; an unknown filter is refused" sh -c "[ \"\$(\"$CL\" volume ls -q -f name=oos)\" = loose ] && ! \"$CL\" volume ls -f colour=red 2>/dev/null"
"$CL" run --name holds-anon -v /held "$BB" true
held=$("$CL" inspect holds-anon | jq -r '.[0].Mounts[0].Name')
"$CL" run --name drop-anon -v /dropped "$BB" true
dropped=$("$CL" inspect drop-anon | jq -r '.[0].Mounts[0].Name')
"$CL" rm drop-anon >/dev/null
"$CL" volume create named-kept >/dev/null
out=$("$CL" system prune -f --volumes)
expect "system prune --volumes: the unused anonymous volumes go, used and named ones stay" sh -c "printf '%s\n' \"\$1\" | grep -qx 'Deleted Volumes:' && printf '%s\n' \"\$1\" | grep -qx '$dropped' && [ ! -e '$CRUNLOCAL_ROOT/volumes/$dropped' ] && [ -d '$CRUNLOCAL_ROOT/volumes/$held' ] && [ -d '$CRUNLOCAL_ROOT/volumes/named-kept' ]" _ "$out"
expect "run --help and volume --help describe volumes" sh -c "\"$CL\" run --help | grep -q 'anonymous' && \"$CL\" volume --help | grep -q 'prune'"

# spec -o: a bundle's volumes are named (an anonymous one would be no one's).
"$CL" spec -v bvol:/etc -v "$T:/host:ro" "$BB" -o "$T/bundle-vol" >/dev/null; RC=$?
expect "spec -o: the bundle binds the named volume (copied up) and the host path" sh -c "[ $RC = 0 ] && jq -e '[.mounts[] | select(.type == \"bind\") | .destination] | index(\"/etc\") and index(\"/host\")' \"$T/bundle-vol/config.json\" >/dev/null && [ -f \"$CRUNLOCAL_ROOT/volumes/bvol/_data/passwd\" ]"
run_cl spec -v /anon "$BB" -o "$T/bundle-anon"
expect "spec -o with an anonymous volume is refused" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'give it a name'" _ "$ERR"

# An image's VOLUME: an anonymous volume, filled from the image, unless a
# mount takes its place; parents are mounted before what is inside them.
python3 - "$T/images/layout" "$T/volimg" <<'PY'
import hashlib, json, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
shutil.copytree(src, dst)
idx = json.load(open(f"{dst}/index.json"))
m = next(x for x in idx["manifests"] if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == "v1")
blob = lambda d: f"{dst}/blobs/sha256/{d[7:]}"
man = json.load(open(blob(m["digest"])))
cfg = json.load(open(blob(man["config"]["digest"])))
cfg["config"]["Volumes"] = {"/etc": {}}
def put(obj):
    b = json.dumps(obj).encode()
    d = "sha256:" + hashlib.sha256(b).hexdigest()
    open(blob(d), "wb").write(b)
    return d, len(b)
man["config"]["digest"], man["config"]["size"] = put(cfg)
d, n = put(man)
idx["manifests"] = [dict(m, digest=d, size=n, annotations={"org.opencontainers.image.ref.name": "vol"})]
json.dump(idx, open(f"{dst}/index.json", "w"))
PY
VI=$("$CL" pull -q "oci:$T/volimg:vol")
before=$("$CL" volume ls -q | wc -l)
out=$("$CL" run --name iv "$VI" grep -c . /etc/passwd)
js=$("$CL" inspect iv)
anon=$(printf '%s' "$js" | jq -r '.[0].Mounts[0].Name')
expect "an image's VOLUME /etc: an anonymous volume filled from the image" sh -c "[ '$out' = 3 ] && printf '%s' \"\$1\" | jq -e '.[0].Mounts[0] | .Type == \"volume\" and .Destination == \"/etc\"' >/dev/null && [ -f '$CRUNLOCAL_ROOT/volumes/$anon/_data/passwd' ]" _ "$js"
"$CL" rm -v iv >/dev/null
"$CL" run --rm -v vetc:/etc "$VI" true
expect "a -v on the VOLUME's path takes its place (no anonymous volume)" sh -c "[ \$(\"$CL\" volume ls -q | wc -l) = $((before + 1)) ] && [ -f '$CRUNLOCAL_ROOT/volumes/vetc/_data/passwd' ]"
"$CL" run --rm -v vsub:/etc/sub "$VI" sh -c 'echo s >/etc/sub/s && grep -q root /etc/passwd'; RC=$?
expect "-v vsub:/etc/sub inside the VOLUME /etc: mounted after it, so it shows" sh -c "[ $RC = 0 ] && [ -f '$CRUNLOCAL_ROOT/volumes/vsub/_data/s' ] && [ \$(\"$CL\" volume ls -q | wc -l) = $((before + 2)) ]"
