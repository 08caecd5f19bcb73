/* SPDX-License-Identifier: MIT */
/*
 * The plain red-black tree: the rebalancing core of
 * <vmbench/rbtree_augmented.h> instantiated with no callbacks, so every
 * summary step folds away; in-order traversal; the validator.
 */
#include <errno.h>

#include <vmbench/rbtree_augmented.h>
#include <vmbench/reason.h>

#ifndef EUCLEAN
#define EUCLEAN 117
#endif

void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	rb__insert(node, root, NULL, NULL);
}

void rb_erase(struct rb_node *node, struct rb_root *root)
{
	rb__erase(node, root, NULL, NULL);
}

struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->node;

	if (n)
		while (n->left)
			n = n->left;
	return n;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	struct rb_node *n = root->node;

	if (n)
		while (n->right)
			n = n->right;
	return n;
}

struct rb_node *rb_next(const struct rb_node *node)
{
	struct rb_node *p;

	if (node->right) {
		node = node->right;
		while (node->left)
			node = node->left;
		return (struct rb_node *)node;
	}
	while ((p = rb_parent(node)) && node == p->right)
		node = p;
	return p;
}

struct rb_node *rb_prev(const struct rb_node *node)
{
	struct rb_node *p;

	if (node->left) {
		node = node->left;
		while (node->right)
			node = node->right;
		return (struct rb_node *)node;
	}
	while ((p = rb_parent(node)) && node == p->left)
		node = p;
	return p;
}

struct validate {
	bool (*less)(const struct rb_node *, const struct rb_node *);
	bool (*summary_ok)(const struct rb_node *);
	const struct rb_node *prev;  /* in-order predecessor so far */
	long count;
	const char *why;
};

/* Black height of the subtree at @n, or -1 after setting c->why. */
static int validate_node(const struct rb_node *n, const struct rb_node *p,
			 struct validate *c)
{
	int lh, rh;

	if (!n)
		return 0;
	if (rb_parent(n) != p)
		return c->why = "parent link disagrees with child link", -1;
	if (rb_is_red(n) && (rb_is_red(n->left) || rb_is_red(n->right)))
		return c->why = "red node with a red child", -1;
	lh = validate_node(n->left, n, c);
	if (lh < 0)
		return -1;
	if (c->less && c->prev && !c->less(c->prev, n))
		return c->why = "nodes not in ascending order", -1;
	c->prev = n;
	c->count++;
	rh = validate_node(n->right, n, c);
	if (rh < 0)
		return -1;
	if (lh != rh)
		return c->why = "black heights differ", -1;
	if (c->summary_ok && !c->summary_ok(n))
		return c->why = "summary differs from its recomputation", -1;
	return lh + rb_is_black(n);
}

long rb_validate(const struct rb_root *root,
		 bool (*less)(const struct rb_node *, const struct rb_node *),
		 bool (*summary_ok)(const struct rb_node *),
		 struct reason *r)
{
	struct validate c = { less, summary_ok, NULL, 0, NULL };

	if (rb_is_red(root->node))
		return reason_fail(r, -EUCLEAN, 0, "red root");
	if (validate_node(root->node, NULL, &c) < 0)
		return reason_fail(r, -EUCLEAN, 0, "%s", c.why);
	return c.count;
}
