/*
 * dns.c - one DNS message: header, questions, A/AAAA/CNAME answers.
 *
 * RFC 1035 4.1 (message format), 4.1.4 (compression), 2.3.4 (a name is at
 * most 255 octets on the wire, a label at most 63); RFC 3596 (AAAA);
 * RFC 6891 5 (label type 01 "extended" is deprecated, 10 is reserved);
 * RFC 6895 2 (opcodes, the Z bit, AD/CD).
 *
 *   header (12 bytes)
 *    0                   1
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
 *   +-------------------------------+
 *   |              ID               |
 *   |QR| opcode |AA|TC|RD|RA|Z|AD|CD| rcode |
 *   |           QDCOUNT             |
 *   |           ANCOUNT             |
 *   |           NSCOUNT             |
 *   |           ARCOUNT             |
 *   +-------------------------------+
 *   question:  QNAME  QTYPE(2) QCLASS(2)
 *   answer RR: NAME   TYPE(2)  CLASS(2) TTL(4) RDLENGTH(2) RDATA
 *   name:      [00LLLLLL label...]* then 00000000 (root)
 *                                   or 11PPPPPP PPPPPPPP (pointer to offset P)
 *
 * Compression pointers follow tcpdump's (and BIND's) rule: the first pointer
 * of a name must target an offset strictly below the name's own start, and
 * each further pointer strictly below the previous target.  Targets strictly
 * decrease, so a loop is impossible; SW_DNS_PTR_HOPS bounds the work anyway.
 * A name is read label by label into a 256-byte stack buffer, then validated
 * by hn_normalise(); the message bytes are only read through the cursor.
 */
#include "dissectors/dns.h"

#include <string.h>

#include "dissectors/cursor.h"

#define DNS_HDR_LEN 12
#define DNS_MIN_Q 5    /* root name + QTYPE + QCLASS */
#define DNS_MIN_RR 11  /* root name + TYPE CLASS TTL RDLENGTH */
#define DNS_MAX_MSG 65535

#define DNS_F_QR 0x8000
#define DNS_F_Z 0x0040

#define DNS_T_A 1
#define DNS_T_CNAME 5
#define DNS_T_AAAA 28
#define DNS_C_IN 1

/* How a name read ended. */
enum name_st {
	NAME_OK,
	NAME_SHORT,  /* the bytes ran out in the name's own (linear) part */
	NAME_BAD,    /* bad label type, bad pointer, too long, too many hops */
};

/* Offset of the cursor c inside the message msg: c must be a suffix of msg
 * (a cursor advanced from it), not a child view. */
static size_t dns_off(const struct cur *msg, const struct cur *c)
{
	return cur_len(msg) - cur_len(c);
}

/*
 * Read the name that starts at offset off of msg.  On NAME_OK, *next is the
 * offset just past the name's linear bytes (after its root label or its
 * first pointer) and *dn is filled: text and res from hn_normalise(), or
 * res HN_BADCHAR with empty text when a label holds a '.' byte (the dotted
 * text would lie about the labels).  On other results *dn is untouched.
 */
static enum name_st dns_name_read(const struct cur *msg, size_t off,
                                  struct dns_name *dn, size_t *next)
{
	uint8_t text[SW_DNS_NAME_WIRE + 1];
	size_t tlen = 0, wire = 0, limit = off, pos = off;
	unsigned hops = 0;
	bool jumped = false, dot = false;
	struct cur c = *msg;

	if (!cur_skip(&c, off))
		return NAME_SHORT;
	for (;;) {
		uint8_t len;
		if (!cur_get_u8(&c, &len))
			return jumped ? NAME_BAD : NAME_SHORT;
		if ((len & 0xc0) == 0xc0) {
			uint8_t lo;
			if (!cur_get_u8(&c, &lo))
				return jumped ? NAME_BAD : NAME_SHORT;
			size_t target = (size_t)(len & 0x3f) << 8 | lo;
			if (!jumped)
				*next = pos + 2;
			jumped = true;
			if (++hops > SW_DNS_PTR_HOPS || target >= limit ||
			    target < DNS_HDR_LEN)
				return NAME_BAD;
			limit = target;
			pos = target;
			c = *msg;
			if (!cur_skip(&c, target))
				return NAME_BAD;
			continue;
		}
		if (len & 0xc0)
			return NAME_BAD; /* 01 extended, 10 reserved */
		wire += 1u + len;
		if (len == 0)
			break;
		/* room for this label and the root octet after it */
		if (wire + 1 > SW_DNS_NAME_WIRE)
			return NAME_BAD;
		if (tlen)
			text[tlen++] = '.';
		if (!cur_copy(&c, text + tlen, len))
			return jumped ? NAME_BAD : NAME_SHORT;
		if (memchr(text + tlen, '.', len))
			dot = true;
		tlen += len;
		pos += 1u + len;
	}
	if (!jumped)
		*next = pos + 1;

	size_t outlen = 0;
	if (dot) {
		dn->name[0] = '\0';
		dn->res = HN_BADCHAR;
	} else {
		dn->res = hn_normalise(text, tlen, dn->name, &outlen);
	}
	dn->len = (uint8_t)outlen;
	return NAME_OK;
}

/* Skip the linear part of a name (labels up to the root or a pointer)
 * without following pointers: for records whose names are not kept. */
static enum name_st dns_name_skip(struct cur *c)
{
	struct cur t = *c;
	size_t wire = 0;

