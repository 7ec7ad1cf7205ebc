/*
 * ioc.c - the rule builder, the immutable match index, loading.
 *
 * Index: every rule has one lookup key:
 *   IOC_DOMAIN, IOC_EXACT, IOC_URL   the host name ("spyic.com")
 *   IOC_S3, IOC_TENANT               "<provider>:<tenant>" ("s3:celular007";
 *                                    ':' never occurs in a host name)
 *   IOC_IP                           binary: family byte, prefix length,
 *                                    masked address bytes
 * Keys live in one open-addressing hash table (linear probing, load <= 1/2,
 * SipHash-2-4 with a per-set random key, so crafted host names cannot aim at
 * a cluster).  Rules with the same key are chained in load order.
 *
 * A host lookup probes each label suffix of the host ("a.b.c.com",
 * "b.c.com", "c.com", "com"), skipping suffixes with more labels than the
 * deepest rule name, then at most one "<provider>:<tenant>" key from the
 * endpoint-form table (ioc_tenant.c).  Every key is probed at most once per
 * lookup and every rule has exactly one key, so each rule is reported at most
 * once without any de-duplication pass.
 */
#include "ioc/ioc_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "daemon/util.h"
#include "dissectors/decode.h"
#include "dissectors/hostname.h"

/* The bundled list (build/gen/bundled.c, made by .ci/embed.sh). */
extern const unsigned char sw_bundled_rules[];
extern const unsigned long sw_bundled_rules_len;

#define NONE UINT32_MAX

/* ---- arena --------------------------------------------------------------- */

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct ikey {
	const char *k;      /* key bytes (not NUL-terminated for IP keys) */
	uint32_t next;      /* next rule with the same key, or NONE */
	uint16_t len;       /* key length */
	uint16_t pathoff;   /* IOC_URL: offset of the path in the pattern */
};

struct ioc_set {
	struct ioc_rule *rules;
	struct ikey *keys;
	uint32_t n, cap;
	uint64_t *slots;     /* 0 = empty, else (uint32_t)hash << 32 | (rule + 1) */
	uint32_t mask;       /* slots - 1 */
	uint32_t nkeys;      /* distinct keys in slots */
	uint64_t k0, k1;     /* SipHash key */
	unsigned max_labels; /* deepest host key, in labels */
	uint32_t ntenant;    /* rules of type S3/TENANT */
	uint64_t v4lens;     /* bit L: an IPv4 rule of prefix length L exists (0..32) */
	uint64_t v6lens[3];  /* same for IPv6 (0..128) */
	struct chunk *arena;
	size_t bytes;        /* memory held */
	struct ioc_feed *feeds;
	size_t nfeeds, feedcap;
};

static void *arena_alloc(struct ioc_set *s, size_t n, size_t align)
{
	struct chunk *c = s->arena;
	if (c) {
		size_t off = (c->used + align - 1) & ~(align - 1);
		if (off + n <= c->cap) {
			c->used = off + n;
			return c->data + off;
		}
	}
	size_t cap = n > 65536 ? n : 262144 - sizeof(struct chunk);
	c = malloc(sizeof(struct chunk) + cap);
	if (!c)
		return NULL;
	c->cap = cap;
	c->used = n;
	c->next = s->arena;
	s->arena = c;
	s->bytes += sizeof(struct chunk) + cap;
	return c->data;
}

