/* SPDX-License-Identifier: MIT */
/*
 * rbtree_augmented — trees whose nodes carry a summary of their subtree
 * (e.g. the largest free block below them), and the one rebalancing core.
 *
 * Public interface: RB_DECLARE_AUGMENTED() and RB_DECLARE_MAX() below.
 * They define, for one kind of tree, static inline functions that call the
 * user's callbacks directly: the rebalancing core is written once here as
 * always-inline functions taking the callbacks as arguments, and every
 * instance passes compile-time constants, so the callbacks inline into the
 * rotations and no call goes through a function pointer.  The plain tree of
 * rbtree.h is the instance with no callbacks (src/rbtree.c).
 *
 * Callbacks of a summary:
 *   update(n): recompute n's summary from n and its children's summaries;
 *              return true if it changed.  Propagation upwards stops at the
 *              first node whose summary did not change.
 *   copy(from, to): give @to the summary of @from; called when @to takes
 *              @from's place over the same set of nodes.
 *
 * Implementation detail: everything named rb__* (the core).  Conventions in
 * the core: `n` is the node being fixed up, `p` its parent, `g` its
 * grandparent, `s` its sibling; `update` and `copy` are both NULL for a
 * plain tree, both set for an augmented one.
 *
 * Rotations, drawn for rb__rotate_left(x); rb__rotate_right() is the
 * mirror:
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
#ifndef VMBENCH_RBTREE_AUGMENTED_H
#define VMBENCH_RBTREE_AUGMENTED_H

#include <vmbench/rbtree.h>

#define RB__INLINE static inline __attribute__((always_inline))

typedef bool (*rb__update_fn)(struct rb_node *n);
typedef void (*rb__copy_fn)(const struct rb_node *from, struct rb_node *to);

RB__INLINE void rb__set_parent(struct rb_node *n, struct rb_node *p)
{
	n->parent_color = (uintptr_t)p | (n->parent_color & 1);
}

RB__INLINE void rb__set_black(struct rb_node *n)
{
	n->parent_color |= 1;
}

RB__INLINE void rb__set_red(struct rb_node *n)
{
	n->parent_color &= ~(uintptr_t)1;
}

/* Point whatever pointed at @old (its parent's link or the root) at @new. */
RB__INLINE void rb__change_child(struct rb_node *old, struct rb_node *new_,
				 struct rb_node *p, struct rb_root *root)
{
	if (!p)
		root->node = new_;
	else if (p->left == old)
		p->left = new_;
	else
		p->right = new_;
}

RB__INLINE void rb__rotate_left(struct rb_node *x, struct rb_root *root,
				rb__update_fn update, rb__copy_fn copy)
{
	struct rb_node *y = x->right, *p = rb_parent(x);

	x->right = y->left;
	if (y->left)
		rb__set_parent(y->left, x);
	y->left = x;
	rb__set_parent(y, p);
	rb__change_child(x, y, p, root);
	rb__set_parent(x, y);
	if (update) {
		copy(x, y);
		update(x);
	}
}

RB__INLINE void rb__rotate_right(struct rb_node *x, struct rb_root *root,
				 rb__update_fn update, rb__copy_fn copy)
{
	struct rb_node *y = x->left, *p = rb_parent(x);

	x->left = y->right;
	if (y->right)
		rb__set_parent(y->right, x);
	y->right = x;
	rb__set_parent(y, p);
	rb__change_child(x, y, p, root);
	rb__set_parent(x, y);
	if (update) {
		copy(x, y);
		update(x);
	}
}

/*
 * @n is red and linked; restore invariant 2 upwards.  Each step either
 * recolours (moving the red-red edge two levels up) or ends with at most
 * two rotations.
 */
