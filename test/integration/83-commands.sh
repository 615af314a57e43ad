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
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; $X "$CL" rm -af >/dev/null 2>&1; rm -rf "$T/users/$who/root" "$T/users/$who/run"; fi
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
  $X "$CL" tag "$BB" busybox >/dev/null
  xcl rmi busybox
  out=$($X "$CL" images --format '{{.Repository}}:{{.Tag}}' | LC_ALL=C sort | tr '\n' ' ')
  expect "[$who] rmi SHORT-NAME untags the local name it means (localhost/), as podman" sh -c "[ $RC = 0 ] && [ \"\$1\" = 'Untagged: localhost/busybox:latest' ] && [ \"\$2\" = '$BB:latest example.com:5000/a/b:v1 ' ]" _ "$OUT" "$out"
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

# --- history: an OCI layout whose config has a history (an empty_layer
# entry, a comment, a long CREATED BY) ---
fresh_store
python3 - "$T/hist" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[0] and __import__("os").environ["TOP"] + "/test/tools")
from mkimages import Image, tar_bytes, busybox_rootfs, write_oci_layout, sha
img = Image([tar_bytes(busybox_rootfs()), tar_bytes([("hi", "file", b"hi\n" * 1000, 0o644, 0, 0)])], oci=True)
cfg = json.loads(img.config)
cfg["history"] = [
    {"created": "2023-11-14T22:13:20Z", "created_by": "/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef0123456789abcdef in / "},
    {"created": "2023-11-14T22:13:21Z", "created_by": "/bin/sh -c #(nop)  CMD [\"sh\"]", "empty_layer": True},
    {"created": "2023-11-14T22:13:22Z", "created_by": "RUN /bin/sh -c echo hi > /hi", "comment": "buildkit.dockerfile.v0"}]
cb = json.dumps(cfg).encode()
del img.blobs[sha(img.config)]
img.blobs[sha(cb)] = cb
img.config = cb
m = json.loads(img.manifest)
m["config"]["digest"], m["config"]["size"] = sha(cb), len(cb)
img.manifest = json.dumps(m).encode()
write_oci_layout(sys.argv[1], {"h": img})
PY
HID=$("$CL" pull -q "oci:$T/hist:h")
"$CL" tag "$HID" hist:1
run_cl history hist:1
expect "history: podman's header, newest first, the image's ID then <missing>, 0B for an empty layer" sh -c "[ $RC = 0 ] && printf '%s\n' \"\$1\" | sed -n 1p | grep -q '^ID  *CREATED  *CREATED BY  *SIZE  *COMMENT\$' && [ \$(printf '%s\n' \"\$1\" | wc -l) = 4 ] && printf '%s\n' \"\$1\" | sed -n 2p | grep -q '^$(echo "$HID" | cut -c1-12)  .* years ago  *RUN /bin/sh -c echo hi > /hi  *[0-9.]*[kM]B  *buildkit.dockerfile.v0\$' && printf '%s\n' \"\$1\" | sed -n 3p | grep -q '^<missing>  .*CMD \[\"sh\"\]  *0B  *\$' && printf '%s\n' \"\$1\" | sed -n 4p | grep -q '^<missing> .*ADD file:0123456789abcde\.\.\.  *[0-9.]*MB  *\$'" _ "$OUT"
run_cl history --no-trunc hist:1
expect "history --no-trunc: the full ID and CREATED BY" sh -c "printf '%s\n' \"\$1\" | grep -q '^$HID ' && printf '%s\n' \"\$1\" | grep -q 'abcdef0123456789abcdef in /'" _ "$OUT"
run_cl history -q hist:1
expect "history -q: IDs only" [ "$OUT" = "$(printf '%s\n<missing>\n<missing>' "$(echo "$HID" | cut -c1-12)")" ]
run_cl history --format '{{.ID}}|{{.CreatedBy}}|{{.Size}}' hist:1
expect "history --format: a template" sh -c "printf '%s\n' \"\$1\" | sed -n 2p | grep -qx '<missing>|/bin/sh -c #(nop)  CMD \[\"sh\"\]|0B'" _ "$OUT"
run_cl history --format json hist:1
expect "history --format json: podman's keys, the sizes in bytes" sh -c "printf '%s' \"\$1\" | jq -e 'length == 3 and .[0].id == \"$HID\" and .[0].comment == \"buildkit.dockerfile.v0\" and (.[0].tags | index(\"localhost/hist:1\")) != null and .[1].size == 0 and .[2].size > 1000000 and .[1].id == \"<missing>\" and .[2].created == \"2023-11-14T22:13:20Z\"' >/dev/null" _ "$OUT"
"$CL" pull -q "$BB" >/dev/null
run_cl history "$BB"
expect "history of an image without history: a row per layer" sh -c "[ $RC = 0 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 2 ]" _ "$OUT"
run_cl history nosuch
expect "history of an unknown image: 125, image not known" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -qx 'crunlocal: nosuch: image not known'" _ "$ERR"
run_cl history --format '{{.Bogus}}' "$BB"
expect "history --format with an unknown field: 125" [ "$RC" = 125 ]

