#!/bin/sh
# The OCI runtime command line: start-to-exit time of `run` of one prepared
# bundle (runc spec's config.json, args `true`, terminal off, a busybox
# rootfs), median of RUNS taking turns (bench/turns.py), with
#   crunlocal-runtime run   (dynamic and, when built, static)
#   runc run
#   crun run                (in a private mount namespace without the
#                            hugetlb-only cgroup2 mount: crun refuses this
#                            hybrid host otherwise)
# and podman --runtime crunlocal-runtime vs podman --runtime runc
# (run --rm IMG true; nofile/nproc at 1024: podman's 1048576 fails here).
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-21}
bench_need runc crun bc busybox-static podman conmon
B=$T/bundle
mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/sys" "$B/rootfs/dev" "$B/rootfs/tmp"
cp "$(command -v busybox)" "$B/rootfs/bin/busybox"
for a in sh true; do ln -s busybox "$B/rootfs/bin/$a"; done
(cd "$B" && runc spec)
jq '.process.terminal = false | .process.args = ["true"]' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
trap 'rm -rf "$T"' EXIT

# Every runtime takes its turn run by run (bench/turns.py): a shared
# machine's load hits them alike.
crun_cmd="crun --root $T/crstate run -b $B cr-{i}"
grep -q ' /sys/fs/cgroup/unified ' /proc/self/mountinfo \
  && crun_cmd="unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec $crun_cmd'"
set -- "dynamic=$TOP/crunlocal-runtime --root $T/state run -b $B dy-{i}"
[ -x "$TOP/static/crunlocal-runtime" ] && set -- "$@" "static=$TOP/static/crunlocal-runtime --root $T/state run -b $B st-{i}"
set -- "$@" "runc=runc --root $T/rcstate run -b $B rc-{i}" "crun=$crun_cmd"
python3 "$TOP/bench/turns.py" "$RUNS" "$@" >"$T/times"
med () { awk -v n="$1" '$1 == n {print $2}' "$T/times"; }
cl=$(med dynamic) st=$(med static) rc=$(med runc) cr=$(med crun)

echo "OCI runtime \`run\` of one bundle (true), median of $RUNS runs taking turns; (Nx) = crunlocal's time / theirs"
printf '%-34s %8s\n' "runtime" "ms"
printf '%-34s %8s  (%sx runc, %sx crun)\n' "crunlocal-runtime (dynamic)" "$(ms "$cl")" "$(ratio "$cl" "$rc")" "$([ -n "$cr" ] && ratio "$cl" "$cr" || echo -)"
[ -n "$st" ] && printf '%-34s %8s  (%sx runc, %sx crun)\n' "crunlocal-runtime (static)" "$(ms "$st")" "$(ratio "$st" "$rc")" "$([ -n "$cr" ] && ratio "$st" "$cr" || echo -)"
printf '%-34s %8s\n' "runc run" "$(ms "$rc")"
[ -n "$cr" ] && printf '%-34s %8s\n' "crun run (private mount ns)" "$(ms "$cr")"

# podman, with each runtime, on a private storage.
IMGS=$(ls -d /var/tmp/crunlocal-test-cache/*/images 2>/dev/null | head -n 1)
if [ -f "$IMGS/docker.tar" ]; then
  PMB="podman --root $T/pm/root --runroot $T/pm/run --cgroup-manager cgroupfs --events-backend none"
  $PMB load -i "$IMGS/docker.tar" >/dev/null 2>&1
  U="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network=host"
  pc=$(median_time "$RUNS" : $PMB --runtime "$TOP/crunlocal-runtime" run --rm $U example.com/saved/busybox:1.0 true)
  pr=$(median_time "$RUNS" : $PMB --runtime runc run --rm $U example.com/saved/busybox:1.0 true)
  printf '%-34s %8s  (%sx podman with runc)\n' "podman --runtime crunlocal-runtime" "$(ms "$pc")" "$(ratio "$pc" "$pr")"
  printf '%-34s %8s\n' "podman --runtime runc" "$(ms "$pr")"
  $PMB rm -af >/dev/null 2>&1; $PMB rmi -af >/dev/null 2>&1
fi
