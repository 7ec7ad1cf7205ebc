/*
 * test_tls.c - tls_probe, tls_client_hello and tls_parse_hello_msg.
 *
 * Good inputs are real ClientHellos cut from ../shared/pcaps and from a local
 * OpenSSL 3.0 capture (tests/data/tls, README there); vectors.tsv holds
 * tshark's reading of each one (SNI, versions, lengths of the views), which
 * is what the parser must find.  Each is also fed as every prefix, re-framed
 * into 2 records at every boundary, into 3 records at many boundary pairs,
 * one byte per record, and cut short at every length.  Bad inputs are
 * hand-assembled from RFC 8446 4.1.2 / RFC 6066 3 with a small builder.
 * Every input goes through tu_guard_copy, so any over-read faults.
 */
#include <stdio.h>
#include <stdlib.h>

#include "daemon/sw_limits.h"
#include "dissectors/tls.h"
#include "tests/testutil.h"

#define MAXV 40
#define MAXB 4096
#define STREAM_BUF (SW_TLS_SCRATCH * 8)

struct vec {
	char name[32];
	char sni[256];          /* "" when the hello has none */
	unsigned legacy_version;
	int n_ext, ciphers_len, ext_len, alpn_len, sig_len, sv_len, ech, esni;
	size_t consumed;        /* the record: 5 + record length */
	uint8_t b[MAXB];
	size_t len;
};

static struct vec vecs[MAXV];
static int nvec;
static uint8_t *scratch;
static uint8_t *stream; /* re-framed streams are built here */

static const char *datadir(void)
{
	const char *e = getenv("SW_TESTDATA");
	return (e && *e) ? e : "tests/data";
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* Load vectors.tsv and the .bin files; false (with a message) on failure. */
static bool load_vectors(void)
{
	char path[512], line[1024];
	snprintf(path, sizeof path, "%s/tls/vectors.tsv", datadir());
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "test_tls: cannot read %s (run from the repo root "
		        "or set SW_TESTDATA)\n", path);
		return false;
	}
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (nvec == MAXV)
			break;
		struct vec *v = &vecs[nvec];
		char sni[256];
		if (sscanf(line, "%31s %255s %x %d %d %d %d %d %d %d %d %zu", v->name,
		           sni, &v->legacy_version, &v->n_ext, &v->ciphers_len,
		           &v->ext_len, &v->alpn_len, &v->sig_len, &v->sv_len,
		           &v->ech, &v->esni, &v->consumed) != 12) {
			fprintf(stderr, "test_tls: bad line in %s: %s", path, line);
			fclose(f);
			return false;
		}
		snprintf(v->sni, sizeof v->sni, "%s", strcmp(sni, "-") ? sni : "");
		snprintf(path, sizeof path, "%s/tls/%s.bin", datadir(), v->name);
		v->len = read_file(path, v->b, sizeof v->b);
		if (v->len == 0 || v->len != v->consumed) {
			fprintf(stderr, "test_tls: %s: %zu bytes, expected %zu\n", path,
			        v->len, v->consumed);
			fclose(f);
			return false;
		}
		nvec++;
	}
	fclose(f);
	return nvec > 0;
}

/* ---- helpers -------------------------------------------------------------- */

/* The guarded copy of the last input: views into it stay readable until
 * the next *_guarded call. */
static struct tu_guard last;

static const uint8_t *guard(const uint8_t *p, size_t n)
{
	if (last.map)
		tu_guard_free(&last);
	last = tu_guard_copy(p, n);
	return last.data;
}

static enum dres hello_guarded(const uint8_t *p, size_t n, uint8_t *scr,
                               size_t scr_len, struct tls_hello *h)
{
	const uint8_t *q = guard(p, n);
	enum dres r = tls_client_hello(q, n, scr, scr_len, h);
	if (r == D_OK && scr == NULL && h->has_sni)
		ck_assert(h->sni.p >= q && h->sni.p + h->sni.len <= q + n);
	return r;
}

static enum dres probe_guarded(const uint8_t *p, size_t n)
{
	struct tu_guard g = tu_guard_copy(p, n);
	enum dres r = tls_probe(g.data, n);
	tu_guard_free(&g);
	return r;
}

static enum dres msg_guarded(const uint8_t *p, size_t n, struct tls_hello *h)
{
	return tls_parse_hello_msg(cur_make(guard(p, n), n), h);
}

static bool inside(const struct cur *v, const uint8_t *base, size_t n)
{
	return v->len == 0 || (v->p >= base && v->p + v->len <= base + n);
}

/* Compare a parsed hello with tshark's reading.  base/n: where the views
 * must point. */
static void check_hello(const struct vec *v, const struct tls_hello *h,
                        const uint8_t *base, size_t n, const char *how)
{
	if (v->sni[0]) {
		ck_assert_msg(h->has_sni, "%s %s: no SNI", v->name, how);
		ck_assert_msg(cur_eq_str(&h->sni, v->sni), "%s %s: SNI '%.*s'",
		              v->name, how, (int)h->sni.len, (const char *)h->sni.p);
	} else {
		ck_assert_msg(!h->has_sni && h->sni.len == 0, "%s %s: SNI", v->name, how);
	}
	ck_assert_uint_eq(h->legacy_version, v->legacy_version);
	ck_assert_msg(h->n_ext == v->n_ext, "%s %s: n_ext %u want %d", v->name, how,
	              h->n_ext, v->n_ext);
	ck_assert_int_eq((int)h->ciphers.len, v->ciphers_len);
	ck_assert_int_eq((int)h->extensions.len, v->ext_len < 0 ? 0 : v->ext_len);
	ck_assert_int_eq((int)h->alpn.len, v->alpn_len < 0 ? 0 : v->alpn_len);
	ck_assert_int_eq((int)h->sig_algs.len, v->sig_len < 0 ? 0 : v->sig_len);
	ck_assert_int_eq((int)h->supported_versions.len, v->sv_len < 0 ? 0 : v->sv_len);
	ck_assert_int_eq(h->has_ech, v->ech);
	ck_assert_int_eq(h->has_esni, v->esni);
	ck_assert(inside(&h->sni, base, n));
	ck_assert(inside(&h->ciphers, base, n));
	ck_assert(inside(&h->extensions, base, n));
	ck_assert(inside(&h->alpn, base, n));
	ck_assert(inside(&h->sig_algs, base, n));
	ck_assert(inside(&h->supported_versions, base, n));
}

