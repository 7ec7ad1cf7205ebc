/*
 * resolve.c - the resolved-name cache (see resolve.h, docs/enrichment.md).
 *
 *   sets[hash(client, addr) & (nsets - 1)] -> SW_RSLV_WAYS entries
 *   entry: client key, address, expiry (capture time), generation, matched,
 *          the name
 *
 * A flow remembers (entry index + 1, generation) of its candidate; the
 * generation changes whenever the entry's name changes or the way is
 * reused, so a flow never reads a name that was not the one it found.
 */
#include "daemon/resolve.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ioc/ioc.h"

struct rslv_entry {
	uint64_t expires_us;       /* 0: empty */
	uint32_t gen;              /* bumped when the name changes or the way is reused */
	struct rslv_client cli;
	struct sw_addr addr;
	bool matched;
	uint8_t len;
	char name[SW_HOST_BUF];
};

struct rslv {
	uint32_t nentries, nsets;
	uint64_t seed;
	struct rslv_entry *e;
	struct rslv_stats st;
};

_Static_assert(SW_HOST_MAX <= 255, "rslv_entry.len is a uint8_t");

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t load64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static uint32_t key_hash(const struct rslv *r, const struct rslv_client *c,
                         const struct sw_addr *a)
{
	uint64_t h = mix64(r->seed ^ ((uint64_t)c->t << 8 | a->v));
	h = mix64(h ^ load64(c->b));
	h = mix64(h ^ load64(c->b + 8));
	h = mix64(h ^ load64(a->a) ^ 0x5bd1e995);
	h = mix64(h ^ load64(a->a + 8));
	return (uint32_t)(h ^ (h >> 32));
}

static bool cli_eq(const struct rslv_client *x, const struct rslv_client *y)
{
	return x->t == y->t && memcmp(x->b, y->b, sizeof x->b) == 0;
}

static bool addr_eq(const struct sw_addr *x, const struct sw_addr *y)
{
	return x->v == y->v && memcmp(x->a, y->a, x->v == 6 ? 16 : 4) == 0;
}