RB__INLINE void rb__insert_fixup(struct rb_node *n, struct rb_root *root,
				 rb__update_fn update, rb__copy_fn copy)
{
	for (;;) {
		struct rb_node *p = rb_parent(n), *g, *u;

		if (!p) {
			rb__set_black(n);
			return;
		}
		if (rb_is_black(p))
			return;
		g = rb_parent(p);  /* p is red, so not the root */
		if (p == g->left) {
			u = g->right;
			if (rb_is_red(u)) {
				rb__set_black(p);
				rb__set_black(u);
				rb__set_red(g);
				n = g;
				continue;
			}
			if (n == p->right) {
				rb__rotate_left(p, root, update, copy);
				p = n;
			}
			rb__rotate_right(g, root, update, copy);
		} else {
			u = g->left;
			if (rb_is_red(u)) {
				rb__set_black(p);
				rb__set_black(u);
				rb__set_red(g);
				n = g;
				continue;
			}
			if (n == p->left) {
				rb__rotate_right(p, root, update, copy);
				p = n;
			}
			rb__rotate_left(g, root, update, copy);
		}
		rb__set_black(p);
		rb__set_red(g);
		return;
	}
}

/*
 * The link of @n on side @right (false: left).  The erase fixup below is
 * written once for @n on either side of its parent, naming the sibling's
 * sides "near" (towards @n) and "far" through this.
 */
RB__INLINE struct rb_node **rb__side(struct rb_node *n, bool right)
{
	return right ? &n->right : &n->left;
}

/* rb__rotate_left(@x) if @left, else rb__rotate_right(@x). */
RB__INLINE void rb__rotate(struct rb_node *x, bool left, struct rb_root *root,
			   rb__update_fn update, rb__copy_fn copy)
{
	if (left)
		rb__rotate_left(x, root, update, copy);
	else
		rb__rotate_right(x, root, update, copy);
}

/*
 * One step of the erase fixup below, for @n (possibly NULL) black and one
 * black short, a child of @p: `l` is true when @n is p's left child.  The
 * sibling `s` is then p's right child, its near child s->left, its far
 * child s->right, and the rotations towards @n are left rotations; all
 * mirrored when `l` is false.  The caller passes `l` as a constant in each
 * of two calls, so both sides compile to straight-line code as if written
 * out twice.  Returns true when the deficit moved up to p (*n, *p updated),
 * false when it is resolved.
 */
RB__INLINE bool rb__erase_step(struct rb_node **n, struct rb_node **p,
			       const bool l, struct rb_root *root,
			       rb__update_fn update, rb__copy_fn copy)
{
	struct rb_node *s = *rb__side(*p, l), *far;

	if (rb_is_red(s)) {
		rb__set_black(s);
		rb__set_red(*p);
		rb__rotate(*p, l, root, update, copy);
		s = *rb__side(*p, l);
	}
	far = *rb__side(s, l);
	if (rb_is_black(*rb__side(s, !l)) && rb_is_black(far)) {
		rb__set_red(s);
		*n = *p;
		*p = rb_parent(*n);
		return true;
	}
	if (rb_is_black(far)) {
		rb__set_black(*rb__side(s, !l));
		rb__set_red(s);
		rb__rotate(s, !l, root, update, copy);
		s = *rb__side(*p, l);
		far = *rb__side(s, l);
	}
	s->parent_color = (s->parent_color & ~(uintptr_t)1) |
			  ((*p)->parent_color & 1);
	rb__set_black(*p);
	rb__set_black(far);
	rb__rotate(*p, l, root, update, copy);
	return false;
}

/*
 * A black node was removed above @n (possibly NULL), a child of @p: the
 * paths through @n are one black short.  Push the deficit up or end it with
 * rotations.
 */
RB__INLINE void rb__erase_fixup(struct rb_node *n, struct rb_node *p,
				struct rb_root *root,
				rb__update_fn update, rb__copy_fn copy)
{
	while (p && rb_is_black(n)) {
		bool up = n == p->left ?
			rb__erase_step(&n, &p, true, root, update, copy) :
			rb__erase_step(&n, &p, false, root, update, copy);

		if (!up)
			return;
	}
	if (n)
		rb__set_black(n);
}

