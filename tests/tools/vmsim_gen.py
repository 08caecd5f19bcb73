#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vmsim gen-vmap: the same seed gives the same bytes, a different seed
different bytes (for the randomized workloads), and every workload's trace
replays with --strategy all without error or divergence.

usage: vmsim_gen.py VMSIM
"""
import os
import subprocess
import sys
import tempfile

# Small enough for the O(n) list strategy to stay quick; each workload
# gets only the options it uses (vmsim refuses the others).
def small(workload):
    if workload == "churn":
        return ["--live", "300", "--ops", "3000"]
    if workload == "full_fit":
        return ["--loops", "40", "--cpus", "1"]
    return ["--loops", "40"]


RANDOMIZED = {"random_size", "random_size_align", "churn"}


def gen(vmsim, workload, seed):
    p = subprocess.run([vmsim, "gen-vmap", "--workload", workload,
                        "--seed", str(seed)] + small(workload), capture_output=True,
                       timeout=60)
    if p.returncode != 0:
        print(f"FAIL gen {workload}: exit {p.returncode}: "
              f"{p.stderr.decode()}")
        sys.exit(1)
    return p.stdout


def main():
    vmsim = sys.argv[1]
    failures = []
    workloads = subprocess.run([vmsim, "gen-vmap", "--list"],
                               capture_output=True, check=True
                               ).stdout.decode().split()
    missing = RANDOMIZED - set(workloads)
    if missing or len(workloads) < 8:
        print(f"FAIL: workloads listed: {workloads}")
        sys.exit(1)
    with tempfile.TemporaryDirectory() as d:
        for w in workloads:
            a, b, c = gen(vmsim, w, 42), gen(vmsim, w, 42), gen(vmsim, w, 43)
            problems = []
            if a != b:
                problems.append("same seed, different bytes")
            if w in RANDOMIZED and a == c:
                problems.append("different seed, same bytes")
            if w == "churn" and b"\nl " not in a:
                problems.append("no lookups in churn")
            path = os.path.join(d, f"{w}.trace")
            with open(path, "wb") as f:
                f.write(a)
            p = subprocess.run([vmsim, "vmap", "--strategy", "all", path],
                               capture_output=True, timeout=300)
            if p.returncode != 0:
                problems.append(f"replay exit {p.returncode}: "
                                f"{p.stderr.decode().strip()}")
            allocs = a.count(b"\na ")
            results = p.stdout.count(b"\n")
            if results != allocs:
                problems.append(f"{results} results for {allocs} allocs")
            # -o writes the same bytes as stdout.
            out = os.path.join(d, f"{w}.o.trace")
            subprocess.run([vmsim, "gen-vmap", "--workload", w, "--seed",
                            "42", "-o", out] + small(w), check=True)
            with open(out, "rb") as f:
                if f.read() != a:
                    problems.append("-o differs from stdout")
            if problems:
                failures.append(w)
                print(f"FAIL {w}: " + "; ".join(problems))
            else:
                print(f"ok   {w}: {len(a)} bytes, {allocs} allocs")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
