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
};

/*
 * Parse one DNS message of n bytes (UDP payload, or a TCP message without its
 * 2-byte length).  D_OK: header and questions read (answers as far as they
 * parse); D_NOT_MINE: the header is not plausible DNS; D_MALFORMED: the
 * questions do not parse.  A message cut short in its answers is D_OK with
 * the answers read so far.
 */
enum dres dns_parse(const uint8_t *p, size_t n, struct dns_msg *out);

#endif
