/*
 * test_decode.c - decode_packet(): link types, tags, tunnels, IP, L4,
 * fragment reassembly, and the real captures of ../shared/pcaps.
 *
 * Frames are assembled here field by field from the RFCs (a small builder
 * that patches length fields and IPv4 checksums when a header is closed),
 * then fed to decode_packet() against a guard page.  Every good frame is
 * also fed in every prefix: before the innermost payload starts the verdict
 * must be DEC_TRUNCATED (a tunnel found by heuristics may instead fall back
 * to the outer UDP datagram); from there on DEC_OK with the payload cut
 * where the capture was cut.
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "dissectors/decode.h"
#include "tests/testutil.h"

/* ---- frame builder ------------------------------------------------------ */

struct fb {
	uint8_t b[8192];
	size_t n;
	size_t pl_off, pl_len; /* innermost payload, set by fb_payload */
};

static void put8(struct fb *f, unsigned v)
{
	ck_assert_uint_lt(f->n, sizeof(f->b));
	f->b[f->n++] = (uint8_t)v;
}

static void put16(struct fb *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v & 0xff);
}

static void put16le(struct fb *f, unsigned v)
{
	put8(f, v & 0xff);
	put8(f, v >> 8);
}

static void put32(struct fb *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void putn(struct fb *f, const void *p, size_t n)
{
	ck_assert_uint_le(f->n + n, sizeof(f->b));
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void putz(struct fb *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(f, 0);
}

static void set16(struct fb *f, size_t off, unsigned v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static void fb_payload(struct fb *f, const char *s)
{
	f->pl_off = f->n;
	f->pl_len = strlen(s);
	putn(f, s, f->pl_len);
}

static void a4(struct fb *f, const char *s)
{
	uint8_t a[4];
	ck_assert_int_eq(inet_pton(AF_INET, s, a), 1);
	putn(f, a, 4);
}

static void a6(struct fb *f, const char *s)
{
	uint8_t a[16];
	ck_assert_int_eq(inet_pton(AF_INET6, s, a), 1);
	putn(f, a, 16);
}

static const uint8_t MAC_D[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MAC_S[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static void eth(struct fb *f, unsigned et)
{
	putn(f, MAC_D, 6);
	putn(f, MAC_S, 6);
	put16(f, et);
}

/* an inner Ethernet header with other MACs */
static void eth_in(struct fb *f, unsigned et)
{
	static const uint8_t d[6] = { 0x2a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
	static const uint8_t s[6] = { 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };
	putn(f, d, 6);
	putn(f, s, 6);
	put16(f, et);
}

static void vlan(struct fb *f, unsigned vid, unsigned et)
{
	put16(f, vid & 0x0fff);
	put16(f, et);
}

static void mpls(struct fb *f, uint32_t label, bool bottom)
{
	put32(f, label << 12 | (bottom ? 0x100u : 0u) | 64u);
}

/* IPv4 header with optwords 32-bit words of options (NOPs then EOL). */
static size_t ip4_open_opt(struct fb *f, unsigned proto, const char *src,
                           const char *dst, unsigned optwords, unsigned fo,
                           unsigned id)
{
	size_t off = f->n;
	put8(f, 0x40 | (5 + optwords));
	put8(f, 0);
	put16(f, 0); /* total length, patched */
	put16(f, id);
	put16(f, fo);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0); /* checksum, patched */
	a4(f, src);
	a4(f, dst);
	for (unsigned i = 0; i < optwords * 4; i++)
		put8(f, i + 1 == optwords * 4 ? 0 : 1);
	return off;
}

static size_t ip4_open(struct fb *f, unsigned proto, const char *src,
                       const char *dst)
{
	return ip4_open_opt(f, proto, src, dst, 0, 0x4000 /* DF */, 0x1234);
}

static void ip4_sum(struct fb *f, size_t off)
{
	size_t hl = (size_t)(f->b[off] & 0x0f) * 4;
	uint32_t sum = 0;
	set16(f, off + 10, 0);
	for (size_t i = 0; i < hl; i += 2)
		sum += (uint32_t)f->b[off + i] << 8 | f->b[off + i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	set16(f, off + 10, ~sum & 0xffff);
}

static void ip4_close(struct fb *f, size_t off)
{
	set16(f, off + 2, (unsigned)(f->n - off));
	ip4_sum(f, off);
}

static size_t ip6_open(struct fb *f, unsigned nh, const char *src,
                       const char *dst)
{
	size_t off = f->n;
	put32(f, 0x60000000);
	put16(f, 0); /* payload length, patched */
	put8(f, nh);
	put8(f, 64);
	a6(f, src);
	a6(f, dst);
	return off;
}

static void ip6_close(struct fb *f, size_t off)
{
	set16(f, off + 4, (unsigned)(f->n - off - 40));
}

static size_t udp_open(struct fb *f, unsigned sp, unsigned dp)
{
	size_t off = f->n;
	put16(f, sp);
	put16(f, dp);
	put16(f, 0);
	put16(f, 0);
	return off;
}

static void udp_close(struct fb *f, size_t off)
{
	set16(f, off + 4, (unsigned)(f->n - off));
}

/* TCP header with optwords words of options (MSS, then NOPs). */
static void tcp(struct fb *f, unsigned sp, unsigned dp, unsigned flags,
                unsigned optwords)
{
	put16(f, sp);
	put16(f, dp);
	put32(f, 0x01020304);
	put32(f, 0x0a0b0c0d);
	put8(f, (5 + optwords) << 4);
	put8(f, flags);
	put16(f, 65535);
	put16(f, 0);
	put16(f, 0);
	if (optwords) {
		put8(f, 2);
		put8(f, 4);
		put16(f, 1460);
		for (unsigned i = 1; i < optwords; i++)
			put32(f, 0x01010101);
	}
}

/* Common innermost packets. */
static void in4_tcp(struct fb *f, const char *s, const char *d)
{
	size_t ip = ip4_open(f, 6, s, d);
	tcp(f, 40000, 80, TCPF_PSH | TCPF_ACK, 0);
	fb_payload(f, "GET / HTTP/1.1\r\n");
	ip4_close(f, ip);
}

static void in4_udp(struct fb *f, const char *s, const char *d)
{
	size_t ip = ip4_open(f, 17, s, d);
	size_t u = udp_open(f, 5353, 53);
	fb_payload(f, "\x12\x34\x01\x00query");
	udp_close(f, u);
	ip4_close(f, ip);
}

static void in6_tcp(struct fb *f, const char *s, const char *d)
{
	size_t ip = ip6_open(f, 6, s, d);
	tcp(f, 40000, 443, TCPF_ACK, 1);
	fb_payload(f, "\x16\x03\x01\x00\x05hello");
	ip6_close(f, ip);
}

static void in6_udp(struct fb *f, const char *s, const char *d)
{
	size_t ip = ip6_open(f, 17, s, d);
	size_t u = udp_open(f, 5353, 53);
	fb_payload(f, "\xab\xcd\x01\x00query6");
	udp_close(f, u);
	ip6_close(f, ip);
}

/* ---- good frames: link types -------------------------------------------- */

static void b_eth_ip4_opts(struct fb *f)
{
	eth(f, 0x0800);
	size_t ip = ip4_open_opt(f, 6, "192.0.2.1", "198.51.100.2", 2, 0, 7);
	tcp(f, 40000, 80, TCPF_SYN, 3);
	fb_payload(f, "payload");
	ip4_close(f, ip);
}

static void b_eth_ip6_udp(struct fb *f)
{
	eth(f, 0x86dd);
	in6_udp(f, "2001:db8::1", "2001:db8::53");
}

/* Ethernet padding after a short IP packet is not payload. */
static void b_eth_padding(struct fb *f)
{
	eth(f, 0x0800);
	size_t ip = ip4_open(f, 6, "192.0.2.1", "192.0.2.2");
	tcp(f, 40000, 80, TCPF_ACK, 0);
	fb_payload(f, "x");
	ip4_close(f, ip);
	putz(f, 60 - f->n);
}

static void b_eth_llc_snap(struct fb *f)
{
	putn(f, MAC_D, 6);
	putn(f, MAC_S, 6);
	size_t l = f->n;
	put16(f, 0);
	put8(f, 0xaa);
	put8(f, 0xaa);
	put8(f, 0x03);
	put8(f, 0);
	put16(f, 0);
	put16(f, 0x0800);
	in4_udp(f, "192.0.2.1", "192.0.2.2");
	set16(f, l, (unsigned)(f->n - l - 2));
}

static void b_vlan(struct fb *f)
{
	eth(f, 0x8100);
	vlan(f, 10, 0x0800);
	in4_udp(f, "10.0.0.1", "10.0.0.2");
}

static void b_qinq(struct fb *f)
{
	eth(f, 0x88a8);
	vlan(f, 100, 0x8100);
	vlan(f, 10, 0x86dd);
	in6_tcp(f, "2001:db8::1", "2001:db8::2");
}

static void b_qinqinq(struct fb *f)
{
	eth(f, 0x9100);
	vlan(f, 1, 0x9100);
	vlan(f, 2, 0x8100);
	vlan(f, 3, 0x0800);
	in4_tcp(f, "10.1.1.1", "10.2.2.2");
}

static void b_mpls(struct fb *f)
{
	eth(f, 0x8847);
	mpls(f, 1000, false);
	mpls(f, 2000, true);
	in4_tcp(f, "10.0.0.1", "10.0.0.2");
}

static void b_mpls_null6(struct fb *f)
{
	eth(f, 0x8848);
	mpls(f, 2, true); /* IPv6 explicit null */
	in6_udp(f, "2001:db8::1", "2001:db8::2");
}

static void b_mpls_pw(struct fb *f)
{
	eth(f, 0x8847);
	mpls(f, 16, false);
	mpls(f, 17, true);
	put32(f, 0); /* control word */
	eth_in(f, 0x0800);
	in4_udp(f, "172.16.0.1", "172.16.0.2");
}

static void b_mpls_pw_nocw(struct fb *f)
{
	eth(f, 0x8847);
	mpls(f, 17, true);
	eth_in(f, 0x0800); /* dst MAC starts with 0x2a: not 0, 1, 4 or 6 */
	in4_udp(f, "172.16.0.1", "172.16.0.2");
}

static size_t pppoe_open(struct fb *f)
{
	put8(f, 0x11);
	put8(f, 0);
	put16(f, 0x1234);
	size_t l = f->n;
	put16(f, 0);
	return l;
}

static void pppoe_close(struct fb *f, size_t l)
{
	set16(f, l, (unsigned)(f->n - l - 2));
}

static void b_pppoe4(struct fb *f)
{
	eth(f, 0x8864);
	size_t l = pppoe_open(f);
	put16(f, 0x0021);
	in4_tcp(f, "100.64.0.1", "93.184.216.34");
	pppoe_close(f, l);
}

static void b_pppoe6_qinq(struct fb *f)
{
	eth(f, 0x8100);
	vlan(f, 7, 0x8100);
	vlan(f, 8, 0x8864);
	size_t l = pppoe_open(f);
	put16(f, 0x0057);
	in6_udp(f, "2001:db8::1", "2001:db8::2");
	pppoe_close(f, l);
}

static void b_sll(struct fb *f)
{
	put16(f, 0);      /* to us */
	put16(f, 1);      /* ARPHRD_ETHER */
	put16(f, 6);
	putn(f, MAC_S, 6);
	put16(f, 0);
	put16(f, 0x0800);
	in4_tcp(f, "192.0.2.10", "192.0.2.20");
}

static void b_sll2(struct fb *f)
{
	put16(f, 0x86dd);
	put16(f, 0);
	put32(f, 3);      /* ifindex */
	put16(f, 1);
	put8(f, 4);       /* outgoing */
	put8(f, 6);
	putn(f, MAC_S, 6);
	put16(f, 0);
	in6_tcp(f, "2001:db8::10", "2001:db8::20");
}

static void b_raw4(struct fb *f)
{
	in4_tcp(f, "203.0.113.1", "203.0.113.2");
}

static void b_raw6(struct fb *f)
{
	in6_udp(f, "2001:db8:1::1", "2001:db8:2::2");
}

static void b_null_le4(struct fb *f)
{
	put32(f, 0x02000000); /* AF_INET, little-endian host */
	in4_tcp(f, "127.0.0.1", "127.0.0.2");
}

static void b_null_be6(struct fb *f)
{
	put32(f, 30); /* AF_INET6 on Darwin, big-endian host */
	in6_tcp(f, "::1", "::2");
}

static void b_null_le6_fbsd(struct fb *f)
{
	put32(f, 0x1c000000); /* 28: FreeBSD AF_INET6, little-endian */
	in6_udp(f, "::1", "::2");
}

static void b_loop6(struct fb *f)
{
	put32(f, 24); /* OpenBSD AF_INET6, network order */
	in6_udp(f, "fe80::1", "fe80::2");
}

static void b_ppp_hdlc(struct fb *f)
{
	put8(f, 0xff);
	put8(f, 0x03);
	put16(f, 0x0021);
	in4_udp(f, "10.64.0.1", "10.64.0.2");
}

static void b_ppp_pfc6(struct fb *f)
{
	put8(f, 0x57); /* protocol field compressed */
	in6_tcp(f, "2001:db8::a", "2001:db8::b");
}

static void b_chdlc(struct fb *f)
{
	put8(f, 0x0f);
	put8(f, 0);
	put16(f, 0x0800);
	in4_tcp(f, "10.9.9.1", "10.9.9.2");
}

/* NFLOG: header, NFULA_PACKET_HDR, a prefix TLV (needs padding), payload. */
static void b_nflog(struct fb *f)
{
	put8(f, 2);
	put8(f, 0);
	put16(f, 42);
	put16le(f, 8);
	put16le(f, 1);
	put16(f, 0x0800);
	put8(f, 3);
	put8(f, 0);
	put16le(f, 7);
	put16le(f, 10);
	putn(f, "ab", 3);
	put8(f, 0); /* padding */
	size_t l = f->n;
	put16le(f, 0);
	put16le(f, 9);
	in4_tcp(f, "10.0.2.15", "93.184.216.34");
	f->b[l] = (uint8_t)(f->n - l);
	f->b[l + 1] = (uint8_t)((f->n - l) >> 8);
}

/* ---- good frames: IP in IP, IPv6 extension headers ---------------------- */

static void b_ipip(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 4, "198.51.100.1", "198.51.100.2");
	in4_tcp(f, "10.0.0.1", "10.0.0.2");
	ip4_close(f, o);
}

static void b_6in4(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 41, "198.51.100.1", "198.51.100.2");
	in6_tcp(f, "2001:470::1", "2001:470::2");
	ip4_close(f, o);
}

static void b_4in6(struct fb *f)
{
	eth(f, 0x86dd);
	size_t o = ip6_open(f, 4, "2001:db8::1", "2001:db8::2");
	in4_udp(f, "10.0.0.1", "10.0.0.2");
	ip6_close(f, o);
}

static void b_6in6(struct fb *f)
{
	eth(f, 0x86dd);
	size_t o = ip6_open(f, 41, "2001:db8::1", "2001:db8::2");
	in6_tcp(f, "2001:db8:1::1", "2001:db8:1::2");
	ip6_close(f, o);
}

static void b_ip6_ext(struct fb *f)
{
	eth(f, 0x86dd);
	size_t o = ip6_open(f, 0, "2001:db8::1", "2001:db8::2");
	put8(f, 60); put8(f, 0); put8(f, 1); put8(f, 4); putz(f, 4); /* HBH, PadN */
	put8(f, 43); put8(f, 0); putz(f, 6);                          /* dest opts */
	put8(f, 51); put8(f, 1); put8(f, 0); put8(f, 0); putz(f, 12); /* routing, 16 */
	put8(f, 44); put8(f, 4); putz(f, 2); put32(f, 1); put32(f, 2); putz(f, 12); /* AH: (4+2)*4 */
	put8(f, 6); put8(f, 0); put16(f, 0); put32(f, 0x55); /* atomic fragment */
	tcp(f, 40001, 443, TCPF_SYN, 0);
	fb_payload(f, "after-ext");
	ip6_close(f, o);
}

/* ---- good frames: GRE and ERSPAN ---------------------------------------- */

static void gre(struct fb *f, unsigned flags, unsigned proto)
{
	put16(f, flags);
	put16(f, proto);
	if (flags & 0x8000)
		put32(f, 0);          /* checksum + offset */
	if (flags & 0x2000)
		put32(f, 0xdeadbeef); /* key */
	if (flags & 0x1000)
		put32(f, 99);         /* sequence */
}

static void b_gre4(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 47, "198.51.100.1", "198.51.100.2");
	gre(f, 0xb000, 0x0800); /* C, K, S */
	in4_tcp(f, "10.0.0.1", "10.0.0.2");
	ip4_close(f, o);
}

static void b_gre6_over6(struct fb *f)
{
	eth(f, 0x86dd);
	size_t o = ip6_open(f, 47, "2001:db8::1", "2001:db8::2");
	gre(f, 0x0000, 0x86dd);
	in6_udp(f, "2001:db8:9::1", "2001:db8:9::2");
	ip6_close(f, o);
}

static void b_gre_teb(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 47, "198.51.100.1", "198.51.100.2");
	gre(f, 0x2000, 0x6558); /* NVGRE style, key */
	eth_in(f, 0x0800);
	in4_tcp(f, "10.0.0.1", "10.0.0.2");
	ip4_close(f, o);
}

static void b_erspan1(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 47, "198.51.100.1", "198.51.100.2");
	gre(f, 0x0000, 0x88be);
	eth_in(f, 0x0800);
	in4_tcp(f, "41.0.0.1", "126.0.0.1");
	ip4_close(f, o);
}

static void b_erspan2(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 47, "198.51.100.1", "198.51.100.2");
	gre(f, 0x1000, 0x88be);
	put32(f, 0x10070005); /* ver 1, vlan 7, session 5 */
	put32(f, 0x00000012);
	eth_in(f, 0x8100);
	vlan(f, 5, 0x0800);
	in4_tcp(f, "41.108.52.138", "40.110.35.23");
	ip4_close(f, o);
}

