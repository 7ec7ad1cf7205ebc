/*
 * pipeline.c - the packet path (see pipeline.h).
 *
 * TCP: each direction of a flow is a half-stream read message by message
 * from its start: a TLS ClientHello, HTTP request heads (bodies skipped by
 * Content-Length), or length-prefixed DNS messages.  Segments that arrive in
 * order and hold whole messages are parsed straight from the packet; only an
 * incomplete message (a ClientHello split over segments, a request head cut
 * in two) or an out-of-order segment is copied into a reassembly slot, which
 * is returned as soon as the message is complete.  Bytes that were already
 * seen must agree with the new copy, so a retransmission with different
 * bytes can never change a name.
 *
 * Recognition is by content: a half-stream starts in HS_PROBE, where each
 * segment start is tried as TLS, then HTTP, then (port 53) DNS; bytes that
 * are none of those (a CONNECT tunnel's reply, a SOCKS greeting, STARTTLS)
 * are scanned for the start of a TLS ClientHello record, up to
 * SW_PRELUDE_MAX bytes, and then skipped a segment at a time until the
 * budget SW_FLOW_BYTE_BUDGET is spent.
 *
 * UDP: every datagram to or from port 53 (not 5353/5355) is a DNS message.
 * QUIC, by content on any port: datagrams that start with a long header of a
 * known version (or a gQUIC CHLO) go to daemon/quic_flow.c (docs/quic.md).
 */
#include "daemon/pipeline.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "daemon/oddity.h"
#include "daemon/quic_flow.h"
#include "daemon/enrich.h"
#include "daemon/resolve.h"
#include "daemon/devices.h"
#include "daemon/util.h"
#include "dissectors/dns.h"
#include "dissectors/hostname.h"
#include "dissectors/http.h"
#include "dissectors/ja4.h"
#include "dissectors/tls.h"
#include "ioc/ioc.h"

#define HN_SEEN_BITS 16
#define HN_SEEN_SIZE (1u << HN_SEEN_BITS)

int pipe_init(struct pipeline *pl, const struct pipe_opts *o,
              const struct ioc_set *iocs, char *err, size_t errlen)
{
	memset(pl, 0, sizeof *pl);
	uint64_t seed = o->seed;
	if (seed == 0 && getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
		seed = 0x5eed5eed5eedULL;
	uint32_t nflows = o->flows ? o->flows : SW_FLOWS_DEFAULT;
	uint32_t nslots = o->reasm_slots ? o->reasm_slots : SW_REASM_SLOTS_DEFAULT;
	uint32_t nhits = o->hitq ? o->hitq : SW_HITQ_DEFAULT;
	pl->ft = flow_table_new(nflows, nslots, seed);
	if (!pl->ft) {
		snprintf(err, errlen, "cannot allocate a flow table of %u flows and %u reassembly slots",
		         nflows, nslots);
		goto fail;
	}
	pl->frag = frag_new();
	pl->scratch = malloc(SW_TLS_SCRATCH);
	pl->quic = quic_flow_new(pl->ft, 0);
	if (!pl->frag || !pl->scratch || !pl->quic) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pipe_enrich_init(pl, o, seed, err, errlen) != 0) /* daemon/enrich.c */
		goto fail;
	if (hitq_init(&pl->hq, nhits) != 0) {
		snprintf(err, errlen, "cannot allocate a hit queue of %u records", nhits);
		goto fail;
	}
	pl->hn_out = o->hostnames;
	if (pl->hn_out) {
		pl->hn_seen = calloc(HN_SEEN_SIZE, sizeof *pl->hn_seen);
		if (!pl->hn_seen) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	pl->iocs = iocs;
	return 0;
fail:
	pipe_fini(pl);
	return -1;
}

void pipe_fini(struct pipeline *pl)
{
	flow_table_free(pl->ft);
	quic_flow_free(pl->quic);
	pl->quic = NULL;
	pipe_enrich_fini(pl); /* daemon/enrich.c */
	frag_free(pl->frag);
	free(pl->scratch);
	free(pl->hn_seen);
	hitq_fini(&pl->hq);
	pl->ft = NULL;
	pl->frag = NULL;
	pl->scratch = NULL;
	pl->hn_seen = NULL;
}

void pipe_set_link(struct pipeline *pl, int dlt)
{
	pl->dlt = dlt;
	pl->frame = 0;
}

void pipe_set_dlt(struct pipeline *pl, int dlt)
{
	pl->dlt = dlt;
}

/* ---- observations ------------------------------------------------------ */

/* FNV-1a over the (flow, kind, value) triple, for --hostnames dedupe. */
static uint64_t obs_hash(uint64_t flow_id, enum sw_kind k, const void *v, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ flow_id * 0x9E3779B97F4A7C15ULL;
	h = (h ^ (uint64_t)k) * 0x100000001b3ULL;
	const uint8_t *b = v;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h | 1; /* 0 marks an empty slot */
}

/* True the first time this (flow, kind, value) is seen.  The set is cleared
 * when it is three quarters full: a repeat may then print again, which is
 * harmless, and memory stays fixed. */
static bool hn_first(struct pipeline *pl, uint64_t h)
{
	uint32_t mask = HN_SEEN_SIZE - 1;
	for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
		if (pl->hn_seen[i] == h)
			return false;
		if (pl->hn_seen[i] == 0) {
			if (pl->hn_seen_n >= HN_SEEN_SIZE / 4 * 3) {
				memset(pl->hn_seen, 0, HN_SEEN_SIZE * sizeof *pl->hn_seen);
				pl->hn_seen_n = 0;
				i = (uint32_t)h & mask;
			}
			pl->hn_seen[i] = h;
			pl->hn_seen_n++;
			return true;
		}
	}
}

