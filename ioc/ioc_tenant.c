/*
 * ioc_tenant.c - shared clouds: their endpoint forms as a table, and the
 * split of a host name (+ HTTP path) into (provider, tenant).
 *
 * A tenant of a shared cloud (an S3 bucket, a Firebase database, an App
 * Engine app ...) is known by its tenant name, not by one spelling of its
 * host name: AWS serves one bucket under a dozen host names and under
 * path-style URLs.  The forms below are data; the code only walks them.
 *
 * Sources for the S3 forms (AWS documentation):
 *   - Virtual hosting of buckets (virtual-hosted style, path-style, legacy
 *     global endpoint s3.amazonaws.com and legacy s3-<region> dash form);
 *   - Amazon S3 endpoints and quotas (regional, dualstack, FIPS endpoints,
 *     China regions under amazonaws.com.cn);
 *   - Website endpoints (s3-website-<region> and s3-website.<region>);
 *   - Transfer Acceleration (s3-accelerate, s3-accelerate.dualstack;
 *     virtual-hosted only);
 *   - Bucket naming rules (3..63 bytes of a-z 0-9 . -, begin and end with a
 *     letter or digit, no "..", not an IP address).
 * Access points (<name>-<account>.s3-accesspoint.<region>...) name the access
 * point, not the bucket, so they are not bucket forms (docs/ioc-format.md).
 *
 * Shape language (one label per '.'-separated part, matched right to left on
 * label boundaries): a literal label, or a label with one placeholder:
 *   {r}  an AWS region code: two letters, one or more "-word", "-digits"
 *        (us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1)
 *   {*}  any non-empty run of a-z 0-9 '-' (other providers' region codes)
 * with an optional literal prefix and suffix inside the label ("s3-{r}").
 */
#include "ioc/ioc_int.h"

#include <pthread.h>
#include <string.h>

#include "dissectors/hostname.h"

/* Where the tenant sits. */
#define FS_VHOST 1u  /* <tenant>.<shape>: tenant in the host name */
#define FS_PATH 2u   /* <shape>/<tenant>/...: tenant in the first path segment */

/* Which labels left of the shape are the tenant. */
enum tt {
	TT_ALL = 0,  /* every label left of the shape (S3 bucket names have dots) */
	TT_LABEL,    /* the label just left of the shape */
	TT_DOTLABEL, /* the same, after the last "-dot-" (App Engine versions) */
};

struct form {
	uint8_t prov;       /* enum ioc_provider */
	uint8_t style;      /* FS_* bits */
	uint8_t take;       /* enum tt */
	const char *shape;  /* see the shape language above */
	const char *desc;   /* for people: the form with its placeholders */
};

/*
 * The table.  The first form that matches a host wins, so a more specific
 * shape comes before a more general one with the same base (CDN Spaces
 * before Spaces, r.appspot.com before appspot.com).
 */
