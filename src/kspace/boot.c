/* SPDX-License-Identifier: MIT */
/*
 * The kernel page table built as the kernel builds it at boot (see
 * ks_boot() in kspace.h for the steps).  Every table page comes from the
 * buddy through the pgtable memory's frame source; the page-table pages
 * of each step are what pt_get_stats() counts before and after it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/buddy.h>
#include <vmbench/kspace.h>
#include <vmbench/pgtable.h>
#include <vmbench/reason.h>

#define IMAGE_CHUNK (2ULL << 20)

struct ks_kernel {
	struct ks_layout layout;
	const struct pt_geometry *g;
	struct buddy *buddy;
	struct pt_mem *mem;
	struct pt *pt;
	uint64_t *image;         /* physical address of each 2 MiB block */
	size_t nimage;
	unsigned image_order;
	struct ks_boot_tables t;
};

static const char *const step_names[KS_STEP_COUNT] = {
	[KS_STEP_ROOT] = "root", [KS_STEP_DIRECT_MAP] = "direct-map",
	[KS_STEP_KERNEL_IMAGE] = "kernel-image", [KS_STEP_FIXMAP] = "fixmap",
	[KS_STEP_PKMAP] = "pkmap", [KS_STEP_VMALLOC] = "vmalloc-prealloc",
};

const char *ks_step_name(unsigned step)
{
	return step < KS_STEP_COUNT ? step_names[step] : "?";
}

void ks_config_default(struct ks_config *c)
{
	memset(c, 0, sizeof(*c));
	c->arch = "x86-64-4l";
	c->ram_bytes = 4ULL << 30;
	c->image_bytes = 32ULL << 20;
}

/* Record the tables created since *before as step @s. */
static void account(struct ks_kernel *k, unsigned s, struct pt_stats *before)
{
	struct pt_stats now;

	pt_get_stats(k->pt, &now);
	for (unsigned l = 0; l < k->g->levels; l++) {
		k->t.by_level[s][l] += now.tables[l] - before->tables[l];
		if (s == KS_STEP_DIRECT_MAP)
			k->t.direct_leaves[l] += now.leaves[l] -
						 before->leaves[l];
	}
	k->t.pages[s] += now.frames - before->frames;
	k->t.total += now.frames - before->frames;
	*before = now;
}

static int boot_direct_map(struct ks_kernel *k, uint64_t ram_top)
{
	const struct ks_layout *l = &k->layout;
	uint32_t prot = PT_PROT_READ | PT_PROT_WRITE | PT_PROT_GLOBAL;
	uint64_t end = ram_top < l->direct_max ? ram_top : l->direct_max;
	uint64_t start = PT_MEM_BASE;
	int err;

	if (!strncmp(l->name, "x86", 3)) {
		/*
		 * init_mem_mapping(): from physical 0, the ISA range and the
		 * head up to the first large page with 4K pages, then the
		 * largest leaves.
		 */
		uint64_t big = pt_level_size(k->g, 1);
		uint64_t head = end < big ? end : big;

		err = pt_map(k->pt, l->page_offset, 0, head, prot, 0);
		if (!err && head < end)
			err = pt_map(k->pt, l->page_offset + head, head,
				     end - head, prot, PT_MAP_HUGE);
		start = 0;
	} else {
		err = pt_map(k->pt, l->page_offset + start, start,
			     end - start, prot, PT_MAP_HUGE);
	}
	if (!err)
		k->t.direct_mapped = end - start;
	return err;
}

static int boot_image(struct ks_kernel *k, uint64_t bytes)
{
	const struct ks_layout *l = &k->layout;
	uint32_t prot = PT_PROT_READ | PT_PROT_EXEC | PT_PROT_GLOBAL;
	size_t n = (size_t)(bytes / IMAGE_CHUNK);
	int err;

	k->image = calloc(n ? n : 1, sizeof(*k->image));
	if (!k->image)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		err = buddy_alloc(k->buddy, k->image_order, &k->image[i]);
		if (err)
			return err;
		k->nimage++;
		if (l->image_in_direct_map)
			continue;
		err = pt_map(k->pt, l->kernel_start + l->text_offset +
			     i * IMAGE_CHUNK, k->image[i], IMAGE_CHUNK, prot,
			     PT_MAP_HUGE | PT_MAP_CONT);
		if (err)
			return err;
	}
	k->t.image_frames = (uint64_t)n << k->image_order;
	return 0;
}

/* The tables at level 0 for every level-1 entry of [start, end). */
static int populate_ptes(struct ks_kernel *k, uint64_t start, uint64_t end)
{
	uint64_t span = pt_level_size(k->g, 1);

	for (uint64_t va = start & ~(span - 1); va < end; va += span) {
		int err = pt_populate(k->pt, va, 0, NULL);

		if (err)
			return err;
		if (va + span < va)
			break;
	}
	return 0;
}

/* preallocate_vmalloc_pages(): the table below the root for every root
 * entry of the vmalloc area. */
static int prealloc_vmalloc(struct ks_kernel *k)
{
	unsigned top = k->g->levels - 1u;
	uint64_t span = pt_level_size(k->g, top);
	const struct ks_layout *l = &k->layout;

	for (uint64_t va = l->vmalloc_start; va < l->vmalloc_end;
	     va = (va | (span - 1)) + 1) {
		int err = pt_populate(k->pt, va, top - 1, NULL);

		if (err)
			return err;
		if ((va | (span - 1)) == UINT64_MAX)
			break;
	}
	return 0;
}

