/*
 * hitq.h - the fixed-size queue of hits between the packet path and the
 * database writer.
 *
 * A ring of struct hit records sized once.  The packet path pushes; when the
 * queue is full the hit is dropped and counted (never silently).  The writer
 * takes contiguous runs from the head and pops them once they are committed,
 * so a failed write loses nothing: the run stays queued and is retried.
 * Single producer and single consumer; hitq_lock/unlock guard the indices
 * when they are different threads.
 */
#ifndef SW_HITQ_H
#define SW_HITQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

struct hitq {
	struct hit *ring;
	size_t cap, head, len;
	uint64_t pushed, dropped;
	pthread_mutex_t mu;
};

/* Allocate a queue of cap records (SW_HITQ_MIN..SW_HITQ_MAX). 0 or -1. */
int hitq_init(struct hitq *q, size_t cap);
void hitq_fini(struct hitq *q);

/* Copy h into the queue; false (and dropped++) when full. */
bool hitq_push(struct hitq *q, const struct hit *h);

/* The longest contiguous run of queued hits from the head (at most max);
 * *run points at it.  Returns its length. */
size_t hitq_peek(struct hitq *q, const struct hit **run, size_t max);

/* Remove n hits from the head (after they were committed). */
void hitq_pop(struct hitq *q, size_t n);

size_t hitq_len(struct hitq *q);

#endif
