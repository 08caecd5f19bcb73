#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vmsim vmalloc: the counters of whole-system runs hold the closed forms
(purges of fix_size, IPIs per flush on x86, none on arm64, one flush per
free when eager, huge areas with --huge), per-CPU rows add up, the same
command gives the same CSV, --stats adds its rows; bad options exit 2
with '--option: ' and leave no -o file.

usage: vmsim_vmalloc.py VMSIM
"""
import csv
import io
import os
import subprocess
import sys
import tempfile

VMSIM = sys.argv[1]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "pylib"))
from harness import Checks  # noqa: E402

checks = Checks()
fail, expect = checks.fail, checks.expect


def run(args):
    return subprocess.run([VMSIM, "vmalloc"] + args, capture_output=True,
                          text=True)


def counters(name, args):
    """{(counter, cpu): value} of a run; cpu None for the system."""
    p = run(args)
    if p.returncode != 0:
        fail(name, "exit %d" % p.returncode, p)
        return None, p.stdout
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    out = {}
    for r in rows:
        cpu = None if r["cpu"] == "NA" else int(r["cpu"])
        v = r["value"]
        out[(r["counter"], cpu)] = v if v == "NA" else float(v)
    return out, p.stdout


def fls(x):
    return x.bit_length()


# fix_size of s pages, F loops: a purge every m = L // (s+1) + 1 frees.
for arch, cpus, s, loops in [("x86-64-4l", 4, 1, 30000),
                             ("x86-64-4l", 2, 3, 20000),
                             ("arm64-4k-48", 8, 1, 40000),
                             ("sv39", 3, 2, 20000)]:
    name = "fix_size %s cpus %d" % (arch, cpus)
    c, _ = counters(name, ["--workload", "fix_size", "--arch", arch,
                           "--cpus", str(cpus), "--pages", str(s),
                           "--loops", str(loops), "--touch"])
    if c is None:
        continue
    lazy_max = fls(cpus) * 32 * 1024 * 1024 // 4096
    m = lazy_max // (s + 1) + 1
    expect(name + " purges", c[("purges", None)], loops // m)
    expect(name + " flushes", c[("flushes", None)], loops // m)
    expect(name + " lazy_max_pages", c[("lazy_max_pages", None)], lazy_max)
    ipi_cpus = 0 if arch.startswith("arm64") else cpus - 1
    expect(name + " ipis", c[("ipis", None)],
           c[("flushes", None)] * ipi_cpus)
    expect(name + " touches", c[("touches", None)], loops * s)
    expect(name + " per-cpu misses",
           sum(c[("tlb_misses", i)] for i in range(cpus)),
           c[("tlb_misses", None)])
    expect(name + " per-cpu ipis",
           sum(c[("ipis_received", i)] for i in range(cpus)),
           c[("ipis", None)])
    expect(name + " pages", c[("pages_allocated", None)], loops * s)
    expect(name + " areas per purge", c[("areas_per_purge", None)], m)

# Eager: one ranged flush of s + 1 pages per free, on every CPU.
c, _ = counters("eager", ["--workload", "fix_size", "--cpus", "4",
                          "--pages", "3", "--loops", "500", "--eager"])
if c:
    expect("eager flushes", c[("flushes", None)], 500)
    expect("eager ranged", c[("flushes_ranged", None)], 500)
    expect("eager pages", c[("pages_flushed", None)], 500 * 4)
    expect("eager invalidations", c[("invalidations", None)], 500 * 4 * 4)
    expect("eager ipis", c[("ipis", None)], 500 * 3)
    expect("eager purges", c[("purges", None)], 0)
    expect("eager no purge ratio", c[("areas_per_purge", None)], "NA")

# --huge: 512-page areas are PMD-mapped, one leaf each.
c, _ = counters("huge", ["--workload", "fix_size", "--pages", "512",
                         "--loops", "50", "--huge", "--touch"])
if c:
    expect("huge areas", c[("huge_areas", None)], 50)
    expect("huge leaves", c[("pmd_writes", None)], 50)
    expect("huge misses", c[("tlb_misses", None)] < 50 * 512, True)

# vm_map_ram of one page: pieces of 256-page blocks (NR_CPUS 8192), a
# block lazily freed when all its pieces are unmapped; a purge every
# 8192 // 256 + 1 = 33 blocks.  With NR_CPUS 64 the blocks are 1024 pages.
for loops, nr, block in [(10000, None, 256), (30000, "64", 1024)]:
    args = ["--workload", "vm_map_ram", "--loops", str(loops)]
    if nr:
        args += ["--nr-cpus-config", nr]
    c, _ = counters("vm_map_ram %d" % loops, args)
    if c:
        freed = loops // block
        expect("vm_map_ram block", c[("vblock_pages", None)], block)
        expect("vm_map_ram blocks", c[("vblocks", None)],
               -(-loops // block))
        expect("vm_map_ram freed", c[("vblocks_freed", None)], freed)
        expect("vm_map_ram purges", c[("purges", None)],
               freed // (8192 // block + 1))
        expect("vm_map_ram maps", c[("vm_map_rams", None)], loops)

# Kernel models: 2.6.27 flushes every free; 6.9 keeps purged areas in
# per-node pools (4 CPUs: 4 nodes) and serves same-size requests from them.
c, _ = counters("kernel 2.6.27", ["--workload", "fix_size", "--kernel",
                                  "2.6.27", "--loops", "300"])
if c:
    expect("2.6.27 flushes", c[("flushes", None)], 300)
c, out = counters("kernel 6.9", ["--workload", "fix_size", "--kernel", "6.9",
                                 "--cpus", "4", "--loops", "40000"])
if c:
    expect("6.9 nodes", c[("vmap_nodes", None)], 4)
    expect("6.9 pool hits", c[("pool_hits", None)] > 0, True)
    expect("6.9 kernel column", ",6.9," in out, True)
# RISC-V flushes page by page up to 64 pages (x86: 33): purges of 31
# one-page frees span 62 pages, of 33 frees 66.
for arch, lazy, purges, ranged in [("sv39", 60, 106, True),
                                   ("x86-64-4l", 60, 106, False),
                                   ("sv39", 64, 100, False)]:
    name = "ceiling %s lazy %d" % (arch, lazy)
    c, _ = counters(name, ["--workload", "fix_size", "--arch", arch,
                           "--cpus", "2", "--loops", "3300",
                           "--lazy-max-pages", str(lazy)])
    if c:
        expect(name + " purges", c[("purges", None)], purges)
        expect(name + " ranged", c[("flushes_ranged", None)],
               purges if ranged else 0)
        expect(name + " pages", c[("pages_flushed", None)],
               purges * (lazy + 2) if ranged else 0)
        expect(name + " ipis", c[("ipis", None)], purges)

# nodes = clamp(cpus, 1, 128)
c, _ = counters("kernel 6.9 200 cpus", ["--workload", "fix_size", "--kernel",
                                        "6.9", "--cpus", "200", "--loops",
                                        "10"])
if c:
    expect("6.9 nodes of 200 cpus", c[("vmap_nodes", None)], 128)

# --flush-ceiling: a purge every 20 // 2 + 1 = 11 one-page frees spans 22
# pages, flushed page by page under the default ceiling (33), in full
# under a ceiling of 21.
for ceiling, full in [(None, False), ("21", True), ("22", False)]:
    args = ["--workload", "fix_size", "--cpus", "2", "--loops", "1100",
            "--lazy-max-pages", "20"]
    if ceiling:
        args += ["--flush-ceiling", ceiling]
    c, _ = counters("flush ceiling %s" % ceiling, args)
    if c:
        expect("ceiling %s purges" % ceiling, c[("purges", None)], 100)
        expect("ceiling %s full" % ceiling, c[("flushes_full", None)],
               100 if full else 0)
        expect("ceiling %s ranged" % ceiling, c[("flushes_ranged", None)],
               0 if full else 100)
        expect("ceiling %s pages" % ceiling, c[("pages_flushed", None)],
               0 if full else 2200)

c, _ = counters("kernel 5.2", ["--workload", "fix_size", "--kernel", "5.2",
                               "--cpus", "4", "--loops", "40000"])
if c:
    expect("5.2 no pools", c[("pool_hits", None)], 0)

# hot_churn on 4 CPUs: CPU c touches the hot areas c, c+4, c+8, c+12 (32
# pages), 128 hot TLB entries in all; each full flush of a purge drops
# them all and they are missed again; eager frees flush only the churned
# pages, so only the first touches miss.
for mode, extra in [("lazy", []), ("lazy64", ["--lazy-max-pages", "64"]),
                    ("eager", ["--eager"])]:
    c, _ = counters("hot_churn " + mode, ["--workload", "hot_churn",
                                          "--cpus", "4", "--loops", "20000"]
                    + extra)
    if c and mode == "lazy64":
        # A purge every 33 frees: between two, every hot page is touched
        # again, except after the last ones.
        full = c[("flushes_full", None)]
        expect("hot_churn lazy64 misses",
               128 * (full - 2) <= c[("tlb_misses", None)] <=
               128 * (1 + full), True)
    elif c:
        refills = 0 if mode == "eager" else c[("flushes_full", None)]
        expect("hot_churn %s misses" % mode, c[("tlb_misses", None)],
               128 * (1 + refills))
        expect("hot_churn %s per cpu" % mode,
               [c[("tlb_misses", i)] for i in range(4)],
               [32 * (1 + refills)] * 4)

# pcpu: chunks of 64 pages per CPU, all freed at the end of each loop.
c, _ = counters("pcpu", ["--workload", "pcpu", "--cpus", "2", "--loops", "2"])
if c:
    expect("pcpu frees", c[("vfrees", None)], c[("vmallocs", None)])
    expect("pcpu pages", c[("pages_allocated", None)],
           c[("vmallocs", None)] * 64 * 2)
    expect("pcpu live", c[("live_areas", None)], 0)

# Determinism, --stats rows.
_, a = counters("det a", ["--workload", "random_size", "--cpus", "3",
                          "--streams", "--touch", "--loops", "300"])
_, b = counters("det b", ["--workload", "random_size", "--cpus", "3",
                          "--streams", "--touch", "--loops", "300"])
expect("deterministic", a == b and a != "", True)
c, _ = counters("stats", ["--workload", "kvmalloc", "--pages", "64",
                          "--loops", "100", "--stats", "--repetitions",
                          "3"])
if c:
    expect("stats repetitions", c[("repetitions", None)], 3)
    expect("stats ns", isinstance(c[("ns_per_op", None)], float), True)
    expect("kvmalloc kmallocs", c[("kmallocs", None)] > 0, True)

# --stack-every: one stack vmalloc'd and vfree'd per N vmallocs; the
# rows appended at the end are there.
c, _ = counters("stack-every", ["--workload", "fix_size", "--loops", "100",
                                "--stack-every", "10"])
if c:
    expect("stack-every vmallocs", c[("vmallocs", None)], 110)
    expect("stack-every vfrees", c[("vfrees", None)], 110)
    expect("node_visits row", c[("node_visits", None)] > 0, True)
    expect("cont_areas row", c[("cont_areas", None)], 0)
    # No set-up: the loop is every op.
    expect("fix_size loop_ops", c[("loop_ops", None)], c[("ops", None)])
    expect("fix_size loop visits", c[("loop_node_visits", None)],
           c[("node_visits", None)])
    expect("stack_every row", c[("stack_every", None)], 10)

# long_busy_list as the kernel test: ptr[] + 15000 areas, 2 vmallocs per
# loop, all freed; the loop's rows count the loop only (4 ops an
# iteration, 2 more per stack), and only the loop gets stacks.
for k in ("4.19", "5.2"):
    c, _ = counters("lbl " + k, ["--workload", "long_busy_list", "--kernel",
                                 k, "--cpus", "4", "--loops", "50",
                                 "--stack-every", "2", "--stats"])
    if c:
        expect("lbl vmallocs " + k, c[("vmallocs", None)], 15001 + 100 + 50)
        expect("lbl vfrees " + k, c[("vfrees", None)], 15001 + 100 + 50)
        expect("lbl live " + k, c[("live_areas", None)], 0)
        expect("lbl loop_ops " + k, c[("loop_ops", None)], 50 * 4 + 50 * 2)
        expect("lbl ops " + k, c[("ops", None)], 2 * 15001 + 300)
        expect("lbl loop visits " + k, 0 < c[("loop_node_visits", None)]
               < c[("node_visits", None)], True)
        # 4.19 walks the 15000-area list after every stack but the last.
        expect("lbl walks " + k, c[("loop_node_visits", None)] >= 49 * 15001,
               k == "4.19")

# Bad options: exit 2, '--option: ' on stderr, no output file.
BAD = [
    (["--workload", "nope"], "--workload: ", "unknown workload"),
    (["--workload", "fix_size", "--cpus", "0"], "--cpus: ", "1.."),
    (["--workload", "fix_size", "--eager", "--lazy-max-pages", "5"],
     "--eager: ", "not both"),
    (["--workload", "fix_size", "--lazy-max-pages", "0"],
     "--lazy-max-pages: ", "at least 1"),
    (["--workload", "fix_size", "--arch", "vax"], "--arch: ", ""),
    (["--workload", "fix_size", "--strategy", "x"], "--strategy: ",
     "unknown strategy"),
    (["--workload", "fix_size", "--tlb", "l1d:3x1:lru"], "--tlb: ", ""),
    (["--workload", "fix_size", "--loops", "0"], "--loops: ", ""),
    (["--workload", "fix_size", "--repetitions", "2"], "--repetitions: ",
     "only with --stats"),
    (["--workload", "fix_size", "--bogus"], "--bogus: ", "unknown option"),
    (["--cpus", "2"], "--workload: ", "required"),
    (["--workload", "fix_size", "--kernel", "7"], "--kernel: ",
     "unknown kernel model"),
    (["--workload", "fix_size", "--kernel", "6.9", "--strategy", "list"],
     "--kernel: ", "not both"),
    (["--workload", "fix_size", "--kernel", "2.6.27", "--lazy-max-pages",
      "9"], "--lazy-max-pages: ", "flushes every free"),
    (["--workload", "fix_size", "--ram", "4096"], "--ram: ", ""),
    (["--workload", "fix_size", "--stack-every", "x"], "--stack-every: ",
     "unsigned"),
    (["--workload", "vm_map_ram", "--nr-cpus-config", "0"],
     "--nr-cpus-config: ", "1.."),
]
with tempfile.TemporaryDirectory() as tmp:
    for args, prefix, reason in BAD:
        out = os.path.join(tmp, "out.csv")
        p = run(["-o", out] + args)
        name = " ".join(args)
        if p.returncode != 2:
            fail(name, "exit %d, want 2" % p.returncode, p)
        elif p.stdout:
            fail(name, "stdout not empty", p)
        elif not p.stderr.startswith(prefix) or reason not in p.stderr:
            fail(name, "stderr %r, want %r ... %r" % (p.stderr, prefix,
                                                     reason))
        elif os.listdir(tmp):
            fail(name, "left files behind: %r" % os.listdir(tmp))

checks.finish("vmsim vmalloc: ok")
