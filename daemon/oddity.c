/*
 * oddity.c - counting the odd inputs the dissectors do not see (oddity.h).
 */
#include "daemon/oddity.h"

#include <inttypes.h>

#include "daemon/pipeline.h"

void odd_frame(struct sw_counters *c, enum decode_err e, const struct pkt *p,
               uint32_t caplen, uint32_t wirelen)
{
	if (caplen < wirelen)
		c->snapped++;
	else if (e == DEC_OK && p->cut)
		c->len_lies++;
}

bool odd_tls_record(const uint8_t *b, size_t n)
{
	return n >= 6 && b[0] == 0x16 && b[1] == 0x03 && b[2] <= 0x04 && b[5] == 0x01;
}

void odd_summary(const struct sw_counters *c, FILE *f)
{
	if (c->snapped || c->len_lies)
		fprintf(f, "frames cut: %" PRIu64 " by the snapshot length, %" PRIu64
		        " whole frames shorter than their IP/UDP length fields\n",
		        c->snapped, c->len_lies);
}
