/*
 * tls.c - TLS ClientHello dissector (contract in tls.h).
 *
 * RFC 8446 5.1 (record layer), 4 and 4.1.2 (Handshake, ClientHello), 4.2
 * (extensions); RFC 5246 6.2.1 and 7.4.1.2 (TLS 1.2 record and hello);
 * RFC 6066 3 (server_name); RFC 7301 3.1 (ALPN); draft-ietf-tls-esni
 * (encrypted_client_hello 0xfe0d; the older ESNI drafts used 0xffce).
 *
 * The stream starts with one or more handshake records; the ClientHello
 * message may be cut anywhere, even inside its 4-byte header, and continue
 * in the next record:
 *
 *   record:    | 16 | 03 0x | length:16 | fragment (length bytes) |
 *   handshake: | 01 | length:24 | body (length bytes)              |
 *   body:      | legacy_version:16 | random:32 | session_id<0..32>   |
 *              | cipher_suites<2..2^16-2> | compression<1..2^8-1>     |
 *              | extensions<0..2^16-1>  (absent in old hellos)        |
 *   extension: | type:16 | length:16 | data |
 *   server_name data: | list<1..2^16-1> of { type:8 | name<1..2^16-1> } |
 *
 * Every length is checked against its container: one that overflows is
 * D_MALFORMED.  Only a stream that ends before the handshake message is
 * whole is D_NEED_MORE: the message is parsed once all of it is there.
 */
#include "dissectors/tls.h"

#include "daemon/sw_limits.h"

#define TLS_CT_HANDSHAKE 22
#define TLS_HS_CLIENT_HELLO 1
#define TLS_REC_HDR 5
#define TLS_HS_HDR 4
/* bytes of a message looked at before it is whole: its header and the
 * first byte of legacy_version */
#define TLS_HS_PEEK 5
/* legacy_version, random, session_id length, one cipher suite with its
 * length, one compression method with its length */
#define TLS_BODY_MIN (2 + 32 + 1 + 2 + 2 + 1 + 1)

enum {
	EXT_SERVER_NAME = 0,
	EXT_SIG_ALGS = 13,
	EXT_ALPN = 16,
	EXT_SUPPORTED_VERSIONS = 43,
	EXT_ECH = 0xfe0d,
	EXT_ESNI = 0xffce,
};

/* Bits for the extensions we read; a second one of these is malformed
 * (RFC 8446 4.2: at most one extension of each type). */
enum {
	SEEN_SNI = 1u << 0,
	SEEN_SIG = 1u << 1,
	SEEN_ALPN = 1u << 2,
	SEEN_SV = 1u << 3,
	SEEN_ECH = 1u << 4,
	SEEN_ESNI = 1u << 5,
};

static void hello_clear(struct tls_hello *out)
{
	memset(out, 0, sizeof(*out));
	out->sni = cur_make(NULL, 0);
	out->ciphers = out->sni;
	out->extensions = out->sni;
	out->alpn = out->sni;
	out->sig_algs = out->sni;
	out->supported_versions = out->sni;
}

/*
 * Check the record header at the start of c on the bytes there are.
 * D_OK and *len when all five bytes fit a handshake record of a plausible
 * length; D_NEED_MORE when fewer bytes are there and they fit so far;
 * D_NOT_MINE otherwise.
 */
static enum dres rec_header(const struct cur *c, uint16_t *len)
{
	uint8_t b;
	uint16_t l;

	if (cur_peek_u8(c, 0, &b) && b != TLS_CT_HANDSHAKE)
		return D_NOT_MINE;
	if (cur_peek_u8(c, 1, &b) && b != 3)
		return D_NOT_MINE;
	if (cur_peek_u8(c, 2, &b) && b > 4)
		return D_NOT_MINE;
	if (cur_peek_u8(c, 3, &b) && ((unsigned)b << 8) > SW_TLS_RECORD_MAX)
		return D_NOT_MINE;
	if (!cur_peek_be16(c, 3, &l))
		return D_NEED_MORE;
	/* RFC 8446 5.1, RFC 5246 6.2.1: no zero-length handshake fragments */
	if (l == 0 || l > SW_TLS_RECORD_MAX)
		return D_NOT_MINE;
	*len = l;
	return D_OK;
}

