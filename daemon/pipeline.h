/*
 * pipeline.h - the packet path: decode -> flow -> dissectors -> IOC -> hits.
 *
 * One struct pipeline per capture loop.  pipe_packet() is called from the
 * libpcap callback with the frame's bytes, which are valid only during the
 * call; the only copies made are hits (into the hit queue) and the bytes of
 * incomplete handshakes (into reassembly slots).  `replay` and `run` share
 * this; they differ only in where frames come from.
 */
#ifndef SW_PIPELINE_H
#define SW_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/flow.h"
#include "daemon/hitq.h"
#include "dissectors/decode.h"
#include "dissectors/dissect.h"

struct ioc_set;
struct dev_table;
struct quic_flow;
struct rslv;
struct dpi;
struct geoip;

/* Everything counted on the packet path (never logged there). */
struct sw_counters {
	uint64_t packets, bytes;
	uint64_t decode[DEC_ERR_COUNT];  /* decode outcomes, DEC_OK included */
	uint64_t names[K_COUNT];         /* observations by kind */
	uint64_t bad_names;              /* hostnames refused by normalisation */
	uint64_t malformed_tls, malformed_http, malformed_dns;
	uint64_t tcp_conflicts;          /* retransmissions that disagreed */
	uint64_t tcp_gaveup;             /* half-streams abandoned (overflow) */
	uint64_t hits;                   /* IOC matches (events) */
	uint64_t hits_dropped;           /* hit queue full */
	/* odd frames (daemon/oddity.h) */
	uint64_t snapped;                /* caplen < wirelen: cut by the snaplen */
	uint64_t len_lies;               /* whole frames shorter than an IP/UDP
	                                    length field says */
};

/* Sizes and switches of a pipeline. */
struct pipe_opts {
	uint32_t flows;          /* flow table entries (SW_FLOWS_DEFAULT) */
	uint32_t reasm_slots;    /* reassembly slots (SW_REASM_SLOTS_DEFAULT) */
	uint32_t hitq;           /* hit queue records (SW_HITQ_DEFAULT) */
	FILE *hostnames;         /* when set: print every (flow, kind, value) */
	uint64_t seed;           /* flow hash seed; 0: random */
	/* enrichment (docs/enrichment.md) */
	bool no_ndpi;            /* do not classify flows with nDPI */
	uint32_t ndpi_slots;     /* flows classified at once (SW_DPI_SLOTS_DEFAULT) */
	uint32_t resolve_entries; /* resolved-name cache (SW_RSLV_ENTRIES_DEFAULT) */
	const char *geoip_country; /* MMDB files for server_country, server_asn */
	const char *geoip_asn;   /* and server_org of hits; NULL: none */
};

/* A pipeline.  Fields are read by the caller (counters, hit queue); the
 * rest is private to pipeline.c. */
struct pipeline {
	struct sw_counters c;
	struct hitq hq;
	const struct ioc_set *iocs;  /* may be NULL: nothing is matched */
	struct flow_table *ft;
	struct frag_table *frag;
	FILE *hn_out;
	uint64_t *hn_seen;           /* --hostnames dedupe set */
	uint32_t hn_seen_n;
	uint8_t *scratch;            /* TLS handshake defragmentation */
	struct quic_flow *quic;      /* QUIC per-flow state (daemon/quic_flow.h) */
	struct rslv *rslv;           /* resolved-name cache (daemon/resolve.h) */
	struct dpi *dpi;             /* nDPI, NULL when off (daemon/dpi.h) */
	struct geoip *geo;           /* GeoIP/ASN, NULL when none (daemon/geoip.h) */
	uint64_t cname_hits;         /* hits on CNAME targets of DNS answers */
	struct dev_table *dev;       /* set by `run` after pipe_init: DHCP device
	                              * learning (daemon/devices.h); NULL: none */
	const char *capture;         /* set by `run` before each capture's frames:
	                              * its interface, stored on hits; NULL: none */
	int dlt;
	uint64_t frame;              /* frames seen in the current capture */
};

/* Set up a pipeline (all allocation happens here).  0, or -1 with err. */
int pipe_init(struct pipeline *pl, const struct pipe_opts *o,
              const struct ioc_set *iocs, char *err, size_t errlen);
void pipe_fini(struct pipeline *pl);

/* Start a new capture source of link type dlt (frame numbers restart). */
void pipe_set_link(struct pipeline *pl, int dlt);

/* Switch the link type for the next frames without restarting the frame
 * count: live capture on several interfaces of different link types feeds
 * one pipeline (daemon/capture.c calls it before each batch). */
void pipe_set_dlt(struct pipeline *pl, int dlt);

/* Feed one frame: ts_us capture time, caplen bytes captured of wirelen. */
void pipe_packet(struct pipeline *pl, uint64_t ts_us, const uint8_t *data,
                 uint32_t caplen, uint32_t wirelen);

/* Write the end-of-run summary (packets, flows, names by kind, hits,
 * malformed and truncated counts) to f. */
void pipe_summary(struct pipeline *pl, FILE *f);

#endif
