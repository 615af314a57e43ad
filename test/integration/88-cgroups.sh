# Resource limits on real cgroups: OOM, pids, the files written, cpuset,
# the container's cgroup namespace, exec joining, cleanup in every way a
# container ends — and rootless users, who have no cgroup here.
. "$TOP/test/lib.sh"
BB=$REG/busybox
insp () { "$CL" inspect "$1" | jq -r "$2"; }
until_ok () { for _ in $(seq 1 100); do "$@" && return 0; sleep 0.1; done; return 1; }
# Every crunlocal/<id> directory of the machine's hierarchies, the cgroup2 mount included.
cg_dirs () { find /sys/fs/cgroup -mindepth 3 -maxdepth 3 -path '*/crunlocal/*' -name "$1" 2>/dev/null; }
v1 () { echo "/sys/fs/cgroup/$1/crunlocal/$2"; }
mode=$("$CL" info --format json 2>/dev/null | jq -r '.host.cgroups // empty')

fresh_store
"$CL" pull -q "$BB" >/dev/null
tools=$T/cgtools; mkdir -p "$tools"
musl-gcc -static -O2 -o "$tools/eat" "$TOP/test/tools/eat.c" || not_ok "build the allocator"
chmod 755 "$tools" "$tools/eat"

if [ ! -d /sys/fs/cgroup/memory ]; then
  echo "# skip: the v1 checks below need v1 controllers (this host: $mode)"
fi

# OOM: 200 MB under 64m is killed (137, OOMKilled); 32 MB is not.
run_cl run --name oom --memory 64m -v "$tools:/probe:ro" "$BB" /probe/eat 200
expect "--memory 64m and 200 MB: the OOM killer ends it with 137" [ "$RC" = 137 ]
expect "inspect: State.OOMKilled true, ExitCode 137" [ "$(insp oom '.[0].State.OOMKilled,.[0].State.ExitCode' | tr '\n' ' ')" = "true 137 " ]
expect "ps -a: Exited (137)" sh -c "\"$CL\" ps -a | grep -q 'Exited (137) .*oom\$'"
run_cl run --name fine --memory 64m -v "$tools:/probe:ro" "$BB" /probe/eat 32
expect "--memory 64m and 32 MB: exit 0, OOMKilled false" sh -c "[ $RC = 0 ] && [ \"\$(\"$CL\" inspect fine | jq -r '.[0].State.OOMKilled')\" = false ]"
id=$(insp oom '.[0].Id')
expect "an exited container has no cgroup left" [ -z "$(cg_dirs "$id")" ]
"$CL" rm oom fine >/dev/null

# pids: a fork loop never passes the limit.
# (The inner sh dies at its first failed fork; the outer one counts with
# a glob: past the limit not even a pipe could fork.)
out=$("$CL" run --rm --pids-limit 20 "$BB" sh -c 'sh -c "for i in \$(seq 40); do sleep 3 & done" 2>/dev/null; set -- /proc/[0-9]*; echo $#' 2>"$T/err"); ERR=$(cat "$T/err")
expect "--pids-limit 20: 40 forks leave at most 20 processes (saw $out)" sh -c "[ -n '$out' ] && [ '$out' -le 20 ] && [ '$out' -ge 10 ]"

# The files hold the values; exec joins; the v2 mount is joined (hybrid).
run_cl run -d --name lim --memory 64m --memory-swap 128m --cpu-shares 512 --cpus 0.5 "$BB" sleep 1000
id=$OUT
expect "run -d --memory 64m --memory-swap 128m --cpu-shares 512 --cpus 0.5 starts" [ "$RC" = 0 ]
vals=$(cat "$(v1 memory "$id")/memory.limit_in_bytes" "$(v1 memory "$id")/memory.memsw.limit_in_bytes" \
  "$(v1 cpu "$id")/cpu.shares" "$(v1 cpu "$id")/cpu.cfs_quota_us" "$(v1 cpu "$id")/cpu.cfs_period_us" \
  "$(v1 pids "$id")/pids.max" 2>&1 | tr '\n' ' ')
