#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Bad-input catalogue for vmsim: every case must exit 2 (never by a
signal), print nothing on stdout, put the exact 'FILE:LINE: ' or
'--option: ' prefix and the expected reason on stderr, and leave no output
file (nor temporary file) behind.  Then -o itself: a directory is
refused, FIFOs and "-" are written in place, a link is kept, and
SIGINT/SIGTERM/SIGHUP exit 130/143/129 leaving no temporary file.

usage: vmsim_badinput.py VMSIM
"""
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "pylib"))
from harness import read_fifo, temp_file_appeared  # noqa: E402
from snapshot import snapshot  # noqa: E402

# The signal cases need the default dispositions in the tools they start:
# launched under nohup (or as a background job), the tests would hand them
# SIGHUP (or SIGINT) ignored, which the tools rightly honour.
for _sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
    if signal.getsignal(_sig) == signal.SIG_IGN:
        signal.signal(_sig, signal.SIG_DFL)

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
    ("--repetitions 0", "a 1 4096\n", ["--stats", "--repetitions", "0",
                                       "-o", "O"],
     "--repetitions: ", "'0' is not a count from 1 to 1000"),
    ("--repetitions above the cap", "a 1 4096\n",
     ["--stats", "--repetitions=1001", "-o", "O"], "--repetitions: ",
     "'1001' is not a count from 1 to 1000"),
    ("--repetitions junk", "a 1 4096\n", ["--stats", "--repetitions", "3x"],
     "--repetitions: ", "'3x' is not a count"),
    ("--repetitions without --stats", "a 1 4096\n",
     ["--repetitions", "3", "-o", "O"], "--repetitions: ",
     "only with --stats"),
    ("--repetitions missing value", None, ["--stats", "--repetitions"],
     "--repetitions: ", "missing value"),
    ("missing file", None, ["MISSING"], "MISSING: ", "cannot open"),
    ("-o into a missing directory", "a 1 4096\n", ["-o", "NODIR/out.txt"],
     "-o: ", "No such file or directory"),
]

# vmsim gen-vmap: (name, args, prefix, reason)
GEN_CASES = [
    ("gen unknown workload", ["--workload", "nope"], "--workload: ",
     "unknown workload 'nope'"),
    ("gen no workload", [], "--workload: ", "required"),
    ("gen --sweep-sizes with value", ["--sweep-sizes=1"], "--sweep-sizes: ",
     "takes no value"),
    ("gen --loops 0", ["--workload", "fix_size", "--loops", "0"],
     "--loops: ", "must be at least 1"),
    ("gen --lookups 101", ["--workload", "churn", "--lookups", "101"],
     "--lookups: ", "percentage"),
    # The generator names the parameter at fault; vmsim blames its option.
    ("gen --max-pages 0", ["--workload", "churn", "--max-pages", "0"],
     "--max-pages: ", "must be 1..1048576"),
    ("gen --cpus 0", ["--workload", "full_fit", "--cpus", "0"], "--cpus: ",
     "must be 1..65535"),
    ("gen --live 0", ["--workload", "churn", "--live", "0"], "--live: ",
     "must be at least 1"),
    ("gen --ops too many", ["--workload", "churn", "--ops", "200000000"],
     "--ops: ", "at most 134207728 with live 10000"),
    ("gen --loops too many", ["--workload", "align_shift", "--loops",
                              "2000000"], "--loops: ",
     "at most 1048576 for align_shift"),
    ("gen --pages 0", ["--workload", "fix_size", "--pages", "0"],
     "--pages: ", "must be 1..1048576"),
    ("gen --page-size 2G", ["--workload", "churn", "--page-size",
                            "0x80000000"], "--page-size: ",
     "must be a power of two up to 1 GiB"),
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


def output_cases(vmsim, failures):
    """-o: a directory is refused before any work, streams are written in
    place (never renamed over), a link keeps its link, and a signal leaves
    no temporary file.  Returns the number of cases."""
    n = 0
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "ok.trace"), "w") as f:
            f.write("a 1 4096\na 2 8192\nf 1\n")
        os.mkdir(os.path.join(d, "adir"))
        for name, cmd in (
                ("-o a directory", ["vmap", "--strategy", "all",
                                    "ok.trace", "-o", "adir"]),
                ("gen -o a directory", ["gen-vmap", "--workload",
                                        "fix_size", "-o", "adir"]),
                ("tlb -o a directory", ["tlb", "--workload", "seq",
                                        "-o", "adir"])):
            n += 1
            before = set(os.listdir(d))
            p = run([vmsim] + cmd, b"", d)
            check(name, p, "-o: ", "Is a directory", d, before, failures)

        # A FIFO (standing in for a device node) is written in place.
        n += 1
        fifo = os.path.join(d, "fifo")
        os.mkfifo(fifo)
        read = read_fifo(fifo)
        before = snapshot(d)
        p = run([vmsim, "vmap", "--strategy", "all", "ok.trace", "-o",
                 "fifo"], b"", d)
        got = read()
        problems = []
        if p.returncode != 0:
            problems.append(f"exit {p.returncode}")
        if not got or not got.startswith(b"1 0x"):
            problems.append(f"reader got {got!r}")
        if snapshot(d) != before:
            problems.append("directory changed (FIFO replaced?)")
        report("-o FIFO in place", problems, failures)

        # "-" is standard output, not a file named "-".
        n += 1
        before = snapshot(d)
        p = run([vmsim, "vmap", "--strategy", "all", "ok.trace", "-o", "-"],
                b"", d)
        problems = []
        if p.returncode != 0 or not p.stdout.startswith(b"1 0x"):
            problems.append(f"exit {p.returncode}, stdout {p.stdout!r}")
        if snapshot(d) != before:
            problems.append("directory changed")
        report("-o - is stdout", problems, failures)

        # A symbolic link keeps the link; the file it names is replaced.
        n += 1
        with open(os.path.join(d, "target"), "w") as f:
            f.write("old\n")
        os.symlink("target", os.path.join(d, "link"))
        p = run([vmsim, "vmap", "--strategy", "all", "ok.trace", "-o",
                 "link"], b"", d)
        problems = []
        if p.returncode != 0:
            problems.append(f"exit {p.returncode}")
        if not os.path.islink(os.path.join(d, "link")):
            problems.append("the link was replaced")
        with open(os.path.join(d, "target"), "rb") as f:
            if not f.read().startswith(b"1 0x"):
                problems.append("the link's target was not written")
        report("-o a symbolic link", problems, failures)

        # A signal while the trace is read from a pipe: no temporary file.
        for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143),
                          (signal.SIGHUP, 129)):
            n += 1
            before = snapshot(d)
            p = subprocess.Popen([vmsim, "vmap", "--strategy", "all", "-",
                                  "-o", "target"], cwd=d,
                                 stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            problems = []
            if not temp_file_appeared(d):
                problems.append("no temporary file appeared")
            p.send_signal(sig)
            rc = p.wait(timeout=30)
            p.stdin.close()
            if rc != code:
                problems.append(f"exit {rc}, expected {code}")
            if snapshot(d) != before:
                problems.append("directory changed: "
                                f"{sorted(set(os.listdir(d)))}")
            report(f"-o and {signal.Signals(sig).name}", problems, failures)
    return n


def report(name, problems, failures):
    if problems:
        failures.append(name)
        print(f"FAIL {name}: " + "; ".join(problems))
    else:
        print(f"ok   {name}")


def main():
    vmsim = os.path.abspath(sys.argv[1])
    failures = []
    nout = output_cases(vmsim, failures)
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
    total = len(CASES) + len(GEN_CASES) + 1 + nout
    print(f"{total - len(failures)}/{total} bad-input cases passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
