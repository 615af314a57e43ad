# Escapes (issue 10): each test attacks one hole from inside a container
# and passes only when nothing got out.  The attack programs are one
# static C file, test/tools/escape.c, bound into the busybox image.
#  1 a leaked directory fd as the working directory (CVE-2024-21626 class)
#  2 the host's crunlocal binary reachable through /proc/PID/exe (CVE-2019-5736)
#  3 TIOCSTI into the caller's terminal; /dev/tty without -t
#  4 the caller's stdout/stderr file: chmod, chown, truncate, read back
#  5 host devices: mknod, and device nodes shipped in an image
#  6 the caller's session keyring
#  7 spec -o DIR: the bundle directory is the caller's only (0700)
. "$TOP/test/lib.sh"
BB=$REG/busybox
RC=0 ERR=
X=$T/esc
mkdir -p "$X/w" && chmod 755 "$X" && chmod 1777 "$X/w"
if ! musl-gcc -static -O2 -o "$X/escape" "$TOP/test/tools/escape.c"; then
  not_ok "escape.c builds (musl-gcc -static)"
  exit 0
fi
chmod 755 "$X/escape"
ESC="-v $X/escape:/escape:ro"
# A secret in a host directory no container shares, readable by everyone.
MARK=$X/host-only/marker
mkdir -p "$X/host-only" && echo "HOSTSECRET-$$-marker" >"$MARK" && chmod 644 "$MARK"
UP=../../../../../../../../../../..
has () { printf '%s' "$2" | grep -Eq -- "$1"; } # has EXTENDED-REGEX TEXT
users="root crltest crlnosub"
ascmd () { if [ "$1" = root ]; then echo ""; else echo "as_user $1"; fi; }

fresh_store
for u in $users; do
  $(ascmd "$u") "$CL" pull -q "$BB" >/dev/null
  for n in 3 4 5 6 7 8 9 10; do $(ascmd "$u") "$CL" pull -q "$REG/fdcwd:$n" >/dev/null; done
done

# ---- 1. leaked directory fds as the working directory ----
# The command reads the marker and creates a file by paths relative to
# its cwd: inside the container they name nothing; from a host directory
# they reach the host's root.  Refused (125) or inside are both fine.
cwd_attack () { # TAG: prints the command's words
  echo "cat $UP$MARK; touch $UP$X/w/escaped-$1; pwd"
}
cwd_verdict () { # NAME TAG OUTPUTS-FILE
  esc=$(ls "$X/w" | grep -c "^escaped-$2-" || true)
  if grep -q "HOSTSECRET-$$-marker" "$3" || [ "$esc" != 0 ]; then
    not_ok "$1" "marker read: $(grep -c "HOSTSECRET" "$3") time(s); files written on the host: $(ls "$X/w" | grep "^escaped-$2-" | tr '\n' ' ')" \
      "$(grep -B1 -A1 HOSTSECRET "$3" | head -n 6 | tr '\n' ' ')"
  else ok "$1"; fi
}
for u in $users; do
  X1=$(ascmd "$u")
  : >"$X/cwd-$u-run"
  for n in $(seq 3 20); do
    { echo "N=$n"; $X1 "$CL" run --rm -w "/proc/self/fd/$n" "$BB" sh -c "$(cwd_attack "run$u-$n")" 2>&1; echo "rc=$?"; } >>"$X/cwd-$u-run"
  done
  cwd_verdict "[$u] run -w /proc/self/fd/N (N=3..20): refused or inside, no host file read or written" "run$u" "$X/cwd-$u-run"

  $X1 "$CL" run -d --name cwdexec "$BB" sleep 1000 >/dev/null
  : >"$X/cwd-$u-exec"
  for n in $(seq 3 20); do
    { echo "N=$n"; $X1 "$CL" exec -w "/proc/self/fd/$n" cwdexec sh -c "$(cwd_attack "exec$u-$n")" 2>&1; echo "rc=$?"; } >>"$X/cwd-$u-exec"
  done
  $X1 "$CL" rm -f cwdexec >/dev/null
  cwd_verdict "[$u] exec -w /proc/self/fd/N (N=3..20) into run -d: no host file read or written" "exec$u" "$X/cwd-$u-exec"

  : >"$X/cwd-$u-img"
  for n in 3 4 5 6 7 8 9 10; do
    { echo "N=$n"; $X1 "$CL" run --rm "$REG/fdcwd:$n" sh -c "$(cwd_attack "img$u-$n")" 2>&1; echo "rc=$?"; } >>"$X/cwd-$u-img"
  done
  cwd_verdict "[$u] image WorkingDir /proc/self/fd/N (N=3..10), no -w: no host file read or written" "img$u" "$X/cwd-$u-img"
