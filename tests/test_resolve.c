/*
 * test_resolve.c - the resolved-name cache (daemon/resolve.c) on its own
 * (TTL clamp and expiry, bounds and eviction, the matching names kept, the
 * client key, generations), the CNAME chain of real-shaped DNS answers,
 * and through the pipeline: CNAME-target hits with their query, `resolved`
 * hits for flows that show no name (ClientHello without SNI, ECH, a bare
 * TCP or UDP app, HTTP to an IP literal, IPv6 after an IPv4 lookup by MAC),
 * `ech` lines, and the new hit columns in the database.
 *
 * Frames are built here: Ethernet or raw IP, IPv4 or IPv6, TCP or UDP;
 * DNS answers uncompressed and compressed, ClientHellos as in RFC 8446
 * with the encrypted_client_hello extension (draft-ietf-tls-esni section 5,
 * ECHClientHello of type outer).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <pcap/dlt.h>
#include <sqlite3.h>
#include <stdio.h>

#include "daemon/pipeline.h"
#include "daemon/resolve.h"
#include "db/db.h"
#include "dissectors/dns.h"
#include "ioc/ioc.h"
#include "testpkt.h"
#include "testutil.h"

#define T0 1700000000000000ULL
#define SEC 1000000ULL

/* ---- builders ------------------------------------------------------------ */


static bool is6(const char *a) { return strchr(a, ':') != NULL; }

/* A frame: Ethernet (when smac/dmac are given) + IPv4/IPv6 + TCP/UDP. */
static size_t mkframe(uint8_t *out, const uint8_t *smac, const uint8_t *dmac,
                      const char *src, uint16_t sport, const char *dst, uint16_t dport,
                      uint8_t l4, uint8_t flags, uint32_t seq, const void *pl, size_t n)
{
	size_t o = 0;
	bool v6 = is6(src);
	if (smac) {
		memcpy(out, dmac, 6);
		memcpy(out + 6, smac, 6);
		tu_put16(out + 12, v6 ? 0x86dd : 0x0800);
		o = 14;
	}
	size_t l4len = l4 == 6 ? 20 : 8;
	uint8_t *ip = out + o;
	if (v6) {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		tu_put16(ip + 4, (uint16_t)(l4len + n));
		ip[6] = l4;
		ip[7] = 64;
		inet_pton(AF_INET6, src, ip + 8);
		inet_pton(AF_INET6, dst, ip + 24);
		o += 40;
	} else {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		tu_put16(ip + 2, (uint16_t)(20 + l4len + n));
		ip[8] = 64;
		ip[9] = l4;
		inet_pton(AF_INET, src, ip + 12);
		inet_pton(AF_INET, dst, ip + 16);
		o += 20;
	}
	uint8_t *t = out + o;
	memset(t, 0, l4len);
	tu_put16(t, sport);
	tu_put16(t + 2, dport);
	if (l4 == 6) {
		tu_put32(t + 4, seq);
		t[12] = 5 << 4;
		t[13] = flags;
		tu_put16(t + 14, 65535);
	} else {
		tu_put16(t + 4, (uint16_t)(8 + n));
	}
	o += l4len;
	if (n)
		memcpy(out + o, pl, n);
	return o + n;
}

struct rr {
	const char *owner;
	uint16_t type;            /* 1 A, 28 AAAA, 5 CNAME */
	uint32_t ttl;
	const char *data;         /* address text, or the CNAME target */
};

/* A DNS response (QR=1, RD, RA, NOERROR) to qname with these answers. */
static size_t mkdns(uint8_t *b, const char *qname, uint16_t qtype,
                    const struct rr *an, size_t nan)
{
	size_t o = 0;
	o += tu_put16(b + o, 0x1234);
	o += tu_put16(b + o, 0x8180);
	o += tu_put16(b + o, 1);
	o += tu_put16(b + o, (uint16_t)nan);
	o += tu_put16(b + o, 0);
	o += tu_put16(b + o, 0);
	o += tu_put_name(b + o, qname);
	o += tu_put16(b + o, qtype);
	o += tu_put16(b + o, 1);
	for (size_t i = 0; i < nan; i++) {
		o += tu_put_name(b + o, an[i].owner);
		o += tu_put16(b + o, an[i].type);
		o += tu_put16(b + o, 1);
		o += tu_put32(b + o, an[i].ttl);
		if (an[i].type == 5) {
			size_t at = o;
			o += 2;
			size_t l = tu_put_name(b + o, an[i].data);
			tu_put16(b + at, (uint16_t)l);
			o += l;
		} else if (an[i].type == 1) {
			o += tu_put16(b + o, 4);
			inet_pton(AF_INET, an[i].data, b + o);
			o += 4;
		} else {
			o += tu_put16(b + o, 16);
			inet_pton(AF_INET6, an[i].data, b + o);
			o += 16;
		}
	}
	return o;
}

/* A ClientHello record: server_name sni (NULL: none), and an
 * encrypted_client_hello extension of type outer when ech is set
 * (tests/testpkt.h). */