# --- rename ---
for who in root crltest; do
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; fi
  $X "$CL" run -d --name ren1 "$BB" sleep 1000 >/dev/null
  $X "$CL" run --name other "$BB" true
  xcl rename ren1 ren2
  names=$($X "$CL" ps -a --format '{{.Names}}' | LC_ALL=C sort | tr '\n' ' ')
  stopped=$($X "$CL" stop -t 1 ren2 2>&1)
  expect "[$who] rename of a running container: ps shows the new name, stop finds it" sh -c "[ $RC = 0 ] && [ \"\$1\" = 'other ren2 ' ] && [ \"\$2\" = ren2 ]" _ "$names" "$stopped"
  xcl rename ren2 other
  expect "[$who] rename to a name in use: 125, podman's message" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'the container name \"other\" is already in use by'" _ "$ERR"
  n=$($X "$CL" ps -a --format '{{.Names}}' | LC_ALL=C sort | tr '\n' ' ')
  expect "[$who] ... and both containers keep their names" [ "$n" = "other ren2 " ]
  xcl rename ren2 'bad/name'
  expect "[$who] rename to an invalid name: 125, the rule" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'names must match \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]\*'" _ "$ERR"
  xcl rename nosuch x
  expect "[$who] rename of an unknown container: 125" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'no such container: nosuch'" _ "$ERR"
  $X "$CL" rm -af >/dev/null 2>&1
done

# --- top ---
for who in root crltest; do
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; fi
  $X "$CL" run -d --name top1 "$BB" sh -c 'sleep 1111 & exec sleep 2222' >/dev/null
  $X "$CL" run -d -u user --name top2 "$BB" sleep 3333 >/dev/null
  for _ in $(seq 1 50); do pgrep -f '^sleep 1111$' >/dev/null && break; sleep 0.1; done
  xcl top top1
  expect "[$who] top: podman's default columns; PID 1 and its child as the container sees them" sh -c "[ $RC = 0 ] && printf '%s\n' \"\$1\" | sed -n 1p | grep -q '^USER  *PID  *PPID  *%CPU  *ELAPSED  *TTY  *TIME  *COMMAND\$' && printf '%s\n' \"\$1\" | grep -q '^root  *1  *0  *[0-9]*\.[0-9][0-9][0-9]  *[0-9.]*m\{0,1\}[0-9.]*s  *?  *0s  *sleep 2222\$' && printf '%s\n' \"\$1\" | grep -q '^root  *[0-9]*  *1  .*sleep 1111\$' && [ \$(printf '%s\n' \"\$1\" | wc -l) = 3 ]" _ "$OUT"
  xcl top top2 user,group pid comm
  expect "[$who] top with descriptors: a user of the image by name; only that container's processes" sh -c "[ $RC = 0 ] && [ \"\$(printf '%s\n' \"\$1\" | tr -s ' ')\" = \"\$(printf 'USER GROUP PID COMMAND\nuser user 1 sleep')\" ]" _ "$OUT"
  xcl top top1 pid bogus
  expect "[$who] top with an unknown descriptor: 125" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'unknown descriptor: bogus'" _ "$ERR"
  $X "$CL" run --name top3 "$BB" true
  xcl top top3
  expect "[$who] top of a container that is not running: 125" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'top can only be used on running containers'" _ "$ERR"
  $X "$CL" rm -af >/dev/null 2>&1
