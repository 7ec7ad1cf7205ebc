/*
 * test_dpi.c - nDPI labels on hits (daemon/dpi.c): real captures from
 * ../shared/pcaps (TLS to an AWS host, VXLAN and IPv6 inner packets, QUIC,
 * HTTP, DNS) give the label nDPI 4.2 gives them; the slot pool and the
 * arena stay within their bounds under a pool far too small (slots
 * reclaimed, flows without a slot counted, nothing leaks when flows are
 * evicted); the flow-removal hook set before nDPI (QUIC's) is still called;
 * --no-ndpi and a build without nDPI leave `app` empty.
 *
 * Skips, saying so, when ../shared is absent or the binary was built with
 * NDPI=0 (then only the "off" checks run).
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>

#include "daemon/dpi.h"
#include "daemon/pipeline.h"
#include "ioc/ioc.h"
#include "testutil.h"

struct run {
	struct pipeline pl;
	struct ioc_set *iocs;
};

static void run_init(struct run *r, const char *rules, const struct pipe_opts *o)
{
	char err[512];
	memset(r, 0, sizeof *r);
	r->iocs = ioc_set_load_mem(rules, strlen(rules), "test", NULL, err, sizeof err);
	ck_assert_msg(r->iocs != NULL, "%s", err);
	ck_assert_msg(pipe_init(&r->pl, o, r->iocs, err, sizeof err) == 0, "%s", err);
}

static void run_fini(struct run *r)
{
	pipe_fini(&r->pl);
	ioc_set_free(r->iocs);
}

/* Replay one capture of ../shared/pcaps through the pipeline. */
static void replay(struct run *r, const char *rel)
{
	char path[1024], eb[PCAP_ERRBUF_SIZE];
	snprintf(path, sizeof path, "%s/pcaps/%s", tu_shared(), rel);
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, eb);
	ck_assert_msg(pc != NULL, "%s", eb);
	pipe_set_link(&r->pl, pcap_datalink(pc));
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pcap_next_ex(pc, &h, &d) == 1)
		pipe_packet(&r->pl, (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec,
		            d, h->caplen, h->len);
	pcap_close(pc);
}

static const struct hit *hit_for(struct run *r, const char *host)
{
	const struct hit *run;
	size_t n = hitq_peek(&r->pl.hq, &run, 4096);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(run[i].host, host))
			return &run[i];
	return NULL;
}

static bool skip_shared(void)
{
	if (!tu_shared()) {
		printf("test_dpi: SKIPPED (captures): ../shared/pcaps is not present\n");
		return true;
	}
	if (!dpi_available()) {
		printf("test_dpi: SKIPPED (labels): built without nDPI (NDPI=0)\n");
		return true;
	}
	return false;
}

/* capture, the name its hit is for, kind, and nDPI 4.2's label */
static const struct {
	const char *pcap, *host, *kind, *app;
} labels[] = {
	/* TLS 1.3 (draft 23, Chrome 67) to Mozilla's test server on AWS:
	 * named by nDPI's IP list, not by the name */
	{ "zeek/tls/tls13draft23-chrome67.0.3368.0-canary.pcap", "tls13.crypto.mozilla.org",
	  "sni", "TLS.AmazonAWS" },
	/* curl to ntop.org: named by the SNI */
	{ "ndpi/443-curl.pcap", "www.ntop.org", "sni", "TLS.ntop" },
	/* IPv6 behind NAT64 */
	{ "ndpi/reddit.pcap", "c.amazon-adsystem.com", "sni", "TLS.Amazon" },
	/* the inner packet of a VXLAN tunnel, DNS and HTTP */
	{ "suricata-verify/vxlan-decoder-03/vxlan.pcap",
	  "ec2-18-196-145-224.eu-central-1.compute.amazonaws.com", "dns", "DNS.AmazonAWS" },
	{ "zeek/tunnels/vxlan-encapsulated-http.pcap", "eu.httpbin.org", "http", "HTTP.AmazonAWS" },
	/* QUIC draft-28 (nDPI decrypts the Initial itself) */
	{ "ndpi/quic-28.pcap", "www.wireshark.org", "quic", "QUIC.Cloudflare" },
	/* TLS after PostgreSQL's SSLRequest on 5432: nDPI names the
	 * outer protocol */
	{ "zeek/postgresql/psql-aws-ssl-preferred.pcap",
	  "database-1.cyx4x7yvdoay.us-east-1.rds.amazonaws.com", "sni", "PostgreSQL" },
};

