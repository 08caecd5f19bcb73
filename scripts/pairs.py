#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print the ratios of vmbench's side-by-side speed pairs (family "pair").

usage: pairs.py [--strict] [--column NAME] RESULTS

RESULTS is the tidy CSV that `vmbench --csv FILE` writes, or the JSON of
`vmbench --benchmark_out=FILE.json` (Google Benchmark's format).  For each
pair and working-set size n, the time per op of each side is the median
over its repetitions; the ratio is simulated / native, and PASS means it is
at most the target.  One line per pair:

  tlb-hit n=16: translate 27.10 ns / load 2.65 ns = 10.23x, target <= 2.0x:
      MISS (reps 5/5; translate 26.90..28.00 ns, load 2.60..2.71 ns)

(printed on one line).  --column picks the time: ns_per_op (default; wall
time) or another per-op column of the CSV such as task_clock_ns (CPU time);
for JSON, real_time (default) or cpu_time.

Exit status: 0 when every pair found was printed (MISS included), 1 with
--strict when some pair missed its target, 2 on unreadable input or when
no pair has both sides.
"""
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)),
                                "pylib"))
import vmbcli  # noqa: E402
import vmbstats  # noqa: E402
from vmbstats import InputError  # noqa: E402

# (pair = workload column, simulated strategy, native strategy, target,
#  what it compares); bench/bench_pairs.c defines the benchmarks.
# The -chain sides chain each op on the previous one's result (latency);
# the targets are stated for the plain sides.
PAIRS = [
    ("tlb-hit", "translate", "load", 2.0,
     "L1 TLB-hit translation vs one dependent load"),
    ("tlb-hit", "translate-chain", "load", 2.0,
     "the same, translations chained"),
    ("tlb-hit", "translate-zen4", "load", 2.0,
     "the same over zen4's fully associative L1"),
    ("tlb-hit", "translate-neoverse-n1", "load", 2.0,
     "the same over neoverse-n1's fully associative L1"),
    ("tlb-hit", "translate-mmu2", "translate", 1.15,
     "a hit through a second MMU sharing the TLB vs the first"),
    ("walk4", "pt_walk", "chase4", 1.5,
     "4-level walk vs 4-deep pointer chase"),
    ("walk4", "pt_walk-chain", "chase4", 1.5,
     "the same, walks chained"),
]

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def read_csv(path, column):
    """{(workload, n, strategy): [time, ...]} of the pair rows."""
    out = {}
    rows, lines = vmbstats.read_csv_rows(path)
    head = rows[0] if rows else []
    if "family" not in head:
        raise InputError(f"{path}:1: not a vmbench results CSV "
                         "(no 'family' column)")
    for c in ("workload", "n", "strategy", column):
        if c not in head:
            raise InputError(f"{path}:{lines[0]}: no column '{c}'")
    idx = {c: i for i, c in enumerate(head)}
    for line, row in zip(lines[1:], rows[1:]):
        if len(row) != len(head):
            raise InputError(f"{path}:{line}: {len(row)} fields, header has "
                             f"{len(head)}")
        r = {c: row[i] for c, i in idx.items()}
        if r["family"] != "pair":
            continue
        try:
            v = float(r[column])
        except ValueError:
            raise InputError(f"{path}:{line}: {column} is not a number: "
                             f"{r[column]!r}")
        key = (r["workload"], r["n"], r["strategy"])
        out.setdefault(key, []).append(v)
    return out


def read_json(path, column):
    if column == "ns_per_op":
        column = "real_time"
    try:
        doc = json.loads(vmbstats.read_text(path))
    except json.JSONDecodeError as e:
        raise InputError(f"{path}:{e.lineno}: bad JSON: {e.msg}")
    bench = doc.get("benchmarks", []) if isinstance(doc, dict) else None
    if not isinstance(bench, list) or \
            not all(isinstance(b, dict) for b in bench):
        raise InputError(f"{path}:1: not Google Benchmark JSON "
                         "(no list 'benchmarks')")
    out = {}
    for b in bench:
        if b.get("run_type", "iteration") != "iteration":
            continue
        if b.get("error_occurred"):
            continue
        name = str(b.get("name", b.get("run_name", "")))
        parts = str(b.get("run_name", name)).split("/")
        if len(parts) < 3 or parts[0] != "pair":
            continue
        n = ""
        for p in parts:
            if p.startswith("n:"):
                n = p[2:]
        if column not in b:
            raise InputError(f"{path}: {name}: no '{column}'")
        scale = UNIT_NS.get(b.get("time_unit", "ns"))
        if scale is None:
            raise InputError(f"{path}: {name}: unknown time unit")
        try:
            v = float(b[column]) * scale
        except (TypeError, ValueError):
            raise InputError(f"{path}: {name}: {column} is not a "
                             f"number: {b[column]!r}")
        key = (parts[2], n, parts[1])
        out.setdefault(key, []).append(v)
    return out


def read_results(path, column):
    try:
        with open(path, "rb") as f:
            head = f.read(64).lstrip()
    except OSError as e:
        raise InputError(f"{path}: {e.strerror}")
    if head.startswith(b"{"):
        return read_json(path, column)
    return read_csv(path, column)


def report(times):
    """The lines to print and whether every pair met its target."""
    lines, ok = [], True
    sizes = sorted({(w, n) for (w, n, _) in times},
                   key=lambda wn: (wn[0], int(wn[1]) if wn[1].isdigit()
                                   else 0))
    for pair, a, b, target, _ in PAIRS:
        for w, n in sizes:
            if w != pair:
                continue
            ta, tb = times.get((w, n, a)), times.get((w, n, b))
            if not ta or not tb:
                continue
            ma, mb = statistics.median(ta), statistics.median(tb)
            if mb <= 0:
                raise InputError(f"{pair} n={n}: {b} time is {mb}")
            ratio = ma / mb
            verdict = "PASS" if ratio <= target else "MISS"
            ok &= verdict == "PASS"
            lines.append(
                f"{pair} n={n}: {a} {ma:.2f} ns / {b} {mb:.2f} ns = "
                f"{ratio:.2f}x, target <= {target:.1f}x: {verdict} "
                f"(reps {len(ta)}/{len(tb)}; {a} {min(ta):.2f}..{max(ta):.2f}"
                f" ns, {b} {min(tb):.2f}..{max(tb):.2f} ns)")
    return lines, ok


def main(argv):
    strict, column, paths = False, "ns_per_op", []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--strict":
            strict = True
        elif a == "--column" and i + 1 < len(argv):
            column = argv[i + 1]
            i += 1
        elif a.startswith("--column="):
            column = a.split("=", 1)[1]
        elif a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        elif a.startswith("-") and a != "-":
            print(f"{a}: unknown option (try --help)", file=sys.stderr)
            return 2
        else:
            paths.append(a)
        i += 1
    if len(paths) != 1:
        print("usage: pairs.py [--strict] [--column NAME] RESULTS",
              file=sys.stderr)
        return 2
    try:
        times = read_results(paths[0], column)
        lines, ok = report(times)
    except InputError as e:
        print(e, file=sys.stderr)
        return 2
    if not lines:
        print(f"{paths[0]}: no pair with both sides",
              file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    return 1 if strict and not ok else 0


if __name__ == "__main__":
    vmbcli.run(main, "pairs.py")