static void b_erspan3(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 47, "198.51.100.1", "198.51.100.2");
	gre(f, 0x1000, 0x22eb);
	put32(f, 0x20070005); /* ver 2 */
	put32(f, 0x11223344); /* timestamp */
	put32(f, 0x00000001); /* ft 0 (Ethernet), O: platform subheader */
	put32(f, 0x18000000);
	put32(f, 0);
	eth_in(f, 0x86dd);
	in6_tcp(f, "2001:db8::1", "2001:db8::2");
	ip4_close(f, o);
}

static void b_erspan3_ip(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 47, "198.51.100.1", "198.51.100.2");
	gre(f, 0x1000, 0x22eb);
	put32(f, 0x20070005);
	put32(f, 0x11223344);
	put32(f, 2u << 10); /* ft 2: IP packet, no subheader */
	in4_udp(f, "10.0.0.1", "10.0.0.2");
	ip4_close(f, o);
}

static void b_pptp(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 47, "198.51.100.1", "198.51.100.2");
	put16(f, 0x3081); /* K, S, A, version 1 */
	put16(f, 0x880b);
	size_t l = f->n;
	put16(f, 0);      /* payload length */
	put16(f, 0x4000); /* call id */
	put32(f, 5);      /* seq */
	put32(f, 4);      /* ack */
	size_t start = f->n;
	put8(f, 0xff);
	put8(f, 0x03);
	put16(f, 0x0021);
	in4_udp(f, "192.168.1.10", "192.168.1.1");
	set16(f, l, (unsigned)(f->n - start));
	ip4_close(f, o);
}

/* ---- good frames: tunnels over UDP -------------------------------------- */

static void b_gre_udp(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 17, "198.51.100.1", "198.51.100.2");
	size_t u = udp_open(f, 50000, 4754);
	gre(f, 0x0000, 0x0800);
	in4_tcp(f, "10.0.0.1", "10.0.0.2");
	udp_close(f, u);
	ip4_close(f, o);
}

