#!/bin/sh
# The OCI runtime command line: start-to-exit time of `run` of one prepared
# bundle (runc spec's config.json, args `true`, terminal off, a busybox
# rootfs), median of RUNS, with
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

rt () { # BINARY: median seconds of BINARY --root … run ID in the bundle
  median_time "$RUNS" : sh -c "cd '$B' && exec $1 --root '$T/state' run bench-\$\$"
}
cl=$(rt "$TOP/crunlocal-runtime")
st=""
[ -x "$TOP/static/crunlocal-runtime" ] && st=$(rt "$TOP/static/crunlocal-runtime")
rc=$(rt runc)
cr=$(median_time "$RUNS" : unshare -m sh -c "umount /sys/fs/cgroup/unified 2>/dev/null; cd '$B' && exec crun --root '$T/crstate' run bench-\$\$" || echo "")

echo "OCI runtime \`run\` of one bundle (true), median of $RUNS runs; (Nx) = crunlocal's time / theirs"
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
