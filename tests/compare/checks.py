# SPDX-License-Identifier: MIT
"""What the compare-run tests share: check() records a failure with both
sides and goes on; finish() ends the test with its verdict; snapshot()
(tests/pylib/snapshot.py) and unchanged() hold a directory to 'nothing
appeared, changed or disappeared'; make_repo() gives a test a git
repository of its own; plant_slowdown() commits a slower shim/c/empty
into such a repository."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "pylib"))
from snapshot import snapshot  # noqa: E402,F401  (re-exported)

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


# The loop of shim/c/empty in bench/bench_shim.c, and a slower one.
_SHIM_LOOP = "\twhile (bench_keep_running(st))\n\t\tbench_clobber_memory();\n"
_SLOW_LOOP = ("\twhile (bench_keep_running(st)) {\n"
              "\t\tfor (volatile int spin = 0; spin < 20; spin++)\n"
              "\t\t\t;\n"
              "\t\tbench_clobber_memory();\n\t}\n")


def plant_slowdown(repo):
    """Commit a busy loop into shim/c/empty in the repository at repo;
    ends the test (exit 1) when the loop is not where it is expected."""
    src = os.path.join(repo, "bench", "bench_shim.c")
    with open(src) as f:
        text = f.read()
    if _SHIM_LOOP not in text:
        print("FAIL: shim_c_empty's loop is not where this test expects "
              "it in bench/bench_shim.c; update _SHIM_LOOP in %s" % __file__)
        sys.exit(1)
    with open(src, "w") as f:
        f.write(text.replace(_SHIM_LOOP, _SLOW_LOOP, 1))
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "--quiet", "-am", "slow shim/c/empty down"],
                   cwd=repo, check=True, stdout=subprocess.DEVNULL)
