#!/bin/sh
# `make demo`: the main job end to end from a local image, no network: build
# a busybox image as an OCI layout, pull it into a throwaway store, run a
# container from it.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
D=$(mktemp -d /dev/shm/crunlocal-demo.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$D"' EXIT
export CRUNLOCAL_ROOT="$D/store" CRUNLOCAL_RUNROOT="$D/run"
python3 "$TOP/test/tools/mkimages.py" --out "$D/images"
echo "\$ crunlocal pull oci:$D/images/layout:v1"
"$TOP/crunlocal" pull "oci:$D/images/layout:v1"
echo "\$ crunlocal images"
"$TOP/crunlocal" images
echo "\$ crunlocal run --rm localhost/layout:v1 sh -c 'echo hello from \$(hostname), pid \$\$, uid \$(id -u)'"
"$TOP/crunlocal" run --rm localhost/layout:v1 sh -c 'echo hello from $(hostname), pid $$, uid $(id -u)'
echo "\$ crunlocal store check"
"$TOP/crunlocal" store check