done

# ---- 2. the host's binary through /proc/PID/exe ----
# A scratch copy is the crunlocal that runs here, so nothing can harm the
# real one.  The attacker hunts /proc/*/exe for that very file (its
# device and inode) while the host execs into the container 30 times,
# opens it for write (never writes), and keeps O_PATH/O_RDONLY handles to
# re-open for write once no process runs the binary (ETXTBSY clears).
mkdir -p "$X/bin" "$X/race" && chmod 777 "$X/race"
cp "$CL" "$X/bin/crunlocal" && chmod 755 "$X/bin/crunlocal"
CLX=$X/bin/crunlocal
sum0=$(sha256sum <"$CLX")
set -- $(stat -c '%d %i %s' "$CLX"); DEV=$1 INO=$2 SIZE=$3
exe_race () { # TAG CL-COPY WHO RUN-OPTIONS...
  tag=$1 bin=$2 X1=$(ascmd "$3")
  shift 3
  rm -f "$X/race/done"
  $X1 "$bin" run -d --name "race-$tag" "$@" $ESC -v "$X/race:/out" "$BB" \
    /escape exe-race "/out/rep-$tag" "$DEV" "$INO" 30 /out/done "$SIZE" >/dev/null
  sleep 0.3
  for i in $(seq 1 30); do
    if [ $((i % 3)) = 0 ]; then $X1 "$bin" exec "race-$tag" no-such-command 2>/dev/null
    else $X1 "$bin" exec "race-$tag" true 2>/dev/null; fi
  done
  touch "$X/race/done"
  $X1 "$bin" wait "race-$tag" >/dev/null 2>&1
  $X1 "$bin" rm -f "race-$tag" >/dev/null 2>&1
  rep=$(cat "$X/race/rep-$tag" 2>/dev/null)
}
race_verdict () { # TAG WHO WHAT SUM-BEFORE [views]
  expect "[$2] $3: the attacker ran to the end" has '^RESULT' "$rep"
  # With CAP_SYS_PTRACE what `exec` runs as is within reach: a view of
  # the binary (the sealed memfd, or root's read-only overlay of it),
  # which the attacker holds and tries to write.
  [ "${5:-}" != views ] \
    || expect "[$2] $3: the attacker held crunlocal's own exe (a view) and tried to write it" has '^VIEW' "$rep"
  if has WRITABLE "$rep" || [ "$(sha256sum <"$bin")" != "$4" ]; then
    not_ok "[$2] $3: no writable handle to the host's crunlocal binary" "$(printf '%s\n' "$rep" | grep -E 'WRITABLE|RESULT' | sort | uniq -c | head -n 5 | tr '\n' ' ')"
  else ok "[$2] $3: no writable handle to the host's crunlocal binary"; fi
  if has HELD "$rep"; then
    not_ok "[$2] $3: /proc/PID/exe never opens the host's binary (O_PATH or O_RDONLY)" "$(printf '%s\n' "$rep" | grep HELD | head -n 3 | tr '\n' ' ')"
  else ok "[$2] $3: /proc/PID/exe never opens the host's binary (O_PATH or O_RDONLY)"; fi
}
exe_race plain "$CLX" root
race_verdict plain root "exe race during 30 execs" "$sum0"
exe_race ptrace "$CLX" root --cap-add SYS_PTRACE
race_verdict ptrace root "exe race with --cap-add SYS_PTRACE" "$sum0" views
exe_race init "$CLX" root --init
race_verdict init root "exe race with --init (PID 1's exe)" "$sum0"
# Rootless: the user's own copy of crunlocal, which the container's root
# (the user, mapped) could write if it reached it.
for u in crltest crlnosub; do
  mkdir -p "$X/ubin-$u" && cp "$CL" "$X/ubin-$u/crunlocal" && chown -R "$u" "$X/ubin-$u"
  set -- $(stat -c '%d %i %s' "$X/ubin-$u/crunlocal"); DEV=$1 INO=$2 SIZE=$3
  sumu=$(sha256sum <"$X/ubin-$u/crunlocal")
  exe_race "u-$u" "$X/ubin-$u/crunlocal" "$u"
  race_verdict "u-$u" "$u" "exe race during 30 execs, the user's own copy of crunlocal" "$sumu"
  exe_race "ui-$u" "$X/ubin-$u/crunlocal" "$u" --init
  race_verdict "ui-$u" "$u" "exe race with --init, the user's own copy of crunlocal" "$sumu"
