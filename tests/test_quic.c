/*
 * test_quic.c - dissectors/quic.c and daemon/quic_flow.c.
 *
 * Vectors: RFC 9001 Appendix A (v1 keys, the sample client Initial, header
 * protection) and RFC 9369 Appendix A (the same for v2), copied from the
 * RFCs.  A small protector written here from RFC 9001 5.3-5.4 (EVP
 * AES-128-GCM and AES-128-ECB) rebuilds the RFC packets byte for byte, then
 * makes packets the RFCs do not have: a ClientHello cut into shuffled
 * CRYPTO frames over two Initials with PING and PADDING between them, as
 * Chromium sends it, coalesced packets, a Retry-like change of DCID.
 * Real Initials come from pcaps/quic-chromium.pcap (the project's own) and
 * ../shared/pcaps (skipped with a message when absent).  Every datagram is
 * put against a guard page, and every prefix of a good one is parsed.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <pcap/pcap.h>

#include "daemon/flow.h"
#include "daemon/quic_flow.h"
#include "dissectors/decode.h"
#include "dissectors/quic.h"
#include "dissectors/tls.h"
#include "tests/testutil.h"

/* kind reported by quic_flow_datagram (quic or gquic); unused here */
static enum sw_kind qk_unused;

/* ---- helpers ------------------------------------------------------------ */

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (; *s; s++) {
		int v;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			ck_assert_uint_lt(n, cap);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	ck_assert_int_eq(hi, -1);
	return n;
}

static void ck_hex(const uint8_t *got, const char *want_hex)
{
	uint8_t want[64];
	size_t n = unhex(want_hex, want, sizeof want);
	ck_assert_mem_eq(got, want, n);
}

/* RFC 9001 A.2 (and RFC 9369 A.2): the CRYPTO frame, padded to 1162 bytes */
static const char A2_CRYPTO[] =
	"060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
	"04fe3a47f06a2b69484c000004130113 02010000c000000010000e00000b6578"
	"616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
	"04616c706e0005000501000000000033 00260024001d00209370b2c9caa47fba"
	"baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
	"0d0010000e0403050306030203080408050806002d00020101001c0002400100"
	"3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
	"75300901100f088394c8f03e51570806048000ffff";

/* RFC 9001 A.2: the protected client Initial (1200 bytes) */
static const char RFC9001_A2[] =
	"c000000001088394c8f03e5157080000 449e7b9aec34d1b1c98dd7689fb8ec11"
	"d242b123dc9bd8bab936b47d92ec356c 0bab7df5976d27cd449f63300099f399"
	"1c260ec4c60d17b31f8429157bb35a12 82a643a8d2262cad67500cadb8e7378c"
	"8eb7539ec4d4905fed1bee1fc8aafba1 7c750e2c7ace01e6005f80fcb7df6212"
	"30c83711b39343fa028cea7f7fb5ff89 eac2308249a02252155e2347b63d58c5"
	"457afd84d05dfffdb20392844ae81215 4682e9cf012f9021a6f0be17ddd0c208"
	"4dce25ff9b06cde535d0f920a2db1bf3 62c23e596d11a4f5a6cf3948838a3aec"
	"4e15daf8500a6ef69ec4e3feb6b1d98e 610ac8b7ec3faf6ad760b7bad1db4ba3"
	"485e8a94dc250ae3fdb41ed15fb6a8e5 eba0fc3dd60bc8e30c5c4287e53805db"
	"059ae0648db2f64264ed5e39be2e20d8 2df566da8dd5998ccabdae053060ae6c"
	"7b4378e846d29f37ed7b4ea9ec5d82e7 961b7f25a9323851f681d582363aa5f8"
	"9937f5a67258bf63ad6f1a0b1d96dbd4 faddfcefc5266ba6611722395c906556"
	"be52afe3f565636ad1b17d508b73d874 3eeb524be22b3dcbc2c7468d54119c74"
	"68449a13d8e3b95811a198f3491de3e7 fe942b330407abf82a4ed7c1b311663a"
	"c69890f4157015853d91e923037c227a 33cdd5ec281ca3f79c44546b9d90ca00"
	"f064c99e3dd97911d39fe9c5d0b23a22 9a234cb36186c4819e8b9c5927726632"
	"291d6a418211cc2962e20fe47feb3edf 330f2c603a9d48c0fcb5699dbfe58964"
	"25c5bac4aee82e57a85aaf4e2513e4f0 5796b07ba2ee47d80506f8d2c25e50fd"
	"14de71e6c418559302f939b0e1abd576 f279c4b2e0feb85c1f28ff18f58891ff"
	"ef132eef2fa09346aee33c28eb130ff2 8f5b766953334113211996d20011a198"
	"e3fc433f9f2541010ae17c1bf202580f 6047472fb36857fe843b19f5984009dd"
	"c324044e847a4f4a0ab34f719595de37 252d6235365e9b84392b061085349d73"
	"203a4a13e96f5432ec0fd4a1ee65accd d5e3904df54c1da510b0ff20dcc0c77f"
	"cb2c0e0eb605cb0504db87632cf3d8b4 dae6e705769d1de354270123cb11450e"
	"fc60ac47683d7b8d0f811365565fd98c 4c8eb936bcab8d069fc33bd801b03ade"
	"a2e1fbc5aa463d08ca19896d2bf59a07 1b851e6c239052172f296bfb5e724047"
	"90a2181014f3b94a4e97d117b4381303 68cc39dbb2d198065ae3986547926cd2"
	"162f40a29f0c3c8745c0f50fba3852e5 66d44575c29d39a03f0cda721984b6f4"
	"40591f355e12d439ff150aab7613499d bd49adabc8676eef023b15b65bfc5ca0"
	"6948109f23f350db82123535eb8a7433 bdabcb909271a6ecbcb58b936a88cd4e"
	"8f2e6ff5800175f113253d8fa9ca8885 c2f552e657dc603f252e1a8e308f76f0"
	"be79e2fb8f5d5fbbe2e30ecadd220723 c8c0aea8078cdfcb3868263ff8f09400"
	"54da48781893a7e49ad5aff4af300cd8 04a6b6279ab3ff3afb64491c85194aab"
	"760d58a606654f9f4400e8b38591356f bf6425aca26dc85244259ff2b19c41b9"
	"f96f3ca9ec1dde434da7d2d392b905dd f3d1f9af93d1af5950bd493f5aa731b4"
	"056df31bd267b6b90a079831aaf579be 0a39013137aac6d404f518cfd4684064"
	"7e78bfe706ca4cf5e9c5453e9f7cfd2b 8b4c8d169a44e55c88d4a9a7f9474241"
	"e221af44860018ab0856972e194cd934";

