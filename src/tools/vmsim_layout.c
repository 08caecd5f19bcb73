/* SPDX-License-Identifier: MIT */
/*
 * vmsim layout: print a kernel address-space layout the way the kernel's
 * documentation tables do (start, end, size, description), with the
 * page-table slots each region occupies; --tables boots the kernel page
 * table (kspace.h) and prints the page-table pages of each boot step.
 * Text by default, a tidy CSV through csv_* with --csv.  Every option is
 * checked before anything is written.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <vmbench/buddy.h>
#include <vmbench/csv.h>
#include <vmbench/kspace.h>
#include <vmbench/pgtable.h>
#include <vmbench/reason.h>

#include "vmsim.h"

static void layout_usage(FILE *f)
{
	size_t n;
	const struct ks_layout *l = ks_layouts(&n);

	fprintf(f,
"usage: vmsim layout --arch NAME [--kaslr] [--tables] [--ram BYTES]\n"
"                    [--image BYTES] [--no-prealloc] [--csv] [-o FILE]\n"
"       vmsim layout --list\n"
"\n"
"Print the kernel's virtual address-space layout of an architecture as\n"
"its documentation does: start and end address (inclusive), size, the\n"
"root page-table slots the region spans, the level of the largest\n"
"page-table entries that tile it (L0 = last level), and the region.\n"
"Gaps between listed regions are printed as holes.\n"
"\n"
"  --arch NAME      the layout (a page-table geometry), default x86-64-4l\n"
"  --kaslr          x86-64: KERNEL_IMAGE_SIZE 1 GiB (CONFIG_RANDOMIZE_BASE),\n"
"                   modules from 0xffffffffc0000000; nothing is randomised\n"
"  --tables         also boot the kernel page table over a buddy allocator\n"
"                   and print the page-table pages of each boot step\n"
"  --ram BYTES      RAM, a non-zero multiple of 2 MiB, default 4G;\n"
"                   suffixes K M G T (x86-32: also decides high_memory)\n"
"  --image BYTES    kernel image in 2 MiB blocks, default 32M\n"
"  --no-prealloc    x86-64: vmalloc's upper levels on demand (before 5.9)\n"
"  --csv            a CSV through the tidy writer (--tables: the tables)\n"
"  -o FILE          write there, atomically\n"
"  --list           the layouts\n"
"\n"
"layouts:");
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %s", l[i].name);
	fputc('\n', f);
}

struct layout_args {
	const char *arch, *out;
	bool kaslr, tables, csv, list, no_prealloc, image_given;
	uint64_t ram, image;
};

/* A size with an optional K/M/G/T suffix (powers of 1024). */
static bool parse_size(const char *opt, const char *s, uint64_t *out)
{
	char num[32];
	size_t len = strlen(s);
	unsigned shift = 0;
	uint64_t v;

	if (len && len < sizeof(num)) {
		switch (s[len - 1]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		case 'T': case 't': shift = 40; break;
		}
	}
	memcpy(num, s, len < sizeof(num) ? len + 1 : 1);
	if (shift)
		num[len - 1] = '\0';
	if (len >= sizeof(num) || !vmsim_parse_u64(num, &v) ||
	    (shift && v > UINT64_MAX >> shift)) {
		vmsim_opt_error(opt, "'%s' is not a size (bytes, or with K, "
				"M, G, T)", s);
		return false;
	}
	*out = v << shift;
	return true;
}

static int parse_layout_args(int argc, char **argv, struct layout_args *la)
{
	struct vmsim_args a;
	struct vmsim_opt o;
	const char *val;

	memset(la, 0, sizeof(*la));
	la->arch = "x86-64-4l";
	la->ram = 4ULL << 30;
	la->image = 32ULL << 20;
	vmsim_args_init(&a, argc, argv);
	while (vmsim_args_next(&a, &o)) {
		if (!o.name)
			return vmsim_opt_error(o.value, "unexpected argument "
					       "(try vmsim layout --help)");
		if (!strcmp(o.name, "--help") || !strcmp(o.name, "-h")) {
			layout_usage(stdout);
			return -1;
		} else if (!strcmp(o.name, "--kaslr")) {
			la->kaslr = true;
		} else if (!strcmp(o.name, "--tables")) {
			la->tables = true;
		} else if (!strcmp(o.name, "--csv")) {
			la->csv = true;
		} else if (!strcmp(o.name, "--list")) {
			la->list = true;
		} else if (!strcmp(o.name, "--no-prealloc")) {
			la->no_prealloc = true;
		} else if (!strcmp(o.name, "--ram") ||
			   !strcmp(o.name, "--image")) {
			if (!(val = vmsim_value(&a, &o)) ||
			    !parse_size(o.name, val, !strcmp(o.name, "--ram") ?
					&la->ram : &la->image))
				return VMSIM_BAD_INPUT;
			la->image_given |= !strcmp(o.name, "--image");
		} else if (!strcmp(o.name, "--arch")) {
			if (!(la->arch = vmsim_value(&a, &o)))
				return VMSIM_BAD_INPUT;
		} else if (!strcmp(o.name, "-o") ||
			   !strcmp(o.name, "--output")) {
			if (!(la->out = vmsim_value(&a, &o)))
				return VMSIM_BAD_INPUT;
		} else {
			return vmsim_opt_error(o.name, "unknown option (try "
					       "vmsim layout --help)");
		}
		if (o.inline_val)
			return vmsim_opt_error(o.name, "takes no value");
	}
	return 0;
}

