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
 *
 * Waking is batched, so that the side that is faster sleeps and wakes
 * once per @wake slots instead of once per slot (a wake is a futex call
 * on each side and two context switches): a consumer that found the ring
 * empty sleeps until @wake slots are filled or the end is published; a
 * producer that found it full sleeps until @wake slots are free.  Each
 * side sleeps on a condition variable of its own and is signalled only
 * when it sleeps and its condition holds.  Neither side spins.  No
 * deadlock: the producer stops only with nslots - 1 >= @wake slots
 * filled, the consumer only with none held and fewer than @wake filled.
 * The producer signals after unlocking, so the woken consumer does not
 * block on @mu at once (helgrind calls that "dubious"; it is safe: the
 * consumer set cons_sleeps and entered the wait under @mu, and every
 * wait is a loop over its condition).  The consumer signals under @mu,
 * before it may itself wait.
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
	unsigned wake;          /* 1 .. nslots - 1: slots per wake-up */
	bool threaded, held, started;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv_prod, cv_cons;
	bool prod_sleeps, cons_sleeps;
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
		bool wake;
		int ret;

		pthread_mutex_lock(&r->mu);
		/* One slot stays for the consumer to hold; once full, wait
		 * for @wake free ones. */
		if (r->filled + 1 >= r->nslots)
			while (!r->stop && r->filled + r->wake >= r->nslots) {
				r->prod_sleeps = true;
				pthread_cond_wait(&r->cv_prod, &r->mu);
			}
		r->prod_sleeps = false;
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
		wake = r->cons_sleeps && (r->done || r->filled >= r->wake);
		if (wake)
			r->cons_sleeps = false;
		pthread_mutex_unlock(&r->mu);
		/* Signalled unlocked: the woken side need not block on @mu. */
		if (wake)
			pthread_cond_signal(&r->cv_cons);
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
	r->wake = nslots / 2 ? nslots / 2 : 1;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv_prod, NULL);
	pthread_cond_init(&r->cv_cons, NULL);
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
		/* Before this side may sleep below: under @mu. */
		if (r->prod_sleeps && r->filled + r->wake < r->nslots) {
			r->prod_sleeps = false;
			pthread_cond_signal(&r->cv_prod);
		}
	}
	/* Empty: wait for @wake filled slots, or the end. */
	if (!r->filled)
		while (!r->done && r->filled < r->wake) {
			r->cons_sleeps = true;
			pthread_cond_wait(&r->cv_cons, &r->mu);
		}
	r->cons_sleeps = false;
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
		pthread_cond_signal(&r->cv_prod);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
	}
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv_prod);
	pthread_cond_destroy(&r->cv_cons);
	for (unsigned i = 0; i < r->nslots; i++)
		free(r->slot[i].buf);
	free(r);
}
