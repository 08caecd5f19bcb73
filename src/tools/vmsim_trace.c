/* SPDX-License-Identifier: MIT */
/*
 * vmsim trace convert: read a memory-access trace in one format (plain or
 * compressed, a file or standard input) and write it in another, through
 * the format table's readers and writers, a batch at a time (memory does
 * not grow with the trace).  The output is written atomically (-o rules
 * of vmsim.h), so a bad input leaves nothing behind.
 */
#include <string.h>

#include <vmbench/source.h>
#include <vmbench/workload.h>

#include "vmsim.h"

static void format_names(FILE *f, bool writers)
{
	size_t n, k = 0, m = 0;
	const struct wl_trace_format *const *fmts = wl_trace_formats(&n);

	for (size_t i = 0; i < n; i++)
		m += writers ? fmts[i]->write != NULL : fmts[i]->parse != NULL;
	for (size_t i = 0; i < n; i++) {
		if (writers ? !fmts[i]->write : !fmts[i]->parse)
			continue;
		fprintf(f, "%s%s", k == 0 ? "" : k + 1 == m ? " or " : ", ",
			fmts[i]->name);
		k++;
	}
}

static void convert_usage(FILE *f)
{
	size_t n;
	const struct wl_trace_format *const *fmts = wl_trace_formats(&n);

	fprintf(f,
"usage: vmsim trace convert IN OUT --from FORMAT --to FORMAT [--threads N]\n"
"\n"
"Convert the memory-access trace IN (a file or - for standard input;\n"
"plain, gzip, xz or zstd, recognised by its first bytes) from one trace\n"
"format to another, into OUT (- for standard output; a file is written\n"
"atomically).  Text written by vmsim's writers converts to vmb and back\n"
"byte for byte.  Lackey's M lines become a load and a store.\n"
"\n"
"  --from FORMAT   the format of IN\n"
"  --to FORMAT     the format of OUT\n"
"  --threads N     1: read and write on one thread; 2 (default): read and\n"
"                  parse on a second thread\n"
"\n"
"formats:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-8s %s%s\n", fmts[i]->name, fmts[i]->summary,
			!fmts[i]->write ? " (no writer)" :
			!fmts[i]->parse ? " (no reader)" : "");
	fprintf(f, "\nErrors: 'FILE:LINE: reason' or '--option: reason' on "
		"stderr, exit 2.\n");
}

static int find_format(const char *opt, const char *name, bool writer,
		       const struct wl_trace_format **out)
{
	*out = wl_trace_format_find(name);
	if (!*out) {
		fprintf(stderr, "%s: unknown format '%s' (", opt, name);
		format_names(stderr, writer);
		fputs(")\n", stderr);
		return VMSIM_BAD_INPUT;
	}
	if (writer ? !(*out)->write : !(*out)->parse)
		return vmsim_opt_error(opt, "the %s format has no %s", name,
				       writer ? "writer" : "reader");
	return 0;
}

static int convert_main(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *from = NULL, *to = NULL, *val;
	const struct wl_trace_format *ifmt, *ofmt;
	struct wl_access_reader *rd = NULL;
	struct wl_access_writer w;
	struct source *src = NULL;
	struct reason err = { 0 };
	const struct wl_access *a;
	struct vmsim_out o;
	struct vmsim_args args;
	struct vmsim_opt opt;
	const char *shown;
	unsigned threads = 2;
	long n;
	int ret;

	vmsim_args_init(&args, argc, argv);
	while (vmsim_args_next(&args, &opt)) {
		if (!opt.name) {
			if (!in)
				in = opt.value;
			else if (!out)
				out = opt.value;
			else
				return vmsim_opt_error(opt.value, "unexpected "
					"argument (try vmsim trace convert "
					"--help)");
			continue;
		}
		if (!strcmp(opt.name, "--help") || !strcmp(opt.name, "-h")) {
			convert_usage(stdout);
			return VMSIM_OK;
		} else if (!strcmp(opt.name, "--from") ||
			   !strcmp(opt.name, "--to")) {
			if (!(val = vmsim_value(&args, &opt)))
				return VMSIM_BAD_INPUT;
			*(!strcmp(opt.name, "--from") ? &from : &to) = val;
		} else if (!strcmp(opt.name, "--threads")) {
			if (!(val = vmsim_value(&args, &opt)))
				return VMSIM_BAD_INPUT;
			if (strcmp(val, "1") && strcmp(val, "2"))
				return vmsim_opt_error(opt.name, "'%s' is not 1 "
						       "or 2", val);
			threads = (unsigned)(val[0] - '0');
		} else {
			return vmsim_opt_error(opt.name, "unknown option (try "
					       "vmsim trace convert --help)");
		}
		if (opt.inline_val)
			return vmsim_opt_error(opt.name, "takes no value");
	}
	if (!in || !out)
		return vmsim_opt_error("convert", "needs IN and OUT (try vmsim "
				       "trace convert --help)");
	if (!from) {
		fputs("--from: required: ", stderr);
		format_names(stderr, false);
		fputc('\n', stderr);
		return VMSIM_BAD_INPUT;
	}
	if (!to) {
		fputs("--to: required: ", stderr);
		format_names(stderr, true);
		fputc('\n', stderr);
		return VMSIM_BAD_INPUT;
	}
	if ((ret = find_format("--from", from, false, &ifmt)) ||
	    (ret = find_format("--to", to, true, &ofmt)))
		return ret;
	shown = strcmp(in, "-") ? in : "<stdin>";
	if (source_open(&src, in, NULL, &err))
		return vmsim_input_error(shown, &err);
	if (wl_access_reader_open(&rd, ifmt, src, threads == 2, &err)) {
		ret = vmsim_input_error(shown, &err);
		goto out;
	}
	if ((ret = vmsim_out_open(&o, strcmp(out, "-") ? out : NULL)))
		goto out;
	if (wl_access_writer_begin(&w, o.fp, ofmt, &err))
		goto write_error;
	while ((n = wl_access_reader_next(rd, &a, &err)) > 0)
		if (wl_access_writer_put(&w, a, (size_t)n, &err))
			goto write_error;
	if (n < 0) {
		ret = vmsim_input_error(shown, &err);
		vmsim_out_abort(&o);
		goto out;
	}
	ret = vmsim_out_close(&o);
	goto out;
write_error:
	ret = vmsim_opt_error("OUT", "%s", err.msg);
	vmsim_out_abort(&o);
out:
	wl_access_reader_close(rd);
	source_close(src);
	return ret;
}

int vmsim_trace_main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc < 2 ? stderr : stdout, "usage: vmsim trace "
			"convert IN OUT --from FORMAT --to FORMAT\n"
			"(vmsim trace convert --help)\n");
		return argc < 2 ? VMSIM_BAD_INPUT : VMSIM_OK;
	}
	if (!strcmp(argv[1], "convert"))
		return convert_main(argc - 1, argv + 1);
	fprintf(stderr, "vmsim trace: unknown command '%s' (convert)\n",
		argv[1]);
	return VMSIM_BAD_INPUT;
}
