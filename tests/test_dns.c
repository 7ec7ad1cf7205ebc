/*
 * test_dns.c - dns_parse: real messages, every prefix of them, hostile
 * names (loops, long chains, long names, bad label types, bad bytes), lying
 * counts, and the shared captures against tshark's truth when present.
 *
 * The good messages are UDP payloads cut from ../shared/pcaps with
 * `tshark -r FILE -Y frame.number==N -T fields -e udp.payload`; the
 * expected names and answers are tshark's (dns.qry.name, dns.resp.*).
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>

#include "dissectors/cursor.h"
#include "dissectors/dns.h"
#include "tests/testutil.h"

#define MAXMSG 4096

/* Hex (spaces and '|' allowed for readability) to bytes. */
static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (; *h; h++) {
		int v;
		if (*h >= '0' && *h <= '9')
			v = *h - '0';
		else if (*h >= 'a' && *h <= 'f')
			v = *h - 'a' + 10;
		else if (*h >= 'A' && *h <= 'F')
			v = *h - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		ck_assert_uint_lt(n, cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	ck_assert_int_eq(hi, -1);
	return n;
}

/* Parse n bytes placed against a guard page. */
static enum dres parse_guarded(const uint8_t *b, size_t n, struct dns_msg *m)
{
	struct tu_guard g = tu_guard_copy(b, n);
	enum dres r = dns_parse(g.data, n, m);
	tu_guard_free(&g);
	return r;
}

/* Text of an answer's value: address or CNAME target. */
static void answer_text(const struct dns_answer *a, char *buf, size_t cap)
{
	if (a->type == 1)
		ck_assert_ptr_nonnull(inet_ntop(AF_INET, a->addr, buf, (socklen_t)cap));
	else if (a->type == 28)
		ck_assert_ptr_nonnull(inet_ntop(AF_INET6, a->addr, buf, (socklen_t)cap));
	else
		snprintf(buf, cap, "%s", a->cname.name);
}

/* ---- good messages --------------------------------------------------- */

struct ans {
	uint16_t type;
	const char *owner;
	const char *val;   /* address text or CNAME target */
	uint32_t ttl;
};

struct good {
	const char *what;
	const char *hex;
	bool qr;
	uint8_t n_q;
	const char *q0;         /* "" when the name is not HN_NAME */
	enum hn_res q0res;
	uint16_t qtype0;
	uint8_t n_an;
	struct ans an[7];       /* the first answers kept, checked in order */
};

static const struct good goods[] = {
	{ "zeek/dns_original_case.pcap #1: mixed case, EDNS OPT",
	  "518d01200001000000000001025573035632370b4469537452694275546544034e455400"
	  "000100010000291000000000000000",
	  false, 1, "us.v27.distributed.net", HN_NAME, 1, 0, { { 0 } } },
	{ "ndpi/dns_ambiguous_names.pcap #11: wildcard query",
	  NULL, false, 1, "*.teams.microsoft.com", HN_NAME, 1, 0, { { 0 } } },
	{ "ndpi/dns_long_domainname.pcap #1",
	  "8b540100000100000000000006676d7230326302313601300c66686b666873646b6668"
	  "736b0674756e6e656c076578616d706c6503636f6d0000010001",
	  false, 1, "gmr02c.16.0.fhkfhsdkfhsk.tunnel.example.com", HN_NAME, 1, 0,
	  { { 0 } } },
	{ "ndpi/dns-tunnel-iodine.pcap #11: iodine case probe",
	  "a99b01000001000000000001387a6930356141624263436444654566466747684869496a"
	  "4a6b4b6c4c6d4d6e4e6f4f70507151725273537454755576567757785879597a5a0670"
	  "69726174650373656100000a00010000291000000080000000",
	  false, 1, "zi05aabbccddeeffgghhiijjkkllmmnnooppqqrrssttuuvvwwxxyyzz.pirate.sea",
	  HN_NAME, 10, 0, { { 0 } } },
	{ "ndpi/dns-tunnel-iodine.pcap #7: Latin-1 byte in a label",
	  "6d3d01000001000000000001297a69303361412d4161616868682d4472696e6b2d6d61"
	  "6c2d65696e2d4ae46765726d6569737465722d067069726174650373656100000a0001"
	  "0000291000000080000000",
	  false, 1, "", HN_BADCHAR, 10, 0, { { 0 } } },
	{ "ndpi/dns-invalid-chars.pcap #1: bytes 04 05 06 in a label",
	  "9f6c010000010000000000000377777717616c6c796f7572626104050661726562656c"
	  "6f6e67746f02636e0000010001",
	  false, 1, "", HN_BADCHAR, 1, 0, { { 0 } } },
	{ "ndpi/dns-invalid-chars.pcap #2: response, bad owner kept with its res",
	  "9f6c818000010001000000000377777717616c6c796f75726261736573617265010203"
	  "6f6e67746f02636e0000010001c00c000100010000003c000413b98df1",
	  true, 1, "", HN_BADCHAR, 1, 1, { { 1, "", "19.185.141.241", 60 } } },
	{ "ndpi/KakaoTalk_chat.pcap #4: CNAME then two A, compressed",
	  "697a818000010003000000000761632d74616c6b056b616b616f03636f6d0000010001"
	  "c00c0005000100000595000d0761632d74616c6b02676cc014c02f000100010000009b"
	  "00046e4c8d70c02f000100010000009b000401c90027",
	  true, 1, "ac-talk.kakao.com", HN_NAME, 1, 3,
	  { { 5, "ac-talk.kakao.com", "ac-talk.gl.kakao.com", 1429 },
	    { 1, "ac-talk.gl.kakao.com", "110.76.141.112", 155 },
	    { 1, "ac-talk.gl.kakao.com", "1.201.0.39", 155 } } },
	{ "ndpi/teams.pcap #730: CNAME chain of five, one pointer-only target",
	  "974581800001000600000000076f75746c6f6f6b066f666669636503636f6d00000100"
	  "01c00c0005000100000035000c09737562737472617465c014c0300005000100000"
	  "0c5001409737562737472617465076d732d61636463c014c048000500010000002600"
	  "08056166642d6bc014c06800050001000000260028126f75746c6f6f6b2d6f66666963"
	  "652d636f6d066b2d30303032086b2d6d7365646765036e657400c07c00050001000000"
	  "a00002c08fc08f000100010000009f00040d6b120b",
	  true, 1, "outlook.office.com", HN_NAME, 1, 6,
	  { { 5, "outlook.office.com", "substrate.office.com", 53 },
	    { 5, "substrate.office.com", "substrate.ms-acdc.office.com", 197 },
	    { 5, "substrate.ms-acdc.office.com", "afd-k.office.com", 38 },
	    { 5, "afd-k.office.com", "outlook-office-com.k-0002.k-msedge.net", 38 },
	    { 5, "outlook-office-com.k-0002.k-msedge.net", "k-0002.k-msedge.net", 160 },
	    { 1, "k-0002.k-msedge.net", "13.107.18.11", 159 } } },
	{ "ndpi/6in4tunnel.pcap #20: AAAA, then authority and additional",
	  "1a0284000001000100020004047374617204633130720866616365626f6f6b03636f6d"
	  "00001c0001c00c001c00010000003c00102a03288010106f03faceb00c00000002c011"
	  "0002000100000e1000070161026e73c011c0110002000100000e1000040162c052c050"
	  "001c000100000e1000102a032880fffe000bfaceb00c00000099c0500001000100000e"
	  "10000445abef0bc063001c000100000e1000102a032880ffff000bfaceb00c00000099"
	  "c0630001000100000e10000445abff0b",
	  true, 1, "star.c10r.facebook.com", HN_NAME, 28, 1,
	  { { 28, "star.c10r.facebook.com", "2a03:2880:1010:6f03:face:b00c:0:2", 60 } } },
	{ "ndpi/bad-dns-traffic.pcap #9: dnscat-style CNAME",
	  "576881800001000100000000123061623830316136323163333632303130610c736b75"
	  "6c6c7365636c616273036f72670000050001c00c000500010000003c00151230653364"
	  "3031613632313031306163333632c01f",
	  true, 1, "0ab801a621c362010a.skullseclabs.org", HN_NAME, 5, 1,
	  { { 5, "0ab801a621c362010a.skullseclabs.org",
	      "0e3d01a621010ac362.skullseclabs.org", 60 } } },
	{ "zeek/dns-svcb.pcap #2: SVCB answer is skipped",
	  "c96481000001000100000000076578616d706c6503636f6d0000400001076578616d70"
	  "6c6503636f6d0000400001000002580013000003666f6f076578616d706c6503636f6d00",
	  true, 1, "example.com", HN_NAME, 64, 0, { { 0 } } },
	{ "zeek/dns/loc-29-trunc.pcap #2: ANY response, LOC and RRSIG skipped",
	  "820f840000010002000000010873756e6e2d707431026573036e65740000ff0001c00c"
	  "001d0001000002580010001215138805025065d2d40000989680c00c002e0001000002"
	  "58007a001d0e03000002585fced1875fa7397f7f2a026573036e6574009778824d12ef"
	  "fb20c5bd16db06025c34c6bc0345598fbd77f3b9e18a58fdf08982f069f51839762c13"
	  "8c5c0f149a6c8f2422004faeb6595110905fd6c291cad2f04fbad0711851ad1cf7049d"
	  "45a120547d6a6e7315bf68e3d3cb87cc5309e305000029100000008000001c000a0018"
	  "bc31985b673b6cb8010000005fa886fa4d7134934d3ca9c4",
	  true, 1, "sunn-pt1.es.net", HN_NAME, 255, 0, { { 0 } } },
	{ "ndpi/dns_ambiguous_names.pcap #10: 17 answers, 16 kept",
	  "c9538180000100110000000107616e64726f696407636c69656e747306676f6f676c65"
	  "03636f6d0000010001c00c0005000100000102000c07616e64726f6964016cc01cc038"
	  "000100010000010200046cb10e65c038000100010000010200046cb10e71c038000100"
	  "010000010200044a7d8365c038000100010000010200044a7d8371c038000100010000"
	  "010200044a7d8366c038000100010000010200044a7d8364c038000100010000010200"
	  "044a7d838ac038000100010000010200044a7d838bc038000100010000010200044a7d"
	  "cd65c038000100010000010200044a7dcd8bc038000100010000010200044a7dcd64c0"
	  "380001000100000102000440e9a166c0380001000100000102000440e9a165c0380001"
	  "000100000102000440e9a18ac0380001000100000102000440e9a48ac0380001000100"
	  "000102000440e9a4640000290200000000000000",
	  true, 1, "android.clients.google.com", HN_NAME, 1, 16,
	  { { 5, "android.clients.google.com", "android.l.google.com", 258 },
	    { 1, "android.l.google.com", "108.177.14.101", 258 } } },
};

/* The wildcard query from dns_ambiguous_names.pcap #11 (kept apart so the
 * table above stays one line per field). */
static const char wildcard_hex[] =
	"b56201200001000000000001012a057465616d73096d6963726f736f667403636f6d0000"
	"0100010000291000000000000000";

static const char *good_hex(size_t i)
{
	return goods[i].hex ? goods[i].hex : wildcard_hex;
}

static void check_good(const struct good *g, const struct dns_msg *m)
{
	ck_assert_msg(m->qr == g->qr, "%s: qr", g->what);
	ck_assert_msg(m->n_q == g->n_q, "%s: n_q %u", g->what, m->n_q);
	ck_assert_msg(m->q[0].res == g->q0res, "%s: q0 res %s", g->what,
	              hn_res_str(m->q[0].res));
	ck_assert_msg(strcmp(m->q[0].name, g->q0) == 0, "%s: q0 '%s'", g->what,
	              m->q[0].name);
	ck_assert_uint_eq(m->q[0].len, strlen(g->q0));
	ck_assert_msg(m->qtype[0] == g->qtype0, "%s: qtype", g->what);
	ck_assert_msg(m->n_an == g->n_an, "%s: n_an %u", g->what, m->n_an);
	ck_assert_msg(!m->an_malformed, "%s: an_malformed", g->what);
	for (size_t i = 0; i < sizeof g->an / sizeof g->an[0] && g->an[i].type; i++) {
		const struct dns_answer *a = &m->an[i];
		char v[SW_HOST_BUF];
		answer_text(a, v, sizeof v);
		ck_assert_msg(a->type == g->an[i].type, "%s: an %zu type %u", g->what, i, a->type);
		ck_assert_msg(strcmp(a->owner.name, g->an[i].owner) == 0,
		              "%s: an %zu owner '%s'", g->what, i, a->owner.name);
		ck_assert_msg(strcmp(v, g->an[i].val) == 0, "%s: an %zu value '%s'",
		              g->what, i, v);
		ck_assert_msg(a->ttl == g->an[i].ttl, "%s: an %zu ttl", g->what, i);
		if (a->type == 5)
			ck_assert_int_eq(a->cname.res, HN_NAME);
	}
}

START_TEST(test_good)
{
	static uint8_t b[MAXMSG];
	static struct dns_msg m;
	const struct good *g = &goods[_i];
	size_t n = unhex(good_hex((size_t)_i), b, sizeof b);
	enum dres r = parse_guarded(b, n, &m);
	ck_assert_msg(r == D_OK, "%s: result %d", g->what, r);
	check_good(g, &m);
	ck_assert_msg(!m.an_truncated, "%s: an_truncated", g->what);
}
END_TEST

/*
 * Every prefix of every good message: never a crash or an over-read (guard
 * page); below the end of the questions NOT_MINE or MALFORMED; from the
 * shortest prefix that gives D_OK on, every longer one gives D_OK with the
 * same questions and a prefix of the full message's answers, flagged
 * an_truncated when answers are missing.
 */
START_TEST(test_prefixes)
{
	static uint8_t b[MAXMSG];
	static struct dns_msg full, m;
	size_t n = unhex(good_hex((size_t)_i), b, sizeof b);
	ck_assert_int_eq(parse_guarded(b, n, &full), D_OK);
	bool ok_seen = false;
	for (size_t k = 0; k < n; k++) {
		enum dres r = parse_guarded(b, k, &m);
		ck_assert_msg(r != D_NEED_MORE, "%s: prefix %zu NEED_MORE", goods[_i].what, k);
		if (k < 12)
			ck_assert_int_eq(r, D_NOT_MINE);
		if (!ok_seen && r == D_OK)
			ok_seen = true;
		if (!ok_seen)
			continue;
		ck_assert_msg(r == D_OK, "%s: prefix %zu gives %d after an OK prefix",
		              goods[_i].what, k, r);
		ck_assert_uint_eq(m.n_q, full.n_q);
		for (unsigned i = 0; i < m.n_q; i++) {
			ck_assert_str_eq(m.q[i].name, full.q[i].name);
			ck_assert_int_eq(m.q[i].res, full.q[i].res);
		}
		ck_assert_uint_le(m.n_an, full.n_an);
		ck_assert(!m.an_malformed);
		if (m.n_an < full.n_an)
			ck_assert_msg(m.an_truncated, "%s: prefix %zu lost answers silently",
			              goods[_i].what, k);
		for (unsigned i = 0; i < m.n_an; i++) {
			ck_assert_uint_eq(m.an[i].type, full.an[i].type);
			ck_assert_str_eq(m.an[i].owner.name, full.an[i].owner.name);
			ck_assert_str_eq(m.an[i].cname.name, full.an[i].cname.name);
			ck_assert_mem_eq(m.an[i].addr, full.an[i].addr, 16);
		}
	}
}
END_TEST

/* ---- hand-made hostile messages --------------------------------------- */

#define QH "1234 0100 0001 0000 0000 0000 "  /* query, one question */
#define RH1 "1234 8180 0001 0001 0000 0000 " /* response, one answer */
#define QA "0001 0001"                       /* QTYPE A, QCLASS IN */
#define QEX "07 6578616d706c65 03 636f6d 00 " QA  /* example.com A IN at 12 */

struct bad {
	const char *what;
	const char *hex;
	enum dres res;
	int n_q;            /* -1: not checked */
	enum hn_res q0res;  /* checked when n_q > 0 */
	const char *q0;
	int n_an;           /* -1: not checked */
	bool an_truncated, an_malformed;
};

static const struct bad bads[] = {
	{ "11 bytes", "1234 0100 0001 0000 0000 00", D_NOT_MINE, -1, 0, NULL, -1, 0, 0 },
	{ "empty", "", D_NOT_MINE, -1, 0, NULL, -1, 0, 0 },
	{ "Z bit set", "1234 0140 0001 0000 0000 0000 " QEX, D_NOT_MINE, -1, 0, NULL, -1, 0, 0 },
	{ "opcode 3", "1234 1900 0001 0000 0000 0000 " QEX, D_NOT_MINE, -1, 0, NULL, -1, 0, 0 },
	{ "opcode 15", "1234 7900 0001 0000 0000 0000 " QEX, D_NOT_MINE, -1, 0, NULL, -1, 0, 0 },
	{ "qdcount 5", "1234 0100 0005 0000 0000 0000 " QEX, D_NOT_MINE, -1, 0, NULL, -1, 0, 0 },
	{ "query with qdcount 0", "1234 0100 0000 0000 0000 0000", D_NOT_MINE, -1, 0, NULL, -1, 0, 0 },
	{ "response with qdcount 0", "1234 8180 0000 0000 0000 0000", D_OK, 0, 0, NULL, 0, 0, 0 },
	{ "query claiming 65535 answers", "1234 0100 0001 ffff 0000 0000 " QEX,
	  D_NOT_MINE, -1, 0, NULL, -1, 0, 0 },
	{ "query claiming 1 additional it lacks", "1234 0100 0001 0000 0000 0001 00 " QA,
	  D_NOT_MINE, -1, 0, NULL, -1, 0, 0 },
	{ "response whose counts cannot fit 64 KB", "1234 8180 0001 ffff ffff 0000 " QEX,
	  D_NOT_MINE, -1, 0, NULL, -1, 0, 0 },
	{ "qdcount 2, one question", "1234 0100 0002 0000 0000 0000 " QEX
	  "07 6578616d706c65", D_MALFORMED, -1, 0, NULL, -1, 0, 0 },
	{ "question without QCLASS", QH "07 6578616d706c65 03 636f6d 00 0001",
	  D_MALFORMED, -1, 0, NULL, -1, 0, 0 },
	{ "root name query", QH "00 0002 0001", D_OK, 1, HN_EMPTY, "", 0, 0, 0 },
	{ "wildcard", QH "01 2a 07 6578616d706c65 03 636f6d 00 " QA,
	  D_OK, 1, HN_NAME, "*.example.com", 0, 0, 0 },
	{ "upper case folded", QH "03 575757 07 4558414d504c45 03 436f4d 00 " QA,
	  D_OK, 1, HN_NAME, "www.example.com", 0, 0, 0 },
	{ "IPv4 literal as labels", QH "01 31 01 32 01 33 01 34 00 " QA,
	  D_OK, 1, HN_IP4, "1.2.3.4", 0, 0, 0 },
	{ "NUL in a label", QH "03 610062 03 636f6d 00 " QA, D_OK, 1, HN_BADCHAR, "", 0, 0, 0 },
	{ "ESC[31m in a label", QH "08 1b5b33316d726564 03 636f6d 00 " QA,
	  D_OK, 1, HN_BADCHAR, "", 0, 0, 0 },
	{ "'.' inside a label", QH "07 6576696c2e636f 03 636f6d 00 " QA,
	  D_OK, 1, HN_BADCHAR, "", 0, 0, 0 },
	{ "space in a label", QH "03 612062 00 " QA, D_OK, 1, HN_BADCHAR, "", 0, 0, 0 },
	{ "label type 01 (extended)", QH "41 02 00 " QA, D_MALFORMED, -1, 0, NULL, -1, 0, 0 },
	{ "label type 10 (reserved)", QH "80 00 " QA, D_MALFORMED, -1, 0, NULL, -1, 0, 0 },
	{ "pointer to itself", QH "c00c " QA, D_MALFORMED, -1, 0, NULL, -1, 0, 0 },
	{ "pointer into the header", QH "c005 " QA, D_MALFORMED, -1, 0, NULL, -1, 0, 0 },
	{ "pointer forward to a later name",
	  "1234 0100 0002 0000 0000 0000 c012 " QA " 01 61 00 " QA,
	  D_MALFORMED, -1, 0, NULL, -1, 0, 0 },
	{ "pointer backwards, then back up to the first name (loop)",
	  /* q1 at 12 is one label holding c0 16; q2 at 22 points to 13, whose
	   * pointer leads to 22 again: not below 13, refused */
	  "1234 0100 0002 0000 0000 0000 04 c016 0000 00 " QA " c00d " QA,
	  D_MALFORMED, -1, 0, NULL, -1, 0, 0 },
	{ "pointer into a label, strictly backwards: fine",
	  /* q1 = one label "a" + ".b"; q2 at 21 points at offset 14 ("b") */
	  "1234 0100 0002 0000 0000 0000 01 61 01 62 00 " QA " c00e " QA,
	  D_OK, 2, HN_NAME, "a.b", 0, 0, 0 },
	{ "pointer cut after its first byte", QH "03 777777 c0", D_MALFORMED, -1, 0, NULL, -1, 0, 0 },
	{ "name with no root", QH "03 777777 03 636f6d", D_MALFORMED, -1, 0, NULL, -1, 0, 0 },
	{ "label longer than the message", QH "3f 7777 7777 7777 7777 7777",
	  D_MALFORMED, -1, 0, NULL, -1, 0, 0 },
	{ "too short for its question", QH "3f 7777", D_NOT_MINE, -1, 0, NULL, -1, 0, 0 },
	{ "response: ANCOUNT 3, one answer present",
	  "1234 8180 0001 0003 0000 0000 " QEX " c00c 0001 0001 00000e10 0004 01020304",
	  D_OK, 1, HN_NAME, "example.com", 1, true, false },
	{ "response: A with RDLENGTH 5", RH1 QEX " c00c 0001 0001 00000e10 0005 0102030405",
	  D_OK, 1, HN_NAME, "example.com", 0, false, true },
	{ "response: AAAA with RDLENGTH 4", RH1 QEX " c00c 001c 0001 00000e10 0004 01020304",
	  D_OK, 1, HN_NAME, "example.com", 0, false, true },
	{ "response: CNAME target shorter than RDATA",
	  RH1 QEX " c00c 0005 0001 00000e10 0004 c00c 0000",
	  D_OK, 1, HN_NAME, "example.com", 0, false, true },
	{ "response: CNAME target longer than RDATA",
	  RH1 QEX " c00c 0005 0001 00000e10 0002 01 61 c00c",
	  D_OK, 1, HN_NAME, "example.com", 0, false, true },
	{ "response: answer owner points forward",
	  RH1 QEX " c01f 0001 0001 00000e10 0004 01020304",
	  D_OK, 1, HN_NAME, "example.com", 0, false, true },
	{ "response: class CH A is not kept", RH1 QEX " c00c 0001 0003 00000e10 0004 01020304",
	  D_OK, 1, HN_NAME, "example.com", 0, false, false },
	{ "response: answer with a 01 label type",
	  RH1 QEX " 41 00 0001 0001 00000e10 0004 01020304",
	  D_OK, 1, HN_NAME, "example.com", 0, false, true },
	{ "response: RDLENGTH past the end", RH1 QEX " c00c 0001 0001 00000e10 0010 01020304",
	  D_OK, 1, HN_NAME, "example.com", 0, true, false },
};

START_TEST(test_bad)
{
	static uint8_t b[MAXMSG];
	static struct dns_msg m;
	const struct bad *t = &bads[_i];
	size_t n = unhex(t->hex, b, sizeof b);
	enum dres r = parse_guarded(b, n, &m);
	ck_assert_msg(r == t->res, "%s: result %d, want %d", t->what, r, t->res);
	if (r != D_OK)
		return;
	if (t->n_q >= 0)
		ck_assert_msg(m.n_q == t->n_q, "%s: n_q %u", t->what, m.n_q);
	if (t->n_q > 0) {
		ck_assert_msg(m.q[0].res == t->q0res, "%s: res %s", t->what,
		              hn_res_str(m.q[0].res));
		ck_assert_msg(strcmp(m.q[0].name, t->q0) == 0, "%s: name '%s'", t->what,
		              m.q[0].name);
	}
	if (t->n_an >= 0)
		ck_assert_msg(m.n_an == t->n_an, "%s: n_an %u", t->what, m.n_an);
	ck_assert_msg(m.an_truncated == t->an_truncated, "%s: an_truncated", t->what);
	ck_assert_msg(m.an_malformed == t->an_malformed, "%s: an_malformed", t->what);
}
END_TEST

/* ---- generated: limits ------------------------------------------------ */

struct mbuf {
	uint8_t b[MAXMSG];
	size_t n;
};

static void put(struct mbuf *m, const void *p, size_t n)
{
	ck_assert_uint_le(m->n + n, sizeof m->b);
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put8(struct mbuf *m, unsigned v)
{
	uint8_t b = (uint8_t)v;
	put(m, &b, 1);
}

static void put16(struct mbuf *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void header(struct mbuf *m, unsigned flags, unsigned qd, unsigned an)
{
	m->n = 0;
	put16(m, 0x4242);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
}

/* A label of len copies of c. */
static void label(struct mbuf *m, size_t len, char c)
{
	put8(m, (unsigned)len);
	for (size_t i = 0; i < len; i++)
		put8(m, (unsigned char)c);
}

static enum dres parse_mbuf(const struct mbuf *mb, struct dns_msg *m)
{
	return parse_guarded(mb->b, mb->n, m);
}

START_TEST(test_name_lengths)
{
	static struct mbuf mb;
	static struct dns_msg m;
	/* 63+63+63+61 = 250 text bytes: 255 octets on the wire */
	header(&mb, 0x0100, 1, 0);
	label(&mb, 63, 'a');
	label(&mb, 63, 'b');
	label(&mb, 63, 'c');
	label(&mb, 61, 'd');
	put8(&mb, 0);
	put16(&mb, 1);
	put16(&mb, 1);
	ck_assert_int_eq(parse_mbuf(&mb, &m), D_OK);
	ck_assert_int_eq(m.q[0].res, HN_NAME);
	ck_assert_uint_eq(m.q[0].len, 253);
	ck_assert_uint_eq(strlen(m.q[0].name), 253);

	/* one more octet: 256 on the wire */
	header(&mb, 0x0100, 1, 0);
	label(&mb, 63, 'a');
	label(&mb, 63, 'b');
	label(&mb, 63, 'c');
	label(&mb, 62, 'd');
	put8(&mb, 0);
	put16(&mb, 1);
	put16(&mb, 1);
	ck_assert_int_eq(parse_mbuf(&mb, &m), D_MALFORMED);

	/* four full labels: 257 */
	header(&mb, 0x0100, 1, 0);
	for (int i = 0; i < 4; i++)
		label(&mb, 63, 'x');
	put8(&mb, 0);
	put16(&mb, 1);
	put16(&mb, 1);
	ck_assert_int_eq(parse_mbuf(&mb, &m), D_MALFORMED);

	/* a 64-byte label is length byte 0x40: label type 01 */
	header(&mb, 0x0100, 1, 0);
	label(&mb, 64, 'x');
	put8(&mb, 0);
	put16(&mb, 1);
	put16(&mb, 1);
	ck_assert_int_eq(parse_mbuf(&mb, &m), D_MALFORMED);

	/* the limit counts octets reached through pointers too: q1 is 193
	 * octets (3 x 63), q2 = 61-byte label + pointer to q1 = 255: fine;
	 * a 62-byte label makes 256: malformed */
	for (size_t extra = 61; extra <= 62; extra++) {
		header(&mb, 0x0100, 2, 0);
		label(&mb, 63, 'a');
		label(&mb, 63, 'b');
		label(&mb, 63, 'c');
		put8(&mb, 0);
		put16(&mb, 1);
		put16(&mb, 1);
		label(&mb, extra, 'e');
		put16(&mb, 0xc00c);
		put16(&mb, 1);
		put16(&mb, 1);
		enum dres r = parse_mbuf(&mb, &m);
		if (extra == 61) {
			ck_assert_int_eq(r, D_OK);
			ck_assert_uint_eq(m.n_q, 2);
			ck_assert_int_eq(m.q[1].res, HN_NAME);
			ck_assert_uint_eq(m.q[1].len, 253);
		} else {
			ck_assert_int_eq(r, D_MALFORMED);
		}
	}
}
END_TEST

/*
 * A pointer chain: a NULL record (type 10) whose RDATA holds k pointers,
 * the first to the question name, each next one to the one before; then an
 * A record whose owner points at the last.  Following the owner takes
 * 1 + k pointer hops.
 */
static void chain(struct mbuf *mb, unsigned k)
{
	header(mb, 0x8180, 1, 2);
	put(mb, "\x01" "a" "\x00", 3);        /* question name at 12 */
	put16(mb, 1);
	put16(mb, 1);
	put16(mb, 0xc00c);                    /* RR1 owner */
	put16(mb, 10);                        /* NULL */
	put16(mb, 1);
	put16(mb, 0);
	put16(mb, 60);
	put16(mb, 2 * k);
	size_t rdata = mb->n;
	for (unsigned i = 0; i < k; i++)
		put16(mb, 0xc000 | (unsigned)(i == 0 ? 12 : rdata + 2 * (i - 1)));
	put16(mb, 0xc000 | (unsigned)(rdata + 2 * (k - 1)));  /* RR2 owner */
	put16(mb, 1);
	put16(mb, 1);
	put16(mb, 0);
	put16(mb, 60);
	put16(mb, 4);
	put(mb, "\x0a\x00\x00\x01", 4);
}

START_TEST(test_pointer_hops)
{
	static struct mbuf mb;
	static struct dns_msg m;

	chain(&mb, SW_DNS_PTR_HOPS - 1);      /* exactly SW_DNS_PTR_HOPS hops */
	ck_assert_int_eq(parse_mbuf(&mb, &m), D_OK);
	ck_assert_uint_eq(m.n_an, 1);
	ck_assert_str_eq(m.an[0].owner.name, "a");
	ck_assert(!m.an_malformed);

	chain(&mb, SW_DNS_PTR_HOPS);          /* one hop too many */
	ck_assert_int_eq(parse_mbuf(&mb, &m), D_OK);
	ck_assert_uint_eq(m.n_an, 0);
	ck_assert(m.an_malformed);
}
END_TEST

/* ---- the shared captures against tshark's truth ----------------------- */

/* Captures with DNS on port 53 over Ethernet (VLAN tags), BSD null or Linux
 * SLL, no tunnels: the link/IP/UDP walk below is the test's own, not the
 * daemon's decoder. */
static const char *const shared_files[] = {
	"ndpi/bad-dns-traffic.pcap", "ndpi/dns-tunnel-iodine.pcap",
	"ndpi/dns_ambiguous_names.pcap", "ndpi/dns_long_domainname.pcap",
	"ndpi/malformed_dns.pcap", "ndpi/dns-invalid-chars.pcap",
	"ndpi/1kxun.pcap", "ndpi/KakaoTalk_chat.pcap", "ndpi/teams.pcap",
	"ndpi/punycode-idn.pcap", "ndpi/http_connect.pcap",
	"zeek/dns-svcb.pcap", "zeek/dns/long-connection.pcap",
	"zeek/dns_original_case.pcap", "zeek/dns/loc-29-trunc.pcap",
	"zeek/var-services-std-ports.pcap", "zeek/wikipedia.pcap",
	NULL,
};

#define NSET 1024
struct nameset {
	char name[NSET][SW_HOST_BUF];
	size_t n;
};

static void set_add(struct nameset *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->name[i], name) == 0)
			return;
	ck_assert_uint_lt(s->n, NSET);
	snprintf(s->name[s->n++], SW_HOST_BUF, "%s", name);
}

static bool set_has(const struct nameset *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->name[i], name) == 0)
			return true;
	return false;
}

