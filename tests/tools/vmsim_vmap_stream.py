#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vmsim vmap streams its op trace a batch of ops at a time and replays
every strategy in lock step: the results and the checks are those of a
whole-trace replay, across batch boundaries; the first bad line in trace
order stops it (exit 2, no output); strategies that are not lowest-fit are
compared with the lowest-fit reference and their differences reported as a
property on stderr, not a failure (augrb-linux: always built).

usage: vmsim_vmap_stream.py VMSIM
"""
import os
import subprocess
import sys
import tempfile

RANGE = "--range=0x100000000:0x100014000"
# vmap.h's example (see tests/vmap/vmsim_enospc.py): id 2 is 0 by
# lowest-fit, ENOSPC by the kernel's rule; id 3 then lands elsewhere.
HEAD = ("a 1 0x2000 0x1000 0x100002000 0x100004000\n"
        "a 2 0x1000 0x2000 0x100000000 0x100002000\n")
failures = []


def check(name, ok, p=None):
    print("%s %s" % ("ok  " if ok else "FAIL", name))
    if not ok:
        failures.append(name)
        if p is not None:
            print("  exit %d\n  stdout %r\n  stderr %r" %
                  (p.returncode, p.stdout[:300], p.stderr[:600]))


def main():
    vmsim = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        def run(args, stdin=None):
            return subprocess.run([vmsim, "vmap"] + args, input=stdin,
                                  capture_output=True, text=True, cwd=d)

        def write(name, text):
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
            return name

        # A property, not a failure: augrb-linux places 2 of 3 elsewhere.
        t = write("p.trace", HEAD + "a 3 0x1000\nf 1\nf 3\n")
        p = run(["--strategy", "all", RANGE, t])
        want = ("vmsim: augrb-linux (not lowest-fit): 2 of 3 allocations "
                "placed elsewhere than list, the first at p.trace:2\n")
        check("property: exit 0, list's results, the count on stderr",
              p.returncode == 0 and want in p.stderr and p.stdout ==
              "1 0x100002000\n2 0x100000000\n3 0x100001000\n" and
              "no divergence among the lowest-fit" in p.stderr, p)
        p = run(["--strategy", "all", RANGE, "--stats", t])
        rows = p.stdout.splitlines()
        check("property with --stats: the same line, a row each",
              p.returncode == 0 and want in p.stderr and
              any(r.startswith("augrb-linux,0,5,") for r in rows), p)
        # Identical placement counts 0 of all.
        t = write("same.trace", "a 1 0x1000\na 2 0x3000\nf 1\na 3 0x1000\n")
        p = run(["--strategy", "all", RANGE, t])
        check("property: 0 of 3 when placed alike",
              p.returncode == 0 and "augrb-linux (not lowest-fit): 0 of 3 "
              "allocations placed elsewhere than list\n" in p.stderr, p)
        # Stopped at a free of an id it could not place: a note, exit 0.
        t = write("stop.trace", HEAD + "f 2\na 3 0x1000\n")
        p = run(["--strategy", "all", RANGE, t])
        check("property: stopped strategy noted, exit 0",
              p.returncode == 0 and
              "vmsim: note: augrb-linux (not lowest-fit) stopped at "
              "stop.trace:3: free of id 2, which is not live" in p.stderr and
              "augrb-linux (not lowest-fit): 1 of 2 allocations placed "
              "elsewhere than list, the first at stop.trace:2; stopped at "
              "line 3\n" in p.stderr, p)

        # Many batches: --strategy all prints what each lowest-fit
        # strategy prints alone, and checks every op.
        g = subprocess.run([vmsim, "gen-vmap", "--workload", "churn",
                            "--live", "700", "--ops", "30000",
                            "--seed", "11"], capture_output=True, text=True,
                           check=True).stdout
        t = write("big.trace", g)
        nops = sum(1 for line in g.splitlines()
                   if line and not line.startswith("#"))
        p = run(["--strategy", "all", t])
        check("several batches: exit 0, every op counted",
              p.returncode == 0 and
              ("vmsim: %d ops, no divergence" % nops) in p.stderr, p)
        for s in ("list", "augrb", "radix"):
            q = run(["--strategy", s, t])
            check("several batches: all = %s alone" % s,
                  q.returncode == 0 and q.stdout == p.stdout, q)
        q = run(["--strategy", "all", "-"], g)
        check("several batches from standard input",
              q.returncode == 0 and q.stdout == p.stdout, q)

        # A bad op past the first batches: exit 2, FILE:LINE, no output.
        nlines = len(g.splitlines())
        t = write("late.trace", g + "f 999999\n")
        p = run(["--strategy", "all", t])
        check("late bad free: exit 2, nothing on stdout",
              p.returncode == 2 and p.stdout == "" and
              p.stderr == "late.trace:%d: free of id 999999, which is not "
              "live\n" % (nlines + 1), p)
        out = os.path.join(d, "out.txt")
        p = run(["--strategy", "augrb", "-o", out, t])
        check("late bad free with -o: no file left",
              p.returncode == 2 and not os.path.exists(out), p)
        # The first bad line in trace order wins: a replay error before a
        # malformed line.
        t = write("order.trace", g + "f 999999\nzz\n")
        p = run(["--strategy", "all", t])
        check("trace order: the replay error before the later bad line",
              p.returncode == 2 and p.stdout == "" and
              p.stderr.startswith("order.trace:%d: free" % (nlines + 1)), p)
        t = write("order2.trace", "zz\n" + g + "f 999999\n")
        p = run(["--strategy", "all", t])
        check("trace order: a bad first line",
              p.returncode == 2 and p.stdout == "" and
              p.stderr.startswith("order2.trace:1: unknown op"), p)

        # Repetitions re-read the trace: standard input cannot be.
        p = run(["--strategy", "list", "--stats", "--repetitions", "2",
                 "-"], "a 1 4096\n")
        check("--repetitions with standard input refused",
              p.returncode == 2 and
              p.stderr.startswith("--repetitions: "), p)
        p = run(["--strategy", "all", "--stats", "--repetitions", "3",
                 "big.trace"])
        rows = [r.split(",") for r in p.stdout.splitlines()[1:]]
        check("--repetitions 3 on a file: 3 replays a row",
              p.returncode == 0 and rows and
              all(r[2] == str(nops) and r[10] == "3" for r in rows), p)
    print("%d failures" % len(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
