/*
 * quic.h - QUIC Initial packets: long header, Initial keys, header
 * protection, AEAD decryption, frames, and CRYPTO stream reassembly.
 *
 * RFC 9000 (QUIC v1: 17.2 long header, 19 frames), RFC 9001 (5.2 Initial
 * secrets, 5.3 AEAD, 5.4 header protection), RFC 9369 (QUIC v2), RFC 8999
 * (invariants); drafts 22-32 of draft-ietf-quic-transport/-tls, mvfst
 * (Facebook) and Google's T050/T051 (TLS in IETF-framed QUIC).
 *
 * Everything here is pure: bytes and keys in, verdicts and views out, no
 * globals, no allocation, no I/O.  The crypto (HKDF over HMAC-SHA256,
 * AES-128-ECB for the header protection mask, AES-128-GCM) is OpenSSL's
 * libcrypto through its EVP interface: see docs/quic.md for why.
 *
 * The per-flow use of these functions (which keys, which packets, when to
 * give up) is daemon/quic_flow.c.
 */
#ifndef SW_QUIC_H
#define SW_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/sw_limits.h"
#include "dissectors/cursor.h"
#include "dissectors/dissect.h"

/* Long-header packet types, normalised across versions (v2 permutes the
 * two type bits: RFC 9369 3.2). */
enum quic_ptype {
	QUIC_PT_INITIAL = 0,
	QUIC_PT_0RTT,
	QUIC_PT_HANDSHAKE,
	QUIC_PT_RETRY,
};

/* Client Initial packet protection keys (AEAD_AES_128_GCM). */
struct quic_keys {
	uint8_t key[16];
	uint8_t iv[12];
	uint8_t hp[16];
};

/* One long-header packet at the start of a datagram (or after the packets
 * coalesced before it).  Views point into the caller's bytes. */
struct quic_hdr {
	uint32_t version;
	uint8_t ptype;        /* enum quic_ptype */
	struct cur dcid, scid;
	struct cur token;     /* Initial only; empty otherwise */
	size_t pn_off;        /* offset of the (protected) packet number */
	size_t len;           /* bytes of this packet: header + Length field */
};

/*
 * True when version is one whose Initial keys we know (v1, v2, drafts
 * 22-32, mvfst 0xfaceb001/2/e, Google T050/T051).
 */
bool quic_version_known(uint32_t version);

/*
 * Is there a QUIC long-header packet of a known version at p?  D_OK when
 * the first byte has the header-form and fixed bits set and the next four
 * bytes are a known version; D_NEED_MORE when fewer than 5 bytes are there
 * and they fit so far; D_NOT_MINE otherwise (short headers, Version
 * Negotiation, unknown versions).  Cheap: one byte and one word compared.
 */
enum dres quic_probe(const uint8_t *p, size_t n);

/*
 * Parse the long header of the packet at the start of the n bytes at p
 * (RFC 9000 17.2).  D_OK: *h filled; for Initial, 0-RTT and Handshake
 * packets h->len is the packet's whole length (<= n), so that the next
 * coalesced packet starts at p + h->len; for Retry h->len is n.
 * D_NEED_MORE: the bytes stop before the packet does (a truncated capture);
 * D_NOT_MINE: not a long header of a known version; D_MALFORMED: a
 * connection ID over SW_QUIC_CID_MAX, a Length too short to hold a packet
 * number and the 16-byte header protection sample.
 */
enum dres quic_parse_long(const uint8_t *p, size_t n, struct quic_hdr *h);

/*
 * Derive the client's Initial keys of `version` from the Destination
 * Connection ID of the client's first Initial (RFC 9001 5.2; RFC 9369
 * 3.3.1-2 for v2's salt and "quicv2" labels).  False when the version is
 * unknown, the DCID longer than SW_QUIC_CID_MAX, or libcrypto fails.
 */
bool quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                       struct quic_keys *k);

/*
 * HKDF-Expand-Label(secret, label, "", out_len) of TLS 1.3 (RFC 8446 7.1)
 * with SHA-256: the label is prefixed with "tls13 ".  secret is 32 bytes;
 * out_len at most 255.  False on libcrypto failure.  (Exposed for tests.)
 */
bool quic_hkdf_expand_label(const uint8_t secret[32], const char *label,
                            uint8_t *out, size_t out_len);

/* The two libcrypto cipher contexts one decryption uses (AES-128-ECB for
 * the mask, AES-128-GCM for the payload), made once at start-up so that
 * nothing is allocated per packet.  One per thread. */
struct quic_aead;

/* A new pair of contexts, or NULL when libcrypto fails.  Free with
 * quic_aead_free (NULL allowed). */
struct quic_aead *quic_aead_new(void);
void quic_aead_free(struct quic_aead *a);

