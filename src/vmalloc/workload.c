/* SPDX-License-Identifier: MIT */
/*
 * Op streams for the vmalloc system and their replay (vmalloc.h,
 * "workloads").
 *
 * The address-only workloads of workload.h are generated there (its one
 * list of test_vmalloc tests) and converted: "a id size align" becomes an
 * allocation of size minus the guard page, "l id" a touch (with --touch;
 * the kernel test writes to the area), "f id" a free.  Ids are re-numbered
 * densely, per CPU stream.
 *
 * Conventions: @p the parameters, @o the ops being built, @pg the page.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/reason.h>
#include <vmbench/rng.h>
#include <vmbench/vmalloc.h>
#include <vmbench/vmap.h>
#include <vmbench/workload.h>

static const struct vmalloc_workload workloads[] = {
	{ "fix_size", "vmalloc --pages pages, touch, vfree; --loops times" },
	{ "full_fit", "fls(--cpus)*32MiB/page 1-page holes, then 1-page "
	  "vmalloc/touch/vfree; --loops" },
	{ "long_busy_list", "15000 1-page areas live, then 100+1 pages "
	  "vmalloc/touch/vfree; --loops" },
	{ "random_size", "1..100 pages vmalloc/touch/vfree; --loops" },
	{ "fix_align", "5 pages aligned to 32 KiB vmalloc/vfree; --loops" },
	{ "random_size_align", "1..10 pages aligned to 2^(0..22) "
	  "vmalloc/vfree; --loops" },
	{ "align_shift", "1 page at alignments 2^0..2^63 (large ones fail); "
	  "--loops" },
	{ "kvfree", "vmalloc 1 page, touch, kvfree (kvfree_rcu without the "
	  "grace period); --loops" },
	{ "kvmalloc", "kvmalloc 1 byte..--pages pages (log-uniform), touch, "
	  "kvfree; --loops" },
	{ "vm_map_ram", "--pages pages taken once, then vm_map_ram, touch, "
	  "vm_unmap_ram of them; --loops" },
	{ "hot_churn", "16 areas of 8 pages kept and touched by every CPU in "
	  "turn while --pages-page areas churn; --loops" },
	{ "sequential", "test_vmalloc.sh performance: fix_size, full_fit, "
	  "long_busy_list, random_size, fix_align, random_size_align, "
	  "align_shift in turn on one system, 3 repeats, each test freeing "
	  "what it kept; --loops each" },
	{ "pcpu", "35000 per-CPU objects of 1..page/4 bytes aligned to "
	  "2^(1..11), packed into chunks of cpus x 64 pages, then freed; "
	  "--loops times" },
};

#define NWORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

const struct vmalloc_workload *vmalloc_workloads(size_t *count)
{
	*count = NWORKLOADS;
	return workloads;
}

void vmalloc_gen_defaults(struct vmalloc_gen_params *p)
{
	*p = (struct vmalloc_gen_params){
		.seed = 1, .loops = 1000, .pages = 1, .cpus = 1,
		.start = VMAP_DEFAULT_START, .end = VMAP_DEFAULT_END,
		.page_size = VMAP_DEFAULT_PAGE,
	};
}

void vmalloc_ops_free(struct vmalloc_ops *o)
{
	free(o->ops);
	memset(o, 0, sizeof(*o));
}

static int push(struct vmalloc_ops *o, const struct vmalloc_op *op)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 1024;
		struct vmalloc_op *n = realloc(o->ops, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		o->ops = n;
		o->cap = cap;
	}
	o->ops[o->n++] = *op;
	if (op->id >= o->ids)
		o->ids = op->id + 1;
	return 0;
}

/* One CPU's stream of a workload, before interleaving. */
struct stream {
	struct vmalloc_ops o;
	size_t next;
};

/*
 * Map the ids of one wl_vmap trace to dense ids: live[id] holds the dense
 * id of a live trace id (ids of the trace are reused after a free).
 */
struct idmap {
	uint64_t *dense;
	uint64_t cap;
	uint64_t next;
	unsigned *owner;         /* round-robin: the CPU of a dense id */
};

