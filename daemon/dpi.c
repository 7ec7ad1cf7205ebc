/*
 * dpi.c - nDPI on each flow's first packets (see dpi.h, docs/enrichment.md).
 *
 *   flow --first packet--> slot from the pool (ndpi_flow_struct, zeroed)
 *        --each packet---> rebuilt L3 packet -> ndpi_detection_process_packet
 *        --named, or SW_DPI_PKTS packets, or flow removed--> ndpi_free_flow_data,
 *                          slot back to the pool; the ids stay in struct flow
 *
 * Memory: nDPI calls ndpi_malloc/ndpi_free (hooked here, process-wide) for
 * its tables at start-up and for per-flow buffers while classifying.  Every
 * block carries a 16-byte header saying where it came from:
 *   - start-up and teardown (no arena current): libc malloc/free;
 *   - while a pipeline calls into nDPI (its arena is current, thread-local):
 *     the arena, a fixed region carved into power-of-two blocks kept on
 *     free lists per size; an allocation it cannot serve returns NULL,
 *     which nDPI handles as "no buffer" (counted).
 * So the packet path never reaches malloc, and nDPI's per-flow memory is
 * bounded by the arena whatever the traffic does.
 */
#include "daemon/dpi.h"
#include "daemon/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/sw_limits.h"

#ifndef SW_NO_NDPI

#include <pthread.h>
#include <ndpi_api.h>

/* ---- the allocator ------------------------------------------------------ */

#define ARENA_MAGIC 0x44504941u  /* "DPIA" */
#define LIBC_MAGIC 0x4c494243u   /* "LIBC" */
#define MIN_SHIFT 5              /* smallest block: 32 bytes of user data */
#define N_CLASSES 14             /* largest block: 256 KiB */

union blk_hdr {
	struct {
		uint32_t magic;
		uint32_t cls;
		void *owner;
	} h;
	unsigned char pad[16];
};
_Static_assert(sizeof(union blk_hdr) == 16, "block header is 16 bytes");
_Static_assert((32u << (N_CLASSES - 1)) >= SW_DPI_ALLOC_MAX, "classes cover SW_DPI_ALLOC_MAX");

struct arena {
	uint8_t *base;
	size_t size, used;           /* bump pointer over base[0..size) */
	union blk_hdr *free_list[N_CLASSES]; /* next pointer kept in the user part */
	size_t in_use, peak;
	uint64_t fails;
};

static _Thread_local struct arena *cur_arena;

static size_t class_size(unsigned c) { return (size_t)32 << c; }

/* Take a free block of class c, splitting a larger free block when c has
 * none (memory moves from large classes to small ones; never back). */
static union blk_hdr *take_free(struct arena *a, unsigned c)
{
	union blk_hdr *h = a->free_list[c];
	if (h) {
		void *next;
		memcpy(&next, h + 1, sizeof next);
		a->free_list[c] = next;
		return h;
	}
	for (unsigned big = c + 1; big < N_CLASSES; big++) {
		union blk_hdr *b = a->free_list[big];
		if (!b)
			continue;
		void *next;
		memcpy(&next, b + 1, sizeof next);
		a->free_list[big] = next;
		size_t bsz = sizeof(union blk_hdr) + class_size(big);
		size_t sz = sizeof(union blk_hdr) + class_size(c);
		/* the first piece is returned, the others go on c's list */
		for (size_t off = sz; off + sz <= bsz; off += sz) {
			union blk_hdr *piece = (union blk_hdr *)(void *)((uint8_t *)b + off);
			void *head = a->free_list[c];
			memcpy(piece + 1, &head, sizeof head);
			a->free_list[c] = piece;
		}
		return b;
	}
	return NULL;
}

