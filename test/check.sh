#!/bin/sh
# The whole test suite: unit tests (plain and under ASan+UBSan), then the
# integration tests against real registries, real namespaces and real
# users.  Closes with "N passed, N failed"; exits non-zero on any failure.
#   CRUNLOCAL=PATH  the binary the integration tests run (default: ./crunlocal)
#   STATIC=1        run them a second time with static/crunlocal (make check)
#   TEST_ONLY=STR   only the integration files whose name holds STR
set -u
# As root the whole suite runs in a network namespace of its own standing
# in for the host: containers get a network of their own by default, and
# their bridge, addresses and nf_tables table must never reach the host's
# tables.  The registries and every test talk only to 127.0.0.1 here.
if [ "$(id -u)" = 0 ] && [ -z "${CRUNLOCAL_TEST_NETNS:-}" ]; then
  CRUNLOCAL_TEST_NETNS=1 exec unshare -n sh -c 'ip link set lo up && exec sh "$0" "$@"' "$0" "$@"
fi
TOP=$(cd "$(dirname "$0")/.." && pwd)
CRUNLOCAL=${CRUNLOCAL:-$TOP/crunlocal}
CRUNLOCAL_STATIC=$TOP/static/crunlocal
export TOP CRUNLOCAL CRUNLOCAL_STATIC STATIC="${STATIC:-0}"
T=$(mktemp -d /dev/shm/crunlocal-test.XXXXXX)
export T
chmod 755 "$T"
: >"$T/counts"
. "$TOP/test/registry.sh"
trap 'stop_registries; rm -rf "$T"' EXIT INT TERM

unit_counts () { # LOG: add the runner's "unit: N passed, M failed" to counts
  line=$(grep '^unit: ' "$1" | tail -n 1)
  p=$(echo "$line" | sed -n 's/^unit: \([0-9]*\) passed.*/\1/p')
  f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
  if [ -z "$p" ]; then echo "fail" >>"$T/counts"; return; fi
  i=0; while [ "$i" -lt "$p" ]; do echo pass >>"$T/counts"; i=$((i + 1)); done
  i=0; while [ "$i" -lt "${f:-0}" ]; do echo fail >>"$T/counts"; i=$((i + 1)); done
}

echo "# unit tests"
"$TOP/test/unit/unit" >"$T/unit.log" 2>&1; cat "$T/unit.log"; unit_counts "$T/unit.log"
echo "# unit tests under ASan+UBSan"
"$TOP/test/unit/unit-asan" >"$T/asan.log" 2>&1
grep -E '^(not ok|unit:)|ERROR|runtime error' "$T/asan.log"
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error' "$T/asan.log"; then
  echo "not ok - sanitizers clean"; echo fail >>"$T/counts"
else
  echo "ok - sanitizers clean"; echo pass >>"$T/counts"
fi
unit_counts "$T/asan.log"

# Test users: one with subordinate ids, one without.
getent passwd crltest >/dev/null || useradd -m -s /bin/sh crltest
getent passwd crlnosub >/dev/null ||
  useradd -m -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 crlnosub
grep -q '^crltest:' /etc/subuid || echo "crltest:300000:65536" >>/etc/subuid
grep -q '^crltest:' /etc/subgid || echo "crltest:300000:65536" >>/etc/subgid
sed -i '/^crlnosub:/d' /etc/subuid /etc/subgid
user_dirs () { for u in crltest crlnosub; do mkdir -p "$1/users/$u" && chown "$u:$u" "$1/users/$u"; done; }
user_dirs "$T"

# Images are deterministic: build them once per version of the builder
# (the big one takes a while) and keep the registry storage on disk.
echo "# starting registries, building test images"
cache=/var/tmp/crunlocal-test-cache/$(sha256sum "$TOP/test/tools/mkimages.py" | cut -c1-16)
if [ -d "$cache/storage" ]; then
  cp -a "$cache/storage" "$T/storage" && cp -a "$cache/images" "$T/images"
fi
start_registries || { echo "0 passed, 1 failed"; exit 1; }
if [ ! -f "$T/images/ids.json" ]; then
  python3 "$TOP/test/tools/mkimages.py" --registry "http://$REG" --out "$T/images" --big ||
    { echo "0 passed, 1 failed"; exit 1; }
  rm -rf "$cache" && mkdir -p "$cache" && cp -a "$T/storage" "$T/images" "$cache/"
fi

integration () {
  for f in "$TOP"/test/integration/*.sh; do
    if [ -n "${TEST_ONLY:-}" ] && ! echo "$f" | grep -q "$TEST_ONLY"; then continue; fi
    # 95-static.sh tests static/crunlocal whichever binary the pass runs.
    if [ "$1" = again ] && [ "$(basename "$f")" = 95-static.sh ]; then continue; fi
    echo "# $(basename "$f")"
    sh "$f"
  done
}
# The second pass writes in a directory of its own (the files use fixed
# names under $T: cidfiles, bundles, the users' stores) and shares the
# registries, their certificates, the images and the counts.
second_pass () (
  t2=$T/static-pass
  mkdir -p "$t2" && chmod 755 "$t2" && user_dirs "$t2"
  for f in counts pids images certs storage htpasswd; do ln -s "$T/$f" "$t2/$f"; done
  T=$t2 P_TAMPER=$(free_port) CRUNLOCAL=$CRUNLOCAL_STATIC
  export T P_TAMPER CRUNLOCAL
  integration again
)

integration first
if [ "$STATIC" = 1 ] && [ "$CRUNLOCAL" != "$CRUNLOCAL_STATIC" ]; then
  if [ -x "$CRUNLOCAL_STATIC" ]; then
    echo "# the integration tests again, with static/crunlocal"
    second_pass
  else
    echo "not ok - static/crunlocal exists for the second pass (make static)"; echo fail >>"$T/counts"
  fi
fi

passed=$(grep -c '^pass$' "$T/counts")
failed=$(grep -c '^fail$' "$T/counts")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
