/* SPDX-License-Identifier: MIT */
/*
 * The red-black tree core: plain and augmented (subtree max), inserted in
 * order, reversed and at random, erased at random, validated after every
 * operation; and the validator itself shown to catch corruption.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmbench/rbtree_augmented.h>
#include <vmbench/reason.h>
#include <vmbench/rng.h>

#include "test.h"

#define SEED 42
#define N 1500

struct item {
	struct rb_node rb;
	uint64_t key;
	uint64_t weight;  /* the augmented value */
	uint64_t max;     /* largest weight in the subtree */
	uint64_t sum;     /* total weight of the subtree (the second summary) */
	int in_tree;
};

#define item_of(n) rb_entry(n, struct item, rb)
#define item_weight(it) ((it)->weight)

RB_DECLARE_MAX(wmax, struct item, rb, uint64_t, max, item_weight);

/*
 * A second kind of summary through RB_DECLARE_AUGMENTED(): the subtree's
 * total weight.  Unlike a maximum, a sum changes with every member, so a
 * rotation or an erase that forgot one update shows at once.
 */
static inline uint64_t sum_of(const struct rb_node *n)
{
	return n ? item_of(n)->sum : 0;
}

static inline bool wsum_update(struct rb_node *n)
{
	uint64_t s = item_of(n)->weight + sum_of(n->left) + sum_of(n->right);

	if (item_of(n)->sum == s)
		return false;
	item_of(n)->sum = s;
	return true;
}

static inline void wsum_copy(const struct rb_node *from, struct rb_node *to)
{
	item_of(to)->sum = item_of(from)->sum;
}

RB_DECLARE_AUGMENTED(wsum, wsum_update, wsum_copy)

static bool wsum_ok(const struct rb_node *n)
{
	return item_of(n)->sum ==
	       item_of(n)->weight + sum_of(n->left) + sum_of(n->right);
}

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
	struct reason why;
	long n = rb_validate(root, item_less, augmented ? wmax_summary_ok : NULL,
			     &why);

	if (n < 0)
		TEST_FAIL("invalid tree: %s", why.msg);
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
			wmax_add(&it->rb, &root, item_less);
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
			wmax_propagate(&it->rb);
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
			wmax_erase(&it->rb, &root);
		else
			rb_erase(&it->rb, &root);
		it->in_tree = 0;
		check(&root, augmented, --live);
		/* Reinsert a quarter of the time to mix the shapes. */
		if (i + 1 < N && rng_below(r, 4) == 0) {
			it->weight = rng_below(r, 1000000);
			if (augmented)
				wmax_add(&it->rb, &root, item_less);
			else
				rb_add(&it->rb, &root, item_less);
			check(&root, augmented, ++live);
			if (augmented)
				wmax_erase(&it->rb, &root);
			else
				rb_erase(&it->rb, &root);
			check(&root, augmented, --live);
		}
	}
	ASSERT(root.node == NULL);
}

/*
 * The subtree-sum tree: random inserts, weight changes and erases, each
 * followed by a full validation and the root's sum against the total.
 */
static void test_sum_summary(struct rng *r)
{
	struct rb_root root = RB_ROOT;
	uint64_t total = 0;
	long live = 0;

	for (unsigned i = 0; i < N; i++)
		items[i].in_tree = 0;
	for (unsigned step = 0; step < 4 * N; step++) {
		struct item *it = &items[rng_below(r, N)];
		struct reason why;
		long n;

		if (!it->in_tree) {
			it->weight = rng_below(r, 1000);
			wsum_add(&it->rb, &root, item_less);
			it->in_tree = 1;
			total += it->weight;
			live++;
		} else if (rng_below(r, 3) == 0) {
			total -= it->weight;
			it->weight = rng_below(r, 1000);
			total += it->weight;
			wsum_propagate(&it->rb);
		} else {
			wsum_erase(&it->rb, &root);
			it->in_tree = 0;
			total -= it->weight;
			live--;
		}
		n = rb_validate(&root, item_less, wsum_ok, &why);
		if (n < 0)
			TEST_FAIL("step %u: invalid tree: %s", step, why.msg);
		ASSERT_EQ(n, live);
		ASSERT_EQ(sum_of(root.node), total);
	}
}

