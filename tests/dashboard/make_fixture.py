#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Benchmark histories for the dashboard's tests.

  make_fixture.py SCRIPTS_DIR OUT_HISTORY_DIR
      the committed fixture tests/data/history (run once; the output is
      committed): six runs of three benchmarks, five repetitions each,
      seeded jitter of +-2%.  Planted: shim/c/empty is 30% slower from run
      3 on (a change point: last 3 runs vs the 3 before); vmap/list/churn
      is 20% faster in the last run (a 'faster' latest comparison).

  make_fixture.py --synthetic RUNS SCRIPTS_DIR OUT_HISTORY_DIR
      a history of RUNS runs of 300 benchmarks named as the suite names
      them (vmap, mmu, walk, map, trace, pair, shim, and three vmalloc
      benchmarks that appear from run RUNS*3/4 on), five repetitions each,
      seeded jitter of +-2%, simulated counters sim_node_visits (vmap) and
      sim_tlb_misses (mmu).  Planted, see PLANTED: in the last run
      vmap/augrb/churn-alloc/n:1000000 is 30% slower and
      mmu/translate/zipf/x86-64-4l/zen4/n:1024 25% faster, and
      vmap/radix/fix_size's sim_node_visits goes from 12 to 14; from run
      RUNS-3 on walk/pt_walk/uniform/x86-32/n:16384 is 25% slower (a change
      point that the latest comparison does not see).  Nothing else moves
      by more than the jitter.