expect "v1 files: memory 67108864, memsw 134217728, shares 512, quota 50000/100000, pids.max 2048 (default)" [ "$vals" = "67108864 134217728 512 50000 100000 2048 " ]
pid=$(insp lim '.[0].State.Pid')
expect "the container's PID 1 is in its cgroup in every hierarchy it has" sh -c "n=0; for d in \$(find /sys/fs/cgroup -mindepth 3 -maxdepth 3 -path '*/crunlocal/$id'); do grep -qx $pid \$d/cgroup.procs || exit 1; n=\$((n + 1)); done; [ \$n -ge 5 ]"
if [ -d /sys/fs/cgroup/unified ] && [ -d /sys/fs/cgroup/memory ]; then
  expect "hybrid: it joined the cgroup2 mount too (cgroup.events: populated 1)" grep -qx 'populated 1' "/sys/fs/cgroup/unified/crunlocal/$id/cgroup.events"
  # cgroup2's core files stand in for v1's freezer and cpuacct (cpuacct
  # is there all the same where it shares cpu's mount, as it mostly does).
  has=$(for h in memory pids cpu cpuacct freezer devices unified; do [ -d "$(v1 $h "$id")" ] && printf '%s ' $h; done)
  [ "$(readlink -f /sys/fs/cgroup/cpuacct)" = "$(readlink -f /sys/fs/cgroup/cpu)" ] && with_cpu="cpuacct " || with_cpu=
  expect "hybrid: v1 memory, pids, cpu and devices and the cgroup2 directory; no v1 freezer or cpuacct of its own ($has)" [ "$has" = "memory pids cpu ${with_cpu}devices unified " ]
fi
out=$("$CL" exec lim sh -c 'cat /proc/self/cgroup; sleep 1' & sleep 0.5; wc -l <"$(v1 pids "$id")/cgroup.procs"; wait)
expect "exec: the exec'd process sits at / of every hierarchy inside, and in the container's cgroup.procs" sh -c "printf '%s\n' \"\$1\" | grep -q ':/\$' && ! printf '%s\n' \"\$1\" | grep ':' | grep -qv ':/\$' && [ \"\$(printf '%s\n' \"\$1\" | tail -n 1)\" -ge 2 ]" _ "$out"
js=$("$CL" stats --no-stream --format json lim)
expect "stats --no-stream --format json: memory > 0 of a 64 MiB limit, pids >= 1, from the cgroup" sh -c "printf '%s' \"\$1\" | jq -e '.[0] | .mem_bytes > 0 and .mem_limit == 67108864 and (.pids | tonumber) >= 1 and .source == \"cgroup\" and (.cpu_percent | endswith(\"%\")) and has(\"net_io\") and has(\"block_io\")' >/dev/null" _ "$js"
out=$("$CL" stats --no-stream lim)
expect "stats table: podman's columns" sh -c "printf '%s\n' \"\$1\" | head -n 1 | grep -q '^ID  *NAME  *CPU %  *MEM USAGE / LIMIT  *MEM %  *NET IO  *PIDS\$' && printf '%s\n' \"\$1\" | grep -q ' lim '" _ "$out"
# update: the running container's cgroup files change, inspect shows the new values.
run_cl update --memory 96m --memory-swap 192m --cpus 1.5 --cpu-shares 256 --pids-limit 50 lim
vals=$(cat "$(v1 memory "$id")/memory.limit_in_bytes" "$(v1 memory "$id")/memory.memsw.limit_in_bytes" \
  "$(v1 cpu "$id")/cpu.shares" "$(v1 cpu "$id")/cpu.cfs_quota_us" "$(v1 pids "$id")/pids.max" 2>&1 | tr '\n' ' ')
