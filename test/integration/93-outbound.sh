# Rootless outbound with no helper binary (netsup.c): connect() and
# sendto() of a rootless private container go out through host sockets
# swapped in by the supervisor, as real unprivileged users with and
# without a subordinate range.  It all runs inside `unshare -n` standing
# in for the host, with an "upstream" namespace behind a veth; the
# host's own 127.0.0.1 must stay out of reach unless opted in.
. "$TOP/test/lib.sh"
BB=$REG/busybox
until_ok () { for _ in $(seq 1 100); do "$@" && return 0; sleep 0.1; done; return 1; }

if [ "${NET_INNER:-}" = rootless ]; then
  RC=0 ERR=
  ip link set lo up
  unshare -n sleep 1000 &
  up=$!
  until_ok [ "$(readlink /proc/$up/ns/net)" != "$(readlink /proc/self/ns/net)" ]
  ip link add up0 type veth peer name up1 netns "$up"
  ip addr add 198.51.100.1/24 dev up0 && ip link set up0 up
  # netattack's "nobody" (.99) must time out, not fail ARP first (3 probes
  # 1 s apart: EHOSTUNREACH after 3 s, close to the 1 s timeout on a
  # loaded machine): probes 10 s apart, in this namespace of the test's.
  echo 10000 >/proc/sys/net/ipv4/neigh/up0/retrans_time_ms
  nsenter -t "$up" -n sh -c 'ip link set lo up; ip addr add 198.51.100.2/24 dev up1; ip link set up1 up; ip route add default via 198.51.100.1'
  for d in upstream hostaddr hostlo; do mkdir -p "$T/srv-$d" && echo "hello-from-$d" >"$T/srv-$d/index.html"; done
  chmod -R a+rX "$T"/srv-*
  nsenter -t "$up" -n busybox httpd -f -p 198.51.100.2:9000 -h "$T/srv-upstream" &
  s1=$!
  busybox httpd -f -p 198.51.100.1:9001 -h "$T/srv-hostaddr" &
  s2=$!
  busybox httpd -f -p 127.0.0.1:9002 -h "$T/srv-hostlo" &
  s3=$!
  python3 "$TOP/test/tools/dnsd.py" 198.51.100.1 53 10.9.8.7 &
  s4=$!
  # A UDP counter on the host's loopback, for the attacks.
  python3 -c 'import socket,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 9003))
while True:
    d, a = s.recvfrom(100); open(sys.argv[1], "a").write("got %r\n" % d)' "$T/udp-hits" &
  s5=$!
  # An upstream that accepts whatever comes at once, for the race.
  nsenter -t "$up" -n python3 -c 'import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.51.100.2", 9004)); s.listen(4096)
while True:
    c, a = s.accept(); c.close()' &
  s6=$!
  trap 'kill $s1 $s2 $s3 $s4 $s5 $s6 $up 2>/dev/null' EXIT
  until_ok busybox nslookup ready.test 198.51.100.1 >/dev/null 2>&1
  : >"$T/udp-hits"
  chmod 755 "$T/netattack"

  for who in crltest crlnosub; do
    X="as_user $who"
    out=$($X "$CL" run --rm "$BB" sh -c 'wget -qO- http://198.51.100.2:9000/; wget -qO- http://198.51.100.1:9001/' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
    expect "[$who] the default network reaches an upstream server and one on a host address (connect)" [ "$RC" = 0 -a "$(echo $out)" = "hello-from-upstream hello-from-hostaddr" ]
    out=$($X "$CL" run --rm --dns 198.51.100.1 -v /usr/bin/busybox:/busybox:ro "$BB" /busybox nslookup www.example.test 2>&1); RC=$?; ERR=$out
    expect "[$who] a name resolves through a DNS server given with --dns (UDP)" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q 'Address: 10.9.8.7'" _ "$out"
    out=$($X "$CL" run --rm "$BB" sh -c 'wget -qO- http://127.0.0.1:9002/ || echo no-lo; wget -qO- http://10.0.2.2:9002/ || echo no-gw; wget -qO- http://0.0.0.0:9002/ || echo no-any' 2>&1); ERR=$out
    expect "[$who] the host's 127.0.0.1 is out of reach: not as 127.0.0.1, the gateway or 0.0.0.0" [ "$(printf '%s\n' "$out" | grep -c '^no-')" = 3 ]
    out=$($X "$CL" run --rm --network private:allow_host_loopback=true "$BB" sh -c 'wget -qO- http://host.containers.internal:9002/' 2>&1); RC=$?; ERR=$out
    expect "[$who] allow_host_loopback=true: host.containers.internal is the host's 127.0.0.1" [ "$RC" = 0 -a "$out" = hello-from-hostlo ]
    out=$($X "$CL" run --rm -v "$T/netattack:/netattack:ro" "$BB" /netattack 198.51.100.2 9000 9002 9003 9004 2>&1); RC=$?; ERR=$out
    expect "[$who] attacks: a host UDP socket re-aimed at 127.0.0.1, TCP to 127.0.0.1 and 0.0.0.0, an address swapped mid-call: none reaches the host's loopback, and a host socket connects only to the address checked" sh -c "[ $RC = 0 ] && printf '%s\n' \"\$1\" | grep -qx 'udp-out sent' && printf '%s\n' \"\$1\" | grep -qx 'swap checked' && ! printf '%s' \"\$1\" | grep -q reached && [ \$(printf '%s\n' \"\$1\" | grep -c refused) = 3 ] && sleep 0.5 && [ ! -s '$T/udp-hits' ]" _ "$out"
    expect "[$who] a blocking connect that waits (SO_SNDTIMEO 1 s, nobody answers) ends in EINPROGRESS as without the filter, and holds up no other connect meanwhile" sh -c "printf '%s\n' \"\$1\" | grep -qx 'beside-a-waiting-connect connected' && printf '%s\n' \"\$1\" | grep -qx 'waiting-connect timed out (EINPROGRESS)'" _ "$out"
    out=$($X "$CL" run --rm --network private "$BB" sh -c 'ping -c1 -W1 198.51.100.2 >/dev/null 2>&1 && echo pinged; echo done' 2>&1)
    expect "[$who] ICMP is not carried (documented): ping gets no answer" [ "$out" = done ]
    $X "$CL" run -d --name ob "$BB" sleep 100 >/dev/null 2>"$T/err"
    out=$($X "$CL" exec ob sh -c 'wget -qO- http://198.51.100.2:9000/' 2>&1); RC=$?; ERR=$out
    expect "[$who] exec has outbound too" [ "$RC" = 0 -a "$out" = hello-from-upstream ]
    $X "$CL" exec ob sh -c '(nc -l -p 80 -e echo hi </dev/null >/dev/null 2>&1 &); sleep 0.3' >/dev/null 2>&1
    inside=$($X "$CL" exec ob sh -c 'netstat -tln 2>/dev/null | grep -c ":80 "')
    expect "[$who] a server on port 80 inside (the container may bind it there) is bound nowhere on the host, nor reachable from it" sh -c "[ '$inside' = 1 ] && ! ss -Htln | grep -q ':80 ' && ! curl -s --max-time 2 -o /dev/null http://10.0.2.100:80/"
    $X "$CL" rm -f ob >/dev/null 2>&1
  done
  exit 0
fi

cc -static -pthread -O1 -o "$T/netattack" "$TOP/test/tools/netattack.c" || not_ok "netattack builds"
for who in crltest crlnosub; do
  for _ in 1 2 3; do as_user "$who" "$CL" pull -q "$BB" >/dev/null && break; sleep 1; done
done
NET_INNER=rootless unshare -n sh "$0"
