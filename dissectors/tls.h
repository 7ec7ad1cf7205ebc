/*
 * tls.h - TLS ClientHello: server_name and the fields a fingerprint needs.
 *
 * RFC 8446 (TLS 1.3) 4.1.2, RFC 5246 7.4.1.2, RFC 6066 3 (server_name),
 * draft-ietf-tls-esni (encrypted_client_hello, extension 0xfe0d).
 *
 * Two entry points: tls_client_hello() reads TLS records from the start of a
 * client-to-server TCP stream (the hello may span several records and several
 * segments); tls_parse_hello_body() reads one Handshake message body (for
 * QUIC, whose CRYPTO frames carry handshake messages without records).
 */
#ifndef SW_TLS_H
#define SW_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissectors/cursor.h"
#include "dissectors/dissect.h"

struct tls_hello {
	uint16_t legacy_version;   /* client_version field */
	struct cur sni;            /* first host_name of server_name, raw bytes */
	bool has_sni;
	bool has_ech;              /* encrypted_client_hello (0xfe0d) present */
	bool has_esni;             /* draft ESNI (0xffce) present */
	/* Views kept for fingerprints (JA4): each is the raw extension or
	 * field body; empty when absent. */
	struct cur ciphers;        /* cipher_suites vector body */
	struct cur extensions;     /* whole extensions block body */
	struct cur alpn;           /* ALPN extension body */
	struct cur sig_algs;       /* signature_algorithms extension body */
	struct cur supported_versions; /* supported_versions extension body */
	uint16_t n_ext;            /* number of extensions */
	size_t consumed;           /* stream bytes up to the end of the record
	                              that completed the ClientHello */
};

/*
 * Is there the start of a TLS handshake record carrying a ClientHello at p?
 * D_OK: yes (at least 6 bytes that fit the pattern 16 03 0x LL LL 01 with a
 * plausible length); D_NEED_MORE: fewer than 6 bytes, consistent so far;
 * D_NOT_MINE otherwise.
 */
enum dres tls_probe(const uint8_t *p, size_t n);

/*
 * Parse a ClientHello from the n bytes at the start of a TLS stream.
 * When the Handshake message lies in one record, the views in *out point
 * into p; when it spans records it is gathered into scratch (scratch_len
 * bytes, SW_TLS_SCRATCH is enough for every hello we accept) and the views
 * point there.  Returns D_OK, D_NEED_MORE (a valid prefix), D_NOT_MINE, or
 * D_MALFORMED.  No allocation, no globals.
 */
enum dres tls_client_hello(const uint8_t *p, size_t n, uint8_t *scratch,
                           size_t scratch_len, struct tls_hello *out);

/*
 * Parse a ClientHello Handshake message (type 1, 24-bit length, body) from
 * the msg view.  Returns D_OK, D_NEED_MORE when the message is cut short,
 * D_NOT_MINE when it is not a ClientHello, D_MALFORMED.
 */
enum dres tls_parse_hello_msg(struct cur msg, struct tls_hello *out);

#endif