done

# ---- 3. the caller's terminal ----
expect "TIOCSTI is allowed on this machine (legacy_tiocsti = 1), so the test can fail" \
  [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null)" = 1 ]
S=$T/tmux90.sock
tm () { tmux -S "$S" "$@"; }
screen () { tm capture-pane -p -J -S -200; }
until_screen () { for _ in $(seq 1 100); do screen | grep -Eq -- "$1" && return 0; sleep 0.1; done; return 1; }
type_line () { tm send-keys -l "$1"; tm send-keys Enter; }
mkdir -p "$X/tty" && chmod 1777 "$X/tty"
tm new-session -d -x 200 -y 50 "env CRUNLOCAL_ROOT=$CRUNLOCAL_ROOT CRUNLOCAL_RUNROOT=$CRUNLOCAL_RUNROOT PS1='host$ ' sh"
trap 'tm kill-server 2>/dev/null' EXIT
until_screen 'host\$'
tty_attack () { # TAG WHO CL-ARGS (without the attack)
  tag=$1 who=$2
  shift 2
  pre=""
  [ "$who" = root ] || pre="env -i PATH=$PATH HOME=/home/$who CRUNLOCAL_ROOT=$T/users/$who/root CRUNLOCAL_RUNROOT=$T/users/$who/run setpriv --reuid=$who --regid=$who --init-groups"
  type_line "clear; $pre $CL $* /escape tiocsti /out/rep-$tag 'echo INJECTED-$tag >$X/tty/inj-$tag'; echo DONE-$tag"
  until_screen "^DONE-$tag" || true
  sleep 1 # what was pushed into the terminal's input runs now
  rep=$(cat "$X/tty/rep-$tag" 2>/dev/null)
  if [ -e "$X/tty/inj-$tag" ] || screen | grep -v "tiocsti" | grep -q "INJECTED-$tag"; then
    not_ok "[$who] $tag without -t: nothing is typed into the caller's terminal (TIOCSTI)" "$(printf '%s' "$rep" | tr '\n' ' ')" "injected file: $(ls "$X/tty/inj-$tag" 2>&1)"
  else ok "[$who] $tag without -t: nothing is typed into the caller's terminal (TIOCSTI)"; fi
  if has DEVTTY-OPENED "$rep"; then
    not_ok "[$who] $tag without -t: /dev/tty cannot be opened inside" "$(printf '%s' "$rep" | tr '\n' ' ')"
  else expect "[$who] $tag without -t: /dev/tty cannot be opened inside" has DEVTTY-DENIED "$rep"; fi
}
for u in $users; do
  tty_attack "run-$u" "$u" run --rm $ESC -v "$X/tty:/out" "$BB"
  $(ascmd "$u") "$CL" run -d --name ttyex $ESC -v "$X/tty:/out" "$BB" sleep 1000 >/dev/null
  tty_attack "exec-$u" "$u" exec ttyex
  $(ascmd "$u") "$CL" rm -f ttyex >/dev/null
done
tm kill-server 2>/dev/null

# ---- 4. the caller's stdout and stderr files (root: CAP_FOWNER, CAP_CHOWN) ----
mkdir -p "$X/fd"
fd_case () { # TAG FD "CMD..." NAME: the container's fd FD is the host file, appended to
  F=$X/fd/file-$1
  printf 'PREFILLED-SECRET\n' >"$F"
  chmod 600 "$F"
  if [ "$2" = 1 ]; then sh -c "$3 sh -c 'echo container-wrote; /escape fd-attack /out/rep-$1 1'" >>"$F"
  else sh -c "$3 sh -c 'echo container-wrote >&2; /escape fd-attack /out/rep-$1 2'" 2>>"$F"; fi
  rep=$(cat "$X/fd/rep-$1" 2>/dev/null)
  expect "[root] $4: the caller's file keeps its mode and owner (0600 root)" [ "$(stat -c '%a %u %g' "$F")" = "600 0 0" ]
  if [ "$(head -n 1 "$F")" = PREFILLED-SECRET ] && grep -q container-wrote "$F"; then ok "[root] $4: the caller's file is not truncated (only appended to)"
  else not_ok "[root] $4: the caller's file is not truncated (only appended to)" "content: $(tr '\n' ' ' <"$F")" "$(printf '%s' "$rep" | grep -i trunc | tr '\n' ' ')"; fi
  if has 'READ=PREFILLED' "$rep"; then not_ok "[root] $4: what the file held before is not readable inside" "$(printf '%s' "$rep" | grep READ=)"
  else ok "[root] $4: what the file held before is not readable inside"; fi
}
A="$CL run --rm $ESC -v $X/fd:/out $BB"
fd_case run-out 1 "$A" "run --rm >>FILE"
fd_case run-err 2 "$A" "run --rm 2>>FILE"
fd_case keep-out 1 "$CL run --name fdkeep $ESC -v $X/fd:/out $BB" "run (no --rm) >>FILE"
"$CL" rm -f fdkeep >/dev/null
"$CL" run -d --name fdex $ESC -v "$X/fd:/out" "$BB" sleep 1000 >/dev/null
fd_case exec-out 1 "$CL exec fdex" "exec >>FILE"
fd_case exec-err 2 "$CL exec fdex" "exec 2>>FILE"
"$CL" rm -f fdex >/dev/null

