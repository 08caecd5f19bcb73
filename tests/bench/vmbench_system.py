#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""build/bench/vmbench's system families end to end (--quick --csv): a
vmalloc/ and a kmap/ benchmark of each kind run, their names split into
the documented columns, and their per-op simulated counters equal the
closed forms (exact whatever the iteration count): an eager vmalloc + vfree
of one page writes one PTE and flushes once; a huge 512-page area is one
PMD leaf that a touch of every page misses once; kernel 2.6.27 flushes
every free; kmap_local_page of an x86-32 highmem page writes a fixmap PTE,
flushes it locally and misses once, with no IPI; a direct-map kmap writes
nothing.  Speed is not checked here.

usage: vmbench_system.py VMBENCH
"""
import csv
import os
import subprocess
import sys
import tempfile

VMBENCH = sys.argv[1]

WANT = {
    # name: ({column: value}, {sim counter: per-op value})
    "vmalloc/augrb/vmalloc+vfree/x86-64-4l/pages:1/eager:1":
        ({"family": "vmalloc", "strategy": "augrb",
          "workload": "vmalloc+vfree", "arch": "x86-64-4l", "pages": "1",
          "eager": "1"},
         {"sim_pte_writes": 1, "sim_flushes": 1, "sim_purges": 0,
          "sim_tlb_misses": 0}),
    "vmalloc/augrb/vmalloc_huge+vfree/x86-64-4l/pages:512/touch:1":
        ({"family": "vmalloc", "workload": "vmalloc_huge+vfree",
          "pages": "512", "touch": "1"},
         {"sim_pte_writes": 1, "sim_tlb_misses": 1}),
    "vmalloc/list/kernel-2.6.27/x86-64-4l/pages:4":
        ({"family": "vmalloc", "strategy": "list",
          "workload": "kernel-2.6.27", "pages": "4"},
         {"sim_flushes": 1, "sim_pool_hits": 0}),
    "kmap/local/x86-32/pages:1":
        ({"family": "kmap", "strategy": "local", "arch": "x86-32"},
         {"sim_pte_writes": 1, "sim_local_flushes": 1, "sim_tlb_misses": 1,
          "sim_global_flushes": 0, "sim_ipis": 0}),
    "kmap/direct/x86-64-4l/pages:1":
        ({"family": "kmap", "strategy": "direct", "arch": "x86-64-4l"},
         {"sim_pte_writes": 0, "sim_local_flushes": 0,
          "sim_global_flushes": 0, "sim_ipis": 0}),
}


def main():
    pattern = "^(%s)$" % "|".join(n.replace("+", "\\+") for n in WANT)
    failures = []
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "system.csv")
        p = subprocess.run([VMBENCH, "--quick", "--counters", "none",
                            "--benchmark_filter=" + pattern, "--csv", out],
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            sys.exit("vmbench exit %d\n%s" % (p.returncode, p.stderr[-2000:]))
        rows = list(csv.DictReader(open(out)))
    if len(rows) != len(WANT):
        failures.append("%d rows, want %d" % (len(rows), len(WANT)))
    for name, (cols, sims) in WANT.items():
        match = [r for r in rows
                 if all(r.get(k) == v for k, v in cols.items())]
        if len(match) != 1:
            failures.append("%s: %d matching rows" % (name, len(match)))
            continue
        r = match[0]
        if not float(r["iterations"]) >= 1:
            failures.append("%s: iterations %r" % (name, r["iterations"]))
        for k, v in sims.items():
            got = r.get(k)
            if got in (None, "", "NA") or float(got) != v:
                failures.append("%s: %s = %r, want %r" % (name, k, got, v))
    if failures:
        sys.exit("vmbench_system.py:\n  " + "\n  ".join(failures))
    print("vmbench system families: ok")


main()
