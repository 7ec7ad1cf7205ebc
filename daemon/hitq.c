/*
 * hitq.c - ring buffer of hits (see hitq.h).
 */
#include "daemon/hitq.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/sw_limits.h"

int hitq_init(struct hitq *q, size_t cap)
{
	memset(q, 0, sizeof *q);
	if (cap < SW_HITQ_MIN || cap > SW_HITQ_MAX)
		return -1;
	q->ring = calloc(cap, sizeof *q->ring);
	if (!q->ring)
		return -1;
	q->cap = cap;
	pthread_mutex_init(&q->mu, NULL);
	return 0;
}

void hitq_fini(struct hitq *q)
{
	if (q->ring)
		pthread_mutex_destroy(&q->mu);
	free(q->ring);
	q->ring = NULL;
}

bool hitq_push(struct hitq *q, const struct hit *h)
{
	pthread_mutex_lock(&q->mu);
	if (q->len == q->cap) {
		q->dropped++;
		pthread_mutex_unlock(&q->mu);
		return false;
	}
	q->ring[(q->head + q->len) % q->cap] = *h;
	q->len++;
	q->pushed++;
	pthread_mutex_unlock(&q->mu);
	return true;
}

size_t hitq_peek(struct hitq *q, const struct hit **run, size_t max)
{
	pthread_mutex_lock(&q->mu);
	size_t n = q->len;
	if (n > q->cap - q->head)
		n = q->cap - q->head;
	if (n > max)
		n = max;
	*run = q->ring + q->head;
	pthread_mutex_unlock(&q->mu);
	return n;
}

void hitq_pop(struct hitq *q, size_t n)
{
	pthread_mutex_lock(&q->mu);
	if (n > q->len)
		n = q->len;
	q->head = (q->head + n) % q->cap;
	q->len -= n;
	pthread_mutex_unlock(&q->mu);
}

size_t hitq_len(struct hitq *q)
{
	pthread_mutex_lock(&q->mu);
	size_t n = q->len;
	pthread_mutex_unlock(&q->mu);
	return n;
}
