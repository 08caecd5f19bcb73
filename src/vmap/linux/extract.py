#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Extract the vmalloc free-area allocator from a Linux source tree.

usage: extract.py SRC OUTDIR HEADER

SRC is a kernel source tree (a directory holding mm/vmalloc.c) or a tarball
of one (.tar.xz, .tar.gz, .tar.bz2, .tar.zst) such as Debian's
/usr/src/linux-source-6.12.tar.xz.  Only the files below are read; from a
tarball they are extracted by member name into OUTDIR/cache/<key>/, where
<key> names the tarball, its size and mtime, so a rebuild reads the
tarball again only when it changed.

Into OUTDIR/kernel/ go, unchanged:
  lib/rbtree.c, include/linux/rbtree.h, rbtree_augmented.h, rbtree_types.h
HEADER (a file in OUTDIR) receives the kernel version and, in source order
with #line markers, the pieces of mm/vmalloc.c the strategy compiles (the
functions named in WANTED, the fit-type enum, the augment callbacks) and
struct vmap_area from include/linux/vmalloc.h.  The text of every piece is
the kernel's, unchanged; nothing of it is ever written outside OUTDIR.

Exit 2 with "SRC: reason" when the tree is not usable (missing files, a
kernel older than 5.2, a function not found).
"""
import os
import re
import shutil
import subprocess
import sys
import tarfile

FILES = ["Makefile", "mm/vmalloc.c", "include/linux/vmalloc.h",
         "lib/rbtree.c", "include/linux/rbtree.h",
         "include/linux/rbtree_augmented.h", "include/linux/rbtree_types.h"]
OPTIONAL = {"include/linux/rbtree_types.h"}  # split out of rbtree.h in 5.12
COPIED = ["lib/rbtree.c", "include/linux/rbtree.h",
          "include/linux/rbtree_augmented.h", "include/linux/rbtree_types.h"]

# Functions of mm/vmalloc.c, in groups of alternatives (the first one found
# is taken); None marks a group that may be absent altogether.
WANTED = [
    ["va_size"], ["get_subtree_max_size"],
    ["__find_vmap_area"], ["find_va_links"], ["get_va_next_sibling"],
    ["__link_va", None], ["link_va"], ["link_va_augment", None],
    ["__unlink_va", None], ["unlink_va"], ["unlink_va_augment", None],
    ["augment_tree_propagate_from"],
    ["insert_vmap_area"], ["insert_vmap_area_augment"],
    ["__merge_or_add_vmap_area", None], ["merge_or_add_vmap_area"],
    ["merge_or_add_vmap_area_augment", None],
    ["is_within_this_va"], ["find_vmap_lowest_match"],
    ["classify_va_fit_type"],
    # Renamed va_clip in 6.3, when va_alloc was split out of
    # __alloc_vmap_area.
    ["va_clip", "adjust_va_to_fit_type"], ["va_alloc", None],
    ["__alloc_vmap_area"],
]


def fail(src, msg):
    sys.stderr.write("%s: %s\n" % (src, msg))
    sys.exit(2)


def fetch(src, outdir):
    """The directory holding FILES, extracting them from a tarball once."""
    if os.path.isdir(src):
        return src
    if not os.path.isfile(src):
        fail(src, "no such kernel source tree or tarball")
    st = os.stat(src)
    key = "%s-%d-%d" % (re.sub(r"[^A-Za-z0-9.]+", "_",
                                os.path.basename(src)), st.st_size,
                        int(st.st_mtime))
    cache = os.path.join(outdir, "cache", key)
    done = os.path.join(cache, ".complete")
    if os.path.exists(done):
        with open(done) as f:
            return os.path.join(cache, f.read().strip())
    shutil.rmtree(os.path.join(outdir, "cache"), ignore_errors=True)
    os.makedirs(cache)
    try:
        with tarfile.open(src) as t:
            first = t.next()
            if first is None:
                fail(src, "empty tarball")
            top = first.name.split("/")[0]
    except (tarfile.TarError, OSError) as e:
        fail(src, "not a readable tarball (%s)" % " ".join(str(e).split()))
    # tar(1) streams the members out in one pass over the compressed file.
    members = ["%s/%s" % (top, f) for f in FILES]
    r = subprocess.run(["tar", "-xf", src, "-C", cache, "--wildcards",
                        "--no-wildcards-match-slash"] + members,
                       stderr=subprocess.PIPE, text=True)
    missing = [f for f in FILES
               if not os.path.exists(os.path.join(cache, top, f))]
    if [f for f in missing if f not in OPTIONAL]:
        fail(src, "not a kernel source tarball: missing %s (tar: %s)"
             % (", ".join(missing), r.stderr.strip()[:200]))
    with open(done, "w") as f:
        f.write(top)
    return os.path.join(cache, top)


def version(src, tree):
    vals = {}
    with open(os.path.join(tree, "Makefile")) as f:
        for line in f:
            m = re.match(r"(VERSION|PATCHLEVEL|SUBLEVEL)\s*=\s*(\d+)", line)
            if m:
                vals[m.group(1)] = int(m.group(2))
            if len(vals) == 3:
                break
    if len(vals) < 2:
        fail(src, "Makefile: no VERSION / PATCHLEVEL")
    v = (vals["VERSION"], vals["PATCHLEVEL"], vals.get("SUBLEVEL", 0))
    if v[:2] < (5, 2):
        fail(src, "Linux %d.%d.%d: the augmented free tree came in 5.2"
             % v)
    return v


def blank_comments(text):
    """@text with comments and string literals blanked to spaces (newlines
    kept), so braces are counted and names matched in code only."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j += 1
        else:
            i += 1
            continue
        for k in range(i, min(j, n)):
            if out[k] != "\n":
                out[k] = " "
        i = j
    return "".join(out)