/* The handshake message of a single-record vector. */
static const uint8_t *vmsg(const struct vec *v, size_t *mlen)
{
	*mlen = v->len - 5;
	return v->b + 5;
}

/*
 * Frame msg (mlen bytes) into records cut at the ascending offsets cuts[],
 * into out; returns the stream length.  Record version 03 01, as browsers.
 */
static size_t reframe(const uint8_t *msg, size_t mlen, const size_t *cuts,
                      int ncuts, uint8_t *out)
{
	size_t o = 0, start = 0;
	for (int i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : mlen;
		size_t l = end - start;
		out[o++] = 0x16;
		out[o++] = 0x03;
		out[o++] = 0x01;
		out[o++] = (uint8_t)(l >> 8);
		out[o++] = (uint8_t)l;
		memcpy(out + o, msg + start, l);
		o += l;
		start = end;
	}
	return o;
}

/* A re-framed hello must parse like the original, with views in scratch. */
static void check_reframed(const struct vec *v, const size_t *cuts, int ncuts,
                           const char *how)
{
	size_t mlen;
	const uint8_t *msg = vmsg(v, &mlen);
	size_t n = reframe(msg, mlen, cuts, ncuts, stream);
	struct tls_hello h;
	enum dres r = hello_guarded(stream, n, scratch, SW_TLS_SCRATCH, &h);
	ck_assert_msg(r == D_OK, "%s %s cut at %zu: verdict %d", v->name, how,
	              cuts[0], r);
	check_hello(v, &h, scratch, SW_TLS_SCRATCH, how);
	ck_assert_uint_eq(h.consumed, n);
}

/* ---- good vectors ------------------------------------------------------------ */

START_TEST(test_vectors_whole)
{
	for (int i = 0; i < nvec; i++) {
		const struct vec *v = &vecs[i];
		struct tls_hello h;
		struct tu_guard g = tu_guard_copy(v->b, v->len);
		ck_assert_msg(tls_probe(g.data, v->len) == D_OK, "%s: probe", v->name);
		enum dres r = tls_client_hello(g.data, v->len, scratch, SW_TLS_SCRATCH, &h);
		ck_assert_msg(r == D_OK, "%s: verdict %d", v->name, r);
		check_hello(v, &h, g.data, v->len, "whole");
		ck_assert_uint_eq(h.consumed, v->consumed);
		tu_guard_free(&g);

		/* the same without scratch: a single record needs none */
		r = hello_guarded(v->b, v->len, NULL, 0, &h);
		ck_assert_int_eq(r, D_OK);

		/* the message alone, as QUIC gives it */
		size_t mlen;
		const uint8_t *msg = vmsg(v, &mlen);
		g = tu_guard_copy(msg, mlen);
		r = tls_parse_hello_msg(cur_make(g.data, mlen), &h);
		ck_assert_msg(r == D_OK, "%s: msg verdict %d", v->name, r);
		check_hello(v, &h, g.data, mlen, "msg");
		ck_assert_uint_eq(h.consumed, mlen);
		tu_guard_free(&g);
	}
}
END_TEST

START_TEST(test_vectors_prefixes)
{
	for (int i = 0; i < nvec; i++) {
		const struct vec *v = &vecs[i];
		struct tls_hello h;
		size_t mlen;
		const uint8_t *msg = vmsg(v, &mlen);
		for (size_t k = 0; k < v->len; k++) {
			enum dres r = hello_guarded(v->b, k, scratch, SW_TLS_SCRATCH, &h);
			ck_assert_msg(r == D_NEED_MORE, "%s: prefix %zu gives %d",
			              v->name, k, r);
			ck_assert(!h.has_sni && h.consumed == 0);
			ck_assert_int_eq(probe_guarded(v->b, k), k < 6 ? D_NEED_MORE : D_OK);
		}
		for (size_t k = 0; k < mlen; k++)
			ck_assert_msg(msg_guarded(msg, k, &h) == D_NEED_MORE,
			              "%s: msg prefix %zu", v->name, k);
	}
}
END_TEST

/* Extra bytes after the hello's record (a CCS, application data, the next
 * record) are not part of it: consumed stops at the record's end. */