done

# --- restart, stop -a, kill -a, wait on several, wait --condition ---
for who in root crltest; do
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; fi
  id=$($X "$CL" run -d --name rs "$BB" sh -c 'echo ran; exec sleep 1000')
  for _ in $(seq 1 50); do [ "$($X "$CL" logs rs 2>/dev/null)" = ran ] && break; sleep 0.1; done
  pid1=$($X "$CL" inspect rs | jq -r '.[0].State.Pid')
  xcl restart -t 1 rs
  for _ in $(seq 1 50); do [ "$($X "$CL" logs rs 2>/dev/null | wc -l)" = 2 ] && break; sleep 0.1; done
  st=$($X "$CL" inspect rs | jq -r '.[0] | "\(.Id) \(.State.Status) \(.State.Pid) \(.Name)"')
  logs=$($X "$CL" logs rs | tr '\n' ' ')
  expect "[$who] restart: prints the name; same ID and name, running anew, the log continues" sh -c "[ $RC = 0 ] && [ \"\$1\" = rs ] && [ \"\${2% *}\" != '$id running $pid1' ] && printf '%s' \"\$2\" | grep -q '^$id running [0-9][0-9]* rs\$' && [ \"\$3\" = 'ran ran ' ]" _ "$OUT" "$st" "$logs"
  $X "$CL" run --name rx "$BB" sh -c 'exit 3'
  xcl restart rx
  st=$($X "$CL" inspect rx | jq -r '.[0].State.Status')
  for _ in $(seq 1 50); do st=$($X "$CL" inspect rx | jq -r '.[0].State.ExitCode'); [ "$st" = 3 ] && break; sleep 0.1; done
  expect "[$who] restart of an exited container starts it (its exit recorded anew)" sh -c "[ $RC = 0 ] && [ '$OUT' = rx ] && [ '$st' = 3 ]"
  xcl restart nosuch
  expect "[$who] restart of an unknown container: 125" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'no such container: nosuch'" _ "$ERR"
  id2=$($X "$CL" run -d --name sa2 "$BB" sleep 1000)
  xcl stop -a -t 1
  states=$($X "$CL" ps -a --format '{{.Names}} {{.State}}' | LC_ALL=C sort | tr '\n' ' ')
  expect "[$who] stop -a: every running container stopped, printed by full ID" sh -c "[ $RC = 0 ] && [ \"\$(printf '%s\n' \"\$1\" | LC_ALL=C sort | tr '\n' ' ')\" = \"\$(printf '%s\n' '$id' '$id2' | LC_ALL=C sort | tr '\n' ' ')\" ] && [ \"\$2\" = 'rs exited rx exited sa2 exited ' ]" _ "$OUT" "$states"
  xcl stop -a rs
  expect "[$who] stop -a with names: usage error, 125" [ "$RC" = 125 ]
  $X "$CL" start rs sa2 >/dev/null
  xcl kill -a
  for _ in $(seq 1 50); do [ -z "$($X "$CL" ps -q)" ] && break; sleep 0.1; done
  codes=$($X "$CL" ps -a --format '{{.Names}} {{.ExitCode}}' | LC_ALL=C sort | tr '\n' ' ')
  expect "[$who] kill -a: SIGKILL to every running container" sh -c "[ $RC = 0 ] && [ \$(printf '%s\n' \"\$1\" | grep -c .) = 2 ] && [ \"\$2\" = 'rs 137 rx 3 sa2 137 ' ]" _ "$OUT" "$codes"
  $X "$CL" rm -af >/dev/null 2>&1
  $X "$CL" run -d --name w1 "$BB" sh -c 'sleep 0.5; exit 3' >/dev/null
  $X "$CL" run -d --name w2 "$BB" sh -c 'sleep 0.2; exit 4' >/dev/null
  xcl wait w1 w2
  expect "[$who] wait on several containers: each exit code in order" [ "$RC:$(echo $OUT)" = "0:3 4" ]
  $X "$CL" wait --condition running w1 >"$T/wait.out" 2>&1 &
  wpid=$!
  sleep 0.5
  kill -0 "$wpid" 2>/dev/null; waiting=$?
  $X "$CL" start w1 >/dev/null
  for _ in $(seq 1 50); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$wpid" 2>/dev/null; running=$?
  [ "$running" = 0 ] && kill "$wpid"
  wait "$wpid"; wrc=$?
  expect "[$who] wait --condition running: waits for an exited container until it starts" sh -c "[ $waiting = 0 ] && [ $running != 0 ] && [ $wrc = 0 ] && [ \"\$(cat '$T/wait.out')\" = -1 ]"
  xcl wait --condition bogus w1
  expect "[$who] wait --condition of an unknown condition: 125" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'invalid condition'" _ "$ERR"
  $X "$CL" rm -af >/dev/null 2>&1
