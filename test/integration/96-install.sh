# make install / uninstall, the man pages rendering without warnings, and
# bash completion of commands, flags and container names.
. "$TOP/test/lib.sh"
BB=$REG/busybox
ERR=""; RC=0

D=$T/inst
make -s -C "$TOP" install DESTDIR="$D" PREFIX=/usr/local >"$T/out" 2>&1; RC=$?
expect "make install DESTDIR=… installs the binary, man pages and completion" sh -c "[ $RC = 0 ] && [ -x '$D/usr/local/bin/crunlocal' ] && [ -f '$D/usr/local/share/man/man1/crunlocal.1' ] && [ -f '$D/usr/local/share/bash-completion/completions/crunlocal' ] && [ -f '$D/usr/local/share/zsh/site-functions/_crunlocal' ]"
bad=""
for m in "$D"/usr/local/share/man/man*/*; do
  w=$(groff -ww -man -z "$m" 2>&1)
  out=$(MANWIDTH=80 man -l "$m" 2>/dev/null | wc -l)
  if [ -n "$w" ] || [ "$out" -lt 10 ]; then bad="$bad $(basename "$m")"; fi
done
expect "every man page renders (man -l) with no groff warning" [ -z "$bad" ]
grep -q "/usr/local/share/bash-completion/completions" "$D/usr/local/share/zsh/site-functions/_crunlocal"
expect "zsh completion points at the installed bash one" [ $? = 0 ]

fresh_store
"$CL" run --name compl-target "$BB" true >/dev/null 2>&1
complete_words () { # WORDS...: what bash completes for the last (empty) word
  PATH="$D/usr/local/bin:$PATH" bash -c '. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _crunlocal; printf "%s\n" "${COMPREPLY[@]}"' \
    "$D/usr/local/share/bash-completion/completions/crunlocal" "$@"
}
expect "bash completes a container name for rm" sh -c "printf '%s\n' \"\$1\" | grep -qx compl-target" _ "$(complete_words crunlocal rm "")"
expect "bash completes commands" sh -c "printf '%s\n' \"\$1\" | grep -qx exec" _ "$(complete_words crunlocal ex)"
expect "bash completes a command's flags" sh -c "printf '%s\n' \"\$1\" | grep -qx -- --detach" _ "$(complete_words crunlocal run --det)"
expect "bash completes image names for run" sh -c "printf '%s\n' \"\$1\" | grep -q busybox" _ "$(complete_words crunlocal run "")"
expect "bash completes CONTAINER: for cp" sh -c "printf '%s\n' \"\$1\" | grep -qx compl-target:" _ "$(complete_words crunlocal cp "")"
"$CL" rm -f compl-target >/dev/null 2>&1

make -s -C "$TOP" uninstall DESTDIR="$D" PREFIX=/usr/local >/dev/null 2>&1
expect "make uninstall removes exactly what install put there" [ -z "$(find "$D" -type f)" ]

# Other systems: the build that says where crunlocal runs (compiled here
# with __linux__ undefined, so that path cannot rot).
cc -U__linux__ -std=gnu11 -Wall -Wextra -Werror -DCL_VERSION='"t"' -o "$T/nonlinux" "$TOP/nonlinux.c" 2>"$T/err"; RC=$?
"$T/nonlinux" run alpine true >/dev/null 2>"$T/err"; RC2=$?
expect "off Linux: the build works and a container command fails with one line (125)" sh -c "[ $RC = 0 ] && [ $RC2 = 125 ] && [ \$(wc -l <'$T/err') = 1 ] && grep -q 'need a Linux kernel' '$T/err'"
expect "off Linux: version still answers" sh -c "'$T/nonlinux' version | grep -q 'crunlocal version t'"
expect "info says whether this is WSL2" sh -c "'$CL' info --format json | jq -e '.host.wsl2 == false' >/dev/null"