START_TEST(test_vectors_trailing)
{
	static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01,
	                               0x17, 0x03, 0x03, 0x00, 0x02, 0xaa, 0xbb };
	for (int i = 0; i < nvec; i++) {
		const struct vec *v = &vecs[i];
		struct tls_hello h;
		memcpy(stream, v->b, v->len);
		memcpy(stream + v->len, ccs, sizeof ccs);
		for (size_t extra = 1; extra <= sizeof ccs; extra++) {
			enum dres r = hello_guarded(stream, v->len + extra, scratch,
			                            SW_TLS_SCRATCH, &h);
			ck_assert_int_eq(r, D_OK);
			ck_assert_uint_eq(h.consumed, v->len);
		}
		/* bytes after the message inside its own record are skipped too */
		size_t mlen;
		const uint8_t *msg = vmsg(v, &mlen);
		size_t n = reframe(msg, mlen, NULL, 0, stream);
		stream[n] = 0xff; /* one junk byte in the same record */
		stream[3] = (uint8_t)((mlen + 1) >> 8);
		stream[4] = (uint8_t)(mlen + 1);
		ck_assert_int_eq(hello_guarded(stream, n + 1, NULL, 0, &h), D_OK);
		ck_assert_uint_eq(h.consumed, n + 1);
		ck_assert_int_eq(hello_guarded(stream, n, NULL, 0, &h), D_NEED_MORE);
	}
}
END_TEST

START_TEST(test_split_two_records)
{
	for (int i = 0; i < nvec; i++) {
		const struct vec *v = &vecs[i];
		size_t mlen;
		vmsg(v, &mlen);
		for (size_t k = 1; k < mlen; k++)
			check_reframed(v, &k, 1, "2 records");
	}
}
END_TEST

/* Every prefix of split streams, cut inside the handshake header and in the
 * body, is a prefix: D_NEED_MORE. */
START_TEST(test_split_prefixes)
{
	struct tls_hello h;
	for (int i = 0; i < nvec; i++) {
		const struct vec *v = &vecs[i];
		size_t mlen;
		const uint8_t *msg = vmsg(v, &mlen);
		const size_t cutsel[] = { 1, 3, 4, mlen / 2, mlen - 1 };
		for (size_t c = 0; c < sizeof cutsel / sizeof cutsel[0]; c++) {
			size_t n = reframe(msg, mlen, &cutsel[c], 1, stream);
			for (size_t k = 0; k < n; k++)
				ck_assert_msg(hello_guarded(stream, k, scratch, SW_TLS_SCRATCH,
				                            &h) == D_NEED_MORE,
				              "%s: cut %zu prefix %zu", v->name, cutsel[c], k);
		}
	}
}
END_TEST

START_TEST(test_split_three_records)
{
	for (int i = 0; i < nvec; i++) {
		const struct vec *v = &vecs[i];
		size_t mlen;
		vmsg(v, &mlen);
		/* every pair of boundaries on the small hellos, a grid on the
		 * others, always including the header bytes */
		size_t step = mlen < 200 ? 1 : mlen / 30;
		for (size_t a = 1; a + 1 < mlen; a = (a < 6 ? a + 1 : a + step)) {
			for (size_t b = a + 1; b < mlen; b = (b < a + 6 ? b + 1 : b + step)) {
				size_t cuts[2] = { a, b };
				check_reframed(v, cuts, 2, "3 records");
			}
		}
	}
}
END_TEST

/* One byte per record: legal (RFC 8446 5.1 only forbids empty fragments). */
START_TEST(test_split_every_byte)
{
	static size_t cuts[MAXB];
	for (int i = 0; i < nvec; i++) {
		const struct vec *v = &vecs[i];
		size_t mlen;
		vmsg(v, &mlen);
		for (size_t k = 1; k < mlen; k++)
			cuts[k - 1] = k;
		check_reframed(v, cuts, (int)mlen - 1, "1-byte records");
	}
}
END_TEST

/* The message cut short, with its record and handshake lengths made to
 * agree: only a cut right after the compression methods is itself a whole
 * (extension-less) hello; every other cut is malformed, never NEED_MORE. */
START_TEST(test_truncated_every_field)
{
	struct tls_hello h;
	for (int i = 0; i < nvec; i++) {
		const struct vec *v = &vecs[i];
		size_t mlen;
		const uint8_t *msg = vmsg(v, &mlen);
		size_t blen = mlen - 4;
		const uint8_t *body = msg + 4;
		/* where the compression methods end (test-side arithmetic) */
		size_t o = 2 + 32;
		o += 1 + body[o];
		o += 2 + ((size_t)body[o] << 8 | body[o + 1]);
		o += 1 + body[o];
		for (size_t k = 0; k < blen; k++) {
			stream[0] = 0x16;
			stream[1] = 0x03;
			stream[2] = 0x01;
			stream[3] = (uint8_t)((k + 4) >> 8);
			stream[4] = (uint8_t)(k + 4);
			stream[5] = 0x01;
			stream[6] = 0;
			stream[7] = (uint8_t)(k >> 8);
			stream[8] = (uint8_t)k;
			memcpy(stream + 9, body, k);
			enum dres want = k == o ? D_OK : D_MALFORMED;
			enum dres r = hello_guarded(stream, k + 9, NULL, 0, &h);
			ck_assert_msg(r == want, "%s: body cut at %zu gives %d", v->name, k, r);
			r = msg_guarded(stream + 5, k + 4, &h);
			ck_assert_msg(r == want, "%s: msg cut at %zu gives %d", v->name, k, r);
			if (r == D_OK)
				ck_assert(!h.has_sni && h.n_ext == 0 && h.extensions.len == 0);
		}
	}
}
END_TEST

/* ---- a builder for hand-assembled hellos (RFC 8446 4.1.2) ---------------- */

struct hb {
	uint8_t b[SW_TLS_SCRATCH * 2];
	size_t n;
};

static void put8(struct hb *h, unsigned v) { h->b[h->n++] = (uint8_t)v; }
static void put16(struct hb *h, unsigned v) { put8(h, v >> 8); put8(h, v); }
static void putn(struct hb *h, const void *p, size_t n)
{
	if (n)
		memcpy(h->b + h->n, p, n);
	h->n += n;
}