/* RFC 9369 A.2: the protected v2 client Initial (1200 bytes) */
static const char RFC9369_A2[] =
	"d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
	"dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
	"9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
	"250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
	"12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
	"cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
	"18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
	"12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
	"d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
	"6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
	"bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
	"636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
	"ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
	"16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
	"4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
	"fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
	"8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
	"14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
	"9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
	"abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
	"80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
	"848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
	"d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
	"c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
	"7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
	"f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
	"10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
	"3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
	"06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
	"8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
	"34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
	"e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
	"5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
	"8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
	"d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
	"6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
	"9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
	"a18b2faa745b6fe189cf772a9f84cbfc";

#define V1 0x00000001u
#define V2 0x6b3343cfu
#define PAYLOAD_LEN 1162

/* RFC 9001 A / RFC 9369 A: the client's DCID, 0x8394c8f03e515708 */

static const uint8_t dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };
static struct quic_aead *aead;
static uint8_t pt[SW_QUIC_DGRAM_MAX];

/* The A.2 ClientHello (the CRYPTO frame's data, 245 bytes). */
static size_t a2_hello(uint8_t *out)
{
	uint8_t fr[512];
	size_t n = unhex(A2_CRYPTO, fr, sizeof fr);
	ck_assert_uint_eq(n, 4 + 241);
	memcpy(out, fr + 4, n - 4);
	return n - 4;
}

/*
 * Protect a client Initial (RFC 9001 5.3-5.4): header with a 4-byte packet
 * number and a 2-byte Length, AES-128-GCM over payload, then the header
 * protection mask.  Written from the RFC, independently of quic.c; checked
 * against the RFC's own packets below.
 */
static size_t protect(uint32_t version, const uint8_t *cid, size_t cidl,
                      uint32_t pn, const uint8_t *payload, size_t plen, uint8_t *out)
{
	struct quic_keys k;
	ck_assert(quic_initial_keys(version, cid, cidl, &k));
	size_t n = 0;
	out[n++] = version == V2 ? 0xd3 : 0xc3;
	out[n++] = (uint8_t)(version >> 24);
	out[n++] = (uint8_t)(version >> 16);
	out[n++] = (uint8_t)(version >> 8);
	out[n++] = (uint8_t)version;
	out[n++] = (uint8_t)cidl;
	memcpy(out + n, cid, cidl);
	n += cidl;
	out[n++] = 0; /* scid */
	out[n++] = 0; /* token */
	size_t len = 4 + plen + 16;
	out[n++] = (uint8_t)(0x40 | len >> 8);
	out[n++] = (uint8_t)len;
	size_t pn_off = n;
	for (int i = 3; i >= 0; i--)
		out[n++] = (uint8_t)(pn >> (8 * i));
	uint8_t nonce[12];
	memcpy(nonce, k.iv, 12);
	for (int i = 0; i < 4; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int l = 0;
	ck_assert_int_eq(EVP_EncryptInit_ex(x, EVP_aes_128_gcm(), NULL, k.key, nonce), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(x, NULL, &l, out, (int)n), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(x, out + n, &l, payload, (int)plen), 1);
	ck_assert_int_eq(EVP_EncryptFinal_ex(x, out + n + l, &l), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, out + n + plen), 1);
	EVP_CIPHER_CTX_free(x);
	n += plen + 16;
	uint8_t mask[32];
	x = EVP_CIPHER_CTX_new();
	ck_assert_int_eq(EVP_EncryptInit_ex(x, EVP_aes_128_ecb(), NULL, k.hp, NULL), 1);
	EVP_CIPHER_CTX_set_padding(x, 0);
	ck_assert_int_eq(EVP_EncryptUpdate(x, mask, &l, out + pn_off + 4, 16), 1);
	EVP_CIPHER_CTX_free(x);
	out[0] ^= mask[0] & 0x0f;
	for (int i = 0; i < 4; i++)
		out[pn_off + i] ^= mask[1 + i];
	return n;
}

/* Decrypt a whole single-packet datagram; returns the payload length. */
static size_t open1(const uint8_t *d, size_t n, uint64_t *pn)
{
	struct quic_hdr h;
	struct quic_keys k;
	size_t plen;
	ck_assert_int_eq(quic_parse_long(d, n, &h), D_OK);
	ck_assert(quic_initial_keys(h.version, cur_ptr(&h.dcid), cur_len(&h.dcid), &k));
	ck_assert_int_eq(quic_decrypt_initial(aead, d, &h, &k, pt, sizeof pt, &plen, pn), D_OK);
	return plen;
}

/* ---- RFC vectors ---------------------------------------------------------- */

START_TEST(rfc9001_keys)
{
	struct quic_keys k;
	ck_assert(quic_initial_keys(V1, dcid, sizeof dcid, &k));
	ck_hex(k.key, "1f369613dd76d5467730efcbe3b1a22d");
	ck_hex(k.iv, "fa044b2f42a3fd3b46fb255c");
	ck_hex(k.hp, "9f50449e04a0e810283a1e9933adedd2");
	/* A.1: the expansions from the client secret, label by label */
	uint8_t sec[32], out[32];
	unhex("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea", sec, 32);
	ck_assert(quic_hkdf_expand_label(sec, "quic key", out, 16));
	ck_hex(out, "1f369613dd76d5467730efcbe3b1a22d");
	ck_assert(quic_hkdf_expand_label(sec, "quic hp", out, 16));
	ck_hex(out, "9f50449e04a0e810283a1e9933adedd2");
	/* the server side of A.1, from its secret */
	unhex("3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b", sec, 32);
	ck_assert(quic_hkdf_expand_label(sec, "quic key", out, 16));
	ck_hex(out, "cf3a5331653c364c88f0f379b6067e37");
	ck_assert(quic_hkdf_expand_label(sec, "quic iv", out, 12));
	ck_hex(out, "0ac1493ca1905853b0bba03e");
	/* unknown versions and over-long CIDs have no keys */
	ck_assert(!quic_initial_keys(0x0a0a0a0a, dcid, sizeof dcid, &k));
	uint8_t big[21] = {0};
	ck_assert(!quic_initial_keys(V1, big, sizeof big, &k));
}
END_TEST