RB__INLINE void rb__propagate(struct rb_node *n, rb__update_fn update)
{
	for (; n; n = rb_parent(n))
		if (!update(n))
			return;
}

/* Rebalance after @n was linked (rb_link_node()). */
RB__INLINE void rb__insert(struct rb_node *n, struct rb_root *root,
			   rb__update_fn update, rb__copy_fn copy)
{
	/* The new leaf's summary is unset, so "unchanged" means nothing yet. */
	if (update) {
		update(n);
		rb__propagate(rb_parent(n), update);
	}
	rb__insert_fixup(n, root, update, copy);
}

/*
 * Unlink @node.  With two children, its in-order successor `moved` takes
 * its place and colour, so the node actually removed from the shape is at
 * the successor's old position, which has no left child.  Summaries are
 * brought up to date before rebalancing, whose rotations keep them so.
 */
RB__INLINE void rb__erase(struct rb_node *node, struct rb_root *root,
			  rb__update_fn update, rb__copy_fn copy)
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
				rb__set_parent(child, p);
			moved->right = node->right;
			rb__set_parent(node->right, moved);
		}
		moved->left = node->left;
		rb__set_parent(node->left, moved);
		rb__change_child(node, moved, rb_parent(node), root);
		moved->parent_color = node->parent_color;
		if (update)
			copy(node, moved);
	} else {
		child = node->left ? node->left : node->right;
		removed_black = rb_is_black(node);
		p = rb_parent(node);
		rb__change_child(node, child, p, root);
		if (child)
			rb__set_parent(child, p);
	}

	if (update) {
		/*
		 * Every node from p up lost a member.  Below `moved` an
		 * unchanged summary proves nothing (moved's own value changed),
		 * so early exit is allowed only from `moved` upwards.
		 */
		bool may_stop = !moved;

		for (struct rb_node *x = p; x; x = rb_parent(x)) {
			bool changed = update(x);

			if (x == moved)
				may_stop = true;
			if (!changed && may_stop)
				break;
		}
	}

	if (!removed_black)
		return;
	if (rb_is_red(child)) {
		rb__set_black(child);
		return;
	}
	rb__erase_fixup(child, p, root, update, copy);
}

/*
 * Define, for a summary with static inline callbacks @update and @copy
 * (signatures above), the static inline functions of one augmented tree:
 *
 *   prefix_insert(node, root)  rebalance after rb_link_node();
 *   prefix_add(node, root, less)  link in order under @less (equal keys go
 *                              right), then prefix_insert();
 *   prefix_erase(node, root)   unlink and rebalance;
 *   prefix_propagate(node)     after the caller changed what @node's
 *                              summary depends on (its own value),
 *                              recompute towards the root, stopping once
 *                              nothing changes.
 *
 * None of them can fail.
 */
#define RB_DECLARE_AUGMENTED(prefix, update, copy)                             \
	static inline void prefix##_insert(struct rb_node *node,               \
					   struct rb_root *root)               \
	{                                                                      \
		rb__insert(node, root, update, copy);                          \
	}                                                                      \
	RB__DECLARE_OPS(prefix, update, copy)

/* The functions of RB_DECLARE_AUGMENTED() but prefix_insert. */
#define RB__DECLARE_OPS(prefix, update, copy)                                  \
	static inline void                                                     \
	prefix##_add(struct rb_node *node, struct rb_root *root,               \
		     bool (*less)(const struct rb_node *,                      \
				  const struct rb_node *))                     \
	{                                                                      \
		struct rb_node *parent_;                                       \
		struct rb_node **link_ =                                       \
			rb_add_link(node, root, less, &parent_);               \
		rb_link_node(node, parent_, link_);                            \
		prefix##_insert(node, root);                                   \
	}                                                                      \
	static inline void prefix##_erase(struct rb_node *node,                \
					  struct rb_root *root)                \
	{                                                                      \
		rb__erase(node, root, update, copy);                           \
	}                                                                      \
	static inline void prefix##_propagate(struct rb_node *node)            \
	{                                                                      \
		rb__propagate(node, update);                                   \
	}

