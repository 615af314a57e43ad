#!/bin/sh
# What detached containers cost, against podman in the same run:
#   100 `run -d IMG sleep` each: the resident memory (RSS, and PSS, which
#   splits shared pages fairly) of the per-container monitors —
#   crunlocal-monitor vs podman's conmon — in total and per monitor;
#   `ps -a` time with those 100 containers, median of RUNS.
# podman runs with runc (crun 1.8 refuses hybrid cgroups here) and its
# nofile/nproc lowered to 1024 (its fixed 1048576 fails without
# CAP_SYS_RESOURCE).
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-21}
N=${N:-100}
bench_against_podman
# KIND PID...: "total-KiB per-KiB" of a status field (VmRSS) or smaps_rollup (Pss)
mem () {
  field=$1; shift
  for p in "$@"; do
    if [ "$field" = Pss ]; then awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup"
    else awk '/^VmRSS:/ {print $2}' "/proc/$p/status"; fi
  done | awk -v n=$# '{t += $1} END {printf "%d %d", t, t / n}'
}

i=0
while [ "$i" -lt "$N" ]; do
  "$CRUNLOCAL" run -d "$BREG/busybox" sleep 100000 >/dev/null
  $PMRUN -d "$BREG/busybox" sleep 100000 >/dev/null
  i=$((i + 1))
done
cl_pids=$(pgrep -f "^crunlocal-monitor $CRUNLOCAL_ROOT/" | tr '\n' ' ')
pm_pids=$(pgrep -x conmon | tr '\n' ' ')
echo "$N detached sleep containers each; monitor memory (KiB), total and per monitor"
set -- $cl_pids; cl_rss=$(mem VmRSS "$@"); cl_pss=$(mem Pss "$@"); ncl=$#
set -- $pm_pids; pm_rss=$(mem VmRSS "$@"); pm_pss=$(mem Pss "$@"); npm=$#
printf '  crunlocal-monitor x%d: RSS %s total, %s each; PSS %s total, %s each\n' "$ncl" ${cl_rss} ${cl_pss}
printf '  conmon            x%d: RSS %s total, %s each; PSS %s total, %s each\n' "$npm" ${pm_rss} ${pm_pss}
printf '  per-monitor RSS ratio (crunlocal / conmon): %sx\n' "$(ratio "${cl_rss#* }" "${pm_rss#* }")"

cl=$(median_time "$RUNS" : "$CRUNLOCAL" ps -a)
pm=$(median_time "$RUNS" : $PM ps -a)
echo "ps -a with $N containers, median of $RUNS runs"
printf '  crunlocal %5s ms   podman %5s ms (%sx)\n' "$(ms "$cl")" "$(ms "$pm")" "$(ratio "$cl" "$pm")"
