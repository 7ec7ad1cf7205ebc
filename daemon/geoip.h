/*
 * geoip.h - country and AS of a hit's server address, from MaxMind or DB-IP
 * MMDB files (libmaxminddb), looked up only when a hit is recorded.
 *
 * Country: GeoLite2/GeoIP2 Country or City, DB-IP Country/City Lite
 * (country.iso_code, else registered_country.iso_code).  ASN: GeoLite2-ASN,
 * GeoIP2-ISP, DB-IP ASN Lite (autonomous_system_number and
 * autonomous_system_organization).  The files are mapped read-only at open;
 * a lookup reads the mapping and allocates nothing.  Choices and limits:
 * docs/enrichment.md.
 */
#ifndef SW_GEOIP_H
#define SW_GEOIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/sw_limits.h"
#include "dissectors/decode.h"

struct geoip;

/* What the databases know about one address; "" / 0 when unknown. */
struct geo_info {
	char country[3];              /* ISO 3166-1 alpha-2, upper case */
	uint32_t asn;
	char org[SW_GEO_ORG_BUF];     /* AS organisation, UTF-8 as in the file,
	                                 cut at a character boundary */
};

struct geo_stats {
	uint64_t lookups;   /* addresses looked up */
	uint64_t found;     /* ... that gave a country or an AS */
	uint64_t errors;    /* lookups the library refused (corrupt tree or data) */
};

/*
 * Open the country and/or AS database (either path may be NULL, not both).
 * Returns NULL with "path: why" in err when a file cannot be opened or is
 * not a MaxMind DB (MMDB_open's reason: "invalid metadata", "not a MaxMind
 * DB file", ...), or when it is plainly the other kind (an ASN database
 * given as the country one, or the reverse).
 */
struct geoip *geo_open(const char *country_path, const char *asn_path,
                       char *err, size_t errlen);
void geo_close(struct geoip *g);

/* Look a up (g may be NULL: nothing known).  True when anything was found.
 * A corrupt file gives nothing for that address (counted), never a crash. */
bool geo_lookup(struct geoip *g, const struct sw_addr *a, struct geo_info *out);

void geo_get_stats(const struct geoip *g, struct geo_stats *st);

/* One summary line to out when any lookup was made. */
void geo_summary(const struct geoip *g, FILE *out);

#endif
