#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Workload for scripts/capture-vmalloc: fork children for SECONDS, each
installing 1 to 4 seccomp filters of N instructions (default 1) that allow
every system call.  Each fork allocates a kernel stack and each filter a
BPF program, both vmalloc'd.  Linux only, standard library only.

usage: forkseccomp.py SECONDS [N]
"""
import ctypes
import os
import struct
import sys
import time

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
BPF_LD_W_ABS, BPF_RET_K, SECCOMP_RET_ALLOW = 0x20, 0x06, 0x7fff0000


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def main():
    seconds = float(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    libc = ctypes.CDLL(None, use_errno=True)
    # n - 1 loads of the system call number, then "allow".
    code = struct.pack("HBBI", BPF_LD_W_ABS, 0, 0, 0) * (n - 1) + \
        struct.pack("HBBI", BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW)
    buf = ctypes.create_string_buffer(code, len(code))
    prog = SockFprog(n, ctypes.cast(buf, ctypes.c_void_p))
    end = time.monotonic() + seconds
    children = 0
    while time.monotonic() < end:
        pid = os.fork()
        if pid == 0:
            libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            for _ in range(1 + children % 4):
                if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
                              ctypes.byref(prog), 0, 0):
                    os._exit(1)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        if status:
            sys.exit("forkseccomp: a child could not install its filter")
        children += 1
    print("forkseccomp: %d children" % children, file=sys.stderr)


main()
