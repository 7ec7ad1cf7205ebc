/*
 * flow.h - fixed-capacity flow table and TCP handshake reassembly slots.
 *
 * The table is sized once (flow_table_new); flows live in a pool linked into
 * hash chains (seeded hash, direction-free key) and into one LRU list ordered
 * by last packet time.  A lookup that misses takes a free entry; when none is
 * free the least recently used flow is evicted (counted).  Idle flows are
 * expired from the LRU head as capture time advances.  Nothing here
 * allocates after flow_table_new.
 *
 * Each flow has two half-streams (one per direction).  A half-stream that
 * holds an incomplete ClientHello or request head borrows one reassembly
 * slot (SW_REASM_BYTES) from a fixed pool and returns it as soon as the
 * dissector is done with it, or when the flow ends.
 */
#ifndef SW_FLOW_H
#define SW_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/sw_limits.h"
#include "dissectors/decode.h"

/* Direction-free key: the (addr, port) pair that sorts lower is side 0. */
struct flow_key {
	uint8_t v;          /* IP version */
	uint8_t proto;      /* 6 or 17 */
	uint16_t port[2];
	uint8_t addr[2][16];
};

/* What a half-stream is doing. */
enum half_state {
	HS_PROBE = 0,  /* looking for a ClientHello or request at segment starts */
	HS_TLS,        /* a TLS record stream: waiting for the whole ClientHello */
	HS_HTTP,       /* HTTP requests: head by head, bodies skipped */
	HS_DNS,        /* DNS over TCP: length-prefixed messages */
	HS_DONE,       /* nothing more to learn from this direction */
};

/* One direction of a TCP flow. */
struct half {
	uint32_t base;        /* sequence number of stream offset 0 */
	uint32_t pos;         /* stream offset where the next message starts */
	uint32_t probed;      /* bytes looked at without finding anything */
	uint32_t slot;        /* reassembly slot + 1; 0 when none */
	uint8_t state;        /* enum half_state */
	bool base_known;      /* base set (from SYN or first data segment) */
	bool syn;             /* this side sent the SYN (without ACK) */
};

struct flow {
	struct flow_key key;
	uint64_t id;          /* unique serial, never reused */
	uint64_t first_us, last_us;
	uint32_t hnext;       /* hash chain (index + 1) */
	uint32_t lru_prev, lru_next; /* LRU list (index + 1) */
	uint32_t hash;
	int8_t client;        /* side (0/1) that is the client; -1 unknown */
	bool done;            /* no more inspection */
	bool ech;             /* a ClientHello of this flow carried ECH */
	struct half h[2];     /* indexed by the sending side */
	uint32_t udp_pkts;    /* datagrams seen (UDP) */
	/* QUIC (owned by daemon/quic_flow.c): state slot + 1 (0: none), where
	 * the flow is (enum in quic_flow.c; 0: not looked at) and client
	 * long-header datagrams tried */
	uint32_t quic;
	uint8_t quic_st;
	uint8_t quic_tries;
	/* nDPI (owned by daemon/dpi.c): pool slot + 1 (0: none), packets
	 * handed over, state (enum in dpi.c; 0: not started) and the protocol
	 * ids found so far (master, app; 0 unknown) */
	uint32_t dpi;
	uint16_t dpi_proto[2];
	uint8_t dpi_pkts;
	uint8_t dpi_st;
	/* resolved-name candidate (owned by daemon/resolve.c): cache entry + 1
	 * (0: none pending), that entry's generation, side of the server */
	int8_t rslv_srv;
	uint32_t rslv;
	uint32_t rslv_gen;
};

/* A reassembly slot: bytes from a half's pos onwards, with holes. */
struct reasm_slot {
	uint32_t nr;                                   /* ranges used */
	struct { uint32_t lo, hi; } r[SW_REASM_RANGES]; /* sorted, disjoint */
	uint32_t next_free;                             /* free list (index + 1) */
	uint32_t lru_prev, lru_next;                    /* slots in use, least
	                                                   recently stored first */
	struct half *owner;                             /* the half holding it */
	uint8_t buf[SW_REASM_BYTES];
};

