/* SPDX-License-Identifier: MIT */
/*
 * The temporary-mapping benchmarks (kmap.h): one op maps a page, writes
 * one byte of it through the CPU's TLB (skylake preset, one CPU; two for
 * PKMAP so its flushes send IPIs) and unmaps it, on a kernel booted by
 * kspace over 1 GiB of simulated RAM.
 *
 * Families (family/strategy/arch/pages:P):
 *   kmap/local/x86-32, x86-pae        kmap_local_page of a highmem page:
 *                                     fixmap slot, set_pte, local flush
 *   kmap/direct/x86-32                the same call on a lowmem page: the
 *                                     direct-map address, nothing written
 *   kmap/direct/x86-64-4l             every page is in the direct map
 *   kmap/pkmap/x86-32, x86-pae        kmap + kunmap through PKMAP, P
 *                                     distinct pages in turn (P = 1: the
 *                                     page keeps its slot; P = 4096: a
 *                                     new slot every op, a global flush
 *                                     every LAST_PKMAP ops)
 * Set-up (untimed): boot, create, then a counted pass of 65536 ops whose
 * counters become the sim_* columns per op (tlb_misses, pte_writes,
 * local_flushes, global_flushes, ipis): exact and deterministic.  The
 * timed loop repeats the op.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/bench.h>
#include <vmbench/kmap.h>
#include <vmbench/kspace.h>

#include "list.h"

#define PASS 65536u

enum kind { LOCAL, PKMAP };

struct kb {
	struct ks_kernel *k;
	struct kmap *km;
	uint64_t first;           /* first page used */
	uint64_t pages, i;
	enum kind kind;
	struct kmap_counters c;
};

static int kb_setup(struct bench_state *st)
{
	const struct bench_def *d = st->def;
	struct kb *b = calloc(1, sizeof(*b));
	struct ks_config kc;
	struct kmap_config cfg = { 0 };
	int err;

	if (!b)
		return -ENOMEM;
	ks_config_default(&kc);
	kc.arch = d->arch;
	kc.ram_bytes = 1ULL << 30;
	err = ks_boot(&b->k, &kc, NULL);
	if (err) {
		free(b);
		return err;
	}
	b->kind = !strcmp(d->strategy, "pkmap") ? PKMAP : LOCAL;
	cfg.k = b->k;
	cfg.cpus = b->kind == PKMAP ? 2 : 1;
	err = kmap_create(&b->km, &cfg, NULL);
	if (err) {
		ks_shutdown(b->k);
		free(b);
		return err;
	}
	/* Highmem from direct_max; lowmem at 16 MiB. */
	b->first = !strcmp(d->strategy, "direct") ? 16ULL << 20 :
		   (ks_layout_of(b->k)->direct_max + 0xfff) & ~0xfffULL;
	b->pages = (uint64_t)bench_arg(st, 0);
	st->user = b;
	return 0;
}

static void kb_teardown(struct bench_state *st)
{
	struct kb *b = st->user;

	kmap_destroy(b->km);
	ks_shutdown(b->k);
	free(b);
}

/* One op; nonzero on an error. */
static inline int op(struct kb *b)
{
	uint64_t pa = b->first + (b->i++ % b->pages) * 4096, va;
	int err;

	if (b->kind == LOCAL) {
		err = kmap_local_map(b->km, 0, pa, &va);
		if (!err)
			err = kmap_access(b->km, 0, va);
		if (!err)
			err = kmap_local_unmap(b->km, 0, va);
		return err;
	}
	err = kmap_pkmap_map(b->km, (unsigned)(b->i & 1), pa, &va);
	if (!err)
		err = kmap_access(b->km, (unsigned)(b->i & 1), va);
	if (!err)
		err = kmap_pkmap_unmap(b->km, (unsigned)(b->i & 1), pa);
	return err;
}

static void run_kmap(struct bench_state *st)
{
	struct kb *b = st->user;
	struct kmap_counters c;
	int err = 0;

	for (unsigned i = 0; i < PASS && !err; i++)
		err = op(b);
	kmap_get_counters(b->km, &c);
	BENCH_LOOP(st) {
		err |= op(b);
		bench_clobber_memory();
	}
	if (err) {
		bench_error(st, "kmap op failed");
		return;
	}
	bench_counter(st, "sim_tlb_misses", (double)c.tlb_misses / PASS, 0);
	bench_counter(st, "sim_pte_writes", (double)c.pte_writes / PASS, 0);
	bench_counter(st, "sim_local_flushes", (double)c.local_flushes / PASS,
		      0);
	bench_counter(st, "sim_global_flushes",
		      (double)c.global_flushes / PASS, 0);
	bench_counter(st, "sim_ipis", (double)c.ipis / PASS, 0);
}

#define ROW(strat, a, ...)                                                   \
	{ .family = "kmap", .strategy = (strat), .arch = (a),                \
	  .run = run_kmap, .setup = kb_setup, .teardown = kb_teardown,        \
	  .args = { BENCH_LIST("pages", __VA_ARGS__) } }

const struct bench_def bench_kmap_defs[] = {
	ROW("local", "x86-32", 1),
	ROW("local", "x86-pae", 1),
	ROW("direct", "x86-32", 1),
	ROW("direct", "x86-64-4l", 1),
	ROW("pkmap", "x86-32", 1, 4096),
	ROW("pkmap", "x86-pae", 1, 4096),
	BENCH_END
};
