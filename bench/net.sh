#!/bin/sh
# The cost of a network of the container's own, as root, inside a network
# namespace of the bench's own (the host's links and tables are never
# touched), median of RUNS:
#   run --rm IMG true with --network private vs --network host, taking
#   turns run by run (bench/turns.py)
# and throughput of one download of SIZE MiB (busybox httpd, the host's
# static busybox bound in) through -p (the userspace forwarder) vs the
# same httpd reached directly over loopback, and many small requests
# (connections per second) both ways.
if [ "${NET_BENCH_INNER:-}" = 1 ]; then
  # In the namespace: lib.sh's helpers, the outer run's files.
  outer=$T
  . "$(dirname "$0")/lib.sh"
  rmdir "$T"
  T=$outer
else
  . "$(dirname "$0")/lib.sh"
fi
RUNS=${RUNS:-21}
SIZE=${SIZE:-512}

# Bytes per second of one download from each URL, the best of 5 rounds,
# the URLs taking turns round by round (a shared machine's load then hits
# both alike): "BEST1 BEST2".
speeds () {
  for _ in 1 2 3 4 5; do
    for u in "$@"; do printf '%s %s\n' "$u" "$(curl -s -o /dev/null -w '%{speed_download}' "$u")"; done
  done | awk -v a="$1" -v b="$2" '$2 > best[$1] {best[$1] = $2} END {print best[a] + 0, best[b] + 0}'
}
# Seconds for N sequential small requests.
conns () {
  s=$(date +%s.%N)
  i=0; while [ "$i" -lt "$1" ]; do curl -s -o /dev/null "$2" || echo "curl $2: $?" >&2; i=$((i + 1)); done
  e=$(date +%s.%N)
  echo "$e - $s" | bc
}

inner () {
  ip link set lo up
  python3 "$TOP/bench/turns.py" "$RUNS" "priv=$CRUNLOCAL run --rm --network private $BREG/busybox true" \
    "host=$CRUNLOCAL run --rm --network host $BREG/busybox true" >"$T/times"
  priv=$(awk '$1 == "priv" {print $2}' "$T/times")
  host=$(awk '$1 == "host" {print $2}' "$T/times")
  echo "run --rm busybox true, median of $RUNS runs taking turns"
  printf '  --network private %5s ms   host %5s ms   (+%s ms)\n' "$(ms "$priv")" "$(ms "$host")" \
    "$(echo "($priv - $host) * 1000 / 1" | bc)"
  "$CRUNLOCAL" run -d --name web --network private -p 18080:80 -v /bin/busybox:/busybox:ro \
    -v "$T/www:/www:ro" "$BREG/busybox" /busybox httpd -f -p 80 -h /www >/dev/null
  busybox httpd -f -p 127.0.0.1:18081 -h "$T/www" &
  direct=$!
  for _ in $(seq 1 50); do curl -sf -o /dev/null http://127.0.0.1:18080/small && break; sleep 0.1; done
  set -- $(speeds http://127.0.0.1:18080/big http://127.0.0.1:18081/big)
  fw=$1 dl=$2
  echo "one $SIZE MiB download, best of 5, the two taking turns"
  printf '  through -p %6s MB/s   direct loopback %6s MB/s   (%sx)\n' "$(echo "$fw / 1000000" | bc)" \
    "$(echo "$dl / 1000000" | bc)" "$(ratio "$fw" "$dl")"
  cf=$(conns 300 http://127.0.0.1:18080/small)
  cd=$(conns 300 http://127.0.0.1:18081/small)
  echo "300 sequential small requests (curl per request)"
  printf '  through -p %5s conn/s   direct %5s conn/s   (%sx)\n' "$(echo "300 / $cf" | bc)" \
    "$(echo "300 / $cd" | bc)" "$(ratio "$cd" "$cf")"
  kill "$direct"
  "$CRUNLOCAL" rm -f web >/dev/null
}

if [ "${NET_BENCH_INNER:-}" = 1 ]; then
  inner
  exit 0
fi
bench_need bc busybox-static curl
trap 'stop_registries; rm -rf "$T"' EXIT
bench_registry
export CRUNLOCAL_ROOT="$T/cl/root" CRUNLOCAL_RUNROOT="$T/cl/run" BREG
"$CRUNLOCAL" pull -q "$BREG/busybox" >/dev/null
mkdir -p "$T/www"
head -c $((SIZE * 1048576)) /dev/zero >"$T/www/big"
echo hi >"$T/www/small"
NET_BENCH_INNER=1 unshare -n sh "$0"