START_TEST(rfc9369_keys)
{
	struct quic_keys k;
	ck_assert(quic_initial_keys(V2, dcid, sizeof dcid, &k));
	ck_hex(k.key, "8b1a0bc121284290a29e0971b5cd045d");
	ck_hex(k.iv, "91f73e2351d8fa91660e909f");
	ck_hex(k.hp, "45b95e15235d6f45a6b19cbcb0294ba9");
	uint8_t sec[32], out[16];
	unhex("14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b", sec, 32);
	ck_assert(quic_hkdf_expand_label(sec, "quicv2 key", out, 16));
	ck_hex(out, "8b1a0bc121284290a29e0971b5cd045d");
}
END_TEST

/* The RFC packet: parse, unprotect, decrypt, frames, hello, SNI. */
static void check_rfc_packet(const char *hex, uint32_t version)
{
	uint8_t d[1300], want[PAYLOAD_LEN];
	size_t n = unhex(hex, d, sizeof d);
	ck_assert_uint_eq(n, 1200);
	struct tu_guard g = tu_guard_copy(d, n);
	struct quic_hdr h;
	ck_assert_int_eq(quic_probe(g.data, n), D_OK);
	ck_assert_int_eq(quic_parse_long(g.data, n, &h), D_OK);
	ck_assert_uint_eq(h.version, version);
	ck_assert_int_eq(h.ptype, QUIC_PT_INITIAL);
	ck_assert_uint_eq(cur_len(&h.dcid), 8);
	ck_assert_mem_eq(cur_ptr(&h.dcid), dcid, 8);
	ck_assert_uint_eq(cur_len(&h.scid), 0);
	ck_assert_uint_eq(cur_len(&h.token), 0);
	ck_assert_uint_eq(h.pn_off, 18);
	ck_assert_uint_eq(h.len, 1200);
	uint64_t pn;
	size_t plen = open1(g.data, n, &pn);
	ck_assert_uint_eq(pn, 2);
	ck_assert_uint_eq(plen, PAYLOAD_LEN);
	memset(want, 0, sizeof want);
	unhex(A2_CRYPTO, want, sizeof want);
	ck_assert_mem_eq(pt, want, PAYLOAD_LEN);

	struct quic_crypto *c = calloc(1, sizeof *c);
	struct quic_frames fr;
	ck_assert_int_eq(quic_frames(version, pt, plen, c, &fr), D_OK);
	ck_assert_int_eq(fr.crypto, 1);
	ck_assert_int_eq(fr.padding, 1);
	size_t hl;
	ck_assert_int_eq(quic_crypto_hello(c, &hl), D_OK);
	ck_assert_uint_eq(hl, 241);
	struct tls_hello th;
	ck_assert_int_eq(tls_parse_hello_msg(cur_make(c->buf, hl), &th), D_OK);
	ck_assert(th.has_sni);
	ck_assert(cur_eq_str(&th.sni, "example.com"));

	/* a flipped bit anywhere after the header fails the AEAD */
	static const size_t flips[] = { 18, 21, 22, 30, 600, 1183, 1184, 1199 };
	for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
		uint8_t bad[1200];
		memcpy(bad, d, n);
		bad[flips[i]] ^= 0x04;
		struct quic_keys k;
		uint64_t bpn;
		ck_assert(quic_initial_keys(version, dcid, 8, &k));
		ck_assert_int_eq(quic_parse_long(bad, n, &h), D_OK);
		ck_assert_int_eq(quic_decrypt_initial(aead, bad, &h, &k, pt, sizeof pt, &plen, &bpn),
		                 D_MALFORMED);
	}
	/* the other version's keys do not open it */
	{
		struct quic_keys k;
		ck_assert(quic_initial_keys(version == V1 ? V2 : V1, dcid, 8, &k));
		ck_assert_int_eq(quic_parse_long(g.data, n, &h), D_OK);
		ck_assert_int_eq(quic_decrypt_initial(aead, g.data, &h, &k, pt, sizeof pt, &plen, &pn),
		                 D_MALFORMED);
	}
	free(c);
	tu_guard_free(&g);
}

START_TEST(rfc9001_client_initial) { check_rfc_packet(RFC9001_A2, V1); }
END_TEST

START_TEST(rfc9369_client_initial) { check_rfc_packet(RFC9369_A2, V2); }
END_TEST

/* The test's protector rebuilds both RFC packets exactly. */
START_TEST(protector_matches_rfc)
{
	uint8_t payload[PAYLOAD_LEN], out[1300], want[1300];
	memset(payload, 0, sizeof payload);
	unhex(A2_CRYPTO, payload, sizeof payload);
	size_t n = protect(V1, dcid, 8, 2, payload, sizeof payload, out);
	ck_assert_uint_eq(n, unhex(RFC9001_A2, want, sizeof want));
	ck_assert_mem_eq(out, want, n);
	n = protect(V2, dcid, 8, 2, payload, sizeof payload, out);
	ck_assert_uint_eq(n, unhex(RFC9369_A2, want, sizeof want));
	ck_assert_mem_eq(out, want, n);
}
END_TEST

/* Every prefix of a good datagram: D_NEED_MORE or D_MALFORMED, never a
 * crash, and never a decryption. */
START_TEST(every_prefix)
{
	uint8_t d[1300];
	const char *pk[] = { RFC9001_A2, RFC9369_A2 };
	for (int v = 0; v < 2; v++) {
		size_t n = unhex(pk[v], d, sizeof d);
		for (size_t i = 0; i < n; i++) {
			struct tu_guard g = tu_guard_copy(d, i);
			struct quic_hdr h;
			enum dres r = quic_parse_long(g.data, i, &h);
			ck_assert_msg(r == D_NEED_MORE || r == D_MALFORMED,
			              "prefix %zu of %zu: %d", i, n, r);
			enum dres p = quic_probe(g.data, i);
			ck_assert(p == D_NEED_MORE || p == D_OK);
			tu_guard_free(&g);
		}
	}
}
END_TEST