done

# --- system df ---
for who in root crltest; do
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; $X "$CL" rm -af >/dev/null 2>&1; rm -rf "$T/users/$who/root" "$T/users/$who/run"; fi
  xcl system df
  expect "[$who] system df of an empty store: podman's columns, zeros" sh -c "[ $RC = 0 ] && [ \"\$(printf '%s\n' \"\$1\" | tr -s ' ')\" = \"\$(printf 'TYPE TOTAL ACTIVE SIZE RECLAIMABLE\nImages 0 0 0B 0B (0%%)\nContainers 0 0 0B 0B (0%%)\nLocal Volumes 0 0 0B 0B (0%%)')\" ]" _ "$OUT"
  $X "$CL" pull -q "$BB" >/dev/null
  $X "$CL" pull -q "$REG/whiteout" >/dev/null
  $X "$CL" run --name wrote "$BB" sh -c 'head -c 100000 /bin/busybox >/big'
  $X "$CL" run --rm -v dfvol1:/d "$BB" sh -c 'head -c 50000 /bin/busybox >/d/f'
  $X "$CL" run --rm -v dfvol2:/d "$BB" sh -c 'head -c 30000 /bin/busybox >/d/f'
  $X "$CL" run -d --name up -v dfvol1:/data "$BB" sleep 1000 >/dev/null
  xcl system df --format json
  expect "[$who] system df: images (one in use: its layers not reclaimable), containers (what the exited one wrote is)" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | jq -e '.[0].Type == \"Images\" and .[0].Total == 2 and .[0].Active == 1 and .[0].Size > .[0].Reclaimable and .[0].Reclaimable > 0 and .[1].Type == \"Containers\" and .[1].Total == 2 and .[1].Active == 1 and .[1].Reclaimable >= 100000 and .[1].Reclaimable < 110000 and .[1].Size >= .[1].Reclaimable' >/dev/null" _ "$OUT"
  expect "[$who] system df: local volumes (one in use, the unused one's bytes reclaimable)" sh -c "printf '%s' \"\$1\" | jq -e '.[2].Type == \"Local Volumes\" and .[2].Total == 2 and .[2].Active == 1 and .[2].Size == 80000 and .[2].Reclaimable == 30000' >/dev/null" _ "$OUT"
  xcl system df -v
  expect "[$who] system df -v: a row per image, container and volume, podman's headers" sh -c "[ $RC = 0 ] && printf '%s\n' \"\$1\" | grep -q '^Images space usage:\$' && printf '%s\n' \"\$1\" | grep -q '^REPOSITORY  *TAG  *IMAGE ID  *CREATED  *SIZE  *SHARED SIZE  *UNIQUE SIZE  *CONTAINERS\$' && printf '%s\n' \"\$1\" | grep -q '^CONTAINER ID  *IMAGE  *COMMAND  *LOCAL VOLUMES  *SIZE  *CREATED  *STATUS  *NAMES\$' && printf '%s\n' \"\$1\" | grep -q '^[0-9a-f]\{12\}  .*  1  .*  up\$' && printf '%s\n' \"\$1\" | grep -q '^VOLUME NAME  *LINKS  *SIZE\$' && printf '%s\n' \"\$1\" | grep -q '^dfvol1  *1  *50kB\$' && printf '%s\n' \"\$1\" | grep -q '^dfvol2  *0  *30kB\$'" _ "$OUT"
  xcl system df
  expect "[$who] system df table: sizes as podman prints them" sh -c "printf '%s\n' \"\$1\" | grep -q '^Containers  *2  *1  *[0-9.]*kB  *1[0-9.]*kB ([0-9]*%)\$' && printf '%s\n' \"\$1\" | grep -q '^Images  *2  *1  *[0-9.]*MB  *[0-9.]*[kM]B ([0-9]*%)\$'" _ "$OUT"
  $X "$CL" rm -af >/dev/null 2>&1
  $X "$CL" volume rm dfvol1 dfvol2 >/dev/null 2>&1
  xcl system df --format '{{.Type}} {{.Reclaimable}}'
  expect "[$who] system df with no containers: every image reclaimable (100%)" sh -c "printf '%s\n' \"\$1\" | grep -q '^Images .* (100%)\$' && printf '%s\n' \"\$1\" | grep -qx 'Containers 0B (0%)'" _ "$OUT"
