/*
 * test_dhcp.c - dhcp_parse: real client and server messages, every prefix
 * of them, and hand-assembled broken ones (RFC 2131 / RFC 2132 layout).
 *
 * The real messages are UDP payloads cut from ../shared/pcaps with
 * `tshark -r FILE -Y frame.number==N -T fields -e udp.payload`; expected
 * values are tshark's (dhcp.option.*, dhcp.hw.mac_addr, dhcp.ip.*).
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "dissectors/dhcp.h"
#include "tests/testutil.h"

#define MAXMSG 1500

/*
 * Hex to bytes.  Spaces are ignored; "zN " stands for N zero bytes (the
 * sname/file fields of real messages are 192 zero bytes and would drown the
 * table).
 */
static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	while (*h) {
		if (*h == 'z') {
			char *end;
			unsigned long z = strtoul(h + 1, &end, 10);
			ck_assert_int_eq(hi, -1);
			ck_assert_uint_le(n + z, cap);
			memset(out + n, 0, z);
			n += z;
			h = end;
			continue;
		}
		int v;
		if (*h >= '0' && *h <= '9')
			v = *h - '0';
		else if (*h >= 'a' && *h <= 'f')
			v = *h - 'a' + 10;
		else {
			h++;
			continue;
		}
		h++;
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

static enum dres parse_guarded(const uint8_t *b, size_t n, struct dhcp_msg *m,
                               struct tu_guard *g)
{
	*g = tu_guard_copy(b, n);
	return dhcp_parse(g->data, n, m);
}

/* A view compared with a string ("" = absent). */
static void view_is(const char *what, const char *field, bool has,
                    const struct cur *v, const char *want)
{
	if (!*want) {
		ck_assert_msg(!has && cur_len(v) == 0, "%s: %s present", what, field);
		return;
	}
	ck_assert_msg(has, "%s: %s absent", what, field);
	ck_assert_msg(cur_eq_str(v, want), "%s: %s '%.*s'", what, field,
	              (int)cur_len(v), (const char *)cur_ptr(v));
}

static void ip4_is(const char *what, const char *field, const uint8_t a[4],
                   const char *want)
{
	char buf[INET_ADDRSTRLEN];
	ck_assert_ptr_nonnull(inet_ntop(AF_INET, a, buf, sizeof buf));
	ck_assert_msg(strcmp(buf, want) == 0, "%s: %s %s", what, field, buf);
}

/* ---- real messages ---------------------------------------------------- */

struct good {
	const char *what;
	const char *hex;
	uint8_t op, type;
	uint32_t xid;
	const char *mac;       /* "" when not Ethernet */
	const char *ciaddr, *yiaddr;
	const char *req_ip;    /* "" when absent */
	const char *host, *vendor;
	const char *client_id_hex;  /* "" when absent */
	size_t params_len;
};

static const struct good goods[] = {
	{ "ndpi/1kxun.pcap #706: Android DHCPDISCOVER (dhcpcd)",
	  "01010600d3e2067a z20 bcee7b0cb3de z202 63825363350101390205dc3c0c646863"
	  "7063642d352e352e360c18616e64726f69642d66376361306635373132373063353264"
	  "3709012103060f1c333a3bff00",
	  1, DHCP_DISCOVER, 0xd3e2067a, "bc:ee:7b:0c:b3:de", "0.0.0.0", "0.0.0.0",
	  "", "android-f7ca0f571270c52d", "dhcpcd-5.5.6", "", 9 },
	{ "ndpi/1kxun.pcap #941: DHCPDISCOVER asking for its old address",
	  "010106003dd9eb62 z20 e0ca946b9644 z202 638253633501013204c0a805430c1473"
	  "616e6a692d4c494645424f4f4b2d4c483533313711011c02030f06770c2c2f1a792a79"
	  "f9fc2aff z9 ",
	  1, DHCP_DISCOVER, 0x3dd9eb62, "e0:ca:94:6b:96:44", "0.0.0.0", "0.0.0.0",
	  "192.168.5.67", "sanji-LIFEBOOK-LH531", "", "", 17 },
	{ "ndpi/1kxun.pcap #675: Windows DHCPINFORM",
	  "01010600fc0f79d800008000c0a80509 z12 70f1a1f82afd z202 638253633501083d"
	  "070170f1a1f82afd0c094a6f616e6e612d50433c084d53465420352e30370d010f0306"
	  "2c2e2f1f2179f92bfcff z11 ",
	  1, DHCP_INFORM, 0xfc0f79d8, "70:f1:a1:f8:2a:fd", "192.168.5.9", "0.0.0.0",
	  "", "Joanna-PC", "MSFT 5.0", "0170f1a1f82afd", 13 },
	{ "ndpi/1kxun.pcap #11: DHCPREQUEST",
	  "01010600060fbf5b z20 703eacf0f007 z202 638253633501033707017903060f77fc"
	  "390205dc3d0701703eacf0f0073204c0a803ed33040076a7000c045368656eff z16 ",
	  1, DHCP_REQUEST, 0x060fbf5b, "70:3e:ac:f0:f0:07", "0.0.0.0", "0.0.0.0",
	  "192.168.3.237", "Shen", "", "01703eacf0f007", 7 },
	{ "ndpi/1kxun.pcap #5: server DHCPACK",
	  "02010600c091205200008000c0a80524c0a80524c0a877010000000000265ac26355 z202 "
	  "638253633501053604c0a8770133040000003c0104ffff00000304c0a877010610a85f"
	  "010108080808a85fc001080804042a08a85fc30c7bcc2d74ff00000000",
	  2, DHCP_ACK, 0xc0912052, "00:26:5a:c2:63:55", "192.168.5.36", "192.168.5.36",
	  "", "", "", "", 0 },
	{ "ndpi/teams.pcap #250: Raspberry Pi DHCPDISCOVER, RFC 4361 client id",
	  "01010600158298c618b5 z19 808f9aaebd z202 638253633501013d13ff8f9aaebd"
	  "000100011fcb37ceb827eb3d08db5000740101390205dc3c2d6468637063642d362e31"
	  "302e313a4c696e75782d342e392e35372d76372b3a61726d76376c3a42434d32383335"
	  "0c0c7069332e6e746f702e6f7267910101370f01792103060c0f1a1c2a33363a3b77ff",
	  1, DHCP_DISCOVER, 0x158298c6, "00:80:8f:9a:ae:bd", "0.0.0.0", "0.0.0.0",
	  "", "pi3.ntop.org", "dhcpcd-6.10.1:Linux-4.9.57-v7+:armv7l:BCM2835",
	  "ff8f9aaebd000100011fcb37ceb827eb3d08db", 15 },
	{ "zeek/tunnels/Teredo.pcap #26: Nintendo Wii DHCPREQUEST",
	  "01010600601b69bc z21 1ae99d53b7 z202 638253633501033d0701001ae99d53b732"
	  "04c0a802120c0357696937060103060f1c21ff z28 ",
	  1, DHCP_REQUEST, 0x601b69bc, "00:1a:e9:9d:53:b7", "0.0.0.0", "0.0.0.0",
	  "192.168.2.18", "Wii", "", "01001ae99d53b7", 6 },
};

static void check_good(const struct good *g, const struct dhcp_msg *m)
{
	char mac[18] = "";
	if (m->has_mac)
		snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m->mac[0],
		         m->mac[1], m->mac[2], m->mac[3], m->mac[4], m->mac[5]);
	ck_assert_msg(m->op == g->op, "%s: op %u", g->what, m->op);
	ck_assert_msg(m->msg_type == g->type, "%s: type %u", g->what, m->msg_type);
	ck_assert_msg(m->xid == g->xid, "%s: xid %08x", g->what, m->xid);
	ck_assert_msg(strcmp(mac, g->mac) == 0, "%s: mac %s", g->what, mac);
	ip4_is(g->what, "ciaddr", m->ciaddr, g->ciaddr);
	ip4_is(g->what, "yiaddr", m->yiaddr, g->yiaddr);
	if (*g->req_ip) {
		ck_assert_msg(m->has_requested_ip, "%s: no requested ip", g->what);
		ip4_is(g->what, "requested", m->requested_ip, g->req_ip);
	} else {
		ck_assert_msg(!m->has_requested_ip, "%s: requested ip", g->what);
	}
	view_is(g->what, "host name", m->has_host_name, &m->host_name, g->host);
	view_is(g->what, "vendor class", m->has_vendor_class, &m->vendor_class, g->vendor);
	uint8_t cid[64];
	size_t cn = unhex(g->client_id_hex, cid, sizeof cid);
	ck_assert_msg(m->has_client_id == (cn > 0), "%s: client id", g->what);
	ck_assert_uint_eq(cur_len(&m->client_id), cn);
	if (cn)
		ck_assert_mem_eq(cur_ptr(&m->client_id), cid, cn);
	ck_assert_msg(cur_len(&m->params) == g->params_len, "%s: params %zu", g->what,
	              cur_len(&m->params));
	ck_assert_uint_eq(m->overload, 0);
}

