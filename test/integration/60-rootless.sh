# Rootless pulls by real unprivileged users: with a subordinate id range
# (files keep the image's owners through the mapping) and without one
# (everything belongs to the user).
. "$TOP/test/lib.sh"

sub_start=$(grep '^crltest:' /etc/subuid | cut -d: -f2)
uid_sub=$(id -u crltest)
uid_nosub=$(id -u crlnosub)

as_user crltest "$CL" pull -q "$REG/busybox" >"$T/out" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "a user with subordinate ids pulls" [ "$RC" = 0 -a "$(cat "$T/out")" = "$(id_of busybox)" ]
L=$(echo "$T"/users/crltest/root/layers/*/diff)
expect "uid 1000 in the image is subuid start + 999 on the host" [ "$(stat -c %u "$L/home/user/owned")" = $((sub_start + 999)) ]
expect "root's files in the image belong to the user on the host" [ "$(stat -c %u "$L/bin/busybox")" = "$uid_sub" ]
expect "the user's store is 0700 and the user's" [ "$(stat -c %a:%u "$T/users/crltest/root")" = "700:$uid_sub" ]
as_user crltest "$CL" pull -q "$REG/whiteout" >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
W=$(as_user crltest "$CL" images --format json | jq -r '.[] | select(.Names[0] | endswith("/whiteout:latest")) | .Layers[1]' | cut -d: -f2)
expect "rootless whiteouts use the user.overlay.opaque xattr" [ "$RC" = 0 -a "$(getfattr --only-values -n user.overlay.opaque "$T/users/crltest/root/layers/$W/diff/d" 2>/dev/null)" = y ]
as_user crltest "$CL" rmi "$REG/busybox" "$REG/whiteout" >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "the user removes images with subordinate-owned files" [ "$RC" = 0 -a -z "$(ls -A "$T/users/crltest/root/layers")" ]
as_user crltest "$CL" store check >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "the user's store checks clean" [ "$RC" = 0 ]

as_user crlnosub "$CL" pull -q "$REG/busybox" >"$T/out" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "a user with no subordinate ids pulls" [ "$RC" = 0 -a "$(cat "$T/out")" = "$(id_of busybox)" ]
L=$(echo "$T"/users/crlnosub/root/layers/*/diff)
expect "without a range every file is the user's" [ "$(stat -c %u "$L/home/user/owned")" = "$uid_nosub" -a "$(stat -c %u "$L/bin/busybox")" = "$uid_nosub" ]
as_user crlnosub "$CL" store check >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "that store checks clean too" [ "$RC" = 0 ]