static void print_obs(struct pipeline *pl, const struct flow *f,
                      const struct pkt *p, enum sw_kind k,
                      const char *v, size_t n)
{
	if (!pl->hn_out || !hn_first(pl, obs_hash(f->id, k, v, n)))
		return;
	char a[64], b[64];
	fprintf(pl->hn_out, "%s\t%s\t%s\t%u\t", sw_kind_name(k),
	        sw_addr_str(&p->src, a, sizeof a), sw_addr_str(&p->dst, b, sizeof b),
	        (unsigned)p->dport);
	sw_fput_esc(pl->hn_out, v, n);
	fputc('\n', pl->hn_out);
}

/* The path part of an HTTP request target: origin form as is, absolute
 * form from the first '/' after "scheme://authority". */
static void target_path(const struct cur *t, const char **path, size_t *plen)
{
	const char *s = (const char *)t->p;
	size_t n = t->len;
	*path = s;
	*plen = n;
	if (n && s[0] == '/')
		return;
	const char *sep = memmem(s, n, "://", 3);
	if (!sep) {
		*plen = 0;
		return;
	}
	size_t off = (size_t)(sep - s) + 3;
	const char *slash = memchr(s + off, '/', n - off);
	if (!slash) {
		*plen = 0;
		return;
	}
	*path = slash;
	*plen = n - (size_t)(slash - s);
}

/* Of several rules of one family from one source that match the same name
 * (a feed listing both "thd.cc" and "a.thd.cc"), only the most specific one
 * (the longest pattern) is recorded: one event, one row per source. */
static bool outranked(const struct ioc_set *s, const struct ioc_match *m,
                      size_t nm, size_t i)
{
	const struct ioc_rule *a = ioc_rule_get(s, m[i].rule);
	size_t alen = strlen(a->pattern);
	for (size_t j = 0; j < nm; j++) {
		if (j == i)
			continue;
		const struct ioc_rule *b = ioc_rule_get(s, m[j].rule);
		if (strcmp(a->family, b->family) != 0 || strcmp(a->source, b->source) != 0)
			continue;
		size_t blen = strlen(b->pattern);
		if (blen > alen || (blen == alen && j < i))
			return true;
	}
	return false;
}

