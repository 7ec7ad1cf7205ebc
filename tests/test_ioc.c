/*
 * test_ioc.c - IOC rules: native format, label boundaries, cloud tenant
 * forms, the bundled list, the index's cost, feeds, the CLI.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "dissectors/decode.h"
#include "dissectors/hostname.h"
#include "ioc/ioc.h"
#include "ioc/ioc_cli.h"

static char err[1024];

static struct ioc_set *load_str(const char *txt)
{
	err[0] = '\0';
	return ioc_set_load_mem(txt, strlen(txt), "t.rules", NULL, err, sizeof err);
}

/* Normalise host as the wire path does, then match. */
static size_t match(const struct ioc_set *s, const char *host, const char *path,
                    struct ioc_match *m, size_t max)
{
	char h[SW_HOST_BUF];
	size_t n;
	enum hn_res r = hn_normalise((const uint8_t *)host, strlen(host), h, &n);
	ck_assert_msg(r == HN_NAME, "%s: %s", host, hn_res_str(r));
	return ioc_match(s, h, n, path, path ? strlen(path) : 0, m, max);
}

/* ---- native format and label boundaries ---------------------------------- */

static const char base_rules[] =
	"# test rules\n"
	"spyic.com Cocospy # echap ioc.yaml c2.domains\n"
	"=exact.example.net Foo exact only\n"
	"\n"
	"   \t\n"
	"celular007.s3.amazonaws.com EspiaoAndroid bucket from a vhost name\r\n"
	"s3:my.dotted.bucket Dotted\n"
	"evil.org/dl/app.apk Url confidence=medium apk\n";

static const struct {
	const char *host;
	const char *path;
	const char *pattern;  /* NULL: no match */
	enum ioc_how how;
} boundary_cases[] = {
	{ "spyic.com", NULL, "spyic.com", IOC_HOW_EXACT },
	{ "i.spyic.com", NULL, "spyic.com", IOC_HOW_SUBDOMAIN },
	{ "a.b.c.spyic.com", NULL, "spyic.com", IOC_HOW_SUBDOMAIN },
	{ "I.SPYIC.COM.", NULL, "spyic.com", IOC_HOW_SUBDOMAIN },
	{ "SpyIc.Com", NULL, "spyic.com", IOC_HOW_EXACT },
	{ "notspyic.com", NULL, NULL, 0 },
	{ "xspyic.com", NULL, NULL, 0 },
	{ "spyic.co", NULL, NULL, 0 },
	{ "spyic.comx", NULL, NULL, 0 },
	{ "spyic.com.evil.net", NULL, NULL, 0 },
	{ "spyic.com.evil", NULL, NULL, 0 },
	{ "com", NULL, NULL, 0 },
	{ "pyic.com", NULL, NULL, 0 },
	{ "exact.example.net", NULL, "=exact.example.net", IOC_HOW_EXACT },
	{ "EXACT.example.net.", NULL, "=exact.example.net", IOC_HOW_EXACT },
	{ "a.exact.example.net", NULL, NULL, 0 },
	{ "example.net", NULL, NULL, 0 },
	{ "evil.org", "/dl/app.apk", "evil.org/dl/app.apk", IOC_HOW_URL },
	{ "evil.org", "/dl/app.apk?x=1", "evil.org/dl/app.apk", IOC_HOW_URL },
	{ "evil.org", "/dl/app.apk/more", "evil.org/dl/app.apk", IOC_HOW_URL },
	{ "evil.org", "http://evil.org/dl/app.apk", "evil.org/dl/app.apk", IOC_HOW_URL },
	{ "evil.org", "/dl/app.apk2", NULL, 0 },
	{ "evil.org", "/dl/", NULL, 0 },
	{ "evil.org", NULL, NULL, 0 },
	{ "a.evil.org", "/dl/app.apk", NULL, 0 },
};

START_TEST(test_boundaries)
{
	struct ioc_set *s = load_str(base_rules);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(ioc_set_count(s), 5);
	for (size_t i = 0; i < sizeof boundary_cases / sizeof boundary_cases[0]; i++) {
		struct ioc_match m[4];
		size_t n = match(s, boundary_cases[i].host, boundary_cases[i].path, m, 4);
		if (!boundary_cases[i].pattern) {
			ck_assert_msg(n == 0, "%s %s: unexpected match %s", boundary_cases[i].host,
			              boundary_cases[i].path ? boundary_cases[i].path : "",
			              n ? ioc_rule_get(s, m[0].rule)->pattern : "");
			continue;
		}
		ck_assert_msg(n == 1, "%s: %zu matches", boundary_cases[i].host, n);
		const struct ioc_rule *r = ioc_rule_get(s, m[0].rule);
		ck_assert_str_eq(r->pattern, boundary_cases[i].pattern);
		ck_assert_msg(m[0].how == boundary_cases[i].how, "%s: how %s", boundary_cases[i].host,
		              ioc_how_str((enum ioc_how)m[0].how));
	}
	ioc_set_free(s);
}
END_TEST

START_TEST(test_rule_fields)
{
	struct ioc_set *s = load_str(base_rules);
	ck_assert_msg(s != NULL, "%s", err);
	const struct ioc_rule *r = ioc_rule_get(s, 0);
	ck_assert_str_eq(r->pattern, "spyic.com");
	ck_assert_str_eq(r->family, "Cocospy");
	ck_assert_str_eq(r->source, "t.rules");
	ck_assert_str_eq(r->comment, "echap ioc.yaml c2.domains");
	ck_assert_uint_eq(r->line, 2);
	ck_assert_uint_eq(r->type, IOC_DOMAIN);
	ck_assert_uint_eq(r->confidence, IOC_CONF_HIGH);
	r = ioc_rule_get(s, 1);
	ck_assert_str_eq(r->pattern, "=exact.example.net");
	ck_assert_uint_eq(r->type, IOC_EXACT);
	ck_assert_str_eq(r->comment, "exact only");
	/* the vhost host name was read as the bucket rule, CRLF stripped */
	r = ioc_rule_get(s, 2);
	ck_assert_str_eq(r->pattern, "s3:celular007");
	ck_assert_uint_eq(r->type, IOC_S3);
	ck_assert_uint_eq(r->provider, IOC_PROV_S3);
	ck_assert_uint_eq(r->line, 6);
	ck_assert_str_eq(r->comment, "bucket from a vhost name");
	r = ioc_rule_get(s, 4);
	ck_assert_str_eq(r->pattern, "evil.org/dl/app.apk");
	ck_assert_uint_eq(r->type, IOC_URL);
	ck_assert_uint_eq(r->confidence, IOC_CONF_MEDIUM);
	ck_assert_ptr_null(ioc_rule_get(s, 5));
	ioc_set_free(s);
}
END_TEST

/* ---- S3: every endpoint form, and near misses ---------------------------- */

static const struct {
	const char *host, *path;
	enum ioc_how how;
	const char *form;  /* a substring of the form description */
} s3_good[] = {
	{ "celular007.s3.amazonaws.com", NULL, IOC_HOW_S3_VHOST, "(global" },
	{ "celular007.s3.us-east-1.amazonaws.com", NULL, IOC_HOW_S3_VHOST, "(regional)" },
	{ "CELULAR007.S3.US-EAST-1.AMAZONAWS.COM.", NULL, IOC_HOW_S3_VHOST, "(regional)" },
	{ "celular007.s3.ap-southeast-4.amazonaws.com", "/x.jpg", IOC_HOW_S3_VHOST, "(regional)" },
	{ "celular007.s3-us-west-2.amazonaws.com", NULL, IOC_HOW_S3_VHOST, "legacy dash" },
	{ "celular007.s3.dualstack.eu-west-1.amazonaws.com", NULL, IOC_HOW_S3_VHOST, "(dual-stack)" },
	{ "celular007.s3-fips.us-gov-west-1.amazonaws.com", NULL, IOC_HOW_S3_VHOST, "(FIPS)" },
	{ "celular007.s3-fips.dualstack.us-east-2.amazonaws.com", NULL, IOC_HOW_S3_VHOST, "FIPS dual-stack" },
	{ "celular007.s3-fips-us-gov-west-1.amazonaws.com", NULL, IOC_HOW_S3_VHOST, "legacy FIPS" },
	{ "celular007.s3-external-1.amazonaws.com", NULL, IOC_HOW_S3_VHOST, "legacy us-east-1" },
	{ "celular007.s3-accelerate.amazonaws.com", NULL, IOC_HOW_S3_VHOST, "Transfer Acceleration)" },
	{ "celular007.s3-accelerate.dualstack.amazonaws.com", NULL, IOC_HOW_S3_VHOST, "Acceleration, dual-stack" },
	{ "celular007.s3-website-us-east-1.amazonaws.com", NULL, IOC_HOW_S3_VHOST, "website, dash" },
	{ "celular007.s3-website.eu-central-1.amazonaws.com", NULL, IOC_HOW_S3_VHOST, "website, dot" },
	{ "celular007.s3.cn-north-1.amazonaws.com.cn", NULL, IOC_HOW_S3_VHOST, "(China)" },
	{ "celular007.s3.dualstack.cn-northwest-1.amazonaws.com.cn", NULL, IOC_HOW_S3_VHOST, "China dual-stack" },
	{ "celular007.s3-website.cn-northwest-1.amazonaws.com.cn", NULL, IOC_HOW_S3_VHOST, "China website" },
	{ "s3.amazonaws.com", "/celular007", IOC_HOW_S3_PATH, "(global" },
	{ "s3.amazonaws.com", "/celular007/", IOC_HOW_S3_PATH, "(global" },
	{ "s3.amazonaws.com", "/celular007?x", IOC_HOW_S3_PATH, "(global" },
	{ "s3.amazonaws.com", "/celular007/x.jpg", IOC_HOW_S3_PATH, "(global" },
	{ "s3.amazonaws.com", "/CELULAR007/x.jpg", IOC_HOW_S3_PATH, "(global" },
	{ "s3.amazonaws.com", "http://s3.amazonaws.com/celular007/x.jpg", IOC_HOW_S3_PATH, "(global" },
	{ "s3.us-east-1.amazonaws.com", "/celular007/k", IOC_HOW_S3_PATH, "(regional)" },
	{ "s3-eu-west-1.amazonaws.com", "/celular007/k", IOC_HOW_S3_PATH, "legacy dash" },
	{ "s3.dualstack.us-west-2.amazonaws.com", "/celular007/k", IOC_HOW_S3_PATH, "(dual-stack)" },
	{ "s3-fips.us-east-1.amazonaws.com", "/celular007", IOC_HOW_S3_PATH, "(FIPS)" },
	{ "s3-external-1.amazonaws.com", "/celular007", IOC_HOW_S3_PATH, "legacy us-east-1" },
	{ "s3.cn-north-1.amazonaws.com.cn", "/celular007/k", IOC_HOW_S3_PATH, "(China)" },
};

