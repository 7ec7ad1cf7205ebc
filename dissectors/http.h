/*
 * http.h - HTTP/1.x request heads (RFC 9112 3, RFC 9110 7.2).
 *
 * Reads the request line and the header block of one request from the start
 * of the bytes given, zero-copy: method, target and Host are views into them.
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
	struct cur host;        /* Host header value, blanks trimmed; may be empty */
	bool has_host;
	uint8_t version_minor;  /* HTTP/1.x */
	size_t head_len;        /* bytes of request line + headers + blank line */
	uint64_t body_len;      /* Content-Length, 0 when absent */
	bool chunked;           /* Transfer-Encoding: chunked */
	bool is_connect;        /* CONNECT: the stream continues as a tunnel */
};

/*
 * Is this the start of an HTTP/1.x request?  D_OK when p starts with a method
 * token (RFC 9110 9: an upper-case token) followed by a space and a target;
 * D_NEED_MORE when the bytes so far could still become one; D_NOT_MINE.
 */
enum dres http_probe(const uint8_t *p, size_t n);

/*
 * Parse one request head at p.  D_OK: *out filled, out->head_len bytes used.
 * D_NEED_MORE: no blank line yet.  D_NOT_MINE: not a request.
 * D_MALFORMED: a request line or header that breaks the grammar or a limit.
 */
enum dres http_request(const uint8_t *p, size_t n, struct http_req *out);

#endif
