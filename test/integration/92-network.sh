# Networks: --network none and private, -p through the forwarder,
# masquerade to an "upstream", leases, as root and as real unprivileged
# users.  Root's tests run inside `unshare -n` standing in for the host:
# the host's own links and nf_tables tables are never changed (checked).
. "$TOP/test/lib.sh"
BB=$REG/busybox
until_ok () { for _ in $(seq 1 100); do "$@" && return 0; sleep 0.1; done; return 1; }
insp () { "$CL" inspect "$1" | jq -r "$2"; }
free_tcp () { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# N downloads of URL, P at a time: prints how many had the file's sum.
downloads () {
  seq 1 "$1" | xargs -P "$2" -I{} sh -c "curl -s --max-time 60 '$3' | sha256sum" | grep -c "^$4 "
}

www=$T/www
if [ ! -f "$www/10m.bin" ]; then
  mkdir -p "$www"
  head -c 10485760 /dev/urandom >"$www/10m.bin"
  echo hello >"$www/index.html"
fi
sum=$(sha256sum <"$www/10m.bin" | cut -d' ' -f1)
chmod -R a+rX "$www"

if [ "${NET_INNER:-}" = root ]; then
  # Here: a fresh network namespace, our "host".
  RC=0 ERR=
  ip link set lo up
  # The upstream: a namespace of its own behind a veth, with no route back
  # to the containers' subnet (only masquerade can reach it).
  unshare -n sleep 1000 &
  up=$!
  until_ok [ "$(readlink /proc/$up/ns/net)" != "$(readlink /proc/self/ns/net)" ]
  ip link add up0 type veth peer name up1 netns "$up"
  ip addr add 198.51.100.1/24 dev up0 && ip link set up0 up
  nsenter -t "$up" -n sh -c 'ip link set lo up; ip addr add 198.51.100.2/24 dev up1; ip link set up1 up'
  mkdir -p "$T/upstream" && echo hello-from-upstream >"$T/upstream/index.html"
  nsenter -t "$up" -n busybox httpd -f -p 198.51.100.2:9000 -h "$T/upstream" &
  upd=$!
  trap 'kill $upd $up 2>/dev/null' EXIT

  out=$("$CL" run --rm --network none "$BB" sh -c 'ip -o link')
  expect "--network none: only lo, and it is UP" sh -c "[ \$(printf '%s\n' \"\$1\" | grep -c .) = 1 ] && printf '%s' \"\$1\" | grep -q '^1: lo: <.*UP'" _ "$out"
  out=$("$CL" run --rm --network private "$BB" sh -c 'ip -o -4 addr show eth0; ip route')
  expect "private: eth0 has an address in 10.90.0.0/16, and a default route via the gateway" sh -c "printf '%s' \"\$1\" | grep -q 'inet 10\.90\.[0-9]*\.[0-9]*/24' && printf '%s' \"\$1\" | grep -q '^default via 10\.90\.[0-9]*\.1 dev eth0'" _ "$out"
  # The bridge snoops no multicast: snooping joins it to 224.0.0.106,
  # whose IGMP report conntrack keeps for 10 minutes, and while this
  # namespace tracks anything each container's exit walks the kernel's
  # whole conntrack table (the masquerade's cleanup of its veth).
  br=$(awk '$1 == "bridge" {print $2}' "$CRUNLOCAL_ROOT/networks/default/config")
  "$CL" run --rm --network private "$BB" true
  sleep 1.2
  expect "private: the bridge does no multicast snooping (no 224.0.0.106), and runs with no traffic leave conntrack empty" sh -c "ip -d link show '$br' | grep -q 'mcast_snooping 0' && ! ip maddr show dev '$br' | grep -q 224.0.0.106 && [ -z \"\$(cat /proc/net/nf_conntrack)\" ]"
  run_cl run --rm --network private "$BB" sh -c "wget -qO- http://198.51.100.2:9000/"
  expect "private: the container reaches the upstream server (masquerade)" [ "$RC" = 0 -a "$OUT" = hello-from-upstream ]
  rules=$(nft list table ip crunlocal)
  expect "nft: table ip crunlocal holds the one masquerade rule" sh -c "[ \$(printf '%s\n' \"\$1\" | grep -c masquerade) = 1 ] && printf '%s' \"\$1\" | grep -q 'ip saddr 10\.90\.[0-9]*\.0/24 ip daddr != 10\.90\.[0-9]*\.0/24 masquerade'" _ "$rules"
  expect "the default subnet is not podman's or docker's" sh -c "! grep -Eq '^(10\.88|172\.17)\.' '$CRUNLOCAL_ROOT/networks/default/config'"

  # -p to busybox httpd (the host's static busybox, bound in).
  run_cl run -d --name web --network private -p 8080:80 -v /usr/bin/busybox:/busybox:ro -v "$www:/www:ro" "$BB" /busybox httpd -f -p 80 -h /www
  expect "run -d -p 8080:80 starts" [ "$RC" = 0 ]
  until_ok curl -sf -o /dev/null http://127.0.0.1:8080/index.html
  # Each end of the veth is made with one queue each way: made with one
  # per CPU, the kernel shrinks it to one and waits for an RCU grace
  # period doing so, on every start.
  wpid=$(insp web .[0].State.Pid)
  expect "private: both ends of the veth are made with one queue each way" sh -c "ip -d link show master '$br' type veth | grep -q 'numtxqueues 1 numrxqueues 1' && nsenter -t $wpid -n ip -d link show eth0 | grep -q 'numtxqueues 1 numrxqueues 1'"
  expect "-p: 127.0.0.1:8080 reaches the container's httpd" [ "$(curl -s http://127.0.0.1:8080/index.html)" = hello ]
  expect "-p: a 10 MiB file arrives intact, also via the host's non-loopback address" sh -c "[ \"\$(curl -s http://127.0.0.1:8080/10m.bin | sha256sum | cut -d' ' -f1)\" = $sum ] && [ \"\$(curl -s http://198.51.100.1:8080/10m.bin | sha256sum | cut -d' ' -f1)\" = $sum ]"
  n=$(downloads 200 50 http://127.0.0.1:8080/10m.bin "$sum")
  expect "-p: 200 downloads of 10 MiB, 50 at a time: 200 intact" [ "$n" = 200 ]
  expect "-p: the container is still Up, ps shows the mapping" sh -c "\"$CL\" ps | grep -q '0\.0\.0\.0:8080->80/tcp *web\$'"
  expect "port web: podman's form, 80/tcp -> 0.0.0.0:8080; port web 80: the host side" sh -c "[ \"\$(\"$CL\" port web)\" = '80/tcp -> 0.0.0.0:8080' ] && [ \"\$(\"$CL\" port web 80)\" = '0.0.0.0:8080' ]"
  expect "inspect: PortBindings 80/tcp on host port 8080" [ "$(insp web '.[0].HostConfig.PortBindings["80/tcp"][0].HostPort')" = 8080 ]
  before=$("$CL" ps -aq | wc -l)
  run_cl run -d --network private -p 8080:80 "$BB" sleep 100
  expect "a busy host port: 125, one line naming it, nothing left in ps -a" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && printf '%s' \"\$1\" | grep -q 'port 8080' && [ \$(\"$CL\" ps -aq | wc -l) = $before ]" _ "$ERR"
  ip1=$("$CL" exec web /busybox ip -o -4 addr show eth0 | awk '{print $4}')
  run_cl run --rm --network private "$BB" sh -c "ip -o -4 addr show eth0 | awk '{print \$4}'; wget -qO- http://${ip1%/*}/index.html"
  expect "two containers on the network: different addresses, one reaches the other" sh -c "[ $RC = 0 ] && [ \"\$(printf '%s\n' \"\$1\" | head -n1)\" != '$ip1' ] && [ \"\$(printf '%s\n' \"\$1\" | tail -n1)\" = hello ]" _ "$OUT"
  fwd=$(pgrep -P "$(insp web .[0].State.ConmonPid)" -x crunlocal-fwd)
  "$CL" rm -f web >/dev/null
  expect "rm: the forwarder ends and the port is free again" until_ok sh -c "[ -n '$fwd' ] && { [ ! -e /proc/$fwd ] || [ \"\$(awk '{print \$3}' /proc/$fwd/stat 2>/dev/null)\" = Z ]; } && ! curl -s -o /dev/null --max-time 1 http://127.0.0.1:8080/"

  # -P: the image's EXPOSE on free host ports.
  run_cl run -d --name pall --network private -P -v /usr/bin/busybox:/busybox:ro -v "$www:/www:ro" "$REG/exposed" /busybox httpd -f -p 80 -h /www
  ports=$("$CL" port pall)
  hp=$(printf '%s\n' "$ports" | sed -n 's|^80/tcp -> 0\.0\.0\.0:\([0-9]*\)$|\1|p')
  until_ok curl -sf -o /dev/null "http://127.0.0.1:$hp/index.html"
  expect "-P: EXPOSE 80/tcp and 5353/udp published on free host ports (port, ps); 80 answers" sh -c "[ $RC = 0 ] && [ \"\$(printf '%s\n' \"\$1\" | wc -l)\" = 2 ] && printf '%s\n' \"\$1\" | grep -q '^5353/udp -> 0\.0\.0\.0:[0-9]*\$' && [ -n '$hp' ] && [ '$hp' != 80 ] && [ \"\$(curl -s http://127.0.0.1:$hp/index.html)\" = hello ] && \"$CL\" ps --format '{{.Ports}}' --filter name=pall | grep -q '0\.0\.0\.0:$hp->80/tcp'" _ "$ports"
  run_cl port pall 81
  expect "port CTR PORT of a port not published: 125, told" sh -c "[ $RC = 125 ] && [ -z '$OUT' ] && printf '%s' \"\$1\" | grep -q 'failed to find published port \"81\"'" _ "$ERR"
  "$CL" rm -f pall >/dev/null

  # UDP: datagrams relayed per client (the echo server runs in the
  # container's namespace from the host's python3: the image has none).
  "$CL" run -d --name udp --network private -p 15353:5353/udp "$BB" sleep 1000 >/dev/null
  nsenter -t "$(insp udp .[0].State.Pid)" -n python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 5353))