static const struct form forms[] = {
	/* ---- AWS S3 ---- */
	{ IOC_PROV_S3, FS_VHOST | FS_PATH, TT_ALL, "s3.amazonaws.com",
	  "<bucket>.s3.amazonaws.com | s3.amazonaws.com/<bucket> (global, us-east-1)" },
	{ IOC_PROV_S3, FS_VHOST | FS_PATH, TT_ALL, "s3.{r}.amazonaws.com",
	  "<bucket>.s3.<region>.amazonaws.com | s3.<region>.amazonaws.com/<bucket> (regional)" },
	{ IOC_PROV_S3, FS_VHOST | FS_PATH, TT_ALL, "s3-{r}.amazonaws.com",
	  "<bucket>.s3-<region>.amazonaws.com | s3-<region>.amazonaws.com/<bucket> (legacy dash regional)" },
	{ IOC_PROV_S3, FS_VHOST | FS_PATH, TT_ALL, "s3.dualstack.{r}.amazonaws.com",
	  "<bucket>.s3.dualstack.<region>.amazonaws.com | s3.dualstack.<region>.amazonaws.com/<bucket> (dual-stack)" },
	{ IOC_PROV_S3, FS_VHOST | FS_PATH, TT_ALL, "s3-fips.{r}.amazonaws.com",
	  "<bucket>.s3-fips.<region>.amazonaws.com | s3-fips.<region>.amazonaws.com/<bucket> (FIPS)" },
	{ IOC_PROV_S3, FS_VHOST | FS_PATH, TT_ALL, "s3-fips.dualstack.{r}.amazonaws.com",
	  "<bucket>.s3-fips.dualstack.<region>.amazonaws.com | s3-fips.dualstack.<region>.amazonaws.com/<bucket> (FIPS dual-stack)" },
	{ IOC_PROV_S3, FS_VHOST | FS_PATH, TT_ALL, "s3-fips-{r}.amazonaws.com",
	  "<bucket>.s3-fips-<region>.amazonaws.com | s3-fips-<region>.amazonaws.com/<bucket> (legacy FIPS)" },
	{ IOC_PROV_S3, FS_VHOST | FS_PATH, TT_ALL, "s3-external-1.amazonaws.com",
	  "<bucket>.s3-external-1.amazonaws.com | s3-external-1.amazonaws.com/<bucket> (legacy us-east-1)" },
	{ IOC_PROV_S3, FS_VHOST, TT_ALL, "s3-accelerate.amazonaws.com",
	  "<bucket>.s3-accelerate.amazonaws.com (Transfer Acceleration)" },
	{ IOC_PROV_S3, FS_VHOST, TT_ALL, "s3-accelerate.dualstack.amazonaws.com",
	  "<bucket>.s3-accelerate.dualstack.amazonaws.com (Transfer Acceleration, dual-stack)" },
	{ IOC_PROV_S3, FS_VHOST, TT_ALL, "s3-website-{r}.amazonaws.com",
	  "<bucket>.s3-website-<region>.amazonaws.com (website, dash)" },
	{ IOC_PROV_S3, FS_VHOST, TT_ALL, "s3-website.{r}.amazonaws.com",
	  "<bucket>.s3-website.<region>.amazonaws.com (website, dot)" },
	{ IOC_PROV_S3, FS_VHOST | FS_PATH, TT_ALL, "s3.{r}.amazonaws.com.cn",
	  "<bucket>.s3.<region>.amazonaws.com.cn | s3.<region>.amazonaws.com.cn/<bucket> (China)" },
	{ IOC_PROV_S3, FS_VHOST | FS_PATH, TT_ALL, "s3.dualstack.{r}.amazonaws.com.cn",
	  "<bucket>.s3.dualstack.<region>.amazonaws.com.cn | s3.dualstack.<region>.amazonaws.com.cn/<bucket> (China dual-stack)" },
	{ IOC_PROV_S3, FS_VHOST, TT_ALL, "s3-website.{r}.amazonaws.com.cn",
	  "<bucket>.s3-website.<region>.amazonaws.com.cn (China website)" },
	/* ---- other AWS tenants ---- */
	{ IOC_PROV_APIGW, FS_VHOST, TT_LABEL, "execute-api.{r}.amazonaws.com",
	  "<api-id>.execute-api.<region>.amazonaws.com (API Gateway)" },
	{ IOC_PROV_ELB, FS_VHOST, TT_LABEL, "{r}.elb.amazonaws.com",
	  "[dualstack.|internal-]<name>-<id>.<region>.elb.amazonaws.com (Classic/Application LB)" },
	{ IOC_PROV_ELB, FS_VHOST, TT_LABEL, "elb.{r}.amazonaws.com",
	  "<name>-<id>.elb.<region>.amazonaws.com (Network LB)" },
	{ IOC_PROV_ELB, FS_VHOST, TT_LABEL, "{r}.elb.amazonaws.com.cn",
	  "<name>-<id>.<region>.elb.amazonaws.com.cn (China LB)" },
	{ IOC_PROV_CLOUDFRONT, FS_VHOST, TT_LABEL, "cloudfront.net",
	  "<distribution>.cloudfront.net (CloudFront)" },
	/* ---- S3-compatible stores ---- */
	{ IOC_PROV_GCS, FS_VHOST | FS_PATH, TT_ALL, "storage.googleapis.com",
	  "<bucket>.storage.googleapis.com | storage.googleapis.com/<bucket> (Google Cloud Storage)" },
	{ IOC_PROV_GCS, FS_PATH, TT_ALL, "storage.cloud.google.com",
	  "storage.cloud.google.com/<bucket> (Google Cloud Storage, browser)" },
	{ IOC_PROV_DO_SPACES, FS_VHOST, TT_LABEL, "{*}.cdn.digitaloceanspaces.com",
	  "<bucket>.<region>.cdn.digitaloceanspaces.com (DigitalOcean Spaces CDN)" },
	{ IOC_PROV_DO_SPACES, FS_VHOST | FS_PATH, TT_LABEL, "{*}.digitaloceanspaces.com",
	  "<bucket>.<region>.digitaloceanspaces.com | <region>.digitaloceanspaces.com/<bucket> (DigitalOcean Spaces)" },
	{ IOC_PROV_WASABI, FS_VHOST | FS_PATH, TT_ALL, "s3.wasabisys.com",
	  "<bucket>.s3.wasabisys.com | s3.wasabisys.com/<bucket> (Wasabi)" },
	{ IOC_PROV_WASABI, FS_VHOST | FS_PATH, TT_ALL, "s3.{*}.wasabisys.com",
	  "<bucket>.s3.<region>.wasabisys.com | s3.<region>.wasabisys.com/<bucket> (Wasabi regional)" },
	{ IOC_PROV_OSS, FS_VHOST, TT_LABEL, "oss-{*}.aliyuncs.com",
	  "<bucket>.oss-<region>.aliyuncs.com (Alibaba Cloud OSS)" },
	{ IOC_PROV_COS, FS_VHOST | FS_PATH, TT_LABEL, "cos.{*}.myqcloud.com",
	  "<bucket>-<appid>.cos.<region>.myqcloud.com | cos.<region>.myqcloud.com/<bucket>-<appid> (Tencent COS)" },
	{ IOC_PROV_COS, FS_VHOST, TT_LABEL, "cos-website.{*}.myqcloud.com",
	  "<bucket>-<appid>.cos-website.<region>.myqcloud.com (Tencent COS website)" },
	/* ---- Firebase, App Engine ---- */
	{ IOC_PROV_FIREBASE, FS_VHOST, TT_LABEL, "firebaseio.com",
	  "<db>.firebaseio.com (Firebase Realtime Database)" },
	{ IOC_PROV_FIREBASE, FS_VHOST, TT_LABEL, "{*}.firebasedatabase.app",
	  "<db>.<region>.firebasedatabase.app (Firebase Realtime Database, regional)" },
	{ IOC_PROV_APPSPOT, FS_VHOST, TT_DOTLABEL, "{*}.r.appspot.com",
	  "[<version>-dot-]<app>.<code>.r.appspot.com (App Engine, region code)" },
	{ IOC_PROV_APPSPOT, FS_VHOST, TT_DOTLABEL, "appspot.com",
	  "[<version>-dot-]<app>.appspot.com (App Engine)" },
};
#define NFORMS (sizeof forms / sizeof forms[0])

