/*
 * fuzz_reasm.c - libFuzzer target for the TCP path of the pipeline: flow
 * table, half-stream reassembly slots, stream parsing (TLS ClientHello over
 * records and segments, HTTP heads and bodies, DNS over TCP, the plaintext
 * prelude scan), --hostnames printing and IOC matching, driven by a
 * sequence of segments (and datagrams, for the UDP side of the same
 * pipeline: DNS queries and answers, QUIC).
 *
 * Input: records, each
 *
 *   0      1       2       4      5       7
 *   +------+-------+-------+------+-------+----------------+
 *   | flow | flags | seq   | dt   | len   | payload ...    |
 *   +------+-------+-------+------+-------+----------------+
 *
 *   flow   which connection (256): client port 40000 + flow, server port
 *          443 / 80 / 53 / 8443 by flow & 3, IPv6 when flow >= 128
 *   flags  bit 0: sent by the server; bits 1-5: SYN ACK FIN RST PSH;
 *          bit 6: a UDP datagram instead (seq unused): DNS answers and
 *          queries on port 53, QUIC on 443, through the same pipeline
 *   seq    signed 16-bit offset (big endian) from that direction's ISN
 *          (ISNs are fixed per flow; some sit just below 2^32, so that
 *          sequence numbers wrap inside the stream)
 *   dt     capture time advanced before the segment: dt ms below 0xF0,
 *          else (dt - 0xEF) minutes (past the idle timeouts)
 *   len    payload length (big endian); a length beyond the input takes
 *          the rest
 *
 * Each record becomes an IPv4/IPv6 + TCP frame fed to pipe_packet() with
 * DLT_RAW, as a capture would, in an exact-size buffer (ASan sees any read
 * past it).  The pipeline is small (64 flows, 8 reassembly slots, a hit
 * queue of 16) so that eviction and slot exhaustion happen, with the
 * bundled IOC list and --hostnames output to /dev/null.  It is made once
 * (making one costs more than most inputs: the fragment and QUIC pools);
 * each input starts with every flow expired (and the clock two hours past
 * the previous input), so that it runs as on a new pipeline; only the
 * resolved-name cache (DNS answers) may keep entries whose TTL has not run
 * out, which at worst changes which name a later input's flow is given.
 *
 * Checked after the input: once every flow has expired, every reassembly
 * slot is back in the pool (none leaked), and the counters agree.
 * tests/fuzz/mkcorpus_reasm.py makes the seeds from pcaps/ captures;
 * FUZZ_REASM_SHOW=1 prints the --hostnames lines and summary of each input
 * to standard output instead (to check what a seed reaches).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/flow.h"
#include "daemon/pipeline.h"
#include "ioc/ioc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_FLOWS SW_FLOWS_MIN
#define FZ_SLOTS SW_REASM_SLOTS_MIN
#define FZ_DLT_RAW 12
#define FZ_HDR 7

static const uint16_t fz_sport[4] = { 443, 80, 53, 8443 };

static uint32_t fz_isn(unsigned flow, unsigned dir)
{
	if (flow % 5 == 0)
		return 0xffffff00u - flow - dir * 0x100u; /* wraps within a hello */
	return (uint32_t)(flow * 2654435761u) ^ (dir ? 0x5bd1e995u : 0);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Build the frame of one record into a fresh exact-size buffer. */
