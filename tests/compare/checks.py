# SPDX-License-Identifier: MIT
"""What the compare-run tests share: check() records a failure with both
sides and goes on; finish() ends the test with its verdict; snapshot()
and unchanged() hold a directory to 'nothing appeared, changed or
disappeared'; make_repo() gives a test a git repository of its own."""

import os
import shutil
import subprocess
import sys

failures = 0


def check(cond, what, got, want):
    global failures
    if not cond:
        failures += 1
        print("FAIL %s\n  got:  %r\n  want: %r" % (what, got, want))


def finish():
    if failures:
        print("%d failure(s)" % failures)
        sys.exit(1)
    print("ok")


def snapshot(d):
    """{relative path: (mode, bytes)} of every file under d."""
    out = {}
    for root, dirs, files in os.walk(d):
        for n in dirs + files:
            p = os.path.join(root, n)
            st = os.lstat(p)
            data = None
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    data = f.read()
            out[os.path.relpath(p, d)] = (st.st_mode, data)
    return out


def unchanged(d, before, what):
    """Check that nothing under d appeared, changed or disappeared."""
    after = snapshot(d)
    check(after == before, what + ": files unchanged",
          sorted(set(after) ^ set(before)) or
          [k for k in after if after[k] != before.get(k)], "no difference")


def _build_dir(d, names):
    """copytree's ignore: meson build directories and git metadata."""
    return [n for n in names if n == ".git" or n == "__pycache__" or
            os.path.isfile(os.path.join(d, n, "meson-private",
                                        "coredata.dat"))]


def make_repo(source, dest):
    """A git repository at dest holding the project at source: a clone
    when source is a git checkout, else (a release tarball) a copy of the
    tree without build directories, committed.  Needs git."""
    def git(*args, cwd=dest):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t",
                        "-c", "init.defaultBranch=main"] + list(args),
                       cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    if subprocess.run(["git", "-C", source, "rev-parse", "--git-dir"],
                      stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode == 0 and \
            os.path.exists(os.path.join(source, ".git")):
        git("clone", "--quiet", "--no-hardlinks", source, dest, cwd=None)
        return
    shutil.copytree(source, dest, ignore=_build_dir, symlinks=True)
    git("init", "--quiet")
    git("add", "-A")
    git("commit", "--quiet", "-m", "the project as unpacked")
