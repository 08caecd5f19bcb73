# SPDX-License-Identifier: MIT
"""Statistics and result reading for scripts/compare-run, icount, dashboard.

Python 3 standard library only.  Conventions: a "sample" is a list of
floats (one per repetition); a "result set" maps a benchmark name to a
Bench (its ns/op samples, its sim_* values by iteration count, and its
iteration counts).
"""

import csv
import math
import os
import re
import stat
import sys
import tempfile

# Columns of the tidy CSV that are neither parameters nor compared.
FIXED = ("family", "strategy", "workload", "arch", "tlb", "n")
HW_COUNTERS = ("cycles", "instructions", "cache_misses", "dtlb_load_misses",
               "branch_misses", "task_clock_ns", "page_faults",
               "context_switches")
NON_PARAM = set(HW_COUNTERS) | {"iterations", "ns_per_op", "repetition",
                                "scaled", "run_id", "revision", "date"}


class InputError(Exception):
    """Bad input: str(e) is 'FILE:LINE: reason' or '--option: reason'."""


# ---- Mann-Whitney U ------------------------------------------------------

def _u_counts(n1, n2):
    """Number of orderings of n1 + n2 distinct values giving each U.

    counts[u] for u in 0..n1*n2, by the recurrence on the largest value:
    it belongs to the first sample (adding n2 to U) or to the second.
    """
    # table[j] = counts for (i, j) with i fixed; built up over i.
    prev = [[1] for _ in range(n2 + 1)]         # i = 0: U is 0
    for i in range(1, n1 + 1):
        cur = [[1]]                             # j = 0: U is 0
        for j in range(1, n2 + 1):
            size = i * j + 1
            row = [0] * size
            a = prev[j]                         # largest in sample 1: +j
            for u, c in enumerate(a):
                row[u + j] += c
            b = cur[j - 1]                      # largest in sample 2
            for u, c in enumerate(b):
                row[u] += c
            cur.append(row)
        prev = cur
    return prev[n2]


def _ranks(values):
    """Mid-ranks (1-based) of values, and the tie groups' sizes."""
    order = sorted(range(len(values)), key=lambda k: values[k])
    ranks = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        mid = (i + j) / 2.0 + 1.0
        for k in range(i, j + 1):
            ranks[order[k]] = mid
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


EXACT_MAX = 40      # n1 + n2 up to this without ties: exact distribution


