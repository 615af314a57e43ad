# run --context: the caller's tree at /workspace, read-only underneath,
# .dockerignore'd paths hidden, DIR never modified, `diff` listing exactly
# what the container changed; the copy fallback; /tmp as a tmpfs; and a
# Cloud Native Buildpacks image — as root and as real unprivileged users.
. "$TOP/test/lib.sh"
BB=$REG/busybox
RC=0; ERR=""
case $CL in /*) ;; *) CL=$PWD/$CL ;; esac # the runs below start in DIR

tree_hash () { (cd "$1" && find . -printf '%p %y %m %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort) | sha256sum | cut -c1-64; }

make_tree () {
  rm -rf "$1"; mkdir -p "$1/node_modules/pkg" "$1/src/build" "$1/build" "$1/a/b" "$1/.git/objects" "$1/docs"
  echo main >"$1/main.c"; echo keep >"$1/keep.log"; echo drop >"$1/drop.log"
  echo pkg >"$1/node_modules/pkg/index.js"; echo tmp >"$1/a/b/c.tmp"; echo c >"$1/a/b/c.txt"
  echo nested >"$1/src/build/out"; echo top >"$1/build/out"; echo head >"$1/.git/HEAD"
  echo doc >"$1/docs/readme"
  printf '# the acceptance list\nnode_modules\n*.log\n!keep.log\n/build\n**/*.tmp\n' >"$1/.dockerignore"
}

cnb=$T/cnb-layout
python3 "$TOP/test/tools/mkcnb.py" "$cnb" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
expect "a CNB-style image is built (mkcnb.py)" [ "$RC" = 0 ]

