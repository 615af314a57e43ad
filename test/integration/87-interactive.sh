# Interactive containers: -i, -t and -it on a real terminal (tmux), raw
# mode restored, resize, Ctrl-C, vi, -dit with attach and detach keys,
# exec -it, and stdin without a terminal.
. "$TOP/test/lib.sh"
BB=$REG/busybox
RC=0 ERR=

fresh_store
"$CL" pull -q "$BB" >/dev/null
S=$T/tmux87.sock
tm () { tmux -S "$S" "$@"; }
screen () { tm capture-pane -p; }
# until the pane shows a line matching the extended regex (10 s at most)
until_screen () { for _ in $(seq 1 100); do screen | grep -Eq -- "$1" && return 0; sleep 0.1; done; return 1; }
type_line () { tm send-keys -l "$1"; tm send-keys Enter; }
tm new-session -d -x 100 -y 30 "env CRUNLOCAL_ROOT=$CRUNLOCAL_ROOT CRUNLOCAL_RUNROOT=$CRUNLOCAL_RUNROOT PS1='host$ ' sh"
trap 'tm kill-server 2>/dev/null' EXIT
# An Escape must reach vi as itself, not start an Alt- key.
tm set -s escape-time 0
until_screen 'host\$'

type_line "stty -g >$T/before; $CL run --rm -it $BB sh; echo EXIT=\$?; stty -g >$T/after"
expect "run -it shows the shell's prompt" until_screen '^/ #'
type_line 'echo T=$(tty) S=$(stty size) TERM=$TERM'
expect "tty names the container's pts, stty size the pane's, TERM is set" until_screen '^T=/dev/pts/[0-9]+ S=30 100 TERM=xterm'
tm resize-window -x 80 -y 20
sleep 0.3
type_line 'echo R=$(stty size)'
expect "a resize of the terminal reaches the container (SIGWINCH → TIOCSWINSZ)" until_screen '^R=20 80$'
type_line 'sleep 100; echo slept=$?'
sleep 0.5
tm send-keys C-c
type_line 'echo alive=$((40+2))'
expect "Ctrl-C interrupts sleep inside, the shell stays" until_screen '^alive=42$'
type_line 'vi /tmp/f'
until_screen '/tmp/f' && sleep 0.3
tm send-keys -l 'ihello from vi'; tm send-keys Escape; sleep 0.2; tm send-keys -l ':wq'; tm send-keys Enter
type_line 'echo V=$(cat /tmp/f)'
expect "busybox vi opens a file, edits, saves and quits" until_screen '^V=hello from vi$'
type_line 'exit 3'
expect "exit 3 returns 3 to the caller" until_screen '^EXIT=3$'
expect "the terminal's settings (stty -g) are as before" cmp -s "$T/before" "$T/after"

type_line "clear; stty -g >$T/before; $CL run -it --name tkill $BB sh -c 'echo TK-READY; exec sh'; echo EXIT2=\$?; stty -g >$T/after"
until_screen '^TK-READY'
kill -TERM "$(pgrep -f "run -it --name tkill")"
expect "kill -TERM of crunlocal: the container ends (143)" until_screen 'EXIT2=143$'
expect "and the terminal's settings are as before" cmp -s "$T/before" "$T/after"

# -dit: the monitor holds the terminal; attach, detach, attach again.
id=$("$CL" run -dit --name sh1 "$BB" sh)
expect "inspect: Config.Tty and OpenStdin" sh -c "\"$CL\" inspect sh1 | jq -e '.[0].Config.Tty and .[0].Config.OpenStdin' >/dev/null"
expect "the attach socket is in the container's run directory" test -S "$CRUNLOCAL_RUNROOT/containers/$id/attach"
type_line "clear; $CL attach sh1; echo ATT1=\$?"
sleep 0.5
type_line 'X=kept; echo A=$((40+2))'
expect "attach: what is typed reaches the shell, its output comes back" until_screen '^A=42$'
tm send-keys C-p C-q
expect "ctrl-p ctrl-q detaches (exit 0)" until_screen '^ATT1=0$'
expect "and the container keeps running" sh -c "\"$CL\" ps --format '{{.Names}} {{.State}}' | grep -qx 'sh1 running'"
type_line "clear; $CL attach --detach-keys ctrl-x sh1; echo ATT2=\$?"
sleep 0.5
type_line 'echo B=$X Z=$(stty size)'
expect "attach again: the same shell, sized to the attaching terminal" until_screen '^B=kept Z=20 80$'
tm send-keys C-x
expect "--detach-keys ctrl-x detaches" until_screen '^ATT2=0$'
type_line "clear; $CL attach sh1; echo ATT3=\$?"
sleep 0.5
type_line 'exit 5'
expect "the shell's exit ends attach with its code" until_screen '^ATT3=5$'
expect "the log holds the terminal's output" sh -c "\"$CL\" logs sh1 | grep -q '^A=42'"
run_cl attach sh1
expect "attach to an exited container: 125, not running" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'not running'" _ "$ERR"
"$CL" rm sh1 >/dev/null
expect "rm removes its run directory" test ! -e "$CRUNLOCAL_RUNROOT/containers/$id"