/* UDP payload of a frame when it is UDP with port 53 on either side. */
static bool udp53(int dlt, const uint8_t *p, size_t n, struct cur *pl)
{
	struct cur c = cur_make(p, n);
	uint16_t et = 0;
	uint32_t fam;
	uint8_t b, proto;

	if (dlt == DLT_EN10MB) {
		if (!cur_skip(&c, 12) || !cur_get_be16(&c, &et))
			return false;
		while (et == 0x8100 || et == 0x88a8)
			if (!cur_skip(&c, 2) || !cur_get_be16(&c, &et))
				return false;
	} else if (dlt == DLT_NULL) {
		if (!cur_get_le32(&c, &fam))
			return false;
		et = fam == 2 ? 0x0800 : (fam == 24 || fam == 28 || fam == 30) ? 0x86dd : 0;
	} else if (dlt == DLT_LINUX_SLL) {
		if (!cur_skip(&c, 14) || !cur_get_be16(&c, &et))
			return false;
	} else {
		return false;
	}
	if (et == 0x0800) {
		uint16_t tot, frag;
		if (!cur_peek_u8(&c, 0, &b) || (b >> 4) != 4 ||
		    !cur_peek_be16(&c, 2, &tot) || !cur_peek_be16(&c, 6, &frag) ||
		    !cur_peek_u8(&c, 9, &proto) || (frag & 0x3fff) != 0 ||
		    !cur_truncate(&c, tot) || !cur_skip(&c, (size_t)(b & 15) * 4))
			return false;
	} else if (et == 0x86dd) {
		uint16_t plen;
		if (!cur_peek_be16(&c, 4, &plen) || !cur_peek_u8(&c, 6, &proto) ||
		    !cur_skip(&c, 40) || !cur_truncate(&c, plen))
			return false;
	} else {
		return false;
	}
	uint16_t sp, dp, ulen;
	if (proto != 17 || !cur_get_be16(&c, &sp) || !cur_get_be16(&c, &dp) ||
	    !cur_get_be16(&c, &ulen) || !cur_skip(&c, 2) || ulen < 8)
		return false;
	if (sp != 53 && dp != 53)
		return false;
	*pl = c;
	if (cur_len(pl) > ulen - 8u) /* else the snaplen cut it: keep what there is */
		(void)cur_truncate(pl, ulen - 8u);
	return true;
}

