# A registry that misbehaves: 503 and 429 on manifests, connections cut
# mid-blob (resumed with Range), and redirects to another host, which must
# never see our credentials.
. "$TOP/test/lib.sh"

wait_port () { for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$1/v2/" && return 0; sleep 0.1; done; return 1; }

P1=$(free_port)
python3 "$TOP/test/tools/flakyproxy.py" "$P1" "http://$REG" "$T/flaky.log" &
FP=$!
wait_port "$P1"
fresh_store
run_cl pull -q "127.0.0.1:$P1/whiteout"
expect "pull through 503, 429 and cut connections succeeds" [ "$RC" = 0 -a "$OUT" = "$(id_of whiteout)" ]
expect "the manifest was retried after 503 and 429" [ "$(grep -c 'manifests/latest' "$T/flaky.log")" -ge 3 ]
expect "cut blobs were resumed with Range" grep -q 'blobs/sha256:.* range=bytes=[1-9][0-9]*-' "$T/flaky.log"
run_cl store check
expect "the resumed layers verify" [ "$RC" = 0 -a "$(layer_count)" = 3 ]
kill "$FP"

P2=$(free_port); P3=$(free_port)
python3 "$TOP/test/tools/flakyproxy.py" "$P2" "http://$REG_BASIC" "$T/redirect.log" --redirect "$P3" testuser:testpass &
RP=$!
wait_port "$P2"
fresh_store
run_cl pull -q --creds testuser:testpass "127.0.0.1:$P2/busybox"
expect "pull with blobs redirected to another host" [ "$RC" = 0 -a "$OUT" = "$(id_of busybox)" ]
expect "the registry host got the credentials" grep -q 'GET /v2/busybox/manifests/latest .*auth=yes' "$T/redirect.log"
expect "the other host never did" sh -c "grep -q ELSEWHERE \"$T/redirect.log\" && ! grep -q 'ELSEWHERE.*auth=yes' \"$T/redirect.log\""
kill "$RP"
