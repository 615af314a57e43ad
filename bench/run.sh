#!/bin/sh
# Start-to-exit time of one container running `true`, the image already in
# the store, median of RUNS, every command taking its turn run by run
# (bench/turns.py) so that a shared machine's load hits them alike:
#   crunlocal run --rm IMG true, the dynamic build and the static one,
#     the static one also with --network host: the bundle's namespaces
#     (crunlocal spec's bundle has no network namespace, run's default a
#     private network with a veth, as podman's)
#   runc run of a bundle prepared once (crunlocal spec -o)
#   crun run of the same bundle: crun 1.8 refuses this host's hybrid
#     cgroups, so it runs in a mount namespace of its own with the
#     hugetlb-only cgroup2 mount unmounted (as issue 12 says)
#   podman run --rm --network=host IMG true (runtime runc; nofile/nproc
#     lowered to 1024, since podman's fixed nofile=1048576 fails without
#     CAP_SYS_RESOURCE)
# as root, then as an unprivileged user (BENCH_USER, default crltest, when
# it exists: crunlocal both builds, runc with --root of the user's; crun
# refuses hybrid cgroups and a user cannot unmount the cgroup2 mount);
# `crunlocal version`; then the snapshot cost: busybox vs the ~400 MB,
# 35k-file image, with overlay and with the hard-link fallback.
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-41}
BENCH_USER=${BENCH_USER:-crltest}
STATIC=$TOP/static/crunlocal
bench_need podman runc crun bc busybox-static jq
PM="podman --root $T/pm/root --runroot $T/pm/run --runtime runc"
trap '$PM rm -af >/dev/null 2>&1; $PM rmi -af >/dev/null 2>&1; stop_registries; rm -rf "$T"' EXIT
bench_registry
export CRUNLOCAL_ROOT="$T/cl/root" CRUNLOCAL_RUNROOT="$T/cl/run"
"$CRUNLOCAL" pull -q "$BREG/busybox" >/dev/null
"$CRUNLOCAL" pull -q "$BREG/big" >/dev/null
$PM pull -q --tls-verify=false "$BREG/busybox" >/dev/null
"$CRUNLOCAL" spec "$BREG/busybox" true -o "$T/bundle"
IMG=$BREG/busybox

# NAME: its median in seconds from $T/times (turns.py's output)
med () { awk -v n="$1" '$1 == n {print $2}' "$T/times"; }
# LABEL NAME: "LABEL  N ms", and the static build's time as a ratio of it
row () {
  [ -n "$(med "$2")" ] || return 0
  printf '  %-28s %6.1f ms' "$1" "$(echo "$(med "$2") * 1000" | bc)"
  [ "$2" = static ] || [ "$2" = statichost ] || [ -z "$(med static)" ] ||
    printf '   static = %sx' "$(ratio "$(med static)" "$(med "$2")")"
  # The bundle's namespaces: --network host against the runtimes.
  case "$2" in runc | crun) [ -z "$(med statichost)" ] ||
    printf ', --network host = %sx' "$(ratio "$(med statichost)" "$(med "$2")")" ;; esac
  echo
}

crun_cmd () { # BUNDLE: crun run, past the hybrid host's cgroup2 mount
  if grep -q ' /sys/fs/cgroup/unified ' /proc/self/mountinfo; then
    echo "unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec crun run -b $1 cr-{i}'"
  else
    echo "crun run -b $1 cr-{i}"
  fi
}

set -- "dynamic=$CRUNLOCAL run --rm $IMG true"
[ -x "$STATIC" ] && set -- "$@" "static=$STATIC run --rm $IMG true" \
  "statichost=$STATIC run --rm --network host $IMG true"
set -- "$@" "runc=runc run -b $T/bundle rc-{i}" "crun=$(crun_cmd "$T/bundle")" \
  "podman=$PM run --rm --network=host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 $IMG true"