done

# --- info: podman's fields, json, templates, text ---
for who in root crltest; do
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; $X "$CL" rm -af >/dev/null 2>&1; fi
  $X "$CL" run -d --name inf1 "$BB" sleep 1000 >/dev/null
  $X "$CL" run --name inf2 "$BB" true
  root=$($X sh -c 'echo $CRUNLOCAL_ROOT')
  nimg=$($X "$CL" images -q --no-trunc | sort -u | wc -l)
  xcl info --format json
  uid=$(id -u "$who")
  sub=$(grep "^$who:" /etc/subuid | head -n 1 | cut -d: -f2)
  expect "[$who] info --format json: podman's host and store keys, counts by state" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | jq -e --arg k \"\$(uname -r)\" --arg r '$root' '.host.kernel == \$k and .host.os == \"linux\" and .host.cpus > 0 and .host.memTotal > 0 and .host.ociRuntime.name == \"crunlocal\" and (.host.cgroupVersion | test(\"^v[12]\$\")) and .store.graphRoot == \$r and .store.containerStore.number == 2 and .store.containerStore.running == 1 and .store.containerStore.stopped == 1 and .store.imageStore.number == $nimg and .store.volumePath == (\$r + \"/volumes\") and .version.Version != null and .host.security.rootless == ($uid != 0)' >/dev/null" _ "$OUT"
  if [ "$who" = root ]; then
    expect "[$who] info: no id mappings for root (null, as podman)" sh -c "printf '%s' \"\$1\" | jq -e '.host.idMappings.uidmap == null' >/dev/null" _ "$OUT"
  else
    expect "[$who] info: the id mappings, container 0 to the user, then the subordinate range" sh -c "printf '%s' \"\$1\" | jq -e '.host.idMappings.uidmap[0] == {container_id: 0, host_id: $uid, size: 1} and .host.idMappings.uidmap[1].host_id == $sub and .host.idMappings.gidmap[1].size == 65536' >/dev/null" _ "$OUT"
  fi
  xcl info --format '{{.Host.Kernel}}|{{.Store.GraphRoot}}|{{.Store.ContainerStore.Running}}|{{.Host.OS}}'
  expect "[$who] info --format TEMPLATE: podman's Go field names" [ "$OUT" = "$(uname -r)|$root|1|linux" ]
  xcl system info --format '{{json .Store.ImageStore}}'
  expect "[$who] system info is info; {{json}} in a template" [ "$OUT" = "{\"Number\":$nimg}" ]
  xcl info
  expect "[$who] info: YAML as podman prints it" sh -c "[ $RC = 0 ] && printf '%s\n' \"\$1\" | grep -qx 'host:' && printf '%s\n' \"\$1\" | grep -qx \"  kernel: \$(uname -r)\" && printf '%s\n' \"\$1\" | grep -qx '    running: 1' && printf '%s\n' \"\$1\" | grep -qx '    - docker.io'" _ "$OUT"
  xcl info --format '{{.Host.Kernel'
  expect "[$who] info with a broken template: 125" [ "$RC" = 125 ]
  $X "$CL" rm -af >/dev/null 2>&1