static int idmap_set(struct idmap *m, uint64_t id, uint64_t dense)
{
	if (id >= m->cap) {
		uint64_t cap = m->cap ? m->cap : 1024;
		uint64_t *d;

		while (cap <= id)
			cap *= 2;
		d = realloc(m->dense, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		m->dense = d;
		m->cap = cap;
	}
	m->dense[id] = dense;
	return 0;
}

/* Convert the wl_vmap trace @t into ops of CPU @cpu (or round-robin). */
static int convert(const struct wl_vmap_trace *t,
		   const struct vmalloc_gen_params *p, unsigned cpu, bool rr,
		   struct vmalloc_ops *o)
{
	struct idmap m = { 0 };
	uint64_t pg = p->page_size, allocs = 0;
	int err = 0;

	for (size_t i = 0; i < t->n && !err; i++) {
		const struct wl_vmap_op *w = &t->ops[i];
		struct vmalloc_op op = { 0 };

		if (w->kind == WL_VMAP_ALLOC) {
			op.kind = VMALLOC_OP_ALLOC;
			op.id = m.next++;
			op.size = w->arg - pg;
			op.align = w->flags & WL_VMAP_HAS_ALIGN ? w->align :
				   pg;
			op.flags = p->huge ? VMALLOC_ALLOW_HUGE : 0;
			op.cpu = (uint16_t)(rr ? allocs++ % p->cpus : cpu);
			err = idmap_set(&m, w->id, op.id);
			if (!err)
				err = push(o, &op);
			continue;
		}
		if (w->kind == WL_VMAP_PURGE)
			continue;   /* generated traces have none */
		/* The kernel test writes to the area: a touch. */
		if (w->kind == WL_VMAP_LOOKUP && !p->touch)
			continue;
		op.kind = w->kind == WL_VMAP_LOOKUP ? VMALLOC_OP_TOUCH :
			  VMALLOC_OP_FREE;
		op.id = m.dense[w->id];
		/* Round-robin: set to the allocating CPU below. */
		op.cpu = (uint16_t)(rr ? 0 : cpu);
		err = push(o, &op);
	}
	if (rr && !err) {
		/* Every op of an id on the CPU that allocated it. */
		unsigned *owner = calloc(o->ids ? o->ids : 1, sizeof(*owner));

		if (!owner) {
			err = -ENOMEM;
		} else {
			for (size_t i = 0; i < o->n; i++) {
				if (o->ops[i].kind == VMALLOC_OP_ALLOC)
					owner[o->ops[i].id] = o->ops[i].cpu;
				o->ops[i].cpu = (uint16_t)owner[o->ops[i].id];
			}
			free(owner);
		}
	}
	free(m.dense);
	return err;
}

/*
 * long_busy_list as lib/test_vmalloc.c runs it around the generated
 * trace (@o, just converted): ptr = vmalloc(sizeof(void *) * 15000)
 * first, then the trace (the 15000 one-page areas, then 2 vmallocs per
 * loop iteration), then vfree of the 15000 areas in the order they were
 * allocated, and vfree(ptr) last.  The set-up areas are the trace's
 * allocations less the loop's 2 per iteration; their dense ids are 0 ..
 * busy - 1.  Sets o->setup and o->teardown to the ops before and after
 * the loop.
 */
static int frame_long_busy_list(const struct vmalloc_gen_params *p,
				unsigned cpu, bool rr, struct vmalloc_ops *o,
				struct reason *r)
{
	struct vmalloc_ops all = { 0 };
	uint64_t allocs = 0, busy, ptr = o->ids;
	/* A 64-bit range (it ends above 4 GiB) has 8-byte pointers. */
	uint64_t psize = p->end > (1ULL << 32) ? 8 : 4;
	struct vmalloc_op op = {
		.kind = VMALLOC_OP_ALLOC, .id = ptr,
		.cpu = (uint16_t)(rr ? 0 : cpu), .align = p->page_size,
		.flags = p->huge ? VMALLOC_ALLOW_HUGE : 0,
	};
	uint16_t *owner;
	int err;

	for (size_t i = 0; i < o->n; i++)
		allocs += o->ops[i].kind == VMALLOC_OP_ALLOC;
	if (allocs < 2 * p->loops)
		return reason_fail_opt(r, -EINVAL, "name", "long_busy_list: "
				       "%llu vmallocs for %llu loops",
				       (unsigned long long)allocs,
				       (unsigned long long)p->loops);
	busy = allocs - 2 * p->loops;
	owner = calloc(busy ? busy : 1, sizeof(*owner));
	if (!owner)
		return -ENOMEM;
	op.size = psize * busy;
	err = push(&all, &op);
	for (size_t i = 0; i < o->n && !err; i++) {
		if (o->ops[i].kind == VMALLOC_OP_ALLOC && o->ops[i].id < busy)
			owner[o->ops[i].id] = o->ops[i].cpu;
		err = push(&all, &o->ops[i]);
	}
	all.setup = busy + 1;
	all.teardown = busy + 1;
	for (uint64_t id = 0; id < busy && !err; id++) {
		op = (struct vmalloc_op){ .kind = VMALLOC_OP_FREE, .id = id,
					  .cpu = owner[id] };
		err = push(&all, &op);
	}
	if (!err) {
		op = (struct vmalloc_op){ .kind = VMALLOC_OP_FREE, .id = ptr,
					  .cpu = (uint16_t)(rr ? 0 : cpu) };
		err = push(&all, &op);
	}
	free(owner);
	if (err) {
		vmalloc_ops_free(&all);
		return err;
	}
	vmalloc_ops_free(o);
	*o = all;
	return 0;
}

static int gen_address_workload(const char *name,
				const struct vmalloc_gen_params *p,
				unsigned cpu, bool rr, struct vmalloc_ops *o,
				struct reason *r)
{
	struct wl_vmap_gen_params wp;
	struct wl_vmap_trace t = { 0 };
	int err;

	wl_vmap_gen_defaults(&wp);
	wp.seed = p->seed + cpu;
	wp.loops = p->loops;
	wp.pages = p->pages;
	wp.cpus = p->cpus;
	wp.space = (struct wl_vmap_space){ p->start, p->end, p->page_size };
	err = wl_vmap_gen(name, &wp, &t, r);
	if (!err)
		err = convert(&t, p, cpu, rr, o);
	wl_vmap_trace_free(&t);
	if (!err && !strcmp(name, "long_busy_list"))
		err = frame_long_busy_list(p, cpu, rr, o, r);
	return err;
}

/*
 * sequential: what test_vmalloc.sh's "performance" mode runs
 * (sequential_test_order=1 test_repeat_count=3, one worker): the tests in
 * the module's order, one after the other on the same system, each
 * freeing at its end what it kept (in allocation order, as the tests free
 * their ptr[] arrays), so a test starts with the lazy areas and the
 * allocator state the previous one left.  long_busy_list brings its ptr[]
 * array (as generated alone); full_fit's two arrays are not modelled.
 */
#define SEQ_REPEATS 3

static int gen_sequential(const struct vmalloc_gen_params *p, unsigned cpu,
			  bool rr, struct vmalloc_ops *o, struct reason *r)
{
	static const char *const tests[] = {
		"fix_size", "full_fit", "long_busy_list", "random_size",
		"fix_align", "random_size_align", "align_shift",
	};
	struct vmalloc_gen_params q = *p;
	int err = 0;

	for (unsigned rep = 0; rep < SEQ_REPEATS && !err; rep++) {
		for (size_t t = 0; t < sizeof(tests) / sizeof(tests[0]) &&
		     !err; t++) {
			struct vmalloc_ops one = { 0 };
			uint64_t base = o->ids;
			uint16_t *owner = NULL;

			q.seed = p->seed + rep;
			err = gen_address_workload(tests[t], &q, cpu, rr, &one,
						   r);
			if (!err && one.ids) {
				owner = calloc(one.ids, sizeof(*owner));
				if (!owner)
					err = -ENOMEM;
			}
			/* Mark the ids live at the end: owner + 1. */
			for (size_t i = 0; i < one.n && !err; i++) {
				struct vmalloc_op op = one.ops[i];

				if (op.kind == VMALLOC_OP_ALLOC)
					owner[op.id] = (uint16_t)(op.cpu + 1);
				else if (op.kind == VMALLOC_OP_FREE)
					owner[op.id] = 0;
				op.id += base;
				err = push(o, &op);
			}
			for (uint64_t id = 0; id < one.ids && !err; id++) {
				struct vmalloc_op op = {
					.kind = VMALLOC_OP_FREE,
					.id = base + id,
				};

				if (!owner[id])
					continue;
				op.cpu = (uint16_t)(owner[id] - 1);
				err = push(o, &op);
			}
			free(owner);
			vmalloc_ops_free(&one);
		}
	}
	return err;
}

/* kvfree and kvmalloc: one area per loop, allocated, touched, freed. */
static int gen_kv(bool kv, const struct vmalloc_gen_params *p, unsigned cpu,
		  bool rr, struct vmalloc_ops *o)
{
	uint64_t max = p->pages * p->page_size;
	struct rng rng;
	int err = 0;

	rng_seed(&rng, p->seed + cpu);
	for (uint64_t i = 0; i < p->loops && !err; i++) {
		struct vmalloc_op op = {
			.kind = kv ? VMALLOC_OP_KVMALLOC : VMALLOC_OP_ALLOC,
			.cpu = (uint16_t)(rr ? i % p->cpus : cpu), .id = i,
			.size = p->page_size, .align = p->page_size,
			.flags = p->huge ? VMALLOC_ALLOW_HUGE : 0,
		};

		if (kv) {
			/* log-uniform in [1, max]: 2^(u * log2(max)). */
			unsigned bits = 64 - (unsigned)__builtin_clzll(max);
			unsigned b = (unsigned)rng_below(&rng, bits);
			uint64_t lo = 1ULL << b, hi = lo * 2 - 1;

			if (hi > max)
				hi = max;
			op.size = lo + rng_below(&rng, hi - lo + 1);
		}
		err = push(o, &op);
		if (!err && p->touch) {
			op.kind = VMALLOC_OP_TOUCH;
			err = push(o, &op);
		}
		if (!err) {
			op.kind = VMALLOC_OP_FREE;
			err = push(o, &op);
		}
	}
	return err;
}

/*
 * vm_map_ram_test: the pages taken once (alloc_pages_bulk), then the loop
 * maps them, writes the first byte (with --touch: every page), unmaps.
 */
static int gen_map_ram(const struct vmalloc_gen_params *p, unsigned cpu,
		       bool rr, struct vmalloc_ops *o)
{
	struct vmalloc_op op = { .kind = VMALLOC_OP_PAGES, .size = p->pages,
				 .cpu = (uint16_t)cpu, .id = 0 };
	int err = push(o, &op);

	for (uint64_t i = 0; i < p->loops && !err; i++) {
		op = (struct vmalloc_op){
			.kind = VMALLOC_OP_MAP_RAM, .size = p->pages,
			.cpu = (uint16_t)(rr ? i % p->cpus : cpu), .id = i + 1,
		};
		err = push(o, &op);
		if (!err && p->touch) {
			op.kind = VMALLOC_OP_TOUCH;
			op.size = p->pages * p->page_size;
			err = push(o, &op);
			op.size = p->pages;
		}
		if (!err) {
			op.kind = VMALLOC_OP_UNMAP_RAM;
			err = push(o, &op);
		}
	}
	if (!err) {
		op = (struct vmalloc_op){ .kind = VMALLOC_OP_PAGES_FREE,
					  .size = p->pages, .id = 0,
					  .cpu = (uint16_t)cpu };
		err = push(o, &op);
	}
	return err;
}

/*
 * pcpu_alloc_test: 35000 __alloc_percpu(1..PAGE_SIZE/4 bytes, aligned to
 * 2^(1..11)), then every one freed.  The percpu allocator is modelled only
 * as far as it reaches vmalloc: objects are packed in order into chunks
 * (a bump pointer that honours the alignment), and each chunk is one
 * vmalloc of PCPU_UNIT_PAGES pages per CPU without guard, as
 * pcpu_get_vm_areas() reserves a unit per CPU; chunks are freed once all
 * their objects are.  The unit size of a real kernel depends on its
 * static per-CPU data ("Embedded N pages/cpu" at boot); 64 is assumed.
 */
#define PCPU_OBJECTS 35000
#define PCPU_UNIT_PAGES 64

static int gen_pcpu(const struct vmalloc_gen_params *p, unsigned cpu,
		    bool rr, struct vmalloc_ops *o)
{
	uint64_t unit = PCPU_UNIT_PAGES * p->page_size, id = 0;
	struct rng rng;
	int err = 0;

	rng_seed(&rng, p->seed + cpu);
	for (uint64_t l = 0; l < p->loops && !err; l++) {
		uint64_t first = id, off = unit;   /* no chunk yet */

		for (unsigned i = 0; i < PCPU_OBJECTS && !err; i++) {
			uint64_t size = 1 + rng_below(&rng, p->page_size / 4);
			uint64_t align = 1ULL << (1 + rng_below(&rng, 11));

			off = (off + align - 1) & ~(align - 1);
			if (off + size > unit) {
				struct vmalloc_op op = {
					.kind = VMALLOC_OP_ALLOC, .id = id++,
					.size = unit * p->cpus,
					.align = p->page_size,
					.flags = VMALLOC_NO_GUARD,
					.cpu = (uint16_t)cpu,
				};

				err = push(o, &op);
				off = 0;
			}
			off += size;
		}
		for (uint64_t c = first; c < id && !err; c++) {
			struct vmalloc_op op = { .kind = VMALLOC_OP_FREE,
						 .id = c, .cpu = (uint16_t)cpu };

			err = push(o, &op);
		}
	}
	(void)rr;
	return err;
}

/*
 * hot_churn (ours): what flushes cost the code that uses vmalloc'd
 * memory.  16 areas of 8 pages stay live; each loop allocates and frees
 * one area of --pages pages (on the next CPU) and one CPU in turn touches
 * one hot area.  Without flushes the hot pages stay in every TLB after
 * the first round; a full flush drops them on every CPU, a page-by-page
 * one only the pages it names: the touches' TLB misses count the
 * difference (per CPU in vmsim's rows).
 */
#define HOT_AREAS 16
#define HOT_PAGES 8

static int gen_hot_churn(const struct vmalloc_gen_params *p, unsigned cpu,
			 bool rr, struct vmalloc_ops *o)
{
	uint64_t id = HOT_AREAS;
	int err = 0;

	for (uint64_t h = 0; h < HOT_AREAS && !err; h++) {
		struct vmalloc_op op = {
			.kind = VMALLOC_OP_ALLOC, .id = h,
			.size = HOT_PAGES * p->page_size,
			.align = p->page_size, .cpu = (uint16_t)cpu,
		};

		err = push(o, &op);
	}
	for (uint64_t l = 0; l < p->loops && !err; l++) {
		uint16_t c = (uint16_t)(rr ? l % p->cpus : cpu);
		struct vmalloc_op op = {
			.kind = VMALLOC_OP_ALLOC, .id = id,
			.size = p->pages * p->page_size,
			.align = p->page_size, .cpu = c,
			.flags = p->huge ? VMALLOC_ALLOW_HUGE : 0,
		};

		err = push(o, &op);
		if (!err) {
			op.kind = VMALLOC_OP_FREE;
			err = push(o, &op);
		}
		if (!err) {
			op = (struct vmalloc_op){
				.kind = VMALLOC_OP_TOUCH,
				.id = l % HOT_AREAS, .cpu = c,
				.size = HOT_PAGES * p->page_size,
			};
			err = push(o, &op);
		}
		/* Ids of the churned areas are reused: one at a time. */
	}
	for (uint64_t h = 0; h < HOT_AREAS && !err; h++) {
		struct vmalloc_op op = { .kind = VMALLOC_OP_FREE, .id = h,
					 .cpu = (uint16_t)cpu };

		err = push(o, &op);
	}
	return err;
}

/* Streams: interleave the CPUs' op lists op by op, ids made disjoint. */
static int interleave(struct stream *s, unsigned n, struct vmalloc_ops *o)
{
	uint64_t base[VMALLOC_MAX_CPUS] = { 0 };
	bool more = true;
	int err = 0;

	for (unsigned c = 1; c < n; c++)
		base[c] = base[c - 1] + s[c - 1].o.ids;
	o->setup = 0;
	o->teardown = 0;
	while (more && !err) {
		more = false;
		for (unsigned c = 0; c < n && !err; c++) {
			struct vmalloc_op op;

			if (s[c].next == s[c].o.n)
				continue;
			op = s[c].o.ops[s[c].next++];
			op.id += base[c];
			op.cpu = (uint16_t)c;
			err = push(o, &op);
			more = true;
			/* Every stream's set-up below o->setup, its
			 * clean-up from the first clean-up op on. */
			if (s[c].next <= s[c].o.setup)
				o->setup = o->n;
			if (!o->teardown && s[c].o.teardown &&
			    s[c].next > s[c].o.n - s[c].o.teardown)
				o->teardown = o->n;   /* its index + 1 */
		}
	}
	if (o->teardown)
		o->teardown = o->n - (o->teardown - 1);
	return err;
}

/*
 * --stack-every: a thread stack allocated and freed after every
 * @p->stack_every-th ALLOC of @o past its set-up, on that op's CPU, with
 * new ids above the workload's.  o->setup stays (the stacks come after).
 */
static int add_stacks(const struct vmalloc_gen_params *p,
		      struct vmalloc_ops *o)
{
	struct vmalloc_ops all = { 0 };
	uint64_t id = o->ids, allocs = 0;
	int err = 0;

	for (size_t i = 0; i < o->n && !err; i++) {
		struct vmalloc_op op = o->ops[i];

		err = push(&all, &op);
		if (err || i < o->setup || i >= o->n - o->teardown ||
		    op.kind != VMALLOC_OP_ALLOC || ++allocs % p->stack_every)
			continue;
		op = (struct vmalloc_op){
			.kind = VMALLOC_OP_ALLOC, .id = id++, .cpu = op.cpu,
			.size = VMALLOC_STACK_BYTES,
			.align = VMALLOC_STACK_BYTES,
		};
		err = push(&all, &op);
		if (!err) {
			op.kind = VMALLOC_OP_FREE;
			op.size = op.align = 0;
			err = push(&all, &op);
		}
	}
	if (err) {
		vmalloc_ops_free(&all);
		vmalloc_ops_free(o);
		return err;
	}
	all.setup = o->setup;
	all.teardown = o->teardown;
	vmalloc_ops_free(o);
	*o = all;
	return 0;
}

int vmalloc_gen(const char *name, const struct vmalloc_gen_params *p,
		struct vmalloc_ops *out, struct reason *r)
{
	unsigned n = p->streams ? p->cpus : 1;
	bool found = false, kv = false, kvfree = false;
	struct stream *s;
	int err = 0;

	for (size_t i = 0; i < NWORKLOADS; i++)
		found |= !strcmp(workloads[i].name, name);
	if (!found)
		return reason_fail_opt(r, -EINVAL, "name", "unknown workload "
				       "'%s'", name);
	if (!p->cpus || p->cpus > VMALLOC_MAX_CPUS)
		return reason_fail_opt(r, -EINVAL, "cpus", "must be 1..%d",
				       VMALLOC_MAX_CPUS);
	if (!p->loops)
		return reason_fail_opt(r, -EINVAL, "loops", "must be at least "
				       "1");
	if (!p->pages || p->pages > (1ULL << 20))
		return reason_fail_opt(r, -EINVAL, "pages", "must be 1..%llu",
				       1ULL << 20);
	kv = !strcmp(name, "kvmalloc");
	kvfree = !strcmp(name, "kvfree");
	vmalloc_ops_free(out);
	s = calloc(n, sizeof(*s));
	if (!s)
		return reason_fail(r, -ENOMEM, 0, "out of memory");
	for (unsigned c = 0; c < n && !err; c++) {
		struct vmalloc_ops *o = p->streams ? &s[c].o : out;

		if (!strcmp(name, "vm_map_ram"))
			err = gen_map_ram(p, c, !p->streams, o);
		else if (!strcmp(name, "hot_churn"))
			err = gen_hot_churn(p, c, !p->streams, o);
		else if (!strcmp(name, "pcpu"))
			err = gen_pcpu(p, c, !p->streams, o);
		else if (!strcmp(name, "sequential"))
			err = gen_sequential(p, c, !p->streams, o, r);
		else if (kv || kvfree)
			err = gen_kv(kv, p, c, !p->streams, o);
		else
			err = gen_address_workload(name, p, c, !p->streams,
						   o, r);
	}
	if (!err && p->streams)
		err = interleave(s, n, out);
	if (!err && p->stack_every)
		err = add_stacks(p, out);
	for (unsigned c = 0; c < n; c++)
		vmalloc_ops_free(&s[c].o);
	free(s);
	if (err == -ENOMEM)
		reason_fail(r, err, 0, "out of memory");
	if (err)
		vmalloc_ops_free(out);
	return err;
}

int vmalloc_run_init(struct vmalloc_run *run, const struct vmalloc_ops *o)
{
	uint64_t n = o->ids ? o->ids : 1, np = 0;

	/* The pages the map ops use: the most any PAGES op takes at once. */
	for (size_t i = 0; i < o->n; i++)
		if (o->ops[i].kind == VMALLOC_OP_PAGES)
			np += o->ops[i].size;
	run->ops = o;
	run->npages = 0;
	run->cap_pages = np;
	run->addr = calloc(n, sizeof(*run->addr));
	run->kv = calloc(n, 1);
	run->pages = calloc(np ? np : 1, sizeof(*run->pages));
	if (!run->addr || !run->kv || !run->pages) {
		vmalloc_run_fini(run);
		return -ENOMEM;
	}
	return 0;
}

void vmalloc_run_fini(struct vmalloc_run *run)
{
	free(run->addr);
	free(run->kv);
	free(run->pages);
	run->addr = NULL;
	run->kv = NULL;
	run->pages = NULL;
}

int vmalloc_run(struct vmalloc_run *run, struct vmalloc *vm,
		struct reason *r)
{
	return vmalloc_run_range(run, vm, 0, run->ops->n, r);
}

int vmalloc_run_range(struct vmalloc_run *run, struct vmalloc *vm,
		      size_t first, size_t last, struct reason *r)
{
	const struct vmalloc_ops *o = run->ops;

	if (last > o->n)
		return reason_fail(r, -EINVAL, 0, "ops %zu..%zu of %zu",
				   first, last, o->n);
	for (size_t i = first; i < last; i++) {
		const struct vmalloc_op *op = &o->ops[i];
		uint64_t *a = &run->addr[op->id];
		struct vmalloc_area area;
		int err = 0;

		switch (op->kind) {
		case VMALLOC_OP_ALLOC:
			err = vmalloc_node_range(vm, op->size, op->align,
						 op->flags, op->cpu, 0, a);
			run->kv[op->id] = 0;
			break;
		case VMALLOC_OP_KVMALLOC:
			err = vmalloc_kvmalloc(vm, op->size, op->cpu, a);
			run->kv[op->id] = 1;
			break;
		case VMALLOC_OP_PAGES:
			/* Pages stay with the run until PAGES_FREE. */
			err = op->size > run->cap_pages - run->npages ?
			      -EINVAL : vmalloc_pages_alloc(vm, op->size,
							    run->pages +
							    run->npages);
			if (!err)
				run->npages += op->size;
			break;
		case VMALLOC_OP_PAGES_FREE:
			if (op->size > run->npages)
				break;
			run->npages -= op->size;
			vmalloc_pages_free(vm, op->size,
					   run->pages + run->npages);
			break;
		case VMALLOC_OP_MAP_RAM:
			err = op->size > run->npages ? -EINVAL :
			      vmalloc_vm_map_ram(vm, run->pages, op->size,
						 op->cpu, a);
			run->kv[op->id] = 2;
			break;
		case VMALLOC_OP_UNMAP_RAM:
			if (!*a)
				break;
			err = vmalloc_vm_unmap_ram(vm, *a, op->size, op->cpu);
			*a = 0;
			break;
		case VMALLOC_OP_TOUCH:
			if (!*a)
				break;
			if (op->size) {
				err = vmalloc_touch(vm, *a, op->size, op->cpu);
			} else if (!run->kv[op->id] ||
				   vmalloc_is_vmalloc_addr(vm, *a)) {
				err = vmalloc_area(vm, *a, &area);
				if (!err)
					err = vmalloc_touch(vm, *a,
							    area.nr_pages *
							    vmalloc_page_size(vm),
							    op->cpu);
			}
			break;
		case VMALLOC_OP_FREE:
			if (!*a)
				break;
			err = run->kv[op->id] ?
			      vmalloc_kvfree(vm, *a, op->cpu) :
			      vmalloc_vfree(vm, *a, op->cpu);
			*a = 0;
			break;
		default:
			err = -EINVAL;
		}
		if (err == -ENOSPC || err == -ENOMEM) {
			if (op->kind == VMALLOC_OP_ALLOC ||
			    op->kind == VMALLOC_OP_KVMALLOC ||
			    op->kind == VMALLOC_OP_MAP_RAM) {
				*a = 0;
				continue;
			}
		}
		if (err)
			return reason_fail(r, err, i + 1, "op %zu (%s of id "
					   "%llu) failed: %s", i + 1,
					   op->kind == VMALLOC_OP_ALLOC ?
					   "vmalloc" : op->kind ==
					   VMALLOC_OP_FREE ? "free" :
					   op->kind == VMALLOC_OP_TOUCH ?
					   "touch" : op->kind ==
					   VMALLOC_OP_KVMALLOC ? "kvmalloc" :
					   "vm_map_ram",
					   (unsigned long long)op->id,
					   strerror(-err));
	}
	return 0;
}
