/* SPDX-License-Identifier: MIT */
/*
 * The red-black tree core: plain and augmented (subtree max), inserted in
 * order, reversed and at random, erased at random, validated after every
 * operation; and the validator itself shown to catch corruption.
 */
#include <errno.h>

#include <vmbench/rbtree.h>
#include <vmbench/rng.h>

#include "test.h"

#define SEED 42
#define N 1500

struct item {
	struct rb_node rb;
	uint64_t key;
	uint64_t weight;  /* the augmented value */
	uint64_t max;     /* largest weight in the subtree */
	int in_tree;
};

#define item_of(n) rb_entry(n, struct item, rb)
#define item_weight(it) ((it)->weight)

RB_DECLARE_MAX(static, wmax, struct item, rb, uint64_t, max, item_weight);

static bool item_less(const struct rb_node *a, const struct rb_node *b)
{
	return item_of(a)->key < item_of(b)->key;
}

static int item_cmp(const void *key, const struct rb_node *n)
{
	uint64_t k = *(const uint64_t *)key;

	return k < item_of(n)->key ? -1 : k > item_of(n)->key;
}

static struct item items[N];

static void check(struct rb_root *root, bool augmented, long expect)
{
	const char *why = NULL;
	long n = rb_validate(root, item_less, augmented ? wmax_summary_ok : NULL,
			     &why);

	if (n < 0)
		TEST_FAIL("invalid tree: %s", why);
	ASSERT_EQ(n, expect);
}

/* Insert all items in @order, then erase them in random order. */
static void run(const unsigned *order, bool augmented, struct rng *r)
{
	struct rb_root root = RB_ROOT;
	unsigned perm[N];
	long live = 0;

	for (unsigned i = 0; i < N; i++) {
		struct item *it = &items[order[i]];

		it->weight = rng_below(r, 1000000);
		if (augmented)
			rb_add_augmented(&it->rb, &root, item_less, &wmax_cb);
		else
			rb_add(&it->rb, &root, item_less);
		it->in_tree = 1;
		check(&root, augmented, ++live);
	}

	/* In-order traversal visits keys 0..N-1 both ways. */
	uint64_t k = 0;
	for (struct rb_node *n = rb_first(&root); n; n = rb_next(n))
		ASSERT_EQ(item_of(n)->key, k++);
	ASSERT_EQ(k, N);
	for (struct rb_node *n = rb_last(&root); n; n = rb_prev(n))
		ASSERT_EQ(item_of(n)->key, --k);

	for (uint64_t key = 0; key < N; key++) {
		struct rb_node *n = rb_find(&key, &root, item_cmp);

		ASSERT(n && item_of(n)->key == key);
	}

	/* Change some weights in place and propagate. */
	if (augmented) {
		for (unsigned i = 0; i < N / 4; i++) {
			struct item *it = &items[rng_below(r, N)];

			it->weight = rng_below(r, 2000000);
			rb_propagate(&it->rb, &wmax_cb);
			check(&root, true, live);
		}
	}

	for (unsigned i = 0; i < N; i++)
		perm[i] = i;
	for (unsigned i = N - 1; i > 0; i--) {
		unsigned j = (unsigned)rng_below(r, i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (unsigned i = 0; i < N; i++) {
		struct item *it = &items[perm[i]];

		if (augmented)
			rb_erase_augmented(&it->rb, &root, &wmax_cb);
		else
			rb_erase(&it->rb, &root);
		it->in_tree = 0;
		check(&root, augmented, --live);
		/* Reinsert a quarter of the time to mix the shapes. */
		if (i + 1 < N && rng_below(r, 4) == 0) {
			it->weight = rng_below(r, 1000000);
			if (augmented)
				rb_add_augmented(&it->rb, &root, item_less,
						 &wmax_cb);
			else
				rb_add(&it->rb, &root, item_less);
			check(&root, augmented, ++live);
			if (augmented)
				rb_erase_augmented(&it->rb, &root, &wmax_cb);
			else
				rb_erase(&it->rb, &root);
			check(&root, augmented, --live);
		}
	}
	ASSERT(root.node == NULL);
}

/* The validator must reject each kind of damage. */
static void test_validator_catches_corruption(void)
{
	struct rb_root root = RB_ROOT;
	const char *why;

	for (unsigned i = 0; i < 64; i++) {
		items[i].key = i;
		items[i].weight = i;
		rb_add_augmented(&items[i].rb, &root, item_less, &wmax_cb);
	}
	ASSERT_EQ(rb_validate(&root, item_less, wmax_summary_ok, &why), 64);

	/* A summary one too small. */
	item_of(root.node)->max--;
	ASSERT_EQ(rb_validate(&root, item_less, wmax_summary_ok, &why),
		  -EUCLEAN);
	ASSERT_STREQ(why, "summary differs from its recomputation");
	item_of(root.node)->max++;

	/* Keys out of order. */
	uint64_t saved = item_of(root.node)->key;
	item_of(root.node)->key = 1000;
	ASSERT_EQ(rb_validate(&root, item_less, NULL, &why), -EUCLEAN);
	ASSERT_STREQ(why, "nodes not in ascending order");
	item_of(root.node)->key = saved;

	/* A red root, then a black node recoloured red under a red parent. */
	root.node->parent_color &= ~(uintptr_t)1;
	ASSERT_EQ(rb_validate(&root, item_less, NULL, &why), -EUCLEAN);
	ASSERT_STREQ(why, "red root");
	root.node->parent_color |= 1;

	struct rb_node *leaf = rb_first(&root);
	struct rb_node *p = rb_parent(leaf);
	uintptr_t pc = p->parent_color, lc = leaf->parent_color;
	p->parent_color &= ~(uintptr_t)1;
	leaf->parent_color &= ~(uintptr_t)1;
	ASSERT_EQ(rb_validate(&root, item_less, NULL, &why), -EUCLEAN);
	p->parent_color = pc;
	leaf->parent_color = lc;

	/* A parent link pointing at the wrong node. */
	leaf->parent_color = (uintptr_t)root.node | (lc & 1);
	ASSERT_EQ(rb_validate(&root, item_less, NULL, &why), -EUCLEAN);
	ASSERT_STREQ(why, "parent link disagrees with child link");
	leaf->parent_color = lc;
	ASSERT_EQ(rb_validate(&root, item_less, wmax_summary_ok, &why), 64);
}

int main(void)
{
	struct rng r;
	unsigned order[N];

	rng_seed(&r, SEED);
	for (unsigned i = 0; i < N; i++)
		items[i].key = i;

	for (int aug = 0; aug < 2; aug++) {
		for (unsigned i = 0; i < N; i++)
			order[i] = i;
		run(order, aug, &r);
		for (unsigned i = 0; i < N; i++)
			order[i] = N - 1 - i;
		run(order, aug, &r);
		for (unsigned i = N - 1; i > 0; i--) {
			unsigned j = (unsigned)rng_below(&r, i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		run(order, aug, &r);
	}
	test_validator_catches_corruption();
	printf("rbtree: ok\n");
	return 0;
}
