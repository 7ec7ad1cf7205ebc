/*
 * resolve.h - the resolved-name cache: which name a client resolved an
 * address from, so that a later flow of that client to that address which
 * shows no name of its own (Encrypted Client Hello, a ClientHello without
 * server_name, an app talking to a bare IP) is still attributed to it
 * (kind `resolved`).  Choices and limits: docs/enrichment.md.
 *
 * The cache is filled from DNS responses (A and AAAA answers that belong to
 * the question's CNAME chain) and keyed by (client, server address): the
 * client is its MAC when the link has one (a phone asks over IPv4 and
 * connects over IPv6 from another address), else its IP.  It is a fixed
 * set-associative table sized at start-up (SW_RSLV_ENTRIES_*, SW_RSLV_WAYS);
 * entries live their TTL clamped to [SW_RSLV_TTL_MIN_S, SW_RSLV_TTL_MAX_S]
 * of capture time.  Nothing is allocated after rslv_new.
 *
 * Which name is kept: the first name of the chain (query, CNAME targets in
 * order, the record's owner last) that matches an IOC rule when rules are
 * given, else the query name; whether it matched is kept too and protects
 * the entry from eviction by names that match nothing.  Whether a flow gets
 * a hit is decided again at use time (ioc_match on the kept name), so a
 * reload of the rules applies to names resolved before it.
 */
#ifndef SW_RESOLVE_H
#define SW_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/flow.h"
#include "daemon/sw_limits.h"
#include "dissectors/decode.h"
#include "dissectors/dns.h"

struct ioc_set;
struct rslv;

/* Who resolved: t = 1 and a MAC in b[0..6), or t = 4 / 6 and an address. */
struct rslv_client {
	uint8_t t;
	uint8_t b[16];
};

struct rslv_stats {
	uint64_t answers;        /* A/AAAA answers of the question's chain read */
	uint64_t offchain;       /* A/AAAA/CNAME records not in the question's chain (ignored) */
	uint64_t fills;          /* entries written (new or changed name) */
	uint64_t refreshes;      /* same name again: TTL renewed */
	uint64_t kept;           /* a name matching no rule refused over a live matching one */
	uint64_t evicted;        /* live entries pushed out of a full set */
	uint64_t evicted_matched; /* of those, entries whose name matched a rule */
	uint64_t flows;          /* new flows looked up */
	uint64_t candidates;     /* ... to an address in the cache */
	uint64_t decided;        /* flows attributed (no name of their own, or
	                            an ECH outer name that differs) */
	uint64_t own_name;       /* flows with a candidate that showed their own name */
	uint64_t stale;          /* candidates whose entry was replaced before use */
};

/*
 * A cache of `entries` entries (0: SW_RSLV_ENTRIES_DEFAULT; rounded down to
 * a power of two; SW_RSLV_ENTRIES_MIN..MAX), hashed with seed (0: random).
 * NULL on allocation failure or a size out of range.
 */
struct rslv *rslv_new(uint32_t entries, uint64_t seed);
void rslv_free(struct rslv *r);

/* Entries the cache holds (after rounding). */
uint32_t rslv_capacity(const struct rslv *r);

/* The client key of packet p: its source (dst false) or its destination. */
void rslv_client_of(const struct pkt *p, bool dst, struct rslv_client *c);

/*
 * Put name (normalised, len <= SW_HOST_MAX) for (c, a) with ttl seconds
 * (clamped) at capture time now_us.  A live entry for (c, a) is renewed
 * when the name is the same, replaced when it differs, except that a name
 * matching no rule never replaces a live one that matched (counted as
 * kept).  A new key takes an empty or expired way of its set, else evicts
 * the way that matched no rule and expires first (then the one that
 * expires first).  Unspecified addresses (0.0.0.0, ::) are not stored:
 * blocking resolvers answer with them.
 */
void rslv_put(struct rslv *r, const struct rslv_client *c, const struct sw_addr *a,
              const char *name, size_t len, bool matched, uint32_t ttl,
              uint64_t now_us);

/*
 * The live entry for (c, a) at now_us: returns its name (NUL-terminated,
 * valid until the next rslv_put) and sets *len, *matched; NULL when none.
 */
const char *rslv_get(const struct rslv *r, const struct rslv_client *c,
                     const struct sw_addr *a, uint64_t now_us, size_t *len,
                     bool *matched);

/*
 * The CNAME chain of a response: chain[0] is the first question's name,
 * each next one the target of the CNAME owned by the one before (loops and
 * records outside the chain are not followed).  Returns how many names were
 * written (0 when the first question is no hostname), at most max.
 */
size_t rslv_chain(const struct dns_msg *m, const struct dns_name **chain, size_t max);

/*
 * Fill the cache from DNS message m carried by p (a response: QR=1, opcode
 * 0, NOERROR; anything else is ignored).  The client is p's destination.
 * iocs (may be NULL) picks the name kept (see above).
 */
void rslv_dns_response(struct rslv *r, const struct dns_msg *m, const struct pkt *p,
                       const struct ioc_set *iocs);

/*
 * On the first packet p (sent by side) of a new flow f: remember the entry
 * for (client, server) when there is one (f->rslv).  A SYN names the
 * server (its destination), a SYN-ACK too (its source); any other first
 * packet tries its destination, then its source.  DNS flows (port 53) are
 * not looked up.
 */
void rslv_flow_start(struct rslv *r, struct flow *f, int side, const struct pkt *p);

/* True when f has a pending candidate and side is its client. */
static inline bool rslv_flow_pending(const struct flow *f, int side)
{
	return f->rslv != 0 && side != f->rslv_srv;
}

/*
 * The flow showed no name of its own (or only outer, olen: the outer name
 * of an ECH hello; NULL when none): copy the candidate's name into buf
 * (SW_HOST_BUF bytes, NUL-terminated) and return its length.  0 when there
 * is none, when its entry was replaced since (counted as stale), or when
 * it is outer itself (the hello named it after all: counted as own name).
 * The candidate is cleared either way.
 */
size_t rslv_flow_take(struct rslv *r, struct flow *f, char *buf,
                      const char *outer, size_t olen);

/* The flow showed its own name: forget the candidate (counted). */
void rslv_flow_drop(struct rslv *r, struct flow *f);

void rslv_get_stats(const struct rslv *r, struct rslv_stats *st);

/* One summary line to out when the cache saw any answer. */
void rslv_summary(const struct rslv *r, FILE *out);

#endif