static void vxlan_frame(struct fb *f, unsigned port)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 17, "198.51.100.1", "198.51.100.2");
	size_t u = udp_open(f, 51000, port);
	put32(f, 0x08000000);
	put32(f, 0x00123400);
	eth_in(f, 0x0800);
	in4_tcp(f, "172.16.11.201", "54.86.237.188");
	udp_close(f, u);
	ip4_close(f, o);
}

static void b_vxlan(struct fb *f) { vxlan_frame(f, 4789); }
static void b_vxlan_linux(struct fb *f) { vxlan_frame(f, 8472); }
static void b_vxlan_heur(struct fb *f) { vxlan_frame(f, 40000); }

static void geneve_frame(struct fb *f, unsigned port, bool opts)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 17, "127.0.0.1", "127.0.0.1");
	size_t u = udp_open(f, 47101, port);
	put8(f, opts ? 3 : 0); /* 3 words of options */
	put8(f, 0);
	put16(f, 0x6558);
	put32(f, 0x00109200);
	if (opts) {
		put16(f, 0x0102); /* class */
		put8(f, 0x80);    /* type */
		put8(f, 2);       /* 2 words of data */
		put32(f, 0xaabbccdd);
		put32(f, 0x11223344);
	}
	eth_in(f, 0x0800);
	in4_tcp(f, "192.168.0.107", "145.40.68.75");
	udp_close(f, u);
	ip4_close(f, o);
}

static void b_geneve(struct fb *f) { geneve_frame(f, 6081, true); }
static void b_geneve_heur(struct fb *f) { geneve_frame(f, 47101, false); }
static void b_geneve_heur_opts(struct fb *f) { geneve_frame(f, 47101, true); }

static void b_geneve_ip6(struct fb *f)
{
	eth(f, 0x86dd);
	size_t o = ip6_open(f, 17, "2001:db8::1", "2001:db8::2");
	size_t u = udp_open(f, 6081, 6081);
	put8(f, 0);
	put8(f, 0);
	put16(f, 0x86dd);
	put32(f, 0x00000100);
	in6_udp(f, "2001:db8:7::1", "2001:db8:7::2");
	udp_close(f, u);
	ip6_close(f, o);
}

static size_t gtp_open(struct fb *f, unsigned flags)
{
	size_t l;
	put8(f, flags);
	put8(f, 0xff);
	l = f->n;
	put16(f, 0);
	put32(f, 0x9e40ba4f);
	return l;
}

static void gtp_close(struct fb *f, size_t l)
{
	set16(f, l, (unsigned)(f->n - l - 6));
}

static void b_gtp(struct fb *f)
{
	eth(f, 0x8100);
	vlan(f, 1, 0x8100);
	vlan(f, 2, 0x0800);
	size_t o = ip4_open(f, 17, "167.55.105.244", "207.233.125.40");
	size_t u = udp_open(f, 5906, 2152);
	size_t g = gtp_open(f, 0x30);
	in4_tcp(f, "10.131.17.170", "173.199.115.168");
	gtp_close(f, g);
	udp_close(f, u);
	ip4_close(f, o);
}

static void b_gtp_seq_ext(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 17, "167.55.105.244", "207.233.125.40");
	size_t u = udp_open(f, 2152, 2152);
	size_t g = gtp_open(f, 0x36); /* E and S */
	put16(f, 77);     /* seq */
	put8(f, 0);       /* N-PDU */
	put8(f, 0x85);    /* next: PDU session container */
	put8(f, 1);       /* 4 bytes */
	put8(f, 0x10);
	put8(f, 0x09);    /* QFI */
	put8(f, 0x40);    /* next: UDP port extension */
	put8(f, 1);
	put16(f, 2152);
	put8(f, 0);       /* no more */
	in6_udp(f, "2001:db8:5::1", "2001:db8:5::2");
	gtp_close(f, g);
	udp_close(f, u);
	ip4_close(f, o);
}

static void teredo_frame(struct fb *f, bool auth, bool origin)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 17, "192.168.2.16", "65.55.158.118");
	size_t u = udp_open(f, 51413, 3544);
	if (auth) {
		put16(f, 1);
		put8(f, 2); /* id len */
		put8(f, 3); /* auth len */
		putn(f, "id", 2);
		putn(f, "aut", 3);
		putz(f, 8); /* nonce */
		put8(f, 0); /* confirmation */
	}
	if (origin) {
		put16(f, 0);
		put16(f, 0xf227);
		put32(f, 0xbe7e7ecf);
	}
	in6_tcp(f, "2001:0:4137:9e76::1", "2001:db8::80");
	udp_close(f, u);
	ip4_close(f, o);
}

static void b_teredo(struct fb *f) { teredo_frame(f, false, false); }
static void b_teredo_origin(struct fb *f) { teredo_frame(f, false, true); }
static void b_teredo_auth(struct fb *f) { teredo_frame(f, true, true); }

/* VXLAN inside GRE inside VLAN: several layers. */
static void b_stack(struct fb *f)
{
	eth(f, 0x8100);
	vlan(f, 3, 0x0800);
	size_t o = ip4_open(f, 47, "198.51.100.1", "198.51.100.2");
	gre(f, 0x2000, 0x0800);
	size_t o2 = ip4_open(f, 17, "10.10.0.1", "10.10.0.2");
	size_t u = udp_open(f, 1234, 4789);
	put32(f, 0x08000000);
	put32(f, 0x00000100);
	eth_in(f, 0x86dd);
	in6_udp(f, "fd00::1", "fd00::2");
	udp_close(f, u);
	ip4_close(f, o2);
	ip4_close(f, o);
}

struct gcase {
	const char *name;
	int dlt;
	void (*build)(struct fb *f);
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t l4;
	bool mac;   /* an Ethernet header; MACs checked (inner when eth_in) */
	bool inner_mac;
	bool heur;  /* tunnel found by header check, not by port */
};

