#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A single-strategy replay runs a lowest-fit trace to its end: an alloc the
strategy finds no room for prints '<id> ENOSPC', that id's later f / l lines
are skipped and counted in one note (exit 0), while a free of an id the
trace never allocated stays an error (FILE:LINE, exit 2, no output file).
Runs on augrb-linux (the kernel's rule; always built) and on linux when it
was built.  Then the reverse case: gen-vmap --range retires the id of an
alloc its lowest-fit placement found no room for, so rbtree-cached, which
places some of those, replays such a trace to its end too (exit 0).

usage: vmsim_enospc.py VMSIM
"""
import os
import subprocess
import sys
import tempfile

RANGE = "0x100000000:0x100014000"
# vmap.h's example: busy [8K, 16K) leaves [0, 8K) as the left child of
# [16K, 80K); 4K aligned to 8K in the window [0, 8K) is ENOSPC by the
# kernel's rule, 0 by lowest-fit.
HEAD = ("a 1 0x2000 0x1000 0x100002000 0x100004000\n"
        "a 2 0x1000 0x2000 0x100000000 0x100002000\n")
CASES = [
    # name, trace, stdout, exit code, stderr must contain
    ("skip", HEAD + "l 2 0\na 3 0x1000\nf 2\nl 3 0\nf 1\n",
     "1 0x100002000\n2 ENOSPC\n3 0x100000000\n", 0,
     "found no room for 1 allocations; 2 later f/l lines of their ids "
     "skipped"),
    # The id allocated again is live again: its free is replayed.
    ("again", HEAD + "f 2\na 2 0x1000\nl 2 0xfff\nf 2\nf 1\n",
     "1 0x100002000\n2 ENOSPC\n2 0x100000000\n", 0,
     "1 later f/l lines"),
    ("never allocated", HEAD + "f 2\nf 7\n", "", 2,
     "t.trace:4: free of id 7, which is not live"),
    ("freed twice", HEAD + "a 3 0x1000\nf 3\nf 3\n", "", 2,
     "t.trace:5: free of id 3, which is not live"),
]


def main():
    vmsim = sys.argv[1]
    names = subprocess.run([vmsim, "vmap", "--list"], capture_output=True,
                           text=True, check=True).stdout.split("\n")
    strategies = ["augrb-linux"]
    if any(n.split(" ")[0] == "linux" for n in names):
        strategies.append("linux")
    else:
        print("linux not built: augrb-linux only")
    fails = 0
    with tempfile.TemporaryDirectory() as d:
        trace = os.path.join(d, "t.trace")
        out = os.path.join(d, "out.txt")
        for s in strategies:
            for name, text, want, code, err in CASES:
                with open(trace, "w") as f:
                    f.write(text)
                r = subprocess.run([vmsim, "vmap", "--strategy", s,
                                    "--range", RANGE, "-o", out, trace],
                                   capture_output=True, text=True)
                got = open(out).read() if os.path.exists(out) else ""
                ok = (r.returncode == code and got == want and
                      err in r.stderr and
                      (code == 0 or not os.path.exists(out)))
                if code == 0:
                    ok = ok and r.stderr.count("\n") == 1
                print("%s %s / %s" % ("ok  " if ok else "FAIL", s, name))
                if not ok:
                    fails += 1
                    print("  exit %d, stdout %r\n  stderr %r"
                          % (r.returncode, got, r.stderr))
                if os.path.exists(out):
                    os.unlink(out)
        # The reverse case: a churn trace whose range runs full.
        rng = "0x100000000:0x104000000"
        gen = os.path.join(d, "g.trace")
        subprocess.run([vmsim, "gen-vmap", "--workload", "churn", "--live",
                        "2000", "--ops", "20000", "--max-pages", "64",
                        "--range", rng, "-o", gen], check=True)
        allocs = {}
        enospc = 0
        for line in open(gen):
            f = line.split()
            if f and f[0] == "a":
                allocs[f[1]] = allocs.get(f[1], 0) + 1
        r = subprocess.run([vmsim, "vmap", "--strategy", "list", "--range",
                            rng, gen], capture_output=True, text=True)
        enospc = r.stdout.count(" ENOSPC\n")
        again = [i for i, n in allocs.items() if n > 1]
        r = subprocess.run([vmsim, "vmap", "--strategy", "rbtree-cached",
                            "--range", rng, "-o", out, gen],
                           capture_output=True, text=True)
        placed = open(out).read().count(" 0x") if r.returncode == 0 else 0
        ok = (enospc > 0 and r.returncode == 0 and placed > 0 and
              "found no room" in r.stderr)
        print("%s rbtree-cached / gen-vmap trace with %d ENOSPC (list), "
              "%d ids allocated more than once, exit %d, %d placed"
              % ("ok  " if ok else "FAIL", enospc, len(again), r.returncode,
                 placed))
        if not ok:
            fails += 1
            print("  stderr %r" % r.stderr)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