/* The option a library reason's field stands for. */
static const char *option_of(const char *what)
{
	static const char *const map[][2] = {
		{ "arch", "--arch" }, { "kaslr", "--kaslr" },
		{ "ram", "--ram" }, { "image", "--image" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(what, map[i][0]))
			return map[i][1];
	return NULL;
}

static int reason_error(const struct reason *r)
{
	const char *opt = option_of(r->what);

	if (opt)
		return vmsim_opt_error(opt, "%s", r->msg);
	fprintf(stderr, "vmsim layout: %s\n", r->msg);
	return VMSIM_BAD_INPUT;
}

/*
 * "128 TB", "1520 MB": the largest unit that divides it while the number
 * stays below 10000; otherwise "~124 TB", rounded in the largest unit
 * (as the kernel's tables write approximate sizes).  @whole: 2^64.
 */
static void fmt_size(char *buf, size_t n, uint64_t bytes, bool whole)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB",
					     "PB", "EB" };
	unsigned u = 0, big = 0;
	uint64_t v = bytes;

	if (whole) {
		snprintf(buf, n, "16 EB");
		return;
	}
	while (u < 6 && v && !(v & 1023)) {
		v >>= 10;
		u++;
	}
	if (v < 10000) {
		snprintf(buf, n, "%" PRIu64 " %s", v, units[u]);
		return;
	}
	while (big < 6 && bytes >> (10 * (big + 1)))
		big++;
	double x = (double)bytes / (double)(1ULL << (10 * big));

	snprintf(buf, n, x < 10 ? "~%.1f %s" : "~%.0f %s", x, units[big]);
}

/* One row to print: a region or a hole. */
struct row {
	uint64_t start, last;
	const char *what;
	const char *kind;
	bool nested;
};

static size_t add_hole(struct row *rows, size_t n, uint64_t from,
		       uint64_t to, uint64_t kernel_half)
{
	/* Split at the start of the upper (kernel) half: below it the
	 * addresses are non-canonical (x86-64, RISC-V) or outside both
	 * translation tables (arm64). */
	if (kernel_half && from < kernel_half && to >= kernel_half - 1 &&
	    from < (1ULL << 63)) {
		rows[n++] = (struct row){ from, kernel_half - 1,
					  "... non-canonical hole", "hole",
					  false };
		if (to < kernel_half)
			return n;
		from = kernel_half;
	}
	rows[n++] = (struct row){ from, to, "... unused hole", "hole", false };
	return n;
}

static size_t rows_of(const struct ks_layout *l, const struct pt_geometry *g,
		      struct row *rows)
{
	uint64_t next = 0, top = UINT64_MAX, half = 0;
	size_t n = 0;
	bool wrapped = false;

	if (g->va_bits <= 32)
		top = (1ULL << g->va_bits) - 1;
	else
		half = ~0ULL << (strncmp(l->name, "arm64", 5) ?
				 g->va_bits - 1 : g->va_bits);
	for (size_t i = 0; i < l->nregions; i++) {
		const struct ks_region *x = &l->regions[i];

		if (i && (wrapped || x->start < next)) {
			rows[n++] = (struct row){ x->start, x->last, x->what,
						  ks_kind_name(x->kind), true };
			continue;
		}
		if (x->start > next)
			n = add_hole(rows, n, next, x->start - 1, half);
		rows[n++] = (struct row){ x->start, x->last, x->what,
					  ks_kind_name(x->kind), false };
		next = x->last + 1;
		wrapped = x->last == UINT64_MAX;
	}
	if (!wrapped && next - 1 < top)
		n = add_hole(rows, n, next, top, 0);
	return n;
}