/* An extension of the given type with data. */
static void ext(struct hb *e, unsigned type, const void *data, size_t n)
{
	put16(e, type);
	put16(e, (unsigned)n);
	putn(e, data, n);
}

/* server_name with one host_name entry; deltas make the lengths lie. */
static void ext_sni(struct hb *e, const char *name, int ext_d, int list_d, int name_d)
{
	size_t n = strlen(name);
	put16(e, 0);
	put16(e, (unsigned)((int)n + 5 + ext_d));
	put16(e, (unsigned)((int)n + 3 + list_d));
	put8(e, 0);
	put16(e, (unsigned)((int)n + name_d));
	putn(e, name, n);
}

/* A whole single-record stream around extensions block e (NULL: no block). */
static size_t build(uint8_t *out, const struct hb *e, unsigned version,
                    unsigned sid_len, unsigned cs_len, unsigned comp_len)
{
	static struct hb body;
	body.n = 0;
	put16(&body, version);
	for (int i = 0; i < 32; i++)
		put8(&body, 0x11);
	put8(&body, sid_len);
	for (unsigned i = 0; i < sid_len; i++)
		put8(&body, 0x22);
	put16(&body, cs_len);
	for (unsigned i = 0; i < cs_len; i++)
		put8(&body, i % 2 ? 0x01 : 0x13);
	put8(&body, comp_len);
	for (unsigned i = 0; i < comp_len; i++)
		put8(&body, 0);
	if (e) {
		put16(&body, (unsigned)e->n);
		putn(&body, e->b, e->n);
	}
	size_t m = body.n + 4;
	out[0] = 0x16;
	out[1] = 0x03;
	out[2] = 0x01;
	out[3] = (uint8_t)(m >> 8);
	out[4] = (uint8_t)m;
	out[5] = 0x01;
	out[6] = (uint8_t)(body.n >> 16);
	out[7] = (uint8_t)(body.n >> 8);
	out[8] = (uint8_t)body.n;
	memcpy(out + 9, body.b, body.n);
	return body.n + 9;
}

static enum dres build_parse(const struct hb *e, struct tls_hello *h)
{
	size_t n = build(stream, e, 0x0303, 0, 2, 1);
	return hello_guarded(stream, n, scratch, SW_TLS_SCRATCH, h);
}

START_TEST(test_built_good)
{
	struct hb e = { .n = 0 };
	struct tls_hello h;

	ext_sni(&e, "tracker.example.com", 0, 0, 0);
	ck_assert_int_eq(build_parse(&e, &h), D_OK);
	ck_assert(cur_eq_str(&h.sni, "tracker.example.com"));
	ck_assert_uint_eq(h.n_ext, 1);

	/* an entry of another name type first, then two host_names: the
	 * first host_name is taken, the others are framed correctly */
	uint8_t sn[] = { 0x00, 21,
	                 0x01, 0x00, 0x03, 'x', 'y', 'z',
	                 0x00, 0x00, 0x05, 'a', '.', 'c', 'o', 'm',
	                 0x00, 0x00, 0x04, 'b', '.', 'e', 'x' };
	e.n = 0;
	ext(&e, 0, sn, sizeof sn);
	ck_assert_int_eq(build_parse(&e, &h), D_OK);
	ck_assert(cur_eq_str(&h.sni, "a.com"));
	/* the same list with its length one too long or too short */
	sn[1] = 22;
	e.n = 0;
	ext(&e, 0, sn, sizeof sn);
	ck_assert_int_eq(build_parse(&e, &h), D_MALFORMED);
	sn[1] = 20;
	e.n = 0;
	ext(&e, 0, sn, sizeof sn);
	ck_assert_int_eq(build_parse(&e, &h), D_MALFORMED);

	/* flags, views, a GREASE extension, ECH and ESNI */
	e.n = 0;
	ext(&e, 0x0a0a, NULL, 0);
	ext_sni(&e, "public.example", 0, 0, 0);
	static const uint8_t alpn[] = { 0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't',
	                                't', 'p', '/', '1', '.', '1' };
	ext(&e, 16, alpn, sizeof alpn);
	static const uint8_t sig[] = { 0x00, 0x04, 0x04, 0x03, 0x08, 0x04 };
	ext(&e, 13, sig, sizeof sig);
	static const uint8_t sv[] = { 0x04, 0x03, 0x04, 0x03, 0x03 };
	ext(&e, 43, sv, sizeof sv);
	static const uint8_t ech[] = { 0x00, 0x00, 0x01, 0x00, 0x01, 0x42 };
	ext(&e, 0xfe0d, ech, sizeof ech);
	ext(&e, 0xffce, NULL, 0);
	ck_assert_int_eq(build_parse(&e, &h), D_OK);
	ck_assert(cur_eq_str(&h.sni, "public.example"));
	ck_assert(h.has_ech && h.has_esni);
	ck_assert_uint_eq(h.n_ext, 7);
	ck_assert_uint_eq(h.alpn.len, sizeof alpn);
	ck_assert(memcmp(h.alpn.p, alpn, sizeof alpn) == 0);
	ck_assert_uint_eq(h.sig_algs.len, sizeof sig);
	ck_assert_uint_eq(h.supported_versions.len, sizeof sv);
	ck_assert_uint_eq(h.extensions.len, e.n);
	ck_assert_uint_eq(h.ciphers.len, 2);

	/* the name is returned raw, not validated (the caller normalises) */
	e.n = 0;
	ext_sni(&e, "Bad Name\x01.", 0, 0, 0);
	ck_assert_int_eq(build_parse(&e, &h), D_OK);
	ck_assert_uint_eq(h.sni.len, 10);

	/* an empty extensions block, and no block at all (TLS 1.0 style) */
	e.n = 0;
	ck_assert_int_eq(build_parse(&e, &h), D_OK);
	ck_assert(!h.has_sni && h.n_ext == 0);
	size_t n = build(stream, NULL, 0x0301, 32, 4, 2);
	ck_assert_int_eq(hello_guarded(stream, n, NULL, 0, &h), D_OK);
	ck_assert_uint_eq(h.legacy_version, 0x0301);

	/* SSL 3.0 hello */
	n = build(stream, NULL, 0x0300, 0, 2, 1);
	ck_assert_int_eq(hello_guarded(stream, n, NULL, 0, &h), D_OK);

	/* duplicate extensions we do not read are not checked */
	e.n = 0;
	ext(&e, 0x1234, NULL, 0);
	ext(&e, 0x1234, NULL, 0);
	ck_assert_int_eq(build_parse(&e, &h), D_OK);
}
END_TEST

