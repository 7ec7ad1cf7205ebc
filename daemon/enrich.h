/*
 * enrich.h - what the pipeline adds to flows and hits beyond the hostname:
 * the resolved-name cache (daemon/resolve.h), nDPI's application label
 * (daemon/dpi.h) and the server's country and AS (daemon/geoip.h).  The
 * pipeline calls these one-line hooks; docs/enrichment.md explains the
 * choices, limits and costs.
 */
#ifndef SW_ENRICH_H
#define SW_ENRICH_H

#include <stdint.h>
#include <stdio.h>

#include "daemon/pipeline.h"
#include "db/db.h"

/*
 * Set up the enrichment of pl from o: the resolved cache (always; sized by
 * o->resolve_entries, hashed from seed), nDPI unless o->no_ndpi (sized by
 * o->ndpi_slots; chained to the flow table's removal hook), the GeoIP
 * databases when o->geoip_country / o->geoip_asn are set.  Call after the
 * flow table and the QUIC state exist.  0, or -1 with err (a GeoIP file
 * that cannot be used, out of memory); pipe_fini then frees what was made.
 */
int pipe_enrich_init(struct pipeline *pl, const struct pipe_opts *o, uint64_t seed,
                     char *err, size_t errlen);

/* Free what pipe_enrich_init made (after the flow table is freed). */
void pipe_enrich_fini(struct pipeline *pl);

/* Every packet p of flow f (sent by side; is_new on the flow's first): the
 * resolved-name lookup on the first, nDPI on the first few. */
void pipe_enrich_packet(struct pipeline *pl, struct flow *f, int side,
                        const struct pkt *p, bool is_new);

/*
 * Fill the enrichment fields of a hit about to be queued: app (nDPI label
 * of f so far), ech (f's hello carried ECH), server_country/asn/org
 * (GeoIP of server: looked up here, once per event, never per packet) and
 * query (may be NULL).  f may be NULL.
 */
void pipe_enrich_hit(struct pipeline *pl, const struct flow *f,
                     const struct sw_addr *server, const char *query, struct hit *h);

/* The enrichment fields of h that are set, for a one-line hit:
 * " query Q app A ech country CC asn N org O" (strings escaped). */
void pipe_enrich_print(FILE *out, const struct hit *h);

/* Summary lines of the cache, nDPI and GeoIP (when they did anything). */
void pipe_enrich_summary(struct pipeline *pl, FILE *out);

#endif
