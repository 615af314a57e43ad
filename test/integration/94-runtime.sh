# crunlocal as an OCI runtime: runc's command line (`crunlocal runtime …`,
# and `crunlocal-runtime` chosen by argv[0]) on a bundle that `runtime
# spec` writes over a busybox rootfs — create/start through the exec
# FIFO, state, exec, kill, delete, list, ps, pause, the console socket,
# root and rootless.
. "$TOP/test/lib.sh"
ERR=""; RC=0
# The commands below run in bundle directories: the binary by its full path.
case $CL in /*) ;; *) CL=$(cd "$(dirname "$CL")" && pwd)/$(basename "$CL") ;; esac
RT="$CL runtime"
bb=$(command -v busybox)

# A busybox rootfs of root's (or a user's) own, and runc's default spec
# for it with args and terminal set (jq FILTER).
mkrootfs () {
  mkdir -p "$1/bin" "$1/etc" "$1/tmp" "$1/proc" "$1/sys" "$1/dev" "$1/root"
  cp "$bb" "$1/bin/busybox"
  for a in sh echo id cat ls sleep true false pwd tty stty mkdir env hostname; do ln -sf busybox "$1/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$1/etc/passwd"
  echo 'root:x:0:' >"$1/etc/group"
}
mkbundle () { # DIR JQ-FILTER [USER]
  rm -rf "$1"; mkdir -p "$1"
  mkrootfs "$1/rootfs"
  if [ -n "${3:-}" ]; then
    chown -R "$3:$3" "$1"
    (cd "$1" && as_user "$3" $RT spec --rootless) || return 1
  else
    (cd "$1" && $RT spec) || return 1
  fi
  jq "$2" "$1/config.json" >"$1/c.tmp" && mv "$1/c.tmp" "$1/config.json"
  [ -z "${3:-}" ] || chown "$3:$3" "$1/config.json"
}
state_of () { $RT --root "$ST" state "$1" 2>/dev/null | jq -r .status; }
until_ok () { for _ in $(seq 1 100); do "$@" && return 0; sleep 0.05; done; return 1; }
ST=$T/rtstate
B=$T/rtb

# spec: runc's default, once.
mkdir -p "$T/specdir"
(cd "$T/specdir" && $RT spec); RC=$?
expect "runtime spec writes runc's default config.json (terminal, sh, the cgroup mount)" sh -c "[ $RC = 0 ] && jq -e '.process.terminal == true and .process.args == [\"sh\"] and (.mounts | map(.type) | index(\"cgroup\") != null)' '$T/specdir/config.json' >/dev/null"
(cd "$T/specdir" && $RT spec) 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "spec again refuses to overwrite it (exit 1)" sh -c "[ $RC = 1 ] && grep -q 'exists' '$T/err'"

# run in the foreground: the runc spec bundle as written (cgroup mount,
# masked paths, read-only root), its output and exit code.
mkbundle "$B" '.process.terminal = false | .process.args = ["sh", "-c", "echo hi-$(hostname); ls /sys/fs/cgroup >/dev/null && exit 3"]'
out=$(cd "$B" && $RT --root "$ST" run r1 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "run: a runc spec bundle runs unchanged (output, exit code 3)" [ "$RC" = 3 -a "$out" = "hi-runc" ]
expect "run: the container is deleted after it exits" [ -z "$($RT --root "$ST" list -q)" ]
ln -sf "$CL" "$T/crunlocal-runtime"
out=$(cd "$B" && "$T/crunlocal-runtime" --root "$ST" run r1b 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "crunlocal-runtime (argv[0]) is the runtime command line" [ "$RC" = 3 -a "$out" = "hi-runc" ]

# The cgroup mount shows the container's own cgroup, with a cgroup
# namespace and without: the process sets up its filesystem while its
# cgroups are made (no createRuntime hook here) and joins them only at
# "go", so the cgroup mount waits for that.  Its memory limit, not the
# host root's.
if [ -d /sys/fs/cgroup/memory ]; then
  for cgns in no yes; do
    f='.process.terminal = false | .linux.resources.memory = {"limit": 67108864} | .process.args = ["sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes; ls /sys/fs/cgroup/memory | grep -c crunlocal"]'
    [ $cgns = no ] || f="$f | .linux.namespaces += [{\"type\": \"cgroup\"}]"
    mkbundle "$B" "$f"
    out=$(cd "$B" && $RT --root "$ST" run "cg-$cgns" 2>"$T/err"); ERR=$(cat "$T/err")
    expect "run (cgroup namespace: $cgns): /sys/fs/cgroup/memory is the container's own cgroup (its 64 MiB limit, no crunlocal/ of the host's)" [ "$(echo $out)" = "67108864 0" ]
  done
fi

# create: set up, waiting; start: released.
mkbundle "$B" '.process.terminal = false | .process.args = ["sh", "-c", "echo started >/tmp/mark; ls /proc/self/fd | tr \"\\n\" \" \" >/tmp/fds; exec sleep 60"] | .root.readonly = false'
(cd "$B" && $RT --root "$ST" create --pid-file "$T/pid" c1 >"$T/c1.out" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
pid=$(cat "$T/pid" 2>/dev/null)
expect "create exits 0 and writes --pid-file" sh -c "[ $RC = 0 ] && [ -n '$pid' ] && kill -0 '$pid'"
expect "state: created, with the pid" sh -c "[ \"\$($RT --root '$ST' state c1 | jq -r '.status + \" \" + (.pid|tostring)')\" = 'created $pid' ]"
sleep 0.2
expect "created: the process has not run the command yet" [ ! -e "$B/rootfs/tmp/mark" ]
expect "created: its parent is not create (create has exited)" [ "$(awk '{print $4}' "/proc/$pid/stat")" != "$$" ]
# Sealed: a memfd copy, or (root) the binary through a read-only
# overlayfs of its own — not the file on disk (another device).
expect "created: the waiting process runs sealed, not from the binary on disk" sh -c \
  "readlink /proc/$pid/exe | grep -q '^/memfd:' || { [ \"\$(stat -L -f -c %T /proc/$pid/exe)\" = overlayfs ] && [ \"\$(stat -L -c %d /proc/$pid/exe)\" != \"\$(stat -L -c %d $CL)\" ]; }"
$RT --root "$ST" start c1; RC=$?
expect "start releases it: the command runs" sh -c "[ $RC = 0 ] && for i in \$(seq 50); do [ -e '$B/rootfs/tmp/mark' ] && exit 0; sleep 0.05; done; exit 1"
expect "state: running" [ "$(state_of c1)" = running ]
expect "the command holds no fd of the runtime's (only 0 1 2 and ls's own)" [ "$(cat "$B/rootfs/tmp/fds")" = "0 1 2 3 " ]
$RT --root "$ST" start c1 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "start of a running container fails (1)" [ "$RC" = 1 ]

# exec: output, code, flags.
out=$($RT --root "$ST" exec c1 sh -c 'echo in-$(cat /tmp/mark); exit 7'); RC=$?
expect "exec: output and exit code (7)" [ "$RC" = 7 -a "$out" = "in-started" ]
out=$($RT --root "$ST" exec --env A=b --cwd /tmp --user 1000:1000 c1 sh -c 'echo $A $(pwd) $(id -u):$(id -g)')
expect "exec --env --cwd --user" [ "$out" = "b /tmp 1000:1000" ]
printf '{"args":["sh","-c","echo from-process $X"],"env":["X=y","PATH=/bin"],"cwd":"/"}' >"$T/proc.json"
out=$($RT --root "$ST" exec --process "$T/proc.json" c1)
expect "exec --process FILE" [ "$out" = "from-process y" ]
$RT --root "$ST" exec --detach --pid-file "$T/epid" c1 sleep 30; RC=$?
epid=$(cat "$T/epid" 2>/dev/null)
expect "exec --detach --pid-file: the process runs on" sh -c "[ $RC = 0 ] && [ -n '$epid' ] && kill -0 '$epid'"
$RT --root "$ST" exec c1 no-such-cmd 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "exec of a missing command fails (255, as runc)" sh -c "[ $RC = 255 ] && grep -q 'not found' '$T/err'"

# ps, list.
expect "ps --format json lists both processes" sh -c "$RT --root '$ST' ps --format json c1 | jq -e 'index($pid) != null and index($epid) != null' >/dev/null"
expect "ps: the host's ps lines for them" sh -c "$RT --root '$ST' ps c1 | grep -q 'sleep 30'"
expect "list --format json: id, status, bundle" sh -c "$RT --root '$ST' list --format json | jq -e '.[0].id == \"c1\" and .[0].status == \"running\" and .[0].bundle == \"$B\"' >/dev/null"

# pause/resume (a cgroup freezer).
$RT --root "$ST" pause c1; RC=$?
expect "pause: state paused" [ "$RC" = 0 -a "$(state_of c1)" = paused ]
$RT --root "$ST" exec c1 true 2>/dev/null; RC=$?
expect "exec into a paused container is refused" [ "$RC" != 0 ]
$RT --root "$ST" resume c1; RC=$?
expect "resume: running again" [ "$RC" = 0 -a "$(state_of c1)" = running ]

# delete: refused while running, --force kills; cgroups go with it.
$RT --root "$ST" delete c1 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "delete of a running container without --force fails" [ "$RC" = 1 -a "$(state_of c1)" = running ]
$RT --root "$ST" kill c1 KILL; RC=$?
until_ok sh -c "[ \"\$($RT --root '$ST' state c1 | jq -r .status)\" = stopped ]"
expect "kill KILL: stopped" [ "$RC" = 0 -a "$(state_of c1)" = stopped ]
$RT --root "$ST" delete c1; RC=$?
expect "delete: no state, no cgroup left" sh -c "[ $RC = 0 ] && ! $RT --root '$ST' state c1 2>/dev/null && [ -z \"\$(find /sys/fs/cgroup -maxdepth 3 -path '*/crunlocal/c1' 2>/dev/null)\" ] && ! kill -0 '$epid' 2>/dev/null"
(cd "$B" && $RT --root "$ST" run -d c2); RC=$?
$RT --root "$ST" delete --force c2; RC2=$?
expect "run -d, then delete --force" sh -c "[ $RC = 0 ] && [ $RC2 = 0 ] && [ -z \"\$($RT --root '$ST' list -q)\" ]"
$RT --root "$ST" delete --force nosuch; RC=$?
expect "delete --force of an unknown ID succeeds" [ "$RC" = 0 ]