START_TEST(test_ext_count_limit)
{
	struct hb e;
	struct tls_hello h;
	for (unsigned count = SW_TLS_EXT_MAX - 1; count <= 300; count++) {
		if (count > SW_TLS_EXT_MAX + 1 && count != 300)
			continue;
		e.n = 0;
		ext_sni(&e, "a.example", 0, 0, 0);
		for (unsigned i = 1; i < count; i++)
			ext(&e, 0x1000 + i, NULL, 0);
		enum dres r = build_parse(&e, &h);
		ck_assert_msg(r == (count <= SW_TLS_EXT_MAX ? D_OK : D_MALFORMED),
		              "%u extensions: %d", count, r);
		if (r == D_OK)
			ck_assert_uint_eq(h.n_ext, count);
	}
}
END_TEST

/* Each row: one broken extensions block and what it must give. */
START_TEST(test_built_bad_extensions)
{
	struct hb e;
	struct tls_hello h;

	/* extension length overflows the block */
	e.n = 0;
	put16(&e, 23);
	put16(&e, 5);
	put8(&e, 0);
	ck_assert_int_eq(build_parse(&e, &h), D_MALFORMED);
	/* half an extension header */
	e.n = 0;
	put16(&e, 23);
	put8(&e, 0);
	ck_assert_int_eq(build_parse(&e, &h), D_MALFORMED);

	/* server_name: list length lies up and down, name length lies up and
	 * down, extension length lies, zero-length host, empty list, empty
	 * extension */
	const int lies[][3] = {
		{ 0, 1, 0 }, { 0, -1, 0 }, { 0, 0, 1 }, { 0, 0, -1 }, { -1, -1, -1 },
	};
	for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
		e.n = 0;
		ext_sni(&e, "liar.example", lies[i][0], lies[i][1], lies[i][2]);
		ck_assert_msg(build_parse(&e, &h) == D_MALFORMED, "lie %zu", i);
	}
	e.n = 0;
	ext_sni(&e, "", 0, 0, 0);
	ck_assert_int_eq(build_parse(&e, &h), D_MALFORMED);
	e.n = 0;
	static const uint8_t empty_list[] = { 0x00, 0x00 };
	ext(&e, 0, empty_list, 2);
	ck_assert_int_eq(build_parse(&e, &h), D_MALFORMED);
	e.n = 0;
	ext(&e, 0, NULL, 0);
	ck_assert_int_eq(build_parse(&e, &h), D_MALFORMED);

	/* duplicates of an extension we read */
	e.n = 0;
	ext_sni(&e, "one.example", 0, 0, 0);
	ext_sni(&e, "two.example", 0, 0, 0);
	ck_assert_int_eq(build_parse(&e, &h), D_MALFORMED);
	e.n = 0;
	ext(&e, 0xfe0d, NULL, 0);
	ext(&e, 0xfe0d, NULL, 0);
	ck_assert_int_eq(build_parse(&e, &h), D_MALFORMED);

	/* ALPN, signature_algorithms, supported_versions whose inner
	 * lengths overflow or break their vector */
	static const struct { unsigned type; uint8_t d[8]; size_t n; } inner[] = {
		{ 16, { 0x00, 0x04, 0x02, 'h', '2' }, 5 },       /* list too long */
		{ 16, { 0x00, 0x02, 0x02, 'h', '2' }, 5 },       /* list too short */
		{ 16, { 0x00, 0x03, 0x00, 0x01, 'x' }, 5 },      /* empty name */
		{ 16, { 0x00, 0x03, 0x03, 'h', '2' }, 5 },       /* name overflows */
		{ 16, { 0x00, 0x00 }, 2 },                        /* empty list */
		{ 13, { 0x00, 0x03, 0x04, 0x03, 0x08 }, 5 },     /* odd */
		{ 13, { 0x00, 0x04, 0x04, 0x03 }, 4 },           /* overflows */
		{ 13, { 0x00, 0x00 }, 2 },                        /* empty */
		{ 43, { 0x03, 0x03, 0x04, 0x03 }, 4 },           /* odd */
		{ 43, { 0x04, 0x03, 0x04 }, 3 },                 /* overflows */
		{ 43, { 0x02, 0x03, 0x04, 0x00 }, 4 },           /* trailing byte */
	};
	for (size_t i = 0; i < sizeof inner / sizeof inner[0]; i++) {
		e.n = 0;
		ext(&e, inner[i].type, inner[i].d, inner[i].n);
		ck_assert_msg(build_parse(&e, &h) == D_MALFORMED, "inner %zu", i);
		ck_assert(!h.has_sni && h.n_ext == 0 && h.alpn.len == 0);
	}
}
END_TEST

