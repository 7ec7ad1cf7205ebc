/*
 * geoip.c - MMDB lookups for hits (see geoip.h, docs/enrichment.md).
 */
#include "daemon/geoip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct geoip {
	MMDB_s country, asn;
	bool has_country, has_asn;
	struct geo_stats st;
};

/* Open one file; "opt: path: why" into err on failure.  wrong lists
 * database_type words that say the file is the other kind. */
static int open_one(const char *path, MMDB_s *db, const char *opt,
                    const char *const *wrong, const char *other_opt,
                    char *err, size_t errlen)
{
	errno = 0;
	int rc = MMDB_open(path, MMDB_MODE_MMAP, db);
	if (rc != MMDB_SUCCESS) {
		if ((rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR) && errno)
			snprintf(err, errlen, "%s: %s: cannot read it: %s", opt, path,
			         strerror(errno));
		else if (rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR)
			snprintf(err, errlen, "%s: %s: cannot read it: %s", opt, path,
			         MMDB_strerror(rc));
		else
			snprintf(err, errlen, "%s: %s: not a usable MaxMind DB file: %s",
			         opt, path, MMDB_strerror(rc));
		return -1;
	}
	const char *type = db->metadata.database_type ? db->metadata.database_type : "";
	for (; *wrong; wrong++) {
		if (strstr(type, *wrong)) {
			snprintf(err, errlen, "%s: %s: this is a %s database; give it to %s",
			         opt, path, type, other_opt);
			MMDB_close(db);
			return -1;
		}
	}
	return 0;
}

struct geoip *geo_open(const char *country_path, const char *asn_path,
                       char *err, size_t errlen)
{
	static const char *const not_country[] = { "ASN", "ISP", NULL };
	static const char *const not_asn[] = { "Country", "City", NULL };
	if (!country_path && !asn_path) {
		snprintf(err, errlen, "geoip: no database given");
		return NULL;
	}
	struct geoip *g = calloc(1, sizeof *g);
	if (!g) {
		snprintf(err, errlen, "geoip: out of memory");
		return NULL;
	}
	if (country_path) {
		if (open_one(country_path, &g->country, "--geoip-country", not_country,
		             "--geoip-asn", err, errlen) != 0) {
			free(g);
			return NULL;
		}
		g->has_country = true;
	}
	if (asn_path) {
		if (open_one(asn_path, &g->asn, "--geoip-asn", not_asn,
		             "--geoip-country", err, errlen) != 0) {
			geo_close(g);
			return NULL;
		}
		g->has_asn = true;
	}
	return g;
}

void geo_close(struct geoip *g)
{
	if (!g)
		return;
	if (g->has_country)
		MMDB_close(&g->country);
	if (g->has_asn)
		MMDB_close(&g->asn);
	free(g);
}

/* A lookup result for a; false when there is no entry or the library
 * refused (counted). */
static bool lookup(struct geoip *g, MMDB_s *db, const struct sw_addr *a,
                   MMDB_lookup_result_s *res)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (a->v == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a->a, 4);
	} else if (a->v == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a->a, 16);
	} else {
		return false;
	}
	int mmdb_err = MMDB_SUCCESS;
	*res = MMDB_lookup_sockaddr(db, (const struct sockaddr *)&ss, &mmdb_err);
	if (mmdb_err != MMDB_SUCCESS) {
		/* an IPv6 address in an IPv4-only file is simply unknown */
		if (mmdb_err != MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR)
			g->st.errors++;
		return false;
	}
	return res->found_entry;
}

/* A UTF-8 string value at path into buf (cut at a character boundary). */
static bool get_str(MMDB_entry_s *e, char *buf, size_t len, const char *k1,
                    const char *k2)
{
	MMDB_entry_data_s d;
	int rc = k2 ? MMDB_get_value(e, &d, k1, k2, NULL) : MMDB_get_value(e, &d, k1, NULL);
	if (rc != MMDB_SUCCESS || !d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return false;
	size_t n = d.data_size;
	if (n >= len) {
		n = len - 1;
		/* do not end inside a UTF-8 sequence */
		while (n > 0 && ((unsigned char)d.utf8_string[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(buf, d.utf8_string, n);
	buf[n] = '\0';
	return n > 0;
}

static bool iso_code(const char *s)
{
	return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] == '\0';
}

bool geo_lookup(struct geoip *g, const struct sw_addr *a, struct geo_info *out)
{
	memset(out, 0, sizeof *out);
	if (!g)
		return false;
	g->st.lookups++;
	MMDB_lookup_result_s res;
	if (g->has_country && lookup(g, &g->country, a, &res)) {
		char cc[8];
		if ((get_str(&res.entry, cc, sizeof cc, "country", "iso_code") && iso_code(cc)) ||
		    (get_str(&res.entry, cc, sizeof cc, "registered_country", "iso_code") &&
		     iso_code(cc)))
			memcpy(out->country, cc, 3);
	}
	if (g->has_asn && lookup(g, &g->asn, a, &res)) {
		MMDB_entry_data_s d;
		if (MMDB_get_value(&res.entry, &d, "autonomous_system_number", NULL) == MMDB_SUCCESS &&
		    d.has_data) {
			if (d.type == MMDB_DATA_TYPE_UINT32)
				out->asn = d.uint32;
			else if (d.type == MMDB_DATA_TYPE_UINT16)
				out->asn = d.uint16;
			else if (d.type == MMDB_DATA_TYPE_UINT64 && d.uint64 <= UINT32_MAX)
				out->asn = (uint32_t)d.uint64;
		}
		get_str(&res.entry, out->org, sizeof out->org, "autonomous_system_organization", NULL);
	}
	bool any = out->country[0] || out->asn || out->org[0];
	if (any)
		g->st.found++;
	return any;
}

void geo_get_stats(const struct geoip *g, struct geo_stats *st)
{
	*st = g->st;
}

void geo_summary(const struct geoip *g, FILE *out)
{
	if (!g || g->st.lookups == 0)
		return;
	fprintf(out, "geoip: %" PRIu64 " lookups, %" PRIu64 " found, %" PRIu64 " refused by the library\n",
	        g->st.lookups, g->st.found, g->st.errors);
}