static bool mac_is_zero(const uint8_t *m)
{
	return (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0;
}

_Static_assert(sizeof(((struct hit *)0)->ja4) == JA4_BUF, "hit.ja4 holds a JA4");

/* Queue one hit per match that is not outranked.  The client is the
 * packet's source unless swap is set (an IP rule matched the source, a DNS
 * answer).  ja4 is the fingerprint of the ClientHello the name came from,
 * or NULL; query the name asked when host is a CNAME target, or NULL.  f
 * (may be NULL) gives the nDPI label and the ECH mark. */
static void push_hits(struct pipeline *pl, const struct flow *f,
                      const struct pkt *p, enum sw_kind k,
                      const char *host, size_t hlen, const char *path, size_t plen,
                      const struct ioc_match *m, size_t nm, bool swap,
                      const char *ja4, const char *query)
{
	struct hit tmpl;
	memset(&tmpl, 0, sizeof tmpl);
	pipe_enrich_hit(pl, f, swap ? &p->src : &p->dst, query, &tmpl); /* daemon/enrich.c */
	for (size_t i = 0; i < nm; i++) {
		if (nm > 1 && outranked(pl->iocs, m, nm, i))
			continue;
		struct hit h = tmpl;
		h.ts_us = p->ts_us;
		h.capture = pl->capture;
		h.kind = (uint8_t)k;
		h.how = m[i].how;
		h.rule = m[i].rule;
		h.count = 1;
		const uint8_t *mac = swap ? p->mac_dst : p->mac_src;
		/* loopback and some tunnels carry all-zero MACs: not a device */
		h.has_mac = p->has_mac && !mac_is_zero(mac);
		if (h.has_mac)
			memcpy(h.client_mac, mac, 6);
		h.client = swap ? p->dst : p->src;
		h.server = swap ? p->src : p->dst;
		h.server_port = swap ? p->sport : p->dport;
		if (hlen >= sizeof h.host)
			hlen = sizeof h.host - 1;
		memcpy(h.host, host, hlen);
		h.host[hlen] = '\0';
		if (path && plen) {
			size_t n = plen < SW_PATH_STORE - 1 ? plen : SW_PATH_STORE - 1;
			memcpy(h.path, path, n);
			h.path[n] = '\0';
		}
		if (ja4)
			memcpy(h.ja4, ja4, sizeof h.ja4);
		pl->c.hits++;
		if (!hitq_push(&pl->hq, &h))
			pl->c.hits_dropped++;
	}
}

/* th: the ClientHello the name came from (its JA4 is stored with each hit,
 * computed only when there is one), or NULL. */
static void record_hits(struct pipeline *pl, const struct flow *f,
                        const struct pkt *p, enum sw_kind k,
                        const char *host, size_t hlen,
                        const char *path, size_t plen,
                        const struct tls_hello *th)
{
	if (!pl->iocs)
		return;
	struct ioc_match m[SW_IOC_MATCH_MAX];
	size_t nm = ioc_match(pl->iocs, host, hlen, path, plen, m, SW_IOC_MATCH_MAX);
	if (nm == 0)
		return;
	char ja4[JA4_BUF];
	bool have_ja4 = th && ja4_compute(th, k == K_QUIC, ja4);
	push_hits(pl, f, p, k, host, hlen, path, plen, m, nm, false,
	          have_ja4 ? ja4 : NULL, NULL);
}

/*
 * IP rules, checked once per flow on its first packet: the destination is
 * the server when the first packet seen is the client's (a SYN, a query); if
 * the capture began with the server's packet, the source matches instead.
 */
static void check_ip_rules(struct pipeline *pl, const struct flow *f,
                           const struct pkt *p)
{
	if (!pl->iocs)
		return;
	struct ioc_match m[SW_IOC_MATCH_MAX];
	char a[64];
	bool swap = false;
	size_t nm = ioc_match_ip(pl->iocs, &p->dst, m, SW_IOC_MATCH_MAX);
	if (nm == 0) {
		nm = ioc_match_ip(pl->iocs, &p->src, m, SW_IOC_MATCH_MAX);
		swap = true;
	}
	if (nm == 0)
		return;
	sw_addr_str(swap ? &p->src : &p->dst, a, sizeof a);
	pl->c.names[K_IP]++;
	push_hits(pl, f, p, K_IP, a, strlen(a), NULL, 0, m, nm, swap, NULL, NULL);
}

static bool printable(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] <= 0x20 || b[i] >= 0x7f)
			return false;
	return n > 0;
}

/*
 * A hostname from the wire (raw bytes): normalise, count, print, match.
 * For K_HTTP, path/plen is the request path used for path-style S3 rules.
 */