static void *arena_alloc(struct arena *a, size_t n)
{
	if (n > SW_DPI_ALLOC_MAX) {
		a->fails++;
		return NULL;
	}
	unsigned c = 0;
	while (class_size(c) < n)
		c++;
	size_t blk = sizeof(union blk_hdr) + class_size(c);
	union blk_hdr *h = NULL;
	if (a->free_list[c] == NULL && a->size - a->used >= blk) {
		h = (union blk_hdr *)(void *)(a->base + a->used);
		a->used += blk;
	} else {
		h = take_free(a, c);
	}
	if (!h) {
		a->fails++;
		return NULL;
	}
	h->h.magic = ARENA_MAGIC;
	h->h.cls = c;
	h->h.owner = a;
	a->in_use += blk;
	if (a->in_use > a->peak)
		a->peak = a->in_use;
	return h + 1;
}

static void *hook_malloc(size_t n)
{
	if (cur_arena)
		return arena_alloc(cur_arena, n);
	if (n > SIZE_MAX - sizeof(union blk_hdr))
		return NULL;
	union blk_hdr *h = malloc(sizeof *h + n);
	if (!h) {
		/* Outside the arena this is start-up: libndpi 4.2 does not
		 * check every allocation of ndpi_init_detection_module and
		 * would crash later; stop here with the reason instead. */
		fatalx("nDPI: out of memory at start-up (%zu bytes); run with "
		       "--no-ndpi or give the process more memory", n);
	}
	h->h.magic = LIBC_MAGIC;
	h->h.cls = 0;
	h->h.owner = NULL;
	return h + 1;
}

static void hook_free(void *p)
{
	if (!p)
		return;
	union blk_hdr *h = (union blk_hdr *)p - 1;
	if (h->h.magic == LIBC_MAGIC) {
		h->h.magic = 0;
		free(h);
		return;
	}
	if (h->h.magic != ARENA_MAGIC || h->h.cls >= N_CLASSES)
		abort(); /* not ours: memory is corrupt; stop before it spreads */
	struct arena *a = h->h.owner;
	unsigned c = h->h.cls;
	h->h.magic = 0;
	void *next = a->free_list[c];
	memcpy(h + 1, &next, sizeof next);
	a->free_list[c] = h;
	a->in_use -= sizeof(union blk_hdr) + class_size(c);
}

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void hooks_set(void)
{
	set_ndpi_malloc(hook_malloc);
	set_ndpi_free(hook_free);
}

/* ---- the pool -------------------------------------------------------------- */

enum { DS_NONE = 0, DS_RUNNING, DS_DONE };

/* Book-keeping of one slot; indices are + 1 (0: none). */
struct slot_meta {
	struct flow *owner;          /* the flow using it (valid while in use:
	                                the removal hook gives it back) */
	uint64_t taken_us;           /* capture time it was taken */
	uint32_t prev, next;         /* in-use list, or free list (next) */
};

struct dpi {
	struct ndpi_detection_module_struct *mod;
	struct ndpi_flow_struct *slots;
	struct slot_meta *meta;      /* per slot: owner, age, list links */
	uint32_t nslots, free_head;  /* free list through meta.next */
	uint32_t used_head, used_tail; /* slots in use, oldest first */
	struct arena arena;
	uint8_t *pkt;                /* rebuilt packet */
	struct dpi_stats st;
	struct flow_table *ft;
	void (*prev_fn)(void *ctx, struct flow *f); /* chained removal hook */
	void *prev_ctx;
};

bool dpi_available(void) { return true; }

const char *dpi_version(void) { return ndpi_revision(); }

static void on_remove(void *ctx, struct flow *f)
{
	struct dpi *d = ctx;
	dpi_release(d, f);
	if (d->prev_fn)
		d->prev_fn(d->prev_ctx, f);
}

