#!/bin/sh
# What a container's cgroup costs: start-to-exit time of
#   crunlocal run --rm IMG true                                 (the default pids limit only)
#   crunlocal run --rm --memory 64m --pids-limit 100 IMG true   (limits)
# median of RUNS, the image already in the store; then the same with
# hyperfine when it is installed.  As root (rootless gets no cgroup on v1).
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-31}
bench_need bc
trap 'stop_registries; rm -rf "$T"' EXIT
bench_registry
export CRUNLOCAL_ROOT="$T/cl/root" CRUNLOCAL_RUNROOT="$T/cl/run"
"$CRUNLOCAL" pull -q "$BREG/busybox" >/dev/null

plain=$(median_time "$RUNS" : "$CRUNLOCAL" run --rm "$BREG/busybox" true)
lim=$(median_time "$RUNS" : "$CRUNLOCAL" run --rm --memory 64m --pids-limit 100 "$BREG/busybox" true)
cpus=$(median_time "$RUNS" : "$CRUNLOCAL" run --rm --memory 64m --pids-limit 100 --cpus 0.5 --cpuset-cpus 0 \
  "$BREG/busybox" true)
echo "run --rm busybox true, median of $RUNS runs ($("$CRUNLOCAL" info --format json | jq -r .host.cgroups))"
printf '  no flags %6s ms   --memory 64m --pids-limit 100 %6s ms (+%s ms)   + --cpus --cpuset-cpus %6s ms (+%s ms)\n' \
  "$(ms "$plain")" "$(ms "$lim")" "$(echo "($lim - $plain) * 1000" | bc)" "$(ms "$cpus")" \
  "$(echo "($cpus - $plain) * 1000" | bc)"
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine -N -w 3 -r "$RUNS" "$CRUNLOCAL run --rm $BREG/busybox true" \
    "$CRUNLOCAL run --rm --memory 64m --pids-limit 100 $BREG/busybox true"
else
  echo "  (hyperfine is not installed: medians only)"
fi