struct rslv *rslv_new(uint32_t entries, uint64_t seed)
{
	if (entries == 0)
		entries = SW_RSLV_ENTRIES_DEFAULT;
	if (entries < SW_RSLV_ENTRIES_MIN || entries > SW_RSLV_ENTRIES_MAX)
		return NULL;
	uint32_t n = 1;
	while (n * 2 <= entries)
		n *= 2;
	uint32_t sets = n / SW_RSLV_WAYS;
	if (sets == 0)
		return NULL;
	struct rslv *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->nsets = sets;
	r->nentries = sets * SW_RSLV_WAYS;
	r->e = calloc(r->nentries, sizeof *r->e);
	if (!r->e) {
		free(r);
		return NULL;
	}
	if (seed == 0 && getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
		seed = 0x7e5017e5017eULL;
	r->seed = seed;
	return r;
}

void rslv_free(struct rslv *r)
{
	if (!r)
		return;
	free(r->e);
	free(r);
}

uint32_t rslv_capacity(const struct rslv *r)
{
	return r->nentries;
}

static bool mac_is_zero(const uint8_t *m)
{
	return (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0;
}

void rslv_client_of(const struct pkt *p, bool dst, struct rslv_client *c)
{
	const uint8_t *mac = dst ? p->mac_dst : p->mac_src;
	const struct sw_addr *a = dst ? &p->dst : &p->src;
	memset(c, 0, sizeof *c);
	if (p->has_mac && !mac_is_zero(mac)) {
		c->t = 1;
		memcpy(c->b, mac, 6);
	} else {
		c->t = a->v;
		memcpy(c->b, a->a, a->v == 6 ? 16 : 4);
	}
}

static bool addr_unspecified(const struct sw_addr *a)
{
	size_t n = a->v == 6 ? 16 : 4;
	for (size_t i = 0; i < n; i++)
		if (a->a[i])
			return false;
	return true;
}

static bool live(const struct rslv_entry *e, uint64_t now_us)
{
	return e->expires_us != 0 && e->expires_us > now_us;
}

static uint64_t expiry(uint32_t ttl, uint64_t now_us)
{
	if (ttl < SW_RSLV_TTL_MIN_S)
		ttl = SW_RSLV_TTL_MIN_S;
	if (ttl > SW_RSLV_TTL_MAX_S)
		ttl = SW_RSLV_TTL_MAX_S;
	return now_us + (uint64_t)ttl * 1000000u;
}

static void set_name(struct rslv_entry *e, const char *name, size_t len, bool matched)
{
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	e->len = (uint8_t)len;
	e->matched = matched;
	e->gen++;
	if (e->gen == 0)
		e->gen = 1;
}

void rslv_put(struct rslv *r, const struct rslv_client *c, const struct sw_addr *a,
              const char *name, size_t len, bool matched, uint32_t ttl,
              uint64_t now_us)
{
	if (len == 0 || len > SW_HOST_MAX || (a->v != 4 && a->v != 6) || addr_unspecified(a))
		return;
	struct rslv_entry *set = &r->e[(key_hash(r, c, a) & (r->nsets - 1)) * SW_RSLV_WAYS];
	struct rslv_entry *free_way = NULL, *victim = NULL;

	for (int w = 0; w < SW_RSLV_WAYS; w++) {
		struct rslv_entry *e = &set[w];
		if (e->expires_us != 0 && cli_eq(&e->cli, c) && addr_eq(&e->addr, a)) {
			bool is_live = live(e, now_us);
			if (is_live && e->len == len && memcmp(e->name, name, len) == 0) {
				/* the same answer again: renew (never shorten) */
				uint64_t x = expiry(ttl, now_us);
				if (x > e->expires_us)
					e->expires_us = x;
				e->matched = e->matched || matched;
				r->st.refreshes++;
				return;
			}
			if (is_live && e->matched && !matched) {
				r->st.kept++;
				return;
			}
			set_name(e, name, len, matched);
			e->expires_us = expiry(ttl, now_us);
			r->st.fills++;
			return;
		}
		if (!live(e, now_us)) {
			if (!free_way)
				free_way = e;
			continue;
		}
		/* eviction order: no rule matched first, then soonest expiry */
		if (!victim || (victim->matched && !e->matched) ||
		    (victim->matched == e->matched && e->expires_us < victim->expires_us))
			victim = e;
	}
	struct rslv_entry *e = free_way;
	if (!e) {
		e = victim;
		r->st.evicted++;
		if (e->matched)
			r->st.evicted_matched++;
	}
	e->cli = *c;
	e->addr = *a;
	set_name(e, name, len, matched);
	e->expires_us = expiry(ttl, now_us);
	r->st.fills++;
}

static struct rslv_entry *find(const struct rslv *r, const struct rslv_client *c,
                               const struct sw_addr *a, uint64_t now_us)
{
	if (a->v != 4 && a->v != 6)
		return NULL;
	struct rslv_entry *set = &r->e[(key_hash(r, c, a) & (r->nsets - 1)) * SW_RSLV_WAYS];
	for (int w = 0; w < SW_RSLV_WAYS; w++) {
		struct rslv_entry *e = &set[w];
		if (live(e, now_us) && cli_eq(&e->cli, c) && addr_eq(&e->addr, a))
			return e;
	}
	return NULL;
}

const char *rslv_get(const struct rslv *r, const struct rslv_client *c,
                     const struct sw_addr *a, uint64_t now_us, size_t *len,
                     bool *matched)
{
	const struct rslv_entry *e = find(r, c, a, now_us);
	if (!e)
		return NULL;
	*len = e->len;
	*matched = e->matched;
	return e->name;
}

/* ---- DNS answers ------------------------------------------------------- */

static bool name_eq(const struct dns_name *x, const struct dns_name *y)
{
	return x->res == HN_NAME && y->res == HN_NAME && x->len == y->len &&
	       memcmp(x->name, y->name, x->len) == 0;
}

size_t rslv_chain(const struct dns_msg *m, const struct dns_name **chain, size_t max)
{
	if (max == 0 || m->n_q == 0 || m->q[0].res != HN_NAME)
		return 0;
	size_t n = 0;
	chain[n++] = &m->q[0];
	/* Each step follows the CNAME owned by the last name; at most one
	 * step per answer, and a target already in the chain ends it. */
	for (unsigned step = 0; step < m->n_an && n < max; step++) {
		const struct dns_name *next = NULL;
		for (unsigned i = 0; i < m->n_an; i++) {
			const struct dns_answer *an = &m->an[i];
			if (an->type == 5 && an->cname.res == HN_NAME &&
			    name_eq(&an->owner, chain[n - 1])) {
				next = &an->cname;
				break;
			}
		}
		if (!next)
			break;
		for (size_t j = 0; j < n; j++)
			if (name_eq(chain[j], next))
				return n; /* a loop */
		chain[n++] = next;
	}
	return n;
}

void rslv_dns_response(struct rslv *r, const struct dns_msg *m, const struct pkt *p,
                       const struct ioc_set *iocs)
{
	if (!r || !m->qr || m->opcode != 0 || m->rcode != 0 || m->n_an == 0)
		return;
	const struct dns_name *chain[SW_DNS_ANSWERS_MAX + 1];
	size_t nc = rslv_chain(m, chain, SW_DNS_ANSWERS_MAX + 1);
	if (nc == 0)
		return;
	/* which chain names match a rule (once per message) */
	bool match[SW_DNS_ANSWERS_MAX + 1];
	for (size_t j = 0; j < nc; j++) {
		struct ioc_match im[1];
		match[j] = iocs && ioc_match(iocs, chain[j]->name, chain[j]->len,
		                             NULL, 0, im, 1) > 0;
	}
	struct rslv_client c;
	rslv_client_of(p, true, &c);
	for (unsigned i = 0; i < m->n_an; i++) {
		const struct dns_answer *an = &m->an[i];
		if (an->type != 1 && an->type != 28)
			continue;
		size_t at = nc;
		for (size_t j = 0; j < nc; j++)
			if (name_eq(&an->owner, chain[j])) {
				at = j;
				break;
			}
		if (at == nc) {
			r->st.offchain++;
			continue;
		}
		r->st.answers++;
		/* the first name up to the owner that matches, else the query */
		const struct dns_name *keep = chain[0];
		bool matched = false;
		for (size_t j = 0; j <= at; j++)
			if (match[j]) {
				keep = chain[j];
				matched = true;
				break;
			}
		struct sw_addr a;
		memset(&a, 0, sizeof a);
		a.v = an->type == 1 ? 4 : 6;
		memcpy(a.a, an->addr, a.v == 4 ? 4 : 16);
		rslv_put(r, &c, &a, keep->name, keep->len, matched, an->ttl, p->ts_us);
	}
}

/* ---- flows ------------------------------------------------------------- */

static bool remember(struct rslv *r, struct flow *f, const struct pkt *p,
                     bool server_is_dst, int server_side)
{
	struct rslv_client c;
	rslv_client_of(p, !server_is_dst, &c);
	const struct sw_addr *srv = server_is_dst ? &p->dst : &p->src;
	struct rslv_entry *e = find(r, &c, srv, p->ts_us);
	if (!e)
		return false;
	f->rslv = (uint32_t)(e - r->e) + 1;
	f->rslv_gen = e->gen;
	f->rslv_srv = (int8_t)server_side;
	r->st.candidates++;
	return true;
}

void rslv_flow_start(struct rslv *r, struct flow *f, int side, const struct pkt *p)
{
	if (!r)
		return;
	f->rslv = 0;
	if (p->sport == 53 || p->dport == 53)
		return;
	r->st.flows++;
	if (p->l4 == 6 && (p->tcp_flags & TCPF_SYN)) {
		if (p->tcp_flags & TCPF_ACK)
			remember(r, f, p, false, side);
		else
			remember(r, f, p, true, !side);
		return;
	}
	if (!remember(r, f, p, true, !side))
		remember(r, f, p, false, side);
}

size_t rslv_flow_take(struct rslv *r, struct flow *f, char *buf,
                      const char *outer, size_t olen)
{
	if (!f->rslv || f->rslv > r->nentries) {
		f->rslv = 0;
		return 0;
	}
	const struct rslv_entry *e = &r->e[f->rslv - 1];
	f->rslv = 0;
	if (e->gen != f->rslv_gen || e->expires_us == 0) {
		r->st.stale++;
		return 0;
	}
	if (outer && olen == e->len && memcmp(outer, e->name, olen) == 0) {
		r->st.own_name++;
		return 0;
	}
	memcpy(buf, e->name, (size_t)e->len + 1);
	r->st.decided++;
	return e->len;
}

void rslv_flow_drop(struct rslv *r, struct flow *f)
{
	if (!f->rslv)
		return;
	f->rslv = 0;
	r->st.own_name++;
}

void rslv_get_stats(const struct rslv *r, struct rslv_stats *st)
{
	*st = r->st;
}

void rslv_summary(const struct rslv *r, FILE *out)
{
	if (!r || (r->st.answers == 0 && r->st.candidates == 0))
		return;
	const struct rslv_stats *s = &r->st;
	fprintf(out, "resolved cache: %" PRIu64 " answers (%" PRIu64 " entries written, %"
	        PRIu64 " renewed, %" PRIu64 " evicted of which %" PRIu64 " matching), %"
	        PRIu64 " of %" PRIu64 " flows to a resolved address: %" PRIu64
	        " attributed, %" PRIu64 " named themselves, %" PRIu64 " stale\n",
	        s->answers, s->fills, s->refreshes, s->evicted, s->evicted_matched,
	        s->candidates, s->flows, s->decided, s->own_name, s->stale);
}
