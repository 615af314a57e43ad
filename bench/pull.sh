#!/bin/sh
# Pull the ~400 MB, 5-layer, 35k-file test image from a local registry into
# fresh stores: crunlocal vs podman vs skopeo copy + umoci unpack, median of
# RUNS, with the stores on tmpfs and then on disk (WHERE=tmpfs or disk for
# one).  Prints the ratios.
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

echo "pull of $BREG/big ($(du -sh "$T/storage" | cut -f1) in the registry), median of $RUNS runs; (Nx) = crunlocal's time / theirs"
case ${WHERE:-tmpfs,disk} in *tmpfs*) measure "$T/tmpfs" tmpfs ;; esac
case ${WHERE:-tmpfs,disk} in
  *disk*) mkdir -p /var/tmp/crunlocal-bench-disk && measure /var/tmp/crunlocal-bench-disk disk ;;
esac