START_TEST(test_good)
{
	static uint8_t b[MAXMSG];
	struct dhcp_msg m;
	struct tu_guard g;
	size_t n = unhex(goods[_i].hex, b, sizeof b);
	enum dres r = parse_guarded(b, n, &m, &g);
	ck_assert_msg(r == D_OK, "%s: result %d", goods[_i].what, r);
	check_good(&goods[_i], &m);
	ck_assert_str_eq(dhcp_type_name(m.msg_type),
	                 goods[_i].type == DHCP_DISCOVER ? "DISCOVER" :
	                 goods[_i].type == DHCP_REQUEST ? "REQUEST" :
	                 goods[_i].type == DHCP_INFORM ? "INFORM" : "ACK");
	tu_guard_free(&g);
}
END_TEST

/* Every prefix: NOT_MINE below 3 bytes, MALFORMED up to the end option,
 * then (only the padding after the end option is missing) D_OK with the
 * same fields. */
START_TEST(test_prefixes)
{
	static uint8_t b[MAXMSG];
	struct dhcp_msg m;
	size_t n = unhex(goods[_i].hex, b, sizeof b);
	bool ok_seen = false;
	for (size_t k = 0; k <= n; k++) {
		struct tu_guard g;
		enum dres r = parse_guarded(b, k, &m, &g);
		if (k < 3)
			ck_assert_int_eq(r, D_NOT_MINE);
		else if (!ok_seen && r != D_OK)
			ck_assert_msg(r == D_MALFORMED, "%s: prefix %zu gives %d",
			              goods[_i].what, k, r);
		if (r == D_OK) {
			ck_assert_uint_gt(k, 240);
			ok_seen = true;
			check_good(&goods[_i], &m);
		} else {
			ck_assert_msg(!ok_seen, "%s: prefix %zu not OK after an OK one",
			              goods[_i].what, k);
		}
		tu_guard_free(&g);
	}
	ck_assert(ok_seen);
}
END_TEST

