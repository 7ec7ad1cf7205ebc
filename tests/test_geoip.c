/*
 * test_geoip.c - country and AS of hit servers (daemon/geoip.c) with
 * MaxMind's test databases in ../shared/geoip-test (test-data/README.md
 * there; the addresses and their answers come from its the JSON files of source-data/):
 * country and ASN lookups over IPv4 and IPv6, a City database for the
 * country, unknown addresses, the databases' broken files (a clear error
 * at open, never a crash), files of the wrong kind, and the columns a hit
 * gets through the pipeline.  Skips, saying so, when ../shared/geoip-test
 * is absent.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <pcap/dlt.h>
#include <stdio.h>

#include "daemon/geoip.h"
#include "daemon/pipeline.h"
#include "ioc/ioc.h"
#include "testutil.h"

static char dir[1024];

static bool have_dbs(void)
{
	const char *s = tu_shared();
	if (!s) {
		/* tu_shared looks for the pcaps; the databases may be there alone */
		s = access("../shared/geoip-test/test-data", R_OK) == 0 ? "../shared" : NULL;
	}
	if (s)
		snprintf(dir, sizeof dir, "%s/geoip-test", s);
	if (!s || access(dir, R_OK) != 0) {
		printf("test_geoip: SKIPPED: ../shared/geoip-test (MaxMind test databases) is not present\n");
		return false;
	}
	return true;
}

static const char *db(const char *rel)
{
	static char p[4][1200];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof p[i], "%s/%s", dir, rel);
	return p[i];
}

static struct sw_addr addr(const char *s)
{
	struct sw_addr a;
	memset(&a, 0, sizeof a);
	bool v6 = strchr(s, ':') != NULL;
	a.v = v6 ? 6 : 4;
	ck_assert_int_eq(inet_pton(v6 ? AF_INET6 : AF_INET, s, a.a), 1);
	return a;
}

/* address -> country, ASN, organisation (from the JSON files of source-data/) */
static const struct {
	const char *ip, *cc;
	uint32_t asn;
	const char *org;
} known[] = {
	{ "89.160.20.115", "SE", 29518, "Bredband2 AB" },
	{ "81.2.69.160", "GB", 0, "" },
	{ "81.128.69.160", "", 2856, "BTnet UK Regional network" },
	{ "1.128.0.1", "", 1221, "Telstra Pty Ltd" },
	{ "214.78.120.5", "US", 721, "DoD Network Information Center" },
	{ "2001:218::5", "JP", 0, "" },
	{ "2001:1700::1", "", 6730, "Sunrise Communications AG" },
	{ "2a02:d040::1", "SE", 0, "" },
	{ "10.1.2.3", "", 0, "" },            /* private: in no file */
	{ "214.1.1.1", "", 721, "DoD Network Information Center" }, /* no country */
};

START_TEST(lookups)
{
	if (!have_dbs())
		return;
	char err[512];
	struct geoip *g = geo_open(db("test-data/GeoIP2-Country-Test.mmdb"),
	                           db("test-data/GeoLite2-ASN-Test.mmdb"), err, sizeof err);
	ck_assert_msg(g != NULL, "%s", err);
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		struct sw_addr a = addr(known[i].ip);
		struct geo_info gi;
		bool any = geo_lookup(g, &a, &gi);
		ck_assert_msg(!strcmp(gi.country, known[i].cc), "%s: country '%s', want '%s'",
		              known[i].ip, gi.country, known[i].cc);
		ck_assert_msg(gi.asn == known[i].asn, "%s: asn %u, want %u", known[i].ip,
		              gi.asn, known[i].asn);
		ck_assert_str_eq(gi.org, known[i].org);
		ck_assert(any == (known[i].cc[0] || known[i].asn));
	}
	struct geo_stats st;
	geo_get_stats(g, &st);
	ck_assert_uint_eq(st.lookups, sizeof known / sizeof known[0]);
	ck_assert_uint_eq(st.errors, 0);
	geo_close(g);
	/* no databases: nothing known */
	struct sw_addr a = addr("89.160.20.115");
	struct geo_info gi;
	ck_assert(!geo_lookup(NULL, &a, &gi));
	ck_assert_str_eq(gi.country, "");
}
END_TEST

