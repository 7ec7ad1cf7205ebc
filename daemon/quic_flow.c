/*
 * quic_flow.c - per-flow QUIC state (contract in quic_flow.h).
 *
 *   datagram --(client side, long header, known version)-->
 *     for each coalesced packet: Initial?
 *       keys: the flow's cached keys, else (or when they fail) keys derived
 *             from this packet's DCID; success with new keys = a new
 *             connection attempt (after Retry or Version Negotiation):
 *             the CRYPTO stream starts again
 *       decrypt -> frames -> CRYPTO bytes into the stream
 *     whole ClientHello at offset 0?  parse it (tls_parse_hello_msg), done
 *     else hold it in a slot (taken on the first datagram that needs one)
 *
 * A flow without a slot works in q->work; its bytes move into a slot only
 * when the hello is incomplete at the end of the datagram.
 */
#include "daemon/quic_flow.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/quic.h"

/* f->quic_st */
enum {
	QS_NEW = 0,   /* not looked at, or nothing held yet */
	QS_DONE,      /* hello found or given up: ignore the flow */
};

/* One flow's state. */
struct quic_state {
	uint32_t next_free;          /* free list (index + 1) */
	bool has_keys;
	uint32_t version;            /* of the keys */
	uint8_t dcid_len;
	uint8_t dcid[SW_QUIC_CID_MAX];
	struct quic_keys keys;
	struct quic_crypto cr;
};

struct quic_flow {
	uint32_t nslots;
	struct quic_state *slots;
	uint32_t free_head;
	struct quic_state work;       /* a flow without a slot, this datagram */
	struct quic_aead *aead;
	uint8_t pt[SW_QUIC_DGRAM_MAX]; /* decrypted payload */
	uint8_t hello[SW_QUIC_CRYPTO_BYTES]; /* the last hello completed */
	struct quic_flow_stats st;
	void (*prev_fn)(void *ctx, struct flow *f);  /* the hook before ours */
	void *prev_ctx;
};

static void on_remove(void *ctx, struct flow *f)
{
	struct quic_flow *q = ctx;
	quic_flow_release(q, f);
	if (q->prev_fn)
		q->prev_fn(q->prev_ctx, f);
}

struct quic_flow *quic_flow_new(struct flow_table *ft, uint32_t nslots)
{
	if (nslots == 0)
		nslots = SW_QUIC_SLOTS_DEFAULT;
	if (nslots < SW_QUIC_SLOTS_MIN || nslots > SW_QUIC_SLOTS_MAX)
		return NULL;
	struct quic_flow *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->nslots = nslots;
	q->slots = calloc(nslots, sizeof *q->slots);
	q->aead = quic_aead_new();
	if (!q->slots || !q->aead) {
		quic_flow_free(q);
		return NULL;
	}
	for (uint32_t i = 0; i < nslots; i++)
		q->slots[i].next_free = i + 1 < nslots ? i + 2 : 0;
	q->free_head = 1;
	if (ft) {
		/* chain: whoever set the hook before us is still called */
		flow_table_get_on_remove(ft, &q->prev_fn, &q->prev_ctx);
		flow_table_on_remove(ft, on_remove, q);
	}
	return q;
}

void quic_flow_free(struct quic_flow *q)
{
	if (!q)
		return;
	quic_aead_free(q->aead);
	free(q->slots);
	free(q);
}

void quic_flow_release(struct quic_flow *q, struct flow *f)
{
	if (!f->quic || f->quic > q->nslots)
		return;
	struct quic_state *s = &q->slots[f->quic - 1];
	memset(&s->keys, 0, sizeof s->keys);
	s->has_keys = false;
	quic_crypto_reset(&s->cr);
	s->next_free = q->free_head;
	q->free_head = f->quic;
	f->quic = 0;
}

/* Give f a slot holding a copy of w; false when the pool is empty. */
static bool slot_take(struct quic_flow *q, struct flow *f, const struct quic_state *w)
{
	if (!q->free_head)
		return false;
	uint32_t i1 = q->free_head;
	struct quic_state *s = &q->slots[i1 - 1];
	q->free_head = s->next_free;
	/* only the bytes in use: the ranges say which */
	s->has_keys = w->has_keys;
	s->version = w->version;
	s->dcid_len = w->dcid_len;
	memcpy(s->dcid, w->dcid, sizeof s->dcid);
	s->keys = w->keys;
	s->cr.nr = w->cr.nr;
	memcpy(s->cr.r, w->cr.r, sizeof s->cr.r);
	size_t top = 0;
	for (unsigned i = 0; i < w->cr.nr; i++)
		if (w->cr.r[i].hi > top)
			top = w->cr.r[i].hi;
	memcpy(s->cr.buf, w->cr.buf, top);
	s->next_free = 0;
	f->quic = i1;
	q->st.slots_used++;
	return true;
}

static void give_up(struct quic_flow *q, struct flow *f)
{
	quic_flow_release(q, f);
	f->quic_st = QS_DONE;
}

static bool same_cid(const struct quic_state *s, const struct cur *dcid)
{
	return s->dcid_len == cur_len(dcid) &&
	       memcmp(s->dcid, cur_ptr(dcid), s->dcid_len) == 0;
}

/* Decrypt the Initial at pkt (header h) with w's keys, or with keys from
 * its own DCID; on a switch of keys the CRYPTO stream starts again.
 * D_OK with the plaintext in q->pt. */