/* The highest level whose entries tile [start, last]. */
static unsigned entry_level(const struct pt_geometry *g, uint64_t start,
			    uint64_t last)
{
	unsigned best = 0;

	for (unsigned l = 0; l < g->levels; l++) {
		uint64_t m = pt_level_size(g, l) - 1;

		if (!(start & m) && (last & m) == m)
			best = l;
	}
	return best;
}

static int print_layout(FILE *f, struct csv *c, const struct ks_layout *l)
{
	const struct pt_geometry *g = pt_geometry_find(l->name);
	struct row rows[2 * KS_MAX_REGIONS + 3];
	size_t n = rows_of(l, g, rows);
	int width = l->vmalloc_end >> 32 ? 16 : 8;

	if (!c) {
		fprintf(f, "%s: %s%s\n(%s)\n\n", l->name, l->summary,
			l->kaslr ? ", KASLR image size" : "", l->source);
		fprintf(f, "  %*s | %*s | %11s | %-9s | %-5s | %s\n", width,
			"start", width, "end", "size", "root slot", "tiles",
			"region");
	}
	for (size_t i = 0; i < n; i++) {
		const struct row *x = &rows[i];
		char sz[32], a[24], b[24], slots[24], lv[16];
		unsigned r0 = ks_root_index(l, x->start);
		unsigned r1 = ks_root_index(l, x->last);
		bool whole = x->start == 0 && x->last == UINT64_MAX;

		fmt_size(sz, sizeof(sz), x->last - x->start + 1, whole);
		snprintf(a, sizeof(a), "%0*" PRIx64, width, x->start);
		snprintf(b, sizeof(b), "%0*" PRIx64, width, x->last);
		if (!strcmp(x->kind, "hole") && x->what[4] == 'n')
			snprintf(slots, sizeof(slots), "-");
		else if (r0 == r1)
			snprintf(slots, sizeof(slots), "%u", r0);
		else
			snprintf(slots, sizeof(slots), "%u-%u", r0, r1);
		snprintf(lv, sizeof(lv), "L%u", entry_level(g, x->start,
							     x->last));
		if (c) {
			csv_field_str(c, l->name);
			csv_field_u64(c, l->kaslr);
			csv_field_str(c, a);
			csv_field_str(c, b);
			csv_field_u64(c, x->last - x->start + 1);
			csv_field_str(c, x->kind);
			csv_field_str(c, x->what);
			csv_field_str(c, slots);
			csv_field_str(c, lv);
			csv_field_u64(c, x->nested);
			csv_end_row(c);
		} else {
			fprintf(f, "  %s | %s | %11s | %-9s | %-5s | %s%s\n", a,
				b, sz, slots, lv, x->nested ? "  (inside) " : "",
				x->what);
		}
	}
	if (!c) {
		char dm[32];

		fmt_size(dm, sizeof(dm), l->direct_max, false);
		fprintf(f, "\nvmalloc [%#" PRIx64 ", %#" PRIx64 "); direct map "
			"of up to %s at %#" PRIx64 "; kernel _text at %#"
			PRIx64 "%s\n", l->vmalloc_start, l->vmalloc_end, dm,
			l->page_offset, l->kernel_start + l->text_offset,
			l->image_in_direct_map ? " (in the direct map)" : "");
	}
	return 0;
}

