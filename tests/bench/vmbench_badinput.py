#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Bad-input and output-safety catalogue for build/bench/vmbench: every bad
case exits 2 (never by a signal) with the expected first line on stderr,
before any benchmark runs, and leaves the directory exactly as it was (no
file appeared, changed or disappeared; no temporary file).  Then: a FIFO
as --csv is written in place and stays a FIFO; SIGINT/SIGTERM/SIGHUP
during a run exit 130/143/129 and leave nothing; a CSV + sidecar pair
whose second rename fails puts the first target back.

usage: vmbench_badinput.py VMBENCH
"""
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time

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

ONE = "--benchmark_filter=^shim/c/empty$"

# (name, args, first line of stderr starts with, substring of it)
CASES = [
    ("--csv into a missing directory", [ONE, "--csv", "NODIR/x.csv"],
     "--csv NODIR/x.csv: ", "No such file or directory"),
    ("--csv a directory", [ONE, "--csv", "adir"], "--csv adir: ",
     "Is a directory"),
    ("--csv a path ending in /", [ONE, "--csv", "new/"], "--csv new/: ",
     "Is a directory"),
    ("--csv sidecar is a directory", [ONE, "--csv", "side.csv"],
     "--csv side.csv: ", "cannot write side.csv.meta.csv: Is a directory"),
    ("--csv empty", [ONE, "--csv="], "--csv: ", "needs a file name"),
    ("--csv existing file kept on failure",
     [ONE, "--csv", "old.csv", "--benchmark_repetitions=-1"],
     "--benchmark_repetitions: ", "not a whole number from 1"),
    ("--benchmark_out a directory", [ONE, "--benchmark_out=adir"],
     "--benchmark_out adir: ", "Is a directory"),
    ("--benchmark_out into a missing directory",
     [ONE, "--benchmark_out", "NODIR/x.json"],
     "--benchmark_out NODIR/x.json: ", "No such file"),
    ("filter matches nothing", ["--benchmark_filter=^nope$", "--csv",
                                "out.csv", "--benchmark_out=out.json"],
     "--benchmark_filter: ", "'^nope$' matches no benchmark"),
    ("filter is no regex", ["--benchmark_filter=(", "--csv", "out.csv"],
     "--benchmark_filter: ", "is not a regular expression"),
    ("--benchmark_repetitions=-1", [ONE, "--benchmark_repetitions=-1",
                                    "--csv", "out.csv"],
     "--benchmark_repetitions: ", "'-1' is not a whole number from 1"),
    ("--benchmark_repetitions=0", [ONE, "--benchmark_repetitions=0"],
     "--benchmark_repetitions: ", "'0' is not a whole number"),
    ("--benchmark_repetitions=x", [ONE, "--benchmark_repetitions=x"],
     "--benchmark_repetitions: ", "'x' is not a whole number"),
    ("--benchmark_repetitions huge",
     [ONE, "--benchmark_repetitions=99999999999"],
     "--benchmark_repetitions: ", "to 100000"),
    ("--benchmark_repetitions without =", [ONE, "--benchmark_repetitions",
                                           "3"],
     "--benchmark_repetitions: ", "needs a value"),
    ("--benchmark_min_time=-1", [ONE, "--benchmark_min_time=-1"],
     "--benchmark_min_time: ", "not a number of seconds"),
    ("--benchmark_min_time=abc", [ONE, "--benchmark_min_time=abc"],
     "--benchmark_min_time: ", "not a number of seconds"),
    ("--benchmark_min_warmup_time=nan", [ONE,
                                         "--benchmark_min_warmup_time=nan"],
     "--benchmark_min_warmup_time: ", "not a number of seconds"),
    ("--benchmark_format=xml", [ONE, "--benchmark_format=xml"],
     "--benchmark_format: ", "not one of console|json|csv"),
    ("--benchmark_out_format=xml", [ONE, "--benchmark_out_format=xml"],
     "--benchmark_out_format: ", "not one of"),
    ("--benchmark_color=maybe", [ONE, "--benchmark_color=maybe"],
     "--benchmark_color: ", "not auto, true or false"),
    ("--benchmark_time_unit=h", [ONE, "--benchmark_time_unit=h"],
     "--benchmark_time_unit: ", "not one of ns|us|ms|s"),
    ("--benchmark_list_tests=maybe", ["--benchmark_list_tests=maybe"],
     "--benchmark_list_tests: ", "not true or false"),
    ("--v=-1", [ONE, "--v=-1"], "--v: ", "not a whole number"),
    ("unknown option", [ONE, "--frob"], "--frob: ", "unknown option"),
    ("positional argument", [ONE, "stray"], "stray: ", "unknown option"),
]


def diff(before, after):
    msgs = []
    for k in sorted(set(before) | set(after)):
        if k not in after:
            msgs.append(f"{k} disappeared")
        elif k not in before:
            msgs.append(f"{k} appeared")
        elif before[k] != after[k]:
            msgs.append(f"{k} changed")
    return msgs


class Checker:
    def __init__(self):
        self.failures = []
        self.total = 0

    def result(self, name, problems, detail=""):
        self.total += 1
        if problems:
            self.failures.append(name)
            print(f"FAIL {name}: " + "; ".join(problems))
            if detail:
                print(f"     {detail}")
        else:
            print(f"ok   {name}")


def bad_cases(exe, d, ck):
    os.mkdir(os.path.join(d, "adir"))
    os.mkdir(os.path.join(d, "side.csv.meta.csv"))
    with open(os.path.join(d, "old.csv"), "w") as f:
        f.write("old contents\n")
    for name, args, prefix, reason in CASES:
        before = snapshot(d)
        t0 = time.monotonic()
        p = subprocess.run([exe] + args, cwd=d, capture_output=True,
                           timeout=60)
        took = time.monotonic() - t0
        err = p.stderr.decode(errors="replace")
        first = err.split("\n", 1)[0]
        problems = []
        if p.returncode != 2:
            problems.append(f"exit {p.returncode}, expected 2")
        if not first.startswith(prefix) or reason not in first:
            problems.append(f"first line {first!r}, expected {prefix!r} "
                            f"with {reason!r}")
        if p.stdout:
            problems.append(f"stdout not empty: {p.stdout[:80]!r}")
        if took > 10:
            problems.append(f"took {took:.1f} s: not refused up front")
        problems += diff(before, snapshot(d))
        ck.result(name, problems, f"stderr: {err!r}")


def signal_cases(exe, d, ck):
    for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143),
                      (signal.SIGHUP, 129)):
        name = f"{signal.Signals(sig).name} during a run"
        before = snapshot(d)
        p = subprocess.Popen([exe, ONE, "--benchmark_min_time=60",
                              "--csv", "old.csv", "--benchmark_out",
                              "run.json"], cwd=d,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        problems = []
        if not temp_file_appeared(d, before):
            problems.append("no temporary file appeared")
        time.sleep(0.3)
        p.send_signal(sig)
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
            problems.append("did not stop")
        if rc != code:
            problems.append(f"exit {rc}, expected {code}")
        problems += diff(before, snapshot(d))
        ck.result(name, problems)


def fifo_case(exe, d, ck):
    fifo = os.path.join(d, "pipe.csv")
    os.mkfifo(fifo)
    before = snapshot(d)
    read = read_fifo(fifo)
    p = subprocess.run([exe, ONE, "--quick", "--csv", "pipe.csv"], cwd=d,
                       capture_output=True, timeout=120)
    got = read()
    problems = []
    if p.returncode != 0:
        problems.append(f"exit {p.returncode}, expected 0")
    if not got or not got.startswith(b"family,strategy,"):
        problems.append("the FIFO's reader got no CSV")
    if not stat.S_ISFIFO(os.lstat(fifo).st_mode):
        problems.append("the FIFO was replaced")
    problems += diff(before, snapshot(d))
    ck.result("--csv FIFO written in place", problems,
              p.stderr.decode(errors="replace"))
    os.unlink(fifo)


def pair_case(exe, d, ck):
    """The sidecar's rename fails (a directory took its name during the
    run): the data CSV must be put back as it was."""
    with open(os.path.join(d, "pair.csv"), "w") as f:
        f.write("old pair\n")
    before = snapshot(d)
    p = subprocess.Popen([exe, ONE, "--benchmark_min_time=1.5", "--csv",
                          "pair.csv"], cwd=d, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    problems = []
    if not temp_file_appeared(d, before):
        problems.append("no temporary file appeared")
    side = os.path.join(d, "pair.csv.meta.csv")
    os.mkdir(side)
    with open(os.path.join(side, "keep"), "w") as f:
        f.write("x")
    _, err = p.communicate(timeout=120)
    err = err.decode(errors="replace")
    last = err.strip().split("\n")[-1] if err.strip() else ""
    if p.returncode != 2:
        problems.append(f"exit {p.returncode}, expected 2")
    if not last.startswith("--csv pair.csv: "):
        problems.append(f"last line {last!r}")
    after = snapshot(d)
    del after["pair.csv.meta.csv"]             # the test's own directory
    del after[os.path.join("pair.csv.meta.csv", "keep")]
    problems += diff(before, after)
    ck.result("CSV + sidecar: a failed second rename puts the first back",
              problems, f"stderr: {err!r}")


def main():
    exe = os.path.abspath(sys.argv[1])
    ck = Checker()
    with tempfile.TemporaryDirectory() as d:
        bad_cases(exe, d, ck)
        fifo_case(exe, d, ck)
        signal_cases(exe, d, ck)
        pair_case(exe, d, ck)
    print(f"{ck.total - len(ck.failures)}/{ck.total} cases passed")
    sys.exit(1 if ck.failures else 0)


if __name__ == "__main__":
    main()
