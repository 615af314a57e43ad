# Detached containers: run -d under a monitor, logs, stop, kill, wait,
# start, inspect, and what happens when the monitor is killed.
. "$TOP/test/lib.sh"
BB=$REG/busybox
cdir () { echo "$CRUNLOCAL_ROOT/containers"; }
# until COMMAND... succeeds (10 s at most)
until_ok () { for _ in $(seq 1 100); do "$@" && return 0; sleep 0.1; done; return 1; }
# a process that has finished (gone, or a zombie nobody reaped yet)
gone () { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
insp () { "$CL" inspect "$1" | jq -r "$2"; }

fresh_store
"$CL" pull -q "$BB" >/dev/null
run_cl run -d --name web "$BB" sh -c 'echo to-out; echo to-err >&2; sleep 1000'
id=$OUT
short=$(echo "$id" | cut -c1-12)
expect "run -d prints the full ID and returns while the container runs" sh -c "[ $RC = 0 ] && echo '$id' | grep -qx '[0-9a-f]\{64\}' && \"$CL\" ps | grep -q 'Up .*web\$'"
mon=$(insp web .[0].State.ConmonPid); pid=$(insp web .[0].State.Pid)
expect "the monitor is the container's parent, in a session of its own, stdin /dev/null" sh -c "[ \"\$(awk '{print \$4}' /proc/$pid/stat)\" = $mon ] && [ \"\$(ps -o ppid= -p $mon | tr -d ' ')\" != \$\$ ] && [ \"\$(readlink /proc/$mon/fd/0)\" = /dev/null ] && [ \"\$(ps -o sid= -p $mon)\" != \"\$(ps -o sid= -p \$\$)\" ]"
expect "the monitor is the small static program, not crunlocal" sh -c "readlink /proc/$mon/exe | grep -q 'memfd:crunlocal-monitor' && ! grep -q libcurl /proc/$mon/maps"
until_ok grep -q to-err "$(cdir)/$id/ctr.log"
"$CL" logs web >"$T/o" 2>"$T/e"; RC=$?
expect "logs: stdout lines on stdout, stderr lines on stderr" sh -c "[ $RC = 0 ] && [ \"\$(cat '$T/o')\" = to-out ] && [ \"\$(cat '$T/e')\" = to-err ]"
expect "the log is in podman's k8s-file format" sh -c "grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}([+-][0-9]{2}:[0-9]{2}|Z) stdout F to-out\$' '$(cdir)/$id/ctr.log' && grep -q ' stderr F to-err\$' '$(cdir)/$id/ctr.log'"
js=$("$CL" inspect web)
expect "inspect: podman's shape (Id, Name, State, Config, HostConfig)" sh -c "[ -n \"\$1\" ] && printf '%s' \"\$1\" | jq -e '.[0] | .Id == \"$id\" and .Name == \"web\" and .State.Status == \"running\" and .State.Running and .State.Pid == $pid and (.State.StartedAt | test(\"^[0-9-]{10}T\")) and .Config.Cmd[0] == \"sh\" and (.Config.Env | index(\"HOSTNAME=$short\")) != null and .Config.Image == \"$BB\" and .HostConfig.AutoRemove == false' >/dev/null" _ "$js"
run_cl run -d --name web "$BB" true
expect "a taken name is refused, naming the holder" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'already in use by $short'" _ "$ERR"
t0=$(date +%s.%N); "$CL" stop -t 1 web >/dev/null; RC=$?; t1=$(date +%s.%N)
code=$(insp web .[0].State.ExitCode); both_gone=no; gone "$pid" && gone "$mon" && both_gone=yes
expect "stop of a PID 1 that ignores SIGTERM ends with SIGKILL after -t (exit 137)" sh -c "[ $RC = 0 ] && [ \"\$(awk 'BEGIN{print ($t1 - $t0 >= 1)}')\" = 1 ] && [ '$code' = 137 ] && [ $both_gone = yes ]"
expect "ps -a shows it Exited (137)" sh -c "\"$CL\" ps -a | grep -q 'Exited (137) .*web\$'"
out=$("$CL" ps -a --format '{{.ID}}\t{{ .Names }} {{.Image}} {{.Status}} {{.ExitCode}} {{.State}}')
expect "ps --format with a Go template: the fields, \\t as a tab" sh -c "printf '%s\n' \"\$1\" | grep -q \"^$short	web $BB Exited (137) .* 137 exited\$\"" _ "$out"
out=$("$CL" ps -a --filter name=web --format 'table {{.Names}}\t{{.ExitCode}}\t{{.ID}}')
expect "ps --format 'table …': podman's header row, tab-separated cells in aligned columns" [ "$out" = "$(printf 'NAMES       EXIT CODE   CONTAINER ID\nweb         137         %s' "$short")" ]
out=$("$CL" images --format 'table {{.Repository}}\t{{.ID}}' | head -n 1)
expect "images --format 'table …' has its header too" sh -c "printf '%s' \"\$1\" | grep -Eqx 'REPOSITORY +IMAGE ID'" _ "$out"
run_cl ps --format '{{.Nope}}'
expect "ps --format with an unknown field: a usage error (125) naming it" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q '{{.Nope}}'" _ "$ERR"

# A process that handles SIGTERM stops at once, with its own code;
# kill -s sends any signal, kill alone SIGKILL; wait prints the code.
"$CL" run -d --name trap "$BB" sh -c 'trap "echo usr1" USR1; trap "echo term; exit 7" TERM; while :; do sleep 0.05; done' >/dev/null
sleep 0.3
"$CL" kill -s USR1 trap >/dev/null
until_ok sh -c "\"$CL\" logs trap | grep -q usr1"
expect "kill -s USR1 reaches the process" sh -c "\"$CL\" logs trap | grep -qx usr1"
"$CL" stop trap >/dev/null
expect "stop sends SIGTERM first: the trap's exit code 7 is recorded" [ "$("$CL" wait trap)" = 7 ]
"$CL" run -d --name sig --stop-signal USR1 "$BB" sh -c 'trap "exit 9" USR1; while :; do sleep 0.05; done' >/dev/null
sleep 0.3
"$CL" stop sig >/dev/null
expect "stop sends the container's stop signal (--stop-signal, else the image's StopSignal)" sh -c "[ \"\$(\"$CL\" wait sig)\" = 9 ] && \"$CL\" inspect sig | jq -e '.[0].Config.StopSignal == \"USR1\"' >/dev/null"
run_cl run -d --stop-signal NOPE "$BB" true
expect "--stop-signal of no signal: 125" [ "$RC" = 125 ]
"$CL" run -d --name k "$BB" sleep 1000 >/dev/null
"$CL" kill k >/dev/null
expect "kill (SIGKILL) then wait prints 137" [ "$("$CL" wait k)" = 137 ]
run_cl kill k
expect "kill of a stopped container fails with 125" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'not running'" _ "$ERR"

# start runs an exited container again over the same filesystem.
"$CL" run -d --name again "$BB" sh -c 'echo run >>/count; cat /count | wc -l' >/dev/null
"$CL" wait again >/dev/null
"$CL" start again >/dev/null; "$CL" wait again >/dev/null
expect "start runs it again: its file changes kept, both runs in the log" [ "$("$CL" logs again | tr '\n' ' ')" = "1 2 " ]
out=$("$CL" start -a again); RC=$?
expect "start -a prints this run's output and exits with its code" sh -c "[ $RC = 0 ] && [ '$out' = 3 ]"

# The terminal that ran `run -d` closes: the container keeps running.
sock=$T/tmux-detach.sock
tmux -S "$sock" new-session -d "env CRUNLOCAL_ROOT=$CRUNLOCAL_ROOT CRUNLOCAL_RUNROOT=$CRUNLOCAL_RUNROOT $CL run -d --name onterm $BB sleep 1000; sleep 1000"
until_ok sh -c "\"$CL\" ps | grep -q onterm"
tmux -S "$sock" kill-server
sleep 0.5
expect "run -d from a terminal: closing the terminal leaves the container running" sh -c "\"$CL\" ps | grep -q 'Up .*onterm\$'"
"$CL" rm -f onterm >/dev/null

# A failed start leaves it Created with the reason (docker, podman);
# --rm removes it after the exit.
run_cl run -d --name bad "$BB" no-such-command
expect "run -d of a missing command: exit 127 with the reason, left Created" sh -c "[ $RC = 127 ] && printf '%s' \"\$1\" | grep -q 'no-such-command: executable file not found' && \"$CL\" ps -a | grep -q 'Created .*bad\$'" _ "$ERR"
"$CL" rm bad >/dev/null
"$CL" run -d --rm --name gone "$BB" sh -c 'exit 3' >/dev/null
until_ok sh -c "! \"$CL\" ps -a | grep -q gone"
expect "run -d --rm: the container disappears after its exit" sh -c "! \"$CL\" ps -a | grep -q gone && ! ls '$(cdir)' | grep -q '^\.rm-'"

# kill -9 of a monitor: the container goes with it, every command sees it.
"$CL" run -d --name orphan "$BB" sleep 1000 >/dev/null
mon=$(insp orphan .[0].State.ConmonPid); pid=$(insp orphan .[0].State.Pid)
kill -9 "$mon"
until_ok gone "$pid"
dead=no; gone "$pid" && dead=yes
expect "kill -9 of the monitor: the container ends, ps -a shows exited (unknown)" sh -c "[ $dead = yes ] && \"$CL\" ps -a | grep -q 'Exited (unknown) .*orphan\$' && [ \"\$(\"$CL\" wait orphan)\" = -1 ]"
oid=$(insp orphan .[0].Id)
"$CL" rm orphan >/dev/null; RC=$?
expect "and rm cleans it: no directory, no mount" sh -c "[ $RC = 0 ] && [ ! -e '$(cdir)/$oid' ] && ! grep -q '$oid' /proc/self/mountinfo"

# rm -f of a running detached container.
"$CL" run -d --name busy "$BB" sleep 1000 >/dev/null
mon=$(insp busy .[0].State.ConmonPid); pid=$(insp busy .[0].State.Pid); bid=$(insp busy .[0].Id)
"$CL" rm -f busy >/dev/null; RC=$?
until_ok gone "$mon"
both_gone=no; gone "$pid" && gone "$mon" && both_gone=yes
expect "rm -f of a running one: no process, monitor, mount, directory or state left" sh -c "[ $RC = 0 ] && [ $both_gone = yes ] && [ ! -e '$(cdir)/$bid' ] && ! grep -q '$bid' /proc/self/mountinfo && [ -z \"\$(ls -A '$(cdir)' | grep '^\.rm-')\" ]"
"$CL" rm -fv web trap k again sig >/dev/null; RC=$?
expect "rm -fv (podman's -v accepted) removes several at once" sh -c "[ $RC = 0 ] && [ -z \"\$(\"$CL\" ps -aq --filter name=web)\" ]"

# -p on the host's network: the container's port is the host's.
P=$(free_port)
"$CL" run -d --name pub --network host -p "$P:$P" -p "$P/udp" "$BB" busybox httpd -f -p "$P" -h / >/dev/null
up=no; until_ok curl -s -o /dev/null "http://127.0.0.1:$P/" && up=yes
expect "run -d -p P:P: the server answers on the host's port P; ps and inspect show it as podman does" sh -c "[ $up = yes ] && \"$CL\" ps --format '{{.Ports}}' --filter name=pub | grep -qx '0.0.0.0:$P->$P/tcp, 0.0.0.0:$P->$P/udp' && \"$CL\" inspect pub | jq -e '.[0].HostConfig.PortBindings[\"$P/tcp\"][0].HostPort == \"$P\"' >/dev/null"
"$CL" rm -f pub >/dev/null
run_cl run --rm --network host -p 8080:80 "$BB" true
expect "-p 8080:80 (another host port): refused, saying why, 125" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q \"host's network, where its port 80 is the host's port 80\"" _ "$ERR"
run_cl run --rm --network none -p 80 "$BB" true
expect "-p with --network none: a usage error" [ "$RC" = 125 ]

# --restart: the monitor starts it again (docker's backoff: 100 ms,
# doubling); stopped by hand, it stays stopped until started by hand.
"$CL" run -d --restart on-failure:2 --name rf "$BB" sh -c 'echo run; exit 3' >/dev/null
until_ok sh -c "\"$CL\" inspect rf | jq -e '.[0].RestartCount == 2 and .[0].State.Status == \"exited\"' >/dev/null"
sleep 0.5
js=$("$CL" inspect rf)
expect "--restart on-failure:2: three runs in all, then exited with its code; inspect shows the policy" sh -c "[ \"\$(\"$CL\" logs rf | grep -c run)\" = 3 ] && printf '%s' \"\$1\" | jq -e '.[0] | .RestartCount == 2 and .State.ExitCode == 3 and .HostConfig.RestartPolicy.Name == \"on-failure\" and .HostConfig.RestartPolicy.MaximumRetryCount == 2' >/dev/null" _ "$js"
"$CL" run -d --restart on-failure --name r0 "$BB" true >/dev/null
sleep 1
expect "on-failure does not restart a success" [ "$(insp r0 .[0].RestartCount)" = 0 ]
"$CL" run -d --restart always --name ra "$BB" sh -c 'echo up; sleep 0.3' >/dev/null
until_ok sh -c "\"$CL\" inspect ra | jq -e '.[0].RestartCount >= 2' >/dev/null"
"$CL" stop ra >/dev/null; RC=$?
n1=$(insp ra .[0].RestartCount); sleep 2; n2=$(insp ra .[0].RestartCount)
expect "--restart always: back after every exit; after stop it stays exited" sh -c "[ $RC = 0 ] && [ $n1 -ge 2 ] && [ $n1 = $n2 ] && [ '$(insp ra .[0].State.Status)' = exited ]"
"$CL" start ra >/dev/null
until_ok sh -c "\"$CL\" inspect ra | jq -e '.[0].RestartCount >= 1' >/dev/null"; RC=$?
expect "start by hand: the policy applies again (counted afresh)" [ "$RC" = 0 ]
"$CL" rm -f ra r0 rf >/dev/null; RC=$?
sleep 1
expect "rm -f of a restarting container: gone, and nothing brings it back" sh -c "[ $RC = 0 ] && [ -z \"\$(\"$CL\" ps -aq --filter name=ra)\" ] && ! pgrep -f 'echo u[p]; sleep 0.3' >/dev/null"
run_cl run --restart always "$BB" true
expect "--restart without -d: a usage error" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'needs -d'" _ "$ERR"
run_cl run -d --rm --restart always "$BB" true
expect "--restart with --rm: a usage error" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q conflict" _ "$ERR"
run_cl run -d --restart sometimes "$BB" true
expect "an unknown policy: one line, 125" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'invalid restart policy'" _ "$ERR"

# A foreground container that stays has a log too (as podman's has).
"$CL" run --name fglog "$BB" sh -c 'echo fg-out; echo fg-err >&2; exit 3' >"$T/o" 2>"$T/e"; RC=$?
expect "a foreground run relays stdout and stderr apart and keeps them in its log" sh -c "[ $RC = 3 ] && [ \"\$(cat '$T/o')\" = fg-out ] && [ \"\$(cat '$T/e')\" = fg-err ] && [ \"\$(\"$CL\" logs fglog 2>/dev/null)\" = fg-out ] && [ \"\$(\"$CL\" logs fglog 2>&1 >/dev/null)\" = fg-err ]"
"$CL" rm fglog >/dev/null

# logs -f and wait end on Ctrl-C, SIGTERM and SIGHUP (128+n), and logs
# -f when its reader goes (`| head`: SIGPIPE's 141).
"$CL" run -d --name ticker "$BB" sh -c 'while :; do echo tick; sleep 0.1; done' >/dev/null
timeout --preserve-status -s INT -k 5 1 "$CL" logs -f ticker >/dev/null 2>&1; RC=$?
expect "logs -f ends on SIGINT: 130 ($RC)" [ "$RC" = 130 ]
timeout --preserve-status -s TERM -k 5 1 "$CL" wait ticker >/dev/null 2>&1; RC=$?
expect "wait ends on SIGTERM: 143 ($RC)" [ "$RC" = 143 ]
timeout --preserve-status -s HUP -k 5 1 "$CL" logs -f ticker >/dev/null 2>&1; RC=$?
expect "logs -f ends on SIGHUP: 129 ($RC)" [ "$RC" = 129 ]
out=$(timeout -k 5 10 bash -c 'set -o pipefail; "$1" logs -f ticker | head -n 1; echo "${PIPESTATUS[0]}"' _ "$CL")
expect "logs -f | head -n 1: one line, then logs ends by SIGPIPE (141)" [ "$(echo $out)" = "tick 141" ]
# Those that follow or wait, and a foreground run, do not hold GC (rmi,
# prune) off meanwhile.
"$CL" logs -f ticker >/dev/null 2>&1 & p1=$!
"$CL" wait ticker >/dev/null 2>&1 & p2=$!
"$CL" events >/dev/null 2>&1 & p3=$!
"$CL" run --rm --name fgsleep "$BB" sleep 60 >/dev/null 2>&1 & p4=$!
sleep 1
timeout -k 2 20 "$CL" system prune >/dev/null 2>&1; RC=$?
expect "system prune while logs -f, wait, events and a foreground run go on: not held off ($RC)" [ "$RC" = 0 ]
kill $p1 $p2 $p3 $p4 2>/dev/null; wait $p1 $p2 $p3 $p4 2>/dev/null
"$CL" rm -f fgsleep >/dev/null 2>&1
"$CL" rm -f ticker >/dev/null
# 10 000 lines: logs -f gets them all in order on the right streams;
# --tail 5 the last five; -t, --since and --until.
# (two streams are two pipes, whose order the monitor cannot know: the
# pause lets it drain stdout before "err end" comes)
"$CL" run -d --name many "$BB" sh -c 'i=1; while [ $i -le 10000 ]; do echo "line $i"; i=$((i+1)); done; sleep 0.5; echo "err end" >&2' >/dev/null
"$CL" logs -f many >"$T/o" 2>"$T/e"; RC=$?
expect "logs -f of 10 000 lines: all, in order, stdout and stderr apart" sh -c "[ $RC = 0 ] && [ \$(wc -l <'$T/o') = 10000 ] && seq 1 10000 | sed 's/^/line /' | cmp -s - '$T/o' && [ \"\$(cat '$T/e')\" = 'err end' ]"
"$CL" logs --tail 5 many >"$T/o" 2>"$T/e"
expect "logs --tail 5: the last five lines of both streams, each on its own" sh -c "[ \$(wc -l <'$T/o') = 4 ] && [ \"\$(head -n 1 '$T/o')\" = 'line 9997' ] && [ \"\$(tail -n 1 '$T/o')\" = 'line 10000' ] && [ \"\$(cat '$T/e')\" = 'err end' ]"
"$CL" run -d --name timed "$BB" sh -c 'echo early; sleep 1.2; echo late' >/dev/null
"$CL" wait timed >/dev/null
late=$("$CL" logs -t timed | awk '/ late$/ {print $1}')
expect "logs -t prefixes RFC 3339 times; --since and --until split at one" sh -c "echo '$late' | grep -q '^[0-9-]*T[0-9:.]*' && [ \"\$(\"$CL\" logs --since '$late' timed)\" = late ] && [ \"\$(\"$CL\" logs --until '$late' timed)\" = early ] && [ \"\$(\"$CL\" logs --since 1h timed | tr '\n' ' ')\" = 'early late ' ]"
run_cl logs --since yesterday-ish timed
expect "logs --since of a bad time: one line, 125" sh -c "[ $RC = 125 ] && [ $(lines "$ERR") = 1 ]"

# --log-opt max-size rotates: the newest lines stay, in order.
"$CL" run -d --name rot --log-opt max-size=4k "$BB" sh -c 'i=1; while [ $i -le 2000 ]; do echo "n $i"; i=$((i+1)); done' >/dev/null
"$CL" wait rot >/dev/null
rid=$(insp rot .[0].Id)
"$CL" logs rot >"$T/o"
expect "--log-opt max-size=4k rotates (ctr.log.1), logs ends with the last lines in order" sh -c "[ -f '$(cdir)/$rid/ctr.log.1' ] && [ \$(stat -c %s '$(cdir)/$rid/ctr.log') -le 4096 ] && [ \"\$(tail -n 1 '$T/o')\" = 'n 2000' ] && awk '{ if (NR > 1 && \$2 != prev + 1) exit 1; prev = \$2 }' '$T/o'"

# 50 run -d at once from 50 shells: all listed, every log whole, every code right.
fresh_store
"$CL" pull -q "$BB" >/dev/null
pids=""
for i in $(seq 1 50); do
  sh -c "\"$CL\" run -d --name c$i \"$BB\" sh -c 'echo start $i; echo done $i; exit $((i % 7))' >/dev/null 2>'$T/e$i'" &
  pids="$pids $!"
done
for j in $pids; do wait "$j"; done
for i in $(seq 1 50); do "$CL" wait "c$i" >"$T/w$i"; done
bad=0
for i in $(seq 1 50); do
  [ "$("$CL" logs "c$i" | tr '\n' ,)" = "start $i,done $i," ] && [ "$(cat "$T/w$i")" = $((i % 7)) ] || bad=$((bad + 1))
done
expect "50 concurrent run -d: all 50 in ps -a, every log complete, every exit code right" sh -c "[ \$(\"$CL\" ps -aq | wc -l) = 50 ] && [ $bad = 0 ]"

# Rootless, with and without subordinate ids.
for u in crltest crlnosub; do
  as_user "$u" "$CL" run -d --name r "$BB" sh -c 'echo hi-$(id -u); sleep 1000' >"$T/o" 2>"$T/e"; RC=$?; ERR=$(cat "$T/e")
  until_ok sh -c "grep -q hi- '$T/users/$u/root/containers/'*/ctr.log"
  out=$(as_user "$u" "$CL" logs r)
  ps_out=$(as_user "$u" "$CL" ps)
  expect "[$u] run -d, ps and logs" sh -c "[ $RC = 0 ] && [ '$out' = hi-0 ] && printf '%s' \"\$1\" | grep -q 'Up .* r\$'" _ "$ps_out"
  as_user "$u" "$CL" stop -t 0 r >/dev/null; RC=$?
  code=$(as_user "$u" "$CL" wait r)
  expect "[$u] stop and wait" sh -c "[ $RC = 0 ] && [ '$code' = 137 ]"
  as_user "$u" "$CL" start r >/dev/null
  as_user "$u" "$CL" rm -f r >/dev/null; RC=$?
  left=$(as_user "$u" "$CL" ps -aq)
  expect "[$u] start again, then rm -f: nothing left" sh -c "[ $RC = 0 ] && [ -z '$left' ] && ! pgrep -u $u -f 'sleep 1000' >/dev/null"
done

# exec: the container's filesystem, PID namespace, environment and user;
# the exit code comes back.
fresh_store
"$CL" run -d --name ex "$BB" sh -c 'echo inside >/marker; sleep 1000' >/dev/null
until_ok sh -c "\"$CL\" exec ex cat /marker >/dev/null 2>&1"
expect "exec sees the container's filesystem" [ "$("$CL" exec ex cat /marker)" = inside ]
out=$("$CL" exec ex sh -c 'echo $$; tr "\0" " " </proc/1/cmdline; echo; echo $HOSTNAME')
expect "exec is in its PID namespace (sees its PID 1) with its environment" sh -c "[ \"\$(printf '%s\n' \"\$1\" | sed -n 2p)\" = 'sleep 1000 ' ] && [ \"\$(printf '%s\n' \"\$1\" | sed -n 3p)\" = '$(insp ex .[0].Id | cut -c1-12)' ] && [ \"\$(printf '%s\n' \"\$1\" | sed -n 1p)\" -gt 1 ]" _ "$out"
"$CL" exec ex sh -c 'exit 5'; RC=$?
expect "exec returns the command's exit code" [ "$RC" = 5 ]
out=$("$CL" exec -u nobody -w /tmp -e X=1 ex sh -c 'id -u; pwd; echo $X')
expect "exec -u (resolved in the container), -w, -e" [ "$(echo $out)" = "65534 /tmp 1" ]
run_cl exec -w /no/such/dir ex true
made=$("$CL" exec ex sh -c 'test -e /no && echo made')
expect "exec -w of a missing directory: 125, the reason, nothing made in the container" sh -c "[ $RC = 125 ] && [ -z '$made' ] && printf '%s' \"\$1\" | grep -q 'working directory /no/such/dir'" _ "$ERR"
run_cl exec ex no-such-command
expect "exec of a missing command: 127 and the reason" sh -c "[ $RC = 127 ] && printf '%s' \"\$1\" | grep -q 'not found'" _ "$ERR"
expect "exec -i passes stdin through" [ "$(echo piped | "$CL" exec -i ex cat)" = piped ]
"$CL" stop -t 0 ex >/dev/null
run_cl exec ex true
expect "exec of a stopped container: 125, not running" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'not running'" _ "$ERR"
for u in crltest crlnosub; do
  as_user "$u" "$CL" run -d --name ex "$BB" sh -c 'echo in-$(id -u) >/m; sleep 1000' >/dev/null
  for _ in $(seq 1 50); do [ -n "$(as_user "$u" "$CL" exec ex cat /m 2>/dev/null)" ] && break; sleep 0.1; done
  out=$(as_user "$u" "$CL" exec ex sh -c 'cat /m; exit 4'); RC=$?
  expect "[$u] exec joins a rootless container (user namespace first) and returns its code" sh -c "[ $RC = 4 ] && [ '$out' = in-0 ]"
  as_user "$u" "$CL" rm -f ex >/dev/null
done