struct flow_stats {
	uint64_t created, evicted, expired, active;
	uint64_t reasm_used, reasm_exhausted, reasm_overflow, reasm_conflict;
	uint64_t reasm_stolen;  /* slots taken from the least recently fed half */
	uint64_t reasm_too_many_holes;
};

struct flow_table;

/*
 * Make a table of nflows flows (SW_FLOWS_MIN..SW_FLOWS_MAX) and nslots
 * reassembly slots.  seed keys the hash (from getrandom at start-up; tests
 * may fix it).  Returns NULL on allocation failure or bad sizes.
 */
struct flow_table *flow_table_new(uint32_t nflows, uint32_t nslots, uint64_t seed);
void flow_table_free(struct flow_table *t);

/*
 * Find or create the flow of packet p at time now_us (which also expires idle
 * flows).  *side is set to the side (0/1) that sent p.  *is_new tells whether
 * the flow was created by this call.  Never fails: when the table is full the
 * least recently used flow is evicted.
 */
struct flow *flow_lookup(struct flow_table *t, const struct pkt *p,
                         uint64_t now_us, int *side, bool *is_new);

/* Expire every flow idle since before now_us minus its timeout. */
void flow_expire(struct flow_table *t, uint64_t now_us);

void flow_get_stats(const struct flow_table *t, struct flow_stats *st);

/*
 * Have fn(ctx, f) called for every flow f the table removes (expiry,
 * eviction), before f is cleared, so that state kept elsewhere for it (a
 * QUIC slot) is released.  One hook per table: the pipeline sets it
 * (daemon/quic_flow.c today); a later user chains through it.  fn must
 * not call back into the table.  NULL removes it.
 */
void flow_table_on_remove(struct flow_table *t,
                          void (*fn)(void *ctx, struct flow *f), void *ctx);

/* The hook set now (fn and ctx; both NULL when none), so that a later user
 * can chain to it: read it, set its own, call the old one from its own. */
void flow_table_get_on_remove(const struct flow_table *t,
                              void (**fn)(void *ctx, struct flow *f), void **ctx);

/* ---- reassembly slots -------------------------------------------------- */

/* The slot of half h, or NULL. */
struct reasm_slot *flow_slot(struct flow_table *t, const struct half *h);
/*
 * Give half h a fresh, empty slot.  When the pool is empty, the slot that
 * was fed least recently is taken from its half, which gives up (HS_DONE;
 * counted in reasm_stolen): a flood of half-sent hellos cannot hold every
 * slot, it can only push out each other, and a real hello whose second
 * segment follows within a round trip keeps its slot unless more than a
 * pool's worth of new incomplete hellos arrive in between.  False (counted
 * in reasm_exhausted) only when h is itself the only candidate.
 */
bool flow_slot_get(struct flow_table *t, struct half *h);
/* Return h's slot to the pool (no-op when it has none). */
void flow_slot_put(struct flow_table *t, struct half *h);

/* Outcome of storing bytes in a slot. */
enum reasm_res {
	RS_OK = 0,       /* stored (or already held, identical) */
	RS_CONFLICT,     /* overlaps held bytes with different content */
	RS_OVERFLOW,     /* beyond SW_REASM_BYTES */
	RS_HOLES,        /* more than SW_REASM_RANGES disjoint ranges */
};

/*
 * Store n bytes at offset off of the slot (relative to the half's pos).
 * Bytes that overlap what is held must agree (a retransmission that
 * disagrees is refused: RS_CONFLICT, nothing stored).
 */
enum reasm_res reasm_store(struct flow_table *t, struct reasm_slot *s,
                           uint32_t off, const uint8_t *p, uint32_t n);
/* Length of the contiguous bytes from offset 0. */
uint32_t reasm_contig(const struct reasm_slot *s);
/* Drop the first n bytes (the caller consumed them); offsets shift down. */
void reasm_consume(struct reasm_slot *s, uint32_t n);

#endif