static size_t mkhello(uint8_t *out, const char *sni, bool ech)
{
	struct tu_hello_opts ho = { .sni = sni, .ech = ech };
	return tu_hello(out, &ho);
}

/* ---- the cache on its own -------------------------------------------------- */

static struct sw_addr addr(const char *s)
{
	struct sw_addr a;
	memset(&a, 0, sizeof a);
	a.v = is6(s) ? 6 : 4;
	inet_pton(is6(s) ? AF_INET6 : AF_INET, s, a.a);
	return a;
}

static struct rslv_client client_ip(const char *s)
{
	struct sw_addr a = addr(s);
	struct rslv_client c;
	memset(&c, 0, sizeof c);
	c.t = a.v;
	memcpy(c.b, a.a, 16);
	return c;
}

static const char *get(struct rslv *r, const char *cli, const char *a, uint64_t now)
{
	struct rslv_client c = client_ip(cli);
	struct sw_addr x = addr(a);
	size_t len;
	bool m;
	return rslv_get(r, &c, &x, now, &len, &m);
}

static void put(struct rslv *r, const char *cli, const char *a, const char *name,
                bool matched, uint32_t ttl, uint64_t now)
{
	struct rslv_client c = client_ip(cli);
	struct sw_addr x = addr(a);
	rslv_put(r, &c, &x, name, strlen(name), matched, ttl, now);
}

START_TEST(cache_ttl_clamped_and_expiry)
{
	struct rslv *r = rslv_new(64, 7);
	ck_assert_ptr_nonnull(r);
	/* table: TTL on the wire -> how long the entry lives */
	static const struct { uint32_t ttl; uint64_t lives_s; } t[] = {
		{ 0, SW_RSLV_TTL_MIN_S },
		{ 30, SW_RSLV_TTL_MIN_S },
		{ SW_RSLV_TTL_MIN_S + 100, SW_RSLV_TTL_MIN_S + 100 },
		{ 3600, 3600 },
		{ 0x7fffffff, SW_RSLV_TTL_MAX_S },   /* RFC 2181 8: > 2^31 - 1 is 0 */
		{ 0xffffffff, SW_RSLV_TTL_MAX_S },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char a[32];
		snprintf(a, sizeof a, "192.0.2.%zu", i + 1);
		put(r, "10.0.0.2", a, "name.test-ttl.org", false, t[i].ttl, T0);
		ck_assert_ptr_nonnull(get(r, "10.0.0.2", a, T0));
		ck_assert_ptr_nonnull(get(r, "10.0.0.2", a, T0 + t[i].lives_s * SEC - 1));
		ck_assert_msg(get(r, "10.0.0.2", a, T0 + t[i].lives_s * SEC) == NULL,
		              "ttl %u: alive after %" PRIu64 " s", t[i].ttl, t[i].lives_s);
	}
	/* same name again renews, never shortens */
	put(r, "10.0.0.2", "192.0.2.100", "a.test-ttl.org", false, 3600, T0);
	put(r, "10.0.0.2", "192.0.2.100", "a.test-ttl.org", false, 10, T0 + 10 * SEC);
	ck_assert_ptr_nonnull(get(r, "10.0.0.2", "192.0.2.100", T0 + 3599 * SEC));
	struct rslv_stats st;
	rslv_get_stats(r, &st);
	ck_assert_uint_eq(st.refreshes, 1);
	rslv_free(r);
}
END_TEST

START_TEST(cache_keys_client_and_address)
{
	struct rslv *r = rslv_new(64, 7);
	put(r, "10.0.0.2", "192.0.2.1", "one.test.org", false, 60, T0);
	put(r, "10.0.0.3", "192.0.2.1", "two.test.org", false, 60, T0);
	put(r, "10.0.0.2", "2001:db8::1", "six.test.org", false, 60, T0);
	ck_assert_str_eq(get(r, "10.0.0.2", "192.0.2.1", T0), "one.test.org");
	ck_assert_str_eq(get(r, "10.0.0.3", "192.0.2.1", T0), "two.test.org");
	ck_assert_str_eq(get(r, "10.0.0.2", "2001:db8::1", T0), "six.test.org");
	ck_assert_ptr_null(get(r, "10.0.0.4", "192.0.2.1", T0));
	ck_assert_ptr_null(get(r, "10.0.0.2", "192.0.2.2", T0));
	/* a MAC key is not an IP key */
	struct rslv_client mac = { .t = 1, .b = { 2, 0, 0, 0, 0, 2 } };
	struct sw_addr a = addr("192.0.2.1");
	size_t len;
	bool m;
	ck_assert_ptr_null(rslv_get(r, &mac, &a, T0, &len, &m));
	rslv_put(r, &mac, &a, "mac.test.org", 12, true, 60, T0);
	ck_assert_str_eq(rslv_get(r, &mac, &a, T0, &len, &m), "mac.test.org");
	ck_assert(m);
	ck_assert_uint_eq(len, 12);
	/* blocking resolvers answer 0.0.0.0 / ::: not stored */
	put(r, "10.0.0.2", "0.0.0.0", "blocked.test.org", true, 60, T0);
	put(r, "10.0.0.2", "::", "blocked.test.org", true, 60, T0);
	ck_assert_ptr_null(get(r, "10.0.0.2", "0.0.0.0", T0));
	ck_assert_ptr_null(get(r, "10.0.0.2", "::", T0));
	rslv_free(r);
}
END_TEST

