#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests of scripts/capture-vmalloc that need neither root nor tracefs:
its refusals.  Every case runs the script as an unprivileged user (as
is, or, when the test runs as root, dropped to uid/gid 65534 with
setpriv), so that no case can reach a real capture; each must exit 2
with the expected first line on stderr, print no traceback, and leave
its directory exactly as it was.  The capture itself (tracefs, the
markers, restoring on signals) needs root and is tried by hand: see the
README.

usage: test_capture_vmalloc.py SOURCE_ROOT
"""
import os
import shutil
import subprocess
import sys

SRC = os.path.abspath(sys.argv[1])
SCRIPT = os.path.join(SRC, "scripts", "capture-vmalloc")
sys.path.insert(0, os.path.join(SRC, "tests", "pylib"))
from harness import Checks, tempdir  # noqa: E402
from snapshot import snapshot  # noqa: E402

checks = Checks()
check = checks.check


def unprivileged():
    """The command prefix that runs the script without root."""
    if os.geteuid() != 0:
        return [sys.executable]
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        print("FAIL setpriv (util-linux) not found: cannot drop root to "
              "test the refusals")
        sys.exit(1)
    # The interpreter must be one that uid 65534 can run: the system's.
    py = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) \
        else sys.executable
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
            py]


PREFIX = unprivileged()
with tempdir("vmb-capture-") as tmp:
    os.chmod(tmp, 0o755)
    full = os.path.join(tmp, "full")
    os.mkdir(full)
    with open(os.path.join(full, "trace"), "w") as f:
        f.write("an earlier capture\n")
    afile = os.path.join(tmp, "afile")
    with open(afile, "w") as f:
        f.write("x\n")
    empty = os.path.join(tmp, "empty")
    os.mkdir(empty)
    for d in (full, empty):
        os.chmod(d, 0o755)
    new = os.path.join(tmp, "new")
    P = "capture-vmalloc: "
    H = " (try --help)"
    cases = [
        ([], P + "-o: required (the capture directory)" + H),
        (["-o", new], P + "--duration: give --duration SECONDS or -- "
         "COMMAND" + H),
        (["-o", new, "--"], P + "--duration: give --duration SECONDS or "
         "-- COMMAND" + H),
        (["-o", new, "--duration", "5", "--", "true"],
         P + "--duration: not with -- COMMAND (one or the other)" + H),
        (["-o", new, "--duration", "0"],
         "--duration: 0: expected more than 0 and at most 86400 seconds"),
        (["-o", new, "--duration", "-1"],
         "--duration: -1: expected more than 0 and at most 86400 seconds"),
        (["-o", new, "--duration", "inf"],
         "--duration: inf: expected more than 0 and at most 86400 seconds"),
        (["-o", new, "--duration", "ten"],
         "--duration: 'ten' is not a number of seconds"),
        (["-o", new, "--duration", "1", "--pre", "-2"],
         "--pre: -2: expected at least 0 and at most 86400 seconds"),
        (["-o", new, "--duration", "1", "--buffer-kb", "10"],
         "--buffer-kb: '10': expected a whole number of KiB from 64 to "
         "1048576"),
        (["-o", new, "--duration", "1", "--buffer-kb", "1e3"],
         "--buffer-kb: '1e3': expected a whole number of KiB from 64 to "
         "1048576"),
        (["-o", new, "--duration", "1", "--prepare", " "],
         "--prepare: empty command"),
        (["-o", new, "--duration", "1", "--bogus"],
         P + "unrecognized arguments: --bogus" + H),
        (["-o", full, "--duration", "1"],
         "-o: T/full: exists and is not empty (a capture is never written "
         "over another)"),
        (["-o", afile, "--duration", "1"],
         "-o: T/afile: exists and is not a directory"),
        (["-o", os.path.join(tmp, "no", "cap"), "--duration", "1"],
         "-o: T/no/cap: directory T/no does not exist"),
        (["-o", "", "--duration", "1"], "-o: empty path"),
        (["-o", new, "--", "no-such-command-vmb"],
         "--: no-such-command-vmb: no such command"),
        (["-o", new, "--", os.path.join(tmp, "afile")],
         "--: T/afile: no such command"),
        # Everything valid: the refusal to run without root.
        (["-o", new, "--duration", "1"], P + "needs root (tracefs, "
         "kernel.kptr_restrict and the addresses in /proc/vmallocinfo): "
         "run it as root, e.g. with sudo"),
        (["-o", empty, "--prepare", "true", "--", "true"],
         P + "needs root (tracefs, kernel.kptr_restrict and the addresses "
         "in /proc/vmallocinfo): run it as root, e.g. with sudo"),
        (["-o", empty, "--drop-pools", "--pre", "1", "--", "true"],
         P + "needs root (tracefs, kernel.kptr_restrict and the addresses "
         "in /proc/vmallocinfo): run it as root, e.g. with sudo"),
    ]
    for args, first in cases:
        before = snapshot(tmp)
        p = subprocess.run(PREFIX + [SCRIPT] + args, capture_output=True,
                           text=True, cwd=tmp, timeout=60)
        after = snapshot(tmp)
        name = "capture-vmalloc %s" % " ".join(args).replace(tmp, "T")
        checks.refused(name, p, first.replace("T/", tmp + "/"), before,
                       after)
    p = subprocess.run(PREFIX + [SCRIPT, "--help"], capture_output=True,
                       text=True, timeout=60)
    check(p.returncode == 0 and "SNAP_BEGIN" in p.stdout and
          "kptr_restrict" in p.stdout, "--help: exit 0, states the protocol",
          p.returncode, 0, p)

checks.finish()