static const struct gcase good[] = {
	{ "eth ip4 options tcp options", 1, b_eth_ip4_opts, "192.0.2.1", "198.51.100.2", 40000, 80, 6, true, false, false },
	{ "eth ip6 udp", 1, b_eth_ip6_udp, "2001:db8::1", "2001:db8::53", 5353, 53, 17, true, false, false },
	{ "eth padding", 1, b_eth_padding, "192.0.2.1", "192.0.2.2", 40000, 80, 6, true, false, false },
	{ "802.3 llc snap", 1, b_eth_llc_snap, "192.0.2.1", "192.0.2.2", 5353, 53, 17, true, false, false },
	{ "802.1q", 1, b_vlan, "10.0.0.1", "10.0.0.2", 5353, 53, 17, true, false, false },
	{ "802.1ad qinq ip6", 1, b_qinq, "2001:db8::1", "2001:db8::2", 40000, 443, 6, true, false, false },
	{ "qinqinq 9100", 1, b_qinqinq, "10.1.1.1", "10.2.2.2", 40000, 80, 6, true, false, false },
	{ "mpls 2 labels", 1, b_mpls, "10.0.0.1", "10.0.0.2", 40000, 80, 6, true, false, false },
	{ "mpls explicit null v6", 1, b_mpls_null6, "2001:db8::1", "2001:db8::2", 5353, 53, 17, true, false, false },
	{ "mpls pw control word", 1, b_mpls_pw, "172.16.0.1", "172.16.0.2", 5353, 53, 17, true, true, false },
	{ "mpls eth no cw", 1, b_mpls_pw_nocw, "172.16.0.1", "172.16.0.2", 5353, 53, 17, true, true, false },
	{ "pppoe ip4", 1, b_pppoe4, "100.64.0.1", "93.184.216.34", 40000, 80, 6, true, false, false },
	{ "qinq pppoe ip6", 1, b_pppoe6_qinq, "2001:db8::1", "2001:db8::2", 5353, 53, 17, true, false, false },
	{ "linux sll", 113, b_sll, "192.0.2.10", "192.0.2.20", 40000, 80, 6, false, false, false },
	{ "linux sll2", 276, b_sll2, "2001:db8::10", "2001:db8::20", 40000, 443, 6, false, false, false },
	{ "raw 12 v4", 12, b_raw4, "203.0.113.1", "203.0.113.2", 40000, 80, 6, false, false, false },
	{ "raw 14 v4", 14, b_raw4, "203.0.113.1", "203.0.113.2", 40000, 80, 6, false, false, false },
	{ "raw 101 v6", 101, b_raw6, "2001:db8:1::1", "2001:db8:2::2", 5353, 53, 17, false, false, false },
	{ "raw 12 v6", 12, b_raw6, "2001:db8:1::1", "2001:db8:2::2", 5353, 53, 17, false, false, false },
	{ "ipv4 228", 228, b_raw4, "203.0.113.1", "203.0.113.2", 40000, 80, 6, false, false, false },
	{ "ipv6 229", 229, b_raw6, "2001:db8:1::1", "2001:db8:2::2", 5353, 53, 17, false, false, false },
	{ "null le ip4", 0, b_null_le4, "127.0.0.1", "127.0.0.2", 40000, 80, 6, false, false, false },
	{ "null be ip6 darwin", 0, b_null_be6, "::1", "::2", 40000, 443, 6, false, false, false },
	{ "null le ip6 freebsd", 0, b_null_le6_fbsd, "::1", "::2", 5353, 53, 17, false, false, false },
	{ "loop ip6", 108, b_loop6, "fe80::1", "fe80::2", 5353, 53, 17, false, false, false },
	{ "openbsd loop as 12", 12, b_loop6, "fe80::1", "fe80::2", 5353, 53, 17, false, false, false },
	{ "ppp hdlc", 9, b_ppp_hdlc, "10.64.0.1", "10.64.0.2", 5353, 53, 17, false, false, false },
	{ "ppp pfc ip6", 9, b_ppp_pfc6, "2001:db8::a", "2001:db8::b", 40000, 443, 6, false, false, false },
	{ "ppp serial 50", 50, b_ppp_hdlc, "10.64.0.1", "10.64.0.2", 5353, 53, 17, false, false, false },
	{ "cisco hdlc in ppp serial", 50, b_chdlc, "10.9.9.1", "10.9.9.2", 40000, 80, 6, false, false, false },
	{ "cisco hdlc", 104, b_chdlc, "10.9.9.1", "10.9.9.2", 40000, 80, 6, false, false, false },
	{ "nflog", 239, b_nflog, "10.0.2.15", "93.184.216.34", 40000, 80, 6, false, false, false },
	{ "ip-in-ip", 1, b_ipip, "10.0.0.1", "10.0.0.2", 40000, 80, 6, true, false, false },
	{ "6in4", 1, b_6in4, "2001:470::1", "2001:470::2", 40000, 443, 6, true, false, false },
	{ "4in6", 1, b_4in6, "10.0.0.1", "10.0.0.2", 5353, 53, 17, true, false, false },
	{ "6in6", 1, b_6in6, "2001:db8:1::1", "2001:db8:1::2", 40000, 443, 6, true, false, false },
	{ "ip6 extension chain", 1, b_ip6_ext, "2001:db8::1", "2001:db8::2", 40001, 443, 6, true, false, false },
	{ "gre csum key seq", 1, b_gre4, "10.0.0.1", "10.0.0.2", 40000, 80, 6, true, false, false },
	{ "gre over ip6", 1, b_gre6_over6, "2001:db8:9::1", "2001:db8:9::2", 5353, 53, 17, true, false, false },
	{ "gre teb", 1, b_gre_teb, "10.0.0.1", "10.0.0.2", 40000, 80, 6, true, true, false },
	{ "erspan I", 1, b_erspan1, "41.0.0.1", "126.0.0.1", 40000, 80, 6, true, true, false },
	{ "erspan II", 1, b_erspan2, "41.108.52.138", "40.110.35.23", 40000, 80, 6, true, true, false },
	{ "erspan III subheader", 1, b_erspan3, "2001:db8::1", "2001:db8::2", 40000, 443, 6, true, true, false },
	{ "erspan III ip", 1, b_erspan3_ip, "10.0.0.1", "10.0.0.2", 5353, 53, 17, true, false, false },
	{ "pptp gre v1", 1, b_pptp, "192.168.1.10", "192.168.1.1", 5353, 53, 17, true, false, false },
	{ "gre in udp", 1, b_gre_udp, "10.0.0.1", "10.0.0.2", 40000, 80, 6, true, false, false },
	{ "vxlan 4789", 1, b_vxlan, "172.16.11.201", "54.86.237.188", 40000, 80, 6, true, true, false },
	{ "vxlan 8472", 1, b_vxlan_linux, "172.16.11.201", "54.86.237.188", 40000, 80, 6, true, true, false },
	{ "vxlan heuristic", 1, b_vxlan_heur, "172.16.11.201", "54.86.237.188", 40000, 80, 6, true, true, true },
	{ "geneve 6081 options", 1, b_geneve, "192.168.0.107", "145.40.68.75", 40000, 80, 6, true, true, false },
	{ "geneve heuristic", 1, b_geneve_heur, "192.168.0.107", "145.40.68.75", 40000, 80, 6, true, true, true },
	{ "geneve heuristic opts", 1, b_geneve_heur_opts, "192.168.0.107", "145.40.68.75", 40000, 80, 6, true, true, true },
	{ "geneve ip6", 1, b_geneve_ip6, "2001:db8:7::1", "2001:db8:7::2", 5353, 53, 17, true, false, false },
	{ "gtp-u qinq", 1, b_gtp, "10.131.17.170", "173.199.115.168", 40000, 80, 6, true, false, false },
	{ "gtp-u seq ext ip6", 1, b_gtp_seq_ext, "2001:db8:5::1", "2001:db8:5::2", 5353, 53, 17, true, false, false },
	{ "teredo", 1, b_teredo, "2001:0:4137:9e76::1", "2001:db8::80", 40000, 443, 6, true, false, false },
	{ "teredo origin", 1, b_teredo_origin, "2001:0:4137:9e76::1", "2001:db8::80", 40000, 443, 6, true, false, false },
	{ "teredo auth origin", 1, b_teredo_auth, "2001:0:4137:9e76::1", "2001:db8::80", 40000, 443, 6, true, false, false },
	{ "vlan gre vxlan ip6", 1, b_stack, "fd00::1", "fd00::2", 5353, 53, 17, true, true, false },
};

static bool addr_is(const struct sw_addr *a, const char *s)
{
	char buf[64];
	return strcmp(sw_addr_str(a, buf, sizeof buf), s) == 0;
}

static bool tuple_is(const struct pkt *p, const struct gcase *c)
{
	return p->l4 == c->l4 && p->sport == c->sport && p->dport == c->dport &&
	       addr_is(&p->src, c->src) && addr_is(&p->dst, c->dst);
}

static enum decode_err dec(int dlt, const uint8_t *b, size_t n,
                           struct frag_table *ft, struct pkt *p)
{
	return decode_packet(dlt, b, (uint32_t)n, 1000000, ft, p);
}

START_TEST(test_good_frames)
{
	const struct gcase *c = &good[_i];
	struct fb f;
	struct pkt p;
	memset(&f, 0, sizeof f);
	c->build(&f);
	ck_assert_msg(f.pl_len > 0, "%s: no payload marked", c->name);

	struct tu_guard g = tu_guard_copy(f.b, f.n);
	memset(&p, 0, sizeof p);
	p.frame = 77;
	p.ts_us = 5;
	enum decode_err e = dec(c->dlt, g.data, f.n, NULL, &p);
	ck_assert_msg(e == DEC_OK, "%s: %s at %s", c->name, decode_err_str(e),
	              decode_layer_str(p.layer));
	ck_assert_msg(tuple_is(&p, c), "%s: wrong tuple", c->name);
	ck_assert_uint_eq(p.frame, 77);
	ck_assert_uint_eq(p.ts_us, 5);
	ck_assert_uint_eq(p.layer, c->l4 == 6 ? DL_TCP : DL_UDP);
	ck_assert_msg(cur_len(&p.payload) == f.pl_len &&
	              cur_ptr(&p.payload) == g.data + f.pl_off,
	              "%s: payload %zu bytes, want %zu", c->name,
	              cur_len(&p.payload), f.pl_len);
	ck_assert(!p.reassembled);
	ck_assert(p.has_mac == c->mac);
	if (c->mac) {
		const uint8_t *d = c->inner_mac ? (const uint8_t *)"\x2a\x0b\x0c\x0d\x0e\x0f" : MAC_D;
		const uint8_t *s = c->inner_mac ? (const uint8_t *)"\x1a\x1b\x1c\x1d\x1e\x1f" : MAC_S;
		ck_assert_msg(memcmp(p.mac_dst, d, 6) == 0 && memcmp(p.mac_src, s, 6) == 0,
		              "%s: MACs", c->name);
	}
	if (c->l4 == 6) {
		ck_assert_uint_eq(p.seq, 0x01020304);
		ck_assert_uint_eq(p.ack, 0x0a0b0c0d);
	}
	tu_guard_free(&g);

	/* every prefix */
	for (size_t n = 0; n < f.n; n++) {
		g = tu_guard_copy(f.b, n);
		e = dec(c->dlt, g.data, n, NULL, &p);
		if (n < f.pl_off) {
			if (c->heur)
				ck_assert_msg(e != DEC_OK || !tuple_is(&p, c),
				              "%s: prefix %zu decoded as inner", c->name, n);
			else
				ck_assert_msg(e == DEC_TRUNCATED, "%s: prefix %zu: %s at %s",
				              c->name, n, decode_err_str(e),
				              decode_layer_str(p.layer));
		} else {
			size_t want = n - f.pl_off < f.pl_len ? n - f.pl_off : f.pl_len;
			ck_assert_msg(e == DEC_OK && tuple_is(&p, c) &&
			              cur_len(&p.payload) == want,
			              "%s: prefix %zu: %s", c->name, n, decode_err_str(e));
		}
		tu_guard_free(&g);
	}
}
END_TEST

/* ---- bad frames --------------------------------------------------------- */

static void x_ip_version(struct fb *f)
{
	eth(f, 0x0800);
	in6_udp(f, "2001:db8::1", "2001:db8::2");
}

static void x_ihl(struct fb *f)
{
	eth(f, 0x0800);
	in4_tcp(f, "10.0.0.1", "10.0.0.2");
	f->b[14] = 0x44;
}

static void x_totlen_small(struct fb *f)
{
	eth(f, 0x0800);
	in4_tcp(f, "10.0.0.1", "10.0.0.2");
	set16(f, 14 + 2, 16);
}

static void x_tcp_off(struct fb *f)
{
	eth(f, 0x0800);
	in4_tcp(f, "10.0.0.1", "10.0.0.2");
	f->b[14 + 20 + 12] = 0x40;
}

/* TCP data offset beyond the IP total length, whole frame captured */
static void x_tcp_off_lies(struct fb *f)
{
	eth(f, 0x0800);
	size_t ip = ip4_open(f, 6, "10.0.0.1", "10.0.0.2");
	tcp(f, 1, 2, 0, 0);
	ip4_close(f, ip);
	f->b[14 + 20 + 12] = 0xf0;
}

static void x_udp_len_small(struct fb *f)
{
	eth(f, 0x0800);
	in4_udp(f, "10.0.0.1", "10.0.0.2");
	set16(f, 14 + 20 + 4, 7);
}

static void x_udp_len_big(struct fb *f)
{
	eth(f, 0x0800);
	in4_udp(f, "10.0.0.1", "10.0.0.2");
	set16(f, 14 + 20 + 4, 200);
}

/* inner IPv4 claims more than the outer IPv4 carries */
static void x_inner_lies(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 4, "198.51.100.1", "198.51.100.2");
	in4_tcp(f, "10.0.0.1", "10.0.0.2");
	ip4_close(f, o);
	set16(f, 14 + 20 + 2, 1000);
	ip4_sum(f, 14 + 20);
}

