# Sourced by every integration test file.  Results are appended to
# $T/counts ("pass"/"fail" per test); check.sh sums them.
set -u
: "${T:?run through test/check.sh}"
CL=${CRUNLOCAL:?}
. "$TOP/test/registry.sh"

ok () { echo "ok - $1"; echo pass >>"$T/counts"; }
not_ok () {
  echo "not ok - $1"
  shift
  for l in "$@"; do printf '#   %s\n' "$l"; done
  echo fail >>"$T/counts"
}

# A fresh, empty store on tmpfs for one test.
fresh_store () {
  d=$(mktemp -d "$T/store.XXXXXX")
  export CRUNLOCAL_ROOT="$d/root" CRUNLOCAL_RUNROOT="$d/run"
}

# Processes named crunlocal that belong to this store (other suites may
# run on the same machine at the same time).
store_procs () {
  for p in $(pgrep -x crunlocal); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "CRUNLOCAL_ROOT=$CRUNLOCAL_ROOT" && echo "$p"
  done
  return 0
}

# The crunlocal a background job started: the job itself, or, when the
# job is a subshell (as_user is a function), its crunlocal child.
cl_pid () {
  if [ "$(cat "/proc/$1/comm" 2>/dev/null)" = crunlocal ]; then echo "$1"; else pgrep -x crunlocal -P "$1" | head -n 1; fi
}

# Run crunlocal capturing stdout, stderr and status in OUT, ERR, RC.
run_cl () {
  "$CL" "$@" >"$T/out" 2>"$T/err"
  RC=$?
  OUT=$(cat "$T/out")
  ERR=$(cat "$T/err")
}

# expect NAME CONDITION-COMMAND... : pass when the command succeeds.
expect () {
  name=$1
  shift
  if "$@"; then ok "$name"; else not_ok "$name" "failed: $*" "rc=$RC stderr: $ERR"; fi
}

# podman with a vfs store of its own under $1 and a short runroot (podman
# refuses one over 50 characters, as the static pass's $T makes): sets P
# and PRUN; `rm -rf "$PRUN"` when done.
podman_own () {
  PRUN=$(mktemp -d /dev/shm/clp.XXXXXX)
  P="podman --root $1/root --runroot $PRUN --storage-driver vfs"
}
lines () { printf '%s\n' "$1" | grep -c . ; }
id_of () { jq -r --arg k "$1" '.[$k]' "$T/images/ids.json"; }
layer_count () { find "$CRUNLOCAL_ROOT/layers" -mindepth 1 -maxdepth 1 | wc -l; }

# As an unprivileged user: as_user USER cmd...
as_user () {
  u=$1
  shift
  env -i PATH="$PATH" HOME="/home/$u" USER="$u" T="$T" \
    CRUNLOCAL_ROOT="$T/users/$u/root" CRUNLOCAL_RUNROOT="$T/users/$u/run" \
    setpriv --reuid="$u" --regid="$u" --init-groups "$@"
}
