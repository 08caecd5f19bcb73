/* SPDX-License-Identifier: MIT */
/*
 * vmsim — replay and generate op streams against vmbench's subjects.
 * The dispatcher: a table of subcommands, and the option helpers they
 * share (see vmsim.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vmbench/csv.h>
#include <vmbench/measure.h>

#include "vmsim.h"

static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "vmap", vmsim_vmap_main, "replay a vmap op trace on strategies" },
	{ "gen-vmap", vmsim_gen_vmap_main, "generate a vmap op trace" },
	{ "tlb", vmsim_tlb_main, "translate an access trace through an MMU" },
	{ "trace", vmsim_trace_main, "trace convert: change an access "
	  "trace's format" },
	{ "layout", vmsim_layout_main, "print a kernel address-space layout" },
	{ "vmalloc", vmsim_vmalloc_main, "run a workload on the vmalloc system" },
	{ "proc", vmsim_proc_main, "processes, vmalloc faults and entry syncs" },
	{ "import-kernel", vmsim_import_main, "import a kernel's vmalloc "
	  "capture as an op trace" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	int w = 0;

	for (size_t i = 0; i < NCOMMANDS; i++)
		if ((int)strlen(commands[i].name) > w)
			w = (int)strlen(commands[i].name);
	fprintf(f, "usage: vmsim COMMAND [OPTIONS]   (vmsim COMMAND --help)\n\n"
		   "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-*s  %s\n", w, commands[i].name,
			commands[i].summary);
	fprintf(f, "\nexit status: 0 ok, 1 divergence between strategies, "
		   "2 bad input;\n130/143/129 on SIGINT/SIGTERM/SIGHUP, "
		   "with no -o file left behind\n");
}

int main(int argc, char **argv)
{
	/* An interrupted -o leaves no temporary file: exit 130/143/129. */
	report_catch_signals();
	if (argc < 2) {
		usage(stderr);
		return VMSIM_BAD_INPUT;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return VMSIM_OK;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "vmsim: unknown command '%s' (try vmsim --help)\n",
		argv[1]);
	return VMSIM_BAD_INPUT;
}

void vmsim_args_init(struct vmsim_args *a, int argc, char **argv)
{
	a->argc = argc;
	a->argv = argv;
	a->i = 1;
	a->only_positional = false;
}

bool vmsim_args_next(struct vmsim_args *a, struct vmsim_opt *o)
{
	static char name[64];
	const char *arg, *eq;

	o->name = NULL;
	o->value = NULL;
	o->inline_val = NULL;
	if (a->i >= a->argc)
		return false;
	arg = a->argv[a->i++];
	if (!a->only_positional && !strcmp(arg, "--")) {
		a->only_positional = true;
		return vmsim_args_next(a, o);
	}
	/* "-" alone is a positional: standard input. */
	if (a->only_positional || arg[0] != '-' || !arg[1]) {
		o->value = arg;
		return true;
	}
	eq = strchr(arg, '=');
	if (arg[1] == '-' && eq && (size_t)(eq - arg) < sizeof(name)) {
		memcpy(name, arg, (size_t)(eq - arg));
		name[eq - arg] = '\0';
		o->name = name;
		o->inline_val = eq + 1;
	} else {
		o->name = arg;
	}
	return true;
}

const char *vmsim_value(struct vmsim_args *a, struct vmsim_opt *o)
{
	if (o->inline_val) {
		o->value = o->inline_val;
		o->inline_val = NULL;
		return o->value;
	}
	if (a->i >= a->argc) {
		vmsim_opt_error(o->name, "missing value");
		return NULL;
	}
	o->value = a->argv[a->i++];
	return o->value;
}

int vmsim_opt_error(const char *opt, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", opt);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return VMSIM_BAD_INPUT;
}

bool vmsim_parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

bool vmsim_opt_u64(const char *opt, const char *s, uint64_t *out)
{
	if (vmsim_parse_u64(s, out))
		return true;
	vmsim_opt_error(opt, "'%s' is not an unsigned 64-bit number", s);
	return false;
}

