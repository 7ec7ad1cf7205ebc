/*
 * fuzz_quic.c - QUIC Initial decryption, frames and CRYPTO reassembly.
 *
 * Input: a sequence of datagrams, each as a 2-byte big-endian length and
 * its bytes (tests/fuzz/corpus/quic/ holds real client Initials framed that
 * way); input that does not frame is one datagram.  Every datagram goes
 * through quic_flow_datagram() as the client of one flow (header parse,
 * key derivation from its DCID, header protection, AEAD, frames, the
 * reassembly slot, tls_parse_hello_msg).  Since a mutated packet rarely
 * survives the AEAD, the bytes are also walked as a decrypted payload:
 * quic_frames() into a CRYPTO stream, then quic_crypto_hello() and the
 * TLS parser on whatever that assembled.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/quic_flow.h"
#include "dissectors/ja4.h"
#include "dissectors/quic.h"
#include "dissectors/tls.h"

/* kind reported by quic_flow_datagram (quic or gquic); unused here */
static enum sw_kind qk_unused;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct quic_flow *q;
static struct quic_crypto cr;

static void one(struct flow *f, const uint8_t *d, size_t n)
{
	/* a copy of exactly n bytes, so that ASan sees any over-read */
	uint8_t *b = malloc(n ? n : 1);
	if (!b)
		return;
	memcpy(b, d, n);
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.l4 = 17;
	p.payload = cur_make(b, n);
	struct tls_hello th;
	if (quic_flow_datagram(q, f, 0, &p, &th, &qk_unused) == D_OK) {
		char j[JA4_BUF];
		(void)ja4_compute(&th, true, j);
	}
	/* the same bytes as a decrypted payload */
	struct quic_frames fr;
	uint32_t v = n && (d[0] & 1) ? 0x54303530u : 1; /* gQUIC framing too */
	(void)quic_frames(v, b, n, &cr, &fr);
	size_t hl;
	if (quic_crypto_hello(&cr, &hl) == D_OK) {
		if (tls_parse_hello_msg(cur_make(cr.buf, hl), &th) == D_OK) {
			char j[JA4_BUF];
			(void)ja4_compute(&th, true, j);
		}
		quic_crypto_reset(&cr);
	}
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!q && !(q = quic_flow_new(NULL, 0)))
		abort();
	struct flow f;
	memset(&f, 0, sizeof f);
	f.client = 0;
	quic_crypto_reset(&cr);

	/* framed? */
	size_t off = 0;
	bool framed = size >= 2;
	while (framed && off < size) {
		if (size - off < 2) {
			framed = false;
			break;
		}
		size_t l = (size_t)data[off] << 8 | data[off + 1];
		if (l > size - off - 2)
			framed = false;
		off += 2 + l;
	}
	if (!framed) {
		one(&f, data, size);
	} else {
		for (off = 0; off < size;) {
			size_t l = (size_t)data[off] << 8 | data[off + 1];
			one(&f, data + off + 2, l);
			off += 2 + l;
		}
	}
	quic_flow_release(q, &f);
	return 0;
}