START_TEST(test_built_bad_body)
{
	struct hb e = { .n = 0 };
	struct tls_hello h;
	size_t n;

	ext_sni(&e, "a.example", 0, 0, 0);
	static const struct { unsigned ver, sid, cs, comp; enum dres want; } rows[] = {
		{ 0x0303, 32, 2, 1, D_OK },
		{ 0x0303, 33, 2, 1, D_MALFORMED },  /* session id over 32 */
		{ 0x0303, 0, 3, 1, D_MALFORMED },   /* odd cipher_suites */
		{ 0x0303, 0, 0, 1, D_MALFORMED },   /* no cipher suite */
		{ 0x0303, 0, 2, 0, D_MALFORMED },   /* no compression method */
		{ 0x0200, 0, 2, 1, D_MALFORMED },   /* SSL 2 in a TLS record */
		{ 0x7f1c, 0, 2, 1, D_MALFORMED },   /* not 3.x */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		n = build(stream, &e, rows[i].ver, rows[i].sid, rows[i].cs, rows[i].comp);
		ck_assert_msg(hello_guarded(stream, n, NULL, 0, &h) == rows[i].want,
		              "row %zu", i);
	}

	/* a stray byte after the extensions block (lengths kept consistent) */
	n = build(stream, &e, 0x0303, 0, 2, 1);
	stream[n] = 0;
	stream[4]++;
	stream[8]++;
	ck_assert_int_eq(hello_guarded(stream, n + 1, NULL, 0, &h), D_MALFORMED);
	/* one byte where the extensions length should be */
	n = build(stream, NULL, 0x0303, 0, 2, 1);
	stream[n] = 0;
	stream[4]++;
	stream[8]++;
	ck_assert_int_eq(hello_guarded(stream, n + 1, NULL, 0, &h), D_MALFORMED);
	/* a handshake length shorter than the record says: the message is
	 * whole in the record, so its fields overflow it */
	n = build(stream, &e, 0x0303, 0, 2, 1);
	stream[8] -= 3;
	ck_assert_int_eq(hello_guarded(stream, n, NULL, 0, &h), D_MALFORMED);
}
END_TEST

START_TEST(test_record_layer)
{
	struct hb e = { .n = 0 };
	struct tls_hello h;
	size_t n;

	ext_sni(&e, "rec.example", 0, 0, 0);
	n = build(stream, &e, 0x0303, 0, 2, 1);
	uint8_t good[512];
	memcpy(good, stream, n);

	/* record versions: 03 00..03 04 are TLS, others are not */
	for (unsigned maj = 0; maj < 256; maj += 1) {
		for (unsigned min = 0; min < 8; min++) {
			memcpy(stream, good, n);
			stream[1] = (uint8_t)maj;
			stream[2] = (uint8_t)min;
			enum dres want = (maj == 3 && min <= 4) ? D_OK : D_NOT_MINE;
			ck_assert_int_eq(hello_guarded(stream, n, NULL, 0, &h), want);
			ck_assert_int_eq(probe_guarded(stream, n), want);
		}
	}
	/* content types other than handshake */
	for (unsigned t = 0; t < 256; t++) {
		memcpy(stream, good, n);
		stream[0] = (uint8_t)t;
		enum dres want = t == 22 ? D_OK : D_NOT_MINE;
		ck_assert_int_eq(hello_guarded(stream, n, NULL, 0, &h), want);
		ck_assert_int_eq(probe_guarded(stream, n), want);
	}
	/* handshake types other than ClientHello (a server's stream) */
	for (unsigned t = 0; t < 256; t++) {
		memcpy(stream, good, n);
		stream[5] = (uint8_t)t;
		enum dres want = t == 1 ? D_OK : D_NOT_MINE;
		ck_assert_int_eq(hello_guarded(stream, n, NULL, 0, &h), want);
		ck_assert_int_eq(probe_guarded(stream, n), want);
		ck_assert_int_eq(msg_guarded(stream + 5, n - 5, &h), want);
	}
	/* zero-length and over-long records are not TLS */
	memcpy(stream, good, n);
	stream[3] = 0;
	stream[4] = 0;
	ck_assert_int_eq(hello_guarded(stream, n, NULL, 0, &h), D_NOT_MINE);
	stream[3] = (uint8_t)((SW_TLS_RECORD_MAX + 1) >> 8);
	stream[4] = (uint8_t)(SW_TLS_RECORD_MAX + 1);
	ck_assert_int_eq(hello_guarded(stream, n, NULL, 0, &h), D_NOT_MINE);
	ck_assert_int_eq(probe_guarded(stream, 5), D_NOT_MINE);

	/* the second record: junk version, empty, another content type */
	size_t mlen = n - 5, cut = 20;
	const uint8_t *msg = good + 5;
	uint8_t two[600];
	size_t tn = reframe(msg, mlen, &cut, 1, two);
	size_t r2 = 5 + cut;
	ck_assert_int_eq(hello_guarded(two, tn, scratch, SW_TLS_SCRATCH, &h), D_OK);
	const struct { size_t off; uint8_t val; } breaks[] = {
		{ 0, 0x15 }, { 0, 0x17 }, { 1, 0x02 }, { 2, 0x05 }, { 1, 0x13 },
	};
	for (size_t i = 0; i < sizeof breaks / sizeof breaks[0]; i++) {
		memcpy(stream, two, tn);
		stream[r2 + breaks[i].off] = breaks[i].val;
		ck_assert_msg(hello_guarded(stream, tn, scratch, SW_TLS_SCRATCH, &h) ==
		              D_MALFORMED, "break %zu", i);
		/* and as soon as the junk byte is there */
		ck_assert_int_eq(hello_guarded(stream, r2 + breaks[i].off + 1, scratch,
		                               SW_TLS_SCRATCH, &h), D_MALFORMED);
	}
	memcpy(stream, two, tn);
	stream[r2 + 3] = 0;
	stream[r2 + 4] = 0;
	ck_assert_int_eq(hello_guarded(stream, tn, scratch, SW_TLS_SCRATCH, &h),
	                 D_MALFORMED);

	/* a multi-record hello needs scratch large enough */
	ck_assert_int_eq(hello_guarded(two, tn, NULL, 0, &h), D_MALFORMED);
	ck_assert_int_eq(hello_guarded(two, tn, scratch, mlen - 1, &h), D_MALFORMED);
	ck_assert_int_eq(hello_guarded(two, tn, scratch, mlen, &h), D_OK);
	ck_assert(cur_eq_str(&h.sni, "rec.example"));
}
END_TEST