static const struct {
	const char *host, *path;
} s3_bad[] = {
	{ "celular007x.s3.amazonaws.com", NULL },
	{ "xcelular007.s3.amazonaws.com", NULL },
	{ "foo.celular007.s3.amazonaws.com", NULL },          /* bucket foo.celular007 */
	{ "celular007.s3.amazonaws.com.attacker.net", NULL },
	{ "celular007.s3.us-east-1.amazonaws.com.evil", NULL },
	{ "s3.amazonaws.com.evil.com", "/celular007/x" },
	{ "celular007.s3.evil.com", NULL },
	{ "celular007.amazonaws.com", NULL },
	{ "celular007.s3.notaregion.amazonaws.com", NULL },
	{ "celular007.s3-website.amazonaws.com", NULL },
	{ "celular007.s3.us-east-1.amazonaws.com.cn.evil.org", NULL },
	{ "s3.amazonaws.com", "/other/celular007" },           /* later segment */
	{ "s3.amazonaws.com", "/other/celular007/x.jpg" },
	{ "s3.amazonaws.com", "/celular007x/a" },
	{ "s3.amazonaws.com", "/xcelular007" },
	{ "s3.amazonaws.com", "celular007" },                  /* not a path */
	{ "s3.amazonaws.com", "/" },
	{ "s3.amazonaws.com", NULL },
	{ "s3-website-us-east-1.amazonaws.com", "/celular007" }, /* no path-style there */
	{ "s3-accelerate.amazonaws.com", "/celular007" },
	{ "evil.com", "/celular007/x.jpg" },
	{ "celular007.com", NULL },
};

START_TEST(test_s3_forms)
{
	struct ioc_set *s = load_str("s3:celular007 EspiaoAndroid\n");
	ck_assert_msg(s != NULL, "%s", err);
	for (size_t i = 0; i < sizeof s3_good / sizeof s3_good[0]; i++) {
		struct ioc_match m[4];
		size_t n = match(s, s3_good[i].host, s3_good[i].path, m, 4);
		ck_assert_msg(n == 1, "%s %s: %zu matches", s3_good[i].host,
		              s3_good[i].path ? s3_good[i].path : "", n);
		ck_assert_str_eq(ioc_rule_get(s, m[0].rule)->pattern, "s3:celular007");
		ck_assert_msg(m[0].how == s3_good[i].how, "%s: how %s", s3_good[i].host,
		              ioc_how_str((enum ioc_how)m[0].how));
		ck_assert_msg(strstr(ioc_form_desc(m[0].form), s3_good[i].form),
		              "%s: form %s", s3_good[i].host, ioc_form_desc(m[0].form));
	}
	for (size_t i = 0; i < sizeof s3_bad / sizeof s3_bad[0]; i++) {
		struct ioc_match m[4];
		size_t n = match(s, s3_bad[i].host, s3_bad[i].path, m, 4);
		ck_assert_msg(n == 0, "%s %s must not match", s3_bad[i].host,
		              s3_bad[i].path ? s3_bad[i].path : "");
	}
	ioc_set_free(s);
}
END_TEST

/* Dotted bucket names, and every host spelling of a bucket read as its rule. */
START_TEST(test_s3_dotted_and_vhost_patterns)
{
	static const char *const patterns[] = {
		"my.bucket.s3.amazonaws.com", "my.bucket.s3.us-east-1.amazonaws.com",
		"my.bucket.s3-website-us-east-1.amazonaws.com", "MY.BUCKET.S3-EU-WEST-1.AMAZONAWS.COM.",
		"s3:my.bucket", "https://s3.amazonaws.com/my.bucket/x.apk",
		"http://my.bucket.s3.dualstack.us-east-1.amazonaws.com/a",
	};
	for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		char txt[256];
		snprintf(txt, sizeof txt, "%s Fam\n", patterns[i]);
		struct ioc_set *s = load_str(txt);
		ck_assert_msg(s != NULL, "%s: %s", patterns[i], err);
		ck_assert_uint_eq(ioc_set_count(s), 1);
		ck_assert_str_eq(ioc_rule_get(s, 0)->pattern, "s3:my.bucket");
		struct ioc_match m[2];
		ck_assert_uint_eq(match(s, "my.bucket.s3.amazonaws.com", NULL, m, 2), 1);
		ck_assert_uint_eq(match(s, "s3.eu-west-3.amazonaws.com", "/my.bucket/k", m, 2), 1);
		ck_assert_uint_eq(match(s, "bucket.s3.amazonaws.com", NULL, m, 2), 0);
		ck_assert_uint_eq(match(s, "s3.amazonaws.com", "/my/bucket", m, 2), 0);
		ioc_set_free(s);
	}
}
END_TEST

/* ---- other cloud tenants -------------------------------------------------- */

static const struct {
	const char *rule;     /* as written in a file */
	const char *pattern;  /* canonical */
	const char *host, *path;  /* must match */
	const char *miss;     /* must not match */
} tenant_cases[] = {
	{ "1ca43.appspot.com", "appspot:1ca43", "1ca43.appspot.com", NULL, "x1ca43.appspot.com" },
	{ "4-dot-all-tracker.appspot.com", "appspot:all-tracker", "6-dot-all-tracker.appspot.com", NULL,
	  "staging-all-tracker.appspot.com" },
	{ "appspot:all-tracker", "appspot:all-tracker", "all-tracker.uc.r.appspot.com", NULL,
	  "all-tracker.appspot.com.evil.net" },
	{ "appspot:all-tracker", "appspot:all-tracker", "v2-dot-all-tracker.ew.r.appspot.com", NULL,
	  "r.appspot.com" },
	{ "spyzie-a.firebaseio.com", "firebase:spyzie-a", "spyzie-a.firebaseio.com", NULL,
	  "spyzie-ab.firebaseio.com" },
	{ "firebase:spyzie-a", "firebase:spyzie-a", "spyzie-a.europe-west1.firebasedatabase.app", NULL,
	  "spyzie-a.firebaseapp.com" },
	{ "d2nipadu1fr4ne.cloudfront.net", "cloudfront:d2nipadu1fr4ne", "d2nipadu1fr4ne.cloudfront.net",
	  NULL, "d2nipadu1fr4nf.cloudfront.net" },
	{ "v4vw4ytvo4.execute-api.us-east-2.amazonaws.com", "apigw:v4vw4ytvo4",
	  "v4vw4ytvo4.execute-api.eu-west-1.amazonaws.com", NULL, "v4vw4ytvo4.execute-api.amazonaws.com" },
	{ "data-webwatcherdata-alb-1451089636.us-west-2.elb.amazonaws.com",
	  "elb:data-webwatcherdata-alb-1451089636",
	  "dualstack.data-webwatcherdata-alb-1451089636.us-west-2.elb.amazonaws.com", NULL,
	  "data-webwatcherdata-alb-1451089637.us-west-2.elb.amazonaws.com" },
	{ "mybucket.nyc3.digitaloceanspaces.com", "do-spaces:mybucket",
	  "mybucket.ams3.cdn.digitaloceanspaces.com", NULL, "nyc3.cdn.digitaloceanspaces.com" },
	{ "do-spaces:mybucket", "do-spaces:mybucket", "fra1.digitaloceanspaces.com", "/mybucket/x",
	  "mybucket.digitaloceanspaces.com" },
	{ "my.wasabi.bucket.s3.wasabisys.com", "wasabi:my.wasabi.bucket",
	  "s3.eu-central-1.wasabisys.com", "/my.wasabi.bucket/f", "bucket.s3.wasabisys.com" },
	{ "evilbkt.oss-cn-hangzhou.aliyuncs.com", "oss:evilbkt", "evilbkt.oss-us-west-1.aliyuncs.com",
	  NULL, "evilbkt.aliyuncs.com" },
	{ "evil-1250000000.cos.ap-guangzhou.myqcloud.com", "cos:evil-1250000000",
	  "evil-1250000000.cos-website.ap-beijing.myqcloud.com", NULL, "evil-1250000001.cos.ap-guangzhou.myqcloud.com" },
	{ "gcs:evil-bucket", "gcs:evil-bucket", "storage.googleapis.com", "/evil-bucket/a.apk",
	  "evil-bucket.googleapis.com" },
};

START_TEST(test_tenants)
{
	for (size_t i = 0; i < sizeof tenant_cases / sizeof tenant_cases[0]; i++) {
		char txt[300];
		snprintf(txt, sizeof txt, "%s Fam\n", tenant_cases[i].rule);
		struct ioc_set *s = load_str(txt);
		ck_assert_msg(s != NULL, "%s: %s", tenant_cases[i].rule, err);
		ck_assert_str_eq(ioc_rule_get(s, 0)->pattern, tenant_cases[i].pattern);
		ck_assert_uint_eq(ioc_rule_get(s, 0)->type, IOC_TENANT);
		struct ioc_match m[2];
		size_t n = match(s, tenant_cases[i].host, tenant_cases[i].path, m, 2);
		ck_assert_msg(n == 1, "%s: %s no match", tenant_cases[i].rule, tenant_cases[i].host);
		ck_assert_uint_eq(m[0].how, tenant_cases[i].path ? IOC_HOW_TENANT_PATH : IOC_HOW_TENANT_HOST);
		ck_assert_msg(match(s, tenant_cases[i].miss, NULL, m, 2) == 0, "%s must not match %s",
		              tenant_cases[i].miss, tenant_cases[i].rule);
		ioc_set_free(s);
	}
	/* the split itself */
	char t[SW_HOST_BUF];
	unsigned form;
	bool from_path;
	const char *h = "v1-dot-myapp.appspot.com";
	ck_assert_int_eq(ioc_tenant_of(h, strlen(h), NULL, 0, t, sizeof t, &form, &from_path),
	                 IOC_PROV_APPSPOT);
	ck_assert_str_eq(t, "myapp");
	ck_assert(!from_path);
	h = "s3.amazonaws.com";
	ck_assert_int_eq(ioc_tenant_of(h, strlen(h), "/b-1/k", 6, t, sizeof t, &form, &from_path),
	                 IOC_PROV_S3);
	ck_assert_str_eq(t, "b-1");
	ck_assert(from_path);
	ck_assert_int_eq(ioc_tenant_of(h, strlen(h), NULL, 0, t, sizeof t, &form, &from_path),
	                 IOC_PROV_NONE);
	h = "example.com";
	ck_assert_int_eq(ioc_tenant_of(h, strlen(h), "/x", 2, t, sizeof t, NULL, NULL), IOC_PROV_NONE);
}
END_TEST

