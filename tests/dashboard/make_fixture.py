#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the committed fixture history tests/data/history (run once; the
output is committed).  Six runs of three benchmarks, five repetitions
each, seeded jitter of +-2%.  Planted: shim/c/empty is 30% slower from
run 3 on (a change point: last 3 runs vs the 3 before); vmap/list/churn
is 20% faster in the last run (a 'faster' latest comparison, not a
regression).  usage: make_fixture.py SCRIPTS_DIR OUT_HISTORY_DIR"""

import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.join(sys.argv[1], "pylib"))
import vmbhistory  # noqa: E402

HEAD = ("family,strategy,workload,arch,tlb,n,iterations,ns_per_op,cycles,"
        "instructions,cache_misses,dtlb_load_misses,branch_misses,"
        "task_clock_ns,page_faults,context_switches,sim_nodes,repetition,"
        "scaled")
BENCH = [("shim", "c", "empty", "", 0.70, None),
         ("shim", "cxx", "empty", "", 0.34, None),
         ("vmap", "list", "churn", "1024", 85.0, 12)]
rng = random.Random(42)
out = sys.argv[2]
for run in range(6):
    lines = [HEAD]
    for fam, strat, wl, n, base, sim in BENCH:
        f = 1.0
        if fam == "shim" and strat == "c" and run >= 3:
            f = 1.3
        if fam == "vmap" and run == 5:
            f = 0.8
        for rep in range(5):
            ns = base * f * (1 + rng.uniform(-0.02, 0.02))
            lines.append("%s,%s,%s,,,%s,1000000,%r,NA,NA,NA,NA,NA,%r,0,0,"
                         "%s,%d," % (fam, strat, wl, n, ns, ns,
                                     "" if sim is None else sim, rep))
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "results.csv")
        with open(p, "w") as f:
            f.write("\n".join(lines) + "\n")
        vmbhistory.append(out, p, run_id="run%d" % run,
                          revision="%07x0000000000000000000000000000000000"
                          % (0xabc000 + run),
                          date="2024-01-0%dT00:00:00Z" % (run + 1))