/* Headers that are not ours or are broken. */
START_TEST(bad_headers)
{
	struct quic_hdr h;
	static const struct {
		const char *hex;
		enum dres want;
	} t[] = {
		{ "40000000010800", D_NOT_MINE },             /* short header */
		{ "8000000001", D_NOT_MINE },                 /* fixed bit clear */
		{ "c0000000000800", D_NOT_MINE },             /* version negotiation */
		{ "c0faceb00f00", D_NOT_MINE },               /* unknown version */
		{ "c01a2a3a4a", D_NOT_MINE },                 /* greased version */
		{ "c00000000115", D_MALFORMED },              /* DCID of 21 bytes */
		{ "c0000000010015", D_MALFORMED },            /* SCID of 21 bytes */
		{ "c000000001000000 13 00", D_MALFORMED },    /* Length 19 < 4 + 16 */
		{ "c000000001000000 14", D_NEED_MORE },       /* Length 20, nothing after */
		{ "c00000000100000580", D_NEED_MORE },        /* token longer than the bytes */
		{ "c0000000010000 c0", D_NEED_MORE },         /* token length varint cut */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint8_t b[64];
		size_t n = unhex(t[i].hex, b, sizeof b);
		struct tu_guard g = tu_guard_copy(b, n);
		ck_assert_msg(quic_parse_long(g.data, n, &h) == t[i].want, "case %zu", i);
		tu_guard_free(&g);
	}
	/* v2 type bits: 0b00 is Retry in v2, Initial in v1 */
	uint8_t retry[] = { 0xc0, 0x6b, 0x33, 0x43, 0xcf, 0, 0, 't', 'o', 'k' };
	ck_assert_int_eq(quic_parse_long(retry, sizeof retry, &h), D_OK);
	ck_assert_int_eq(h.ptype, QUIC_PT_RETRY);
	uint8_t v1hs[] = { 0xe0, 0, 0, 0, 1, 0, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	                   11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
	ck_assert_int_eq(quic_parse_long(v1hs, sizeof v1hs, &h), D_OK);
	ck_assert_int_eq(h.ptype, QUIC_PT_HANDSHAKE);
	ck_assert_uint_eq(h.len, sizeof v1hs);
	struct quic_keys k;
	size_t plen;
	uint64_t pn;
	ck_assert(quic_initial_keys(V1, dcid, 8, &k));
	ck_assert_int_eq(quic_decrypt_initial(aead, v1hs, &h, &k, pt, sizeof pt, &plen, &pn),
	                 D_NOT_MINE);
	ck_assert(quic_version_known(0xff00001d) && quic_version_known(0xff000017) &&
	          quic_version_known(0x54303531) && quic_version_known(0xfaceb002) &&
	          !quic_version_known(0xff000015) && !quic_version_known(0x51303436));
}
END_TEST

/* ---- CRYPTO reassembly ---------------------------------------------------- */

START_TEST(crypto_reassembly)
{
	struct quic_crypto *c = calloc(1, sizeof *c);
	uint8_t h[300];
	size_t hl = a2_hello(h), len;

	/* out of order, with a hole, then filled; a duplicate; an overlap */
	quic_crypto_reset(c);
	ck_assert_int_eq(quic_crypto_add(c, 100, h + 100, 50), QC_OK);
	ck_assert_int_eq(quic_crypto_hello(c, &len), D_NEED_MORE);
	ck_assert_int_eq(quic_crypto_add(c, 200, h + 200, hl - 200), QC_OK);
	ck_assert_int_eq(quic_crypto_add(c, 0, h, 3), QC_OK);
	ck_assert_int_eq(quic_crypto_hello(c, &len), D_NEED_MORE); /* 3 bytes of header */
	ck_assert_int_eq(quic_crypto_add(c, 0, h, 60), QC_OK);
	ck_assert_uint_eq(quic_crypto_contig(c), 60);
	ck_assert_int_eq(quic_crypto_add(c, 100, h + 100, 50), QC_OK); /* same again */
	ck_assert_int_eq(quic_crypto_add(c, 55, h + 55, 120), QC_OK);  /* overlaps both */
	ck_assert_int_eq(quic_crypto_hello(c, &len), D_NEED_MORE);    /* 175..200 missing */
	ck_assert_uint_eq(c->nr, 2);
	ck_assert_int_eq(quic_crypto_add(c, 175, h + 175, 25), QC_OK); /* touches both */
	ck_assert_uint_eq(c->nr, 1);
	ck_assert_int_eq(quic_crypto_hello(c, &len), D_OK);
	ck_assert_uint_eq(len, hl);
	ck_assert_mem_eq(c->buf, h, hl);

	/* a copy that disagrees is refused whole */
	uint8_t x[40];
	memcpy(x, h + 20, sizeof x);
	x[39] ^= 1;
	ck_assert_int_eq(quic_crypto_add(c, 20, x, sizeof x), QC_CONFLICT);
	ck_assert_mem_eq(c->buf, h, hl);

	/* beyond the buffer: the part inside is kept */
	quic_crypto_reset(c);
	static uint8_t big[SW_QUIC_CRYPTO_BYTES + 100];
	memset(big, 'Q', sizeof big);
	ck_assert_int_eq(quic_crypto_add(c, SW_QUIC_CRYPTO_BYTES + 5, big, 10), QC_BEYOND);
	ck_assert_uint_eq(c->nr, 0);
	ck_assert_int_eq(quic_crypto_add(c, SW_QUIC_CRYPTO_BYTES - 10, big, 20), QC_BEYOND);
	ck_assert_uint_eq(c->nr, 1);
	ck_assert_uint_eq(c->r[0].hi, SW_QUIC_CRYPTO_BYTES);
	ck_assert_int_eq(quic_crypto_add(c, ((uint64_t)1 << 62) - 1, big, 1), QC_BEYOND);
	/* a hello that says it is longer than the buffer */
	uint8_t hdr[4] = { 1, 0, 0x10, 0x00 };  /* 4096 + 4 */
	quic_crypto_reset(c);
	quic_crypto_add(c, 0, hdr, 4);
	ck_assert_int_eq(quic_crypto_hello(c, &len), D_MALFORMED);
	hdr[0] = 2; /* a ServerHello is not ours */
	quic_crypto_reset(c);
	quic_crypto_add(c, 0, hdr, 4);
	ck_assert_int_eq(quic_crypto_hello(c, &len), D_NOT_MINE);

	/* too many holes: every other byte */
	quic_crypto_reset(c);
	unsigned i;
	for (i = 0; i < SW_QUIC_RANGES; i++)
		ck_assert_int_eq(quic_crypto_add(c, 1 + 2 * i, h, 1), QC_OK);
	ck_assert_int_eq(quic_crypto_add(c, 1 + 2 * i, h, 1), QC_HOLES);
	ck_assert_uint_eq(c->nr, SW_QUIC_RANGES);
	ck_assert_int_eq(quic_crypto_add(c, 0, h, 0), QC_OK); /* empty is fine */
	/* filling a hole between two ranges lowers the count */
	ck_assert_int_eq(quic_crypto_add(c, 2, h + 1, 1), QC_OK);
	ck_assert_uint_eq(c->nr, SW_QUIC_RANGES - 1);
	free(c);
}
END_TEST

/* ---- frames ----------------------------------------------------------- */

START_TEST(frames)
{
	struct quic_crypto *c = calloc(1, sizeof *c);
	struct quic_frames fr;
	static const struct {
		const char *hex;
		enum dres want;
		int crypto, ack, ping, close;
	} t[] = {
		{ "01 0000 0600 03 010000 00", D_OK, 1, 0, 1, 0 },
		/* ACK: largest 5, delay 0, 1 range, first 0, gap 1 len 1 */
		{ "02 05 00 01 00 01 01", D_OK, 0, 1, 0, 0 },
		/* ACK_ECN: no ranges, three counts */
		{ "03 05 00 00 00 01 02 03", D_OK, 0, 1, 0, 0 },
		/* CONNECTION_CLOSE with a 2-byte reason */
		{ "1c 0a 06 02 6f 6b", D_OK, 0, 0, 0, 1 },
		{ "06 00 05 0100", D_MALFORMED, 0, 0, 0, 0 },       /* CRYPTO cut short */
		{ "02 05 00 05 00 01", D_MALFORMED, 0, 0, 0, 0 },   /* ACK ranges missing */
		{ "1c 0a 06 05 6f", D_MALFORMED, 0, 0, 0, 0 },      /* reason cut */
		{ "01 08 00 00", D_MALFORMED, 0, 0, 1, 0 },         /* STREAM: not in Initials */
		{ "06 c0", D_MALFORMED, 0, 0, 0, 0 },               /* varint cut */
		{ "40", D_MALFORMED, 0, 0, 0, 0 },                  /* frame type cut */
		{ "4001", D_OK, 0, 0, 1, 0 },                       /* PING, long encoding */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint8_t b[64];
		size_t n = unhex(t[i].hex, b, sizeof b);
		struct tu_guard g = tu_guard_copy(b, n);
		quic_crypto_reset(c);
		ck_assert_msg(quic_frames(V1, g.data, n, c, &fr) == t[i].want, "case %zu", i);
		ck_assert_msg(fr.crypto == t[i].crypto && fr.ack == t[i].ack &&
		              fr.ping == t[i].ping && fr.close == t[i].close, "counts %zu", i);
		tu_guard_free(&g);
	}
	/* T05x: gQUIC PADDING fills the rest; CRYPTO is 08 */
	uint8_t g1[] = { 0x07, 0x08, 0x00, 0x02, 0x01, 0x00, 0x00, 0x05, 0x09 };
	quic_crypto_reset(c);
	ck_assert_int_eq(quic_frames(0x54303530, g1, sizeof g1, c, &fr), D_OK);
	ck_assert_int_eq(fr.crypto, 1);
	ck_assert_int_eq(fr.ping, 1);
	ck_assert_uint_eq(quic_crypto_contig(c), 2);
	free(c);
}
END_TEST

/* ---- the per-flow layer ------------------------------------------------- */

/* A datagram as the pipeline hands it over. */
static enum dres feed(struct quic_flow *q, struct flow *f, int side,
                      const uint8_t *d, size_t n, struct tls_hello *th)
{
	struct tu_guard g = tu_guard_copy(d, n);
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.l4 = 17;
	p.payload = cur_make(g.data, n);
	if (f->client < 0)
		f->client = (int8_t)side;
	enum dres r = quic_flow_datagram(q, f, side, &p, th, &qk_unused);
	/* the views point into q, not into the datagram */
	tu_guard_free(&g);
	return r;
}

static void new_flow(struct flow *f)
{
	memset(f, 0, sizeof *f);
	f->client = -1;
}

/* Chromium's way: the hello cut into small CRYPTO frames, shuffled over two
 * Initials with PING and PADDING between them; each Initial padded. */
static size_t chaos(uint32_t version, const uint8_t *cid, uint32_t pn, int half,
                    uint8_t *out)
{
	uint8_t h[300], pl[1162];
	size_t hl = a2_hello(h), n = 0;
	/* pieces of 13 bytes; packet `half` carries the odd or even pieces,
	 * in reverse order */
	size_t pieces = (hl + 12) / 13;
	memset(pl, 0, sizeof pl);
	for (size_t i = pieces; i-- > 0;) {
		if ((int)(i % 2) != half)
			continue;
		size_t off = i * 13, len = hl - off < 13 ? hl - off : 13;
		pl[n++] = 0x01;             /* PING */
		pl[n++] = 0x00;             /* PADDING */
		pl[n++] = 0x00;
		pl[n++] = 0x06;             /* CRYPTO */
		pl[n++] = (uint8_t)(0x40 | off >> 8);
		pl[n++] = (uint8_t)off;
		pl[n++] = (uint8_t)len;
		memcpy(pl + n, h + off, len);
		n += len;
	}
	return protect(version, cid, 8, pn, pl, sizeof pl, out);
}

START_TEST(flow_multi_packet)
{
	struct quic_flow *q = quic_flow_new(NULL, 0);
	ck_assert_ptr_nonnull(q);
	struct flow f;
	struct tls_hello th;
	uint8_t a[1400], b[1400];
	uint32_t vs[] = { V1, V2, 0xff00001d };
	for (size_t v = 0; v < 3; v++) {
		size_t na = chaos(vs[v], dcid, 1, 0, a), nb = chaos(vs[v], dcid, 2, 1, b);
		/* either order */
		for (int order = 0; order < 2; order++) {
			new_flow(&f);
			ck_assert_int_eq(feed(q, &f, 0, order ? b : a, order ? nb : na, &th), D_NEED_MORE);
			ck_assert_uint_ne(f.quic, 0); /* holds a slot */
			/* the server's answer is not read */
			ck_assert_int_eq(feed(q, &f, 1, a, na, &th), D_NOT_MINE);
			ck_assert_int_eq(feed(q, &f, 0, order ? a : b, order ? na : nb, &th), D_OK);
			ck_assert(cur_eq_str(&th.sni, "example.com"));
			ck_assert_uint_eq(f.quic, 0); /* released */
			/* done: a retransmission is ignored */
			ck_assert_int_eq(feed(q, &f, 0, a, na, &th), D_NOT_MINE);
		}
	}
	/* both halves coalesced in one datagram (two Initials) */
	uint8_t c[2800];
	size_t na = chaos(V1, dcid, 1, 0, a), nb = chaos(V1, dcid, 2, 1, b);
	memcpy(c, a, na);
	memcpy(c + na, b, nb);
	new_flow(&f);
	ck_assert_int_eq(feed(q, &f, 0, c, na + nb, &th), D_OK);
	ck_assert(cur_eq_str(&th.sni, "example.com"));
	ck_assert_uint_eq(f.quic, 0);
	struct quic_flow_stats st;
	quic_flow_get_stats(q, &st);
	ck_assert_uint_eq(st.hellos, 7);
	ck_assert_uint_eq(st.slots_used, 6);
	quic_flow_free(q);
}
END_TEST

START_TEST(flow_coalesced_and_retry)
{
	struct quic_flow *q = quic_flow_new(NULL, SW_QUIC_SLOTS_MIN);
	struct flow f;
	struct tls_hello th;
	uint8_t d[3000], a[1400], b[1400];

	/* an Initial followed by a 0-RTT packet and trailing zeros */
	uint8_t pl[PAYLOAD_LEN];
	memset(pl, 0, sizeof pl);
	unhex(A2_CRYPTO, pl, sizeof pl);
	size_t n = protect(V1, dcid, 8, 0, pl, sizeof pl, d);
	static const uint8_t zrtt[] = { 0xd0, 0, 0, 0, 1, 0, 0, 0x14, 1, 2, 3, 4, 5, 6, 7,
	                                8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
	memcpy(d + n, zrtt, sizeof zrtt);
	memset(d + n + sizeof zrtt, 0, 30);
	new_flow(&f);
	ck_assert_int_eq(feed(q, &f, 0, d, n + sizeof zrtt + 30, &th), D_OK);
	ck_assert(cur_eq_str(&th.sni, "example.com"));
	/* the 0-RTT packet first, then the Initial */
	memmove(d + sizeof zrtt, d, n);
	memcpy(d, zrtt, sizeof zrtt);
	new_flow(&f);
	ck_assert_int_eq(feed(q, &f, 0, d, n + sizeof zrtt, &th), D_OK);

	/* Retry: half a hello under one DCID, then the whole hello again under
	 * the server's new DCID: the stream starts again with the new keys */
	static const uint8_t cid2[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	new_flow(&f);
	size_t na = chaos(V1, dcid, 1, 0, a);
	ck_assert_int_eq(feed(q, &f, 0, a, na, &th), D_NEED_MORE);
	na = chaos(V1, cid2, 2, 1, a);
	ck_assert_int_eq(feed(q, &f, 0, a, na, &th), D_NEED_MORE); /* other half, new keys */
	size_t nb = chaos(V1, cid2, 3, 0, b);
	ck_assert_int_eq(feed(q, &f, 0, b, nb, &th), D_OK);
	ck_assert(cur_eq_str(&th.sni, "example.com"));

	/* the pool runs dry: a fifth unfinished flow is not followed */
	struct flow fs[SW_QUIC_SLOTS_MIN + 1];
	na = chaos(V1, dcid, 1, 0, a);
	for (int i = 0; i < SW_QUIC_SLOTS_MIN; i++) {
		new_flow(&fs[i]);
		ck_assert_int_eq(feed(q, &fs[i], 0, a, na, &th), D_NEED_MORE);
	}
	new_flow(&fs[SW_QUIC_SLOTS_MIN]);
	ck_assert_int_eq(feed(q, &fs[SW_QUIC_SLOTS_MIN], 0, a, na, &th), D_MALFORMED);
	struct quic_flow_stats st;
	quic_flow_get_stats(q, &st);
	ck_assert_uint_eq(st.no_slot, 1);
	/* released flows give their slots back */
	for (int i = 0; i < SW_QUIC_SLOTS_MIN; i++) {
		quic_flow_release(q, &fs[i]);
		ck_assert_uint_eq(fs[i].quic, 0);
	}
	new_flow(&f);
	ck_assert_int_eq(feed(q, &f, 0, a, na, &th), D_NEED_MORE);
	ck_assert_uint_ne(f.quic, 0);

	/* datagrams no key opens: given up after SW_QUIC_TRIES */
	memcpy(d, a, na);
	d[na - 1] ^= 0xff;
	new_flow(&f);
	enum dres r = D_NEED_MORE;
	int tries = 0;
	while (r == D_NEED_MORE && tries < 100) {
		r = feed(q, &f, 0, d, na, &th);
		tries++;
	}
	ck_assert_int_eq(r, D_MALFORMED);
	ck_assert_int_eq(tries, SW_QUIC_TRIES);
	ck_assert_int_eq(feed(q, &f, 0, a, na, &th), D_NOT_MINE);
	quic_flow_free(q);
}
END_TEST

/* The flow table hands removed flows to quic_flow_release. */
START_TEST(flow_table_release)
{
	struct flow_table *ft = flow_table_new(SW_FLOWS_MIN, SW_REASM_SLOTS_MIN, 1);
	struct quic_flow *q = quic_flow_new(ft, SW_QUIC_SLOTS_MIN);
	struct tls_hello th;
	uint8_t a[1400];
	size_t na = chaos(V1, dcid, 1, 0, a);
	/* more flows than the table holds, each half a hello: evictions must
	 * return the slots, or the pool would run dry */
	for (int i = 0; i < SW_FLOWS_MIN * 3; i++) {
		struct pkt p;
		memset(&p, 0, sizeof p);
		p.l4 = 17;
		p.src.v = p.dst.v = 4;
		p.src.a[0] = 10;
		p.src.a[3] = (uint8_t)i;
		p.src.a[2] = (uint8_t)(i >> 8);
		p.dst.a[0] = 192;
		p.sport = (uint16_t)(40000 + i);
		p.dport = 443;
		p.payload = cur_make(a, na);
		int side;
		bool is_new;
		struct flow *f = flow_lookup(ft, &p, 1000u * (uint64_t)i, &side, &is_new);
		ck_assert(is_new);
		f->client = (int8_t)side;
		enum dres r = quic_flow_datagram(q, f, side, &p, &th, &qk_unused);
		/* the pool has 4 slots: flows beyond that wait for evictions */
		ck_assert(r == D_NEED_MORE || r == D_MALFORMED);
	}
	struct quic_flow_stats st;
	quic_flow_get_stats(q, &st);
	/* flows 1-4 take the 4 slots, 5-64 find none; flow 65 evicts flow 1,
	 * whose slot it then takes, ... 65-68 and 129-132 likewise: without
	 * the release on eviction only the first 4 would ever get one */
	ck_assert_uint_eq(st.slots_used, 3 * SW_QUIC_SLOTS_MIN);
	ck_assert_uint_eq(st.no_slot, SW_FLOWS_MIN * 3 - 3 * SW_QUIC_SLOTS_MIN);
	flow_table_free(ft);
	quic_flow_free(q);
}
END_TEST

/* ---- real captures ------------------------------------------------------ */

struct capres {
	char sni[256];
	int hellos;
	bool has_sni;
	char alpn[16];
	size_t ext;
};

/* Replay the UDP datagrams of a capture through one quic_flow, one struct
 * flow per client port (captures here have one or two flows). */
static bool replay(const char *path, struct capres *res, int nres)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	if (!pc)
		return false;
	struct quic_flow *q = quic_flow_new(NULL, 0);
	struct flow fl[4];
	uint16_t port[4] = { 0 };
	int nf = 0, got = 0;
	struct pcap_pkthdr *hd;
	const u_char *d;
	struct frag_table *ft = frag_new();
	memset(res, 0, sizeof *res * (size_t)nres);
	while (pcap_next_ex(pc, &hd, &d) == 1) {
		struct pkt p;
		if (decode_packet(pcap_datalink(pc), d, hd->caplen, 0, ft, &p) != DEC_OK ||
		    p.l4 != 17)
			continue;
		/* the client's port is the one that is not 443/4443 */
		uint16_t cport = (p.dport == 443 || p.dport == 4443) ? p.sport : p.dport;
		int side = cport == p.sport ? 0 : 1, i;
		for (i = 0; i < nf && port[i] != cport; i++)
			;
		if (i == nf) {
			ck_assert_int_lt(nf, 4);
			new_flow(&fl[nf]);
			port[nf++] = cport;
		}
		struct tu_guard g = tu_guard_copy(cur_ptr(&p.payload), cur_len(&p.payload));
		p.payload = cur_make(g.data, cur_len(&p.payload));
		if (fl[i].client < 0)
			fl[i].client = (int8_t)side;
		struct tls_hello th;
		if (quic_flow_datagram(q, &fl[i], side, &p, &th, &qk_unused) == D_OK && got < nres) {
			struct capres *r = &res[got++];
			r->hellos = 1;
			r->has_sni = th.has_sni;
			snprintf(r->sni, sizeof r->sni, "%.*s", (int)th.sni.len,
			         (const char *)th.sni.p);
			r->ext = th.n_ext;
			struct cur al = th.alpn, list, name;
			if (cur_get_lp16(&al, &list) && cur_get_lp8(&list, &name))
				snprintf(r->alpn, sizeof r->alpn, "%.*s", (int)name.len,
				         (const char *)name.p);
		}
		tu_guard_free(&g);
	}
	res[0].hellos = got;
	frag_free(ft);
	quic_flow_free(q);
	pcap_close(pc);
	return true;
}

START_TEST(project_chromium_capture)
{
	/* pcaps/quic-chromium.pcap: Chromium 156, hello over 2 Initials */
	struct capres r[2];
	ck_assert(replay("pcaps/quic-chromium.pcap", r, 2));
	ck_assert_int_eq(r[0].hellos, 1);
	ck_assert_str_eq(r[0].sni, "mcloud-api.thd.cc");
	ck_assert_str_eq(r[0].alpn, "h3");
}
END_TEST

START_TEST(shared_captures)
{
	const char *sh = tu_shared();
	if (!sh) {
		printf("test_quic: ../shared absent: real captures SKIPPED\n");
		return;
	}
	static const struct {
		const char *file, *sni;
	} t[] = {
		{ "ndpi/quic-v2.pcapng", "test" },                 /* v2, port 4443 */
		{ "ndpi/quic-29.pcap", "localhost" },              /* draft-29 */
		{ "ndpi/quic-23.pcap", "quic.aiortc.org" },        /* draft-23 */
		{ "ndpi/quic-27.pcap", "play.google.com" },        /* draft-27 */
		{ "ndpi/quic-28.pcap", "www.wireshark.org" },      /* draft-28, then VN */
		{ "ndpi/quic-mvfst-27.pcapng", "graph.facebook.com" },
		{ "ndpi/quic_t50.pcap", "fonts.googleapis.com" },  /* Google T050 */
		{ "ndpi/quic_t51.pcap", "www.google.com" },        /* Google T051 */
		{ "suricata-verify/quic-frag-middle-gap/input.pcap",
		  "optimizationguide-pa.googleapis.com" },          /* 3 Initials */
		{ "suricata-verify/quic-ack3/input.pcap", "tether.edge.apple" },
		{ "zeek/quic/chromium-115.0.5790.110-api-cirrus-com.pcap", "api.cirrus-ci.com" },
		{ "zeek/quic/firefox-102.13.0esr-blog-cloudflare-com.pcap", "blog.cloudflare.com" },
		{ "zeek/quic/curl-8.1.2-dev-http3-www-google-de.pcap", "www.google.de" },
		/* the client put a port in its SNI: parsed, refused later by
		 * hn_normalise (not a hostname) */
		{ "zeek/ppp/quic-interop-retry.pcap", "server4:443" },
		/* Google QUIC, cleartext CHLO */
		{ "ndpi/quic046.pcap", "i.ytimg.com" },
		{ "ndpi/quic_q39.pcap", "s.youtube.com" },
		{ "ndpi/http_ipv6.pcap", "www.google.it" },      /* Q025 */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char path[512];
		struct capres r[2];
		snprintf(path, sizeof path, "%s/pcaps/%s", sh, t[i].file);
		ck_assert_msg(replay(path, r, 2), "%s", path);
		ck_assert_msg(r[0].hellos >= 1, "%s: no hello", t[i].file);
		ck_assert_msg(strcmp(r[0].sni, t[i].sni) == 0, "%s: '%s'", t[i].file, r[0].sni);
	}

	/*
	 * nDPI's quic_frags_ch_in_multiple_packets: tshark 4.0 decrypts
	 * neither Initial.  The hello is 1578 bytes: 1182 in the first Initial,
	 * 396 in the second (CRYPTO offset 1182).  It has no server_name at
	 * all (7 extensions: key_share, ALPN h3-34..., supported_versions,
	 * signature_algorithms, supported_groups, a 1289-byte
	 * quic_transport_parameters padded with 'Q', psk_key_exchange_modes),
	 * so the right answer is: a whole hello, no name.
	 */
	char path[512];
	struct capres r[2];
	snprintf(path, sizeof path, "%s/pcaps/ndpi/quic_frags_ch_in_multiple_packets.pcapng", sh);
	ck_assert(replay(path, r, 2));
	ck_assert_int_eq(r[0].hellos, 1);
	ck_assert(!r[0].has_sni);
	ck_assert_str_eq(r[0].alpn, "h3-34");
	ck_assert_uint_eq(r[0].ext, 7);

	/* two connections in one capture (v1 with 0-RTT, draft-28) */
	snprintf(path, sizeof path, "%s/pcaps/ndpi/quic_0RTT.pcap", sh);
	ck_assert(replay(path, r, 2));
	ck_assert_int_eq(r[0].hellos, 2);
	ck_assert((strcmp(r[0].sni, "abcd") == 0 && strcmp(r[1].sni, "ssl.gstatic.com") == 0) ||
	          (strcmp(r[1].sni, "abcd") == 0 && strcmp(r[0].sni, "ssl.gstatic.com") == 0));
	/* QUIC v2 without a name: a hello, no SNI */
	snprintf(path, sizeof path, "%s/pcaps/zeek/quic/quicv2-http3-443.pcap", sh);
	ck_assert(replay(path, r, 2));
	ck_assert_int_eq(r[0].hellos, 1);
	ck_assert(!r[0].has_sni);
}
END_TEST

/* Google QUIC CHLO: hand-made from the layout of the Q046 capture. */
START_TEST(gquic_chlo)
{
	/* Q046 long header (c3 'Q046' 50 cid:8 pn:4), a STREAM frame head, then
	 * CHLO with 2 entries: PAD (end 3) and SNI (end 3 + 11) */
	static const char good[] =
		"c3 51303436 50 b4a4f9f5f42edd39 00000001 a0 01 0400"
		"43484c4f 0200 0000 50414400 03000000 534e4900 0e000000"
		"2d2d2d 6578616d706c652e636f6d";
	uint8_t b[256];
	size_t n = unhex(good, b, sizeof b);
	struct cur sni;
	struct tu_guard g = tu_guard_copy(b, n);
	ck_assert_int_eq(quic_gquic_sni(g.data, n, &sni), D_OK);
	ck_assert(cur_eq_str(&sni, "example.com"));
	tu_guard_free(&g);
	/* every prefix: never a crash, never a wrong name */
	for (size_t i = 0; i < n; i++) {
		g = tu_guard_copy(b, i);
		enum dres r = quic_gquic_sni(g.data, i, &sni);
		ck_assert(r == D_NOT_MINE || r == D_MALFORMED ||
		          (r == D_OK && cur_len(&sni) <= 11));
		tu_guard_free(&g);
	}
	/* Q039 public header: flags 0d, cid:8, version at 9 */
	static const char q39[] =
		"0d e71ad5d7756c4d4d 51303339 01 00"
		"43484c4f 0100 0000 534e4900 03000000 616263";
	n = unhex(q39, b, sizeof b);
	ck_assert_int_eq(quic_gquic_sni(b, n, &sni), D_OK);
	ck_assert(cur_eq_str(&sni, "abc"));
	/* broken: an end offset past the values; offsets going back */
	static const char *bad[] = {
		"c3 51303436 50 43484c4f 0100 0000 534e4900 30000000 616263",
		"c3 51303436 50 43484c4f 0200 0000 50414400 03000000 534e4900 01000000 616263",
		"c3 51303436 50 43484c4f ff00 0000 534e4900 03000000 616263",
	};
	for (size_t i = 0; i < 3; i++) {
		n = unhex(bad[i], b, sizeof b);
		ck_assert_int_eq(quic_gquic_sni(b, n, &sni), D_MALFORMED);
	}
	/* not ours: no version, no CHLO, no SNI tag, an IETF version */
	static const char *notmine[] = {
		"c3 00000001 50 43484c4f 0100 0000 534e4900 03000000 616263",
		"c3 51303436 50 43484c4e 0100 0000 534e4900 03000000 616263",
		"c3 51303436 50 43484c4f 0100 0000 50414400 03000000 616263",
		"0c e71ad5d7756c4d4d 51303339 43484c4f",
	};
	for (size_t i = 0; i < 4; i++) {
		n = unhex(notmine[i], b, sizeof b);
		ck_assert_int_eq(quic_gquic_sni(b, n, &sni), D_NOT_MINE);
	}
}
END_TEST

int main(void)
{
	aead = quic_aead_new();
	if (!aead) {
		fprintf(stderr, "test_quic: libcrypto contexts unavailable\n");
		return EXIT_FAILURE;
	}
	Suite *s = suite_create("quic");
	TCase *tc = tcase_create("quic");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rfc9001_keys);
	tcase_add_test(tc, rfc9369_keys);
	tcase_add_test(tc, rfc9001_client_initial);
	tcase_add_test(tc, rfc9369_client_initial);
	tcase_add_test(tc, protector_matches_rfc);
	tcase_add_test(tc, every_prefix);
	tcase_add_test(tc, bad_headers);
	tcase_add_test(tc, crypto_reassembly);
	tcase_add_test(tc, frames);
	tcase_add_test(tc, flow_multi_packet);
	tcase_add_test(tc, flow_coalesced_and_retry);
	tcase_add_test(tc, flow_table_release);
	tcase_add_test(tc, project_chromium_capture);
	tcase_add_test(tc, shared_captures);
	tcase_add_test(tc, gquic_chlo);
	suite_add_tcase(s, tc);
	int r = tu_run(s);
	quic_aead_free(aead);
	return r;
}