/*
 * Check the start of a handshake message given as its first `have` bytes
 * (0..TLS_HS_PEEK).  D_NOT_MINE when it is not a ClientHello, D_MALFORMED
 * when its length is impossible or beyond SW_TLS_HELLO_MAX or its
 * legacy_version is not 3.x, D_OK otherwise (with *total, the message length
 * with its header, once the four header bytes are there; else 0).
 */
static enum dres hs_header(const uint8_t *h, size_t have, size_t *total)
{
	*total = 0;
	if (have >= 1 && h[0] != TLS_HS_CLIENT_HELLO)
		return D_NOT_MINE;
	if (have >= 2 && ((uint32_t)h[1] << 16) + TLS_HS_HDR > SW_TLS_HELLO_MAX)
		return D_MALFORMED;
	if (have >= 3 && ((uint32_t)h[1] << 16 | (uint32_t)h[2] << 8) + TLS_HS_HDR >
	                     SW_TLS_HELLO_MAX)
		return D_MALFORMED;
	if (have >= 4) {
		uint32_t l = (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
		if (l < TLS_BODY_MIN || l + TLS_HS_HDR > SW_TLS_HELLO_MAX)
			return D_MALFORMED;
		*total = l + TLS_HS_HDR;
	}
	if (have >= 5 && h[4] != 3)
		return D_MALFORMED;
	return D_OK;
}

enum dres tls_probe(const uint8_t *p, size_t n)
{
	struct cur c = cur_make(p, n);
	uint16_t rlen;
	uint8_t h[TLS_HS_PEEK], b;
	size_t have = 0, total;

	enum dres r = rec_header(&c, &rlen);
	if (r != D_OK)
		return r;
	if (!cur_skip(&c, TLS_REC_HDR))
		return D_NEED_MORE;
	/* Only bytes inside the first record belong to the handshake. */
	cur_truncate(&c, rlen);
	while (have < TLS_HS_PEEK && cur_peek_u8(&c, have, &b))
		h[have++] = b;
	if (have == 0)
		return D_NEED_MORE;
	r = hs_header(h, have, &total);
	return r == D_OK ? D_OK : D_NOT_MINE;
}

/* ---- the ClientHello body --------------------------------------------- */

/* server_name (RFC 6066 3): take the first host_name, check the framing of
 * every entry.  Entries of other types keep the 16-bit length prefix the RFC
 * requires of future types. */
static enum dres parse_sni(struct cur data, struct tls_hello *out)
{
	struct cur list;

	if (!cur_get_lp16(&data, &list) || !cur_empty(&data) || cur_empty(&list))
		return D_MALFORMED;
	while (!cur_empty(&list)) {
		uint8_t type;
		struct cur name;
		if (!cur_get_u8(&list, &type) || !cur_get_lp16(&list, &name))
			return D_MALFORMED;
		if (type != 0)
			continue;
		if (cur_empty(&name))
			return D_MALFORMED;
		if (!out->has_sni) {
			out->sni = name;
			out->has_sni = true;
		}
	}
	return D_OK;
}

/* ALPN (RFC 7301 3.1): list<2..2^16-1> of names<1..2^8-1>. */
static bool alpn_ok(struct cur data)
{
	struct cur list;

	if (!cur_get_lp16(&data, &list) || !cur_empty(&data) || cur_empty(&list))
		return false;
	while (!cur_empty(&list)) {
		struct cur name;
		if (!cur_get_lp8(&list, &name) || cur_empty(&name))
			return false;
	}
	return true;
}

/* A vector of 16-bit values with an 8- or 16-bit length prefix that fills
 * data exactly: signature_algorithms<2..2^16-2>, supported_versions<2..254>. */
static bool u16_vector_ok(struct cur data, bool prefix16)
{
	struct cur v;

	if (!(prefix16 ? cur_get_lp16(&data, &v) : cur_get_lp8(&data, &v)))
		return false;
	return cur_empty(&data) && !cur_empty(&v) && cur_len(&v) % 2 == 0;
}

static enum dres parse_extensions(struct cur exts, struct tls_hello *out)
{
	unsigned seen = 0, bit;