# exec -it: a terminal of its own in a running container.
"$CL" run -d --name ex "$BB" sleep 1000 >/dev/null
type_line "clear; $CL exec -it ex sh -c 'echo EX-READY; exec sh'; echo EXEC=\$?"
until_screen '^EX-READY'
type_line 'echo E=$(tty) P=$(cat /proc/1/cmdline)'
expect "exec -it: a pts of its own, in the container's PID namespace" until_screen '^E=/dev/pts/[0-9]+ P=sleep1000$'
type_line 'exit 4'
expect "exec -it returns the shell's code" until_screen '^EXEC=4$'
tm kill-server 2>/dev/null

# Without a terminal.
out=$(echo hi | "$CL" run --rm -i "$BB" cat)
expect "-i: piped stdin reaches the container" [ "$out" = hi ]
out=$(echo hi | timeout 20 "$CL" run --rm "$BB" cat); RC=$?
expect "without -i the container's stdin is /dev/null (as podman's)" sh -c "[ $RC = 0 ] && [ -z '$out' ]"
timeout 20 "$CL" run --rm "$BB" cat </dev/null; RC=$?
expect "run IMG cat </dev/null ends at once" [ "$RC" = 0 ]
head -c 1048576 /dev/urandom >"$T/mb"
sum=$("$CL" run --rm -i "$BB" cat <"$T/mb" | sha256sum)
expect "1 MiB through -i cat arrives intact" [ "$sum" = "$(sha256sum <"$T/mb")" ]
out=$(echo 'echo via-pty; exit 6' | "$CL" run --rm -it "$BB" sh 2>/dev/null); RC=$?
expect "-it with piped input: no raw mode, the input still runs" sh -c "[ $RC = 6 ] && printf '%s' \"\$1\" | grep -q via-pty" _ "$out"
out=$("$CL" run --rm -t "$BB" sh -c 'tty; ls -l /dev/console; exit 3'); RC=$?
expect "-t without a terminal: a pts bound on /dev/console, CRLF output, the code" sh -c "[ $RC = 3 ] && printf '%s' \"\$1\" | grep -q '^/dev/pts/0.\$' && printf '%s' \"\$1\" | grep -q '136, *0 .*/dev/console'" _ "$out"
out=$(echo data | "$CL" exec ex cat); RC=$?
expect "exec without -i reads /dev/null" sh -c "[ $RC = 0 ] && [ -z '$out' ]"
"$CL" rm -f ex >/dev/null

"$CL" run -di --name p1 "$BB" sh -c 'cat; echo fin >&2; exit 4' >/dev/null
echo piped | timeout 20 "$CL" attach p1 >"$T/o" 2>"$T/e"; RC=$?
expect "-di then attach with a pipe: input in, stdout and stderr apart, EOF ends its stdin, the code" sh -c "[ $RC = 4 ] && [ \"\$(cat '$T/o')\" = piped ] && [ \"\$(cat '$T/e')\" = fin ]"
run_cl attach --detach-keys ctrl-1 p1
expect "bad --detach-keys: a usage error (125)" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'detach keys'" _ "$ERR"
"$CL" rm p1 >/dev/null

for u in crltest crlnosub; do
  out=$(as_user "$u" "$CL" run --rm -t "$BB" sh -c 'tty; stat -c %U $(tty)'); RC=$?
  expect "[$u] run -t: a pts owned by the container's root" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q '^/dev/pts/0' && printf '%s' \"\$1\" | grep -q '^root'" _ "$out"
  as_user "$u" "$CL" run -di --name p2 "$BB" sh -c 'cat; exit 2' >/dev/null
  out=$(echo rootless-in | as_user "$u" timeout 20 "$CL" attach p2); RC=$?
  expect "[$u] -di and attach through the socket in the user's run root" sh -c "[ $RC = 2 ] && [ '$out' = rootless-in ]"
  as_user "$u" "$CL" rm -f p2 >/dev/null
done
