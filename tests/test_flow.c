/*
 * test_flow.c - flow table (lookup, direction, expiry, eviction) and the
 * reassembly slots (ordering, holes, conflicts, limits).
 */
#include <arpa/inet.h>

#include "daemon/flow.h"
#include "testutil.h"

static struct pkt mkpkt(const char *src, uint16_t sport, const char *dst,
                        uint16_t dport, uint8_t l4)
{
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.src.v = p.dst.v = 4;
	ck_assert_int_eq(inet_pton(AF_INET, src, p.src.a), 1);
	ck_assert_int_eq(inet_pton(AF_INET, dst, p.dst.a), 1);
	p.sport = sport;
	p.dport = dport;
	p.l4 = l4;
	return p;
}

START_TEST(lookup_is_direction_free)
{
	struct flow_table *t = flow_table_new(64, 8, 1);
	ck_assert_ptr_nonnull(t);
	struct pkt a = mkpkt("10.0.0.2", 40000, "192.0.2.1", 443, 6);
	struct pkt b = mkpkt("192.0.2.1", 443, "10.0.0.2", 40000, 6);
	int sa, sb;
	bool na, nb;
	struct flow *fa = flow_lookup(t, &a, 1000, &sa, &na);
	struct flow *fb = flow_lookup(t, &b, 2000, &sb, &nb);
	ck_assert(na);
	ck_assert(!nb);
	ck_assert_ptr_eq(fa, fb);
	ck_assert_int_ne(sa, sb);
	/* same addresses, other port: another flow */
	struct pkt c = mkpkt("10.0.0.2", 40001, "192.0.2.1", 443, 6);
	int sc;
	bool nc;
	struct flow *fc = flow_lookup(t, &c, 3000, &sc, &nc);
	ck_assert(nc);
	ck_assert_ptr_ne(fc, fa);
	ck_assert_uint_ne(fc->id, fa->id);
	/* same 5-tuple but UDP: another flow */
	struct pkt u = mkpkt("10.0.0.2", 40000, "192.0.2.1", 443, 17);
	int su;
	bool nu;
	flow_lookup(t, &u, 3000, &su, &nu);
	ck_assert(nu);
	struct flow_stats st;
	flow_get_stats(t, &st);
	ck_assert_uint_eq(st.created, 3);
	ck_assert_uint_eq(st.active, 3);
	flow_table_free(t);
}
END_TEST

START_TEST(idle_flows_expire)
{
	struct flow_table *t = flow_table_new(64, 8, 1);
	struct pkt u = mkpkt("10.0.0.2", 5353, "10.0.0.1", 53, 17);
	struct pkt tc = mkpkt("10.0.0.2", 40000, "10.0.0.1", 80, 6);
	int s;
	bool n;
	struct flow *fu = flow_lookup(t, &u, 0, &s, &n);
	uint64_t uid = fu->id;
	flow_lookup(t, &tc, 0, &s, &n);
	/* 61 s later: the UDP flow is gone, the TCP flow (300 s) is not */
	struct pkt other = mkpkt("10.0.0.3", 1, "10.0.0.1", 2, 17);
	flow_lookup(t, &other, (uint64_t)(SW_FLOW_IDLE_UDP_S + 1) * 1000000u, &s, &n);
	struct flow_stats st;
	flow_get_stats(t, &st);
	ck_assert_uint_eq(st.expired, 1);
	fu = flow_lookup(t, &u, (uint64_t)(SW_FLOW_IDLE_UDP_S + 2) * 1000000u, &s, &n);
	ck_assert(n);
	ck_assert_uint_ne(fu->id, uid);
	struct flow *ft = flow_lookup(t, &tc, (uint64_t)(SW_FLOW_IDLE_UDP_S + 2) * 1000000u, &s, &n);
	ck_assert(!n);
	(void)ft;
	/* time going backwards expires nothing */
	flow_expire(t, 0);
	flow_get_stats(t, &st);
	ck_assert_uint_eq(st.expired, 1);
	flow_table_free(t);
}
END_TEST

START_TEST(full_table_evicts_lru)
{
	struct flow_table *t = flow_table_new(SW_FLOWS_MIN, 8, 7);
	int s;
	bool n;
	uint64_t first_id = 0;
	for (unsigned i = 0; i < SW_FLOWS_MIN * 4; i++) {
		struct pkt p = mkpkt("10.0.0.2", (uint16_t)(1000 + i), "10.0.0.1", 443, 6);
		struct flow *f = flow_lookup(t, &p, 1000 + i, &s, &n);
		ck_assert(n);
		if (i == 0)
			first_id = f->id;
		/* keep flow 0 alive: it must never be the one evicted */
		struct pkt p0 = mkpkt("10.0.0.2", 1000, "10.0.0.1", 443, 6);
		struct flow *f0 = flow_lookup(t, &p0, 1000 + i, &s, &n);
		ck_assert(!n);
		ck_assert_uint_eq(f0->id, first_id);
	}
	struct flow_stats st;
	flow_get_stats(t, &st);
	ck_assert_uint_eq(st.active, SW_FLOWS_MIN);
	ck_assert_uint_eq(st.evicted, SW_FLOWS_MIN * 4 - SW_FLOWS_MIN);
	flow_table_free(t);
}
END_TEST