/* Lengths beyond the limits are refused from the first bytes that show them. */
START_TEST(test_limits)
{
	struct hb e;
	struct tls_hello h;

	/* the largest hello that fits one reassembly slot, and one more byte */
	for (int extra = 0; extra <= 1; extra++) {
		e.n = 0;
		ext_sni(&e, "big.example", 0, 0, 0);
		/* record and handshake headers, version, random, empty session
		 * id, one suite, one method, extensions length */
		size_t fixed = 9 + 2 + 32 + 1 + 2 + 2 + 1 + 1 + 2;
		size_t pad = SW_TLS_STREAM_MAX - fixed - e.n - 4 + (size_t)extra;
		put16(&e, 21); /* padding, RFC 7685 */
		put16(&e, (unsigned)pad);
		memset(e.b + e.n, 0, pad);
		e.n += pad;
		size_t n = build(stream, &e, 0x0303, 0, 2, 1);
		ck_assert_uint_eq(n, SW_TLS_STREAM_MAX + (size_t)extra);
		enum dres r = hello_guarded(stream, n, NULL, 0, &h);
		ck_assert_int_eq(r, extra ? D_MALFORMED : D_OK);
		if (r == D_OK)
			ck_assert(cur_eq_str(&h.sni, "big.example"));
		/* refused early: from the handshake header on */
		for (size_t k = 9; k < 64 && extra; k++)
			ck_assert_int_eq(hello_guarded(stream, k, NULL, 0, &h), D_MALFORMED);
	}

	/* a handshake length past SW_TLS_HELLO_MAX, split over records */
	static const uint8_t big[] = { 0x16, 0x03, 0x01, 0x00, 0x02, 0x01, 0x01,
	                               0x16, 0x03, 0x01, 0x00, 0x02, 0x00, 0x00 };
	ck_assert_int_eq(hello_guarded(big, sizeof big, scratch, SW_TLS_SCRATCH, &h),
	                 D_MALFORMED);
	ck_assert_int_eq(hello_guarded(big, 7, scratch, SW_TLS_SCRATCH, &h),
	                 D_MALFORMED);
	ck_assert_int_eq(probe_guarded(big, sizeof big), D_NOT_MINE);
	/* a handshake length too short for any hello */
	static const uint8_t tiny[] = { 0x16, 0x03, 0x01, 0x00, 0x0a, 0x01, 0x00,
	                                0x00, 0x06, 0x03, 0x03, 0, 0, 0, 0 };
	ck_assert_int_eq(hello_guarded(tiny, sizeof tiny, NULL, 0, &h), D_MALFORMED);
	ck_assert_int_eq(probe_guarded(tiny, sizeof tiny), D_NOT_MINE);
	ck_assert_int_eq(msg_guarded(tiny + 5, 10, &h), D_MALFORMED);
}
END_TEST

START_TEST(test_probe_table)
{
	static const struct { const char *hex; enum dres want; } rows[] = {
		{ "", D_NEED_MORE },
		{ "16", D_NEED_MORE },
		{ "1603", D_NEED_MORE },
		{ "160301", D_NEED_MORE },
		{ "16030102", D_NEED_MORE },
		{ "1603010200", D_NEED_MORE },
		{ "160301020001", D_OK },
		{ "16030102000100", D_OK },
		{ "160301020001010000", D_NOT_MINE },   /* length past the limit */
		{ "160301020001000010", D_NOT_MINE },   /* 16 bytes: no hello */
		{ "16030102000100004c03", D_OK },
		{ "16030102000100004c02", D_NOT_MINE }, /* legacy_version 2.x */
		{ "160301000101", D_OK },               /* a 1-byte first record */
		{ "16030100010102", D_OK },             /* next record not looked at */
		{ "160301020002", D_NOT_MINE },         /* ServerHello */
		{ "170303002a00", D_NOT_MINE },         /* application data */
		{ "150303000202", D_NOT_MINE },         /* alert */
		{ "160305020001", D_NOT_MINE },
		{ "160201020001", D_NOT_MINE },
		{ "160301000001", D_NOT_MINE },         /* empty record */
		{ "16030149", D_NOT_MINE },             /* > 2^14+2048 */
		{ "16030148", D_NEED_MORE },
		{ "160301480101", D_NOT_MINE },
		{ "160301480001", D_OK },
		{ "474554202f20", D_NOT_MINE },         /* "GET / " */
		{ "802e0103010015", D_NOT_MINE },       /* SSLv2-compatible hello */
		{ "000000000000", D_NOT_MINE },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint8_t b[64];
		size_t n = strlen(rows[i].hex) / 2;
		for (size_t k = 0; k < n; k++) {
			unsigned x;
			sscanf(rows[i].hex + 2 * k, "%2x", &x);
			b[k] = (uint8_t)x;
		}
		ck_assert_msg(probe_guarded(b, n) == rows[i].want, "row %zu (%s)", i,
		              rows[i].hex);
	}
}
END_TEST

