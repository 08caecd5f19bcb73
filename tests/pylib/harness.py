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
"""
import contextlib
import shutil
import sys
import tempfile


def first_line(p):
    """The first line a finished process wrote to stderr ('' if none)."""
    return p.stderr.splitlines()[0] if p.stderr else ""


@contextlib.contextmanager
def tempdir(prefix):
    path = tempfile.mkdtemp(prefix=prefix)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class Checks:
    def __init__(self):
        self.failures = 0

    def check(self, cond, what, got=None, want=None, p=None):
        """Print 'ok   WHAT', or 'FAIL WHAT' with both sides (and the
        process's exit status and output when @p is given)."""
        if cond:
            print("ok   " + what)
            return True
        self.failures += 1
        print("FAIL %s\n  got:  %r\n  want: %r" % (what, got, want))
        if p is not None:
            print("--- exit %s\n--- stdout\n%s--- stderr\n%s" %
                  (p.returncode, p.stdout, p.stderr))
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

    def finish(self):
        if self.failures:
            print("%d failure(s)" % self.failures)
            sys.exit(1)
        print("all ok")
