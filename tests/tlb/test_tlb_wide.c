/* SPDX-License-Identifier: MIT */
/*
 * The wide scan against the portable loops: two TLBs of one spec, one
 * created with the wide scan (where the CPU has it) and one without, take
 * the same seeded stream of lookups, fills (through ports and without),
 * page, ASID and full flushes, with several ASIDs and global entries, and
 * must agree after every operation: what each lookup returns, every
 * counter, and at the end which pages each level holds.  Shapes: wide
 * ones (16 to 64 ways, a multiple of 4) with every policy, a level beside
 * a narrow one, two page sizes, and a PSC.  Without AVX2 both TLBs take
 * the portable loops and the test says so.
 */
#include <stdio.h>
#include <string.h>

#include <vmbench/rng.h>
#include <vmbench/tlb.h>

#include "../test.h"

#include "../../src/tlb/tlb_internal.h"

#define PG 4096ULL
#define OPS 60000
#define PAGES 160                 /* pages of the stream, 2 MiB pages: 4 */

static struct reason why;
static int cpu_wide;              /* tlb_wide_ok() before the test */

/* A TLB of @spec, its wide structures scanning wide if @wide and the CPU
 * can. */
static struct tlb *mk(const char *spec, bool wide)
{
	struct tlb *t = NULL;
	int err;

#if TLB_WIDE
	tlb_wide_state = wide && cpu_wide;
#else
	(void)wide;
#endif
	err = tlb_create_spec(&t, spec, &why);
	if (err)
		TEST_FAIL("spec \"%s\": %d: %s", spec, err, why.msg);
	return t;
}

static void same_counters(const struct tlb *a, const struct tlb *b,
			  const char *spec, unsigned op)
{
	struct tlb_counters ca, cb;

	tlb_get_counters(a, &ca);
	tlb_get_counters(b, &cb);
	if (memcmp(&ca, &cb, sizeof(ca)))
		TEST_FAIL("%s: op %u: counters differ (l1 misses %llu / %llu, "
			  "walks %llu / %llu)", spec, op,
			  (unsigned long long)ca.l1.misses,
			  (unsigned long long)cb.l1.misses,
			  (unsigned long long)ca.walks,
			  (unsigned long long)cb.walks);
}

/* One stream on @spec; @big: 2 MiB pages are in the spec. */
static void run(const char *spec, bool big)
{
	struct tlb *t[2] = { mk(spec, false), mk(spec, true) };
	struct tlb_port port[2][2];
	struct rng r;

	for (int k = 0; k < 2; k++)
		for (int a = 0; a < 2; a++)
			ASSERT_OK(tlb_port_init(&port[k][a], t[k],
						(uint16_t)(a + 1)));
	rng_seed(&r, 42);
	for (unsigned op = 0; op < OPS; op++) {
		uint64_t x = rng_next(&r);
		/* Skewed pages: a hot few and a long tail, so sets fill,
		 * evict and hit. */
		uint64_t vpn = x % 4 ? (x >> 8) % 24 : (x >> 8) % PAGES;
		uint16_t asid = (uint16_t)(1 + (x >> 20) % 2);
		bool global = (x >> 24) % 16 == 0;
		unsigned shift = big && (x >> 28) % 8 == 0 ? 21 : 12;
		uint64_t va = vpn * PG + (x >> 32) % PG;
		unsigned kind = (unsigned)((x >> 40) % 1000);
		int got[2];

		if (shift == 21)
			va = (vpn % 4) << 21;
		for (int k = 0; k < 2; k++) {
			struct tlb_xlate xl = { 0 };
			struct tlb_port *p = &port[k][asid - 1];

			if (kind < 2) {
				tlb_flush_all(t[k]);
				got[k] = 0;
			} else if (kind < 6) {
				tlb_flush_asid(t[k], asid);
				got[k] = 0;
			} else if (kind < 40) {
				tlb_flush_page(t[k], va, asid);
				got[k] = 0;
			} else if (kind < 520) {
				/* Through the port: a walker's miss. */
				got[k] = tlb_port_lookup(p, va, &xl);
				if (!got[k])
					ASSERT_OK(tlb_port_fill(p, va, shift,
								va, 3, global));
				got[k] = got[k] * 4096 + (int)(xl.phys >> 12 &
							       4095);
			} else {
				got[k] = tlb_lookup(t[k], va, asid, &xl);
				if (!got[k])
					ASSERT_OK(tlb_fill(t[k], va, asid,
							   shift, va, 3,
							   global));
				got[k] = got[k] * 4096 + (int)(xl.phys >> 12 &
							       4095);
			}
		}
		if (got[0] != got[1])
			TEST_FAIL("%s: op %u: lookup %d against %d", spec, op,
				  got[0], got[1]);
		same_counters(t[0], t[1], spec, op);
	}
	for (uint64_t vpn = 0; vpn < PAGES; vpn++)
		for (int level = 1; level <= 2; level++)
			for (uint16_t asid = 1; asid <= 2; asid++)
				ASSERT_EQ(tlb_probe(t[0], level, vpn * PG, asid),
					  tlb_probe(t[1], level, vpn * PG, asid));
	for (int k = 0; k < 2; k++) {
		for (int a = 0; a < 2; a++) {
			ASSERT_OK(tlb_port_check(&port[k][a], &why));
			tlb_port_release(&port[k][a]);
		}
		tlb_destroy(t[k]);
	}
}

