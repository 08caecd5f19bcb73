/* SPDX-License-Identifier: MIT */
/*
 * vmsim import-kernel: a real kernel's vmalloc capture (a /proc/vmallocinfo
 * snapshot and the tracefs trace text) into a vmap op trace
 * (kcapture.h does the work).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vmbench/kcapture.h>
#include <vmbench/reason.h>
#include <vmbench/vmap.h>
#include <vmbench/workload.h>

#include "vmsim.h"

static void import_usage(FILE *f)
{
	fprintf(f,
"usage: vmsim import-kernel SNAPSHOT TRACE [-o FILE] [--page-size N]\n"
"\n"
"Convert a capture of a kernel's vmalloc activity (scripts/capture-vmalloc:\n"
"the vmallocinfo snapshot and the trace text, with the trace_marker lines\n"
"SNAP_BEGIN and SNAP_END around the snapshot) into an op trace: the\n"
"snapshot's areas as fixed allocations (lazily freed ones freed at once),\n"
"then every allocation (cpu=, the kernel's address as at=), free (cpu=,\n"
"the kernel's nr_lazy as lazy=) and purge after the snapshot, in timestamp\n"
"order.  Replay it with vmsim vmalloc --replay FILE.\n"
"\n"
"  -o FILE          write to FILE atomically (default: stdout)\n"
"  --page-size N    bytes (default 4096)\n"
"\n"
"The counts (and what was left out as unknowable) are the trace's first\n"
"comment lines.  A malformed or truncated capture: FILE:LINE: reason,\n"
"exit 2, nothing written.\n");
}

int vmsim_import_main(int argc, char **argv)
{
	const char *paths[2] = { NULL, NULL }, *path = NULL, *val;
	uint64_t page = VMAP_DEFAULT_PAGE;
	struct wl_vmap_trace t = { 0 };
	struct kcap_counts c;
	enum kcap_input bad;
	struct reason err = { 0 };
	struct vmsim_args a;
	struct vmsim_opt o;
	struct vmsim_out out = { 0 };
	FILE *f[2] = { NULL, NULL };
	int npos = 0, ret;

	vmsim_args_init(&a, argc, argv);
	while (vmsim_args_next(&a, &o)) {
		if (!o.name) {
			if (npos == 2)
				return vmsim_opt_error(o.value, "unexpected "
					"argument (try vmsim import-kernel "
					"--help)");
			paths[npos++] = o.value;
			continue;
		}
		if (!strcmp(o.name, "--help") || !strcmp(o.name, "-h")) {
			import_usage(stdout);
			return VMSIM_OK;
		} else if (!strcmp(o.name, "-o") || !strcmp(o.name, "--output")) {
			if (!(path = vmsim_value(&a, &o)))
				return VMSIM_BAD_INPUT;
		} else if (!strcmp(o.name, "--page-size")) {
			if (!(val = vmsim_value(&a, &o)) ||
			    !vmsim_opt_page_size(o.name, val, &page))
				return VMSIM_BAD_INPUT;
		} else {
			return vmsim_opt_error(o.name, "unknown option (try "
					       "vmsim import-kernel --help)");
		}
		if (o.inline_val)
			return vmsim_opt_error(o.name, "takes no value");
	}
	if (npos < 2)
		return vmsim_opt_error("import-kernel", "SNAPSHOT and TRACE "
				       "required (try vmsim import-kernel "
				       "--help)");
	for (int i = 0; i < 2; i++) {
		f[i] = vmsim_open_input(paths[i], paths[i]);
		if (!f[i]) {
			if (i)
				vmsim_close_input(f[0]);
			return VMSIM_BAD_INPUT;
		}
	}
	ret = kcap_import(f[0], f[1], page, &t, &c, &bad, &err);
	vmsim_close_input(f[0]);
	vmsim_close_input(f[1]);
	if (ret) {
		wl_vmap_trace_free(&t);
		return vmsim_input_error(paths[bad == KCAP_SNAPSHOT ? 0 : 1],
					 &err);
	}
	ret = vmsim_out_open(&out, path);
	if (ret) {
		wl_vmap_trace_free(&t);
		return ret;
	}
	fprintf(out.fp,
		"# vmsim import-kernel %s %s: %zu ops\n"
		"# snapshot: %llu busy, %llu lazily freed areas (CPU known "
		"for %llu)\n"
		"# trace: %llu events before SNAP_BEGIN, %llu between the "
		"markers (%llu left out: in the snapshot or not), after:\n"
		"# %llu allocations, %llu frees, %llu purges; left out: %llu "
		"failed allocations, %llu frees of unknown areas, %llu other "
		"events\n",
		paths[0], paths[1], t.n,
		(unsigned long long)c.busy, (unsigned long long)c.lazy,
		(unsigned long long)c.cpu_known,
		(unsigned long long)c.pre_events,
		(unsigned long long)c.during_events,
		(unsigned long long)c.during_skipped,
		(unsigned long long)c.allocs, (unsigned long long)c.frees,
		(unsigned long long)c.purges,
		(unsigned long long)c.failed_allocs,
		(unsigned long long)c.unknown_frees,
		(unsigned long long)c.other_events);
	ret = wl_vmap_write(out.fp, t.ops, t.n);
	wl_vmap_trace_free(&t);
	if (ret) {
		fprintf(stderr, "vmsim: writing the trace: %s\n",
			strerror(-ret));
		vmsim_out_abort(&out);
		return VMSIM_BAD_INPUT;
	}
	return vmsim_out_close(&out);
}
