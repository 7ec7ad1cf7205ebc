/*
 * quic.c - QUIC Initial packets (contract in quic.h).
 *
 * RFC 9000 17.2 (long header), 17.2.2 (Initial), 12.4 and 19 (frames);
 * RFC 9001 5.2 (Initial secrets), 5.3 (AEAD), 5.4 (header protection);
 * RFC 9369 3.2-3.3 (v2 packet types, salt, labels); RFC 8446 7.1
 * (HKDF-Expand-Label); RFC 5869 (HKDF).
 *
 *   long header:  |1|1|T T|X X X X| version:32 | dcid_len:8 | dcid (0..20) |
 *                 scid_len:8 | scid (0..20) |
 *   Initial adds: token_len:varint | token | Length:varint |
 *                 packet number (1..4, protected) | payload (AEAD) | tag:16 |
 *   Length counts the packet number, the payload and the tag.  Packets of
 *   one datagram follow each other (coalesced): the next one starts Length
 *   bytes after the packet number offset.
 *
 *   header protection: sample = 16 bytes at pn_off + 4;
 *                      mask = AES-128-ECB(hp, sample);
 *                      first ^= mask[0] & 0x0f; pn[i] ^= mask[1 + i]
 *   AEAD: AES-128-GCM, nonce = iv ^ pn (left-padded), AAD = the unprotected
 *         header up to and including the packet number.
 *
 *   frames in an Initial: PADDING 00 | PING 01 | ACK 02/03 |
 *                         CRYPTO 06 offset:varint length:varint data |
 *                         CONNECTION_CLOSE 1c
 *
 * Only the cursor reads packet bytes; the AEAD reads the cursor's views.
 */
#include "dissectors/quic.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define QUIC_SAMPLE 16
#define QUIC_TAG 16
#define QUIC_HS_CLIENT_HELLO 1

/* ---- versions ------------------------------------------------------------ */

/* Initial salts: RFC 9001 5.2 (v1), RFC 9369 3.3.1 (v2), the drafts that
 * introduced each (draft-ietf-quic-tls-22, -23, -29) and Google's T050 and
 * T051 (from Chromium's quic_crypto_utils, as Wireshark and nDPI use them). */
static const uint8_t salt_v1[20] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
static const uint8_t salt_v2[20] = {
	0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};
static const uint8_t salt_d22[20] = {
	0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
	0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a,
};
static const uint8_t salt_d23[20] = {
	0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
	0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02,
};
static const uint8_t salt_d29[20] = {
	0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
	0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99,
};
static const uint8_t salt_t50[20] = {
	0x7f, 0xf5, 0x79, 0xe5, 0xac, 0xd0, 0x72, 0x91, 0x55, 0x80,
	0x30, 0x4c, 0x43, 0xa2, 0x36, 0x7c, 0x60, 0x48, 0x83, 0x10,
};
static const uint8_t salt_t51[20] = {
	0x7a, 0x4e, 0xde, 0xf4, 0xe7, 0xcc, 0xee, 0x5f, 0xa4, 0x50,
	0x6c, 0x19, 0x12, 0x4f, 0xc8, 0xcc, 0xda, 0x6e, 0x03, 0x3d,
};

#define V_1 0x00000001u
#define V_2 0x6b3343cfu
#define V_DRAFT(n) (0xff000000u | (n))
#define V_MVFST_22 0xfaceb001u
#define V_MVFST_27 0xfaceb002u
#define V_MVFST_EXP 0xfaceb00eu
#define V_T050 0x54303530u
#define V_T051 0x54303531u

/* The salt of a version, and whether it is v2 (labels, packet types);
 * NULL for a version we do not know. */
static const uint8_t *version_salt(uint32_t v, bool *v2)
{
	*v2 = false;
	if (v == V_1)
		return salt_v1;
	if (v == V_2) {
		*v2 = true;
		return salt_v2;
	}
	if (v == V_T050)
		return salt_t50;
	if (v == V_T051)
		return salt_t51;
	if (v == V_MVFST_22)
		return salt_d22;
	if (v == V_MVFST_27 || v == V_MVFST_EXP)
		return salt_d23;
	if ((v & 0xffffff00u) == 0xff000000u) {
		uint32_t d = v & 0xff;
		if (d == 22)
			return salt_d22;
		if (d >= 23 && d <= 28)
			return salt_d23;
		if (d >= 29 && d <= 32)
			return salt_d29;
	}
	return NULL;
}

