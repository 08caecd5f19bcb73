/* SPDX-License-Identifier: MIT */
/*
 * ring — a bounded ring of fixed-size slots between one producer and one
 * consumer, the producer optionally on a thread of its own.  The byte
 * source (source.h) fills chunks of a trace through it, the access-trace
 * reader (workload.h) batches of parsed accesses, so decompression,
 * parsing and simulation can run on different cores while memory stays
 * bounded by nslots * slot_size.  Neither side spins: the one that waits
 * sleeps until half the slots are ready for it (or the end), so a wake-up
 * costs once per half ring, not once per slot.
 *
 * The producer is a callback: produce(ctx, buf, &len, err) fills @buf (at
 * most slot_size bytes), sets *len and returns 1; or returns 0 at the end
 * of the stream, or a negative errno with @err filled.  The end and an
 * error are final: the producer is not called again.  With a thread the
 * callback runs on it and must touch only what @ctx gives it; without one
 * ring_next() calls it in place, into the one slot, so both ways hand the
 * consumer the same sequence of slots.
 *
 * Conventions: functions return 0 / 1 or a negative errno as stated;
 * ring_stop() cannot fail.
 */
#ifndef VMBENCH_RING_H
#define VMBENCH_RING_H

#include <stdbool.h>
#include <stddef.h>

#include <vmbench/reason.h>

struct ring;

typedef int (*ring_produce_fn)(void *ctx, void *buf, size_t *len,
			       struct reason *err);

/*
 * Start a ring of @nslots slots (1 to 64; at least 2 with a thread) of
 * @slot_size bytes each, every slot followed by @pad zeroed bytes the
 * producer may leave as they are (readers scan past a record's end).
 * @threaded: run @fn on a thread of its own.  -EINVAL for a bad count,
 * -ENOMEM, or the errno of pthread_create(); nothing is left allocated.
 */
int ring_start(struct ring **r, unsigned nslots, size_t slot_size,
	       size_t pad, bool threaded, ring_produce_fn fn, void *ctx);

/*
 * The next filled slot: *buf and *len, valid until the next call of
 * ring_next() or ring_stop() (which give the slot back).  Returns 1, 0
 * at the end, or the producer's negative errno with its reason copied to
 * @err; after the end or an error every call returns the same.
 */
int ring_next(struct ring *r, void **buf, size_t *len, struct reason *err);

/*
 * Stop the producer (after the callback it is in returns), join its
 * thread and free the ring.  NULL is allowed.
 */
void ring_stop(struct ring *r);

#endif /* VMBENCH_RING_H */
