/*
 * tls.h - TLS ClientHello: server_name and the fields a fingerprint needs.
 *
 * RFC 8446 (TLS 1.3) 4.1.2, RFC 5246 7.4.1.2, RFC 6066 3 (server_name),
 * draft-ietf-tls-esni (encrypted_client_hello, extension 0xfe0d).
 *
 * Two entry points: tls_client_hello() reads TLS records from the start of a
 * client-to-server TCP stream (the hello may span several records and several
 * segments); tls_parse_hello_msg() reads one Handshake message (for QUIC,
 * whose CRYPTO frames carry handshake messages without records).  Details,
 * choices and limits: docs/dissectors.md.
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
	struct cur sni;            /* first host_name of server_name, raw bytes,
	                              not validated (run hn_normalise on it) */
	bool has_sni;
	bool has_ech;              /* encrypted_client_hello (0xfe0d) present */
	bool has_esni;             /* draft ESNI (0xffce) present */
	/* Views kept for fingerprints (JA4): each is the raw extension or
	 * field body; empty when absent.  Their inner lengths have been
	 * checked (each vector fills its extension exactly). */
	struct cur ciphers;        /* cipher_suites vector body (no length) */
	struct cur extensions;     /* whole extensions block body (no length) */
	struct cur alpn;           /* ALPN extension body (with its 16-bit
	                              list length) */
	struct cur sig_algs;       /* signature_algorithms extension body (with
	                              its 16-bit length) */
	struct cur supported_versions; /* supported_versions extension body
	                              (with its 8-bit length) */
	uint16_t n_ext;            /* number of extensions, GREASE included */
	size_t consumed;           /* tls_client_hello: stream bytes up to the
	                              end of the record that completed the
	                              ClientHello; tls_parse_hello_msg: the
	                              message length (4 + body) */
};

/*
 * Is there the start of a TLS handshake record carrying a ClientHello at p?
 * D_OK: yes (at least 6 bytes that fit the pattern 16 03 0x LL LL 01 with a
 * plausible length: 1..SW_TLS_RECORD_MAX, and, when the first record holds
 * them, a handshake length that fits a hello within SW_TLS_HELLO_MAX and a
 * legacy_version of 3.x); D_NEED_MORE: fewer than 6 bytes, consistent so
 * far; D_NOT_MINE otherwise.  Never D_OK for bytes that tls_client_hello()
 * calls D_NOT_MINE.  Cheap: meant to be tried at every offset of a prelude.
 */
enum dres tls_probe(const uint8_t *p, size_t n);

/*
 * Parse a ClientHello from the n bytes at the start of a TLS stream.
 * When the Handshake message lies in one record, the views in *out point
 * into p (scratch may then be NULL); when it spans records it is gathered
 * into scratch (scratch_len bytes, SW_TLS_SCRATCH is enough for every hello
 * we accept) and the views point there.  The record completing the message
 * must be whole; out->consumed ends it, nothing after it is read.
 * Returns D_OK; D_NEED_MORE when the bytes are a prefix of a hello (never
 * D_MALFORMED for a prefix of a valid hello); D_NOT_MINE when the first
 * record is not a handshake record or the message is not a ClientHello
 * (SSLv2-compatible hellos included); D_MALFORMED when a length overflows
 * its container, a later record is not a handshake record, or a limit is
 * passed (SW_TLS_HELLO_MAX, SW_TLS_STREAM_MAX, SW_TLS_EXT_MAX, scratch too
 * small).  *out is zeroed unless D_OK.  No allocation, no globals.
 */
enum dres tls_client_hello(const uint8_t *p, size_t n, uint8_t *scratch,
                           size_t scratch_len, struct tls_hello *out);

/*
 * Parse a ClientHello Handshake message (type 1, 24-bit length, body) from
 * the msg view; bytes after the message are ignored.  Views point into msg.
 * Returns D_OK, D_NEED_MORE when the message is cut short, D_NOT_MINE when
 * it is not a ClientHello, D_MALFORMED (as for tls_client_hello).  *out is
 * zeroed unless D_OK.
 */
enum dres tls_parse_hello_msg(struct cur msg, struct tls_hello *out);

#endif