expect "update --memory 96m --memory-swap 192m --cpus 1.5 --cpu-shares 256 --pids-limit 50: the files hold them ($vals)" sh -c "[ $RC = 0 ] && [ '$vals' = '100663296 201326592 256 150000 50 ' ]"
expect "inspect HostConfig shows the updated limits" [ "$(insp lim '.[0].HostConfig | [.Memory, .MemorySwap, .NanoCpus, .CpuShares, .PidsLimit] | map(tostring) | join(" ")')" = "100663296 201326592 1500000000 256 50" ]
run_cl update --memory 32m lim
expect "update --memory 32m: lowered under the swap limit kept (192m)" sh -c "[ $RC = 0 ] && [ \$(cat $(v1 memory "$id")/memory.limit_in_bytes) = 33554432 ] && [ \$(cat $(v1 memory "$id")/memory.memsw.limit_in_bytes) = 201326592 ]"
run_cl update --memory 1g lim
expect "update --memory above the container's --memory-swap: refused, says to give --memory-swap" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'memory-swap' && [ \$(cat $(v1 memory "$id")/memory.limit_in_bytes) = 33554432 ]" _ "$ERR"
run_cl update --pids-limit -1 lim
expect "update --pids-limit -1: pids.max is max" sh -c "[ $RC = 0 ] && [ \$(cat $(v1 pids "$id")/pids.max) = max ]"
run_cl update lim
expect "update without a flag: a usage error" [ "$RC" = 125 ]
"$CL" rm -f lim >/dev/null
expect "rm -f: no crunlocal/<id> left in any hierarchy" [ -z "$(cg_dirs "$id")" ]
"$CL" run --name stopped "$BB" true >/dev/null 2>&1
run_cl update --memory 64m stopped
expect "update of a stopped container: refused, it is not running" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'not running'" _ "$ERR"
"$CL" rm stopped >/dev/null

out=$("$CL" run --rm "$BB" cat /proc/self/cgroup)
expect "inside, every line of /proc/self/cgroup ends in :/" sh -c "[ -n \"\$1\" ] && ! printf '%s\n' \"\$1\" | grep -qv ':/\$'" _ "$out"
expect "--cpuset-cpus 1: Cpus_allowed_list is 1" [ "$("$CL" run --rm --cpuset-cpus 1 "$BB" grep Cpus_allowed_list /proc/self/status | tr -d '\t')" = "Cpus_allowed_list:1" ]

# update --cpuset-* of a container run without: on v1 it had no cpuset
# cgroup (one is made only when asked); update makes it, moves the
# container in, and its end removes it (a detached one's monitor, and a
# foreground --rm run, which reads the grown record).
if [ -d /sys/fs/cgroup/cpuset ]; then
  run_cl run -d --name nocs "$BB" sleep 1000
  id=$OUT; pid=$(insp nocs '.[0].State.Pid')
  expect "run -d without --cpuset-*: no v1 cpuset cgroup" [ ! -d "$(v1 cpuset "$id")" ]
  run_cl update --cpuset-cpus 1 --cpuset-mems 0 nocs
  expect "update --cpuset-cpus 1 --cpuset-mems 0 of it: made, filled, its PID 1 moved in (Cpus_allowed_list 1)" sh -c "[ $RC = 0 ] && [ \$(cat $(v1 cpuset "$id")/cpuset.cpus) = 1 ] && [ \$(cat $(v1 cpuset "$id")/cpuset.mems) = 0 ] && grep -qx $pid $(v1 cpuset "$id")/cgroup.procs && grep -q '^Cpus_allowed_list:.1\$' /proc/$pid/status"
  expect "exec then joins the new cpuset cgroup" [ "$("$CL" exec nocs grep Cpus_allowed_list /proc/self/status | tr -d '\t')" = "Cpus_allowed_list:1" ]
  run_cl update --cpuset-cpus 0 nocs
  expect "a second update changes it in place" sh -c "[ $RC = 0 ] && grep -q '^Cpus_allowed_list:.0\$' /proc/$pid/status"
  "$CL" rm -f nocs >/dev/null
  expect "rm -f: the added cpuset cgroup is gone with the rest" [ -z "$(cg_dirs "$id")" ]
  "$CL" run --rm --name fgcs "$BB" sleep 2 >/dev/null 2>&1 &
  fg=$!
  until_ok sh -c "\"$CL\" inspect fgcs 2>/dev/null | jq -e '.[0].State.Running' >/dev/null"
  id=$(insp fgcs '.[0].Id')
  run_cl update --cpuset-cpus 1 fgcs
  expect "update --cpuset-cpus of a foreground run --rm container: applied" sh -c "[ $RC = 0 ] && [ -d $(v1 cpuset "$id") ]"
  wait "$fg"
  expect "the foreground run --rm removes the cpuset cgroup update added" [ -z "$(cg_dirs "$id")" ]