static void x_ip6_plen_lies(struct fb *f)
{
	eth(f, 0x86dd);
	size_t o = ip6_open(f, 41, "2001:db8::1", "2001:db8::2");
	in6_tcp(f, "2001:db8::3", "2001:db8::4");
	ip6_close(f, o);
	set16(f, 14 + 40 + 4, 1000);
}

static void x_arp(struct fb *f)
{
	eth(f, 0x0806);
	putz(f, 28);
}

static void x_icmp(struct fb *f)
{
	eth(f, 0x0800);
	size_t ip = ip4_open(f, 1, "10.0.0.1", "10.0.0.2");
	put32(f, 0x08000000);
	put32(f, 0);
	ip4_close(f, ip);
}

static void x_icmp6(struct fb *f)
{
	eth(f, 0x86dd);
	size_t ip = ip6_open(f, 58, "2001:db8::1", "2001:db8::2");
	put32(f, 0x80000000);
	put32(f, 0);
	ip6_close(f, ip);
}

static void x_esp(struct fb *f)
{
	eth(f, 0x86dd);
	size_t ip = ip6_open(f, 0, "2001:db8::1", "2001:db8::2");
	put8(f, 50); put8(f, 0); putz(f, 6); /* hop-by-hop, then ESP */
	put32(f, 0x1000);
	put32(f, 1);
	ip6_close(f, ip);
}

static void x_no_next(struct fb *f)
{
	eth(f, 0x86dd);
	size_t ip = ip6_open(f, 59, "2001:db8::1", "2001:db8::2");
	ip6_close(f, ip);
}

static void x_gre_routing(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 47, "198.51.100.1", "198.51.100.2");
	put16(f, 0x4000);
	put16(f, 0x0800);
	put32(f, 0);
	in4_tcp(f, "10.0.0.1", "10.0.0.2");
	ip4_close(f, o);
}

static void x_too_many_tags(struct fb *f)
{
	eth(f, 0x8100);
	for (int i = 0; i < SW_DECODE_DEPTH_MAX; i++)
		vlan(f, (unsigned)i, 0x8100);
	vlan(f, 99, 0x0800);
	in4_tcp(f, "10.0.0.1", "10.0.0.2");
}

static void x_ip6_ext_chain(struct fb *f)
{
	eth(f, 0x86dd);
	size_t o = ip6_open(f, 60, "2001:db8::1", "2001:db8::2");
	for (int i = 0; i < SW_IP6_EXT_MAX + 1; i++) {
		put8(f, i == SW_IP6_EXT_MAX ? 6 : 60);
		put8(f, 0);
		putz(f, 6);
	}
	tcp(f, 1, 2, 0, 0);
	ip6_close(f, o);
}

static void x_ip6_ext_cut_lies(struct fb *f)
{
	eth(f, 0x86dd);
	size_t o = ip6_open(f, 60, "2001:db8::1", "2001:db8::2");
	put8(f, 6);
	put8(f, 10); /* 88 bytes, more than the payload length */
	putz(f, 6);
	ip6_close(f, o);
}

static void x_pppoe_ver(struct fb *f)
{
	eth(f, 0x8864);
	size_t l = pppoe_open(f);
	put16(f, 0x0021);
	in4_tcp(f, "10.0.0.1", "10.0.0.2");
	pppoe_close(f, l);
	f->b[14] = 0x21;
}

static void x_pppoe_lcp(struct fb *f)
{
	eth(f, 0x8864);
	size_t l = pppoe_open(f);
	put16(f, 0xc021);
	putz(f, 8);
	pppoe_close(f, l);
}

static void x_v6_on_ipv4_dlt(struct fb *f)
{
	in6_udp(f, "2001:db8::1", "2001:db8::2");
}

static void x_raw_nibble(struct fb *f)
{
	put8(f, 0x50);
	putz(f, 40);
}

static void x_null_osi(struct fb *f)
{
	put32(f, 7);
	putz(f, 40);
}

static void x_nflog_nopayload(struct fb *f)
{
	put8(f, 2);
	put8(f, 0);
	put16(f, 1);
	put16le(f, 8);
	put16le(f, 1);
	putz(f, 4);
}

static void x_nflog_tlv_short(struct fb *f)
{
	put8(f, 2);
	put8(f, 0);
	put16(f, 1);
	put16le(f, 2); /* TLV shorter than its own header */
	put16le(f, 1);
	putz(f, 4);
}

static void x_erspan_ver(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 47, "198.51.100.1", "198.51.100.2");
	gre(f, 0x1000, 0x88be);
	put32(f, 0x30000000); /* version 3 on 0x88be */
	put32(f, 0);
	eth_in(f, 0x0800);
	in4_tcp(f, "10.0.0.1", "10.0.0.2");
	ip4_close(f, o);
}

static void x_lying_fragment_v6_jumbo(struct fb *f)
{
	eth(f, 0x86dd);
	size_t o = ip6_open(f, 44, "2001:db8::1", "2001:db8::2");
	put8(f, 17); put8(f, 0); put16(f, 1); put32(f, 7);
	putz(f, 16);
	ip6_close(f, o);
	set16(f, 14 + 4, 0);
}

struct bcase {
	const char *name;
	int dlt;
	void (*build)(struct fb *f);
	enum decode_err want;
	enum decode_layer layer;
};

static const struct bcase bad[] = {
	{ "ip version 6 under 0x0800", 1, x_ip_version, DEC_MALFORMED, DL_IP4 },
	{ "ihl 4", 1, x_ihl, DEC_MALFORMED, DL_IP4 },
	{ "total length < header", 1, x_totlen_small, DEC_MALFORMED, DL_IP4 },
	{ "tcp offset 4", 1, x_tcp_off, DEC_MALFORMED, DL_TCP },
	{ "tcp offset beyond ip", 1, x_tcp_off_lies, DEC_MALFORMED, DL_TCP },
	{ "udp length 7", 1, x_udp_len_small, DEC_MALFORMED, DL_UDP },
	{ "udp length beyond ip", 1, x_udp_len_big, DEC_MALFORMED, DL_UDP },
	{ "inner ip beyond outer", 1, x_inner_lies, DEC_MALFORMED, DL_IP4 },
	{ "inner ip6 beyond outer", 1, x_ip6_plen_lies, DEC_MALFORMED, DL_IP6 },
	{ "ext header beyond payload length", 1, x_ip6_ext_cut_lies, DEC_MALFORMED, DL_IP6 },
	{ "arp", 1, x_arp, DEC_NOT_L4, DL_LINK },
	{ "icmp", 1, x_icmp, DEC_NOT_L4, DL_IP4 },
	{ "icmpv6", 1, x_icmp6, DEC_NOT_L4, DL_IP6 },
	{ "esp after hop-by-hop", 1, x_esp, DEC_NOT_L4, DL_IP6 },
	{ "no next header", 1, x_no_next, DEC_NOT_L4, DL_IP6 },
	{ "gre source routing", 1, x_gre_routing, DEC_UNSUPPORTED, DL_GRE },
	{ "too many vlan tags", 1, x_too_many_tags, DEC_TOO_DEEP, DL_VLAN },
	{ "ip6 extension chain too long", 1, x_ip6_ext_chain, DEC_TOO_DEEP, DL_IP6 },
	{ "pppoe version", 1, x_pppoe_ver, DEC_MALFORMED, DL_PPPOE },
	{ "pppoe lcp", 1, x_pppoe_lcp, DEC_NOT_L4, DL_PPP },
	{ "ipv6 on DLT_IPV4", 228, x_v6_on_ipv4_dlt, DEC_MALFORMED, DL_IP4 },
	{ "raw nibble 5", 101, x_raw_nibble, DEC_MALFORMED, DL_LINK },
	{ "null osi", 0, x_null_osi, DEC_NOT_L4, DL_LINK },
	{ "nflog without payload", 239, x_nflog_nopayload, DEC_TRUNCATED, DL_LINK },
	{ "nflog tlv length 2", 239, x_nflog_tlv_short, DEC_MALFORMED, DL_LINK },
	{ "erspan II bad version", 1, x_erspan_ver, DEC_MALFORMED, DL_GRE },
	{ "ip6 fragment in jumbogram", 1, x_lying_fragment_v6_jumbo, DEC_MALFORMED, DL_FRAG },
	{ "unknown dlt", 147, b_raw4, DEC_UNSUPPORTED, DL_LINK },
};

START_TEST(test_bad_frames)
{
	const struct bcase *c = &bad[_i];
	struct fb f;
	struct pkt p;
	memset(&f, 0, sizeof f);
	c->build(&f);
	struct frag_table *ft = frag_new();
	ck_assert_ptr_nonnull(ft);
	struct tu_guard g = tu_guard_copy(f.b, f.n);
	enum decode_err e = dec(c->dlt, g.data, f.n, ft, &p);
	ck_assert_msg(e == c->want && p.layer == c->layer,
	              "%s: %s at %s, want %s at %s", c->name, decode_err_str(e),
	              decode_layer_str(p.layer), decode_err_str(c->want),
	              decode_layer_str(c->layer));
	tu_guard_free(&g);
	/* prefixes: never OK, never a crash */
	for (size_t n = 0; n < f.n; n++) {
		g = tu_guard_copy(f.b, n);
		(void)dec(c->dlt, g.data, n, ft, &p);
		tu_guard_free(&g);
	}
	frag_free(ft);
}
END_TEST

/* Outcomes where the frame is fine but a tunnel header is not: the outer
 * UDP datagram is what is reported. */
static void y_vxlan_flags(struct fb *f)
{
	vxlan_frame(f, 4789);
	f->b[14 + 20 + 8] = 0x00;
}

static void y_vxlan_heur_badsum(struct fb *f)
{
	vxlan_frame(f, 40000);
	f->b[14 + 20 + 8 + 8 + 14 + 10] ^= 0xff; /* inner checksum */
}

static void y_gtp_echo(struct fb *f)
{
	eth(f, 0x0800);
	size_t o = ip4_open(f, 17, "10.0.0.1", "10.0.0.2");
	size_t u = udp_open(f, 2152, 2152);
	put8(f, 0x32);
	put8(f, 1); /* echo request */
	put16(f, 4);
	put32(f, 0);
	put32(f, 0x00010000);
	fb_payload(f, "");
	udp_close(f, u);
	ip4_close(f, o);
}