static const char *const prov_names[IOC_PROV_COUNT] = {
	[IOC_PROV_NONE] = "none",
	[IOC_PROV_S3] = "s3",
	[IOC_PROV_GCS] = "gcs",
	[IOC_PROV_DO_SPACES] = "do-spaces",
	[IOC_PROV_WASABI] = "wasabi",
	[IOC_PROV_OSS] = "oss",
	[IOC_PROV_COS] = "cos",
	[IOC_PROV_CLOUDFRONT] = "cloudfront",
	[IOC_PROV_APIGW] = "apigw",
	[IOC_PROV_ELB] = "elb",
	[IOC_PROV_FIREBASE] = "firebase",
	[IOC_PROV_APPSPOT] = "appspot",
};

/*
 * Bare shared platforms: a rule on one of these names (or on an endpoint of
 * the form table with no tenant in it) would flag every customer of the
 * platform.  Single-label names (top-level domains) are refused as well.
 */
static const char *const platforms[] = {
	/* clouds with tenant forms above */
	"amazonaws.com", "amazonaws.com.cn", "elb.amazonaws.com",
	"cloudfront.net", "googleapis.com", "digitaloceanspaces.com",
	"cdn.digitaloceanspaces.com", "wasabisys.com", "aliyuncs.com",
	"myqcloud.com", "firebaseio.com", "firebasedatabase.app",
	"appspot.com", "r.appspot.com",
	/* other shared hosting, CDNs and SDK endpoints people share */
	"firebaseapp.com", "web.app", "firebasestorage.googleapis.com",
	"googleusercontent.com", "blogspot.com", "google.com", "gstatic.com",
	"windows.net", "core.windows.net", "blob.core.windows.net",
	"azurewebsites.net", "azureedge.net", "cloudapp.net", "cloudapp.azure.com",
	"herokuapp.com", "github.io", "githubusercontent.com", "gitlab.io",
	"pages.dev", "workers.dev", "netlify.app", "vercel.app",
	"ngrok.io", "ngrok-free.app", "000webhostapp.com", "akamaihd.net",
	"akamaized.net", "fastly.net", "cloudflare.com", "wordpress.com",
	"compute.amazonaws.com", "compute-1.amazonaws.com",
	/* file and link sharing: feeds give URLs on them (host rules refused,
	 * URL rules kept) */
	"github.com", "gitlab.com", "bitbucket.org", "drive.google.com",
	"docs.google.com", "play.google.com", "dropbox.com", "mediafire.com",
	"mega.nz", "t.me", "telegram.me", "bit.ly", "tinyurl.com", "goo.gl",
	"youtube.com", "twitter.com", "x.com", "instagram.com", "discord.com",
	"cdn.discordapp.com", "pastebin.com",
	/* two-label public suffixes commonly seen in the feeds */
	"com.br", "co.uk", "com.cn", "com.au", "co.jp", "co.in", "com.tr",
	"com.mx", "co.za", "com.ar", "com.ru", "com.ua", "co.kr", "com.es",
	NULL
};

