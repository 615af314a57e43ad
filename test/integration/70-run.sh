# crunlocal run: exit codes, signals, isolation, volumes, the spec's
# options, and cleanliness — as root and as real unprivileged users.
. "$TOP/test/lib.sh"
BB=$REG/busybox

mounts_now () { grep -c . /proc/self/mountinfo; }
for who in root crltest crlnosub; do
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; fi
  vol=$T/vol-$who; mkdir -p "$vol"; [ "$who" = root ] || chown "$who" "$vol"
  out=$($X "$CL" run --rm "$BB" echo hi 2>"$T/err"); rc=$?; ERR=$(cat "$T/err"); RC=$rc
  expect "[$who] run --rm busybox echo hi prints hi, exits 0, pulls quietly off a terminal" [ "$rc" = 0 -a "$out" = hi -a -z "$ERR" ]
  $X "$CL" run --rm "$BB" sh -c 'exit 7' 2>/dev/null; RC=$?
  expect "[$who] sh -c 'exit 7' exits 7" [ "$RC" = 7 ]
  $X "$CL" run --rm "$BB" nosuchcmd 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "[$who] an unknown command exits 127 with one line" sh -c "[ $RC = 127 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && printf '%s' \"\$1\" | grep -q 'nosuchcmd: executable file not found'" _ "$ERR"
  $X "$CL" run --rm "$BB" /etc/passwd 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "[$who] a command that is not executable exits 126" [ "$RC" = 126 ]
  out=$($X "$CL" run --rm --hostname box1 -v "$vol:/vol" "$BB" sh -c 'id -u; hostname; ps -o pid >/tmp/ps.out; tail -n +2 /tmp/ps.out | wc -l; cat /proc/1/cmdline | tr "\0" " "; grep CapEff /proc/self/status; touch /vol/made; wc -c </proc/keys; ls /sys/firmware | wc -l' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  set -- $out
  expect "[$who] id -u is 0 inside" [ "$RC" = 0 -a "$1" = 0 ]
  expect "[$who] the hostname is set" [ "$2" = box1 ]
  expect "[$who] ps shows only the container's processes" [ "$3" = 2 ]
  expect "[$who] the container's PID 1 is the command" [ "$4" = sh -a "$5" = -c ]
  expect "[$who] CapEff is docker's default set" sh -c "printf '%s' \"\$1\" | grep -q 'CapEff:.00000000a00425fb'" _ "$out"
  expect "[$who] masked paths are empty (/proc/keys, /sys/firmware)" sh -c "printf '%s\n' \"\$1\" | tail -n 2 | tr '\n' ' ' | grep -qx '0 0 '" _ "$out"
  expect "[$who] a file made in a -v volume belongs to the invoking user" [ "$(stat -c %U "$vol/made")" = "$who" ]
  # SIGTERM to crunlocal while the container sleeps.
  before=$(mounts_now)
  $X "$CL" run --rm "$BB" sleep 1234 &
  pid=$!
  for _ in $(seq 1 50); do pgrep -f '^sleep 1234$' >/dev/null && break; sleep 0.1; done
  kill -TERM "$(cl_pid "$pid")"
  wait "$pid"; RC=$?
  expect "[$who] SIGTERM to crunlocal ends sleep (as PID 1) with 143" [ "$RC" = 143 ]
  sleep 0.2
  expect "[$who] and --rm leaves no process, mount or container directory" sh -c "! pgrep -f '^sleep 1234\$' >/dev/null && [ $(mounts_now) -le $before ] && [ -z \"\$(ls -A \"\$1\" 2>/dev/null)\" ]" _ "$(if [ "$who" = root ]; then echo "$CRUNLOCAL_ROOT/containers"; else echo "$T/users/$who/root/containers"; fi)"
done

# What the spec carries, as root.
fresh_store
"$CL" pull -q "$BB" >/dev/null
printf 'FROM_FILE=1\n# comment\nOVER=file\n' >"$T/envfile"
out=$(OVERHOST=fromhost "$CL" run --rm --env-file "$T/envfile" -e OVER=flag -e OVERHOST -e NOTSET "$BB" env)
expect "env: the image's, then --env-file, then -e (last wins)" sh -c "printf '%s\n' \"\$1\" | grep -qx 'FROM_FILE=1' && printf '%s\n' \"\$1\" | grep -qx 'OVER=flag' && printf '%s\n' \"\$1\" | grep -q '^PATH=/usr/local/sbin'" _ "$out"
expect "env: -e NAME takes the host's value; an unset one is dropped" sh -c "printf '%s\n' \"\$1\" | grep -qx 'OVERHOST=fromhost' && ! printf '%s\n' \"\$1\" | grep -q NOTSET" _ "$out"
expect "env: HOSTNAME and HOME are set" sh -c "printf '%s\n' \"\$1\" | grep -q '^HOSTNAME=[0-9a-f]\{12\}$' && printf '%s\n' \"\$1\" | grep -qx 'HOME=/root'" _ "$out"
out=$("$CL" run --rm -w /made/here "$BB" sh -c pwd)
expect "-w creates a missing working directory" [ "$out" = /made/here ]
expect "-u NAME resolves in the image's /etc/passwd, with its groups" [ "$("$CL" run --rm -u user "$BB" id)" = "uid=1000(user) gid=1000(user) groups=10(wheel),1000(user)" ]
expect "-u UID:GID" [ "$("$CL" run --rm -u 1234:5678 "$BB" sh -c 'echo $(id -u):$(id -g)')" = 1234:5678 ]
expect "-u NAME:GROUP" [ "$("$CL" run --rm -u user:wheel "$BB" sh -c 'echo $(id -u):$(id -g)')" = 1000:10 ]
"$CL" run --rm -u nobody2 "$BB" true 2>"$T/err"; RC=$?
expect "-u of an unknown name fails with 125" sh -c "[ $RC = 125 ] && grep -q 'unable to find user nobody2' \"$T/err\""
expect "a non-root user has no effective capabilities" [ "$("$CL" run --rm -u 1000 "$BB" grep CapEff /proc/self/status)" = "CapEff:	0000000000000000" ]
expect "--entrypoint replaces the entrypoint and drops the image's Cmd" [ "$("$CL" run --rm --entrypoint hostname --hostname ep "$BB")" = ep ]
"$CL" run --rm --read-only "$BB" touch /x 2>/dev/null; RC=$?
expect "--read-only makes / read-only" [ "$RC" != 0 ]
expect "--tmpfs mounts a tmpfs" sh -c "\"$CL\" run --rm --read-only --tmpfs /scratch \"$BB\" sh -c 'touch /scratch/x && grep -q \" /scratch tmpfs\" /proc/mounts'"
expect "--network none leaves only lo" [ "$("$CL" run --rm --network none "$BB" ls /sys/class/net)" = lo ]
expect "the nofile limit is the caller's hard limit at most" [ "$("$CL" run --rm "$BB" sh -c 'ulimit -n')" -le "$(ulimit -Hn)" ]

# The whiteout image seen from inside the container.
out=$("$CL" run --rm "$REG/whiteout" sh -c 'ls /a; echo -; ls /d; echo -; cat /new')
expect "inside: the deleted file is gone, the opaque dir shows only the upper layer" [ "$(echo $out)" = "y - 3 - new" ]

# An exited container stays (for ps -a and rm); names are unique.
"$CL" run --name keepme "$BB" sh -c 'exit 3'; RC=$?
js=$("$CL" inspect keepme)
expect "without --rm the exited container's state stays, with its exit code" sh -c "[ $RC = 3 ] && [ -n \"\$1\" ] && printf '%s' \"\$1\" | jq -e '.[0].State.Status == \"exited\" and .[0].State.ExitCode == 3' >/dev/null" _ "$js"
"$CL" run --name keepme "$BB" true 2>"$T/err"; RC=$?
expect "a name in use is refused naming the holder" sh -c "[ $RC = 125 ] && grep -q 'keepme.*already in use' \"$T/err\""
"$CL" rmi "$BB" 2>"$T/err"; RC=$?
expect "rmi refuses an image a container uses" sh -c "[ $RC != 0 ] && grep -q 'in use by a container' \"$T/err\""

# 50 sequential runs leave nothing behind.
fresh_store
"$CL" pull -q "$BB" >/dev/null
before=$(mounts_now)
i=0; fails=0
while [ $i -lt 50 ]; do "$CL" run --rm "$BB" true || fails=$((fails + 1)); i=$((i + 1)); done
expect "50 sequential run --rm true all succeed" [ "$fails" = 0 ]
left=$(store_procs)
expect "and leave no mounts, directories or processes" sh -c "[ $(mounts_now) = $before ] && [ -z \"\$(ls -A \"$CRUNLOCAL_ROOT/containers\")\" ] && [ -z '$left' ]"

# --cap-add/--cap-drop, --ulimit, --cidfile: docker's spellings.
for who in root crlnosub; do
  if [ $who = root ]; then X=""; else X="as_user $who"; fi
  out=$($X "$CL" run --rm --cap-drop ALL --cap-add chown "$BB" grep CapEff /proc/self/status)
  out2=$($X "$CL" run --rm --cap-add NET_ADMIN --cap-drop CAP_CHOWN "$BB" grep CapEff /proc/self/status)
  expect "[$who] --cap-drop ALL --cap-add chown: CAP_CHOWN alone; --cap-add/--cap-drop change the defaults" sh -c "[ '$out' = \"\$(printf 'CapEff:\t0000000000000001')\" ] && [ '$out2' = \"\$(printf 'CapEff:\t00000000a00435fa')\" ]"
  out=$($X "$CL" run --rm --ulimit nofile=100:200 --ulimit nproc=500 "$BB" sh -c 'ulimit -n; ulimit -Hn; ulimit -u' | tr '\n' ' ')
  expect "[$who] --ulimit nofile=100:200, nproc=500" [ "$out" = "100 200 500 " ]
done
run_cl run --rm --cap-add CAP_BOGUS "$BB" true
expect "an unknown capability: one line, 125" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'unknown capability \"CAP_BOGUS\"'" _ "$ERR"
run_cl run --rm --ulimit nofile=999999999 "$BB" true
expect "--ulimit above the hard limit without CAP_SYS_RESOURCE: says so, 125" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'CAP_SYS_RESOURCE'" _ "$ERR"
"$CL" run --rm --cidfile "$T/cid" "$BB" true; RC=$?
expect "--cidfile writes the full ID" sh -c "[ $RC = 0 ] && grep -qx '[0-9a-f]\{64\}' '$T/cid'"
run_cl run --rm --cidfile "$T/cid" "$BB" true
expect "--cidfile of an existing file: refused, nothing left" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'File exists' && [ -z \"\$(\"$CL\" ps -aq)\" ]" _ "$ERR"
