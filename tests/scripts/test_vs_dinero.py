#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests of scripts/vs-dinero with a stand-in DineroIV written here: a
small Python program that prints DineroIV 7's report with the counts the
test chooses (by default those the real vmsim gives for the same trace
and shape, computed here by running vmsim), and logs its arguments.  A
stand-in vmsim (a wrapper that logs, then runs the real one) shows the
order of the runs.  No real DineroIV is needed.

Checked: the flags DineroIV receives for each shape; the alternation
(A B A B ..., after one check run of each per shape); the report's rows,
refs and misses, and that its median ratio is that of the rounds in the
CSV; a difference in L1 or L2 counts is a loud MISMATCH and exit 1; a
failing or unreadable DineroIV is exit 3; bad input is exit 2 with the
option or file named, no traceback, and nothing left behind.

usage: test_vs_dinero.py SOURCE_ROOT VMSIM
"""
import csv
import json
import os
import random
import re
import stat
import subprocess
import sys

SRC = os.path.abspath(sys.argv[1])
VMSIM = os.path.abspath(sys.argv[2])
SCRIPT = os.path.join(SRC, "scripts", "vs-dinero")
sys.path.insert(0, os.path.join(SRC, "tests", "pylib"))
from harness import Checks, tempdir  # noqa: E402
from snapshot import snapshot  # noqa: E402

checks = Checks()
check = checks.check


# The stand-in DineroIV.  Its configuration (JSON, path in FAKE_DINERO):
#   log      file to append one JSON line per run: ["B", argv, lines read]
#   counts   {"E1xW1[,E2xW2]": [[fetches, misses], ...]} per level
#   l1_delta / l2_delta   added to the misses it prints (a mismatch)
#   fail     exit 1 with a message when the trace is not empty
#   garbage  print no tables when the trace is not empty
#   reject_assoc  exit 1 ("arg must be ...") when -l1-dassoc is this
#   banner   false: print no banner (not DineroIV)
FAKE = r'''#!/usr/bin/env python3
import json, os, sys
cfg = json.load(open(os.environ["FAKE_DINERO"]))
args = sys.argv[1:]
opt = dict(zip(args[0::2], args[1::2]))
lines = sum(1 for _ in sys.stdin)
with open(cfg["log"], "a") as f:
    f.write(json.dumps(["B", args, lines]) + "\n")
if str(cfg.get("reject_assoc")) == opt.get("-l1-dassoc"):
    print("dineroIV: option -l1-dassoc arg must be acceptable",
          file=sys.stderr)
    sys.exit(1)
if cfg.get("banner", True):
    print("---Dinero IV cache simulator, version 7")
    print("---Simulation begins.")
if lines == 0:
    sys.exit(0)
if cfg.get("fail"):
    print("dineroIV: trace input error", file=sys.stderr)
    sys.exit(1)
if cfg.get("garbage"):
    print("nothing to see")
    sys.exit(0)
shape = "%dx%s" % (int(opt["-l1-dsize"]) // 4096, opt["-l1-dassoc"])
if "-l2-usize" in opt:
    shape += ",%dx%s" % (int(opt["-l2-usize"]) // 4096, opt["-l2-uassoc"])
for i, (fetch, miss) in enumerate(cfg["counts"][shape]):
    name = "l1-dcache" if i == 0 else "l2-ucache"
    miss += cfg.get("l%d_delta" % (i + 1), 0)
    wb = 7 if i else 0   # write-backs into L2: the Write column
    print(name)
    print(" Metrics\t\t      Total\t      Instrn\t       Data\t"
          "       Read\t      Write\t       Misc")
    print(" -----------------\t      ------")
    print(" Demand Fetches\t\t%12d\t%12d\t%12d\t%12d\t%12d\t%12d" %
          (fetch + wb, 0, fetch + wb, fetch, wb, 0))
    print("  Fraction of total\t      1.0000")
    print()
    print(" Demand Misses\t\t%12d\t%12d\t%12d\t%12d\t%12d\t%12d" %
          (miss, 0, miss, miss, 0, 0))
    print()
print("---Execution complete.")
'''

# The stand-in vmsim: logs ["A", argv], then becomes the real one.
WRAP = r'''#!/usr/bin/env python3
import json, os, sys
with open(os.environ["FAKE_VMSIM_LOG"], "a") as f:
    f.write(json.dumps(["A", sys.argv[1:]]) + "\n")
os.execv(%r, [%r] + sys.argv[1:])
''' % (VMSIM, VMSIM)


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def make_trace(path, seed, n):
    """n din references over 40 pages: reads, writes, some crossing a
    page boundary."""
    r = random.Random(seed)
    out = []
    for _ in range(n):
        page = 0x400 + r.randrange(40)
        off = r.choice([0, 8, 0x100, 0xffc, 0x800])
        out.append("%s %x %x" % (r.choice("rrw"), page * 4096 + off,
                                 r.choice([1, 4, 8])))
    write(path, "\n".join(out) + "\n")


def vmsim_counts(trace, shape):
    """What the real vmsim counts: [[accesses, misses] per level]."""
    names = ["l1d", "l2"]
    levels = shape.split(",")
    spec = ",".join("%s:%s:lru" % (names[i], s) for i, s in
                    enumerate(levels))
    p = subprocess.run([VMSIM, "tlb", "--tlb", spec, "--trace", trace,
                        "--format", "din"], capture_output=True, text=True,
                       check=True)
    rows = {r["level"]: r for r in csv.DictReader(p.stdout.splitlines())}
    return [[int(rows[n]["accesses"]), int(rows[n]["misses"])]
            for n in names[:len(levels)]]


with tempdir("vmb-vs-dinero-") as tmp:
    trace = os.path.join(tmp, "t.din")
    trace2 = os.path.join(tmp, "u.din")
    make_trace(trace, 1, 3000)
    make_trace(trace2, 2, 2000)
    shapes = ["8x8", "16x4", "4x2,32x8"]
    counts = {t: {s: vmsim_counts(t, s) for s in shapes}
              for t in (trace, trace2)}
    # The trace must exercise what it is meant to: misses at both levels.
    check(all(c[0][1] > 0 for c in counts[trace].values()) and
          counts[trace]["4x2,32x8"][1][1] > 0, "the test trace misses",
          counts[trace], "misses > 0 at every level")
    fake = os.path.join(tmp, "dineroIV")
    write(fake, FAKE, 0o755)
    wrap = os.path.join(tmp, "vmsim")
    write(wrap, WRAP, 0o755)
    log = os.path.join(tmp, "log")
    cfg_path = os.path.join(tmp, "fake.json")

    def run(args, cfg=None, per_trace=None):
        """Run vs-dinero with the stand-ins; cfg configures the fake
        DineroIV (counts default to vmsim's for the single trace used,
        or per_trace)."""
        c = {"log": log, "counts": counts[per_trace or trace]}
        c.update(cfg or {})
        write(cfg_path, json.dumps(c))
        if os.path.exists(log):
            os.unlink(log)
        env = dict(os.environ, FAKE_DINERO=cfg_path, FAKE_VMSIM_LOG=log)
        return subprocess.run([sys.executable, SCRIPT] + args,
                              capture_output=True, text=True, env=env,
                              cwd=tmp, timeout=300)

    def runs():
        with open(log) as f:
            return [json.loads(line) for line in f]

    base = ["--dinero", fake, "--vmsim", wrap]
    sh = sum((["--shape", s] for s in shapes), [])

    # ---- a good comparison ------------------------------------------
    out_csv = os.path.join(tmp, "rounds.csv")
    p = run(base + sh + ["--csv", out_csv, trace])
    check(p.returncode == 0, "identical counts: exit 0", p.returncode, 0, p)
    check("Traceback" not in p.stderr, "no traceback", p.stderr, "", p)
    rows = [ln for ln in p.stdout.splitlines()[1:] if ln.strip()]
    check(len(rows) == len(shapes), "one report row per shape", rows,
          shapes)
    for s, row in zip(shapes, rows):
        f = row.split()
        want = [os.path.basename(trace), s, str(counts[trace][s][0][0]),
                str(counts[trace][s][0][1]),
                str(counts[trace][s][1][1]) if "," in s else "-"]
        check(f[:5] == want, "row %s: trace, shape, refs, misses" % s,
              f[:5], want)
        check(re.fullmatch(r"[0-9.]+x \([0-9.]+-[0-9.]+\)",
                           " ".join(f[7:9])) is not None,
              "row %s: ratio as median (min-max)" % s, f[7:9], "R.RRx (a-b)")
    # The runs: per shape one check run of each (B on an empty trace,
    # then A on a one-access workload), after one banner check of B;
    # then per shape A B A B ... five rounds on the trace.
    seq = runs()
    kinds = "".join(r[0] for r in seq)
    want = "B" + "BA" * len(shapes) + "AB" * 5 * len(shapes)
    check(kinds == want, "order of the runs", kinds, want)
    timed = seq[1 + 2 * len(shapes):]
    for i, s in enumerate(shapes):
        lv = [tuple(map(int, x.split("x"))) for x in s.split(",")]
        flags = ["-informat", "D"]
        for j, (e, w) in enumerate(lv):
            c = "-l1-d" if j == 0 else "-l2-u"
            flags += [c + "bsize", "4096", c + "size", str(e * 4096),
                      c + "assoc", str(w), c + "repl", "l"]
        b = timed[10 * i + 1]
        check(b[1] == flags and b[2] == 3000,
              "DineroIV's flags and input for %s" % s, b[1:], [flags, 3000])
        spec = ",".join("%s:%s:lru" % (["l1d", "l2"][j], x)
                        for j, x in enumerate(s.split(",")))
        a = timed[10 * i]
        check(a[1][a[1].index("--tlb") + 1] == spec and
              a[1][a[1].index("--trace") + 1] == trace and
              a[1][a[1].index("--format") + 1] == "din",
              "vmsim's --tlb, --trace, --format for %s" % s, a[1], spec)
    # The CSV holds every round; the printed median is the rounds'.
    with open(out_csv) as f:
        rec = list(csv.DictReader(f))
    check(len(rec) == 5 * len(shapes), "CSV: a row per round", len(rec),
          5 * len(shapes))
    for s, row in zip(shapes, rows):
        rs = [r for r in rec if r["shape"] == s]
        ratios = sorted(float(r["dinero_wall_s"]) / float(r["vmsim_wall_s"])
                        for r in rs)
        got = row.split()[7]
        check(got == "%.2fx" % ratios[2], "row %s: printed ratio is the "
              "median round's" % s, got, "%.2fx" % ratios[2])
        check(all(int(r["l1_misses"]) == counts[trace][s][0][1] and
                  int(r["refs"]) == counts[trace][s][0][0] for r in rs),
              "CSV %s: counts" % s, rs[0], counts[trace][s])
        rss = [r["vmsim_maxrss_kib"] for r in rs]
        check(all(x == "NA" or (x.isdigit() and int(x) > 0) for x in rss),
              "CSV %s: RSS a positive number or NA" % s, rss, "KiB")

    # Two traces, the Markdown table, more rounds.
    c2 = {s: counts[trace][s] for s in shapes}
    p = run(base + ["--shape", "8x8", "--rounds", "6", "--markdown", trace],
            {"counts": c2})
    lines = p.stdout.splitlines()
    check(p.returncode == 0 and lines[0].startswith("| trace | shape |")
          and lines[1].startswith("|---|") and len(lines) == 3,
          "--markdown: a table of one row", lines, "header, rule, 1 row", p)
    check("".join(r[0] for r in runs()) == "B" + "BA" + "AB" * 6,
          "--rounds 6: six A B rounds", "".join(r[0] for r in runs()),
          "B" + "BA" + "AB" * 6)
    check(all("--threads" not in r[1] for r in runs()),
          "no --threads: vmsim's default", [r[1] for r in runs()], "")

    # --threads N reaches vmsim's timed runs (not the workload check).
    p = run(base + ["--shape", "8x8", "--threads", "3", trace],
            {"counts": c2})
    timed_a = [r[1] for r in runs()[3:] if r[0] == "A"]
    check(p.returncode == 0 and len(timed_a) == 5 and
          all(r[r.index("--threads") + 1] == "3" for r in timed_a),
          "--threads 3 on every timed vmsim run", timed_a, "--threads 3", p)

    # ---- mismatches: loud, exit 1 ------------------------------------
    for delta, name in (("l1_delta", "L1"), ("l2_delta", "L2")):
        p = run(base + sh + [trace], {delta: 1})
        check(p.returncode == 1, "%s misses differ: exit 1" % name,
              p.returncode, 1, p)
        s = "4x2,32x8" if name == "L2" else "8x8"
        c = counts[trace][s]
        lvl = 0 if name == "L1" else 1
        vm = " ".join("L%d %d/%d" % (i + 1, a, m) for i, (a, m) in
                      enumerate(c))
        dc = [list(x) for x in c]
        dc[lvl][1] += 1
        di = " ".join("L%d %d/%d" % (i + 1, a, m) for i, (a, m) in
                      enumerate(dc))
        want = ("vs-dinero: MISMATCH %s, shape %s, round 1: accesses/misses "
                "vmsim %s, DineroIV %s" % (trace, s, vm, di))
        check(want in p.stderr.splitlines(), "%s mismatch says both "
              "figures" % name, p.stderr, want)
        shown = [ln.split()[1] for ln in p.stdout.splitlines()[1:]]
        check(s not in shown, "no ratio for the mismatched shape", shown,
              "without " + s)
    # Counts of another trace: every shape differs.
    p = run(base + sh + [trace2], per_trace=trace)
    check(p.returncode == 1 and p.stderr.count("vs-dinero: MISMATCH ") == len(shapes)
          and p.stdout == "", "wrong trace's counts: exit 1, no table",
          (p.returncode, p.stdout), 1, p)
    # Two traces, each with its own counts: the first matches, the
    # second does not (the fake knows one trace's counts).
    p = run(base + ["--shape", "16x4", trace, trace2])
    check(p.returncode == 1 and len(p.stdout.splitlines()) == 2 and
          "MISMATCH %s" % trace2 in p.stderr,
          "two traces: the matching one reported, the other MISMATCH",
          (p.returncode, p.stdout), 1, p)

    # ---- a failing DineroIV: exit 3 ----------------------------------
    for cfg, first in (
            ({"fail": True}, "vs-dinero: %s, shape 8x8: DineroIV exit 1: "
             "dineroIV: trace input error" % trace),
            ({"garbage": True}, "vs-dinero: %s, shape 8x8: no 'l1-dcache' "
             "table with Demand Fetches and Demand Misses in DineroIV's "
             "output" % trace)):
        before = snapshot(tmp)
        p = run(base + sh + [trace], cfg)
        check(p.returncode == 3 and p.stderr.splitlines()[:1] == [first],
              "DineroIV %s: exit 3" % list(cfg)[0],
              (p.returncode, p.stderr), (3, first), p)

    # ---- bad input: exit 2, first line, nothing left behind -----------
    noexec = os.path.join(tmp, "noexec")
    write(noexec, "#!/bin/sh\n", 0o644)
    notdin = os.path.join(tmp, "notdinero")
    write(notdin, "#!/bin/sh\necho hello\n", 0o755)
    xz = os.path.join(tmp, "t.din.xz")
    with open(xz, "wb") as f:
        f.write(b"\xfd7zXZ\x00\x00rest")
    empty = os.path.join(tmp, "empty.din")
    write(empty, "")
    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    bad = os.path.join(tmp, "bad.din")
    write(bad, "r 1000 4\nq 2000 4\n")
    cases = [
        ([trace], None, "vs-dinero: --dinero: required (the path of a "
         "DineroIV 7 binary) (try --help)"),
        (base, None, "vs-dinero: no TRACE given (try --help)"),
        (base + ["--rounds", "4", trace], None,
         "vs-dinero: --rounds: 4: at least 5 (try --help)"),
        (base + ["--rounds", "x", trace], None,
         "vs-dinero: --rounds: invalid int value: 'x' (try --help)"),
        (base + ["--threads", "5", trace], None,
         "vs-dinero: --threads: 5: not 1, 2, 3 or 4 (try --help)"),
        (base + ["--shape", "64x3", trace], None,
         "--shape: '64x3': the ways (3) must divide the entries (64)"),
        (base + ["--shape", "48x4", trace], None,
         "--shape: '48x4': 48 entries is not a power of two (DineroIV's "
         "cache sizes must be)"),
        (base + ["--shape", "64x4,", trace], None,
         "--shape: '64x4,': expected ExW or ExW,ExW (E entries, W ways), "
         "e.g. 64x4,1536x12"),
        (base + ["--shape", "4x4,8x8,16x16", trace], None,
         "--shape: '4x4,8x8,16x16': at most two levels (L1,L2)"),
        (["--dinero", os.path.join(tmp, "nope"), trace], None,
         "--dinero: T/nope: no such file"),
        (["--dinero", noexec, trace], None,
         "--dinero: T/noexec: not an executable file"),
        (["--dinero", notdin, "--vmsim", wrap, trace], None,
         "--dinero: T/notdinero: not DineroIV 7 (no '---Dinero IV ... "
         "version 7' banner on an empty trace; exit 0: hello)"),
        (["--dinero", fake, "--vmsim", noexec, trace], None,
         "--vmsim: T/noexec: not an executable file"),
        (base + [os.path.join(tmp, "missing.din")], None,
         "T/missing.din: No such file or directory"),
        (base + [tmp], None, "T: is a directory"),
        (base + [xz], None, "T/t.din.xz: xz-compressed; DineroIV reads "
         "text only: decompress it first"),
        (base + [empty], None, "T/empty.din: empty trace"),
        (base + [fifo], None, "T/fifo: not a regular file (each program "
         "reads the trace once per round)"),
        (base + ["--shape", "8x8", bad], None,
         "T/bad.din:2: unknown label 'q' (expected r, w, i, m, c, v or "
         "0-4)"),
        (base + ["--shape", "8x8", "--arch", "vax", trace], None, None),
        (base + ["--shape", "8x8,16x2", trace], {"reject_assoc": 8},
         "--shape: '8x8,16x2': DineroIV rejects it: dineroIV: option "
         "-l1-dassoc arg must be acceptable"),
        (base + ["--csv", os.path.join(tmp, "no", "x.csv"), trace], None,
         "--csv: T/no/x.csv: directory T/no does not exist"),
        (base + ["--csv", tmp, trace], None, "--csv: T: is a directory"),
    ]
    for args, cfg, first in cases:
        before = snapshot(tmp)
        p = run(args, cfg)
        after = snapshot(tmp)
        for k in ("log", "fake.json"):
            before.pop(k, None)
            after.pop(k, None)
        name = "bad input %s" % " ".join(a.replace(tmp, "T") for a in
                                         args[len(base):] or args)
        if first is None:   # vmsim's own words for --arch: just the option
            checks.refused(name, p, "--arch", before, after, prefix=True)
        else:
            want = first.replace("T/", tmp + "/")
            if want.startswith("T:"):
                want = tmp + want[1:]
            want = want.replace(": T/", ": " + tmp + "/").replace(
                ": T:", ": " + tmp + ":")
            checks.refused(name, p, want, before, after)

checks.finish()
