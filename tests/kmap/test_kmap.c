/* SPDX-License-Identifier: MIT */
/*
 * Temporary mappings against closed forms.
 *
 * PKMAP: the slot counter advances once per kmap() of a page without a
 * PKMAP address and wraps to 0 every LAST_PKMAP advances; at a wrap,
 * flush_all_zero_pkmaps() flushes once if some slot has count 1.  So k
 * kmap+kunmap pairs of distinct highmem pages make floor(k / LAST_PKMAP)
 * global flushes (every earlier slot is at count 1 by then), each sent to
 * the other cpus - 1 CPUs, and clear LAST_PKMAP - 1 slots at the first
 * wrap and LAST_PKMAP at each later one.  The same page k times: one slot,
 * no flush.  LAST_PKMAP + 1 pages held at once: -EBUSY.
 * kmap_local: n map+access+unmap rounds of a highmem page write n PTEs,
 * clear n, flush n single pages on the CPU, no IPI, and miss the TLB n
 * times; a direct-map page (every page on x86-64) writes none and misses
 * once.
 */
#include <errno.h>

#include <vmbench/kmap.h>
#include <vmbench/kspace.h>
#include <vmbench/reason.h>

#include "../test.h"

static struct ks_kernel *boot(const char *arch)
{
	struct ks_config kc;
	struct ks_kernel *k;
	struct reason r;

	ks_config_default(&kc);
	kc.arch = arch;
	kc.ram_bytes = 1ULL << 30;
	if (ks_boot(&k, &kc, &r))
		TEST_FAIL("%s: boot: %s", arch, r.msg);
	return k;
}

/* The i-th highmem page. */
static uint64_t high(struct ks_kernel *k, uint64_t i)
{
	uint64_t first = (ks_layout_of(k)->direct_max + 0xfff) & ~0xfffULL;

	return first + i * 4096;
}

static void pkmap(const char *arch, unsigned last, unsigned cpus)
{
	struct ks_kernel *k = boot(arch);
	struct kmap_config cfg = { .k = k, .cpus = cpus };
	struct kmap *km;
	struct kmap_counters c;
	uint64_t va, pairs[] = { 1, last - 1, last, last + 1, 3 * last + 7 };

	for (size_t t = 0; t < sizeof(pairs) / sizeof(pairs[0]); t++) {
		uint64_t n = pairs[t];

		ASSERT_OK(kmap_create(&km, &cfg, NULL));
		ASSERT_EQ(kmap_last_pkmap(km), last);
		for (uint64_t i = 0; i < n; i++) {
			ASSERT_OK(kmap_pkmap_map(km, (unsigned)(i % cpus),
						 high(k, i), &va));
			ASSERT_OK(kmap_access(km, (unsigned)(i % cpus), va));
			ASSERT_OK(kmap_pkmap_unmap(km, (unsigned)(i % cpus),
						   high(k, i)));
		}
		kmap_get_counters(km, &c);
		ASSERT_EQ(c.global_flushes, n / last);
		ASSERT_EQ(c.pkmap_wraps, n / last);
		ASSERT_EQ(c.ipis, (n / last) * (cpus - 1));
		ASSERT_EQ(c.pkmap_cleared, n / last ? n / last * last - 1 : 0);
		ASSERT_EQ(c.pkmap_new, n);
		ASSERT_EQ(c.pte_writes, n);
		ASSERT_EQ(c.pte_clears, c.pkmap_cleared);
		ASSERT_EQ(c.tlb_misses, n);
		/* Clear what is left so the next round starts from none. */
		kmap_destroy(km);
		ks_shutdown(k);
		k = boot(arch);
		cfg.k = k;
	}
	/* One page again and again: one slot, no flush. */
	ASSERT_OK(kmap_create(&km, &cfg, NULL));
	for (unsigned i = 0; i < 3 * last; i++) {
		ASSERT_OK(kmap_pkmap_map(km, 0, high(k, 5), &va));
		ASSERT_OK(kmap_pkmap_unmap(km, 0, high(k, 5)));
	}
	kmap_get_counters(km, &c);
	ASSERT_EQ(c.pkmap_new, 1);
	ASSERT_EQ(c.pkmap_maps, 3 * last);
	ASSERT_EQ(c.global_flushes, 0);
	ASSERT_EQ(kmap_pkmap_unmap(km, 0, high(k, 5)), -ENOENT);
	ASSERT_EQ(kmap_pkmap_unmap(km, 0, high(k, 6)), -ENOENT);
	kmap_destroy(km);
	ks_shutdown(k);

	/* Every slot held: the next page finds none. */
	k = boot(arch);
	cfg.k = k;
	ASSERT_OK(kmap_create(&km, &cfg, NULL));
	for (unsigned i = 0; i < last; i++)
		ASSERT_OK(kmap_pkmap_map(km, 0, high(k, i), &va));
	ASSERT_EQ(kmap_pkmap_map(km, 0, high(k, last), &va), -EBUSY);
	kmap_get_counters(km, &c);
	ASSERT_EQ(c.global_flushes, 0);    /* the wrap found no count 1 */
	/* A lowmem page needs no slot. */
	ASSERT_OK(kmap_pkmap_map(km, 0, 0x200000, &va));
	ASSERT_EQ(va, ks_layout_of(k)->page_offset + 0x200000);
	kmap_destroy(km);
	ks_shutdown(k);
}