# ---- 5. host devices (root; rootless unpack skips device nodes) ----
"$CL" pull -q "$REG/devnodes" >/dev/null
for p in "/tmp/k 1 11" "/dev/k 1 11" "/tmp/lc 10 237" "/tmp/fu 10 229"; do
  set -- $p
  out=$("$CL" run --rm $ESC "$BB" /escape mknod-open $p 2>&1)
  if has OPENED "$out"; then not_ok "[root] mknod $1 c $2 $3 inside: creating or opening fails" "$(printf '%s' "$out" | tr '\n' ' ')"
  else expect "[root] mknod $1 c $2 $3 inside: creating or opening fails" has 'MKNOD-DENIED|DENIED' "$out"; fi
done
dev_case () { # WHO WHAT RUN-ARGS...
  who=$1 what=$2
  shift 2
  out=$($(ascmd "$who") "$CL" run --rm $ESC "$@" "$REG/devnodes" /escape open-dev /evil/kmsg /evil/mem /evil/port /evil/fuse /evil/loop-control /evil/tty0 /evil/vda /evil/zram0 /evil/sda 2>&1); RC=$?
  if has OPENED "$out"; then not_ok "[$who] image device nodes $what: none opens" "$(printf '%s' "$out" | grep OPENED | tr '\n' ' ')"
  else expect "[$who] image device nodes $what: none opens" sh -c "[ $RC = 0 ] || [ $RC = 125 ]"; fi
}
dev_case root "as root"
dev_case root "as -u 1000 --cap-drop ALL" -u 1000 --cap-drop ALL
for u in crltest crlnosub; do
  $(ascmd "$u") "$CL" pull -q "$REG/devnodes" >/dev/null 2>&1
  dev_case "$u" "(rootless)"
done

# Where root finds no cgroup to write (a CI job's read-only cgroupfs),
# no device cgroup stands guard: an image volume's copy-up leaves its
# device nodes out, a volume is nodev (a node made there with MKNOD added
# does not open), and run says what is missing.
no_cgroups () { # CMD...: every cgroup mount read-only, in a mount namespace of its own
  unshare -m sh -c 'mount --make-rprivate / || exit 99
    for m in $(findmnt -rn -o TARGET -t cgroup,cgroup2); do mount -o remount,bind,ro "$m" || exit 99; done
    exec "$@"' _ "$@"
}
"$CL" pull -q "$REG/devnodes:vol" >/dev/null
out=$(no_cgroups "$CL" run --rm --network none $ESC "$REG/devnodes:vol" sh -c 'ls /evil; /escape open-dev /evil/kmsg /evil/mem /evil/port /evil/fuse /evil/loop-control /evil/tty0 /evil/vda /evil/zram0 /evil/sda; grep " /evil " /proc/self/mounts' 2>&1)
expect "[root, no cgroups] an image volume's copy-up keeps its files, not its device nodes" \
  sh -c "printf '%s\n' \"\$1\" | grep -qx data && ! printf '%s\n' \"\$1\" | grep -qx 'kmsg\|mem\|vda\|loop-control'" _ "$out"