/* An SSL 2.0-compatible CLIENT-HELLO (RFC 5246 E.2): not ours. */
START_TEST(test_sslv2_compat)
{
	static const uint8_t v2[] = {
		0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10,
		0x00, 0x00, 0x39, 0x00, 0x00, 0x38, 0x00, 0x00, 0x35, 0x00, 0x00,
		0x16, 0x00, 0x00, 0x13, 0x00, 0x00, 0x0a, 0x07, 0x00, 0xc0,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
		0xcc, 0xdd, 0xee, 0xff, 0x00,
	};
	struct tls_hello h;
	for (size_t k = 1; k <= sizeof v2; k++) {
		ck_assert_int_eq(hello_guarded(v2, k, scratch, SW_TLS_SCRATCH, &h), D_NOT_MINE);
		ck_assert_int_eq(probe_guarded(v2, k), D_NOT_MINE);
	}
	ck_assert_int_eq(msg_guarded(v2, sizeof v2, &h), D_NOT_MINE);
}
END_TEST

/* Probing at every offset of a real CONNECT prelude finds the hello exactly
 * where it starts (the HTTP head ends there). */
START_TEST(test_probe_offsets)
{
	static uint8_t b[MAXB];
	char path[512];
	snprintf(path, sizeof path, "%s/http/connect.bin", datadir());
	size_t n = read_file(path, b, sizeof b);
	ck_assert_msg(n > 0, "cannot read %s", path);
	struct tu_guard g = tu_guard_copy(b, n);
	size_t found = 0, where = 0;
	for (size_t off = 0; off < n; off++) {
		if (tls_probe(g.data + off, n - off) == D_OK) {
			found++;
			where = off;
		}
	}
	ck_assert_uint_eq(found, 1);
	struct tls_hello h;
	ck_assert_int_eq(tls_client_hello(g.data + where, n - where, scratch,
	                                  SW_TLS_SCRATCH, &h), D_OK);
	ck_assert(cur_eq_str(&h.sni, "apache.org"));
	/* the HTTP head is "CONNECT ... \r\n\r\n": the hello follows it */
	ck_assert(where >= 4 && memcmp(g.data + where - 4, "\r\n\r\n", 4) == 0);
	tu_guard_free(&g);
}
END_TEST

/* Deterministic junk: never a crash, and an OK verdict only for inputs that
 * begin like a handshake record. */
START_TEST(test_junk)
{
	uint32_t x = 0x12345678;
	static uint8_t b[2048];
	struct tls_hello h;
	for (int round = 0; round < 3000; round++) {
		size_t n = (size_t)(round % 400) + 1;
		for (size_t k = 0; k < n; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			b[k] = (uint8_t)x;
		}
		if (round % 3 == 0 && n > 9) {
			/* a plausible head, random rest */
			b[0] = 0x16, b[1] = 0x03, b[2] = 0x01;
			b[3] = (uint8_t)((n - 5) >> 8), b[4] = (uint8_t)(n - 5);
			b[5] = 0x01, b[6] = 0, b[7] = (uint8_t)((n - 9) >> 8);
			b[8] = (uint8_t)(n - 9);
		}
		struct tu_guard g = tu_guard_copy(b, n);
		enum dres r = tls_client_hello(g.data, n, scratch, SW_TLS_SCRATCH, &h);
		if (r == D_OK)
			ck_assert(b[0] == 0x16 && h.consumed <= n);
		r = tls_parse_hello_msg(cur_make(g.data, n), &h);
		if (r == D_OK)
			ck_assert(b[0] == 0x01);
		tls_probe(g.data, n);
		tu_guard_free(&g);
	}
}
END_TEST

static Suite *tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_vectors_whole);
	tcase_add_test(tc, test_vectors_prefixes);
	tcase_add_test(tc, test_vectors_trailing);
	tcase_add_test(tc, test_split_two_records);
	tcase_add_test(tc, test_split_prefixes);
	tcase_add_test(tc, test_split_three_records);
	tcase_add_test(tc, test_split_every_byte);
	tcase_add_test(tc, test_truncated_every_field);
	tcase_add_test(tc, test_built_good);
	tcase_add_test(tc, test_ext_count_limit);
	tcase_add_test(tc, test_built_bad_extensions);
	tcase_add_test(tc, test_built_bad_body);
	tcase_add_test(tc, test_record_layer);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_probe_table);
	tcase_add_test(tc, test_sslv2_compat);
	tcase_add_test(tc, test_probe_offsets);
	tcase_add_test(tc, test_junk);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!load_vectors())
		return EXIT_FAILURE;
	scratch = malloc(SW_TLS_SCRATCH);
	stream = malloc(STREAM_BUF);
	if (!scratch || !stream)
		return EXIT_FAILURE;
	printf("test_tls: %d real ClientHellos from %s/tls\n", nvec, datadir());
	int rc = tu_run(tls_suite());
	free(scratch);
	free(stream);
	return rc;
}