static void print_tables(FILE *f, struct csv *c, struct ks_kernel *k,
			 const struct layout_args *la)
{
	const struct ks_layout *l = ks_layout_of(k);
	const struct pt_geometry *g = pt_geometry_find(l->name);
	struct ks_boot_tables t;
	struct buddy_stats bs;
	uint64_t page = 1ULL << g->page_shift;

	ks_boot_tables(k, &t);
	buddy_get_stats(ks_buddy(k), &bs);
	if (!c) {
		fprintf(f, "\nkernel page table (swapper_pg_dir) over %" PRIu64
			" MiB of RAM, %" PRIu64 " MiB image%s:\n\n",
			la->ram >> 20, la->image >> 20,
			l->prealloc_vmalloc ? "" :
			!strncmp(l->name, "x86-64", 6) ?
			", vmalloc tables on demand" : "");
		fprintf(f, "  %-17s %6s %9s  per level (L%u..L0)\n", "step",
			"pages", "KiB", g->levels - 1u);
	}
	for (unsigned s = 0; s <= KS_STEP_COUNT; s++) {
		bool total = s == KS_STEP_COUNT;
		uint64_t pages = total ? t.total : t.pages[s];
		uint64_t lv[5] = { 0 };

		for (unsigned i = 0; i < g->levels; i++)
			for (unsigned x = 0; x < KS_STEP_COUNT; x++)
				if (total || x == s)
					lv[i] += t.by_level[x][i];
		if (c) {
			csv_field_str(c, l->name);
			csv_field_u64(c, l->kaslr);
			csv_field_u64(c, la->ram);
			csv_field_str(c, total ? "total" : ks_step_name(s));
			csv_field_u64(c, pages);
			csv_field_u64(c, pages * page);
			for (unsigned i = 0; i < 5; i++) {
				if (i < g->levels)
					csv_field_u64(c, lv[i]);
				else
					csv_field_na(c);
			}
			csv_end_row(c);
			continue;
		}
		fprintf(f, "  %-17s %6" PRIu64 " %9" PRIu64 " ",
			total ? "total" : ks_step_name(s), pages,
			pages * page >> 10);
		for (unsigned i = g->levels; i-- > 0;)
			fprintf(f, " %" PRIu64, lv[i]);
		fputc('\n', f);
	}
	if (!c) {
		fprintf(f, "\ndirect map: %" PRIu64 " MiB in", t.direct_mapped >> 20);
		for (unsigned i = g->levels; i-- > 0;)
			if (t.direct_leaves[i])
				fprintf(f, " %" PRIu64 " x L%u", t.direct_leaves[i], i);
		fprintf(f, " leaves; buddy: %" PRIu64 " of %" PRIu64
			" frames free after boot\nfree blocks per order "
			"(buddyinfo):", bs.free_frames, bs.frames);
		for (unsigned o = 0; o <= bs.max_order; o++)
			fprintf(f, " %" PRIu64, bs.free_blocks[o]);
		fputc('\n', f);
	}
}

int vmsim_layout_main(int argc, char **argv)
{
	struct layout_args la;
	struct ks_layout l;
	struct ks_kernel *k = NULL;
	struct reason r;
	struct vmsim_out out;
	struct csv *c = NULL;
	int ret = parse_layout_args(argc, argv, &la);

	if (ret)
		return ret < 0 ? VMSIM_OK : ret;
	if (la.list) {
		size_t n;
		const struct ks_layout *all = ks_layouts(&n);

		for (size_t i = 0; i < n; i++)
			printf("%-14s %s\n", all[i].name, all[i].summary);
		return VMSIM_OK;
	}
	/* ks_boot()'s rule, also where only x86-32's high_memory uses it. */
	if (!la.ram || la.ram % (2ULL << 20))
		return vmsim_opt_error("--ram", "RAM must be a non-zero "
				       "multiple of 2 MiB");
	reason_clear(&r);
	if (ks_layout_get(la.arch, la.kaslr, PT_MEM_BASE + la.ram, &l, &r))
		return reason_error(&r);
	if (la.no_prealloc && !la.tables)
		return vmsim_opt_error("--no-prealloc", "only with --tables");
	if (la.image_given && !la.tables)
		return vmsim_opt_error("--image", "only with --tables");
	if (la.tables) {
		struct ks_config cfg;

		ks_config_default(&cfg);
		cfg.arch = la.arch;
		cfg.kaslr = la.kaslr;
		cfg.ram_bytes = la.ram;
		cfg.image_bytes = la.image;
		cfg.no_prealloc = la.no_prealloc;
		if (ks_boot(&k, &cfg, &r))
			return reason_error(&r);
	}
	if (la.csv) {
		ret = vmsim_csv_open(&c, la.out);
		if (ret)
			goto done;
		if (la.tables) {
			static const char *const hdr[] = {
				"arch", "kaslr", "ram_bytes", "step",
				"table_pages", "table_bytes", "l0", "l1",
				"l2", "l3", "l4" };

			for (size_t i = 0; i < sizeof(hdr) / sizeof(*hdr); i++)
				csv_field_str(c, hdr[i]);
			csv_end_row(c);
			print_tables(NULL, c, k, &la);
		} else {
			static const char *const hdr[] = {
				"arch", "kaslr", "start", "end", "size_bytes",
				"kind", "region", "root_slots", "tiles",
				"nested" };

			for (size_t i = 0; i < sizeof(hdr) / sizeof(*hdr); i++)
				csv_field_str(c, hdr[i]);
			csv_end_row(c);
			print_layout(NULL, c, &l);
		}
		ret = vmsim_csv_close(c, la.out);
		goto done;
	}
	ret = vmsim_out_open(&out, la.out);
	if (ret)
		goto done;
	print_layout(out.fp, NULL, k ? ks_layout_of(k) : &l);
	if (k)
		print_tables(out.fp, NULL, k, &la);
	ret = vmsim_out_close(&out);
done:
	ks_shutdown(k);
	return ret;
}
