#!/bin/sh
# Pull the ~400 MB, 5-layer, 35k-file test image from a local registry into
# fresh stores: crunlocal vs podman vs skopeo copy + umoci unpack, median of
# RUNS, with the stores on tmpfs and then on disk (WHERE=tmpfs or disk for
# one).  Prints the ratios.  Then the static build (make static) against
# the dynamic one, taking turns run by run (issue 12: <= 1.05x): the
# static build's sha256, TLS-free HTTP, libarchive and zstd are its own
# copies, built with musl.
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-5}
bench_need podman skopeo umoci bc
trap 'stop_registries; rm -rf "$T" /var/tmp/crunlocal-bench-disk' EXIT
bench_registry

measure () { # BASE-DIR
  b=$1
  cl=$(median_time "$RUNS" "rm -rf $b/cl" env CRUNLOCAL_ROOT="$b/cl/root" CRUNLOCAL_RUNROOT="$b/cl/run" \
    "$CRUNLOCAL" pull -q "$BREG/big")
  pm=$(median_time "$RUNS" "podman --root $b/pm/root --runroot $b/pm/run rmi -af >/dev/null 2>&1; rm -rf $b/pm" \
    podman --root "$b/pm/root" --runroot "$b/pm/run" --storage-driver overlay pull -q --tls-verify=false "$BREG/big")
  su=$(median_time "$RUNS" "rm -rf $b/su" sh -c "mkdir -p $b/su && skopeo copy -q --src-tls-verify=false docker://$BREG/big oci:$b/su/oci:big && umoci raw unpack --rootless --image $b/su/oci:big $b/su/rootfs")
  printf '%-8s crunlocal %6ss   podman %6ss (%sx)   skopeo+umoci %6ss (%sx)\n' "$2" "$cl" "$pm" \
    "$(ratio "$cl" "$pm")" "$su" "$(ratio "$cl" "$su")"
}

# Static vs dynamic crunlocal, on tmpfs, RUNS*2 turns each.
static_vs_dynamic () {
  b=$T/sd
  python3 "$TOP/bench/turns.py" --before "rm -rf $b/{name}" $((RUNS * 2)) \
    "static=env CRUNLOCAL_ROOT=$b/static/root CRUNLOCAL_RUNROOT=$b/static/run $TOP/static/crunlocal pull -q $BREG/big" \
    "dynamic=env CRUNLOCAL_ROOT=$b/dynamic/root CRUNLOCAL_RUNROOT=$b/dynamic/run $CRUNLOCAL pull -q $BREG/big" \
    >"$T/times"
  st=$(awk '$1 == "static" {print $2}' "$T/times")
  dy=$(awk '$1 == "dynamic" {print $2}' "$T/times")
  rm -rf "$b"
  printf 'static vs dynamic crunlocal (tmpfs, median of %s runs taking turns): static %ss   dynamic %ss (%sx)\n' \
    $((RUNS * 2)) "$st" "$dy" "$(echo "scale=3; $st / $dy" | bc)"
}

echo "pull of $BREG/big ($(du -sh "$T/storage" | cut -f1) in the registry), median of $RUNS runs; (Nx) = crunlocal's time / theirs"
case ${WHERE:-tmpfs,disk} in *tmpfs*) measure "$T/tmpfs" tmpfs ;; esac
case ${WHERE:-tmpfs,disk} in
  *disk*) mkdir -p /var/tmp/crunlocal-bench-disk && measure /var/tmp/crunlocal-bench-disk disk ;;
esac
[ ! -x "$TOP/static/crunlocal" ] || static_vs_dynamic