START_TEST(labels_on_real_captures)
{
	if (skip_shared())
		return;
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		char rules[512];
		snprintf(rules, sizeof rules, "=%s Test label check\n", labels[i].host);
		struct pipe_opts o = { .seed = 1 };
		struct run r;
		run_init(&r, rules, &o);
		replay(&r, labels[i].pcap);
		const struct hit *h = hit_for(&r, labels[i].host);
		ck_assert_msg(h != NULL, "%s: no hit for %s", labels[i].pcap, labels[i].host);
		ck_assert_str_eq(sw_kind_name((enum sw_kind)h->kind), labels[i].kind);
		ck_assert_msg(!strcmp(h->app, labels[i].app), "%s: app '%s', want '%s'",
		              labels[i].pcap, h->app, labels[i].app);
		struct dpi_stats st;
		dpi_get_stats(r.pl.dpi, &st);
		ck_assert_uint_gt(st.named, 0);
		ck_assert_uint_eq(st.alloc_fail, 0);
		run_fini(&r);
	}
}
END_TEST

/* --no-ndpi (pipe_opts.no_ndpi): the same hit, no label, no nDPI at all. */
START_TEST(off_at_run_time)
{
	if (!tu_shared()) {
		printf("test_dpi: SKIPPED (off): ../shared/pcaps is not present\n");
		return;
	}
	struct pipe_opts o = { .seed = 1, .no_ndpi = true };
	struct run r;
	run_init(&r, "=www.ntop.org Test\n", &o);
	ck_assert_ptr_null(r.pl.dpi);
	replay(&r, "ndpi/443-curl.pcap");
	const struct hit *h = hit_for(&r, "www.ntop.org");
	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h->app, "");
	run_fini(&r);
}
END_TEST

/* A pool of SW_DPI_SLOTS_MIN slots and a table of SW_FLOWS_MIN flows over
 * the corpus's busiest captures: flows are evicted (their slots come back
 * through the removal hook), slots are reclaimed or refused, the arena
 * never passes its size, and nothing breaks (run under ASan too). */
START_TEST(bounded_under_pressure)
{
	if (skip_shared())
		return;
	static const char *const caps[] = {
		"ndpi/reddit.pcap", "ndpi/teams.pcap", "ndpi/1kxun.pcap", "ndpi/sites.pcapng",
		"ndpi/zoom.pcap", "ndpi/dns-tunnel-iodine.pcap", "ndpi/bad-dns-traffic.pcap",
	};
	struct dpi_stats st;
	struct flow_stats fs;
	struct run r;

	/* a tiny flow table: flows are evicted, their slots come back */
	struct pipe_opts o = { .seed = 1, .flows = SW_FLOWS_MIN };
	run_init(&r, "=www.ntop.org Test\n", &o);
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
		replay(&r, caps[i]);
	dpi_get_stats(r.pl.dpi, &st);
	flow_get_stats(r.pl.ft, &fs);
	ck_assert_uint_gt(fs.evicted, 0);
	ck_assert_uint_le(st.in_use, fs.active);
	ck_assert_uint_eq(st.no_slot, 0);
	run_fini(&r);

	/* a tiny pool: slots are reclaimed or refused, the arena holds */
	o = (struct pipe_opts){ .seed = 1, .ndpi_slots = SW_DPI_SLOTS_MIN };
	run_init(&r, "=www.ntop.org Test\n", &o);
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
		replay(&r, caps[i]);
	dpi_get_stats(r.pl.dpi, &st);
	ck_assert_uint_gt(st.no_slot + st.reclaimed, 0);
	ck_assert_uint_gt(st.flows, SW_DPI_SLOTS_MIN);
	ck_assert_uint_le(st.in_use, SW_DPI_SLOTS_MIN);
	ck_assert_uint_le(st.arena_peak, st.arena_bytes);
	ck_assert_uint_eq(st.arena_bytes, (uint64_t)SW_DPI_SLOTS_MIN * SW_DPI_ARENA_KB_PER_SLOT * 1024);
	printf("test_dpi: pressure: %" PRIu64 " flows classified, %" PRIu64 " without a slot, %"
	       PRIu64 " reclaimed, arena peak %" PRIu64 " of %" PRIu64 " bytes, %" PRIu64
	       " allocations refused\n", st.flows, st.no_slot, st.reclaimed, st.arena_peak,
	       st.arena_bytes, st.alloc_fail);
	run_fini(&r);
}
END_TEST

