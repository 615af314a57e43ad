# Pulling from the registry, anonymously: formats, platforms, compression.
. "$TOP/test/lib.sh"

fresh_store
run_cl pull "$REG/busybox"
expect "pull busybox anonymously prints the image ID" [ "$RC" = 0 -a "$OUT" = "$(id_of busybox)" ]
expect "pulled layer holds bin/busybox" test -x "$CRUNLOCAL_ROOT/layers/$(ls "$CRUNLOCAL_ROOT/layers" | head -n1)/diff/bin/busybox"
expect "not on a terminal: one line per layer, no bar" sh -c "printf '%s\n' \"\$1\" | grep -q 'Copying blob .* done' && ! printf '%s' \"\$1\" | grep -q '\\[='" _ "$ERR"
run_cl images --format json
expect "images --format json names the image" sh -c "printf '%s' \"\$1\" | jq -e --arg id \"\$2\" '.[0].Id == \$id and (.[0].Names[0] | endswith(\"/busybox:latest\"))' >/dev/null" _ "$OUT" "$(id_of busybox)"
run_cl images
expect "images table has the repository and tag" sh -c "printf '%s' \"\$1\" | grep -qE '^$REG/busybox +latest +[0-9a-f]{12} '" _ "$OUT"
run_cl pull -q "$REG/busybox"
expect "second pull -q prints only the ID" [ "$RC" = 0 -a "$OUT" = "$(id_of busybox)" -a -z "$ERR" ]

fresh_store
run_cl pull -q "$REG/busybox-oci"
expect "pull an image with OCI media types" [ "$RC" = 0 -a "$OUT" = "$(id_of busybox-oci)" ]

fresh_store
run_cl pull -q "$REG/multi"
expect "an index resolves to linux/amd64 by default" [ "$RC" = 0 -a "$OUT" = "$(id_of multi-amd64)" ]
run_cl pull -q --platform linux/arm64 "$REG/multi"
expect "--platform linux/arm64 picks the arm64 entry" [ "$RC" = 0 -a "$OUT" = "$(id_of multi-arm64)" ]
expect "the arm64 layer is the arm64 one" sh -c "grep -l arm64 \"$CRUNLOCAL_ROOT\"/layers/*/diff/arch >/dev/null"
run_cl pull -q --platform linux/s390x "$REG/multi"
expect "a platform the index lacks fails naming what it has" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'no image for platform linux/s390x.*linux/amd64'" _ "$ERR"

fresh_store
run_cl pull -q "$REG/comp:zstd"
expect "zstd-compressed layers" [ "$RC" = 0 -a "$OUT" = "$(id_of comp-zstd)" ]
run_cl pull -q "$REG/comp:plain"
expect "uncompressed layers" [ "$RC" = 0 -a "$OUT" = "$(id_of comp-plain)" ]

fresh_store
run_cl pull -q "$REG/busybox@$(jq -r '.busybox' "$T/images/ids.json" | sed 's/^/sha256:/')"
expect "a digest that is not the manifest's fails" [ "$RC" = 125 ]