static uint8_t *fz_frame(unsigned flow, uint8_t flags, uint32_t seq,
                         const uint8_t *pl, size_t n, size_t *len)
{
	bool v6 = flow >= 128, udp = flags & 0x40;
	size_t ih = v6 ? 40 : 20, lh = udp ? 8 : 20;
	if (n > 65535 - ih - lh)
		n = 65535 - ih - lh;
	size_t tot = ih + lh + n;
	uint8_t *f = calloc(1, tot);
	if (!f)
		abort();
	bool srv = flags & 1;
	uint16_t cport = (uint16_t)(40000u + flow), sport = fz_sport[flow & 3];
	uint8_t caddr[16] = { 0 }, saddr[16] = { 0 };
	if (v6) {
		caddr[0] = saddr[0] = 0xfd;
		caddr[15] = 1;
		saddr[15] = 2;
	} else {
		caddr[0] = saddr[0] = 10;
		caddr[3] = 1;
		saddr[3] = 2;
	}
	const uint8_t *src = srv ? saddr : caddr, *dst = srv ? caddr : saddr;
	if (v6) {
		f[0] = 0x60;
		put16(f + 4, (uint16_t)(lh + n));
		f[6] = udp ? 17 : 6;
		f[7] = 64;
		memcpy(f + 8, src, 16);
		memcpy(f + 24, dst, 16);
	} else {
		f[0] = 0x45;
		put16(f + 2, (uint16_t)tot);
		f[8] = 64;
		f[9] = udp ? 17 : 6;
		memcpy(f + 12, src, 4);
		memcpy(f + 16, dst, 4);
	}
	uint8_t *t = f + ih;
	put16(t, srv ? sport : cport);
	put16(t + 2, srv ? cport : sport);
	if (udp) {
		put16(t + 4, (uint16_t)(8 + n));
		if (n)
			memcpy(t + 8, pl, n);
		*len = tot;
		return f;
	}
	put32(t + 4, seq);
	t[12] = 5 << 4;
	/* SYN ACK FIN RST PSH -> TCP flag bits */
	t[13] = (uint8_t)(((flags >> 1) & 1) << 1 | ((flags >> 2) & 1) << 4 |
	                  ((flags >> 3) & 1) | ((flags >> 4) & 1) << 2 |
	                  ((flags >> 5) & 1) << 3);
	put16(t + 14, 65535);
	if (n)
		memcpy(t + 20, pl, n);
	*len = tot;
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ioc_set *iocs;
	static FILE *devnull;
	static struct pipeline pl;
	static uint64_t clock_us = 1700000000ull * 1000000u;
	char err[256];

	if (!iocs) {
		iocs = ioc_set_load(NULL, 0, NULL, err, sizeof err);
		/* FUZZ_REASM_SHOW=1: print what a seed yields (debugging) */
		devnull = getenv("FUZZ_REASM_SHOW") ? stdout : fopen("/dev/null", "w");
		if (!iocs || !devnull)
			abort();
		struct pipe_opts o = {
			.flows = FZ_FLOWS, .reasm_slots = FZ_SLOTS, .hitq = SW_HITQ_MIN,
			.hostnames = devnull, .seed = 0x5eed,
		};
		if (pipe_init(&pl, &o, iocs, err, sizeof err) != 0)
			abort();
		pipe_set_link(&pl, FZ_DLT_RAW);
	}
	/* Every flow of the previous input expired at its end (checked
	 * below), flow ids are never reused (so --hostnames dedupe cannot
	 * carry over) and the hit queue is drained: each input starts from
	 * an empty table, as if the pipeline were new. */
	memset(&pl.c, 0, sizeof pl.c);
	uint64_t now = clock_us;
	while (size >= FZ_HDR) {
		unsigned flow = data[0];
		uint8_t flags = data[1];
		int16_t off = (int16_t)(uint16_t)(data[2] << 8 | data[3]);
		uint8_t dt = data[4];
		size_t n = (size_t)data[5] << 8 | data[6];
		data += FZ_HDR;
		size -= FZ_HDR;
		if (n > size)
			n = size;
		now += dt < 0xf0 ? dt * 1000u : (uint64_t)(dt - 0xef) * 60000000u;
		uint32_t seq = fz_isn(flow, flags & 1) + (uint32_t)(int32_t)off;
		size_t flen;
		uint8_t *fr = fz_frame(flow, flags, seq, data, n, &flen);
		pipe_packet(&pl, now, fr, (uint32_t)flen, (uint32_t)flen);
		free(fr);
		data += n;
		size -= n;
		/* the writer's side: drain the queue now and then */
		if (hitq_len(&pl.hq) > pl.hq.cap / 2)
			hitq_pop(&pl.hq, hitq_len(&pl.hq));
	}
	pipe_summary(&pl, devnull);
	hitq_pop(&pl.hq, hitq_len(&pl.hq));

	struct flow_stats st;
	flow_get_stats(pl.ft, &st);
	if (st.active > FZ_FLOWS || st.created < st.active ||
	    st.created != st.active + st.evicted + st.expired ||
	    pl.c.decode[DEC_OK] > pl.c.packets || pl.c.hits_dropped > pl.c.hits)
		abort();
	/* every flow gone: every slot must be back in the pool */
	clock_us = now + 3600ull * 1000000u;
	flow_expire(pl.ft, clock_us);
	clock_us += 3600ull * 1000000u;
	flow_get_stats(pl.ft, &st);
	if (st.active != 0)
		abort();
	struct half h[FZ_SLOTS];
	memset(h, 0, sizeof h);
	for (int i = 0; i < FZ_SLOTS; i++)
		if (!flow_slot_get(pl.ft, &h[i]))
			abort(); /* a slot leaked */
	for (int i = 0; i < FZ_SLOTS; i++)
		flow_slot_put(pl.ft, &h[i]);
	return 0;
}
