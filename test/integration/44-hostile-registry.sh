# A hostile registry (test/tools/hostilereg.py on 127.0.0.1): endless,
# huge, short and slow bodies, a 401 whatever the credentials, indexes of
# indexes, too many layers, blobs longer than their descriptors, a
# decompression bomb.  Each pull ends, soon, with one line and exit 125,
# and leaves the store clean: no layer, image or staging.
. "$TOP/test/lib.sh"

H=$T/hostile-registry
mkdir -p "$H"
# 128 MiB of zeros in a tar, through zstd: some KiB on the wire.
python3 -c '
import sys, tarfile
class Zeros:
    def read(self, n): return b"\0" * n
t = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.PAX_FORMAT)
i = tarfile.TarInfo("zeros"); i.size = 128 << 20; i.mtime = 1700000000
t.addfile(i, Zeros()); t.close()' >"$H/bomb.tar"
zstd -q -3 -f -o "$H/bomb.tar.zst" "$H/bomb.tar"
diff_id=sha256:$(sha256sum "$H/bomb.tar" | cut -c1-64)
rm -f "$H/bomb.tar"
python3 "$TOP/test/tools/hostilereg.py" "$H/port" "$H/bomb.tar.zst" "$diff_id" 2>"$H/requests.log" &
echo $! >>"$T/pids"
for _ in $(seq 1 100); do [ -s "$H/port" ] && break; sleep 0.1; done
HR=127.0.0.1:$(cat "$H/port")

# A stall (under 1 KiB/s) ends a transfer after this many seconds.
export CRUNLOCAL_STALL_TIMEOUT=2
pull_bounded () { # REPO [FLAGS...]: pull under a deadline, timing it
  r=$1; shift
  start=$(date +%s)
  timeout -k 5 60 "$CL" pull -q "$@" "$HR/$r" >"$T/out" 2>"$T/err"
  RC=$?
  SECS=$(($(date +%s) - start))
  OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
}
fails_with () { [ "$RC" = 125 ] && [ "$(lines "$ERR")" = 1 ] && printf '%s' "$ERR" | grep -q "$1"; }
store_clean () {
  "$CL" store check >/dev/null 2>&1 && [ -z "$(ls -A "$CRUNLOCAL_ROOT/tmp")" ] &&
    [ "$(layer_count)" = 0 ] && [ -z "$(ls -A "$CRUNLOCAL_ROOT/images")" ]
}

while read -r repo secs pattern; do
  fresh_store
  pull_bounded "$repo"
  expect "hostile registry ($repo): one line, exit 125, naming it" fails_with "$pattern"
  expect "hostile registry ($repo): over in under $secs s" [ "$SECS" -lt "$secs" ]
  expect "hostile registry ($repo): the store is clean" store_clean
  case $repo in *-config)
    expect "hostile registry ($repo): no config blob kept" [ -z "$(ls -A "$CRUNLOCAL_ROOT/blobs/sha256")" ] ;;
  esac
done <<'CASES'
huge-manifest 10 the response is larger than 4194304 bytes (the limit)
endless-manifest 10 the response is larger than 4194304 bytes (the limit)
short-manifest 20 partial file
slow-manifest 10 the registry stalled (under 1024 bytes/s for 2 s)
silent 10 the registry stalled
unauthorized 10 access to latest denied
index-of-index 10 is itself an index
self-index 10 manifest digest mismatch
many-layers 10 too many layers (1001, at most 1000)
big-config 10 9437184 bytes, at most 8388608
long-config 10 larger than the 64 bytes its descriptor says
long-blob 10 larger than the 1024 bytes its descriptor says
bomb 10 decompresses to more than 2000 times its compressed size
CASES

asked () { grep -c 'GET /v2/unauthorized/manifests/latest' "$H/requests.log"; }
before=$(asked)
fresh_store
pull_bounded unauthorized --creds user:pass
expect "a 401 whatever the credentials ends with one line" fails_with "access to latest denied"
expect "the 401 loop asked for the manifest at most twice" [ $(($(asked) - before)) -le 2 ]
