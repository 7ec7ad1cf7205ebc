/*
 * ja4.h - JA4 TLS client fingerprint of a ClientHello.
 *
 * FoxIO's published specification (github.com/FoxIO-LLC/ja4,
 * technical_details/JA4.md):
 *
 *   JA4 = a _ b _ c                         e.g. t13d1516h2_8daaf6152771_e5627efa2ab1
 *   a = proto (t TCP, q QUIC) | version (13 12 11 10 s3 s2 s1 d1 d2 d3, 00
 *       unknown: the highest supported_versions value, else the hello's
 *       legacy_version) | d (server_name present) or i | 2-digit cipher
 *       count | 2-digit extension count (both capped at 99) | first and
 *       last character of the first ALPN value ("00" without one; the hex
 *       digits when a character is not alphanumeric)
 *   b = first 12 hex chars of SHA-256 of the cipher suites, 4 lower-case
 *       hex digits each, sorted, comma-separated ("000000000000" if none)
 *   c = same over the extension types sorted, without server_name (0000)
 *       and ALPN (0010), then "_" and the signature algorithms in their
 *       order (no "_" when there are none; "000000000000" without
 *       extensions)
 *   GREASE values (RFC 8701: 0x?a?a with both bytes equal) are ignored
 *   everywhere, in the counts too.
 */
#ifndef SW_JA4_H
#define SW_JA4_H

#include <stdbool.h>

#include "dissectors/tls.h"

/* Length of a JA4 string: 10 + 1 + 12 + 1 + 12 = 36, and a NUL. */
#define JA4_BUF 37

/*
 * Compute the JA4 of the parsed ClientHello h (its views must still be
 * valid) into out, NUL-terminated.  A hello without a cipher_suites view
 * (not a TLS ClientHello: a gQUIC CHLO) has none: false.  quic: the hello came in QUIC CRYPTO
 * frames ("q") rather than over TCP ("t").  Returns false (out = "") when
 * the views are inconsistent (cannot happen for a hello tls_* accepted) or
 * SHA-256 fails.  Pure: no globals, no I/O; SHA-256 is libcrypto's EVP
 * digest (its context is the only allocation, once per call: call it for
 * hellos that matter, not for every hello).
 */
bool ja4_compute(const struct tls_hello *h, bool quic, char out[JA4_BUF]);

/* True for a GREASE value (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
static inline bool ja4_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

#endif