struct dpi *dpi_new(struct flow_table *ft, uint32_t nslots, char *err, size_t errlen)
{
	if (nslots == 0)
		nslots = SW_DPI_SLOTS_DEFAULT;
	if (nslots < SW_DPI_SLOTS_MIN || nslots > SW_DPI_SLOTS_MAX) {
		snprintf(err, errlen, "nDPI flow slots: %u is not in %u..%u", nslots,
		         SW_DPI_SLOTS_MIN, SW_DPI_SLOTS_MAX);
		return NULL;
	}
	pthread_once(&hooks_once, hooks_set);
	struct dpi *d = calloc(1, sizeof *d);
	if (!d)
		goto oom;
	d->nslots = nslots;
	d->slots = calloc(nslots, sizeof *d->slots);
	d->meta = calloc(nslots, sizeof *d->meta);
	d->arena.size = (size_t)nslots * SW_DPI_ARENA_KB_PER_SLOT * 1024u;
	d->arena.base = aligned_alloc(16, d->arena.size);
	d->pkt = malloc(60 + SW_DPI_PAYLOAD_MAX);
	if (!d->slots || !d->meta || !d->arena.base || !d->pkt)
		goto oom;
	for (uint32_t i = 0; i < nslots; i++)
		d->meta[i].next = i + 1 < nslots ? i + 2 : 0;
	d->free_head = 1;
	d->st.arena_bytes = d->arena.size;

	d->mod = ndpi_init_detection_module(ndpi_no_prefs);
	if (!d->mod)
		goto oom;
	NDPI_PROTOCOL_BITMASK all;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(d->mod, &all);
	ndpi_finalize_initialization(d->mod);

	if (ft) {
		d->ft = ft;
		flow_table_get_on_remove(ft, &d->prev_fn, &d->prev_ctx);
		flow_table_on_remove(ft, on_remove, d);
	}
	return d;
oom:
	snprintf(err, errlen, "nDPI: out of memory (%u flow slots, %u KiB arena)", nslots,
	         nslots * SW_DPI_ARENA_KB_PER_SLOT);
	dpi_free(d);
	return NULL;
}

void dpi_free(struct dpi *d)
{
	if (!d)
		return;
	/* Flow buffers still held live in the arena, freed below as a whole.
	 * The module's own blocks are libc's, or the arena's when nDPI made
	 * them lazily while classifying: free those before the arena. */
	if (d->mod)
		ndpi_exit_detection_module(d->mod);
	free(d->arena.base);
	free(d->slots);
	free(d->meta);
	free(d->pkt);
	free(d);
}

static void put16(uint8_t *b, uint16_t v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }
static void put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24); b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8); b[3] = (uint8_t)v;
}

/* The innermost IP + TCP/UDP header of p rebuilt in front of (at most
 * SW_DPI_PAYLOAD_MAX bytes of) its payload.  Returns the length. */
static size_t rebuild(uint8_t *b, const struct pkt *p)
{
	struct cur pl = p->payload;
	size_t n = cur_len(&pl);
	if (n > SW_DPI_PAYLOAD_MAX)
		n = SW_DPI_PAYLOAD_MAX;
	size_t l4 = p->l4 == 6 ? 20 : 8;
	size_t ip = p->src.v == 6 ? 40 : 20;
	memset(b, 0, ip + l4);
	if (ip == 20) {
		b[0] = 0x45;
		put16(b + 2, (uint16_t)(ip + l4 + n));
		b[6] = 0x40;             /* DF */
		b[8] = 64;
		b[9] = p->l4;
		memcpy(b + 12, p->src.a, 4);
		memcpy(b + 16, p->dst.a, 4);
	} else {
		b[0] = 0x60;
		put16(b + 4, (uint16_t)(l4 + n));
		b[6] = p->l4;
		b[7] = 64;
		memcpy(b + 8, p->src.a, 16);
		memcpy(b + 24, p->dst.a, 16);
	}
	uint8_t *t = b + ip;
	put16(t, p->sport);
	put16(t + 2, p->dport);
	if (p->l4 == 6) {
		put32(t + 4, p->seq);
		put32(t + 8, p->ack);
		t[12] = 5 << 4;
		t[13] = p->tcp_flags;
		put16(t + 14, 65535);
	} else {
		put16(t + 4, (uint16_t)(8 + n));
	}
	cur_copy(&pl, b + ip + l4, n);
	return ip + l4 + n;
}

