/*
 * fuzz_resolve.c - libFuzzer entry point for the resolved-name cache
 * (daemon/resolve.c) fed by DNS answers: dns_parse, then rslv_chain and
 * rslv_dns_response into one small cache that lives across inputs (so
 * eviction and generations are exercised), then a flow to every address of
 * the answer.
 *
 * Input: byte 0 picks the client (its low bits: address family, MAC or
 * not, which of 4 clients) and the clock step; the rest is a DNS message.
 * Checks what resolve.h promises: the chain starts at the question, has no
 * name twice and each link is a CNAME of the message; whatever the cache
 * returns is a normalised name from that chain or an earlier message, at
 * most SW_HOST_MAX bytes, NUL-terminated; a candidate taken is the name
 * looked up, and a taken candidate is gone.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/resolve.h"
#include "ioc/ioc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_host(const char *s, size_t len)
{
	if (len == 0 || len > SW_HOST_MAX || strlen(s) != len)
		abort();
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_' || c == '.' || c == '*'))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rslv *r;
	static struct ioc_set *iocs;
	static uint64_t now = 1700000000000000ULL;
	static struct dns_msg m;
	if (!r) {
		static const char rules[] = "spy-test.com Fuzz\ns3:bucket-spy Fuzz\n";
		char err[256];
		r = rslv_new(SW_RSLV_ENTRIES_MIN, 42);
		iocs = ioc_set_load_mem(rules, sizeof rules - 1, "fuzz", NULL, err, sizeof err);
		if (!r || !iocs)
			abort();
	}
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	now += (uint64_t)(sel >> 4) * 37 * 1000000u;
	if (dns_parse(data + 1, size - 1, &m) != D_OK)
		return 0;

	const struct dns_name *chain[SW_DNS_ANSWERS_MAX + 1];
	size_t nc = rslv_chain(&m, chain, SW_DNS_ANSWERS_MAX + 1);
	if (nc > SW_DNS_ANSWERS_MAX + 1)
		abort();
	if (nc && chain[0] != &m.q[0])
		abort();
	for (size_t i = 0; i < nc; i++) {
		check_host(chain[i]->name, chain[i]->len);
		for (size_t j = 0; j < i; j++)
			if (chain[j]->len == chain[i]->len &&
			    memcmp(chain[j]->name, chain[i]->name, chain[i]->len) == 0)
				abort();
	}

	/* the packet that carried it: resolver -> client */
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.ts_us = now;
	p.l4 = 17;
	p.sport = 53;
	p.dport = 33333;
	p.src.v = p.dst.v = (sel & 1) ? 6 : 4;
	p.src.a[0] = 10;
	p.src.a[3] = 53;
	p.dst.a[0] = 10;
	p.dst.a[3] = (uint8_t)(2 + ((sel >> 2) & 3));
	if (sel & 2) {
		p.has_mac = true;
		p.mac_dst[0] = 2;
		p.mac_dst[5] = p.dst.a[3];
	}
	rslv_dns_response(r, &m, &p, iocs);

	/* a flow from that client to each address answered */
	struct rslv_client c;
	rslv_client_of(&p, true, &c);
	for (unsigned i = 0; i < m.n_an; i++) {
		if (m.an[i].type != 1 && m.an[i].type != 28)
			continue;
		struct sw_addr a;
		memset(&a, 0, sizeof a);
		a.v = m.an[i].type == 1 ? 4 : 6;
		memcpy(a.a, m.an[i].addr, a.v == 4 ? 4 : 16);
		size_t len;
		bool matched;
		const char *name = rslv_get(r, &c, &a, now, &len, &matched);
		if (!name)
			continue;
		check_host(name, len);

		struct pkt q;
		memset(&q, 0, sizeof q);
		q.ts_us = now;
		q.l4 = 6;
		q.tcp_flags = TCPF_SYN;
		q.sport = 40000;
		q.dport = 443;
		q.src = p.dst;
		q.dst = a;
		q.has_mac = p.has_mac;
		memcpy(q.mac_src, p.mac_dst, 6);
		struct flow f;
		memset(&f, 0, sizeof f);
		rslv_flow_start(r, &f, 0, &q);
		if (!rslv_flow_pending(&f, 0))
			abort();
		char buf[SW_HOST_BUF];
		size_t n = rslv_flow_take(r, &f, buf, NULL, 0);
		if (n != len || memcmp(buf, name, len) != 0 || buf[n] != '\0')
			abort();
		if (f.rslv != 0 || rslv_flow_take(r, &f, buf, NULL, 0) != 0)
			abort();
	}
	return 0;
}