/*
 * Remove header protection and decrypt the Initial packet pkt (h from
 * quic_parse_long on the same bytes; pkt is not modified), using the
 * contexts a.  The plaintext
 * payload (frames) is written to out (outlen bytes; h->len is always
 * enough); *plen is its length and *pn the packet number (truncated value
 * as sent, 1-4 bytes).  D_OK when the AEAD tag verifies; D_MALFORMED when
 * it does not (other keys, damaged bytes) or the payload does not fit;
 * D_NOT_MINE when h is not an Initial.  Nothing of out is meaningful
 * unless D_OK.
 */
enum dres quic_decrypt_initial(struct quic_aead *a, const uint8_t *pkt,
                               const struct quic_hdr *h,
                               const struct quic_keys *k, uint8_t *out,
                               size_t outlen, size_t *plen, uint64_t *pn);

/* ---- CRYPTO stream reassembly ------------------------------------------ */

/* Bytes [0, SW_QUIC_CRYPTO_BYTES) of a CRYPTO stream, with holes. */
struct quic_crypto {
	uint16_t nr;                                   /* ranges used */
	struct { uint16_t lo, hi; } r[SW_QUIC_RANGES]; /* sorted, disjoint, apart */
	uint8_t buf[SW_QUIC_CRYPTO_BYTES];
};

/* What quic_crypto_add did. */
enum quic_cres {
	QC_OK = 0,      /* stored (or already held, identical) */
	QC_BEYOND,      /* some or all bytes lie past SW_QUIC_CRYPTO_BYTES: the
	                   part inside was stored */
	QC_CONFLICT,    /* overlaps held bytes with different content: nothing
	                   stored */
	QC_HOLES,       /* would need more than SW_QUIC_RANGES ranges: nothing
	                   stored */
};

/* Empty the stream (only nr is reset; the buffer is not cleared). */
void quic_crypto_reset(struct quic_crypto *c);

/*
 * Store the n bytes at p as stream bytes [off, off + n).  Bytes already
 * held must agree: a copy that disagrees is refused whole (QC_CONFLICT),
 * so a forged or damaged retransmission cannot change a name.
 */
enum quic_cres quic_crypto_add(struct quic_crypto *c, uint64_t off,
                               const uint8_t *p, size_t n);

/* Length of the contiguous bytes held from offset 0. */
size_t quic_crypto_contig(const struct quic_crypto *c);

/* Frame counts of one packet (for tests and counters). */
struct quic_frames {
	uint16_t crypto, padding, ping, ack, close;
	enum quic_cres worst;   /* worst quic_crypto_add result (QC_OK..) */
};

/*
 * Walk the frames of a decrypted Initial payload (RFC 9000 12.4: PADDING,
 * PING, ACK, CRYPTO, CONNECTION_CLOSE are the frames an Initial may
 * carry) and add every CRYPTO frame to c.  D_OK when the payload holds
 * only those frames, well formed; D_MALFORMED at the first frame of
 * another type or cut short (CRYPTO frames before it were added).  *fr
 * counts what was seen (may be NULL).  version: the packet's; Google's
 * T05x use gQUIC frame types (PADDING to the end, PING 07, CRYPTO 08), of
 * which only those three are read.
 */
enum dres quic_frames(uint32_t version, const uint8_t *p, size_t n,
                      struct quic_crypto *c, struct quic_frames *fr);

/*
 * Is the start of the CRYPTO stream a whole ClientHello?  D_OK with *len
 * (header included) when it is held in full; D_NEED_MORE when more bytes
 * are needed and the hello fits SW_QUIC_CRYPTO_BYTES; D_NOT_MINE when the
 * first message is not a ClientHello; D_MALFORMED when it is longer than
 * SW_QUIC_CRYPTO_BYTES.
 */
enum dres quic_crypto_hello(const struct quic_crypto *c, size_t *len);

/*
 * Google QUIC (Q0xx): the client's CHLO travels in cleartext.  When the n
 * bytes at p start with a gQUIC header carrying a "Q0dd" version (the long
 * header of Q043+ at offset 1, or the public header of Q039 and older with
 * the version and 8-byte connection ID flags at offset 9) and hold a CHLO
 * message (tag "CHLO", entry count:16 LE, padding:16, entries of tag:32 and
 * end offset:32 LE, values), *sni is the value of its "SNI\0" tag: D_OK.
 * D_NOT_MINE: no gQUIC header, no CHLO or no SNI tag; D_MALFORMED: a CHLO
 * whose entries do not fit.  The CHLO is found by a bounded scan of the
 * datagram (gQUIC frames are not parsed).
 */
enum dres quic_gquic_sni(const uint8_t *p, size_t n, struct cur *sni);

#endif
