# SPDX-License-Identifier: MIT
"""The entry point of every Python script: run(main, prog).

Errors are reported where they arise (InputError 'FILE:LINE: reason' or
'--option: reason'); run() is the last net, so that no traceback reaches
a user whatever the input:

  InputError           its text, exit 2
  OSError              'PROG: PATH: reason', exit 2
  UnicodeError         'PROG: input is not UTF-8 text (...)', exit 2
  BrokenPipeError      (stdout closed early, as by '| head') nothing
                       more is printed, exit 141 (128 + SIGPIPE, what a
                       process killed by the signal reports)
  SIGINT               exit 130; SIGTERM 143, SIGHUP 129: raised as
                       Interrupted, so every 'finally' and context manager
                       (temporary files and directories) runs first
  anything else        'PROG: internal error: TYPE: message', exit 2
                       (VMB_TRACEBACK=1 shows the traceback)
"""

import os
import signal
import sys

from vmbstats import InputError


class Interrupted(BaseException):
    """A terminating signal; code is the exit status (128 + signal)."""

    def __init__(self, signum):
        BaseException.__init__(self, signum)
        self.code = 128 + signum


def _raise(signum, frame):
    raise Interrupted(signum)


def _quiet_stdout():
    # Python's documented way out of EPIPE: point stdout at /dev/null so
    # the interpreter's final flush cannot fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def run(main, prog, argv=None):
    """sys.exit(main(argv)) with every failure turned into one line."""
    for s in (signal.SIGTERM, signal.SIGHUP):
        try:
            signal.signal(s, _raise)
        except (OSError, ValueError):
            pass
    code = 2
    try:
        code = main(sys.argv[1:] if argv is None else argv)
        sys.stdout.flush()
    except InputError as e:
        print(e, file=sys.stderr)
    except BrokenPipeError:
        _quiet_stdout()
        code = 128 + signal.SIGPIPE
    except KeyboardInterrupt:
        code = 128 + signal.SIGINT
    except Interrupted as e:
        code = e.code
    except OSError as e:
        if e.filename is not None:
            print("%s: %s: %s" % (prog, e.filename, e.strerror or e),
                  file=sys.stderr)
        else:
            print("%s: %s" % (prog, e.strerror or e), file=sys.stderr)
    except UnicodeError as e:
        print("%s: input is not UTF-8 text (%s)" % (prog, e),
              file=sys.stderr)
    except SystemExit:
        raise
    except Exception as e:      # noqa: BLE001 - the last net
        if os.environ.get("VMB_TRACEBACK"):
            raise
        print("%s: internal error: %s: %s" % (prog, type(e).__name__, e),
              file=sys.stderr)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        code = 128 + signal.SIGPIPE
    except OSError:
        pass
    sys.exit(code)