"""

import os
import random
import sys
import tempfile

HEAD = ("family,strategy,workload,arch,tlb,n,iterations,ns_per_op,cycles,"
        "instructions,cache_misses,dtlb_load_misses,branch_misses,"
        "task_clock_ns,page_faults,context_switches,sim_nodes,repetition,"
        "scaled")
BENCH = [("shim", "c", "empty", "", 0.70, None),
         ("shim", "cxx", "empty", "", 0.34, None),
         ("vmap", "list", "churn", "1024", 85.0, 12)]

SYN_HEAD = ("family,strategy,workload,arch,tlb,n,iterations,ns_per_op,"
            "cycles,instructions,cache_misses,dtlb_load_misses,"
            "branch_misses,task_clock_ns,page_faults,context_switches,"
            "sim_node_visits,sim_tlb_misses,repetition,scaled")

PLANTED = [
    ("latest", "vmap/augrb/churn-alloc/n:1000000", "slower", "ns_per_op"),
    ("latest", "mmu/translate/zipf/x86-64-4l/zen4/n:1024", "faster",
     "ns_per_op"),
    ("latest", "vmap/radix/fix_size", "changed", "sim_node_visits"),
    ("change-point", "walk/pt_walk/uniform/x86-32/n:16384", "slower",
     "ns_per_op"),
]


def synthetic_benchmarks():
    """[(family, strategy, workload, arch, tlb, n, base ns, sim column,
    first run as a fraction of the history)] -- 300 of them."""
    out = []
    strat = {"list": 8.0, "rbtree": 3.0, "rbtree-cached": 1.5,
             "augrb": 1.0, "radix": 1.2}
    tv = ("fix_size", "full_fit", "long_busy_list", "random_size",
          "fix_align", "random_size_align", "align_shift")
    for s, f in strat.items():
        for i, w in enumerate(tv):
            out.append(("vmap", s, w, "", "", "", 60.0 * f * (1 + i / 5.0),
                        "vmap", 0))
        for i, w in enumerate(("churn-alloc", "churn-free",
                               "churn-alloc+free", "churn-find")):
            for n in (1000, 20000, 1000000):
                out.append(("vmap", s, w, "", "", str(n),
                            (40 + 10 * i) * f * (n / 1000.0) ** (
                                0.6 if s == "list" else 0.15),
                            "vmap", 0))
    arch_tlb = [("x86-64-4l", "skylake"), ("x86-64-4l", "zen4"),
                ("x86-64-4l", "neoverse-n1"), ("x86-64-4l", "none"),
                ("x86-64-5l", "skylake"), ("x86-64-5l", "none"),
                ("arm64-4k-48", "neoverse-n1"), ("arm64-4k-48", "none"),
                ("arm64-64k-42", "n1-64k"), ("x86-32", "skylake")]
    for w in ("uniform", "zipf", "sequential", "sweep"):
        for j, (a, t) in enumerate(arch_tlb):
            for n in (16, 1024, 16384):
                base = (30.0 if t == "none" else 3.0 + j * 0.3) * \
                    (1 + n / 16384.0)
                out.append(("mmu", "translate", w, a, t, str(n), base, "mmu",
                            0))
    for j, (a, t) in enumerate(arch_tlb[:2]):
        for n in (16, 1024, 16384):
            out.append(("mmu", "translate-huge", "uniform", a, t, str(n),
                        2.5 + j, "mmu", 0))
    for j, t in enumerate(("skylake", "zen4", "neoverse-n1")):
        for k in range(13):
            n = 16 << k
            out.append(("mmu", "reach", "uniform", "x86-64-4l", t, str(n),
                        4.0 + (40.0 if n > 1536 * (j + 1) else 0.0), "mmu",
                        0))
    for a in ("x86-64-4l", "x86-64-5l", "arm64-4k-48", "arm64-64k-42",
              "x86-32"):
        for n in (16, 1024, 16384):
            out.append(("walk", "pt_walk", "uniform", a, "", str(n),
                        9.0 + len(a) * 0.2, None, 0))
    for s, w in (("unmap-map", "uniform"), ("range", "sequential")):
        for a in ("x86-64-4l", "arm64-64k-42"):
            for n in (16, 1024, 16384):
                out.append(("map", s, w, a, "", str(n), 150.0 if s ==
                            "unmap-map" else 30.0, None, 0))
    out.append(("trace", "din-replay", "zipf", "x86-64-4l", "skylake",
                "4096", 6.9e6, None, 0))
    for s, w, a, t in (("translate", "tlb-hit", "x86-64-4l", "skylake"),
                       ("translate-chain", "tlb-hit", "x86-64-4l",
                        "skylake"),
                       ("load", "tlb-hit", "", ""),
                       ("pt_walk", "walk4", "x86-64-4l", ""),
                       ("pt_walk-chain", "walk4", "x86-64-4l", ""),
                       ("chase4", "walk4", "", "")):
        out.append(("pair", s, w, a, t, "16", 5.0, None, 0))
    for s in ("c", "c-loop", "cxx"):
        out.append(("shim", s, "empty", "", "", "", 0.4, None, 0))
    for w in ("vmalloc-4k", "vmalloc-2m", "vfree"):
        out.append(("vmalloc", "augrb", w, "", "", "1024", 900.0, None,
                    0.75))
    assert len(out) == 300, len(out)
    return out


def name_of(b):
    fam, s, w, a, t, n = b[:6]
    return "/".join(x for x in (fam, s, w, a, t) if x) + \
        ("/n:" + n if n else "")


def synthetic(nruns, out):
    import vmbhistory
    rng = random.Random(42)
    benches = synthetic_benchmarks()
    for run in range(nruns):
        lines = [SYN_HEAD]
        for b in benches:
            fam, s, w, a, t, n, base, sim, start = b
            if run < int(start * nruns):
                continue
            name = name_of(b)
            f = 1.0
            if run == nruns - 1 and name == PLANTED[0][1]:
                f = 1.3
            if run == nruns - 1 and name == PLANTED[1][1]:
                f = 0.75
            if run >= nruns - 3 and name == PLANTED[3][1]:
                f = 1.25
            nodes = tlbm = ""
            if sim == "vmap":
                nodes = "14" if (name == PLANTED[2][1] and
                                 run == nruns - 1) else "12"
            elif sim == "mmu":
                tlbm = "%d" % (len(name) % 7)
            for rep in range(5):
                ns = base * f * (1 + rng.uniform(-0.02, 0.02))
                lines.append("%s,%s,%s,%s,%s,%s,1000,%.6g,NA,NA,NA,NA,NA,"
                             "%.6g,0,0,%s,%s,%d," % (fam, s, w, a, t, n, ns,
                                                     ns, nodes, tlbm, rep))
        with tempfile.TemporaryDirectory() as tmp:
            p = os.path.join(tmp, "results.csv")
            with open(p, "w") as f:
                f.write("\n".join(lines) + "\n")
            vmbhistory.append(out, p, run_id="run%03d" % run,
                              revision="%07x%033d" % (0xa000000 + run, 0),
                              date="2024-%02d-%02dT00:00:00Z" %
                              (1 + run // 28 % 12, 1 + run % 28))
    return [name_of(b) for b in benches]


def committed(out):
    import vmbhistory
    rng = random.Random(42)
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
                lines.append("%s,%s,%s,,,%s,1000000,%r,NA,NA,NA,NA,NA,%r,0,"
                             "0,%s,%d," % (fam, strat, wl, n, ns, ns,
                                           "" if sim is None else sim, rep))
        with tempfile.TemporaryDirectory() as tmp:
            p = os.path.join(tmp, "results.csv")
            with open(p, "w") as f:
                f.write("\n".join(lines) + "\n")
            vmbhistory.append(out, p, run_id="run%d" % run,
                              revision="%07x0000000000000000000000000000000000"
                              % (0xabc000 + run),
                              date="2024-01-0%dT00:00:00Z" % (run + 1))


if __name__ == "__main__":
    args = sys.argv[1:]
    nruns = None
    if args and args[0] == "--synthetic":
        nruns = int(args[1])
        args = args[2:]
    sys.path.insert(0, os.path.join(args[0], "pylib"))
    if nruns:
        synthetic(nruns, args[1])
    else:
        committed(args[1])
