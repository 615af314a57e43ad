#!/bin/sh
# What terminals and stdin cost, against podman in the same run (median of
# RUNS, the image already in the store):
#   output through the container's PTY: `run --rm -t IMG head -c 16M
#     /dev/zero` to /dev/null (NULs: the line discipline leaves them alone);
#   input through -i: 64 MiB piped through `run --rm -i IMG cat` (pipes on
#     both ends: crunlocal hands the container its own stdin and stdout;
#     podman relays both through conmon);
#   a -dit shell's monitor memory: crunlocal-monitor holding the PTY and the
#     attach socket vs conmon doing the same.
# podman runs with runc (crun 1.8 refuses hybrid cgroups here) and its
# nofile/nproc lowered to 1024 (its fixed 1048576 fails without
# CAP_SYS_RESOURCE).
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-11}
bench_against_podman
bench_need jq
head -c 67108864 /dev/urandom >"$T/in"
line () { printf '  %-34s crunlocal %6s ms   podman %6s ms (%sx)\n' "$1" "$(ms "$2")" "$(ms "$3")" "$(ratio "$2" "$3")"; }

echo "median of $RUNS runs; (Nx) = crunlocal's time / podman's"
cl=$(median_time "$RUNS" : "$CRUNLOCAL" run --rm -t "$BREG/busybox" head -c 16777216 /dev/zero)
pm=$(median_time "$RUNS" : $PMRUN --rm -t "$BREG/busybox" head -c 16777216 /dev/zero)
line "16 MiB out through -t (a PTY)" "$cl" "$pm"
cl=$(median_time "$RUNS" : sh -c "cat '$T/in' | '$CRUNLOCAL' run --rm -i '$BREG/busybox' cat | cat >/dev/null")
pm=$(median_time "$RUNS" : sh -c "cat '$T/in' | $PMRUN --rm -i '$BREG/busybox' cat | cat >/dev/null")
line "64 MiB piped through -i cat" "$cl" "$pm"

"$CRUNLOCAL" run -dit --name sh "$BREG/busybox" sh >/dev/null
$PMRUN -dit --name sh "$BREG/busybox" sh >/dev/null
cl_pid=$("$CRUNLOCAL" inspect sh | jq -r '.[0].State.ConmonPid')
pm_pid=$($PM inspect --format '{{.State.ConmonPid}}' sh)
cl_rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$cl_pid/status")
pm_rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pm_pid/status")
echo "a -dit shell's monitor (terminal master + attach socket), RSS"
printf '  crunlocal-monitor %5s KiB   conmon %5s KiB (%sx)\n' "$cl_rss" "$pm_rss" "$(ratio "$cl_rss" "$pm_rss")"
