#!/usr/bin/env python3
"""Median wall time of commands that take turns, run by run, so that the
load of a shared machine hits them alike.

usage: turns.py [--before SHELL-COMMAND] RUNS NAME=COMMAND...
COMMAND is split as a shell would (shlex) but run without a shell; {i}
becomes the run's number (a fresh container name each time), {name} its
NAME.  --before runs (with sh, untimed, the same substitutions) before
each timed command: a fresh store for a pull, say.  Prints
"NAME SECONDS" (the median) for each, in the order given; a failed run
is reported on stderr, and turns.py then exits 1."""
import shlex
import statistics
import subprocess
import sys
import time


def fill(cmd, name, i):
    return cmd.replace("{i}", str(i)).replace("{name}", name)


def main():
    args = sys.argv[1:]
    before = None
    if args[0] == "--before":
        before, args = args[1], args[2:]
    runs = int(args[0])
    cmds = [arg.split("=", 1) for arg in args[1:]]
    times = {name: [] for name, _ in cmds}
    failed = False
    for i in range(runs):
        for name, cmd in cmds:
            if before:
                subprocess.run(["sh", "-c", fill(before, name, i)], check=True)
            argv = shlex.split(fill(cmd, name, i))
            start = time.perf_counter()
            r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
            if r.returncode != 0:
                print(f"FAILED ({r.returncode}): {shlex.join(argv)}", file=sys.stderr)
                failed = True
    for name, _ in cmds:
        print(f"{name} {statistics.median(times[name]):.5f}")
    sys.exit(1 if failed else 0)


main()
