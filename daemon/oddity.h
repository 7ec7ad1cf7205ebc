/*
 * oddity.h - counting the odd inputs the dissectors do not see
 * (docs/hardening.md).
 *
 * A frame cut by the snapshot length, a length field that promises more
 * bytes than a whole frame holds, a stream that opens with a TLS handshake
 * record whose lengths no ClientHello can have: none of them is an error of
 * one dissector, and each must still be counted, never silent.  The
 * pipeline calls these one-line hooks; the counters live in struct
 * sw_counters (daemon/pipeline.h).  Nothing here allocates, logs or keeps
 * state of its own.
 */
#ifndef SW_ODDITY_H
#define SW_ODDITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dissectors/decode.h"

struct sw_counters;

/*
 * Count what is odd about one frame once decode_packet() returned e for it:
 * caplen < wirelen (cut by the snapshot length: c->snapped) and, for a
 * frame captured whole (caplen >= wirelen) that decoded, a length field
 * declaring more than the frame holds (p->cut: c->len_lies).
 */
void odd_frame(struct sw_counters *c, enum decode_err e, const struct pkt *p,
               uint32_t caplen, uint32_t wirelen);

/*
 * Do the n bytes at b open like a TLS handshake record carrying a
 * ClientHello (16 03 00..04, length, then handshake type 1), whatever the
 * lengths say?  For the start of a stream that tls_probe() refused: such a
 * record with impossible lengths is a malformed ClientHello, not some other
 * protocol.  False for fewer than 6 bytes.
 */
bool odd_tls_record(const uint8_t *b, size_t n);

/* Write the line about cut frames (nothing when there were none). */
void odd_summary(const struct sw_counters *c, FILE *f);

#endif
