/* SPDX-License-Identifier: MIT */
/*
 * The user-space stand-ins for the kernel macros and types that the
 * extracted free-area code of mm/vmalloc.c and lib/rbtree.c use.  vmbench's
 * own text; the kernel's headers that the extracted code includes by name
 * (linux/compiler.h, container_of.h, stddef.h, rcupdate.h, export.h) are
 * one-line files in shim/linux/ that include this one, and the kernel's own
 * rbtree*.h, extracted next to the code, come after them on the include
 * path.
 *
 * Single-threaded: RCU publication is a plain store, a per-CPU variable is
 * the allocator instance's own field, and kmem_cache_* is the instance's
 * node pool (pool.h).  WARN*() never prints: it counts into the instance,
 * whose check() then fails (WARN_ON_ONCE() aside, see there).
 */
#ifndef VMBENCH_LINUX_KSHIM_H
#define VMBENCH_LINUX_KSHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

_Static_assert(sizeof(unsigned long) == 8,
	       "the linux strategy needs a 64-bit unsigned long");

/* Compiler attributes and GNU spellings the kernel builds with. */
#define typeof __typeof__
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define noinline __attribute__((noinline))
#define __rcu
#define __must_check
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define barrier() __asm__ __volatile__("" ::: "memory")
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val) (*(volatile __typeof__(x) *)&(x) = (val))
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define rcu_assign_pointer(p, v) WRITE_ONCE((p), (v))
#define rcu_dereference_raw(p) READ_ONCE(p)

/*
 * lib/rbtree.c defines these with external linkage; vmbench's own rb-tree
 * (src/rbtree.c) has functions of the same names, so the kernel's are
 * renamed for the one translation unit that includes them.
 */
#define rb_insert_color linux_rb_insert_color
#define rb_erase linux_rb_erase
#define __rb_erase_color linux___rb_erase_color
#define __rb_insert_augmented linux___rb_insert_augmented
#define rb_first linux_rb_first
#define rb_last linux_rb_last
#define rb_next linux_rb_next
#define rb_prev linux_rb_prev
#define rb_replace_node linux_rb_replace_node
#define rb_replace_node_rcu linux_rb_replace_node_rcu
#define rb_first_postorder linux_rb_first_postorder
#define rb_next_postorder linux_rb_next_postorder

/* The circular doubly linked list of include/linux/list.h. */
struct list_head {
	struct list_head *next, *prev;
};

static inline void INIT_LIST_HEAD(struct list_head *h)
{
	h->next = h;
	h->prev = h;
}

static inline void list_add(struct list_head *n, struct list_head *head)
{
	struct list_head *next = head->next;

	next->prev = n;
	n->next = next;
	n->prev = head;
	head->next = n;
}

static inline void list_del_init(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	INIT_LIST_HEAD(e);
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)

/* The instance the kernel code runs for (set by every entry point). */
struct linux_vmap;
extern struct linux_vmap *linux_current;
void linux_warn(void);
void *linux_cache_alloc(void);
void linux_cache_free(void *p);
unsigned long linux_page_size(void);

#define WARN(cond, ...) ({ bool w__ = !!(cond); if (w__) linux_warn(); w__; })
#define WARN_ON(cond) WARN((cond), "")
/*
 * The one WARN_ON_ONCE() of the extracted code guards the fit type in
 * va_alloc() / __alloc_vmap_area(): NOTHING_FIT, which the kernel's own
 * arithmetic produces only when ALIGN() wraps past 2^64 (a range no kernel
 * has, but vmap's API allows).  The kernel then fails the allocation, and
 * so does the strategy; it is not counted as a warning.
 */
#define WARN_ON_ONCE(cond) (!!(cond))
#define WARN_ONCE(cond, ...) WARN((cond), "")
#define BUG_ON(cond) WARN((cond), "")

#define __ALIGN_KERNEL_MASK(x, mask) (((x) + (mask)) & ~(mask))
#define ALIGN(x, a) __ALIGN_KERNEL_MASK((x), (__typeof__(x))(a) - 1)
#define PAGE_SIZE linux_page_size()

#define kasan_reset_tag(addr) (addr)

/* kmem_cache_* over the instance's node pool; the flags do not matter. */
#define GFP_NOWAIT 0
#define GFP_KERNEL 0
#define vmap_area_cachep 0
#define kmem_cache_alloc(cache, gfp) linux_cache_alloc()
#define kmem_cache_free(cache, p) linux_cache_free(p)

/* The NE_FIT split's preloaded node: per CPU in the kernel, here the
 * instance's own field (linux.c defines ne_fit_preload_node). */
#define __this_cpu_xchg(var, val) \
	({ __typeof__(var) old__ = (var); (var) = (val); old__; })

#define DEBUG_AUGMENT_PROPAGATE_CHECK 0
#define DEBUG_AUGMENT_LOWEST_MATCH_CHECK 0

struct vm_struct;

#endif /* VMBENCH_LINUX_KSHIM_H */