/*
 * A "subtree maximum" summary, the shape the kernel's free-space tree uses:
 * for `type` with an rb_node `field`, a summary member `max` of integer type
 * `mtype` and a node value computed by `value(node)`, max = the largest
 * value in the subtree.  Defines `prefix_update`, `prefix_copy`,
 * `prefix_summary_ok` (for rb_validate()), the functions of
 * RB_DECLARE_AUGMENTED() (`prefix_insert`, `prefix_add`, `prefix_erase`,
 * `prefix_propagate`) and
 *
 *   prefix_grow(node)          after @node's own value grew (never shrank):
 *                              raise the maxima from @node upwards to it,
 *                              stopping at the first that already holds as
 *                              much.
 *
 * A maximum that can only rise needs no sibling: prefix_grow() and the
 * propagation in prefix_insert() (a new leaf only raises its ancestors'
 * maxima) read the nodes on the path up and nothing else, where
 * prefix_propagate() recomputes each from both children.  In a tree too
 * big for the caches each sibling read is a likely miss.  The result is the
 * same: update() would stop at the same node, the first whose max was
 * already at least the new value.
 */
#define RB_DECLARE_MAX(prefix, type, field, mtype, max, value)               \
	static inline bool prefix##_update(struct rb_node *rb)                 \
	{                                                                      \
		type *n_ = rb_entry(rb, type, field);                          \
		mtype m_ = value(n_);                                          \
		if (rb->left) {                                                \
			type *c_ = rb_entry(rb->left, type, field);            \
			if (c_->max > m_)                                      \
				m_ = c_->max;                                  \
		}                                                              \
		if (rb->right) {                                               \
			type *c_ = rb_entry(rb->right, type, field);           \
			if (c_->max > m_)                                      \
				m_ = c_->max;                                  \
		}                                                              \
		if (n_->max == m_)                                             \
			return false;                                          \
		n_->max = m_;                                                  \
		return true;                                                   \
	}                                                                      \
	static inline void prefix##_copy(const struct rb_node *from,           \
					 struct rb_node *to)                   \
	{                                                                      \
		rb_entry(to, type, field)->max =                               \
			rb_entry(from, type, field)->max;                      \
	}                                                                      \
	static inline bool prefix##_summary_ok(const struct rb_node *rb)       \
	{                                                                      \
		const type *n_ = rb_entry(rb, type, field);                    \
		mtype m_ = value(n_);                                          \
		if (rb->left && rb_entry(rb->left, type, field)->max > m_)     \
			m_ = rb_entry(rb->left, type, field)->max;             \
		if (rb->right && rb_entry(rb->right, type, field)->max > m_)   \
			m_ = rb_entry(rb->right, type, field)->max;            \
		return n_->max == m_;                                          \
	}                                                                      \
	/* Raise the maxima from @rb up to @m until one holds as much. */      \
	static inline void prefix##_raise(struct rb_node *rb, mtype m_)        \
	{                                                                      \
		for (; rb; rb = rb_parent(rb)) {                               \
			type *n_ = rb_entry(rb, type, field);                  \
			if (n_->max >= m_)                                     \
				return;                                        \
			n_->max = m_;                                          \
		}                                                              \
	}                                                                      \
	static inline void prefix##_grow(struct rb_node *rb)                   \
	{                                                                      \
		prefix##_raise(rb, value(rb_entry(rb, type, field)));          \
	}                                                                      \
	static inline void prefix##_insert(struct rb_node *node,               \
					   struct rb_root *root)               \
	{                                                                      \
		type *n_ = rb_entry(node, type, field);                        \
		n_->max = value(n_);                                           \
		prefix##_raise(rb_parent(node), n_->max);                      \
		rb__insert_fixup(node, root, prefix##_update, prefix##_copy);  \
	}                                                                      \
	RB__DECLARE_OPS(prefix, prefix##_update, prefix##_copy)

#endif /* VMBENCH_RBTREE_AUGMENTED_H */
