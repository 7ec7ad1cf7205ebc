/*
 * fuzz_decode.c - libFuzzer target for decode_packet().
 *
 * Input: one selector byte, then the frame.  The selector's low nibble picks
 * the link type from fz_dlts[] (modulo its length).  Its high nibble:
 *
 *   0x0-0xE  one frame: the rest of the input.  The capture clock advances
 *            by (high nibble) x 4 s, and the fragment table is one that
 *            lives across inputs (allocated once), so pieces and timeouts
 *            from earlier inputs meet this one.
 *   0xF      a sequence of frames, decoded with a table that is reset at
 *            the start of the input, so that reassembly (in order, out of
 *            order, overlapping, duplicate, timed out, nested) is
 *            reproducible:  { dt (seconds to advance) | length 2 (big
 *            endian) | frame } ...; a length beyond the input takes the
 *            rest.
 *
 * Invariants checked on DEC_OK: the payload lies inside the frame or is a
 * reassembled view; every payload byte is readable through the cursor
 * (ASan sees any overrun); l4 is TCP or UDP; both addresses are of the same
 * family.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dissectors/decode.h"

static const int fz_dlts[] = {
	1,   /* EN10MB */
	113, /* LINUX_SLL */
	276, /* LINUX_SLL2 */
	12,  /* RAW (and OpenBSD LOOP) */
	14,  /* RAW on OpenBSD */
	101, /* LINKTYPE_RAW */
	228, /* IPV4 */
	229, /* IPV6 */
	0,   /* NULL */
	108, /* LOOP */
	9,   /* PPP */
	50,  /* PPP_SERIAL */
	104, /* C_HDLC */
	239, /* NFLOG */
};

#define FZ_NDLT (sizeof fz_dlts / sizeof fz_dlts[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_one(int dlt, const uint8_t *frame, size_t n, uint64_t now,
                   struct frag_table *ft)
{
	struct pkt p = { 0 };
	enum decode_err e = decode_packet(dlt, frame, (uint32_t)n, now, ft, &p);

	if ((unsigned)e >= DEC_ERR_COUNT || p.layer >= DL_COUNT)
		abort();
	(void)decode_err_str(e);
	(void)decode_layer_str((enum decode_layer)p.layer);
	if (e != DEC_OK)
		return;
	if (p.l4 != 6 && p.l4 != 17)
		abort();
	if (p.src.v != p.dst.v || (p.src.v != 4 && p.src.v != 6))
		abort();
	const uint8_t *pp = cur_ptr(&p.payload);
	size_t pl = cur_len(&p.payload);
	if (pl > 65535)
		abort();
	if (!p.reassembled && pl && (pp < frame || pl > n || pp > frame + (n - pl)))
		abort();
	unsigned sum = 0;
	struct cur c = p.payload;
	uint8_t b;
	while (cur_get_u8(&c, &b))
		sum += b;
	if (sum > 65535u * 255u)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct frag_table *keep, *fresh;
	static uint64_t clock_us = 1000000000ull * 1000000ull;

	if (size < 1)
		return 0;
	if (!keep) {
		keep = frag_new();
		fresh = frag_new();
		if (!keep || !fresh)
			abort();
	}
	uint8_t sel = data[0];
	int dlt = fz_dlts[(sel & 0x0f) % FZ_NDLT];
	data++;
	size--;

	if (sel >> 4 != 0x0f) {
		clock_us += (uint64_t)(sel >> 4) * 4000000u + 1;
		fz_one(dlt, data, size, clock_us, keep);
	} else {
		uint64_t now = 1000000ull * 1000000ull;
		frag_reset(fresh);
		while (size >= 3) {
			now += (uint64_t)data[0] * 1000000u;
			size_t n = (size_t)data[1] << 8 | data[2];
			data += 3;
			size -= 3;
			if (n > size)
				n = size;
			/* an exact-size copy, so that ASan sees a read past
			 * this frame rather than into the next record */
			uint8_t *copy = malloc(n ? n : 1);
			if (!copy)
				abort();
			for (size_t i = 0; i < n; i++)
				copy[i] = data[i];
			fz_one(dlt, copy, n, now, fresh);
			free(copy);
			data += n;
			size -= n;
		}
	}

	struct frag_stats st;
	frag_get_stats(keep, &st);
	if (st.completed > st.held)
		abort();
	frag_get_stats(fresh, &st);
	if (st.completed > st.held)
		abort();
	return 0;
}