/* ---- bad lines ----------------------------------------------------------- */

static const struct {
	const char *text;
	const char *error;  /* exact message */
} bad_cases[] = {
	{ "spyic.com Cocospy\nfoo.com\n", "t.rules:2: missing family after pattern foo.com "
	  "(expected: <pattern> <family> [comment])" },
	{ "# x\nspyic.com Cocospy\nfoo.com # no family\n", "t.rules:3: missing family after pattern "
	  "foo.com (expected: <pattern> <family> [comment])" },
	{ "a.com A\namazonaws.com X\n", "t.rules:2: amazonaws.com: refused: a bare shared platform "
	  "would flag every customer of it; name the tenant (e.g. s3:<bucket>, <app>.appspot.com)" },
	{ "a.com A\ns3.amazonaws.com X\n", "t.rules:2: s3.amazonaws.com: refused: a shared cloud "
	  "endpoint with no tenant in it would flag every customer; name the tenant (e.g. s3:<bucket>)" },
	{ "a.com A\ns3-website.eu-central-1.amazonaws.com X\n", "t.rules:2: "
	  "s3-website.eu-central-1.amazonaws.com: refused: a shared cloud endpoint with no tenant in "
	  "it would flag every customer; name the tenant (e.g. s3:<bucket>)" },
	{ "a.com A\nappspot.com X\n", "t.rules:2: appspot.com: refused: a bare shared platform "
	  "would flag every customer of it; name the tenant (e.g. s3:<bucket>, <app>.appspot.com)" },
	{ "a.com A\ncom X\n", "t.rules:2: com: refused: a top-level domain alone would match every "
	  "name under it" },
	{ "a.com A\ns3:ab X\n", "t.rules:2: s3:ab: ab is not a valid s3 tenant name (bucket name "
	  "must be 3..63 characters)" },
	{ "a.com A\nab.s3.amazonaws.com X\n", "t.rules:2: ab.s3.amazonaws.com: ab is not a valid s3 "
	  "tenant name (bucket name must be 3..63 characters)" },
	{ "a.com A\ns3:Bad_Bucket X\n", "t.rules:2: s3:Bad_Bucket: Bad_Bucket is not a valid s3 "
	  "tenant name (name may only hold a-z, 0-9, '.' and '-')" },
	{ "a.com A\ns3:a..b X\n", "t.rules:2: s3:a..b: a..b is not a valid s3 tenant name (name must "
	  "not contain two adjacent dots)" },
	{ "a.com A\ns3:-abc X\n", "t.rules:2: s3:-abc: -abc is not a valid s3 tenant name (name must "
	  "begin and end with a lower-case letter or digit)" },
	{ "a.com A\ns3:192.168.5.4 X\n", "t.rules:2: s3:192.168.5.4: 192.168.5.4 is not a valid s3 "
	  "tenant name (bucket name must not look like an IP address)" },
	{ "a.com A\nbad..host X\n", "t.rules:2: bad..host: not a host name (empty label)" },
	{ "a.com A\nbad!host.com X\n", "t.rules:2: bad!host.com: not a host name (bad character)" },
	{ "a.com A\n=s3:foo X\n", "t.rules:2: s3:foo: '=' applies to host names, not tenants" },
	{ "a.com A\nx.com Fam confidence=huge\n", "t.rules:2: bad confidence=huge (expected "
	  "confidence=low, medium or high)" },
	{ "a.com A\nx.com Fam \x1b[31mred\n", "t.rules:2: control character in comment" },
	{ "a.com A\n\xc3\xbcn.com X\n", "t.rules:2: \\xc3\\xbcn.com: non-ASCII host name (write it "
	  "in punycode, xn--...)" },
	{ "a.com A\n1.2.3.4/33 X\n", "t.rules:2: 1.2.3.4/33: prefix length too long" },
	{ "a.com A\n0.0.0.0/0 X\n", "t.rules:2: 0.0.0.0/0: a /0 prefix would match every address" },
	{ "a.com A\nx.com?q X\n", "t.rules:2: x.com?q: path must start with '/'" },
	{ "a.com A\nx.com a\x01" "b\n", "t.rules:2: control character in family name" },
};

START_TEST(test_bad_lines)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		struct ioc_set *s = load_str(bad_cases[i].text);
		ck_assert_msg(s == NULL, "case %zu loaded", i);
		ck_assert_str_eq(err, bad_cases[i].error);
	}
	/* a NUL byte and an over-long line */
	static const char nul[] = "a.com A\nb.com B\0c\n";
	ck_assert_ptr_null(ioc_set_load_mem(nul, sizeof nul - 1, "t.rules", NULL, err, sizeof err));
	ck_assert_str_eq(err, "t.rules:2: NUL byte in line");
	char *longl = malloc(SW_IOC_LINE_MAX + 64);
	strcpy(longl, "a.com A\nb.com B ");
	size_t l = strlen(longl);
	memset(longl + l, 'c', SW_IOC_LINE_MAX);
	longl[l + SW_IOC_LINE_MAX] = '\n';
	longl[l + SW_IOC_LINE_MAX + 1] = '\0';
	ck_assert_ptr_null(load_str(longl));
	ck_assert_str_eq(err, "t.rules:2: line longer than 4096 bytes");
	free(longl);
	/* a file that names itself native is native even with one token */
	ck_assert_ptr_null(load_str("# stalkerwatch rules\nfoo.com\n"));
	ck_assert_str_eq(err, "t.rules:2: missing family after pattern foo.com (expected: "
	                 "<pattern> <family> [comment])");
	/* a missing file */
	const char *f = "/nonexistent/x.rules";
	ck_assert_ptr_null(ioc_set_load(&f, 1, NULL, err, sizeof err));
	ck_assert_str_eq(err, "/nonexistent/x.rules: No such file or directory");
}
END_TEST

/* Every prefix of a good file loads or fails cleanly, read against a guard
 * page. */
START_TEST(test_prefixes)
{
	size_t len = strlen(base_rules);
	for (size_t n = 0; n <= len; n++) {
		struct tu_guard g = tu_guard_copy(base_rules, n);
		struct ioc_set *s = ioc_set_load_mem((const char *)g.data, n, "p", NULL, err, sizeof err);
		if (s) {
			struct ioc_match m[4];
			ioc_match(s, "i.spyic.com", 11, NULL, 0, m, 4);
			ioc_set_free(s);
		}
		tu_guard_free(&g);
	}
	/* hosts and paths against a guard page */
	struct ioc_set *s = load_str(base_rules);
	ck_assert_ptr_nonnull(s);
	static const char *const hosts[] = { "i.spyic.com", "celular007.s3.amazonaws.com",
		"s3.amazonaws.com", "evil.org", "s3-website.eu-west-1.amazonaws.com" };
	static const char path[] = "/celular007/x";
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		for (size_t hl = 1; hl <= strlen(hosts[i]); hl++) {
			struct tu_guard gh = tu_guard_copy(hosts[i], hl);
			for (size_t pl = 0; pl <= sizeof path - 1; pl++) {
				struct tu_guard gp = tu_guard_copy(path, pl);
				struct ioc_match m[4];
				ioc_match(s, (const char *)gh.data, hl, (const char *)gp.data, pl, m, 4);
				tu_guard_free(&gp);
			}
			tu_guard_free(&gh);
		}
	}
	ioc_set_free(s);
}
END_TEST

/* ---- several rules for one host ------------------------------------------- */

