#!/bin/sh
# The cost of a network of the container's own, as root, inside a network
# namespace of the bench's own (the host's links and tables are never
# touched) that is also a mount namespace with a tmpfs on /run (podman's
# netns files, netavark's IPAM database and runc's state stay there, not
# on the host's /run), median of RUNS:
#   run --rm IMG true with --network private vs --network host vs
#   podman run --rm IMG true with its default bridge (netavark, runtime
#   runc, cgroupfs), taking turns run by run (bench/turns.py)
# and throughput of one download of SIZE MiB (busybox httpd, the host's
# static busybox bound in) through -p (the userspace forwarder) vs the
# same httpd reached directly over loopback vs podman's -p (netavark's
# DNAT), and many small requests (connections per second) the three ways.
# When podman's bridge or its -p fails here, its line says why instead.
if [ "${NET_BENCH_INNER:-}" = 1 ]; then
  # In the namespaces: lib.sh's helpers, the outer run's files.
  outer=$T
  . "$(dirname "$0")/lib.sh"
  rmdir "$T"
  T=$outer
else
  . "$(dirname "$0")/lib.sh"
fi
RUNS=${RUNS:-21}
SIZE=${SIZE:-512}
# podman as root on runc (crun 1.8 refuses hybrid cgroups here), with a
# store of the bench's own (a runroot under 50 characters: $T's is short)
# and no systemd; nofile/nproc lowered to 1024 (its fixed 1048576 fails
# without CAP_SYS_RESOURCE).
PM="podman --root $T/pm/root --runroot $T/pm/run --runtime runc --cgroup-manager cgroupfs --events-backend file"
PMRUN="$PM run --ulimit nofile=1024:1024 --ulimit nproc=1024:1024"

# Bytes per second of one download from each URL, the best of 5 rounds,
# the URLs taking turns round by round (a shared machine's load then hits
# them alike): "BEST1 BEST2 ...".
speeds () {
  for _ in 1 2 3 4 5; do
    for u in "$@"; do printf '%s %s\n' "$u" "$(curl -s -o /dev/null -w '%{speed_download}' "$u")"; done
  done | awk -v urls="$*" '$2 > best[$1] {best[$1] = $2}
    END {n = split(urls, u, " "); for (i = 1; i <= n; i++) printf "%s%s", best[u[i]] + 0, i < n ? " " : "\n"}'
}
# Seconds for N sequential small requests to each URL, in 3 rounds of N/3
# taking turns: "SECONDS1 SECONDS2 ...".
conns () {
  n=$1
  shift
  for _ in 1 2 3; do
    for u in "$@"; do
      s=$(date +%s.%N)
      i=0; while [ "$i" -lt $((n / 3)) ]; do curl -s -o /dev/null "$u" || echo "curl $u: $?" >&2; i=$((i + 1)); done
      e=$(date +%s.%N)
      echo "$u $(echo "$e - $s" | bc)"
    done
  done | awk -v urls="$*" '{t[$1] += $2}
    END {n = split(urls, u, " "); for (i = 1; i <= n; i++) printf "%s%s", t[u[i]], i < n ? " " : "\n"}'
}
mbs () { echo "$1 / 1000000" | bc; }
# PORT: the httpd behind 127.0.0.1:PORT answers, within 5 s.
up () {
  for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$1/small" && return 0; sleep 0.1; done
  return 1
}
# podman's complaint: its last line, "Error: " dropped.
why () { printf '%s\n' "$1" | sed -n '/./h; ${x; s/^Error: //; p}'; }

