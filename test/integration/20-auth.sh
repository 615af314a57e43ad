# Basic auth, auth files, TLS with the harness's CA, and bearer tokens from
# the harness's token issuer (the flow Docker Hub uses).
. "$TOP/test/lib.sh"
BB=$(id_of busybox)

fresh_store
run_cl pull -q "$REG_BASIC/busybox"
expect "basic auth without credentials: one line, exit 125" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && printf '%s' \"\$1\" | grep -q 'requires authentication'" _ "$ERR"
run_cl pull -q --creds testuser:wrong "$REG_BASIC/busybox"
expect "basic auth with a wrong password fails" [ "$RC" = 125 ]
run_cl pull -q --creds testuser:testpass "$REG_BASIC/busybox"
expect "basic auth with --creds" [ "$RC" = 0 -a "$OUT" = "$BB" ]

fresh_store
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG_BASIC" "$(printf testuser:testpass | base64)" >"$T/auth.json"
REGISTRY_AUTH_FILE="$T/auth.json" run_cl pull -q "$REG_BASIC/busybox"
expect "credentials from \$REGISTRY_AUTH_FILE" [ "$RC" = 0 -a "$OUT" = "$BB" ]
mkdir -p "$T/home/.docker"
printf '{"auths":{"http://%s/v1/":{"auth":"%s"}}}' "$REG_BASIC" "$(printf testuser:testpass | base64)" >"$T/home/.docker/config.json"
HOME="$T/home" run_cl pull -q "$REG_BASIC/busybox"
expect "credentials from ~/.docker/config.json" [ "$RC" = 0 -a "$OUT" = "$BB" ]

fresh_store
run_cl pull -q "$REG_TLS/busybox"
expect "TLS with an unknown CA is refused" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'not trusted'" _ "$ERR"
run_cl pull -q --cert-dir "$CERT_DIR" "$REG_TLS/busybox"
expect "TLS with --cert-dir holding the CA" [ "$RC" = 0 -a "$OUT" = "$BB" ]
fresh_store
run_cl pull -q --tls-verify=false "$REG_TLS/busybox"
expect "TLS with --tls-verify=false" [ "$RC" = 0 -a "$OUT" = "$BB" ]

fresh_store
run_cl pull -q "$REG_TOKEN/busybox"
expect "bearer token, anonymous" [ "$RC" = 0 -a "$OUT" = "$BB" ]
run_cl pull -q "$REG_TOKEN/private/busybox"
expect "bearer token: a private repository is denied anonymously" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -qi 'denied\|authentication'" _ "$ERR"
run_cl pull -q --creds testuser:testpass "$REG_TOKEN/private/busybox"
expect "bearer token with credentials" [ "$RC" = 0 -a "$OUT" = "$BB" ]
run_cl pull -q --creds testuser:nope "$REG_TOKEN/private/busybox"
expect "bearer token with wrong credentials fails" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'authentication to .* failed'" _ "$ERR"
