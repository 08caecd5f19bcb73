#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vmsim proc: every model listed and run, the same seed gives the same
CSV, the sync rules show in the counters (no faults where the rule is
eager or never, no eager syncs where it faults, faults only with
processes forked before a new entry), and bad input exits 2 naming the
option with no output file left behind.

usage: vmsim_proc.py VMSIM
"""
import csv
import io
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "pylib"))
from harness import die as fail, run_or_die  # noqa: E402

VMSIM = sys.argv[1]


def run(*args, rc=0):
    return run_or_die([VMSIM, "proc", *args], rc, timeout=300)


def rows(text):
    return {r["model"]: r for r in csv.DictReader(io.StringIO(text))}


def main():
    models = [line.split("\t")[0] for line in
              run("--list").stdout.splitlines()]
    if len(models) < 9:
        fail(f"--list: {models}")
    args = ["--procs", "64", "--live", "8", "--areas", "128", "--seed", "3"]
    a = run(*args).stdout
    if a != run(*args).stdout:
        fail("the same seed gave different output")
    got = rows(a)
    if sorted(got) != sorted(models):
        fail(f"models run {sorted(got)} != listed {sorted(models)}")
    for m, r in got.items():
        faults, eager = int(r["vmalloc_faults"]), int(r["synced_eager"])
        if int(r["forks"]) != 64 or int(r["exits"]) != 56:
            fail(f"{m}: forks {r['forks']} exits {r['exits']}")
        if r["sync"] != "fault" and faults:
            fail(f"{m}: {faults} faults under rule {r['sync']}")
        if r["sync"] != "eager" and eager:
            fail(f"{m}: {eager} eager syncs under rule {r['sync']}")
        if int(r["synced_fault"]) != faults:
            fail(f"{m}: one entry per fault, got {r['synced_fault']}")
        if r["asid"] == "none" and r["switch_flushes"] != r["switches"]:
            fail(f"{m}: every switch flushes without ASIDs")
        if r["asid"] != "none" and int(r["switch_flushes"]):
            fail(f"{m}: a switch flushed with ASIDs")
    # x86-32 before 5.8 faults where new PGD entries appear under running
    # processes; the eager kernel syncs at least as many entries.
    old, new = got["x86-32-4.19"], got["x86-32-6.12"]
    if not 0 < int(old["vmalloc_faults"]) <= int(new["synced_eager"]):
        fail(f"x86-32: faults {old['vmalloc_faults']} vs eager "
             f"{new['synced_eager']}")
    # Everything else equal, the simulated counters of one model do not
    # depend on which others run.
    one = rows(run(*args, "--model", "x86-pae-pti-4.19").stdout)
    if one["x86-pae-pti-4.19"] != got["x86-pae-pti-4.19"]:
        fail("--model x86-pae-pti-4.19 differs from its row in all")

    # Per process: the sums are the model's totals.
    per = list(csv.DictReader(io.StringIO(run(*args, "--per-process").stdout)))
    for m, r in got.items():
        mine = [p for p in per if p["model"] == m]
        if len(mine) != 64:
            fail(f"{m}: {len(mine)} per-process rows")
        for col, tot in (("vmalloc_faults", "vmalloc_faults"),
                         ("touches", "touches")):
            if sum(int(p[col]) for p in mine) != int(r[tot]):
                fail(f"{m}: per-process {col} do not add up")
        if sum(int(p["synced"]) for p in mine) != \
                int(r["synced_fault"]) + int(r["synced_eager"]):
            fail(f"{m}: per-process synced do not add up")

    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "o.csv")
        for bad, opt in ((["--model", "nope"], "--model"),
                         (["--procs", "0"], "--procs"),
                         (["--live", "300"], "--live"),
                         (["--cpus", "65"], "--cpus"),
                         (["--pages", "0"], "--pages"),
                         (["--areas", "x"], "--areas"),
                         (["--touches", "1001"], "--touches"),
                         (["--bogus"], "--bogus"),
                         (["--seed"], "--seed")):
            p = run(*bad, "-o", out, rc=2)
            if not p.stderr.startswith(opt + ":"):
                fail(f"{bad}: stderr {p.stderr!r} does not name {opt}")
            if os.listdir(d):
                fail(f"{bad}: left {os.listdir(d)}")
        run(*args, "--model", "arm64-6.12", "-o", out)
        if "arm64-6.12" not in rows(open(out).read()):
            fail("-o FILE lacks the row")


if __name__ == "__main__":
    main()