static enum hn_res emit_host(struct pipeline *pl, const struct flow *f,
                             const struct pkt *p, enum sw_kind k,
                             const uint8_t *raw, size_t n,
                             const char *path, size_t plen,
                             const struct tls_hello *th)
{
	char host[SW_HOST_BUF + 2];
	size_t hlen;
	enum hn_res r = hn_normalise(raw, n, host, &hlen);
	if (r != HN_NAME && r != HN_IP4 && r != HN_IP6) {
		pl->c.bad_names++;
		/* A Host or server_name that is no hostname is still what the
		 * client claimed: shown (escaped) by --hostnames when it is
		 * printable, never matched.  (DNS names that fail are not
		 * kept by the DNS dissector at all.) */
		if (k != K_DNS && n <= SW_HOST_MAX && printable(raw, n))
			print_obs(pl, f, p, k, (const char *)raw, n);
		return r;
	}
	pl->c.names[k]++;
	if (r == HN_IP6 && k == K_HTTP) {
		/* printed as on the wire: "[addr]" */
		char b[SW_HOST_BUF + 2];
		b[0] = '[';
		memcpy(b + 1, host, hlen);
		b[hlen + 1] = ']';
		print_obs(pl, f, p, k, b, hlen + 2);
	} else {
		print_obs(pl, f, p, k, host, hlen);
	}
	if (r == HN_NAME)
		record_hits(pl, f, p, k, host, hlen, path, plen, th);
	return r;
}

/* ---- DNS answers, resolved names, ECH (daemon/resolve.c) -------------- */

/*
 * Flow f shows no name of its own (p is the client's packet that says so):
 * the name its server address was resolved from becomes a `resolved`
 * observation, and a hit when it matches a rule.  outer (olen): the outer
 * name of an ECH hello, or NULL; the same name as outer is no news.
 */
static void resolved_found(struct pipeline *pl, struct flow *f, const struct pkt *p,
                           const char *outer, size_t olen, const struct tls_hello *th)
{
	char name[SW_HOST_BUF];
	size_t n = rslv_flow_take(pl->rslv, f, name, outer, olen);
	if (n == 0)
		return;
	pl->c.names[K_RESOLVED]++;
	print_obs(pl, f, p, K_RESOLVED, name, n);
	record_hits(pl, f, p, K_RESOLVED, name, n, NULL, 0, th);
}

/*
 * After a ClientHello (r: what its server_name normalised to): an `ech`
 * line with the outer name when it carries encrypted_client_hello; the
 * resolved candidate is used when the hello names no host or hides it
 * behind ECH, and dropped when the hello names its host.
 */
static void hello_extras(struct pipeline *pl, struct flow *f, const struct pkt *p,
                         const struct tls_hello *th, enum sw_kind k, enum hn_res r)
{
	char host[SW_HOST_BUF + 2];
	size_t hlen = 0;
	bool named = r == HN_NAME &&
	             hn_normalise(th->sni.p, th->sni.len, host, &hlen) == HN_NAME;
	if (th->has_ech && named) {
		pl->c.names[K_ECH]++;
		print_obs(pl, f, p, K_ECH, host, hlen);
	}
	if (!f->rslv)
		return;
	if (named && !th->has_ech)
		rslv_flow_drop(pl->rslv, f);
	else
		resolved_found(pl, f, p, named ? host : NULL, hlen, k == K_SNI ? th : NULL);
}

/*
 * A DNS response: CNAME targets of the question's chain that match a rule
 * are hits (kind dns, the query name kept: an operator's own name pointing
 * at its bucket); A/AAAA answers fill the resolved cache.  An answer whose
 * owner matches is no extra hit: the query was counted already.
 */
static void dns_answers(struct pipeline *pl, struct flow *f, const struct pkt *p,
                        const struct dns_msg *m)
{
	if (m->opcode != 0 || m->rcode != 0 || m->n_an == 0)
		return;
	rslv_dns_response(pl->rslv, m, p, pl->iocs);
	if (!pl->iocs)
		return;
	const struct dns_name *chain[SW_DNS_ANSWERS_MAX + 1];
	size_t nc = rslv_chain(m, chain, SW_DNS_ANSWERS_MAX + 1);
	for (size_t j = 1; j < nc; j++) {
		struct ioc_match mm[SW_IOC_MATCH_MAX];
		size_t nm = ioc_match(pl->iocs, chain[j]->name, chain[j]->len, NULL, 0,
		                      mm, SW_IOC_MATCH_MAX);
		if (nm == 0)
			continue;
		pl->cname_hits++;
		push_hits(pl, f, p, K_DNS, chain[j]->name, chain[j]->len, NULL, 0, mm, nm,
		          true, NULL, chain[0]->name);
	}
}

/* ---- dissection of one message --------------------------------------- */

static bool is_dns_port(uint16_t port) { return port == 53; }

