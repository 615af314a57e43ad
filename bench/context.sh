#!/bin/sh
# run --context: the start of `run --rm --context DIR busybox true`, median
# of RUNS, with DIR an empty directory and with a source tree of FILES files
# (default 100 000) and MB megabytes (default 1024) on /dev/shm, behind a
# .dockerignore of 10 patterns; against `-v DIR:/workspace` (a plain bind:
# the floor) and against copying the tree (the fallback without overlay,
# CRUNLOCAL_CONTEXT=copy: a plain copy on tmpfs, which has no reflinks).
# Issue 18 asks: empty vs tree within 10%, --context vs -v at most 1.2x.
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-21}
FILES=${FILES:-100000}
MB=${MB:-1024}
bench_need bc busybox-static
trap 'stop_registries; rm -rf "$T"' EXIT
bench_registry
export CRUNLOCAL_ROOT="$T/cl/root" CRUNLOCAL_RUNROOT="$T/cl/run"
"$CRUNLOCAL" pull -q "$BREG/busybox" >/dev/null

# The tree: 100 directories of source files, and what a .dockerignore
# typically hides (node_modules, .git, build output, logs) among them.
mkdir -p "$T/empty" "$T/tree"
s=$(date +%s.%N)
python3 - "$T/tree" "$FILES" "$MB" <<'PY'
import os, sys
root, files, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = max(1, mb * 1024 * 1024 // files)
block = os.urandom(size)
dirs = ["src/mod%02d" % i for i in range(80)] + ["node_modules/pkg%02d" % i for i in range(10)] + \
       [".git/objects/%02x" % i for i in range(5)] + ["dist", "build", "coverage", "logs", "target"]
for d in dirs:
    os.makedirs(os.path.join(root, d), exist_ok=True)
for i in range(files):
    d = dirs[i % len(dirs)]
    name = "f%06d.%s" % (i, "log" if d == "logs" else "c")
    with open(os.path.join(root, d, name), "wb") as f:
        f.write(block)
with open(os.path.join(root, ".dockerignore"), "w") as f:
    f.write("node_modules\n.git\n*.log\ndist\nbuild\ncoverage\ntarget\ntmp\n.env\n*.swp\n")
PY
e=$(date +%s.%N)
n=$(find "$T/tree" -type f | wc -l); sz=$(du -sm "$T/tree" | cut -f1)
echo "tree: $n files, $sz MB on /dev/shm (made in $(ms "$(echo "$e - $s" | bc)") ms); .dockerignore of 10 patterns"

# Interleaved, one of each per round, so that the machine's drift (other
# work on its two cores) weighs on all three alike.
once () { # KIND: seconds for one run
  s=$(date +%s.%N)
  case $1 in
    empty) "$CRUNLOCAL" run --rm --context "$T/empty" "$BREG/busybox" true ;;
    tree) "$CRUNLOCAL" run --rm --context "$T/tree" "$BREG/busybox" true ;;
    bind) "$CRUNLOCAL" run --rm -v "$T/tree:/workspace" -w /workspace "$BREG/busybox" true ;;
  esac >/dev/null 2>&1 || { echo "FAILED: $1" >&2; exit 1; }
  e=$(date +%s.%N)
  echo "$e - $s" | bc >>"$T/t.$1"
}
median () { sort -n "$T/t.$1" | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'; }
i=0
while [ "$i" -lt "$RUNS" ]; do
  for k in empty tree bind; do once "$k"; done
  i=$((i + 1))
done
empty=$(median empty) tree=$(median tree) bind=$(median bind)
copy=$(CRUNLOCAL_CONTEXT=copy median_time 3 : "$CRUNLOCAL" run --rm --context "$T/tree" "$BREG/busybox" true)
echo "run --rm --context DIR busybox true, median of $RUNS interleaved runs (the copy: of 3)"
printf '  --context empty dir   %6s ms\n' "$(ms "$empty")"
printf '  --context the tree    %6s ms  (%sx the empty dir; want <= 1.10)\n' "$(ms "$tree")" "$(ratio "$tree" "$empty")"
printf '  -v tree:/workspace    %6s ms  (--context is %sx; want <= 1.20)\n' "$(ms "$bind")" "$(ratio "$tree" "$bind")"
printf '  copying the tree      %6s ms  (%sx --context)\n' "$(ms "$copy")" "$(ratio "$copy" "$tree")"
