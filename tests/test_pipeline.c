/*
 * test_pipeline.c - the packet path end to end on frames built here:
 * TCP handshake reassembly (split, out of order, retransmitted, conflicting),
 * TLS behind preludes, HTTP keep-alive and pipelining, DNS over UDP and TCP,
 * the IOC match and the hit record.
 *
 * Frames are raw IPv4 (DLT_RAW); checksums are not checked by the decoder.
 */
#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdio.h>

#include "daemon/pipeline.h"
#include "ioc/ioc.h"
#include "testpkt.h"
#include "testutil.h"

/* ---- frame builders ------------------------------------------------------ */


/* IPv4 + TCP (or UDP when l4 == 17) frame carrying payload. */
static size_t mkframe(uint8_t *out, const char *src, uint16_t sport,
                      const char *dst, uint16_t dport, uint8_t l4,
                      uint8_t flags, uint32_t seq, const void *pl, size_t n)
{
	size_t l4len = l4 == 6 ? 20 : 8;
	size_t tot = 20 + l4len + n;
	memset(out, 0, 20 + l4len);
	out[0] = 0x45;
	tu_put16(out + 2, (uint16_t)tot);
	out[8] = 64;
	out[9] = l4;
	inet_pton(AF_INET, src, out + 12);
	inet_pton(AF_INET, dst, out + 16);
	uint8_t *t = out + 20;
	tu_put16(t, sport);
	tu_put16(t + 2, dport);
	if (l4 == 6) {
		t[4] = (uint8_t)(seq >> 24); t[5] = (uint8_t)(seq >> 16);
		t[6] = (uint8_t)(seq >> 8); t[7] = (uint8_t)seq;
		t[12] = 5 << 4;
		t[13] = flags;
		tu_put16(t + 14, 65535);
	} else {
		tu_put16(t + 4, (uint16_t)(8 + n));
	}
	if (n)
		memcpy(out + 20 + l4len, pl, n);
	return tot;
}

/* A ClientHello with server_name sni and a padding extension of pad bytes,
 * as records of at most rec bytes (tests/testpkt.h). */
static size_t mkhello(uint8_t *out, const char *sni, size_t pad, size_t rec)
{
	struct tu_hello_opts ho = { .sni = sni, .pad = pad, .rec = rec };
	return tu_hello(out, &ho);
}

/* ---- harness ------------------------------------------------------------- */

struct rig {
	struct pipeline pl;
	struct ioc_set *iocs;
	char *out;
	size_t outlen;
	FILE *mem;
	uint64_t ts;
};

static const char rules[] =
	"spyic.com Cocospy test rule\n"
	"s3:celular007 EspiaoAndroid test bucket\n";

static void rig_init(struct rig *r)
{
	memset(r, 0, sizeof *r);
	char err[256];
	r->iocs = ioc_set_load_mem(rules, sizeof rules - 1, "test", NULL, err, sizeof err);
	ck_assert_msg(r->iocs != NULL, "%s", err);
	r->mem = open_memstream(&r->out, &r->outlen);
	struct pipe_opts o = { .flows = 1024, .reasm_slots = 16, .hitq = 64,
	                       .hostnames = r->mem, .seed = 1 };
	ck_assert_int_eq(pipe_init(&r->pl, &o, r->iocs, err, sizeof err), 0);
	pipe_set_link(&r->pl, DLT_RAW);
	r->ts = 1700000000000000ULL;
}

static void rig_send(struct rig *r, const uint8_t *frame, size_t n)
{
	struct tu_guard g = tu_guard_copy(frame, n);
	pipe_packet(&r->pl, r->ts, g.data, (uint32_t)n, (uint32_t)n);
	tu_guard_free(&g);
	r->ts += 1000;
}

/* Send a TCP segment client->server (dir 0) or server->client (dir 1). */
static void seg(struct rig *r, int dir, uint8_t flags, uint32_t seq, const void *p, size_t n)
{
	uint8_t f[20000];
	size_t len = dir == 0 ?
		mkframe(f, "10.0.0.2", 40000, "192.0.2.1", 443, 6, flags, seq, p, n) :
		mkframe(f, "192.0.2.1", 443, "10.0.0.2", 40000, 6, flags, seq, p, n);
	rig_send(r, f, len);
}

