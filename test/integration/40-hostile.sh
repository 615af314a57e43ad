# Hostile layers: nothing may be written (or removed) outside the layer
# directory, and each fails with a clear error.
. "$TOP/test/lib.sh"

outside=$T/outside
mkdir -p "$outside"
echo precious >"$outside/victim"
python3 "$TOP/test/tools/mkhostile.py" "$T/hostile" "$outside"
snapshot () { (cd "$outside" && find . -printf '%p %s %n\n' | sort); }
before=$(snapshot)

for case in traversal symlink-escape symlink-relative-escape hardlink-escape whiteout-escape whiteout-traversal; do
  fresh_store
  run_cl pull -q "oci:$T/hostile:$case"
  expect "hostile tar ($case) fails with one clear line" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && printf '%s' \"\$1\" | grep -qE 'escapes|outside|symlink|names no file'" _ "$ERR"
  expect "hostile tar ($case) touched nothing outside" [ "$(snapshot)" = "$before" ]
  expect "hostile tar ($case) left no layer or staging" [ "$(layer_count)" = 0 -a -z "$(ls -A "$CRUNLOCAL_ROOT/tmp")" ]
done

fresh_store
run_cl pull -q "oci:$T/hostile:abs-path"
expect "absolute entry names land inside the layer" sh -c "[ $RC = 0 ] && [ \"\$(cat \"$CRUNLOCAL_ROOT\"/layers/*/diff/abs/inside)\" = inside ] && [ ! -e /abs/inside ]"