	for (;;) {
		uint8_t len;
		if (!cur_get_u8(&t, &len))
			return NAME_SHORT;
		if ((len & 0xc0) == 0xc0) {
			if (!cur_skip(&t, 1))
				return NAME_SHORT;
			break;
		}
		if (len & 0xc0)
			return NAME_BAD;
		wire += 1u + len;
		if (len == 0)
			break;
		if (wire + 1 > SW_DNS_NAME_WIRE)
			return NAME_BAD;
		if (!cur_skip(&t, len))
			return NAME_SHORT;
	}
	*c = t;
	return NAME_OK;
}

static void dns_name_clear(struct dns_name *dn)
{
	dn->name[0] = '\0';
	dn->len = 0;
	dn->res = HN_EMPTY;
}

/* Header plausibility: is this DNS at all?  (see dns.h) */
static bool dns_header_plausible(const struct dns_msg *m, size_t n)
{
	uint16_t nscount = m->nscount, arcount = m->arcount;

	/* opcodes 0 QUERY, 1 IQUERY (obsolete), 2 STATUS, 4 NOTIFY,
	 * 5 UPDATE, 6 DSO; 3 and 7..15 are unassigned. */
	if (m->opcode == 3 || m->opcode > 6)
		return false;
	if (m->flags & DNS_F_Z)
		return false;
	if (m->qdcount > SW_DNS_QUESTIONS_MAX)
		return false;
	/* a query asks something; DSO (RFC 8490) is the one exception */
	if (!m->qr && m->opcode != 6 && m->qdcount == 0)
		return false;
	size_t least = DNS_HDR_LEN + (size_t)DNS_MIN_Q * m->qdcount +
	               (size_t)DNS_MIN_RR * ((size_t)m->ancount + nscount + arcount);
	if (least > DNS_MAX_MSG)
		return false;
	/* Queries are small and sent whole: the records they count must fit.
	 * Responses may be cut by a snaplen; their answers are read as far as
	 * the bytes go. */
	if (!m->qr && least > n)
		return false;
	return true;
}

/* Read one answer RR at c; keep it in m->an[] when it is an IN A, AAAA or
 * CNAME record.  Returns false (and sets an_truncated / an_malformed) when
 * the walk must stop. */
static bool dns_answer_read(const struct cur *msg, struct cur *c,
                            struct dns_msg *m)
{
	size_t rr_off = dns_off(msg, c);
	struct cur t = *c, rdata;
	uint16_t type, class, rdlen;
	uint32_t ttl;

	enum name_st st = dns_name_skip(&t);
	if (st != NAME_OK)
		goto fail_st;
	if (!cur_get_be16(&t, &type) || !cur_get_be16(&t, &class) ||
	    !cur_get_be32(&t, &ttl) || !cur_get_be16(&t, &rdlen)) {
		m->an_truncated = true;
		return false;
	}
	size_t rd_off = dns_off(msg, &t);
	if (!cur_get_bytes(&t, &rdata, rdlen)) {
		m->an_truncated = true;
		return false;
	}
	*c = t;
	m->an_read++;
	if (class != DNS_C_IN ||
	    (type != DNS_T_A && type != DNS_T_AAAA && type != DNS_T_CNAME))
		return true;

	struct dns_answer *a = &m->an[m->n_an];
	size_t next;
	st = dns_name_read(msg, rr_off, &a->owner, &next);
	if (st != NAME_OK)
		goto fail_st;
	a->type = type;
	a->ttl = ttl;
	memset(a->addr, 0, sizeof a->addr);
	dns_name_clear(&a->cname);
	switch (type) {
	case DNS_T_A:
		if (!cur_copy(&rdata, a->addr, 4) || !cur_empty(&rdata))
			goto bad;
		break;
	case DNS_T_AAAA:
		if (!cur_copy(&rdata, a->addr, 16) || !cur_empty(&rdata))
			goto bad;
		break;
	default: /* CNAME: one name filling RDATA exactly */
		st = dns_name_read(msg, rd_off, &a->cname, &next);
		if (st != NAME_OK || next != rd_off + rdlen)
			goto bad;
		break;
	}
	m->n_an++;
	return true;

fail_st:
	if (st == NAME_SHORT) {
		m->an_truncated = true;
		return false;
	}
bad:
	m->an_malformed = true;
	return false;
}

enum dres dns_parse(const uint8_t *p, size_t n, struct dns_msg *out)
{
	struct cur msg = cur_make(p, n), c = msg;

	out->n_q = 0;
	out->n_an = 0;
	out->an_read = 0;
	out->an_truncated = false;
	out->an_malformed = false;
	if (!cur_get_be16(&c, &out->id) || !cur_get_be16(&c, &out->flags) ||
	    !cur_get_be16(&c, &out->qdcount) || !cur_get_be16(&c, &out->ancount) ||
	    !cur_get_be16(&c, &out->nscount) || !cur_get_be16(&c, &out->arcount))
		return D_NOT_MINE;
	out->qr = (out->flags & DNS_F_QR) != 0;
	out->opcode = (uint8_t)(out->flags >> 11 & 0x0f);
	out->rcode = (uint8_t)(out->flags & 0x0f);
	if (!dns_header_plausible(out, n))
		return D_NOT_MINE;

	for (unsigned i = 0; i < out->qdcount; i++) {
		size_t next;
		struct dns_name *q = &out->q[i];
		if (dns_name_read(&msg, dns_off(&msg, &c), q, &next) != NAME_OK)
			return D_MALFORMED;
		c = msg;
		if (!cur_skip(&c, next) || !cur_get_be16(&c, &out->qtype[i]) ||
		    !cur_get_be16(&c, &out->qclass[i]))
			return D_MALFORMED;
		out->n_q++;
	}

	while (out->an_read < out->ancount && out->n_an < SW_DNS_ANSWERS_MAX)
		if (!dns_answer_read(&msg, &c, out))
			break;
	return D_OK;
}
