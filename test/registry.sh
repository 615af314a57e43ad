# Sourced by check.sh: start the test registries on free 127.0.0.1 ports,
# all serving the same storage: anonymous HTTP, basic auth, TLS, and
# bearer tokens from test/tools/tokenserver.py.  Stopped by PID at exit.
free_port () {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

registry_config () { # NAME PORT STORAGE EXTRA-YAML
  cat >"$T/reg-$1.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $3
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$2
$4
YML
}

start_registry () { # NAME PORT STORAGE EXTRA-YAML SCHEME
  registry_config "$1" "$2" "$3" "$4"
  docker-registry serve "$T/reg-$1.yml" >"$T/reg-$1.log" 2>&1 &
  echo $! >>"$T/pids"
  for _ in $(seq 1 100); do
    if curl -sk -o /dev/null "$5://127.0.0.1:$2/v2/"; then return 0; fi
    sleep 0.1
  done
  echo "registry $1 did not start:" >&2
  cat "$T/reg-$1.log" >&2
  return 1
}

make_certs () {
  c=$T/certs
  mkdir -p "$c/ca"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=crunlocal-test-ca \
    -keyout "$c/ca.key" -out "$c/ca/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$c/server.key" \
    -out "$c/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$c/san.ext"
  openssl x509 -req -in "$c/server.csr" -CA "$c/ca/ca.crt" -CAkey "$c/ca.key" \
    -CAcreateserial -days 2 -extfile "$c/san.ext" -out "$c/server.crt" 2>/dev/null
  # The token signer: a self-signed certificate the registry trusts.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=token-signer \
    -keyout "$c/token.key" -out "$c/token.crt" 2>/dev/null
}

start_registries () {
  storage=$T/storage
  mkdir -p "$storage"
  make_certs
  htpasswd -Bbn testuser testpass >"$T/htpasswd"
  P_ANON=$(free_port); P_BASIC=$(free_port); P_TLS=$(free_port)
  P_TOKEN=$(free_port); P_ISSUER=$(free_port); P_TAMPER=$(free_port)
  start_registry anon "$P_ANON" "$storage" "" http || return 1
  start_registry basic "$P_BASIC" "$storage" "auth:
  htpasswd:
    realm: crunlocal-test
    path: $T/htpasswd" http || return 1
  start_registry tls "$P_TLS" "$storage" "  tls:
    certificate: $T/certs/server.crt
    key: $T/certs/server.key" https || return 1
  python3 "$TOP/test/tools/tokenserver.py" "$P_ISSUER" "$T/certs/token.key" \
    "$T/certs/token.crt" testuser:testpass crunlocal-test-issuer >"$T/issuer.log" 2>&1 &
  echo $! >>"$T/pids"
  start_registry token "$P_TOKEN" "$storage" "auth:
  token:
    realm: http://127.0.0.1:$P_ISSUER/token
    service: crunlocal-test-registry
    issuer: crunlocal-test-issuer
    rootcertbundle: $T/certs/token.crt" http || return 1
  export REG="127.0.0.1:$P_ANON" REG_BASIC="127.0.0.1:$P_BASIC" \
    REG_TLS="127.0.0.1:$P_TLS" REG_TOKEN="127.0.0.1:$P_TOKEN" \
    P_TAMPER CERT_DIR="$T/certs/ca"
}

stop_registries () {
  [ -f "$T/pids" ] && kill $(cat "$T/pids") 2>/dev/null
  return 0
}
