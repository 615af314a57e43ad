# crunlocal spec -o DIR writes an OCI bundle whose config.json passes the
# runtime-spec schema; crunlocal run --bundle runs any bundle.
. "$TOP/test/lib.sh"
BB=$REG/busybox
schema () { python3 "$TOP/test/tools/specschema.py" "$1" >"$T/schema.out" 2>&1; }

for who in root crltest crlnosub; do
  if [ "$who" = root ]; then fresh_store; X=""; B=$T/bundle-root; else X="as_user $who"; B=$T/users/$who/bundle; fi
  $X "$CL" spec "$BB" sh -c 'echo from-bundle; id -u; exit 5' -o "$B" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "[$who] spec IMAGE CMD -o DIR writes rootfs/ and config.json" sh -c "[ $RC = 0 ] && [ -x '$B/rootfs/bin/busybox' ] && [ -f '$B/config.json' ]"
  schema "$B/config.json"; RC=$?; ERR=$(cat "$T/schema.out")
  expect "[$who] the config.json passes the runtime-spec schema" [ "$RC" = 0 ]
  maps=$(jq -r '"\((.linux.uidMappings // []) | length),\(.linux.namespaces | map(.type) | index("user") != null)"' "$B/config.json")
  case $who in
    root) want=0,false ;;
    crltest) want=2,true ;;  # the user, then the subordinate range
    crlnosub) want=1,true ;;
  esac
  expect "[$who] the bundle carries the user namespace it needs ($want)" [ "$maps" = "$want" ]
  out=$($X "$CL" run --bundle "$B" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "[$who] run --bundle runs it: output and exit code (5)" [ "$RC" = 5 -a "$(echo $out)" = "from-bundle 0" ]
  $X "$CL" spec "$BB" -o "$B" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "[$who] spec into a non-empty directory fails (125) and leaves it" sh -c "[ $RC = 125 ] && grep -q 'is not empty' \"$T/err\" && [ -x '$B/rootfs/bin/busybox' ]"
done

# What the flags carry into the bundle, and the bundle into the run.
fresh_store
"$CL" spec -e FOO=bar --init --hostname hb -w /work "$BB" sh -c 'echo $FOO $(hostname) $(pwd) $(cat /proc/1/comm)' -o "$T/b2" 2>"$T/err"; RC=$?
schema "$T/b2/config.json"; SRC=$?
expect "spec: -e, --init, --hostname, -w reach config.json, which stays valid" sh -c "[ $RC = 0 ] && [ $SRC = 0 ] && jq -e '(.process.env | index(\"FOO=bar\")) and .hostname == \"hb\" and .process.cwd == \"/work\" and .annotations[\"io.crunlocal.init\"] == \"true\"' '$T/b2/config.json' >/dev/null"
expect "run --bundle honours them" [ "$("$CL" run --bundle "$T/b2")" = "bar hb /work init" ]
# The bundle is runc's as much as ours: runc runs it (its /dev nodes
# made by mknod must open: nodev on /dev is this runtime's, not the spec's).
"$CL" spec "$BB" sh -c 'echo via-runc >/dev/null && echo via-runc' -o "$T/b5" 2>/dev/null
out=$(cd "$T/b5" && runc run "crl-t$$" 2>&1); RC=$?
expect "runc runs the bundle spec -o writes" sh -c "[ $RC = 0 ] && [ '$out' = via-runc ]"
"$CL" spec --output="$T/b3" "$REG/whiteout" true 2>/dev/null
expect "spec flattens the layers: whiteouts and opaque dirs resolved" sh -c "[ \"\$(ls '$T/b3/rootfs/a' | tr '\n' ' ')\" = 'y ' ] && [ \"\$(ls '$T/b3/rootfs/d' | wc -l)\" = 1 ] && [ -f '$T/b3/rootfs/new' ] && ! find '$T/b3/rootfs' -name '.wh.*' | grep -q ."

# Bad input: one line, 125, nothing left behind.
"$CL" spec --pull=never localhost:1/nosuch:1 -o "$T/b4" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "spec of an unknown image fails (125) and creates no directory" sh -c "[ $RC = 125 ] && [ $(lines "$ERR") = 1 ] && [ ! -e '$T/b4' ]"
expect "its reason has no stray errno text (': No such file or directory')" sh -c "printf '%s' \"\$1\" | grep -q 'image not known' && ! printf '%s' \"\$1\" | grep -q 'No such file'" _ "$ERR"
run_cl pull -q "$REG/busybox:no-such-tag"
expect "pull of a tag the registry has not: 125, the registry's reason, no stray errno text" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'not found: .*MANIFEST_UNKNOWN' && ! printf '%s' \"\$1\" | grep -q 'No such file'" _ "$ERR"
"$CL" spec "$BB" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "spec without -o is a usage error (125)" sh -c "[ $RC = 125 ] && grep -q 'requires -o DIR' \"$T/err\""
mkdir -p "$T/b5/rootfs"; echo '{"ociVersion": "1.0.2", "process": ' >"$T/b5/config.json"
"$CL" run --bundle "$T/b5" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "run --bundle of a broken config.json: one line, 125" sh -c "[ $RC = 125 ] && [ $(lines "$ERR") = 1 ] && grep -q 'config.json' \"$T/err\""
jq --arg root "$T/b2/rootfs" '.root.path = $root | .process.args = ["mkdir", "/tmp/x"] | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}' "$T/b2/config.json" >"$T/b5/config.json"
"$CL" run --bundle "$T/b5" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "run --bundle applies linux.seccomp (a filter that makes mkdir EACCES)" sh -c "[ $RC = 1 ] && grep -q 'Permission denied' \"$T/err\""
"$CL" run --bundle "$T/nonexistent" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "run --bundle of a missing directory: one line, 125" sh -c "[ $RC = 125 ] && [ $(lines "$ERR") = 1 ]"
"$CL" run --bundle "$T/b2" "$BB" 2>"$T/err"; RC=$?
expect "run --bundle with an image too is a usage error" [ "$RC" = 125 ]
