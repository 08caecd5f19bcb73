/* SPDX-License-Identifier: MIT */
/*
 * rbtree — one intrusive red-black tree, optionally augmented.
 *
 * The node lives inside the caller's structure (see rb_entry()); the tree
 * never allocates.  Callers write their own search loops, or use the inline
 * rb_find() / rb_add() below, which take a comparator that inlines.
 *
 * Public interface: this header serves a plain tree;
 * <vmbench/rbtree_augmented.h> serves trees whose nodes carry a summary of
 * their subtree (e.g. the largest free block below them).  Rebalancing is
 * written once, there: the plain operations here are its instance with no
 * callbacks, which the compiler removes.
 *
 * Invariants (checked by rb_validate()):
 *   1. every node is red or black; the root is black;
 *   2. a red node has no red child;
 *   3. every path from a node down to a missing child crosses the same
 *      number of black nodes;
 *   4. parent links agree with child links;
 *   5. for an augmented tree, each node's summary equals what update()
 *      recomputes from the node and its children.
 */
#ifndef VMBENCH_RBTREE_H
#define VMBENCH_RBTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The parent pointer and the colour share a word: nodes are at least
 * pointer-aligned, so bit 0 of the parent's address is free.
 *
 *   parent_color:  [ parent address ............ | c ]   c = 1: black
 */
struct rb_node {
	uintptr_t parent_color;
	struct rb_node *left, *right;
};

struct rb_root {
	struct rb_node *node;
};

#define RB_ROOT ((struct rb_root){ NULL })

#define rb_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* rb_entry() that passes NULL through. */
#define rb_entry_safe(ptr, type, member) \
	((ptr) ? rb_entry(ptr, type, member) : (type *)NULL)

static inline struct rb_node *rb_parent(const struct rb_node *n)
{
	return (struct rb_node *)(n->parent_color & ~(uintptr_t)1);
}

/* A missing child counts as black. */
static inline bool rb_is_black(const struct rb_node *n)
{
	return !n || (n->parent_color & 1);
}

static inline bool rb_is_red(const struct rb_node *n)
{
	return !rb_is_black(n);
}

/*
 * Hang @node, red and childless, at *@link below @parent.  The caller then
 * calls rb_insert_color() (or an augmented tree's prefix_insert()) to
 * rebalance.
 */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->parent_color = (uintptr_t)parent;
	node->left = node->right = NULL;
	*link = node;
}

void rb_insert_color(struct rb_node *node, struct rb_root *root);
void rb_erase(struct rb_node *node, struct rb_root *root);

/* In-order traversal; NULL past either end. */
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *node);
struct rb_node *rb_prev(const struct rb_node *node);

/*
 * The node that @cmp reports equal to @key, or NULL.  @cmp returns <0 when
 * the key sorts before the node, >0 after it, 0 on a match.
 */
static inline struct rb_node *
rb_find(const void *key, const struct rb_root *root,
	int (*cmp)(const void *key, const struct rb_node *node))
{
	struct rb_node *n = root->node;

	while (n) {
		int c = cmp(key, n);

		if (c < 0)
			n = n->left;
		else if (c > 0)
			n = n->right;
		else
			return n;
	}
	return NULL;
}

/* Where @node belongs under @less: sets *parent, returns the link. */
static inline struct rb_node **
rb_add_link(struct rb_node *node, struct rb_root *root,
	    bool (*less)(const struct rb_node *, const struct rb_node *),
	    struct rb_node **parent)
{
	struct rb_node **link = &root->node;

	*parent = NULL;
	while (*link) {
		*parent = *link;
		link = less(node, *link) ? &(*link)->left : &(*link)->right;
	}
	return link;
}

/* Insert @node in order under @less (equal keys go right) and rebalance. */
static inline void
rb_add(struct rb_node *node, struct rb_root *root,
       bool (*less)(const struct rb_node *, const struct rb_node *))
{
	struct rb_node *parent;
	struct rb_node **link = rb_add_link(node, root, less, &parent);

	rb_link_node(node, parent, link);
	rb_insert_color(node, root);
}

struct reason;

/*
 * Check invariants 1-4, ascending order under @less when it is given, and
 * invariant 5 through @summary_ok when it is given.  O(n) time, O(height)
 * stack.  Returns the number of nodes, or -EUCLEAN with the broken
 * invariant in @r (which may be NULL).  Never prints.
 */
long rb_validate(const struct rb_root *root,
		 bool (*less)(const struct rb_node *, const struct rb_node *),
		 bool (*summary_ok)(const struct rb_node *),
		 struct reason *r);

/*
 * Augmented trees (a summary of its subtree in every node) are declared
 * with RB_DECLARE_MAX() or RB_DECLARE_AUGMENTED() of
 * <vmbench/rbtree_augmented.h>, which also holds the rebalancing core.
 */

#endif /* VMBENCH_RBTREE_H */
