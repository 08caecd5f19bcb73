/* SPDX-License-Identifier: MIT */
/*
 * The TLB built with small structural limits (the macros in tlb.h are
 * overridable): the library sources are compiled into this test with two
 * page sizes, two structures per level, one PSC level, 8 ways at most and
 * a 4-way match mask, and the limits are shown to be enforced and the
 * generic paths (no constant-way specialisation) to behave.
 */
#define TLB_MAX_PAGE_SIZES 2
#define TLB_MAX_STRUCTS 2
#define TLB_MAX_PSC 1
#define TLB_MAX_WAYS 8
#define TLB_MAX_ENTRIES 256
#define TLB_MASK_WAYS 4
#define TLB_PLRU_MAX_WAYS 4

#include "../../src/reason.c"
#include "../../src/tlb/tlb.c"
#include "../../src/tlb/tlb_spec.c"
#include "../../src/tlb/policy.c"
#include "../../src/tlb/policy_lru.c"
#include "../../src/tlb/policy_plru.c"
#include "../../src/tlb/policy_fifo.c"
#include "../../src/tlb/policy_random.c"
#include "../../src/tlb/wide.c"

#include "../test.h"

static struct reason why;

static void expect_bad(const char *spec, const char *want)
{
	struct tlb_config cfg;

	ASSERT_EQ(tlb_config_parse(spec, &cfg, &why), -EINVAL);
	if (!strstr(why.msg, want))
		TEST_FAIL("\"%s\": \"%s\" lacks \"%s\"", spec, why.msg, want);
}

int main(void)
{
	struct tlb *t = NULL;
	struct tlb_xlate x;
	uint64_t pa;

	/* Every preset needs more than these limits allow. */
	expect_bad("skylake", "more than 2 page sizes");
	expect_bad("pages:4k/2m,l1d.4k:8x8:lru,l1d.2m:4x4:lru,"
		   "psc.pde:4x4:lru,psc.pdpte:4x4:lru", "more than 1 psc");
	expect_bad("pages:4k,l1d:16x16:lru", "ways '16' not a number in 1..8");
	expect_bad("pages:4k,l1d:512x8:lru", "entries '512'");
	expect_bad("pages:4k,l1d:8x8:plru", "plru needs ways a power of two "
		   "<= 4");

	ASSERT_OK(tlb_create_spec(&t, "pages:4k/2m,l1d.4k:8x8:lru,"
				  "l1d.2m:2x2:fifo,l2.all:48x6:lru,"
				  "psc.pde:4x4:plru", &why));
	/* 8 and 6 ways take the early-exit scan, 2 the generic mask. */
	for (uint64_t p = 0; p < 9; p++)
		ASSERT_OK(tlb_fill(t, p << 12, 0, 12, p << 12, 0, false));
	ASSERT(!tlb_probe(t, 1, 0, 0));         /* LRU victim of 8 ways */
	ASSERT_EQ(tlb_lookup(t, 0, 0, &x), 2);  /* still in L2 */
	ASSERT_EQ(tlb_lookup(t, 0, 0, &x), 1);
	ASSERT_OK(tlb_fill(t, 5ULL << 21, 3, 21, 1ULL << 30, 0, true));
	ASSERT_EQ(tlb_lookup(t, (5ULL << 21) + 99, 7, &x), 1);
	ASSERT_EQ(x.phys, 1ULL << 30);
	tlb_psc_fill(t, 1ULL << 21, 0, 21, 0x5000);
	ASSERT_EQ(tlb_psc_lookup(t, (1ULL << 21) + 4096, 0, &pa), 21);
	ASSERT_EQ(pa, 0x5000);
	tlb_destroy(t);
	return 0;
}
