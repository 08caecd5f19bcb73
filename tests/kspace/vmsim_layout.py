#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vmsim layout: every layout printed as text and CSV, the rows tile the
address space, --tables agrees with itself, and bad input exits 2 with
the option named and no output file left behind.

usage: vmsim_layout.py VMSIM
"""
import csv
import io
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "pylib"))
from harness import die as fail, run_or_die  # noqa: E402

VMSIM = sys.argv[1]
ARCHS = ["x86-64-4l", "x86-64-5l", "x86-32", "x86-pae", "arm64-4k-48",
         "arm64-64k-52", "sv39", "sv48"]


def run(*args, rc=0):
    return run_or_die([VMSIM, "layout", *args], rc, timeout=120)


def check_bad(args, option):
    p = run(*args, rc=2)
    if not p.stderr.startswith(option + ":"):
        fail(f"{args}: stderr {p.stderr!r} does not start with {option}:")
    if p.stdout:
        fail(f"{args}: wrote to stdout on error: {p.stdout!r}")


def main():
    listed = run("--list").stdout.split()
    for a in ARCHS:
        if a not in listed:
            fail(f"--list lacks {a}")

    text = run("--arch", "x86-64-4l").stdout
    for want in ("ffffc90000000000 | ffffe8ffffffffff |       32 TB",
                 "ffff888000000000 | ffffc87fffffffff |       64 TB",
                 "ffffffffa0000000 | fffffffffeffffff |     1520 MB"):
        if want not in text:
            fail(f"x86-64-4l text lacks {want!r}")
    if "ffffffffc0000000 | fffffffffeffffff |     1008 MB" not in \
            run("--arch", "x86-64-4l", "--kaslr").stdout:
        fail("--kaslr: modules do not start at 0xffffffffc0000000")

    for arch in ARCHS:
        for kaslr in ([[], ["--kaslr"]] if arch.startswith("x86-64")
                      else [[]]):
            out = run("--arch", arch, "--csv", *kaslr).stdout
            rows = list(csv.DictReader(io.StringIO(out)))
            if not rows:
                fail(f"{arch}: no rows")
            nxt = 0
            top = (1 << 32) if arch in ("x86-32", "x86-pae") else (1 << 64)
            kinds = set()
            for r in rows:
                s, e = int(r["start"], 16), int(r["end"], 16)
                if e < s or int(r["size_bytes"]) != (e - s + 1) % (1 << 64):
                    fail(f"{arch}: bad row {r}")
                kinds.add(r["kind"])
                if r["nested"] == "1":
                    continue
                if s != nxt:
                    fail(f"{arch}: row {r} starts at {s:#x}, want {nxt:#x}")
                nxt = e + 1
            if nxt != top:
                fail(f"{arch}: rows end at {nxt:#x}, want {top:#x}")
            for k in ("user", "direct-map", "vmalloc", "fixmap"):
                if k not in kinds:
                    fail(f"{arch}: no {k} region")

            tab = run("--arch", arch, "--tables", "--csv", "--ram", "1G",
                      *kaslr).stdout
            trows = list(csv.DictReader(io.StringIO(tab)))
            steps = [r for r in trows if r["step"] != "total"]
            total = [r for r in trows if r["step"] == "total"]
            if len(total) != 1 or \
               int(total[0]["table_pages"]) != \
               sum(int(r["table_pages"]) for r in steps):
                fail(f"{arch}: --tables total does not add up")
            for r in trows:
                lv = sum(int(r[f"l{i}"]) for i in range(5)
                         if r[f"l{i}"] != "NA")
                if lv != int(r["table_pages"]):
                    fail(f"{arch}: per-level pages do not add up: {r}")

    # tiles: the largest entries that tile a region exactly (L0: pages).
    for arch, kaslr, kind, want in (
            ("x86-64-4l", [], "vmalloc", "L3"),   # 512 GiB root entries
            ("x86-64-4l", [], "kernel", "L1"),    # 512 MiB: 2 MiB leaves
            ("x86-64-4l", ["--kaslr"], "kernel", "L2"),  # one 1 GiB
            ("x86-64-4l", [], "fixmap", "L0"),    # ends at ...7fefff
            ("arm64-64k-52", [], "vmalloc", "L0"),  # end not 512M-aligned
            ("x86-32", [], "pkmap", "L1")):       # one 4 MiB PDE
        rows = [r for r in csv.DictReader(io.StringIO(
            run("--arch", arch, "--csv", *kaslr).stdout))
            if r["kind"] == kind]
        if len(rows) != 1 or rows[0]["tiles"] != want:
            fail(f"{arch} {kaslr} {kind}: tiles {rows}, want {want}")

    tab = run("--arch", "x86-64-4l", "--tables", "--csv").stdout
    pages = {r["step"]: int(r["table_pages"])
             for r in csv.DictReader(io.StringIO(tab))}
    if pages["vmalloc-prealloc"] != 64 or pages["total"] != 75:
        fail(f"x86-64-4l 4G tables: {pages}")
    tab = run("--arch", "x86-64-4l", "--tables", "--csv",
              "--no-prealloc").stdout
    pages = {r["step"]: int(r["table_pages"])
             for r in csv.DictReader(io.StringIO(tab))}
    if pages["vmalloc-prealloc"] != 0 or pages["total"] != 11:
        fail(f"x86-64-4l --no-prealloc tables: {pages}")

    check_bad(["--arch", "vax"], "--arch")
    check_bad(["--arch", "sv39", "--kaslr"], "--kaslr")
    check_bad(["--ram", "12Q"], "--ram")
    check_bad(["--ram", "3M", "--tables"], "--ram")
    # Without --tables too: x86-32's high_memory would end unaligned.
    check_bad(["--arch", "x86-32", "--ram", "1"], "--ram")
    check_bad(["--ram", "0"], "--ram")
    check_bad(["--arch", "x86-32", "--ram", "8G", "--tables"], "--ram")
    check_bad(["--image", "3M", "--tables"], "--image")
    check_bad(["--no-prealloc"], "--no-prealloc")
    check_bad(["--image", "64M"], "--image")
    check_bad(["--frobnicate"], "--frobnicate")
    check_bad(["--kaslr=1"], "--kaslr")

    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "layout.csv")
        run("--arch", "sv48", "--csv", "-o", out)
        with open(out) as f:
            if not f.read().startswith("arch,kaslr,start"):
                fail("-o: not the CSV")
        check_bad(["--arch", "vax", "-o", os.path.join(d, "x.csv")],
                  "--arch")
        p = run("--csv", "-o", os.path.join(d, "no", "x.csv"), rc=2)
        if not p.stderr.startswith("-o:"):
            fail(f"-o into a missing directory: {p.stderr!r}")
        if sorted(os.listdir(d)) != ["layout.csv"]:
            fail(f"files left behind: {os.listdir(d)}")
    print("vmsim layout: ok")


main()
