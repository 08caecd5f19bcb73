# SPDX-License-Identifier: MIT
"""The assertions the compare-run tests share: check() records a failure
with both sides and goes on; finish() ends the test with its verdict."""

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
