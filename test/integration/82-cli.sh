# The everyday CLI surface as docker and podman users expect it: inspect
# -f templates and image inspect, run -h, rm -f of what is gone, exec
# errors by path, name rules, a run that cannot start left Created, ps
# filters and -n/-l, logs given back byte for byte, spec's -o.
. "$TOP/test/lib.sh"
BB=$REG/busybox
until_ok () { for _ in $(seq 1 100); do "$@" && return 0; sleep 0.1; done; return 1; }
rec () { echo "$CRUNLOCAL_ROOT/containers/$("$CL" inspect -f '{{.Id}}' "$1")/container.json"; }

fresh_store
mkdir -p "$T/vol82"

# inspect -f / --format over the inspect document.
"$CL" run --name ex3 "$BB" sh -c 'exit 3' 2>/dev/null
run_cl inspect -f '{{.State.ExitCode}}' ex3
expect "inspect -f '{{.State.ExitCode}}' prints the exit code" [ "$RC" = 0 -a "$OUT" = 3 ]
sleep 1
"$CL" run --name envc -e FOO=bar -v "$T/vol82:/data:ro" "$BB" true
run_cl inspect --format '{{range .Config.Env}}{{.}} {{end}}' envc
expect "inspect --format '{{range .Config.Env}}{{.}} {{end}}' lists the variables" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q 'FOO=bar ' && printf '%s' \"\$1\" | grep -q 'PATH='" _ "$OUT"
run_cl inspect -f '{{.Config.Env}}' envc
expect "inspect -f '{{.Config.Env}}' prints a list as Go does: [A B]" sh -c "printf '%s' \"\$1\" | grep -q '^\[.*FOO=bar.*\]\$'" _ "$OUT"
run_cl inspect -f '{{json .Mounts}}' envc
expect "inspect -f '{{json .Mounts}}' prints compact JSON of the subtree" sh -c "[ $RC = 0 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && printf '%s' \"\$1\" | jq -e '.[0].Destination == \"/data\" and .[0].RW == false' >/dev/null" _ "$OUT"
run_cl inspect -f '{{.State.Nope}}|{{index .Config.Labels "k"}}|{{json .Config.Labels}}' envc
expect "a missing field prints <no value>; a missing label is empty" [ "$RC" = 0 -a "$OUT" = '<no value>||{}' ]
run_cl inspect -f '{{.Name}}' ex3 envc
expect "inspect -f of two containers: a line each" [ "$OUT" = "ex3
envc" ]
run_cl inspect -f '{{range .Config.Env}}' ex3
expect "a broken template: exit 125 naming it, nothing printed" sh -c "[ $RC = 125 ] && [ -z \"\$1\" ] && grep -q 'end' '$T/err'" _ "$OUT"

# image inspect, and inspect of an image name when no container has it.
run_cl image inspect -f '{{.Id}}' "$BB"
expect "image inspect -f '{{.Id}}' prints the image ID" [ "$RC" = 0 -a "$OUT" = "$(id_of busybox)" ]
run_cl inspect "$BB"
expect "inspect IMAGE (no such container): the image's document" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | jq -e '.[0].Id == \"$(id_of busybox)\" and (.[0].RepoTags | length) == 1 and (.[0].RootFS.Layers | length) >= 1 and (.[0].Config.Env | length) >= 1' >/dev/null" _ "$OUT"
run_cl inspect -f '{{.Os}}/{{.Architecture}}' "$BB"
expect "inspect -f over an image" sh -c "printf '%s' \"\$1\" | grep -q '^linux/'" _ "$OUT"
run_cl inspect nosuchthing
expect "inspect of nothing: exit 125, no such object" sh -c "[ $RC = 125 ] && grep -q 'no such object: nosuchthing' '$T/err'"
run_cl image inspect ex3
expect "image inspect of a container's name: no such image" sh -c "[ $RC = 125 ] && grep -q 'no such image: ex3' '$T/err'"

# run -h NAME is --hostname; --help is the help.
run_cl run --rm -h myhost "$BB" hostname
expect "run -h NAME sets the hostname (docker, podman)" [ "$RC" = 0 -a "$OUT" = myhost ]
run_cl run --help
expect "run --help prints the help, -h listed as --hostname" sh -c "[ $RC = 0 ] && printf '%s' \"\$1\" | grep -q -- '-h, --hostname'" _ "$OUT"
run_cl help ps
expect "help CMD is CMD --help" sh -c "[ $RC = 0 ] && [ \"\$1\" = \"\$(\"$CL\" ps --help)\" ]" _ "$OUT"
run_cl image --help
expect "image --help lists the grouped image commands" sh -c "[ $RC = 0 ] && printf '%s\n' \"\$1\" | grep -q '^  tag  *tag\$' && printf '%s\n' \"\$1\" | grep -q '^  ls  *images\$'" _ "$OUT"
run_cl image frob
expect "image of an unknown command: 125, every one it takes listed" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'history, load, save'" _ "$ERR"

# rm -f of what does not exist.
run_cl rm -f no-such-ctr
expect "rm -f of a container that does not exist exits 0, silently" [ "$RC" = 0 -a -z "$ERR" ]
run_cl rm no-such-ctr
expect "rm without -f still exits 1 with no such container" sh -c "[ $RC = 1 ] && grep -q 'no such container: no-such-ctr' '$T/err'"

# A command by path that does not exist.
run_cl run --rm "$BB" /no/such/cmd
expect "run of a missing absolute path: 127, no such file or directory" sh -c "[ $RC = 127 ] && grep -q '/no/such/cmd: no such file or directory' '$T/err' && ! grep -q 'PATH' '$T/err'"
run_cl run --rm "$BB" ./nosuch
expect "run of a missing relative path: 127, no such file or directory" sh -c "[ $RC = 127 ] && grep -q './nosuch: no such file or directory' '$T/err'"
run_cl run --rm "$BB" nosuchbare
expect "a bare name the PATH search missed: executable file not found in \$PATH" sh -c "[ $RC = 127 ] && grep -q 'nosuchbare: executable file not found in \$PATH' '$T/err'"

# Container names.
run_cl run --rm --name 'bad name' "$BB" true
expect "run --name with a space: 125 naming the rule" sh -c "[ $RC = 125 ] && grep -qF '[a-zA-Z0-9][a-zA-Z0-9_.-]*' '$T/err' && ! \"$CL\" ps -a | grep -q 'bad name'"
run_cl run --rm --name _x "$BB" true
expect "run --name starting with _: 125" [ "$RC" = 125 ]
run_cl run --rm --name ok.Name-1_x "$BB" true
expect "run --name ok.Name-1_x is fine" [ "$RC" = 0 ]

# A run whose command cannot start stays Created with the error.
run_cl run --name nocmd "$BB" /nonexistent
expect "run of a missing command without --rm: 127, left in ps -a as Created" sh -c "[ $RC = 127 ] && \"$CL\" ps -a | grep -q 'Created .*nocmd\$'"
run_cl inspect -f '{{.State.Status}}: {{.State.Error}}' nocmd
expect "and inspect shows the error in .State.Error" [ "$OUT" = "created: /nonexistent: no such file or directory" ]
run_cl run --rm --name nocmd2 "$BB" /nonexistent
expect "with --rm nothing is left" sh -c "[ $RC = 127 ] && ! \"$CL\" ps -a | grep -q nocmd2"
"$CL" rm nocmd >/dev/null

# ps: filters over running ones unless -a, exited=, label=, -n, -l.
sleep 1
"$CL" run --name ex0 "$BB" true
sleep 1
"$CL" run -d --name up1 "$BB" sleep 3456 >/dev/null
names () { "$CL" ps "$@" --format '{{.Names}}' | sort | tr '\n' ' '; }
expect "ps --filter name=X without -a: running ones only" [ "$(names --filter name=ex)" = "" -a "$(names --filter name=up)" = "up1 " ]
expect "ps -a --filter name=X: all of them" [ "$(names -a --filter name=ex)" = "ex0 ex3 " ]
expect "ps -a --filter exited=3 and exited=0" [ "$(names -a --filter exited=3)" = "ex3 " -a "$(names -a --filter exited=0)" = "envc ex0 " ]
run_cl ps --filter exited=x
expect "ps --filter exited=x: usage error 125" [ "$RC" = 125 ]
# Labels are the record's "labels" ("K=V" strings): set here by hand.
r=$(rec ex0)
jq '.labels = ["tier=web", "solo"]' "$r" >"$r.new" && mv "$r.new" "$r"
expect "ps -a --filter label=K, label=K=V" [ "$(names -a --filter label=tier)" = "ex0 " -a "$(names -a --filter label=tier=web)" = "ex0 " -a "$(names -a --filter label=solo)" = "ex0 " -a "$(names -a --filter label=tier=db)" = "" ]
run_cl inspect -f '{{index .Config.Labels "tier"}} {{json .Config.Labels}}' ex0
expect "inspect: Config.Labels from the record" [ "$OUT" = 'web {"tier":"web","solo":""}' ]
expect "ps -n 2 / --last 2: the two last created, of any state" [ "$(names -n 2)" = "ex0 up1 " -a "$(names --last 2)" = "ex0 up1 " ]
"$CL" stop -t 0 up1 >/dev/null
expect "ps -l / --latest: the last created, even exited" [ "$(names -l)" = "up1 " -a "$(names --latest)" = "up1 " ]
"$CL" rm -f up1 >/dev/null

# logs: what was written, a last line without newline included.
"$CL" run --name part "$BB" printf 'a\nb' >/dev/null
"$CL" logs part >"$T/logs82"
printf 'a\nb' >"$T/want82"
expect "logs: a last line without newline comes back without one" cmp -s "$T/logs82" "$T/want82"
"$CL" run -d --name partd "$BB" printf 'x y' >/dev/null
until_ok sh -c "[ \"\$(\"$CL\" inspect -f '{{.State.Status}}' partd)\" = exited ]"
"$CL" logs partd >"$T/logs82"
printf 'x y' >"$T/want82"
expect "logs of a detached run: the same" cmp -s "$T/logs82" "$T/want82"

# spec: options end at the image; -o DIR last is the documented exception.
"$CL" spec "$BB" echo hi -o "$T/s1" 2>"$T/err"; RC=$?
expect "spec IMAGE CMD -o DIR: -o DIR is not part of the command" sh -c "[ $RC = 0 ] && jq -e '.process.args == [\"echo\", \"hi\"]' '$T/s1/config.json' >/dev/null"
"$CL" spec -o "$T/s2" "$BB" echo -o x 2>"$T/err"; RC=$?
expect "spec -o DIR IMAGE CMD -o x: the trailing -o x is the command's" sh -c "[ $RC = 0 ] && jq -e '.process.args == [\"echo\", \"-o\", \"x\"]' '$T/s2/config.json' >/dev/null && [ ! -e x ]"
"$CL" spec "$BB" echo hi --output="$T/s3" 2>"$T/err"; RC=$?
expect "spec IMAGE CMD --output=DIR: the same" sh -c "[ $RC = 0 ] && jq -e '.process.args == [\"echo\", \"hi\"]' '$T/s3/config.json' >/dev/null"
"$CL" spec -h hb "$BB" -o "$T/s4" 2>"$T/err"; RC=$?
expect "spec -h NAME is --hostname too" sh -c "[ $RC = 0 ] && jq -e '.hostname == \"hb\"' '$T/s4/config.json' >/dev/null"
run_cl run --rm "$BB" echo -o x
expect "run IMAGE echo -o x: everything after the image is the command" [ "$RC" = 0 -a "$OUT" = "-o x" ]

# The same from an unprivileged user's store (inspect reads it from the
# caller's own user namespace).
X="as_user crltest"
$X "$CL" run --name rl "$BB" sh -c 'exit 4' 2>/dev/null
out=$($X "$CL" inspect -f '{{.State.ExitCode}} {{.Name}}' rl 2>&1)
expect "[crltest] inspect -f of a container" [ "$out" = "4 rl" ]
out=$($X "$CL" image inspect -f '{{.Id}}' "$BB" 2>&1)
expect "[crltest] image inspect -f of an image" [ "$out" = "$(id_of busybox)" ]
sleep 1
$X "$CL" run --name rlbad "$BB" /nonexistent 2>/dev/null; RC=$?
out=$($X "$CL" ps -a --filter exited=4 --format '{{.Names}}'; $X "$CL" ps -l --format '{{.Names}} {{.Status}}')
expect "[crltest] a failed start left Created; ps -a --filter exited=, ps -l" [ "$RC" = 127 -a "$out" = "rl
rlbad Created" ]
$X "$CL" rm -f rl rlbad no-such >/dev/null 2>&1; RC=$?
expect "[crltest] rm -f of two and of one gone: exit 0" [ "$RC" = 0 ]