def mann_whitney(x, y):
    """Two-sided Mann-Whitney U test of samples x and y.

    Returns (U of x, p-value, method) with method 'exact' (no ties and
    len(x) + len(y) <= EXACT_MAX: the exact null distribution) or
    'normal' (normal approximation, tie-corrected variance, continuity
    correction 0.5).  U of x counts pairs (a in x, b in y) with a > b,
    ties counting one half.  p is 1.0 when a sample is empty or every
    value is equal.
    """
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        return (float("nan"), 1.0, "none")
    ranks, ties = _ranks(list(x) + list(y))
    r1 = sum(ranks[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2.0
    if not ties and n1 + n2 <= EXACT_MAX:
        counts = _u_counts(n1, n2)
        total = sum(counts)
        k = int(round(u1))
        le = sum(counts[:k + 1])
        ge = sum(counts[k:])
        p = min(1.0, 2.0 * min(le, ge) / total)
        return (u1, p, "exact")
    n = n1 + n2
    mu = n1 * n2 / 2.0
    tie_term = sum(t * t * t - t for t in ties)
    var = n1 * n2 / 12.0 * ((n + 1) - tie_term / (n * (n - 1)))
    if var <= 0:
        return (u1, 1.0, "normal")
    d = abs(u1 - mu) - 0.5
    if d <= 0:
        return (u1, 1.0, "normal")
    z = d / math.sqrt(var)
    p = min(1.0, math.erfc(z / math.sqrt(2.0)))
    return (u1, p, "normal")


def median(v):
    s = sorted(v)
    n = len(s)
    if n == 0:
        return float("nan")
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2.0


def geomean(v):
    v = [a for a in v if a > 0 and math.isfinite(a)]
    if not v:
        return float("nan")
    return math.exp(sum(math.log(a) for a in v) / len(v))


def min_p(n1, n2):
    """The smallest two-sided p-value any permutation test of samples of
    n1 and n2 values can give: the most extreme ordering (every value of
    one sample below every value of the other) is one of C(n1 + n2, n1)
    equally likely orderings, counted on both tails.  Ties only merge
    orderings, so an exact test cannot go below it (mann_whitney's normal
    approximation, used when there are ties, can: the verdict goes by
    this bound, not by that p)."""
    if n1 == 0 or n2 == 0:
        return 1.0
    return min(1.0, 2.0 / math.comb(n1 + n2, n1))


def reps_needed(alpha):
    """The smallest n for which n values per side can reach p < alpha."""
    n = 1
    while min_p(n, n) >= alpha:
        n += 1
    return n


def unsure_reason(n1, n2, alpha):
    """Why samples of n1 and n2 values cannot decide at alpha, or None
    when p < alpha is attainable."""
    if min_p(n1, n2) < alpha:
        return None
    return ("n=%d/%d cannot reach alpha=%g; need >= %d per side" %
            (n1, n2, alpha, reps_needed(alpha)))


def verdict(ratio, p, threshold, alpha, n_base=None, n_head=None):
    """'slower', 'faster', 'same' or 'unsure' for HEAD/BASE ratio and
    p-value.  Given the sample sizes, 'unsure' when they cannot reach
    p < alpha at all (no ordering of the values could show a change), so
    'same' is never said for lack of data; 'unsure' too when there is no
    ratio (a base median of 0)."""
    if not math.isfinite(ratio):
        return "unsure"
    if n_base is not None and unsure_reason(n_base, n_head, alpha):
        return "unsure"
    if p >= alpha:
        return "same"
    if ratio > 1.0 + threshold:
        return "slower"
    if ratio < 1.0 - threshold:
        return "faster"
    return "same"


# ---- reading results -----------------------------------------------------

class Bench:
    def __init__(self, name):
        self.name = name
        self.ns = []                # ns/op per row
        self.iterations = []        # per row
        self.sim = {}               # counter -> {iterations: set(values)}


def _is_int(s):
    return re.fullmatch(r"-?[0-9]+", s) is not None


def results_path(path, opt):
    """The CSV of a result directory (DIR/results.csv) or a CSV file."""
    if os.path.isdir(path):
        p = os.path.join(path, "results.csv")
        if not os.path.exists(p) or os.path.isdir(p):
            raise InputError("%s: no results.csv in this directory" % path)
        return p
    if not os.path.exists(path):
        raise InputError("%s: no such file or directory" % path)
    return path


def read_text(path):
    """The whole file as text; InputError 'FILE:LINE: reason' when it
    cannot be read or is not UTF-8."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputError("%s: %s" % (path, e.strerror))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError("%s:%d: not UTF-8 text (byte 0x%02x)" %
                         (path, data.count(b"\n", 0, e.start) + 1,
                          data[e.start]))


def read_csv_rows(path):
    """(rows, line numbers) of a CSV file, each row's number being the
    line it starts on; InputError 'FILE:LINE: reason' on unreadable,
    undecodable or malformed input.  Blank lines are skipped."""
    import io
    r = csv.reader(io.StringIO(read_text(path), newline=""), strict=True)
    rows, lines = [], []
    start = 1
    try:
        for row in r:
            if row:
                rows.append(row)
                lines.append(start)
            start = r.line_num + 1
    except csv.Error as e:
        raise InputError("%s:%d: not a CSV file (%s)" % (path, r.line_num, e))
    return rows, lines


def read_results(path):
    """Read a tidy vmbench CSV into {name: Bench}, in file order.

    Parameters other than n are the columns that are not sim_*, not a
    known counter or extra, and hold integers (or nothing) in every row;
    they join the name as /param:value, as the benchmark names do.
    Raises InputError('FILE:LINE: reason') on malformed input.
    """
    rows, lines = read_csv_rows(path)
    if not rows or not rows[0]:
        raise InputError("%s:1: empty file, expected a header" % path)
    head = rows[0]
    for i, col in enumerate(head):
        if col in head[:i]:
            raise InputError("%s:%d: column '%s' appears twice in the header"
                             % (path, lines[0], col))
    for col in FIXED + ("iterations", "ns_per_op"):
        if col not in head:
            raise InputError("%s:%d: header lacks column '%s'" %
                             (path, lines[0], col))
    idx = {c: i for i, c in enumerate(head)}
    sims = [c for c in head if c.startswith("sim_")]
    cand = [c for c in head if c not in NON_PARAM and c not in FIXED and
            not c.startswith("sim_")]
    for lineno, r in zip(lines[1:], rows[1:]):
        if len(r) != len(head):
            raise InputError("%s:%d: %d fields, header has %d" %
                             (path, lineno, len(r), len(head)))
    params = [c for c in cand
              if all(_is_int(r[idx[c]]) or r[idx[c]] == "" for r in rows[1:])]
    out = {}
    for lineno, r in zip(lines[1:], rows[1:]):
        where = "%s:%d" % (path, lineno)
        parts = [r[idx[c]] for c in FIXED[:5] if r[idx[c]]]
        if not parts:
            raise InputError("%s: empty benchmark name" % where)
        name = "/".join(parts)
        if r[idx["n"]]:
            if not _is_int(r[idx["n"]]):
                raise InputError("%s: n '%s' is not an integer" %
                                 (where, r[idx["n"]]))
            name += "/n:" + r[idx["n"]]
        for p in params:
            if r[idx[p]]:
                name += "/%s:%s" % (p, r[idx[p]])
        try:
            ns = float(r[idx["ns_per_op"]])
            iters = int(r[idx["iterations"]])
        except ValueError:
            raise InputError("%s: ns_per_op '%s' or iterations '%s' is not "
                             "a number" % (where, r[idx["ns_per_op"]],
                                           r[idx["iterations"]]))
        if not math.isfinite(ns) or ns < 0 or iters <= 0:
            raise InputError("%s: ns_per_op %s / iterations %s out of range"
                             % (where, r[idx["ns_per_op"]], iters))
        b = out.setdefault(name, Bench(name))
        b.ns.append(ns)
        b.iterations.append(iters)
        for s in sims:
            v = r[idx[s]]
            if v in ("", "NA"):
                continue
            try:
                fv = float(v)
            except ValueError:
                raise InputError("%s: %s '%s' is not a number" %
                                 (where, s, v))
            b.sim.setdefault(s, {}).setdefault(iters, set()).add(fv)
    if not out:
        raise InputError("%s:%d: no rows after the header" %
                         (path, lines[0] + 1))
    return out


# ---- comparing -----------------------------------------------------------

class Row:
    """One line of a comparison: kind is 'time', 'sim' or 'icount'."""
    fields = ("kind", "benchmark", "metric", "base", "head", "ratio",
              "p_value", "n_base", "n_head", "verdict", "note")

    def __init__(self, **kw):
        for f in self.fields:
            setattr(self, f, kw.get(f))


def compare_time(a, b, threshold, alpha):
    rows = []
    for name in list(a) + [n for n in b if n not in a]:
        if name not in a or name not in b:
            rows.append(Row(kind="time", benchmark=name, metric="ns_per_op",
                            base=median(a[name].ns) if name in a else None,
                            head=median(b[name].ns) if name in b else None,
                            n_base=len(a[name].ns) if name in a else 0,
                            n_head=len(b[name].ns) if name in b else 0,
                            verdict="only-base" if name in a else
                            "only-head"))
            continue
        x, y = a[name].ns, b[name].ns
        ma, mb = median(x), median(y)
        ratio = mb / ma if ma > 0 else float("nan")
        _, p, _ = mann_whitney(y, x)
        v = verdict(ratio, p, threshold, alpha, len(x), len(y))
        note = None
        if v == "unsure":
            note = (unsure_reason(len(x), len(y), alpha) or
                    "no ratio: the base median is 0 ns/op")
        rows.append(Row(kind="time", benchmark=name, metric="ns_per_op",
                        base=ma, head=mb, ratio=ratio, p_value=p,
                        n_base=len(x), n_head=len(y), verdict=v,
                        note=note))
    return rows


def _sim_values(byiter, common):
    vals = set()
    for it, s in byiter.items():
        if common is None or it in common:
            vals |= s
    return vals


def compare_sim(a, b):
    """Simulated counters must be equal.  Where both sides have rows of
    equal iteration count, only those are compared (a per-iteration
    average may legitimately depend on the count); a counter with two
    values at one count on one side is 'unstable'."""
    rows = []
    for name in a:
        if name not in b:
            continue
        for s in sorted(set(a[name].sim) | set(b[name].sim)):
            sa = a[name].sim.get(s, {})
            sb = b[name].sim.get(s, {})
            common = set(sa) & set(sb) or None
            va, vb = _sim_values(sa, common), _sim_values(sb, common)
            unstable = any(len(v) > 1 for v in sa.values()) or \
                any(len(v) > 1 for v in sb.values())
            fa = _fmt_set(va)
            fb = _fmt_set(vb)
            if unstable:
                v = "unstable"
            elif va == vb:
                v = "same"
            else:
                v = "changed"
            one_a = next(iter(va)) if len(va) == 1 else None
            one_b = next(iter(vb)) if len(vb) == 1 else None
            ratio = (one_b / one_a if one_a and one_b is not None
                     else float("nan"))
            rows.append(Row(kind="sim", benchmark=name, metric=s, base=fa,
                            head=fb, ratio=ratio, p_value=None,
                            n_base=sum(len(v) for v in sa.values()),
                            n_head=sum(len(v) for v in sb.values()),
                            verdict=v))
    return rows


def _fmt_set(vals):
    if not vals:
        return "NA"
    return ";".join(fmt_num(v) for v in sorted(vals))


def fmt_num(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if not math.isfinite(v):
        return "-"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return "%.6g" % v


# ---- writing -------------------------------------------------------------

def check_output(path, opt):
    """Validate an output file before any work starts.

    '-' (stdout), a character device or a FIFO is written in place; a
    regular file or a new name in an existing, writable directory is
    replaced atomically; anything else raises InputError('OPT: PATH:
    reason')."""
    if path == "-":
        return
    if path == "":
        raise InputError("%s: empty path" % opt)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise InputError("%s: %s: %s" % (opt, path, e.strerror))
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise InputError("%s: %s: is a directory" % (opt, path))
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISCHR(st.st_mode) or
                stat.S_ISFIFO(st.st_mode)):
            raise InputError("%s: %s: not a regular file, FIFO or "
                             "character device" % (opt, path))
        if not os.access(path, os.W_OK):
            raise InputError("%s: %s: not writable" % (opt, path))
        if not stat.S_ISREG(st.st_mode):
            return
    d = os.path.dirname(os.path.abspath(os.path.realpath(path)))
    if not os.path.isdir(d):
        raise InputError("%s: %s: directory %s does not exist" %
                         (opt, path, d))
    if not os.access(d, os.W_OK | os.X_OK):
        raise InputError("%s: %s: directory %s is not writable" %
                         (opt, path, d))


def check_output_dir(path, opt):
    """Validate an output directory before any work starts: an existing
    writable directory, or a new name whose nearest existing ancestor is
    a writable directory (it is created when the output is written)."""
    if path == "":
        raise InputError("%s: empty path" % opt)
    p = os.path.abspath(path)
    while not os.path.lexists(p):
        p = os.path.dirname(p)
    what = "" if p == os.path.abspath(path) else p + " is "
    if not os.path.isdir(p):
        raise InputError("%s: %s: %snot a directory" % (opt, path, what))
    if not os.access(p, os.W_OK | os.X_OK):
        raise InputError("%s: %s: %snot writable" % (opt, path, what))


def atomic_write(path, text, opt="--csv"):
    """Write text to path.

    A regular file (or a new name) is written via a temporary file in
    the same directory and a rename, so readers see the old file or the
    whole new one, and an interrupted write (also by a signal) leaves no
    temporary file.  '-' means stdout; a FIFO or a character device
    (/dev/null, /dev/stdout) is written in place, never renamed over.  A
    symbolic link is followed: its target is replaced, not the link.
    Errors raise InputError('OPT: PATH: reason')."""
    check_output(path, opt)
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    real = os.path.realpath(path)
    if os.path.exists(real) and not os.path.isfile(real):
        try:
            with open(real, "w", newline="") as f:
                f.write(text)
        except OSError as e:
            raise InputError("%s: %s: %s" % (opt, path, e.strerror))
        return
    d = os.path.dirname(real)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=d)
    except OSError as e:
        raise InputError("%s: %s: %s" % (opt, path, e.strerror))
    try:
        # mkstemp makes the file 0600; give it the mode open() would.
        mask = os.umask(0)
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
        os.rename(tmp, real)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise InputError("%s: %s: %s" % (opt, path, e.strerror))
        raise