static char *arena_strndup(struct ioc_set *s, const char *p, size_t n)
{
	char *d = arena_alloc(s, n + 1, 1);
	if (!d)
		return NULL;
	memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

/* ---- SipHash-2-4 (Aumasson & Bernstein), 64-bit output ------------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                        \
	do {                                                            \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                    \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                    \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

static uint64_t load64le(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t siphash(uint64_t k0, uint64_t k1, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	size_t end = len - (len % 8);
	for (size_t i = 0; i < end; i += 8) {
		uint64_t m = load64le(p + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < len % 8; i++)
		b |= (uint64_t)p[end + i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- the hash table ------------------------------------------------------ */

static uint32_t key_hash(const struct ioc_set *s, const char *k, size_t len)
{
	return (uint32_t)siphash(s->k0, s->k1, k, len);
}

/* Find the first rule with this key (of hash tag), or NONE. */
static uint32_t ht_find_h(const struct ioc_set *s, const char *k, size_t len, uint32_t tag)
{
	if (!s->slots)
		return NONE;
	uint32_t i = tag & s->mask;
	for (;;) {
		uint64_t sl = s->slots[i];
		if (sl == 0)
			return NONE;
		if ((uint32_t)(sl >> 32) == tag) {
			uint32_t r = (uint32_t)sl - 1;
			if (s->keys[r].len == len && memcmp(s->keys[r].k, k, len) == 0)
				return r;
		}
		i = (i + 1) & s->mask;
	}
}

static uint32_t ht_find(const struct ioc_set *s, const char *k, size_t len)
{
	return s->slots ? ht_find_h(s, k, len, key_hash(s, k, len)) : NONE;
}

/* A slot holds the low 32 bits of the key's hash (which also give its home
 * index, so growing never rehashes) and the rule index + 1. */
static void ht_put(uint64_t *slots, uint32_t mask, uint32_t h, uint32_t rule)
{
	uint32_t i = h & mask;
	while (slots[i] != 0)
		i = (i + 1) & mask;
	slots[i] = ((uint64_t)h << 32) | (uint64_t)(rule + 1);
}

static int ht_grow(struct ioc_set *s, uint32_t want)
{
	uint32_t ncap = s->slots ? (s->mask + 1) * 2 : 1024;
	while (ncap < want * 2)
		ncap *= 2;
	uint64_t *ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return -1;
	if (s->slots) {
		for (uint32_t i = 0; i <= s->mask; i++) {
			uint64_t sl = s->slots[i];
			if (!sl)
				continue;
			ht_put(ns, ncap - 1, (uint32_t)(sl >> 32), (uint32_t)sl - 1);
		}
		s->bytes -= (size_t)(s->mask + 1) * sizeof *s->slots;
		free(s->slots);
	}
	s->slots = ns;
	s->mask = ncap - 1;
	s->bytes += (size_t)ncap * sizeof *ns;
	return 0;
}

/* ---- builder ------------------------------------------------------------- */

/* A small string set used while building (interning, dual-use names). */
struct sset {
	const char **v;
	uint32_t mask, n;
};

struct ioc_b {
	struct ioc_set *s;
	const char *source;   /* interned */
	FILE *warn;
	struct sset intern;
	struct sset dualuse;
	uint32_t *tail;       /* per head rule: last rule of its chain */
	uint32_t tailcap;
	uint32_t feed_first;  /* rule count when the current feed started */
	const char *icache[3];/* last family, comment, category interned */
};

static uint64_t sset_hash(const char *p, size_t n)
{
	/* FNV-1a: build-time only, on trusted strings */
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static const char *sset_find(const struct sset *t, const char *p, size_t n)
{
	if (!t->v)
		return NULL;
	uint32_t i = (uint32_t)sset_hash(p, n) & t->mask;
	while (t->v[i]) {
		if (strncmp(t->v[i], p, n) == 0 && t->v[i][n] == '\0')
			return t->v[i];
		i = (i + 1) & t->mask;
	}
	return NULL;
}

static int sset_add(struct sset *t, const char *str)
{
	if (!t->v || (t->n + 1) * 2 > t->mask + 1) {
		uint32_t ncap = t->v ? (t->mask + 1) * 2 : 256;
		const char **nv = calloc(ncap, sizeof *nv);
		if (!nv)
			return -1;
		for (uint32_t i = 0; t->v && i <= t->mask; i++) {
			if (!t->v[i])
				continue;
			uint32_t j = (uint32_t)sset_hash(t->v[i], strlen(t->v[i])) & (ncap - 1);
			while (nv[j])
				j = (j + 1) & (ncap - 1);
			nv[j] = t->v[i];
		}
		free(t->v);
		t->v = nv;
		t->mask = ncap - 1;
	}
	uint32_t i = (uint32_t)sset_hash(str, strlen(str)) & t->mask;
	while (t->v[i])
		i = (i + 1) & t->mask;
	t->v[i] = str;
	t->n++;
	return 0;
}

static void sset_free(struct sset *t)
{
	free(t->v);
	t->v = NULL;
	t->n = t->mask = 0;
}

/* Intern a string in the set's arena: equal strings share storage.  Feeds
 * repeat the same family and comment line after line: a one-entry cache per
 * slot skips the lookup then. */
static const char *intern(struct ioc_b *b, const char *p, size_t n);

static const char *intern_cached(struct ioc_b *b, int slot, const char *p)
{
	size_t n = strlen(p);
	const char *c = b->icache[slot];
	if (c && strncmp(c, p, n) == 0 && c[n] == '\0')
		return c;
	c = intern(b, p, n);
	b->icache[slot] = c;
	return c;
}

static const char *intern(struct ioc_b *b, const char *p, size_t n)
{
	const char *f = sset_find(&b->intern, p, n);
	if (f)
		return f;
	char *d = arena_strndup(b->s, p, n);
	if (!d || sset_add(&b->intern, d) != 0)
		return NULL;
	return d;
}

const char *ioc_b_source(const struct ioc_b *b)
{
	return b->source;
}

static void vformat(struct ioc_b *b, uint32_t line, const char *where, char *out,
                    size_t outlen, const char *fmt, va_list ap)
{
	char src[256], msg[768], wh[160];
	sw_esc_buf(src, sizeof src, b->source, strlen(b->source));
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (line)
		snprintf(out, outlen, "%s:%lu: %s", src, (unsigned long)line, msg);
	else if (where) {
		sw_esc_buf(wh, sizeof wh, where, strlen(where));
		snprintf(out, outlen, "%s: %s: %s", src, wh, msg);
	}
	else
		snprintf(out, outlen, "%s: %s", src, msg);
}

void ioc_b_warn(struct ioc_b *b, uint32_t line, const char *where, const char *fmt, ...)
{
	if (!b->warn)
		return;
	char out[1100];
	va_list ap;
	va_start(ap, fmt);
	vformat(b, line, where, out, sizeof out, fmt, ap);
	va_end(ap);
	fprintf(b->warn, "%s\n", out);
}

void ioc_b_err(struct ioc_b *b, uint32_t line, const char *where, char *err,
               size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vformat(b, line, where, err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Built-in dual-use names: shared, legitimate services that feeds list next
 * to stalkerware (analytics, crash reporting, push, app packers).  A rule on
 * one of these names or under it gets IOC_CONF_LOW.  Users add their own
 * with ioc_load_opts.dualuse_file (docs/ioc-format.md).
 */
static const char *const dualuse_builtin[] = {
	"umeng.com", "umengcloud.com", "crashlytics.com", "app-measurement.com",
	"google-analytics.com", "googletagmanager.com", "doubleclick.net",
	"branch.io", "app.link", "mixpanel.com", "appsflyer.com", "adjust.com",
	"amplitude.com", "flurry.com", "onesignal.com", "pushy.me", "bugsnag.com",
	"sentry.io", "instabug.com", "applovin.com", "unity3d.com", "facebook.com",
	"graph.facebook.com", "fbcdn.net", "jpush.cn", "jpush.io", "getui.com",
	"igexin.com", "bugly.qq.com", "qq.com", "baidu.com", "talkingdata.com",
	"jiagu.360.cn", "bangcle.com", "ijiami.cn", "secneo.com", "apkprotect.com",
	"smartlook.com", "yandex.ru", "appmetrica.yandex.net", "startappservice.com",
	"inmobi.com", "chartboost.com", "vungle.com", "ironsrc.com", "ip-api.com",
	"ipinfo.io", "api.ipify.org", "pusher.com", "pubnub.com", "twilio.com",
	"smsapi.com", "paypal.com", "stripe.com", "dropboxapi.com", "dropbox.com",
	"apprtc.appspot.com", "whatsapp.net", "telegram.org",
	NULL
};

static bool dualuse_match(const struct ioc_b *b, const char *host, size_t n)
{
	if (!b->dualuse.v)
		return false;
	size_t i = 0;
	for (;;) {
		if (sset_find(&b->dualuse, host + i, n - i))
			return true;
		const char *d = memchr(host + i, '.', n - i);
		if (!d)
			return false;
		i = (size_t)(d - host) + 1;
	}
}

static int load_dualuse_file(struct ioc_b *b, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[SW_IOC_LINE_MAX];
	unsigned long ln = 0;
	while (fgets(line, sizeof line, f)) {
		ln++;
		size_t ll = strlen(line);
		while (ll && (line[ll - 1] == '\n' || line[ll - 1] == '\r'))
			line[--ll] = '\0';
		const char *p = line, *end = line + ll, *tok;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end || *p == '#' || *p == '\n' || *p == '\r')
			continue;
		size_t tl = ioc_token(&p, end, &tok);
		char h[SW_HOST_BUF];
		size_t hl;
		if (hn_normalise((const uint8_t *)tok, tl, h, &hl) != HN_NAME) {
			char e[128];
			sw_esc_buf(e, sizeof e, tok, tl);
			snprintf(err, errlen, "%s:%lu: not a host name: %s", path, ln, e);
			fclose(f);
			return -1;
		}
		if (!sset_find(&b->dualuse, h, hl)) {
			char *d = arena_strndup(b->s, h, hl);
			if (!d || sset_add(&b->dualuse, d) != 0) {
				fclose(f);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		}
	}
	fclose(f);
	return 0;
}

static struct ioc_b *b_new(const struct ioc_load_opts *o, char *err, size_t errlen)
{
	struct ioc_b *b = calloc(1, sizeof *b);
	struct ioc_set *s = calloc(1, sizeof *s);
	if (!b || !s) {
		free(b);
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->s = s;
	b->warn = o ? o->warn : NULL;
	b->source = "";
	uint64_t seed[2];
	if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
		/* no entropy: a fixed key still works, it only loses the
		 * protection against crafted collisions */
		seed[0] = 0x0706050403020100ULL;
		seed[1] = 0x0f0e0d0c0b0a0908ULL;
	}
	s->k0 = seed[0];
	s->k1 = seed[1];
	s->bytes = sizeof *s;
	if (!o || !o->no_dualuse_builtin)
		for (size_t i = 0; dualuse_builtin[i]; i++)
			if (sset_add(&b->dualuse, dualuse_builtin[i]) != 0)
				goto oom;
	if (o && o->dualuse_file && load_dualuse_file(b, o->dualuse_file, err, errlen) != 0)
		goto fail;
	return b;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	sset_free(&b->dualuse);
	ioc_set_free(s);
	free(b);
	return NULL;
}

/* Finish: drop build-time state, keep the set. */
static struct ioc_set *b_finish(struct ioc_b *b)
{
	struct ioc_set *s = b->s;
	sset_free(&b->intern);
	sset_free(&b->dualuse);
	free(b->tail);
	free(b);
	return s;
}

static void b_abort(struct ioc_b *b)
{
	struct ioc_set *s = b->s;
	sset_free(&b->intern);
	sset_free(&b->dualuse);
	free(b->tail);
	free(b);
	ioc_set_free(s);
}

static unsigned count_labels(const char *k, size_t n)
{
	unsigned c = 1;
	for (size_t i = 0; i < n; i++)
		c += k[i] == '.';
	return c;
}

/* Make room for at least want rules (and their keys in the index). */
static int b_reserve(struct ioc_b *b, uint32_t want)
{
	struct ioc_set *s = b->s;
	if (want > SW_IOC_RULES_MAX)
		want = SW_IOC_RULES_MAX;
	if (want <= s->cap)
		return 0;
	struct ioc_rule *nr = realloc(s->rules, (size_t)want * sizeof *nr);
	if (!nr)
		return -1;
	s->rules = nr;
	struct ikey *nk = realloc(s->keys, (size_t)want * sizeof *nk);
	if (!nk)
		return -1;
	s->keys = nk;
	uint32_t *nt = realloc(b->tail, (size_t)want * sizeof *nt);
	if (!nt)
		return -1;
	b->tail = nt;
	s->bytes += (size_t)(want - s->cap) * (sizeof *nr + sizeof *nk);
	s->cap = want;
	if ((s->slots ? s->mask + 1 : 0) < want * 2 && want > 1024)
		return ht_grow(s, want);
	return 0;
}

/*
 * Append a rule (pattern already canonical) or merge it into an identical
 * one.  key/keylen point into pattern or into arena memory that lives as
 * long as the set.
 */
static enum ioc_add_res add_rule(struct ioc_b *b, const struct ioc_cand *c,
                                 uint8_t type, uint8_t prov, const char *pattern,
                                 size_t patlen, size_t keyoff, size_t keylen,
                                 const char *binkey, size_t pathoff, uint8_t conf,
                                 char *err, size_t errlen)
{
	struct ioc_set *s = b->s;
	const char *fam = intern_cached(b, 0, c->family && *c->family ? c->family : "unknown");
	const char *com = intern_cached(b, 1, c->comment ? c->comment : "");
	const char *cat = intern_cached(b, 2, c->category ? c->category : "");
	if (!fam || !com || !cat)
		goto oom;

	/* an identical rule already there (same key, type, family, source,
	 * path)?  merge: keep the first, the higher confidence, both comments */
	const char *key = binkey ? binkey : pattern + keyoff;
	uint32_t h = key_hash(s, key, keylen);
	uint32_t head = ht_find_h(s, key, keylen, h);
	for (uint32_t r = head; r != NONE; r = s->keys[r].next) {
		struct ioc_rule *o = &s->rules[r];
		if (o->type != type || o->family != fam || o->source != b->source)
			continue;
		if (type == IOC_URL && strcmp(o->pattern, pattern) != 0)
			continue;
		if (conf > o->confidence)
			o->confidence = conf;
		if (com[0] && o->comment != com && !strstr(o->comment, com)) {
			size_t l1 = strlen(o->comment), l2 = strlen(com);
			if (l1 + l2 + 3 < 512) {
				char *m = arena_alloc(s, l1 + l2 + 3, 1);
				if (!m)
					goto oom;
				memcpy(m, o->comment, l1);
				memcpy(m + l1, "; ", 2);
				memcpy(m + l1 + 2, com, l2 + 1);
				if (!l1)
					memmove(m, m + 2, l2 + 1);
				o->comment = m;
			}
		}
		if (c->line)
			ioc_b_warn(b, c->line, c->where, "note: %s duplicates line %lu, merged",
			           o->pattern, (unsigned long)o->line);
		return IOC_ADD_OK;
	}

	if (s->n >= SW_IOC_RULES_MAX) {
		ioc_b_err(b, c->line, c->where, err, errlen, "too many rules");
		return IOC_ADD_ERROR;
	}
	if (s->n == s->cap && b_reserve(b, s->cap ? s->cap * 2 : 256) != 0)
		goto oom;
	if (head == NONE && (s->nkeys + 1) * 2 > (s->slots ? s->mask + 1 : 0))
		if (ht_grow(s, s->nkeys + 1) != 0)
			goto oom;

	const char *pat = arena_strndup(s, pattern, patlen);

	if (!pat)
		goto oom;
	if (binkey) {
		char *k = arena_alloc(s, keylen, 1);
		if (!k)
			goto oom;
		memcpy(k, binkey, keylen);
		key = k;
	} else {
		key = pat + keyoff;
	}
	uint32_t id = s->n++;
	struct ioc_rule *r = &s->rules[id];
	r->pattern = pat;
	r->family = fam;
	r->source = b->source;
	r->comment = com;
	r->category = cat;
	r->line = c->line;
	r->type = type;
	r->confidence = conf;
	r->provider = prov;
	s->keys[id].k = key;
	s->keys[id].len = (uint16_t)keylen;
	s->keys[id].pathoff = (uint16_t)pathoff;
	s->keys[id].next = NONE;
	if (head == NONE) {
		ht_put(s->slots, s->mask, h, id);
		s->nkeys++;
		b->tail[id] = id;
	} else {
		s->keys[b->tail[head]].next = id;
		b->tail[head] = id;
	}
	if (type == IOC_DOMAIN || type == IOC_EXACT || type == IOC_URL) {
		unsigned nl = count_labels(key, keylen);
		if (nl > s->max_labels)
			s->max_labels = nl;
	} else if (type == IOC_S3 || type == IOC_TENANT) {
		s->ntenant++;
	}
	return IOC_ADD_OK;
oom:
	snprintf(err, errlen, "out of memory");
	return IOC_ADD_ERROR;
}

/* ---- canonicalisation of one candidate ----------------------------------- */

static int default_conf(const struct ioc_cand *c, int fallback)
{
	return c->confidence >= 0 ? c->confidence : fallback;
}

static enum ioc_add_res fail_or_skip(struct ioc_b *b, const struct ioc_cand *c,
                                     char *err, size_t errlen, const char *what,
                                     const char *val, size_t vallen)
{
	char e[300];
	sw_esc_buf(e, sizeof e, val, vallen);
	if (c->lenient) {
		ioc_b_warn(b, c->line, c->where, "skipped %s: %s", e, what);
		return IOC_ADD_SKIPPED;
	}
	ioc_b_err(b, c->line, c->where, err, errlen, "%s: %s", e, what);
	return IOC_ADD_ERROR;
}

static enum ioc_add_res add_tenant(struct ioc_b *b, const struct ioc_cand *c,
                                   enum ioc_provider p, const char *t, size_t tl,
                                   char *err, size_t errlen)
{
	const char *why = NULL;
	char low[SW_HOST_BUF];
	if (tl >= sizeof low)
		return fail_or_skip(b, c, err, errlen, "tenant name too long", c->text, c->textlen);
	for (size_t i = 0; i < tl; i++)
		low[i] = (char)hn_lower((uint8_t)t[i]);
	if (!ioc_tenant_valid(p, low, tl, &why)) {
		char e[400], te[200];
		sw_esc_buf(te, sizeof te, t, tl);
		snprintf(e, sizeof e, "%s is not a valid %s tenant name (%s)", te,
		         ioc_provider_name(p), why);
		return fail_or_skip(b, c, err, errlen, e, c->text, c->textlen);
	}
	char pat[SW_HOST_BUF + 32];
	int pl = snprintf(pat, sizeof pat, "%s:%.*s", ioc_provider_name(p), (int)tl, low);
	int conf = default_conf(c, IOC_CONF_HIGH);
	char dk[SW_HOST_BUF + 32];
	memcpy(dk, pat, (size_t)pl);
	if (conf > IOC_CONF_LOW && b->dualuse.v && sset_find(&b->dualuse, dk, (size_t)pl))
		conf = IOC_CONF_LOW;
	return add_rule(b, c, p == IOC_PROV_S3 ? IOC_S3 : IOC_TENANT, (uint8_t)p, pat,
	                (size_t)pl, 0, (size_t)pl, NULL, 0, (uint8_t)conf, err, errlen);
}

/* IP or CIDR rule from the text a (no '/') and prefix length plen (-1: full). */
static enum ioc_add_res add_ip(struct ioc_b *b, const struct ioc_cand *c,
                               const char *a, size_t al, int plen,
                               char *err, size_t errlen)
{
	char tmp[64];
	uint8_t bin[16];
	int fam;
	if (al == 0 || al >= sizeof tmp)
		return fail_or_skip(b, c, err, errlen, "not an IP address", c->text, c->textlen);
	memcpy(tmp, a, al);
	tmp[al] = '\0';
	if (al > 2 && tmp[0] == '[' && tmp[al - 1] == ']') {
		memmove(tmp, tmp + 1, al - 2);
		tmp[al - 2] = '\0';
	}
	if (inet_pton(AF_INET, tmp, bin) == 1)
		fam = 4;
	else if (inet_pton(AF_INET6, tmp, bin) == 1)
		fam = 6;
	else
		return fail_or_skip(b, c, err, errlen, "not an IP address", c->text, c->textlen);
	int bits = fam == 4 ? 32 : 128;
	if (plen < 0)
		plen = bits;
	if (plen > bits)
		return fail_or_skip(b, c, err, errlen, "prefix length too long", c->text, c->textlen);
	if (plen == 0)
		return fail_or_skip(b, c, err, errlen, "a /0 prefix would match every address", c->text, c->textlen);
	/* mask host bits */
	int nbytes = bits / 8;
	bool hostbits = false;
	for (int i = 0; i < nbytes; i++) {
		int keep = plen - i * 8;
		uint8_t m = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
		if (bin[i] & (uint8_t)~m)
			hostbits = true;
		bin[i] &= m;
	}
	char canon[64];
	inet_ntop(fam == 4 ? AF_INET : AF_INET6, bin, canon, sizeof canon);
	if (hostbits)
		ioc_b_warn(b, c->line, c->where, "note: host bits set in %s/%d, using %s/%d",
		           tmp, plen, canon, plen);
	char pat[80];
	int pl = plen == bits ? snprintf(pat, sizeof pat, "%s", canon) :
	                        snprintf(pat, sizeof pat, "%s/%d", canon, plen);
	char key[18];
	key[0] = (char)fam;
	key[1] = (char)plen;
	memcpy(key + 2, bin, (size_t)nbytes);
	struct ioc_set *s = b->s;
	if (fam == 4)
		s->v4lens |= 1ULL << plen;
	else
		s->v6lens[plen / 64] |= 1ULL << (plen % 64);
	return add_rule(b, c, IOC_IP, 0, pat, (size_t)pl, 0, (size_t)(2 + nbytes), key, 0,
	                (uint8_t)default_conf(c, IOC_CONF_LOW), err, errlen);
}

/* Replace defanged spellings in place: "[.]" "(.)" "{.}" "[dot]" -> ".",
 * "hxxp" -> "http", "[:]" -> ":".  Returns true when something changed. */
static bool defang(char *p, size_t *n)
{
	static const struct { const char *from, *to; } tab[] = {
		{ "[.]", "." }, { "(.)", "." }, { "{.}", "." }, { "[dot]", "." },
		{ "(dot)", "." }, { "[:]", ":" }, { "hxxps", "https" }, { "hxxp", "http" },
		{ "[://]", "://" }, { NULL, NULL }
	};
	bool changed = false;
	for (size_t t = 0; tab[t].from; t++) {
		size_t fl = strlen(tab[t].from), tl = strlen(tab[t].to);
		for (size_t i = 0; i + fl <= *n;) {
			if (strncasecmp(p + i, tab[t].from, fl) == 0 && tl <= fl) {
				memcpy(p + i, tab[t].to, tl);
				memmove(p + i + tl, p + i + fl, *n - i - fl);
				*n -= fl - tl;
				i += tl;
				changed = true;
			} else {
				i++;
			}
		}
	}
	return changed;
}

/* Obvious placeholders in feeds: a label with "x" digits ("a7xx"),
 * "example.com" names, ellipses. */
static bool placeholder(const char *h, size_t n)
{
	if (memmem(h, n, "...", 3) || memmem(h, n, "\xe2\x80\xa6", 3))
		return true;
	size_t i = 0;
	while (i < n) {
		size_t e = i;
		while (e < n && h[e] != '.')
			e++;
		/* a digit followed by two or more x ending the label: a7xx, a8xx */
		if (e - i >= 3 && h[e - 1] == 'x' && h[e - 2] == 'x') {
			size_t k = e;
			while (k > i && h[k - 1] == 'x')
				k--;
			if (k > i && h[k - 1] >= '0' && h[k - 1] <= '9')
				return true;
		}
		i = e + 1;
	}
	static const char *const ex[] = { "example.com", "example.org", "example.net", NULL };
	for (size_t k = 0; ex[k]; k++) {
		size_t l = strlen(ex[k]);
		if (n >= l && strcmp(h + n - l, ex[k]) == 0 && (n == l || h[n - l - 1] == '.'))
			return true;
	}
	return false;
}

/* Punycode (RFC 3492) of the UTF-8 label in[0..n) into out as "xn--...".
 * Returns the output length, or 0 when the input is not valid UTF-8 or the
 * result does not fit. */
static size_t punycode_label(const char *in, size_t n, char *out, size_t cap)
{
	uint32_t cps[SW_LABEL_MAX * 4];
	size_t ncp = 0;
	for (size_t i = 0; i < n;) {
		uint8_t c = (uint8_t)in[i];
		uint32_t cp;
		size_t k;
		if (c < 0x80) { cp = hn_lower(c); k = 1; }
		else if ((c & 0xe0) == 0xc0) { cp = c & 0x1f; k = 2; }
		else if ((c & 0xf0) == 0xe0) { cp = c & 0x0f; k = 3; }
		else if ((c & 0xf8) == 0xf0) { cp = c & 0x07; k = 4; }
		else return 0;
		if (i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++) {
			uint8_t cc = (uint8_t)in[i + j];
			if ((cc & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (cc & 0x3f);
		}
		if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		if (ncp == sizeof cps / sizeof cps[0])
			return 0;
		cps[ncp++] = cp;
		i += k;
	}
	enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700, IBIAS = 72, INITN = 128 };
	size_t o = 0;
	if (cap < 5)
		return 0;
	memcpy(out, "xn--", 4);
	o = 4;
	size_t basic = 0;
	for (size_t i = 0; i < ncp; i++)
		if (cps[i] < 0x80) {
			if (o + 1 >= cap)
				return 0;
			out[o++] = (char)cps[i];
			basic++;
		}
	if (basic == ncp)
		return 0; /* all ASCII: nothing to encode */
	if (basic > 0) {
		if (o + 1 >= cap)
			return 0;
		out[o++] = '-';
	}
	uint32_t nn = INITN, delta = 0, bias = IBIAS;
	size_t h = basic;
	while (h < ncp) {
		uint32_t m = UINT32_MAX;
		for (size_t i = 0; i < ncp; i++)
			if (cps[i] >= nn && cps[i] < m)
				m = cps[i];
		if ((uint64_t)(m - nn) * (h + 1) + delta > UINT32_MAX)
			return 0;
		delta += (m - nn) * (uint32_t)(h + 1);
		nn = m;
		for (size_t i = 0; i < ncp; i++) {
			if (cps[i] < nn && ++delta == 0)
				return 0;
			if (cps[i] != nn)
				continue;
			uint32_t q = delta;
			for (uint32_t k = BASE;; k += BASE) {
				uint32_t t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
				if (q < t)
					break;
				uint32_t d = t + (q - t) % (BASE - t);
				if (o + 1 >= cap)
					return 0;
				out[o++] = (char)(d < 26 ? 'a' + d : '0' + d - 26);
				q = (q - t) / (BASE - t);
			}
			if (o + 1 >= cap)
				return 0;
			out[o++] = (char)(q < 26 ? 'a' + q : '0' + q - 26);
			/* adapt */
			uint32_t dd = h == basic ? delta / DAMP : delta / 2;
			dd += dd / (uint32_t)(h + 1);
			uint32_t k = 0;
			while (dd > ((BASE - TMIN) * TMAX) / 2) {
				dd /= BASE - TMIN;
				k += BASE;
			}
			bias = k + (BASE - TMIN + 1) * dd / (dd + SKEW);
			delta = 0;
			h++;
		}
		delta++;
		nn++;
	}
	return o;
}

/* IDN host (UTF-8) to its ASCII form, label by label. */
static bool idn_to_ascii(const char *in, size_t n, char *out, size_t cap, size_t *outn)
{
	size_t o = 0, i = 0;
	while (i <= n) {
		size_t e = i;
		while (e < n && in[e] != '.')
			e++;
		bool ascii = true;
		for (size_t k = i; k < e; k++)
			if ((uint8_t)in[k] >= 0x80)
				ascii = false;
		if (ascii) {
			if (o + (e - i) + 1 >= cap)
				return false;
			memcpy(out + o, in + i, e - i);
			o += e - i;
		} else {
			size_t l = punycode_label(in + i, e - i, out + o, cap - o);
			if (l == 0)
				return false;
			o += l;
		}
		if (e >= n)
			break;
		if (o + 1 >= cap)
			return false;
		out[o++] = '.';
		i = e + 1;
	}
	*outn = o;
	return true;
}

static bool starts_scheme(const char *p, size_t n, size_t *skip)
{
	static const char *const sch[] = { "http://", "https://", "ftp://", NULL };
	if (n < 6 || (p[0] != 'h' && p[0] != 'H' && p[0] != 'f' && p[0] != 'F'))
		return false;
	for (size_t i = 0; sch[i]; i++) {
		size_t l = strlen(sch[i]);
		if (n >= l && strncasecmp(p, sch[i], l) == 0) {
			*skip = l;
			return true;
		}
	}
	return false;
}

void ioc_b_count(struct ioc_b *b, const char *field)
{
	struct ioc_set *s = b->s;
	if (!s->nfeeds)
		return;
	struct ioc_feed *f = &s->feeds[s->nfeeds - 1];
	for (unsigned i = 0; i < f->nfields; i++)
		if (!strcmp(f->fields[i].field, field)) {
			f->fields[i].n++;
			return;
		}
	if (f->nfields < IOC_FEED_FIELDS) {
		f->fields[f->nfields].field = field;
		f->fields[f->nfields].n = 1;
		f->nfields++;
	}
}

static enum ioc_add_res b_add(struct ioc_b *b, const struct ioc_cand *c, char *err, size_t errlen);

enum ioc_add_res ioc_b_add(struct ioc_b *b, const struct ioc_cand *c, char *err, size_t errlen)
{
	enum ioc_add_res r = b_add(b, c, err, errlen);
	struct ioc_set *s = b->s;
	if (s->nfeeds) {
		s->feeds[s->nfeeds - 1].values++;
		if (r == IOC_ADD_SKIPPED)
			s->feeds[s->nfeeds - 1].skipped++;
	}
	return r;
}

static enum ioc_add_res b_add(struct ioc_b *b, const struct ioc_cand *c, char *err, size_t errlen)
{
	char buf[SW_IOC_LINE_MAX];
	size_t n = c->textlen;
	const char *orig = c->text;

	if (n == 0)
		return fail_or_skip(b, c, err, errlen, "empty pattern", "", 0);
	if (n >= sizeof buf)
		return fail_or_skip(b, c, err, errlen, "pattern too long", orig, 64);
	memcpy(buf, orig, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)buf[i] < 0x20 || buf[i] == 0x7f)
			return fail_or_skip(b, c, err, errlen, "control character in pattern", orig, n);

	if (c->lenient && defang(buf, &n)) {
		char e1[300], e2[300];
		sw_esc_buf(e1, sizeof e1, orig, c->textlen);
		sw_esc_buf(e2, sizeof e2, buf, n);
		buf[n] = '\0';
		ioc_b_warn(b, c->line, c->where, "note: defanged %s -> %s", e1, e2);
	}
	buf[n] = '\0';

	/* <provider>:<tenant> */
	const char *colon = memchr(buf, ':', n);
	if (colon && colon > buf) {
		enum ioc_provider p = ioc_provider_by_name(buf, (size_t)(colon - buf));
		if (p != IOC_PROV_NONE) {
			if (c->exact)
				return fail_or_skip(b, c, err, errlen,
				                    "'=' applies to host names, not tenants", orig, c->textlen);
			return add_tenant(b, c, p, colon + 1, n - (size_t)(colon - buf) - 1, err, errlen);
		}
	}

	/* URL: scheme://[user@]host[:port]/path */
	size_t skip = 0;
	bool url = starts_scheme(buf, n, &skip);
	char *hp = buf + skip;
	size_t hn = n - skip;
	char *slash = memchr(hp, '/', hn);
	char *qm = memchr(hp, '?', hn);
	if (qm && (!slash || qm < slash))
		slash = qm; /* host?query: path begins at '?' */
	size_t hostlen = slash ? (size_t)(slash - hp) : hn;
	const char *path = slash ? slash : NULL;
	size_t pathlen = slash ? hn - hostlen : 0;

	/* CIDR: a.b.c.d/len, x::/len (not in URLs) */
	if (!url && path && path[0] == '/' && pathlen > 1 && pathlen <= 4) {
		bool digits = true;
		for (size_t i = 1; i < pathlen; i++)
			if (path[i] < '0' || path[i] > '9')
				digits = false;
		if (digits) {
			uint8_t bin[16];
			char tmp[64];
			if (hostlen < sizeof tmp) {
				memcpy(tmp, hp, hostlen);
				tmp[hostlen] = '\0';
				if (inet_pton(AF_INET, tmp, bin) == 1 || inet_pton(AF_INET6, tmp, bin) == 1)
					return add_ip(b, c, hp, hostlen, atoi(path + 1), err, errlen);
			}
		}
	}

	if (url) {
		/* drop user info and port from the authority */
		char *at = memchr(hp, '@', hostlen);
		if (at) {
			size_t d = (size_t)(at - hp) + 1;
			hp += d;
			hostlen -= d;
		}
		if (hostlen && hp[0] != '[') {
			char *pc = memchr(hp, ':', hostlen);
			if (pc)
				hostlen = (size_t)(pc - hp);
		} else if (hostlen && hp[0] == '[') {
			char *rb = memchr(hp, ']', hostlen);
			if (rb)
				hostlen = (size_t)(rb - hp) + 1;
		}
	} else if (c->lenient && hostlen && hp[0] != '[' && memchr(hp, ':', hostlen)) {
		/* host:port in a host field (but not a bare IPv6 literal) */
		char *pc = memchr(hp, ':', hostlen);
		bool v6 = memchr(pc + 1, ':', hostlen - (size_t)(pc - hp) - 1) != NULL;
		if (!v6) {
			char e[300];
			sw_esc_buf(e, sizeof e, hp, hostlen);
			ioc_b_warn(b, c->line, c->where, "note: port dropped from %s", e);
			hostlen = (size_t)(pc - hp);
		}
	}

	/* IDN -> punycode */
	char idn[SW_HOST_BUF * 2];
	bool nonascii = false;
	for (size_t i = 0; i < hostlen; i++)
		if ((uint8_t)hp[i] >= 0x80)
			nonascii = true;
	if (nonascii) {
		size_t il;
		if (!c->lenient || !idn_to_ascii(hp, hostlen, idn, sizeof idn, &il))
			return fail_or_skip(b, c, err, errlen,
			                    c->lenient ? "not a valid internationalised name" :
			                                 "non-ASCII host name (write it in punycode, xn--...)",
			                    orig, c->textlen);
		char e[300];
		sw_esc_buf(e, sizeof e, hp, hostlen);
		ioc_b_warn(b, c->line, c->where, "note: IDN %s -> %.*s", e, (int)il, idn);
		hp = idn;
		hostlen = il;
	}

	/* a leading "*." wildcard: a domain rule covers subdomains already */
	if (hostlen > 2 && hp[0] == '*' && hp[1] == '.') {
		ioc_b_warn(b, c->line, c->where, "note: wildcard *.%.*s read as %.*s and its subdomains",
		           (int)(hostlen - 2), hp + 2, (int)(hostlen - 2), hp + 2);
		hp += 2;
		hostlen -= 2;
	}

	char host[SW_HOST_BUF];
	size_t hl;
	enum hn_res hr = hn_normalise((const uint8_t *)hp, hostlen, host, &hl);
	if (hr == HN_IP4 || hr == HN_IP6) {
		if (c->exact)
			return fail_or_skip(b, c, err, errlen, "'=' applies to host names, not addresses",
			                    orig, c->textlen);
		if (c->lenient)
			ioc_b_warn(b, c->line, c->where, "note: %s on an address read as IP rule %s",
			           url || pathlen ? "URL" : "host field", host);
		return add_ip(b, c, host, hl, -1, err, errlen);
	}
	if (hr != HN_NAME) {
		char e[120];
		snprintf(e, sizeof e, "not a host name (%s)", hn_res_str(hr));
		return fail_or_skip(b, c, err, errlen, e, orig, c->textlen);
	}
	if (c->lenient && placeholder(host, hl)) {
		ioc_b_warn(b, c->line, c->where, "skipped %s: looks like a placeholder, not a name", host);
		return IOC_ADD_SKIPPED;
	}

	/* path: keep up to '#'; a lone "/" is no path */
	if (path) {
		const char *hash = memchr(path, '#', pathlen);
		if (hash)
			pathlen = (size_t)(hash - path);
		for (size_t i = 0; i < pathlen; i++)
			if (path[i] == ' ' || path[i] == '\t')
				return fail_or_skip(b, c, err, errlen, "blank in path", orig, c->textlen);
		if (pathlen == 1 && path[0] == '/')
			pathlen = 0;
		if (pathlen && path[0] != '/') {
			/* "host?query": keep it as a path "/?query" is odd; refuse */
			return fail_or_skip(b, c, err, errlen, "path must start with '/'", orig, c->textlen);
		}
		if (pathlen > SW_PATH_STORE)
			return fail_or_skip(b, c, err, errlen, "path too long", orig, c->textlen);
	}

	/* cloud tenants: <bucket>.s3...amazonaws.com, s3.amazonaws.com/<bucket> */
	char t[SW_HOST_BUF];
	struct ioc_tsplit ts;
	ioc_tenant_split(host, hl, pathlen ? path : NULL, pathlen, t, sizeof t, &ts);
	if (!c->exact) {
		if (ts.prov != IOC_PROV_NONE && ts.tlen) {
			char pe[300], te[300];
			sw_esc_buf(pe, sizeof pe, pathlen ? path : "", pathlen);
			sw_esc_buf(te, sizeof te, t, ts.tlen);
			ioc_b_warn(b, c->line, c->where, "note: %s%s%s read as %s:%s (%s)",
			           host, pathlen ? " " : "", pe, ioc_provider_name(ts.prov), te,
			           ts.from_path ? "path-style" : "tenant host name");
			return add_tenant(b, c, ts.prov, t, ts.tlen, err, errlen);
		}
	}
	const char *why = ioc_platform_refusal_split(host, hl, &ts);
	if (why && pathlen) {
		/* a URL on a shared platform: the URL rule is precise, a host
		 * rule would not be */
		int conf = default_conf(c, IOC_CONF_HIGH);
		char pat[SW_HOST_BUF + SW_PATH_STORE + 2];
		memcpy(pat, host, hl);
		memcpy(pat + hl, path, pathlen);
		if (c->lenient)
			ioc_b_warn(b, c->line, c->where, "note: URL rule only, no host rule on %s: %s",
			           host, why);
		return add_rule(b, c, IOC_URL, 0, pat, hl + pathlen, 0, hl, NULL, hl, (uint8_t)conf,
		                err, errlen);
	}
	if (why) {
		char e[400];
		snprintf(e, sizeof e, "refused: %s", why);
		if (c->lenient) {
			ioc_b_warn(b, c->line, c->where, "refused %s: %s", host, why);
			return IOC_ADD_SKIPPED;
		}
		return fail_or_skip(b, c, err, errlen, e, host, hl);
	}

	int conf = default_conf(c, IOC_CONF_HIGH);
	if (conf > IOC_CONF_LOW && dualuse_match(b, host, hl))
		conf = IOC_CONF_LOW;

	if (pathlen) {
		char pat[SW_HOST_BUF + SW_PATH_STORE + 2];
		memcpy(pat, host, hl);
		memcpy(pat + hl, path, pathlen);
		enum ioc_add_res r = add_rule(b, c, IOC_URL, 0, pat, hl + pathlen, 0, hl, NULL, hl,
		                              (uint8_t)conf, err, errlen);
		if (r != IOC_ADD_OK || !c->lenient)
			return r;
		ioc_b_warn(b, c->line, c->where, "note: URL also read as host rule %s", host);
	}
	if (c->exact) {
		char pat[SW_HOST_BUF + 1];
		pat[0] = '=';
		memcpy(pat + 1, host, hl);
		return add_rule(b, c, IOC_EXACT, 0, pat, hl + 1, 1, hl, NULL, 0, (uint8_t)conf,
		                err, errlen);
	}
	return add_rule(b, c, IOC_DOMAIN, 0, host, hl, 0, hl, NULL, 0, (uint8_t)conf, err, errlen);
}

/* ---- loading ------------------------------------------------------------- */

static int feed_add(struct ioc_b *b, const char *source, enum ioc_format f,
                    const void *buf, size_t len)
{
	struct ioc_set *s = b->s;
	if (s->nfeeds == s->feedcap) {
		size_t nc = s->feedcap ? s->feedcap * 2 : 4;
		struct ioc_feed *nf = realloc(s->feeds, nc * sizeof *nf);
		if (!nf)
			return -1;
		s->feeds = nf;
		s->feedcap = nc;
	}
	struct ioc_feed *fd = &s->feeds[s->nfeeds++];
	memset(fd, 0, sizeof *fd);
	fd->source = source;
	fd->format = ioc_format_str(f);
	unsigned char md[32];
	unsigned int mdl = 0;
	if (EVP_Digest(buf, len, md, &mdl, EVP_sha256(), NULL) != 1 || mdl != 32)
		return -1;
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		fd->sha256[2 * i] = hx[md[i] >> 4];
		fd->sha256[2 * i + 1] = hx[md[i] & 15];
	}
	fd->sha256[64] = '\0';
	return 0;
}

static int import_buf(struct ioc_b *b, const char *source, const char *buf, size_t len,
                      char *err, size_t errlen)
{
	b->source = intern(b, source, strlen(source));
	if (!b->source) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	enum ioc_format f = ioc_format_detect(buf, len);
	if (feed_add(b, b->source, f, buf, len) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	uint32_t before = b->s->n;
	int rc;
	if (f == IOC_FMT_NATIVE || f == IOC_FMT_PLAIN || f == IOC_FMT_HOSTS || f == IOC_FMT_ECHAP_CSV) {
		/* at most one rule per line: size the arrays and the index once */
		size_t lines = 1;
		for (const char *p = buf, *e = buf + len; (p = memchr(p, '\n', (size_t)(e - p))); p++)
			lines++;
		if (lines > SW_IOC_RULES_MAX)
			lines = SW_IOC_RULES_MAX;
		if (b_reserve(b, (uint32_t)(b->s->n + lines)) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	switch (f) {
	case IOC_FMT_NATIVE:
		rc = ioc_import_native(b, buf, len, err, errlen);
		break;
	case IOC_FMT_HOSTS:
	case IOC_FMT_PLAIN:
	case IOC_FMT_ECHAP_CSV:
		rc = ioc_import_lines(b, f, buf, len, err, errlen);
		break;
	case IOC_FMT_ECHAP_YAML:
		rc = ioc_import_echap_yaml(b, buf, len, err, errlen);
		break;
	case IOC_FMT_STIX2:
	case IOC_FMT_TINYCHECK:
		rc = ioc_import_json(b, f, buf, len, err, errlen);
		break;
	default:
		ioc_b_err(b, 0, NULL, err, errlen, "unrecognised format");
		rc = -1;
		break;
	}
	b->s->feeds[b->s->nfeeds - 1].rules = b->s->n - before;
	return rc;
}

/* Read a whole file (at most SW_IOC_FILE_MAX bytes). */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	char ep[256];
	sw_esc_buf(ep, sizeof ep, path, strlen(path));
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", ep, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", ep);
		fclose(f);
		return NULL;
	}
	if ((unsigned long long)st.st_size > SW_IOC_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %lu bytes", ep, (unsigned long)SW_IOC_FILE_MAX);
		fclose(f);
		return NULL;
	}
	size_t n = (size_t)st.st_size;
	char *buf = malloc(n + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", ep);
		fclose(f);
		return NULL;
	}
	size_t got = fread(buf, 1, n, f);
	if (got != n || ferror(f)) {
		snprintf(err, errlen, "%s: read error", ep);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

struct ioc_set *ioc_set_load_opts(const char *const *files, size_t nfiles,
                                  const struct ioc_load_opts *opts,
                                  char *err, size_t errlen)
{
	char dummy[8];
	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	struct ioc_b *b = b_new(opts, err, errlen);
	if (!b)
		return NULL;
	if (nfiles == 0) {
		if (import_buf(b, "bundled", (const char *)sw_bundled_rules,
		               (size_t)sw_bundled_rules_len, err, errlen) != 0) {
			b_abort(b);
			return NULL;
		}
		return b_finish(b);
	}
	for (size_t i = 0; i < nfiles; i++) {
		size_t len;
		char *buf = read_file(files[i], &len, err, errlen);
		if (!buf) {
			b_abort(b);
			return NULL;
		}
		int rc = import_buf(b, files[i], buf, len, err, errlen);
		free(buf);
		if (rc != 0) {
			b_abort(b);
			return NULL;
		}
	}
	return b_finish(b);
}

struct ioc_set *ioc_set_load(const char *const *files, size_t nfiles,
                             FILE *warn, char *err, size_t errlen)
{
	struct ioc_load_opts o = { .warn = warn };
	return ioc_set_load_opts(files, nfiles, &o, err, errlen);
}

struct ioc_set *ioc_set_load_mem(const char *buf, size_t len, const char *source,
                                 FILE *warn, char *err, size_t errlen)
{
	char dummy[8];
	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	struct ioc_load_opts o = { .warn = warn };
	struct ioc_b *b = b_new(&o, err, errlen);
	if (!b)
		return NULL;
	if (import_buf(b, source ? source : "memory", buf ? buf : "", buf ? len : 0,
	               err, errlen) != 0) {
		b_abort(b);
		return NULL;
	}
	return b_finish(b);
}

void ioc_set_free(struct ioc_set *s)
{
	if (!s)
		return;
	struct chunk *c = s->arena;
	while (c) {
		struct chunk *nx = c->next;
		free(c);
		c = nx;
	}
	free(s->rules);
	free(s->keys);
	free(s->slots);
	free(s->feeds);
	free(s);
}

size_t ioc_set_count(const struct ioc_set *s)
{
	return s ? s->n : 0;
}

const struct ioc_rule *ioc_rule_get(const struct ioc_set *s, uint32_t id)
{
	return s && id < s->n ? &s->rules[id] : NULL;
}

size_t ioc_set_feeds(const struct ioc_set *s, const struct ioc_feed **out)
{
	*out = s ? s->feeds : NULL;
	return s ? s->nfeeds : 0;
}

size_t ioc_set_memory(const struct ioc_set *s)
{
	return s ? s->bytes + s->feedcap * sizeof(struct ioc_feed) : 0;
}

/* ---- matching ------------------------------------------------------------ */

static void emit(struct ioc_match *m, size_t max, size_t *found, uint32_t r,
                 uint8_t how, uint8_t form)
{
	if (*found < max) {
		m[*found].rule = r;
		m[*found].how = how;
		m[*found].form = form;
	}
	(*found)++;
}

/* Skip scheme://authority of an absolute-form request target. */
static void origin_path(const char **p, size_t *n)
{
	const char *s = *p;
	size_t len = *n, i = 0;
	while (i < len && i < 16 && s[i] != ':' && s[i] != '/')
		i++;
	if (i + 2 < len && s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') {
		i += 3;
		while (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#')
			i++;
		*p = s + i;
		*n = len - i;
	}
}

static bool url_path_match(const char *rp, size_t rl, const char *p, size_t pl)
{
	if (pl < rl || memcmp(p, rp, rl) != 0)
		return false;
	if (pl == rl || rp[rl - 1] == '/')
		return true;
	char nx = p[rl];
	return nx == '/' || nx == '?' || nx == '#' || nx == ';';
}

size_t ioc_match_probes(const struct ioc_set *s, const char *host, size_t hostlen,
                        const char *path, size_t pathlen,
                        struct ioc_match *m, size_t max, unsigned *probes)
{
	size_t found = 0;
	unsigned np = 0;
	if (!s || !host || hostlen == 0 || hostlen > SW_HOST_MAX || s->n == 0)
		goto out;
	if (!path)
		pathlen = 0;
	if (pathlen)
		origin_path(&path, &pathlen);

	/* 1. label suffixes, left to right, at most max_labels deep */
	if (s->max_labels) {
		unsigned nl = count_labels(host, hostlen);
		size_t pos = 0;
		unsigned lab = 0;
		while (nl - lab > s->max_labels) {
			const char *d = memchr(host + pos, '.', hostlen - pos);
			if (!d)
				goto tenants;
			pos = (size_t)(d - host) + 1;
			lab++;
		}
		for (;;) {
			np++;
			uint32_t r = ht_find(s, host + pos, hostlen - pos);
			for (; r != NONE; r = s->keys[r].next) {
				uint8_t t = s->rules[r].type;
				if (pos == 0) {
					if (t == IOC_DOMAIN || t == IOC_EXACT)
						emit(m, max, &found, r, IOC_HOW_EXACT, 0);
					else if (t == IOC_URL && pathlen) {
						const struct ikey *k = &s->keys[r];
						const char *rp = s->rules[r].pattern + k->pathoff;
						if (url_path_match(rp, strlen(rp), path, pathlen))
							emit(m, max, &found, r, IOC_HOW_URL, 0);
					}
				} else if (t == IOC_DOMAIN) {
					emit(m, max, &found, r, IOC_HOW_SUBDOMAIN, 0);
				}
			}
			const char *d = memchr(host + pos, '.', hostlen - pos);
			if (!d)
				break;
			pos = (size_t)(d - host) + 1;
		}
	}
tenants:
	/* 2. at most one cloud tenant */
	if (s->ntenant) {
		char key[SW_HOST_BUF + 32];
		struct ioc_tsplit ts;
		char *t = key + 16;
		ioc_tenant_split(host, hostlen, path, pathlen, t, SW_HOST_BUF, &ts);
		if (ts.prov != IOC_PROV_NONE && ts.tlen) {
			const char *pn = ioc_provider_name(ts.prov);
			size_t pl = strlen(pn);
			char *k = t - pl - 1;
			memcpy(k, pn, pl);
			k[pl] = ':';
			np++;
			uint32_t r = ht_find(s, k, pl + 1 + ts.tlen);
			uint8_t how = ts.prov == IOC_PROV_S3 ?
			              (ts.from_path ? IOC_HOW_S3_PATH : IOC_HOW_S3_VHOST) :
			              (ts.from_path ? IOC_HOW_TENANT_PATH : IOC_HOW_TENANT_HOST);
			for (; r != NONE; r = s->keys[r].next)
				emit(m, max, &found, r, how, (uint8_t)ts.form);
		}
	}
out:
	if (probes)
		*probes = np;
	return found;
}

size_t ioc_match(const struct ioc_set *s, const char *host, size_t hostlen,
                 const char *path, size_t pathlen, struct ioc_match *m, size_t max)
{
	return ioc_match_probes(s, host, hostlen, path, pathlen, m, max, NULL);
}

size_t ioc_match_ip(const struct ioc_set *s, const struct sw_addr *a,
                    struct ioc_match *m, size_t max)
{
	size_t found = 0;
	if (!s || !a || (a->v != 4 && a->v != 6))
		return 0;
	int bits = a->v == 4 ? 32 : 128;
	char key[18];
	key[0] = (char)a->v;
	for (int plen = bits; plen >= 1; plen--) {
		bool present = a->v == 4 ? (s->v4lens >> plen) & 1 :
		                           (s->v6lens[plen / 64] >> (plen % 64)) & 1;
		if (!present)
			continue;
		key[1] = (char)plen;
		for (int i = 0; i < bits / 8; i++) {
			int keep = plen - i * 8;
			uint8_t msk = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
			key[2 + i] = (char)(a->a[i] & msk);
		}
		uint32_t r = ht_find(s, key, (size_t)(2 + bits / 8));
		for (; r != NONE; r = s->keys[r].next)
			emit(m, max, &found, r, plen == bits ? IOC_HOW_IP : IOC_HOW_CIDR, 0);
	}
	return found;
}

/* ---- names --------------------------------------------------------------- */

const char *ioc_how_str(enum ioc_how h)
{
	switch (h) {
	case IOC_HOW_EXACT: return "exact";
	case IOC_HOW_SUBDOMAIN: return "subdomain";
	case IOC_HOW_S3_VHOST: return "s3-virtual-hosted";
	case IOC_HOW_S3_PATH: return "s3-path-style";
	case IOC_HOW_TENANT_HOST: return "tenant-host";
	case IOC_HOW_TENANT_PATH: return "tenant-path-style";
	case IOC_HOW_URL: return "url";
	case IOC_HOW_IP: return "ip";
	case IOC_HOW_CIDR: return "cidr";
	case IOC_HOW_COUNT: break;
	}
	return "?";
}

const char *ioc_rtype_str(enum ioc_rtype t)
{
	switch (t) {
	case IOC_DOMAIN: return "domain";
	case IOC_EXACT: return "exact";
	case IOC_S3: return "s3";
	case IOC_TENANT: return "tenant";
	case IOC_URL: return "url";
	case IOC_IP: return "ip";
	case IOC_RTYPE_COUNT: break;
	}
	return "?";
}

const char *ioc_conf_str(enum ioc_conf c)
{
	switch (c) {
	case IOC_CONF_LOW: return "low";
	case IOC_CONF_MEDIUM: return "medium";
	case IOC_CONF_HIGH: return "high";
	}
	return "?";
}

const char *ioc_format_str(enum ioc_format f)
{
	switch (f) {
	case IOC_FMT_NATIVE: return "native";
	case IOC_FMT_ECHAP_YAML: return "echap-yaml";
	case IOC_FMT_STIX2: return "stix2";
	case IOC_FMT_TINYCHECK: return "tinycheck-json";
	case IOC_FMT_ECHAP_CSV: return "echap-csv";
	case IOC_FMT_HOSTS: return "hosts";
	case IOC_FMT_PLAIN: return "plain";
	case IOC_FMT_COUNT: break;
	}
	return "?";
}