/* ---- precomputed lengths and look-up tables ----------------------------- */

/* Per form: its shape length.  The distinct bases of the forms (their last
 * two labels, e.g. "amazonaws.com"), each with the set of forms that end in
 * it, let a split find the candidate forms with one small scan: a host is
 * compared only with the forms of its own base, and most hosts end in no
 * base at all, so the split stops there.  The platforms are hashed into a
 * small table, so refusing one is a probe, not a scan of the list. */
static uint8_t shape_len[NFORMS];
struct base {
	const char *p;   /* points into the shape of the first form with it */
	uint8_t len;
	uint64_t last8;  /* its last (up to) 8 bytes, for a quick compare */
	uint64_t forms;  /* bit i: form i ends in this base */
};
static struct base bases[NFORMS];
static unsigned nbases;
#define NPLATFORMS (sizeof platforms / sizeof platforms[0] - 1)
#define PLAT_SLOTS 512u
static uint16_t plat_tab[PLAT_SLOTS]; /* index + 1 into platforms, 0 = empty */
static uint8_t platform_len[NPLATFORMS];
static pthread_once_t lens_once = PTHREAD_ONCE_INIT;

_Static_assert(NFORMS <= 64, "the form sets of the bases are 64-bit masks");
_Static_assert(NPLATFORMS * 2 <= PLAT_SLOTS, "the platform table must stay at most half full");

/* Length of the last two labels of s[0..n) (all of it with fewer). */
static size_t tail2(const char *s, size_t n)
{
	size_t dots = 0, i = n;
	while (i > 0) {
		if (s[i - 1] == '.' && ++dots == 2)
			return n - i;
		i--;
	}
	return n;
}

/* Hash of a name for the platform table: its length and its last 8 bytes
 * (constant time; names that share an ending differ in length, and the rest
 * is compared anyway). */
static uint64_t last8(const char *s, size_t n)
{
	uint64_t v = 0;
	size_t k = n < 8 ? n : 8;
	memcpy(&v, s + n - k, k);
	return v;
}