done

# --- login, logout: checked against the basic-auth and the bearer-token
# registries, kept in the auth file pull reads ---
fresh_store
AF=$T/login-auth.json
export REGISTRY_AUTH_FILE="$AF"
printf '{"auths":{"other.example":{"auth":"%s"}},"credHelpers":{"x.example":"pass"}}' "$(printf a:b | base64)" >"$AF"
for reg in "$REG_BASIC" "$REG_TOKEN"; do
  kind=basic; [ "$reg" = "$REG_TOKEN" ] && kind=token
  before=$(cat "$AF")
  run_cl login -u testuser -p wrongpass "$reg"
  expect "[$kind] login with a wrong password: non-zero, nothing stored, no password shown" sh -c "[ $RC != 0 ] && printf '%s' \"\$1\" | grep -q 'authentication to .* failed' && ! printf '%s%s' \"\$1\" \"\$2\" | grep -q wrongpass && [ \"\$(cat '$AF')\" = \"\$3\" ] && ! grep -q '$reg' '$AF'" _ "$ERR" "$OUT" "$before"
  echo testpass | "$CL" login -u testuser --password-stdin "$reg" >"$T/out" 2>"$T/err"; RC=$?
  expect "[$kind] login --password-stdin: Login Succeeded!, the entry stored (0600), other entries and keys kept" sh -c "[ $RC = 0 ] && [ \"\$(cat '$T/out')\" = 'Login Succeeded!' ] && ! grep -q testpass '$T/out' '$T/err' && [ \"\$(jq -r '.auths[\"$reg\"].auth' '$AF' | base64 -d)\" = testuser:testpass ] && jq -e '.auths[\"other.example\"] and .credHelpers[\"x.example\"] == \"pass\"' '$AF' >/dev/null && [ \$(stat -c %a '$AF') = 600 ]"