bool quic_version_known(uint32_t version)
{
	bool v2;
	return version_salt(version, &v2) != NULL;
}

enum dres quic_probe(const uint8_t *p, size_t n)
{
	struct cur c = cur_make(p, n);
	uint8_t b0;
	uint32_t v;

	if (!cur_get_u8(&c, &b0))
		return D_NEED_MORE;
	if ((b0 & 0xc0) != 0xc0)
		return D_NOT_MINE;
	if (!cur_get_be32(&c, &v))
		return D_NEED_MORE; /* a known version prefix cannot be told yet */
	return quic_version_known(v) ? D_OK : D_NOT_MINE;
}

/* ---- long header ------------------------------------------------------- */

enum dres quic_parse_long(const uint8_t *p, size_t n, struct quic_hdr *h)
{
	struct cur c = cur_make(p, n);
	uint8_t b0 = 0, l;
	uint64_t tlen, plen;
	bool v2;

	memset(h, 0, sizeof *h);
	enum dres r = quic_probe(p, n);
	if (r != D_OK)
		return r;
	if (!cur_get_u8(&c, &b0) || !cur_get_be32(&c, &h->version))
		return D_NEED_MORE; /* not reached: quic_probe saw them */
	version_salt(h->version, &v2);
	unsigned t = (b0 >> 4) & 3;
	/* RFC 9369 3.2: v2 Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00 */
	h->ptype = (uint8_t)(v2 ? (t + 3) & 3 : t);

	if (!cur_get_u8(&c, &l))
		return D_NEED_MORE;
	if (l > SW_QUIC_CID_MAX)
		return D_MALFORMED;
	if (!cur_get_bytes(&c, &h->dcid, l))
		return D_NEED_MORE;
	if (!cur_get_u8(&c, &l))
		return D_NEED_MORE;
	if (l > SW_QUIC_CID_MAX)
		return D_MALFORMED;
	if (!cur_get_bytes(&c, &h->scid, l))
		return D_NEED_MORE;
	if (h->ptype == QUIC_PT_RETRY) {
		h->len = n;
		return D_OK;
	}
	if (h->ptype == QUIC_PT_INITIAL) {
		if (!cur_get_varint(&c, &tlen))
			return D_NEED_MORE;
		if (tlen > cur_len(&c))
			return D_NEED_MORE;
		cur_get_bytes(&c, &h->token, (size_t)tlen);
	}
	if (!cur_get_varint(&c, &plen))
		return D_NEED_MORE;
	/* room for the packet number and the header protection sample */
	if (plen < 4 + QUIC_SAMPLE)
		return D_MALFORMED;
	h->pn_off = n - cur_len(&c);
	if (plen > cur_len(&c))
		return D_NEED_MORE;
	h->len = h->pn_off + (size_t)plen;
	return D_OK;
}

/* ---- keys -------------------------------------------------------------- */

bool quic_hkdf_expand_label(const uint8_t secret[32], const char *label,
                            uint8_t *out, size_t out_len)
{
	/* HkdfLabel: length:16 | label<7..255> = "tls13 " + label | context<0> */
	uint8_t info[2 + 1 + 255 + 1 + 1];
	size_t ll = strlen(label);
	if (ll + 6 > 255 || out_len == 0 || out_len > 255)
		return false;
	size_t n = 0;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0; /* empty context */

	/* HKDF-Expand (RFC 5869 2.3): T(i) = HMAC(PRK, T(i-1) | info | i) */
	uint8_t t[32 + sizeof info], blk[32];
	size_t tl = 0, done = 0;
	for (uint8_t i = 1; done < out_len; i++) {
		memcpy(t + tl, info, n);
		t[tl + n] = i;
		unsigned int bl = 0;
		if (!HMAC(EVP_sha256(), secret, 32, t, tl + n + 1, blk, &bl) || bl != 32)
			return false;
		size_t take = out_len - done < 32 ? out_len - done : 32;
		memcpy(out + done, blk, take);
		done += take;
		memcpy(t, blk, 32);
		tl = 32;
	}
	return true;
}