/* ---- hand-assembled messages ------------------------------------------ */

/* RFC 2131 fixed header of a client message: op 1, Ethernet, xid 0x01020304,
 * chaddr 02:00:00:00:00:01, zero sname/file, then the cookie. */
#define HDR "01010600 01020304 0000 0000 z16 020000000001 z10 z64 z128 "
#define COOKIE "63825363 "

struct bad {
	const char *what;
	const char *hex;
	enum dres res;
	uint8_t type;
	const char *host, *vendor;   /* checked on D_OK */
};

static const struct bad bads[] = {
	{ "empty", "", D_NOT_MINE, 0, "", "" },
	{ "two bytes", "0101", D_NOT_MINE, 0, "", "" },
	{ "op 3", "03010600 01020304 0000 0000 z16 020000000001 z10 z64 z128 "
	  COOKIE "350101 ff", D_NOT_MINE, 0, "", "" },
	{ "hlen 17", "01011100 01020304 0000 0000 z16 020000000001 z10 z64 z128 "
	  COOKIE "350101 ff", D_NOT_MINE, 0, "", "" },
	{ "no magic cookie (BOOTP)", HDR "00000000 350101 ff", D_NOT_MINE, 0, "", "" },
	{ "wrong magic cookie", HDR "63825364 350101 ff", D_NOT_MINE, 0, "", "" },
	{ "cut inside the fixed header", "01010600 01020304 0000 0000 z16 0200",
	  D_MALFORMED, 0, "", "" },
	{ "header without cookie bytes", HDR, D_MALFORMED, 0, "", "" },
	{ "cookie, no options, no end", HDR COOKIE, D_MALFORMED, 0, "", "" },
	{ "pad then end", HDR COOKIE "0000 ff", D_OK, 0, "", "" },
	{ "minimal DISCOVER", HDR COOKIE "350101 ff", D_OK, DHCP_DISCOVER, "", "" },
	{ "no end option", HDR COOKIE "350101 0c03616263", D_MALFORMED, 0, "", "" },
	{ "option length past the end", HDR COOKIE "350101 0c10616263",
	  D_MALFORMED, 0, "", "" },
	{ "option code as the last byte", HDR COOKIE "350101 0c", D_MALFORMED, 0, "", "" },
	{ "option 53 of 2 bytes", HDR COOKIE "35020101 ff", D_MALFORMED, 0, "", "" },
	{ "option 53 type 0", HDR COOKIE "350100 ff", D_MALFORMED, 0, "", "" },
	{ "option 53 type 19", HDR COOKIE "350113 ff", D_MALFORMED, 0, "", "" },
	{ "option 50 of 3 bytes", HDR COOKIE "350103 3203c0a801 ff", D_MALFORMED, 0, "", "" },
	{ "option 52 value 4", HDR COOKIE "350101 340104 ff", D_MALFORMED, 0, "", "" },
	{ "empty host name", HDR COOKIE "350101 0c00 ff", D_OK, DHCP_DISCOVER, "", "" },
	{ "host name twice: the first wins", HDR COOKIE "350103 0c03616263 0c03787978 ff",
	  D_OK, DHCP_REQUEST, "abc", "" },
	{ "host name with an escape sequence kept raw", HDR COOKIE "350101 0c051b5b33316d ff",
	  D_OK, DHCP_DISCOVER, "\x1b[31m", "" },
	{ "bytes after the end option", HDR COOKIE "350101 ff 0c03616263",
	  D_OK, DHCP_DISCOVER, "", "" },
	/* overload 3: options continue in file (host name), then sname (vendor) */
	{ "overload: file and sname carry options",
	  "01010600 01020304 0000 0000 z16 020000000001 z10 "
	  "3c0378797aff z58 0c03616263ff z122 " COOKIE "350101 340103 ff",
	  D_OK, DHCP_DISCOVER, "abc", "xyz" },
	{ "overload: file lacks its end option",
	  "01010600 01020304 0000 0000 z16 020000000001 z10 z64 "
	  "0c7e z126 " COOKIE "350101 340101 ff",
	  D_MALFORMED, 0, "", "" },
	{ "overload: option 52 inside file is not followed",
	  "01010600 01020304 0000 0000 z16 020000000001 z10 "
	  "3c0378797aff z58 340102ff z124 " COOKIE "350101 340101 ff",
	  D_OK, DHCP_DISCOVER, "", "" },
	{ "options after the end option of the options field are not read",
	  HDR COOKIE "ff 350101", D_OK, 0, "", "" },
};