	while (!cur_empty(&exts)) {
		uint16_t type;
		struct cur data;
		if (!cur_get_be16(&exts, &type) || !cur_get_lp16(&exts, &data))
			return D_MALFORMED;
		if (out->n_ext >= SW_TLS_EXT_MAX)
			return D_MALFORMED;
		out->n_ext++;
		switch (type) {
		case EXT_SERVER_NAME:
			bit = SEEN_SNI;
			if (!(seen & bit) && parse_sni(data, out) != D_OK)
				return D_MALFORMED;
			break;
		case EXT_SIG_ALGS:
			bit = SEEN_SIG;
			if (!u16_vector_ok(data, true))
				return D_MALFORMED;
			out->sig_algs = data;
			break;
		case EXT_ALPN:
			bit = SEEN_ALPN;
			if (!alpn_ok(data))
				return D_MALFORMED;
			out->alpn = data;
			break;
		case EXT_SUPPORTED_VERSIONS:
			bit = SEEN_SV;
			if (!u16_vector_ok(data, false))
				return D_MALFORMED;
			out->supported_versions = data;
			break;
		case EXT_ECH:
			bit = SEEN_ECH;
			out->has_ech = true;
			break;
		case EXT_ESNI:
			bit = SEEN_ESNI;
			out->has_esni = true;
			break;
		default:
			bit = 0;
			break;
		}
		if (seen & bit)
			return D_MALFORMED;
		seen |= bit;
	}
	return D_OK;
}

/* The body of a ClientHello, exactly the bytes the handshake length gives. */
static enum dres parse_body(struct cur b, struct tls_hello *out)
{
	uint16_t ver;
	struct cur sid, cs, comp, exts;

	if (!cur_get_be16(&b, &ver) || (ver >> 8) != 3)
		return D_MALFORMED;
	if (!cur_skip(&b, 32))
		return D_MALFORMED;
	if (!cur_get_lp8(&b, &sid) || cur_len(&sid) > 32)
		return D_MALFORMED;
	if (!cur_get_lp16(&b, &cs) || cur_len(&cs) < 2 || cur_len(&cs) % 2)
		return D_MALFORMED;
	if (!cur_get_lp8(&b, &comp) || cur_empty(&comp))
		return D_MALFORMED;
	out->legacy_version = ver;
	out->ciphers = cs;
	/* RFC 5246 7.4.1.2: a hello may end after the compression methods. */
	if (cur_empty(&b))
		return D_OK;
	if (!cur_get_lp16(&b, &exts) || !cur_empty(&b))
		return D_MALFORMED;
	out->extensions = exts;
	return parse_extensions(exts, out);
}

/* One whole handshake message at the start of msg: header checks, then the
 * body.  out->consumed is the message length. */
static enum dres parse_msg(struct cur msg, struct tls_hello *out)
{
	uint8_t h[TLS_HS_PEEK], b;
	size_t have = 0, total;
	struct cur body;