/* A City database answers the country question; one file alone is fine. */
START_TEST(city_for_country_one_file)
{
	if (!have_dbs())
		return;
	char err[512];
	struct geoip *g = geo_open(db("test-data/GeoIP2-City-Test.mmdb"), NULL, err, sizeof err);
	ck_assert_msg(g != NULL, "%s", err);
	struct sw_addr a = addr("81.2.69.160");
	struct geo_info gi;
	ck_assert(geo_lookup(g, &a, &gi));
	ck_assert_str_eq(gi.country, "GB");
	ck_assert_uint_eq(gi.asn, 0);
	geo_close(g);
	g = geo_open(NULL, db("test-data/GeoLite2-ASN-Test.mmdb"), err, sizeof err);
	ck_assert_msg(g != NULL, "%s", err);
	a = addr("1.128.0.1");
	ck_assert(geo_lookup(g, &a, &gi));
	ck_assert_str_eq(gi.country, "");
	ck_assert_uint_eq(gi.asn, 1221);
	geo_close(g);
}
END_TEST

/* Files that cannot be used: the error names the option, the file and why. */
START_TEST(bad_files)
{
	if (!have_dbs())
		return;
	static const struct {
		const char *country, *asn, *want;
	} t[] = {
		{ "test-data/GeoIP2-City-Test-Invalid-Node-Count.mmdb", NULL, "invalid metadata" },
		{ NULL, "test-data/GeoIP2-City-Test-Invalid-Node-Count.mmdb", "invalid metadata" },
		{ "test-data/README.md", NULL, "not a usable MaxMind DB file" },
		{ "test-data/no-such-file.mmdb", NULL, "cannot read it" },
		{ "test-data/GeoLite2-ASN-Test.mmdb", NULL, "give it to --geoip-asn" },
		{ NULL, "test-data/GeoLite2-Country-Test.mmdb", "give it to --geoip-country" },
		{ NULL, "test-data/GeoIP2-City-Test.mmdb", "give it to --geoip-country" },
		/* a good first file does not hide a bad second one */
		{ "test-data/GeoIP2-Country-Test.mmdb", "test-data/README.md", "--geoip-asn" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char err[512] = "";
		struct geoip *g = geo_open(t[i].country ? db(t[i].country) : NULL,
		                           t[i].asn ? db(t[i].asn) : NULL, err, sizeof err);
		ck_assert_msg(g == NULL, "case %zu opened", i);
		ck_assert_msg(strstr(err, t[i].want) != NULL, "case %zu: '%s' lacks '%s'", i, err,
		              t[i].want);
		const char *file = t[i].country && !t[i].asn ? t[i].country : t[i].asn;
		const char *base = strrchr(file, '/') + 1;
		ck_assert_msg(strstr(err, base) != NULL, "case %zu: '%s' does not name %s", i, err,
		              base);
	}
	char err[64];
	ck_assert_ptr_null(geo_open(NULL, NULL, err, sizeof err));
}
END_TEST

/* A corrupt search tree: opens (libmaxminddb only checks the metadata),
 * and then every lookup is an answer or a counted refusal, never a crash
 * (ASan and UBSan run this too). */
START_TEST(corrupt_tree)
{
	if (!have_dbs())
		return;
	char err[512];
	const char *path = db("bad-data/libmaxminddb/libmaxminddb-corrupt-search-tree.mmdb");
	struct geoip *g = geo_open(path, NULL, err, sizeof err);
	if (!g) {
		ck_assert_ptr_nonnull(strstr(err, "libmaxminddb-corrupt-search-tree.mmdb"));
		return;
	}
	for (unsigned i = 0; i < 4096; i++) {
		struct sw_addr a;
		memset(&a, 0, sizeof a);
		a.v = i & 1 ? 6 : 4;
		for (int k = 0; k < 16; k++)
			a.a[k] = (uint8_t)(i * 2654435761u >> (k % 4 * 8));
		struct geo_info gi;
		geo_lookup(g, &a, &gi);
		ck_assert_uint_lt(strlen(gi.country), 3);
		ck_assert_uint_lt(strlen(gi.org), sizeof gi.org);
	}
	struct geo_stats st;
	geo_get_stats(g, &st);
	ck_assert_uint_eq(st.lookups, 4096);
	printf("test_geoip: corrupt tree: %" PRIu64 " of 4096 lookups refused, %" PRIu64 " found\n",
	       st.errors, st.found);
	geo_close(g);
}
END_TEST

/* ---- through the pipeline: an HTTP request per server ------------------- */

static size_t put16(uint8_t *b, uint16_t v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; return 2; }

static size_t mkframe(uint8_t *out, const char *src, uint16_t sport, const char *dst,
                      uint16_t dport, uint8_t flags, uint32_t seq, const char *pl)
{
	size_t n = pl ? strlen(pl) : 0, o;
	bool v6 = strchr(src, ':') != NULL;
	if (v6) {
		memset(out, 0, 40);
		out[0] = 0x60;
		put16(out + 4, (uint16_t)(20 + n));
		out[6] = 6;
		out[7] = 64;
		inet_pton(AF_INET6, src, out + 8);
		inet_pton(AF_INET6, dst, out + 24);
		o = 40;
	} else {
		memset(out, 0, 20);
		out[0] = 0x45;
		put16(out + 2, (uint16_t)(40 + n));
		out[8] = 64;
		out[9] = 6;
		inet_pton(AF_INET, src, out + 12);
		inet_pton(AF_INET, dst, out + 16);
		o = 20;
	}
	uint8_t *t = out + o;
	memset(t, 0, 20);
	put16(t, sport);
	put16(t + 2, dport);
	t[4] = (uint8_t)(seq >> 24); t[5] = (uint8_t)(seq >> 16);
	t[6] = (uint8_t)(seq >> 8); t[7] = (uint8_t)seq;
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	memcpy(out + o + 20, pl ? pl : "", n);
	return o + 20 + n;
}

START_TEST(hits_carry_geo)
{
	if (!have_dbs())
		return;
	char err[512];
	static const char rules[] = "geo-test.com GeoFam test\n";
	struct ioc_set *iocs = ioc_set_load_mem(rules, sizeof rules - 1, "test", NULL, err,
	                                        sizeof err);
	ck_assert_msg(iocs != NULL, "%s", err);
	struct pipe_opts o = { .seed = 1, .no_ndpi = true,
	                       .geoip_country = db("test-data/GeoIP2-Country-Test.mmdb"),
	                       .geoip_asn = db("test-data/GeoLite2-ASN-Test.mmdb") };
	struct pipeline pl;
	ck_assert_msg(pipe_init(&pl, &o, iocs, err, sizeof err) == 0, "%s", err);
	pipe_set_link(&pl, DLT_RAW);
	static const char *const servers[] = { "89.160.20.115", "2001:218::5", "10.1.2.3" };
	static const char *const clients[] = { "192.168.1.2", "2001:db8::2", "192.168.1.2" };
	uint64_t ts = 1700000000000000ULL;
	for (int i = 0; i < 3; i++) {
		uint8_t fr[512];
		size_t n = mkframe(fr, clients[i], 40000, servers[i], 80, 0x02, 1, NULL);
		pipe_packet(&pl, ts++, fr, (uint32_t)n, (uint32_t)n);
		n = mkframe(fr, clients[i], 40000, servers[i], 80, 0x18, 2,
		            "GET / HTTP/1.1\r\nHost: c2.geo-test.com\r\n\r\n");
		pipe_packet(&pl, ts++, fr, (uint32_t)n, (uint32_t)n);
	}
	const struct hit *run;
	ck_assert_uint_eq(hitq_peek(&pl.hq, &run, 16), 3);
	ck_assert_str_eq(run[0].server_country, "SE");
	ck_assert_uint_eq(run[0].server_asn, 29518);
	ck_assert_str_eq(run[0].server_org, "Bredband2 AB");
	ck_assert_str_eq(run[1].server_country, "JP");
	ck_assert_uint_eq(run[1].server_asn, 0);
	ck_assert_str_eq(run[2].server_country, "");
	ck_assert_str_eq(run[2].server_org, "");
	/* one lookup per hit, none per packet */
	struct geo_stats st;
	geo_get_stats(pl.geo, &st);
	ck_assert_uint_eq(st.lookups, 3);
	pipe_fini(&pl);

	/* a broken file stops pipe_init with the reason */
	o.geoip_asn = db("test-data/GeoIP2-City-Test-Invalid-Node-Count.mmdb");
	ck_assert_int_eq(pipe_init(&pl, &o, iocs, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "invalid metadata"));
	ioc_set_free(iocs);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("geoip");
	TCase *c = tcase_create("geoip");
	tcase_add_test(c, lookups);
	tcase_add_test(c, city_for_country_one_file);
	tcase_add_test(c, bad_files);
	tcase_add_test(c, corrupt_tree);
	tcase_add_test(c, hits_carry_geo);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	return tu_run(suite());
}
