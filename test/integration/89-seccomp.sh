# The default seccomp filter (issue 15), from inside a container, as root
# and as real unprivileged users: what docker's default profile denies
# fails with EPERM (clone3 with ENOSYS, so libc falls back to clone),
# ordinary programs still run, seccomp=unconfined and --privileged lift
# it, a profile file of one's own applies, and the rest of
# --security-opt.  The calls are made by test/tools/scprobe.c, built
# static and bound in.
. "$TOP/test/lib.sh"
BB=$REG/busybox
RC=0 ERR=
S=$T/seccomp
mkdir -p "$S" && chmod 755 "$S"
if ! musl-gcc -static -O2 -o "$S/scprobe" "$TOP/test/tools/scprobe.c"; then
  not_ok "scprobe.c builds (musl-gcc -static)"
  exit 0
fi
chmod 755 "$S/scprobe"
PROBE="-v $S/scprobe:/scprobe:ro"
DENIED="keyctl add_key unshare mount bpf perf_event_open open_by_handle_at kexec_load userfaultfd io_uring_setup"
# kexec_load: the kernel wants CAP_SYS_BOOT before anything else (EPERM
# with or without a filter), so it cannot tell the two apart.
PAST="keyctl add_key unshare mount bpf perf_event_open open_by_handle_at userfaultfd io_uring_setup clone3"
errno_of () { printf '%s\n' "$2" | sed -n "s/^$1=//p"; } # errno_of NAME PROBE-OUTPUT
all_are () { # all_are ERRNO OUTPUT NAMES...: prints the ones that are not
  want=$1 text=$2
  shift 2
  for c in "$@"; do [ "$(errno_of "$c" "$text")" = "$want" ] || printf '%s=%s ' "$c" "$(errno_of "$c" "$text")"; done
}
none_are () { # none_are ERRNO OUTPUT NAMES...
  bad=$1 text=$2
  shift 2
  for c in "$@"; do v=$(errno_of "$c" "$text"); [ -n "$v" ] && [ "$v" != "$bad" ] || printf '%s=%s ' "$c" "$v"; done
}
cat >"$S/deny-mkdir.json" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
     "comment": "EACCES", "excludes": {"caps": ["CAP_SYS_ADMIN"]}}
  ]
}
JSON
printf '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/x.sock"}\n' >"$S/unsupported.json"
chmod 644 "$S"/*.json

fresh_store
for who in root crltest crlnosub; do
  if [ "$who" = root ]; then X=""; else X="as_user $who"; fi
  out=$($X "$CL" run --rm $PROBE "$BB" sh -c 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; /scprobe calls' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "[$who] /proc/self/status says Seccomp: 2 (a filter) and NoNewPrivs: 1" sh -c "[ $RC = 0 ] && printf '%s\n' \"\$1\" | grep -q '^Seccomp:.2$' && printf '%s\n' \"\$1\" | grep -q '^NoNewPrivs:.1$'" _ "$out"
  bad=$(all_are 1 "$out" $DENIED)
  expect "[$who] keyctl, add_key, unshare(CLONE_NEWUSER), mount, bpf, perf_event_open, open_by_handle_at, kexec_load, userfaultfd, io_uring_setup: EPERM ${bad:+(not: $bad)}" [ -z "$bad" ]
  expect "[$who] clone3: ENOSYS, so libc falls back to clone" [ "$(errno_of clone3 "$out")" = 38 ]
  out=$($X "$CL" run --rm -v /usr/bin/busybox:/busybox:ro "$BB" sh -c '
    /busybox sh -c "echo sh-ok"; /busybox seq 3 | /busybox sha256sum | /busybox cut -c1-8
    /busybox mkdir -p /tmp/a/b && /busybox tar -C /tmp -cf /tmp/t.tar a && /busybox tar -tf /tmp/t.tar | /busybox wc -l
    /busybox sleep 0.1 & wait; /busybox date -u +%Y >/dev/null && echo date-ok
    /busybox ps -o pid,comm | /busybox head -n 1; /busybox uname -s; /busybox id -u' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "[$who] ordinary work under the filter: the host's static busybox runs sh, sha256sum, tar, ps, date, a background job" sh -c "[ $RC = 0 ] && [ \"\$(echo \$1)\" = 'sh-ok 14c5e74c 2 date-ok PID COMMAND Linux 0' ]" _ "$out"
  out=$($X "$CL" run --rm --network host --security-opt seccomp=unconfined $PROBE "$BB" sh -c 'grep "^Seccomp:" /proc/self/status; /scprobe calls' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  bad=$(none_are 1 "$out" $PAST)
  expect "[$who] seccomp=unconfined (host network): Seccomp: 0 and the same calls get past (another errno or success) ${bad:+(not: $bad)}" sh -c "[ $RC = 0 ] && [ -z '$bad' ] && printf '%s\n' \"\$1\" | grep -q '^Seccomp:.0$'" _ "$out"
  # Rootless, the default network keeps its notification filter (netsup.c),
  # which denies nothing.
  out=$($X "$CL" run --rm --security-opt seccomp=unconfined $PROBE "$BB" sh -c '/scprobe calls' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  bad=$(none_are 1 "$out" $PAST)
  expect "[$who] seccomp=unconfined on the default network: the same calls get past ${bad:+(not: $bad)}" sh -c "[ $RC = 0 ] && [ -z '$bad' ]"
  out=$($X "$CL" run --rm --security-opt seccomp="$S/deny-mkdir.json" "$BB" sh -c 'mkdir /tmp/x; echo rc=$?; touch /tmp/y && echo touch-ok' 2>&1); RC=$?; ERR=$out
  expect "[$who] a profile of one's own (mkdir, mkdirat: EACCES) applies, and the rest is allowed" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q 'Permission denied' && printf '%s' \"\$1\" | grep -q 'rc=1' && printf '%s' \"\$1\" | grep -q touch-ok" _ "$out"
  $X "$CL" run --rm --security-opt seccomp="$S/unsupported.json" "$BB" true 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "[$who] a profile with a field crunlocal does not support: one line naming it, 125" sh -c "[ $RC = 125 ] && [ $(lines "$ERR") = 1 ] && grep -q '\"listenerPath\"' '$T/err'"
  out=$($X "$CL" run --rm --security-opt no-new-privileges=false $PROBE "$BB" sh -c 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; /scprobe calls' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "[$who] no-new-privileges=false: the filter goes on before the capabilities go (Seccomp: 2, NoNewPrivs: 0, keyctl EPERM)" sh -c "[ $RC = 0 ] && printf '%s\n' \"\$1\" | grep -q '^Seccomp:.2$' && printf '%s\n' \"\$1\" | grep -q '^NoNewPrivs:.0$' && printf '%s\n' \"\$1\" | grep -q '^keyctl=1$'" _ "$out"
done

# --init: the filter is the command's, set after init forks it.
out=$("$CL" run --rm --init "$BB" sh -c 'grep "^Seccomp:" /proc/1/status /proc/self/status | cut -f2' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "--init: the command has the filter (2), our init has none (0)" [ "$RC" = 0 -a "$(echo $out)" = "0 2" ]
# exec: the container's spec, filter included.
"$CL" run -d --name sc1 "$BB" sleep 60 >/dev/null 2>"$T/err"
out=$("$CL" exec sc1 grep "^Seccomp:" /proc/1/status 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "run -d: the container's PID 1 (under the monitor) has the filter" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q 'Seccomp:.2'" _ "$out"
out=$("$CL" exec sc1 sh -c 'grep "^Seccomp:" /proc/self/status; unshare -U true; echo rc=$?' 2>&1); RC=$?; ERR=$out
expect "exec: the process has the container's filter (unshare -U refused)" sh -c "printf '%s\n' \"\$1\" | grep -q '^Seccomp:.2$' && printf '%s\n' \"\$1\" | grep -q 'rc=1'" _ "$out"
sec=$("$CL" inspect sc1 | jq -c '.[0].HostConfig.SecurityOpt')
expect "inspect shows what was applied: HostConfig.SecurityOpt $sec" [ "$sec" = '["seccomp=default","no-new-privileges"]' ]
"$CL" rm -f sc1 >/dev/null 2>&1
"$CL" run -d --name sc2 --security-opt seccomp="$S/deny-mkdir.json" "$BB" sleep 60 >/dev/null 2>"$T/err"
sec=$("$CL" inspect sc2 | jq -c '.[0].HostConfig.SecurityOpt')
expect "inspect names the profile file" [ "$sec" = "[\"seccomp=$S/deny-mkdir.json\",\"no-new-privileges\"]" ]
"$CL" rm -f sc2 >/dev/null 2>&1
# --privileged: no filter; --cap-add SYS_ADMIN unlocks what docker's does.
out=$("$CL" run --rm --privileged "$BB" grep "^Seccomp:" /proc/self/status 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "--privileged: no filter (Seccomp: 0)" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q 'Seccomp:.0'" _ "$out"
out=$("$CL" run --rm --cap-add SYS_ADMIN $PROBE "$BB" /scprobe calls 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "--cap-add SYS_ADMIN: mount, unshare and clone3 get past the filter, keyctl still not" sh -c "[ $RC = 0 ] && [ \"\$(printf '%s\n' \"\$1\" | grep -E '^(mount|unshare|clone3|keyctl)=' | tr '\n' ' ')\" = 'keyctl=1 unshare=0 mount=14 clone3=22 ' ]" _ "$out"
# mask= and unmask=.
mounted () { echo "grep -c ' $1 ' /proc/self/mountinfo"; } # how often PATH is a mount point
out=$("$CL" run --rm --security-opt mask=/etc/hostname:/proc/version --security-opt unmask=/proc/keys "$BB" sh -c "wc -c </proc/version; wc -c </etc/hostname; $(mounted /proc/keys); $(mounted /proc/timer_list); true" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "--security-opt mask=A:B hides them, unmask=/proc/keys shows it (and only it)" sh -c "[ $RC = 0 ] && [ \"\$(echo \$1)\" = '0 0 0 1' ]" _ "$out"
out=$("$CL" run --rm --security-opt unmask=ALL "$BB" sh -c "$(mounted /proc/timer_list); $(mounted /proc/sys); true" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "--security-opt unmask=ALL: masked and read-only paths are plain again" sh -c "[ $RC = 0 ] && [ \"\$(echo \$1)\" = '0 0' ]" _ "$out"
"$CL" run --rm --security-opt apparmor=foo "$BB" true 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "an unsupported --security-opt: one line, 125" sh -c "[ $RC = 125 ] && [ $(lines "$ERR") = 1 ] && grep -q 'apparmor=foo' '$T/err'"
# run --bundle applies linux.seccomp instead of refusing it.
"$CL" spec "$BB" sh -c 'grep "^Seccomp:" /proc/self/status; unshare -U true; echo rc=$?' -o "$S/b" >/dev/null 2>"$T/err"
has=$(jq -r '.linux.seccomp.defaultAction' "$S/b/config.json")
out=$("$CL" run --bundle "$S/b" 2>&1); RC=$?; ERR=$out
expect "spec writes linux.seccomp ($has); run --bundle applies it" sh -c "[ '$has' = SCMP_ACT_ERRNO ] && printf '%s\n' \"\$1\" | grep -q '^Seccomp:.2$' && printf '%s\n' \"\$1\" | grep -q 'rc=1'" _ "$out"
jq '.linux.seccomp.syscalls[0].names = ["nosuch"] | .linux.seccomp.defaultAction = "SCMP_ACT_NOTIFY"' "$S/b/config.json" >"$S/c.json" && mv "$S/c.json" "$S/b/config.json"
"$CL" run --bundle "$S/b" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "a bundle's seccomp with an action crunlocal cannot apply: one line, 125" sh -c "[ $RC = 125 ] && [ $(lines "$ERR") = 1 ] && grep -q 'SCMP_ACT_NOTIFY' '$T/err'"

# The issue's acceptance for /proc and /sys, root and rootless: nothing
# read from /proc/kcore, /proc/keys, /proc/timer_list; no write to
# /proc/sys, /proc/sysrq-trigger or /sys; --cap-drop ALL leaves CapEff 0.
PROCSYS='n=0
for f in /proc/kcore /proc/keys /proc/timer_list; do c=$(head -c 64 "$f" 2>/dev/null | wc -c); n=$((n + c)); done
echo "read=$n"
(echo 1 >/proc/sys/kernel/ns_last_pid) 2>/dev/null && echo wrote-proc-sys
(echo h >/proc/sysrq-trigger) 2>/dev/null && echo wrote-sysrq
(echo x >/sys/kernel/uevent_helper) 2>/dev/null && echo wrote-sys
(: >/sys/fs/cgroup/cgroup.procs.x) 2>/dev/null && echo wrote-sys
true'
for who in root crltest; do
  if [ "$who" = root ]; then X=""; else X="as_user $who"; fi
  out=$($X "$CL" run --rm "$BB" sh -c "$PROCSYS" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "[$who] /proc/kcore, /proc/keys, /proc/timer_list read nothing; /proc/sys, sysrq-trigger, /sys refuse writes" \
    sh -c "[ $RC = 0 ] && [ \"\$1\" = read=0 ]" _ "$out"
  out=$($X "$CL" run --rm --cap-drop ALL "$BB" grep CapEff /proc/self/status 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "[$who] --cap-drop ALL leaves CapEff 0" [ "$out" = "$(printf 'CapEff:\t0000000000000000')" ]
done
