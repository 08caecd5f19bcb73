# SPDX-License-Identifier: MIT
"""What the script tests share: ok/FAIL lines with a final verdict, a
temporary directory removed whatever happens, and the refusal check (exit
2, the expected first line on stderr, no traceback, nothing under the
directory created, changed or removed).

    checks = Checks()
    with tempdir("vmb-x-") as tmp:
        before = snapshot(tmp)
        p = subprocess.run(...)
        checks.refused(name, p, want, before, snapshot(tmp))
    checks.finish()          # exit 1 after any failure

Tests that report a problem themselves call checks.fail(name, why, p)
(checks.expect(name, got, want) for an equality); tests that stop at
their first problem run their tool with run_or_die() and stop with die().
For output written in place: read_fifo() reads a FIFO the tool writes;
temp_file_appeared() waits for a tool's temporary file (before a signal).
"""
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

# A failed check prints at most this many characters of each of the
# process's streams: enough for the error, not a whole trace or CSV.
DUMP_CHARS = 4000


def first_line(p):
    """The first line a finished process wrote to stderr ('' if none)."""
    return p.stderr.splitlines()[0] if p.stderr else ""


def _text(out):
    """@out (str, bytes or None) as text cut to DUMP_CHARS."""
    if out is None:
        return ""
    if isinstance(out, bytes):
        out = out.decode(errors="replace")
    if len(out) > DUMP_CHARS:
        out = out[:DUMP_CHARS] + "\n... (%d more characters)\n" % (
            len(out) - DUMP_CHARS)
    return out


def dump(p):
    """Print the exit status and output of the finished process @p."""
    print("--- exit %s\n--- stdout\n%s--- stderr\n%s" %
          (p.returncode, _text(p.stdout), _text(p.stderr)))


def die(msg):
    """Stop the test at its first problem: 'SCRIPT: MSG' on stderr, exit
    status 1."""
    sys.exit("%s: %s" % (os.path.basename(sys.argv[0]), msg))


def run_or_die(cmd, rc=0, timeout=300):
    """Run @cmd with its output captured as text; stop the test (die())
    naming the command, its exit status and its stderr unless it exited
    @rc.  Returns the finished process."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != rc:
        die("%s: exit %d, want %d\n%s" % (
            " ".join([os.path.basename(cmd[0])] + list(cmd[1:])),
            p.returncode, rc, p.stderr))
    return p


def read_fifo(path):
    """Start reading the FIFO @path to its end in a thread, so that a tool
    opening it for writing does not block.  Returns a function that waits
    up to its argument's seconds (default 30) and gives the bytes read, or
    None when the FIFO was not read to its end by then (the thread is a
    daemon: a FIFO nobody opened cannot keep the test from exiting)."""
    got = []

    def reader():
        with open(path, "rb") as f:
            got.append(f.read())
    t = threading.Thread(target=reader, daemon=True)
    t.start()

    def result(timeout=30):
        t.join(timeout)
        return got[0] if got else None
    return result


def temp_file_appeared(d, before=(), timeout=20.0):
    """Wait until a hidden file (a tool's temporary file) whose name is not
    in @before appears in the directory @d: True, or False once @timeout
    seconds have passed without one."""
    end = time.monotonic() + timeout
    while True:
        if any(n.startswith(".") and n not in before for n in os.listdir(d)):
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.02)


@contextlib.contextmanager
def tempdir(prefix):
    path = tempfile.mkdtemp(prefix=prefix)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class Checks:
    def __init__(self):
        self.failed = []        # the names of the failed checks, in order

    @property
    def failures(self):
        return len(self.failed)

    def check(self, cond, what, got=None, want=None, p=None):
        """Print 'ok   WHAT', or 'FAIL WHAT' with both sides (and the
        process's exit status and output when @p is given)."""
        if cond:
            return self.ok(what)
        self.failed.append(what)
        print("FAIL %s\n  got:  %r\n  want: %r" % (what, got, want))
        if p is not None:
            dump(p)
        return False

    def ok(self, what):
        """Print 'ok   WHAT' for a check that passed.  Returns True."""
        print("ok   " + what)
        return True

    def expect(self, what, got, want):
        """check() that @got equals @want."""
        return self.check(got == want, what, got, want)

    def fail(self, name, why, p=None):
        """Record a failure found by the test itself: print 'FAIL NAME:
        WHY' (and @p's exit status and output when given).  Returns
        False."""
        self.failed.append(name)
        print("FAIL %s: %s" % (name, why))
        if p is not None:
            dump(p)
        return False

    def refused(self, name, p, want, before, after, prefix=False):
        """@p exited 2 with @want as its first stderr line (or a line
        beginning with it when @prefix), printed no traceback and left
        the snapshot @before unchanged (@after)."""
        got = first_line(p)
        match = got.startswith(want) if prefix else got == want
        self.check(p.returncode == 2 and match, name, (p.returncode, got),
                   (2, want + ("..." if prefix else "")), p)
        self.check("Traceback" not in p.stderr, name + ": no traceback")
        self.check(before == after, name + ": nothing left behind",
                   sorted(set(before.items()) ^ set(after.items())), [])

    def finish(self, passed="all ok"):
        """Exit 1 after any failure, naming them; print @passed
        otherwise."""
        if self.failures:
            print("%d failure(s): %s" % (self.failures,
                                         ", ".join(self.failed)))
            sys.exit(1)
        print(passed)