bool quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                       struct quic_keys *k)
{
	bool v2;
	const uint8_t *salt = version_salt(version, &v2);
	uint8_t prk[32], secret[32];
	unsigned int pl = 0;
	static const uint8_t empty = 0;

	if (!salt || dcid_len > SW_QUIC_CID_MAX)
		return false;
	/* HKDF-Extract(salt, dcid) = HMAC(salt, dcid) */
	if (!HMAC(EVP_sha256(), salt, 20, dcid_len ? dcid : &empty, dcid_len, prk, &pl) ||
	    pl != 32)
		return false;
	bool ok = quic_hkdf_expand_label(prk, "client in", secret, 32) &&
	          quic_hkdf_expand_label(secret, v2 ? "quicv2 key" : "quic key",
	                                 k->key, sizeof k->key) &&
	          quic_hkdf_expand_label(secret, v2 ? "quicv2 iv" : "quic iv",
	                                 k->iv, sizeof k->iv) &&
	          quic_hkdf_expand_label(secret, v2 ? "quicv2 hp" : "quic hp",
	                                 k->hp, sizeof k->hp);
	memset(prk, 0, sizeof prk);
	memset(secret, 0, sizeof secret);
	return ok;
}

/* ---- decryption -------------------------------------------------------- */

struct quic_aead {
	EVP_CIPHER_CTX *ecb;  /* AES-128-ECB, no padding: the mask */
	EVP_CIPHER_CTX *gcm;  /* AES-128-GCM, 12-byte nonce: the payload */
};