def top_level_items(text):
    """(start, end) offsets of every top-level item of @text: from the
    first code character after the previous item to its closing brace
    (a function, plus a following ';' for a type) or semicolon."""
    code = blank_comments(text)
    items, depth, start, i = [], 0, None, 0
    while i < len(code):
        c = code[i]
        if c == "#" and depth == 0 and (i == 0 or code[i - 1] == "\n"):
            # A preprocessor line (with continuations) is an item of its own.
            j = i
            while True:
                e = code.find("\n", j)
                e = len(code) if e < 0 else e
                if code[e - 1] != "\\":
                    break
                j = e + 1
            start = None
            i = e
            continue
        if start is None and not c.isspace():
            start = i
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                # A function ends here; a struct/enum goes on to its ';'.
                head = code[start:i].split("{", 1)[0]
                if "(" in head and "=" not in head:
                    items.append((start, i + 1))
                    start = None
        elif c == ";" and depth == 0 and start is not None:
            items.append((start, i + 1))
            start = None
        i += 1
    return items, code


def name_of(code_item):
    """The function defined by an item, the name of a macro call at file
    scope, or of an enum / struct type."""
    head = code_item.split("{", 1)[0]
    m = re.match(r"\s*(enum|struct)\s+(\w+)\s*$", head)
    if m:
        return m.group(1) + " " + m.group(2)
    m = re.search(r"(\w+)\s*\(", head)
    return m.group(1) if m else None


def extract(src, tree, outdir, header, ver):
    vm = open(os.path.join(tree, "mm/vmalloc.c"), encoding="utf-8").read()
    items, code = top_level_items(vm)
    by_name = {}
    for s, e in items:
        nm = name_of(code[s:e])
        if nm and nm not in by_name:
            by_name[nm] = (s, e)
    chosen, found = [], []
    for group in WANTED:
        for alt in group:
            if alt is None:
                break
            if alt in by_name:
                chosen.append(by_name[alt])
                found.append(alt)
                break
        else:
            fail(src, "mm/vmalloc.c: no function %s" % " or ".join(group))
    # The wrapper (linux.c) calls these with the tree as an argument, as
    # 6.1 and later do; older kernels worked on global trees.
    for fn in ["__alloc_vmap_area", "__find_vmap_area", "insert_vmap_area"]:
        s, e = by_name[fn]
        head = code[s:e].split("{", 1)[0]
        if "struct rb_root *root" not in head:
            fail(src, "Linux %d.%d.%d: mm/vmalloc.c: %s() does not take the "
                 "tree as an argument (a kernel older than this strategy "
                 "handles; built and tested: 6.1, 6.12)" % (ver + (fn,)))
    for extra in ["enum fit_type", "RB_DECLARE_CALLBACKS_MAX",
                  "RB_DECLARE_CALLBACKS"]:
        if extra in by_name:
            s, e = by_name[extra]
            if extra.startswith("RB_"):
                # A macro call at file scope ends at its closing
                # parenthesis (the kernel writes no ';' after it).
                depth = 0
                for k in range(s, e):
                    if code[k] == "(":
                        depth += 1
                    elif code[k] == ")":
                        depth -= 1
                        if depth == 0:
                            e = k + 1
                            break
            chosen.append((s, e))
            if extra.startswith("RB_"):
                break
    chosen.sort()

    vh = open(os.path.join(tree, "include/linux/vmalloc.h"),
              encoding="utf-8").read()
    vitems, vcode = top_level_items(vh)
    vma = [(s, e) for s, e in vitems if name_of(vcode[s:e]) ==
           "struct vmap_area"]
    if not vma:
        fail(src, "include/linux/vmalloc.h: no struct vmap_area")

    def piece(text, path, s, e):
        line = text.count("\n", 0, s) + 1
        return '#line %d "%s"\n%s\n' % (line, path, text[s:e])

    out = ["/* Generated by src/vmap/linux/extract.py from %s: the kernel's "
           "own text, never committed. */\n" % src,
           "#define LINUX_VERSION_STRING \"%d.%d.%d\"\n" % ver,
           "#define LINUX_VERSION_CODE_X %d\n" % (ver[0] << 16 | ver[1] << 8
                                                  | min(ver[2], 255))]
    for f in found:
        out.append("#define LINUX_HAVE_%s 1\n" % f.upper())
    out.append(piece(vh, "include/linux/vmalloc.h", *vma[0]))
    for s, e in chosen:
        out.append(piece(vm, "mm/vmalloc.c", s, e))

    kdir = os.path.join(outdir, "kernel")
    for f in COPIED:
        p = os.path.join(tree, f)
        if os.path.exists(p):
            os.makedirs(os.path.dirname(os.path.join(kdir, f)),
                        exist_ok=True)
            shutil.copyfile(p, os.path.join(kdir, f))
    if not os.path.exists(os.path.join(tree, "include/linux/rbtree_types.h")):
        # Before 5.12 the types were in rbtree.h; an empty stand-in keeps
        # the shim's include list the same.
        os.makedirs(os.path.join(kdir, "include/linux"), exist_ok=True)
        open(os.path.join(kdir, "include/linux/rbtree_types.h"), "w").close()
    tmp = header + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join(out))
    os.replace(tmp, header)


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: extract.py SRC OUTDIR HEADER\n")
        sys.exit(2)
    src, outdir, header = sys.argv[1:]
    os.makedirs(outdir, exist_ok=True)
    tree = fetch(src, outdir)
    for f in FILES:
        if f not in OPTIONAL and not os.path.exists(os.path.join(tree, f)):
            fail(src, "missing %s" % f)
    ver = version(src, tree)
    extract(src, tree, outdir, header, ver)


if __name__ == "__main__":
    main()
