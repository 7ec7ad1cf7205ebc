/*
 * ja4.c - JA4 fingerprint of a ClientHello (contract and rules in ja4.h).
 *
 * Reads the views tls_parse_hello_msg()/tls_client_hello() keep:
 *
 *   ciphers:            | suite:16 |*               (the vector body)
 *   extensions:         | type:16 | length:16 | data |*
 *   alpn (ext 16):      | list_len:16 | { name_len:8 | name }* |
 *   sig_algs (ext 13):  | list_len:16 | scheme:16 |* |
 *   supported_versions: | list_len:8 | version:16 |* |
 *
 * Values are collected into fixed arrays on the stack (a hello is at most
 * SW_TLS_HELLO_MAX bytes, so it has fewer than SW_TLS_HELLO_MAX / 2 values
 * in any list, and at most SW_TLS_EXT_MAX extensions), sorted with an in-place heapsort, and fed to SHA-256 as the
 * comma-separated text the specification hashes.
 */
#include "dissectors/ja4.h"

#include <string.h>

#include <openssl/evp.h>

#include "daemon/sw_limits.h"

#define JA4_VALS (SW_TLS_HELLO_MAX / 2)

enum { EXT_SNI = 0x0000, EXT_ALPN = 0x0010 };

/* In-place heapsort of n 16-bit values (no allocation, O(n log n)). */
static void sift(uint16_t *a, size_t root, size_t n)
{
	for (;;) {
		size_t c = 2 * root + 1;
		if (c >= n)
			return;
		if (c + 1 < n && a[c + 1] > a[c])
			c++;
		if (a[root] >= a[c])
			return;
		uint16_t t = a[root];
		a[root] = a[c];
		a[c] = t;
		root = c;
	}
}

static void sort16(uint16_t *a, size_t n)
{
	if (n < 2)
		return;
	for (size_t i = n / 2; i-- > 0;)
		sift(a, i, n);
	for (size_t end = n - 1; end > 0; end--) {
		uint16_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift(a, 0, end);
	}
}

/* Text fed to SHA-256 through a small buffer. */
struct hbuf {
	EVP_MD_CTX *md;
	char b[512];
	size_t n;
	bool ok;
};

static void h_flush(struct hbuf *h)
{
	if (h->n && EVP_DigestUpdate(h->md, h->b, h->n) != 1)
		h->ok = false;
	h->n = 0;
}

static void h_put(struct hbuf *h, const char *s, size_t n)
{
	if (h->n + n > sizeof h->b)
		h_flush(h);
	memcpy(h->b + h->n, s, n);
	h->n += n;
}

static void h_list(struct hbuf *h, const uint16_t *v, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		char t[5];
		size_t k = 0;
		if (i)
			t[k++] = ',';
		t[k++] = hex[v[i] >> 12];
		t[k++] = hex[(v[i] >> 8) & 15];
		t[k++] = hex[(v[i] >> 4) & 15];
		t[k++] = hex[v[i] & 15];
		h_put(h, t, k);
	}
}

/* First 12 hex characters of SHA-256 of the text "a,a,..." followed by
 * "_b,b,..." when nb > 0. */
static bool hash12(const uint16_t *a, size_t na, const uint16_t *b, size_t nb,
                   char out[13])
{
	static const char hex[] = "0123456789abcdef";
	struct hbuf h;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;

	memset(&h, 0, sizeof h);
	h.ok = true;
	h.md = EVP_MD_CTX_new();
	if (!h.md || EVP_DigestInit_ex(h.md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h.md);
		return false;
	}
	h_list(&h, a, na);
	if (nb) {
		h_put(&h, "_", 1);
		h_list(&h, b, nb);
	}
	h_flush(&h);
	bool ok = h.ok && EVP_DigestFinal_ex(h.md, d, &dl) == 1 && dl == 32;
	EVP_MD_CTX_free(h.md);
	if (!ok)
		return false;
	for (int i = 0; i < 6; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[12] = '\0';
	return true;
}

/* Read a list of 16-bit values from c (all of it), skipping GREASE. */
static bool read16(struct cur c, uint16_t *v, size_t max, size_t *n)
{
	*n = 0;
	while (!cur_empty(&c)) {
		uint16_t x;
		if (!cur_get_be16(&c, &x))
			return false;
		if (ja4_is_grease(x))
			continue;
		if (*n >= max)
			return false;
		v[(*n)++] = x;
	}
	return true;
}

static const char *version_str(uint16_t v)
{
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	case 0x0200: /* as the first JA4 text wrote SSL 2.0 */
	case 0x0002: return "s2";
	case 0x0100: return "s1";
	case 0xfeff: return "d1";
	case 0xfefd: return "d2";
	case 0xfefc: return "d3";
	default: return "00";
	}
}

