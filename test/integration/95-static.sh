# The static musl build (make static): no dynamic loader, runs where there
# is no /lib at all, and finds its CAs at run time.  Needs static/crunlocal:
# its absence fails under STATIC=1 (make check, CI) and is one skip line
# otherwise.  The other files run with it too when STATIC=1 (check.sh).
. "$TOP/test/lib.sh"
S=${CRUNLOCAL_STATIC:-$TOP/static/crunlocal}
if [ ! -x "$S" ]; then
  if [ "${STATIC:-0}" = 1 ]; then
    not_ok "static/crunlocal exists (make static)" "missing: $S"
  else
    echo "# skip 95-static.sh: no $S (make static builds it; STATIC=1 requires it)"
  fi
  exit 0
fi
CL=$S
BB=$(id_of busybox)

RC=""; ERR=""
expect "file(1) calls it statically linked" sh -c "file -b \"\$1\" | grep -q 'statically linked'" _ "$S"
ERR=$(ldd "$S" 2>&1)
expect "ldd: not a dynamic executable" sh -c "printf '%s' \"\$1\" | grep -q 'not a dynamic executable'" _ "$ERR"
# Issue 12's budget, and the README states the size.
SIZE=$(stat -c %s "$S")
expect "stripped and under 3 MB ($SIZE bytes)" sh -c "[ $SIZE -lt 3000000 ] && ! file -b \"\$1\" | grep -q 'not stripped'" _ "$S"

# A root with the binary, an image layout and device nodes: no /lib,
# /usr, /etc or shell.  Its own mount so that pivot_root works in it.
R=$T/static-root
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/tmp" "$R/dev" "$R/images"
cp "$S" "$R/bin/crunlocal"
cp -a "$T/images/layout" "$R/images/layout"
for n in null zero full random urandom tty; do : >"$R/dev/$n"; done
in_root () {
  unshare -m sh -c 'R=$1; shift
    mount --bind "$R" "$R" && mount -t proc proc "$R/proc" && mount --rbind /sys "$R/sys" &&
      mount -t tmpfs tmpfs "$R/tmp" || exit 99
    for n in null zero full random urandom tty; do mount --bind "/dev/$n" "$R/dev/$n" || exit 99; done
    exec env -i CRUNLOCAL_ROOT=/tmp/root CRUNLOCAL_RUNROOT=/tmp/run "$(command -v chroot)" "$R" "$@"' \
    _ "$R" "$@" >"$T/out" 2>"$T/err"
  RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
}
expect "the root has no /lib, /lib64 or /usr" [ ! -e "$R/lib" -a ! -e "$R/lib64" -a ! -e "$R/usr" ]
in_root /bin/crunlocal version
expect "crunlocal version in it: mbedTLS and the Debian sources listed" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q '^mbedtls: *Mbed TLS 3\.6' && printf '%s' \"\$1\" | grep -q '^  curl '" _ "$OUT"
in_root /bin/crunlocal run --rm oci:/images/layout:v1 sh -c 'echo hi; ls /'
expect "run --rm of an oci: layout image in it" sh -c "[ $RC = 0 ] && printf '%s\n' \"\$1\" | head -n 1 | grep -qx hi && printf '%s' \"\$1\" | grep -qx bin" _ "$OUT"

# TLS: mbedTLS against the harness's CA, found by each route.  The host's
# bundle is found without help.
unset SSL_CERT_FILE SSL_CERT_DIR
fresh_store
run_cl pull -q --cert-dir "$CERT_DIR" "$REG_TLS/busybox"
expect "TLS pull with --cert-dir" [ "$RC" = 0 -a "$OUT" = "$BB" ]
fresh_store
SSL_CERT_FILE=$CERT_DIR/ca.crt run_cl pull -q "$REG_TLS/busybox"
expect "TLS pull with \$SSL_CERT_FILE" [ "$RC" = 0 -a "$OUT" = "$BB" ]
fresh_store
SSL_CERT_DIR=$CERT_DIR run_cl pull -q "$REG_TLS/busybox"
expect "TLS pull with \$SSL_CERT_DIR" [ "$RC" = 0 -a "$OUT" = "$BB" ]
fresh_store
run_cl pull -q "$REG_TLS/busybox"
expect "an unknown CA is refused (the host's bundle does not hold it)" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'not trusted'" _ "$ERR"
SSL_CERT_FILE=$T/certs/token.crt run_cl pull -q "$REG_TLS/busybox"
expect "an unknown CA is refused (\$SSL_CERT_FILE names another CA)" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'not trusted'" _ "$ERR"
