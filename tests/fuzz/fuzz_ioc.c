/*
 * fuzz_ioc.c - libFuzzer target: the input is an IOC file (any format the
 * loader recognises).  Load it from memory, then match a few fixed hosts
 * and paths, and the first line of the input as a host, against it.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dissectors/decode.h"
#include "dissectors/hostname.h"
#include "ioc/ioc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct { const char *h, *p; } q[] = {
		{ "i.spyic.com", NULL },
		{ "celular007.s3.us-east-1.amazonaws.com", NULL },
		{ "s3.amazonaws.com", "/celular007/x.jpg" },
		{ "s3.dualstack.eu-west-1.amazonaws.com", "http://h/b/k?x" },
		{ "v1-dot-app.uc.r.appspot.com", NULL },
		{ "a.b.c.d.e.f.g.example.com", "/dl/app.apk" },
	};
	char err[512];
	struct ioc_set *s = ioc_set_load_mem((const char *)data, size, "fuzz", NULL, err, sizeof err);
	if (!s)
		return 0;
	struct ioc_match m[SW_IOC_MATCH_MAX];
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
		ioc_match(s, q[i].h, strlen(q[i].h), q[i].p, q[i].p ? strlen(q[i].p) : 0,
		          m, SW_IOC_MATCH_MAX);
	/* the first token of the input as a host, the rest of the line as path */
	size_t n = 0;
	while (n < size && data[n] != ' ' && data[n] != '\n' && data[n] != '/')
		n++;
	char h[SW_HOST_BUF];
	size_t hl;
	enum hn_res r = hn_normalise(data, n, h, &hl);
	if (r == HN_NAME) {
		size_t e = n;
		while (e < size && data[e] != '\n' && data[e] != ' ')
			e++;
		size_t found = ioc_match(s, h, hl, (const char *)data + n, e - n, m, SW_IOC_MATCH_MAX);
		for (size_t i = 0; i < found && i < SW_IOC_MATCH_MAX; i++)
			if (!ioc_rule_get(s, m[i].rule))
				__builtin_trap();
	} else if (r == HN_IP4 || r == HN_IP6) {
		struct sw_addr a = { .v = r == HN_IP4 ? 4 : 6 };
		if (inet_pton(r == HN_IP4 ? AF_INET : AF_INET6, h, a.a) == 1)
			ioc_match_ip(s, &a, m, SW_IOC_MATCH_MAX);
	}
	for (size_t i = 0; i < ioc_set_count(s); i++)
		if (!ioc_rule_get(s, (uint32_t)i)->pattern[0])
			__builtin_trap();
	ioc_set_free(s);
	return 0;
}