static uint32_t plat_hash(const char *s, size_t n)
{
	return (uint32_t)(((last8(s, n) ^ (uint64_t)n) * 0x9e3779b97f4a7c15ULL) >> 40);
}

static void lens_init(void)
{
	for (size_t i = 0; i < NFORMS; i++) {
		size_t l = strlen(forms[i].shape);
		shape_len[i] = (uint8_t)l;
		size_t t2 = tail2(forms[i].shape, l);
		const char *bp = forms[i].shape + l - t2;
		unsigned b = 0;
		while (b < nbases && !(bases[b].len == t2 && !memcmp(bases[b].p, bp, t2)))
			b++;
		if (b == nbases) {
			bases[b].p = bp;
			bases[b].len = (uint8_t)t2;
			bases[b].last8 = last8(bp, t2);
			nbases++;
		}
		bases[b].forms |= 1ULL << i;
	}
	for (size_t i = 0; i < NPLATFORMS; i++) {
		size_t l = strlen(platforms[i]);
		platform_len[i] = (uint8_t)l;
		uint32_t j = plat_hash(platforms[i], l) & (PLAT_SLOTS - 1);
		while (plat_tab[j])
			j = (j + 1) & (PLAT_SLOTS - 1);
		plat_tab[j] = (uint16_t)(i + 1);
	}
}

static bool is_platform(const char *host, size_t n)
{
	uint32_t j = plat_hash(host, n) & (PLAT_SLOTS - 1);
	for (; plat_tab[j]; j = (j + 1) & (PLAT_SLOTS - 1)) {
		unsigned i = plat_tab[j] - 1u;
		if (platform_len[i] == n && memcmp(platforms[i], host, n) == 0)
			return true;
	}
	return false;
}

/* ---- small helpers ------------------------------------------------------- */

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_ldh(char c)
{
	return is_lower_alnum(c) || c == '-';
}

/* AWS region code: [a-z]{2}(-[a-z]+)+-[0-9]+ */
static bool is_region(const char *s, size_t n)
{
	size_t i = 0, words = 0;
	if (n < 6 || !(s[0] >= 'a' && s[0] <= 'z') || !(s[1] >= 'a' && s[1] <= 'z'))
		return false;
	i = 2;
	for (;;) {
		if (i >= n || s[i] != '-')
			return false;
		i++;
		size_t st = i;
		while (i < n && s[i] >= 'a' && s[i] <= 'z')
			i++;
		if (i > st) {
			words++;
			continue;
		}
		/* not letters: must be the final digits */
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		return i == n && i > st && words >= 1;
	}
}

static bool is_anyword(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_ldh(s[i]))
			return false;
	return true;
}

/* Does host label l[0..n) match the shape label p[0..pn)? */
static bool label_match(const char *p, size_t pn, const char *l, size_t n)
{
	const char *o = memchr(p, '{', pn);
	if (!o)
		return pn == n && memcmp(p, l, n) == 0;
	size_t pre = (size_t)(o - p);
	/* "{r}" or "{*}": three bytes */
	if (pre + 3 > pn || o[2] != '}')
		return false;
	size_t suf = pn - pre - 3;
	if (n <= pre + suf)
		return false;
	if (memcmp(l, p, pre) != 0 || memcmp(l + n - suf, o + 3, suf) != 0)
		return false;
	const char *mid = l + pre;
	size_t midn = n - pre - suf;
	return o[1] == 'r' ? is_region(mid, midn) : is_anyword(mid, midn);
}

/*
 * Match shape at the right end of h[0..n) on label boundaries.  On success
 * *rest is the length of what is left of the shape without the dot (0 when
 * the host is the shape).
 */
static bool shape_match(const char *shape, size_t se, const char *h, size_t n, size_t *rest)
{
	size_t he = n;
	for (;;) {
		size_t ss = se;
		while (ss > 0 && shape[ss - 1] != '.')
			ss--;
		size_t hs = he;
		while (hs > 0 && h[hs - 1] != '.')
			hs--;
		if (!label_match(shape + ss, se - ss, h + hs, he - hs))
			return false;
		if (ss == 0) {
			if (hs == 0) {
				*rest = 0;
				return true;
			}
			*rest = hs - 1; /* h[hs-1] is the dot */
			return hs - 1 > 0;
		}
		if (hs == 0)
			return false;
		se = ss - 1;
		he = hs - 1;
	}
}