static bool flow_is_dns(const struct flow *f)
{
	return is_dns_port(f->key.port[0]) || is_dns_port(f->key.port[1]);
}

static void tls_found(struct pipeline *pl, struct flow *f, const struct pkt *p,
                      const struct tls_hello *th, enum sw_kind k)
{
	if (th->has_ech)
		f->ech = true;
	enum hn_res r = HN_EMPTY;
	if (th->has_sni)
		r = emit_host(pl, f, p, k, th->sni.p, th->sni.len, NULL, 0, th);
	hello_extras(pl, f, p, th, k, r); /* ECH line, resolved name */
}

static void http_found(struct pipeline *pl, struct flow *f, const struct pkt *p,
                       const struct http_req *rq)
{
	const char *path;
	size_t plen;
	target_path(&rq->target, &path, &plen);
	pl->c.names[K_URI]++;
	print_obs(pl, f, p, K_URI, (const char *)rq->target.p, rq->target.len);
	enum hn_res r = HN_EMPTY;
	if (rq->has_host) {
		/* A field value cannot hold control bytes; a server reading it
		 * as a C string stops at the first one, and so do we. */
		size_t vlen = 0;
		while (vlen < rq->host.len && rq->host.p[vlen] >= 0x20 && rq->host.p[vlen] != 0x7f)
			vlen++;
		const uint8_t *h;
		size_t hn = hn_http_host(rq->host.p, vlen, &h);
		r = emit_host(pl, f, p, K_HTTP, h, hn, path, plen, NULL);
	}
	if (r == HN_NAME)
		rslv_flow_drop(pl->rslv, f);
	else if (f->rslv)
		resolved_found(pl, f, p, NULL, 0, NULL); /* Host an IP, or none */
}

static void dns_found(struct pipeline *pl, struct flow *f, const struct pkt *p,
                      const struct dns_msg *m)
{
	if (m->qr) {
		/* a broken answer record is counted; answers cut short by the
		 * snapshot length are not malformed (frames cut counts them) */
		if (m->an_malformed)
			pl->c.malformed_dns++;
		dns_answers(pl, f, p, m);
		return;
	}
	if (m->opcode != 0)
		return;
	for (unsigned i = 0; i < m->n_q; i++) {
		const struct dns_name *q = &m->q[i];
		if (q->res != HN_NAME) {
			if (q->res != HN_EMPTY)
				pl->c.bad_names++;
			continue;
		}
		emit_host(pl, f, p, K_DNS, (const uint8_t *)q->name, q->len, NULL, 0, NULL);
	}
}

/* Look for the start of a TLS ClientHello record inside buf, from offset 1.
 * Returns its offset, or 0 when there is none. */
static size_t find_tls(const uint8_t *buf, size_t len)
{
	for (size_t i = 1; i + 5 < len; i++) {
		const uint8_t *q = memchr(buf + i, 0x16, len - i);
		if (!q)
			return 0;
		i = (size_t)(q - buf);
		if (tls_probe(q, len - i) == D_OK)
			return i;
	}
	return 0;
}

/*
 * Read messages from buf, the len bytes of half-stream h from its offset
 * h->pos on.  Returns the number of stream bytes consumed, which may exceed
 * len when a request body is to be skipped.  *keep is set when the bytes
 * after those consumed begin an incomplete message worth holding.
 */
