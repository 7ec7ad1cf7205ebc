/*
 * enrich.c - the pipeline's enrichment hooks (see enrich.h).
 */
#include "daemon/enrich.h"

#include <inttypes.h>
#include <string.h>

#include "daemon/dpi.h"
#include "daemon/geoip.h"
#include "daemon/resolve.h"
#include "daemon/util.h"

int pipe_enrich_init(struct pipeline *pl, const struct pipe_opts *o, uint64_t seed,
                     char *err, size_t errlen)
{
	uint32_t n = o->resolve_entries ? o->resolve_entries : SW_RSLV_ENTRIES_DEFAULT;
	pl->rslv = rslv_new(n, seed ^ 0x9e3779b97f4a7c15ULL);
	if (!pl->rslv) {
		snprintf(err, errlen, "cannot allocate a resolved-name cache of %u entries (%u..%u)",
		         n, SW_RSLV_ENTRIES_MIN, SW_RSLV_ENTRIES_MAX);
		return -1;
	}
	if (o->geoip_country || o->geoip_asn) {
		pl->geo = geo_open(o->geoip_country, o->geoip_asn, err, errlen);
		if (!pl->geo)
			return -1;
	}
	if (!o->no_ndpi && dpi_available()) {
		pl->dpi = dpi_new(pl->ft, o->ndpi_slots, err, errlen);
		if (!pl->dpi)
			return -1;
	}
	return 0;
}

void pipe_enrich_fini(struct pipeline *pl)
{
	dpi_free(pl->dpi);
	geo_close(pl->geo);
	rslv_free(pl->rslv);
	pl->dpi = NULL;
	pl->geo = NULL;
	pl->rslv = NULL;
}

void pipe_enrich_packet(struct pipeline *pl, struct flow *f, int side,
                        const struct pkt *p, bool is_new)
{
	if (is_new)
		rslv_flow_start(pl->rslv, f, side, p);
	if (pl->dpi)
		dpi_packet(pl->dpi, f, side, p);
}

void pipe_enrich_hit(struct pipeline *pl, const struct flow *f,
                     const struct sw_addr *server, const char *query, struct hit *h)
{
	if (f) {
		h->ech = f->ech;
		dpi_label(pl->dpi, f, h->app, sizeof h->app);
	}
	if (pl->geo) {
		struct geo_info gi;
		if (geo_lookup(pl->geo, server, &gi)) {
			memcpy(h->server_country, gi.country, sizeof h->server_country);
			h->server_asn = gi.asn;
			memcpy(h->server_org, gi.org, sizeof h->server_org);
		}
	}
	if (query) {
		size_t n = strnlen(query, SW_HOST_MAX);
		memcpy(h->query, query, n);
		h->query[n] = '\0';
	}
}

void pipe_enrich_print(FILE *out, const struct hit *h)
{
	if (h->query[0]) {
		fputs(" query ", out);
		sw_fputs_esc(out, h->query);
	}
	if (h->app[0]) {
		fputs(" app ", out);
		sw_fputs_esc(out, h->app);
	}
	if (h->ech)
		fputs(" ech", out);
	if (h->server_country[0]) {
		fputs(" country ", out);
		sw_fputs_esc(out, h->server_country);
	}
	if (h->server_asn)
		fprintf(out, " asn %" PRIu32, h->server_asn);
	if (h->server_org[0]) {
		fputs(" org ", out);
		sw_fputs_esc(out, h->server_org);
	}
}

void pipe_enrich_summary(struct pipeline *pl, FILE *out)
{
	if (pl->cname_hits)
		fprintf(out, "dns answers: %" PRIu64 " hits on CNAME targets\n", pl->cname_hits);
	rslv_summary(pl->rslv, out);
	dpi_summary(pl->dpi, out);
	geo_summary(pl->geo, out);
}