START_TEST(test_bad)
{
	static uint8_t b[MAXMSG];
	struct dhcp_msg m;
	struct tu_guard g;
	const struct bad *t = &bads[_i];
	size_t n = unhex(t->hex, b, sizeof b);
	enum dres r = parse_guarded(b, n, &m, &g);
	ck_assert_msg(r == t->res, "%s: result %d, want %d", t->what, r, t->res);
	if (r == D_OK) {
		ck_assert_msg(m.msg_type == t->type, "%s: type %u", t->what, m.msg_type);
		ck_assert(m.has_mac);
		ck_assert_uint_eq(m.mac[5], 1);
		view_is(t->what, "host name", m.has_host_name && cur_len(&m.host_name),
		        &m.host_name, t->host);
		view_is(t->what, "vendor class", m.has_vendor_class, &m.vendor_class,
		        t->vendor);
	}
	tu_guard_free(&g);
}
END_TEST

/* htype 32 (InfiniBand, RFC 4390) has hlen 0: no MAC. */
START_TEST(test_no_mac)
{
	static uint8_t b[MAXMSG];
	struct dhcp_msg m;
	struct tu_guard g;
	size_t n = unhex("01200000 01020304 0000 0000 z16 z16 z64 z128 " COOKIE
	                 "350101 3d0400010203 ff", b, sizeof b);
	ck_assert_int_eq(parse_guarded(b, n, &m, &g), D_OK);
	ck_assert(!m.has_mac);
	ck_assert(m.has_client_id);
	ck_assert_uint_eq(cur_len(&m.client_id), 4);
	ck_assert_uint_eq(m.n_opt, 2);
	ck_assert_str_eq(dhcp_type_name(0), "?");
	ck_assert_str_eq(dhcp_type_name(200), "?");
	tu_guard_free(&g);
}
END_TEST

static Suite *dhcp_suite(void)
{
	Suite *s = suite_create("dhcp");
	TCase *tc = tcase_create("dhcp");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_good, 0, (int)(sizeof goods / sizeof goods[0]));
	tcase_add_loop_test(tc, test_prefixes, 0, (int)(sizeof goods / sizeof goods[0]));
	tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof bads / sizeof bads[0]));
	tcase_add_test(tc, test_no_mac);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(dhcp_suite());
}