START_TEST(bad_sizes_refused)
{
	ck_assert_ptr_null(flow_table_new(SW_FLOWS_MIN - 1, 8, 0));
	ck_assert_ptr_null(flow_table_new(SW_FLOWS_MAX + 1, 8, 0));
	ck_assert_ptr_null(flow_table_new(64, SW_REASM_SLOTS_MIN - 1, 0));
}
END_TEST

START_TEST(reasm_in_and_out_of_order)
{
	struct flow_table *t = flow_table_new(64, 8, 1);
	struct half h;
	memset(&h, 0, sizeof h);
	ck_assert(flow_slot_get(t, &h));
	struct reasm_slot *s = flow_slot(t, &h);
	const uint8_t msg[] = "0123456789abcdefghij";
	/* third piece first, then first, then second */
	ck_assert_int_eq(reasm_store(t, s, 14, msg + 14, 6), RS_OK);
	ck_assert_uint_eq(reasm_contig(s), 0);
	ck_assert_int_eq(reasm_store(t, s, 0, msg, 7), RS_OK);
	ck_assert_uint_eq(reasm_contig(s), 7);
	ck_assert_int_eq(reasm_store(t, s, 7, msg + 7, 7), RS_OK);
	ck_assert_uint_eq(reasm_contig(s), 20);
	ck_assert_uint_eq(s->nr, 1);
	ck_assert_mem_eq(s->buf, msg, 20);
	/* an identical retransmission is fine */
	ck_assert_int_eq(reasm_store(t, s, 3, msg + 3, 10), RS_OK);
	/* one that disagrees is refused and changes nothing */
	ck_assert_int_eq(reasm_store(t, s, 5, (const uint8_t *)"XXXX", 4), RS_CONFLICT);
	ck_assert_mem_eq(s->buf, msg, 20);
	/* consume the first 10: the rest moves down */
	reasm_consume(s, 10);
	ck_assert_uint_eq(reasm_contig(s), 10);
	ck_assert_mem_eq(s->buf, msg + 10, 10);
	flow_slot_put(t, &h);
	ck_assert_uint_eq(h.slot, 0);
	flow_table_free(t);
}
END_TEST

START_TEST(reasm_limits)
{
	struct flow_table *t = flow_table_new(64, SW_REASM_SLOTS_MIN, 1);
	struct half h[SW_REASM_SLOTS_MIN + 1];
	memset(h, 0, sizeof h);
	for (int i = 0; i < SW_REASM_SLOTS_MIN; i++)
		ck_assert(flow_slot_get(t, &h[i]));
	/* feed every slot but the first, in order: slot 0 is then the least
	 * recently fed and is the one taken when the pool is empty */
	uint8_t one = 1;
	for (int i = 1; i < SW_REASM_SLOTS_MIN; i++)
		ck_assert_int_eq(reasm_store(t, flow_slot(t, &h[i]), 0, &one, 1), RS_OK);
	ck_assert(flow_slot_get(t, &h[SW_REASM_SLOTS_MIN]));
	ck_assert_uint_eq(h[0].slot, 0);
	ck_assert_int_eq(h[0].state, HS_DONE);
	ck_assert_uint_ne(h[SW_REASM_SLOTS_MIN].slot, 0);
	struct flow_stats st;
	flow_get_stats(t, &st);
	ck_assert_uint_eq(st.reasm_stolen, 1);
	ck_assert_uint_eq(st.reasm_exhausted, 0);
	/* the next one takes slot 1's (fed before 2..7) */
	struct half extra;
	memset(&extra, 0, sizeof extra);
	ck_assert(flow_slot_get(t, &extra));
	ck_assert_uint_eq(h[1].slot, 0);
	ck_assert_uint_ne(h[2].slot, 0);
	flow_slot_put(t, &extra);
	/* h[0] gave up; give it a slot back for the checks below */
	h[0].state = HS_PROBE;
	ck_assert(flow_slot_get(t, &h[0]));

	struct reasm_slot *s = flow_slot(t, &h[0]);
	uint8_t b[64] = { 0 };
	ck_assert_int_eq(reasm_store(t, s, SW_REASM_BYTES - 10, b, 11), RS_OVERFLOW);
	ck_assert_int_eq(reasm_store(t, s, SW_REASM_BYTES - 10, b, 10), RS_OK);
	/* SW_REASM_RANGES disjoint ranges fit; one more does not */
	struct reasm_slot *s2 = flow_slot(t, &h[2]);
	s2->nr = 0;
	for (uint32_t i = 0; i < SW_REASM_RANGES; i++)
		ck_assert_int_eq(reasm_store(t, s2, 100 + i * 10, b, 2), RS_OK);
	ck_assert_int_eq(reasm_store(t, s2, 10, b, 2), RS_HOLES);
	/* filling a hole merges */
	ck_assert_int_eq(reasm_store(t, s2, 102, b, 8), RS_OK);
	ck_assert_uint_eq(s2->nr, SW_REASM_RANGES - 1);
	flow_table_free(t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("flow");
	tcase_add_test(tc, lookup_is_direction_free);
	tcase_add_test(tc, idle_flows_expire);
	tcase_add_test(tc, full_table_evicts_lru);
	tcase_add_test(tc, bad_sizes_refused);
	tcase_add_test(tc, reasm_in_and_out_of_order);
	tcase_add_test(tc, reasm_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite());
}