static void y_teredo_len(struct fb *f)
{
	teredo_frame(f, false, false);
	set16(f, 14 + 20 + 8 + 4, 5); /* inner payload length wrong */
}

static void y_dns_vxlan_lookalike(struct fb *f)
{
	/* a DNS query whose first 8 bytes pass the VXLAN header check, on
	 * high ports: the inner "Ethernet" carries no plausible IP */
	eth(f, 0x0800);
	size_t o = ip4_open(f, 17, "10.0.0.1", "10.0.0.2");
	size_t u = udp_open(f, 40000, 40001);
	put16(f, 0x0800);
	put16(f, 0x0000);
	put16(f, 1);
	put16(f, 0);
	put16(f, 0);
	put16(f, 0);
	/* qname: "example", then a label of 8 bytes that puts 0x0800 where
	 * the inner EtherType would be and 0x45 where an IPv4 header starts */
	putn(f, "\x07" "example", 8);
	putn(f, "\x08\x00\x45\x00\x00\x20\x00\x00\x00", 9);
	putn(f, "\x03" "com\x00\x00\x01\x00\x01", 9);
	putz(f, 24);
	udp_close(f, u);
	ip4_close(f, o);
}

struct ycase {
	const char *name;
	void (*build)(struct fb *f);
	uint16_t sport, dport;
};

static const struct ycase plain_udp[] = {
	{ "vxlan without I flag", y_vxlan_flags, 51000, 4789 },
	{ "vxlan heuristic bad inner checksum", y_vxlan_heur_badsum, 51000, 40000 },
	{ "gtp echo", y_gtp_echo, 2152, 2152 },
	{ "teredo length mismatch", y_teredo_len, 51413, 3544 },
	{ "dns looking like vxlan", y_dns_vxlan_lookalike, 40000, 40001 },
};

START_TEST(test_plain_udp)
{
	const struct ycase *c = &plain_udp[_i];
	struct fb f;
	struct pkt p;
	memset(&f, 0, sizeof f);
	c->build(&f);
	struct tu_guard g = tu_guard_copy(f.b, f.n);
	enum decode_err e = dec(1, g.data, f.n, NULL, &p);
	ck_assert_msg(e == DEC_OK && p.l4 == 17 && p.sport == c->sport &&
	              p.dport == c->dport && p.depth == 2 &&
	              cur_len(&p.payload) == f.n - 14 - 20 - 8,
	              "%s: %s", c->name, decode_err_str(e));
	tu_guard_free(&g);
}
END_TEST

/* The snaplen cuts the payload: DEC_OK with what was captured; the same
 * length field lying about a frame that was captured whole: malformed. */
START_TEST(test_snaplen_vs_lie)
{
	struct fb f;
	struct pkt p;
	memset(&f, 0, sizeof f);
	eth(&f, 0x0800);
	size_t o = ip4_open(&f, 17, "10.0.0.1", "10.0.0.2");
	size_t u = udp_open(&f, 1000, 53);
	fb_payload(&f, "0123456789abcdefghijklmnopqrstuvwxyz");
	udp_close(&f, u);
	ip4_close(&f, o);

	/* captured 10 bytes into the payload */
	struct tu_guard g = tu_guard_copy(f.b, f.pl_off + 10);
	ck_assert_int_eq(dec(1, g.data, f.pl_off + 10, NULL, &p), DEC_OK);
	ck_assert_uint_eq(cur_len(&p.payload), 10);
	tu_guard_free(&g);

	/* UDP length shorter than the IP payload: bounded by it */
	set16(&f, u + 4, 8 + 4);
	g = tu_guard_copy(f.b, f.n);
	ck_assert_int_eq(dec(1, g.data, f.n, NULL, &p), DEC_OK);
	ck_assert_uint_eq(cur_len(&p.payload), 4);
	tu_guard_free(&g);

	/* cut inside the UDP header although IP says it is there */
	g = tu_guard_copy(f.b, u + 5);
	ck_assert_int_eq(dec(1, g.data, u + 5, NULL, &p), DEC_TRUNCATED);
	ck_assert_uint_eq(p.layer, DL_UDP);
	tu_guard_free(&g);

	/* IP total length 0 (segmentation offload): the captured length */
	set16(&f, u + 4, (unsigned)(f.n - u));
	set16(&f, o + 2, 0);
	ip4_sum(&f, o);
	g = tu_guard_copy(f.b, f.n);
	ck_assert_int_eq(dec(1, g.data, f.n, NULL, &p), DEC_OK);
	ck_assert_uint_eq(cur_len(&p.payload), f.pl_len);
	tu_guard_free(&g);
}
END_TEST

/* ---- fragments ---------------------------------------------------------- */

/* The IPv4 datagram cut into pieces: UDP header + payload of plen bytes. */
struct dgram {
	uint8_t l4[2048]; /* UDP header + payload */
	size_t n;
};

static void dgram_make(struct dgram *d, size_t plen, unsigned seed)
{
	d->n = 8 + plen;
	d->l4[0] = 0x9c; d->l4[1] = 0x40; /* 40000 */
	d->l4[2] = 0; d->l4[3] = 53;
	d->l4[4] = (uint8_t)(d->n >> 8); d->l4[5] = (uint8_t)d->n;
	d->l4[6] = 0; d->l4[7] = 0;
	for (size_t i = 0; i < plen; i++)
		d->l4[8 + i] = (uint8_t)(i * 7 + seed);
}

/* One Ethernet/IPv4 fragment [off, off+len) of d. */
static void frag4(struct fb *f, const struct dgram *d, size_t off, size_t len,
                  bool more, unsigned id, const char *src)
{
	memset(f, 0, sizeof(*f));
	eth(f, 0x0800);
	size_t ip = ip4_open_opt(f, 17, src, "192.0.2.53", 0,
	                         (unsigned)(off / 8) | (more ? 0x2000u : 0u), id);
	putn(f, d->l4 + off, len);
	ip4_close(f, ip);
}

/* One Ethernet/IPv6 fragment, with a destination-options header in the
 * fragmentable part of the first piece's data (it is part of d). */
static void frag6(struct fb *f, const uint8_t *data, size_t off, size_t len,
                  bool more, uint32_t id, unsigned nh)
{
	memset(f, 0, sizeof(*f));
	eth(f, 0x86dd);
	size_t ip = ip6_open(f, 0, "2001:db8::1", "2001:db8::2");
	put8(f, 44); put8(f, 0); put8(f, 1); put8(f, 4); putz(f, 4); /* HBH */
	put8(f, nh);
	put8(f, 0);
	put16(f, (unsigned)off | (more ? 1u : 0u));
	put32(f, id);
	putn(f, data + off, len);
	ip6_close(f, ip);
}

static enum decode_err feed(struct frag_table *ft, const struct fb *f,
                            uint64_t ts, struct pkt *p)
{
	/* copy to a buffer that outlives the call: a completed payload views
	 * the table, never this frame */
	static uint8_t keep[8192];
	memcpy(keep, f->b, f->n);
	return decode_packet(1, keep, (uint32_t)f->n, ts, ft, p);
}

static void check_dgram(const struct pkt *p, const struct dgram *d)
{
	ck_assert(p->reassembled);
	ck_assert_uint_eq(p->l4, 17);
	ck_assert_uint_eq(p->sport, 40000);
	ck_assert_uint_eq(p->dport, 53);
	ck_assert_uint_eq(cur_len(&p->payload), d->n - 8);
	ck_assert_mem_eq(cur_ptr(&p->payload), d->l4 + 8, d->n - 8);
}

START_TEST(test_frag_in_order)
{
	struct frag_table *ft = frag_new();
	struct dgram d;
	struct fb f;
	struct pkt p;
	dgram_make(&d, 1000, 1);
	frag4(&f, &d, 0, 400, true, 1, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 1, &p), DEC_FRAG_HELD);
	ck_assert_uint_eq(p.layer, DL_FRAG);
	frag4(&f, &d, 400, 400, true, 1, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 2, &p), DEC_FRAG_HELD);
	frag4(&f, &d, 800, d.n - 800, false, 1, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 3, &p), DEC_OK);
	check_dgram(&p, &d);
	ck_assert(addr_is(&p.src, "192.0.2.1"));
	struct frag_stats st;
	frag_get_stats(ft, &st);
	ck_assert_uint_eq(st.held, 3);
	ck_assert_uint_eq(st.completed, 1);
	ck_assert_uint_eq(st.overlaps, 0);
	frag_free(ft);
}
END_TEST

START_TEST(test_frag_reset)
{
	struct frag_table *ft = frag_new();
	struct dgram d;
	struct fb f;
	struct pkt p;
	struct frag_stats st;
	dgram_make(&d, 800, 10);
	frag4(&f, &d, 0, 400, true, 30, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 1, &p), DEC_FRAG_HELD);
	frag_reset(ft);
	frag4(&f, &d, 400, d.n - 400, false, 30, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 2, &p), DEC_FRAG_HELD);
	frag_get_stats(ft, &st);
	ck_assert_uint_eq(st.held, 2);
	ck_assert_uint_eq(st.completed, 0);
	frag_reset(NULL);
	frag_free(NULL);
	frag_free(ft);
}
END_TEST

START_TEST(test_frag_out_of_order)
{
	struct frag_table *ft = frag_new();
	struct dgram d, d2;
	struct fb f;
	struct pkt p;
	dgram_make(&d, 1000, 2);
	dgram_make(&d2, 600, 3);
	frag4(&f, &d, 800, d.n - 800, false, 9, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 1, &p), DEC_FRAG_HELD);
	/* another datagram, same addresses, other id, interleaved */
	frag4(&f, &d2, 0, 304, true, 10, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 1, &p), DEC_FRAG_HELD);
	frag4(&f, &d, 0, 400, true, 9, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 2, &p), DEC_FRAG_HELD);
	frag4(&f, &d, 400, 400, true, 9, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 3, &p), DEC_OK);
	check_dgram(&p, &d);
	frag4(&f, &d2, 304, d2.n - 304, false, 10, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 4, &p), DEC_OK);
	check_dgram(&p, &d2);
	frag_free(ft);
}
END_TEST

