#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""compare-run on result files, the Mann-Whitney U test, the history.

usage: compare_results.py SCRIPTS_DIR SOURCE_DIR"""

import itertools
import math
import os
import random
import subprocess
import sys
import tempfile

SCRIPTS, SOURCE = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(SCRIPTS, "pylib"))
import vmbstats  # noqa: E402
from checks import check, finish  # noqa: E402



def run(*args):
    p = subprocess.run([sys.executable] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    return p.returncode, p.stdout, p.stderr


def compare(*args):
    return run(os.path.join(SCRIPTS, "compare-run"), *args)


# ---- Mann-Whitney U ------------------------------------------------------

def brute_p(x, y):
    """Exact two-sided p by enumerating every split of the pooled values."""
    pool = list(x) + list(y)
    n1 = len(x)

    def u(a, b):
        return sum((p > q) + 0.5 * (p == q) for p in a for q in b)
    u0 = u(x, y)
    le = ge = total = 0
    for idx in itertools.combinations(range(len(pool)), n1):
        a = [pool[i] for i in idx]
        b = [pool[i] for i in range(len(pool)) if i not in idx]
        uu = u(a, b)
        le += uu <= u0
        ge += uu >= u0
        total += 1
    return min(1.0, 2.0 * min(le, ge) / total)


rng = random.Random(7)
for n1 in range(1, 6):
    for n2 in range(1, 6):
        for trial in range(3):
            vals = rng.sample(range(1000), n1 + n2)
            x, y = vals[:n1], vals[n1:]
            u, p, method = vmbstats.mann_whitney(x, y)
            want = brute_p(x, y)
            check(method == "exact", "method %r %r" % (x, y), method,
                  "exact")
            check(abs(p - want) < 1e-12, "exact p of %r vs %r" % (x, y), p,
                  want)
            check(u == sum(a > b for a in x for b in y), "U of %r %r" %
                  (x, y), u, "pairs with x > y")
# Hand-derived values.  5 vs 5 fully separated: 1 split in C(10,5) = 252
# on each tail.
_, p, _ = vmbstats.mann_whitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
check(abs(p - 2 / 252) < 1e-15, "p of 1..5 vs 6..10", p, 2 / 252)
_, p, _ = vmbstats.mann_whitney([1, 2, 3], [4, 5, 6])
check(abs(p - 0.1) < 1e-15, "p of 1..3 vs 4..6", p, 0.1)
# Ties: [1,1] vs [2,2]: U = 0, mean 2, variance 4/12 * (5 - 12/12) = 4/3,
# z = (2 - 0.5) / sqrt(4/3) = 1.2990, p = erfc(z / sqrt 2) = 0.19393.
u, p, method = vmbstats.mann_whitney([1, 1], [2, 2])
check(method == "normal" and u == 0, "tied method and U", (method, u),
      ("normal", 0))
check(abs(p - 0.193931) < 1e-6, "tied p of [1,1] vs [2,2]", p, 0.193931)
# Ties only within a sample change nothing about the separation; p from
# the hand formula: n1 = n2 = 4, t = 2 and 2, var = 16/12 * (9 - 12/56).
u, p, _ = vmbstats.mann_whitney([1, 1, 2, 3], [4, 5, 5, 6])
var = 16 / 12 * (9 - 12 / 56)
want = math.erfc((8 - 0.5) / math.sqrt(var) / math.sqrt(2))
check(abs(p - want) < 1e-12, "tied p of 4 vs 4", p, want)
_, p, _ = vmbstats.mann_whitney([3, 3, 3], [3, 3, 3])
check(p == 1.0, "all equal", p, 1.0)
check(vmbstats.median([3, 1, 2]) == 2 and vmbstats.median([4, 1, 2, 3])
      == 2.5, "median", None, None)
check(abs(vmbstats.geomean([2, 8]) - 4) < 1e-12, "geomean", None, 4)

# ---- compare-run --results --------------------------------------------

HEAD = ("family,strategy,workload,arch,tlb,n,iterations,ns_per_op,cycles,"
        "instructions,cache_misses,dtlb_load_misses,branch_misses,"
        "task_clock_ns,page_faults,context_switches,sim_walks,repetition,"
        "scaled")


def write(path, slow=1.0, sim=7, reps=9, extra=""):
    r = random.Random(1)
    lines = [HEAD]
    for strat, base in (("c", 1.0), ("cxx", 0.5)):
        for rep in range(reps):
            f = slow if strat == "c" else 1.0
            ns = base * f * (1 + r.uniform(-0.01, 0.01))
            lines.append("shim,%s,empty,,,,1000,%r,NA,NA,NA,NA,NA,NA,0,0,,%d,"
                         % (strat, ns, rep))
    for rep in range(reps):
        lines.append("vmap,list,churn,,,64,1000,%r,NA,NA,NA,NA,NA,NA,0,0,"
                     "%s,%d," % (50.0 + rep * 0.01, sim, rep))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n" + extra)


with tempfile.TemporaryDirectory(prefix="vmb-cmp-") as tmp:
    a = os.path.join(tmp, "a.csv")
    b = os.path.join(tmp, "b.csv")
    write(a)
    write(b)
    rc, out, err = compare("--results", a, b)
    check(rc == 0, "identical inputs: exit status", (rc, err), 0)
    check("slower" not in out and "faster" not in out and
          out.count(" same") >= 4, "identical inputs: all same", out,
          "verdict same")

    # A directory with results.csv works as well as the file.
    d = os.path.join(tmp, "dir")
    os.mkdir(d)
    write(os.path.join(d, "results.csv"), slow=1.2)
    out_csv = os.path.join(tmp, "cmp.csv")
    rc, out, err = compare("--results", a, d, "--csv", out_csv)
    check(rc == 1, "planted 20% slowdown: exit status", (rc, err), 1)
    with open(out_csv) as f:
        rows = [l.split(",") for l in f.read().splitlines()]
    check(rows[0] == list(vmbstats.Row.fields), "--csv header", rows[0],
          list(vmbstats.Row.fields))
    verd = {(r[0], r[1], r[2]): r[-1] for r in rows[1:]}
    check(verd.get(("time", "shim/c/empty", "ns_per_op")) == "slower",
          "planted slowdown flagged", verd, "shim/c/empty slower")
    check(verd.get(("time", "shim/cxx/empty", "ns_per_op")) == "same",
          "untouched benchmark", verd, "shim/cxx/empty same")
    check(verd.get(("sim", "vmap/list/churn/n:64", "sim_walks")) == "same",
          "sim counter equal", verd, "same")
    check(not [f for f in os.listdir(tmp) if f.startswith(".tmp")],
          "--csv leaves no temporary file", os.listdir(tmp), "none")
    # A planted speed-up is reported and is no failure.
    write(b, slow=0.8)
    rc, out, err = compare("--results", a, b, "--markdown")
    check(rc == 0, "speed-up: exit status", (rc, err), 0)
    check("| shim/c/empty | ns_per_op |" in out and "faster" in out and
          "geometric mean" in out, "markdown table", out, "a faster row")
    # A below-threshold change is 'same' even when significant.
    write(b, slow=1.03)
    rc, out, err = compare("--results", a, b)
    check(rc == 0, "3% change under the 5% threshold", (rc, out), 0)
    rc, out, err = compare("--results", a, b, "--threshold", "0.01")
    check(rc == 1, "3% change over a 1% threshold", (rc, out), 1)

    # Simulated counters must match.
    write(b, sim=8)
    rc, out, err = compare("--results", a, b)
    check(rc == 1 and "changed" in out, "sim counter changed", (rc, out),
          "exit 1, changed")
    rc, out, err = compare("--results", a, b, "--allow-sim-change")
    check(rc == 0 and "changed" in out, "--allow-sim-change", (rc, out),
          "exit 0, changed")

    # Bad input: exit 2 naming FILE:LINE or the option.
    bad = os.path.join(tmp, "bad.csv")
    write(bad, extra="shim,c,empty,,,,1000\n")
    rc, out, err = compare("--results", a, bad)
    want = "%s:29: 7 fields, header has 19" % bad
    check(rc == 2 and err.startswith(want) and out == "",
          "short row", (rc, err, out), (2, want))
    with open(bad, "w") as f:
        f.write(HEAD + "\nshim,c,empty,,,,1000,fast,NA,NA,NA,NA,NA,NA,0,0,,"
                "0,\n")
    rc, out, err = compare("--results", a, bad)
    check(rc == 2 and err.startswith(bad + ":2: ns_per_op 'fast'"),
          "non-numeric ns_per_op", (rc, err), bad + ":2:")
    with open(bad, "w") as f:
        f.write("family,strategy\nshim,c\n")
    rc, out, err = compare("--results", a, bad)
    check(rc == 2 and err.startswith(bad + ":1: header lacks column"),
          "header without the columns", (rc, err), bad + ":1:")
    rc, out, err = compare("--results", a, os.path.join(tmp, "none.csv"))
    check(rc == 2 and "no such file" in err, "missing file", (rc, err), 2)
    for args, opt in ((["--threshold", "2"], "--threshold:"),
                      (["--alpha", "0"], "--alpha:"),
                      (["--repetitions", "3", "HEAD"], "--repetitions:"),
                      (["--bogus"], "unrecognized arguments")):
        rc, out, err = compare("--results", a, b, *args) \
            if opt != "--repetitions:" else compare(*args)
        check(rc == 2 and opt in err, "bad option %s" % args, (rc, err),
              (2, opt))
    rc, out, err = compare("--repo", SOURCE, "no-such-rev-xyz", "HEAD")
    check(rc == 2 and err.startswith("BASE: unknown revision "
                                     "'no-such-rev-xyz'"),
          "unknown revision", (rc, err), "BASE: unknown revision")

    # History: append-only.
    hist = os.path.join(tmp, "hist")
    dash = os.path.join(SCRIPTS, "dashboard")
    rc, out, err = run(dash, "--history", hist, "--append", a,
                       "--run-id", "r1", "--revision", "abc")
    check(rc == 0, "append a run", (rc, err), 0)
    rc, out, err = run(dash, "--history", hist, "--append", d)
    check(rc == 0, "append a result directory", (rc, err), 0)
    with open(os.path.join(hist, "index.csv")) as f:
        index = f.read()
    with open(os.path.join(hist, "runs", "r1.csv")) as f:
        r1 = f.read()
    lines = index.splitlines()
    check(len(lines) == 3 and lines[1].startswith("r1,abc,") and
          lines[2].startswith("dir,unknown,"), "index.csv", lines,
          "header, r1, dir")
    rc, out, err = run(dash, "--history", hist, "--append", b,
                       "--run-id", "r1")
    check(rc == 2 and "append-only" in err, "append the same id again",
          (rc, err), 2)
    with open(os.path.join(hist, "index.csv")) as f:
        check(f.read() == index, "index unchanged after refusal", None,
              None)
    with open(os.path.join(hist, "runs", "r1.csv")) as f:
        check(f.read() == r1, "run unchanged after refusal", None, None)
    # A run file that exists without an index line is not overwritten
    # either.
    with open(os.path.join(hist, "runs", "r9.csv"), "w") as f:
        f.write("keep\n")
    rc, out, err = run(dash, "--history", hist, "--append", b,
                       "--run-id", "r9")
    with open(os.path.join(hist, "runs", "r9.csv")) as f:
        check(rc == 2 and f.read() == "keep\n", "existing run file kept",
              (rc, err), 2)

finish()