static uint64_t parse_stream(struct pipeline *pl, struct flow *f, int side,
                             const struct pkt *p, const uint8_t *buf,
                             size_t len, bool *keep)
{
	struct half *h = &f->h[side];
	size_t off = 0;
	*keep = false;

	while (off < len && h->state != HS_DONE) {
		const uint8_t *b = buf + off;
		size_t n = len - off;
		enum dres r;

		switch (h->state) {
		case HS_PROBE:
			r = tls_probe(b, n);
			if (r == D_OK) {
				h->state = HS_TLS;
				continue;
			}
			enum dres rh = http_probe(b, n);
			if (rh == D_OK) {
				h->state = HS_HTTP;
				continue;
			}
			if (flow_is_dns(f)) {
				h->state = HS_DNS;
				continue;
			}
			if (r == D_NOT_MINE && odd_tls_record(b, n))
				pl->c.malformed_tls++; /* a hello with impossible lengths */
			if (r == D_NEED_MORE || rh == D_NEED_MORE) {
				*keep = true;
				return off;
			}
			if (h->probed < SW_PRELUDE_MAX) {
				size_t lim = n;
				if (lim > SW_PRELUDE_MAX - h->probed)
					lim = SW_PRELUDE_MAX - h->probed;
				size_t k = find_tls(b, lim);
				if (k) {
					h->probed += (uint32_t)k;
					off += k;
					h->state = HS_TLS;
					continue;
				}
			}
			/* not a message start: skip the rest of this segment */
			h->probed += (uint32_t)(n > UINT32_MAX - h->probed ? UINT32_MAX - h->probed : n);
			if (h->probed >= SW_FLOW_BYTE_BUDGET)
				h->state = HS_DONE;
			return len;

		case HS_TLS: {
			struct tls_hello th;
			r = tls_client_hello(b, n, pl->scratch, SW_TLS_SCRATCH, &th);
			if (r == D_NEED_MORE) {
				*keep = true;
				return off;
			}
			if (r == D_OK) {
				tls_found(pl, f, p, &th, K_SNI);
				if (f->client < 0)
					f->client = (int8_t)side;
				h->state = HS_DONE;
				f->done = true;
				return off + th.consumed;
			}
			/* a record that looked like a hello but is not one */
			pl->c.malformed_tls++;
			h->state = HS_PROBE;
			h->probed += (uint32_t)(n > SW_PRELUDE_MAX ? SW_PRELUDE_MAX : n);
			if (h->probed >= SW_FLOW_BYTE_BUDGET)
				h->state = HS_DONE;
			return len;
		}

		case HS_HTTP: {
			struct http_req rq;
			r = http_request(b, n, &rq);
			if (r == D_NEED_MORE) {
				*keep = true;
				return off;
			}
			if (r == D_OK) {
				http_found(pl, f, p, &rq);
				if (f->client < 0)
					f->client = (int8_t)side;
				h->probed = 0;
				off += rq.head_len;
				if (rq.is_connect) {
					h->state = HS_PROBE; /* a tunnel (TLS) follows */
				} else if (rq.chunked || rq.body_len > SW_FLOW_BYTE_BUDGET * 1024ULL) {
					/* cannot follow the body: find the next
					 * request at a later segment start */
					h->state = HS_PROBE;
					return len;
				} else if (rq.body_len > len - off) {
					return off + rq.body_len; /* skip the rest */
				} else {
					off += (size_t)rq.body_len;
				}
				continue;
			}
			if (r == D_MALFORMED)
				pl->c.malformed_http++;
			h->state = HS_PROBE;
			if (r == D_NOT_MINE)
				continue;
			return len;
		}

		case HS_DNS: {
			uint16_t mlen;
			struct cur c = cur_make(b, n);
			if (!cur_get_be16(&c, &mlen)) {
				*keep = true;
				return off;
			}
			if (mlen > cur_len(&c)) {
				if (2u + mlen > SW_REASM_BYTES)
					return off + 2u + mlen; /* too big to hold: skip */
				*keep = true;
				return off;
			}
			struct dns_msg m;
			r = dns_parse(cur_ptr(&c), mlen, &m);
			if (r == D_OK)
				dns_found(pl, f, p, &m);
			else if (r == D_MALFORMED)
				pl->c.malformed_dns++;
			off += 2u + mlen;
			continue;
		}

		default:
			return len;
		}
	}
	return off;
}

/* ---- TCP half-streams ------------------------------------------------- */

/* Give up on a half-stream (its slot goes back to the pool). */
static void half_done(struct pipeline *pl, struct half *h)
{
	flow_slot_put(pl->ft, h);
	h->state = HS_DONE;
}

