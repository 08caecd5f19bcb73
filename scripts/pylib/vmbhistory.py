# SPDX-License-Identifier: MIT
"""An append-only history of benchmark runs.

Layout of a history directory:
    index.csv          run_id,revision,date,rows  (one line per run, in
                       the order the runs were appended)
    runs/RUN_ID.csv    the run's tidy CSV, byte for byte
Nothing is ever rewritten: a run's CSV is created with link(2), which
fails if the name exists, and index.csv is only appended to.  Appending
a run id that is already there is refused.
"""

import csv
import datetime
import json
import os
import re
import tempfile

import vmbstats
from vmbstats import InputError

INDEX_FIELDS = ("run_id", "revision", "date", "rows")


def _run_meta(path):
    """run.json next to the CSV, if any, as a dict."""
    d = path if os.path.isdir(path) else os.path.dirname(path)
    p = os.path.join(d, "run.json")
    if not os.path.isfile(p):
        return {}
    try:
        m = json.loads(vmbstats.read_text(p))
    except ValueError as e:
        raise InputError("%s:%d: not JSON (%s)" %
                         (p, getattr(e, "lineno", 1), getattr(e, "msg", e)))
    return m if isinstance(m, dict) else {}


def _first(m, keys):
    for k in keys:
        v = m.get(k)
        if isinstance(v, dict):     # e.g. {"git": {"commit": ...}}
            v = _first(v, ("commit", "revision", "hash", "describe"))
        if v not in (None, ""):
            return str(v)
    return None


def append(history, run, run_id=None, revision=None, date=None):
    """Append the run at run (a result directory or a CSV) to history.

    Returns the run id.  Raises InputError when the run is malformed or
    its id is already in the history; nothing is written then.
    """
    src = vmbstats.results_path(run, "--append")
    rows = vmbstats.read_results(src)       # validates
    meta = _run_meta(run if os.path.isdir(run) else src)
    if run_id is None:
        run_id = _first(meta, ("run_id", "id")) or \
            os.path.basename(os.path.normpath(
                run if os.path.isdir(run) else os.path.splitext(src)[0]))
    run_id = re.sub(r"[^A-Za-z0-9._-]", "_", run_id)
    if not run_id or run_id.startswith("."):
        raise InputError("--run-id: '%s' is not a usable id" % run_id)
    revision = revision or _first(meta, ("revision", "git_revision",
                                         "commit", "git_commit", "git")) \
        or "unknown"
    date = date or _first(meta, ("date", "started", "timestamp")) or \
        datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
    runs = os.path.join(history, "runs")
    index = os.path.join(history, "index.csv")
    if any(r["run_id"] == run_id for r in read_index(history)):
        raise InputError("--history %s: run '%s' is already in the index; "
                         "history is append-only" % (history, run_id))
    dest = os.path.join(runs, run_id + ".csv")
    try:
        with open(src, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputError("%s: %s" % (src, e.strerror))
    try:
        os.makedirs(runs, exist_ok=True)
    except OSError as e:
        raise InputError("--history: %s: %s" % (runs, e.strerror))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=runs)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        # mkstemp makes the file 0600; give it the mode open() would, so
        # a history shared by several users (or committed) is readable.
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        try:
            os.link(tmp, dest)
        except FileExistsError:
            raise InputError("--history %s: %s exists; history is "
                             "append-only" % (history, dest))
    finally:
        os.unlink(tmp)
    new = not os.path.exists(index)
    with open(index, "a", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        if new:
            w.writerow(INDEX_FIELDS)
        w.writerow([run_id, revision, date,
                    sum(len(b.ns) for b in rows.values())])
    return run_id


def read_index(history):
    index = os.path.join(history, "index.csv")
    if not os.path.exists(index):
        return []
    rows, lines = vmbstats.read_csv_rows(index)
    if not rows or tuple(rows[0][:4]) != INDEX_FIELDS:
        raise InputError("%s:1: header must be %s" %
                         (index, ",".join(INDEX_FIELDS)))
    out = []
    for lineno, r in zip(lines[1:], rows[1:]):
        if len(r) < 4:
            raise InputError("%s:%d: %d fields, expected 4" %
                             (index, lineno, len(r)))
        out.append(dict(zip(INDEX_FIELDS, r), line=lineno))
    return out


def load(history):
    """[(index row, {name: Bench})] in history order."""
    out = []
    for r in read_index(history):
        p = os.path.join(history, "runs", r["run_id"] + ".csv")
        if not os.path.isfile(p):
            raise InputError("%s:%d: run '%s': %s is missing" %
                             (os.path.join(history, "index.csv"), r["line"],
                              r["run_id"], p))
        out.append((r, vmbstats.read_results(p)))
    return out