static void slot_put(struct dpi *d, struct flow *f)
{
	uint32_t i1 = f->dpi;
	f->dpi = 0;
	struct arena *saved = cur_arena;
	cur_arena = &d->arena;
	ndpi_free_flow_data(&d->slots[i1 - 1]);
	cur_arena = saved;
	struct slot_meta *m = &d->meta[i1 - 1];
	if (m->prev)
		d->meta[m->prev - 1].next = m->next;
	else
		d->used_head = m->next;
	if (m->next)
		d->meta[m->next - 1].prev = m->prev;
	else
		d->used_tail = m->prev;
	m->owner = NULL;
	m->prev = 0;
	m->next = d->free_head;
	d->free_head = i1;
	d->st.in_use--;
}

/*
 * A slot for f at capture time now_us: a free one, else the one taken
 * longest ago when that was at least SW_DPI_RECLAIM_S before, or when
 * capture time went backwards since (its flow has had its packets: a SYN
 * that was never answered, a silent UDP peer; it stays unnamed).  0 when
 * none.
 */
static uint32_t slot_get(struct dpi *d, struct flow *f, uint64_t now_us)
{
	if (!d->free_head && d->used_head) {
		struct slot_meta *old = &d->meta[d->used_head - 1];
		/* capture time that went backwards (merged files) makes the
		 * age unknown: take it back too */
		if (now_us < old->taken_us ||
		    now_us - old->taken_us >= (uint64_t)SW_DPI_RECLAIM_S * 1000000u) {
			struct flow *o = old->owner;
			slot_put(d, o);
			o->dpi_st = DS_DONE;
			d->st.reclaimed++;
		}
	}
	uint32_t i1 = d->free_head;
	if (!i1)
		return 0;
	struct slot_meta *m = &d->meta[i1 - 1];
	d->free_head = m->next;
	m->owner = f;
	m->taken_us = now_us;
	m->next = 0;
	m->prev = d->used_tail;
	if (d->used_tail)
		d->meta[d->used_tail - 1].next = i1;
	else
		d->used_head = i1;
	d->used_tail = i1;
	d->st.in_use++;
	return i1;
}

void dpi_release(struct dpi *d, struct flow *f)
{
	if (!d || !f->dpi || f->dpi > d->nslots)
		return;
	slot_put(d, f);
	if (f->dpi_st == DS_RUNNING)
		f->dpi_st = DS_DONE;
}

static bool known(const uint16_t *proto)
{
	return proto[0] != NDPI_PROTOCOL_UNKNOWN || proto[1] != NDPI_PROTOCOL_UNKNOWN;
}

void dpi_packet(struct dpi *d, struct flow *f, int side, const struct pkt *p)
{
	(void)side;
	if (!d || f->dpi_st == DS_DONE)
		return;
	if (f->dpi_st == DS_NONE) {
		uint32_t i1 = slot_get(d, f, p->ts_us);
		if (!i1) {
			d->st.no_slot++;
			f->dpi_st = DS_DONE;
			return;
		}
		memset(&d->slots[i1 - 1], 0, sizeof d->slots[i1 - 1]);
		f->dpi = i1;
		f->dpi_st = DS_RUNNING;
		d->st.flows++;
	}
	struct ndpi_flow_struct *nf = &d->slots[f->dpi - 1];
	size_t len = rebuild(d->pkt, p);
	cur_arena = &d->arena;
	ndpi_protocol r = ndpi_detection_process_packet(d->mod, nf, d->pkt,
	                      (unsigned short)len, p->ts_us / 1000u);
	f->dpi_pkts++;
	d->st.packets++;
	uint16_t got[2] = { r.master_protocol, r.app_protocol };
	if (!known(got) && f->dpi_pkts >= SW_DPI_PKTS) {
		/* last chance: what nDPI made of what it saw, but no guess from
		 * the port alone */
		uint8_t guessed = 0;
		ndpi_protocol g = ndpi_detection_giveup(d->mod, nf, 0, &guessed);
		if (!guessed) {
			got[0] = g.master_protocol;
			got[1] = g.app_protocol;
		}
	}
	cur_arena = NULL;
	if (known(got)) {
		f->dpi_proto[0] = got[0];
		f->dpi_proto[1] = got[1];
		d->st.named++;
		slot_put(d, f);
		f->dpi_st = DS_DONE;
	} else if (f->dpi_pkts >= SW_DPI_PKTS) {
		d->st.unknown++;
		slot_put(d, f);
		f->dpi_st = DS_DONE;
	}
}

