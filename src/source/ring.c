/* SPDX-License-Identifier: MIT */
/*
 * The bounded ring (ring.h).  Slots are used in order; @filled counts the
 * slots the producer published and the consumer has not taken back, so
 * the producer waits while all are filled and the consumer while none is.
 * The slot the consumer holds is given back on its next call, never
 * earlier, so the producer cannot overwrite bytes still being read.
 *
 *     head (next to consume) ─┐          ┌─ tail (next to fill)
 *                             ▼          ▼
 *     [ held | filled | filled | free | free ]
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/ring.h>

struct ring_slot {
	char *buf;
	size_t len;
};

struct ring {
	ring_produce_fn fn;
	void *ctx;
	unsigned nslots;
	bool threaded, held, started;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned head, tail, filled;
	bool stop, done;        /* done: the end or an error was published */
	int final;              /* 0 at the end, or the error */
	struct reason why;      /* the error's reason */
	struct ring_slot slot[];
};

static void *producer(void *arg)
{
	struct ring *r = arg;
	struct reason why = { 0 };

	for (;;) {
		struct ring_slot *s;
		size_t len = 0;
		int ret;

		pthread_mutex_lock(&r->mu);
		/* One slot stays for the consumer to hold. */
		while (!r->stop && r->filled + 1 >= r->nslots)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->stop) {
			pthread_mutex_unlock(&r->mu);
			return NULL;
		}
		s = &r->slot[r->tail];
		pthread_mutex_unlock(&r->mu);

		ret = r->fn(r->ctx, s->buf, &len, &why);

		pthread_mutex_lock(&r->mu);
		if (ret == 1) {
			s->len = len;
			r->tail = (r->tail + 1) % r->nslots;
			r->filled++;
		} else {
			r->done = true;
			r->final = ret;
			r->why = why;
		}
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		if (ret != 1)
			return NULL;
	}
}

int ring_start(struct ring **rp, unsigned nslots, size_t slot_size,
	       size_t pad, bool threaded, ring_produce_fn fn, void *ctx)
{
	struct ring *r;
	int ret;

	*rp = NULL;
	if (!threaded)
		nslots = 1;
	if (nslots < 1u + threaded || nslots > 64 ||
	    slot_size > SIZE_MAX - pad - 64)
		return -EINVAL;
	r = calloc(1, sizeof(*r) + nslots * sizeof(r->slot[0]));
	if (!r)
		return -ENOMEM;
	r->fn = fn;
	r->ctx = ctx;
	r->nslots = nslots;
	r->threaded = threaded;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	for (unsigned i = 0; i < nslots; i++) {
		/* 64-byte aligned, for the SWAR loads of the readers. */
		if (posix_memalign((void **)&r->slot[i].buf, 64,
				   slot_size + pad)) {
			ring_stop(r);
			return -ENOMEM;
		}
		memset(r->slot[i].buf + slot_size, 0, pad);
	}
	if (threaded) {
		ret = pthread_create(&r->thread, NULL, producer, r);
		if (ret) {
			r->threaded = false;
			ring_stop(r);
			return -ret;
		}
		r->started = true;
	}
	*rp = r;
	return 0;
}

int ring_next(struct ring *r, void **buf, size_t *len, struct reason *err)
{
	int ret;

	if (!r->threaded) {
		if (r->done)
			goto final;
		ret = r->fn(r->ctx, r->slot[0].buf, len, &r->why);
		if (ret == 1) {
			*buf = r->slot[0].buf;
			return 1;
		}
		r->done = true;
		r->final = ret;
		goto final;
	}
	pthread_mutex_lock(&r->mu);
	if (r->held) {
		r->held = false;
		r->head = (r->head + 1) % r->nslots;
		r->filled--;
		pthread_cond_broadcast(&r->cv);
	}
	while (!r->filled && !r->done)
		pthread_cond_wait(&r->cv, &r->mu);
	if (r->filled) {
		*buf = r->slot[r->head].buf;
		*len = r->slot[r->head].len;
		r->held = true;
		pthread_mutex_unlock(&r->mu);
		return 1;
	}
	pthread_mutex_unlock(&r->mu);
final:
	if (r->final && err)
		*err = r->why;
	return r->final;
}

void ring_stop(struct ring *r)
{
	if (!r)
		return;
	if (r->started) {
		pthread_mutex_lock(&r->mu);
		r->stop = true;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
	}
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	for (unsigned i = 0; i < r->nslots; i++)
		free(r->slot[i].buf);
	free(r);
}
