/* SPDX-License-Identifier: MIT */
/*
 * Red-black tree rebalancing, written once.
 *
 * Conventions in this file: `n` is the node being fixed up, `p` its parent,
 * `g` its grandparent, `s` its sibling, `aug` the augmentation callbacks or
 * NULL for a plain tree.  The core functions are static inline and take
 * `aug` as a parameter; the plain entry points pass NULL so every callback
 * test folds away.
 *
 * Rotations, drawn for rotate_left(x); rotate_right() is the mirror:
 *
 *        x                y
 *       / \              / \
 *      a   y     -->    x   c
 *         / \          / \
 *        b   c        a   b
 *
 * y's subtree afterwards holds exactly x's former set, so y takes x's
 * summary (copy) and only x is recomputed (update).
 */
#include <errno.h>

#include <vmbench/rbtree.h>

#ifndef EUCLEAN
#define EUCLEAN 117
#endif

static inline void set_parent(struct rb_node *n, struct rb_node *p)
{
	n->parent_color = (uintptr_t)p | (n->parent_color & 1);
}

static inline void set_black(struct rb_node *n)
{
	n->parent_color |= 1;
}

static inline void set_red(struct rb_node *n)
{
	n->parent_color &= ~(uintptr_t)1;
}

/* Point whatever pointed at @old (its parent's link or the root) at @new. */
static inline void change_child(struct rb_node *old, struct rb_node *new,
				struct rb_node *p, struct rb_root *root)
{
	if (!p)
		root->node = new;
	else if (p->left == old)
		p->left = new;
	else
		p->right = new;
}

static inline void rotate_left(struct rb_node *x, struct rb_root *root,
			       const struct rb_augment *aug)
{
	struct rb_node *y = x->right, *p = rb_parent(x);

	x->right = y->left;
	if (y->left)
		set_parent(y->left, x);
	y->left = x;
	set_parent(y, p);
	change_child(x, y, p, root);
	set_parent(x, y);
	if (aug) {
		aug->copy(x, y);
		aug->update(x);
	}
}

static inline void rotate_right(struct rb_node *x, struct rb_root *root,
				const struct rb_augment *aug)
{
	struct rb_node *y = x->left, *p = rb_parent(x);

	x->left = y->right;
	if (y->right)
		set_parent(y->right, x);
	y->right = x;
	set_parent(y, p);
	change_child(x, y, p, root);
	set_parent(x, y);
	if (aug) {
		aug->copy(x, y);
		aug->update(x);
	}
}

/*
 * @n is red and linked; restore invariant 2 upwards.  Each step either
 * recolours (moving the red-red edge two levels up) or ends with at most
 * two rotations.
 */
static inline void insert_fixup(struct rb_node *n, struct rb_root *root,
				const struct rb_augment *aug)
{
	for (;;) {
		struct rb_node *p = rb_parent(n), *g, *u;

		if (!p) {
			set_black(n);
			return;
		}
		if (rb_is_black(p))
			return;
		g = rb_parent(p);  /* p is red, so not the root */
		if (p == g->left) {
			u = g->right;
			if (rb_is_red(u)) {
				set_black(p);
				set_black(u);
				set_red(g);
				n = g;
				continue;
			}
			if (n == p->right) {
				rotate_left(p, root, aug);
				p = n;
			}
			rotate_right(g, root, aug);
		} else {
			u = g->left;
			if (rb_is_red(u)) {
				set_black(p);
				set_black(u);
				set_red(g);
				n = g;
				continue;
			}
			if (n == p->left) {
				rotate_right(p, root, aug);
				p = n;
			}
			rotate_left(g, root, aug);
		}
		set_black(p);
		set_red(g);
		return;
	}
}

/*
 * A black node was removed above @n (possibly NULL), a child of @p: the
 * paths through @n are one black short.  Push the deficit up or end it with
 * rotations.
 */