START_TEST(test_multi)
{
	char d[] = "/tmp/test_ioc_XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(d));
	char f1[64], f2[64];
	snprintf(f1, sizeof f1, "%s/a.rules", d);
	snprintf(f2, sizeof f2, "%s/b.rules", d);
	FILE *f = fopen(f1, "w");
	fputs("spyic.com Cocospy first\ni.spyic.com Cocospy c2\nspyic.com Cocospy dup\n", f);
	fclose(f);
	f = fopen(f2, "w");
	fputs("spyic.com Other second file\ns3:celular007 EspiaoAndroid\n", f);
	fclose(f);
	const char *files[] = { f1, f2 };
	struct ioc_set *s = ioc_set_load(files, 2, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	/* the in-file duplicate merged, keeping both comments */
	ck_assert_uint_eq(ioc_set_count(s), 4);
	ck_assert_str_eq(ioc_rule_get(s, 0)->comment, "first; dup");
	struct ioc_match m[8];
	size_t n = match(s, "i.spyic.com", NULL, m, 8);
	ck_assert_uint_eq(n, 3);
	/* file order, each rule once: exact i.spyic.com is probed first */
	ck_assert_str_eq(ioc_rule_get(s, m[0].rule)->pattern, "i.spyic.com");
	ck_assert_uint_eq(m[0].how, IOC_HOW_EXACT);
	ck_assert_str_eq(ioc_rule_get(s, m[1].rule)->family, "Cocospy");
	ck_assert_str_eq(ioc_rule_get(s, m[1].rule)->source, f1);
	ck_assert_uint_eq(m[1].how, IOC_HOW_SUBDOMAIN);
	ck_assert_str_eq(ioc_rule_get(s, m[2].rule)->family, "Other");
	ck_assert_str_eq(ioc_rule_get(s, m[2].rule)->source, f2);
	ck_assert_uint_eq(ioc_rule_get(s, m[2].rule)->line, 1);
	/* max smaller than the matches: count all, write max */
	n = match(s, "i.spyic.com", NULL, m, 1);
	ck_assert_uint_eq(n, 3);
	/* feeds: one per file with its rule count and sha256 */
	const struct ioc_feed *fd;
	ck_assert_uint_eq(ioc_set_feeds(s, &fd), 2);
	ck_assert_str_eq(fd[0].source, f1);
	ck_assert_uint_eq(fd[0].rules, 2);
	ck_assert_uint_eq(fd[1].rules, 2);
	ck_assert_str_eq(fd[0].format, "native");
	ck_assert_uint_eq(strlen(fd[0].sha256), 64);
	ioc_set_free(s);
	unlink(f1);
	unlink(f2);
	rmdir(d);
}
END_TEST

START_TEST(test_feed_sha256)
{
	/* FIPS 180-2 test vector: "abc" */
	struct ioc_set *s = ioc_set_load_mem("abc", 3, "v", NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	const struct ioc_feed *fd;
	ck_assert_uint_eq(ioc_set_feeds(s, &fd), 1);
	ck_assert_str_eq(fd[0].sha256,
	                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ioc_set_free(s);
}
END_TEST

/* ---- IP rules ------------------------------------------------------------ */

static struct sw_addr addr(const char *t)
{
	struct sw_addr a = { 0 };
	if (inet_pton(AF_INET, t, a.a) == 1)
		a.v = 4;
	else if (inet_pton(AF_INET6, t, a.a) == 1)
		a.v = 6;
	return a;
}

START_TEST(test_ip)
{
	struct ioc_set *s = load_str("69.64.74.239 TheTruthSpy\n10.1.2.3/8 Net\n"
	                             "2001:db8::/32 Six\n2001:DB8::1 SixExact confidence=high\n");
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(ioc_rule_get(s, 1)->pattern, "10.0.0.0/8");
	ck_assert_str_eq(ioc_rule_get(s, 3)->pattern, "2001:db8::1");
	ck_assert_uint_eq(ioc_rule_get(s, 0)->confidence, IOC_CONF_LOW);
	ck_assert_uint_eq(ioc_rule_get(s, 3)->confidence, IOC_CONF_HIGH);
	struct ioc_match m[4];
	struct sw_addr a = addr("69.64.74.239");
	ck_assert_uint_eq(ioc_match_ip(s, &a, m, 4), 1);
	ck_assert_uint_eq(m[0].how, IOC_HOW_IP);
	a = addr("69.64.74.238");
	ck_assert_uint_eq(ioc_match_ip(s, &a, m, 4), 0);
	a = addr("10.255.0.1");
	ck_assert_uint_eq(ioc_match_ip(s, &a, m, 4), 1);
	ck_assert_uint_eq(m[0].how, IOC_HOW_CIDR);
	a = addr("11.0.0.1");
	ck_assert_uint_eq(ioc_match_ip(s, &a, m, 4), 0);
	a = addr("2001:db8::1");
	ck_assert_uint_eq(ioc_match_ip(s, &a, m, 4), 2);
	ck_assert_uint_eq(m[0].how, IOC_HOW_IP);
	ck_assert_uint_eq(m[1].how, IOC_HOW_CIDR);
	a = addr("2001:db9::1");
	ck_assert_uint_eq(ioc_match_ip(s, &a, m, 4), 0);
	/* IP rules never match host lookups */
	ck_assert_uint_eq(ioc_match(s, "10.1.2.3", 8, NULL, 0, m, 4), 0);
	ioc_set_free(s);
}
END_TEST

/* ---- the bundled list ---------------------------------------------------- */

START_TEST(test_bundled)
{
	/* the generator writes canonical patterns: loading makes no note */
	char *notes = NULL;
	size_t notelen = 0;
	FILE *w = open_memstream(&notes, &notelen);
	ck_assert_ptr_nonnull(w);
	struct ioc_set *s = ioc_set_load(NULL, 0, w, err, sizeof err);
	fclose(w);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_msg(notelen == 0, "the bundled list loads with notes:\n%s", notes);
	free(notes);
	ck_assert_uint_gt(ioc_set_count(s), 500);
	const struct ioc_feed *fd;
	ck_assert_uint_eq(ioc_set_feeds(s, &fd), 1);
	ck_assert_str_eq(fd[0].source, "bundled");
	struct ioc_match m[16];
	size_t n = match(s, "i.spyic.com", NULL, m, 16);
	ck_assert_uint_ge(n, 1);
	bool coco = false;
	for (size_t i = 0; i < n && i < 16; i++) {
		const struct ioc_rule *r = ioc_rule_get(s, m[i].rule);
		ck_assert_str_eq(r->source, "bundled");
		if (!strcmp(r->family, "Cocospy"))
			coco = true;
	}
	ck_assert(coco);
	ck_assert_uint_eq(match(s, "notspyic.com", NULL, m, 16), 0);
	static const struct { const char *h, *p; } bucket[] = {
		{ "celular007.s3.us-east-1.amazonaws.com", NULL },
		{ "s3.amazonaws.com", "/celular007/x.jpg" },
		{ "celular007.s3-website-us-east-1.amazonaws.com", NULL },
	};
	for (size_t i = 0; i < 3; i++) {
		n = match(s, bucket[i].h, bucket[i].p, m, 16);
		ck_assert_msg(n == 1, "%s", bucket[i].h);
		const struct ioc_rule *r = ioc_rule_get(s, m[0].rule);
		ck_assert_str_eq(r->family, "EspiaoAndroid");
		ck_assert_str_eq(r->pattern, "s3:celular007");
	}
	ioc_set_free(s);
}
END_TEST

/* ---- cost: probes per lookup do not depend on the number of rules -------- */

static struct ioc_set *generated(size_t nrules)
{
	size_t cap = nrules * 48 + 64;
	char *buf = malloc(cap);
	size_t o = 0;
	for (size_t i = 0; i < nrules; i++) {
		/* three-label names like the feeds' c2 hosts, and a few buckets */
		if (i % 10 == 9)
			o += (size_t)snprintf(buf + o, cap - o, "s3:bkt-%zu Gen\n", i);
		else
			o += (size_t)snprintf(buf + o, cap - o, "h%zu.dom%zu.com Gen\n", i, i % 997);
	}
	struct ioc_set *s = ioc_set_load_mem(buf, o, "gen", NULL, err, sizeof err);
	free(buf);
	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

START_TEST(test_probe_cost)
{
	struct ioc_set *small = generated(10);
	struct ioc_set *big = generated(100000);
	ck_assert_uint_eq(ioc_set_count(big), 100000);
	static const struct { const char *h, *p; } q[] = {
		{ "h3.dom3.com", NULL }, { "x.h3.dom3.com", NULL }, { "a.b.c.d.e.f.example.org", NULL },
		{ "bkt-9.s3.amazonaws.com", NULL }, { "s3.amazonaws.com", "/bkt-9/x" },
		{ "nothing.example", NULL }, { "h99998.dom298.com", NULL },
	};
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		unsigned p1 = 0, p2 = 0;
		struct ioc_match m[4];
		ioc_match_probes(small, q[i].h, strlen(q[i].h), q[i].p, q[i].p ? strlen(q[i].p) : 0,
		                 m, 4, &p1);
		ioc_match_probes(big, q[i].h, strlen(q[i].h), q[i].p, q[i].p ? strlen(q[i].p) : 0,
		                 m, 4, &p2);
		ck_assert_msg(p1 == p2, "%s: %u probes with 10 rules, %u with 100k", q[i].h, p1, p2);
		/* one probe per label suffix (at most 3 deep here) + one tenant */
		ck_assert_uint_le(p2, 4);
		ck_assert_uint_ge(p2, 1);
	}
	/* a deep host costs no more than the deepest rule */
	unsigned p = 0;
	struct ioc_match m[4];
	const char *deep = "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.com";
	ioc_match_probes(big, deep, strlen(deep), NULL, 0, m, 4, &p);
	ck_assert_uint_eq(p, 3 + 0);
	/* the found ones are found */
	ck_assert_uint_eq(ioc_match(big, "h99998.dom298.com", 17, NULL, 0, m, 4), 1);
	ck_assert_uint_eq(ioc_match(big, "s3.amazonaws.com", 16, "/bkt-99999", 10, m, 4), 1);
	/* memory per rule */
	double per = (double)ioc_set_memory(big) / 100000.0;
	ck_assert_msg(per <= 200.0, "%.1f bytes per rule", per);
	ioc_set_free(small);
	ioc_set_free(big);
}
END_TEST

/* ---- the CLI ------------------------------------------------------------- */

static char cli_err[4096];

/* Run ioc_cli_main with stdout captured into out, stderr into cli_err. */
static int run_cli(char *out, size_t outlen, int argc, const char **argv)
{
	char tmpl[] = "/tmp/test_ioc_out_XXXXXX";
	char tmpe[] = "/tmp/test_ioc_err_XXXXXX";
	int fd = mkstemp(tmpl);
	int fe = mkstemp(tmpe);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(fe, 0);
	fflush(stdout);
	fflush(stderr);
	int saved = dup(1);
	int saved2 = dup(2);
	dup2(fd, 1);
	dup2(fe, 2);
	char *av[16];
	ck_assert_int_lt(argc, 16);
	for (int i = 0; i < argc; i++)
		av[i] = strdup(argv[i]);
	av[argc] = NULL;
	int rc = ioc_cli_main(argc, av);
	for (int i = 0; i < argc; i++)
		free(av[i]);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, 1);
	dup2(saved2, 2);
	close(saved);
	close(saved2);
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, out, outlen - 1);
	out[n > 0 ? n : 0] = '\0';
	lseek(fe, 0, SEEK_SET);
	n = read(fe, cli_err, sizeof cli_err - 1);
	cli_err[n > 0 ? n : 0] = '\0';
	close(fd);
	close(fe);
	unlink(tmpl);
	unlink(tmpe);
	return rc;
}

START_TEST(test_cli)
{
	char out[8192];
	char d[] = "/tmp/test_ioc_cli_XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(d));
	char f1[80];
	snprintf(f1, sizeof f1, "%s/a.rules", d);
	FILE *f = fopen(f1, "w");
	fputs("spyic.com Cocospy echap c2\ncelular007.s3.amazonaws.com EspiaoAndroid\n"
	      "esc.example.com Bad\\x1b caf\xc3\xa9\n", f);
	fclose(f);

	const char *a1[] = { "ioc", "test", "-I", f1, "I.SPYIC.COM.", NULL };
	ck_assert_int_eq(run_cli(out, sizeof out, 5, a1), 0);
	ck_assert_ptr_nonnull(strstr(out, "i.spyic.com: 1 match"));
	ck_assert_ptr_nonnull(strstr(out, "subdomain of spyic.com"));
	ck_assert_ptr_nonnull(strstr(out, "family   Cocospy"));
	ck_assert_ptr_nonnull(strstr(out, "a.rules:1"));
	ck_assert_ptr_nonnull(strstr(out, "comment  echap c2"));

	const char *a2[] = { "ioc", "test", "-I", f1, "notspyic.com", NULL };
	ck_assert_int_eq(run_cli(out, sizeof out, 5, a2), 1);
	ck_assert_ptr_nonnull(strstr(out, "no match"));

	const char *a3[] = { "ioc", "test", "-I", f1, "s3.amazonaws.com", "/celular007/x.jpg", NULL };
	ck_assert_int_eq(run_cli(out, sizeof out, 6, a3), 0);
	ck_assert_ptr_nonnull(strstr(out, "S3 bucket celular007 via path-style form s3.amazonaws.com/<bucket>"));
	const char *a4[] = { "ioc", "test", "-I", f1, "https://celular007.s3-website-us-east-1.amazonaws.com/i", NULL };
	ck_assert_int_eq(run_cli(out, sizeof out, 5, a4), 0);
	ck_assert_ptr_nonnull(strstr(out, "via virtual-hosted form <bucket>.s3-website-<region>.amazonaws.com (website, dash)"));

	/* escaped output: a backslash in the family, UTF-8 in the comment */
	const char *a5[] = { "ioc", "test", "-I", f1, "esc.example.com", NULL };
	ck_assert_int_eq(run_cli(out, sizeof out, 5, a5), 0);
	ck_assert_ptr_nonnull(strstr(out, "Bad\\\\x1b"));
	ck_assert_ptr_nonnull(strstr(out, "caf\\xc3\\xa9"));
	ck_assert_ptr_null(strchr(out, 0xc3));

	/* a bad file: exit 2 (the file:line message goes to stderr) */
	char f2[80];
	snprintf(f2, sizeof f2, "%s/bad.rules", d);
	f = fopen(f2, "w");
	fputs("ok.com A\nbad..x B\n", f);
	fclose(f);
	const char *a6[] = { "ioc", "test", "-I", f2, "ok.com", NULL };
	ck_assert_int_eq(run_cli(out, sizeof out, 5, a6), 2);
	ck_assert_ptr_nonnull(strstr(cli_err, "bad.rules:2: bad..x: not a host name (empty label)"));
	/* not a host: exit 2 */
	const char *a7[] = { "ioc", "test", "-I", f1, "bad host", NULL };
	ck_assert_int_eq(run_cli(out, sizeof out, 5, a7), 2);
	ck_assert_ptr_nonnull(strstr(cli_err, "not a host name: bad host (bad character)"));
	/* --help on every subcommand */
	static const char *const subs[] = { "test", "check", "stats", "forms", "update" };
	for (size_t i = 0; i < 5; i++) {
		const char *ah[] = { "ioc", subs[i], "--help", NULL };
		ck_assert_int_eq(run_cli(out, sizeof out, 3, ah), 0);
		ck_assert_ptr_nonnull(strstr(out, "usage: stalkerwatch ioc"));
	}
	/* the bundled list by default */
	const char *a8[] = { "ioc", "test", "celular007.s3.us-east-1.amazonaws.com", NULL };
	ck_assert_int_eq(run_cli(out, sizeof out, 3, a8), 0);
	ck_assert_ptr_nonnull(strstr(out, "EspiaoAndroid"));
	ck_assert_ptr_nonnull(strstr(out, "bundled:"));
	/* stats */
	const char *a9[] = { "ioc", "stats", "-I", f1, NULL };
	ck_assert_int_eq(run_cli(out, sizeof out, 4, a9), 0);
	ck_assert_ptr_nonnull(strstr(out, "rules: 3"));
	ck_assert_ptr_nonnull(strstr(out, "Cocospy"));
	unlink(f1);
	unlink(f2);
	rmdir(d);
}
END_TEST


/* ---- feeds (phase 2): lenient normalisation ------------------------------ */

/* Load txt as a feed of the format its content says, warnings captured. */
static struct ioc_set *load_feed(const char *txt, char *warn, size_t warnlen)
{
	char *wb = NULL;
	size_t wl = 0;
	FILE *w = open_memstream(&wb, &wl);
	err[0] = '\0';
	struct ioc_set *s = ioc_set_load_mem(txt, strlen(txt), "feed", w, err, sizeof err);
	fclose(w);
	snprintf(warn, warnlen, "%s", wb ? wb : "");
	free(wb);
	return s;
}

static const struct {
	const char *line;     /* one value in a plain list */
	const char *pattern;  /* first rule, NULL: skipped */
	const char *warning;  /* substring of the warning */
} lenient_cases[] = {
	{ "evil[.]com", "evil.com", "defanged evil[.]com -> evil.com" },
	{ "hxxps://evil[.]com/dl/a.apk", "evil.com/dl/a.apk", "defanged" },
	{ "https://evil.com/dl/a.apk?x=1", "evil.com/dl/a.apk?x=1", "URL also read as host rule evil.com" },
	{ "b\xc3\xbc" "cher.example", "xn--bcher-kva.example", "IDN b\\xc3\\xbccher.example -> xn--bcher-kva.example" },
	{ "\xe4\xbe\x8b\xe5\xad\x90.com", "xn--fsqu00a.com", "IDN" },
	{ "EVIL.COM.", "evil.com", "" },
	{ "*.evil.com", "evil.com", "wildcard" },
	{ "evil.com:8443", "evil.com", "port dropped" },
	{ "185.94.190.203", "185.94.190.203", "host field on an address read as IP rule" },
	{ "media-sync-a7xx.thetruthspy.com", NULL, "placeholder" },
	{ "api.example.com", NULL, "placeholder" },
	{ "amazonaws.com", NULL, "refused amazonaws.com: a bare shared platform" },
	{ "s3.amazonaws.com", NULL, "refused s3.amazonaws.com: a shared cloud endpoint" },
	{ "https://s3.amazonaws.com/celular007/x.apk", "s3:celular007", "read as s3:celular007 (path-style)" },
	{ "bad!name.com", NULL, "skipped bad!name.com: not a host name (bad character)" },
	{ "https://github.com/x/spy-apk", "github.com/x/spy-apk", "URL rule only, no host rule on github.com" },
};

START_TEST(test_lenient)
{
	for (size_t i = 0; i < sizeof lenient_cases / sizeof lenient_cases[0]; i++) {
		char txt[256], warn[2048];
		/* two lines so that the file is a plain list */
		snprintf(txt, sizeof txt, "first-line.evil-c2.net\n%s\n", lenient_cases[i].line);
		struct ioc_set *s = load_feed(txt, warn, sizeof warn);
		ck_assert_msg(s != NULL, "%s: %s", lenient_cases[i].line, err);
		if (lenient_cases[i].pattern) {
			ck_assert_msg(ioc_set_count(s) >= 2, "%s: skipped", lenient_cases[i].line);
			ck_assert_str_eq(ioc_rule_get(s, 1)->pattern, lenient_cases[i].pattern);
		} else {
			ck_assert_msg(ioc_set_count(s) == 1, "%s: not skipped", lenient_cases[i].line);
		}
		ck_assert_msg(strstr(warn, lenient_cases[i].warning), "%s: warning [%s]",
		              lenient_cases[i].line, warn);
		if (lenient_cases[i].warning[0])
			ck_assert_msg(strstr(warn, "feed:2: "), "%s: no file:line in [%s]",
			              lenient_cases[i].line, warn);
		ioc_set_free(s);
	}
	/* a URL gives a URL rule and a host rule */
	char warn[2048];
	struct ioc_set *s = load_feed("a.evil-c2.org\nhttps://evil.com/dl/a.apk\n", warn, sizeof warn);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(ioc_set_count(s), 3);
	ck_assert_uint_eq(ioc_rule_get(s, 1)->type, IOC_URL);
	ck_assert_uint_eq(ioc_rule_get(s, 2)->type, IOC_DOMAIN);
	ioc_set_free(s);
	/* hosts file lines, localhost names ignored */
	s = load_feed("0.0.0.0 evil.com\n127.0.0.1 a.bad.net localhost # x\n", warn, sizeof warn);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(ioc_set_count(s), 2);
	ck_assert_str_eq(ioc_rule_get(s, 1)->pattern, "a.bad.net");
	const struct ioc_feed *fd;
	ck_assert_uint_eq(ioc_set_feeds(s, &fd), 1);
	ck_assert_str_eq(fd[0].format, "hosts");
	ioc_set_free(s);
}
END_TEST

/* The same value under two families (two apps of one feed, two feeds):
 * every family and source is kept and reported. */
START_TEST(test_merge_families)
{
	const char *y =
		"- name: AppOne\n  type: stalkerware\n  websites:\n  - shared.example-c2.com\n"
		"  c2:\n    domains:\n    - shared.example-c2.com\n    - one.example-c2.com\n"
		"- name: AppTwo\n  type: stalkerware\n  c2:\n    domains:\n    - shared.example-c2.com\n"
		"    ips:\n    - 69.64.74.239\n    ip:\n    - 5.79.71.114\n";
	char warn[4096];
	struct ioc_set *s = load_feed(y, warn, sizeof warn);
	ck_assert_msg(s != NULL, "%s", err);
	/* shared (AppOne, merged c2+websites), one, shared (AppTwo), 2 IPs */
	ck_assert_uint_eq(ioc_set_count(s), 5);
	const struct ioc_rule *r = ioc_rule_get(s, 0);
	ck_assert_str_eq(r->family, "AppOne");
	ck_assert_str_eq(r->category, "stalkerware");
	ck_assert_uint_eq(r->confidence, IOC_CONF_HIGH); /* c2 wins over website */
	ck_assert_ptr_nonnull(strstr(r->comment, "c2.domains"));
	ck_assert_ptr_nonnull(strstr(r->comment, "websites"));
	ck_assert_uint_eq(r->line, 7);
	struct ioc_match m[4];
	ck_assert_uint_eq(match(s, "x.shared.example-c2.com", NULL, m, 4), 2);
	ck_assert_str_eq(ioc_rule_get(s, m[0].rule)->family, "AppOne");
	ck_assert_str_eq(ioc_rule_get(s, m[1].rule)->family, "AppTwo");
	const struct ioc_feed *fd;
	ck_assert_uint_eq(ioc_set_feeds(s, &fd), 1);
	ck_assert_str_eq(fd[0].format, "echap-yaml");
	ioc_set_free(s);
}
END_TEST

START_TEST(test_dualuse)
{
	char warn[256];
	struct ioc_set *s = load_feed("evil-c2.com X\nalog.umeng.com X\nx.crashlytics.com Y\n",
	                              warn, sizeof warn);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(ioc_rule_get(s, 0)->confidence, IOC_CONF_HIGH);
	ck_assert_uint_eq(ioc_rule_get(s, 1)->confidence, IOC_CONF_LOW);
	ck_assert_uint_eq(ioc_rule_get(s, 2)->confidence, IOC_CONF_LOW);
	ioc_set_free(s);
	/* a user list */
	char d[] = "/tmp/test_ioc_du_XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(d));
	char f1[80], f2[80];
	snprintf(f1, sizeof f1, "%s/du.list", d);
	snprintf(f2, sizeof f2, "%s/r.rules", d);
	FILE *f = fopen(f1, "w");
	fputs("# mine\nshared-cdn.example.net\n", f);
	fclose(f);
	f = fopen(f2, "w");
	fputs("a.shared-cdn.example.net X\nalog.umeng.com X\n", f);
	fclose(f);
	const char *files[] = { f2 };
	struct ioc_load_opts o = { .dualuse_file = f1, .no_dualuse_builtin = true };
	s = ioc_set_load_opts(files, 1, &o, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(ioc_rule_get(s, 0)->confidence, IOC_CONF_LOW);
	ck_assert_uint_eq(ioc_rule_get(s, 1)->confidence, IOC_CONF_HIGH);
	ioc_set_free(s);

	/* the same list from memory (ioc_set_load_mem_opts), after the file:
	 * its "!" takes the file's name off again; its errors name it */
	static const char R[] = "a.shared-cdn.example.net X\nevil-c2.com X\n";
	static const char M[] = "evil-c2.com\n!shared-cdn.example.net\n";
	struct ioc_load_opts om = { .dualuse_file = f1, .no_dualuse_builtin = true,
	                            .dualuse_buf = M, .dualuse_len = sizeof M - 1 };
	s = ioc_set_load_mem_opts(R, sizeof R - 1, "r", &om, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(ioc_rule_get(s, 0)->confidence, IOC_CONF_HIGH);
	ck_assert_uint_eq(ioc_rule_get(s, 1)->confidence, IOC_CONF_LOW);
	ioc_set_free(s);
	om.dualuse_buf = "ok.example\ncom\n";
	om.dualuse_len = strlen(om.dualuse_buf);
	ck_assert_ptr_null(ioc_set_load_mem_opts(R, sizeof R - 1, "r", &om, err, sizeof err));
	ck_assert_msg(strstr(err, "dual-use (memory):2: com: a top-level domain alone"), "%s", err);

	/* with the built-in list (ioc/dual-use.txt): '!' takes a name off, a
	 * tenant is matched as a tenant, whatever spelling the rule used */
	f = fopen(f1, "w");
	fputs("!umeng.com   # not dual-use for me\n\n  shared-cdn.example.net\n"
	      "my-db.firebaseio.com\n", f);
	fclose(f);
	f = fopen(f2, "w");
	fputs("alog.umeng.com X\nx.crashlytics.com X\na.shared-cdn.example.net X\n"
	      "apprtc.appspot.com X\nv2-dot-apprtc.appspot.com Y\nfirebase:my-db X\n"
	      "other.appspot.com X\n", f);
	fclose(f);
	struct ioc_load_opts o2 = { .dualuse_file = f1 };
	s = ioc_set_load_opts(files, 1, &o2, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	static const uint8_t want[] = { IOC_CONF_HIGH, IOC_CONF_LOW, IOC_CONF_LOW, IOC_CONF_LOW,
	                                IOC_CONF_LOW, IOC_CONF_LOW, IOC_CONF_HIGH };
	ck_assert_uint_eq(ioc_set_count(s), 7);
	for (uint32_t i = 0; i < 7; i++)
		ck_assert_msg(ioc_rule_get(s, i)->confidence == want[i], "%s: %s",
		              ioc_rule_get(s, i)->pattern,
		              ioc_conf_str((enum ioc_conf)ioc_rule_get(s, i)->confidence));
	ioc_set_free(s);

	/* bad entries fail the load with file:line */
	f = fopen(f1, "w");
	fputs("ok.example.com\ncn\n", f);
	fclose(f);
	ck_assert_ptr_null(ioc_set_load_opts(files, 1, &o2, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "du.list:2: cn: a top-level domain alone"));
	f = fopen(f1, "w");
	fputs("# x\ns3:ab\n", f);
	fclose(f);
	ck_assert_ptr_null(ioc_set_load_opts(files, 1, &o2, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "du.list:2: s3:ab: not a valid tenant"));
	f = fopen(f1, "w");
	fputs("bad..name\n", f);
	fclose(f);
	ck_assert_ptr_null(ioc_set_load_opts(files, 1, &o2, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "du.list:1: not a host name or provider:tenant: bad..name"));
	unlink(f1);
	unlink(f2);
	rmdir(d);
}
END_TEST

START_TEST(test_stix_inline)
{
	const char *j =
		"{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": ["
		"{\"type\": \"malware\", \"id\": \"malware--1\", \"name\": \"Pegasus\"},"
		"{\"type\": \"indicator\", \"id\": \"indicator--1\", \"pattern\": \"[domain-name:value='weather4free.com']\"},"
		"{\"type\": \"indicator\", \"id\": \"indicator--2\", \"pattern\": \"[url:value='https://s3.amazonaws.com/evilbkt/x.apk'] OR [ipv4-addr:value = '1.2.3.4']\"},"
		"{\"type\": \"indicator\", \"id\": \"indicator--3\", \"pattern\": \"[email-addr:value='a@b.c']\"},"
		"{\"type\": \"relationship\", \"id\": \"relationship--1\", \"relationship_type\": \"indicates\", \"source_ref\": \"indicator--1\", \"target_ref\": \"malware--1\"},"
		"{\"type\": \"relationship\", \"id\": \"relationship--2\", \"relationship_type\": \"indicates\", \"source_ref\": \"indicator--2\", \"target_ref\": \"malware--1\"},"
		"{\"type\": \"relationship\", \"id\": \"relationship--3\", \"relationship_type\": \"indicates\", \"source_ref\": \"indicator--2\", \"target_ref\": \"malware--404\"}"
		"]}";
	char warn[2048];
	struct ioc_set *s = load_feed(j, warn, sizeof warn);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(ioc_set_count(s), 3);
	ck_assert_str_eq(ioc_rule_get(s, 0)->pattern, "weather4free.com");
	ck_assert_str_eq(ioc_rule_get(s, 0)->family, "Pegasus");
	ck_assert_str_eq(ioc_rule_get(s, 1)->pattern, "s3:evilbkt");
	ck_assert_str_eq(ioc_rule_get(s, 2)->pattern, "1.2.3.4");
	ck_assert_ptr_nonnull(strstr(warn, "feed: relationship--3: points at malware--404, which is not in the bundle"));
	ioc_set_free(s);
	/* JSON of another shape is refused */
	ck_assert_ptr_null(load_feed("{\"a\": 1}", warn, sizeof warn));
	ck_assert_ptr_nonnull(strstr(err, "neither a STIX 2.1 bundle"));
	/* broken YAML: file:line */
	ck_assert_ptr_null(load_feed("- name: A\n  c2: [x\n", warn, sizeof warn));
	ck_assert_ptr_nonnull(strstr(err, "feed:"));
}
END_TEST

/* ---- the real feeds in ../shared/iocs ------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	size_t got = fread(b, 1, (size_t)n, f);
	fclose(f);
	b[got] = '\0';
	*len = got;
	return b;
}

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- host patterns: the loader's fast path agrees with hn_normalise ----- */

START_TEST(test_host_patterns)
{
	/* names the loader takes through its fast path and names it does not;
	 * either way a host pattern is accepted exactly when hn_normalise
	 * gives HN_NAME, and then stored as what it gives */
	char l63[64], l64[65], n253[254], n254[255];
	memset(l63, 'a', 63);
	l63[63] = '\0';
	memset(l64, 'b', 64);
	l64[64] = '\0';
	memset(n253, 'c', 253);
	for (int i = 63; i < 253; i += 64)
		n253[i] = '.';
	n253[253] = '\0';
	memcpy(n254, n253, 253);
	n254[252] = 'c';
	n254[253] = 'd';
	n254[254] = '\0';
	char a63[80], a64[80];
	snprintf(a63, sizeof a63, "%s.com", l63);
	snprintf(a64, sizeof a64, "%s.com", l64);
	const char *const cases[] = {
		"spyic.com", "SpyIC.Com", "a.b.c.d.e.f.g.h.example.org", "x-y_z.example.net",
		"-lead.example.com", "trail-.example.com", "_dmarc.example.com", "a1.2b.c3",
		"123.example", "1.2.3", "1.2.3.4", "10.0.0.0", "999.1.1.1", "1.2.3.4.5",
		"a..b.com", ".a.com", "a.com.", "a.com..", ".", "a", "com", "*.wild.example.com",
		"w*.example.com", "\xc3\xa9t\xc3\xa9.fr", "caf\xc3\xa9.example", "a b.com",
		a63, a64, n253, n254, "UPPER.CASE.ORG", "mIxEd-123.Case_.io",
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char h[SW_HOST_BUF];
		size_t hl;
		enum hn_res r = hn_normalise((const uint8_t *)cases[i], strlen(cases[i]), h, &hl);
		char line[600];
		snprintf(line, sizeof line, "=%s Fam\n", cases[i]);
		struct ioc_set *s = load_str(line);
		/* a single label is refused as too broad; "*." is dropped */
		bool plain = r == HN_NAME && strchr(h, '.') && h[0] != '*';
		if (plain) {
			ck_assert_msg(s != NULL, "%s: %s", cases[i], err);
			char want[SW_HOST_BUF + 1];
			snprintf(want, sizeof want, "=%s", h);
			ck_assert_str_eq(ioc_rule_get(s, 0)->pattern, want);
		} else if (r != HN_NAME) {
			ck_assert_msg(s == NULL, "%s: loaded as %s (hn_normalise: %s)", cases[i],
			              ioc_rule_get(s, 0)->pattern, hn_res_str(r));
		}
		ioc_set_free(s);
		/* as a domain rule (the fast path's usual case): the same verdict,
		 * except for the names that are refused as too broad */
		snprintf(line, sizeof line, "%s Fam\n", cases[i]);
		s = load_str(line);
		if (plain) {
			ck_assert_msg(s != NULL, "%s: %s", cases[i], err);
			ck_assert_str_eq(ioc_rule_get(s, 0)->pattern, h);
			ck_assert_uint_eq(ioc_rule_get(s, 0)->type, IOC_DOMAIN);
		} else if (r != HN_NAME && r != HN_IP4 && r != HN_IP6) {
			ck_assert_msg(s == NULL, "%s: loaded as %s", cases[i], ioc_rule_get(s, 0)->pattern);
		}
		ioc_set_free(s);
	}
	/* and random names over the bytes that matter, both ways */
	static const char alpha[] = "aqzAQZ0959-_.*\x80\xff\t!:/[";
	uint32_t seed = 12345;
	for (int t = 0; t < 20000; t++) {
		char name[80];
		seed = seed * 1103515245u + 12345u;
		size_t n = 1 + (seed >> 16) % 70;
		for (size_t k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			unsigned r = (seed >> 16) % 100;
			/* mostly letters and digits, a dot now and then, sometimes
			 * anything from the alphabet */
			name[k] = r < 60 ? "abcdefghijklmnopqrstuvwxyz"[r % 26] : r < 75 ? (char)('0' + r % 10) :
			          r < 88 ? '.' : alpha[r % (sizeof alpha - 1)];
		}
		name[n] = '\0';
		char h[SW_HOST_BUF];
		size_t hl;
		enum hn_res r = hn_normalise((const uint8_t *)name, n, h, &hl);
		char line[200];
		snprintf(line, sizeof line, "=%s Fam\n", name);
		struct ioc_set *s = load_str(line);
		if (r == HN_NAME && strchr(h, '.') && h[0] != '*') {
			ck_assert_msg(s != NULL, "%s: %s", name, err);
			ck_assert_str_eq(ioc_rule_get(s, 0)->pattern + 1, h);
		} else if (r != HN_NAME && r != HN_IP4 && r != HN_IP6) {
			/* ':' '/' '[' make URLs, CIDRs or tenants of some of these */
			if (!strpbrk(name, ":/[") && s)
				ck_abort_msg("%s: loaded as %s (hn_normalise: %s)", name,
				             ioc_rule_get(s, 0)->pattern, hn_res_str(r));
		}
		ioc_set_free(s);
	}
}
END_TEST

/* ---- big files are read in chunks: same rules, same digest, same lines -- */

/* Write len bytes to a new temporary file; returns its path (static). */
static const char *write_tmp(const char *txt, size_t len)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/test_ioc_big_XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, txt, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Load txt from a file (chunked when big) and from memory (whole) with
 * warnings; both must give the same rules, feed digest and warnings (the
 * source name aside). */
static void same_as_mem(const char *txt, size_t len, size_t want_rules)
{
	const char *path = write_tmp(txt, len);
	char *w1 = NULL, *w2 = NULL;
	size_t l1 = 0, l2 = 0;
	FILE *f1 = open_memstream(&w1, &l1), *f2 = open_memstream(&w2, &l2);
	const char *files[] = { path };
	struct ioc_set *a = ioc_set_load(files, 1, f1, err, sizeof err);
	ck_assert_msg(a != NULL, "%s", err);
	struct ioc_set *b = ioc_set_load_mem(txt, len, path, f2, err, sizeof err);
	ck_assert_msg(b != NULL, "%s", err);
	fclose(f1);
	fclose(f2);
	ck_assert_uint_eq(ioc_set_count(a), want_rules);
	ck_assert_uint_eq(ioc_set_count(b), want_rules);
	for (uint32_t i = 0; i < want_rules; i++) {
		const struct ioc_rule *x = ioc_rule_get(a, i), *y = ioc_rule_get(b, i);
		ck_assert_str_eq(x->pattern, y->pattern);
		ck_assert_str_eq(x->family, y->family);
		ck_assert_str_eq(x->comment, y->comment);
		ck_assert_uint_eq(x->line, y->line);
		ck_assert_uint_eq(x->type, y->type);
		ck_assert_uint_eq(x->confidence, y->confidence);
	}
	const struct ioc_feed *fa, *fb;
	ck_assert_uint_eq(ioc_set_feeds(a, &fa), 1);
	ck_assert_uint_eq(ioc_set_feeds(b, &fb), 1);
	ck_assert_str_eq(fa->sha256, fb->sha256);
	ck_assert_str_eq(fa->format, fb->format);
	ck_assert_uint_eq(fa->rules, fb->rules);
	ck_assert_uint_eq(fa->values, fb->values);
	ck_assert_uint_eq(fa->skipped, fb->skipped);
	ck_assert_str_eq(w1, w2);
	free(w1);
	free(w2);
	ioc_set_free(a);
	ioc_set_free(b);
	unlink(path);
}

START_TEST(test_big_files)
{
	/* native, > 2 chunks: BOM, comments, CRLF, tenant host names, URLs,
	 * duplicates, no newline at the very end */
	size_t cap = (size_t)SW_IOC_READ_CHUNK * 3, o = 0, n = 0;
	char *txt = malloc(cap);
	o += (size_t)snprintf(txt, cap, "\xef\xbb\xbf# big\r\n");
	for (size_t i = 0; o + 200 < cap - SW_IOC_READ_CHUNK / 4; i++) {
		switch (i % 7) {
		case 0: o += (size_t)snprintf(txt + o, cap - o, "# comment %zu\n", i); break;
		case 1: o += (size_t)snprintf(txt + o, cap - o, "bkt%zu.s3.amazonaws.com Fam%zu\r\n", i, i % 3); n++; break;
		case 2: o += (size_t)snprintf(txt + o, cap - o, "evil%zu.org/dl/x.apk Url confidence=medium\n", i); n++; break;
		case 3: o += (size_t)snprintf(txt + o, cap - o, "\n"); break;
		default: o += (size_t)snprintf(txt + o, cap - o, "h%zu.Example.com Fam # c %zu\n", i, i); n++; break;
		}
	}
	o += (size_t)snprintf(txt + o, cap - o, "spyic.com Cocospy\nspyic.com Cocospy merged\nlast.example.net Last");
	n += 2;
	ck_assert_uint_gt(o, 2 * SW_IOC_READ_CHUNK);
	same_as_mem(txt, o, n);

	/* an error beyond the first chunk names its line */
	size_t lines = 1;
	for (size_t i = 0; i < o; i++)
		lines += txt[i] == '\n';
	o += (size_t)snprintf(txt + o, cap - o, "\nbad..host X\n");
	const char *path = write_tmp(txt, o);
	const char *files[] = { path };
	ck_assert_ptr_null(ioc_set_load(files, 1, NULL, err, sizeof err));
	char want[128];
	snprintf(want, sizeof want, "%s:%zu: bad..host: not a host name", path, lines + 1);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	unlink(path);

	/* a plain list with a line longer than a chunk: skipped, the rest read */
	o = 0;
	n = 0;
	for (size_t i = 0; o < SW_IOC_READ_CHUNK / 2; i++, n++)
		o += (size_t)snprintf(txt + o, cap - o, "p%zu.feed-test.org\n", i);
	memset(txt + o, 'a', SW_IOC_READ_CHUNK + 10);
	o += SW_IOC_READ_CHUNK + 10;
	txt[o++] = '\n';
	for (size_t i = 0; o < 2 * SW_IOC_READ_CHUNK + 100000; i++, n++)
		o += (size_t)snprintf(txt + o, cap - o, "q%zu.feed-test.org\n", i);
	same_as_mem(txt, o, n);
	free(txt);
}
END_TEST

static uint32_t field(const struct ioc_feed *f, const char *name)
{
	for (unsigned i = 0; i < f->nfields; i++)
		if (!strcmp(f->fields[i].field, name))
			return f->fields[i].n;
	return 0;
}

static struct ioc_set *load_shared(const char *rel, char *path, size_t pathlen)
{
	snprintf(path, pathlen, "%s/iocs/%s", tu_shared(), rel);
	const char *files[] = { path };
	struct ioc_set *s = ioc_set_load(files, 1, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s: %s", path, err);
	return s;
}

START_TEST(test_shared_feeds)
{
	if (!tu_shared()) {
		printf("test_ioc: SKIPPED test_shared_feeds: ../shared is absent\n");
		return;
	}
	char path[512];
	const struct ioc_feed *fd;
	struct ioc_match m[16];

	/* Echap ioc.yaml: the counts its README gives, the headline matches */
	struct ioc_set *s = load_shared("stalkerware-indicators/ioc.yaml", path, sizeof path);
	ck_assert_uint_eq(ioc_set_feeds(s, &fd), 1);
	ck_assert_str_eq(fd[0].format, "echap-yaml");
	ck_assert_uint_eq(field(&fd[0], "c2.domains"), 925);
	ck_assert_uint_eq(field(&fd[0], "c2.ips"), 65);
	ck_assert_uint_eq(field(&fd[0], "c2.ip"), 3);
	size_t n = match(s, "i.spyic.com", NULL, m, 16);
	ck_assert_uint_ge(n, 1);
	for (size_t i = 0; i < n && i < 16; i++)
		ck_assert_str_eq(ioc_rule_get(s, m[i].rule)->family, "Cocospy");
	ck_assert_uint_eq(match(s, "notspyic.com", NULL, m, 16), 0);
	static const struct { const char *h, *p; } b[] = {
		{ "celular007.s3.us-east-1.amazonaws.com", NULL },
		{ "s3.amazonaws.com", "/celular007/x.jpg" },
		{ "celular007.s3-website-us-east-1.amazonaws.com", NULL },
	};
	for (size_t i = 0; i < 3; i++) {
		ck_assert_uint_eq(match(s, b[i].h, b[i].p, m, 16), 1);
		ck_assert_str_eq(ioc_rule_get(s, m[0].rule)->family, "EspiaoAndroid");
		ck_assert_str_eq(ioc_rule_get(s, m[0].rule)->category, "stalkerware");
	}
	/* the misspelled c2.ip is read */
	struct sw_addr a = addr("5.79.71.114");
	ck_assert_uint_eq(ioc_match_ip(s, &a, m, 16), 1);
	ck_assert_str_eq(ioc_rule_get(s, m[0].rule)->family, "MobiStealth");
	ioc_set_free(s);

	/* watchware.yaml */
	s = load_shared("stalkerware-indicators/watchware.yaml", path, sizeof path);
	ck_assert_uint_gt(ioc_set_count(s), 10);
	ck_assert_str_eq(ioc_rule_get(s, 0)->category, "watchware");
	ioc_set_free(s);

	/* network.csv (CRLF): every line read */
	size_t len;
	snprintf(path, sizeof path, "%s/iocs/stalkerware-indicators/generated/network.csv", tu_shared());
	char *txt = slurp(path, &len);
	ck_assert_ptr_nonnull(txt);
	s = load_shared("stalkerware-indicators/generated/network.csv", path, sizeof path);
	ioc_set_feeds(s, &fd);
	ck_assert_str_eq(fd[0].format, "echap-csv");
	ck_assert_uint_eq(field(&fd[0], "domain"), count_str(txt, "\ndomain,"));
	ck_assert_uint_eq(field(&fd[0], "ipv4"), count_str(txt, "\nipv4,"));
	free(txt);
	ioc_set_free(s);

	/* STIX2 (Echap's old bundle, MVT, Amnesty) */
	static const char *const stix[] = {
		"stalkerware-indicators/generated-2023-05-31/stalkerware.stix2",
		"mvt-indicators/candiru/candiru.stix2",
		"mvt-indicators/2024-12-25_eaglemsgspy/eaglemsgspy.stix2",
		"investigations/2021-07-18_nso/pegasus.stix2",
	};
	for (size_t i = 0; i < sizeof stix / sizeof stix[0]; i++) {
		snprintf(path, sizeof path, "%s/iocs/%s", tu_shared(), stix[i]);
		txt = slurp(path, &len);
		ck_assert_ptr_nonnull(txt);
		s = load_shared(stix[i], path, sizeof path);
		ioc_set_feeds(s, &fd);
		ck_assert_str_eq(fd[0].format, "stix2");
		ck_assert_uint_eq(field(&fd[0], "domain-name"), count_str(txt, "[domain-name:value="));
		ck_assert_uint_eq(field(&fd[0], "ipv4-addr"), count_str(txt, "[ipv4-addr:value="));
		ck_assert_uint_gt(ioc_set_count(s), 0);
		ck_assert_str_ne(ioc_rule_get(s, 0)->family, "unknown");
		free(txt);
		ioc_set_free(s);
	}
	/* a relationship from a missing indicator is reported, not fatal */
	snprintf(path, sizeof path, "%s/iocs/investigations/2024-05-02_wintego_helios/wintego_helios.stix2",
	         tu_shared());
	txt = slurp(path, &len);
	char warn[4096];
	s = load_feed(txt, warn, sizeof warn);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(strstr(warn, "which is not in the bundle"));
	free(txt);
	ioc_set_free(s);

	/* TinyCheck iocs.json: trackers low confidence */
	snprintf(path, sizeof path, "%s/iocs/TinyCheck/assets/iocs.json", tu_shared());
	txt = slurp(path, &len);
	s = load_shared("TinyCheck/assets/iocs.json", path, sizeof path);
	ioc_set_feeds(s, &fd);
	ck_assert_str_eq(fd[0].format, "tinycheck-json");
	ck_assert_uint_eq(field(&fd[0], "domain"), count_str(txt, "\"type\": \"domain\""));
	ck_assert_uint_eq(field(&fd[0], "ip4addr"), count_str(txt, "\"type\": \"ip4addr\""));
	for (size_t i = 0; i < ioc_set_count(s); i++) {
		const struct ioc_rule *r = ioc_rule_get(s, (uint32_t)i);
		if (!strcmp(r->category, "tracker"))
			ck_assert_uint_eq(r->confidence, IOC_CONF_LOW);
	}
	free(txt);
	ioc_set_free(s);

	/* plain lists; Amnesty's novispy "domains" are IPv4 addresses */
	s = load_shared("investigations/2021-07-18_nso/domains.txt", path, sizeof path);
	ioc_set_feeds(s, &fd);
	ck_assert_str_eq(fd[0].format, "plain");
	txt = slurp(path, &len);
	ck_assert_uint_eq(fd[0].values, count_str(txt, "\n") + (len && txt[len - 1] != '\n'));
	free(txt);
	ioc_set_free(s);
	s = load_shared("investigations/2024-12-16_serbia_novispy/domains.txt", path, sizeof path);
	for (size_t i = 0; i < ioc_set_count(s); i++)
		ck_assert_uint_eq(ioc_rule_get(s, (uint32_t)i)->type, IOC_IP);
	ioc_set_free(s);
	/* Echap's hosts list */
	s = load_shared("stalkerware-indicators/generated/hosts", path, sizeof path);
	ck_assert_uint_gt(ioc_set_count(s), 500);
	ioc_set_free(s);

	/* all at once */
	char p1[512], p2[512], p3[512];
	snprintf(p1, sizeof p1, "%s/iocs/stalkerware-indicators/ioc.yaml", tu_shared());
	snprintf(p2, sizeof p2, "%s/iocs/stalkerware-indicators/watchware.yaml", tu_shared());
	snprintf(p3, sizeof p3, "%s/iocs/TinyCheck/assets/iocs.json", tu_shared());
	const char *all[] = { p1, p2, p3 };
	s = ioc_set_load(all, 3, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(ioc_set_feeds(s, &fd), 3);
	n = match(s, "v3-dot-all-tracker.appspot.com", NULL, m, 16);
	ck_assert_uint_ge(n, 2); /* Echap and TinyCheck both list the app */
	ck_assert_str_ne(ioc_rule_get(s, m[0].rule)->source, ioc_rule_get(s, m[1].rule)->source);
	ioc_set_free(s);
}
END_TEST

/* ---- ioc update: file:// and a local HTTPS server with its own CA --------- */

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include "ioc/ioc_update.h"

static bool file_eq(const char *path, const char *want)
{
	size_t len;
	char *t = slurp(path, &len);
	bool eq = t && strcmp(t, want) == 0;
	free(t);
	return eq;
}

static void put(const char *path, const char *txt)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(txt, f);
	fclose(f);
}

START_TEST(test_update)
{
	if (access("/usr/bin/curl", X_OK) != 0 || access("/usr/bin/openssl", X_OK) != 0) {
		printf("test_ioc: SKIPPED test_update: curl or openssl is not installed\n");
		return;
	}
	char d[] = "/tmp/test_ioc_upd_XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(d));
	char www[128], feeds[128], cmd[2048], url[256], dest[256], ca[160];
	snprintf(www, sizeof www, "%s/www", d);
	snprintf(feeds, sizeof feeds, "%s/feeds", d);
	ck_assert_int_eq(mkdir(www, 0755), 0);
	const char *good = "spyic.com Cocospy\n";
	const char *good2 = "spyic.com Cocospy\ns3:celular007 EspiaoAndroid\n";
	snprintf(url, sizeof url, "%s/good.rules", www);
	put(url, good);
	snprintf(dest, sizeof dest, "%s/good.rules", feeds);

	/* file:// */
	char u[300];
	snprintf(u, sizeof u, "file://%s/good.rules", www);
	const char *urls[] = { u };
	FILE *null = fopen("/dev/null", "w");
	/* curl's own messages: out of the test log */
	fflush(stderr);
	int saved_err = dup(2);
	int dn = open("/dev/null", O_WRONLY);
	dup2(dn, 2);
	close(dn);
	ck_assert_int_eq(ioc_update(feeds, urls, 1, null, null), 0);
	ck_assert(file_eq(dest, good));
	/* a feed that does not load leaves the last good copy */
	snprintf(url, sizeof url, "%s/good.rules", www);
	put(url, "spyic.com Cocospy\nbad..name X\n");
	ck_assert_int_eq(ioc_update(feeds, urls, 1, null, null), 2);
	ck_assert(file_eq(dest, good));
	/* an empty (rule-less) download too */
	put(url, "# nothing\n");
	ck_assert_int_eq(ioc_update(feeds, urls, 1, null, null), 2);
	ck_assert(file_eq(dest, good));
	/* a missing file */
	snprintf(u, sizeof u, "file://%s/missing.rules", www);
	ck_assert_int_eq(ioc_update(feeds, urls, 1, null, null), 2);

	/* HTTPS with a CA made here */
	snprintf(cmd, sizeof cmd,
	         "cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem "
	         "-days 2 -subj /CN=stalkerwatch-test-ca >/dev/null 2>&1 && "
	         "openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr "
	         "-subj /CN=127.0.0.1 >/dev/null 2>&1 && "
	         "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ext && "
	         "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
	         "-out srv.pem -days 2 -extfile ext >/dev/null 2>&1", d);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(ca, sizeof ca, "%s/ca.pem", d);
	put(url, good2);
	/* a free port on loopback */
	int sk = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ck_assert_int_eq(bind(sk, (struct sockaddr *)&sa, sizeof sa), 0);
	socklen_t sl = sizeof sa;
	getsockname(sk, (struct sockaddr *)&sa, &sl);
	int port = ntohs(sa.sin_port);
	close(sk);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char acc[32], cert[160], key[160];
		snprintf(acc, sizeof acc, "127.0.0.1:%d", port);
		snprintf(cert, sizeof cert, "%s/srv.pem", d);
		snprintf(key, sizeof key, "%s/srv.key", d);
		if (chdir(www) != 0)
			_exit(1);
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		execl("/usr/bin/openssl", "openssl", "s_server", "-accept", acc, "-cert", cert,
		      "-key", key, "-WWW", "-quiet", (char *)NULL);
		_exit(1);
	}
	/* wait until it listens (at most 30 s: a loaded machine) */
	bool up = false;
	for (int i = 0; i < 600 && !up; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		sa.sin_port = htons((uint16_t)port);
		up = connect(c, (struct sockaddr *)&sa, sizeof sa) == 0;
		close(c);
		if (!up)
			usleep(50000);
	}
	ck_assert_msg(up, "openssl s_server did not start");
	snprintf(u, sizeof u, "https://127.0.0.1:%d/good.rules", port);
	/* without the CA the certificate is refused: the old copy stays */
	struct ioc_update_opts o = { .timeout_s = 20 };
	ck_assert_int_eq(ioc_update_ex(feeds, urls, 1, &o, null, null), 2);
	ck_assert(file_eq(dest, good));
	/* with it the new feed is swapped in, the old one kept as .prev */
	o.cafile = ca;
	ck_assert_int_eq(ioc_update_ex(feeds, urls, 1, &o, null, null), 0);
	ck_assert(file_eq(dest, good2));
	char prev[300];
	snprintf(prev, sizeof prev, "%s.prev", dest);
	ck_assert(file_eq(prev, good));
	/* http:// is not fetched */
	snprintf(u, sizeof u, "http://127.0.0.1:%d/good.rules", port);
	ck_assert_int_eq(ioc_update_ex(feeds, urls, 1, &o, null, null), 2);
	dup2(saved_err, 2);
	close(saved_err);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	fclose(null);
	snprintf(cmd, sizeof cmd, "rm -rf %s", d);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ioc");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_boundaries);
	tcase_add_test(tc, test_rule_fields);
	tcase_add_test(tc, test_s3_forms);
	tcase_add_test(tc, test_s3_dotted_and_vhost_patterns);
	tcase_add_test(tc, test_tenants);
	tcase_add_test(tc, test_bad_lines);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_multi);
	tcase_add_test(tc, test_feed_sha256);
	tcase_add_test(tc, test_ip);
	tcase_add_test(tc, test_bundled);
	tcase_add_test(tc, test_probe_cost);
	tcase_add_test(tc, test_cli);
	tcase_add_test(tc, test_lenient);
	tcase_add_test(tc, test_merge_families);
	tcase_add_test(tc, test_dualuse);
	tcase_add_test(tc, test_stix_inline);
	tcase_add_test(tc, test_shared_feeds);
	tcase_add_test(tc, test_update);
	tcase_add_test(tc, test_big_files);
	tcase_add_test(tc, test_host_patterns);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite());
}
