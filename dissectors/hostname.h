/*
 * hostname.h - validate and normalise a hostname where it is parsed.
 *
 * A name is accepted when, after removing one trailing dot, it is 1..253
 * bytes of labels of 1..63 bytes made of ASCII letters, digits, '-' and '_'
 * (underscore appears in real service names such as _dmarc).  A leftmost
 * label of exactly "*" is accepted (DNS wildcard queries are real traffic).
 * The result is lower-cased with an ASCII-only helper (no locale).
 *
 * An IPv4 dotted quad or an IPv6 literal (optionally in brackets) is not a
 * hostname: it is reported as HN_IP4 / HN_IP6 with its canonical text in
 * out (IPv6 without brackets), so callers may print it or match it against
 * IP rules, never against host rules.
 */
#ifndef SW_HOSTNAME_H
#define SW_HOSTNAME_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/sw_limits.h"

enum hn_res {
	HN_NAME = 0,  /* a valid hostname, normalised into out */
	HN_IP4,       /* an IPv4 literal; canonical text in out */
	HN_IP6,       /* an IPv6 literal; canonical text in out */
	HN_EMPTY,     /* nothing (or only a dot) */
	HN_TOOLONG,   /* more than 253 bytes, or a label over 63 */
	HN_BADCHAR,   /* a byte outside the allowed set (NUL, space, escape...) */
	HN_BADLABEL,  /* empty label ("a..b", ".a") */
};

/*
 * Normalise the n bytes at p (not NUL-terminated) into out, which must hold
 * SW_HOST_BUF bytes.  On HN_NAME / HN_IP4 / HN_IP6, out is NUL-terminated and
 * *outlen its length; on any other result out is an empty string.  Never
 * reads beyond p[n-1].
 */
enum hn_res hn_normalise(const uint8_t *p, size_t n, char *out, size_t *outlen);

/*
 * Split an HTTP Host header value (RFC 9110 7.2: uri-host [":" port]) into
 * its host part, as a view: "Example.com:8080" -> "Example.com",
 * "[::1]:80" -> "[::1]".  Leading and trailing blanks are dropped.
 * Returns the length of the host part; *host points into p.
 */
size_t hn_http_host(const uint8_t *p, size_t n, const uint8_t **host);

/* A short constant description of a result, for counters and errors. */
const char *hn_res_str(enum hn_res r);

/* ASCII-only lower-casing of one byte. */
static inline uint8_t hn_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

#endif