static enum dres open_initial(struct quic_flow *q, struct quic_state *w,
                              const uint8_t *pkt, const struct quic_hdr *h,
                              size_t *plen)
{
	uint64_t pn;
	bool cached = w->has_keys && w->version == h->version;
	if (cached && quic_decrypt_initial(q->aead, pkt, h, &w->keys, q->pt,
	                                   sizeof q->pt, plen, &pn) == D_OK)
		return D_OK;
	if (cached && same_cid(w, &h->dcid))
		return D_MALFORMED; /* the same keys again: no use */
	struct quic_keys k;
	if (!quic_initial_keys(h->version, cur_ptr(&h->dcid), cur_len(&h->dcid), &k) ||
	    quic_decrypt_initial(q->aead, pkt, h, &k, q->pt, sizeof q->pt, plen, &pn) != D_OK)
		return D_MALFORMED;
	w->keys = k;
	w->has_keys = true;
	w->version = h->version;
	w->dcid_len = (uint8_t)cur_len(&h->dcid);
	memcpy(w->dcid, cur_ptr(&h->dcid), w->dcid_len);
	quic_crypto_reset(&w->cr);
	return D_OK;
}

/* Google QUIC: the name from a cleartext CHLO, copied into q->hello; the
 * hello has nothing else (no ciphers: no JA4).  One CHLO per flow. */
static enum dres gquic(struct quic_flow *q, struct flow *f, const uint8_t *d,
                       size_t n, struct tls_hello *th)
{
	struct cur sni;
	enum dres r = quic_gquic_sni(d, n, &sni);
	if (r == D_NOT_MINE)
		return D_NOT_MINE;
	q->st.gquic++;
	give_up(q, f);
	if (r != D_OK || cur_len(&sni) > sizeof q->hello)
		return D_MALFORMED;
	memset(th, 0, sizeof *th);
	memcpy(q->hello, cur_ptr(&sni), cur_len(&sni));
	th->sni = cur_make(q->hello, cur_len(&sni));
	th->has_sni = true;
	return D_OK;
}

enum dres quic_flow_datagram(struct quic_flow *q, struct flow *f, int side,
                             const struct pkt *p, struct tls_hello *th,
                             enum sw_kind *kind)
{
	const uint8_t *d = cur_ptr(&p->payload);
	size_t n = cur_len(&p->payload);

	if (f->quic_st == QS_DONE || (f->client >= 0 && side != f->client))
		return D_NOT_MINE;
	*kind = K_QUIC;
	if (quic_probe(d, n) != D_OK) {
		*kind = K_GQUIC;
		return gquic(q, f, d, n, th);
	}
	q->st.datagrams++;

	struct quic_state *w;
	if (f->quic) {
		w = &q->slots[f->quic - 1];
	} else {
		w = &q->work;
		w->has_keys = false;
		quic_crypto_reset(&w->cr);
	}

	bool opened = false;
	size_t off = 0;
	while (off < n) {
		struct quic_hdr h;
		if (quic_parse_long(d + off, n - off, &h) != D_OK)
			break; /* a short header, padding, junk or a cut packet */
		if (h.ptype == QUIC_PT_RETRY)
			break;
		if (h.ptype == QUIC_PT_INITIAL) {
			size_t plen;
			if (open_initial(q, w, d + off, &h, &plen) == D_OK) {
				struct quic_frames fr;
				q->st.initials++;
				opened = true;
				if (quic_frames(h.version, q->pt, plen, &w->cr, &fr) != D_OK)
					q->st.bad_frames++;
				if (fr.worst == QC_CONFLICT)
					q->st.conflicts++;
				else if (fr.worst == QC_HOLES) {
					q->st.too_big++;
					give_up(q, f);
					return D_MALFORMED;
				}
			} else {
				q->st.undecryptable++;
			}
		}
		off += h.len;
	}

	size_t hl;
	enum dres r = opened ? quic_crypto_hello(&w->cr, &hl) : D_NEED_MORE;
	if (r == D_OK) {
		memcpy(q->hello, w->cr.buf, hl);
		give_up(q, f);
		r = tls_parse_hello_msg(cur_make(q->hello, hl), th);
		if (r == D_OK) {
			q->st.hellos++;
			return D_OK;
		}
		q->st.bad_hellos++;
		return D_MALFORMED;
	}
	if (r == D_NOT_MINE || r == D_MALFORMED) {
		if (r == D_NOT_MINE)
			q->st.bad_hellos++;
		else
			q->st.too_big++;
		give_up(q, f);
		return D_MALFORMED;
	}
	if (++f->quic_tries >= SW_QUIC_TRIES) {
		q->st.gave_up++;
		give_up(q, f);
		return D_MALFORMED;
	}
	if (opened && !f->quic && w->cr.nr) {
		if (!slot_take(q, f, w)) {
			q->st.no_slot++;
			give_up(q, f);
			return D_MALFORMED;
		}
	}
	return D_NEED_MORE;
}

void quic_flow_get_stats(const struct quic_flow *q, struct quic_flow_stats *st)
{
	*st = q->st;
}

void quic_flow_summary(const struct quic_flow *q, FILE *out)
{
	const struct quic_flow_stats *s = &q->st;
	if (!s->datagrams && !s->gquic)
		return;
	fprintf(out, "quic: %" PRIu64 " gQUIC CHLOs, %" PRIu64 " client datagrams, %" PRIu64 " Initials decrypted (%"
	        PRIu64 " not), %" PRIu64 " hellos (%" PRIu64 " over several datagrams); "
	        "refused: %" PRIu64 " frames, %" PRIu64 " hellos, %" PRIu64 " too big, %"
	        PRIu64 " conflicts; %" PRIu64 " flows gave up, %" PRIu64 " no slot\n",
	        s->gquic, s->datagrams, s->initials, s->undecryptable, s->hellos, s->slots_used,
	        s->bad_frames, s->bad_hellos, s->too_big, s->conflicts, s->gave_up,
	        s->no_slot);
}