static void local(const char *arch, bool highmem)
{
	struct ks_kernel *k = boot(arch);
	struct kmap_config cfg = { .k = k, .cpus = 2 };
	struct kmap *km;
	struct kmap_counters c;
	uint64_t va, pa = highmem ? high(k, 9) : 0x300000, n = 1000;
	uint64_t vas[KMAP_KM_MAX_IDX];

	ASSERT_OK(kmap_create(&km, &cfg, NULL));
	ASSERT_EQ(kmap_is_highmem(km, pa), highmem);
	for (uint64_t i = 0; i < n; i++) {
		ASSERT_OK(kmap_local_map(km, 1, pa, &va));
		ASSERT_OK(kmap_access(km, 1, va));
		ASSERT_OK(kmap_local_unmap(km, 1, va));
	}
	kmap_get_counters(km, &c);
	ASSERT_EQ(c.local_maps, highmem ? n : 0);
	ASSERT_EQ(c.direct, highmem ? 0 : n);
	ASSERT_EQ(c.pte_writes, highmem ? n : 0);
	ASSERT_EQ(c.pte_clears, highmem ? n : 0);
	ASSERT_EQ(c.local_flushes, highmem ? n : 0);
	ASSERT_EQ(c.ipis, 0);
	ASSERT_EQ(c.global_flushes, 0);
	ASSERT_EQ(c.tlb_misses, highmem ? n : 1);
	if (highmem) {
		const struct ks_layout *l = ks_layout_of(k);

		/* CPU 1's first slot: FIXADDR_TOP - (BEGIN + 16) pages. */
		ASSERT_EQ(va, l->fixmap_top - (KMAP_FIX_KMAP_BEGIN +
					       KMAP_KM_MAX_IDX) * 4096ULL);
		/* Unmapped now: an access faults. */
		ASSERT_EQ(kmap_access(km, 1, va), -EFAULT);
		/* A stack of KM_MAX_IDX, LIFO. */
		for (unsigned i = 0; i < KMAP_KM_MAX_IDX; i++)
			ASSERT_OK(kmap_local_map(km, 0, pa, &vas[i]));
		ASSERT_EQ(kmap_local_map(km, 0, pa, &va), -ENOSPC);
		ASSERT_EQ(kmap_local_unmap(km, 0, vas[0]), -EINVAL);
		for (unsigned i = KMAP_KM_MAX_IDX; i-- > 0;)
			ASSERT_OK(kmap_local_unmap(km, 0, vas[i]));
		ASSERT_EQ(kmap_local_unmap(km, 0, vas[0]), -EINVAL);
	}
	ASSERT_EQ(kmap_local_map(km, 2, pa, &va), -EINVAL);
	ASSERT_EQ(kmap_local_map(km, 0, pa + 1, &va), -EINVAL);
	kmap_destroy(km);
	ks_shutdown(k);
}

static void errors(void)
{
	struct ks_kernel *k = boot("x86-32");
	struct kmap_config cfg = { .k = k, .cpus = 0 };
	struct kmap *km;
	struct reason r;

	ASSERT_EQ(kmap_create(&km, &cfg, &r), -EINVAL);
	ASSERT_STREQ(r.what, "cpus");
	cfg.cpus = 64;   /* 68 + 16 * 64 slots > the 1023 below the top */
	ASSERT_EQ(kmap_create(&km, &cfg, &r), -EINVAL);
	cfg.cpus = 59;
	ASSERT_OK(kmap_create(&km, &cfg, &r));
	kmap_destroy(km);
	cfg.cpus = 1;
	cfg.tlb = "l1d:3x7:lru";
	ASSERT_EQ(kmap_create(&km, &cfg, &r), -EINVAL);
	ASSERT_STREQ(r.what, "tlb");
	ks_shutdown(k);
}

int main(void)
{
	pkmap("x86-32", 1024, 2);
	pkmap("x86-pae", 512, 4);
	local("x86-32", true);
	local("x86-pae", true);
	local("x86-32", false);
	local("x86-64-4l", false);
	local("arm64-4k-48", false);
	errors();
	return 0;
}
