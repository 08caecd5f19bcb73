#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Bad-input catalogue for the scripts (plot, dashboard, icount, pairs.py,
bench, ci-regression) and their shared helpers: every case must exit with the expected
status (2 for bad input), put the expected first line on stderr, print no
Python traceback, and leave the case's directory exactly as it was (no
file appeared, changed or disappeared; no temporary file).  The device
case is a FIFO the test creates.

usage: scripts_badinput.py SOURCE_ROOT
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SRC = os.path.abspath(sys.argv[1])
SCRIPTS = os.path.join(SRC, "scripts")
FIXTURE = os.path.join(SRC, "tests", "data", "plot_fixture.csv")
PAIRS = os.path.join(SRC, "tests", "data", "pairs_results.csv")
HISTORY = os.path.join(SRC, "tests", "data", "history")
sys.path.insert(0, os.path.join(SCRIPTS, "pylib"))
import vmbstats  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "pylib"))
from harness import Checks, read_fifo  # noqa: E402
from snapshot import snapshot  # noqa: E402

# The signal cases need the default dispositions in the tools they start:
# launched under nohup (or as a background job), the tests would hand them
# SIGHUP (or SIGINT) ignored, which the tools rightly honour.
for _sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
    if signal.getsignal(_sig) == signal.SIG_IGN:
        signal.signal(_sig, signal.SIG_DFL)

checks = Checks()
ok, fail = checks.ok, checks.fail


def check(name, cmd, code, first, tmp, cwd=None, **kw):
    """Run cmd; exit status code, stderr's first line == first (T in it is
    the case's directory), no traceback, tmp unchanged."""
    before = snapshot(tmp)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                       cwd=cwd or tmp, **kw)
    want = first.replace("T/", tmp + "/")
    if want.startswith("T:"):
        want = tmp + want[1:]
    got = p.stderr.splitlines()[0] if p.stderr else ""
    after = snapshot(tmp)
    if p.returncode != code:
        return fail(name, "exit %d, want %d" % (p.returncode, code), p)
    if got != want:
        return fail(name, "first line of stderr\n  %r, want\n  %r" %
                    (got, want), p)
    if "Traceback" in p.stderr or "Traceback" in p.stdout:
        return fail(name, "a traceback", p)
    if before != after:
        changed = sorted(set(before.items()) ^ set(after.items()))
        return fail(name, "files changed: %s" % changed, p)
    ok(name)


def case_dir():
    return tempfile.mkdtemp(prefix="vmb-badinput-")


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


def py(script, *args):
    return [sys.executable, os.path.join(SCRIPTS, script)] + list(args)


with open(FIXTURE) as f:
    FIX = f.read()
HEAD = FIX.splitlines()[0]
WIDTH = len(HEAD.split(","))

# ---- scripts/plot --------------------------------------------------------
PLOT = os.path.join(SCRIPTS, "plot")
for name, text, line in (
        ("plot: short row", FIX + "vmap,augrb,x\n", None),
        ("plot: header only", HEAD + "\n", "T/run/results.csv:2: no rows "
         "after the header"),
        ("plot: empty file", "", "T/run/results.csv:1: empty file, "
         "expected a header"),
        ("plot: ns_per_op not a number",
         FIX.replace(FIX.splitlines()[1], ",".join(
             ("bogus" if c == "ns_per_op" else v) for c, v in
             zip(HEAD.split(","), FIX.splitlines()[1].split(","))), 1),
         None)):
    t = case_dir()
    write(os.path.join(t, "run", "results.csv"), text)
    if line is None and name == "plot: short row":
        line = "T/run/results.csv:%d: 3 fields, header has %d" % (
            len(FIX.splitlines()) + 1, WIDTH)
    if line is None:
        line = ("T/run/results.csv:2: ns_per_op 'bogus' or iterations '%s' "
                "is not a number" % FIX.splitlines()[1].split(",")[
                    HEAD.split(",").index("iterations")])
    check(name, [PLOT, "-o", os.path.join(t, "out"), os.path.join(t, "run")],
          2, line, t)
    shutil.rmtree(t)