START_TEST(test_frag_overlap)
{
	struct frag_table *ft = frag_new();
	struct dgram d;
	struct fb f;
	struct pkt p;
	struct frag_stats st;
	dgram_make(&d, 1000, 4);
	frag4(&f, &d, 0, 400, true, 5, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 1, &p), DEC_FRAG_HELD);
	frag4(&f, &d, 392, 400, true, 5, "192.0.2.1"); /* 8 bytes over */
	ck_assert_int_eq(feed(ft, &f, 2, &p), DEC_FRAG_DROP);
	/* the rest of that datagram is refused too */
	frag4(&f, &d, 800, d.n - 800, false, 5, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 3, &p), DEC_FRAG_DROP);
	frag4(&f, &d, 400, 400, true, 5, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 3, &p), DEC_FRAG_DROP);
	frag_get_stats(ft, &st);
	ck_assert_uint_eq(st.overlaps, 1);
	ck_assert_uint_eq(st.completed, 0);

	/* a repeat with other bytes at the same place is an overlap too */
	frag4(&f, &d, 0, 400, true, 6, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 4, &p), DEC_FRAG_HELD);
	f.b[14 + 20 + 100] ^= 1;
	ck_assert_int_eq(feed(ft, &f, 4, &p), DEC_FRAG_DROP);
	frag_get_stats(ft, &st);
	ck_assert_uint_eq(st.overlaps, 2);

	/* a last piece that ends before a held one: refused */
	frag4(&f, &d, 400, 400, true, 7, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 5, &p), DEC_FRAG_HELD);
	frag4(&f, &d, 8, 392, false, 7, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 5, &p), DEC_FRAG_DROP);
	frag_get_stats(ft, &st);
	ck_assert_uint_eq(st.limits, 1);
	frag_free(ft);
}
END_TEST

START_TEST(test_frag_duplicate)
{
	struct frag_table *ft = frag_new();
	struct dgram d;
	struct fb f;
	struct pkt p;
	struct frag_stats st;
	dgram_make(&d, 800, 5);
	frag4(&f, &d, 0, 400, true, 8, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 1, &p), DEC_FRAG_HELD);
	ck_assert_int_eq(feed(ft, &f, 1, &p), DEC_FRAG_HELD);
	frag4(&f, &d, 400, d.n - 400, false, 8, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 2, &p), DEC_OK);
	check_dgram(&p, &d);
	frag_get_stats(ft, &st);
	ck_assert_uint_eq(st.duplicates, 1);
	ck_assert_uint_eq(st.overlaps, 0);
	frag_free(ft);
}
END_TEST

START_TEST(test_frag_timeout)
{
	struct frag_table *ft = frag_new();
	struct dgram d;
	struct fb f;
	struct pkt p;
	struct frag_stats st;
	const uint64_t s = 1000000;
	dgram_make(&d, 800, 6);
	frag4(&f, &d, 0, 400, true, 11, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 100 * s, &p), DEC_FRAG_HELD);
	/* within the timeout: completes */
	frag4(&f, &d, 400, d.n - 400, false, 11, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, (100 + SW_FRAG_TIMEOUT_S) * s, &p), DEC_OK);
	/* after it: the first piece is gone */
	frag4(&f, &d, 0, 400, true, 12, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 200 * s, &p), DEC_FRAG_HELD);
	frag4(&f, &d, 400, d.n - 400, false, 12, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, (201 + SW_FRAG_TIMEOUT_S) * s, &p), DEC_FRAG_HELD);
	frag_get_stats(ft, &st);
	ck_assert_uint_eq(st.timeouts, 1);
	ck_assert_uint_eq(st.completed, 1);
	frag_free(ft);
}
END_TEST

START_TEST(test_frag_slots)
{
	struct frag_table *ft = frag_new();
	struct dgram d;
	struct fb f;
	struct pkt p;
	struct frag_stats st;
	dgram_make(&d, 800, 7);
	for (unsigned i = 0; i <= SW_FRAG_SLOTS; i++) {
		frag4(&f, &d, 0, 400, true, 100 + i, "192.0.2.1");
		ck_assert_int_eq(feed(ft, &f, 1000 + i, &p), DEC_FRAG_HELD);
	}
	frag_get_stats(ft, &st);
	ck_assert_uint_eq(st.no_slot, 1);
	/* the oldest (id 100) was evicted, the newest completes */
	frag4(&f, &d, 400, d.n - 400, false, 100, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 2000, &p), DEC_FRAG_HELD);
	frag4(&f, &d, 400, d.n - 400, false, 100 + SW_FRAG_SLOTS, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 2001, &p), DEC_OK);
	check_dgram(&p, &d);

	/* too many pieces for one datagram */
	for (unsigned i = 0; i < SW_FRAG_PIECES; i++) {
		frag4(&f, &d, i * 8, 8, true, 999, "192.0.2.9");
		ck_assert_int_eq(feed(ft, &f, 3000, &p), DEC_FRAG_HELD);
	}
	frag4(&f, &d, SW_FRAG_PIECES * 8, 8, true, 999, "192.0.2.9");
	ck_assert_int_eq(feed(ft, &f, 3000, &p), DEC_FRAG_DROP);
	frag_get_stats(ft, &st);
	ck_assert_uint_eq(st.limits, 1);
	frag_free(ft);
}
END_TEST

START_TEST(test_frag_malformed)
{
	struct frag_table *ft = frag_new();
	struct dgram d;
	struct fb f;
	struct pkt p;
	dgram_make(&d, 800, 8);
	/* a middle piece not a multiple of 8 */
	frag4(&f, &d, 0, 401, true, 20, "192.0.2.1");
	ck_assert_int_eq(feed(ft, &f, 1, &p), DEC_MALFORMED);
	/* beyond 65535 */
	frag4(&f, &d, 0, 400, false, 21, "192.0.2.1");
	set16(&f, 14 + 6, 8189);
	ip4_sum(&f, 14);
	ck_assert_int_eq(feed(ft, &f, 1, &p), DEC_MALFORMED);
	/* cut by the snaplen: not stored */
	frag4(&f, &d, 0, 400, true, 22, "192.0.2.1");
	f.n -= 10;
	ck_assert_int_eq(feed(ft, &f, 1, &p), DEC_TRUNCATED);
	/* no table */
	frag4(&f, &d, 0, 400, true, 23, "192.0.2.1");
	ck_assert_int_eq(feed(NULL, &f, 1, &p), DEC_FRAG_DROP);
	struct frag_stats st;
	frag_get_stats(ft, &st);
	ck_assert_uint_eq(st.held, 0);
	frag_free(ft);
}
END_TEST

START_TEST(test_frag_ipv6)
{
	struct frag_table *ft = frag_new();
	struct fb f;
	struct pkt p;
	/* fragmentable part: destination options, then UDP */
	uint8_t data[1200];
	size_t n = 0;
	data[n++] = 17;
	data[n++] = 0;
	memset(data + n, 0, 6);
	n += 6;
	size_t u = n;
	data[n++] = 0x9c; data[n++] = 0x40;
	data[n++] = 0; data[n++] = 53;
	data[n++] = 0; data[n++] = 0;
	data[n++] = 0; data[n++] = 0;
	while (n < sizeof data) {
		data[n] = (uint8_t)(n * 13);
		n++;
	}
	data[u + 4] = (uint8_t)((n - u) >> 8);
	data[u + 5] = (uint8_t)(n - u);

	frag6(&f, data, 504, n - 504, false, 0xabcdef, 60);
	ck_assert_int_eq(feed(ft, &f, 1, &p), DEC_FRAG_HELD);
	frag6(&f, data, 0, 504, true, 0xabcdef, 60);
	ck_assert_int_eq(feed(ft, &f, 2, &p), DEC_OK);
	ck_assert(p.reassembled);
	ck_assert_uint_eq(p.sport, 40000);
	ck_assert_uint_eq(p.dport, 53);
	ck_assert(addr_is(&p.dst, "2001:db8::2"));
	ck_assert_uint_eq(cur_len(&p.payload), n - u - 8);
	ck_assert_mem_eq(cur_ptr(&p.payload), data + u + 8, n - u - 8);

	/* overlap in IPv6 */
	frag6(&f, data, 0, 504, true, 0x77, 60);
	ck_assert_int_eq(feed(ft, &f, 3, &p), DEC_FRAG_HELD);
	frag6(&f, data, 496, n - 496, false, 0x77, 60);
	ck_assert_int_eq(feed(ft, &f, 3, &p), DEC_FRAG_DROP);
	frag_free(ft);
}
END_TEST

/* Outer fragments carrying a tunnel whose inner packet is fragmented too
 * (zeek's gtp2_different_udp_port.pcap has the outer half). */