while True:
    d, a = s.recvfrom(65536); s.sendto(b"echo:" + d, a)' &
  echo_pid=$!
  until_ok sh -c "nsenter -t $(insp udp .[0].State.Pid) -n ss -Hlun | grep -q ':5353 '"
  out=$(python3 -c 'import socket
for i in range(3):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
    s.sendto(b"ping%d" % i, ("127.0.0.1", 15353)); print(s.recv(100).decode())' 2>&1)
  expect "-p 15353:5353/udp: three clients each get their own reply" [ "$out" = "$(printf 'echo:ping0\necho:ping1\necho:ping2')" ]
  kill "$echo_pid" 2>/dev/null
  "$CL" rm -f udp >/dev/null

  # Names: every member's /etc/hosts lists the others, in place.
  "$CL" run -d --name db --network private "$BB" sleep 1000 >/dev/null
  "$CL" run -d --name peer --network private "$BB" sleep 1000 >/dev/null
  dbip=$("$CL" exec db sh -c 'ip -o -4 addr show eth0' | awk '{print $4}')
  run_cl run --rm --network private "$BB" sh -c 'ping -c1 -W1 db'
  expect "names: a new container reaches db by name (PING db (its address))" sh -c "printf '%s' \"\$1\" | grep -q \"^PING db (${dbip%/*})\"" _ "$OUT"
  run_cl exec peer sh -c 'ping -c1 -W1 db'
  expect "names: a member that started before db resolves it too (its hosts rewritten in place)" sh -c "printf '%s' \"\$1\" | grep -q \"^PING db (${dbip%/*})\"" _ "$OUT"
  "$CL" rm -f db >/dev/null
  run_cl exec peer sh -c 'ping -c1 -W1 db'
  expect "names: after rm db, a running member gets bad address 'db'" sh -c "printf '%s' \"\$1\" | grep -q \"bad address 'db'\"" _ "$ERR"
  "$CL" rm -f peer >/dev/null

  # container:NAME joins web's network namespace.
  "$CL" run -d --name web2 --network private -v /usr/bin/busybox:/busybox:ro -v "$www:/www:ro" "$BB" /busybox httpd -f -p 80 -h /www >/dev/null
  wip=$("$CL" exec web2 sh -c 'ip -o -4 addr show eth0' | awk '{print $4}')
  run_cl run --rm --network container:web2 "$BB" sh -c 'ip -o -4 addr show eth0; wget -qO- http://127.0.0.1/index.html'
  expect "--network container:web2 sees web2's eth0 and its server on 127.0.0.1" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q 'inet $wip' && printf '%s' \"\$1\" | tail -n1 | grep -qx hello" _ "$OUT"
  run_cl run --rm --network container:nosuch "$BB" true
  expect "--network container: of an unknown container: 125, one line" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'container:nosuch: no such container'" _ "$ERR"
  "$CL" rm -f web2 >/dev/null

  # A lease whose container is gone (its monitor killed with -9) is reused.
  run_cl run -d --name lease --network private "$BB" sleep 1000
  a1=$("$CL" exec lease sh -c 'ip -o -4 addr show eth0' | awk '{print $4}')
  kill -9 "$(insp lease .[0].State.ConmonPid)" "$(insp lease .[0].State.Pid)"
  sleep 0.3
  a2=$("$CL" run --rm --network private "$BB" sh -c 'ip -o -4 addr show eth0' | awk '{print $4}')
  expect "a killed monitor's address is free for the next container" sh -c "[ -n '$a1' ] && [ '$a1' = '$a2' ]"
  "$CL" rm -f lease >/dev/null 2>&1

  # Nothing leaks: many runs, and runs killed with -9 at any moment of
  # their set-up (the lease, the veth, the addresses), leave no veth once
  # the kernel has torn their namespaces down, and no live lease: the
  # next container gets the first address.
  vets () { ip -o link show type veth | grep -c ' cl[0-9a-f]\{8\}@' ; }
  for i in $(seq 1 20); do "$CL" run --rm "$BB" true >/dev/null 2>&1; done
  for d in 0 0.005 0.01 0.015 0.02 0.03 0.04 0.05 0.07 0.1 0.15; do
    "$CL" run --name "k9-$d" "$BB" sleep 100 >/dev/null 2>&1 &
    sleep "$d"
    kill -9 $! 2>/dev/null
    wait $! 2>/dev/null
  done
  # A container whose run was killed still runs until its parent-death
  # signal lands; rm -f removes whatever each left.
  "$CL" rm -f $("$CL" ps -aq --filter name=k9-) >/dev/null 2>&1
  until_ok sh -c "[ \$(ip -o link show type veth | grep -c ' cl[0-9a-f]\{8\}@') = 0 ]"
  left=$(vets)
  a3=$("$CL" run --rm "$BB" sh -c 'ip -o -4 addr show eth0' | awk '{print $4}')
  expect "20 runs and 11 runs killed with -9 mid-set-up leave no veth ($left) and no live lease ($a3)" sh -c "[ '$left' = 0 ] && [ '$a3' = '$a1' ]"
  exit 0
fi

# As root, in a namespace of its own standing in for the host.
fresh_store
# Others' tests on this machine may pkill crunlocal: the pull is retried.
for _ in 1 2 3; do "$CL" pull -q "$BB" >/dev/null && break; sleep 1; done
# An image that EXPOSEs 80/tcp and 5353/udp, for -P.
python3 -c '
import json, sys
sys.path.insert(0, sys.argv[1] + "/test/tools")
import mkimages as m
img = m.Image([m.tar_bytes(m.busybox_rootfs())])
cfg = json.loads(img.config)
cfg["config"]["ExposedPorts"] = {"80/tcp": {}, "5353/udp": {}}
cb = json.dumps(cfg, sort_keys=True).encode()
del img.blobs[m.sha(img.config)]
img.blobs[m.sha(cb)] = cb
man = json.loads(img.manifest)
man["config"].update(digest=m.sha(cb), size=len(cb))
img.manifest = json.dumps(man, sort_keys=True).encode()
m.Registry("http://" + sys.argv[2]).push("exposed", "latest", img)' "$TOP" "$REG"
"$CL" pull -q "$REG/exposed" >/dev/null
nft list tables >"$T/nft.before"
ip -o link >"$T/links.before"
NET_INNER=root unshare -n sh "$0"
expect "root: the host's nf_tables tables and links are unchanged" sh -c "nft list tables | diff -q - '$T/nft.before' >/dev/null && ip -o link | sed 's/ link\/.*//' | diff -q - \"\$(sed 's/ link\/.*//' '$T/links.before' >'$T/l'; echo '$T/l')\" >/dev/null"

# Rootless: -p through the same forwarder, and what may not be bound.
for who in crltest crlnosub; do
  for _ in 1 2 3; do as_user "$who" "$CL" pull -q "$BB" >/dev/null && break; sleep 1; done
  RC=0; as_user "$who" "$CL" run --rm --network private -p 80:80 "$BB" true 2>"$T/err" || RC=$?; ERR=$(cat "$T/err")
  expect "[$who] -p 80:80: 125, naming net.ipv4.ip_unprivileged_port_start" sh -c "[ $RC = 125 ] && grep -q net.ipv4.ip_unprivileged_port_start '$T/err'"
  out=$(as_user "$who" "$CL" run --rm --network private "$BB" sh -c 'ip -o link | grep -c "eth0"; ip -o -4 addr show eth0; ip route; ip -o link show lo')
  expect "[$who] private: lo up and a stub eth0 with 10.0.2.100 and a default route" sh -c "printf '%s' \"\$1\" | grep -q 'inet 10\.0\.2\.100/24' && printf '%s' \"\$1\" | grep -q '^default via 10\.0\.2\.2' && printf '%s' \"\$1\" | grep -q 'lo: <.*UP'" _ "$out"
  port=$(free_tcp)
  as_user "$who" "$CL" run -d --name web --network private -p "127.0.0.1:$port:80" -v /usr/bin/busybox:/busybox:ro -v "$www:/www:ro" "$BB" /busybox httpd -f -p 80 -h /www >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
  until_ok curl -sf -o /dev/null "http://127.0.0.1:$port/index.html"
  n=$(downloads 50 25 "http://127.0.0.1:$port/10m.bin" "$sum")
  expect "[$who] -p: 50 downloads of 10 MiB through the forwarder, 25 at a time: 50 intact" [ "$RC" = 0 -a "$n" = 50 ]
  as_user "$who" "$CL" rm -f web >/dev/null 2>&1
done
