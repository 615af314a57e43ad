#!/bin/sh
# Rootless outbound (netsup.c) against a host process of the same user,
# inside a network namespace of the bench's own with an "upstream"
# namespace behind a veth (the host's links and tables are never
# touched).  The user is `nobody` (no subordinate ids: a single mapping).
#   one download of SIZE MiB with busybox wget: in a rootless private
#     container vs the same wget run by the user on the host
#   N sequential small downloads (a connect() each) in a container on the
#     private network vs on the host's: the added cost per connection
if [ "${OUT_BENCH_INNER:-}" = 1 ]; then
  outer=$T
  . "$(dirname "$0")/lib.sh"
  rmdir "$T"
  T=$outer
else
  . "$(dirname "$0")/lib.sh"
fi
SIZE=${SIZE:-256}
N=${N:-200}
U=nobody
as_u () { setpriv --reuid=$U --regid=nogroup --clear-groups env HOME="$T/home" CRUNLOCAL_ROOT="$T/u/root" CRUNLOCAL_RUNROOT="$T/u/run" "$@"; }
now () { date +%s.%N; }

inner () {
  ip link set lo up
  unshare -n sleep 1000 &
  up=$!
  sleep 0.2
  ip link add up0 type veth peer name up1 netns "$up"
  ip addr add 198.51.100.1/24 dev up0 && ip link set up0 up
  nsenter -t "$up" -n sh -c 'ip link set lo up; ip addr add 198.51.100.2/24 dev up1; ip link set up1 up; ip route add default via 198.51.100.1'
  nsenter -t "$up" -n busybox httpd -f -p 198.51.100.2:9000 -h "$T/www" &
  srv=$!
  sleep 0.3
  url=http://198.51.100.2:9000
  # Seconds of the fastest of 3 runs of a command.
  best3 () { for _ in 1 2 3; do s=$(now); "$@"; e=$(now); echo "$e - $s" | bc; done | sort -n | head -n 1; }
  host_dl=$(best3 as_u busybox wget -qO /dev/null "$url/big")
  ct_dl=$(best3 as_u "$CRUNLOCAL" run --rm -v /bin/busybox:/busybox:ro "$BREG/busybox" /busybox wget -qO /dev/null "$url/big")
  ct_start=$(best3 as_u "$CRUNLOCAL" run --rm "$BREG/busybox" true)
  echo "one $SIZE MiB download (wget), best of 3"
  printf '  rootless container %6s MB/s   host process %6s MB/s   (%sx)\n' \
    "$(echo "$SIZE / ($ct_dl - $ct_start)" | bc)" "$(echo "$SIZE / $host_dl" | bc)" \
    "$(ratio "$host_dl" "$(echo "$ct_dl - $ct_start" | bc)")"
  loop="i=0; while [ \$i -lt $N ]; do /busybox wget -qO /dev/null $url/small; i=\$((i + 1)); done"
  # The same loop in a container on the host's network: a process in a
  # container costs the same either way, so the difference is the
  # interception's.
  s=$(now); as_u "$CRUNLOCAL" run --rm --network host -v /bin/busybox:/busybox:ro "$BREG/busybox" sh -c "$loop"; e=$(now); host_c=$(echo "$e - $s - $ct_start" | bc)
  s=$(now); as_u "$CRUNLOCAL" run --rm -v /bin/busybox:/busybox:ro "$BREG/busybox" sh -c "$loop"; e=$(now); ct_c=$(echo "$e - $s - $ct_start" | bc)
  echo "$N sequential small downloads (a wget process and a connect() each), in a container"
  printf '  --network private %6s ms each   --network host %6s ms each   (%s us per connection)\n' \
    "$(echo "scale=2; $ct_c * 1000 / $N" | bc)" "$(echo "scale=2; $host_c * 1000 / $N" | bc)" \
    "$(echo "($ct_c - $host_c) * 1000000 / $N" | bc)"
  kill "$srv" "$up"
}

if [ "${OUT_BENCH_INNER:-}" = 1 ]; then
  inner
  exit 0
fi
bench_need bc busybox-static curl
trap 'stop_registries; rm -rf "$T"' EXIT
bench_registry
export BREG
chmod 755 "$T"
mkdir -p "$T/www" "$T/u" "$T/home" && chown $U "$T/u" "$T/home"
head -c $((SIZE * 1048576)) /dev/zero >"$T/www/big"
echo hi >"$T/www/small"
chmod -R a+rX "$T/www"
as_u "$CRUNLOCAL" pull -q "$BREG/busybox" >/dev/null
OUT_BENCH_INNER=1 unshare -n sh "$0"
