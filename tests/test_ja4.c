/*
 * test_ja4.c - ja4_compute() against FoxIO's published examples and every
 * rule of the specification (technical_details/JA4.md), on ClientHellos
 * assembled here by RFC 8446 4.1.2 and parsed by tls_parse_hello_msg(),
 * so the views are the ones the pipeline hands over.  Real hellos: the
 * QUIC ClientHello of RFC 9001 A.2 and the project's Chromium capture.
 */
#include <stdio.h>
#include <stdlib.h>

#include <pcap/pcap.h>

#include <sqlite3.h>

#include "daemon/pipeline.h"
#include "daemon/quic_flow.h"
#include "db/db.h"
#include "ioc/ioc.h"
#include "dissectors/decode.h"
#include "dissectors/ja4.h"
#include "dissectors/tls.h"
#include "tests/testutil.h"

/* kind reported by quic_flow_datagram (quic or gquic); unused here */
static enum sw_kind qk_unused;

/* ---- a ClientHello builder ------------------------------------------------ */

struct hb {
	uint8_t b[16384];
	size_t n;
};

static void put8(struct hb *h, unsigned v) { h->b[h->n++] = (uint8_t)v; }
static void put16(struct hb *h, unsigned v) { put8(h, v >> 8); put8(h, v & 0xff); }
static void putn(struct hb *h, const void *p, size_t n)
{
	memcpy(h->b + h->n, p, n);
	h->n += n;
}
static size_t mark16(struct hb *h) { put16(h, 0); return h->n; }
static void fill16(struct hb *h, size_t at)
{
	size_t l = h->n - at;
	h->b[at - 2] = (uint8_t)(l >> 8);
	h->b[at - 1] = (uint8_t)l;
}

/* What goes in a hello.  Lists end with 0xffff sentinel... except where a
 * real value could be 0xffff: none here. */
#define END 0xffffffffu
struct spec {
	uint16_t legacy;
	const uint32_t *ciphers;     /* END-terminated */
	const uint32_t *exts;        /* END-terminated extension types, in order */
	const uint32_t *sigs;        /* for ext 13; END-terminated */
	const uint32_t *versions;    /* for ext 43; END-terminated */
	const uint8_t *alpn;         /* first ALPN name (ext 16) */
	size_t alpn_len;
};

static const uint32_t default_sigs[] = { 0x0403, END };
static const uint32_t default_versions[] = { 0x0304, 0x0303, END };

/* Build the Handshake message into h. */
static void build(struct hb *h, const struct spec *s)
{
	h->n = 0;
	put8(h, 1);
	put8(h, 0);
	size_t body = mark16(h);
	put16(h, s->legacy ? s->legacy : 0x0303);
	for (int i = 0; i < 32; i++)
		put8(h, (unsigned)i);
	put8(h, 0); /* session id */
	size_t cs = mark16(h);
	for (const uint32_t *c = s->ciphers; *c != END; c++)
		put16(h, *c);
	fill16(h, cs);
	put8(h, 1);
	put8(h, 0);
	if (s->exts) {
		size_t ex = mark16(h);
		for (const uint32_t *e = s->exts; *e != END; e++) {
			put16(h, *e);
			size_t d = mark16(h);
			switch (*e) {
			case 0x0000: {
				size_t l = mark16(h);
				put8(h, 0);
				put16(h, 11);
				putn(h, "example.com", 11);
				fill16(h, l);
				break;
			}
			case 0x0010: {
				size_t l = mark16(h);
				put8(h, (unsigned)s->alpn_len);
				putn(h, s->alpn, s->alpn_len);
				put8(h, 8);
				putn(h, "http/1.1", 8);
				fill16(h, l);
				break;
			}
			case 0x000d: {
				size_t l = mark16(h);
				for (const uint32_t *v = s->sigs ? s->sigs : default_sigs; *v != END; v++)
					put16(h, *v);
				fill16(h, l);
				break;
			}
			case 0x002b: {
				const uint32_t *v = s->versions ? s->versions : default_versions;
				size_t k = 0;
				while (v[k] != END)
					k++;
				put8(h, (unsigned)(2 * k));
				for (; *v != END; v++)
					put16(h, *v);
				break;
			}
			default:
				break;
			}
			fill16(h, d);
		}
		fill16(h, ex);
	}
	/* 24-bit length: body < 64 KB here */
	size_t l = h->n - body;
	h->b[1] = (uint8_t)(l >> 16);
	h->b[2] = (uint8_t)(l >> 8);
	h->b[3] = (uint8_t)l;
}

