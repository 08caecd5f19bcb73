#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vmsim vmalloc --replay --layout-csv and scripts/plot-layout on the
committed capture: the layout CSV's shape (one row per model and op since
the snapshot, op 0 the snapshot's state, which every model shares), the
plot's two files, and bad input (exit 2, FILE:LINE, nothing written).
Without gnuplot the plot part reports SKIP (exit 77) after the CSV checks.

usage: test_plot_layout.py SOURCE_ROOT VMSIM
"""
import csv
import os
import shutil
import subprocess
import sys

SRC = os.path.abspath(sys.argv[1])
VMSIM = os.path.abspath(sys.argv[2])
SCRIPT = os.path.join(SRC, "scripts", "plot-layout")
CAP = os.path.join(SRC, "tests", "data", "capture-fork-seccomp-bpf")
sys.path.insert(0, os.path.join(SRC, "tests", "pylib"))
from harness import Checks, tempdir  # noqa: E402
from snapshot import snapshot  # noqa: E402

checks = Checks()
check = checks.check


def run(cmd, cwd):
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def ops_since_snapshot(trace):
    """The ops after the snapshot's state: from the first allocation with
    the kernel's address (at=), free with its nr_lazy (lazy=) or purge."""
    n, started = 0, False
    with open(trace) as f:
        for line in f:
            w = line.split()
            if not w or w[0] not in ("a", "f", "p"):
                continue
            if not started:
                started = (w[0] == "p" or
                           any(x.startswith(("at=", "lazy=")) for x in w))
            n += started
    return n


with tempdir("vmb-plot-layout-") as tmp:
    trace = os.path.join(tmp, "cap.trace")
    p = run([VMSIM, "import-kernel", os.path.join(CAP, "vmallocinfo"),
             os.path.join(CAP, "trace"), "-o", trace], tmp)
    check(p.returncode == 0, "import-kernel the fixture", p.returncode, 0, p)
    lay = os.path.join(tmp, "layout.csv")
    p = run([VMSIM, "vmalloc", "--replay", trace, "--layout-csv", lay,
             "-o", os.path.join(tmp, "replay.csv")], tmp)
    check(p.returncode == 0, "replay --layout-csv", p.returncode, 0, p)
    with open(lay, newline="") as f:
        rows = list(csv.DictReader(f))
    n = ops_since_snapshot(trace)
    models = {}
    for r in rows:
        models.setdefault((r["strategy"], r["kernel"]), []).append(r)
    with open(os.path.join(tmp, "replay.csv"), newline="") as f:
        replayed = {(r["strategy"], r["kernel"]) for r in csv.DictReader(f)}
    check(set(models) == replayed and len(models) >= 5,
          "a series per replayed model", sorted(models), sorted(replayed))
    for m, s in models.items():
        check([int(r["op"]) for r in s] == list(range(n + 1)),
              "%s: ops 0..%d" % (m, n), [s[0]["op"], s[-1]["op"], len(s)],
              [0, n, n + 1])
        check(all(int(r["low_free"]) <= int(r["free_bytes"]) and
                  int(r["low_largest"]) <= int(r["largest_free"]) and
                  (r["fragmentation"] == "NA" or
                   0 <= float(r["fragmentation"]) < 1) for r in s),
              "%s: low part within the whole, fragmentation in [0, 1)" %
              (m,))
    # 2.6.27 frees at once (no lazy list), so its snapshot state differs.
    first = {tuple(v for k, v in s[0].items()
                   if k not in ("strategy", "kernel"))
             for m, s in models.items() if m[1] != "2.6.27"}
    check(len(first) == 1, "op 0 (the snapshot) is the same for every "
          "lazy model", len(first), 1)
    last = {m: s[-1]["free_blocks"] for m, s in models.items()}
    # The fixture purges once: 6.9 keeps the purged areas in its pools,
    # 5.2 returns them to the free tree.
    check(last[("augrb-linux", "6.9")] != last[("augrb", "5.2")],
          "6.9's pools hold space that 5.2 frees",
          last[("augrb-linux", "6.9")], "!= " + last[("augrb", "5.2")])

    before = snapshot(tmp)
    p = run([VMSIM, "vmalloc", "--workload", "fix_size", "--layout-csv",
             os.path.join(tmp, "x.csv")], tmp)
    checks.refused("--layout-csv without --replay", p,
                   "--layout-csv: only with --replay", before, snapshot(tmp))

    if shutil.which("gnuplot") is None:
        print("SKIP plot-layout: gnuplot not found")
        checks.finish() if checks.failures else sys.exit(77)
    out = os.path.join(tmp, "plots")
    p = run([sys.executable, SCRIPT, "-o", out, lay], tmp)
    check(p.returncode == 0, "plot-layout rc", p.returncode, 0, p)
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<?xml")):
        path = os.path.join(out, "layout." + fmt)
        head = open(path, "rb").read(5) if os.path.exists(path) else b""
        check(head.startswith(magic), "layout.%s written" % fmt, head, magic)
    check(sorted(os.listdir(out)) == ["layout.png", "layout.svg"],
          "nothing else in OUT_DIR", sorted(os.listdir(out)))

    # gnuplot failing (exit 1) or absent (exit 3): no OUT_DIR left.
    fake = os.path.join(tmp, "fakebin")
    os.mkdir(fake)
    with open(os.path.join(fake, "gnuplot"), "w") as f:
        f.write("#!/bin/sh\necho 'gnuplot: broken' >&2\nexit 1\n")
    os.chmod(os.path.join(fake, "gnuplot"), 0o755)
    for what, path, rc in (("failing", fake, 1),
                           ("absent", os.path.join(tmp, "nobin"), 3)):
        o3 = os.path.join(tmp, "out3")
        before = snapshot(tmp)
        p = subprocess.run([sys.executable, SCRIPT, "-o", o3, lay],
                           capture_output=True, text=True, cwd=tmp,
                           env=dict(os.environ, PATH=path), timeout=120)
        check(p.returncode == rc and "Traceback" not in p.stderr,
              "gnuplot %s: exit %d" % (what, rc), p.returncode, rc, p)
        check(snapshot(tmp) == before, "gnuplot %s: nothing left behind" %
              what)

    bad = os.path.join(tmp, "bad.csv")
    with open(lay) as f:
        text = f.read().splitlines()
    for name, body, want in (
            ("short row", text[:2] + ["augrb,5.2,1"] + text[3:],
             "%s:3: 3 fields, the header has 11" % bad),
            ("not a number", text[:2] + [",".join(
                v if i != 2 else "one"
                for i, v in enumerate(text[2].split(",")))],
             "%s:3: op 'one' is not a number" % bad),
            ("no column", [text[0].replace("fragmentation", "frag")] +
             text[1:], "%s:1: no column fragmentation" % bad),
            ("empty", [], "%s:1: empty file (no header)" % bad)):
        with open(bad, "w") as f:
            f.write("".join(l + "\n" for l in body))
        o2 = os.path.join(tmp, "out2")
        before = snapshot(tmp)
        p = run([sys.executable, SCRIPT, "-o", o2, bad], tmp)
        checks.refused("plot-layout: " + name, p, want, before,
                       snapshot(tmp), prefix=True)

checks.finish()
