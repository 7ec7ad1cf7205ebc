/*
 * fuzz_tls.c - libFuzzer entry point for the TLS ClientHello dissector
 * (dissectors/tls.c): tls_client_hello on the input as a stream (with a
 * scratch buffer), tls_parse_hello_msg on it as one Handshake message, and
 * tls_probe.
 *
 * Besides crashes and over-reads it checks what tls.h promises: views inside
 * the input or the scratch buffer, consumed within the input, counts within
 * their limits, the probe agreeing with the parser, and every prefix of an
 * accepted hello being D_NEED_MORE (fed as an exact-size copy, so that a
 * read past the prefix is caught by ASan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/sw_limits.h"
#include "dissectors/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t scratch[SW_TLS_SCRATCH];

static void check_view(const struct cur *v, const uint8_t *base, size_t n)
{
	if (v->len == 0)
		return;
	if (v->p < base || v->p + v->len > base + n)
		abort();
}

static void check_hello(const struct tls_hello *h, const uint8_t *base, size_t n)
{
	const uint8_t *sb = scratch;
	/* views are all in the input or all in scratch */
	bool in_scratch = h->ciphers.p >= sb && h->ciphers.p < sb + sizeof scratch;
	const uint8_t *b = in_scratch ? sb : base;
	size_t bn = in_scratch ? sizeof scratch : n;
	check_view(&h->sni, b, bn);
	check_view(&h->ciphers, b, bn);
	check_view(&h->extensions, b, bn);
	check_view(&h->alpn, b, bn);
	check_view(&h->sig_algs, b, bn);
	check_view(&h->supported_versions, b, bn);
	if (h->n_ext > SW_TLS_EXT_MAX || (h->has_sni && h->sni.len == 0) ||
	    (!h->has_sni && h->sni.len) || h->ciphers.len < 2 || h->ciphers.len % 2 ||
	    (h->legacy_version >> 8) != 3)
		abort();
	if (h->n_ext == 0 && (h->has_sni || h->has_ech || h->has_esni || h->alpn.len))
		abort();
}

/* Run fn on an exact-size copy of the first k bytes. */
static enum dres hello_prefix(const uint8_t *data, size_t k, bool msg)
{
	struct tls_hello h;
	uint8_t *c = malloc(k ? k : 1);
	if (!c)
		abort();
	if (k)
		memcpy(c, data, k);
	enum dres r = msg ? tls_parse_hello_msg(cur_make(c, k), &h)
	                  : tls_client_hello(c, k, scratch, sizeof scratch, &h);
	if (r != D_OK && (h.has_sni || h.consumed || h.n_ext))
		abort(); /* nothing is left in *out on failure */
	free(c);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_hello h;
	enum dres r = tls_client_hello(data, size, scratch, sizeof scratch, &h);
	enum dres pr = tls_probe(data, size);
	if (r == D_OK) {
		check_hello(&h, data, size);
		if (h.consumed > size || h.consumed < 5 + 4 + 41)
			abort();
		if (pr != D_OK)
			abort();
		const size_t ks[] = { 0, 5, 6, 9, h.consumed / 2, h.consumed - 1 };
		for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
			if (hello_prefix(data, ks[i], false) != D_NEED_MORE)
				abort();
		/* the bytes after the hello's last record change nothing */
		if (hello_prefix(data, h.consumed, false) != D_OK)
			abort();
	}
	if (r == D_NOT_MINE && pr == D_OK)
		abort(); /* the probe claims what the parser refuses */
	if (pr == D_NOT_MINE && r != D_NOT_MINE && r != D_MALFORMED)
		abort();

	r = tls_parse_hello_msg(cur_make(data, size), &h);
	if (r == D_OK) {
		check_hello(&h, data, size);
		if (h.consumed > size || h.consumed < 4 + 41)
			abort();
		const size_t ks[] = { 0, 1, 4, h.consumed / 2, h.consumed - 1 };
		for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
			if (hello_prefix(data, ks[i], true) != D_NEED_MORE)
				abort();
	}
	return 0;
}
