#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""scripts/icount: counts repeat exactly.

Counts one real benchmark twice (per-op mode: the shim honours
VMBENCH_ITERATIONS) and asserts the two CSVs are identical and the empty
loop costs a few whole instructions per iteration; does the same with a
small stand-in binary whose loop is one add.
usage: icount.py SCRIPTS_DIR VMBENCH STANDIN"""

import os
import shutil
import subprocess
import sys
import tempfile
from checks import check, finish  # noqa: E402

SCRIPTS, VMBENCH, STANDIN = sys.argv[1:4]


def icount(out, *args):
    p = subprocess.run([sys.executable, os.path.join(SCRIPTS, "icount"),
                        "-o", out] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    if p.returncode != 0:
        print(p.stdout)
    with open(out) as f:
        return p.returncode, [l.split(",") for l in f.read().splitlines()]


if not shutil.which("valgrind"):
    print("SKIP: valgrind not found; to run this test: apt-get install "
          "valgrind (or ./scripts/ci-deps)")
    sys.exit(77)
with tempfile.TemporaryDirectory(prefix="vmb-icount-") as tmp:
    a, b = os.path.join(tmp, "a.csv"), os.path.join(tmp, "b.csv")
    runs = [icount(p, "--vmbench", VMBENCH, "--filter", "^shim/c/empty$")
            for p in (a, b)]
    check(runs[0][0] == 0 and runs[1][0] == 0, "exit status",
          (runs[0][0], runs[1][0]), (0, 0))
    check(runs[0][1] == runs[1][1], "two counts of shim/c/empty equal",
          runs[1][1], runs[0][1])
    rows = runs[0][1]
    check(len(rows) == 2 and rows[1][:3] == ["shim/c/empty", "per-op",
                                             "1000"]
          and rows[1][3].isdigit() and 1 <= int(rows[1][3]) <= 16,
          "one per-op row, a few whole instructions per iteration", rows,
          "shim/c/empty,per-op,1000,<1..16>")
    runs = [icount(p, "--vmbench", STANDIN, "--toggle", "standin_run",
                   "--iterations", "100") for p in (a, b)]
    check(runs[0][1] == runs[1][1], "two counts of the stand-in equal",
          runs[1][1], runs[0][1])
    r = runs[0][1][1]
    check(r[:3] == ["standin/sum/loop", "per-op", "100"], "per-op mode", r,
          "standin/sum/loop,per-op,100")
    check(r[3].isdigit() and 1 <= int(r[3]) <= 16,
          "whole per-op instructions of a 1-add loop", r[3], "1..16")
    p = subprocess.run([sys.executable, os.path.join(SCRIPTS, "icount"),
                        "--vmbench", VMBENCH, "--filter", "^nothing$"],
                       stderr=subprocess.PIPE, universal_newlines=True)
    check(p.returncode == 2 and p.stderr.startswith("--filter:"),
          "filter matching nothing", (p.returncode, p.stderr), 2)
finish()