/* First path segment of a request target: "/b/k", "/b?x", absolute-form
 * "http://h/b/k".  Returns its length (0 when none) and start in *seg. */
static size_t path_segment(const char *p, size_t n, const char **seg)
{
	*seg = NULL;
	if (!p || n == 0)
		return 0;
	/* absolute-form: skip scheme://authority */
	size_t i = 0;
	while (i < n && i < 16 && p[i] != ':' && p[i] != '/')
		i++;
	if (i + 2 < n && p[i] == ':' && p[i + 1] == '/' && p[i + 2] == '/') {
		i += 3;
		while (i < n && p[i] != '/' && p[i] != '?' && p[i] != '#')
			i++;
		p += i;
		n -= i;
	}
	if (n == 0 || p[0] != '/')
		return 0;
	size_t j = 1;
	while (j < n && p[j] != '/' && p[j] != '?' && p[j] != '#' && p[j] != ';')
		j++;
	*seg = p + 1;
	return j - 1;
}

/* ---- public / internal API ---------------------------------------------- */

void ioc_tenant_split(const char *host, size_t hostlen, const char *path,
                      size_t pathlen, char *t, size_t tcap, struct ioc_tsplit *r)
{
	ioc_tenant_split2(host, hostlen, 0, path, pathlen, t, tcap, r);
}

void ioc_tenant_split2(const char *host, size_t hostlen, size_t t2, const char *path,
                       size_t pathlen, char *t, size_t tcap, struct ioc_tsplit *r)
{
	memset(r, 0, sizeof *r);
	t[0] = '\0';
	if (hostlen == 0 || hostlen > SW_HOST_MAX)
		return;
	pthread_once(&lens_once, lens_init);
	size_t ht = t2 ? t2 : tail2(host, hostlen);
	const char *hbase = host + hostlen - ht;
	uint64_t cand = 0, hl8 = last8(hbase, ht);
	for (unsigned b = 0; b < nbases; b++)
		if (bases[b].last8 == hl8 && bases[b].len == ht && memcmp(bases[b].p, hbase, ht) == 0) {
			cand = bases[b].forms;
			break;
		}
	for (; cand; cand &= cand - 1) {
		unsigned i = (unsigned)__builtin_ctzll(cand);
		const struct form *f = &forms[i];
		size_t rest;
		if (!shape_match(f->shape, shape_len[i], host, hostlen, &rest))
			continue;
		if (rest == 0) {
			/* the host is the endpoint itself */
			r->prov = f->prov;
			r->form = i;
			const char *seg;
			size_t sl = (f->style & FS_PATH) ? path_segment(path, pathlen, &seg) : 0;
			if (sl == 0 || sl >= tcap) {
				r->bare = true;
				return;
			}
			for (size_t k = 0; k < sl; k++)
				t[k] = (char)hn_lower((uint8_t)seg[k]);
			t[sl] = '\0';
			r->tlen = sl;
			r->from_path = true;
			return;
		}
		if (!(f->style & FS_VHOST))
			continue;
		const char *ts = host;
		size_t tl = rest;
		if (f->take != TT_ALL) {
			size_t s = rest;
			while (s > 0 && host[s - 1] != '.')
				s--;
			ts = host + s;
			tl = rest - s;
			if (f->take == TT_DOTLABEL) {
				for (size_t k = tl; k >= 5; k--) {
					if (memcmp(ts + k - 5, "-dot-", 5) == 0) {
						ts += k;
						tl -= k;
						break;
					}
				}
			}
		}
		if (tl == 0 || tl >= tcap)
			continue;
		memcpy(t, ts, tl);
		t[tl] = '\0';
		r->prov = f->prov;
		r->form = i;
		r->tlen = tl;
		return;
	}
}

