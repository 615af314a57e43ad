# ps and rm of the containers `run` leaves (the first part of the
# lifecycle issue; detached containers and their monitor come next).
. "$TOP/test/lib.sh"
BB=$REG/busybox
cdir () { echo "$CRUNLOCAL_ROOT/containers"; }

for who in root crltest; do
  if [ "$who" = root ]; then fresh_store; X=""; C=$CRUNLOCAL_ROOT/containers; else X="as_user $who"; C=$T/users/$who/root/containers; fi
  $X "$CL" run --name ex3 "$BB" sh -c 'exit 3'
  out=$($X "$CL" ps)
  expect "[$who] ps lists only running containers" [ "$(lines "$out")" = 1 ]
  out=$($X "$CL" ps -a)
  expect "[$who] ps -a shows the exited one with podman's columns and status" sh -c "printf '%s\n' \"\$1\" | head -n 1 | grep -q '^CONTAINER ID  IMAGE .*COMMAND .*CREATED .*STATUS .*PORTS .*NAMES\$' && printf '%s\n' \"\$1\" | grep -q 'sh -c exit 3 .*Exited (3) .*ex3\$'" _ "$out"
  id=$($X "$CL" ps -aq)
  full=$($X "$CL" ps -aq --no-trunc)
  expect "[$who] ps -q prints 12-hex IDs, --no-trunc 64" sh -c "echo '$id' | grep -qx '[0-9a-f]\{12\}' && echo '$full' | grep -qx '[0-9a-f]\{64\}' && [ '${full%"${full#????????????}"}' = '$id' ]"
  js=$($X "$CL" ps -a --format json)
  expect "[$who] ps --format json: Names, State, ExitCode" sh -c "[ -n \"\$1\" ] && printf '%s' \"\$1\" | jq -e '.[0].Names[0] == \"ex3\" and .[0].State == \"exited\" and .[0].ExitCode == 3 and .[0].Exited' >/dev/null" _ "$js"
  $X "$CL" run --name sleeper "$BB" sleep 1234 &
  pid=$!
  for _ in $(seq 1 50); do pgrep -f '^sleep 1234$' >/dev/null && break; sleep 0.1; done
  out=$($X "$CL" ps)
  expect "[$who] ps shows the running one as Up" sh -c "printf '%s\n' \"\$1\" | grep -q 'Up .*sleeper\$'" _ "$out"
  $X "$CL" rm sleeper 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "[$who] rm of a running container is refused without -f" sh -c "[ $RC != 0 ] && grep -q 'is running' \"$T/err\" && pgrep -f '^sleep 1234\$' >/dev/null"
  $X "$CL" rm -f sleeper >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  wait "$pid"; FG=$?
  expect "[$who] rm -f kills it: no process, directory or state left; the run exits 137" sh -c "[ $RC = 0 ] && [ $FG = 137 ] && ! pgrep -f '^sleep 1234\$' >/dev/null && [ \$(ls '$C' | wc -l) = 1 ]"
  $X "$CL" rm "${id%????}" >/dev/null; RC=$?
  expect "[$who] rm by ID prefix removes the exited one and its directory" sh -c "[ $RC = 0 ] && [ -z \"\$(ls -A '$C')\" ]"
  $X "$CL" rm ex3 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "[$who] rm of an unknown container: one line, exit 1" sh -c "[ $RC = 1 ] && [ $(lines "$ERR") = 1 ] && grep -q 'no such container: ex3' \"$T/err\""
done

# Filters (same key: any; different keys: all) and container prune.
fresh_store
"$CL" run --name f-ok "$BB" true
"$CL" run --name f-bad "$BB" sh -c 'exit 2'
"$CL" run --name f-wh "$REG/whiteout" true
"$CL" run --name f-up "$BB" sleep 2345 &
pid=$!
for _ in $(seq 1 50); do pgrep -f '^sleep 2345$' >/dev/null && break; sleep 0.1; done
names () { "$CL" ps "$@" --format json | jq -r '[.[].Names[0]] | sort | join(" ")'; }
expect "ps --filter status=exited" [ "$(names --filter status=exited)" = "f-bad f-ok f-wh" ]
expect "ps --filter status=running" [ "$(names --filter status=running)" = "f-up" ]
expect "ps --filter ancestor= (by the name as typed, canonical or ID)" [ "$(names -a --filter ancestor="$REG/whiteout")" = "f-wh" -a "$(names -a --filter ancestor="$(id_of whiteout | cut -c1-12)")" = "f-wh" ]
expect "ps --filter name= twice: either matches" [ "$(names -a --filter name=f-ok --filter name=f-up)" = "f-ok f-up" ]
expect "ps --filter of two keys: both must match" [ "$(names -a --filter status=exited --filter ancestor="$BB")" = "f-bad f-ok" ]
expect "ps --filter id= by prefix" [ "$(names -a --filter id="$("$CL" ps -q --filter name=f-up | cut -c1-6)")" = "f-up" ]
"$CL" ps --filter color=red 2>"$T/err"; RC=$?
expect "ps --filter of an unknown key: usage error, 125" sh -c "[ $RC = 125 ] && grep -q 'invalid filter' \"$T/err\""
"$CL" ps --filter status=bogus 2>"$T/err"; RC=$?
expect "ps --filter of an unknown status: usage error, 125 (not an empty list)" sh -c "[ $RC = 125 ] && grep -q 'invalid filter' \"$T/err\""
out=$("$CL" container prune)
expect "container prune removes the three exited ones (full IDs) and keeps the running one" sh -c "[ \$(printf '%s\n' \"\$1\" | grep -cx '[0-9a-f]\{64\}') = 3 ] && [ \"\$(\"$CL\" ps -a --format json | jq -r '.[].Names[0]')\" = f-up ] && [ \$(ls '$(cdir)' | wc -l) = 1 ]" _ "$out"
"$CL" rm -f f-up >/dev/null; wait "$pid"

# Two rm of the same container at once: one removes it, the other is told.
fresh_store
"$CL" run --name twice "$BB" true
"$CL" rm twice >"$T/o1" 2>"$T/e1" & p1=$!
"$CL" rm twice >"$T/o2" 2>"$T/e2" & p2=$!
wait "$p1"; r1=$?; wait "$p2"; r2=$?
expect "two rm at once: one succeeds, the other says no such container (1); nothing left" sh -c "[ \$(( $r1 + $r2 )) = 1 ] && cat '$T/e1' '$T/e2' | grep -q 'no such container: twice' && [ -z \"\$(ls -A '$(cdir)')\" ]"

# kill -9 of the crunlocal that runs a container: the container dies with
# it; ps -a tells, rm cleans.
"$CL" run --name orphan "$BB" sleep 4321 &
pid=$!
for _ in $(seq 1 50); do pgrep -f '^sleep 4321$' >/dev/null && break; sleep 0.1; done
kill -KILL "$(cl_pid "$pid")"; sleep 0.3
expect "kill -9 of run: the container ends and ps -a shows it exited (unknown)" sh -c "! pgrep -f '^sleep 4321\$' >/dev/null && \"$CL\" ps -a | grep -q 'Exited (unknown) .*orphan\$' && [ -z \"\$(\"$CL\" ps -q)\" ]"
"$CL" rm orphan >/dev/null; RC=$?
expect "and rm leaves nothing" sh -c "[ $RC = 0 ] && [ -z \"\$(ls -A '$(cdir)')\" ] && [ \$(grep -c '$(cdir)' /proc/self/mountinfo) = 0 ]"
# docker's grouped spellings; rm -a.
"$CL" run -d --name a1 "$BB" sleep 1000 >/dev/null
"$CL" run --name a2 "$BB" true
expect "container ls is ps, image ls is images" sh -c "\"$CL\" container ls | grep -q ' a1\$' && ! \"$CL\" container ls | grep -q ' a2\$' && \"$CL\" container ls -a | grep -q ' a2\$' && \"$CL\" image ls | grep -q '^$REG/busybox '"
run_cl rm -a
expect "rm -a: removes the exited, refuses the running one without -f (125)" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'is running' && [ \"\$(\"$CL\" ps -a --format '{{.Names}}')\" = a1 ]" _ "$ERR"
run_cl container rm -af
expect "container rm -af: every container, none left" sh -c "[ $RC = 0 ] && [ -z \"\$(\"$CL\" ps -aq)\" ] && [ -z \"\$(ls -A '$(cdir)')\" ]"
"$CL" rmi "$BB" >/dev/null 2>&1; RC=$?
expect "with its containers removed, rmi of the image works" [ "$RC" = 0 ]
"$CL" ps --bogus 2>/dev/null; RC=$?
expect "ps with an unknown flag exits 125" [ "$RC" = 125 ]