bool vmsim_opt_range(const char *opt, const char *s, uint64_t *start,
		     uint64_t *end)
{
	const char *colon = strchr(s, ':');
	char lo[32];

	if (!colon || (size_t)(colon - s) >= sizeof(lo)) {
		vmsim_opt_error(opt, "'%s' is not START:END", s);
		return false;
	}
	memcpy(lo, s, (size_t)(colon - s));
	lo[colon - s] = '\0';
	if (!vmsim_parse_u64(lo, start) || !vmsim_parse_u64(colon + 1, end)) {
		vmsim_opt_error(opt, "'%s' is not START:END with 64-bit "
				"numbers", s);
		return false;
	}
	if (*start >= *end) {
		vmsim_opt_error(opt, "start %#llx is not below end %#llx",
				(unsigned long long)*start,
				(unsigned long long)*end);
		return false;
	}
	return true;
}

bool vmsim_opt_page_size(const char *opt, const char *s, uint64_t *out)
{
	if (!vmsim_opt_u64(opt, s, out))
		return false;
	if (!*out || *out & (*out - 1)) {
		vmsim_opt_error(opt, "%s is not a power of two", s);
		return false;
	}
	return true;
}

int vmsim_out_open(struct vmsim_out *o, const char *path)
{
	int err;

	o->path = path;
	if (!path) {
		o->fp = stdout;
		return 0;
	}
	err = report_open(&o->rf, path);
	if (err)
		return vmsim_opt_error("-o", "cannot write '%s': %s", path,
				       strerror(-err));
	o->fp = o->rf.fp;
	return 0;
}

int vmsim_out_close(struct vmsim_out *o)
{
	int err;

	if (!o->path) {
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "vmsim: writing output: %s\n",
				strerror(errno));
			return VMSIM_BAD_INPUT;
		}
		return 0;
	}
	err = report_commit(&o->rf);
	if (err)
		return vmsim_opt_error("-o", "cannot write '%s': %s", o->path,
				       strerror(-err));
	return 0;
}

void vmsim_out_abort(struct vmsim_out *o)
{
	if (o->path && o->rf.fp)
		report_abort(&o->rf);
}

int vmsim_csv_open(struct csv **c, const char *path)
{
	int err = csv_open(c, path ? path : "-");

	if (err)
		return vmsim_opt_error("-o", "cannot write '%s': %s",
				       path ? path : "-", strerror(-err));
	return 0;
}

int vmsim_csv_close(struct csv *c, const char *path)
{
	int err = csv_close(c);

	if (err)
		return vmsim_opt_error("-o", "cannot write '%s': %s",
				       path ? path : "<stdout>",
				       strerror(-err));
	return 0;
}

bool vmsim_opt_repetitions(const char *opt, const char *s, unsigned *out)
{
	uint64_t v;

	if (!vmsim_parse_u64(s, &v) || v < 1 || v > MEASURE_MAX_REPETITIONS) {
		vmsim_opt_error(opt, "'%s' is not a count from 1 to %d", s,
				MEASURE_MAX_REPETITIONS);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

int vmsim_u64_table(struct vmsim_args *a, struct vmsim_opt *o,
		    const struct vmsim_u64_opt *tab, size_t n, void *base)
{
	const char *val;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(o->name, tab[i].name))
			continue;
		if (!(val = vmsim_value(a, o)) ||
		    !vmsim_opt_u64(o->name, val,
				   (uint64_t *)((char *)base + tab[i].offset)))
			return -1;
		return 1;
	}
	return 0;
}

FILE *vmsim_open_input(const char *path, const char *shown)
{
	FILE *f;

	if (!strcmp(path, "-"))
		return stdin;
	f = fopen(path, "rb");
	if (!f)
		fprintf(stderr, "%s: cannot open: %s\n", shown, strerror(errno));
	return f;
}

void vmsim_close_input(FILE *f)
{
	if (f != stdin)
		fclose(f);
}

int vmsim_input_error(const char *shown, const struct reason *err)
{
	char buf[512];

	reason_format(err, shown, buf, sizeof(buf));
	fprintf(stderr, "%s\n", buf);
	return VMSIM_BAD_INPUT;
}
