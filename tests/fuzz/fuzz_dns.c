/*
 * fuzz_dns.c - libFuzzer entry point for dns_parse (dissectors/dns.c).
 *
 * Besides crashes and over-reads, it checks what dns_parse promises: counts
 * within their limits, every name NUL-terminated with its length, text only
 * for HN_NAME / IP results, and a valid name made of hostname bytes only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const struct dns_name *n)
{
	size_t len = strnlen(n->name, sizeof n->name);
	if (len == sizeof n->name || len != n->len || len > SW_HOST_MAX)
		abort();
	if (n->res != HN_NAME && n->res != HN_IP4 && n->res != HN_IP6 && len != 0)
		abort();
	if (n->res == HN_NAME) {
		if (len == 0)
			abort();
		for (size_t i = 0; i < len; i++) {
			char c = n->name[i];
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			      c == '_' || c == '.' || (c == '*' && i == 0)))
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_msg m;
	enum dres r = dns_parse(data, size, &m);
	if (r == D_NEED_MORE)
		abort();
	if (r != D_OK)
		return 0;
	if (m.n_q > SW_DNS_QUESTIONS_MAX || m.n_q != m.qdcount ||
	    m.n_an > SW_DNS_ANSWERS_MAX || m.n_an > m.an_read || m.an_read > m.ancount)
		abort();
	for (unsigned i = 0; i < m.n_q; i++)
		check_name(&m.q[i]);
	for (unsigned i = 0; i < m.n_an; i++) {
		check_name(&m.an[i].owner);
		check_name(&m.an[i].cname);
		if (m.an[i].type != 1 && m.an[i].type != 5 && m.an[i].type != 28)
			abort();
	}
	return 0;
}