bool dpi_label(const struct dpi *d, const struct flow *f, char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	if (!d || len < 2 || !known(f->dpi_proto))
		return false;
	ndpi_protocol pr;
	memset(&pr, 0, sizeof pr);
	pr.master_protocol = f->dpi_proto[0];
	pr.app_protocol = f->dpi_proto[1];
	/* ndpi_protocol2name writes "master.app", or one name when they are
	 * the same or one is unknown */
	char tmp[SW_APP_BUF];
	ndpi_protocol2name(d->mod, pr, tmp, sizeof tmp);
	tmp[sizeof tmp - 1] = '\0';
	size_t n = strlen(tmp);
	if (n == 0)
		return false;
	if (n >= len)
		n = len - 1;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return true;
}

void dpi_get_stats(const struct dpi *d, struct dpi_stats *st)
{
	*st = d->st;
	st->alloc_fail = d->arena.fails;
	st->arena_peak = d->arena.peak;
	st->arena_in_use = d->arena.in_use;
}

#else /* SW_NO_NDPI: compiled out (make NDPI=0) */

struct dpi {
	int unused;
};

bool dpi_available(void) { return false; }

const char *dpi_version(void) { return "none"; }

struct dpi *dpi_new(struct flow_table *ft, uint32_t nslots, char *err, size_t errlen)
{
	(void)ft;
	(void)nslots;
	snprintf(err, errlen, "this binary was built without nDPI (make NDPI=0)");
	return NULL;
}

void dpi_free(struct dpi *d) { (void)d; }

void dpi_packet(struct dpi *d, struct flow *f, int side, const struct pkt *p)
{
	(void)d; (void)f; (void)side; (void)p;
}

bool dpi_label(const struct dpi *d, const struct flow *f, char *buf, size_t len)
{
	(void)d; (void)f;
	if (len)
		buf[0] = '\0';
	return false;
}

void dpi_release(struct dpi *d, struct flow *f) { (void)d; (void)f; }

void dpi_get_stats(const struct dpi *d, struct dpi_stats *st)
{
	(void)d;
	memset(st, 0, sizeof *st);
}

#endif

void dpi_summary(const struct dpi *d, FILE *out)
{
	if (!d)
		return;
	struct dpi_stats s;
	dpi_get_stats(d, &s);
	if (s.flows == 0 && s.no_slot == 0)
		return;
	fprintf(out, "ndpi: %" PRIu64 " flows classified (%" PRIu64 " named, %" PRIu64
	        " unknown), %" PRIu64 " packets, %" PRIu64 " flows without a slot, %" PRIu64
	        " slots reclaimed, arena peak %" PRIu64 " of %" PRIu64 " KiB, %" PRIu64 " allocations refused\n",
	        s.flows, s.named, s.unknown, s.packets, s.no_slot, s.reclaimed,
	        s.arena_peak / 1024, s.arena_bytes / 1024, s.alloc_fail);
}