struct quic_aead *quic_aead_new(void)
{
	struct quic_aead *a = OPENSSL_zalloc(sizeof *a);
	if (!a)
		return NULL;
	a->ecb = EVP_CIPHER_CTX_new();
	a->gcm = EVP_CIPHER_CTX_new();
	if (!a->ecb || !a->gcm ||
	    EVP_EncryptInit_ex(a->ecb, EVP_aes_128_ecb(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(a->ecb, 0) != 1 ||
	    EVP_DecryptInit_ex(a->gcm, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(a->gcm, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1) {
		quic_aead_free(a);
		return NULL;
	}
	return a;
}

void quic_aead_free(struct quic_aead *a)
{
	if (!a)
		return;
	EVP_CIPHER_CTX_free(a->ecb);
	EVP_CIPHER_CTX_free(a->gcm);
	OPENSSL_free(a);
}

/* AES-128-ECB of one block (the header protection mask). */
static bool aes_ecb(struct quic_aead *a, const uint8_t key[16],
                    const uint8_t in[16], uint8_t out[16])
{
	int l1 = 0;
	return EVP_EncryptInit_ex(a->ecb, NULL, NULL, key, NULL) == 1 &&
	       EVP_EncryptUpdate(a->ecb, out, &l1, in, 16) == 1 && l1 == 16;
}

enum dres quic_decrypt_initial(struct quic_aead *a, const uint8_t *pkt,
                               const struct quic_hdr *h,
                               const struct quic_keys *k, uint8_t *out,
                               size_t outlen, size_t *plen, uint64_t *pn)
{
	struct cur c = cur_make(pkt, h->len), sample, ctext, tagv;
	uint8_t b0, mask[16], smp[16], pnb[4], tag[QUIC_TAG], nonce[12];

	*plen = 0;
	*pn = 0;
	if (h->ptype != QUIC_PT_INITIAL)
		return D_NOT_MINE;
	if (!cur_peek_u8(&c, 0, &b0))
		return D_MALFORMED;
	/* the sample: 16 bytes from 4 bytes past the packet number offset */
	struct cur s = c;
	if (!cur_skip(&s, h->pn_off + 4) || !cur_get_bytes(&s, &sample, QUIC_SAMPLE))
		return D_MALFORMED;
	memcpy(smp, cur_ptr(&sample), QUIC_SAMPLE);
	if (!aes_ecb(a, k->hp, smp, mask))
		return D_MALFORMED;
	b0 ^= mask[0] & 0x0f;
	size_t pnl = (size_t)(b0 & 3) + 1;
	struct cur body = c, pnv;
	if (!cur_skip(&body, h->pn_off) || !cur_get_bytes(&body, &pnv, pnl))
		return D_MALFORMED;
	uint64_t v = 0;
	for (size_t i = 0; i < pnl; i++) {
		pnb[i] = (uint8_t)(cur_ptr(&pnv)[i] ^ mask[1 + i]);
		v = v << 8 | pnb[i];
	}
	/* what remains is ciphertext and the tag */
	if (cur_len(&body) < QUIC_TAG + 1)
		return D_MALFORMED;
	size_t ctl = cur_len(&body) - QUIC_TAG;
	if (ctl > outlen || ctl > (size_t)1 << 30)
		return D_MALFORMED;
	cur_get_bytes(&body, &ctext, ctl);
	cur_get_bytes(&body, &tagv, QUIC_TAG);
	memcpy(tag, cur_ptr(&tagv), QUIC_TAG);

	memcpy(nonce, k->iv, sizeof nonce);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(v >> (8 * i));

	EVP_CIPHER_CTX *x = a->gcm;
	int l = 0, lf = 0;
	bool ok = EVP_DecryptInit_ex(x, NULL, NULL, k->key, nonce) == 1 &&
	          /* AAD: the unprotected first byte, the header as sent up to the
	           * packet number, the unprotected packet number */
	          EVP_DecryptUpdate(x, NULL, &l, &b0, 1) == 1 &&
	          (h->pn_off <= 1 ||
	           EVP_DecryptUpdate(x, NULL, &l, cur_ptr(&c) + 1, (int)(h->pn_off - 1)) == 1) &&
	          EVP_DecryptUpdate(x, NULL, &l, pnb, (int)pnl) == 1 &&
	          EVP_DecryptUpdate(x, out, &l, cur_ptr(&ctext), (int)ctl) == 1 &&
	          EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, QUIC_TAG, tag) == 1 &&
	          EVP_DecryptFinal_ex(x, out + l, &lf) == 1;
	if (!ok || (size_t)l + (size_t)lf != ctl)
		return D_MALFORMED;
	*plen = ctl;
	*pn = v;
	return D_OK;
}

/* ---- CRYPTO stream ----------------------------------------------------- */

void quic_crypto_reset(struct quic_crypto *c)
{
	c->nr = 0;
}

enum quic_cres quic_crypto_add(struct quic_crypto *c, uint64_t off,
                               const uint8_t *p, size_t n)
{
	enum quic_cres res = QC_OK;

	if (n == 0)
		return QC_OK;
	if (off >= SW_QUIC_CRYPTO_BYTES)
		return QC_BEYOND;
	if (n > SW_QUIC_CRYPTO_BYTES - off) {
		n = SW_QUIC_CRYPTO_BYTES - (size_t)off;
		res = QC_BEYOND;
	}
	uint32_t lo = (uint32_t)off, hi = (uint32_t)(off + n);

	/* every byte already held must agree with the new copy */
	for (unsigned i = 0; i < c->nr; i++) {
		uint32_t a = c->r[i].lo > lo ? c->r[i].lo : lo;
		uint32_t b = c->r[i].hi < hi ? c->r[i].hi : hi;
		if (a < b && memcmp(c->buf + a, p + (a - lo), b - a) != 0)
			return QC_CONFLICT;
	}

	/* merge [lo, hi) into the sorted list; touching ranges join */
	struct { uint16_t lo, hi; } t[SW_QUIC_RANGES + 1];
	unsigned tn = 0;
	uint32_t nlo = lo, nhi = hi;
	bool placed = false;
	for (unsigned i = 0; i < c->nr; i++) {
		if (c->r[i].hi < nlo) {
			t[tn].lo = c->r[i].lo;
			t[tn++].hi = c->r[i].hi;
		} else if (c->r[i].lo > nhi) {
			if (!placed) {
				t[tn].lo = (uint16_t)nlo;
				t[tn++].hi = (uint16_t)nhi;
				placed = true;
			}
			t[tn].lo = c->r[i].lo;
			t[tn++].hi = c->r[i].hi;
		} else {
			if (c->r[i].lo < nlo)
				nlo = c->r[i].lo;
			if (c->r[i].hi > nhi)
				nhi = c->r[i].hi;
		}
		if (tn > SW_QUIC_RANGES)
			return QC_HOLES;
	}
	if (!placed) {
		if (tn >= SW_QUIC_RANGES)
			return QC_HOLES;
		t[tn].lo = (uint16_t)nlo;
		t[tn++].hi = (uint16_t)nhi;
	}
	if (tn > SW_QUIC_RANGES)
		return QC_HOLES;
	memcpy(c->buf + lo, p, n);
	for (unsigned i = 0; i < tn; i++) {
		c->r[i].lo = t[i].lo;
		c->r[i].hi = t[i].hi;
	}
	c->nr = (uint16_t)tn;
	return res;
}

size_t quic_crypto_contig(const struct quic_crypto *c)
{
	return (c->nr && c->r[0].lo == 0) ? c->r[0].hi : 0;
}

enum dres quic_crypto_hello(const struct quic_crypto *c, size_t *len)
{
	size_t have = quic_crypto_contig(c);
	*len = 0;
	if (have >= 1 && c->buf[0] != QUIC_HS_CLIENT_HELLO)
		return D_NOT_MINE;
	if (have < 4)
		return D_NEED_MORE;
	size_t l = 4 + ((size_t)c->buf[1] << 16 | (size_t)c->buf[2] << 8 | c->buf[3]);
	if (l > SW_QUIC_CRYPTO_BYTES)
		return D_MALFORMED;
	if (have < l)
		return D_NEED_MORE;
	*len = l;
	return D_OK;
}

/* ---- frames ------------------------------------------------------------ */

/* Skip n varints. */
static bool skip_varints(struct cur *c, unsigned n)
{
	uint64_t v;
	while (n--)
		if (!cur_get_varint(c, &v))
			return false;
	return true;
}

/* ACK (RFC 9000 19.3): largest, delay, range count, first range, then
 * count x (gap, length), then three ECN counts for type 0x03.  The loop
 * consumes at least two bytes a turn, so the bytes bound it. */
static bool skip_ack(struct cur *c, bool ecn)
{
	uint64_t count;
	if (!skip_varints(c, 2) || !cur_get_varint(c, &count) || !skip_varints(c, 1))
		return false;
	for (uint64_t i = 0; i < count; i++)
		if (!skip_varints(c, 2))
			return false;
	return !ecn || skip_varints(c, 3);
}

/* Google's T05x carry gQUIC frames (PADDING 00 fills the rest of the
 * packet, PING 07, CRYPTO 08 with IETF varints, ACK 40-7f, STREAM 80-ff):
 * map the ones an Initial needs onto the IETF types; the rest ends the
 * walk. */
static uint64_t gquic_type(uint64_t t, struct cur *c)
{
	if (t == 0x00) {
		cur_skip(c, cur_len(c));
		return 0x00;
	}
	if (t == 0x07)
		return 0x01;
	if (t == 0x08)
		return 0x06;
	return 0xff; /* not read: stops the walk */
}

enum dres quic_frames(uint32_t version, const uint8_t *p, size_t n,
                      struct quic_crypto *cr, struct quic_frames *fr)
{
	struct cur c = cur_make(p, n);
	struct quic_frames dummy;
	bool gquic = (version & 0xffffff00u) == 0x54303500u; /* T05x */
	if (!fr)
		fr = &dummy;
	memset(fr, 0, sizeof *fr);

	while (!cur_empty(&c)) {
		uint64_t type, off, len;
		struct cur data;
		if (gquic) {
			uint8_t t;
			cur_get_u8(&c, &t);
			type = gquic_type(t, &c);
		} else if (!cur_get_varint(&c, &type)) {
			return D_MALFORMED;
		}
		switch (type) {
		case 0x00: { /* PADDING: skip the whole run of zeros */
			const uint8_t *q = cur_ptr(&c);
			size_t i = 0, m = cur_len(&c);
			while (i < m && q[i] == 0)
				i++;
			cur_skip(&c, i);
			fr->padding++;
			break;
		}
		case 0x01:
			fr->ping++;
			break;
		case 0x02:
		case 0x03:
			if (!skip_ack(&c, type == 0x03))
				return D_MALFORMED;
			fr->ack++;
			break;
		case 0x06:
			if (!cur_get_varint(&c, &off) || !cur_get_varint(&c, &len) ||
			    len > cur_len(&c) || off > ((uint64_t)1 << 62) - len)
				return D_MALFORMED;
			cur_get_bytes(&c, &data, (size_t)len);
			fr->crypto++;
			if (cr) {
				enum quic_cres r = quic_crypto_add(cr, off, cur_ptr(&data),
				                                   cur_len(&data));
				if (r > fr->worst)
					fr->worst = r;
			}
			break;
		case 0x1c: /* CONNECTION_CLOSE: code, frame type, reason */
			if (!skip_varints(&c, 2) || !cur_get_varint(&c, &len) ||
			    len > cur_len(&c))
				return D_MALFORMED;
			cur_skip(&c, (size_t)len);
			fr->close++;
			break;
		default:
			return D_MALFORMED;
		}
	}
	return D_OK;
}

/* ---- Google QUIC (cleartext CHLO) --------------------------------------- */

/* 'Q' '0' digit digit */
static bool gquic_version_at(const struct cur *c, size_t off)
{
	uint8_t b[4];
	for (size_t i = 0; i < 4; i++)
		if (!cur_peek_u8(c, off + i, &b[i]))
			return false;
	return b[0] == 'Q' && b[1] == '0' && b[2] >= '0' && b[2] <= '9' &&
	       b[3] >= '0' && b[3] <= '9';
}

static bool tag_at(const struct cur *c, size_t off, const char t[4])
{
	uint8_t b;
	for (size_t i = 0; i < 4; i++)
		if (!cur_peek_u8(c, off + i, &b) || b != (uint8_t)t[i])
			return false;
	return true;
}

enum dres quic_gquic_sni(const uint8_t *p, size_t n, struct cur *sni)
{
	struct cur c = cur_make(p, n);
	uint8_t b0;

	*sni = cur_make(NULL, 0);
	if (!cur_peek_u8(&c, 0, &b0))
		return D_NOT_MINE;
	/* Q043+ long header: version at 1; Q039 and older public header with
	 * the version flag (0x01) and an 8-byte connection ID (0x08): at 9 */
	bool long_hdr = (b0 & 0x80) && gquic_version_at(&c, 1);
	bool public_hdr = !(b0 & 0x80) && (b0 & 0x09) == 0x09 && gquic_version_at(&c, 9);
	if (!long_hdr && !public_hdr)
		return D_NOT_MINE;
	/* the CHLO message inside the cleartext stream 1 frame */
	long at = -1;
	for (size_t off = 5; off + 4 <= n;) {
		long k = cur_find_u8(&c, off, 'C');
		if (k < 0)
			break;
		if (tag_at(&c, (size_t)k, "CHLO")) {
			at = k;
			break;
		}
		off = (size_t)k + 1;
	}
	if (at < 0)
		return D_NOT_MINE;
	/* CHLO | entries:16 LE | padding:16 | entries x (tag:32, end:32 LE) | values */
	struct cur m = c, tags, vals;
	uint16_t ne, pad;
	if (!cur_skip(&m, (size_t)at + 4) || !cur_get_le16(&m, &ne) || !cur_get_le16(&m, &pad))
		return D_MALFORMED;
	if (!cur_get_bytes(&m, &tags, (size_t)ne * 8))
		return D_MALFORMED;
	vals = m;
	uint32_t prev = 0;
	for (uint16_t i = 0; i < ne; i++) {
		uint32_t end;
		bool is_sni = tag_at(&tags, 0, "SNI");
		uint8_t z;
		is_sni = is_sni && cur_peek_u8(&tags, 3, &z) && z == 0;
		if (!cur_skip(&tags, 4) || !cur_get_le32(&tags, &end))
			return D_MALFORMED;
		if (end < prev || end > cur_len(&vals))
			return D_MALFORMED;
		if (is_sni) {
			struct cur v = vals;
			cur_skip(&v, prev);
			cur_truncate(&v, end - prev);
			*sni = v;
			return cur_empty(sni) ? D_MALFORMED : D_OK;
		}
		prev = end;
	}
	return D_NOT_MINE;
}