/*
 * rb_validate() with stderr pointed at a file the test created, which must
 * still be empty afterwards: a validator never prints.
 */
static long validate_quietly(const struct rb_root *root, bool summary,
			     struct reason *why)
{
	char path[] = "/tmp/test_rbtree.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	struct stat st;
	long n;

	ASSERT(fd >= 0 && saved >= 0);
	unlink(path);
	fflush(stderr);
	ASSERT(dup2(fd, 2) == 2);
	n = rb_validate(root, item_less, summary ? wmax_summary_ok : NULL, why);
	fflush(stderr);
	ASSERT(dup2(saved, 2) == 2);
	close(saved);
	ASSERT(fstat(fd, &st) == 0);
	close(fd);
	ASSERT_EQ(st.st_size, 0);
	return n;
}

/*
 * The validator must reject each kind of damage with its reason in the
 * carrier (or with a NULL carrier), and print nothing.
 */
static void test_validator_catches_corruption(void)
{
	struct rb_root root = RB_ROOT;
	struct reason why;

	for (unsigned i = 0; i < 64; i++) {
		items[i].key = i;
		items[i].weight = i;
		wmax_add(&items[i].rb, &root, item_less);
	}
	ASSERT_EQ(validate_quietly(&root, true, &why), 64);

	/* A summary one too small. */
	item_of(root.node)->max--;
	ASSERT_EQ(validate_quietly(&root, true, &why),
		  -EUCLEAN);
	ASSERT_STREQ(why.msg, "summary differs from its recomputation");
	ASSERT_EQ(why.line, 0);
	ASSERT_EQ(validate_quietly(&root, true, NULL),
		  -EUCLEAN);
	item_of(root.node)->max++;

	/* Keys out of order. */
	uint64_t saved = item_of(root.node)->key;
	item_of(root.node)->key = 1000;
	ASSERT_EQ(validate_quietly(&root, false, &why), -EUCLEAN);
	ASSERT_STREQ(why.msg, "nodes not in ascending order");
	item_of(root.node)->key = saved;

	/* A red root, then a black node recoloured red under a red parent. */
	root.node->parent_color &= ~(uintptr_t)1;
	ASSERT_EQ(validate_quietly(&root, false, &why), -EUCLEAN);
	ASSERT_STREQ(why.msg, "red root");
	root.node->parent_color |= 1;

	struct rb_node *leaf = rb_first(&root);
	struct rb_node *p = rb_parent(leaf);
	uintptr_t pc = p->parent_color, lc = leaf->parent_color;
	p->parent_color &= ~(uintptr_t)1;
	leaf->parent_color &= ~(uintptr_t)1;
	ASSERT_EQ(validate_quietly(&root, false, &why), -EUCLEAN);
	ASSERT_STREQ(why.msg, "red node with a red child");
	p->parent_color = pc;
	leaf->parent_color = lc;

	/*
	 * A black node below a black parent, with no red child, turned red:
	 * no red-red edge, but its paths are one black short.
	 */
	struct rb_node *x = rb_first(&root);
	while (x && !(rb_is_black(x) && rb_parent(x) &&
		      rb_is_black(rb_parent(x)) && rb_is_black(x->left) &&
		      rb_is_black(x->right)))
		x = rb_next(x);
	ASSERT(x != NULL);
	x->parent_color &= ~(uintptr_t)1;
	ASSERT_EQ(validate_quietly(&root, false, &why), -EUCLEAN);
	ASSERT_STREQ(why.msg, "black heights differ");
	x->parent_color |= 1;

	/* A parent link pointing at the wrong node. */
	leaf->parent_color = (uintptr_t)root.node | (lc & 1);
	ASSERT_EQ(validate_quietly(&root, false, &why), -EUCLEAN);
	ASSERT_STREQ(why.msg, "parent link disagrees with child link");
	leaf->parent_color = lc;
	ASSERT_EQ(validate_quietly(&root, true, &why), 64);
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
	test_sum_summary(&r);
	test_validator_catches_corruption();
	printf("rbtree: ok\n");
	return 0;
}