START_TEST(test_frag_nested)
{
	struct frag_table *ft = frag_new();
	struct fb inner1, inner2, outer;
	struct pkt p;
	struct dgram d;
	dgram_make(&d, 700, 9);

	/* inner fragments: raw IPv4 pieces of d, carried in GTP-U */
	static const size_t cut = 400;
	for (int half = 0; half < 2; half++) {
		struct fb *in = half ? &inner2 : &inner1;
		memset(in, 0, sizeof(*in));
		size_t ip = ip4_open_opt(in, 17, "10.131.17.170", "173.199.115.168", 0,
		                         half ? (unsigned)(cut / 8) : 0x2000u, 0x3531);
		if (half)
			putn(in, d.l4 + cut, d.n - cut);
		else
			putn(in, d.l4, cut);
		ip4_close(in, ip);
	}
	/* outer datagram for the first inner piece: IPv4/UDP/GTP/inner1 */
	struct fb whole;
	memset(&whole, 0, sizeof whole);
	size_t u = udp_open(&whole, 2152, 2152);
	size_t g = gtp_open(&whole, 0x30);
	putn(&whole, inner1.b, inner1.n);
	gtp_close(&whole, g);
	udp_close(&whole, u);
	/* split the outer UDP datagram in two outer fragments */
	struct dgram od;
	memcpy(od.l4, whole.b, whole.n);
	od.n = whole.n;
	for (int half = 0; half < 2; half++) {
		memset(&outer, 0, sizeof outer);
		eth(&outer, 0x0800);
		size_t ip = ip4_open_opt(&outer, 17, "207.233.125.40", "167.55.105.244", 0,
		                         half ? 200u / 8 : 0x2000u, 0x6103);
		if (half)
			putn(&outer, od.l4 + 200, od.n - 200);
		else
			putn(&outer, od.l4, 200);
		ip4_close(&outer, ip);
		ck_assert_int_eq(feed(ft, &outer, 10, &p), DEC_FRAG_HELD);
		/* the second outer piece completes the outer datagram, whose
		 * inner packet is itself the first inner fragment: held */
	}
	/* second inner piece, not fragmented outside */
	memset(&outer, 0, sizeof outer);
	eth(&outer, 0x0800);
	size_t ip = ip4_open(&outer, 17, "207.233.125.40", "167.55.105.244");
	u = udp_open(&outer, 2152, 2152);
	g = gtp_open(&outer, 0x30);
	putn(&outer, inner2.b, inner2.n);
	gtp_close(&outer, g);
	udp_close(&outer, u);
	ip4_close(&outer, ip);
	ck_assert_int_eq(feed(ft, &outer, 11, &p), DEC_OK);
	check_dgram(&p, &d);
	ck_assert(addr_is(&p.src, "10.131.17.170"));
	struct frag_stats st;
	frag_get_stats(ft, &st);
	ck_assert_uint_eq(st.completed, 2);
	frag_free(ft);
}
END_TEST

/* ---- small helpers ------------------------------------------------------ */

START_TEST(test_strings)
{
	char buf[64];
	struct sw_addr a = { 4, { 192, 0, 2, 1 } };
	ck_assert_str_eq(sw_addr_str(&a, buf, sizeof buf), "192.0.2.1");
	struct sw_addr b = { 6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	ck_assert_str_eq(sw_addr_str(&b, buf, sizeof buf), "2001:db8::1");
	struct sw_addr z = { 0, { 0 } };
	ck_assert_str_eq(sw_addr_str(&z, buf, sizeof buf), "-");
	for (int e = 0; e < DEC_ERR_COUNT; e++)
		ck_assert_str_ne(decode_err_str((enum decode_err)e), "?");
	ck_assert_str_eq(decode_err_str(DEC_ERR_COUNT), "?");
	for (int l = 0; l < DL_COUNT; l++)
		ck_assert_str_ne(decode_layer_str((enum decode_layer)l), "?");
	static const int dlts[] = { 0, 1, 9, 12, 14, 50, 101, 104, 108, 113, 228, 229, 239, 276 };
	for (size_t i = 0; i < sizeof dlts / sizeof dlts[0]; i++)
		ck_assert(decode_dlt_supported(dlts[i]));
	ck_assert(!decode_dlt_supported(105));
	ck_assert(!decode_dlt_supported(-1));
}
END_TEST

/* ---- the shared captures ------------------------------------------------ */

#define MAX_TUPLES 40000

struct tuple {
	char file[256];
	char cli[64], srv[64];
	unsigned port;
};

/* Copy a NUL-terminated string that must fit. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);
	ck_assert_uint_lt(n, len);
	memcpy(dst, src, n + 1);
}

static struct tuple tuples[MAX_TUPLES];
static size_t ntuples;

static bool have_tuple(const char *file, const char *cli, const char *srv,
                       unsigned port)
{
	for (size_t i = 0; i < ntuples; i++)
		if (tuples[i].port == port && strcmp(tuples[i].cli, cli) == 0 &&
		    strcmp(tuples[i].srv, srv) == 0 && strcmp(tuples[i].file, file) == 0)
			return true;
	return false;
}

static void add_tuple(const char *file, const struct pkt *p)
{
	char c[64], s[64];
	sw_addr_str(&p->src, c, sizeof c);
	sw_addr_str(&p->dst, s, sizeof s);
	if (have_tuple(file, c, s, p->dport))
		return;
	ck_assert_uint_lt(ntuples, MAX_TUPLES);
	struct tuple *t = &tuples[ntuples++];
	copy_str(t->file, sizeof t->file, file);
	copy_str(t->cli, sizeof t->cli, c);
	copy_str(t->srv, sizeof t->srv, s);
	t->port = p->dport;
}

START_TEST(test_shared_captures)
{
	const char *sh = tu_shared();
	if (!sh) {
		printf("test_decode: ../shared absent: SKIPPED the real-capture test\n");
		return;
	}
	char path[512], line[4096];
	snprintf(path, sizeof path, "%s/pcaps/files.tsv", sh);
	FILE *ff = fopen(path, "r");
	ck_assert_ptr_nonnull(ff);
	struct frag_table *ft = frag_new();
	ck_assert_ptr_nonnull(ft);
	unsigned long all[DEC_ERR_COUNT] = { 0 }, frames = 0;
	unsigned files = 0, link_unsupported = 0;
	bool header = true;

	while (fgets(line, sizeof line, ff)) {
		if (header) {
			header = false;
			continue;
		}
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		char file[256];
		copy_str(file, sizeof file, line);
		snprintf(path, sizeof path, "%s/pcaps/%s", sh, file);
		char err[PCAP_ERRBUF_SIZE];
		pcap_t *pc = pcap_open_offline(path, err);
		ck_assert_msg(pc != NULL, "%s: %s", file, err);
		int dlt = pcap_datalink(pc);
		ck_assert_msg(decode_dlt_supported(dlt), "%s: DLT %d unsupported", file, dlt);
		files++;
		unsigned long cnt[DEC_ERR_COUNT] = { 0 }, n = 0;
		struct pcap_pkthdr *h;
		const u_char *data;
		while (pcap_next_ex(pc, &h, &data) == 1) {
			struct pkt p;
			uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
			memset(&p, 0, sizeof p);
			enum decode_err e = decode_packet(dlt, data, h->caplen, ts, ft, &p);
			cnt[e]++;
			n++;
			if (e == DEC_UNSUPPORTED && p.layer == DL_LINK) {
				link_unsupported++;
				printf("  %s frame %lu: unsupported at the link layer\n", file, n);
			}
			if (e == DEC_OK)
				add_tuple(file, &p);
		}
		pcap_close(pc);
		frames += n;
		bool clean = cnt[DEC_OK] == n;
		for (int k = 0; k < DEC_ERR_COUNT; k++)
			all[k] += cnt[k];
		if (!clean) {
			printf("  %-58s dlt %3d %5lu frames:", file, dlt, n);
			for (int k = 0; k < DEC_ERR_COUNT; k++)
				if (cnt[k])
					printf(" %s=%lu", decode_err_str((enum decode_err)k), cnt[k]);
			printf("\n");
		}
	}
	fclose(ff);

	printf("test_decode: %u captures, %lu frames:", files, frames);
	for (int k = 0; k < DEC_ERR_COUNT; k++)
		if (all[k])
			printf(" %s=%lu", decode_err_str((enum decode_err)k), all[k]);
	struct frag_stats st;
	frag_get_stats(ft, &st);
	printf("; fragments held=%lu completed=%lu timeouts=%lu overlaps=%lu\n",
	       (unsigned long)st.held, (unsigned long)st.completed,
	       (unsigned long)st.timeouts, (unsigned long)st.overlaps);
	frag_free(ft);
	ck_assert_uint_eq(link_unsupported, 0);
	ck_assert_uint_gt(files, 80);

	/* every truth row: client -> server:port among the decoded packets */
	snprintf(path, sizeof path, "%s/pcaps/truth.tsv", sh);
	FILE *tf = fopen(path, "r");
	ck_assert_ptr_nonnull(tf);
	unsigned rows = 0, missing = 0;
	header = true;
	while (fgets(line, sizeof line, tf)) {
		if (header) {
			header = false;
			continue;
		}
		char *col[6];
		char *s = line;
		int k;
		for (k = 0; k < 6 && s; k++) {
			col[k] = s;
			s = strchr(s, '\t');
			if (s)
				*s++ = '\0';
		}
		if (k < 6)
			continue;
		rows++;
		if (!have_tuple(col[0], col[2], col[3], (unsigned)atoi(col[4]))) {
			missing++;
			printf("  truth row not decoded: %s %s %s -> %s:%s\n", col[0],
			       col[1], col[2], col[3], col[4]);
		}
	}
	fclose(tf);
	printf("test_decode: %u truth rows, %u without a decoded packet\n", rows, missing);
	ck_assert_uint_gt(rows, 1000);
	ck_assert_uint_eq(missing, 0);
}
END_TEST

static Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *t = tcase_create("frames");
	tcase_set_timeout(t, 120);
	tcase_add_loop_test(t, test_good_frames, 0, (int)(sizeof good / sizeof good[0]));
	tcase_add_loop_test(t, test_bad_frames, 0, (int)(sizeof bad / sizeof bad[0]));
	tcase_add_loop_test(t, test_plain_udp, 0, (int)(sizeof plain_udp / sizeof plain_udp[0]));
	tcase_add_test(t, test_snaplen_vs_lie);
	tcase_add_test(t, test_strings);
	suite_add_tcase(s, t);

	TCase *fr = tcase_create("fragments");
	tcase_add_test(fr, test_frag_in_order);
	tcase_add_test(fr, test_frag_out_of_order);
	tcase_add_test(fr, test_frag_reset);
	tcase_add_test(fr, test_frag_overlap);
	tcase_add_test(fr, test_frag_duplicate);
	tcase_add_test(fr, test_frag_timeout);
	tcase_add_test(fr, test_frag_slots);
	tcase_add_test(fr, test_frag_malformed);
	tcase_add_test(fr, test_frag_ipv6);
	tcase_add_test(fr, test_frag_nested);
	suite_add_tcase(s, fr);

	TCase *sh = tcase_create("shared");
	tcase_set_timeout(sh, 300);
	tcase_add_test(sh, test_shared_captures);
	suite_add_tcase(s, sh);
	return s;
}

int main(void)
{
	return tu_run(decode_suite());
}