t = case_dir()
write(os.path.join(t, "run", "results.csv"),
      FIX.encode() + b"vmap,augrb,\xff\n", "wb")
check("plot: undecodable byte", [PLOT, "-o", os.path.join(t, "out"),
                                  os.path.join(t, "run")], 2,
      "T/run/results.csv:%d: not UTF-8 text (byte 0xff)" %
      (len(FIX.splitlines()) + 1), t)
write(os.path.join(t, "run", "results.csv"), FIX)
write(os.path.join(t, "file"), "not a directory\n")
check("plot: -o a file", [PLOT, "-o", os.path.join(t, "file"),
                          os.path.join(t, "run")], 2,
      "-o: T/file: not a directory", t)
check("plot: -o under a file", [PLOT, "-o", os.path.join(t, "file", "x"),
                                os.path.join(t, "run")], 2,
      "-o: T/file/x: T/file is not a directory", t)
check("plot: no results.csv", [PLOT, "-o", os.path.join(t, "out"),
                               os.path.join(t, "run2")], 2,
      "T/run2/results.csv: no such file", t)
write(os.path.join(t, "run2", "results.csv"),
      FIX.replace(HEAD, HEAD + ",n", 1).replace("\n", ",\n"))
check("plot: duplicated column", [PLOT, "-o", os.path.join(t, "out"),
                                  os.path.join(t, "run2")], 2,
      "T/run2/results.csv:1: column 'n' appears twice in the header", t)
shutil.rmtree(t)

# ---- scripts/pairs.py ----------------------------------------------------
t = case_dir()
write(os.path.join(t, "bad.csv"), b"family,strategy,workload,n,ns_per_op\n"
      b"pair,load,tlb-hit,16,1\npair,load,tlb-hit,16,\xfe\n", "wb")
check("pairs: undecodable byte", py("pairs.py", os.path.join(t, "bad.csv")),
      2, "T/bad.csv:3: not UTF-8 text (byte 0xfe)", t)
check("pairs: a directory", py("pairs.py", t), 2,
      "T: Is a directory", t)
write(os.path.join(t, "bad.json"), '{"benchmarks": [\n{"name": 1},\n')
check("pairs: truncated JSON", py("pairs.py", os.path.join(t, "bad.json")),
      2, "T/bad.json:3: bad JSON: Expecting value", t)
write(os.path.join(t, "list.json"), '{"benchmarks": 7}\n')
check("pairs: JSON without a list", py("pairs.py",
                                       os.path.join(t, "list.json")),
      2, "T/list.json:1: not Google Benchmark JSON (no list 'benchmarks')", t)
write(os.path.join(t, "q.csv"), 'family,strategy,workload,n,ns_per_op\n'
      'pair,load,"tlb\n')
check("pairs: unterminated quote", py("pairs.py", os.path.join(t, "q.csv")),
      2, "T/q.csv:2: not a CSV file (unexpected end of data)", t)
shutil.rmtree(t)

# A closed pipe (as '| head' closes it): quiet, 141, no traceback.
p = subprocess.Popen(py("pairs.py", PAIRS), stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)
p.stdout.close()
err = p.stderr.read().decode()
p.wait(timeout=60)
if p.returncode != 141 or err:
    fail("pairs: closed stdout", "exit %d, stderr %r" % (p.returncode, err))
else:
    ok("pairs: closed stdout")

# ---- scripts/dashboard ---------------------------------------------------
DASH = os.path.join(SCRIPTS, "dashboard")
t = case_dir()
check("dashboard: missing history", py("dashboard", "--history",
                                       os.path.join(t, "none"), "-o",
                                       os.path.join(t, "out")), 2,
      "--history: T/none: no such directory (start one with --append RUN)",
      t)
