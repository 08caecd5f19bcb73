/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the TLB spec parser (tlb_config_parse), on the input as one
 * NUL-terminated string (it stops at an embedded NUL).
 *
 * A spec that parses must pass tlb_config_check() and, when its arrays are
 * small enough to build here (MAX_BUILD entries in all), build a TLB that
 * then takes a fixed series of fills, lookups and flushes with counters
 * that add up.  A spec that does not parse must say why in its reason.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/tlb.h>

#include "fuzz.h"

#define MAX_BUILD (1u << 16)

static void exercise(struct tlb *t, const struct tlb_config *cfg)
{
	struct tlb_counters c;
	struct tlb_xlate x;
	uint64_t lookups = 0;
	uint32_t held = 0;

	for (unsigned s = 0; s < cfg->nl1; s++)
		held |= cfg->l1[s].size_mask;
	for (unsigned s = 0; s < cfg->nl2; s++)
		held |= cfg->l2[s].size_mask;
	for (uint64_t i = 0; i < 64; i++) {
		unsigned si = (unsigned)(i % cfg->npage_sizes);
		unsigned shift = cfg->page_shift[si];
		uint16_t asid = (uint16_t)(i & 3);
		uint64_t va = (i * 0x9e3779b97f4a7c15ULL) >> 16 &
			      ~((1ULL << shift) - 1);

		lookups++;
		if (!tlb_lookup(t, va, asid, &x)) {
			FUZZ_CHECK(tlb_fill(t, va, asid, shift, va ^ 0x1000000,
					    3, i % 5 == 0) == 0);
			/* Just filled: a level that holds the size hits. */
			lookups++;
			if (tlb_lookup(t, va, asid, &x))
				FUZZ_CHECK(x.page_shift == shift &&
					   x.phys == ((va ^ 0x1000000) &
						      ~((1ULL << shift) - 1)));
			else
				FUZZ_CHECK(!(held & 1u << si));
		}
		if (i % 16 == 15)
			tlb_flush_range(t, va, va + (3ULL << shift), asid);
	}
	tlb_flush_asid(t, 1);
	tlb_flush_page(t, 0, 0);
	tlb_get_counters(t, &c);
	FUZZ_CHECK(c.lookups == lookups);
	FUZZ_CHECK(c.l1.accesses == c.l1.hits + c.l1.misses);
	FUZZ_CHECK(c.l2.accesses == c.l2.hits + c.l2.misses);
	FUZZ_CHECK(c.walks <= c.lookups);
	tlb_flush_all(t);
	for (int level = 1; level <= 2; level++)
		FUZZ_CHECK(!tlb_probe(t, level, 0, 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlb_config cfg;
	char *spec = malloc(size + 1);
	struct reason why;
	uint64_t entries = 0;
	struct tlb *t;
	int ret;

	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';

	ret = tlb_config_parse(spec, &cfg, &why);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL);
		FUZZ_CHECK(memchr(why.msg, '\0', sizeof(why.msg)) && why.msg[0]);
		FUZZ_CHECK(tlb_config_parse(spec, &cfg, NULL) == -EINVAL);
		free(spec);
		return 0;
	}
	FUZZ_CHECK(tlb_config_check(&cfg, &why) == 0);
	FUZZ_CHECK(cfg.npage_sizes >= 1 &&
		   cfg.npage_sizes <= TLB_MAX_PAGE_SIZES);
	for (unsigned i = 0; i < cfg.npage_sizes; i++)
		FUZZ_CHECK(cfg.page_shift[i] >= TLB_MIN_PAGE_SHIFT &&
			   cfg.page_shift[i] <= TLB_MAX_PAGE_SHIFT &&
			   (!i || cfg.page_shift[i] > cfg.page_shift[i - 1]));
	for (unsigned i = 0; i < cfg.nl1; i++)
		entries += cfg.l1[i].entries;
	for (unsigned i = 0; i < cfg.nl2; i++)
		entries += cfg.l2[i].entries;
	for (unsigned i = 0; i < cfg.npsc; i++)
		entries += cfg.psc[i].entries;
	if (entries <= MAX_BUILD) {
		ret = tlb_create(&t, &cfg);
		FUZZ_CHECK(ret == 0 || ret == -ENOMEM);
		if (!ret) {
			exercise(t, &cfg);
			tlb_destroy(t);
		}
	}
	free(spec);
	return 0;
}
