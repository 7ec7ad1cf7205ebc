/*
 * flow.c - fixed-capacity flow table, LRU expiry, reassembly slots.
 *
 *   buckets[hash & mask] -> flow index+1 -> hnext -> ...   (hash chains)
 *   lru_head[c] (oldest) <-> ... <-> lru_tail[c] (newest)    (by last packet;
 *                                     one list per class: TCP, UDP, so that
 *                                     each list has one idle timeout)
 *   free list of flows through hnext; free list of slots through next_free
 *
 * Indices are stored +1 so that 0 means "none".
 */
#include "daemon/flow.h"

#include <stdlib.h>
#include <string.h>

struct flow_table {
	uint32_t nflows, nbuckets, nslots;
	uint64_t seed;
	uint64_t next_id;
	struct flow *flows;
	uint32_t *buckets;
	uint32_t free_head;       /* free flows, chained through hnext */
	uint32_t lru_head[2], lru_tail[2]; /* [0] TCP, [1] UDP */
	struct reasm_slot *slots;
	uint32_t slot_free;
	uint32_t slot_lru_head, slot_lru_tail; /* slots in use (index + 1) */
	struct flow_stats st;
	void (*on_remove)(void *ctx, struct flow *f); /* flow_table_on_remove */
	void *on_remove_ctx;
};

/* 64-bit mixing (splitmix64 finaliser) over the key, keyed by the seed. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint32_t key_hash(const struct flow_table *t, const struct flow_key *k)
{
	uint64_t h = t->seed ^ ((uint64_t)k->v << 8 | k->proto);
	h = mix64(h ^ ((uint64_t)k->port[0] << 16 | k->port[1]));
	size_t alen = k->v == 6 ? 16 : 4;
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < alen; i += 4) {
			uint64_t w = (uint64_t)k->addr[s][i] << 24 |
			             (uint64_t)k->addr[s][i + 1] << 16 |
			             (uint64_t)k->addr[s][i + 2] << 8 | k->addr[s][i + 3];
			h = mix64(h ^ (w + ((uint64_t)s << 32) + i));
		}
	}
	return (uint32_t)(h ^ (h >> 32));
}

static bool key_eq(const struct flow_key *a, const struct flow_key *b)
{
	size_t alen = a->v == 6 ? 16 : 4;
	return a->v == b->v && a->proto == b->proto &&
	       a->port[0] == b->port[0] && a->port[1] == b->port[1] &&
	       memcmp(a->addr[0], b->addr[0], alen) == 0 &&
	       memcmp(a->addr[1], b->addr[1], alen) == 0;
}

/* Build the direction-free key of p; returns the side that sent p. */
static int make_key(const struct pkt *p, struct flow_key *k)
{
	size_t alen = p->src.v == 6 ? 16 : 4;
	memset(k, 0, sizeof *k);
	k->v = p->src.v;
	k->proto = p->l4;
	int c = memcmp(p->src.a, p->dst.a, alen);
	if (c == 0)
		c = (p->sport > p->dport) - (p->sport < p->dport);
	int s = c <= 0 ? 0 : 1; /* side of the sender */
	memcpy(k->addr[s], p->src.a, alen);
	memcpy(k->addr[!s], p->dst.a, alen);
	k->port[s] = p->sport;
	k->port[!s] = p->dport;
	return s;
}

struct flow_table *flow_table_new(uint32_t nflows, uint32_t nslots, uint64_t seed)
{
	if (nflows < SW_FLOWS_MIN || nflows > SW_FLOWS_MAX ||
	    nslots < SW_REASM_SLOTS_MIN || nslots > SW_REASM_SLOTS_MAX)
		return NULL;
	struct flow_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->nflows = nflows;
	t->nbuckets = 1;
	while (t->nbuckets < nflows * 2u)
		t->nbuckets <<= 1;
	t->nslots = nslots;
	t->seed = seed;
	t->flows = calloc(nflows, sizeof *t->flows);
	t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
	t->slots = calloc(nslots, sizeof *t->slots);
	if (!t->flows || !t->buckets || !t->slots) {
		flow_table_free(t);
		return NULL;
	}
	for (uint32_t i = 0; i < nflows; i++)
		t->flows[i].hnext = i + 1 < nflows ? i + 2 : 0;
	t->free_head = 1;
	for (uint32_t i = 0; i < nslots; i++)
		t->slots[i].next_free = i + 1 < nslots ? i + 2 : 0;
	t->slot_free = 1;
	return t;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	free(t->flows);
	free(t->buckets);
	free(t->slots);
	free(t);
}

static struct flow *F(struct flow_table *t, uint32_t i1) { return &t->flows[i1 - 1]; }

static int lru_class(const struct flow *f) { return f->key.proto == 6 ? 0 : 1; }

static void lru_unlink(struct flow_table *t, uint32_t i1)
{
	struct flow *f = F(t, i1);
	int c = lru_class(f);
	if (f->lru_prev)
		F(t, f->lru_prev)->lru_next = f->lru_next;
	else
		t->lru_head[c] = f->lru_next;
	if (f->lru_next)
		F(t, f->lru_next)->lru_prev = f->lru_prev;
	else
		t->lru_tail[c] = f->lru_prev;
	f->lru_prev = f->lru_next = 0;
}