static bool is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The two ALPN characters of part a. */
static void alpn_chars(struct cur alpn, char out[2])
{
	static const char hex[] = "0123456789abcdef";
	struct cur list, name;
	out[0] = out[1] = '0';
	if (!cur_get_lp16(&alpn, &list) || !cur_get_lp8(&list, &name) || cur_empty(&name))
		return;
	uint8_t first = cur_ptr(&name)[0], last = cur_ptr(&name)[cur_len(&name) - 1];
	if (is_alnum(first) && is_alnum(last)) {
		out[0] = (char)first;
		out[1] = (char)last;
	} else {
		out[0] = hex[first >> 4];
		out[1] = hex[last & 15];
	}
}

static void two_digits(size_t n, char *out)
{
	if (n > 99)
		n = 99;
	out[0] = (char)('0' + n / 10);
	out[1] = (char)('0' + n % 10);
}

bool ja4_compute(const struct tls_hello *h, bool quic, char out[JA4_BUF])
{
	uint16_t ciphers[JA4_VALS], exts[SW_TLS_EXT_MAX], sigs[JA4_VALS];
	size_t nc, ne = 0, ns = 0, ne_all = 0;
	bool sni = false;

	out[0] = '\0';
	/* a TLS hello has at least one suite; none: not a TLS ClientHello
	 * (Google QUIC's CHLO is handed over with its name only) */
	if (cur_empty(&h->ciphers) || !read16(h->ciphers, ciphers, JA4_VALS, &nc))
		return false;

	/* extension types: all (counted), and the hashed ones */
	struct cur e = h->extensions;
	while (!cur_empty(&e)) {
		uint16_t type;
		struct cur data;
		if (!cur_get_be16(&e, &type) || !cur_get_lp16(&e, &data))
			return false;
		if (ja4_is_grease(type))
			continue;
		ne_all++;
		if (type == EXT_SNI)
			sni = true;
		if (type == EXT_SNI || type == EXT_ALPN)
			continue;
		if (ne >= SW_TLS_EXT_MAX)
			return false;
		exts[ne++] = type;
	}

	struct cur sv, sa;
	if (!cur_empty(&h->sig_algs)) {
		sa = h->sig_algs;
		struct cur list;
		if (!cur_get_lp16(&sa, &list) || !read16(list, sigs, JA4_VALS, &ns))
			return false;
	}

	/* version: the highest supported_versions value, else the hello's */
	uint16_t ver = h->legacy_version;
	if (!cur_empty(&h->supported_versions)) {
		sv = h->supported_versions;
		struct cur list;
		uint16_t vs[128];
		size_t nv;
		if (!cur_get_lp8(&sv, &list) || !read16(list, vs, 128, &nv))
			return false;
		if (nv) {
			ver = 0;
			for (size_t i = 0; i < nv; i++)
				if (vs[i] > ver)
					ver = vs[i];
		}
	}

	char a[11];
	a[0] = quic ? 'q' : 't';
	memcpy(a + 1, version_str(ver), 2);
	a[3] = sni ? 'd' : 'i';
	two_digits(nc, a + 4);
	two_digits(ne_all, a + 6);
	alpn_chars(h->alpn, a + 8);
	a[10] = '\0';

	char b[13], c[13];
	sort16(ciphers, nc);
	sort16(exts, ne);
	if (nc == 0)
		memcpy(b, "000000000000", 13);
	else if (!hash12(ciphers, nc, NULL, 0, b))
		return false;
	if (ne == 0)
		memcpy(c, "000000000000", 13);
	else if (!hash12(exts, ne, sigs, ns, c))
		return false;

	memcpy(out, a, 10);
	out[10] = '_';
	memcpy(out + 11, b, 12);
	out[23] = '_';
	memcpy(out + 24, c, 12);
	out[36] = '\0';
	return true;
}
