#!/bin/sh
# What the default seccomp filter costs (issue 15: <= 0.3 ms a start,
# <= 10% on a syscall-heavy loop), median of RUNS:
#   crunlocal run --rm IMG true, default filter vs seccomp=unconfined
#   getpid x 10^6 inside a container (test/tools/scprobe.c, static), with
#     and without the filter: nanoseconds per call
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-21}
LOOPS=${LOOPS:-7}
bench_need bc musl-tools
trap 'stop_registries; rm -rf "$T"' EXIT
bench_registry
export CRUNLOCAL_ROOT="$T/cl/root" CRUNLOCAL_RUNROOT="$T/cl/run"
"$CRUNLOCAL" pull -q "$BREG/busybox" >/dev/null
musl-gcc -static -O2 -o "$T/scprobe" "$TOP/test/tools/scprobe.c"
# A filter that allows everything: what any filter costs the kernel's
# system call entry, apart from the program's own work.
echo '{"defaultAction": "SCMP_ACT_ALLOW"}' >"$T/allow.json"

# Interleaved, so both sides see the same load: TAG CMD... appends the
# seconds one run took to $T/TAG (a run killed from outside is retried).
timed () {
  tag=$1
  shift
  for try in 1 2 3; do
    s=$(date +%s.%N)
    if "$@" >/dev/null 2>&1; then
      e=$(date +%s.%N)
      echo "$e - $s" | bc >>"$T/$tag"
      return 0
    fi
  done
  echo "FAILED: $*" >&2
  return 1
}
median () { sort -n "$1" | awk '{a[NR]=$1} END {printf "%.4f", a[int((NR+1)/2)]}'; }
: >"$T/on"; : >"$T/off"
i=0
while [ "$i" -lt "$RUNS" ]; do
  timed on "$CRUNLOCAL" run --rm "$BREG/busybox" true
  timed off "$CRUNLOCAL" run --rm --security-opt seccomp=unconfined "$BREG/busybox" true
  i=$((i + 1))
done
on=$(median "$T/on") off=$(median "$T/off")
echo "run --rm busybox true, median of $RUNS runs each, interleaved"
printf '  default filter %5.1f ms   unconfined %5.1f ms   the filter costs %5.2f ms\n' \
  "$(echo "$on * 1000" | bc)" "$(echo "$off * 1000" | bc)" "$(echo "($on - $off) * 1000" | bc)"

# getpid x 10^6 in one container: ns per call, into $T/TAG
loop () {
  tag=$1
  shift
  for try in 1 2 3; do
    if "$CRUNLOCAL" run --rm -v "$T/scprobe:/scprobe:ro" "$@" "$BREG/busybox" /scprobe getpid 1000000 \
      >"$T/one" 2>/dev/null; then
      cat "$T/one" >>"$T/$tag"
      return 0
    fi
  done
  echo "FAILED: getpid loop $*" >&2
  return 1
}
: >"$T/lon"; : >"$T/loff"; : >"$T/lall"
i=0
while [ "$i" -lt "$LOOPS" ]; do
  loop lon
  loop loff --security-opt seccomp=unconfined
  loop lall --security-opt seccomp="$T/allow.json"
  i=$((i + 1))
done
f=$(median "$T/lon") u=$(median "$T/loff") a=$(median "$T/lall")
echo "getpid x 10^6 inside (CPU ns per call, fastest of 10 rounds), median of $LOOPS containers each, interleaved"
printf '  default filter %6.1f   unconfined %6.1f   allow-all filter %6.1f ns/call\n' "$f" "$u" "$a"
printf '  default vs unconfined: slower by %s%%; vs allow-all (the program alone): %s%%\n' \
  "$(echo "scale=1; ($f - $u) * 100 / $u" | bc)" "$(echo "scale=1; ($f - $a) * 100 / $a" | bc)"
