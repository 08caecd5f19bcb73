#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The full A/B path of scripts/compare-run: in a temporary repository
(a clone of a git checkout, or the unpacked release tree committed), commit
a busy loop into shim/c/empty's timed loop, run
  compare-run HEAD~1 HEAD --filter ^shim/ --repetitions 9
and assert exit status 1 with shim/c/empty 'slower', both sides' JSON
and CSV kept, and a second run reusing both builds.
usage: ab.py SCRIPTS_DIR SOURCE_DIR"""

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from checks import check, finish, make_repo, plant_slowdown  # noqa

SCRIPTS, SOURCE = sys.argv[1], sys.argv[2]

for tool in ("git", "meson", "ninja"):
    if not shutil.which(tool):
        print("SKIP: %s not found; to run this test: ./scripts/ci-deps"
              % tool)
        sys.exit(77)

with tempfile.TemporaryDirectory(prefix="vmb-ab-") as tmp:
    repo = os.path.join(tmp, "repo")
    make_repo(SOURCE, repo)
    plant_slowdown(repo)
    out_csv = os.path.join(tmp, "cmp.csv")
    args = [sys.executable, os.path.join(SCRIPTS, "compare-run"),
            "--repo", repo, "--cache", os.path.join(tmp, "cache"),
            "HEAD~1", "HEAD", "--filter", "^shim/", "--repetitions", "9",
            "--min-time", "0.01", "--csv", out_csv,
            "--out", os.path.join(tmp, "runs")]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    print(p.stdout)
    print(p.stderr)
    check(p.returncode == 1, "exit status", p.returncode, 1)
    with open(out_csv, newline="") as f:
        verd = {r["benchmark"]: r["verdict"] for r in csv.DictReader(f)
                if r["kind"] == "time"}
    check(verd.get("shim/c/empty") == "slower", "verdict of shim/c/empty",
          verd, "slower")
    check(set(verd) == {"shim/c/empty", "shim/c-loop/empty",
                        "shim/cxx/empty"}, "benchmarks compared",
          sorted(verd), "the three shim benchmarks")
    for side in ("base", "head"):
        d = os.path.join(tmp, "runs", side)
        for f in ("results.csv", "benchmark.json", "run.json"):
            check(os.path.isfile(os.path.join(d, f)), side + "/" + f,
                  os.listdir(d), f)
    # Same revisions again: both worktrees and builds are reused.
    args[args.index("--out") + 1] = os.path.join(tmp, "runs2")
    args[args.index("--csv") + 1] = os.path.join(tmp, "cmp2.csv")
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    check(p.stderr.count(": reused build") == 2, "builds reused",
          p.stderr, "2 x reused build")
finish()