static void ja4_of(const struct spec *s, bool quic, char out[JA4_BUF])
{
	static struct hb h;
	struct tls_hello th;
	build(&h, s);
	struct tu_guard g = tu_guard_copy(h.b, h.n);
	ck_assert_int_eq(tls_parse_hello_msg(cur_make(g.data, h.n), &th), D_OK);
	ck_assert(ja4_compute(&th, quic, out));
	ck_assert_uint_eq(strlen(out), 36);
	tu_guard_free(&g);
}

/* FoxIO's example (JA4.md "Example"): 15 ciphers and 16 extensions in the
 * order given there, 8 signature algorithms. */
static const uint32_t ex_ciphers[] = {
	0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
	0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035, END };
static const uint32_t ex_exts[] = {
	0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005,
	0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, END };
static const uint32_t ex_sigs[] = {
	0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, END };

static const struct spec example = {
	0x0303, ex_ciphers, ex_exts, ex_sigs, NULL, (const uint8_t *)"h2", 2,
};

START_TEST(foxio_example)
{
	char j[JA4_BUF];
	ja4_of(&example, false, j);
	ck_assert_str_eq(j, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	/* the same over QUIC */
	ja4_of(&example, true, j);
	ck_assert_str_eq(j, "q13d1516h2_8daaf6152771_e5627efa2ab1");
	/* the order of extensions in the hello does not matter */
	static const uint32_t shuffled[] = {
		0x0015, 0x000a, 0x000b, 0xff01, 0x002b, 0x0012, 0x0023, 0x0005,
		0x000d, 0x002d, 0x0017, 0x4469, 0x0010, 0x0033, 0x0000, 0x001b, END };
	struct spec s = example;
	s.exts = shuffled;
	ja4_of(&s, false, j);
	ck_assert_str_eq(j, "t13d1516h2_8daaf6152771_e5627efa2ab1");
}
END_TEST

/* JA4.md: with no signature algorithms the text is the extension list
 * alone, no "_": "0005,000a,...,4469,ff01" = 6d807ffa2a79.  A hello whose
 * signature_algorithms hold only GREASE has none, and keeps 000d in the
 * list, which is exactly the published text. */
START_TEST(foxio_no_sigalgs)
{
	static const uint32_t grease_sig[] = { 0x0a0a, END };
	struct spec s = example;
	s.sigs = grease_sig;
	char j[JA4_BUF];
	ja4_of(&s, false, j);
	ck_assert_str_eq(j, "t13d1516h2_8daaf6152771_6d807ffa2a79");
}
END_TEST

START_TEST(grease_ignored)
{
	static const uint32_t c[] = {
		0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
		0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0xfafa, END };
	static const uint32_t e[] = {
		0x2a2a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
		0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0x3a3a, END };
	static const uint32_t sg[] = {
		0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, END };
	static const uint32_t v[] = { 0x4a4a, 0x0304, 0x0303, END };
	struct spec s = { 0x0303, c, e, sg, v, (const uint8_t *)"h2", 2 };
	char j[JA4_BUF];
	ja4_of(&s, false, j);
	ck_assert_str_eq(j, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	ck_assert(ja4_is_grease(0x0a0a) && ja4_is_grease(0xfafa) && !ja4_is_grease(0x0a1a) &&
	          !ja4_is_grease(0x1301));
}
END_TEST

/* A browser hello with X25519MLKEM768 (11ec) and ECH (fe0d): its lists as
 * a public JA4 service printed them (ja4_r), and the JA4 it gave. */
START_TEST(browser_2025)
{
	static const uint32_t c[] = {
		0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
		0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035, END };
	static const uint32_t e[] = {
		0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b, 0x000a,
		0x002b, 0xff01, 0x0023, 0x0012, 0x0005, 0x000d, 0x001b, END };
	static const uint32_t sg[] = {
		0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, END };
	struct spec s = { 0x0303, c, e, sg, NULL, (const uint8_t *)"h2", 2 };
	char j[JA4_BUF];
	ja4_of(&s, false, j);
	ck_assert_str_eq(j, "t13d1516h2_8daaf6152771_d8a2da3f94cd");
}
END_TEST

/* Part a: version, SNI, counts, ALPN. */
START_TEST(part_a_rules)
{
	static const uint32_t c1[] = { 0x002f, END };
	static const uint32_t none[] = { END };
	static const uint32_t sni_only[] = { 0x0000, END };
	static const uint32_t alpn_only[] = { 0x0010, END };
	static const uint32_t sv[] = { 0x002b, END };
	static const uint32_t v13[] = { 0x0303, 0x0304, END };
	static const uint32_t v11[] = { 0x0302, END };
	static const uint32_t vg[] = { 0x5a5a, END };
	static const uint32_t vx[] = { 0x0304, 0x7f1c, END };
	static const uint32_t v20[] = { 0x0200, END };
	static const struct {
		uint16_t legacy;
		const uint32_t *exts;
		const uint32_t *versions;
		const char *alpn;
		size_t alpn_len;
		const char *want; /* first 10 characters */
	} t[] = {
		{ 0x0303, NULL, NULL, NULL, 0, "t12i010000" },        /* no extensions */
		{ 0x0301, none, NULL, NULL, 0, "t10i010000" },        /* empty block */
		{ 0x0300, sni_only, NULL, NULL, 0, "ts3d010100" },
		{ 0x0302, alpn_only, NULL, "http/1.1", 8, "t11i0101h1" },
		{ 0x0303, alpn_only, NULL, "h", 1, "t12i0101hh" },
		{ 0x0303, alpn_only, NULL, "\xab", 1, "t12i0101ab" },
		{ 0x0303, alpn_only, NULL, "\xab\xcd", 2, "t12i0101ad" },
		{ 0x0303, alpn_only, NULL, "0\xab", 2, "t12i01013b" },
		{ 0x0303, alpn_only, NULL, "01\xab\xcd", 4, "t12i01013d" },
		{ 0x0303, alpn_only, NULL, "0\xab\xcd" "1", 4, "t12i010101" },
		{ 0x0303, alpn_only, NULL, "Z-9", 3, "t12i0101Z9" },
		/* supported_versions wins over legacy_version; highest value */
		{ 0x0303, sv, v13, NULL, 0, "t13i010100" },
		{ 0x0301, sv, v11, NULL, 0, "t11i010100" },
		/* only GREASE in it: legacy_version */
		{ 0x0303, sv, vg, NULL, 0, "t12i010100" },
		/* unknown highest version */
		{ 0x0303, sv, vx, NULL, 0, "t00i010100" },
		{ 0x0200, NULL, NULL, NULL, 0, "ts2i010000" },
		{ 0x0399, NULL, NULL, NULL, 0, "t00i010000" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct spec s = { t[i].legacy, c1, t[i].exts, NULL, t[i].versions,
		                  (const uint8_t *)t[i].alpn, t[i].alpn_len };
		char j[JA4_BUF];
		if (t[i].legacy == 0x0200) {
			/* the hello parser wants major version 3; SSL 2.0 is only
			 * reachable through supported_versions */
			s.legacy = 0x0303;
			s.exts = sv;
			s.versions = v20;
			ja4_of(&s, false, j);
			ck_assert_int_eq(strncmp(j, "ts2i010100", 10), 0);
			continue;
		}
		ja4_of(&s, false, j);
		ck_assert_msg(strncmp(j, t[i].want, 10) == 0, "case %zu: %s, want %s", i, j,
		              t[i].want);
		/* c part: only supported_versions is ever hashed here */
		if (t[i].exts != sv)
			ck_assert_msg(strcmp(j + 23, "_000000000000") == 0, "case %zu: %s", i, j);
		else
			ck_assert_msg(strcmp(j + 23, "_000000000000") != 0, "case %zu: %s", i, j);
	}
}
END_TEST

/* Counts cap at 99; a hello of GREASE ciphers only has no b part. */
START_TEST(counts_and_empty)
{
	static uint32_t many[200];
	for (int i = 0; i < 150; i++)
		many[i] = 0x0100 + (uint32_t)i;
	many[150] = END;
	static uint32_t manyx[120];
	for (int i = 0; i < 110; i++)
		manyx[i] = 0x1000 + (uint32_t)i;
	manyx[110] = END;
	struct spec s = { 0x0303, many, manyx, NULL, NULL, NULL, 0 };
	char j[JA4_BUF];
	ja4_of(&s, false, j);
	ck_assert_int_eq(strncmp(j, "t12i999900_", 11), 0);

	static const uint32_t grease_only[] = { 0x0a0a, 0x1a1a, END };
	static const uint32_t e[] = { 0x0017, END };
	struct spec g = { 0x0303, grease_only, e, NULL, NULL, NULL, 0 };
	ja4_of(&g, false, j);
	ck_assert_int_eq(strncmp(j, "t12i000100_000000000000_", 24), 0);
	ck_assert_str_ne(j + 24, "000000000000");

	/* the sort: the same sets in any order give the same JA4 */
	static const uint32_t c_a[] = { 0xc02b, 0x002f, 0x1301, END };
	static const uint32_t c_b[] = { 0x1301, 0xc02b, 0x002f, END };
	static const uint32_t e_a[] = { 0x0017, 0x000a, 0xff01, 0x000b, END };
	static const uint32_t e_b[] = { 0xff01, 0x000b, 0x0017, 0x000a, END };
	struct spec a = { 0x0303, c_a, e_a, NULL, NULL, NULL, 0 };
	struct spec b = { 0x0303, c_b, e_b, NULL, NULL, NULL, 0 };
	char ja[JA4_BUF], jb[JA4_BUF];
	ja4_of(&a, false, ja);
	ja4_of(&b, false, jb);
	ck_assert_str_eq(ja, jb);
	/* but signature algorithms keep their order */
	static const uint32_t e_s[] = { 0x000d, END };
	static const uint32_t s1[] = { 0x0403, 0x0804, END };
	static const uint32_t s2[] = { 0x0804, 0x0403, END };
	struct spec x = { 0x0303, c_a, e_s, s1, NULL, NULL, 0 };
	struct spec y = { 0x0303, c_a, e_s, s2, NULL, NULL, 0 };
	ja4_of(&x, false, ja);
	ja4_of(&y, false, jb);
	ck_assert_str_ne(ja + 24, jb + 24);
	ck_assert_int_eq(strncmp(ja, jb, 24), 0);
}
END_TEST

/* RFC 9001 A.2's ClientHello over QUIC, read by hand from the RFC. */
START_TEST(rfc9001_hello)
{
	static const char hex[] =
		"010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f0"
		"6a2b69484c00000413011302010000c000000010000e00000b6578616d706c652e"
		"636f6dff01000100000a00080006001d0017001800100007000504616c706e0005"
		"000501000000000033 00260024001d00209370b2c9caa47fbabaf4559fedba753"
		"de171fa71f50f1ce15d43e994ec74d748002b0003020304000d0010000e0403050"
		"306030203080408050806002d00020101001c00024001003900320408ffffffffff"
		"ffffff05048000ffff07048000ffff0801100104800075300901100f088394c8f0"
		"3e51570806048000ffff";
	uint8_t b[512];
	size_t n = 0;
	int hi = -1;
	for (const char *p = hex; *p; p++) {
		int v = (*p >= 'a') ? *p - 'a' + 10 : (*p >= '0' && *p <= '9') ? *p - '0' : -1;
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			b[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	ck_assert_uint_eq(n, 241);
	struct tls_hello th;
	ck_assert_int_eq(tls_parse_hello_msg(cur_make(b, n), &th), D_OK);
	char j[JA4_BUF];
	ck_assert(ja4_compute(&th, true, j));
	/* 2 suites (1301 1302), 11 extensions (server_name, renegotiation_info,
	 * supported_groups, ALPN "alpn", status_request, key_share,
	 * supported_versions 0304, signature_algorithms, psk_key_exchange_modes,
	 * record_size_limit, quic_transport_parameters) */
	ck_assert_msg(strncmp(j, "q13d0211an_", 11) == 0, "%s", j);
	/* b: SHA-256("1301,1302") */
	ck_assert_str_eq(j + 11, "62ed6f6ca7ad_4d634acda6c0");
}
END_TEST

/* The project's Chromium QUIC capture: the hello gathered from two
 * Initials gives a q13d JA4 with Chromium's 3 TLS 1.3 suites. */
START_TEST(chromium_quic)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline("pcaps/quic-chromium.pcap", err);
	ck_assert_ptr_nonnull(pc);
	struct quic_flow *q = quic_flow_new(NULL, 0);
	struct flow f;
	memset(&f, 0, sizeof f);
	f.client = -1;
	struct pcap_pkthdr *hd;
	const u_char *d;
	char j[JA4_BUF] = "";
	while (pcap_next_ex(pc, &hd, &d) == 1) {
		struct pkt p;
		struct tls_hello th;
		if (decode_packet(pcap_datalink(pc), d, hd->caplen, 0, NULL, &p) != DEC_OK)
			continue;
		if (f.client < 0)
			f.client = 0;
		if (quic_flow_datagram(q, &f, 0, &p, &th, &qk_unused) == D_OK) {
			ck_assert(ja4_compute(&th, true, j));
			break;
		}
	}
	quic_flow_free(q);
	pcap_close(pc);
	ck_assert_int_eq(strncmp(j, "q13d03", 6), 0);
	ck_assert_int_eq(strncmp(j + 8, "h3_", 3), 0);
	/* 1301,1302,1303 sorted */
	ck_assert_int_eq(strncmp(j + 11, "55b375c5d22e", 12), 0);
}
END_TEST

/*
 * End to end: pcaps/demo.pcapng through the pipeline with the bundled IOC
 * list; every hit from a ClientHello carries its JA4, DNS and HTTP hits none,
 * and db_write_hits stores it (NULL for the others).  The expected values
 * were computed independently, by a few lines of Python over tshark 4.0's
 * dissection of the same hellos (tls.handshake.ciphersuite,
 * extension.type, sig_hash_alg, supported_version, alpn_str), and agree.
 */
START_TEST(pipeline_and_db)
{
	char err[512];
	struct ioc_set *iocs = ioc_set_load(NULL, 0, NULL, err, sizeof err);
	ck_assert_msg(iocs != NULL, "%s", err);
	struct pipeline pl;
	struct pipe_opts o;
	memset(&o, 0, sizeof o);
	o.seed = 1;
	ck_assert_int_eq(pipe_init(&pl, &o, iocs, err, sizeof err), 0);
	pcap_t *pc = pcap_open_offline("pcaps/demo.pcapng", err);
	ck_assert_ptr_nonnull(pc);
	pipe_set_link(&pl, pcap_datalink(pc));
	struct pcap_pkthdr *hd;
	const u_char *d;
	while (pcap_next_ex(pc, &hd, &d) == 1)
		pipe_packet(&pl, (uint64_t)hd->ts.tv_sec * 1000000u + (uint64_t)hd->ts.tv_usec,
		            d, hd->caplen, hd->len);
	pcap_close(pc);

	const struct hit *run;
	size_t n = hitq_peek(&pl.hq, &run, 1000);
	int sni = 0, quic = 0;
	for (size_t i = 0; i < n; i++) {
		const struct hit *h = &run[i];
		if (h->kind == K_SNI) {
			sni++;
			if (strcmp(h->host, "media-sync-a.thetruthspy.com") == 0)
				ck_assert_str_eq(h->ja4, "t13d1517h2_8daaf6152771_cb7bf5808d99");
			else /* curl 7.88 / OpenSSL 3.0 */
				ck_assert_str_eq(h->ja4, "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6");
		} else if (h->kind == K_QUIC) {
			quic++;
			ck_assert_str_eq(h->host, "mcloud-api.thd.cc");
			ck_assert_str_eq(h->ja4, "q13d0312h3_55b375c5d22e_178839b6cec1");
		} else {
			ck_assert_str_eq(h->ja4, "");
		}
	}
	ck_assert_int_ge(sni, 3); /* Chromium may open two connections */
	ck_assert_int_eq(quic, 1);

	char path[] = "/tmp/test_ja4.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	struct db *db = db_open(path, err, sizeof err);
	ck_assert_msg(db != NULL, "%s", err);
	ck_assert_int_eq(db_write_hits(db, run, n, iocs, "demo", err, sizeof err), 0);
	/* again, without JA4: a later event with none keeps the stored one */
	static struct hit again[64];
	ck_assert_uint_le(n, 64);
	memcpy(again, run, n * sizeof *run);
	for (size_t i = 0; i < n; i++) {
		again[i].ja4[0] = '\0';
		again[i].ts_us += 1000000;
	}
	ck_assert_int_eq(db_write_hits(db, again, n, iocs, "demo", err, sizeof err), 0);
	db_close(db);

	sqlite3 *sq;
	ck_assert_int_eq(sqlite3_open_v2(path, &sq, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(sq, "SELECT kind, ja4, count FROM hits", -1, &st, NULL),
	                 SQLITE_OK);
	int rows = 0, with = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		bool hello = strcmp(kind, "sni") == 0 || strcmp(kind, "quic") == 0;
		ck_assert_int_ge(sqlite3_column_int(st, 2), 2); /* both writes folded */
		if (hello) {
			ck_assert_int_eq(sqlite3_column_type(st, 1), SQLITE_TEXT);
			ck_assert_uint_eq(strlen((const char *)sqlite3_column_text(st, 1)), 36);
			with++;
		} else {
			ck_assert_int_eq(sqlite3_column_type(st, 1), SQLITE_NULL);
		}
		rows++;
	}
	sqlite3_finalize(st);
	sqlite3_close(sq);
	ck_assert_int_gt(rows, with);
	ck_assert_int_eq(with, 4);
	char side[sizeof path + 8];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	pipe_fini(&pl);
	ioc_set_free(iocs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ja4");
	TCase *tc = tcase_create("ja4");
	tcase_add_test(tc, foxio_example);
	tcase_add_test(tc, foxio_no_sigalgs);
	tcase_add_test(tc, grease_ignored);
	tcase_add_test(tc, browser_2025);
	tcase_add_test(tc, part_a_rules);
	tcase_add_test(tc, counts_and_empty);
	tcase_add_test(tc, rfc9001_hello);
	tcase_add_test(tc, chromium_quic);
	tcase_add_test(tc, pipeline_and_db);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
