/*
 * quic_flow.h - per-flow QUIC state: which Initial keys, the CRYPTO stream
 * gathered so far, when to give up.  The packet work is the pure code of
 * dissectors/quic.c; this module only keeps state between datagrams.
 *
 * A flow holds a state slot (SW_QUIC_SLOTS_DEFAULT of them, from a fixed
 * pool, each ~4.4 KB) only while its ClientHello is spread over several
 * datagrams; a hello that arrives whole in one datagram (most clients but
 * Chromium) never takes one.  The slot is released as soon as the hello is
 * complete, the flow gives up, or the flow table removes the flow.
 */
#ifndef SW_QUIC_FLOW_H
#define SW_QUIC_FLOW_H

#include <stdint.h>
#include <stdio.h>

#include "daemon/flow.h"
#include "dissectors/decode.h"
#include "dissectors/dissect.h"
#include "dissectors/tls.h"

struct quic_flow;

/* What happened to QUIC datagrams (never logged on the packet path). */
struct quic_flow_stats {
	uint64_t datagrams;      /* client datagrams starting with a known long header */
	uint64_t initials;       /* Initial packets decrypted */
	uint64_t undecryptable;  /* Initial packets no key opened */
	uint64_t bad_frames;     /* decrypted payloads with a frame not allowed or cut */
	uint64_t conflicts;      /* CRYPTO bytes that disagreed with bytes held */
	uint64_t hellos;         /* ClientHellos completed */
	uint64_t bad_hellos;     /* completed but refused by the TLS parser, or not a hello */
	uint64_t too_big;        /* hellos longer than SW_QUIC_CRYPTO_BYTES or too many holes */
	uint64_t gave_up;        /* flows abandoned after SW_QUIC_TRIES datagrams */
	uint64_t no_slot;        /* flows not followed: the slot pool was empty */
	uint64_t slots_used;     /* slots taken (hellos over several datagrams) */
	uint64_t gquic;          /* Google QUIC (Q0xx) CHLOs read (cleartext) */
};

/*
 * Make the QUIC state of a pipeline: nslots slots (0: SW_QUIC_SLOTS_DEFAULT;
 * SW_QUIC_SLOTS_MIN..MAX), the decryption buffer and libcrypto contexts.
 * Registers itself as ft's flow-removal hook (flow_table_on_remove), calling
 * the hook set before it in turn, so ft must outlive it or be freed first.  NULL on allocation failure or a bad
 * size.
 */
struct quic_flow *quic_flow_new(struct flow_table *ft, uint32_t nslots);
void quic_flow_free(struct quic_flow *q);

/*
 * One UDP datagram p of flow f, sent by side.  Only the client's datagrams
 * that start with a long header of a known version are read; everything
 * else returns D_NOT_MINE at once.  D_OK: a ClientHello was completed and
 * parsed into *th, whose views stay valid until the next call on q (the
 * flow is then done with QUIC), and *kind is K_QUIC.  Google QUIC (Q0xx,
 * cleartext CHLO) gives D_OK too, with only the name set (no ciphers, so no
 * JA4), and *kind K_GQUIC.
 * D_NEED_MORE: held, waiting for more.
 * D_MALFORMED: the flow gave up (counted).
 */
enum dres quic_flow_datagram(struct quic_flow *q, struct flow *f, int side,
                             const struct pkt *p, struct tls_hello *th,
                             enum sw_kind *kind);

/* Release f's slot, if it has one (the flow-removal hook calls this). */
void quic_flow_release(struct quic_flow *q, struct flow *f);

void quic_flow_get_stats(const struct quic_flow *q, struct quic_flow_stats *st);

/* Print one summary line to out when any QUIC datagram was seen. */
void quic_flow_summary(const struct quic_flow *q, FILE *out);

#endif
