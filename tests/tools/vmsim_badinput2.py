#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vmsim's numbers and options: bounds named in the message, options
named as the user typed them, options a workload would ignore refused,
NA for figures that were not measured, 0x for addresses, and generated
traces that replay in the range they were generated for.

Every bad case must exit 2 (never by a signal), print nothing on stdout,
print one line on stderr that starts with the exact '--option: ' or
'FILE: ' prefix and holds the expected reason, and leave the directory
exactly as it was: no file appeared, changed or disappeared (an existing
-o target included).

usage: vmsim_badinput2.py VMSIM
"""
import csv
import io
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "pylib"))
from snapshot import snapshot  # noqa: E402

MAX_ACC = 1 << 28    # WL_ACCESS_GEN_MAX
MAX_TABLE = 1 << 26  # WL_ACCESS_GEN_MAX_TABLE
MAX_OPS = 1 << 27    # WL_VMAP_GEN_MAX_OPS
U64_MAX = str(2**64 - 1)

# (name, argv after vmsim (D = a directory, O = an existing -o target),
#  stderr prefix, reason substring)
CASES = [
    # vmsim vmap
    ("vmap --page-size misaligns the default range",
     ["vmap", "--strategy", "all", "--page-size", "0x8000000000000000",
      "T"], "--page-size: ", "does not align the default range"),
    ("vmap directory as trace", ["vmap", "--strategy", "all", "D"],
     "D: ", "Is a directory"),
    ("vmap directory as trace, -o", ["vmap", "--strategy", "all", "-o",
                                     "O", "D"], "D: ", "Is a directory"),
    # vmsim gen-vmap: bounds
    ("gen --loops 0", ["gen-vmap", "--workload", "fix_size", "--loops",
                       "0"], "--loops: ", "must be at least 1"),
    ("gen --loops 2^64-1", ["gen-vmap", "--workload", "fix_size",
                            "--loops", U64_MAX],
     "--loops: ", "at most %d for fix_size" % (MAX_OPS // 3)),
    ("gen --loops align_shift", ["gen-vmap", "--workload", "align_shift",
                                 "--loops", "2000000"],
     "--loops: ", "at most %d for align_shift" % (MAX_OPS // 128)),
    ("gen --loops long_busy_list, -o",
     ["gen-vmap", "--workload", "long_busy_list", "--loops", U64_MAX,
      "-o", "O"], "--loops: ", "at most %d" % ((MAX_OPS - 15000) // 6)),
    ("gen --live 2^64-1", ["gen-vmap", "--workload", "churn", "--live",
                           U64_MAX], "--live: ", "must be 1..%d" % MAX_OPS),
    ("gen --live 0", ["gen-vmap", "--workload", "churn", "--live", "0"],
     "--live: ", "must be at least 1"),
    ("gen --ops over the total", ["gen-vmap", "--workload", "churn",
                                  "--live", "1000", "--ops", str(MAX_OPS)],
     "--ops: ", "at most %d with live 1000" % (MAX_OPS - 1000)),
    ("gen --pages 2^20+1", ["gen-vmap", "--workload", "fix_size",
                            "--pages", str(2**20 + 1)],
     "--pages: ", "must be 1..1048576"),
    ("gen --max-pages 0", ["gen-vmap", "--workload", "churn",
                           "--max-pages", "0"],
     "--max-pages: ", "must be 1..1048576"),
    ("gen --cpus 0", ["gen-vmap", "--workload", "full_fit", "--cpus", "0"],
     "--cpus: ", "must be 1..65535"),
    ("gen full_fit tiny pages", ["gen-vmap", "--workload", "full_fit",
                                 "--cpus", "65535", "--page-size", "1"],
     "--page-size: ", "1-byte pages make 536870912 holes for full_fit"),
    ("gen --page-size 2G", ["gen-vmap", "--workload", "fix_size",
                            "--page-size", "0x80000000"],
     "--page-size: ", "power of two up to 1 GiB"),
    ("gen --loops trailing junk", ["gen-vmap", "--workload", "fix_size",
                                   "--loops", "10x"],
     "--loops: ", "not an unsigned 64-bit number"),
    # vmsim gen-vmap: options the workload would ignore
    ("gen --pages with churn", ["gen-vmap", "--workload", "churn",
                                "--pages", "3"],
     "--pages: ", "the workload churn does not use it (used by: fix_size)"),
    ("gen --live with fix_size", ["gen-vmap", "--workload", "fix_size",
                                  "--live", "3"],
     "--live: ", "the workload fix_size does not use it (used by: churn)"),
    ("gen --loops with churn", ["gen-vmap", "--workload", "churn",
                                "--loops", "3"],
     "--loops: ", "the workload churn does not use it"),
    ("gen --cpus with random_size", ["gen-vmap", "--workload",
                                     "random_size", "--cpus", "2", "-o",
                                     "O"],
     "--cpus: ", "does not use it (used by: full_fit)"),
    # vmsim tlb: bounds
    # (--accesses is not bounded: a workload streams in batches.)
    ("tlb --accesses 2^64", ["tlb", "--workload", "uniform",
                             "--accesses", str(2**64)],
     "--accesses: ", "is not an unsigned 64-bit number"),
    ("tlb --accesses 2^64, -o", ["tlb", "--workload", "uniform",
                                 "--accesses", str(2**64), "-o", "O"],
     "--accesses: ", "is not an unsigned 64-bit number"),
    ("tlb chase --pages", ["tlb", "--workload", "chase", "--pages",
                           str(MAX_TABLE + 1)],
     "--pages: ", "at most %d for chase" % MAX_TABLE),
    ("tlb zipf --pages", ["tlb", "--workload", "zipf", "--pages",
                          "1000000000"],
     "--pages: ", "at most %d for zipf" % MAX_TABLE),
    ("tlb sweep --pages", ["tlb", "--workload", "sweep", "--pages",
                           "1000000000", "--accesses", "10"],
     "--pages: ", "a sweep up to 1000000000 pages makes"),
    ("tlb --pages 2^64-1", ["tlb", "--workload", "uniform", "--pages",
                            U64_MAX], "--pages: ", "do not fit below 2^64"),
    ("tlb --zipf inf", ["tlb", "--workload", "zipf", "--zipf", "inf"],
     "--zipf: ", "not a positive finite number"),
    ("tlb --zipf nan", ["tlb", "--workload", "zipf", "--zipf", "nan"],
     "--zipf: ", "not a positive finite number"),
    ("tlb --zipf 0", ["tlb", "--workload", "zipf", "--zipf", "0"],
     "--zipf: ", "not a positive finite number"),
    ("tlb --stride 0", ["tlb", "--workload", "strided", "--stride", "0"],
     "--stride: ", "must not be 0"),
    ("tlb --writes 101", ["tlb", "--workload", "uniform", "--writes",
                          "101"], "--writes: ", "above 100"),
    ("tlb --size 0", ["tlb", "--workload", "uniform", "--size", "0"],
     "--size: ", "not a power of two"),
    # vmsim tlb: options the workload would ignore
    ("tlb --zipf with uniform", ["tlb", "--workload", "uniform", "--zipf",
                                 "2"],
     "--zipf: ", "the workload uniform does not use it"),
    ("tlb --stride with sequential", ["tlb", "--workload", "sequential",
                                      "--stride", "8"],
     "--stride: ", "the workload sequential does not use it"),
    ("tlb directory as trace", ["tlb", "--trace", "D", "--format", "din"],
     "D: ", "Is a directory"),
]


class Checker:
    def __init__(self, vmsim, cwd):
        self.vmsim = vmsim
        self.cwd = cwd
        self.failures = []
        self.count = 0

    def run(self, args, stdin=b""):
        try:
            return subprocess.run([self.vmsim] + args, input=stdin,
                                  capture_output=True, cwd=self.cwd,
                                  timeout=60)
        except subprocess.TimeoutExpired:
            # An unbounded run: a failure of its own, not a traceback.
            return subprocess.CompletedProcess(args, 124, b"",
                                               b"(timed out)\n")

    def result(self, name, problems, detail=""):
        self.count += 1
        if problems:
            self.failures.append(name)
            print("FAIL %s: %s" % (name, "; ".join(problems)))
            if detail:
                print("     %s" % detail)
        else:
            print("ok   %s%s" % (name, ": " + detail if detail else ""))

    def bad(self, name, args, prefix, reason):
        before = snapshot(self.cwd)
        p = self.run(args)
        err = p.stderr.decode(errors="replace")
        first = err.split("\n", 1)[0]
        problems = []
        if p.returncode < 0:
            problems.append("killed by signal %d" % -p.returncode)
        elif p.returncode == 124:
            problems.append("ran for more than 60 s")
        elif p.returncode != 2:
            problems.append("exit %d, expected 2" % p.returncode)
        if p.stdout:
            problems.append("stdout not empty: %r" % p.stdout[:80])
        if not first.startswith(prefix):
            problems.append("first line does not start with %r" % prefix)
        if reason not in first:
            problems.append("first line lacks %r" % reason)
        if err.count("\n") != 1 or not err.endswith("\n"):
            problems.append("stderr is not exactly one line")
        after = snapshot(self.cwd)
        if after != before:
            changed = sorted(k for k in set(before) | set(after)
                             if before.get(k) != after.get(k))
            problems.append("directory changed: %s" % changed)
        self.result(name, problems, repr(first))


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def good_cases(c):
    """The fixed behaviours that print numbers: NA, 0x0, --range."""
    # An empty trace (only a comment): per-op figures are NA, and so is
    # the per-area figure with no area live.
    with open(os.path.join(c.cwd, "empty.trace"), "w") as f:
        f.write("# nothing\n")
    p = c.run(["vmap", "--strategy", "all", "--stats", "empty.trace"])
    problems = [] if p.returncode == 0 else ["exit %d" % p.returncode]
    rows = csv_rows(p.stdout.decode())
    if not rows:
        problems.append("no rows")
    for r in rows:
        for col in ("ns_per_op", "node_visits_per_op",
                    "meta_bytes_per_area"):
            if r[col] != "NA":
                problems.append("%s %s = %r, expected NA"
                                % (r["strategy"], col, r[col]))
        if r["ops"] != "0":
            problems.append("ops %r" % r["ops"])
    c.result("vmap --stats, empty trace: NA", problems)

    # Areas freed at the end: no live area, meta_bytes_per_area NA; the
    # per-op figures are measured.
    with open(os.path.join(c.cwd, "freed.trace"), "w") as f:
        f.write("a 1 4096\nf 1\n")
    p = c.run(["vmap", "--strategy", "augrb", "--stats", "freed.trace"])
    rows = csv_rows(p.stdout.decode())
    problems = [] if p.returncode == 0 and len(rows) == 1 else \
        ["exit %d, %d rows" % (p.returncode, len(rows))]
    for r in rows:
        if r["meta_bytes_per_area"] != "NA":
            problems.append("meta_bytes_per_area %r"
                            % r["meta_bytes_per_area"])
        try:
            float(r["ns_per_op"])
            float(r["node_visits_per_op"])
        except ValueError:
            problems.append("per-op figures not numbers: %r" % r)
    c.result("vmap --stats, nothing live: per-area NA", problems)

    # Address 0 prints as 0x0, like every other address.
    with open(os.path.join(c.cwd, "zero.trace"), "w") as f:
        f.write("a 1 4096\na 2 4096\n")
    p = c.run(["vmap", "--strategy", "all", "--range", "0:0x100000",
               "zero.trace"])
    out = p.stdout.decode()
    c.result("vmap address 0 prints 0x0",
             [] if p.returncode == 0 and out == "1 0x0\n2 0x1000\n"
             else ["exit %d, output %r" % (p.returncode, out)])

    # vmsim tlb on an empty trace: no translation, so no rate; no cell of
    # the CSV is left empty.
    with open(os.path.join(c.cwd, "empty.din"), "w") as f:
        f.write("")
    p = c.run(["tlb", "--trace", "empty.din", "--format", "din",
               "--stats"])
    text = p.stdout.decode()
    rows = csv_rows(text)
    problems = [] if p.returncode == 0 and rows else \
        ["exit %d" % p.returncode]
    for r in rows:
        if r["translations_per_s"] != "NA":
            problems.append("%s translations_per_s %r"
                            % (r["level"], r["translations_per_s"]))
    if any(cell == "" for line in text.splitlines()
           for cell in line.split(",")):
        problems.append("empty cells in %r" % text[:200])
    c.result("tlb --stats, empty trace: rate NA, no empty cell", problems)

    # --repetitions: the simulated columns of N replays equal one
    # replay's, N is reported, and min <= median <= max per op.
    with open(os.path.join(c.cwd, "reps.trace"), "w") as f:
        f.write("".join("a %d 8192\n" % i for i in range(1, 200)) +
                "".join("f %d\n" % i for i in range(1, 200, 2)))
    one = csv_rows(c.run(["vmap", "--strategy", "all", "--stats",
                          "reps.trace"]).stdout.decode())
    p = c.run(["vmap", "--strategy", "all", "--stats", "--repetitions", "3",
               "reps.trace"])
    three = csv_rows(p.stdout.decode())
    problems = [] if p.returncode == 0 and three and \
        len(one) == len(three) else ["exit %d, %d vs %d rows"
                                     % (p.returncode, len(one), len(three))]
    timed = ("seconds", "ns_per_op", "repetitions", "ns_per_op_min",
             "ns_per_op_max")
    for a, b in zip(one, three):
        if {k: v for k, v in a.items() if k not in timed} != \
                {k: v for k, v in b.items() if k not in timed}:
            problems.append("%s: simulated columns differ" % a["strategy"])
        if a["repetitions"] != "1" or b["repetitions"] != "3":
            problems.append("repetitions %r, %r" % (a["repetitions"],
                                                    b["repetitions"]))
        try:
            lo, med, hi = (float(b[k]) for k in ("ns_per_op_min",
                                                 "ns_per_op",
                                                 "ns_per_op_max"))
            if not lo <= med <= hi:
                problems.append("%s: not min <= median <= max: %r"
                                % (b["strategy"], (lo, med, hi)))
        except ValueError:
            problems.append("per-op times not numbers: %r" % b)
    c.result("vmap --stats --repetitions 3: same counters, min/median/max",
             problems)

    args = ["tlb", "--workload", "zipf", "--accesses", "5000", "--stats"]
    one = csv_rows(c.run(args).stdout.decode())
    p = c.run(args + ["--repetitions", "4"])
    four = csv_rows(p.stdout.decode())
    timed = ("seconds", "translations_per_s", "repetitions", "ns_per_op",
             "ns_per_op_min", "ns_per_op_max")
    problems = [] if p.returncode == 0 and four and \
        len(one) == len(four) else ["exit %d" % p.returncode]
    for a, b in zip(one, four):
        if {k: v for k, v in a.items() if k not in timed} != \
                {k: v for k, v in b.items() if k not in timed}:
            problems.append("%s: counters differ" % a["level"])
        if b["repetitions"] != "4":
            problems.append("repetitions %r" % b["repetitions"])
        if not float(b["ns_per_op_min"]) <= float(b["ns_per_op"]) <= \
                float(b["ns_per_op_max"]):
            problems.append("%s: not min <= median <= max" % b["level"])
    c.result("tlb --stats --repetitions 4: same counters, min/median/max",
             problems)

    # The churn sweep's sizes: one per line, ascending.
    p = c.run(["gen-vmap", "--sweep-sizes"])
    sizes = p.stdout.decode().split()
    problems = [] if p.returncode == 0 and len(sizes) >= 2 else \
        ["exit %d, %r" % (p.returncode, sizes)]
    if sizes and [int(x) for x in sizes] != sorted(set(int(x)
                                                      for x in sizes)):
        problems.append("not ascending: %r" % sizes)
    c.result("gen-vmap --sweep-sizes", problems)

    p = c.run(["tlb", "--workload", "uniform", "--accesses", "1000"])
    text = p.stdout.decode()
    rows = {r["level"]: r for r in csv_rows(text)}
    problems = [] if p.returncode == 0 else ["exit %d" % p.returncode]
    if rows.get("translations", {}).get("fills") != "NA":
        problems.append("translations fills not NA")
    if any(cell == "" for line in text.splitlines()
           for cell in line.split(",")):
        problems.append("empty cells")
    c.result("tlb: cells without a figure are NA", problems)

    # Every workload generated for a small range replays in that range:
    # allocs that find no room are ENOSPC and never used afterwards (the
    # replay used to fail on an innocent line).
    rng = "0x100000:0x900000"
    workloads = c.run(["gen-vmap", "--list"]).stdout.decode().split()
    for w in workloads:
        extra = {"churn": ["--live", "2000", "--ops", "20000"],
                 "full_fit": ["--loops", "50", "--cpus", "1"]}.get(
                     w, ["--loops", "50"])
        path = "range-%s.trace" % w
        g = c.run(["gen-vmap", "--workload", w, "--range", rng, "-o",
                   path] + extra)
        r = c.run(["vmap", "--strategy", "all", "--range", rng, path])
        problems = []
        if g.returncode:
            problems.append("gen exit %d: %s" % (g.returncode,
                                                 g.stderr.decode()))
        elif r.returncode:
            problems.append("replay exit %d: %s" % (r.returncode,
                                                    r.stderr.decode()))
        else:
            with open(os.path.join(c.cwd, path)) as f:
                head = f.readline()
            if "--range 0x100000:0x900000 --page-size 4096" not in head:
                problems.append("header %r lacks the range" % head)
        os.unlink(os.path.join(c.cwd, path))
        n = r.stdout.count(b"ENOSPC")
        c.result("gen-vmap %s honours --range" % w, problems,
                 "%d ENOSPC" % n)
    # The churn that used to break: some allocs must find no room there.
    g = c.run(["gen-vmap", "--workload", "churn", "--range", rng])
    r = c.run(["vmap", "--strategy", "augrb", "--range", rng, "-"],
              stdin=g.stdout)
    c.result("gen-vmap churn --range: ENOSPC kept, replay clean",
             [] if r.returncode == 0 and b"ENOSPC" in r.stdout else
             ["exit %d: %s" % (r.returncode, r.stderr.decode())])


def main():
    vmsim = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as cwd:
        os.mkdir(os.path.join(cwd, "adir"))
        with open(os.path.join(cwd, "good.trace"), "w") as f:
            f.write("a 1 4096\n")
        with open(os.path.join(cwd, "keep.csv"), "w") as f:
            f.write("an existing -o target: must stay as it is\n")
        c = Checker(vmsim, cwd)
        for name, args, prefix, reason in CASES:
            args = ["adir" if a == "D" else "keep.csv" if a == "O" else
                    "good.trace" if a == "T" else a for a in args]
            c.bad(name, args, prefix.replace("D", "adir", 1)
                  if prefix == "D: " else prefix, reason)
        good_cases(c)
    print("%d/%d cases passed" % (c.count - len(c.failures), c.count))
    sys.exit(1 if c.failures else 0)


if __name__ == "__main__":
    main()