os.mkdir(os.path.join(t, "empty"))
check("dashboard: empty history", py("dashboard", "--history",
                                     os.path.join(t, "empty"), "-o",
                                     os.path.join(t, "out")), 2,
      "--history: T/empty has no runs (add some with --append RUN)", t)
write(os.path.join(t, "file"), "x\n")
check("dashboard: -o a file", py("dashboard", "--history", HISTORY, "-o",
                                 os.path.join(t, "file")), 2,
      "-o: T/file: not a directory", t)
os.makedirs(os.path.join(t, "out", "index.html"))
check("dashboard: -o/index.html a directory",
      py("dashboard", "--history", HISTORY, "-o", os.path.join(t, "out")), 2,
      "-o: T/out/index.html: is a directory", t)
write(os.path.join(t, "h1", "index.csv"),
      "run_id,revision,date,rows\nr1,abc,2024-01-01,3\n")
check("dashboard: index names a missing run",
      py("dashboard", "--history", os.path.join(t, "h1"), "-o",
         os.path.join(t, "o1")), 2,
      "T/h1/index.csv:2: run 'r1': T/h1/runs/r1.csv is missing", t)
write(os.path.join(t, "h2", "index.csv"),
      b"run_id,revision,date,rows\nr\xc3(,abc,2024-01-01,3\n", "wb")
check("dashboard: undecodable index",
      py("dashboard", "--history", os.path.join(t, "h2"), "-o",
         os.path.join(t, "o2")), 2,
      "T/h2/index.csv:2: not UTF-8 text (byte 0xc3)", t)
write(os.path.join(t, "run", "results.csv"), FIX)
write(os.path.join(t, "run", "run.json"), '{"run_id": "x",\n')
check("dashboard: --append with a bad run.json",
      py("dashboard", "--append", os.path.join(t, "run"), "--history",
         os.path.join(t, "h3")), 2,
      "T/run/run.json:2: not JSON (Expecting property name enclosed in "
      "double quotes)", t)
os.unlink(os.path.join(t, "run", "run.json"))
check("dashboard: --append to a history that is a file",
      py("dashboard", "--append", os.path.join(t, "run"), "--history",
         os.path.join(t, "file")), 2,
      "--history: T/file: not a directory", t)
write(os.path.join(t, "bad", "results.csv"),
      FIX.encode() + b"\x80\n", "wb")
check("dashboard: --append of an undecodable run",
      py("dashboard", "--append", os.path.join(t, "bad"), "--history",
         os.path.join(t, "h4")), 2,
      "T/bad/results.csv:%d: not UTF-8 text (byte 0x80)" %
      (len(FIX.splitlines()) + 1), t)

# Simulated counters that are not finite (nan, inf) and a benchmark at
# 0 ns/op are drawn as not measured: the page renders, and no SVG
# coordinate or label says nan or inf.
write(os.path.join(t, "nanrun", "results.csv"),
      "family,strategy,workload,arch,tlb,n,iterations,ns_per_op,sim_a,"
      "sim_b,repetition\nvmap,list,churn,,,10,100,0,nan,inf,0\n"
      "vmap,list,churn,,,10,100,0,nan,inf,1\nsolo,,,,,,100,5,NA,NA,0\n")
for rid in ("a", "b"):
    subprocess.run(py("dashboard", "--append", os.path.join(t, "nanrun"),
                      "--history", os.path.join(t, "h6"), "--run-id", rid),
                   capture_output=True, check=True)
out6 = tempfile.mkdtemp(prefix="vmb-dash-")
check("dashboard: non-finite simulated counters",
      py("dashboard", "--history", os.path.join(t, "h6"), "-o", out6), 0,
      "", t)
with open(os.path.join(out6, "index.html")) as f:
    svg = "".join(re.findall(r"<svg.*?</svg>", f.read(), re.S))
