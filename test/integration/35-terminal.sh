# On a terminal (a real one: tmux), pull draws a progress bar per layer.
. "$TOP/test/lib.sh"

fresh_store
sock=$T/tmux.sock
tmux -S "$sock" new-session -d -x 120 -y 30 "env CRUNLOCAL_ROOT=$CRUNLOCAL_ROOT CRUNLOCAL_RUNROOT=$CRUNLOCAL_RUNROOT $CL pull $REG/big; echo EXIT=\$?; sleep 30"
seen_bar=no
for _ in $(seq 1 100); do
  screen=$(tmux -S "$sock" capture-pane -p)
  printf '%s' "$screen" | grep -q 'Copying blob [0-9a-f]* \[.*\] .*/ ' && seen_bar=yes
  printf '%s' "$screen" | grep -q 'EXIT=' && break
  sleep 0.05
done
screen=$(tmux -S "$sock" capture-pane -p)
tmux -S "$sock" kill-server 2>/dev/null
expect "a terminal shows a progress bar per layer while pulling" [ "$seen_bar" = yes ]
expect "and each layer's line ends in done, once" [ "$(printf '%s\n' "$screen" | grep -c 'Copying blob [0-9a-f]* done')" = 5 ]
expect "the image ID is printed at the end" sh -c "printf '%s' \"\$1\" | grep -q \"^$(id_of big)\" && printf '%s' \"\$1\" | grep -q EXIT=0" _ "$screen"