# In a network namespace of the bench's own: crunlocal's default private
# network makes a bridge and an nf_tables table, never the host's.
unshare -n sh -c 'ip link set lo up && exec python3 "$@"' _ "$TOP/bench/turns.py" "$RUNS" "$@" >"$T/times"
echo "run --rm busybox true as root, median of $RUNS runs taking turns (private network: in unshare -n)"
row "crunlocal (static)" static
row "  --network host" statichost
row "crunlocal (dynamic)" dynamic
row "runc run (bundle)" runc
row "crun run (bundle, own mntns)" crun
row "podman run (runc)" podman

# As a user: the same image in a store of the user's, a bundle the user
# made (runc refuses additionalGids rootless: dropped).
if id "$BENCH_USER" >/dev/null 2>&1; then
  U=$T/users/$BENCH_USER
  mkdir -p "$U/xdg" && chown -R "$BENCH_USER:" "$T/users" && chmod 755 "$T"
  as () { env -i PATH="$PATH" HOME="$U" XDG_RUNTIME_DIR="$U/xdg" CRUNLOCAL_ROOT="$U/root" \
    CRUNLOCAL_RUNROOT="$U/run" setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" --init-groups "$@"; }
  as "$CRUNLOCAL" pull -q "$IMG" >/dev/null
  as "$CRUNLOCAL" spec "$IMG" true -o "$U/bundle"
  jq 'del(.process.user.additionalGids)' "$U/bundle/config.json" >"$U/c.json"
  cp "$U/c.json" "$U/bundle/config.json"
  AS="setpriv --reuid=$BENCH_USER --regid=$BENCH_USER --init-groups env -i PATH=$PATH HOME=$U XDG_RUNTIME_DIR=$U/xdg CRUNLOCAL_ROOT=$U/root CRUNLOCAL_RUNROOT=$U/run"
  set -- "dynamic=$AS $CRUNLOCAL run --rm $IMG true"
  [ -x "$STATIC" ] && set -- "$@" "static=$AS $STATIC run --rm $IMG true"
  set -- "$@" "runc=$AS runc --root $U/runc run -b $U/bundle rc-{i}"
  python3 "$TOP/bench/turns.py" "$RUNS" "$@" >"$T/times"
  echo "run --rm busybox true as $BENCH_USER (rootless: no cgroup on v1), median of $RUNS runs taking turns"
  row "crunlocal (static)" static
  row "crunlocal (dynamic)" dynamic
  row "runc run (bundle, --root)" runc
  echo "  crun: refuses hybrid cgroups, and a user may not unmount the cgroup2 mount"
else
  echo "rootless: no user $BENCH_USER (BENCH_USER=name to pick one)"
fi

if [ -x "$STATIC" ]; then
  python3 "$TOP/bench/turns.py" "$RUNS" "static=$STATIC version" "dynamic=$CRUNLOCAL version" >"$T/times"
  printf 'crunlocal version, median of %s runs: static %.2f ms, dynamic %.2f ms\n' "$RUNS" \
    "$(echo "$(med static) * 1000" | bc)" "$(echo "$(med dynamic) * 1000" | bc)"
fi

# The big image has no binaries: both run the host's static busybox.
echo "snapshot cost: run --rm IMG true, busybox (1 layer) vs big (5 layers, 400 MB, 35k files)"
for mode in overlay hardlink; do
  n=$RUNS; [ "$mode" = overlay ] || n=3
  small=$(CRUNLOCAL_SNAPSHOT=$mode median_time "$n" : "$CRUNLOCAL" run --rm --network host -v /bin/busybox:/true:ro \
    "$BREG/busybox" /true)
  big=$(CRUNLOCAL_SNAPSHOT=$mode median_time "$n" : "$CRUNLOCAL" run --rm --network host -v /bin/busybox:/true:ro "$BREG/big" /true)
  printf '  %-8s busybox %6s ms   big %6s ms (%sx)\n' "$mode" "$(ms "$small")" "$(ms "$big")" "$(ratio "$big" "$small")"
done
