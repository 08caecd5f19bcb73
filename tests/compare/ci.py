#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""scripts/ci-regression end to end, as a pull request's CI job runs it:
in a temporary repository (a clone of a git checkout, or the unpacked
release tree committed) commit a busy loop into shim/c/empty's timed loop,
start a history from the project's committed one (results/history), run
  ci-regression HEAD~1 HEAD --filter ^shim/c --repetitions 9
      --history H --dashboard D --summary S --out O
and assert exit status 1; the summary names shim/c/empty as slower with
HEAD's commit, first among the findings; the history gained exactly
HEAD's run (its revision in index.csv, its CSV under runs/ with the
mode open() gives); the
dashboard's index.html exists and shows the new run; compare-run's runs
and compare.csv are kept under O; the clone's own results/history is
untouched.  Then the same with --instructions (exact counts under
callgrind, when valgrind is installed): exit 1, shim/c/empty named,
nothing appended to the history.
usage: ci.py SCRIPTS_DIR SOURCE_DIR"""

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from checks import (check, finish, make_repo, plant_slowdown,  # noqa
                    snapshot, unchanged)

SCRIPTS, SOURCE = sys.argv[1], sys.argv[2]

for tool in ("git", "meson", "ninja", "gnuplot"):
    if not shutil.which(tool):
        print("SKIP: %s not found; to run this test: ./scripts/ci-deps"
              % tool)
        sys.exit(77)


def index(h):
    with open(os.path.join(h, "index.csv"), newline="") as f:
        return list(csv.DictReader(f))


with tempfile.TemporaryDirectory(prefix="vmb-ci-") as tmp:
    repo = os.path.join(tmp, "repo")
    make_repo(SOURCE, repo)
    plant_slowdown(repo)
    head = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"],
                          stdout=subprocess.PIPE, universal_newlines=True,
                          check=True).stdout.strip()
    repo_history = os.path.join(repo, "results", "history")
    before_repo = snapshot(repo_history)
    hist = os.path.join(tmp, "history")
    shutil.copytree(repo_history, hist)
    runs_before = index(hist)
    dash = os.path.join(tmp, "page")
    summ = os.path.join(tmp, "comment", "summary.md")
    out = os.path.join(tmp, "runs")
    args = [sys.executable, os.path.join(SCRIPTS, "ci-regression"),
            "--repo", repo, "--cache", os.path.join(tmp, "cache"),
            "--filter", "^shim/c", "--repetitions", "9",
            "--min-time", "0.01", "--history", hist, "--dashboard", dash,
            "--summary", summ, "--out", out, "HEAD~1", "HEAD"]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    print(p.stdout)
    print(p.stderr)
    check(p.returncode == 1, "exit status", p.returncode, 1)
    check("Traceback" not in p.stderr, "no traceback", p.stderr, "none")

    text = open(summ).read() if os.path.isfile(summ) else ""
    print(text)
    lines = text.splitlines()
    finding = [ln for ln in lines if ln.startswith("- `")]
    check(any("regression" in ln for ln in lines[:4]),
          "summary: the verdict first", lines[:4], "N regression(s)")
    check(bool(finding) and finding[0].startswith("- `shim/c/empty` "
                                                  "(ns_per_op): slower"),
          "summary: shim/c/empty slower, first finding", finding,
          "- `shim/c/empty` (ns_per_op): slower ...")
    check(bool(finding) and ("commit " + head[:12]) in finding[0],
          "summary: HEAD's commit named", finding[:1], head[:12])
    check("| shim/c/empty |" in text, "summary: compare-run's table",
          text, "a table row for shim/c/empty")

    runs_after = index(hist)
    check(runs_after[:len(runs_before)] == runs_before,
          "history: earlier runs unchanged", runs_after, runs_before)
    new = runs_after[len(runs_before):]
    check(len(new) == 1 and new[0]["revision"] == head,
          "history: gained HEAD's run", new, "one run of " + head)
    if len(new) == 1:
        rid = new[0]["run_id"]
        run_csv = os.path.join(hist, "runs", rid + ".csv")
        check(os.path.isfile(run_csv), "history: runs/%s.csv" % rid,
              os.listdir(os.path.join(hist, "runs")), rid + ".csv")
        if os.path.isfile(run_csv):
            mask = os.umask(0)
            os.umask(mask)
            mode = os.stat(run_csv).st_mode & 0o777
            check(mode == 0o666 & ~mask, "history: the run's mode",
                  oct(mode), oct(0o666 & ~mask))
        page = os.path.join(dash, "index.html")
        html = open(page).read() if os.path.isfile(page) else ""
        check(rid in html or head[:12] in html,
              "dashboard: index.html shows the new run", len(html),
              "a page naming %s or %s" % (rid, head[:12]))
    for f in ("compare.csv", "head/results.csv", "base/results.csv",
              "head/run.json"):
        check(os.path.isfile(os.path.join(out, f)), "--out: " + f,
              sorted(os.listdir(out)) if os.path.isdir(out) else None, f)
    unchanged(repo_history, before_repo, "the clone's results/history")

    # --instructions (same builds, reused): exact counts decide; the
    # history takes times only, so it is left as it is.
    if shutil.which("valgrind"):
        runs_mid = index(hist)
        summ2 = os.path.join(tmp, "summary2.md")
        args2 = args[:]
        args2[args2.index("--summary") + 1] = summ2
        args2[args2.index("--out") + 1] = os.path.join(tmp, "runs2")
        args2[args2.index("--filter") + 1] = "^shim/c/empty$"
        args2 = [x for x in args2 if x not in ("--repetitions", "9",
                                                "--min-time", "0.01")]
        args2.insert(2, "--instructions")
        p = subprocess.run(args2, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True)
        print(p.stdout)
        print(p.stderr)
        check(p.returncode == 1, "--instructions: exit status",
              p.returncode, 1)
        text = open(summ2).read() if os.path.isfile(summ2) else ""
        check("- `shim/c/empty` (instructions): slower" in text,
              "--instructions: summary names shim/c/empty", text,
              "- `shim/c/empty` (instructions): slower ...")
        check(index(hist) == runs_mid, "--instructions: history unchanged",
              index(hist), runs_mid)
    else:
        print("(valgrind not found: the --instructions run is not tried)")
finish()
