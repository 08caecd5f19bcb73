/* SPDX-License-Identifier: MIT */
/*
 * The table of replacement policies (operations in tlb_internal.h): one
 * row per policy.  The built-ins sit at the indices of enum tlb_policy.
 */
#include <stdio.h>
#include <string.h>

#include "tlb_internal.h"

extern const struct tlb_policy_ops tlb_policy_lru, tlb_policy_plru,
	tlb_policy_fifo, tlb_policy_random;

const struct tlb_policy_ops *const tlb_policies[] = {
	[TLB_LRU] = &tlb_policy_lru,
	[TLB_PLRU] = &tlb_policy_plru,
	[TLB_FIFO] = &tlb_policy_fifo,
	[TLB_RANDOM] = &tlb_policy_random,
	NULL,
};

#define NPOLICIES (sizeof(tlb_policies) / sizeof(tlb_policies[0]) - 1)

const char *tlb_policy_name(enum tlb_policy p)
{
	return (unsigned)p < NPOLICIES ? tlb_policies[p]->name : "?";
}

int tlb_policy_find(const char *name, size_t n)
{
	for (size_t i = 0; i < NPOLICIES; i++)
		if (strlen(tlb_policies[i]->name) == n &&
		    !strncmp(tlb_policies[i]->name, name, n))
			return (int)i;
	return -1;
}

const char *tlb_policy_list(char *buf, size_t len, const char *sep)
{
	size_t at = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < NPOLICIES && at < len; i++) {
		int k = snprintf(buf + at, len - at, "%s%s", i ? sep : "",
				 tlb_policies[i]->name);

		if (k < 0)
			break;
		at += (size_t)k;
	}
	return buf;
}

uint32_t tlb_st_oldest(struct tlb_st *st, uint64_t set, uint32_t oldest)
{
	(void)st;
	(void)set;
	return oldest;
}

void tlb_st_stamp(struct tlb_st *st, uint64_t set, uint32_t w)
{
	st->stamp[set * st->ways + w].age = tlb_st_tick(st);
}
