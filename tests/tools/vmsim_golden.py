#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vmsim vmap on the hand-checked trace data/hand.trace: the output of every
lowest-fit strategy, and of --strategy all, equals data/hand.expected byte
for byte, from a file, from stdin and through -o.

usage: vmsim_golden.py VMSIM DATA_DIR
"""
import os
import subprocess
import sys
import tempfile

RANGE = "--range=0x100000:0x110000"


def main():
    vmsim, data = sys.argv[1], sys.argv[2]
    trace = os.path.join(data, "hand.trace")
    with open(os.path.join(data, "hand.expected"), "rb") as f:
        expected = f.read()
    failures = []

    def expect(name, cmd, stdin=b"", out_file=None):
        p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=60)
        got = p.stdout
        if out_file:
            with open(out_file, "rb") as f:
                got = f.read()
            if p.stdout:
                failures.append(name)
                print(f"FAIL {name}: stdout not empty with -o")
        if p.returncode != 0 or got != expected:
            failures.append(name)
            print(f"FAIL {name}: exit {p.returncode}\n--- got\n"
                  f"{got.decode()}--- stderr\n{p.stderr.decode()}")
        else:
            print(f"ok   {name}")
        return p

    listed = subprocess.run([vmsim, "vmap", "--list"], capture_output=True,
                            check=True).stdout.decode().split("\n")
    lowest = [line for line in listed if line and " " not in line]
    if not lowest:
        print("FAIL: no lowest-fit strategy listed")
        sys.exit(1)
    for s in lowest:
        expect(f"--strategy {s}", [vmsim, "vmap", "--strategy", s, RANGE,
                                   trace])
    p = expect("--strategy all", [vmsim, "vmap", "--strategy", "all", RANGE,
                                  trace])
    if "no divergence" not in p.stderr.decode():
        failures.append("confirmation")
        print("FAIL --strategy all: no confirmation on stderr")
    with open(trace, "rb") as f:
        expect("stdin", [vmsim, "vmap", "--strategy", lowest[0], RANGE,
                         "-"], stdin=f.read())
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out.txt")
        expect("-o", [vmsim, "vmap", "--strategy", "all", RANGE, "-o", out,
                      trace], out_file=out)
        if sorted(os.listdir(d)) != ["out.txt"]:
            failures.append("-o leftovers")
            print(f"FAIL -o: directory holds {os.listdir(d)}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
