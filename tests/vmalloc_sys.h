/* SPDX-License-Identifier: MIT */
/*
 * A vmalloc system for tests: a buddy allocator of @frames frames of the
 * geometry's page size, the page table of that geometry over it, and
 * vmalloc on top; check() validates the system and the buddy allocator;
 * ctr() reads the counters.
 * Every failure ends the test (test.h).
 */
#ifndef VMBENCH_TESTS_VMALLOC_SYS_H
#define VMBENCH_TESTS_VMALLOC_SYS_H

#include <vmbench/buddy.h>
#include <vmbench/pgtable.h>
#include <vmbench/reason.h>
#include <vmbench/vmalloc.h>
#include <vmbench/vmap.h>

#include "test.h"

struct sys {
	struct buddy *b;
	struct pt_mem *mem;
	struct pt *pt;
	struct vmalloc *vm;
	uint64_t frames;
};

/* @cfg without start/end: the default vmalloc range; without cpus: 1. */
static inline void sys_up(struct sys *s, const char *geom, uint64_t frames,
			  struct vmalloc_config cfg)
{
	struct reason r;

	s->frames = frames;
	ASSERT_OK(buddy_create(&s->b, PT_MEM_BASE, frames,
			       pt_geometry_find(geom)->page_shift,
			       BUDDY_DEFAULT_MAX_ORDER));
	ASSERT_OK(buddy_pt_mem_create(s->b, &s->mem));
	ASSERT_OK(pt_create(&s->pt, pt_geometry_find(geom), s->mem));
	cfg.pt = s->pt;
	cfg.buddy = s->b;
	if (!cfg.start) {
		cfg.start = VMAP_DEFAULT_START;
		cfg.end = VMAP_DEFAULT_END;
	}
	if (!cfg.cpus)
		cfg.cpus = 1;
	if (vmalloc_create(&s->vm, &cfg, &r))
		TEST_FAIL("vmalloc_create: %s: %s", r.what, r.msg);
}

static inline void sys_down(struct sys *s)
{
	vmalloc_destroy(s->vm);
	pt_destroy(s->pt);
	pt_mem_destroy(s->mem);
	buddy_destroy(s->b);
}

static inline void check(const struct sys *s)
{
	struct reason r;

	if (vmalloc_check(s->vm, &r))
		TEST_FAIL("vmalloc_check: %s", r.msg);
	if (buddy_check(s->b, &r))
		TEST_FAIL("buddy_check: %s", r.msg);
}

static inline struct vmalloc_counters ctr(const struct sys *s)
{
	struct vmalloc_counters c;

	vmalloc_get_counters(s->vm, &c);
	return c;
}

#endif /* VMBENCH_TESTS_VMALLOC_SYS_H */
