/* SPDX-License-Identifier: MIT */
/*
 * The ring (ring.h): every slot arrives once, in order, then the end or
 * the producer's error (with its reason), for every slot count, threaded
 * or not, with the producer slower than the consumer (the consumer sleeps
 * and is woken per half ring), the consumer slower (the producer sleeps
 * when full), and both in turn; a ring stopped early while its producer
 * sleeps on a full ring joins it.  A lost wake-up hangs the test, which
 * meson's timeout turns into a failure.
 */
#include <errno.h>
#include <time.h>

#include <vmbench/ring.h>

#include "../test.h"

#define N 1000

struct prod {
	unsigned long next;     /* the next number to write */
	unsigned long end;      /* numbers 0 .. end - 1, then @ret */
	int ret;                /* 0: the end; else an error */
	unsigned slow;          /* 1: sleep before each slot; 2: in turns */
};

/* A pause of a few microseconds: enough for the other side to sleep. */
static void pause_us(unsigned us)
{
	struct timespec ts = { 0, (long)us * 1000 };

	nanosleep(&ts, NULL);
}

/* Phases of 100 slots: the producer is slow in even phases. */
static bool slow_now(unsigned slow, unsigned long i, bool producer)
{
	if (slow == 2)
		return ((i / 100) % 2 == 0) == producer;
	return slow == (producer ? 1u : 3u);
}

static int produce(void *ctx, void *buf, size_t *len, struct reason *err)
{
	struct prod *p = ctx;

	if (p->next == p->end)
		return p->ret ? reason_fail(err, p->ret, 7, "stop at %lu",
					    p->end) : 0;
	if (slow_now(p->slow, p->next, true))
		pause_us(10);
	/* A slot of next % 5 + 1 words, each the slot's number. */
	*len = (p->next % 5 + 1) * sizeof(unsigned long);
	for (size_t k = 0; k < p->next % 5 + 1; k++)
		((unsigned long *)buf)[k] = p->next;
	p->next++;
	return 1;
}

static void run(unsigned nslots, bool threaded, unsigned slow, int end_ret)
{
	struct prod p = { .end = N, .ret = end_ret, .slow = slow };
	struct reason why = { 0 };
	struct ring *r;
	unsigned long i;
	void *buf;
	size_t len;
	int ret;

	ASSERT_OK(ring_start(&r, nslots, 5 * sizeof(unsigned long), 8,
			     threaded, produce, &p));
	for (i = 0; (ret = ring_next(r, &buf, &len, &why)) == 1; i++) {
		ASSERT_EQ(len, (i % 5 + 1) * sizeof(unsigned long));
		for (size_t k = 0; k < i % 5 + 1; k++)
			ASSERT_EQ(((unsigned long *)buf)[k], i);
		if (slow_now(slow, i, false))
			pause_us(10);
	}
	ASSERT_EQ(i, N);
	ASSERT_EQ(ret, end_ret);
	if (end_ret) {
		ASSERT_EQ(why.line, 7);
		ASSERT_STREQ(why.msg, "stop at 1000");
	}
	/* Final: every later call says the same. */
	ASSERT_EQ(ring_next(r, &buf, &len, NULL), end_ret);
	ring_stop(r);
}

/* Stop after a few slots, the producer asleep on a full ring. */
static void stop_early(unsigned nslots)
{
	struct prod p = { .end = N };
	struct ring *r;
	void *buf;
	size_t len;

	ASSERT_OK(ring_start(&r, nslots, 5 * sizeof(unsigned long), 8, true,
			     produce, &p));
	ASSERT_EQ(ring_next(r, &buf, &len, NULL), 1);
	ASSERT_EQ(ring_next(r, &buf, &len, NULL), 1);
	pause_us(2000);
	ring_stop(r);
	ASSERT_LE(p.next, 2 + nslots);
}

int main(void)
{
	static const unsigned counts[] = { 2, 3, 4, 8, 64 };

	for (unsigned slow = 0; slow <= 3; slow++)
		run(1, false, slow, slow == 2 ? -EIO : 0);
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		for (unsigned slow = 0; slow <= 3; slow++)
			run(counts[c], true, slow, slow == 2 ? -EIO : 0);
		stop_early(counts[c]);
	}
	ASSERT_EQ(ring_start(&(struct ring *){ NULL }, 1, 8, 0, true,
			     produce, NULL), -EINVAL);
	return 0;
}