enum ioc_provider ioc_tenant_of(const char *host, size_t hostlen,
                                const char *path, size_t pathlen,
                                char *tenant, size_t tenantlen,
                                unsigned *form, bool *from_path)
{
	struct ioc_tsplit r;
	if (tenantlen == 0)
		return IOC_PROV_NONE;
	ioc_tenant_split(host, hostlen, path, pathlen, tenant, tenantlen, &r);
	if (r.prov == IOC_PROV_NONE || r.tlen == 0)
		return IOC_PROV_NONE;
	if (form)
		*form = r.form;
	if (from_path)
		*from_path = r.from_path;
	return r.prov;
}

bool ioc_tenant_valid(enum ioc_provider p, const char *t, size_t n, const char **why)
{
	size_t minlen = 1, maxlen = 63;
	bool dots = false, underscore = false;
	switch (p) {
	case IOC_PROV_S3:
	case IOC_PROV_WASABI:
		minlen = 3;
		dots = true;
		break;
	case IOC_PROV_GCS:
		minlen = 3;
		maxlen = 222;
		dots = true;
		underscore = true;
		break;
	case IOC_PROV_DO_SPACES:
	case IOC_PROV_OSS:
		minlen = 3;
		break;
	case IOC_PROV_NONE:
	case IOC_PROV_COUNT:
		*why = "unknown provider";
		return false;
	default:
		break;
	}
	if (n < minlen || n > maxlen) {
		*why = minlen == 3 ? "bucket name must be 3..63 characters" :
		                     "tenant name must be 1..63 characters";
		if (p == IOC_PROV_GCS)
			*why = "bucket name must be 3..222 characters";
		return false;
	}
	if (!is_lower_alnum(t[0]) || !is_lower_alnum(t[n - 1])) {
		*why = "name must begin and end with a lower-case letter or digit";
		return false;
	}
	bool all_digits_dots = true;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (!((c >= '0' && c <= '9') || c == '.'))
			all_digits_dots = false;
		if (is_ldh(c))
			continue;
		if (c == '.' && dots) {
			if (t[i + 1] == '.') {
				*why = "name must not contain two adjacent dots";
				return false;
			}
			continue;
		}
		if (c == '_' && underscore)
			continue;
		*why = dots ? "name may only hold a-z, 0-9, '.' and '-'" :
		              "name may only hold a-z, 0-9 and '-'";
		return false;
	}
	if (dots && all_digits_dots) {
		*why = "bucket name must not look like an IP address";
		return false;
	}
	return true;
}

enum ioc_provider ioc_provider_by_name(const char *name, size_t n)
{
	for (int p = IOC_PROV_S3; p < IOC_PROV_COUNT; p++)
		if (strlen(prov_names[p]) == n && memcmp(prov_names[p], name, n) == 0)
			return (enum ioc_provider)p;
	return IOC_PROV_NONE;
}

const char *ioc_platform_refusal(const char *host, size_t n)
{
	char t[SW_HOST_BUF];
	struct ioc_tsplit r;
	ioc_tenant_split(host, n, NULL, 0, t, sizeof t, &r);
	return ioc_platform_refusal_split(host, n, &r);
}

const char *ioc_platform_refusal_split(const char *host, size_t n, const struct ioc_tsplit *r)
{
	if (!memchr(host, '.', n))
		return "a top-level domain alone would match every name under it";
	pthread_once(&lens_once, lens_init);
	if (is_platform(host, n))
		return "a bare shared platform would flag every customer of it; "
			       "name the tenant (e.g. s3:<bucket>, <app>.appspot.com)";
	if (r->prov != IOC_PROV_NONE && r->bare)
		return "a shared cloud endpoint with no tenant in it would flag every "
		       "customer; name the tenant (e.g. s3:<bucket>)";
	return NULL;
}

const char *ioc_form_desc(unsigned form)
{
	return form < NFORMS ? forms[form].desc : "?";
}

unsigned ioc_form_count(void)
{
	return (unsigned)NFORMS;
}

enum ioc_provider ioc_form_provider(unsigned form)
{
	return form < NFORMS ? (enum ioc_provider)forms[form].prov : IOC_PROV_NONE;
}

const char *ioc_provider_name(enum ioc_provider p)
{
	return (unsigned)p < IOC_PROV_COUNT ? prov_names[p] : "?";
}
