/*
 * dpi.h - nDPI classification of each flow's first packets, for the `app`
 * label stored with hits ("TLS.AmazonAWS", "DNS", "HTTP.Google").
 *
 * Each new flow borrows one ndpi_flow_struct from a fixed pool (sized at
 * start-up: SW_DPI_SLOTS_*) and hands nDPI at most SW_DPI_PKTS packets, both
 * directions; the slot goes back as soon as nDPI names the protocol, the
 * packets are spent, or the flow table removes the flow.  What nDPI itself
 * allocates while classifying comes from one arena sized at start-up
 * (SW_DPI_ARENA_KB_PER_SLOT per slot): nothing is allocated per packet.
 * nDPI sees a rebuilt IPv4/IPv6 + TCP/UDP packet of the innermost headers
 * (tunnels, VLANs and fragments already peeled by decode).  Choices, limits
 * and costs: docs/enrichment.md.
 *
 * Built without nDPI (make NDPI=0: SW_NO_NDPI), dpi_new fails with a clear
 * message and dpi_available() is false; nothing else changes.
 */
#ifndef SW_DPI_H
#define SW_DPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/flow.h"
#include "dissectors/decode.h"

struct dpi;

struct dpi_stats {
	uint64_t flows;       /* flows given a slot */
	uint64_t no_slot;     /* flows not classified: the pool was empty */
	uint64_t reclaimed;   /* slots taken back from flows still unnamed
	                         SW_DPI_RECLAIM_S after they began */
	uint64_t packets;     /* packets handed to nDPI */
	uint64_t named;       /* flows nDPI named from their content */
	uint64_t unknown;     /* flows still unknown after SW_DPI_PKTS packets */
	uint64_t in_use;      /* slots held now */
	uint64_t alloc_fail;  /* nDPI allocations the arena refused */
	uint64_t arena_in_use; /* arena bytes in use now (module caches made
	                          while classifying, and flows in progress) */
	uint64_t arena_peak;  /* most arena bytes in use at once */
	uint64_t arena_bytes; /* arena size */
};

/* True when this binary was built with nDPI. */
bool dpi_available(void);

/* The nDPI version string ("4.2.0"), or "none". */
const char *dpi_version(void);

/*
 * Set up nDPI (all protocols) with nslots flow slots (0:
 * SW_DPI_SLOTS_DEFAULT; SW_DPI_SLOTS_MIN..MAX) and its arena, and chain
 * itself to ft's flow-removal hook (flow_table_on_remove; the hook set
 * before, e.g. QUIC's, is still called).  ft must outlive it or be freed
 * first.  Takes ~10 MB and ~0.3 s (nDPI's host and IP tables).  NULL with
 * err on failure (out of memory, bad size, built without nDPI).
 */
struct dpi *dpi_new(struct flow_table *ft, uint32_t nslots, char *err, size_t errlen);
void dpi_free(struct dpi *d);

/*
 * Packet p of flow f, sent by side: handed to nDPI while f is among its
 * first SW_DPI_PKTS packets and not yet named.  d may be NULL (off).
 */
void dpi_packet(struct dpi *d, struct flow *f, int side, const struct pkt *p);

/*
 * The label of f so far ("TLS.AmazonAWS", "DNS") into buf (len >= 2);
 * false (buf "") when nDPI has not named it or d is NULL.
 */
bool dpi_label(const struct dpi *d, const struct flow *f, char *buf, size_t len);

/* Give f's slot back (the flow-removal hook calls this). */
void dpi_release(struct dpi *d, struct flow *f);

void dpi_get_stats(const struct dpi *d, struct dpi_stats *st);

/* One summary line to out when any flow was classified. */
void dpi_summary(const struct dpi *d, FILE *out);

#endif