if re.search(r"\b(nan|inf)\b", svg, re.I) or "<svg" not in svg:
    fail("dashboard: non-finite simulated counters", "nan/inf in an SVG")
shutil.rmtree(out6)

# Signals: --append blocked on a FIFO as its results.csv; the history must
# not appear.
os.mkdir(os.path.join(t, "fifo"))
os.mkfifo(os.path.join(t, "fifo", "results.csv"))
for sig, code in ((signal.SIGTERM, 143), (signal.SIGINT, 130),
                  (signal.SIGHUP, 129)):
    name = "dashboard: %s while reading" % signal.Signals(sig).name
    before = snapshot(t)
    p = subprocess.Popen(py("dashboard", "--append",
                            os.path.join(t, "fifo"), "--history",
                            os.path.join(t, "h5")),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    time.sleep(1.0)
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    if p.returncode != code or "Traceback" in err or snapshot(t) != before:
        fail(name, "exit %d (want %d), stderr %r" % (p.returncode, code, err))
    else:
        ok(name)
shutil.rmtree(t)

# ---- scripts/icount ------------------------------------------------------
t = case_dir()
os.mkdir(os.path.join(t, "dir"))
check("icount: -o a directory", py("icount", "-o", os.path.join(t, "dir")),
      2, "-o: T/dir: is a directory", t)
check("icount: -o in a missing directory",
      py("icount", "-o", os.path.join(t, "no", "x.csv")), 2,
      "-o: T/no/x.csv: directory T/no does not exist", t)
check("icount: --vmbench a directory",
      py("icount", "--vmbench", os.path.join(t, "dir")), 2,
      "--vmbench: T/dir is not an executable (build with ninja -C build)", t)
shutil.rmtree(t)

# ---- scripts/bench (a copy in a tree of the test's own) -----------------
t = case_dir()
os.mkdir(os.path.join(t, "scripts"))
for f in ("bench", "deps.sh"):
    shutil.copy2(os.path.join(SCRIPTS, f), os.path.join(t, "scripts", f))
bench = os.path.join(t, "scripts", "bench")
check("bench: --filter not a regex", [bench, "--filter", "("], 2,
      "--filter: '(' is not an extended regex", t)
check("bench: --reps 0", [bench, "--reps", "0"], 2,
      "--reps: needs a positive count", t)
write(os.path.join(t, "results"), "x\n")
check("bench: results/ a file", [bench], 2,
      "./scripts/bench: results: not a directory (the runs go to results/)",
      t)
os.unlink(os.path.join(t, "results"))
write(os.path.join(t, "plots"), "x\n")
check("bench: plots/ a file", [bench], 2,
      "./scripts/bench: plots: not a directory (the runs go to plots/)", t)
shutil.rmtree(t)

# ---- scripts/bench: the history and the dashboard, checked up front ------
t = case_dir()
os.makedirs(os.path.join(t, "scripts"))
for f in ("bench", "deps.sh"):
    shutil.copy2(os.path.join(SCRIPTS, f), os.path.join(t, "scripts", f))
shutil.copytree(os.path.join(SCRIPTS, "pylib"),
                os.path.join(t, "scripts", "pylib"),
                ignore=shutil.ignore_patterns("__pycache__"))
bench = os.path.join(t, "scripts", "bench")
write(os.path.join(t, "hfile"), "x\n")
check("bench: --history a file", [bench, "--history", "hfile"], 2,
      "--history: hfile: not a directory", t)
check("bench: --dashboard under a file",
      [bench, "--dashboard", "hfile/page"], 2,
      "--dashboard: hfile/page: hfile is not a directory", t)
check("bench: --history without a directory", [bench, "--history"], 2,
      "--history: needs a directory", t)
write(os.path.join(t, "results", "history", "index.csv"), "bad,header\n")
check("bench: the history's index.csv malformed", [bench], 2,
      "results/history/index.csv:1: header must be run_id,revision,date,rows",
      t)
shutil.rmtree(t)

# ---- scripts/ci-regression: outputs checked before anything is built -----
t = case_dir()
CI = "ci-regression"
write(os.path.join(t, "file"), "x\n")
os.makedirs(os.path.join(t, "dir", "index.html"))
write(os.path.join(t, "bad", "index.csv"), "bad,header\n")
write(os.path.join(t, "full", "x"), "x\n")
T = lambda *p: os.path.join(t, *p)  # noqa: E731
check("ci-regression: one revision", py(CI, "HEAD"), 2,
      "ci-regression: BASE HEAD: give two revisions (got 1) (try --help)", t)
check("ci-regression: --history a file",
      py(CI, "--history", T("file"), "A", "B"), 2,
      "--history: T/file: not a directory", t)
check("ci-regression: --history's index.csv malformed",
      py(CI, "--history", T("bad"), "A", "B"), 2,
      "T/bad/index.csv:1: header must be run_id,revision,date,rows", t)
check("ci-regression: --dashboard's index.html a directory",
      py(CI, "--history", T("h"), "--dashboard", T("dir"), "A", "B"), 2,
      "--dashboard: T/dir/index.html: is a directory", t)
check("ci-regression: --summary a directory",
      py(CI, "--history", T("h"), "--dashboard", T("d"), "--summary",
         T("dir"), "A", "B"), 2, "--summary: T/dir: is a directory", t)
check("ci-regression: --out not empty",
      py(CI, "--history", T("h"), "--dashboard", T("d"), "--summary",
         T("s.md"), "--out", T("full"), "A", "B"), 2,
      "--out: T/full exists and is not an empty directory", t)
if shutil.which("git"):
    repo = T("repo")
    os.mkdir(repo)
    subprocess.run(["git", "init", "--quiet", repo], check=True)
    check("ci-regression: unknown revision",
          py(CI, "--repo", repo, "--cache", T("cache"), "nosuchrev",
             "HEAD"), 2, "BASE: unknown revision 'nosuchrev'", t)
    check("ci-regression: --repetitions below compare-run's minimum",
          py(CI, "--repo", repo, "--repetitions", "3", "A", "B"), 2,
          "compare-run: --repetitions: 3 is below the minimum of 9 "
          "(try --help)", t)
shutil.rmtree(t)

# ---- vmbstats.atomic_write: regular files only are renamed over ----------
t = case_dir()
fifo = os.path.join(t, "fifo")
os.mkfifo(fifo)
read = read_fifo(fifo)
vmbstats.atomic_write(fifo, "through the FIFO\n", "-o")
got = read()
import stat  # noqa: E402
if got != b"through the FIFO\n" or not stat.S_ISFIFO(os.lstat(fifo).st_mode):
    fail("atomic_write: FIFO written in place", "read %r" % got)
else:
    ok("atomic_write: FIFO written in place")
write(os.path.join(t, "target"), "old\n")
os.symlink("target", os.path.join(t, "link"))
vmbstats.atomic_write(os.path.join(t, "link"), "new\n", "-o")
if not os.path.islink(os.path.join(t, "link")) or \
        open(os.path.join(t, "target")).read() != "new\n":
    fail("atomic_write: a link's target replaced", "link or target wrong")
else:
    ok("atomic_write: a link's target replaced")
if sorted(os.listdir(t)) != ["fifo", "link", "target"]:
    fail("atomic_write: no temporary file left", str(os.listdir(t)))
else:
    ok("atomic_write: no temporary file left")
os.mkdir(os.path.join(t, "d"))
try:
    vmbstats.atomic_write(os.path.join(t, "d"), "x", "--csv")
    fail("atomic_write: a directory refused", "no error")
except vmbstats.InputError as e:
    if str(e) != "--csv: %s: is a directory" % os.path.join(t, "d"):
        fail("atomic_write: a directory refused", str(e))
    else:
        ok("atomic_write: a directory refused")
shutil.rmtree(t)

checks.finish("all passed")