fi

# The device cgroup.  The attack: a root container with CAP_MKNOD makes a
# node for a device its spec does not list, on a tmpfs that allows
# devices (so nodev is no help): mknod works, opening is refused.
# /dev/loop-control (10:237) is harmless to open, and root may.
try_open='mknod /mnt/lc c 10 237 && { ( exec 3<>/mnt/lc ) 2>/dev/null && echo opened || echo refused; }'
out=$("$CL" run --rm --cap-add MKNOD --tmpfs /mnt:dev "$BB" sh -c "$try_open" 2>"$T/err"); ERR=$(cat "$T/err")
expect "a node made inside for a device not in the spec (10:237, on a dev tmpfs): mknod works, open is refused" [ "$out" = refused ]
out=$("$CL" run --rm --cap-add MKNOD --tmpfs /mnt:dev --device /dev/loop-control "$BB" sh -c "$try_open" 2>"$T/err"); ERR=$(cat "$T/err")
expect "the same with --device /dev/loop-control (the spec lists it): it opens" [ "$out" = opened ]
run_cl run -d --name devs "$BB" sleep 1000
id=$OUT
if [ -d /sys/fs/cgroup/devices ]; then
  list=$(cat "$(v1 devices "$id")/devices.list")
  expect "v1 devices.list: not 'a *:* rwm'; the standard nodes and mknod only" sh -c "! printf '%s\n' \"\$1\" | grep -q '^a ' && printf '%s\n' \"\$1\" | grep -qx 'c 1:3 rwm' && printf '%s\n' \"\$1\" | grep -qx 'c 136:\* rwm' && printf '%s\n' \"\$1\" | grep -qx 'c \*:\* m' && ! printf '%s\n' \"\$1\" | grep -q '10:237'" _ "$list"
  # Each layer alone: a host process moved into only one of the container's cgroups.
  out=$(sh -c "echo \$\$ >$(v1 devices "$id")/cgroup.procs && { ( exec 3<>/dev/loop-control ) 2>/dev/null && echo opened || echo refused; } && ( exec 3<>/dev/null ) && echo null")
  expect "v1 alone: a process in the container's devices cgroup cannot open /dev/loop-control, can /dev/null" [ "$out" = "refused
null" ]
fi
if [ "$mode" = v2 ]; then
  out=$(sh -c "echo \$\$ >/sys/fs/cgroup/crunlocal/$id/cgroup.procs && { ( exec 3<>/dev/loop-control ) 2>/dev/null && echo opened || echo refused; } && ( exec 3<>/dev/null ) && echo null")
  expect "the cgroup2 BPF device program alone: a process in the container's cgroup2 directory cannot open /dev/loop-control, can /dev/null" [ "$out" = "refused
null" ]
elif [ "$mode" = hybrid ]; then
  # Hybrid: v1's devices hierarchy alone, as runc does (the program
  # would check the same rules again, for ~0.5 ms of verifier a start).
  out=$(sh -c "echo \$\$ >/sys/fs/cgroup/unified/crunlocal/$id/cgroup.procs && { ( exec 3<>/dev/loop-control ) 2>/dev/null && echo opened || echo refused; }")
  expect "hybrid: no BPF program on the cgroup2 directory (v1's devices hierarchy is the device cgroup)" [ "$out" = opened ]
fi
"$CL" rm -f devs >/dev/null
expect "rm -f: its cgroups (and the program with them) are gone" [ -z "$(cg_dirs "$id")" ]

# The cgroup2-only way, on this hybrid host: in a mount namespace of its
# own where /sys/fs/cgroup is the cgroup2 hierarchy alone, crunlocal
# sees a unified host, and the BPF device program is the device cgroup
# (this hierarchy has no pids controller: the default limit is skipped).
if [ "$mode" = hybrid ]; then
  v2only () {
    unshare -m sh -c 'umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' _ "$@"
  }
  expect "in that mount namespace, info says v2" [ "$(v2only "$CL" info --format json | jq -r .host.cgroups)" = v2 ]
  out=$(v2only "$CL" run --rm --cap-add MKNOD --tmpfs /mnt:dev "$BB" sh -c "$try_open" 2>"$T/err"); ERR=$(cat "$T/err")
  expect "cgroup2 only: a node made inside for a device not in the spec: mknod works, open is refused (the BPF program)" [ "$out" = refused ]
  out=$(v2only "$CL" run --rm --cap-add MKNOD --tmpfs /mnt:dev --device /dev/loop-control "$BB" sh -c "$try_open" 2>"$T/err"); ERR=$(cat "$T/err")
  expect "cgroup2 only: with --device /dev/loop-control it opens" [ "$out" = opened ]
  out=$(v2only "$CL" run --rm --pids-limit 10 "$BB" true 2>&1)
  expect "cgroup2 only: --pids-limit 10 without a pids controller is refused, not ignored" sh -c "[ -n \"\$1\" ] && printf '%s' \"\$1\" | grep -q 'pids-limit'" _ "$out"
  # The program alone: a process moved into the container's directory.
  out=$(v2only sh -c 'id=$("$1" run -d --name devs2 "$2" sleep 1000) || exit 1
    sh -c "echo \$\$ >/sys/fs/cgroup/crunlocal/$id/cgroup.procs && { ( exec 3<>/dev/loop-control ) 2>/dev/null && echo opened || echo refused; } && ( exec 3<>/dev/null ) && echo null"
    "$1" rm -f devs2 >/dev/null' _ "$CL" "$BB")
  expect "cgroup2 only, the BPF device program alone: a process moved into the container's directory cannot open /dev/loop-control, can /dev/null" [ "$out" = "refused
null" ]
fi

# --cpus 0.5: three busy loops get at most about half a CPU between them,
# and are throttled (three, so that they ask for more than the quota even
# when the shared machine is busy; a generous band).
run_cl run -d --name busy --cpus 0.5 "$BB" sh -c 'for i in 1 2 3; do (while :; do :; done) & done; wait'
id=$OUT
sleep 0.5
# CPU time in ns: v1's cpuacct, else (hybrid) the cgroup2 directory's cpu.stat.
usage () {
  if [ -f "$(v1 cpuacct "$1")/cpuacct.usage" ]; then cat "$(v1 cpuacct "$1")/cpuacct.usage"
  else echo $(($(awk '$1 == "usage_usec" {print $2}' "$(v1 unified "$1")/cpu.stat") * 1000)); fi
}
u0=$(usage "$id"); t0=$(date +%s%N)
sleep 3
u1=$(usage "$id"); t1=$(date +%s%N)
thr=$(awk '/^nr_throttled/ {print $2}' "$(v1 cpu "$id")/cpu.stat")
cores=$(echo "scale=2; ($u1 - $u0) / ($t1 - $t0)" | bc)
# Throttled, unless a machine busy with other work never let the loops
# reach the quota at all (then the bound alone is what can be checked).
expect "--cpus 0.5: three busy loops used $cores cores (<= 0.6), throttled $thr times (> 0, or under 0.4 cores)" sh -c "[ \$(echo '$cores <= 0.6' | bc) = 1 ] && { [ '$thr' -gt 0 ] || [ \$(echo '$cores < 0.4' | bc) = 1 ]; }"
js=$("$CL" stats --no-stream --format json busy)
expect "stats: the busy container's CPU % is above 5 (its CPU time from the cgroup)" sh -c "printf '%s' \"\$1\" | jq -e '.[0] | .source == \"cgroup\" and (.cpu_percent | rtrimstr(\"%\") | tonumber) > 5' >/dev/null" _ "$js"
"$CL" rm -f busy >/dev/null

# pause/unpause: the freezer stops a counter and lets it go on.
run_cl run -d --name tick "$BB" sh -c 'i=0; while :; do i=$((i + 1)); echo $i; sleep 0.1; done'
id=$OUT
sleep 0.5
"$CL" pause tick >/dev/null; RC=$?
a=$("$CL" logs tick | wc -l); sleep 1; b=$("$CL" logs tick | wc -l)
expect "pause: the counter stops ($a, then $b), ps says (Paused), inspect State.Paused" sh -c "[ $RC = 0 ] && [ $a = $b ] && \"$CL\" ps | grep -q 'Up .*(Paused).*tick\$' && [ \"\$(\"$CL\" inspect tick | jq -r '.[0].State.Paused')\" = true ]"
"$CL" unpause tick >/dev/null; RC=$?; sleep 1; c=$("$CL" logs tick | wc -l)
expect "unpause: it counts on ($b, then $c)" sh -c "[ $RC = 0 ] && [ $c -gt $b ]"
run_cl unpause tick
expect "unpause of a container not paused: refused" [ "$RC" = 125 ]
"$CL" pause tick >/dev/null
expect "ps --filter status=paused lists it" [ "$("$CL" ps -q --filter status=paused | wc -l)" = 1 ]
run_cl pause tick
expect "pause of a paused container: refused" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'already paused'" _ "$ERR"
# Its process would wait in the frozen cgroup until unpause (podman
# refuses it too).
timeout -k 2 10 "$CL" exec tick true >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "exec into a paused container: refused at once (125), not left waiting" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'is paused'" _ "$ERR"
"$CL" rm -f tick >/dev/null; RC=$?
expect "rm -f of a paused container: removed, no cgroup left" sh -c "[ $RC = 0 ] && [ -z \"\$(find /sys/fs/cgroup -mindepth 3 -maxdepth 3 -name $id)\" ]"

fails=0; i=0
# (Their own ids, from --cidfile: other users' containers may come and go meanwhile.)
while [ $i -lt 30 ]; do rm -f "$T/cid"; "$CL" run --rm --cidfile "$T/cid" --memory 64m "$BB" true 2>>"$T/seq-err" || fails=$((fails + 1)); cat "$T/cid" >>"$T/seq-ids" 2>/dev/null; echo >>"$T/seq-ids"; i=$((i + 1)); done
left=$(for id in $(cat "$T/seq-ids"); do cg_dirs "$id"; done | head -n 3)
ERR="$(sort "$T/seq-err" | uniq -c | head -n 3) left: $left"
expect "30 sequential run --rm --memory 64m: all succeed, no crunlocal/<id> of theirs left" sh -c "[ $fails = 0 ] && [ \$(grep -c . '$T/seq-ids') = 30 ] && [ -z '$left' ]"

# Cleanup after --rm, and after a monitor killed with -9.
rm -f "$T/cid"
"$CL" run --rm --cidfile "$T/cid" --memory 64m "$BB" true
expect "--rm: no crunlocal/<id> left" sh -c "[ -s '$T/cid' ] && [ -z \"\$(find /sys/fs/cgroup -mindepth 3 -maxdepth 3 -name \"\$(cat '$T/cid')\")\" ]"
run_cl run -d --name killed --memory 64m "$BB" sleep 1000
id=$OUT; mon=$(insp killed '.[0].State.ConmonPid')
kill -9 "$mon"
until_ok sh -c "! kill -0 $(insp killed '.[0].State.Pid') 2>/dev/null"
had=$(cg_dirs "$id" | wc -l)
"$CL" start killed >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "start after a monitor killed -9 makes its cgroups afresh" sh -c "[ $RC = 0 ] && grep -qx \"\$(\"$CL\" inspect killed | jq -r '.[0].State.Pid')\" $(v1 memory "$id")/cgroup.procs"
"$CL" rm -f killed >/dev/null
expect "kill -9 of the monitor leaves its cgroups ($had); rm removes them all" sh -c "[ $had -ge 2 ] && [ -z \"\$(find /sys/fs/cgroup -mindepth 3 -maxdepth 3 -name $id)\" ]"

# run --bundle applies linux.resources.
bundle=$T/cg-bundle
"$CL" spec --memory 64m "$BB" /probe/eat 200 -o "$bundle" >/dev/null
jq --arg t "$tools" '.mounts += [{"destination": "/probe", "type": "bind", "source": $t, "options": ["bind", "ro"]}]' \
  "$bundle/config.json" >"$T/cfg" && mv "$T/cfg" "$bundle/config.json"
expect "spec --memory 64m writes linux.resources.memory.limit" [ "$(jq '.linux.resources.memory.limit' "$bundle/config.json")" = 67108864 ]
"$CL" run --bundle "$bundle" >/dev/null 2>&1; RC=$?
expect "run --bundle applies linux.resources: 200 MB under 64m ends with 137" [ "$RC" = 137 ]
expect "and leaves no bundle-* cgroup" [ -z "$(find /sys/fs/cgroup -mindepth 3 -maxdepth 3 -path '*/crunlocal/bundle-*')" ]

# Rootless: no cgroup this user may write here; the container runs, one line says what was not applied.
for who in crltest crlnosub; do
  out=$(as_user "$who" "$CL" run --rm --memory 64m --pids-limit 20 --cpus 1 "$BB" echo ok 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "[$who] --memory 64m --pids-limit 20 --cpus 1: prints ok, exit 0, one warning line naming the three" sh -c "[ $RC = 0 ] && [ '$out' = ok ] && [ \"\$(grep -c . '$T/err')\" = 1 ] && grep -q -- '--memory' '$T/err' && grep -q -- '--pids-limit' '$T/err' && grep -q -- '--cpus' '$T/err'"
  out=$(as_user "$who" "$CL" run --rm --cpuset-cpus 1 "$BB" grep Cpus_allowed_list /proc/self/status 2>"$T/err" | tr -d '\t')
  expect "[$who] --cpuset-cpus 1 becomes CPU affinity (and says so)" sh -c "[ '$out' = Cpus_allowed_list:1 ] && grep -q 'applied as CPU affinity' '$T/err'"
  as_user "$who" "$CL" run -d --name "p$who" "$BB" sleep 100 >/dev/null 2>&1
  as_user "$who" "$CL" update --memory 64m "p$who" >/dev/null 2>"$T/err"; RC=$?
  expect "[$who] update without a cgroup: refused with the reason" sh -c "[ $RC = 125 ] && grep -q 'has no cgroup' '$T/err'"
  # --cpuset-cpus alone: the CPU affinity of its processes (a second one
  # started by exec, and the threads of PID 1), inspect shows it.
  as_user "$who" "$CL" exec -d "p$who" sleep 100 >/dev/null 2>&1
  as_user "$who" "$CL" update --cpuset-cpus 1 "p$who" >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  aff=$(as_user "$who" "$CL" exec "p$who" sh -c 'for p in 1 $(pidof sleep); do grep Cpus_allowed_list /proc/$p/status; done' 2>&1 | tr -d '\t' | sort -u)
  cs=$(as_user "$who" "$CL" inspect --format '{{.HostConfig.CpusetCpus}}' "p$who" 2>&1)
  expect "[$who] update --cpuset-cpus 1 without a cgroup: every process's CPU affinity, and inspect's CpusetCpus" sh -c "[ $RC = 0 ] && [ '$aff' = Cpus_allowed_list:1 ] && [ '$cs' = 1 ]"
  as_user "$who" "$CL" update --cpuset-cpus 1 --memory 64m "p$who" >/dev/null 2>"$T/err"; RC=$?
  expect "[$who] update --cpuset-cpus with another limit without a cgroup: refused" sh -c "[ $RC = 125 ] && grep -q 'has no cgroup' '$T/err'"
  as_user "$who" "$CL" pause "p$who" >/dev/null 2>"$T/err"; RC=$?
  expect "[$who] pause without a cgroup: refused with the reason" sh -c "[ $RC = 125 ] && grep -q 'no cgroup with a freezer' '$T/err'"
  js=$(as_user "$who" "$CL" stats --no-stream --format json "p$who" 2>&1)
  expect "[$who] stats without a cgroup: from /proc, and says so" sh -c "printf '%s' \"\$1\" | jq -e '.[0] | .source == \"proc\" and .mem_bytes > 0 and (.pids | tonumber) >= 1' >/dev/null" _ "$js"
  as_user "$who" "$CL" rm -f "p$who" >/dev/null 2>&1
  out=$(as_user "$who" "$CL" run --rm "$BB" echo ok 2>"$T/err")
  expect "[$who] without limits: no warning (the default pids limit was not asked for)" sh -c "[ '$out' = ok ] && [ ! -s '$T/err' ]"
done

# Rootless with a delegated cgroup v2 subtree, as systemd gives one
# (user@UID.service, Delegate=yes): made here by root under the cgroup2
# mount, the user's shell moved into it.  The container's cgroup goes
# under it (not the mount's root); v1 limits stay unapplied (v1 is never
# delegated: one warning line), but the v2 core works: pause through
# cgroup.freeze, cleanup through cgroup.kill and rmdir.
v2=/sys/fs/cgroup/unified; [ "$mode" = v2 ] && v2=/sys/fs/cgroup
D=$v2/crunlocal-deleg-test-$$
deleg_user () {
  sh -c 'd=$1; t=$2; shift 2; echo $$ >"$d/cgroup.procs" && exec env -i PATH="$PATH" HOME=/home/crltest USER=crltest T="$t" CRUNLOCAL_ROOT="$t/users/crltest/root" CRUNLOCAL_RUNROOT="$t/users/crltest/run" setpriv --reuid=crltest --regid=crltest --init-groups "$@"' _ "$D" "$T" "$@"
}
if mkdir "$D" 2>/dev/null && chown crltest: "$D" "$D/cgroup.procs" "$D/cgroup.subtree_control" "$D/cgroup.threads"; then
  out=$(deleg_user "$CL" run --rm --memory 64m "$BB" echo ok 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "[crltest, delegated v2] --memory 64m: ok, one warning line naming --memory (v1: not delegated)" sh -c "[ $RC = 0 ] && [ '$out' = ok ] && [ \"\$(grep -c . '$T/err')\" = 1 ] && grep -q -- '--memory.* not applied: the delegated cgroup v2 subtree' '$T/err'"
  deleg_user "$CL" run -d --name dg "$BB" sleep 100 >"$T/out" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err"); id=$(cat "$T/out")
  pid=$(deleg_user "$CL" inspect dg | jq -r '.[0].State.Pid')
  expect "[crltest, delegated v2] run -d: its cgroup is crunlocal/<id> in the delegated subtree, holding its PID 1" sh -c "[ $RC = 0 ] && grep -qx '$pid' '$D/crunlocal/$id/cgroup.procs' && [ ! -d '$v2/crunlocal/$id' ]"
  js=$(deleg_user "$CL" stats --no-stream --format json dg 2>&1)
  expect "[crltest, delegated v2] stats: no memory controller there, so from /proc" sh -c "printf '%s' \"\$1\" | jq -e '.[0] | .source == \"proc\" and .mem_bytes > 0 and (.pids | tonumber) >= 1' >/dev/null" _ "$js"
  deleg_user "$CL" pause dg >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  expect "[crltest, delegated v2] pause: through cgroup.freeze" sh -c "[ $RC = 0 ] && grep -qx 'frozen 1' '$D/crunlocal/$id/cgroup.events'"
  deleg_user "$CL" unpause dg >/dev/null 2>&1
  deleg_user "$CL" rm -f dg >/dev/null 2>"$T/err"; ERR=$(cat "$T/err")
  expect "[crltest, delegated v2] rm -f: its cgroup is gone" until_ok sh -c "[ -n '$id' ] && [ ! -d '$D/crunlocal/$id' ]"
  until_ok rmdir "$D/crunlocal" 2>/dev/null; until_ok rmdir "$D" 2>/dev/null
  expect "the delegated subtree made for the test is removed" [ ! -d "$D" ]
else
  echo "# skip: delegated cgroup v2 subtree: cannot make $D here"
fi

echo "# skip: v2 controller files (memory.max, cpu.max, pids.max, memory.events): this host's cgroup2 mount has no controllers but hugetlb ($mode)"