if has OPENED "$out"; then not_ok "[root, no cgroups] image volume device nodes: none opens" "$(printf '%s' "$out" | grep OPENED | tr '\n' ' ')"
else ok "[root, no cgroups] image volume device nodes: none opens"; fi
expect "[root, no cgroups] the volume is mounted nosuid,nodev" sh -c "printf '%s' \"\$1\" | grep ' /evil ' | grep -q 'nosuid,nodev'" _ "$out"
expect "[root, no cgroups] run warns that no device cgroup guards the container" has 'warning: .*no device cgroup' "$out"
out=$(no_cgroups "$CL" run --rm --network none $ESC --cap-add MKNOD -v escdev:/data "$BB" /escape mknod-open /data/lc 10 237 2>&1)
if has OPENED "$out"; then not_ok "[root, no cgroups] a node made in a named volume does not open" "$(printf '%s' "$out" | tr '\n' ' ')"
else expect "[root, no cgroups] a node made in a named volume does not open" has 'DENIED' "$out"; fi
"$CL" volume rm -f escdev >/dev/null 2>&1

# ---- 6. the caller's session keyring ----
SECRET="KEYSECRET-$$-shh"
out=$("$X/escape" keyring-add-exec crl-secret "$SECRET" "$X/escape" keyring-read 2>&1)
expect "the helper's key is in the caller's session keyring (the control)" has "$SECRET" "$out"
key_verdict () { # NAME OUTPUT
  if has "$SECRET" "$2"; then not_ok "$1" "$(printf '%s' "$2" | grep -- "$SECRET" | head -n 2 | tr '\n' ' ')"
  else expect "$1" has 'session|user' "$2"; fi
}
for u in $users; do
  X1=$(ascmd "$u")
  out=$($X1 "$X/escape" keyring-add-exec crl-secret "$SECRET" "$CL" run --rm $ESC "$BB" /escape keyring-read 2>&1)
  key_verdict "[$u] run: the caller's session keyring is not visible inside" "$out"
  $X1 "$X/escape" keyring-add-exec crl-secret "$SECRET" "$CL" run -d --name keyd $ESC "$BB" sh -c '/escape keyring-read; sleep 1000' >/dev/null
  sleep 0.5
  out=$($X1 "$CL" logs keyd 2>&1)
  key_verdict "[$u] run -d: the caller's session keyring is not visible inside" "$out"
  out=$($X1 "$X/escape" keyring-add-exec crl-secret "$SECRET" "$CL" exec keyd /escape keyring-read 2>&1)
  key_verdict "[$u] exec: the caller's session keyring is not visible inside" "$out"
  $X1 "$CL" rm -f keyd >/dev/null
done

# ---- 7. spec -o DIR is the caller's only ----
"$CL" pull -q "$REG/whiteout" >/dev/null
run_cl spec "$REG/whiteout" -o "$X/spec-root"
expect "[root] spec -o DIR: DIR is 0700" sh -c "[ $RC = 0 ] && [ \"\$(stat -c %a '$X/spec-root')\" = 700 ]"
expect "[root] spec: the image's setuid-root file is out of other users' reach" \
  sh -c "[ -u '$X/spec-root/rootfs/s' ] && ! setpriv --reuid=crlnosub --regid=crlnosub --init-groups test -e '$X/spec-root/rootfs/s'"
# Another user's empty directory, or a link another user planted, is
# refused: root would fill it with setuid files that user can reach, or
# chmod and fill any empty directory the link names.
mkdir -m 1777 "$X/pub" && mkdir -m 755 "$X/victim"
as_user crltest mkdir "$X/pub/theirs"
run_cl spec "$REG/whiteout" -o "$X/pub/theirs"
expect "[root] spec -o DIR: another user's empty DIR is refused" \
  sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'belongs to uid' && [ -z \"\$(ls -A '$X/pub/theirs')\" ]" _ "$ERR"
as_user crltest ln -s "$X/victim" "$X/pub/link"
run_cl spec "$REG/whiteout" -o "$X/pub/link"
expect "[root] spec -o LINK: a symlink is not followed (its target stays empty, 755)" \
  sh -c "[ $RC = 125 ] && [ -z \"\$(ls -A '$X/victim')\" ] && [ \"\$(stat -c %a '$X/victim')\" = 755 ]"
as_user crltest "$CL" pull -q "$REG/whiteout" >/dev/null
as_user crltest "$CL" spec "$REG/whiteout" -o "$T/users/crltest/spec" >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "[crltest] spec -o DIR: DIR is 0700" sh -c "[ $RC = 0 ] && [ \"\$(stat -c %a '$T/users/crltest/spec')\" = 700 ]"
expect "[crltest] spec: the bundle's files are out of other users' reach" \
  sh -c "! setpriv --reuid=crlnosub --regid=crlnosub --init-groups test -e '$T/users/crltest/spec/rootfs/s'"
