/* SPDX-License-Identifier: MIT */
/*
 * kcapture — import a capture of a real kernel's vmalloc activity into a
 * vmap op trace (workload.h).
 *
 * A capture is two texts: a /proc/vmallocinfo snapshot (real addresses:
 * "0xSTART-0xEND SIZE caller...", lazily freed areas as "unpurged vm_area")
 * and the tracefs `trace` text of the events vmalloc:alloc_vmap_area,
 * vmalloc:free_vmap_area_noflush and vmalloc:purge_vmap_area_lazy, with
 * the trace_marker lines SNAP_BEGIN and SNAP_END written around the
 * snapshot.  The trace may begin before SNAP_BEGIN.
 *
 * The op trace: first the snapshot's areas, in its order, each as an
 * allocation whose window is exactly the area (a <id> SIZE PAGE START END),
 * followed by "f <id>" when it was lazily freed; then every event after
 * SNAP_END (and those between the markers, see below) in timestamp order:
 * allocations with their CPU, size, align and window (vend rounded up to a
 * page: the kernel passes VMALLOC_END, an inclusive bound) and the
 * kernel's address as at=; frees with their CPU and the kernel's nr_lazy
 * as lazy=; purges with their CPU.
 *
 * Hidden state, counted, never guessed:
 *   - the CPU of a snapshot area is known only when the trace before
 *     SNAP_BEGIN shows its allocation (then cpu= is given);
 *   - a free of an area that is neither in the snapshot nor allocated
 *     after it is left out (unknown_frees);
 *   - an event between the markers may or may not be in the snapshot: an
 *     allocation of an area the snapshot lists, or a free of one it does
 *     not, is left out (during_skipped);
 *   - failed allocations (failed=1) are left out (failed_allocs).
 * Other events and other trace_marker text are skipped (other_events).
 * The library never prints.
 */
#ifndef VMBENCH_KCAPTURE_H
#define VMBENCH_KCAPTURE_H

#include <stdint.h>
#include <stdio.h>

struct reason;
struct wl_vmap_trace;

struct kcap_counts {
	uint64_t busy, lazy;          /* snapshot areas: busy, unpurged */
	uint64_t cpu_known;           /* of them, CPU learnt from the trace */
	uint64_t pre_events;          /* events before SNAP_BEGIN */
	uint64_t during_events;       /* events between the markers */
	uint64_t during_skipped;      /* of them, left out (see above) */
	uint64_t allocs, frees, purges;  /* imported after the snapshot */
	uint64_t failed_allocs;       /* failed=1, left out */
	uint64_t unknown_frees;       /* frees of areas not known, left out */
	uint64_t other_events;        /* other events, skipped */
};

/* Which input an error is about. */
enum kcap_input {
	KCAP_SNAPSHOT,
	KCAP_TRACE,
};

/*
 * Read the snapshot @snap and the trace @trace to their ends and append
 * the op trace to @out (pages of @page_size bytes).  -EINVAL with @err
 * at the line (0: the input as a whole, e.g. a missing marker) and
 * *@bad naming the input: a malformed line, a line cut short (an input
 * must end in a newline: a truncated capture does not), a marker missing
 * or twice, an area listed twice in the snapshot (overlaps are the
 * replay's to find); -ENOMEM; -EIO when a read
 * fails.  Counts into @c.
 */
int kcap_import(FILE *snap, FILE *trace, uint64_t page_size,
		struct wl_vmap_trace *out, struct kcap_counts *c,
		enum kcap_input *bad, struct reason *err);

#endif /* VMBENCH_KCAPTURE_H */