static void tcp_data(struct pipeline *pl, struct flow *f, int side,
                     const struct pkt *p, uint32_t rel,
                     const uint8_t *data, size_t n)
{
	struct half *h = &f->h[side];
	int64_t d = (int64_t)(int32_t)(rel - h->pos); /* offset from pos */

	if (d < 0) {
		/* starts before pos: already consumed or skipped */
		if ((uint64_t)-d >= n)
			return;
		data += -d;
		n -= (size_t)-d;
		d = 0;
	}

	if (!h->slot && d == 0) {
		/* fast path: whole messages straight from the packet */
		bool keep;
		uint64_t used = parse_stream(pl, f, side, p, data, n, &keep);
		h->pos += (uint32_t)used;
		if (!keep || used >= n || h->state == HS_DONE)
			return;
		if (!flow_slot_get(pl->ft, h)) {
			half_done(pl, h);
			pl->c.tcp_gaveup++;
			return;
		}
		data += used;
		n -= (size_t)used;
		d = 0;
	} else if (!h->slot && !flow_slot_get(pl->ft, h)) {
		half_done(pl, h);
		pl->c.tcp_gaveup++;
		return;
	}

	struct reasm_slot *s = flow_slot(pl->ft, h);
	enum reasm_res rs = d > SW_REASM_BYTES ? RS_OVERFLOW :
	                    reasm_store(pl->ft, s, (uint32_t)d, data, (uint32_t)n);
	if (rs == RS_CONFLICT) {
		/* a retransmission disagrees with what we hold: refuse */
		pl->c.tcp_conflicts++;
		half_done(pl, h);
		return;
	}
	if (rs != RS_OK) {
		/* a hole that will not fill (a segment lost before capture):
		 * what is held cannot complete.  A TLS hello is lost; request
		 * streams resynchronise at this segment. */
		pl->c.tcp_gaveup++;
		flow_slot_put(pl->ft, h);
		if (h->state == HS_TLS) {
			half_done(pl, h);
			return;
		}
		h->state = HS_PROBE;
		h->pos = rel;
		tcp_data(pl, f, side, p, rel, data, n);
		return;
	}

	uint32_t contig = reasm_contig(s);
	if (contig == 0)
		return;
	bool keep;
	uint64_t used = parse_stream(pl, f, side, p, s->buf, contig, &keep);
	if (h->state == HS_DONE) {
		flow_slot_put(pl->ft, h);
		return;
	}
	if (used) {
		h->pos += (uint32_t)used;
		reasm_consume(s, (uint32_t)used);
	}
	if (keep && used < contig && contig - used >= SW_REASM_BYTES) {
		/* a message head larger than a slot: give up on it */
		pl->c.tcp_gaveup++;
		half_done(pl, h);
		return;
	}
	if (s->nr == 0)
		flow_slot_put(pl->ft, h);
}

static void tcp_packet(struct pipeline *pl, const struct pkt *p)
{
	int side;
	bool is_new;
	struct flow *f = flow_lookup(pl->ft, p, p->ts_us, &side, &is_new);
	if (is_new)
		check_ip_rules(pl, f, p);
	pipe_enrich_packet(pl, f, side, p, is_new); /* daemon/enrich.c: nDPI, resolved */
	if (f->done)
		return;
	struct half *h = &f->h[side];
	uint32_t seq = p->seq;

	if (p->tcp_flags & TCPF_SYN) {
		if (!(p->tcp_flags & TCPF_ACK)) {
			h->syn = true;
			if (f->client < 0)
				f->client = (int8_t)side;
		} else if (f->client < 0) {
			f->client = (int8_t)!side;
		}
		if (!h->base_known || h->pos == 0) {
			h->base = seq + 1;
			h->base_known = true;
		}
		seq++;
	}
	size_t n = cur_len(&p->payload);
	if (n == 0 || h->state == HS_DONE)
		return;
	/* Once the client is known only its direction is read, except for
	 * DNS, where answers come back. */
	if (f->client >= 0 && side != f->client && !flow_is_dns(f))
		return;
	if (!h->base_known) {
		h->base = seq;
		h->base_known = true;
	}
	tcp_data(pl, f, side, p, seq - h->base, cur_ptr(&p->payload), n);
	/* client bytes that begin no ClientHello or request: no name */
	if (rslv_flow_pending(f, side) &&
	    (h->state == HS_DONE || (h->state == HS_PROBE && h->probed > 0)))
		resolved_found(pl, f, p, NULL, 0, NULL);
	if (f->client >= 0 && f->h[f->client].state == HS_DONE && !flow_is_dns(f)) {
		f->done = true;
		flow_slot_put(pl->ft, &f->h[0]);
		flow_slot_put(pl->ft, &f->h[1]);
	}
}

/* ---- UDP --------------------------------------------------------------- */

