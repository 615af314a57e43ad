# Named bridge networks (root): network create/ls/inspect/rm, names and
# --network-alias between members, isolation between networks, --ip,
# and what is refused.  Root's tests run inside `unshare -n` standing in
# for the host: the host's links and nf_tables tables are never changed
# (checked).  Rootless: refused with one line.
. "$TOP/test/lib.sh"
BB=$REG/busybox
until_ok () { for _ in $(seq 1 100); do "$@" && return 0; sleep 0.1; done; return 1; }
insp () { "$CL" inspect "$1" | jq -r "$2"; }
addr_of () { "$CL" exec "$1" sh -c 'ip -o -4 addr show eth0' | awk '{print $4}' | cut -d/ -f1; }
one_line () { [ "$(printf '%s\n' "$1" | grep -c .)" = 1 ]; }

if [ "${NET_INNER:-}" = root ]; then
  RC=0 ERR=
  ip link set lo up
  www=$T/nets-www
  mkdir -p "$www" && echo hello-a1 >"$www/index.html"

  # create / ls / inspect
  run_cl network create --label team=blue neta
  expect "network create neta: prints its name" [ "$RC" = 0 -a "$OUT" = neta ]
  run_cl network create --subnet 10.123.0.0/24 --gateway 10.123.0.254 netb
  expect "network create --subnet --gateway netb" [ "$RC" = 0 -a "$OUT" = netb ]
  run_cl network ls
  expect "network ls: NETWORK ID NAME DRIVER, the default crunlocal first, then neta and netb" sh -c "printf '%s\n' \"\$1\" | head -n1 | grep -q '^NETWORK ID *NAME *DRIVER\$' && [ \"\$(printf '%s\n' \"\$1\" | awk 'NR>1{print \$2\"/\"\$3}' | tr '\n' ' ')\" = 'crunlocal/bridge neta/bridge netb/bridge ' ]" _ "$OUT"
  expect "network ls -q: the names" [ "$("$CL" network ls -q | tr '\n' ' ')" = "crunlocal neta netb " ]
  j=$("$CL" network inspect neta netb)
  expect "network inspect: podman's fields (name, driver, network_interface, subnets with gateway, labels)" sh -c "
    [ \"\$(printf '%s' \"\$1\" | jq -r '.[1].subnets[0].subnet + \" \" + .[1].subnets[0].gateway')\" = '10.123.0.0/24 10.123.0.254' ] &&
    [ \"\$(printf '%s' \"\$1\" | jq -r '.[0].name + \" \" + .[0].driver + \" \" + .[0].labels.team')\" = 'neta bridge blue' ] &&
    printf '%s' \"\$1\" | jq -r '.[0].network_interface' | grep -q '^crunlocal[0-9]*\$' &&
    [ \"\$(printf '%s' \"\$1\" | jq -r '.[0].id | length')\" = 64 ]" _ "$j"
  suba=$(printf '%s' "$j" | jq -r '.[0].subnets[0].subnet')
  subd=$("$CL" network inspect crunlocal | jq -r '.[0].subnets[0].subnet')
  expect "a chosen subnet is a /24 of 10.90/16, not the default's, not podman's or docker's" sh -c "printf '%s' '$suba' | grep -q '^10\.90\.[0-9]*\.0/24\$' && [ '$suba' != '$subd' ]"
  run_cl network inspect --format '{{.name}} {{.network_interface}}' netb
  expect "network inspect --format" sh -c "printf '%s' \"\$1\" | grep -q '^netb crunlocal[0-9]*\$'" _ "$OUT"

  # refusals at create
  for bad in 10.123.0.0/33 10.123.0.1/24 nonsense 10.123.0.0/16; do
    run_cl network create --subnet "$bad" badnet
    expect "network create --subnet $bad: 125, one line" sh -c "[ $RC = 125 ] && [ \"\$(printf '%s\n' \"\$1\" | grep -v '^See ' | grep -c .)\" = 1 ]" _ "$ERR"
  done
  ip route add 10.124.0.0/16 dev lo
  run_cl network create --subnet 10.124.5.0/24 routed
  expect "network create: a subnet the host already routes is refused" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'already routed'" _ "$ERR"
  run_cl network create neta
  expect "network create of an existing name: 125, one line" sh -c "[ $RC = 125 ] && [ \"\$(printf '%s\n' \"\$1\" | grep -c .)\" = 1 ] && printf '%s' \"\$1\" | grep -q 'already exists'" _ "$ERR"
  run_cl network create host
  expect "network create host: the name is reserved" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q reserved" _ "$ERR"
  expect "no half-made network after the refusals" [ "$("$CL" network ls -q | tr '\n' ' ')" = "crunlocal neta netb " ]

  # two containers on neta: names and aliases
  run_cl run -d --name a1 --network neta --network-alias db --network-alias cache -v /usr/bin/busybox:/busybox:ro -v "$www:/www:ro" "$BB" /busybox httpd -f -p 80 -h /www
  expect "run -d --network neta --network-alias db" [ "$RC" = 0 ]
  "$CL" run -d --name a2 --network neta "$BB" sleep 1000 >/dev/null
  a1=$(addr_of a1)
  expect "a1's address is in neta's subnet" sh -c "printf '%s' '$a1' | grep -q \"^${suba%.0/24}\.\""
  run_cl exec a2 sh -c 'ping -c1 -W2 a1 && ping -c1 -W2 db && timeout 5 wget -qO- http://cache/'
  expect "neta: a2 pings a1 by name and by alias db, and fetches http://cache/ (an alias)" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q \"^PING a1 ($a1)\" && printf '%s' \"\$1\" | grep -q \"^PING db ($a1)\" && printf '%s' \"\$1\" | tail -n1 | grep -qx hello-a1" _ "$OUT"
  run_cl exec a1 sh -c 'ping -c1 -W2 a2'
  expect "neta: a1 (started first) reaches a2 by name (hosts kept in place)" [ "$RC" = 0 ]
  ni=$(insp a1 '.[0].NetworkSettings.Networks.neta | .IPAddress + " " + (.Aliases | join(","))')
  expect "inspect a1: NetworkSettings.Networks.neta with its IPAddress and aliases; NetworkMode neta" [ "$ni" = "$a1 db,cache" -a "$(insp a1 '.[0].HostConfig.NetworkMode')" = neta ]
  expect "network inspect neta: its containers, a1 with its address" sh -c "[ \"\$(\"$CL\" network inspect neta | jq -r '.[0].containers[] | select(.name == \"a1\") | .interfaces.eth0.subnets[0].ipnet')\" = '$a1/24' ]"

  # another network cannot reach neta's containers (isolation)
  run_cl run --rm --network netb "$BB" sh -c "timeout 3 wget -qO- http://$a1/ || echo unreachable; ping -c1 -W1 a1 || echo noname"
  expect "netb: a container cannot reach a1's address, nor resolve its name" sh -c "printf '%s' \"\$1\" | grep -qx unreachable && printf '%s' \"\$1\" | grep -qx noname" _ "$OUT"
  run_cl run --rm --network private "$BB" sh -c "timeout 3 wget -qO- http://$a1/ || echo unreachable"
  expect "the default network cannot reach a1 either" sh -c "printf '%s' \"\$1\" | grep -qx unreachable" _ "$OUT"
  run_cl run --rm --network neta "$BB" sh -c "timeout 5 wget -qO- http://$a1/"
  expect "while a new container on neta reaches it (the control)" [ "$RC" = 0 -a "$OUT" = hello-a1 ]
  tables=$(nft list table ip crunlocal)
  expect "nft: one isolation chain per used network, with its drop rule" sh -c "printf '%s' \"\$1\" | grep -q 'chain crunlocal[0-9]*-iso' && printf '%s' \"\$1\" | grep -q 'iifname \"crunlocal[0-9]*\" oifname != \"crunlocal[0-9]*\" oifname \"crunlocal\\*\" drop'" _ "$tables"

  # --ip
  run_cl run -d --name fixed --network netb --ip 10.123.0.77 "$BB" sleep 1000
  expect "--ip 10.123.0.77 on netb: that address" [ "$RC" = 0 -a "$(addr_of fixed)" = 10.123.0.77 ]
  before=$("$CL" ps -aq | wc -l)
  run_cl run -d --network netb --ip 10.123.0.77 "$BB" sleep 1000
  expect "--ip taken: 125, one line naming the holder, nothing left in ps -a" sh -c "[ $RC = 125 ] && [ \"\$(printf '%s\n' \"\$1\" | grep -c .)\" = 1 ] && printf '%s' \"\$1\" | grep -q 'taken by container fixed' && [ \$(\"$CL\" ps -aq | wc -l) = $before ]" _ "$ERR"
  for bad in 10.124.0.5 10.123.0.254 10.123.0.255; do
    run_cl run --rm --network netb --ip "$bad" "$BB" true
    expect "--ip $bad (outside, the gateway, broadcast): 125, one line" sh -c "[ $RC = 125 ] && [ \"\$(printf '%s\n' \"\$1\" | grep -c .)\" = 1 ] && printf '%s' \"\$1\" | grep -q 'not a free host address of network netb'" _ "$ERR"
  done
  run_cl run --rm --network host --ip 10.123.0.5 "$BB" true
  expect "--ip with --network host: 125" [ "$RC" = 125 ]
  run_cl run --rm --network nosuchnet "$BB" true
  expect "--network of an unknown network: 125, one line" sh -c "[ $RC = 125 ] && [ \"\$(printf '%s\n' \"\$1\" | grep -c .)\" = 1 ] && printf '%s' \"\$1\" | grep -q 'nosuchnet: no such network'" _ "$ERR"

  # rm
  run_cl network rm neta
  expect "network rm of a used network: 125, naming its containers" sh -c "[ $RC = 125 ] && [ \"\$(printf '%s\n' \"\$1\" | grep -c .)\" = 1 ] && printf '%s' \"\$1\" | grep -q 'used by containers a1, a2'" _ "$ERR"
  run_cl network rm crunlocal
  expect "network rm of the default: refused" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'default network'" _ "$ERR"
  bra=$("$CL" network inspect neta | jq -r '.[0].network_interface')
  run_cl network rm -f neta
  expect "network rm -f neta: its containers and the network go" sh -c "[ $RC = 0 ] && [ '$OUT' = neta ] && ! \"$CL\" ps -a --format '{{.Names}}' | grep -qx 'a[12]' && ! \"$CL\" network ls -q | grep -qx neta"
  expect "network rm: its bridge and nf_tables chains are gone" sh -c "! ip link show '$bra' >/dev/null 2>&1 && ! nft list table ip crunlocal | grep -q '$bra'"
  "$CL" rm -f fixed >/dev/null
  expect "the last container's rm leaves the bridge (as podman)" sh -c "ip link show \"\$(\"$CL\" network inspect netb | jq -r '.[0].network_interface')\" >/dev/null"

  # A remove killed half-way (record moved aside, kernel side still
  # there) is finished by the next network command.
  brb=$("$CL" network inspect netb | jq -r '.[0].network_interface')
  mv "$CRUNLOCAL_ROOT/networks/netb" "$CRUNLOCAL_ROOT/networks/.rm-killed"
  mkdir "$CRUNLOCAL_ROOT/networks/.new-killed"
  run_cl network ls -q
  expect "after a killed rm and create: ls finishes them (no bridge, no chains, no leftovers)" sh -c "[ $RC = 0 ] && ! printf '%s' \"\$1\" | grep -qx netb && ! ip link show '$brb' >/dev/null 2>&1 && ! nft list table ip crunlocal | grep -q '$brb' && [ -z \"\$(ls -A '$CRUNLOCAL_ROOT/networks' | grep '^\\.')\" ]" _ "$OUT"

  # internal: no default route; prune
  "$CL" network create --internal inner >/dev/null
  out=$("$CL" run --rm --network inner "$BB" sh -c 'ip route; ip -o -4 addr show eth0')
  expect "--internal: an address, no default route" sh -c "printf '%s' \"\$1\" | grep -q 'inet 10\.90\.' && ! printf '%s' \"\$1\" | grep -q '^default'" _ "$out"
  "$CL" network create spare >/dev/null
  "$CL" run -d --name keep --network spare "$BB" sleep 1000 >/dev/null
  run_cl network prune -f
  expect "network prune: the unused inner goes, spare (used) and the default stay" sh -c "[ $RC = 0 ] && [ '$OUT' = inner ] && [ \"\$(\"$CL\" network ls -q | tr '\n' ' ')\" = 'crunlocal spare ' ]"
  "$CL" rm -f keep >/dev/null
  "$CL" network rm spare >/dev/null
  exit 0
fi

fresh_store
for _ in 1 2 3; do "$CL" pull -q "$BB" >/dev/null && break; sleep 1; done
nft list tables >"$T/nets.nft.before"
ip -o link | sed 's/ link\/.*//' >"$T/nets.links.before"
NET_INNER=root unshare -n sh "$0"
expect "root: the host's nf_tables tables and links are unchanged" sh -c "nft list tables | diff -q - '$T/nets.nft.before' >/dev/null && ip -o link | sed 's/ link\/.*//' | diff -q - '$T/nets.links.before' >/dev/null"

# Rootless: named networks are root's.
RC=0; as_user crltest "$CL" network create mine 2>"$T/err" || RC=$?; ERR=$(cat "$T/err")
expect "[crltest] network create: 125, one line saying named networks need root" sh -c "[ $RC = 125 ] && [ \"\$(printf '%s\n' \"\$1\" | grep -c .)\" = 1 ] && printf '%s' \"\$1\" | grep -q 'need root'" _ "$ERR"
RC=0; as_user crltest "$CL" run --rm --network mine --ip 10.0.2.5 "$BB" true 2>"$T/err" || RC=$?; ERR=$(cat "$T/err")
expect "[crltest] run --network NAME: 125, named networks need root" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'need root'" _ "$ERR"
