#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Bad-input catalogue for vmsim: every case must exit 2 (never by a
signal), print nothing on stdout, put the exact 'FILE:LINE: ' or
'--option: ' prefix and the expected reason on stderr, and leave no output
file (nor temporary file) behind.

usage: vmsim_badinput.py VMSIM
"""
import os
import subprocess
import sys
import tempfile

R = "--range=0x100000:0x110000"

# (name, trace text or None, extra args (T = the trace path, O = -o path),
#  expected stderr prefix (T replaced by the trace path), reason substring)
CASES = [
    ("unknown op", "a 1 4096\nx 1\n", [], "T:2: ", "unknown op 'x'"),
    ("op word", "alloc 1 4096\n", [], "T:1: ", "unknown op 'alloc'"),
    ("missing id", "# c\n\nf\n", [], "T:3: ", "missing id"),
    ("missing size", "a 1 # no size\n", [], "T:1: ", "missing size"),
    ("missing offset", "a 1 4096\nl 1\n", [], "T:2: ", "missing offset"),
    ("extra field f", "a 1 4096\nf 1 2\n", [], "T:2: ", "extra field '2'"),
    ("extra field a", "a 1 4096 4096 0x100000 0x110000 9\n", [R], "T:1: ",
     "extra field '9'"),
    ("vstart without vend", "a 1 4096 4096 0x100000\n", [R], "T:1: ",
     "vstart without vend"),
    ("junk after number", "a 1 4096k\n", [], "T:1: ", "junk after size"),
    ("junk in hex", "f 0x1g\n", [], "T:1: ", "junk after id"),
    ("bad number", "a 1 -4096\n", [], "T:1: ", "bad number '-4096'"),
    ("empty hex", "a 1 0xz\n", [], "T:1: ", "bad number '0xz'"),
    ("hex overflow", "a 0x10000000000000000 4096\n", [], "T:1: ",
     "overflows 64 bits"),
    ("decimal overflow", "a 18446744073709551616 4096\n", [], "T:1: ",
     "overflows 64 bits"),
    ("NUL byte", "a 1 4096\na\0 2 4096\n", [], "T:2: ", "unknown op"),
    ("free of unknown id", "a 1 4096\nf 2\n", [R], "T:2: ",
     "free of id 2, which is not live"),
    ("double free", "a 1 4096\nf 1\n\nf 1\n", [R], "T:4: ",
     "free of id 1, which is not live"),
    ("alloc of live id", "a 1 4096\na 1 4096\n", [R], "T:2: ",
     "alloc of id 1, which is live"),
    ("lookup of dead id", "a 1 4096\nf 1\nl 1 0\n", [R], "T:3: ",
     "lookup of id 1, which is not live"),
    ("lookup offset out of area", "a 1 0x2000\nl 1 0x2000\n", [R], "T:2: ",
     "outside area 1"),
    ("free of ENOSPC id", "a 1 0x20000\nf 1\n", [R], "T:2: ",
     "which is not live"),
    ("size not page multiple", "a 1 4095\n", [R], "T:1: ",
     "not a multiple of the page size"),
    ("size 0", "a 1 0\n", [R], "T:1: ", "size 0"),
    ("align not power of two", "a 1 4096 0x3000\n", [R], "T:1: ",
     "align 0x3000 is not a power of two"),
    ("window outside range", "a 1 4096 4096 0x100000 0x120000\n", [R],
     "T:1: ", "not inside the range"),
    ("vstart >= vend", "a 1 4096 4096 0x108000 0x108000\n", [R], "T:1: ",
     "not below its end"),
    ("error after comment lines", "# one\n\n   # three\na 1 1\n", [R],
     "T:4: ", "not a multiple"),
    ("error on stdin", None, ["-"], "<stdin>:1: ", "unknown op"),
    ("error with -o", "a 1 4096\nf 9\n", [R, "-o", "O"], "T:2: ",
     "not live"),
    ("--strategy nope", "a 1 4096\n", ["--strategy", "nope"], "--strategy: ",
     "unknown strategy 'nope'"),
    ("--strategy missing value", None, ["--strategy"],
     "--strategy: ", "missing value"),
    ("--page-size 3", "a 1 4096\n", ["--page-size", "3"], "--page-size: ",
     "not a power of two"),
    ("--page-size junk", "a 1 4096\n", ["--page-size=4k"], "--page-size: ",
     "not an unsigned 64-bit number"),
    ("--range start>=end", "a 1 4096\n", ["--range", "0x200000:0x100000"],
     "--range: ", "not below end"),
    ("--range no colon", "a 1 4096\n", ["--range", "0x200000"], "--range: ",
     "not START:END"),
    ("--range unaligned", "a 1 4096\n", ["--range", "0x100001:0x200000"],
     "--range: ", "not aligned to the page size"),
    ("--range overflow", "a 1 4096\n", ["--range", "0:0x10000000000000000"],
     "--range: ", "64-bit"),
    ("unknown option", "a 1 4096\n", ["--bogus"], "--bogus: ",
     "unknown option"),
    ("--stats with value", "a 1 4096\n", ["--stats=1"], "--stats: ",
     "takes no value"),
    ("missing file", None, ["MISSING"], "MISSING: ", "cannot open"),
    ("-o into a missing directory", "a 1 4096\n", ["-o", "NODIR/out.txt"],
     "-o: ", "No such file or directory"),
]

# vmsim gen-vmap: (name, args, prefix, reason)
GEN_CASES = [
    ("gen unknown workload", ["--workload", "nope"], "--workload: ",
     "unknown workload 'nope'"),
    ("gen no workload", [], "--workload: ", "required"),
    ("gen --loops 0", ["--workload", "fix_size", "--loops", "0"],
     "--loops: ", "must be at least 1"),
    ("gen --lookups 101", ["--workload", "churn", "--lookups", "101"],
     "--lookups: ", "percentage"),
    ("gen --seed junk", ["--workload", "churn", "--seed", "x1"], "--seed: ",
     "not an unsigned"),
    ("gen --page-size 3", ["--workload", "churn", "--page-size", "3"],
     "--page-size: ", "not a power of two"),
    ("gen -o missing dir", ["--workload", "fix_size", "--loops", "1",
                            "-o", "NODIR/x.trace"], "-o: ", "No such file"),
    ("gen unknown option", ["--workload", "churn", "--frob"], "--frob: ",
     "unknown option"),
]


def run(cmd, stdin_data, cwd):
    return subprocess.run(cmd, input=stdin_data, capture_output=True,
                          cwd=cwd, timeout=60)


def check(name, p, prefix, reason, cwd, before, failures):
    err = p.stderr.decode(errors="replace")
    problems = []
    if p.returncode < 0:
        problems.append(f"killed by signal {-p.returncode}")
    elif p.returncode != 2:
        problems.append(f"exit {p.returncode}, expected 2")
    if p.stdout:
        problems.append(f"stdout not empty: {p.stdout[:80]!r}")
    if not err.startswith(prefix):
        problems.append(f"stderr does not start with {prefix!r}")
    if reason not in err:
        problems.append(f"stderr lacks {reason!r}")
    if err.count("\n") != 1 or not err.endswith("\n"):
        problems.append("stderr is not exactly one line")
    left = sorted(set(os.listdir(cwd)) - before)
    if left:
        problems.append(f"files left behind: {left}")
    if problems:
        failures.append(name)
        print(f"FAIL {name}: " + "; ".join(problems))
        print(f"     stderr: {err!r}")
    else:
        print(f"ok   {name}: {err.strip()}")


def main():
    vmsim = os.path.abspath(sys.argv[1])
    failures = []
    with tempfile.TemporaryDirectory() as cwd:
        for i, (name, text, extra, prefix, reason) in enumerate(CASES):
            trace = f"case{i}.trace"
            stdin_data = b""
            if text is not None:
                with open(os.path.join(cwd, trace), "wb") as f:
                    f.write(text.encode())
            if "-" in extra:
                stdin_data = b"x 1\n"
            args = [a.replace("O", "out.txt") if a == "O" else a
                    for a in extra]
            if text is not None and "-" not in args:
                args.append(trace)
            if not any(a == "--strategy" or a.startswith("--strategy=")
                       for a in args):
                args = ["--strategy", "all"] + args
            before = set(os.listdir(cwd))
            p = run([vmsim, "vmap"] + args, stdin_data, cwd)
            check(name, p, prefix.replace("T", trace, 1)
                  if prefix.startswith("T") else prefix, reason, cwd,
                  before, failures)
        for name, args, prefix, reason in GEN_CASES:
            before = set(os.listdir(cwd))
            p = run([vmsim, "gen-vmap"] + args, b"", cwd)
            check(name, p, prefix, reason, cwd, before, failures)
        # The dispatcher itself.
        p = run([vmsim, "nope"], b"", cwd)
        if p.returncode != 2 or p.stdout:
            failures.append("unknown command")
            print(f"FAIL unknown command: exit {p.returncode}")
    total = len(CASES) + len(GEN_CASES) + 1
    print(f"{total - len(failures)}/{total} bad-input cases passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
