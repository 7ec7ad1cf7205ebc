/*
 * http.h - HTTP/1.x request heads (RFC 9112 3, RFC 9110 7.2).
 *
 * Reads the request line and the header block of one request from the start
 * of the bytes given, zero-copy: method, target and Host are views into them.
 * Details, choices (bare LF, HTTP/0.9, tolerated bad fields) and limits:
 * docs/dissectors.md.
 */
#ifndef SW_HTTP_H
#define SW_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissectors/cursor.h"
#include "dissectors/dissect.h"

struct http_req {
	struct cur method;      /* e.g. "GET" */
	struct cur target;      /* request target exactly as on the line */
	struct cur host;        /* first Host header value, blanks trimmed, raw
	                           (port and brackets kept); may be empty */
	bool has_host;
	uint8_t version_minor;  /* HTTP/1.x */
	size_t head_len;        /* bytes of request line + headers + blank line */
	uint64_t body_len;      /* Content-Length, 0 when absent; not the body
	                           length when chunked is set */
	bool chunked;           /* Transfer-Encoding names chunked (it overrides
	                           Content-Length, RFC 9112 6.3) */
	bool is_connect;        /* CONNECT: the stream continues as a tunnel */
	/* added with http.c: */
	bool host_dup;          /* more than one Host field (RFC 9112 3.2 says
	                           400); host is the first one */
	bool has_length;        /* a Content-Length field was present */
	bool http09;            /* HTTP/0.9 "GET /path" line: no version, no
	                           fields; version_minor is 0 */
	bool target_cut;        /* the line had more words between the target
	                           and the version (an unencoded space, invalid
	                           per RFC 9112 3): target is the first word,
	                           as tshark and most servers read it */
	uint16_t n_fields;      /* field lines read (obs-fold lines included) */
	uint16_t n_bad_fields;  /* field lines tolerated though invalid: a name
	                           with bytes outside tchar (the line is
	                           ignored, like nginx's ignore_invalid_headers)
	                           or control bytes other than CR/LF in a value
	                           (RFC 9110 5.5 lets a recipient read NUL as
	                           SP); more than SW_HTTP_BAD_FIELDS_MAX is
	                           D_MALFORMED */
};

/*
 * Is this the start of an HTTP/1.x request?  D_OK when p starts with a method
 * token (RFC 9110 9: here SW_HTTP_METHOD_MIN..MAX bytes of A-Z, '-', '_')
 * followed by a space and a target; D_NEED_MORE when the bytes so far could
 * still become one; D_NOT_MINE.  Never D_OK for bytes that http_request()
 * calls D_NOT_MINE (the first line, whole or not, is checked the same way).
 */
enum dres http_probe(const uint8_t *p, size_t n);

/*
 * Parse one request head at p (at most SW_HTTP_LEADING_EOL_MAX empty lines
 * before it are skipped and counted in head_len).  D_OK: *out filled,
 * out->head_len bytes used; the next pipelined request starts at
 * head_len + body_len unless chunked.  D_NEED_MORE: no blank line yet and
 * fewer than SW_HTTP_HEAD_MAX bytes.  D_NOT_MINE: not a request (no HTTP/
 * version: FTP, SMTP, RTSP, SIP, the HTTP/2 preface).  D_MALFORMED: a
 * request line or field that breaks the grammar or a limit
 * (SW_HTTP_HEADERS_MAX, SW_HTTP_HEAD_MAX, SW_HTTP_BAD_FIELDS_MAX), or a
 * conflicting Content-Length.  *out is zeroed unless D_OK.
 */
enum dres http_request(const uint8_t *p, size_t n, struct http_req *out);

#endif
