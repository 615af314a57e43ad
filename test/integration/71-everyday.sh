# What every user hits first inside a container: name resolution
# (/etc/resolv.conf, /etc/hosts, /etc/hostname and their flags), lo up
# with --network none, --privileged, --device, --shm-size, and a
# rootless user without subordinate ids running as a non-root image user.
. "$TOP/test/lib.sh"
BB=$REG/busybox
HOSTBB=$(command -v busybox)

# A DNS responder on 127.0.0.1:53 that answers every A query with 10.9.8.7.
python3 "$TOP/test/tools/dnsd.py" 127.0.0.1 53 10.9.8.7 &
dnsd=$!
trap 'kill $dnsd 2>/dev/null' EXIT
for _ in $(seq 1 100); do busybox nslookup ready.test 127.0.0.1 >/dev/null 2>&1 && break; sleep 0.1; done
host_ns=$(grep '^nameserver' /etc/resolv.conf | head -n 1)

for who in root crltest crlnosub; do
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; fi
  out=$($X "$CL" run --rm --hostname box7 --add-host db:10.1.2.3 "$BB" sh -c 'cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; cat /etc/hostname' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "[$who] /etc/resolv.conf has the host's nameserver" sh -c "[ $RC = 0 ] && printf '%s\n' \"\$1\" | grep -qx '$host_ns'" _ "$out"
  expect "[$who] /etc/hosts has localhost, the hostname and --add-host" sh -c "printf '%s\n' \"\$1\" | grep -q '^127.0.0.1.*localhost' && printf '%s\n' \"\$1\" | grep -q '^::1.*localhost' && printf '%s\n' \"\$1\" | grep -q 'box7' && printf '%s\n' \"\$1\" | grep -qx '10.1.2.3	db'" _ "$out"
  expect "[$who] /etc/hostname is the hostname" sh -c "[ \"\$(printf '%s\n' \"\$1\" | tail -n 1)\" = box7 ]" _ "$out"
  out=$($X "$CL" run --rm --network host -v "$HOSTBB:/busybox:ro" --dns 127.0.0.1 --dns-search example.test --dns-option ndots:2 "$BB" sh -c 'cat /etc/resolv.conf; /busybox nslookup www.example.test' 2>&1); RC=$?
  expect "[$who] --dns: a name resolves through the given server" sh -c "[ $RC = 0 ] && printf '%s\n' \"\$1\" | grep -q 'Address: 10.9.8.7'" _ "$out"
  expect "[$who] --dns, --dns-search, --dns-option replace the host's lines" sh -c "printf '%s\n' \"\$1\" | grep -qx 'nameserver 127.0.0.1' && ! printf '%s\n' \"\$1\" | grep -qx '$host_ns' && printf '%s\n' \"\$1\" | grep -qx 'search example.test' && printf '%s\n' \"\$1\" | grep -qx 'options ndots:2'" _ "$out"
  # Detached, and exec into it: the same files.
  $X "$CL" run -d --name dns-$who --add-host cache:10.4.4.4 "$BB" sleep 100 >/dev/null 2>"$T/err"
  out=$($X "$CL" exec dns-$who sh -c 'grep cache /etc/hosts; grep -c nameserver /etc/resolv.conf' 2>&1)
  expect "[$who] exec into a detached container sees its hosts and resolv.conf" sh -c "printf '%s\n' \"\$1\" | grep -qx '10.4.4.4	cache' && [ \"\$(printf '%s\n' \"\$1\" | tail -n 1)\" -ge 1 ]" _ "$out"
  $X "$CL" rm -f dns-$who >/dev/null 2>&1
  # --network none: lo is up and 127.0.0.1 answers.
  out=$($X "$CL" run --rm --network none -v "$HOSTBB:/busybox:ro" "$BB" sh -c 'cat /sys/class/net/lo/flags; (/busybox nc -l -p 7777 -e /busybox echo pong &); sleep 0.3; /busybox nc 127.0.0.1 7777 </dev/null' 2>&1)
  expect "[$who] --network none: lo is UP and 127.0.0.1 is reachable" sh -c "printf '%s\n' \"\$1\" | head -n 1 | grep -q '^0x9' && printf '%s\n' \"\$1\" | grep -qx pong" _ "$out"
  # --shm-size, --device.
  out=$($X "$CL" run --rm --shm-size 1m --device /dev/zero:/dev/myzero "$BB" sh -c 'grep " /dev/shm " /proc/mounts; head -c 5 /dev/myzero | wc -c' 2>&1)
  expect "[$who] --shm-size sizes /dev/shm; --device binds a host device" sh -c "printf '%s\n' \"\$1\" | grep -q 'size=1024k' && [ \"\$(printf '%s\n' \"\$1\" | tail -n 1)\" = 5 ]" _ "$out"
  # Not root inside: -u (or an image's USER) of a non-root id.
  out=$($X "$CL" run --rm -u 1000:1000 "$BB" sh -c 'id -u; id -g; touch /tmp/x && echo wrote' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "[$who] -u 1000 runs as uid 1000 (rootless without a range too)" sh -c "[ $RC = 0 ] && [ \"\$(echo \$1)\" = '1000 1000 wrote' ]" _ "$out"
done

fresh_store
"$CL" run --rm --no-hosts --add-host a:1.2.3.4 "$BB" true 2>"$T/err"; RC=$?
expect "--no-hosts with --add-host is refused (125)" sh -c "[ $RC = 125 ] && grep -q 'conflict' \"$T/err\""
"$CL" run --rm --add-host nocolon "$BB" true 2>"$T/err"; RC=$?
expect "--add-host without :IP is refused with one line (125)" sh -c "[ $RC = 125 ] && [ \$(wc -l <\"$T/err\") = 1 ]"
"$CL" run --rm --dns not-an-ip "$BB" true 2>"$T/err"; RC=$?
expect "--dns of something not an address is refused (125)" [ "$RC" = 125 ]
out=$("$CL" run --rm --no-hosts "$BB" sh -c 'grep -c "^/etc/hosts\| /etc/hosts " /proc/self/mountinfo; test -e /etc/resolv.conf && echo resolv' 2>&1)
expect "--no-hosts: /etc/hosts is not bound (resolv.conf still is)" sh -c "printf '%s\n' \"\$1\" | head -n 1 | grep -qx 0 && printf '%s\n' \"\$1\" | grep -qx resolv" _ "$out"
ls "$CRUNLOCAL_ROOT"/layers/*/diff/etc/resolv.conf >/dev/null 2>&1; RC=$?
expect "the generated files never land in the image's layers" [ "$RC" != 0 ]
out=$("$CL" run --rm --privileged "$BB" sh -c 'grep CapEff /proc/self/status; test -e /dev/loop-control && echo devs; wc -c </proc/keys; grep " /sys " /proc/mounts' 2>&1)
bnd=$(sed -n 's/^CapBnd:.//p' /proc/self/status)
expect "--privileged: every capability we have, the host's devices, no masked paths, /sys rw" sh -c "printf '%s\n' \"\$1\" | grep -q 'CapEff:.$bnd' && printf '%s\n' \"\$1\" | grep -qx devs && printf '%s\n' \"\$1\" | grep ' /sys ' | grep -q ' rw,'" _ "$out"
out=$(TERM=xterm "$CL" run --rm --privileged -t "$BB" tty </dev/null 2>&1)
expect "--privileged -t: the terminal is the container's own pts" sh -c "printf '%s' \"\$1\" | grep -q '^/dev/pts/0'" _ "$out"
printf 'team=web\n# comment\ntier=front\n' >"$T/labels"
"$CL" run --name labelled --label app=shop --label-file "$T/labels" "$BB" true 2>/dev/null
expect "--label and --label-file reach inspect's Config.Labels" [ "$("$CL" inspect -f '{{index .Config.Labels "app"}} {{index .Config.Labels "tier"}}' labelled)" = "shop front" ]
expect "ps --filter label= finds it" [ "$("$CL" ps -a --filter label=team=web --format '{{.Names}}')" = labelled ]
"$CL" rm -f labelled >/dev/null 2>&1
