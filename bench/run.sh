#!/bin/sh
# Start-to-exit time of one container running `true`, the image already in
# the store, median of RUNS:
#   crunlocal run --rm IMG true
#   podman run --rm --network=host IMG true
#     (runtime runc: crun 1.8 refuses hybrid cgroups; nofile/nproc lowered
#     to 1024, since podman's fixed nofile=1048576 fails without
#     CAP_SYS_RESOURCE)
#   runc run of a bundle prepared once (crunlocal spec -o), crun where the
#     host lets it start
# then the snapshot cost: busybox vs the ~400 MB, 35k-file image, with
# overlay and with the hard-link fallback.
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-21}
bench_need podman runc bc busybox-static
PM="podman --root $T/pm/root --runroot $T/pm/run --runtime runc"
trap '$PM rm -af >/dev/null 2>&1; $PM rmi -af >/dev/null 2>&1; stop_registries; rm -rf "$T"' EXIT
bench_registry
export CRUNLOCAL_ROOT="$T/cl/root" CRUNLOCAL_RUNROOT="$T/cl/run"
"$CRUNLOCAL" pull -q "$BREG/busybox" >/dev/null
"$CRUNLOCAL" pull -q "$BREG/big" >/dev/null
$PM pull -q --tls-verify=false "$BREG/busybox" >/dev/null
"$CRUNLOCAL" spec "$BREG/busybox" true -o "$T/bundle"


cl=$(median_time "$RUNS" : "$CRUNLOCAL" run --rm "$BREG/busybox" true)
pm=$(median_time "$RUNS" : $PM run --rm --network=host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
  "$BREG/busybox" true)
rc=$(median_time "$RUNS" : sh -c "cd '$T/bundle' && exec runc run bench-\$\$")
echo "run --rm busybox true, median of $RUNS runs; (Nx) = crunlocal's time / theirs"
printf '  crunlocal %5s ms   podman %5s ms (%sx)   runc bundle %5s ms (%sx)\n' "$(ms "$cl")" "$(ms "$pm")" \
  "$(ratio "$cl" "$pm")" "$(ms "$rc")" "$(ratio "$cl" "$rc")"
# The static build (make static), against the same runc, and crun run in a
# private mount namespace without the hugetlb-only cgroup2 mount (which
# makes crun refuse this host).
if [ -x "$TOP/static/crunlocal" ]; then
  st=$(median_time "$RUNS" : "$TOP/static/crunlocal" run --rm "$BREG/busybox" true)
  ver=$(median_time "$RUNS" : "$TOP/static/crunlocal" version)
  printf '  static crunlocal %5s ms (%sx runc, %sx dynamic); version %s ms\n' "$(ms "$st")" \
    "$(ratio "$st" "$rc")" "$(ratio "$st" "$cl")" "$(ms "$ver")"
fi
if command -v crun >/dev/null 2>&1 && [ -d /sys/fs/cgroup/unified ]; then
  cu=$(median_time "$RUNS" : unshare -m sh -c "umount /sys/fs/cgroup/unified && cd '$T/bundle' && exec crun run bench-\$\$")
  [ -n "$cu" ] && printf '  crun (cgroup2 mount hidden) %5s ms\n' "$(ms "$cu")"
fi
if (cd "$T/bundle" && crun run bench-probe) >/dev/null 2>&1; then
  cr=$(median_time "$RUNS" : sh -c "cd '$T/bundle' && exec crun run bench-\$\$")
  printf '  crun bundle %5s ms (%sx)\n' "$(ms "$cr")" "$(ratio "$cl" "$cr")"
else
  echo "  crun: refuses to start a container on this host ($(cd "$T/bundle" && crun run bench-probe 2>&1 | tail -n 1))"
fi

# The big image has no binaries: both run the host's static busybox.
echo "snapshot cost: run --rm IMG true, busybox (1 layer) vs big (5 layers, 400 MB, 35k files)"
for mode in overlay hardlink; do
  n=$RUNS; [ "$mode" = overlay ] || n=3
  small=$(CRUNLOCAL_SNAPSHOT=$mode median_time "$n" : "$CRUNLOCAL" run --rm -v /bin/busybox:/true:ro \
    "$BREG/busybox" /true)
  big=$(CRUNLOCAL_SNAPSHOT=$mode median_time "$n" : "$CRUNLOCAL" run --rm -v /bin/busybox:/true:ro "$BREG/big" /true)
  printf '  %-8s busybox %6s ms   big %6s ms (%sx)\n' "$mode" "$(ms "$small")" "$(ms "$big")" "$(ratio "$big" "$small")"
done
