# run --init: a built-in init as PID 1 that reaps zombies and forwards
# signals — as root and as real unprivileged users.
. "$TOP/test/lib.sh"
BB=$REG/busybox

zombies () { ps -eo stat=,comm= | grep -c '^Z.*sleep'; }

# The control: without --init, PID 1 is `sleep`, which never reaps the
# orphan handed to it — so the check below can fail.
fresh_store
"$CL" run --rm "$BB" sh -c '(sleep 0.2 &); exec sleep 3' &
sleep 1.5
expect "without --init an orphan stays a zombie under PID 1 (the control)" [ "$(zombies)" -ge 1 ]
pkill -TERM -f '^sleep 3$'; sleep 0.5

for who in root crltest crlnosub; do
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; fi
  out=$($X "$CL" run --rm --init "$BB" sh -c 'cat /proc/1/comm; cat /proc/$$/stat | cut -d" " -f4; exit 7' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  set -- $out
  expect "[$who] --init: PID 1 is init, the command is its child, its exit code passes (7)" [ "$RC" = 7 -a "${1:-}" = init -a "${2:-}" = 1 ]
  $X "$CL" run --rm --init "$BB" sh -c '(sleep 0.2 &); exec sleep 3' &
  sleep 1.5
  expect "[$who] --init reaps the orphan: no zombie" [ "$(zombies)" = 0 ]
  sleep 2
  $X "$CL" run --rm --init "$BB" sleep 1234 &
  pid=$!
  for _ in $(seq 1 50); do pgrep -f '^sleep 1234$' >/dev/null && break; sleep 0.1; done
  kill -TERM "$(cl_pid "$pid")"
  wait "$pid"; RC=$?
  expect "[$who] --init forwards SIGTERM to the command: 143, nothing left running" sh -c "[ $RC = 143 ] && ! pgrep -f '^sleep 1234\$' >/dev/null"
  out=$($X "$CL" run --rm --init "$BB" sh -c 'trap "echo got-usr1; exit 4" USR1; kill -USR1 1; sleep 2 & wait') ; RC=$?
  expect "[$who] --init forwards a signal sent to PID 1 (USR1 reaches the command's trap)" [ "$RC" = 4 -a "$out" = got-usr1 ]
done
