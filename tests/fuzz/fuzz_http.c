/*
 * fuzz_http.c - libFuzzer entry point for the HTTP/1.x request dissector
 * (dissectors/http.c): http_request and http_probe on the input.
 *
 * Besides crashes and over-reads it checks what http.h promises: views
 * inside the head, head_len within the input and the limit, counts within
 * their limits, the probe never saying OK where the request says D_NOT_MINE
 * (the pipeline would go back and forth between them), and every prefix of
 * an accepted head being D_NEED_MORE (fed as an exact-size copy, so that a
 * read past the prefix is caught by ASan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/sw_limits.h"
#include "dissectors/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_view(const struct cur *v, const uint8_t *base, size_t n)
{
	if (v->len && (v->p < base || v->p + v->len > base + n))
		abort();
}

static enum dres request_prefix(const uint8_t *data, size_t k)
{
	struct http_req q;
	uint8_t *c = malloc(k ? k : 1);
	if (!c)
		abort();
	if (k)
		memcpy(c, data, k);
	enum dres r = http_request(c, k, &q);
	if (r != D_OK && (q.head_len || q.has_host || q.method.len))
		abort(); /* nothing is left in *out on failure */
	free(c);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req q;
	enum dres r = http_request(data, size, &q);
	enum dres pr = http_probe(data, size);

	if (r == D_NOT_MINE && pr == D_OK)
		abort();
	if (r != D_OK)
		return 0;
	if (q.head_len == 0 || q.head_len > size || q.head_len > SW_HTTP_HEAD_MAX)
		abort();
	check_view(&q.method, data, q.head_len);
	check_view(&q.target, data, q.head_len);
	check_view(&q.host, data, q.head_len);
	if (q.method.len < SW_HTTP_METHOD_MIN || q.method.len > SW_HTTP_METHOD_MAX ||
	    q.target.len == 0 || q.n_fields > SW_HTTP_HEADERS_MAX ||
	    q.n_bad_fields > SW_HTTP_BAD_FIELDS_MAX || q.version_minor > 9 ||
	    (q.host.len && !q.has_host) || (q.http09 && (q.n_fields || q.has_host)))
		abort();
	for (size_t i = 0; i < q.target.len; i++)
		if (q.target.p[i] <= ' ' || q.target.p[i] == 0x7f)
			abort();
	const size_t ks[] = { 0, 1, q.method.len, q.head_len / 2, q.head_len - 1 };
	for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
		if (ks[i] < q.head_len && request_prefix(data, ks[i]) != D_NEED_MORE)
			abort();
	/* the bytes after the head change nothing */
	if (request_prefix(data, q.head_len) != D_OK)
		abort();
	return 0;
}
