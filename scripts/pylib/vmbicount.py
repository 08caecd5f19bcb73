# SPDX-License-Identifier: MIT
"""Exact instruction and simulated cache-miss counts under callgrind.

One valgrind process per benchmark (--benchmark_filter=^NAME$), counting
only inside Google Benchmark's call of the benchmark (--toggle-collect on
the LambdaBenchmark's Run: setup, run() with its loop edges, teardown),
with callgrind's cache simulator on and address-space randomisation off
(setarch -R), so the counts repeat exactly.

Iteration counts: Google Benchmark 1.7.1 picks the iteration count from
elapsed time, which under valgrind is not repeatable, and it has no flag
for a fixed count.  Two modes follow:

  per-op   the binary honours VMBENCH_ITERATIONS=N (the shim calls
           Iterations(N) on every benchmark): two runs, N and 2N
           iterations, and per-op = (count(2N) - count(N)) / N, which
           cancels setup, teardown and the loop edges exactly;
  per-run  it does not: --benchmark_min_time=0 makes Google Benchmark
           report its first try, exactly 1 iteration, so the count is
           one whole run (setup + 1 iteration + loop edges + teardown).
           Repeatable, and it moves when the code moves, but it is not a
           per-op figure.
The mode is decided per benchmark from the iterations the CSV reports.
"""

import csv
import os
import re
import shutil
import subprocess
import tempfile

from vmbstats import InputError, read_csv_rows

TOGGLE = "benchmark::internal::LambdaBenchmark*::Run(*"
FIELDS = ("benchmark", "mode", "iterations", "instructions", "d1_misses",
          "ll_misses")


def regex_exact(name):
    """A regex (ECMAScript, as std::regex reads it) matching only name.

    With a fixed iteration count Google Benchmark appends
    "/iterations:N" to the name; that suffix is allowed too."""
    return ("^" + re.sub(r"([.^$|()\[\]{}*+?\\])", r"\\\1", name) +
            "(/iterations:[0-9]+)?$")


def list_benchmarks(binary, filt):
    try:
        p = subprocess.run([binary, "--benchmark_list_tests=true",
                            "--benchmark_filter=" + filt],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
    except OSError as e:
        raise InputError("%s: %s" % (binary, e.strerror))
    if p.returncode != 0:
        raise InputError("--filter: %s: %s" %
                         (filt, p.stderr.strip() or "vmbench failed"))
    names = [l.strip() for l in p.stdout.splitlines() if l.strip()]
    if not names:
        raise InputError("--filter: '%s' matches no benchmark" % filt)
    return names


def _parse_callgrind(path):
    events, totals = None, None
    with open(path) as f:
        for line in f:
            if line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith("totals:") or line.startswith("summary:"):
                totals = [int(v) for v in line.split()[1:]]
    if events is None or totals is None:
        raise InputError("%s:1: no events/totals in callgrind output" % path)
    totals += [0] * (len(events) - len(totals))
    ev = dict(zip(events, totals))
    return (ev.get("Ir", 0),
            ev.get("D1mr", 0) + ev.get("D1mw", 0),
            ev.get("DLmr", 0) + ev.get("DLmw", 0))


def _one(binary, name, iterations, toggle, tmp):
    out = os.path.join(tmp, "cg.out")
    csvp = os.path.join(tmp, "run.csv")
    for p in (out, csvp):
        if os.path.exists(p):
            os.unlink(p)
    cmd = []
    if shutil.which("setarch"):
        cmd += ["setarch", os.uname().machine, "-R"]
    cmd += ["valgrind", "--tool=callgrind", "--cache-sim=yes",
            "--callgrind-out-file=" + out, "--toggle-collect=" + toggle,
            binary, "--benchmark_filter=" + regex_exact(name),
            "--benchmark_min_time=0", "--benchmark_repetitions=1",
            "--counters=none", "--csv", csvp]
    env = dict(os.environ, VMBENCH_ITERATIONS=str(iterations))
    p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode != 0 or not os.path.exists(csvp):
        raise InputError("%s: valgrind run of %s failed (exit %d): %s" %
                         (binary, name, p.returncode, p.stderr[-400:]))
    with open(csvp, newline="") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != 1:
        raise InputError("%s:1: expected one row for %s, got %d" %
                         (csvp, name, len(rows)))
    ir, d1, ll = _parse_callgrind(out)
    return int(rows[0]["iterations"]), ir, d1, ll


def count(binary, names, iterations=1000, toggle=TOGGLE, log=None,
          who="--instructions"):
    """Rows (dicts over FIELDS), one per benchmark name; who names the
    option (or the program) that asked for the counts in errors."""
    if not shutil.which("valgrind"):
        raise InputError("%s: valgrind not found "
                         "(apt-get install valgrind)" % who)
    out = []
    with tempfile.TemporaryDirectory(prefix="vmb-icount-") as tmp:
        for name in names:
            got, ir, d1, ll = _one(binary, name, iterations, toggle, tmp)
            if got == iterations:
                got2, ir2, d12, ll2 = _one(binary, name, 2 * iterations,
                                           toggle, tmp)
                if got2 != 2 * iterations:
                    raise InputError("%s: %s ran %d iterations, asked %d" %
                                     (binary, name, got2, 2 * iterations))
                row = dict(benchmark=name, mode="per-op",
                           iterations=iterations,
                           instructions=(ir2 - ir) / iterations,
                           d1_misses=(d12 - d1) / iterations,
                           ll_misses=(ll2 - ll) / iterations)
            else:
                row = dict(benchmark=name, mode="per-run", iterations=got,
                           instructions=ir, d1_misses=d1, ll_misses=ll)
            if log:
                log("%s: %s %s instructions" % (name, row["mode"],
                                                row["instructions"]))
            out.append(row)
    return out


def to_csv(rows):
    import io
    s = io.StringIO()
    w = csv.writer(s, lineterminator="\n")
    w.writerow(FIELDS)
    for r in rows:
        w.writerow([_num(r[f]) for f in FIELDS])
    return s.getvalue()


def _num(v):
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    if isinstance(v, float):
        return repr(v)
    return str(v)


def read_csv(path):
    """Rows of an icount CSV as {benchmark: row}; InputError on bad input."""
    rows, lines = read_csv_rows(path)
    if not rows or tuple(rows[0][:len(FIELDS)]) != FIELDS:
        raise InputError("%s:1: not an icount CSV (header %s expected)" %
                         (path, ",".join(FIELDS)))
    out = {}
    for lineno, r in zip(lines[1:], rows[1:]):
        if len(r) < len(FIELDS):
            raise InputError("%s:%d: %d fields, expected %d" %
                             (path, lineno, len(r), len(FIELDS)))
        try:
            out[r[0]] = dict(benchmark=r[0], mode=r[1],
                             iterations=int(r[2]),
                             instructions=float(r[3]),
                             d1_misses=float(r[4]), ll_misses=float(r[5]))
        except ValueError:
            raise InputError("%s:%d: a count is not a number" %
                             (path, lineno))
    return out
