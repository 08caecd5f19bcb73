#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vmsim's streaming trace input (access traces, and vmap op traces
read through the same byte source): `vmsim trace convert` round trips
(text -> vmb -> text byte-identical for canonical text, lackey <-> din),
the same counters from every format, from a file or a pipe, plain, gzip
or xz (compressed here with Python's own modules), and with --threads 1,
2, 3 and 4 (bit-identical CSV; a bad line in a trace of several chunks:
the same 'FILE:LINE: reason', exit 2); a truncated or corrupt compressed
trace is 'FILE: reason' with exit 2 and no -o file left; convert's bad
options.

A build without a codec (meson option compression) must refuse its
input cleanly instead: exit 2, 'FILE: gzip-compressed input, but this
build has no gzip decoder'.

usage: vmsim_stream.py VMSIM DATA_DIR CODECS   (CODECS: built, "gzip,xz")
"""
import gzip
import lzma
import os
import subprocess
import sys
import tempfile

VMSIM = sys.argv[1]
DATA = sys.argv[2]
CODECS = set(c for c in sys.argv[3].split(",") if c) if len(sys.argv) > 3 \
    else {"gzip", "xz", "zstd"}
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "pylib"))
from harness import Checks  # noqa: E402

checks = Checks()
fail = checks.fail


def run(args, stdin=None):
    return subprocess.run([VMSIM] + args, input=stdin, capture_output=True)


def check_ok(name, p):
    if p.returncode != 0:
        fail(name, "exit %d" % p.returncode, p)
        return False
    return True


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def convert(name, src, dst, frm, to, extra=()):
    p = run(["trace", "convert", src, dst, "--from", frm, "--to", to] +
            list(extra))
    return check_ok(name, p)


def main():
    lackey = os.path.join(DATA, "ls.lackey")
    with tempfile.TemporaryDirectory() as tmp:
        t = lambda n: os.path.join(tmp, n)
        # Canonical text: what vmsim writes; M lines become L and S.
        if not convert("lackey->lackey", lackey, t("c.lackey"), "lackey",
                       "lackey"):
            return
        for fmt in ("lackey", "din"):
            src = t("c.lackey") if fmt == "lackey" else t("c.din")
            if fmt == "din" and not convert("lackey->din", t("c.lackey"),
                                            t("c.din"), "lackey", "din"):
                return
            for th in ("1", "2"):
                if not convert("%s->vmb" % fmt, src, t("c.vmb"), fmt, "vmb",
                               ["--threads", th]):
                    return
                if not convert("vmb->%s" % fmt, t("c.vmb"), t("back"),
                               "vmb", fmt, ["--threads", th]):
                    return
                if read(t("back")) != read(src):
                    fail("round trip %s via vmb" % fmt, "not byte-identical")
            if len(read(t("c.vmb"))) * 3 > len(read(src)):
                fail("vmb size", "%d bytes for %d of %s" % (
                    len(read(t("c.vmb"))), len(read(src)), fmt))
        # din -> lackey -> din is the identity too.
        convert("din->lackey", t("c.din"), t("d.lackey"), "din", "lackey")
        convert("lackey->din again", t("d.lackey"), t("d.din"), "lackey",
                "din")
        if read(t("d.din")) != read(t("c.din")):
            fail("din->lackey->din", "not byte-identical")

        # The same counters from every format, input and thread count.
        write(t("c.din.gz"), gzip.compress(read(t("c.din"))))
        write(t("c.lackey.xz"), lzma.compress(read(lackey)))
        write(t("c.vmb.gz"), gzip.compress(read(t("c.vmb")), 1))
        ref = run(["tlb", "--trace", lackey, "--format", "lackey",
                   "--threads", "1"])
        if not check_ok("reference", ref):
            return
        cases = [
            ("din", t("c.din"), None), ("vmb", t("c.vmb"), None),
            ("din", t("c.din.gz"), None), ("lackey", t("c.lackey.xz"), None),
            ("vmb", t("c.vmb.gz"), None), ("lackey", lackey, None),
            ("din", "-", read(t("c.din.gz"))), ("vmb", "-", read(t("c.vmb"))),
        ]
        for fmt, path, stdin in cases:
            data = stdin if stdin is not None else read(path)
            codec = "gzip" if data[:2] == b"\x1f\x8b" else \
                "xz" if data[:6] == b"\xfd7zXZ\x00" else None
            for th in ("1", "2", "3", "4"):
                p = run(["tlb", "--trace", path, "--format", fmt,
                         "--threads", th], stdin)
                name = "%s %s threads %s" % (fmt, os.path.basename(path), th)
                if codec and codec not in CODECS:
                    want = "%s-compressed input, but this build has no " \
                        "%s decoder" % (codec, codec)
                    if p.returncode != 2 or want.encode() not in p.stderr:
                        fail(name, "want exit 2 and %r" % want, p)
                elif check_ok(name, p) and p.stdout != ref.stdout:
                    fail(name, "counters differ from the plain lackey run")

        # Truncated and corrupt compressed traces: FILE: reason, exit 2.
        gz = read(t("c.din.gz"))
        xz = read(t("c.lackey.xz"))
        bad = [
            ("gz cut", gz[:len(gz) // 2], "din", "gzip data truncated"),
            ("gz cut in trailer", gz[:-3], "din", "gzip data truncated"),
            ("xz cut", xz[:len(xz) - 20], "lackey", "xz data"),
            ("gz corrupt", gz[:100] + bytes([gz[100] ^ 0x55]) + gz[101:],
             "din", "gzip data"),
        ]
        for name, data, fmt, why in bad:
            if why.split()[0] not in CODECS:
                why = "input, but this build has no"
            write(t("bad"), data)
            out = t("out.csv")
            for th in ("1", "2", "3", "4"):
                p = run(["tlb", "--trace", t("bad"), "--format", fmt,
                         "--threads", th, "-o", out])
                err = p.stderr.decode(errors="replace")
                if p.returncode != 2:
                    fail(name, "exit %d, want 2" % p.returncode, p)
                elif not err.startswith(t("bad") + ": ") or why not in err:
                    fail(name, "stderr %r lacks 'FILE: ...%s'" % (err, why))
                if os.path.exists(out):
                    fail(name, "left %s behind" % out)
                    os.unlink(out)

        # A bad line after several 1 MiB chunks: the same message, line
        # and exit status with every thread count, no -o file left.
        lines = [b"%s %x %d\n" % (b"rw"[i % 2:i % 2 + 1], i * 4096 + 8,
                                   1 << (i % 4)) for i in range(300000)]
        for at in (5, 150001, 299999):
            text = lines[:at] + [b"r 12 zz\n"] + lines[at:]
            write(t("bad.din"), b"".join(text))
            out = t("out.csv")
            msgs = set()
            for th in ("1", "2", "3", "4"):
                p = run(["tlb", "--trace", t("bad.din"), "--format", "din",
                         "--threads", th, "-o", out])
                want = "%s:%d: " % (t("bad.din"), at + 1)
                if p.returncode != 2 or not p.stderr.decode().startswith(
                        want):
                    fail("bad line %d threads %s" % (at, th),
                         "want exit 2 and %r" % want, p)
                if os.path.exists(out):
                    fail("bad line %d" % at, "left %s behind" % out)
                    os.unlink(out)
                msgs.add(p.stderr)
            if len(msgs) != 1:
                fail("bad line %d" % at, "messages differ: %r" % msgs)

        # vmap op traces stream through the same source.
        vt = b"a 1 4096\n# c\na 2 8192\nf 1\nl 2 0\nf 2\n" * 50
        write(t("v.trace"), vt)
        write(t("v.trace.xz"), lzma.compress(vt))
        ref = run(["vmap", "--strategy", "all", t("v.trace")])
        for name, args, stdin, codec in [
            ("vmap xz", [t("v.trace.xz")], None, "xz"),
            ("vmap gz stdin", ["-"], gzip.compress(vt), "gzip"),
        ]:
            p = run(["vmap", "--strategy", "all"] + args, stdin)
            if codec not in CODECS:
                if p.returncode != 2 or b"no %s decoder" % codec.encode() \
                        not in p.stderr:
                    fail(name, "want exit 2, no decoder", p)
            elif check_ok(name, p) and p.stdout != ref.stdout:
                fail(name, "output differs from the plain trace's")
        write(t("v.cut.gz"), gzip.compress(vt)[:40])
        p = run(["vmap", "--strategy", "all", t("v.cut.gz")])
        want = b"gzip data truncated" if "gzip" in CODECS else b"no gzip"
        if p.returncode != 2 or want not in p.stderr or p.stdout:
            fail("vmap cut gz", "want exit 2, %r" % want, p)

        # convert: bad input leaves no output; bad options.
        write(t("bad.din"), b"r 1000\nr 2000 8\nx 3000\n")
        p = run(["trace", "convert", t("bad.din"), t("o.vmb"), "--from",
                 "din", "--to", "vmb"])
        if p.returncode != 2 or not p.stderr.startswith(
                (t("bad.din") + ":3: unknown label 'x'").encode()):
            fail("convert bad line", "want FILE:3: unknown label", p)
        if os.path.exists(t("o.vmb")):
            fail("convert bad line", "left the output behind")
        for name, args, want in [
            ("no from", [lackey, t("o"), "--to", "vmb"],
             "--from: required: lackey, din or vmb"),
            ("bad to", [lackey, t("o"), "--from", "lackey", "--to", "x"],
             "--to: unknown format 'x' (lackey, din or vmb)"),
            ("threads", [lackey, t("o"), "--from", "lackey", "--to", "vmb",
                         "--threads", "3"], "--threads: '3' is not 1 or 2"),
            ("one path", [lackey, "--from", "lackey", "--to", "vmb"],
             "convert: needs IN and OUT"),
            ("missing", [t("nope"), t("o"), "--from", "din", "--to", "vmb"],
             t("nope") + ": cannot open: No such file"),
        ]:
            p = run(["trace", "convert"] + args)
            if p.returncode != 2 or want.encode() not in p.stderr:
                fail("convert " + name, "want %r" % want, p)
            if os.path.exists(t("o")):
                fail("convert " + name, "left the output behind")
        p = run(["tlb", "--workload", "uniform", "--threads", "2"])
        if p.returncode != 2 or b"--threads: only with --trace" not in p.stderr:
            fail("threads with workload", "want an error", p)
        p = run(["tlb", "--trace", "-", "--format", "din", "--stats",
                 "--repetitions", "2"], b"r 1000\n")
        if p.returncode != 2 or b"--repetitions: standard input" not in \
                p.stderr:
            fail("repetitions on stdin", "want an error", p)


main()
checks.finish("all streaming cases passed")
