#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Workload for scripts/capture-vmalloc: create and close COUNT BPF array
maps of ENTRIES 8-byte values, PAUSE seconds apart.  A large map's values
are vmalloc'd (about ENTRIES * 8 bytes) and freed lazily when it is
closed, so a few of them push the kernel's lazy-free counter past its
limit and cause a purge.  Needs root (CAP_BPF); x86-64 system call number.

usage: bpfmaps.py COUNT ENTRIES PAUSE
"""
import ctypes
import os
import struct
import sys
import time

SYS_BPF, BPF_MAP_CREATE, BPF_MAP_TYPE_ARRAY = 321, 0, 2


def main():
    count, entries, pause = (int(sys.argv[1]), int(sys.argv[2]),
                             float(sys.argv[3]))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    # union bpf_attr for BPF_MAP_CREATE: map_type, key_size, value_size,
    # max_entries, map_flags; the rest zero.
    attr = ctypes.create_string_buffer(
        struct.pack("IIIII", BPF_MAP_TYPE_ARRAY, 4, 8, entries, 0) +
        b"\0" * 100)
    for _ in range(count):
        fd = libc.syscall(SYS_BPF, BPF_MAP_CREATE, attr, 120)
        if fd < 0:
            sys.exit("bpfmaps: bpf(BPF_MAP_CREATE): " +
                     os.strerror(ctypes.get_errno()))
        os.close(fd)
        time.sleep(pause)


main()
