/* SPDX-License-Identifier: MIT */
/*
 * buddy_check() on deliberately corrupted allocators: each broken
 * invariant is reported (-EUCLEAN with its reason), and repairing it
 * makes the allocator valid again.  The test compiles the allocator's
 * source itself to reach its internals.
 */
#include "../../src/buddy/buddy.c"

#include "../test.h"

static void expect(const struct buddy *b, const char *needle)
{
	struct reason r;

	reason_clear(&r);
	ASSERT_EQ(buddy_check(b, &r), -EUCLEAN);
	if (!strstr(r.msg, needle))
		TEST_FAIL("expected \"%s\" in \"%s\"", needle, r.msg);
}

static void valid(const struct buddy *b)
{
	struct reason r;

	if (buddy_check(b, &r))
		TEST_FAIL("buddy_check: %s", r.msg);
}

int main(void)
{
	struct buddy *b;
	uint64_t pa;
	uint8_t saved;

	ASSERT_OK(buddy_create(&b, 0, 64, 12, 3));
	ASSERT_OK(buddy_alloc(b, 1, &pa));   /* frames 0-1; 2 and 4 free */
	valid(b);

	/* A frame inside a block marked as a head. */
	b->state[1] = ST_HEAD;
	expect(b, "inside it is marked");
	b->state[1] = 0;
	valid(b);

	/* A tail where a head must be. */
	saved = b->state[2];
	b->state[2] = 0;
	expect(b, "not the head of a block");
	b->state[2] = saved;

	/* An order that does not fit the block's alignment. */
	b->state[2] = ST_HEAD | ST_FREE | 2;
	expect(b, "misaligned");
	b->state[2] = saved;
	valid(b);

	/* A free block missing from its set, and an allocated one in it. */
	bset_clear(&b->set[1], blk_index(b, 2, 1));
	expect(b, "free but not in the free set");
	bset_set(&b->set[1], blk_index(b, 2, 1));
	valid(b);
	bset_set(&b->set[1], blk_index(b, 0, 1));
	expect(b, "allocated but in the free set");
	bset_clear(&b->set[1], blk_index(b, 0, 1));
	valid(b);

	/* Two free buddies left uncoalesced. */
	ASSERT_OK(buddy_free(b, pa, 1));
	valid(b);
	take_free(b, 0, 3);
	put_free(b, 0, 2);
	put_free(b, 4, 2);
	b->state[4] = ST_HEAD | ST_FREE | 2;
	expect(b, "not coalesced");
	take_free(b, 0, 2);
	take_free(b, 4, 2);
	b->state[4] = 0;
	put_free(b, 0, 3);
	valid(b);

	/* The counters. */
	b->free_frames--;
	expect(b, "counter says");
	b->free_frames++;
	b->set[3].count++;
	expect(b, "bits set, count");
	b->set[3].count--;
	valid(b);

	/* The summary word and the search hint. */
	b->set[3].hi[0] = 0;
	expect(b, "summary bit");
	b->set[3].hi[0] = 0xff;
	b->set[3].hint = 1;
	expect(b, "search hint");
	b->set[3].hint = 0;
	valid(b);

	/* NULL reason is allowed. */
	b->free_frames++;
	ASSERT_EQ(buddy_check(b, NULL), -EUCLEAN);
	b->free_frames--;
	valid(b);
	buddy_destroy(b);
	return 0;
}
