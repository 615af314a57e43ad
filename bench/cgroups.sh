#!/bin/sh
# What a container's cgroup costs: start-to-exit time of
#   crunlocal run --rm IMG true                                 (the default pids limit only)
#   crunlocal run --rm --memory 64m --pids-limit 100 IMG true   (limits)
# median of RUNS, the image already in the store, the variants taking
# turns run by run so that the load of a shared machine hits them alike;
# with CRUNLOCAL_BASE=<a crunlocal without cgroups (e.g. built from main)>
# that one runs too, for the whole cost.  Then hyperfine, when installed.
# As root (rootless gets no cgroup on v1).
#
# Where the time goes (strace -T): a dozen mkdirs and writes take well
# under 1 ms, the rmdirs at exit about 0.5 ms; the first write of the
# child's pid to a cgroup.procs takes 7-14 ms here.  That is the kernel:
# a task migration takes cgroup_threadgroup_rwsem for writing, which
# waits for an RCU grace period unless the hierarchy is mounted with
# favordynmods (the following writes, within the same grace period, take
# 0.2 ms).  Any runtime that moves the child pays it (runc, crun); only
# clone3(CLONE_INTO_CGROUP) on cgroup v2 avoids it.
# The device cgroup (v1 devices.deny/allow writes, then the v2 BPF
# program loaded and attached) measured 0.39 ms, best of 20, with a
# throwaway probe calling devcg_apply on fresh directories (2026-11-30).
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-31}
bench_need bc
trap 'stop_registries; rm -rf "$T"' EXIT
bench_registry
export CRUNLOCAL_ROOT="$T/cl/root" CRUNLOCAL_RUNROOT="$T/cl/run"
"$CRUNLOCAL" pull -q "$BREG/busybox" >/dev/null

# interleaved NAME=CMD...: median ms of each, taking turns.
interleaved () {
  i=0
  while [ "$i" -lt "$RUNS" ]; do
    for v in "$@"; do
      name=${v%%=*}; cmd=${v#*=}
      s=$(date +%s.%N); $cmd >/dev/null 2>&1 || echo "FAILED: $cmd" >&2; e=$(date +%s.%N)
      echo "$e - $s" | bc >>"$T/t.$name"
    done
    i=$((i + 1))
  done
  for v in "$@"; do
    name=${v%%=*}
    printf '  %-10s %6s ms\n' "$name" "$(sort -n "$T/t.$name" | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)] * 1000}')"
  done
}
IMG=$BREG/busybox
echo "run --rm busybox true, median of $RUNS runs, taking turns ($("$CRUNLOCAL" info --format json | jq -r .host.cgroups))"
# --network host: the network is not what is measured, and a private one
# would make its bridge and nf_tables table in the host's namespace.
R="$CRUNLOCAL run --rm --network host"
set -- "default=$R $IMG true" "limits=$R --memory 64m --pids-limit 100 $IMG true" \
  "cpu=$R --memory 64m --pids-limit 100 --cpus 0.5 --cpuset-cpus 0 $IMG true"
[ -z "${CRUNLOCAL_BASE:-}" ] || set -- "nocgroup=$CRUNLOCAL_BASE run --rm --network host $IMG true" "$@"
interleaved "$@"
echo "  (default: the pids limit alone; limits: --memory 64m --pids-limit 100; cpu: + --cpus 0.5 --cpuset-cpus 0)"
# The issue's figure: what the limits add, from the medians of this run.
med_ms () { sort -n "$T/t.$1" | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)] * 1000}'; }
printf '  limits - default: %s ms (goal <= 2 ms)\n' "$(echo "$(med_ms limits) - $(med_ms default)" | bc)"
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine -N -w 3 -r "$RUNS" "$R $BREG/busybox true" \
    "$R --memory 64m --pids-limit 100 $BREG/busybox true"
else
  echo "  (hyperfine is not installed: medians only)"
fi