inner () {
  mount -t tmpfs -o mode=755 tmpfs /run
  ip link set lo up
  # podman's default bridge, tried once: if it fails the bench says why.
  pmwhy=""
  out=$($PMRUN --rm "$BREG/busybox" true 2>&1) || pmwhy=$(why "$out")
  set -- "priv=$CRUNLOCAL run --rm --network private $BREG/busybox true" \
    "host=$CRUNLOCAL run --rm --network host $BREG/busybox true"
  [ -n "$pmwhy" ] || set -- "$@" "podman=$PMRUN --rm $BREG/busybox true"
  python3 "$TOP/bench/turns.py" "$RUNS" "$@" >"$T/times"
  priv=$(awk '$1 == "priv" {print $2}' "$T/times")
  host=$(awk '$1 == "host" {print $2}' "$T/times")
  pm=$(awk '$1 == "podman" {print $2}' "$T/times")
  echo "run --rm busybox true, median of $RUNS runs taking turns (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  printf '  --network private %5s ms   host %5s ms   (%+d ms)\n' "$(ms "$priv")" "$(ms "$host")" \
    "$(echo "($priv - $host) * 1000 / 1" | bc)"
  if [ -n "$pmwhy" ]; then
    echo "  podman run --rm (default bridge): fails here: $pmwhy"
  else
    printf '  podman run --rm (default bridge, runc) %5s ms   (crunlocal private = %sx)\n' "$(ms "$pm")" \
      "$(ratio "$priv" "$pm")"
  fi

  "$CRUNLOCAL" run -d --name web --network private -p 18080:80 -v /bin/busybox:/busybox:ro \
    -v "$T/www:/www:ro" "$BREG/busybox" /busybox httpd -f -p 80 -h /www >/dev/null
  busybox httpd -f -p 127.0.0.1:18081 -h "$T/www" &
  direct=$!
  set -- http://127.0.0.1:18080 http://127.0.0.1:18081
  if [ -z "$pmwhy" ]; then
    out=$($PMRUN -d --name pweb -p 18082:80 -v /bin/busybox:/busybox:ro -v "$T/www:/www:ro" \
      "$BREG/busybox" /busybox httpd -f -p 80 -h /www 2>&1) || pmwhy=$(why "$out")
  fi
  up 18080 && up 18081
  if [ -z "$pmwhy" ]; then
    if up 18082; then
      set -- "$@" http://127.0.0.1:18082
    else
      pmwhy="its -p 18082:80 does not answer: curl $(curl -s -o /dev/null http://127.0.0.1:18082/small; echo "exit $?")"
    fi
  fi
  set -- $(speeds $(for u in "$@"; do echo "$u/big"; done))
  fw=$1 dl=$2 pf=${3:-}
  echo "one $SIZE MiB download, best of 5, taking turns"
  printf '  through -p %6s MB/s   direct loopback %6s MB/s   (%sx)\n' "$(mbs "$fw")" "$(mbs "$dl")" "$(ratio "$fw" "$dl")"
  if [ -n "$pf" ]; then
    printf '  podman -p  %6s MB/s   (crunlocal -p = %sx)\n' "$(mbs "$pf")" "$(ratio "$fw" "$pf")"
  else
    echo "  podman -p: fails here: $pmwhy"
  fi
  set -- http://127.0.0.1:18080/small http://127.0.0.1:18081/small
  [ -n "$pf" ] && set -- "$@" http://127.0.0.1:18082/small
  set -- $(conns 300 "$@")
  cf=$1 cd=$2 cp=${3:-}
  echo "300 sequential small requests (curl per request), 3 rounds taking turns"
  printf '  through -p %5s conn/s   direct %5s conn/s   (%sx)\n' "$(echo "300 / $cf" | bc)" \
    "$(echo "300 / $cd" | bc)" "$(ratio "$cd" "$cf")"
  if [ -n "$cp" ]; then
    printf '  podman -p  %5s conn/s   (crunlocal -p = %sx)\n' "$(echo "300 / $cp" | bc)" "$(ratio "$cp" "$cf")"
  else
    echo "  podman -p: fails here: $pmwhy"
  fi
  kill "$direct"
  "$CRUNLOCAL" rm -f web >/dev/null
  $PM rm -f -t 0 pweb >/dev/null 2>&1 || true
}

if [ "${NET_BENCH_INNER:-}" = 1 ]; then
  inner
  exit 0
fi
bench_need bc busybox-static curl podman runc conmon
trap 'stop_registries; umount -R "$T/pm/root/overlay" 2>/dev/null || true; rm -rf "$T"' EXIT
bench_registry
export CRUNLOCAL_ROOT="$T/cl/root" CRUNLOCAL_RUNROOT="$T/cl/run" BREG
"$CRUNLOCAL" pull -q "$BREG/busybox" >/dev/null
$PM pull -q --tls-verify=false "$BREG/busybox" >/dev/null
mkdir -p "$T/www"
head -c $((SIZE * 1048576)) /dev/zero >"$T/www/big"
echo hi >"$T/www/small"
NET_BENCH_INNER=1 unshare -n -m --propagation private sh "$0"
