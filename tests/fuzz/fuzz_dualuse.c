/*
 * fuzz_dualuse.c - libFuzzer target: the input is a dual-use list (the
 * user's file of `--dual-use` / `dual_use`: host names, provider:tenant,
 * "!name", '#' comments).  It is loaded with a fixed set of rules, domain,
 * exact, S3 and tenant ones, whose confidence it may lower; then the rules
 * are matched.  Every rule must survive the load with a pattern and a
 * confidence in range, and a load that fails must say why.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ioc/ioc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules[] =
	"spyic.com Cocospy\n"
	"=i.thd.cc mSpy\n"
	"alog.umeng.com Umeng confidence=high\n"
	"s3:celular007 EspiaoAndroid\n"
	"appspot:apprtc AppRTC\n"
	"d1a2b3c4.cloudfront.net CF\n"
	"shared-cdn.example.net Shared\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = {
		"i.spyic.com", "i.thd.cc", "alog.umeng.com", "celular007.s3.amazonaws.com",
		"apprtc.appspot.com", "d1a2b3c4.cloudfront.net", "x.shared-cdn.example.net",
	};
	char err[512];
	struct ioc_load_opts o = { .no_dualuse_builtin = (size & 1) != 0,
	                           .dualuse_buf = (const char *)data, .dualuse_len = size };
	err[0] = '\0';
	struct ioc_set *s = ioc_set_load_mem_opts(rules, sizeof rules - 1, "rules", &o,
	                                          err, sizeof err);
	if (!s) {
		if (!err[0])
			__builtin_trap();    /* refused without a reason */
		return 0;
	}
	if (ioc_set_count(s) != 7)
		__builtin_trap();
	for (uint32_t i = 0; i < ioc_set_count(s); i++) {
		const struct ioc_rule *r = ioc_rule_get(s, i);
		if (!r || !r->pattern[0] || r->confidence > IOC_CONF_HIGH)
			__builtin_trap();
	}
	struct ioc_match m[SW_IOC_MATCH_MAX];
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
		if (ioc_match(s, hosts[i], strlen(hosts[i]), NULL, 0, m, SW_IOC_MATCH_MAX) == 0)
			__builtin_trap();    /* a dual-use list lowers rules, never drops them */
	ioc_set_free(s);
	return 0;
}
