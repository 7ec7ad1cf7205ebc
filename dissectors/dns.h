/*
 * dns.h - DNS messages (RFC 1035 4.1): questions, and A/AAAA/CNAME answers.
 *
 * Names are decoded (compression pointers followed, only backwards, at most
 * SW_DNS_PTR_HOPS of them) into fixed buffers inside struct dns_msg and
 * normalised with hn_normalise().  A name that fails normalisation is kept
 * with its hn_res so the caller can count it; its text is empty.
 */
#ifndef SW_DNS_H
#define SW_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/sw_limits.h"
#include "dissectors/dissect.h"
#include "dissectors/hostname.h"

struct dns_name {
	char name[SW_HOST_BUF];
	uint8_t len;
	enum hn_res res;           /* HN_NAME when name is valid */
};

struct dns_answer {
	struct dns_name owner;
	uint16_t type;             /* 1 A, 28 AAAA, 5 CNAME */
	uint32_t ttl;
	uint8_t addr[16];          /* A: 4 bytes, AAAA: 16 */
	struct dns_name cname;     /* CNAME target */
};

/* Only q[0..n_q) and an[0..n_an) are written by dns_parse; the rest of
 * the arrays is left as it was (the struct is ~9 KB and is not cleared). */
struct dns_msg {
	uint16_t id;
	bool qr;                   /* response */
	uint8_t opcode;
	uint8_t rcode;
	uint16_t qdcount, ancount;
	uint8_t n_q;               /* questions decoded (<= SW_DNS_QUESTIONS_MAX) */
	struct dns_name q[SW_DNS_QUESTIONS_MAX];
	uint16_t qtype[SW_DNS_QUESTIONS_MAX];
	uint8_t n_an;              /* A/AAAA/CNAME answers kept */
	struct dns_answer an[SW_DNS_ANSWERS_MAX];
	/* added by the DNS module: */
	uint16_t flags;            /* header flags word (QR..RCODE) as sent */
	uint16_t nscount, arcount;
	uint16_t qclass[SW_DNS_QUESTIONS_MAX];
	uint16_t an_read;          /* answer RRs walked (kept or skipped) */
	bool an_truncated;         /* the bytes ended inside the answer section */
	bool an_malformed;         /* an answer RR was broken; the walk stopped */
};

/*
 * Parse one DNS message of n bytes (UDP payload, or a TCP message without its
 * 2-byte length).  D_OK: header and questions read (answers as far as they
 * parse); D_NOT_MINE: the header is not plausible DNS; D_MALFORMED: the
 * questions do not parse.  A message cut short in its answers is D_OK with
 * the answers read so far.
 *
 * D_NOT_MINE when: fewer than 12 bytes; opcode 3 or 7..15; the Z bit set;
 * QDCOUNT > SW_DNS_QUESTIONS_MAX; a query (QR=0, opcode not DSO) with
 * QDCOUNT 0; counts whose smallest encoding exceeds 65535 bytes, or, for a
 * query, exceeds n.  D_NEED_MORE is never returned (the caller frames TCP).
 * D_MALFORMED: a question name with label type 01/10, a pointer that does
 * not point strictly backwards (below the name start and below every earlier
 * target of that name) or into the header, more than SW_DNS_PTR_HOPS
 * pointers, more than SW_DNS_NAME_WIRE wire octets, or the bytes ending
 * inside the questions.  The answer section (ANCOUNT RRs, up to
 * SW_DNS_ANSWERS_MAX kept) keeps IN A / AAAA / CNAME records; other RRs are
 * skipped by RDLENGTH; the walk stops at the first broken RR (an_malformed,
 * also for A/AAAA with RDLENGTH != 4/16 or a CNAME target that does not fill
 * its RDATA) or at the end of the bytes (an_truncated).  Authority and
 * additional sections are not read.  Names: see struct dns_name; a root name
 * has res HN_EMPTY, a label holding a '.' byte gives HN_BADCHAR.  Only the
 * cursor reads p; nothing is kept after return.
 */
enum dres dns_parse(const uint8_t *p, size_t n, struct dns_msg *out);

#endif
