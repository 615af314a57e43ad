# kill -9 at random moments during a pull of the big image, 20 times over:
# the store must stay consistent and the next pull must work.
. "$TOP/test/lib.sh"

fresh_store
rounds=${KILL_ROUNDS:-20}
i=0
while [ "$i" -lt "$rounds" ]; do
  "$CL" pull -q "$REG/big" >/dev/null 2>&1 &
  pid=$!
  # 0.05 s … 2.5 s: before, during and after the layers land.
  sleep "$(awk -v s="$i" 'BEGIN { srand(s * 7919 + 17); printf "%.2f", 0.05 + rand() * 2.45 }')"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  i=$((i + 1))
done
run_cl store check
expect "store check is clean after $rounds kill -9s mid-pull" [ "$RC" = 0 ]
expect "and the killed pulls' staging is gone" [ -z "$(ls -A "$CRUNLOCAL_ROOT/tmp")" ]
run_cl pull -q "$REG/big"
expect "a final pull succeeds" [ "$RC" = 0 -a "$OUT" = "$(id_of big)" ]
run_cl store check
expect "store check is clean after the final pull" [ "$RC" = 0 ]
expect "each of the 5 layers is there once" [ "$(layer_count)" = 5 ]