/* stdout of the pipeline so far, NUL-terminated */
static const char *rig_out(struct rig *r)
{
	fflush(r->mem);
	return r->out ? r->out : "";
}

static size_t count_lines(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void rig_fini(struct rig *r)
{
	pipe_fini(&r->pl);
	fclose(r->mem);
	free(r->out);
	ioc_set_free(r->iocs);
}

#define ISN 1000u
#define SNI_LINE "sni\t10.0.0.2\t192.0.2.1\t443\ti.spyic.com\n"

static void handshake(struct rig *r)
{
	seg(r, 0, 0x02, ISN - 1, NULL, 0);        /* SYN */
	seg(r, 1, 0x12, 5000, NULL, 0);           /* SYN-ACK */
	seg(r, 0, 0x10, ISN, NULL, 0);            /* ACK */
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(hello_in_one_segment)
{
	struct rig r;
	rig_init(&r);
	uint8_t h[4096];
	size_t n = mkhello(h, "I.Spyic.COM", 0, 16384);
	handshake(&r);
	seg(&r, 0, 0x18, ISN, h, n);
	ck_assert_str_eq(rig_out(&r), SNI_LINE);
	ck_assert_uint_eq(r.pl.c.names[K_SNI], 1);
	ck_assert_uint_eq(r.pl.c.hits, 1);
	const struct hit *run;
	ck_assert_uint_eq(hitq_peek(&r.pl.hq, &run, 10), 1);
	ck_assert_str_eq(run[0].host, "i.spyic.com");
	ck_assert_int_eq(run[0].kind, K_SNI);
	ck_assert_uint_eq(run[0].server_port, 443);
	ck_assert_str_eq(ioc_rule_get(r.iocs, run[0].rule)->family, "Cocospy");
	rig_fini(&r);
}
END_TEST

/* A ~1.8 KB hello split at every possible point into two segments. */
START_TEST(hello_split_everywhere)
{
	uint8_t h[4096];
	size_t n = mkhello(h, "i.spyic.com", 1700, 16384);
	for (size_t cut = 1; cut < n; cut += 37) {
		struct rig r;
		rig_init(&r);
		handshake(&r);
		seg(&r, 0, 0x10, ISN, h, cut);
		ck_assert_str_eq(rig_out(&r), "");
		seg(&r, 0, 0x18, ISN + (uint32_t)cut, h + cut, n - cut);
		ck_assert_msg(strcmp(rig_out(&r), SNI_LINE) == 0, "cut %zu: '%s'", cut, rig_out(&r));
		rig_fini(&r);
	}
}
END_TEST

START_TEST(hello_over_records_and_segments_reordered)
{
	uint8_t h[4096];
	size_t n = mkhello(h, "i.spyic.com", 1200, 300); /* 5 records */
	struct rig r;
	rig_init(&r);
	handshake(&r);
	/* segments of 500 bytes sent last-first */
	size_t cuts[8], nc = 0;
	for (size_t i = 0; i < n; i += 500)
		cuts[nc++] = i;
	for (size_t k = nc; k-- > 0;) {
		size_t len = (k + 1 < nc ? cuts[k + 1] : n) - cuts[k];
		seg(&r, 0, 0x10, ISN + (uint32_t)cuts[k], h + cuts[k], len);
		if (k)
			ck_assert_str_eq(rig_out(&r), "");
	}
	ck_assert_str_eq(rig_out(&r), SNI_LINE);
	rig_fini(&r);
}
END_TEST

START_TEST(retransmission_cannot_change_the_name)
{
	uint8_t good[4096], evil[4096];
	size_t n = mkhello(good, "i.spyic.com", 1500, 16384);
	size_t n2 = mkhello(evil, "x.benign.io", 1500, 16384);
	ck_assert_uint_eq(n, n2);
	size_t cut = 1000;
	/* first half held; a "retransmission" of it with other bytes, then the
	 * second half: the conflicting copy is refused, nothing is reported */
	struct rig r;
	rig_init(&r);
	handshake(&r);
	seg(&r, 0, 0x10, ISN, good, cut);
	seg(&r, 0, 0x10, ISN, evil, cut);
	seg(&r, 0, 0x18, ISN + (uint32_t)cut, evil + cut, n - cut);
	ck_assert_str_eq(rig_out(&r), "");
	ck_assert_uint_eq(r.pl.c.tcp_conflicts, 1);
	rig_fini(&r);

	/* an identical retransmission is harmless */
	rig_init(&r);
	handshake(&r);
	seg(&r, 0, 0x10, ISN, good, cut);
	seg(&r, 0, 0x10, ISN, good, cut);
	seg(&r, 0, 0x18, ISN + (uint32_t)cut, good + cut, n - cut);
	ck_assert_str_eq(rig_out(&r), SNI_LINE);
	/* and after the hello the flow is done: a second hello is not read */
	uint8_t h2[4096];
	size_t m = mkhello(h2, "other.spyic.com", 0, 16384);
	seg(&r, 0, 0x18, ISN + (uint32_t)n, h2, m);
	ck_assert_str_eq(rig_out(&r), SNI_LINE);
	rig_fini(&r);
}
END_TEST

/* A flood of half-sent hellos cannot starve a real one: each new incomplete
 * hello takes the least recently fed slot, so the real hello's slot lives
 * as long as its second segment comes before a pool's worth of others. */
START_TEST(half_sent_hello_flood)
{
	uint8_t h[4096], f[5000];
	size_t n = mkhello(h, "i.spyic.com", 1500, 16384);
	struct rig r;
	rig_init(&r); /* 16 reassembly slots */
	for (unsigned i = 0; i < 100; i++) {
		size_t fl = mkframe(f, "10.0.0.9", (uint16_t)(20000 + i), "192.0.2.7", 443, 6,
		                    0x18, 1, h, 700);
		rig_send(&r, f, fl);
	}
	handshake(&r);
	seg(&r, 0, 0x10, ISN, h, 700);
	for (unsigned i = 100; i < 110; i++) {
		size_t fl = mkframe(f, "10.0.0.9", (uint16_t)(20000 + i), "192.0.2.7", 443, 6,
		                    0x18, 1, h, 700);
		rig_send(&r, f, fl);
	}
	seg(&r, 0, 0x18, ISN + 700, h + 700, n - 700);
	ck_assert_str_eq(rig_out(&r), SNI_LINE);
	struct flow_stats st;
	flow_get_stats(r.pl.ft, &st);
	ck_assert_uint_eq(st.reasm_stolen, 100 + 1 + 10 - 16);
	rig_fini(&r);
}
END_TEST

START_TEST(hello_without_handshake_seen)
{
	/* capture started mid-connection: the first data segment is the start */
	uint8_t h[4096];
	size_t n = mkhello(h, "i.spyic.com", 0, 16384);
	struct rig r;
	rig_init(&r);
	seg(&r, 0, 0x18, 777777, h, n);
	ck_assert_str_eq(rig_out(&r), SNI_LINE);
	rig_fini(&r);
}
END_TEST

START_TEST(tls_after_preludes)
{
	uint8_t h[4096];
	size_t n = mkhello(h, "i.spyic.com", 0, 16384);
	static const char connect[] = "CONNECT i.spyic.com:443 HTTP/1.1\r\nHost: i.spyic.com:443\r\n\r\n";
	struct rig r;
	rig_init(&r);
	handshake(&r);
	seg(&r, 0, 0x18, ISN, connect, sizeof connect - 1);
	seg(&r, 1, 0x18, 5001, "HTTP/1.1 200 OK\r\n\r\n", 19);
	seg(&r, 0, 0x18, ISN + sizeof connect - 1, h, n);
	ck_assert_str_eq(rig_out(&r),
		"uri\t10.0.0.2\t192.0.2.1\t443\ti.spyic.com:443\n"
		"http\t10.0.0.2\t192.0.2.1\t443\ti.spyic.com\n"
		SNI_LINE);
	rig_fini(&r);

	/* SOCKS5: greeting, connect request, then the hello */
	static const uint8_t greet[] = { 5, 1, 0 };
	static const uint8_t req[] = { 5, 1, 0, 3, 11, 'i', '.', 's', 'p', 'y', 'i', 'c', '.', 'c', 'o', 'm', 1, 187 };
	rig_init(&r);
	handshake(&r);
	seg(&r, 0, 0x18, ISN, greet, sizeof greet);
	seg(&r, 0, 0x18, ISN + 3, req, sizeof req);
	seg(&r, 0, 0x18, ISN + 3 + sizeof req, h, n);
	ck_assert_str_eq(rig_out(&r), SNI_LINE);
	rig_fini(&r);

	/* a prelude and the hello in one segment (PostgreSQL SSLRequest style) */
	uint8_t both[4200];
	static const uint8_t sslreq[] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
	memcpy(both, sslreq, 8);
	memcpy(both + 8, h, n);
	rig_init(&r);
	handshake(&r);
	seg(&r, 0, 0x18, ISN, both, n + 8);
	ck_assert_str_eq(rig_out(&r), SNI_LINE);
	rig_fini(&r);
}
END_TEST

START_TEST(http_keepalive_pipelined_and_bodies)
{
	static const char a[] =
		"PUT /celular007/up/x.jpg HTTP/1.1\r\nHost: s3.amazonaws.com\r\nContent-Length: 10\r\n\r\n"
		"0123456789"
		"GET /a HTTP/1.1\r\nHost: WWW.Example.org:8080\r\n\r\n";
	static const char b1[] = "GET /b HTTP/1.1\r\nHo";
	static const char b2[] = "st: www.example.org\r\n\r\n";
	struct rig r;
	rig_init(&r);
	handshake(&r);
	seg(&r, 0, 0x18, ISN, a, sizeof a - 1);
	seg(&r, 0, 0x18, ISN + sizeof a - 1, b1, sizeof b1 - 1);
	seg(&r, 0, 0x18, ISN + sizeof a - 1 + sizeof b1 - 1, b2, sizeof b2 - 1);
	const char *o = rig_out(&r);
	ck_assert_msg(count_lines(o, "uri\t") == 3, "output: %s", o);
	ck_assert_ptr_nonnull(strstr(o, "uri\t10.0.0.2\t192.0.2.1\t443\t/celular007/up/x.jpg\n"));
	ck_assert_ptr_nonnull(strstr(o, "http\t10.0.0.2\t192.0.2.1\t443\ts3.amazonaws.com\n"));
	ck_assert_ptr_nonnull(strstr(o, "uri\t10.0.0.2\t192.0.2.1\t443\t/b\n"));
	/* the same Host twice in one flow is one line */
	ck_assert_uint_eq(count_lines(o, "www.example.org\n"), 1);
	ck_assert_uint_eq(r.pl.c.names[K_HTTP], 3);
	/* the path-style S3 request matched the bucket rule */
	ck_assert_uint_eq(r.pl.c.hits, 1);
	const struct hit *run;
	ck_assert_uint_eq(hitq_peek(&r.pl.hq, &run, 10), 1);
	ck_assert_str_eq(run[0].path, "/celular007/up/x.jpg");
	ck_assert_str_eq(ioc_rule_get(r.iocs, run[0].rule)->family, "EspiaoAndroid");
	rig_fini(&r);
}
END_TEST

/* A Host that is no hostname is shown escaped (up to the first control
 * byte, where a C server stops reading) but never matched. */
START_TEST(http_odd_host_values)
{
	static const char a[] = "GET / HTTP/1.1\r\nHost:%s\0spyic.com\r\n\r\n"
	                        "GET /x HTTP/1.1\r\nHost: \x1b]0;pwn\x07spyic.com\r\n\r\n"
	                        "GET /y HTTP/1.1\r\nHost: a\\b.spyic.com\r\n\r\n";
	struct rig r;
	rig_init(&r);
	handshake(&r);
	seg(&r, 0, 0x18, ISN, a, sizeof a - 1);
	const char *o = rig_out(&r);
	ck_assert_msg(strstr(o, "http\t10.0.0.2\t192.0.2.1\t443\t%s\n") != NULL, "%s", o);
	ck_assert_msg(strstr(o, "http\t10.0.0.2\t192.0.2.1\t443\ta\\\\b.spyic.com\n") != NULL, "%s", o);
	ck_assert_ptr_null(strchr(o, 0x1b));
	ck_assert_uint_eq(count_lines(o, "uri\t"), 3);
	ck_assert_uint_eq(r.pl.c.bad_names, 3);
	ck_assert_uint_eq(r.pl.c.hits, 0);
	rig_fini(&r);
}
END_TEST

static size_t mkdnsq(uint8_t *b, const char *name)
{
	size_t o = 0;
	o += tu_put16(b + o, 0x1234);
	o += tu_put16(b + o, 0x0100);
	o += tu_put16(b + o, 1);
	o += tu_put16(b + o, 0);
	o += tu_put16(b + o, 0);
	o += tu_put16(b + o, 0);
	o += tu_put_name(b + o, name);
	o += tu_put16(b + o, 1);
	o += tu_put16(b + o, 1);
	return o;
}

START_TEST(dns_udp_and_tcp)
{
	struct rig r;
	rig_init(&r);
	uint8_t q[300], f[400];
	size_t n = mkdnsq(q, "I.spyic.com");
	rig_send(&r, f, mkframe(f, "10.0.0.2", 5555, "10.0.0.1", 53, 17, 0, 0, q, n));
	n = mkdnsq(q, "notspyic.com");
	rig_send(&r, f, mkframe(f, "10.0.0.2", 5556, "10.0.0.1", 53, 17, 0, 0, q, n));
	/* a name with an escape sequence is counted, never printed */
	n = mkdnsq(q, "a\x1b[31m.example");
	rig_send(&r, f, mkframe(f, "10.0.0.2", 5557, "10.0.0.1", 53, 17, 0, 0, q, n));
	/* TCP: two length-prefixed queries in one segment */
	uint8_t t[700];
	size_t a = mkdnsq(t + 2, "one.example");
	tu_put16(t, (uint16_t)a);
	size_t b = mkdnsq(t + 4 + a, "two.example");
	tu_put16(t + 2 + a, (uint16_t)b);
	rig_send(&r, f, mkframe(f, "10.0.0.2", 6000, "10.0.0.1", 53, 6, 0x02, 99, NULL, 0));
	rig_send(&r, f, mkframe(f, "10.0.0.2", 6000, "10.0.0.1", 53, 6, 0x18, 100, t, 4 + a + b));
	ck_assert_str_eq(rig_out(&r),
		"dns\t10.0.0.2\t10.0.0.1\t53\ti.spyic.com\n"
		"dns\t10.0.0.2\t10.0.0.1\t53\tnotspyic.com\n"
		"dns\t10.0.0.2\t10.0.0.1\t53\tone.example\n"
		"dns\t10.0.0.2\t10.0.0.1\t53\ttwo.example\n");
	ck_assert_uint_eq(r.pl.c.bad_names, 1);
	ck_assert_uint_eq(r.pl.c.hits, 1); /* notspyic.com is not a hit */
	rig_fini(&r);
}
END_TEST

START_TEST(every_prefix_of_a_frame_is_safe)
{
	uint8_t h[4096], f[5000];
	size_t n = mkhello(h, "i.spyic.com", 600, 16384);
	size_t fl = mkframe(f, "10.0.0.2", 40000, "192.0.2.1", 443, 6, 0x18, ISN, h, n);
	struct rig r;
	rig_init(&r);
	for (size_t cut = 0; cut <= fl; cut++) {
		struct tu_guard g = tu_guard_copy(f, cut);
		pipe_packet(&r.pl, r.ts++, g.data, (uint32_t)cut, (uint32_t)fl);
		tu_guard_free(&g);
	}
	rig_fini(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("tcp");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hello_in_one_segment);
	tcase_add_test(tc, hello_split_everywhere);
	tcase_add_test(tc, hello_over_records_and_segments_reordered);
	tcase_add_test(tc, retransmission_cannot_change_the_name);
	tcase_add_test(tc, hello_without_handshake_seen);
	tcase_add_test(tc, half_sent_hello_flood);
	tcase_add_test(tc, tls_after_preludes);
	tcase_add_test(tc, http_keepalive_pipelined_and_bodies);
	tcase_add_test(tc, http_odd_host_values);
	tcase_add_test(tc, dns_udp_and_tcp);
	tcase_add_test(tc, every_prefix_of_a_frame_is_safe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite());
}