done
run_cl pull -q "$REG_BASIC/busybox"
expect "after login: pull from the basic-auth registry needs no other credentials" [ "$RC:$OUT" = "0:$BBID" ]
fresh_store
run_cl pull -q "$REG_TOKEN/private/busybox"
expect "after login: pull of a private image through bearer tokens" [ "$RC:$OUT" = "0:$BBID" ]
run_cl logout "$REG_BASIC"
expect "logout REGISTRY: podman's message, the entry gone, the others kept" sh -c "[ $RC = 0 ] && [ \"\$1\" = 'Removed login credentials for $REG_BASIC' ] && [ \"\$(jq -r '.auths | keys | sort | join(\" \")' '$AF')\" = '$REG_TOKEN other.example' ]" _ "$OUT"
fresh_store
run_cl pull -q "$REG_BASIC/busybox"
expect "after logout: the basic-auth registry refuses the pull again" [ "$RC" = 125 ]
run_cl logout "$REG_BASIC"
expect "logout of a registry not logged into: 125" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'not logged into $REG_BASIC'" _ "$ERR"
run_cl logout -a
expect "logout -a: every entry gone, other keys kept" sh -c "[ $RC = 0 ] && [ \"\$(jq -r '.auths | length' '$AF')\" = 0 ] && jq -e '.credHelpers' '$AF' >/dev/null"
run_cl login -u testuser -p testpass --password-stdin "$REG_BASIC"
expect "login with -p and --password-stdin: usage error, 125" [ "$RC" = 125 ]
script -qec "'$CL' login -u testuser -p testpass '$REG_BASIC'" /dev/null >"$T/tty.out" 2>&1; RC=$?
expect "login -p on a terminal warns as podman does, and works" sh -c "[ $RC = 0 ] && grep -q 'WARNING! Using --password via the cli is insecure' '$T/tty.out' && grep -q 'Login Succeeded!' '$T/tty.out'"
unset REGISTRY_AUTH_FILE
# Without $REGISTRY_AUTH_FILE: $XDG_RUNTIME_DIR/containers/auth.json, as a user too.
for who in root crltest; do
  if [ "$who" = root ]; then fresh_store; X="env XDG_RUNTIME_DIR=$T/xdg-root"; XD=$T/xdg-root; else XD=$T/users/$who/xdg; X="as_user $who env XDG_RUNTIME_DIR=$XD"; fi
  mkdir -p "$XD"; [ "$who" = root ] || chown "$who" "$XD"
  echo testpass | $X "$CL" login -u testuser --password-stdin "$REG_BASIC" >/dev/null 2>"$T/err"; RC=$?
  xcl pull -q "$REG_BASIC/busybox"
  expect "[$who] login writes \$XDG_RUNTIME_DIR/containers/auth.json (0600) and pull reads it" sh -c "[ $RC = 0 ] && [ '$OUT' = '$BBID' ] && [ \$(stat -c %a '$XD/containers/auth.json') = 600 ]"
  xcl logout "$REG_BASIC"
  expect "[$who] logout removes it there" sh -c "[ $RC = 0 ] && [ \"\$(jq -r '.auths | length' '$XD/containers/auth.json')\" = 0 ]"
done

# --- events: appended by every command, read and followed by `events` ---
for who in root crltest; do
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; $X "$CL" rm -af >/dev/null 2>&1; rm -rf "$T/users/$who/root" "$T/users/$who/run"; fi
  $X "$CL" pull -q "$BB" >/dev/null || $X "$CL" pull -q "$BB" >/dev/null
  sleep 1.1
  t=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
  $X "$CL" run --rm --name ev1 "$BB" true
  id=$($X "$CL" run -d --rm --name ev2 "$BB" sh -c 'sleep 0.3')
  for _ in $(seq 1 50); do [ -z "$($X "$CL" ps -aq)" ] && break; sleep 0.1; done
  xcl events --stream=false --format json --filter container=ev1
  statuses=$(printf '%s\n' "$OUT" | jq -r .Status | tr '\n' ' ')
  ids=$(printf '%s\n' "$OUT" | jq -r .ID | sort -u | wc -l)
  start=$(printf '%s\n' "$OUT" | jq -c 'select(.Status == "start") | [.Name, .Image, .Type, (.Time | test("^20[0-9-]*T[0-9:.]*Z$")), .timeNano > 0]')
  expect "[$who] events --format json: create, start, died, remove of a run --rm, in order" sh -c "[ $RC = 0 ] && [ \"\$1\" = 'create start died remove ' ] && [ $ids = 1 ] && [ \"\$2\" = '[\"ev1\",\"$BB\",\"container\",true,true]' ]" _ "$statuses" "$start"
  xcl events --stream=false --filter container=ev2
  expect "[$who] events (podman's text): a detached --rm one too, its monitor's died named" sh -c "[ \"\$(printf '%s\n' \"\$1\" | awk '{print \$6, \$7}' | tr '\n' ' ')\" = 'create $id start $id died $id remove $id ' ] && printf '%s\n' \"\$1\" | grep -q '^20[0-9-]* [0-9:.]* +0000 UTC container died $id (image=$BB, name=ev2)\$'" _ "$OUT"
  xcl events --stream=false --until "$t" --format '{{.Type}} {{.Status}} {{.Name}}'
  out_until=$OUT
  xcl events --stream=false --since "$t" --filter type=image
  expect "[$who] events --until and --since split at a time" sh -c "[ \"\$1\" = 'image pull $BB:latest' ] && [ -z \"\$2\" ]" _ "$out_until" "$OUT"
  $X "$CL" events --filter type=image --filter event=tag --format '{{.Status}} {{.Name}}' >"$T/ev.out" 2>&1 &
  epid=$!
  sleep 0.5
  $X "$CL" tag "$BB" evtag:1
  for _ in $(seq 1 50); do grep -q evtag "$T/ev.out" && break; sleep 0.1; done
  kill -0 "$epid" 2>/dev/null; alive=$?
  kill "$epid" 2>/dev/null; wait "$epid" 2>/dev/null
  # As a user, $epid is the subshell of as_user: its crunlocal too.
  [ "$who" = root ] || pkill -u "$who" -f "$CL events --filter type=image --filter event=tag"
  expect "[$who] events follows the log: a tag made afterwards shows" sh -c "[ $alive = 0 ] && [ \"\$(cat '$T/ev.out')\" = 'tag localhost/evtag:1' ]"