START_TEST(test_shared_captures)
{
	const char *sh = tu_shared();
	if (!sh) {
		printf("test_dns: ../shared absent, shared-capture check SKIPPED\n");
		return;
	}
	static struct nameset got, want;
	static struct dns_msg m;
	static char line[4096];
	unsigned files = 0, names = 0, badnames = 0;

	for (const char *const *f = shared_files; *f; f++) {
		char path[512], err[PCAP_ERRBUF_SIZE];
		got.n = want.n = 0;
		unsigned bad_q = 0, malformed = 0, not_mine = 0, excluded = 0;

		snprintf(path, sizeof path, "%s/pcaps/%s", sh, *f);
		pcap_t *pc = pcap_open_offline(path, err);
		ck_assert_msg(pc != NULL, "%s: %s", path, err);
		int dlt = pcap_datalink(pc);
		struct pcap_pkthdr *h;
		const u_char *data;
		while (pcap_next_ex(pc, &h, &data) == 1) {
			struct cur pl;
			if (!udp53(dlt, data, h->caplen, &pl))
				continue;
			enum dres r = dns_parse(cur_ptr(&pl), cur_len(&pl), &m);
			if (r == D_MALFORMED)
				malformed++;
			if (r == D_NOT_MINE)
				not_mine++;
			if (r != D_OK || m.qr || m.opcode != 0)
				continue;
			for (unsigned i = 0; i < m.n_q; i++) {
				if (m.q[i].res == HN_NAME)
					set_add(&got, m.q[i].name);
				else
					bad_q++;
			}
		}
		pcap_close(pc);

		/* truth: dns_query rows of this file whose value is a hostname */
		snprintf(path, sizeof path, "%s/pcaps/truth.tsv", sh);
		FILE *t = fopen(path, "r");
		ck_assert_ptr_nonnull(t);
		while (fgets(line, sizeof line, t)) {
			char *cols[6] = { 0 };
			char *s = line;
			for (int i = 0; i < 6 && s; i++) {
				cols[i] = s;
				s = strchr(s, '\t');
				if (s)
					*s++ = '\0';
			}
			if (!cols[5] || strcmp(cols[0], *f) != 0 || strcmp(cols[1], "dns_query") != 0)
				continue;
			cols[5][strcspn(cols[5], "\r\n")] = '\0';
			char norm[SW_HOST_BUF];
			size_t nl;
			if (hn_normalise((const uint8_t *)cols[5], strlen(cols[5]), norm, &nl) == HN_NAME)
				set_add(&want, norm);
		}
		fclose(t);
		snprintf(path, sizeof path, "%s/pcaps/truth-excluded.tsv", sh);
		t = fopen(path, "r");
		ck_assert_ptr_nonnull(t);
		while (fgets(line, sizeof line, t)) {
			size_t fl = strlen(*f);
			if (strncmp(line, *f, fl) == 0 && line[fl] == '\t' &&
			    strncmp(line + fl + 1, "dns_query\t", 10) == 0)
				excluded++;
		}
		fclose(t);

		for (size_t i = 0; i < want.n; i++)
			ck_assert_msg(set_has(&got, want.name[i]), "%s: missed %s", *f,
			              want.name[i]);
		for (size_t i = 0; i < got.n; i++)
			ck_assert_msg(set_has(&want, got.name[i]), "%s: extra %s", *f,
			              got.name[i]);
		/* names tshark could only render lossily are ours to flag */
		ck_assert_msg((excluded > 0) == (bad_q > 0), "%s: %u excluded, %u flagged",
		              *f, excluded, bad_q);
		ck_assert_msg(not_mine == 0, "%s: %u NOT_MINE", *f, not_mine);
		if (strcmp(*f, "ndpi/malformed_dns.pcap") == 0)
			ck_assert_uint_eq(malformed, 4); /* its four 1400-byte responses */
		else
			ck_assert_msg(malformed == 0, "%s: %u MALFORMED", *f, malformed);
		files++;
		names += (unsigned)want.n;
		badnames += bad_q;
	}
	printf("test_dns: %u shared captures, %u truth names all found, "
	       "%u non-hostname query names flagged\n", files, names, badnames);
}
END_TEST

static Suite *dns_suite(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("dns");
	tcase_set_timeout(tc, 60);
	int ng = (int)(sizeof goods / sizeof goods[0]);
	tcase_add_loop_test(tc, test_good, 0, ng);
	tcase_add_loop_test(tc, test_prefixes, 0, ng);
	tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof bads / sizeof bads[0]));
	tcase_add_test(tc, test_name_lengths);
	tcase_add_test(tc, test_pointer_hops);
	tcase_add_test(tc, test_shared_captures);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(dns_suite());
}
