# The runtime protects itself: a setuid or setgid crunlocal refuses to run,
# and a store or run directory that another user owns, or that anybody may
# write in, is refused with the reason (and left as it was).
. "$TOP/test/lib.sh"

D=$T/ownership
mkdir -p "$D" && chmod 755 "$D"
one_line () { [ "$RC" = 125 ] && [ "$(lines "$ERR")" = 1 ] && printf '%s' "$ERR" | grep -q "$1"; }

# A setuid-root copy, run by crltest: it would run as root with the
# user's environment.  /dev/shm honours setuid bits here.
cp "$CL" "$D/cl-suid" && chown root:root "$D/cl-suid" && chmod 4755 "$D/cl-suid"
run_cl_as () { # USER BINARY ARGS...: as run_cl, as USER
  u=$1; shift
  as_user "$u" "$@" >"$T/out" 2>"$T/err"
  RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
}
run_cl_as crltest "$D/cl-suid" images -q
expect "a setuid crunlocal refuses to run, one line naming why" one_line "refusing to run setuid"
expect "and it made no store for the user" [ ! -e "$T/users/crltest/root" ]
cp "$CL" "$D/cl-sgid" && chown root:root "$D/cl-sgid" && chmod 2755 "$D/cl-sgid"
run_cl_as crltest "$D/cl-sgid" images -q
expect "a setgid crunlocal refuses to run" one_line "refusing to run setuid, setgid"
run_cl_as crltest "$CL" images -q
expect "the same binary mode 0755 runs for the user" [ "$RC" = 0 ]

# A store or run directory that anybody may write in.
fresh_store
mkdir -p "$CRUNLOCAL_ROOT" && chmod 0777 "$CRUNLOCAL_ROOT"
run_cl images -q
expect "a world-writable store is refused, naming it" one_line "$CRUNLOCAL_ROOT is world-writable"
expect "and left as it was (no blobs, mode kept)" \
  [ ! -e "$CRUNLOCAL_ROOT/blobs" -a "$(stat -c %a "$CRUNLOCAL_ROOT")" = 777 ]
fresh_store
mkdir -p "$CRUNLOCAL_RUNROOT" && chmod 1777 "$CRUNLOCAL_RUNROOT"
run_cl images -q
expect "a world-writable run directory is refused, even sticky" one_line "$CRUNLOCAL_RUNROOT is world-writable"

# A store or run directory another user owns.
fresh_store
mkdir -p "$CRUNLOCAL_ROOT" && chown crltest "$CRUNLOCAL_ROOT"
run_cl images -q
expect "a store owned by another user is refused, naming the owner" one_line "belongs to uid $(id -u crltest)"
fresh_store
mkdir -p "$CRUNLOCAL_RUNROOT" && chown crltest "$CRUNLOCAL_RUNROOT"
run_cl images -q
expect "a run directory owned by another user is refused" one_line "belongs to uid $(id -u crltest)"
fresh_store
run_cl images -q
expect "a fresh store of the caller's own works" [ "$RC" = 0 ]