done
run_cl events --stream=false --filter color=red
expect "events with an unknown filter: 125" [ "$RC" = 125 ]

# --- create, then start ---
for who in root crltest; do
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; fi
  xcl create --name cr1 "$BB" sh -c 'echo hi; exit 5'
  id=$OUT
  st=$($X "$CL" ps -a --format '{{.Names}} {{.Status}}')
  insp=$($X "$CL" inspect cr1 | jq -r '.[0].State.Status')
  expect "[$who] create: prints the ID; the container is Created, nothing runs" sh -c "[ $RC = 0 ] && printf '%s' '$id' | grep -qx '[0-9a-f]\{64\}' && [ \"\$1\" = 'cr1 Created' ] && [ '$insp' = created ] && ! printf '%s' \"\$2\" | grep -q hi" _ "$st" "$($X "$CL" logs cr1 2>&1)"
  xcl start -a cr1
  st=$($X "$CL" ps -a --format '{{.Status}}')
  expect "[$who] start -a of a created container: its output and its exit code" sh -c "[ $RC = 5 ] && [ '$OUT' = hi ] && printf '%s' \"\$1\" | grep -q '^Exited (5)'" _ "$st"
  $X "$CL" create --name cr3 "$BB" sh -c 'echo out; echo err >&2; exit 3' >/dev/null
  xcl start -a cr3
  expect "[$who] start -a attaches: stdout to stdout, stderr to stderr, its exit code" sh -c "[ $RC = 3 ] && [ '$OUT' = out ] && [ \"\$1\" = err ]" _ "$ERR"
  $X "$CL" create -i --name cr4 "$BB" sh -c 'read l; echo "got $l"' >/dev/null
  OUT=$(echo typed | $X "$CL" start -a -i cr4 2>&1); RC=$?
  expect "[$who] start -a -i: our stdin reaches a container created with -i" sh -c "[ $RC = 0 ] && [ '$OUT' = 'got typed' ]"
  xcl start -i cr4
  expect "[$who] start -i without -a: a usage error" [ "$RC" = 125 ]
  $X "$CL" create --name cr2 "$BB" sleep 1000 >/dev/null
  xcl start cr2
  up=$($X "$CL" ps --format '{{.Names}}')
  $X "$CL" stop -t 1 cr2 >/dev/null
  expect "[$who] start of a created container runs it detached" sh -c "[ $RC = 0 ] && [ '$OUT' = cr2 ] && [ \"\$1\" = cr2 ]" _ "$up"
  xcl create --name cr1 "$BB" true
  expect "[$who] create with a name in use: 125" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'already in use'" _ "$ERR"
  $X "$CL" rm -af >/dev/null 2>&1
done