	while (have < TLS_HS_PEEK && cur_peek_u8(&msg, have, &b))
		h[have++] = b;
	enum dres r = hs_header(h, have, &total);
	if (r != D_OK)
		return r;
	if (have < TLS_HS_HDR || cur_len(&msg) < total)
		return D_NEED_MORE;
	if (!cur_skip(&msg, TLS_HS_HDR) ||
	    !cur_get_bytes(&msg, &body, total - TLS_HS_HDR))
		return D_MALFORMED; /* not reached: lengths checked above */
	r = parse_body(body, out);
	if (r == D_OK)
		out->consumed = total;
	return r;
}

enum dres tls_parse_hello_msg(struct cur msg, struct tls_hello *out)
{
	hello_clear(out);
	enum dres r = parse_msg(msg, out);
	if (r != D_OK)
		hello_clear(out);
	return r;
}

/* ---- the record layer --------------------------------------------------- */

/*
 * Walk the records at the start of the stream until the handshake message is
 * whole.  D_OK: *end is the stream offset just past the last record holding
 * part of the message, *total the message length, *records how many records
 * it spans.  Otherwise the verdict for the stream.
 */
static enum dres walk_records(const uint8_t *p, size_t n, size_t *end,
                              size_t *total, unsigned *records)
{
	uint8_t h[TLS_HS_PEEK];
	size_t have = 0; /* message bytes seen */
	size_t decl = 0; /* message bytes the records walked so far declare */
	size_t off = 0;  /* stream offset of the record being read */
	unsigned nrec = 0;

	*total = 0;
	for (;;) {
		struct cur s = cur_make(p, n), frag;
		uint16_t rlen;
		uint8_t b;

		if (!cur_skip(&s, off))
			return D_MALFORMED; /* not reached: off <= n */
		enum dres r = rec_header(&s, &rlen);
		if (r == D_NOT_MINE)
			return nrec == 0 ? D_NOT_MINE : D_MALFORMED;
		if (r == D_NEED_MORE)
			return D_NEED_MORE;
		cur_skip(&s, TLS_REC_HDR);
		frag = s;
		cur_truncate(&frag, rlen); /* may hold fewer: record still arriving */
		nrec++;
		/* the handshake header, possibly cut across records */
		while (have < TLS_HS_PEEK && cur_get_u8(&frag, &b)) {
			h[have++] = b;
			r = hs_header(h, have, total);
			if (r != D_OK)
				return (r == D_NOT_MINE && nrec > 1) ? D_MALFORMED : r;
		}
		if (have >= TLS_HS_HDR && have < *total)
			have += cur_len(&frag) < *total - have ? cur_len(&frag)
			                                        : *total - have;
		/* The least stream the message still needs: beyond the caller's
		 * slot, give up now rather than hold the slot. */
		decl += rlen;
		size_t need = *total ? *total : TLS_HS_HDR + TLS_BODY_MIN;
		size_t rec_end = off + TLS_REC_HDR + rlen;
		size_t least = rec_end + (decl < need ? TLS_REC_HDR + need - decl : 0);
		if (least > SW_TLS_STREAM_MAX)
			return D_MALFORMED;
		if (cur_len(&s) < rlen)
			return D_NEED_MORE; /* this record is not whole yet */
		off = rec_end;
		if (*total && have >= *total)
			break;
	}
	*end = off;
	*records = nrec;
	return D_OK;
}

/* Copy the message bytes out of the records into scratch (total bytes);
 * walk_records has checked every header and length. */
static bool gather(const uint8_t *p, size_t n, size_t total, uint8_t *scratch)
{
	struct cur s = cur_make(p, n);
	size_t have = 0;

	while (have < total) {
		uint16_t rlen;
		struct cur frag;
		if (!cur_skip(&s, 3) || !cur_get_be16(&s, &rlen) ||
		    !cur_get_bytes(&s, &frag, rlen))
			return false;
		size_t take = rlen < total - have ? rlen : total - have;
		if (!cur_copy(&frag, scratch + have, take))
			return false;
		have += take;
	}
	return true;
}

enum dres tls_client_hello(const uint8_t *p, size_t n, uint8_t *scratch,
                           size_t scratch_len, struct tls_hello *out)
{
	size_t end = 0, total = 0;
	unsigned records = 0;
	struct cur msg;

	hello_clear(out);
	enum dres r = walk_records(p, n, &end, &total, &records);
	if (r != D_OK)
		return r;
	if (records == 1) {
		msg = cur_make(p, n);
		cur_skip(&msg, TLS_REC_HDR);
	} else {
		if (scratch == NULL || scratch_len < total ||
		    !gather(p, n, total, scratch))
			return D_MALFORMED;
		msg = cur_make(scratch, total);
	}
	cur_truncate(&msg, total);
	r = parse_msg(msg, out);
	if (r != D_OK) {
		hello_clear(out);
		/* the whole message is there: a short read inside it is broken */
		return r == D_NEED_MORE ? D_MALFORMED : r;
	}
	out->consumed = end;
	return D_OK;
}
