/* SPDX-License-Identifier: MIT */
/*
 * Simulated physical memory: one byte array that doubles when it runs out
 * of frames, addressed from PT_MEM_BASE.  The allocator hands out fresh
 * frames in address order and reuses freed ones last-in first-out.
 *
 * A sourced memory (pt_mem_create_sourced) is the seam to a physical page
 * allocator: its whole range is one mmap() reservation from the start
 * (top = cap = max, so every address in it can be read), and its frames
 * come from the source, which also hands frames of the same range to
 * other users.  Nothing else differs, so a table reads the same either way.
 */
#define _DEFAULT_SOURCE  /* MAP_ANONYMOUS, MAP_NORESERVE */
#include <stdlib.h>
#include <sys/mman.h>

#include "pt_impl.h"

int pt_mem_create(struct pt_mem **out, unsigned frame_shift,
		  uint64_t pa_limit)
{
	struct pt_mem *m;

	if (frame_shift < 10 || frame_shift > 24 ||
	    PT_MEM_BASE & ((1ULL << frame_shift) - 1) ||
	    pa_limit < PT_MEM_BASE + (1ULL << frame_shift))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->shift = frame_shift;
	m->max = (pa_limit - PT_MEM_BASE) >> frame_shift;
	m->host0 = (uintptr_t)0 - PT_MEM_BASE;
	*out = m;
	return 0;
}

int pt_mem_create_sourced(struct pt_mem **out, unsigned frame_shift,
			  uint64_t frames, const struct pt_frame_source *src,
			  void *ctx)
{
	struct pt_mem *m;
	void *p;

	if (frame_shift < 10 || frame_shift > 24 || !frames ||
	    frames > (SIZE_MAX >> frame_shift) / 2 ||
	    frames > SIZE_MAX / sizeof(*m->count))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->count = calloc((size_t)frames, sizeof(*m->count));
	p = mmap(NULL, (size_t)frames << frame_shift, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!m->count || p == MAP_FAILED) {
		if (p != MAP_FAILED)
			munmap(p, (size_t)frames << frame_shift);
		free(m->count);
		free(m);
		return -ENOMEM;
	}
	m->bytes = p;
	m->shift = frame_shift;
	m->cap = m->top = m->max = frames;
	m->host0 = (uintptr_t)p - PT_MEM_BASE;
	m->end = m->top << frame_shift;
	m->src = src;
	m->src_ctx = ctx;
	*out = m;
	return 0;
}

void pt_mem_destroy(struct pt_mem *m)
{
	if (!m)
		return;
	if (m->src)
		munmap(m->bytes, (size_t)m->cap << m->shift);
	else
		free(m->bytes);
	free(m->count);
	free(m->free_stack);
	free(m);
}

static int grow(struct pt_mem *m)
{
	uint64_t cap = m->cap ? 2 * m->cap : PT_MEM_INITIAL_FRAMES;
	uint8_t *b;
	uint32_t *c;

	if (cap > m->max)
		cap = m->max;
	if (cap <= m->cap || cap > SIZE_MAX >> m->shift)
		return -ENOMEM;
	b = realloc(m->bytes, (size_t)cap << m->shift);
	if (!b)
		return -ENOMEM;
	m->bytes = b;
	m->host0 = (uintptr_t)b - PT_MEM_BASE;
	c = realloc(m->count, (size_t)cap * sizeof(*c));
	if (!c)
		return -ENOMEM;
	m->count = c;
	m->cap = cap;
	return 0;
}

int pt_frame_alloc(struct pt_mem *m, uint64_t *pa)
{
	uint64_t i;

	if (m->src) {
		int err = m->src->alloc(m->src_ctx, pa);

		if (err)
			return err;
		/* A frame outside the memory would be written out of
		 * bounds: refuse it (a source that breaks its contract). */
		if (*pa < PT_MEM_BASE || *pa & ((1ULL << m->shift) - 1) ||
		    pt_mem_frame_index(m, *pa) >= m->cap) {
			m->src->free(m->src_ctx, *pa);
			return -EFAULT;
		}
		i = pt_mem_frame_index(m, *pa);
		memset(m->bytes + (i << m->shift), 0, (size_t)1 << m->shift);
		m->count[i] = 0;
		m->in_use++;
		return 0;
	}
	if (m->nfree) {
		i = m->free_stack[--m->nfree];
	} else {
		if (m->top == m->cap) {
			int err = grow(m);

			if (err)
				return err;
		}
		i = m->top++;
		m->end = m->top << m->shift;
	}
	memset(m->bytes + (i << m->shift), 0, (size_t)1 << m->shift);
	m->count[i] = 0;
	m->in_use++;
	*pa = PT_MEM_BASE + (i << m->shift);
	return 0;
}

void pt_frame_free(struct pt_mem *m, uint64_t pa)
{
	if (m->src) {
		m->src->free(m->src_ctx, pa);
		m->in_use--;
		return;
	}
	if (m->nfree == m->free_cap) {
		uint64_t cap = m->free_cap ? 2 * m->free_cap : 64;
		uint64_t *s = realloc(m->free_stack, cap * sizeof(*s));

		/*
		 * Without room to remember it the frame is leaked: correct,
		 * only less memory to reuse.
		 */
		if (!s) {
			m->in_use--;
			return;
		}
		m->free_stack = s;
		m->free_cap = cap;
	}
	m->free_stack[m->nfree++] = pt_mem_frame_index(m, pa);
	m->in_use--;
}

uint64_t pt_mem_frames_in_use(const struct pt_mem *m)
{
	return m->in_use;
}

static int check_access(const struct pt_mem *m, uint64_t pa, unsigned bytes)
{
	if (bytes != 4 && bytes != 8)
		return -EINVAL;
	if (pa & (bytes - 1))
		return -EINVAL;
	if (pa < PT_MEM_BASE || pa - PT_MEM_BASE >= m->top << m->shift)
		return -EFAULT;
	return 0;
}

int pt_mem_read(const struct pt_mem *m, uint64_t pa, unsigned bytes,
		uint64_t *val)
{
	int err = check_access(m, pa, bytes);
	const uint8_t *p;

	if (err)
		return err;
	p = m->bytes + (pa - PT_MEM_BASE);
	if (bytes == 4) {
		uint32_t v;

		memcpy(&v, p, 4);
		*val = v;
	} else {
		memcpy(val, p, 8);
	}
	return 0;
}

int pt_mem_write(struct pt_mem *m, uint64_t pa, unsigned bytes, uint64_t val)
{
	int err = check_access(m, pa, bytes);
	uint8_t *p;

	if (err)
		return err;
	p = m->bytes + (pa - PT_MEM_BASE);
	if (bytes == 4) {
		uint32_t v = (uint32_t)val;

		memcpy(p, &v, 4);
	} else {
		memcpy(p, &val, 8);
	}
	return 0;
}
