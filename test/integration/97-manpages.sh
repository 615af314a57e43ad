# A man page per command, and each agrees with its --help: every flag
# --help lists is in the page, and every flag the page's OPTIONS define
# is in --help.
. "$TOP/test/lib.sh"
ERR=""; RC=0
M=$TOP/man
cmds=$("$CL" --help 2>&1 | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
flags_of_help () { "$CL" $1 --help 2>&1 | grep -oE -- '--[a-z][a-z0-9-]*' | grep -vx -- --help | sort -u; }
flags_of_page () { sed 's/\\-/-/g; s/\\f[BIRP]//g' "$1" | grep -oE -- '--[a-z][a-z0-9-]*' | grep -vx -- --help | sort -u; }
defined_in_page () { sed -n '/^\.SH OPTIONS/,/^\.SH /p; /^\.RS/,/^\.RE/p' "$1" | grep -A1 '^\.TP' | grep '^\.B' | sed 's/\\-/-/g; s/\\f[BIRP]//g' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }
nopage="" missing="" extra=""
for c in $cmds; do
  p=$M/crunlocal-$c.1
  [ -f "$p" ] || { nopage="$nopage $c"; continue; }
  flags_of_help "$c" >"$T/mh"; flags_of_page "$p" >"$T/mp"; defined_in_page "$p" >"$T/md"
  m=$(comm -23 "$T/mh" "$T/mp" | tr '\n' ' ')
  [ -z "$m" ] || missing="$missing [$c: $m]"
  x=$(comm -13 "$T/mh" "$T/md" | tr '\n' ' ')
  [ -z "$x" ] || extra="$extra [$c: $x]"
done
expect "every command in crunlocal --help has its man page" [ -z "$nopage" ]
RC=0; ERR=$missing
expect "every flag a command's --help lists is in its man page" [ -z "$missing" ]
ERR=$extra
expect "every flag a man page's options define is in the command's --help" [ -z "$extra" ]
ERR=""
bad=""
for p in "$M"/*.1; do [ -z "$(groff -ww -man -z "$p" 2>&1)" ] || bad="$bad $(basename "$p")"; done
expect "every page renders without a groff warning" [ -z "$bad" ]
list=$(grep -o 'crunlocal\\-[a-z]*' "$M/crunlocal.1" | sort -u | wc -l)
expect "crunlocal(1) names the command pages" [ "$list" -ge 20 ]