static int fail(struct ks_kernel *k, int err, struct reason *r,
		const char *what, const char *msg)
{
	ks_shutdown(k);
	if (!*what)
		return reason_fail(r, err, 0, "%s", msg);
	return reason_fail_opt(r, err, what, "%s", msg);
}

int ks_boot(struct ks_kernel **out, const struct ks_config *c,
	    struct reason *r)
{
	struct ks_kernel *k;
	struct pt_stats st;
	uint64_t ram_top;
	unsigned max_order;
	int err;

	k = calloc(1, sizeof(*k));
	if (!k)
		return reason_fail(r, -ENOMEM, 0, "out of memory");
	err = ks_layout_get(c->arch ? c->arch : "", c->kaslr,
			    PT_MEM_BASE + c->ram_bytes, &k->layout, r);
	if (err) {
		free(k);
		return err;
	}
	k->g = pt_geometry_find(k->layout.name);
	if (!k->g)
		return fail(k, -ENOENT, r, "arch", "no geometry for the layout");
	/* RAM from PT_MEM_BASE below 2^pa_bits (and 4 PiB, a host limit). */
	uint64_t ram_max = ((k->g->pa_bits < 52 ? 1ULL << k->g->pa_bits
						 : 1ULL << 52) - PT_MEM_BASE) &
			   ~(IMAGE_CHUNK - 1);
	if (!c->ram_bytes || c->ram_bytes % IMAGE_CHUNK ||
	    c->ram_bytes > ram_max) {
		char msg[128];

		snprintf(msg, sizeof(msg), "RAM must be a non-zero multiple "
			 "of 2 MiB, at most %llu MiB on %s",
			 (unsigned long long)(ram_max >> 20), k->layout.name);
		return fail(k, -EINVAL, r, "ram", msg);
	}
	if (c->image_bytes % IMAGE_CHUNK ||
	    c->image_bytes > k->layout.kernel_size - k->layout.text_offset ||
	    c->image_bytes >= c->ram_bytes)
		return fail(k, -EINVAL, r, "image",
			    "the kernel image must be a multiple of 2 MiB that "
			    "fits its mapping and RAM");
	max_order = c->max_order;
	if (!max_order)
		max_order = k->g->page_shift == 16 ? 13 :
			    k->g->page_shift == 14 ? 11 : 10;
	k->image_order = 21u - k->g->page_shift;
	if (max_order > BUDDY_ORDER_LIMIT || max_order < k->image_order)
		return fail(k, -EINVAL, r, "max-order",
			    "the largest order must hold a 2 MiB block and "
			    "be at most 20");
	ram_top = PT_MEM_BASE + c->ram_bytes;
	err = buddy_create(&k->buddy, PT_MEM_BASE,
			   c->ram_bytes >> k->g->page_shift, k->g->page_shift,
			   max_order);
	if (!err)
		err = buddy_pt_mem_create(k->buddy, &k->mem);
	if (!err)
		err = pt_create(&k->pt, k->g, k->mem);
	if (err)
		return fail(k, err, r, "", "out of memory creating RAM");
	memset(&st, 0, sizeof(st));
	account(k, KS_STEP_ROOT, &st);

	err = boot_direct_map(k, ram_top);
	account(k, KS_STEP_DIRECT_MAP, &st);
	if (err)
		return fail(k, err, r, "", "the direct map could not be built");
	err = boot_image(k, c->image_bytes);
	account(k, KS_STEP_KERNEL_IMAGE, &st);
	if (err)
		return fail(k, err, r, "image",
			    "the kernel image could not be placed");
	err = populate_ptes(k, k->layout.fixmap_pt_start,
			    k->layout.fixmap_pt_end);
	account(k, KS_STEP_FIXMAP, &st);
	if (!err && k->layout.pkmap_start)
		err = populate_ptes(k, k->layout.pkmap_start,
				    k->layout.pkmap_end);
	account(k, KS_STEP_PKMAP, &st);
	if (!err && k->layout.prealloc_vmalloc && !c->no_prealloc)
		err = prealloc_vmalloc(k);
	account(k, KS_STEP_VMALLOC, &st);
	if (err)
		return fail(k, err, r, "", "boot page tables could not be built");
	if (c->no_prealloc)
		k->layout.prealloc_vmalloc = false;
	*out = k;
	return 0;
}

void ks_shutdown(struct ks_kernel *k)
{
	if (!k)
		return;
	pt_destroy(k->pt);
	for (size_t i = 0; i < k->nimage; i++)
		(void)buddy_free(k->buddy, k->image[i], k->image_order);
	free(k->image);
	pt_mem_destroy(k->mem);
	buddy_destroy(k->buddy);
	free(k);
}

const struct ks_layout *ks_layout_of(const struct ks_kernel *k)
{
	return &k->layout;
}

struct pt *ks_pt(struct ks_kernel *k) { return k->pt; }
struct buddy *ks_buddy(struct ks_kernel *k) { return k->buddy; }
struct pt_mem *ks_mem(struct ks_kernel *k) { return k->mem; }

void ks_boot_tables(const struct ks_kernel *k, struct ks_boot_tables *t)
{
	*t = k->t;
}