# create fails cleanly.
mkbundle "$B" '.process.terminal = false | .process.args = ["/no/such/cmd"]'
(cd "$B" && $RT --root "$ST" create bad 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "create of a missing command fails and leaves no container" sh -c "[ $RC != 0 ] && grep -q 'no such file' '$T/err' && [ -z \"\$($RT --root '$ST' list -q)\" ]"
(cd "$B" && $RT --root "$ST" create 'bad/id' 2>"$T/err"); RC=$?
expect "an ID with / is refused" [ "$RC" = 1 ]

# --console-socket: the PTY master over SCM_RIGHTS.
mkbundle "$B" '.process.args = ["sh", "-c", "tty; read x; echo got-$x"]'
rm -f "$T/cs" "$T/cs.ready"
python3 "$TOP/test/tools/recvtty.py" "$T/cs" 5 'hello\n' >"$T/tty.out" &
rpid=$!
until_ok test -e "$T/cs.ready"
(cd "$B" && $RT --root "$ST" run -d --console-socket "$T/cs" t1 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
wait "$rpid"
expect "--console-socket: the master arrives; the container's tty is its own /dev/pts/0" sh -c "[ $RC = 0 ] && grep -q '^/dev/pts/0' '$T/tty.out' && grep -q 'got-hello' '$T/tty.out'"
$RT --root "$ST" delete --force t1
mkbundle "$B" '.process.args = ["sleep", "30"]'
rm -f "$T/cs" "$T/cs.ready" "$T/cs2" "$T/cs2.ready"
python3 "$TOP/test/tools/recvtty.py" "$T/cs" 5 >/dev/null &
until_ok test -e "$T/cs.ready"
(cd "$B" && $RT --root "$ST" run -d --console-socket "$T/cs" t3 2>"$T/err")
python3 "$TOP/test/tools/recvtty.py" "$T/cs2" 5 >"$T/tty2.out" &
rpid=$!
until_ok test -e "$T/cs2.ready"
printf '{"terminal": true, "consoleSize": {"height": 10, "width": 110}, "args": ["sh", "-c", "stty size"], "cwd": "/"}' >"$T/tp.json"
$RT --root "$ST" exec --tty --detach --console-socket "$T/cs2" --process "$T/tp.json" t3 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
wait "$rpid"
expect "exec --tty --console-socket (the socket reached from outside the container), consoleSize" sh -c "[ $RC = 0 ] && grep -q '^10 110' '$T/tty2.out'"
$RT --root "$ST" delete --force t3
(cd "$B" && $RT --root "$ST" run -d t2 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "a terminal, detached, without --console-socket is refused" sh -c "[ $RC = 1 ] && grep -q 'console' '$T/err'"

# Refusals and features.
$RT --root "$ST" checkpoint x 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "checkpoint is refused clearly" sh -c "[ $RC = 1 ] && grep -q 'not supported' '$T/err'"
$RT --systemd-cgroup --root "$ST" list 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "--systemd-cgroup is refused clearly" sh -c "[ $RC = 1 ] && grep -q 'systemd' '$T/err'"
expect "features: JSON with namespaces and seccomp" sh -c "$RT features | jq -e '(.linux.namespaces | index(\"user\") != null) and .linux.seccomp.enabled' >/dev/null"
$RT --root "$ST" --log "$T/rt.log" --log-format json state nosuch 2>/dev/null; RC=$?
expect "--log --log-format json: the error, as a JSON line" sh -c "[ $RC = 1 ] && jq -e 'select(.level == \"error\") | .msg | contains(\"nosuch\")' '$T/rt.log' >/dev/null"

# Rootless: spec --rootless maps the user alone; create/start/exec/delete.
for who in crltest crlnosub; do
  UB=$T/users/$who/rtb US=$T/users/$who/rtstate
  mkbundle "$UB" '.process.terminal = false | .process.args = ["sh", "-c", "echo $(id -u) >/tmp/uid; exec sleep 30"] | .root.readonly = false' "$who"
  (cd "$UB" && as_user "$who" $RT --root "$US" run -d u1 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  until_ok test -s "$UB/rootfs/tmp/uid"
  expect "[$who] rootless run -d: root inside its user namespace" sh -c "[ $RC = 0 ] && [ \"\$(cat '$UB/rootfs/tmp/uid')\" = 0 ]"
  out=$(as_user "$who" $RT --root "$US" exec u1 sh -c 'echo $(id -u) $(cat /proc/self/uid_map | wc -l)' 2>"$T/err"); ERR=$(cat "$T/err")
  expect "[$who] rootless exec joins it" [ "$out" = "0 1" ]
  as_user "$who" $RT --root "$US" delete --force u1; RC=$?
  left=$(as_user "$who" $RT --root "$US" list -q)
  expect "[$who] rootless delete --force" [ "$RC" = 0 -a -z "$left" ]
  # startContainer hooks rootless: `start` may not enter the waiting
  # process (it is not dumpable), so that process runs them itself, in
  # the container, with the state on stdin; create+start and run.
  mkbundle "$UB" '.process.terminal = false | .process.args = ["cat", "/tmp/sc.json"] | .root.readonly = false | .hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > /tmp/sc.json"]}]}' "$who"
  (cd "$UB" && as_user "$who" $RT --root "$US" create u2 && as_user "$who" $RT --root "$US" start u2) 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  until_ok test -s "$UB/rootfs/tmp/sc.json"
  expect "[$who] rootless startContainer hook (create, start): in the container, the state (created) on its stdin" sh -c "[ $RC = 0 ] && jq -e '.id == \"u2\" and .status == \"created\"' '$UB/rootfs/tmp/sc.json' >/dev/null"
  as_user "$who" $RT --root "$US" delete --force u2 >/dev/null 2>&1
  mkbundle "$UB" '.process.terminal = false | .process.args = ["echo", "ran"] | .hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]}' "$who"
  out=$(cd "$UB" && as_user "$who" $RT --root "$US" run u3 2>&1); RC=$?; ERR=$out
  expect "[$who] rootless run: a failing startContainer hook ends it, named, before the command runs" sh -c "[ $RC != 0 ] && ! printf '%s' \"\$1\" | grep -q ran && printf '%s' \"\$1\" | grep -q 'startContainer.*exit status 3'" _ "$out"
  as_user "$who" $RT --root "$US" delete --force u3 >/dev/null 2>&1
  # exec into a created container (runc's "runc create exec"): its
  # waiting process is not dumpable, so it hands its namespaces to its
  # owner itself, over ns.sock (nsserve.c) — and to nobody else.
  mkbundle "$UB" '.process.terminal = false | .process.args = ["sleep", "30"]' "$who"
  nsq='id -u; for n in mnt pid user net; do readlink /proc/self/ns/$n; done'
  (cd "$UB" && as_user "$who" $RT --root "$US" create u4) 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  before=$(as_user "$who" $RT --root "$US" exec u4 sh -c "$nsq" 2>"$T/err"); ERR=$(cat "$T/err")
  st=$(as_user "$who" $RT --root "$US" state u4 | jq -r .status)
  expect "[$who] rootless exec into a created container: root in its namespaces, which stays created" sh -c "[ $RC = 0 ] && [ '$st' = created ] && [ \"\$(printf '%s\n' \"\$1\" | head -1)\" = 0 ] && [ \$(printf '%s\n' \"\$1\" | grep -c '^[a-z]*:\\[') = 4 ]" _ "$before"
  out=$(python3 "$TOP/test/tools/nsask.py" "$US/u4" 2>&1); ERR=$out
  expect "[$who] attack: root, past the socket's mode, is not the namespaces' owner and gets none" [ "$out" = 0 ]
  other=crlnosub; [ "$who" = crlnosub ] && other=crltest
  modes=$(stat -c '%a %n' "$T/users/$who" "$US" "$US/u4")
  chmod o+x "$T/users/$who" "$US" "$US/u4"
  out=$(as_user "$other" /usr/bin/python3 "$TOP/test/tools/nsask.py" "$US/u4" 2>&1); ERR=$out
  printf '%s\n' "$modes" | while read -r m f; do chmod "$m" "$f"; done
  expect "[$who] attack: another user cannot reach the socket (mode 0600)" sh -c "[ \"\$1\" = 'connect: Permission denied' ]" _ "$out"
  as_user "$who" $RT --root "$US" start u4
  after=$(as_user "$who" $RT --root "$US" exec u4 sh -c "$nsq" 2>"$T/err"); ERR=$(cat "$T/err")
  expect "[$who] rootless exec after start: the same namespaces as before it" sh -c "[ -n \"\$1\" ] && [ \"\$1\" = \"\$2\" ]" _ "$before" "$after"
  as_user "$who" $RT --root "$US" delete --force u4 >/dev/null 2>&1
done

# Rootless with a cgroup v1 linux.cgroupsPath root handed over (as runc's
# tests/rootless.sh does: a directory in each v1 hierarchy, group-writable
# for the user; v1 is never delegated otherwise): the container's cgroup
# is made below it in each one, its limits land there, pause freezes it,
# delete removes it.  Where nothing was handed over the path is refused,
# in runc's words.
v1_mounts () { awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup") print $5; break } }' /proc/self/mountinfo; }
v1_mount () { awk -v c="$1" '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup" && ("," $(i + 3) ",") ~ ("," c ",")) print $5; break } }' /proc/self/mountinfo; }
mem1=$(v1_mount memory) pids1=$(v1_mount pids) frz1=$(v1_mount freezer)
if [ -n "$mem1" ] && [ -n "$pids1" ] && [ -n "$frz1" ]; then
  CGP=crunlocal-rt-rootless-$$
  for m in $(v1_mounts); do
    mkdir -p "$m/$CGP" && chown root:crltest "$m/$CGP" "$m/$CGP/cgroup.procs" "$m/$CGP/tasks" &&
      chmod g+rwx "$m/$CGP" "$m/$CGP/cgroup.procs" "$m/$CGP/tasks"
    # a new cpuset cgroup has no CPUs: root gives it its parent's
    [ -e "$m/$CGP/cpuset.cpus" ] && cat "$m/cpuset.cpus" >"$m/$CGP/cpuset.cpus" && cat "$m/cpuset.mems" >"$m/$CGP/cpuset.mems"
  done
  UB=$T/users/crltest/rtcg US=$T/users/crltest/rtstate
  mkbundle "$UB" '.process.terminal = false | .process.args = ["sleep", "30"] | .linux.cgroupsPath = "/'"$CGP"'/c"
    | .linux.resources.memory.limit = 67108864 | .linux.resources.pids.limit = 20' crltest
  (cd "$UB" && as_user crltest $RT --root "$US" run -d --pid-file "$UB/pid" g1 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  pid=$(cat "$UB/pid" 2>/dev/null)
  expect "[crltest, v1 cgroupsPath handed over] run -d: memory and pids limits land in its cgroup there, holding its process" sh -c "[ $RC = 0 ] && [ \"\$(cat '$mem1/$CGP/c/memory.limit_in_bytes')\" = 67108864 ] && [ \"\$(cat '$pids1/$CGP/c/pids.max')\" = 20 ] && grep -qx '$pid' '$pids1/$CGP/c/cgroup.procs'"
  as_user crltest $RT --root "$US" pause g1 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  st=$(as_user crltest $RT --root "$US" state g1 | jq -r .status)
  expect "[crltest, v1 cgroupsPath] pause: paused, its freezer FROZEN" sh -c "[ $RC = 0 ] && [ '$st' = paused ] && grep -qx FROZEN '$frz1/$CGP/c/freezer.state'"
  as_user crltest $RT --root "$US" resume g1 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  st=$(as_user crltest $RT --root "$US" state g1 | jq -r .status)
  expect "[crltest, v1 cgroupsPath] resume: running, its freezer THAWED" sh -c "[ $RC = 0 ] && [ '$st' = running ] && grep -qx THAWED '$frz1/$CGP/c/freezer.state'"
  as_user crltest $RT --root "$US" update --pids-limit 30 g1 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "[crltest, v1 cgroupsPath] update --pids-limit 30" sh -c "[ $RC = 0 ] && [ \"\$(cat '$pids1/$CGP/c/pids.max')\" = 30 ]"
  as_user crltest $RT --root "$US" delete --force g1 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "[crltest, v1 cgroupsPath] delete --force: its cgroups are gone, the handed-over ones stay" sh -c "[ $RC = 0 ] && [ -z \"\$(find /sys/fs/cgroup -mindepth 3 -maxdepth 3 -path '*/$CGP/c')\" ] && [ -d '$mem1/$CGP' ]"
  for m in $(v1_mounts); do rmdir "$m/$CGP"; done
  (cd "$UB" && as_user crltest $RT --root "$US" run -d g2 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  left=$(as_user crltest $RT --root "$US" list -q)
  expect "[crltest, v1 cgroupsPath not handed over] refused (1): unable to apply cgroup configuration, permission denied" sh -c "[ $RC = 1 ] && grep -q 'unable to apply cgroup configuration: .*permission denied' '$T/err' && [ -z '$left' ] && [ ! -d '$mem1/$CGP' ]"
else
  echo "# skip: rootless with a cgroup v1 cgroupsPath: no v1 memory, pids and freezer hierarchies here"
fi

# Root's bundle with a user namespace binds directories below root's
# mode-700 ones (runc's userns.bats): the container's root, host uid
# 100000, cannot search the way, so the runtime opens the sources
# outside and passes them in (bindsrc.h).  exec joins the mounts made;
# no source fd reaches the command.
UNB=$T/rtuserns
mkbundle "$UNB" '.process.terminal = false | .process.args = ["sh", "-c", "stat -c %n /tmp/m1/foo.txt /tmp/m2/foo.txt && ls /proc/self/fd | tr \"\\n\" \" \""]
  | .linux.namespaces += [{"type": "user"}]
  | .linux.uidMappings = [{"hostID": 100000, "containerID": 0, "size": 65534}]
  | .linux.gidMappings = [{"hostID": 100000, "containerID": 0, "size": 65534}]
  | .mounts += [{"source": "src-1/dir", "destination": "/tmp/m1", "options": ["bind"]},
                {"source": "'"$UNB"'/src-2/dir", "destination": "/tmp/m2", "options": ["rbind", "ro"]}]'
# (the mount points too: root's rootfs is not the container root's to write)
mkdir -p "$UNB/src-1/dir" "$UNB/src-2/dir" "$UNB"/rootfs/tmp/m1 "$UNB"/rootfs/tmp/m2 "$UNB"/rootfs/tmp/m3 && touch "$UNB/src-1/dir/foo.txt" "$UNB/src-2/dir/foo.txt"
chmod 700 "$UNB/src-1" "$UNB/src-2"
out=$(cd "$UNB" && $RT --root "$ST" run un1 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "userns as root: binds from below 700 dirs of root's (relative and absolute source) are there" [ "$RC" = 0 -a "$out" = "/tmp/m1/foo.txt
/tmp/m2/foo.txt
0 1 2 3 " ]
jq '.process.args = ["sleep", "30"]' "$UNB/config.json" >"$UNB/c.tmp" && mv "$UNB/c.tmp" "$UNB/config.json"
(cd "$UNB" && $RT --root "$ST" run -d un2 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
out=$($RT --root "$ST" exec un2 sh -c 'stat -c %n /tmp/m1/foo.txt /tmp/m2/foo.txt && ls /proc/1/fd | tr "\n" " "' 2>"$T/err"); ERR=$(cat "$T/err")
expect "userns as root: exec sees the binds; the command holds no source fd" [ "$RC" = 0 -a "$out" = "/tmp/m1/foo.txt
/tmp/m2/foo.txt
0 1 2 " ]
$RT --root "$ST" exec un2 touch /tmp/m2/new 2>/dev/null; RC=$?
expect "userns as root: a passed source keeps its options (ro)" [ "$RC" != 0 -a ! -e "$UNB/src-2/dir/new" ]
$RT --root "$ST" delete --force un2
jq '.mounts += [{"source": "src-none", "destination": "/tmp/m3", "options": ["bind"]}]' "$UNB/config.json" >"$UNB/c.tmp" && mv "$UNB/c.tmp" "$UNB/config.json"
(cd "$UNB" && $RT --root "$ST" run un3 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "userns as root: a missing bind source is still named (exit 1)" sh -c "[ $RC = 1 ] && grep -q 'mount source src-none: No such file' '$T/err'"
# A working directory only process.user may enter (runc's cwd.bats,
# rootless with an id map): mode 700, the user's, its group unmapped, so
# root inside has no capability over it; entered after the switch to
# the user (as runc), by run and by exec.
CWB=$T/rtcwd
mkbundle "$CWB" '.process.terminal = false | .process.user = {"uid": 1000, "gid": 1000} | .process.cwd = "/aux" | .process.args = ["pwd"]
  | .linux.namespaces += [{"type": "user"}]
  | .linux.uidMappings = [{"hostID": 100000, "containerID": 0, "size": 65534}]
  | .linux.gidMappings = [{"hostID": 100000, "containerID": 0, "size": 65534}]
  | .mounts += [{"source": "'"$CWB"'/aux", "destination": "/aux", "options": ["bind"]}]'
mkdir -p "$CWB/aux" "$CWB/rootfs/aux" && chown 101000:5 "$CWB/aux" && chmod 700 "$CWB/aux"
out=$(cd "$CWB" && $RT --root "$ST" run cw1 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "process.cwd only process.user may enter: entered as that user (run)" [ "$RC" = 0 -a "$out" = /aux ]
jq '.process.args = ["sleep", "30"] | .process.cwd = "/"' "$CWB/config.json" >"$CWB/c.tmp" && mv "$CWB/c.tmp" "$CWB/config.json"
(cd "$CWB" && $RT --root "$ST" run -d cw2 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
out=$($RT --root "$ST" exec --user 1000:1000 --cwd /aux cw2 pwd 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "and by exec --user --cwd" [ "$RC" = 0 -a "$out" = /aux ]
$RT --root "$ST" delete --force cw2 >/dev/null 2>&1

# OCI hooks: the state on stdin, each at its point; createContainer with
# the rootfs as working directory; a failing one fails create.
H=$T/hooks; mkdir -p "$H"
mkbundle "$B" '.process.terminal = false | .process.args = ["cat", "/from-hook"] | .root.readonly = false | .process.user.umask = 63'
jq --arg h "$H" '.hooks = {
  "createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > \($h)/cr.json"]}],
  "createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "echo via-createContainer > ./from-hook"]}],
  "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > /tmp/sc.json"]}],
  "poststart": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > \($h)/pst.json"]}],
  "poststop": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > \($h)/pstop.json"]}]}' "$B/config.json" >"$B/c.tmp" && mv "$B/c.tmp" "$B/config.json"
out=$(cd "$B" && $RT --root "$ST" run h1 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "hooks: createContainer runs in the rootfs before the process" [ "$RC" = 0 -a "$out" = via-createContainer ]
expect "hooks: createRuntime reads the state (creating, pid, bundle)" sh -c "jq -e '.status == \"creating\" and .pid > 0 and .id == \"h1\" and .bundle == \"$B\"' '$H/cr.json' >/dev/null"
expect "hooks: startContainer runs in the container (its /tmp), state created" sh -c "jq -e '.status == \"created\"' '$B/rootfs/tmp/sc.json' >/dev/null"
expect "hooks: poststart (running) and poststop (stopped)" sh -c "jq -e '.status == \"running\"' '$H/pst.json' >/dev/null && jq -e '.status == \"stopped\"' '$H/pstop.json' >/dev/null"
jq '.hooks = {"createRuntime": [{"path": "/bin/false"}]}' "$B/config.json" >"$B/c.tmp" && mv "$B/c.tmp" "$B/config.json"
(cd "$B" && $RT --root "$ST" create h2 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "a failing createRuntime hook fails create and leaves nothing" sh -c "[ $RC = 1 ] && grep -q 'error running hook #0 (createRuntime' '$T/err' && [ -z \"\$($RT --root '$ST' list -q)\" ]"
"$CL" run --bundle "$B" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "run --bundle refuses hooks it does not run" sh -c "[ $RC = 125 ] && grep -q 'hooks' '$T/err'"
mkbundle "$B" '.process.terminal = false | .process.args = ["sh", "-c", "umask"] | .process.user.umask = 63'
out=$(cd "$B" && $RT --root "$ST" run u1 2>"$T/err")
expect "process.user.umask (0077)" [ "$out" = "0077" ]

# update: runc's flags (after the ID too) and -r JSON into the container's
# cgroups, remembered for the next; events: stats and the end of the stream.
mkbundle "$B" '.process.terminal = false | .process.args = ["sleep", "30"] | .linux.resources.pids.limit = 50'
(cd "$B" && $RT --root "$ST" run -d up1) 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
cg_file () { # FILE: its path in the container's recorded cgroups
  while read -r d; do [ -e "$d/$1" ] && { echo "$d/$1"; return; }; done <"$ST/up1/cgroup"
}
mem=$(cg_file memory.limit_in_bytes); [ -n "$mem" ] || mem=$(cg_file memory.max)
$RT --root "$ST" update up1 --memory 64M 2>"$T/err"; RC2=$?; ERR=$(cat "$T/err")
expect "update ID --memory 64M: the cgroup's limit, the state's record" sh -c "[ $RC = 0 ] && [ $RC2 = 0 ] && [ \"\$(cat '$mem')\" = 67108864 ] && jq -e '.memory.limit == 67108864' '$ST/up1/resources.json' >/dev/null"
echo '{"pids": {"limit": 7}, "CPU": {"Shares": 512}}' | $RT --root "$ST" update -r - up1 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "update -r - (keys in any case): pids.max 7, memory kept" sh -c "[ $RC = 0 ] && [ \"\$(cat '$(cg_file pids.max)')\" = 7 ] && jq -e '.memory.limit == 67108864 and .cpu.shares == 512' '$ST/up1/resources.json' >/dev/null"
$RT --root "$ST" update --pids-limit nope up1 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "update with a bad value fails (1) and changes nothing" sh -c "[ $RC = 1 ] && [ \"\$(cat '$(cg_file pids.max)')\" = 7 ]"
out=$($RT --root "$ST" events --stats up1 2>"$T/err")
expect "events --stats: one stats line (cpu, memory, pids)" sh -c "printf '%s\n' '$out' | jq -e '.type == \"stats\" and .id == \"up1\" and .data.pids.current >= 1 and .data.memory.usage.limit == 67108864 and (.data.cpu.usage.total | type) == \"number\"' >/dev/null"
timeout 20 $RT --root "$ST" events --interval 100ms up1 >"$T/events" 2>"$T/err" &
epid=$!
until_ok grep -q up1 "$T/events"
$RT --root "$ST" delete --force up1
wait "$epid"; RC=$?; ERR=$(cat "$T/err")
expect "events --interval 100ms: stats lines until the container is deleted, then exit 0" sh -c "[ $RC = 0 ] && [ \$(grep -c '\"type\":\"stats\"' '$T/events') -ge 1 ]"
$RT --root "$ST" update --memory 64M up1 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "update of a deleted container fails (1)" [ "$RC" = 1 ]

# events --stats: blkio as runc gives it, from the container's blkio (or
# io) cgroup: 1 MiB read with O_DIRECT from a file on a disk (/var/tmp;
# the test's own directory is tmpfs, no block device).  Linux 6.x's
# blk-throttle counts only on a disk it has a limit for: a generous one.
D="" disk=""
[ -d /sys/fs/cgroup/blkio ] && [ "$(stat -f -c %T /var/tmp)" != tmpfs ] && D=$(mktemp -d /var/tmp/crunlocal-blk.XXXXXX)
[ -n "$D" ] && disk=$(stat -c '%Hd:%Ld' "$D") && [ -e "/sys/dev/block/$disk" ] || disk=""
[ -f "/sys/dev/block/$disk/partition" ] && disk=$(cat "/sys/dev/block/$disk/../dev")
if [ -n "$disk" ] && dd if=/dev/urandom of="$D/f" bs=64k count=16 status=none \
  && dd if="$D/f" of=/dev/null bs=64k iflag=direct status=none; then
  mkbundle "$B" '.process.terminal = false | .process.args = ["sleep", "30"] | .linux.resources.blockIO = {"weight": 300, "throttleReadBpsDevice": [{"major": '"${disk%:*}"', "minor": '"${disk#*:}"', "rate": 1073741824}]} | .mounts += [{"destination": "/data", "type": "bind", "source": "'"$D"'", "options": ["rbind", "ro"]}]'
  mkdir -p "$B/rootfs/data"
  (cd "$B" && $RT --root "$ST" run -d bk1) 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  $RT --root "$ST" exec bk1 busybox dd if=/data/f of=/dev/null bs=64k iflag=direct 2>/dev/null
  out=$($RT --root "$ST" events --stats bk1 2>"$T/err")
  expect "events --stats: blkio.ioServiceBytesRecursive counts the 1 MiB read (runc's major/minor/op/value)" sh -c "[ $RC = 0 ] && printf '%s\n' '$out' | jq -e '[.data.blkio.ioServiceBytesRecursive[] | select(.op == \"Read\" and .value >= 1048576 and (.major | type) == \"number\")] | length >= 1' >/dev/null"
  $RT --root "$ST" delete --force bk1
  rm -rf "$D"
else
  [ -z "$D" ] || rm -rf "$D"
  echo "# skip: events --stats blkio with real I/O: no v1 blkio hierarchy, or /var/tmp is not on a block device that takes O_DIRECT"
fi

# linux.resources.blockIO (runc's cgroups.bats "per-device io weight for
# bfq"): a loop device on the bfq scheduler takes a per-device weight; the
# throttles take any block device; update --blkio-weight and -r change them.
blk_file () { # ID FILE...: the first FILE in the container's recorded cgroups
  id=$1; shift
  for f in "$@"; do
    while read -r d; do [ -e "$d/$f" ] && { echo "$d/$f"; return; }; done <"$ST/$id/cgroup"
  done
}
dd if=/dev/zero of="$T/backing.img" bs=4096 count=1 2>/dev/null
loop=$(losetup --find --show "$T/backing.img" 2>/dev/null) || loop=""
if [ -n "$loop" ] && ! { grep -qw bfq "/sys/block/${loop#/dev/}/queue/scheduler" && echo bfq >"/sys/block/${loop#/dev/}/queue/scheduler"; } 2>/dev/null; then
  losetup -d "$loop"; loop=""
fi
if [ -n "$loop" ]; then tdev=$(cat "/sys/block/${loop#/dev/}/dev"); else tdev=$(cat "$(ls -d /sys/block/*/dev | grep -v -e loop -e zram -e ram | head -n 1)"); fi
wdev=""; [ -z "$loop" ] || wdev=$tdev
if [ -n "$tdev" ] && [ -d /sys/fs/cgroup/blkio -o -e /sys/fs/cgroup/cgroup.controllers ]; then
  jwd='[]'; [ -z "$wdev" ] || jwd="[{major: ${wdev%:*}, minor: ${wdev#*:}, weight: 444}]"
  mkbundle "$B" '.process.terminal = false | .process.args = ["sleep", "30"] | .linux.resources.blockIO = {weight: 333, weightDevice: '"$jwd"', throttleReadBpsDevice: [{major: '"${tdev%:*}"', minor: '"${tdev#*:}"', rate: 1048576}]}'
  (cd "$B" && $RT --root "$ST" run -d bk1) 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  wf=$(blk_file bk1 blkio.weight blkio.bfq.weight io.bfq.weight io.weight)
  expect "blockIO.weight 333: the container's blkio cgroup has it" sh -c "[ $RC = 0 ] && grep -qE '^(default )?(333|3263)\$' '$wf'"
  if [ -n "$wdev" ]; then
    wdf=$(blk_file bk1 blkio.weight_device blkio.bfq.weight_device io.bfq.weight)
    expect "blockIO.weightDevice: $wdev 444 on a bfq loop device" sh -c "[ $RC = 0 ] && grep -qx 'default 333' '$wdf' && grep -qx '$wdev 444' '$wdf'"
  fi
  tf=$(blk_file bk1 blkio.throttle.read_bps_device io.max)
  expect "blockIO.throttleReadBpsDevice: $tdev 1048576" sh -c "[ $RC = 0 ] && grep -qE '^$tdev (rbps=)?1048576' '$tf'"
  $RT --root "$ST" update --blkio-weight 500 bk1 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "update --blkio-weight 500: the weight, the state's record" sh -c "[ $RC = 0 ] && grep -qE '^(default )?(500|4950)\$' '$wf' && jq -e '.blockIO.weight == 500' '$ST/bk1/resources.json' >/dev/null"
  echo '{"blockIO": {"throttleReadBpsDevice": [{"major": '"${tdev%:*}"', "minor": '"${tdev#*:}"', "rate": 2097152}]}}' | $RT --root "$ST" update -r - bk1 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "update -r with blockIO: the throttle changes, the weight stays" sh -c "[ $RC = 0 ] && grep -qE '^$tdev (rbps=)?2097152' '$tf' && jq -e '.blockIO.weight == 500 and .blockIO.throttleReadBpsDevice[0].rate == 2097152' '$ST/bk1/resources.json' >/dev/null"
  $RT --root "$ST" update --blkio-weight x bk1 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "update --blkio-weight x fails (1) naming the flag" sh -c "[ $RC = 1 ] && grep -q -- '--blkio-weight \"x\"' '$T/err'"
  $RT --root "$ST" delete --force bk1
  [ -z "$loop" ] || losetup -d "$loop"
  # A container run without blockIO gets a blkio cgroup at its first update.
  mkbundle "$B" '.process.terminal = false | .process.args = ["sleep", "30"]'
  (cd "$B" && $RT --root "$ST" run -d bk2) 2>"$T/err"; RC=$?
  $RT --root "$ST" update --blkio-weight 200 bk2 2>"$T/err"; RC2=$?; ERR=$(cat "$T/err")
  wf=$(blk_file bk2 blkio.weight blkio.bfq.weight io.bfq.weight io.weight)
  expect "update --blkio-weight 200 of a container run without blockIO" sh -c "[ $RC = 0 ] && [ $RC2 = 0 ] && grep -qE '^(default )?(200|1910)\$' '$wf'"
  $RT --root "$ST" delete --force bk2
  expect "delete: the blkio cgroup added by update goes too" sh -c "[ -z \"\$(find /sys/fs/cgroup -maxdepth 3 -path '*/crunlocal/bk2' 2>/dev/null)\" ]"
fi
for bad in '{weight: "333"}' '{weight: 333, nosuch: 1}' '{throttleReadBpsDevice: [{major: 8}]}'; do
  mkbundle "$B" '.process.terminal = false | .process.args = ["true"] | .linux.resources.blockIO = '"$bad"
  (cd "$B" && $RT --root "$ST" run bk3) 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "blockIO $bad is refused with one line" sh -c "[ $RC != 0 ] && [ \$(grep -c . '$T/err') = 1 ] && grep -q 'linux.resources.blockIO' '$T/err'"
done
if [ -d /sys/fs/cgroup/blkio ] && [ ! -e /sys/fs/cgroup/blkio/blkio.leaf_weight ]; then
  mkbundle "$B" '.process.terminal = false | .process.args = ["true"] | .linux.resources.blockIO = {leafWeight: 100}'
  (cd "$B" && $RT --root "$ST" run bk4) 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "blockIO.leafWeight where the kernel has none (no CFQ) is refused" sh -c "[ $RC != 0 ] && grep -q 'blockIO.leafWeight: .*no blkio.leaf_weight' '$T/err' && [ -z \"\$(find /sys/fs/cgroup -maxdepth 3 -path '*/crunlocal/bk4' 2>/dev/null)\" ]"
fi

# linux.seccomp.listenerPath: the SCMP_ACT_NOTIFY listener and the state
# to runc's seccomp agent (a small one here: it records what came and
# closes the fd, so the caught mkdir fails with ENOSYS).
cat >"$T/agent.py" <<'PY'
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 4096, 4)
st = json.loads(msg); st["nfds"] = len(fds)
open(sys.argv[2], "w").write(json.dumps(st))
for fd in fds: os.close(fd)
PY
SOCK=$T/agent.sock
mkbundle "$B" '.process.terminal = false | .process.args = ["sh", "-c", "mkdir /tmp/d; echo rc=$?"] | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "'"$SOCK"'", "listenerMetadata": "m1", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}'
python3 "$T/agent.py" "$SOCK" "$T/agent.json" & apid=$!
until_ok [ -S "$SOCK" ]
(cd "$B" && $RT --root "$ST" run n1) >"$T/n1.out" 2>&1; RC=$?
wait "$apid"
expect "seccomp listenerPath: the agent gets the fd and the state (metadata, seccompFd, id, pid)" sh -c "jq -e '.metadata == \"m1\" and .fds == [\"seccompFd\"] and .nfds == 1 and .state.id == \"n1\" and .pid > 0 and .state.pid == .pid' '$T/agent.json' >/dev/null"
expect "seccomp listenerPath: the caught mkdir fails once the agent has let go (ENOSYS), the rest runs" sh -c "grep -q 'rc=1' '$T/n1.out' && grep -q 'not implemented' '$T/n1.out' && [ ! -e '$B/rootfs/tmp/d' ]"
rm -f "$SOCK"
(cd "$B" && $RT --root "$ST" run n2) >"$T/n2.out" 2>&1; RC=$?
expect "seccomp listenerPath with no agent there: fails, says so, leaves nothing" sh -c "[ $RC = 1 ] && grep -q 'failed to connect with seccomp agent' '$T/n2.out' && [ -z \"\$($RT --root '$ST' list -q)\" ]"
# The command must not have begun: the agent is checked for before it
# runs (its mkdir would have failed with ENOSYS and been printed).  On
# one CPU the child raced past the caller's failed connect about every
# other run before it waited for the caller's word.
for i in 1 2 3 4 5 6 7 8 9 10; do
  (cd "$B" && taskset -c 0 $RT --root "$ST" run n2) >>"$T/n2.out" 2>&1
done
expect "seccomp listenerPath with no agent there: the command never ran (10 runs on one CPU)" sh -c "! grep -q 'mkdir\|rc=' '$T/n2.out' && [ \$(grep -c 'failed to connect' '$T/n2.out') = 11 ]"
jq '.linux.seccomp.syscalls[0].names = ["write"]' "$B/config.json" >"$T/c.json" && mv "$T/c.json" "$B/config.json"
(cd "$B" && $RT --root "$ST" run n3) >"$T/n3.out" 2>&1; RC=$?
expect "SCMP_ACT_NOTIFY on write is refused (runc's rule)" sh -c "[ $RC = 1 ] && grep -q 'cannot be used for the write syscall' '$T/n3.out'"

# startContainer hooks run under the container's filter (runc's order).
mkbundle "$B" '.process.terminal = false | .process.args = ["true"] | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]} | .hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "mkdir /tmp/hookdir"]}]}'
out=$(cd "$B" && $RT --root "$ST" run sk1 2>&1); RC=$?
expect "a startContainer hook runs under linux.seccomp (its mkdir: bad system call)" sh -c "[ $RC = 1 ] && [ ! -e '$B/rootfs/tmp/hookdir' ] && printf '%s' \"\$1\" | grep -q 'signal: bad system call'" _ "$out"

# "rro": the bind and every mount below it read-only (mount_setattr).
mkdir -p "$T/rro/sub"; mount -t tmpfs none "$T/rro/sub"
mkbundle "$B" '.process.terminal = false | .process.args = ["sh", "-c", "touch /mnt/a; echo a=$?; touch /mnt/sub/b; echo b=$?"] | .mounts += [{"source": "'"$T/rro"'", "destination": "/mnt", "type": "bind", "options": ["rbind", "rro"]}]'
out=$(cd "$B" && $RT --root "$ST" run ro1 2>/dev/null)
umount "$T/rro/sub"
expect "rbind,rro: the bind and the mount below it are read-only" [ "$out" = "$(printf 'a=1\nb=1')" ]

# linux.devices: the host's node bound in; the device cgroup decides.
if [ -c /dev/kmsg ]; then
  mkbundle "$B" '.process.terminal = false | .process.args = ["sleep", "30"] | .linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11}] | .linux.resources.devices = [{"allow": false, "access": "rwm"}]'
  (cd "$B" && $RT --root "$ST" run -d dv1) 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  out=$($RT --root "$ST" exec dv1 sh -c 'ls -l /dev/kmsg; head -c 1 /dev/kmsg' 2>&1)
  expect "linux.devices: /dev/kmsg is there (c 1,11), a deny-all device cgroup refuses it" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q '^c.* 1, *11 ' && printf '%s' \"\$1\" | grep -q 'Operation not permitted'" _ "$out"
  # exec --cgroup: below the container's cgroup only, and only one that exists.
  $RT --root "$ST" exec --cgroup .. dv1 true 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "exec --cgroup .. is refused (not a sub cgroup)" sh -c "[ $RC = 255 ] && grep -q 'not a sub cgroup path' '$T/err'"
  $RT --root "$ST" exec --cgroup memory:nosuch dv1 true 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "exec --cgroup memory:nosuch fails: no such cgroup" sh -c "[ $RC = 255 ] && grep -q 'nosuch/cgroup.procs: no such file' '$T/err'"
  mem=$(grep '/memory/' "$ST/dv1/cgroup")
  if [ -n "$mem" ]; then
    mkdir "$mem/sub"
    out=$($RT --root "$ST" exec --cgroup memory:sub dv1 cat /proc/self/cgroup 2>&1)
    expect "exec --cgroup memory:sub joins the sub-cgroup of memory alone" sh -c "printf '%s' \"\$1\" | grep -q ':memory:.*/sub\$' && ! printf '%s' \"\$1\" | grep -q ':pids:.*/sub\$'" _ "$out"
  fi
  $RT --root "$ST" delete --force dv1
  [ -z "${mem:-}" ] || rmdir "$mem/sub" "$mem" 2>/dev/null
fi

# podman drives it through conmon, as it drives crun: a private storage
# (--root/--runroot here), an image loaded from the test images.  This
# host's root may not raise RLIMIT_NOFILE/NPROC to podman's 1048576
# (runc fails the same way), hence the --ulimit.
if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
  apt-get install -y -qq podman >/dev/null 2>&1
fi
IMGS=$(ls -d /var/tmp/crunlocal-test-cache/*/images 2>/dev/null | head -n 1)
rtbin=$T/rtbin; mkdir -p "$rtbin"; ln -sf "$CL" "$rtbin/crunlocal-runtime"
if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
  echo "# skip: podman: the package cannot be installed here"
elif [ ! -f "$IMGS/docker.tar" ]; then
  echo "# skip: podman: no test image archive (test/tools/mkimages.py)"
else
  podman_own "$T/pm"
  PM="podman --root $T/pm/root --runroot $PRUN --cgroup-manager cgroupfs --events-backend none --runtime $rtbin/crunlocal-runtime"
  U="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
  $PM load -i "$IMGS/docker.tar" >/dev/null 2>&1
  IMG=example.com/saved/busybox:1.0
  out=$(timeout 60 $PM run --rm $U $IMG echo hi 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "podman --runtime crunlocal-runtime run --rm IMG echo hi" [ "$RC" = 0 -a "$out" = hi ]
  timeout 60 $PM run -d $U --name pd $IMG sh -c 'echo started; exec sleep 100' >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  until_ok sh -c "$PM logs pd 2>/dev/null | grep -q started"
  expect "podman run -d, logs" sh -c "[ $RC = 0 ] && $PM logs pd | grep -qx started"
  out=$(timeout 30 $PM exec pd sh -c 'echo exec-$((1+1)); exit 4' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "podman exec: output and exit code" [ "$RC" = 4 -a "$out" = exec-2 ]
  timeout 30 $PM stop -t 5 pd >/dev/null 2>&1; RC=$?
  expect "podman stop: exited" sh -c "[ $RC = 0 ] && $PM ps -a --format '{{.Names}} {{.Status}}' | grep -q '^pd Exited'"
  timeout 30 $PM rm pd >/dev/null 2>&1; RC=$?
  expect "podman rm: gone, and the runtime's state too" sh -c "[ $RC = 0 ] && [ -z \"\$($PM ps -aq)\" ]"
  S=$T/tmux93.sock
  tmux -S "$S" new-session -d -x 100 -y 30 "$PM run -it --rm $U $IMG sh"
  until_ok sh -c "tmux -S '$S' capture-pane -p | grep -q '# '"
  tmux -S "$S" send-keys 'echo tty-$(tty | cut -c1-8)' Enter
  until_ok sh -c "tmux -S '$S' capture-pane -p | grep -q 'tty-/dev/pts'"; RC=$?
  expect "podman run -it under tmux: a shell on the container's own terminal" [ "$RC" = 0 ]
  tmux -S "$S" send-keys 'exit' Enter
  until_ok sh -c "! tmux -S '$S' has-session 2>/dev/null"
  tmux -S "$S" kill-server 2>/dev/null
  rm -rf "$T/pm" "$PRUN" 2>/dev/null
fi

# containerd's runc shim drives it (ctr run --runc-binary): a containerd
# of this test's own, its config, root, state and socket in $T.
command -v containerd >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends containerd >/dev/null 2>&1
if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null; then
  echo "# skip: containerd: the package cannot be installed here"
elif [ ! -f "$IMGS/docker.tar" ]; then
  echo "# skip: containerd: no test image archive (test/tools/mkimages.py)"
else
  C=$T/ctrd; mkdir -p "$C"
  cat >"$C/config.toml" <<CONF
version = 2
root = "$C/root"
state = "$C/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$C/ctrd.sock"
[ttrpc]
  address = "$C/ctrd.sock.ttrpc"
CONF
  containerd --config "$C/config.toml" >"$C/log" 2>&1 &
  cpid=$!
  CT="ctr --address $C/ctrd.sock"
  until_ok $CT version >/dev/null 2>&1
  $CT image import "$IMGS/docker.tar" >/dev/null 2>&1
  RTB=$T/rtbin/crunlocal-runtime
  out=$(timeout 60 $CT run --rm --runc-binary "$RTB" example.com/saved/busybox:1.0 c1 echo hi 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "containerd: ctr run --rm --runc-binary crunlocal-runtime IMG echo hi" [ "$RC" = 0 -a "$out" = hi ]
  timeout 60 $CT run -d --runc-binary "$RTB" example.com/saved/busybox:1.0 c2 sleep 100 >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "containerd: a detached task runs" sh -c "[ $RC = 0 ] && $CT task ls | grep -q 'c2 .*RUNNING'"
  out=$(timeout 30 $CT task exec --exec-id e1 c2 sh -c 'echo exec-ok; exit 3' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "containerd: task exec (output, exit code 3)" [ "$RC" = 3 -a "$out" = exec-ok ]
  timeout 30 $CT task kill -s KILL c2 >/dev/null 2>&1
  until_ok sh -c "$CT task ls | grep -q 'c2 .*STOPPED'"; RC=$?
  expect "containerd: task kill: stopped" [ "$RC" = 0 ]
  timeout 30 $CT task delete c2 >/dev/null 2>&1; RC=$?
  $CT container rm c2 >/dev/null 2>&1
  expect "containerd: task delete" sh -c "[ $RC = 0 ] && ! $CT task ls | grep -q c2"
  kill "$cpid"; wait "$cpid" 2>/dev/null
  grep -q ' - overlay ' /proc/self/mountinfo && awk -v d="$C" '$5 ~ "^"d {print $5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$C" 2>/dev/null
fi