/* dpi_new chains to the removal hook already set (QUIC's): both run. */
static int prev_calls;
static void prev_hook(void *ctx, struct flow *f)
{
	(void)f;
	ck_assert_ptr_eq(ctx, &prev_calls);
	prev_calls++;
}

START_TEST(removal_hook_chained)
{
	if (!dpi_available()) {
		printf("test_dpi: SKIPPED (hook): built without nDPI (NDPI=0)\n");
		return;
	}
	struct flow_table *ft = flow_table_new(SW_FLOWS_MIN, SW_REASM_SLOTS_MIN, 1);
	ck_assert_ptr_nonnull(ft);
	flow_table_on_remove(ft, prev_hook, &prev_calls);
	char err[256];
	struct dpi *d = dpi_new(ft, SW_DPI_SLOTS_MIN, err, sizeof err);
	ck_assert_msg(d != NULL, "%s", err);
	/* 3 UDP flows, each with one packet handed to nDPI, then expired */
	for (int i = 0; i < 3; i++) {
		struct pkt p;
		memset(&p, 0, sizeof p);
		p.src.v = p.dst.v = 4;
		p.src.a[0] = 10; p.src.a[3] = (uint8_t)(i + 1);
		p.dst.a[0] = 192; p.dst.a[3] = 1;
		p.l4 = 17;
		p.sport = (uint16_t)(40000 + i);
		p.dport = 9999;
		static const uint8_t junk[] = { 0xde, 0xad, 0xbe, 0xef };
		p.payload = cur_make(junk, sizeof junk);
		p.ts_us = 1000000;
		int side;
		bool is_new;
		struct flow *f = flow_lookup(ft, &p, p.ts_us, &side, &is_new);
		dpi_packet(d, f, side, &p);
		ck_assert_uint_ne(f->dpi, 0);   /* unknown after one packet: still held */
	}
	struct dpi_stats st;
	dpi_get_stats(d, &st);
	ck_assert_uint_eq(st.in_use, 3);
	flow_expire(ft, 1000000 + (uint64_t)(SW_FLOW_IDLE_UDP_S + 1) * 1000000u);
	dpi_get_stats(d, &st);
	ck_assert_uint_eq(st.in_use, 0);
	ck_assert_int_eq(prev_calls, 3);
	flow_table_free(ft);
	dpi_free(d);
}
END_TEST

START_TEST(compiled_out)
{
	char err[256] = "";
	if (dpi_available()) {
		ck_assert_str_ne(dpi_version(), "none");
		return;
	}
	ck_assert_str_eq(dpi_version(), "none");
	ck_assert_ptr_null(dpi_new(NULL, 0, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "NDPI=0"));
	printf("test_dpi: built without nDPI: dpi_new refuses, labels stay empty\n");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dpi");
	TCase *c = tcase_create("dpi");
	tcase_set_timeout(c, 120);
	tcase_add_test(c, labels_on_real_captures);
	tcase_add_test(c, off_at_run_time);
	tcase_add_test(c, bounded_under_pressure);
	tcase_add_test(c, removal_hook_chained);
	tcase_add_test(c, compiled_out);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	return tu_run(suite());
}