static void lru_append(struct flow_table *t, uint32_t i1)
{
	struct flow *f = F(t, i1);
	int c = lru_class(f);
	f->lru_prev = t->lru_tail[c];
	f->lru_next = 0;
	if (t->lru_tail[c])
		F(t, t->lru_tail[c])->lru_next = i1;
	else
		t->lru_head[c] = i1;
	t->lru_tail[c] = i1;
}

/* Remove flow i1 from its chain and the LRU, release its slots, free it. */
static void flow_remove(struct flow_table *t, uint32_t i1)
{
	struct flow *f = F(t, i1);
	uint32_t *pp = &t->buckets[f->hash & (t->nbuckets - 1)];
	while (*pp && *pp != i1)
		pp = &F(t, *pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	lru_unlink(t, i1);
	flow_slot_put(t, &f->h[0]);
	flow_slot_put(t, &f->h[1]);
	if (t->on_remove)
		t->on_remove(t->on_remove_ctx, f);
	memset(f, 0, sizeof *f);
	f->hnext = t->free_head;
	t->free_head = i1;
	t->st.active--;
}

static uint64_t idle_limit_us(const struct flow *f)
{
	return (uint64_t)(f->key.proto == 6 ? SW_FLOW_IDLE_TCP_S : SW_FLOW_IDLE_UDP_S) * 1000000u;
}

void flow_expire(struct flow_table *t, uint64_t now_us)
{
	/* Each list is ordered by last packet time and has one timeout: stop
	 * at the first flow that is still young.  Capture time that goes
	 * backwards (merged files) expires nothing. */
	for (int c = 0; c < 2; c++) {
		uint32_t i1;
		while ((i1 = t->lru_head[c]) != 0) {
			struct flow *f = F(t, i1);
			if (now_us < f->last_us || now_us - f->last_us <= idle_limit_us(f))
				break;
			flow_remove(t, i1);
			t->st.expired++;
		}
	}
}

struct flow *flow_lookup(struct flow_table *t, const struct pkt *p,
                         uint64_t now_us, int *side, bool *is_new)
{
	struct flow_key k;
	*side = make_key(p, &k);
	uint32_t h = key_hash(t, &k);
	uint32_t *bucket = &t->buckets[h & (t->nbuckets - 1)];

	for (uint32_t i1 = *bucket; i1; i1 = F(t, i1)->hnext) {
		struct flow *f = F(t, i1);
		if (f->hash == h && key_eq(&f->key, &k)) {
			if (now_us > f->last_us)
				f->last_us = now_us;
			lru_unlink(t, i1);
			lru_append(t, i1);
			*is_new = false;
			return f;
		}
	}

	flow_expire(t, now_us);
	if (!t->free_head) {
		/* evict the least recently used of the two list heads */
		uint32_t a = t->lru_head[0], b = t->lru_head[1];
		uint32_t victim = !a ? b : !b ? a :
		                  F(t, a)->last_us <= F(t, b)->last_us ? a : b;
		flow_remove(t, victim);
		t->st.evicted++;
	}
	uint32_t i1 = t->free_head;
	struct flow *f = F(t, i1);
	t->free_head = f->hnext;
	memset(f, 0, sizeof *f);
	f->key = k;
	f->hash = h;
	f->id = ++t->next_id;
	f->first_us = f->last_us = now_us;
	f->client = -1;
	/* the chain head may have changed if expiry emptied this bucket */
	f->hnext = *bucket;
	*bucket = i1;
	lru_append(t, i1);
	t->st.created++;
	t->st.active++;
	*is_new = true;
	return f;
}

void flow_get_stats(const struct flow_table *t, struct flow_stats *st)
{
	*st = t->st;
}

void flow_table_on_remove(struct flow_table *t,
                          void (*fn)(void *ctx, struct flow *f), void *ctx)
{
	t->on_remove = fn;
	t->on_remove_ctx = ctx;
}

void flow_table_get_on_remove(const struct flow_table *t,
                              void (**fn)(void *ctx, struct flow *f), void **ctx)
{
	*fn = t->on_remove;
	*ctx = t->on_remove_ctx;
}

/* ---- reassembly slots -------------------------------------------------- */

struct reasm_slot *flow_slot(struct flow_table *t, const struct half *h)
{
	return h->slot ? &t->slots[h->slot - 1] : NULL;
}

static struct reasm_slot *S(struct flow_table *t, uint32_t i1) { return &t->slots[i1 - 1]; }

static void slot_unlink(struct flow_table *t, uint32_t i1)
{
	struct reasm_slot *s = S(t, i1);
	if (s->lru_prev)
		S(t, s->lru_prev)->lru_next = s->lru_next;
	else
		t->slot_lru_head = s->lru_next;
	if (s->lru_next)
		S(t, s->lru_next)->lru_prev = s->lru_prev;
	else
		t->slot_lru_tail = s->lru_prev;
	s->lru_prev = s->lru_next = 0;
}

static void slot_append(struct flow_table *t, uint32_t i1)
{
	struct reasm_slot *s = S(t, i1);
	s->lru_prev = t->slot_lru_tail;
	s->lru_next = 0;
	if (t->slot_lru_tail)
		S(t, t->slot_lru_tail)->lru_next = i1;
	else
		t->slot_lru_head = i1;
	t->slot_lru_tail = i1;
}

bool flow_slot_get(struct flow_table *t, struct half *h)
{
	if (h->slot)
		return true;
	uint32_t i1 = t->slot_free;
	if (i1) {
		t->slot_free = S(t, i1)->next_free;
	} else {
		i1 = t->slot_lru_head;
		if (!i1 || S(t, i1)->owner == h) {
			t->st.reasm_exhausted++;
			return false;
		}
		/* take the least recently fed slot from its half */
		struct half *victim = S(t, i1)->owner;
		slot_unlink(t, i1);
		victim->slot = 0;
		victim->state = HS_DONE;
		t->st.reasm_stolen++;
	}
	struct reasm_slot *s = S(t, i1);
	s->next_free = 0;
	s->nr = 0;
	s->owner = h;
	slot_append(t, i1);
	h->slot = i1;
	t->st.reasm_used++;
	return true;
}

void flow_slot_put(struct flow_table *t, struct half *h)
{
	if (!h->slot)
		return;
	struct reasm_slot *s = S(t, h->slot);
	slot_unlink(t, h->slot);
	s->nr = 0;
	s->owner = NULL;
	s->next_free = t->slot_free;
	t->slot_free = h->slot;
	h->slot = 0;
}

enum reasm_res reasm_store(struct flow_table *t, struct reasm_slot *s,
                           uint32_t off, const uint8_t *p, uint32_t n)
{
	if (n == 0)
		return RS_OK;
	if (off > SW_REASM_BYTES || n > SW_REASM_BYTES - off) {
		t->st.reasm_overflow++;
		return RS_OVERFLOW;
	}
	uint32_t lo = off, hi = off + n;

	/* Every byte already held must agree with the new copy. */
	for (uint32_t i = 0; i < s->nr; i++) {
		uint32_t a = s->r[i].lo > lo ? s->r[i].lo : lo;
		uint32_t b = s->r[i].hi < hi ? s->r[i].hi : hi;
		if (a < b && memcmp(s->buf + a, p + (a - lo), b - a) != 0) {
			t->st.reasm_conflict++;
			return RS_CONFLICT;
		}
	}

	/* Merge [lo, hi) into the sorted range list. */
	uint32_t nlo = lo, nhi = hi, out = 0, tmp_n = 0;
	struct { uint32_t lo, hi; } tmp[SW_REASM_RANGES + 1];
	bool placed = false;
	for (uint32_t i = 0; i < s->nr; i++) {
		if (s->r[i].hi < nlo) {
			tmp[tmp_n].lo = s->r[i].lo;
			tmp[tmp_n++].hi = s->r[i].hi;
		} else if (s->r[i].lo > nhi) {
			if (!placed) {
				tmp[tmp_n].lo = nlo;
				tmp[tmp_n++].hi = nhi;
				placed = true;
			}
			tmp[tmp_n].lo = s->r[i].lo;
			tmp[tmp_n++].hi = s->r[i].hi;
		} else {
			if (s->r[i].lo < nlo)
				nlo = s->r[i].lo;
			if (s->r[i].hi > nhi)
				nhi = s->r[i].hi;
		}
	}
	if (!placed) {
		tmp[tmp_n].lo = nlo;
		tmp[tmp_n++].hi = nhi;
	}
	if (tmp_n > SW_REASM_RANGES) {
		t->st.reasm_too_many_holes++;
		return RS_HOLES;
	}
	memcpy(s->buf + lo, p, n);
	/* fed now: last in line to be taken by flow_slot_get */
	uint32_t i1 = (uint32_t)(s - t->slots) + 1;
	slot_unlink(t, i1);
	slot_append(t, i1);
	for (out = 0; out < tmp_n; out++) {
		s->r[out].lo = tmp[out].lo;
		s->r[out].hi = tmp[out].hi;
	}
	s->nr = tmp_n;
	return RS_OK;
}

uint32_t reasm_contig(const struct reasm_slot *s)
{
	return (s->nr && s->r[0].lo == 0) ? s->r[0].hi : 0;
}

void reasm_consume(struct reasm_slot *s, uint32_t n)
{
	uint32_t top = 0;
	for (uint32_t i = 0; i < s->nr; i++)
		if (s->r[i].hi > top)
			top = s->r[i].hi;
	if (n >= top) {
		s->nr = 0;
		return;
	}
	memmove(s->buf, s->buf + n, top - n);
	uint32_t o = 0;
	for (uint32_t i = 0; i < s->nr; i++) {
		if (s->r[i].hi <= n)
			continue;
		s->r[o].lo = s->r[i].lo > n ? s->r[i].lo - n : 0;
		s->r[o].hi = s->r[i].hi - n;
		o++;
	}
	s->nr = o;
}