/* The wide functions themselves, on sets built to the edge cases. */
static void test_functions(void)
{
#if TLB_WIDE
	uint64_t tags[64];
	struct tlb_stamp s[64];
	struct rng r;

	if (!cpu_wide)
		return;
	rng_seed(&r, 7);
	for (unsigned round = 0; round < 2000; round++) {
		uint32_t ways = 16 + 4 * (uint32_t)rng_below(&r, 13);
		uint64_t tag = rng_next(&r) | 1, m = 0, z = 0, empty;
		uint64_t min = UINT64_MAX;
		uint32_t oldest = 0, got;

		for (uint32_t w = 0; w < ways; w++) {
			uint64_t k = rng_below(&r, 4);

			tags[w] = k == 0 ? 0 : k == 1 ? tag : rng_next(&r) | 1;
			/* Ages across the top bit, with ties. */
			s[w].age = rng_below(&r, 2) ? rng_below(&r, 8) :
				   UINT64_MAX - rng_below(&r, 8);
			m |= (uint64_t)(tags[w] == tag) << w;
			z |= (uint64_t)(tags[w] == 0) << w;
			if (s[w].age < min) {
				min = s[w].age;
				oldest = w;
			}
		}
		ASSERT_EQ(tlb_wide_match(tags, tag, ways), m);
		ASSERT_EQ(tlb_wide_oldest(s, ways), oldest);
		got = UINT32_MAX;
		ASSERT_EQ(tlb_wide_place(tags, s, tag, ways, &empty, &got), m);
		ASSERT_EQ(empty, z);
		ASSERT_EQ(got, m || z ? UINT32_MAX : oldest);
		/* No match, no empty way: the oldest comes out. */
		for (uint32_t w = 0; w < ways; w++)
			if (tags[w] == tag || !tags[w])
				tags[w] = tag + 2;
		got = UINT32_MAX;
		ASSERT_EQ(tlb_wide_place(tags, s, tag, ways, &empty, &got), 0);
		ASSERT_EQ(empty, 0);
		ASSERT_EQ(got, oldest);
	}
#endif
}

int main(void)
{
	static const char *const wide[] = {
		"l1d:16x16:lru", "l1d:16x16:fifo", "l1d:16x16:plru",
		"l1d:16x16:random", "l1d:64x64:lru", "l1d:64x16:lru",
		"l1d:40x20:lru", "l1d:48x48:fifo", "l1d:32x32:plru",
		"l1d:64x32:fifo,l2:256x64:lru", "l1d:64x4:lru,l2:128x32:lru",
	};
	static const char *const big[] = {
		"pages:4k/2m,l1d.4k:32x16:lru,l1d.2m:16x16:lru,"
		"l2.all:128x32:lru,psc.pde:16x16:lru",
		"pages:4k/2m,l1d.all:24x24:lru",
	};
#if TLB_WIDE
	cpu_wide = tlb_wide_ok();
#endif
	if (!cpu_wide)
		printf("no wide scan here: both TLBs take the portable "
		       "loops\n");
	test_functions();
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		run(wide[i], false);
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		run(big[i], true);
#if TLB_WIDE
	tlb_wide_state = cpu_wide;
#endif
	return 0;
}
