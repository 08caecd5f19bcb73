#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vmsim tlb: bad trace lines and bad options (exit 2, the exact
'FILE:LINE: ' or '--option: ' prefix, nothing on stdout, no -o file); a
real program's valgrind lackey trace replayed with consistent counters and
the same counters from its din conversion; determinism of workloads.

usage: vmsim_tlb.py VMSIM
"""
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile

VMSIM = sys.argv[1]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "pylib"))
from harness import Checks  # noqa: E402

checks = Checks()
fail = checks.fail


def run(args, stdin=None):
    return subprocess.run([VMSIM, "tlb"] + args, input=stdin,
                          capture_output=True, text=True)


def expect_bad(name, args, prefix, reason, tmp):
    out = os.path.join(tmp, "out.csv")
    p = run(["-o", out] + args)
    if p.returncode != 2:
        fail(name, "exit %d, want 2" % p.returncode, p)
    elif p.stdout:
        fail(name, "stdout not empty", p)
    elif not p.stderr.startswith(prefix):
        fail(name, "stderr does not start with %r" % prefix, p)
    elif reason not in p.stderr:
        fail(name, "stderr lacks %r" % reason, p)
    elif os.listdir(tmp) != ["t"]:
        fail(name, "left files behind: %r" % os.listdir(tmp))


# (name, format, trace text, extra args, line, reason)
BAD_TRACES = [
    ("lackey type", "lackey", "I  1000,4\n X 1000,4\n", [], 2,
     "unknown access type 'X'"),
    ("lackey comma", "lackey", "==1== hi\n L 1000 4\n", [], 2,
     "expected ','"),
    ("lackey size", "lackey", " S 1000,\n", [], 1, "size: expected"),
    ("lackey size 0", "lackey", "\n\n M 1000,0\n", [], 3, "size: 0"),
    ("lackey junk", "lackey", " L 1000,4x\n", [], 1, "after the size"),
    ("lackey big", "lackey", " L 1000,70000\n", [], 1, "size: above"),
    ("lackey wide", "lackey", " L 11112222333344445,4\n", [], 1,
     "more than 64 bits"),
    ("lackey NUL", "lackey", " L 1000,4\n L 10\0,4\n", [], 2, "NUL"),
    ("din label", "din", "r 1000\nq 1000\n", [], 2, "unknown label 'q'"),
    ("din digit", "din", "7 1000\n", [], 1, "unknown label '7'"),
    ("din no addr", "din", "\n\nw\n", [], 3, "missing address"),
    ("din addr", "din", "r 12zz\n", [], 1, "address: expected hex"),
    ("din size", "din", "r 1000 4q\n", [], 1, "size: expected hex"),
    ("din size 0", "din", "r 1000 0\n", [], 1, "size: 0 is not in"),
    ("din wrap", "din", "w ffffffffffffffff 2\n", [], 1, "wraps"),
    # Translation: outside the geometry's VA range is the line's fault.
    ("x86-32 range", "lackey", "I  1000,4\n L 1fff000708,8\n",
     ["--arch", "x86-32"], 2, "outside the VA range of x86-32"),
    ("non-canonical", "din", "r 1000\nw 800000000000 8\n", [], 2,
     "outside the VA range"),
]

# (name, args (T = a good trace), prefix, reason)
BAD_OPTS = [
    ("arch", ["--arch", "vax", "--workload", "uniform"], "--arch: ",
     "unknown geometry 'vax'"),
    ("tlb", ["--tlb", "l1d:6x4:lru", "--workload", "uniform"], "--tlb: ",
     "l1d"),
    ("tlb preset", ["--tlb", "skylak", "--workload", "uniform"],
     "--tlb: ", ""),
    ("tlb policy", ["--tlb", "l1d:64x4:LRU", "--workload", "uniform"],
     "--tlb: ", "item 1 'l1d:64x4:LRU': policy 'LRU' is not one of lru, "
     "plru, fifo, random"),
    ("tlb plru ways", ["--tlb", "l1d:48x3:plru", "--workload", "uniform"],
     "--tlb: ", "plru needs ways a power of two <= 64, not 3"),
    ("page size", ["--page-size", "8192", "--workload", "uniform"],
     "--page-size: ", "not a leaf size of x86-64-4l"),
    ("page size pow2", ["--page-size", "3000", "--workload", "uniform"],
     "--page-size: ", "not a power of two"),
    # The formats are named from their table.
    ("format", ["--trace", "T", "--format", "dinero"], "--format: ",
     "unknown format 'dinero' (lackey, din or vmb)\n"),
    ("no format", ["--trace", "T"], "--format: ",
     "required with --trace: lackey, din or vmb\n"),
    ("both", ["--trace", "T", "--format", "din", "--workload", "uniform"],
     "--trace: ", "not both"),
    ("neither", [], "--trace: ", "required"),
    ("gen opt with trace", ["--trace", "T", "--format", "din", "--pages",
                            "4"], "--trace: ", "need --workload"),
    ("workload", ["--workload", "nope"], "--workload: ",
     "unknown workload 'nope'"),
    ("pages", ["--workload", "uniform", "--pages", "0"], "--pages: ", ""),
    ("size", ["--workload", "uniform", "--size", "3"], "--size: ", ""),
    ("writes", ["--workload", "uniform", "--writes", "101"], "--writes: ",
     ""),
    ("number", ["--workload", "uniform", "--accesses", "1e6"],
     "--accesses: ", "not an unsigned 64-bit number"),
    ("zipf", ["--workload", "zipf", "--zipf", "-1"], "--zipf: ",
     "positive"),
    # The generator names the parameter at fault; vmsim blames its option.
    ("base", ["--workload", "uniform", "--base", "0x1001"], "--base: ",
     "0x1001 is not page-aligned"),
    ("stride 0", ["--workload", "strided", "--stride", "0"], "--stride: ",
     "must not be 0"),
    ("zipf table", ["--workload", "zipf", "--pages", "67108865"],
     "--pages: ", "at most 67108864 for zipf"),
    ("sweep size", ["--workload", "sweep", "--pages", "100000000",
                    "--accesses", "100000000"], "--pages: ",
     "above the 268435456 allowed"),
    ("unknown", ["--workload", "uniform", "--frobnicate"], "--frobnicate: ",
     "unknown option"),
    ("missing value", ["--workload"], "--workload: ", "missing value"),
    ("stats value", ["--workload", "uniform", "--stats=1"], "--stats: ",
     "takes no value"),
    ("repetitions 0", ["--workload", "uniform", "--stats", "--repetitions",
                       "0"], "--repetitions: ",
     "'0' is not a count from 1 to 1000"),
    ("repetitions junk", ["--workload", "uniform", "--stats",
                          "--repetitions=two"], "--repetitions: ",
     "'two' is not a count"),
    ("repetitions without stats", ["--workload", "uniform",
                                   "--repetitions", "2"],
     "--repetitions: ", "only with --stats"),
]


def rows(text):
    return {r["level"]: r for r in csv.DictReader(io.StringIO(text))}


def num(r, k):
    return int(r[k]) if r[k] != "NA" else None


def check_consistent(name, text):
    """accesses = hits + misses per level; L2 accesses = L1 misses."""
    t = rows(text)
    for level in ("l1d", "l2", "walk", "translations"):
        if level not in t:
            fail(name, "no %s row" % level)
            return t
    for level, r in t.items():
        if num(r, "accesses") != num(r, "hits") + num(r, "misses"):
            fail(name, "%s: accesses != hits + misses: %r" % (level, r))
    if num(t["l2"], "accesses") != num(t["l1d"], "misses"):
        fail(name, "l2 accesses != l1d misses")
    if num(t["l1d"], "accesses") != num(t["translations"], "accesses"):
        fail(name, "l1d accesses != translations")
    if num(t["walk"], "accesses") - num(t["walk"], "misses") != \
            num(t["l2"], "misses"):
        fail(name, "successful walks != l2 misses")
    return t


def lackey_to_din(text):
    out = []
    for line in text.splitlines():
        if line.startswith("==") or not line.strip():
            continue
        kind, rest = line.split()
        addr, size = rest.split(",")
        size = "%x" % int(size)
        if kind == "M":
            out.append("r %s %s" % (addr, size))
            out.append("w %s %s" % (addr, size))
        else:
            out.append("%s %s %s" % ({"I": "i", "L": "r", "S": "w"}[kind],
                                     addr, size))
    return "\n".join(out) + "\n"


def real_trace(tmp):
    if not shutil.which("valgrind") or not os.path.exists("/bin/true"):
        print("valgrind or /bin/true missing: real-trace test skipped")
        return
    lk = os.path.join(tmp, "true.lackey")
    p = subprocess.run(["valgrind", "--tool=lackey", "--trace-mem=yes",
                        "--log-file=" + lk, "/bin/true"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        fail("valgrind", "exit %d: %s" % (p.returncode, p.stderr[-300:]))
        return
    with open(lk) as f:
        text = f.read()
    accesses = sum(2 if l.startswith(" M") else 1
                   for l in text.splitlines()
                   if l and not l.startswith("=="))
    din = os.path.join(tmp, "true.din")
    with open(din, "w") as f:
        f.write(lackey_to_din(text))
    for tlb in ("skylake", "zen4", "neoverse-n1",
                "pages:4k/2m,l1d:16x4:fifo,l2:64x8:plru,psc.pde:4x4:lru"):
        a = run(["--tlb", tlb, "--trace", lk, "--format", "lackey"])
        b = run(["--tlb", tlb, "--trace", din, "--format", "din"])
        if a.returncode or b.returncode:
            fail("real trace " + tlb, "exit %d / %d" %
                 (a.returncode, b.returncode), a if a.returncode else b)
            continue
        t = check_consistent("real trace lackey " + tlb, a.stdout)
        if num(t["translations"], "accesses") < accesses:
            fail("real trace " + tlb, "%s translations for %d accesses" %
                 (t["translations"]["accesses"], accesses))
        if a.stdout != b.stdout:
            fail("real trace " + tlb, "lackey and din counters differ:\n"
                 + a.stdout + "\n" + b.stdout)
    # Standard input and -o give the same bytes.
    out = os.path.join(tmp, "o.csv")
    with open(lk) as f:
        c = subprocess.run([VMSIM, "tlb", "--trace", "-", "--format",
                            "lackey", "-o", out], stdin=f,
                           capture_output=True, text=True)
    a = run(["--trace", lk, "--format", "lackey"])
    with open(out) as f:
        if c.returncode or c.stdout or f.read() != a.stdout:
            fail("stdin -o", "differs from the file run", c)


def workloads():
    for w in ("sequential", "strided", "uniform", "zipf", "chase",
              "sweep"):
        args = ["--workload", w, "--pages", "2000", "--accesses", "50000",
                "--seed", "7", "--writes", "20"]
        a, b = run(args), run(args)
        if a.returncode or a.stdout != b.stdout:
            fail("workload " + w, "not deterministic", a)
            continue
        check_consistent("workload " + w, a.stdout)
        s = run(args + ["--stats"])
        hdr = s.stdout.splitlines()[0] if s.stdout else ""
        if s.returncode or not hdr.endswith(
                ",seconds,translations_per_s,repetitions,ns_per_op,"
                "ns_per_op_min,ns_per_op_max"):
            fail("workload --stats " + w, "bad header %r" % hdr, s)
        # Everything but the timing columns is the same.
        strip = "\n".join(",".join(l.split(",")[:7])
                          for l in s.stdout.splitlines()) + "\n"
        if strip != a.stdout:
            fail("workload --stats " + w, "counters differ from plain run")
    # Each arch runs; 2M demand pages need fewer walks than 4K ones.
    for arch in ("x86-64-5l", "x86-32", "x86-pae", "arm64-4k-39",
                 "arm64-16k-47", "arm64-64k-52", "sv48"):
        p = run(["--arch", arch, "--workload", "chase", "--pages", "100",
                 "--accesses", "1000"])
        if p.returncode:
            fail("arch " + arch, "failed", p)
    small = rows(run(["--workload", "uniform", "--pages", "4096"]).stdout)
    big = rows(run(["--workload", "uniform", "--pages", "4096",
                    "--page-size", "0x200000"]).stdout)
    if not num(big["walk"], "fills") < num(small["walk"], "fills"):
        fail("--page-size 2M", "not fewer demand maps")
    if num(big["l1d.2m"], "hits") == 0:
        fail("--page-size 2M", "no 2M TLB hits")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        t = os.path.join(tmp, "t")
        for name, fmt, text, args, line, reason in BAD_TRACES:
            with open(t, "w") as f:
                f.write(text)
            expect_bad(name, ["--trace", t, "--format", fmt] + args,
                       "%s:%d: " % (t, line), reason, tmp)
        with open(t, "w") as f:
            f.write("r 1000\n")
        for name, args, prefix, reason in BAD_OPTS:
            args = [t if a == "T" else a for a in args]
            expect_bad(name, args, prefix, reason, tmp)
        p = run(["--trace", os.path.join(tmp, "absent"), "--format", "din"])
        if p.returncode != 2 or p.stdout or "cannot open" not in p.stderr:
            fail("absent file", "wrong handling", p)
        h = run(["--help"])
        if h.returncode or "skylake" not in h.stdout or \
                "x86-64-4l" not in h.stdout or "sweep" not in h.stdout or \
                "\ntrace formats:\n  lackey " not in h.stdout or \
                "\n  din " not in h.stdout:
            fail("--help", "incomplete", h)
        real_trace(tmp)
    workloads()
    checks.finish()


if __name__ == "__main__":
    main()
