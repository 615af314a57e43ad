# Shared by the benchmarks: a registry with the test images on 127.0.0.1
# (the same deterministic images the tests use) and a median timer.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP CRUNLOCAL="$TOP/crunlocal"
T=$(mktemp -d /dev/shm/crunlocal-bench.XXXXXX)
export T
. "$TOP/test/registry.sh"

bench_need () { # PACKAGE...: install what the comparison needs
  missing=""
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  [ -z "$missing" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

bench_registry () {
  cache=/var/tmp/crunlocal-test-cache/$(sha256sum "$TOP/test/tools/mkimages.py" | cut -c1-16)
  mkdir -p "$T/storage"
  [ -d "$cache/storage" ] && cp -a "$cache/storage/." "$T/storage/" && cp -a "$cache/images" "$T/images"
  P=$(free_port)
  start_registry bench "$P" "$T/storage" "" http
  [ -f "$T/images/ids.json" ] || python3 "$TOP/test/tools/mkimages.py" --registry "http://127.0.0.1:$P" --out "$T/images" --big
  BREG=127.0.0.1:$P
}

# median_time RUNS SETUP-CMD CMD: seconds (3 decimals), median of RUNS, SETUP untimed.
median_time () {
  runs=$1 setup=$2
  shift 2
  : >"$T/times"
  i=0
  while [ "$i" -lt "$runs" ]; do
    sh -c "$setup"
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "FAILED: $*" >&2; return 1; }
    e=$(date +%s.%N)
    echo "$e - $s" | bc >>"$T/times"
    i=$((i + 1))
  done
  sort -n "$T/times" | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'
}

ratio () { echo "scale=2; $1 / $2" | bc; }
ms () { printf "%.1f" "$(echo "$1 * 1000" | bc)"; }

# crunlocal and podman side by side, each with a store of its own holding
# busybox: PM is podman on runc (crun 1.8 refuses hybrid cgroups here),
# PMRUN its `run` with nofile/nproc lowered to 1024 (its fixed 1048576
# fails without CAP_SYS_RESOURCE).  Everything is removed on exit.
bench_against_podman () {
  bench_need podman runc bc busybox-static conmon
  PM="podman --root $T/pm/root --runroot $T/pm/run --runtime runc"
  PMRUN="$PM run --network=host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
  trap bench_cleanup EXIT
  bench_registry
  export CRUNLOCAL_ROOT="$T/cl/root" CRUNLOCAL_RUNROOT="$T/cl/run"
  "$CRUNLOCAL" pull -q "$BREG/busybox" >/dev/null
  $PM pull -q --tls-verify=false "$BREG/busybox" >/dev/null
}

bench_cleanup () {
  "$CRUNLOCAL" rm -f $("$CRUNLOCAL" ps -aq) >/dev/null 2>&1 || true
  $PM rm -af -t 0 >/dev/null 2>&1; $PM rmi -af >/dev/null 2>&1
  stop_registries
  umount -R "$T/pm/root/overlay" 2>/dev/null
  rm -rf "$T" 2>/dev/null || true
}