static inline void erase_fixup(struct rb_node *n, struct rb_node *p,
			       struct rb_root *root,
			       const struct rb_augment *aug)
{
	while (p && rb_is_black(n)) {
		struct rb_node *s;

		if (n == p->left) {
			s = p->right;
			if (rb_is_red(s)) {
				set_black(s);
				set_red(p);
				rotate_left(p, root, aug);
				s = p->right;
			}
			if (rb_is_black(s->left) && rb_is_black(s->right)) {
				set_red(s);
				n = p;
				p = rb_parent(n);
				continue;
			}
			if (rb_is_black(s->right)) {
				set_black(s->left);
				set_red(s);
				rotate_right(s, root, aug);
				s = p->right;
			}
			s->parent_color = (s->parent_color & ~(uintptr_t)1) |
					  (p->parent_color & 1);
			set_black(p);
			set_black(s->right);
			rotate_left(p, root, aug);
		} else {
			s = p->left;
			if (rb_is_red(s)) {
				set_black(s);
				set_red(p);
				rotate_right(p, root, aug);
				s = p->left;
			}
			if (rb_is_black(s->left) && rb_is_black(s->right)) {
				set_red(s);
				n = p;
				p = rb_parent(n);
				continue;
			}
			if (rb_is_black(s->left)) {
				set_black(s->right);
				set_red(s);
				rotate_left(s, root, aug);
				s = p->left;
			}
			s->parent_color = (s->parent_color & ~(uintptr_t)1) |
					  (p->parent_color & 1);
			set_black(p);
			set_black(s->left);
			rotate_right(p, root, aug);
		}
		return;
	}
	if (n)
		set_black(n);
}

static inline void propagate(struct rb_node *n, const struct rb_augment *aug)
{
	for (; n; n = rb_parent(n))
		if (!aug->update(n))
			return;
}

static inline void insert(struct rb_node *n, struct rb_root *root,
			  const struct rb_augment *aug)
{
	/* The new leaf's summary is unset, so "unchanged" means nothing yet. */
	if (aug) {
		aug->update(n);
		propagate(rb_parent(n), aug);
	}
	insert_fixup(n, root, aug);
}

/*
 * Unlink @node.  With two children, its in-order successor `moved` takes
 * its place and colour, so the node actually removed from the shape is at
 * the successor's old position, which has no left child.  Summaries are
 * brought up to date before rebalancing, whose rotations keep them so.
 */
static inline void erase(struct rb_node *node, struct rb_root *root,
			 const struct rb_augment *aug)
{
	struct rb_node *child, *p, *moved = NULL;
	bool removed_black;

	if (node->left && node->right) {
		moved = node->right;
		while (moved->left)
			moved = moved->left;
		child = moved->right;
		removed_black = rb_is_black(moved);
		p = rb_parent(moved);
		if (p == node) {
			p = moved;
		} else {
			p->left = child;
			if (child)
				set_parent(child, p);
			moved->right = node->right;
			set_parent(node->right, moved);
		}
		moved->left = node->left;
		set_parent(node->left, moved);
		change_child(node, moved, rb_parent(node), root);
		moved->parent_color = node->parent_color;
		if (aug)
			aug->copy(node, moved);
	} else {
		child = node->left ? node->left : node->right;
		removed_black = rb_is_black(node);
		p = rb_parent(node);
		change_child(node, child, p, root);
		if (child)
			set_parent(child, p);
	}

	if (aug) {
		/*
		 * Every node from p up lost a member.  Below `moved` an
		 * unchanged summary proves nothing (moved's own value changed),
		 * so early exit is allowed only from `moved` upwards.
		 */
		bool may_stop = !moved;

		for (struct rb_node *x = p; x; x = rb_parent(x)) {
			bool changed = aug->update(x);

			if (x == moved)
				may_stop = true;
			if (!changed && may_stop)
				break;
		}
	}

	if (!removed_black)
		return;
	if (rb_is_red(child)) {
		set_black(child);
		return;
	}
	erase_fixup(child, p, root, aug);
}

void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	insert(node, root, NULL);
}

void rb_erase(struct rb_node *node, struct rb_root *root)
{
	erase(node, root, NULL);
}

void rb_insert_augmented(struct rb_node *node, struct rb_root *root,
			 const struct rb_augment *aug)
{
	insert(node, root, aug);
}

void rb_erase_augmented(struct rb_node *node, struct rb_root *root,
			const struct rb_augment *aug)
{
	erase(node, root, aug);
}

void rb_propagate(struct rb_node *node, const struct rb_augment *aug)
{
	propagate(node, aug);
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
		 const char **why)
{
	struct validate c = { less, summary_ok, NULL, 0, NULL };

	if (rb_is_red(root->node)) {
		*why = "red root";
		return -EUCLEAN;
	}
	if (validate_node(root->node, NULL, &c) < 0) {
		*why = c.why;
		return -EUCLEAN;
	}
	return c.count;
}