static void udp_packet(struct pipeline *pl, const struct pkt *p)
{
	int side;
	bool is_new;
	struct flow *f = flow_lookup(pl->ft, p, p->ts_us, &side, &is_new);
	if (is_new)
		check_ip_rules(pl, f, p);
	pipe_enrich_packet(pl, f, side, p, is_new); /* daemon/enrich.c: nDPI, resolved */
	f->udp_pkts++;
	if (f->client < 0)
		f->client = (int8_t)side;
	if (pl->dev)
		dev_dhcp(pl->dev, p); /* DHCP 67/68: device names (daemon/devices.c) */
	if (is_dns_port(p->sport) || is_dns_port(p->dport)) {
		struct dns_msg m;
		enum dres r = dns_parse(cur_ptr(&p->payload), cur_len(&p->payload), &m);
		if (r == D_OK)
			dns_found(pl, f, p, &m);
		else
			pl->c.malformed_dns++; /* on port 53 but no DNS message, or a cut one */
	}
	/* QUIC Initials, by content (daemon/quic_flow.c) */
	struct tls_hello qh;
	enum sw_kind qk;
	enum dres qr = quic_flow_datagram(pl->quic, f, side, p, &qh, &qk);
	if (qr == D_OK)
		tls_found(pl, f, p, &qh, qk);
	else if (qr != D_NEED_MORE && rslv_flow_pending(f, side))
		resolved_found(pl, f, p, NULL, 0, NULL); /* no QUIC hello: no name */
}

void pipe_packet(struct pipeline *pl, uint64_t ts_us, const uint8_t *data,
                 uint32_t caplen, uint32_t wirelen)
{
	struct pkt p;
	pl->frame++;
	pl->c.packets++;
	pl->c.bytes += wirelen;
	enum decode_err e = decode_packet(pl->dlt, data, caplen, ts_us, pl->frag, &p);
	pl->c.decode[e < DEC_ERR_COUNT ? e : DEC_MALFORMED]++;
	odd_frame(&pl->c, e, &p, caplen, wirelen); /* daemon/oddity.h */
	if (e != DEC_OK)
		return;
	p.ts_us = ts_us;
	p.frame = pl->frame;
	if (p.l4 == 6)
		tcp_packet(pl, &p);
	else if (p.l4 == 17)
		udp_packet(pl, &p);
}

void pipe_summary(struct pipeline *pl, FILE *f)
{
	struct flow_stats fs;
	struct frag_stats rs;
	flow_get_stats(pl->ft, &fs);
	frag_get_stats(pl->frag, &rs);
	const struct sw_counters *c = &pl->c;
	fprintf(f, "packets %" PRIu64 " (%" PRIu64 " bytes), decoded %" PRIu64
	        ", flows %" PRIu64 " (evicted %" PRIu64 ")\n",
	        c->packets, c->bytes, c->decode[DEC_OK], fs.created, fs.evicted);
	fprintf(f, "hostnames:");
	for (int k = 0; k < K_COUNT; k++)
		if (c->names[k] || k <= K_DNS)
			fprintf(f, " %s %" PRIu64, sw_kind_name((enum sw_kind)k), c->names[k]);
	fprintf(f, "\nhits %" PRIu64, c->hits);
	if (c->hits_dropped)
		fprintf(f, " (%" PRIu64 " DROPPED: hit queue full)", c->hits_dropped);
	fprintf(f, "\nmalformed: tls %" PRIu64 ", http %" PRIu64 ", dns %" PRIu64
	        ", hostnames %" PRIu64 ", frames %" PRIu64 "; truncated frames %" PRIu64 "\n",
	        c->malformed_tls, c->malformed_http, c->malformed_dns, c->bad_names,
	        c->decode[DEC_MALFORMED] + c->decode[DEC_TOO_DEEP],
	        c->decode[DEC_TRUNCATED]);
	if (c->tcp_conflicts || c->tcp_gaveup || fs.reasm_exhausted || fs.reasm_stolen)
		fprintf(f, "tcp: %" PRIu64 " conflicting retransmissions refused, %" PRIu64
		        " half-streams abandoned, %" PRIu64 " times no reassembly slot, %" PRIu64
		        " slots taken from stalled half-streams\n",
		        c->tcp_conflicts, c->tcp_gaveup, fs.reasm_exhausted, fs.reasm_stolen);
	odd_summary(c, f); /* daemon/oddity.h */
	quic_flow_summary(pl->quic, f);
	pipe_enrich_summary(pl, f); /* daemon/enrich.c */
	if (rs.completed || rs.overlaps || rs.timeouts)
		fprintf(f, "ip fragments: %" PRIu64 " datagrams reassembled, %" PRIu64
		        " overlaps refused, %" PRIu64 " timed out\n",
		        rs.completed, rs.overlaps, rs.timeouts);
}
