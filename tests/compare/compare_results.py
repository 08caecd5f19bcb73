#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""compare-run on result files, the Mann-Whitney U test, the history.

usage: compare_results.py SCRIPTS_DIR SOURCE_DIR"""

import csv
import itertools
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile

SCRIPTS, SOURCE = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(SCRIPTS, "pylib"))
import vmbstats  # noqa: E402
from checks import check, finish, snapshot, unchanged  # noqa



def run(*args):
    p = subprocess.run([sys.executable] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    return p.returncode, p.stdout, p.stderr


def compare(*args):
    return run(os.path.join(SCRIPTS, "compare-run"), *args)


def verdicts(path):
    """{(kind, benchmark, metric): (verdict, note)} of a --csv file."""
    with open(path, newline="") as f:
        return {(r["kind"], r["benchmark"], r["metric"]):
                (r["verdict"], r["note"]) for r in csv.DictReader(f)}


def bad(d, args, want, what):
    """compare-run ARGS is refused: exit 2, nothing on stdout, the first
    line of stderr is WANT, and nothing under D appeared, changed or
    disappeared."""
    before = snapshot(d)
    rc, out, err = compare(*args)
    first = err.splitlines()[0] if err else ""
    check(rc == 2 and out == "" and first == want, what, (rc, first, out),
          (2, want, ""))
    check("Traceback" not in err, what + ": no traceback", err, "")
    unchanged(d, before, what)


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

    # The smallest p of a permutation test: brute force over the splits
    # of fully separated samples, and the repetitions alpha needs.
    for n1 in range(1, 6):
        for n2 in range(1, 6):
            want = brute_p(range(n1), range(n1, n1 + n2))
            got = vmbstats.min_p(n1, n2)
            check(abs(got - want) < 1e-12, "min_p(%d, %d)" % (n1, n2), got,
                  want)
    for alpha, n in ((0.05, 4), (0.1, 4), (0.01, 5), (0.001, 7)):
        check(vmbstats.reps_needed(alpha) == n, "reps_needed(%g)" % alpha,
              vmbstats.reps_needed(alpha), n)
    check(vmbstats.unsure_reason(3, 3, 0.05) ==
          "n=3/3 cannot reach alpha=0.05; need >= 4 per side",
          "unsure reason of 3/3", vmbstats.unsure_reason(3, 3, 0.05), None)
    check(vmbstats.verdict(float("nan"), 0.001, 0.05, 0.05, 9, 9) ==
          "unsure", "no ratio (base median 0) is unsure, not same",
          vmbstats.verdict(float("nan"), 0.001, 0.05, 0.05, 9, 9), "unsure")
    check(vmbstats.unsure_reason(4, 4, 0.05) is None, "4/4 can reach 0.05",
          vmbstats.unsure_reason(4, 4, 0.05), None)

    # A consistent 30% slowdown: over 3 repetitions a side the test cannot
    # tell ('unsure', exit 0, or 3 with --fail-on-unsure), over 9 it is
    # 'slower' (exit 1).  Result directories given as positional
    # arguments are --results.
    for reps in (3, 9):
        for side, slow in (("a", 1.0), ("b", 1.3)):
            os.makedirs(os.path.join(tmp, "r%d%s" % (reps, side)))
            write(os.path.join(tmp, "r%d%s" % (reps, side), "results.csv"),
                  slow=slow, reps=reps)
    r3a, r3b = os.path.join(tmp, "r3a"), os.path.join(tmp, "r3b")
    r9a, r9b = os.path.join(tmp, "r9a"), os.path.join(tmp, "r9b")
    why = "n=3/3 cannot reach alpha=0.05; need >= 4 per side"
    c3 = os.path.join(tmp, "c3.csv")
    rc, out, err = compare(r3a, r3b, "--csv", c3)
    check(rc == 0, "30% slower over 3: exit 0 without --fail-on-unsure",
          (rc, err), 0)
    row = [l for l in out.splitlines() if l.startswith("shim/c/empty ")]
    check(len(row) == 1 and row[0].split()[-1] == "unsure" and
          ("unsure: %s (3 benchmark(s))" % why) in out.splitlines(),
          "30% slower over 3: console says unsure and why", out, why)
    check("same" not in "".join(l for l in out.splitlines()
                                if "ns_per_op" in l),
          "30% slower over 3: no time row says same", out, "no same")
    v = verdicts(c3)
    check(v.get(("time", "shim/c/empty", "ns_per_op")) == ("unsure", why),
          "30% slower over 3: CSV verdict and note", v, ("unsure", why))
    check(v.get(("sim", "vmap/list/churn/n:64", "sim_walks")) ==
          ("same", ""), "sim rows have no note", v, ("same", ""))
    check("unsure" in err and "--fail-on-unsure" in err,
          "30% slower over 3: stderr note", err, "unsure ... "
          "--fail-on-unsure")
    rc, out, err = compare("--results", r3a, r3b, "--markdown",
                           "--fail-on-unsure")
    check(rc == 3, "30% slower over 3 with --fail-on-unsure: exit 3",
          (rc, err), 3)
    check("| shim/c/empty | ns_per_op |" in out and "**unsure** |" in out
          and ("*unsure: %s (3 benchmark(s))*" % why) in out,
          "markdown says unsure and why", out, why)
    c9 = os.path.join(tmp, "c9.csv")
    rc, out, err = compare(r9a, r9b, "--csv", c9, "--fail-on-unsure")
    check(rc == 1, "30% slower over 9: exit 1", (rc, err), 1)
    v = verdicts(c9)
    check(v.get(("time", "shim/c/empty", "ns_per_op")) == ("slower", "") and
          v.get(("time", "shim/cxx/empty", "ns_per_op")) == ("same", ""),
          "30% slower over 9: slower, the untouched one same", v,
          "slower, same")
    check("unsure" not in out, "9 a side: nobody unsure", out, "no unsure")
    # A stricter alpha makes 9 a side too few as well.
    rc, out, err = compare(r9a, r9b, "--alpha", "0.00001")
    check(rc == 0 and "unsure: n=9/9 cannot reach alpha=1e-05; need >= 11 "
          "per side" in out, "9 a side at alpha 1e-5", (rc, out), "unsure")

    # The report's reader stops early (compare-run ... | head): no
    # traceback, the verdict's exit status, the --csv file whole.
    rd, wr = os.pipe()
    os.close(rd)
    c9b = os.path.join(tmp, "c9b.csv")
    p = subprocess.run([sys.executable, os.path.join(SCRIPTS, "compare-run"),
                        r9a, r9b, "--csv", c9b], stdout=wr,
                       stderr=subprocess.PIPE, universal_newlines=True)
    os.close(wr)
    check(p.returncode == 1 and "Traceback" not in p.stderr,
          "broken pipe: exit 1, no traceback", (p.returncode, p.stderr), 1)
    with open(c9, "rb") as f, open(c9b, "rb") as g:
        check(f.read() == g.read(), "broken pipe: --csv written whole",
              None, None)
    for f in (c3, c9, c9b):
        os.unlink(f)

    # A directory with results.csv works as well as the file.
    d = os.path.join(tmp, "dir")
    os.mkdir(d)
    write(os.path.join(d, "results.csv"), slow=1.2)
    out_csv = os.path.join(tmp, "cmp.csv")
    rc, out, err = compare("--results", a, d, "--csv", out_csv)
    check(rc == 1, "planted 20% slowdown: exit status", (rc, err), 1)
    with open(out_csv) as f:
        hdr = f.readline().rstrip("\n").split(",")
    check(hdr == list(vmbstats.Row.fields), "--csv header", hdr,
          list(vmbstats.Row.fields))
    verd = {k: v[0] for k, v in verdicts(out_csv).items()}
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

    # Bad input: exit 2, the first line of stderr names FILE:LINE or the
    # option, nothing appears, changes or disappears (not the --csv).
    cmp_csv = os.path.join(tmp, "never.csv")
    bad_csv = os.path.join(tmp, "bad.csv")
    write(bad_csv, extra="shim,c,empty,,,,1000\n")
    bad(tmp, ["--results", a, bad_csv, "--csv", cmp_csv],
        "%s:29: 7 fields, header has 19" % bad_csv, "short row")
    with open(bad_csv, "w") as f:
        f.write(HEAD + "\nshim,c,empty,,,,1000,fast,NA,NA,NA,NA,NA,NA,0,0,,"
                "0,\n")
    bad(tmp, ["--results", a, bad_csv],
        "%s:2: ns_per_op 'fast' or iterations '1000' is not a number" %
        bad_csv, "non-numeric ns_per_op")
    with open(bad_csv, "w") as f:
        f.write("family,strategy\nshim,c\n")
    bad(tmp, ["--results", a, bad_csv],
        "%s:1: header lacks column 'workload'" % bad_csv,
        "header without the columns")
    with open(bad_csv, "w") as f:
        f.write(HEAD.replace("sim_walks", "ns_per_op") + "\n")
    bad(tmp, ["--results", a, bad_csv, "--csv", cmp_csv],
        "%s:1: column 'ns_per_op' appears twice in the header" % bad_csv,
        "duplicated column")
    none = os.path.join(tmp, "none.csv")
    bad(tmp, ["--results", a, none],
        "%s: no such file or directory" % none, "missing file")
    # No benchmark in common: an error, not a geometric mean of nothing.
    with open(a) as f, open(bad_csv, "w") as g:
        g.write(f.read().replace("shim,", "other,").replace(
            "vmap,list", "vmap,rbtree"))
    bad(tmp, ["--results", a, bad_csv, "--csv", cmp_csv],
        "--results: %s and %s have no benchmark in common" % (a, bad_csv),
        "no benchmark in common")
    bad(tmp, ["--results", r9a, r3b, "--csv", tmp],
        "--csv: %s is a directory" % tmp, "--csv a directory")
    for args, want in (
            (["--threshold", "2"],
             "compare-run: --threshold: 2 is not in [0, 1) (try --help)"),
            (["--alpha", "0"],
             "compare-run: --alpha: 0 is not in (0, 1) (try --help)"),
            (["--bogus"],
             "compare-run: unrecognized arguments: --bogus (try --help)")):
        bad(tmp, ["--results", a, b, "--csv", cmp_csv] + args, want,
            "bad option %s" % args)
    # (--repo names no repository: a check that fails must not start a
    # real A/B run.)
    bad(tmp, ["--repetitions", "3", "HEAD", "--repo", r3a],
        "compare-run: --repetitions: 3 is below the minimum of 9 "
        "(try --help)", "--repetitions 3")
    bad(tmp, ["--alpha", "0.00001", "HEAD", "--repo", r3a],
        "compare-run: --repetitions: 9 per side cannot reach --alpha 1e-05; "
        "need >= 11 (try --help)", "--repetitions too few for --alpha")

    # --instructions over icount CSVs: the same refusal of nothing in
    # common; a 2% rise in instructions is 'slower' and exit 1.
    ia, ib = os.path.join(tmp, "ia.csv"), os.path.join(tmp, "ib.csv")
    icount_head = "benchmark,mode,iterations,instructions,d1_misses," \
        "ll_misses\n"
    with open(ia, "w") as f:
        f.write(icount_head + "shim/c/empty,per-op,1000,100,0,0\n")
    with open(ib, "w") as f:
        f.write(icount_head + "shim/c/empty,per-op,1000,102,0,0\n")
    ic = os.path.join(tmp, "ic.csv")
    rc, out, err = compare("--instructions", "--results", ia, ib, "--csv", ic)
    check(rc == 1 and verdicts(ic).get(
        ("icount", "shim/c/empty", "instructions")) == ("slower", ""),
        "instructions 2% up", (rc, out, err), 1)
    os.unlink(ic)
    with open(ib, "w") as f:
        f.write(icount_head + "shim/cxx/empty,per-op,1000,102,0,0\n")
    bad(tmp, ["--instructions", "--results", ia, ib, "--csv", cmp_csv],
        "--results: %s and %s have no benchmark in common" % (ia, ib),
        "icount CSVs with no benchmark in common")

    # --help names the exit codes and Google Benchmark's compare.py.
    rc, out, err = compare("--help")
    check(rc == 0 and "/usr/share/benchmark/compare.py" in out and
          "--fail-on-unsure" in out and "\n  3  with --fail-on-unsure" in out,
          "--help", (rc, out[-300:]), "compare.py path, exit codes")

    # Revisions: a repository of the test's own (the source may be an
    # unpacked release tarball, not a git checkout).
    repo = os.path.join(tmp, "repo")
    cache = os.path.join(tmp, "cache")
    if shutil.which("git"):
        os.mkdir(repo)
        for cmd in (["init", "--quiet"],
                    ["commit", "--quiet", "--allow-empty", "-m", "one"]):
            subprocess.run(["git", "-c", "user.name=t", "-c",
                            "user.email=t@t"] + cmd, cwd=repo, check=True)
        bad(tmp, ["--repo", repo, "--cache", cache, "no-such-rev-xyz", "HEAD"],
            "BASE: unknown revision 'no-such-rev-xyz'", "unknown revision")
        # One directory is a revision that does not exist, with a hint.
        bad(tmp, ["--repo", repo, "--cache", cache, r9a, "HEAD"],
            "BASE: unknown revision '%s' ('%s' is a directory: to compare "
            "result directories give two of them, or --results A B)" %
            (r9a, r9a), "one directory and a revision")
        bad(tmp, ["--repo", repo, "--cache", cache, "HEAD", a],
            "HEAD: unknown revision '%s' ('%s' is a file: to compare result "
            "files use --results A B)" % (a, a), "a file as revision")
        bad(tmp, ["--repo", r3a, "no-such-rev-xyz"],
            "--repo: %s is not a git repository" % r3a,
            "--repo not a repository")
    else:
        # Without git, revisions are refused cleanly.
        bad(tmp, ["--repo", tmp, "HEAD~1", "HEAD"],
            "git: not found; comparing revisions needs it "
            "(./scripts/ci-deps installs it)", "revisions without git")

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
