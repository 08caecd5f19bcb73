#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""scripts/pairs.py on the fixture data/pairs_results.csv, whose medians are
known: tlb-hit 20 / 10 ns = 2.00x (PASS: the target is inclusive), walk4
16 / 10 ns = 1.60x (MISS); a side without its partner (walk4 n=64) and
non-pair rows are ignored.  The same data as Google Benchmark JSON (with
aggregates and a microsecond unit) gives the same lines; --column,
--strict and bad input are checked too.

usage: test_pairs.py PAIRS_PY DATA_DIR
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

EXPECTED = (
    "tlb-hit n=16: translate 20.00 ns / load 10.00 ns = 2.00x, target <= "
    "2.0x: PASS (reps 3/3; translate 10.00..30.00 ns, load 8.00..12.00 ns)\n"
    "walk4 n=16: pt_walk 16.00 ns / chase4 10.00 ns = 1.60x, target <= "
    "1.5x: MISS (reps 3/3; pt_walk 15.00..17.00 ns, chase4 10.00..10.00 "
    "ns)\n")

failures = []


def run(script, *args):
    return subprocess.run([sys.executable, script, *args],
                          capture_output=True, text=True, timeout=60)


def expect(name, p, code, out=None, err=None):
    bad = p.returncode != code or (out is not None and p.stdout != out) or \
        (err is not None and err not in p.stderr)
    if bad:
        failures.append(name)
        print(f"FAIL {name}: exit {p.returncode} (want {code})\n--- stdout\n"
              f"{p.stdout}--- want\n{out}--- stderr\n{p.stderr}")
    else:
        print(f"ok   {name}")


def to_json(csv_path, json_path):
    """The fixture as Google Benchmark JSON: iterations plus a median
    aggregate (which must be skipped); the load side in microseconds."""
    benchmarks = []
    with open(csv_path, newline="") as f:
        for r in csv.DictReader(f):
            parts = [r[k] for k in ("family", "strategy", "workload", "arch",
                                    "tlb") if r[k]]
            name = "/".join(parts + ([f"n:{r['n']}"] if r["n"] else []))
            t, unit = float(r["ns_per_op"]), "ns"
            if r["strategy"] == "load":
                t, unit = t / 1e3, "us"
            b = {"name": name, "run_name": name, "run_type": "iteration",
                 "repetition_index": int(r["repetition"]),
                 "real_time": t, "cpu_time": t, "time_unit": unit}
            benchmarks.append(b)
            if r["repetition"] == "2":
                benchmarks.append(dict(b, name=name + "_median",
                                       run_type="aggregate",
                                       aggregate_name="median",
                                       real_time=1e9, cpu_time=1e9))
    with open(json_path, "w") as f:
        json.dump({"context": {}, "benchmarks": benchmarks}, f)


def main():
    script, data = sys.argv[1], sys.argv[2]
    fixture = os.path.join(data, "pairs_results.csv")

    expect("csv", run(script, fixture), 0, EXPECTED)
    expect("csv --strict", run(script, "--strict", fixture), 1, EXPECTED)
    expect("--column task_clock_ns",
           run(script, "--column", "task_clock_ns", fixture), 0,
           "tlb-hit n=16: translate 9.00 ns / load 3.00 ns = 3.00x, target "
           "<= 2.0x: MISS (reps 3/3; translate 9.00..9.00 ns, load "
           "3.00..3.00 ns)\n"
           "walk4 n=16: pt_walk 4.00 ns / chase4 4.00 ns = 1.00x, target "
           "<= 1.5x: PASS (reps 3/3; pt_walk 4.00..4.00 ns, chase4 "
           "4.00..4.00 ns)\n")
    expect("--column missing", run(script, "--column=nope", fixture), 2,
           "", "no column 'nope'")
    with tempfile.TemporaryDirectory() as d:
        js = os.path.join(d, "out.json")
        to_json(fixture, js)
        expect("json", run(script, js), 0, EXPECTED)
        nopair = os.path.join(d, "nopair.csv")
        with open(nopair, "w") as f:
            f.write("family,strategy,workload,n,ns_per_op\n"
                    "pair,load,tlb-hit,16,3\nshim,c,empty,,1\n")
        expect("no complete pair", run(script, nopair), 2, "",
               "no pair with both sides")
        notcsv = os.path.join(d, "bad.csv")
        with open(notcsv, "w") as f:
            f.write("a,b\n1,2\n")
        expect("not a results CSV", run(script, notcsv), 2, "",
               "no 'family' column")
        badnum = os.path.join(d, "badnum.csv")
        with open(badnum, "w") as f:
            f.write("family,strategy,workload,n,ns_per_op\n"
                    "pair,load,tlb-hit,16,fast\n")
        expect("bad number", run(script, badnum), 2, "",
               "badnum.csv:2: ns_per_op is not a number")
    expect("missing file", run(script, "/nonexistent/r.csv"), 2, "",
           "No such file")
    expect("no arguments", run(script), 2, "", "usage")
    if failures:
        print(f"{len(failures)} failed: {', '.join(failures)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