for who in root crltest crlnosub; do
  if [ "$who" = root ]; then fresh_store; X=""; else X="as_user $who"; fi
  D=$T/ctx-$who; make_tree "$D"
  [ "$who" = root ] || chown -R "$who:$who" "$D"
  ln -s /etc/shadow "$D/leak"
  before=$(tree_hash "$D")
  out=$(cd "$D" && $X "$CL" run --rm --context "$BB" sh -c 'pwd; find . | sort; cat leak 2>&1 | head -c 40' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "[$who] --context: the working directory is /workspace" sh -c "[ $RC = 0 ] && printf '%s\n' \"\$1\" | head -n 1 | grep -qx /workspace" _ "$out"
  expect "[$who] ignored paths are invisible (node_modules, *.log, /build, **/*.tmp)" sh -c "[ $RC = 0 ] && ! printf '%s\n' \"\$1\" | grep -qE '^\./(node_modules|drop\.log|build|a/b/c\.tmp)\$'" _ "$out"
  expect "[$who] keep.log (!keep.log), src/build (not at the root), a/b/c.txt are visible" sh -c "printf '%s\n' \"\$1\" | grep -qx ./keep.log && printf '%s\n' \"\$1\" | grep -qx ./src/build/out && printf '%s\n' \"\$1\" | grep -qx ./a/b/c.txt" _ "$out"
  expect "[$who] with a .dockerignore, .git is not hidden (the default list is only for trees without one)" sh -c "printf '%s\n' \"\$1\" | grep -qx ./.git/HEAD" _ "$out"
  expect "[$who] a symlink in DIR resolves inside the container, never to the host's file" sh -c "[ $RC = 0 ] && ! printf '%s' \"\$1\" | grep -q '^root:'" _ "$out"
  # Writes: added, changed, deleted — kept out of DIR; diff lists them.
  cname=ctx-$who
  (cd "$D" && $X "$CL" run --name "$cname" --context . "$BB" sh -c 'echo new >new.txt; echo more >>main.c; rm docs/readme; mkdir made; touch made/f; rm -rf src' >/dev/null 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "[$who] a container writes, changes and deletes in /workspace" [ "$RC" = 0 ]
  expect "[$who] DIR is byte-for-byte unchanged (a hash of the tree before and after)" [ "$(tree_hash "$D")" = "$before" ]
  out=$($X "$CL" diff "$cname" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  want='C /workspace/docs
D /workspace/docs/readme
A /workspace/made
A /workspace/made/f
C /workspace/main.c
A /workspace/new.txt
D /workspace/src'
  expect "[$who] diff lists exactly those changes (no ignore whiteouts, no mount points)" [ "$RC" = 0 -a "$out" = "$want" ]
  $X "$CL" start -a "$cname" >/dev/null 2>&1
  out=$($X "$CL" diff "$cname" 2>/dev/null)
  expect "[$who] start runs it again over the same context upper" [ "$out" = "$want" ]
  $X "$CL" rm "$cname" >/dev/null 2>&1
  # TARGET, -w, and the default ignore list.
  rm "$D/.dockerignore"
  out=$($X "$CL" run --rm --context "$D:/src" -w / "$BB" sh -c 'pwd; ls -a /src' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "[$who] DIR:TARGET mounts at TARGET; -w wins over it" sh -c "[ $RC = 0 ] && printf '%s\n' \"\$1\" | head -n 1 | grep -qx / && printf '%s\n' \"\$1\" | grep -qx main.c" _ "$out"
  expect "[$who] with no ignore file, .git and node_modules are hidden" sh -c "! printf '%s\n' \"\$1\" | grep -qxE '\.git|node_modules'" _ "$out"
  out=$($X "$CL" run --rm --context="$D" --context-ignore-none "$BB" ls -a 2>"$T/err")
  expect "[$who] --context-ignore-none hides nothing" sh -c "printf '%s\n' \"\$1\" | grep -qx .git && printf '%s\n' \"\$1\" | grep -qx node_modules" _ "$out"
  # /tmp is a tmpfs, unless something is mounted there.
  out=$($X "$CL" run --rm "$BB" sh -c 'grep " /tmp " /proc/mounts' 2>&1)
  expect "[$who] /tmp is a tmpfs in every container" sh -c "printf '%s' \"\$1\" | grep -q '^tmpfs /tmp tmpfs .*nosuid,nodev'" _ "$out"
  # The CNB image: its default process, in /workspace, as its user.
  $X "$CL" pull -q "oci:$cnb:cnb" >/dev/null 2>"$T/err"
  out=$($X "$CL" run --rm localhost/cnb-layout:cnb 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
  expect "[$who] a CNB image runs its default process through /cnb/lifecycle/launcher" [ "$RC" = 0 -a "$(printf '%s\n' "$out" | head -n 1)" = "launcher: type=web" ]
  expect "[$who] in /workspace, with CNB_PLATFORM_API, as its non-root user" [ "$(printf '%s\n' "$out" | tail -n 1)" = "web pwd=/workspace api=0.12 uid=1000" ]
  out=$($X "$CL" run --rm localhost/cnb-layout:cnb sh -c 'echo $CNB_APP_DIR $CNB_LAYERS_DIR $(pwd)' 2>"$T/err")
  expect "[$who] a CNB image with a command: the command, with the launcher's inputs" [ "$out" = "/workspace /layers /workspace" ]
done

# Root only: the fallbacks, --context-keep, and bad input.
fresh_store
D=$T/ctx-root; make_tree "$D"; ln -s /etc/shadow "$D/leak"; before=$(tree_hash "$D")
out=$(CRUNLOCAL_CONTEXT=copy "$CL" run --rm --context "$D" "$BB" sh -c 'ls -a; echo x >>main.c' 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
expect "without overlay: a copy that skips ignored paths, with a one-line notice" sh -c "[ $RC = 0 ] && [ \$(wc -l <\"$T/err\") = 1 ] && grep -q 'copied' \"$T/err\" && printf '%s\n' \"\$1\" | grep -qx main.c && ! printf '%s\n' \"\$1\" | grep -qx node_modules" _ "$out"
expect "the copy leaves DIR unchanged" [ "$(tree_hash "$D")" = "$before" ]
"$CL" run --rm --context "$D" --context-keep "$BB" sh -c 'echo kept >k' >/dev/null 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
kept=$(sed -n 's/.* kept in \(.*\)$/\1/p' "$T/err")
expect "--context-keep prints where the upper is, and it outlives the container" sh -c "[ $RC = 0 ] && [ -n \"$kept\" ] && [ \"\$(cat \"$kept/k\")\" = kept ]"
run_cl run --rm --context /nonexistent/dir "$BB" true
expect "a missing DIR fails with one line" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && printf '%s' \"\$1\" | grep -q '/nonexistent/dir'" _ "$ERR"
printf 'ok\n[\n' >"$D/.dockerignore"
run_cl run --rm --context "$D" "$BB" true
expect "a malformed .dockerignore fails with one line naming it" sh -c "[ $RC = 125 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && printf '%s' \"\$1\" | grep -q '.dockerignore, line 2'" _ "$ERR"
rm "$D/.dockerignore"; ln -s /etc/shadow "$D/.dockerignore"
run_cl run --rm --context "$D" "$BB" true
expect "a .dockerignore that is a symlink is refused (it could name any file)" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'symlink'" _ "$ERR"
rm "$D/.dockerignore"
run_cl run --rm --context "$D:relative" "$BB" true
expect "a relative TARGET is refused" [ "$RC" != 0 ]
run_cl run --rm --context-keep "$BB" true
expect "--context-keep without --context is a usage error" [ "$RC" = 125 ]
mkdir -p "$T/tmpvol"; touch "$T/tmpvol/marker"
run_cl run --rm -v "$T/tmpvol:/tmp" "$BB" ls /tmp
expect "a volume at /tmp replaces the tmpfs" [ "$RC" = 0 -a "$OUT" = marker ]
