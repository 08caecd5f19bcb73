# SPDX-License-Identifier: MIT
"""What the bad-input tests compare before and after a command: nothing
may appear, change or disappear.

snapshot(top) -> {relative path: (kind, permission bits, detail)} for
everything under @top, links not followed: a regular file's SHA-256, a
link's target, a directory as ("dir", mode, None); FIFOs, devices and
sockets by their type only (never opened, so a FIFO cannot block the
test).
"""
import hashlib
import os
import stat


def snapshot(top):
    out = {}
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            p = os.path.join(root, name)
            rel = os.path.relpath(p, top)
            st = os.lstat(p)
            perm = stat.S_IMODE(st.st_mode)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    out[rel] = ("file", perm,
                                hashlib.sha256(f.read()).hexdigest())
            elif stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", perm, os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", perm, None)
            else:
                out[rel] = (stat.S_IFMT(st.st_mode), perm, None)
    return out