START_TEST(cache_bounded_and_evicts_unmatched_first)
{
	/* sizes: rounded down to a power of two, refused out of range */
	ck_assert_ptr_null(rslv_new(SW_RSLV_ENTRIES_MIN - 1, 1));
	ck_assert_ptr_null(rslv_new(SW_RSLV_ENTRIES_MAX + 1, 1));
	struct rslv *r = rslv_new(100, 1);
	ck_assert_uint_eq(rslv_capacity(r), 64);

	/* 8 matching names: at most 8 in any set of 8 ways, so none of them
	 * may be evicted by the flood of names that match nothing */
	for (int i = 0; i < 8; i++) {
		char a[32];
		snprintf(a, sizeof a, "198.51.100.%d", i + 1);
		put(r, "10.0.0.2", a, "c2.spy-test.org", true, 3600, T0);
	}
	const int flood = 5000;
	for (int i = 0; i < flood; i++) {
		char a[32];
		snprintf(a, sizeof a, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		put(r, "10.0.0.2", a, "benign.test.org", false, 3600, T0 + (uint64_t)i);
	}
	for (int i = 0; i < 8; i++) {
		char a[32];
		snprintf(a, sizeof a, "198.51.100.%d", i + 1);
		ck_assert_msg(get(r, "10.0.0.2", a, T0 + SEC) != NULL, "matching entry %d evicted", i);
	}
	struct rslv_stats st;
	rslv_get_stats(r, &st);
	/* every insert beyond the capacity evicted exactly one live entry */
	ck_assert_uint_eq(st.fills, 8 + (uint64_t)flood);
	ck_assert_uint_eq(st.evicted, 8 + (uint64_t)flood - 64);
	ck_assert_uint_eq(st.evicted_matched, 0);
	int alive = 0;
	for (int i = 0; i < flood; i++) {
		char a[32];
		snprintf(a, sizeof a, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		alive += get(r, "10.0.0.2", a, T0 + SEC) != NULL;
	}
	ck_assert_int_eq(alive, 64 - 8);

	/* expired entries are reused before anything live is evicted */
	uint64_t later = T0 + (uint64_t)SW_RSLV_TTL_MAX_S * SEC;
	put(r, "10.0.0.9", "203.0.113.1", "fresh.test.org", false, 60, later);
	rslv_get_stats(r, &st);
	ck_assert_uint_eq(st.evicted, 8 + (uint64_t)flood - 64);
	rslv_free(r);
}
END_TEST

START_TEST(cache_matching_name_kept)
{
	struct rslv *r = rslv_new(64, 3);
	put(r, "10.0.0.2", "198.51.100.7", "bucket.spy-test.org", true, 60, T0);
	/* a CDN address shared with a benign name: the matching one stays */
	put(r, "10.0.0.2", "198.51.100.7", "www.benign-test.org", false, 60, T0 + SEC);
	ck_assert_str_eq(get(r, "10.0.0.2", "198.51.100.7", T0 + SEC), "bucket.spy-test.org");
	/* another matching name replaces it */
	put(r, "10.0.0.2", "198.51.100.7", "other.spy-test.org", true, 60, T0 + 2 * SEC);
	ck_assert_str_eq(get(r, "10.0.0.2", "198.51.100.7", T0 + 2 * SEC), "other.spy-test.org");
	/* once expired, anything replaces it */
	uint64_t t = T0 + 2 * SEC + (uint64_t)SW_RSLV_TTL_MIN_S * SEC;
	put(r, "10.0.0.2", "198.51.100.7", "www.benign-test.org", false, 60, t);
	ck_assert_str_eq(get(r, "10.0.0.2", "198.51.100.7", t), "www.benign-test.org");
	/* an unmatched name is replaced by a newer one */
	put(r, "10.0.0.2", "198.51.100.7", "www2.benign-test.org", false, 60, t + SEC);
	ck_assert_str_eq(get(r, "10.0.0.2", "198.51.100.7", t + SEC), "www2.benign-test.org");
	struct rslv_stats st;
	rslv_get_stats(r, &st);
	ck_assert_uint_eq(st.kept, 1);
	rslv_free(r);
}
END_TEST

/* A flow's candidate is the entry it found; a replaced entry is stale. */
START_TEST(cache_flow_generation)
{
	struct rslv *r = rslv_new(64, 3);
	put(r, "10.0.0.2", "198.51.100.7", "one.spy-test.org", true, 60, T0);
	uint8_t fr[128];
	size_t n = mkframe(fr, NULL, NULL, "10.0.0.2", 40000, "198.51.100.7", 443, 6,
	                   0x02, 1, NULL, 0);
	(void)n;
	struct pkt p;
	ck_assert_int_eq(decode_packet(DLT_RAW, fr, (uint32_t)n, T0, NULL, &p), DEC_OK);
	p.ts_us = T0 + SEC;
	struct flow f;
	memset(&f, 0, sizeof f);
	rslv_flow_start(r, &f, 0, &p);
	ck_assert(rslv_flow_pending(&f, 0));
	ck_assert(!rslv_flow_pending(&f, 1));   /* the server's side */
	char buf[SW_HOST_BUF];
	struct flow g = f;
	ck_assert_uint_eq(rslv_flow_take(r, &g, buf, NULL, 0), strlen("one.spy-test.org"));
	ck_assert_str_eq(buf, "one.spy-test.org");
	ck_assert(!rslv_flow_pending(&g, 0));
	/* the outer name of an ECH hello equal to the candidate: no news */
	g = f;
	ck_assert_uint_eq(rslv_flow_take(r, &g, buf, "one.spy-test.org", 16), 0);
	/* the entry's name changes: the old candidate is stale */
	put(r, "10.0.0.2", "198.51.100.7", "two.spy-test.org", true, 60, T0 + 2 * SEC);
	g = f;
	ck_assert_uint_eq(rslv_flow_take(r, &g, buf, NULL, 0), 0);
	struct rslv_stats st;
	rslv_get_stats(r, &st);
	ck_assert_uint_eq(st.stale, 1);
	ck_assert_uint_eq(st.own_name, 1);
	/* DNS flows are not looked up */
	n = mkframe(fr, NULL, NULL, "10.0.0.2", 40000, "198.51.100.7", 53, 17, 0, 0, "x", 1);
	ck_assert_int_eq(decode_packet(DLT_RAW, fr, (uint32_t)n, T0, NULL, &p), DEC_OK);
	memset(&f, 0, sizeof f);
	rslv_flow_start(r, &f, 0, &p);
	ck_assert(!f.rslv);
	rslv_free(r);
}
END_TEST

/* ---- the CNAME chain -------------------------------------------------------- */

/* The answer of pcaps/dns.pcap (dnsmasq 2.90, frame 22), as captured:
 * cdn.backup-operator.net -> files.backup-operator.net ->
 * celular007.s3.amazonaws.com -> 127.0.0.21, with compression pointers
 * and an OPT record after the answers. */
static const uint8_t dns_cname_chain[] = {
	0x0d, 0x08, 0x85, 0x80, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
	0x03, 0x63, 0x64, 0x6e, 0x0f, 0x62, 0x61, 0x63, 0x6b, 0x75, 0x70, 0x2d,
	0x6f, 0x70, 0x65, 0x72, 0x61, 0x74, 0x6f, 0x72, 0x03, 0x6e, 0x65, 0x74,
	0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x1b, 0x05, 0x66, 0x69, 0x6c, 0x65, 0x73, 0x0f,
	0x62, 0x61, 0x63, 0x6b, 0x75, 0x70, 0x2d, 0x6f, 0x70, 0x65, 0x72, 0x61,
	0x74, 0x6f, 0x72, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x35, 0x00, 0x05,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1d, 0x0a, 0x63, 0x65, 0x6c,
	0x75, 0x6c, 0x61, 0x72, 0x30, 0x30, 0x37, 0x02, 0x73, 0x33, 0x09, 0x61,
	0x6d, 0x61, 0x7a, 0x6f, 0x6e, 0x61, 0x77, 0x73, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0xc0, 0x5c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x7f, 0x00, 0x00, 0x15, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

START_TEST(chain_of_real_answer)
{
	struct dns_msg m;
	ck_assert_int_eq(dns_parse(dns_cname_chain, sizeof dns_cname_chain, &m), D_OK);
	const struct dns_name *chain[8];
	size_t n = rslv_chain(&m, chain, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(chain[0]->name, "cdn.backup-operator.net");
	ck_assert_str_eq(chain[1]->name, "files.backup-operator.net");
	ck_assert_str_eq(chain[2]->name, "celular007.s3.amazonaws.com");
	ck_assert_uint_eq(rslv_chain(&m, chain, 2), 2);
}
END_TEST

START_TEST(chain_loops_and_strays)
{
	uint8_t b[1024];
	struct dns_msg m;
	/* a CNAME loop ends the chain; a record of an unrelated owner is not
	 * followed and its address is not cached */
	const struct rr loop[] = {
		{ "a.loop-test.org", 5, 60, "b.loop-test.org" },
		{ "b.loop-test.org", 5, 60, "a.loop-test.org" },
		{ "stray.other-test.org", 1, 60, "192.0.2.66" },
		{ "b.loop-test.org", 1, 60, "192.0.2.67" },
	};
	size_t n = mkdns(b, "a.loop-test.org", 1, loop, 4);
	ck_assert_int_eq(dns_parse(b, n, &m), D_OK);
	const struct dns_name *chain[8];
	ck_assert_uint_eq(rslv_chain(&m, chain, 8), 2);

	struct rslv *r = rslv_new(64, 5);
	uint8_t fr[1200];
	size_t fl = mkframe(fr, NULL, NULL, "10.0.0.53", 53, "10.0.0.2", 33333, 17, 0, 0, b, n);
	struct pkt p;
	ck_assert_int_eq(decode_packet(DLT_RAW, fr, (uint32_t)fl, T0, NULL, &p), DEC_OK);
	p.ts_us = T0;
	rslv_dns_response(r, &m, &p, NULL);
	ck_assert_ptr_null(get(r, "10.0.0.2", "192.0.2.66", T0));
	ck_assert_str_eq(get(r, "10.0.0.2", "192.0.2.67", T0), "a.loop-test.org");
	struct rslv_stats st;
	rslv_get_stats(r, &st);
	ck_assert_uint_eq(st.offchain, 1);
	ck_assert_uint_eq(st.answers, 1);

	/* not NOERROR, or a query: nothing */
	b[3] = 0x83;   /* NXDOMAIN */
	ck_assert_int_eq(dns_parse(b, n, &m), D_OK);
	rslv_dns_response(r, &m, &p, NULL);
	rslv_get_stats(r, &st);
	ck_assert_uint_eq(st.answers, 1);
	rslv_free(r);
}
END_TEST

/* ---- through the pipeline ---------------------------------------------------- */

static const char rules[] =
	"s3:bucket-spy SpyFam test bucket\n"
	"spyapp-test.com SpyFam test c2\n";

static const uint8_t PHONE[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t ROUTER[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };

struct rig {
	struct pipeline pl;
	struct ioc_set *iocs;
	char *out;
	size_t outlen;
	FILE *mem;
	uint64_t ts;
	uint16_t port;
};

static void rig_init(struct rig *r, int dlt)
{
	memset(r, 0, sizeof *r);
	char err[256];
	r->iocs = ioc_set_load_mem(rules, sizeof rules - 1, "test", NULL, err, sizeof err);
	ck_assert_msg(r->iocs != NULL, "%s", err);
	r->mem = open_memstream(&r->out, &r->outlen);
	struct pipe_opts o = { .flows = 1024, .reasm_slots = 16, .hitq = 256,
	                       .hostnames = r->mem, .seed = 1, .no_ndpi = true };
	ck_assert_int_eq(pipe_init(&r->pl, &o, r->iocs, err, sizeof err), 0);
	pipe_set_link(&r->pl, dlt);
	r->ts = T0;
	r->port = 40000;
}

static void rig_fini(struct rig *r)
{
	pipe_fini(&r->pl);
	fclose(r->mem);
	free(r->out);
	ioc_set_free(r->iocs);
}

static void feed(struct rig *r, const uint8_t *frame, size_t n)
{
	struct tu_guard g = tu_guard_copy(frame, n);
	pipe_packet(&r->pl, r->ts, g.data, (uint32_t)n, (uint32_t)n);
	tu_guard_free(&g);
	r->ts += 1000;
}

/* A DNS answer from the resolver 10.0.0.53 to cli (MACs when eth). */
static void answer(struct rig *r, bool eth, const char *cli, const char *qname,
                   const struct rr *an, size_t nan)
{
	uint8_t dns[1024], fr[1500];
	size_t n = mkdns(dns, qname, an[nan - 1].type == 28 ? 28 : 1, an, nan);
	size_t fl = mkframe(fr, eth ? ROUTER : NULL, PHONE, "10.0.0.53", 53, cli, 33333,
	                    17, 0, 0, dns, n);
	feed(r, fr, fl);
}

/* A TCP connection from cli to srv:port: SYN, then (when n) one data
 * segment. */
static void tcp_conn(struct rig *r, bool eth, const char *cli, const char *srv,
                     uint16_t port, const void *data, size_t n)
{
	uint8_t fr[4096];
	uint16_t sp = r->port++;
	size_t fl = mkframe(fr, eth ? PHONE : NULL, ROUTER, cli, sp, srv, port, 6, 0x02, 999,
	                    NULL, 0);
	feed(r, fr, fl);
	fl = mkframe(fr, eth ? ROUTER : NULL, PHONE, srv, port, cli, sp, 6, 0x12, 5000, NULL, 0);
	feed(r, fr, fl);
	if (n) {
		fl = mkframe(fr, eth ? PHONE : NULL, ROUTER, cli, sp, srv, port, 6, 0x18, 1000,
		             data, n);
		feed(r, fr, fl);
	}
}

static void udp_dgram(struct rig *r, const char *cli, const char *srv, uint16_t port,
                      const void *data, size_t n)
{
	uint8_t fr[2048];
	size_t fl = mkframe(fr, NULL, NULL, cli, r->port++, srv, port, 17, 0, 0, data, n);
	feed(r, fr, fl);
}

/* The printed lines so far, in order. */
static const char *lines(struct rig *r)
{
	fflush(r->mem);
	return r->out ? r->out : "";
}

static bool has_line(struct rig *r, const char *line)
{
	const char *s = lines(r);
	size_t n = strlen(line);
	for (const char *p = s; (p = strstr(p, line)) != NULL; p++)
		if ((p == s || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

/* The queued hits. */
static size_t hits(struct rig *r, const struct hit **run)
{
	return hitq_peek(&r->pl.hq, run, 256);
}

static const struct hit *find_hit(struct rig *r, const char *kind, const char *host)
{
	const struct hit *run;
	size_t n = hits(r, &run);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(sw_kind_name((enum sw_kind)run[i].kind), kind) &&
		    !strcmp(run[i].host, host))
			return &run[i];
	return NULL;
}

static size_t count_kind(struct rig *r, const char *kind)
{
	const struct hit *run;
	size_t n = hits(r, &run), c = 0;
	for (size_t i = 0; i < n; i++)
		c += !strcmp(sw_kind_name((enum sw_kind)run[i].kind), kind);
	return c;
}

static const struct rr bucket_chain[] = {
	{ "cdn.operator-test.net", 5, 60, "files.operator-test.net" },
	{ "files.operator-test.net", 5, 60, "bucket-spy.s3.amazonaws.com" },
	{ "bucket-spy.s3.amazonaws.com", 1, 60, "198.51.100.7" },
};
static const struct rr c2_a[] = { { "c2.spyapp-test.com", 1, 60, "198.51.100.8" } };
static const struct rr benign_a[] = { { "www.benign-test.org", 1, 60, "198.51.100.9" } };

START_TEST(cname_target_hit_keeps_query)
{
	struct rig r;
	rig_init(&r, DLT_RAW);
	answer(&r, false, "10.0.0.2", "cdn.operator-test.net", bucket_chain, 3);
	const struct hit *run;
	ck_assert_uint_eq(hits(&r, &run), 1);
	ck_assert_str_eq(sw_kind_name((enum sw_kind)run[0].kind), "dns");
	ck_assert_str_eq(run[0].host, "bucket-spy.s3.amazonaws.com");
	ck_assert_str_eq(run[0].query, "cdn.operator-test.net");
	char a[64];
	ck_assert_str_eq(sw_addr_str(&run[0].client, a, sizeof a), "10.0.0.2");
	ck_assert_str_eq(sw_addr_str(&run[0].server, a, sizeof a), "10.0.0.53");
	ck_assert_uint_eq(run[0].server_port, 53);
	/* answers print nothing: --hostnames shows query names only */
	ck_assert_str_eq(lines(&r), "");
	/* an answer whose owner matches adds nothing to the query's hit */
	answer(&r, false, "10.0.0.2", "c2.spyapp-test.com", c2_a, 1);
	ck_assert_uint_eq(hits(&r, &run), 1);
	/* a chain that matches nowhere: no hit */
	answer(&r, false, "10.0.0.2", "www.benign-test.org", benign_a, 1);
	ck_assert_uint_eq(hits(&r, &run), 1);
	rig_fini(&r);
}
END_TEST

START_TEST(resolved_flows_without_a_name)
{
	struct rig r;
	rig_init(&r, DLT_RAW);
	answer(&r, false, "10.0.0.2", "cdn.operator-test.net", bucket_chain, 3);
	answer(&r, false, "10.0.0.2", "c2.spyapp-test.com", c2_a, 1);
	answer(&r, false, "10.0.0.2", "www.benign-test.org", benign_a, 1);
	uint8_t h[2048];
	size_t hn;

	/* ClientHello without server_name: the bucket (the name that matched
	 * in the chain is the one kept) */
	hn = mkhello(h, NULL, false);
	tcp_conn(&r, false, "10.0.0.2", "198.51.100.7", 443, h, hn);
	ck_assert(has_line(&r, "resolved\t10.0.0.2\t198.51.100.7\t443\tbucket-spy.s3.amazonaws.com"));
	const struct hit *x = find_hit(&r, "resolved", "bucket-spy.s3.amazonaws.com");
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->server_port, 443);
	ck_assert(!x->ech);
	ck_assert_str_ne(x->ja4, "");    /* the hello's fingerprint */

	/* a bare TCP app (MQTT CONNECT) */
	static const uint8_t mqtt[] = { 0x10, 0x10, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04,
	                                0x02, 0x00, 0x3c, 0x00, 0x04, 'p', 'h', 'o', 'n' };
	tcp_conn(&r, false, "10.0.0.2", "198.51.100.8", 8883, mqtt, sizeof mqtt);
	ck_assert(has_line(&r, "resolved\t10.0.0.2\t198.51.100.8\t8883\tc2.spyapp-test.com"));

	/* a bare UDP app */
	udp_dgram(&r, "10.0.0.2", "198.51.100.8", 3478, "\x00\x01\x00\x00", 4);
	ck_assert(has_line(&r, "resolved\t10.0.0.2\t198.51.100.8\t3478\tc2.spyapp-test.com"));

	/* HTTP to the bare address */
	static const char get[] = "GET /up HTTP/1.1\r\nHost: 198.51.100.8\r\n\r\n";
	tcp_conn(&r, false, "10.0.0.2", "198.51.100.8", 80, get, sizeof get - 1);
	ck_assert(has_line(&r, "resolved\t10.0.0.2\t198.51.100.8\t80\tc2.spyapp-test.com"));
	ck_assert_uint_eq(count_kind(&r, "resolved"), 4);

	/* a name that matches nothing: the line, no hit (no browsing log) */
	hn = mkhello(h, NULL, false);
	tcp_conn(&r, false, "10.0.0.2", "198.51.100.9", 443, h, hn);
	ck_assert(has_line(&r, "resolved\t10.0.0.2\t198.51.100.9\t443\twww.benign-test.org"));
	ck_assert_uint_eq(count_kind(&r, "resolved"), 4);

	/* flows that name themselves: no resolved line */
	hn = mkhello(h, "c2.spyapp-test.com", false);
	tcp_conn(&r, false, "10.0.0.2", "198.51.100.8", 443, h, hn);
	static const char get2[] = "GET / HTTP/1.1\r\nHost: c2.spyapp-test.com\r\n\r\n";
	tcp_conn(&r, false, "10.0.0.2", "198.51.100.8", 8080, get2, sizeof get2 - 1);
	ck_assert_uint_eq(count_kind(&r, "resolved"), 4);
	ck_assert(!has_line(&r, "resolved\t10.0.0.2\t198.51.100.8\t443\tc2.spyapp-test.com"));
	ck_assert(!has_line(&r, "resolved\t10.0.0.2\t198.51.100.8\t8080\tc2.spyapp-test.com"));

	/* another client never resolved it; a SYN never answered with data
	 * says nothing */
	hn = mkhello(h, NULL, false);
	tcp_conn(&r, false, "10.0.0.3", "198.51.100.8", 443, h, hn);
	tcp_conn(&r, false, "10.0.0.2", "198.51.100.8", 9999, NULL, 0);
	ck_assert_uint_eq(count_kind(&r, "resolved"), 4);

	/* past the TTL (60 s, clamped to SW_RSLV_TTL_MIN_S) */
	r.ts += (uint64_t)SW_RSLV_TTL_MIN_S * SEC;
	tcp_conn(&r, false, "10.0.0.2", "198.51.100.7", 443, h, hn);
	ck_assert_uint_eq(count_kind(&r, "resolved"), 4);
	rig_fini(&r);
}
END_TEST

START_TEST(ech_lines_and_hits)
{
	struct rig r;
	rig_init(&r, DLT_RAW);
	answer(&r, false, "10.0.0.2", "c2.spyapp-test.com", c2_a, 1);
	uint8_t h[2048];

	/* real ECH shape: the outer name is the provider's public name */
	size_t hn = mkhello(h, "public-ech.cdn-test.net", true);
	tcp_conn(&r, false, "10.0.0.2", "198.51.100.8", 443, h, hn);
	ck_assert(has_line(&r, "sni\t10.0.0.2\t198.51.100.8\t443\tpublic-ech.cdn-test.net"));
	ck_assert(has_line(&r, "ech\t10.0.0.2\t198.51.100.8\t443\tpublic-ech.cdn-test.net"));
	ck_assert(has_line(&r, "resolved\t10.0.0.2\t198.51.100.8\t443\tc2.spyapp-test.com"));
	const struct hit *x = find_hit(&r, "resolved", "c2.spyapp-test.com");
	ck_assert_ptr_nonnull(x);
	ck_assert(x->ech);

	/* GREASE shape: the outer name is the real one; it matches itself */
	hn = mkhello(h, "c2.spyapp-test.com", true);
	tcp_conn(&r, false, "10.0.0.2", "198.51.100.8", 443, h, hn);
	ck_assert(has_line(&r, "ech\t10.0.0.2\t198.51.100.8\t443\tc2.spyapp-test.com"));
	x = find_hit(&r, "sni", "c2.spyapp-test.com");
	ck_assert_ptr_nonnull(x);
	ck_assert(x->ech);
	ck_assert_uint_eq(count_kind(&r, "resolved"), 1);
	ck_assert_uint_eq(count_kind(&r, "ech"), 0);   /* ech is a line, not a hit kind */

	/* no ECH: no ech line, no mark */
	hn = mkhello(h, "www.spyapp-test.com", false);
	tcp_conn(&r, false, "10.0.0.2", "198.51.100.99", 443, h, hn);
	ck_assert(!has_line(&r, "ech\t10.0.0.2\t198.51.100.99\t443\twww.spyapp-test.com"));
	x = find_hit(&r, "sni", "www.spyapp-test.com");
	ck_assert_ptr_nonnull(x);
	ck_assert(!x->ech);
	ck_assert_uint_eq(r.pl.c.names[K_ECH], 2);
	rig_fini(&r);
}
END_TEST

/* The phone asks over IPv4 for an AAAA and connects over IPv6 from another
 * address: the client is its MAC. */
START_TEST(resolved_by_mac_across_families)
{
	struct rig r;
	rig_init(&r, DLT_EN10MB);
	const struct rr aaaa[] = { { "c2.spyapp-test.com", 28, 300, "2001:db8::8" } };
	answer(&r, true, "10.0.0.2", "c2.spyapp-test.com", aaaa, 1);
	uint8_t h[2048];
	size_t hn = mkhello(h, NULL, false);
	tcp_conn(&r, true, "2001:db8:1::2", "2001:db8::8", 443, h, hn);
	ck_assert(has_line(&r, "resolved\t2001:db8:1::2\t2001:db8::8\t443\tc2.spyapp-test.com"));
	const struct hit *x = find_hit(&r, "resolved", "c2.spyapp-test.com");
	ck_assert_ptr_nonnull(x);
	ck_assert(x->has_mac);
	ck_assert_mem_eq(x->client_mac, PHONE, 6);
	rig_fini(&r);
}
END_TEST

/* ---- the database columns ------------------------------------------------------ */

static char *col(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	char *v = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		v = strdup(t ? (const char *)t : "NULL");
	}
	sqlite3_finalize(st);
	ck_assert_ptr_nonnull(v);
	return v;
}

START_TEST(db_columns)
{
	struct rig r;
	rig_init(&r, DLT_RAW);
	answer(&r, false, "10.0.0.2", "cdn.operator-test.net", bucket_chain, 3);
	answer(&r, false, "10.0.0.2", "c2.spyapp-test.com", c2_a, 1);
	uint8_t h[2048];
	size_t hn = mkhello(h, "public-ech.cdn-test.net", true);
	tcp_conn(&r, false, "10.0.0.2", "198.51.100.8", 443, h, hn);
	const struct hit *run;
	size_t n = hits(&r, &run);
	ck_assert_uint_eq(n, 2);
	/* what GeoIP and nDPI would fill, set by hand */
	struct hit hv[3];
	memcpy(hv, run, 2 * sizeof *hv);
	strcpy(hv[1].app, "TLS.Cloudflare");
	strcpy(hv[1].server_country, "GB");
	hv[1].server_asn = 1221;
	strcpy(hv[1].server_org, "Telstra Pty Ltd");
	/* a later event of the same row without ECH nor app */
	hv[2] = hv[1];
	hv[2].ech = false;
	hv[2].app[0] = '\0';
	hv[2].ts_us += SEC;

	char path[] = "/tmp/test_resolve.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	char err[512];
	struct db *d = db_open(path, err, sizeof err);
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_eq(db_write_hits(d, hv, 3, r.iocs, "cap", err, sizeof err), 0);
	db_close(d);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	static const struct { const char *sql, *want; } t[] = {
		{ "select query from hits where kind='dns'", "cdn.operator-test.net" },
		{ "select ifnull(ech, 'NULL') from hits where kind='dns'", "NULL" },
		{ "select ifnull(app, 'NULL') from hits where kind='dns'", "NULL" },
		{ "select ech from hits where kind='resolved'", "1" },      /* sticky */
		{ "select count from hits where kind='resolved'", "2" },
		{ "select app from hits where kind='resolved'", "TLS.Cloudflare" },
		{ "select server_country from hits where kind='resolved'", "GB" },
		{ "select server_asn from hits where kind='resolved'", "1221" },
		{ "select server_org from hits where kind='resolved'", "Telstra Pty Ltd" },
		{ "select hostname from hits where kind='resolved'", "c2.spyapp-test.com" },
		{ "select ifnull(query, 'NULL') from hits where kind='resolved'", "NULL" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *v = col(db, t[i].sql);
		ck_assert_msg(!strcmp(v, t[i].want), "%s: %s, want %s", t[i].sql, v, t[i].want);
		free(v);
	}
	sqlite3_close(db);
	char aux[sizeof path + 8];
	unlink(path);
	snprintf(aux, sizeof aux, "%s-wal", path);
	unlink(aux);
	snprintf(aux, sizeof aux, "%s-shm", path);
	unlink(aux);
	rig_fini(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("resolve");
	TCase *c = tcase_create("cache");
	tcase_add_test(c, cache_ttl_clamped_and_expiry);
	tcase_add_test(c, cache_keys_client_and_address);
	tcase_add_test(c, cache_bounded_and_evicts_unmatched_first);
	tcase_add_test(c, cache_matching_name_kept);
	tcase_add_test(c, cache_flow_generation);
	tcase_add_test(c, chain_of_real_answer);
	tcase_add_test(c, chain_loops_and_strays);
	suite_add_tcase(s, c);
	c = tcase_create("pipeline");
	tcase_set_timeout(c, 60);
	tcase_add_test(c, cname_target_hit_keeps_query);
	tcase_add_test(c, resolved_flows_without_a_name);
	tcase_add_test(c, ech_lines_and_hits);
	tcase_add_test(c, resolved_by_mac_across_families);
	tcase_add_test(c, db_columns);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	return tu_run(suite());
}
