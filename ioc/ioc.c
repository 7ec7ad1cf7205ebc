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
 * SipHash-1-3 with a per-set random key, so crafted host names cannot aim at
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
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "daemon/util.h"
#include "dissectors/decode.h"
#include "dissectors/hostname.h"

static char *read_file(const char *path, size_t *len, char *err, size_t errlen);

/* The bundled list (build/gen/bundled.c, made by .ci/embed.sh). */
extern const unsigned char sw_bundled_rules[];
extern const unsigned long sw_bundled_rules_len;

#define NONE UINT32_MAX

/* ---- big allocations -----------------------------------------------------
 *
 * A million rules take about 100 MiB in a few big arrays (rules, keys, hash
 * slots, strings) written once while loading.  Arrays of 2 MiB and more are
 * mapped on their own, 2 MiB-aligned and marked for transparent huge pages:
 * a fault then maps 2 MiB instead of 4 KiB (with 4 KiB pages the faults took
 * a fifth of the load time), and the random accesses to the hash slots miss the TLB far
 * less.  Smaller ones come from malloc.  The caller keeps the size (the
 * same size must be given to big_free).
 */
#define BIG_MIN ((size_t)2 << 20)

static void *big_alloc(size_t bytes)
{
	if (bytes < BIG_MIN)
		return malloc(bytes ? bytes : 1);
	size_t len = (bytes + BIG_MIN - 1) & ~(BIG_MIN - 1);
	uint8_t *p = mmap(NULL, len + BIG_MIN, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* keep the 2 MiB-aligned part */
	size_t head = (BIG_MIN - ((uintptr_t)p & (BIG_MIN - 1))) & (BIG_MIN - 1);
	if (head)
		munmap(p, head);
	if (BIG_MIN - head)
		munmap(p + head + len, BIG_MIN - head);
	p += head;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, len, MADV_HUGEPAGE); /* a hint: fine if refused */
#endif
	return p;
}

/* The same, zero-filled (fresh mappings are). */
static void *big_zalloc(size_t bytes)
{
	return bytes < BIG_MIN ? calloc(1, bytes ? bytes : 1) : big_alloc(bytes);
}

static void big_free(void *p, size_t bytes)
{
	if (!p)
		return;
	if (bytes < BIG_MIN)
		free(p);
	else
		munmap(p, (bytes + BIG_MIN - 1) & ~(BIG_MIN - 1));
}

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
	/* chunks double from 16 KiB to 4 MiB: small sets stay small, big
	 * ones get a few big (huge-page) chunks */
	size_t cap = c ? (sizeof(struct chunk) + c->cap) * 2 : 16384;
	if (cap > ((size_t)4 << 20))
		cap = (size_t)4 << 20;
	cap -= sizeof(struct chunk);
	if (cap < n)
		cap = n;
	c = big_alloc(sizeof(struct chunk) + cap);
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

/* ---- SipHash-1-3 (Aumasson & Bernstein), 64-bit output -------------------
 *
 * SipHash with one compression and three finalization rounds, the variant
 * hash tables use (Rust's HashMap, CPython's str hash): keyed, so which slot
 * a name lands on cannot be predicted without the per-set random key, at
 * half the cost of SipHash-2-4 (every lookup hashes each label suffix).
 */

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
	uint64_t v;
	memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static void store64le(uint8_t *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, sizeof v);
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
		v0 ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < len % 8; i++)
		b |= (uint64_t)p[end + i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
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

/* Start loading the slot where a key of hash h starts its probe. */
static void prefetch_slot(const struct ioc_set *s, uint32_t h)
{
	if (s->slots)
		__builtin_prefetch(&s->slots[h & s->mask]);
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
	uint64_t *ns = big_zalloc((size_t)ncap * sizeof *ns);
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
		big_free(s->slots, ((size_t)s->mask + 1) * sizeof *s->slots);
	}
	s->slots = ns;
	s->mask = ncap - 1;
	s->bytes += (size_t)ncap * sizeof *ns;
	return 0;
}

/* ---- builder ------------------------------------------------------------- */

/* A small string set used while building (interning). */
struct sset {
	const char **v;
	uint32_t mask, n;
};

/* The dual-use names (see "the dual-use list" below). */
struct dentry {
	uint64_t h;
	char *s;      /* malloc'd, NUL-terminated */
	uint32_t len;
	bool gone;    /* taken off with "!name" */
};

struct dset {
	struct dentry *v;
	uint32_t mask, n, live;
};

struct ioc_b {
	struct ioc_set *s;
	const char *source;   /* interned */
	FILE *warn;
	struct sset intern;
	struct dset dualuse;
	struct dset dubase;   /* last two labels of every dual-use host name */
	uint32_t *tail;       /* per head rule: last rule of its chain */
	uint32_t tailcap;
	uint32_t feed_first;  /* rule count when the current feed started */
	const char *icache[3];/* last family, comment, category interned */
	size_t icachelen[3];
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

static const char *intern_cached(struct ioc_b *b, int slot, const char *p, size_t n)
{
	const char *c = b->icache[slot];
	if (c && b->icachelen[slot] == n && memcmp(c, p, n) == 0)
		return c;
	c = intern(b, p, n);
	b->icache[slot] = c;
	b->icachelen[slot] = n;
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

uint32_t ioc_b_prefetch(const struct ioc_b *b, const char *key, size_t n)
{
	const struct ioc_set *s = b->s;
	uint32_t h = key_hash(s, key, n);
	prefetch_slot(s, h);
	return h;
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

/* ---- the dual-use list ---------------------------------------------------
 *
 * Shared, legitimate services that feeds list next to stalkerware
 * (analytics, crash reporting, push, app packers ...): a rule on one of these
 * names or under it, or on one of these tenants, gets IOC_CONF_LOW.  The list
 * is data: ioc/dual-use.txt, compiled in as sw_dualuse_list, then the user's
 * ioc_load_opts.dualuse_file (`-D FILE`) in the same format, whose "!name"
 * lines take names off (docs/ioc-feeds.md).
 *
 * Build time only: open addressing on dhash() of the name.
 */

/* The dual-use list (build/gen/dualuse.c, made by .ci/embed.sh). */
extern const unsigned char sw_dualuse_list[];
extern const unsigned long sw_dualuse_list_len;

/* Hash of a name for the dual-use set: its length, first and last 8 bytes.
 * Constant time, so checking every label suffix of a host costs one hash
 * each; names that collide are told apart by comparing them. */
static uint64_t dhash(const char *p, size_t n)
{
	uint64_t a = 0, z = 0;
	size_t k = n < 8 ? n : 8;
	memcpy(&a, p, k);
	memcpy(&z, p + n - k, k);
	uint64_t h = (a * 0x9e3779b97f4a7c15ULL) ^ ((z ^ (uint64_t)n) * 0xc2b2ae3d27d4eb4fULL);
	return h ^ (h >> 31); /* the slot index takes the low bits */
}

static struct dentry *dset_slot(const struct dset *d, const char *p, size_t n, uint64_t h)
{
	for (uint32_t i = (uint32_t)h & d->mask;; i = (i + 1) & d->mask) {
		struct dentry *e = &d->v[i];
		if (!e->s || (e->h == h && e->len == n && memcmp(e->s, p, n) == 0))
			return e;
	}
}

static bool dset_has(const struct dset *d, const char *p, size_t n, uint64_t h)
{
	if (!d->live)
		return false;
	const struct dentry *e = dset_slot(d, p, n, h);
	return e->s && !e->gone;
}

/* Add (or, with gone, take off) a name. */
static int dset_put(struct dset *d, const char *p, size_t n, bool gone)
{
	if (!d->v || (d->n + 1) * 2 > d->mask + 1) {
		uint32_t ncap = d->v ? (d->mask + 1) * 2 : 256;
		struct dentry *nv = calloc(ncap, sizeof *nv);
		if (!nv)
			return -1;
		for (uint32_t i = 0; d->v && i <= d->mask; i++) {
			if (!d->v[i].s)
				continue;
			uint32_t j = (uint32_t)d->v[i].h & (ncap - 1);
			while (nv[j].s)
				j = (j + 1) & (ncap - 1);
			nv[j] = d->v[i];
		}
		free(d->v);
		d->v = nv;
		d->mask = ncap - 1;
	}
	uint64_t h = dhash(p, n);
	struct dentry *e = dset_slot(d, p, n, h);
	if (!e->s) {
		if (gone)
			return 0; /* nothing to take off */
		if (!(e->s = malloc(n + 1)))
			return -1;
		memcpy(e->s, p, n);
		e->s[n] = '\0';
		e->h = h;
		e->len = (uint32_t)n;
		d->n++;
		d->live++;
	} else if (e->gone != gone) {
		d->live += gone ? (uint32_t)-1 : 1;
	}
	e->gone = gone;
	return 0;
}

static void dset_free(struct dset *d)
{
	for (uint32_t i = 0; d->v && i <= d->mask; i++)
		free(d->v[i].s);
	free(d->v);
	memset(d, 0, sizeof *d);
}

/* Is host (normalised) or a name above it on the list? */
static bool dualuse_match(const struct ioc_b *b, const char *host, size_t n, size_t t2)
{
	if (!b->dualuse.live)
		return false;
	/* every entry has two labels or more: a host can only be on the list
	 * when its last two labels (t2 bytes, 0: not known) end an entry; one
	 * probe for most hosts */
	size_t t = n, dots = 0;
	if (t2) {
		t = n - t2;
		dots = t > 0 ? 2 : memchr(host, '.', n) != NULL;
	} else {
		while (t > 0 && !(host[t - 1] == '.' && ++dots == 2))
			t--;
	}
	if (dots == 0 || !dset_has(&b->dubase, host + t, n - t, dhash(host + t, n - t)))
		return false;
	for (size_t i = 0;;) {
		if (dset_has(&b->dualuse, host + i, n - i, dhash(host + i, n - i)))
			return true;
		const char *d = memchr(host + i, '.', n - i);
		if (!d)
			return false;
		i = (size_t)(d - host) + 1;
	}
}

/*
 * Read a dual-use list (text of len bytes, named name for messages) into b.
 * Each entry is a host name, a provider:tenant pattern or a tenant host name
 * (stored as its tenant), optionally after '!' to take it off.  A bad entry
 * fails the load with "name:line: why".
 */
static int dualuse_parse(struct ioc_b *b, const char *name, const char *txt, size_t len,
                         char *err, size_t errlen)
{
	char en[256];
	sw_esc_buf(en, sizeof en, name, strlen(name));
	unsigned long ln = 0;
	for (size_t off = 0; off < len;) {
		const char *ls = txt + off;
		const char *nl = memchr(ls, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - ls) : len - off;
		off += ll + (nl ? 1 : 0);
		ln++;
		const char *p = ls, *end = ls + ll, *tok;
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p == end || *p == '#')
			continue;
		size_t tl = ioc_token(&p, end, &tok);
		while (tl && (tok[tl - 1] == '\r'))
			tl--;
		bool gone = tl && tok[0] == '!';
		if (gone) {
			tok++;
			tl--;
		}
		char e[128];
		sw_esc_buf(e, sizeof e, tok, tl);
		char key[SW_HOST_BUF + 32];
		size_t kl;
		const char *colon = memchr(tok, ':', tl);
		enum ioc_provider prov = colon ? ioc_provider_by_name(tok, (size_t)(colon - tok)) :
		                                 IOC_PROV_NONE;
		char h[SW_HOST_BUF];
		size_t hl;
		const char *why = NULL;
		if (prov != IOC_PROV_NONE) {
			/* provider:tenant */
			size_t t = tl - (size_t)(colon - tok) - 1;
			if (t >= SW_HOST_BUF || !ioc_tenant_valid(prov, colon + 1, t, &why)) {
				snprintf(err, errlen, "%s:%lu: %s: not a valid tenant (%s)", en, ln, e,
				         why ? why : "too long");
				return -1;
			}
			memcpy(key, tok, tl);
			kl = tl;
		} else if (hn_normalise((const uint8_t *)tok, tl, h, &hl) == HN_NAME) {
			char t[SW_HOST_BUF];
			struct ioc_tsplit ts;
			ioc_tenant_split(h, hl, NULL, 0, t, sizeof t, &ts);
			if (ts.prov != IOC_PROV_NONE && ts.tlen) {
				kl = (size_t)snprintf(key, sizeof key, "%s:%s", ioc_provider_name(ts.prov), t);
			} else if (!memchr(h, '.', hl)) {
				snprintf(err, errlen, "%s:%lu: %s: a top-level domain alone would mark "
				         "every name under it", en, ln, e);
				return -1;
			} else {
				memcpy(key, h, hl);
				kl = hl;
				size_t t2 = hl, dots = 0;
				while (t2 > 0 && !(h[t2 - 1] == '.' && ++dots == 2))
					t2--;
				if (!gone && dset_put(&b->dubase, h + t2, hl - t2, false) != 0) {
					snprintf(err, errlen, "out of memory");
					return -1;
				}
			}
		} else {
			snprintf(err, errlen, "%s:%lu: not a host name or provider:tenant: %s", en, ln, e);
			return -1;
		}
		if (dset_put(&b->dualuse, key, kl, gone) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

static int load_dualuse_file(struct ioc_b *b, const char *path, char *err, size_t errlen)
{
	size_t len;
	char *txt = read_file(path, &len, err, errlen);
	if (!txt)
		return -1;
	int rc = dualuse_parse(b, path, txt, len, err, errlen);
	big_free(txt, len + 1);
	return rc;
}

/* Byte classes for plain_host (bits, so a whole name's are or-ed). */
enum { HC_LOW = 1, HC_DIGIT = 2, HC_DOT = 4, HC_UPPER = 8, HC_BAD = 16 };
static uint8_t hclass[256];
static pthread_once_t hclass_once = PTHREAD_ONCE_INIT;

static void hclass_init(void)
{
	for (int c = 0; c < 256; c++)
		hclass[c] = HC_BAD;
	for (int c = 'a'; c <= 'z'; c++) {
		hclass[c] = HC_LOW;
		hclass[c - 'a' + 'A'] = HC_UPPER;
	}
	for (int c = '0'; c <= '9'; c++)
		hclass[c] = HC_DIGIT;
	hclass['-'] = hclass['_'] = HC_LOW;
	hclass['.'] = HC_DOT;
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
	pthread_once(&hclass_once, hclass_init);
	if ((!o || !o->no_dualuse_builtin) &&
	    dualuse_parse(b, "dual-use.txt (built in)", (const char *)sw_dualuse_list,
	                  (size_t)sw_dualuse_list_len, err, errlen) != 0)
		goto fail;
	if (o && o->dualuse_file && load_dualuse_file(b, o->dualuse_file, err, errlen) != 0)
		goto fail;
	if (o && o->dualuse_buf &&
	    dualuse_parse(b, "dual-use (memory)", o->dualuse_buf, o->dualuse_len, err, errlen) != 0)
		goto fail;
	return b;
fail:
	dset_free(&b->dualuse);
	dset_free(&b->dubase);
	ioc_set_free(s);
	free(b);
	return NULL;
}

/* Finish: drop build-time state, keep the set. */
static struct ioc_set *b_finish(struct ioc_b *b)
{
	struct ioc_set *s = b->s;
	sset_free(&b->intern);
	dset_free(&b->dualuse);
	dset_free(&b->dubase);
	big_free(b->tail, (size_t)b->s->cap * sizeof *b->tail);
	free(b);
	return s;
}

static void b_abort(struct ioc_b *b)
{
	struct ioc_set *s = b->s;
	sset_free(&b->intern);
	dset_free(&b->dualuse);
	dset_free(&b->dubase);
	big_free(b->tail, (size_t)b->s->cap * sizeof *b->tail);
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
	/* all three move together, so that each one's size stays cap * size
	 * (big_free needs it) */
	struct ioc_rule *nr = big_alloc((size_t)want * sizeof *nr);
	struct ikey *nk = big_alloc((size_t)want * sizeof *nk);
	uint32_t *nt = big_alloc((size_t)want * sizeof *nt);
	if (!nr || !nk || !nt) {
		big_free(nr, (size_t)want * sizeof *nr);
		big_free(nk, (size_t)want * sizeof *nk);
		big_free(nt, (size_t)want * sizeof *nt);
		return -1;
	}
	if (s->n) {
		memcpy(nr, s->rules, (size_t)s->n * sizeof *nr);
		memcpy(nk, s->keys, (size_t)s->n * sizeof *nk);
		memcpy(nt, b->tail, (size_t)s->n * sizeof *nt);
	}
	big_free(s->rules, (size_t)s->cap * sizeof *nr);
	big_free(s->keys, (size_t)s->cap * sizeof *nk);
	big_free(b->tail, (size_t)s->cap * sizeof *nt);
	s->rules = nr;
	s->keys = nk;
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
                                 unsigned labels, char *err, size_t errlen)
{
	struct ioc_set *s = b->s;
	const char *fp = c->family ? c->family : "";
	size_t fl = c->familylen ? c->familylen : strlen(fp);
	if (fl == 0) {
		fp = "unknown";
		fl = 7;
	}
	const char *cp = c->comment ? c->comment : "";
	const char *gp = c->category ? c->category : "";
	const char *fam = intern_cached(b, 0, fp, fl);
	const char *com = intern_cached(b, 1, cp, c->commentlen ? c->commentlen : strlen(cp));
	const char *cat = intern_cached(b, 2, gp, strlen(gp));
	if (!fam || !com || !cat)
		goto oom;

	/* an identical rule already there (same key, type, family, source,
	 * path)?  merge: keep the first, the higher confidence, both comments */
	const char *key = binkey ? binkey : pattern + keyoff;
	uint32_t h = c->hint && c->hintlen == keylen && memcmp(c->hint, key, keylen) == 0 ?
	             c->hinthash : key_hash(s, key, keylen);
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
		unsigned nl = labels ? labels : count_labels(key, keylen);
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
	if (conf > IOC_CONF_LOW && dset_has(&b->dualuse, pat, (size_t)pl, dhash(pat, (size_t)pl)))
		conf = IOC_CONF_LOW;
	return add_rule(b, c, p == IOC_PROV_S3 ? IOC_S3 : IOC_TENANT, (uint8_t)p, pat,
	                (size_t)pl, 0, (size_t)pl, NULL, 0, (uint8_t)conf, 0, err, errlen);
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
	                (uint8_t)default_conf(c, IOC_CONF_LOW), 0, err, errlen);
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

/* Does h[0..n) contain s[0..sl)?  (memmem is slow on short needles; host
 * names are short and rarely hold the first byte.) */
static bool has_sub(const char *h, size_t n, const char *s, size_t sl)
{
	const char *p = h, *e = h + n;
	while ((size_t)(e - p) >= sl && (p = memchr(p, s[0], (size_t)(e - p) - sl + 1))) {
		if (memcmp(p, s, sl) == 0)
			return true;
		p++;
	}
	return false;
}

/* Obvious placeholders in feeds: a label with "x" digits ("a7xx"),
 * "example.com" names.  h is a normalised host name, so an ellipsis ("...",
 * U+2026) cannot be in it: empty labels and non-ASCII bytes were refused
 * before, as not a host name. */
static bool placeholder(const char *h, size_t n)
{
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

/*
 * The common end of b_add: host is a normalised host name (lower case, no
 * trailing dot, hl bytes, NUL-terminated) of labels labels whose last two
 * are t2 bytes long (0, 0: not counted yet), path the request path of a URL
 * rule (NULL/0 when none).  Placeholders, tenant host names, shared
 * platforms, the dual-use list, then the rule.
 */
static enum ioc_add_res add_host(struct ioc_b *b, const struct ioc_cand *c, const char *host,
                                 size_t hl, unsigned labels, size_t t2, const char *path,
                                 size_t pathlen, char *err, size_t errlen)
{
	const char *orig = c->text;
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
	ioc_tenant_split2(host, hl, t2, pathlen ? path : NULL, pathlen, t, sizeof t, &ts);
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
		                labels, err, errlen);
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
	if (conf > IOC_CONF_LOW && dualuse_match(b, host, hl, t2))
		conf = IOC_CONF_LOW;

	if (pathlen) {
		char pat[SW_HOST_BUF + SW_PATH_STORE + 2];
		memcpy(pat, host, hl);
		memcpy(pat + hl, path, pathlen);
		enum ioc_add_res r = add_rule(b, c, IOC_URL, 0, pat, hl + pathlen, 0, hl, NULL, hl,
		                              (uint8_t)conf, labels, err, errlen);
		if (r != IOC_ADD_OK || !c->lenient)
			return r;
		ioc_b_warn(b, c->line, c->where, "note: URL also read as host rule %s", host);
	}
	if (c->exact) {
		char pat[SW_HOST_BUF + 1];
		pat[0] = '=';
		memcpy(pat + 1, host, hl);
		return add_rule(b, c, IOC_EXACT, 0, pat, hl + 1, 1, hl, NULL, 0, (uint8_t)conf,
		                labels, err, errlen);
	}
	return add_rule(b, c, IOC_DOMAIN, 0, host, hl, 0, hl, NULL, 0, (uint8_t)conf, labels,
	                err, errlen);
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

/*
 * Fast path: is p[0..n) a plain host name, i.e. one that hn_normalise would
 * accept unchanged except for case (LDH and '_' labels of 1..63 bytes, at
 * most SW_HOST_MAX bytes, no trailing dot, no wildcard, not digits and dots
 * only, which might be an address)?  Then its lower-case form goes to out
 * (SW_HOST_BUF bytes), its number of labels to *labels, the length of its
 * last two labels to *t2, and none of the repairs of b_add apply to it.  Most
 * lines of native files and plain lists are such names.
 */
/* Lanes (bytes) of x in [lo, hi], as the high bit of each lane: exact, no
 * carry crosses lanes (bytes >= 0x80 are never in range). */
static inline uint64_t lanes_in(uint64_t x, unsigned lo, unsigned hi)
{
	const uint64_t ones = 0x0101010101010101ULL, low7 = 0x7f7f7f7f7f7f7f7fULL;
	uint64_t t = x & low7;
	uint64_t ge = t + (0x80 - lo) * ones; /* high bit: t >= lo */
	uint64_t gt = t + (0x7f - hi) * ones; /* high bit: t > hi */
	return ge & ~gt & ~x & ~low7;
}

static bool plain_host(const char *p, size_t n, char *out, unsigned *labels, size_t *t2)
{
	if (n == 0 || n > SW_HOST_MAX)
		return false;
	unsigned seen = 0, dots = 0;
	size_t start = 0, prev = 0; /* of the current and of the previous label */
	size_t i = 0;
	/* eight bytes at a time: classify, lower-case, find the dots */
	for (; i + 8 <= n; i += 8) {
		uint64_t x = load64le((const uint8_t *)p + i); /* p[i] in the low lane */
		uint64_t low = lanes_in(x, 'a', 'z') | lanes_in(x, '-', '-') | lanes_in(x, '_', '_');
		uint64_t up = lanes_in(x, 'A', 'Z');
		uint64_t dig = lanes_in(x, '0', '9');
		uint64_t dot = lanes_in(x, '.', '.');
		if ((low | up | dig | dot) != 0x8080808080808080ULL)
			return false; /* a byte of no name: the slow path says which */
		seen |= (low ? HC_LOW : 0) | (up ? HC_UPPER : 0);
		x |= up >> 2; /* 0x80 >> 2 = 0x20: upper to lower case */
		store64le((uint8_t *)out + i, x);
		for (; dot; dot &= dot - 1) {
			size_t d = i + (size_t)__builtin_ctzll(dot) / 8;
			if (d == start || d - start > SW_LABEL_MAX)
				return false;
			prev = start;
			start = d + 1;
			dots++;
		}
	}
	for (; i < n; i++) {
		uint8_t ch = (uint8_t)p[i];
		unsigned k = hclass[ch];
		seen |= k;
		if (k == HC_DOT) {
			if (i == start || i - start > SW_LABEL_MAX)
				return false;
			prev = start;
			start = i + 1;
			dots++;
		}
		out[i] = (char)(ch | ((k & HC_UPPER) << 2)); /* upper + 0x20 */
	}
	if ((seen & HC_BAD) || n == start || n - start > SW_LABEL_MAX ||
	    !(seen & (HC_LOW | HC_UPPER)))
		return false;
	out[n] = '\0';
	*labels = dots + 1;
	*t2 = n - prev;
	return true;
}

static enum ioc_add_res b_add(struct ioc_b *b, const struct ioc_cand *c, char *err, size_t errlen)
{
	char buf[SW_IOC_LINE_MAX];
	size_t n = c->textlen;
	const char *orig = c->text;

	/* a plain host name (defanging aside: "hxxp" is letters too) */
	unsigned labels;
	size_t t2;
	if (plain_host(orig, n, buf, &labels, &t2) && !(c->lenient && has_sub(buf, n, "hxxp", 4)))
		return add_host(b, c, buf, n, labels, t2, NULL, 0, err, errlen);

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
	return add_host(b, c, host, hl, 0, 0, path, pathlen, err, errlen);
}

/* ---- loading ------------------------------------------------------------- */

/* A new input in the set's feed list (its digest still empty), or NULL. */
static struct ioc_feed *feed_new(struct ioc_b *b, const char *source, enum ioc_format f)
{
	struct ioc_set *s = b->s;
	if (s->nfeeds == s->feedcap) {
		size_t nc = s->feedcap ? s->feedcap * 2 : 4;
		struct ioc_feed *nf = realloc(s->feeds, nc * sizeof *nf);
		if (!nf)
			return NULL;
		s->feeds = nf;
		s->feedcap = nc;
	}
	struct ioc_feed *fd = &s->feeds[s->nfeeds++];
	memset(fd, 0, sizeof *fd);
	fd->source = source;
	fd->format = ioc_format_str(f);
	return fd;
}

static void feed_set_sha256(struct ioc_feed *fd, const unsigned char md[32])
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		fd->sha256[2 * i] = hx[md[i] >> 4];
		fd->sha256[2 * i + 1] = hx[md[i] & 15];
	}
	fd->sha256[64] = '\0';
}

static int feed_add(struct ioc_b *b, const char *source, enum ioc_format f,
                    const void *buf, size_t len)
{
	struct ioc_feed *fd = feed_new(b, source, f);
	unsigned char md[32];
	unsigned int mdl = 0;
	if (!fd || EVP_Digest(buf, len, md, &mdl, EVP_sha256(), NULL) != 1 || mdl != 32)
		return -1;
	feed_set_sha256(fd, md);
	return 0;
}

/* Newlines in p[0..n), eight bytes at a time (a byte is '\n' exactly when
 * the high bit of its lane is set below; no carry crosses lanes). */
static size_t count_newlines(const char *p, size_t n)
{
	const uint64_t nl = 0x0a0a0a0a0a0a0a0aULL, low7 = 0x7f7f7f7f7f7f7f7fULL;
	size_t c = 0, i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, p + i, 8);
		x ^= nl; /* '\n' lanes are now zero */
		uint64_t y = (x & low7) + low7;
		uint64_t m = ~(y | x | low7) >> 7; /* 1 in each '\n' lane */
		c += (size_t)((m * 0x0101010101010101ULL) >> 56); /* sum of the lanes */
	}
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}

static int import_buf(struct ioc_b *b, const char *source, const char *buf, size_t len,
                      char *err, size_t errlen)
{
	b->source = intern(b, source, strlen(source));
	if (!b->source) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (len >= 2 && (((unsigned char)buf[0] == 0xff && (unsigned char)buf[1] == 0xfe) ||
	                 ((unsigned char)buf[0] == 0xfe && (unsigned char)buf[1] == 0xff))) {
		/* a text editor's UTF-16: say so rather than "NUL byte in line" */
		ioc_b_err(b, 1, NULL, err, errlen, "UTF-16 text (byte order mark %02x %02x): "
		          "save the file as UTF-8 or ASCII", (unsigned char)buf[0],
		          (unsigned char)buf[1]);
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
		size_t lines = 1 + count_newlines(buf, len);
		if (lines > SW_IOC_RULES_MAX)
			lines = SW_IOC_RULES_MAX;
		if (b_reserve(b, (uint32_t)(b->s->n + lines)) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	uint32_t line = 0;
	switch (f) {
	case IOC_FMT_NATIVE:
		rc = ioc_import_native(b, buf, len, &line, err, errlen);
		break;
	case IOC_FMT_HOSTS:
	case IOC_FMT_PLAIN:
	case IOC_FMT_ECHAP_CSV:
		rc = ioc_import_lines(b, f, buf, len, &line, err, errlen);
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

/* Read a whole file (at most SW_IOC_FILE_MAX bytes), NUL-terminated; free
 * it with big_free(buf, *len + 1). */
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
	char *buf = big_alloc(n + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", ep);
		fclose(f);
		return NULL;
	}
	size_t got = fread(buf, 1, n, f);
	if (got != n || ferror(f)) {
		snprintf(err, errlen, "%s: read error", ep);
		big_free(buf, n + 1);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * A file that gives no rule at all (empty, only comments and blank lines,
 * every value skipped) is refused: it is almost always the wrong file or a
 * failed download, and would leave what it was meant to watch unwatched
 * without a word (docs/hardening.md).  0, or -1 with err.
 */
static bool line_format(enum ioc_format f)
{
	return f == IOC_FMT_NATIVE || f == IOC_FMT_PLAIN || f == IOC_FMT_HOSTS ||
	       f == IOC_FMT_ECHAP_CSV;
}

/* fread at most want bytes, and at most *left (then lowered): a file is
 * read up to the size it had when it was opened, even if it grows. */
static size_t read_upto(FILE *fp, char *buf, size_t want, size_t *left)
{
	size_t got = fread(buf, 1, want < *left ? want : *left, fp);
	*left -= got;
	return got;
}

/*
 * A big file in a line format (f), open at fp, read in chunks of whole
 * lines (buf: SW_IOC_READ_CHUNK bytes) rather than whole: a million native
 * rules are ~40 MB that would otherwise be held, and first zero-filled by
 * the kernel, only to be read once.  A first pass counts the lines, so that
 * the rules and the index are sized once as for a buffer; the second parses
 * them and digests exactly the bytes it parses.  Both read size bytes (the
 * size at open) at most.  0, or -1 with err.
 */
static int import_stream(struct ioc_b *b, const char *path, FILE *fp, size_t size,
                         enum ioc_format f, char *buf, char *err, size_t errlen)
{
	char ep[256];
	sw_esc_buf(ep, sizeof ep, path, strlen(path));
	size_t lines = 1, got, left = size;
	rewind(fp);
	while ((got = read_upto(fp, buf, SW_IOC_READ_CHUNK, &left)) > 0)
		lines += count_newlines(buf, got);
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", ep);
		return -1;
	}
	if (lines > SW_IOC_RULES_MAX)
		lines = SW_IOC_RULES_MAX;
	b->source = intern(b, path, strlen(path));
	size_t fi = b->s->nfeeds;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!b->source || !feed_new(b, b->source, f) || !md ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    b_reserve(b, (uint32_t)(b->s->n + lines)) != 0) {
		EVP_MD_CTX_free(md);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	uint32_t before = b->s->n, line = 0;
	size_t keep = 0; /* bytes of an unfinished line carried to the next chunk */
	int rc = 0;
	rewind(fp);
	left = size;
	for (;;) {
		got = read_upto(fp, buf + keep, SW_IOC_READ_CHUNK - keep, &left);
		if (ferror(fp)) {
			snprintf(err, errlen, "%s: read error", ep);
			rc = -1;
			break;
		}
		EVP_DigestUpdate(md, buf + keep, got);
		size_t have = keep + got, end = have;
		bool eof = left == 0 || feof(fp);
		if (!eof) {
			const char *nl = memrchr(buf, '\n', have);
			if (!nl) {
				/* a line longer than a chunk: an error in a native
				 * file, skipped in a feed, as in a buffer */
				line++;
				if (f == IOC_FMT_NATIVE) {
					ioc_b_err(b, line, NULL, err, errlen, "line longer than %d bytes",
					          SW_IOC_LINE_MAX);
					rc = -1;
					break;
				}
				ioc_b_warn(b, line, NULL, "skipped: line longer than %d bytes",
				           SW_IOC_LINE_MAX);
				keep = 0;
				while ((got = read_upto(fp, buf, SW_IOC_READ_CHUNK, &left)) > 0) {
					EVP_DigestUpdate(md, buf, got);
					if ((nl = memchr(buf, '\n', got))) {
						keep = got - (size_t)(nl + 1 - buf);
						memmove(buf, nl + 1, keep);
						break;
					}
				}
				if (ferror(fp)) {
					snprintf(err, errlen, "%s: read error", ep);
					rc = -1;
					break;
				}
				if (!nl)
					break; /* the file ended inside the line */
				continue;
			}
			end = (size_t)(nl + 1 - buf);
		}
		rc = f == IOC_FMT_NATIVE ? ioc_import_native(b, buf, end, &line, err, errlen) :
		                           ioc_import_lines(b, f, buf, end, &line, err, errlen);
		if (rc != 0 || eof)
			break;
		keep = have - end;
		memmove(buf, buf + end, keep);
	}
	unsigned char dg[32];
	unsigned int dl = 0;
	if (EVP_DigestFinal_ex(md, dg, &dl) == 1 && dl == 32)
		feed_set_sha256(&b->s->feeds[fi], dg);
	EVP_MD_CTX_free(md);
	b->s->feeds[fi].rules = b->s->n - before;
	return rc;
}

/*
 * Import one file: a big one in a line format in chunks (import_stream),
 * anything else read whole.  0, or -1 with err.
 */
static int import_file(struct ioc_b *b, const char *path, char *err, size_t errlen)
{
	struct stat st;
	FILE *fp = fopen(path, "rb");
	if (fp && fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size > SW_IOC_READ_CHUNK &&
	    (unsigned long long)st.st_size <= SW_IOC_FILE_MAX) {
		char *buf = malloc(SW_IOC_READ_CHUNK);
		size_t got = buf ? fread(buf, 1, SW_IOC_READ_CHUNK, fp) : 0;
		/* a UTF-16 byte-order mark: import_buf says what it is */
		bool utf16 = got >= 2 && (((uint8_t)buf[0] == 0xff && (uint8_t)buf[1] == 0xfe) ||
		                          ((uint8_t)buf[0] == 0xfe && (uint8_t)buf[1] == 0xff));
		enum ioc_format f = got ? ioc_format_detect(buf, got) : IOC_FMT_NATIVE;
		if (got == SW_IOC_READ_CHUNK && !utf16 && line_format(f)) {
			int rc = import_stream(b, path, fp, (size_t)st.st_size, f, buf, err, errlen);
			free(buf);
			fclose(fp);
			return rc;
		}
		free(buf);
	}
	if (fp)
		fclose(fp);
	size_t len;
	char *buf = read_file(path, &len, err, errlen);
	if (!buf)
		return -1;
	int rc = import_buf(b, path, buf, len, err, errlen);
	big_free(buf, len + 1);
	return rc;
}

static int file_gave_rules(struct ioc_b *b, const char *path, char *err, size_t errlen)
{
	const struct ioc_feed *fd = &b->s->feeds[b->s->nfeeds - 1];
	if (fd->values > fd->skipped)
		return 0;
	char ep[256];
	sw_esc_buf(ep, sizeof ep, path, strlen(path));
	if (fd->values)
		snprintf(err, errlen, "%s: no rules: all %lu values were skipped "
		         "(`stalkerwatch ioc check -w -I FILE` says why)", ep,
		         (unsigned long)fd->values);
	else
		snprintf(err, errlen, "%s: no rules: the file is empty, holds only comments, "
		         "or none of its entries could be read (`stalkerwatch ioc check -w -I "
		         "FILE` says why)", ep);
	return -1;
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
		int rc = import_file(b, files[i], err, errlen);
		if (rc == 0)
			rc = file_gave_rules(b, files[i], err, errlen);
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

struct ioc_set *ioc_set_load_mem_opts(const char *buf, size_t len, const char *source,
                                      const struct ioc_load_opts *opts,
                                      char *err, size_t errlen)
{
	char dummy[8];
	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	struct ioc_load_opts none = { 0 };
	struct ioc_b *b = b_new(opts ? opts : &none, err, errlen);
	if (!b)
		return NULL;
	if (import_buf(b, source ? source : "memory", buf ? buf : "", buf ? len : 0,
	               err, errlen) != 0) {
		b_abort(b);
		return NULL;
	}
	return b_finish(b);
}

struct ioc_set *ioc_set_load_mem(const char *buf, size_t len, const char *source,
                                 FILE *warn, char *err, size_t errlen)
{
	struct ioc_load_opts o = { .warn = warn };
	return ioc_set_load_mem_opts(buf, len, source, &o, err, errlen);
}

void ioc_set_free(struct ioc_set *s)
{
	if (!s)
		return;
	struct chunk *c = s->arena;
	while (c) {
		struct chunk *nx = c->next;
		big_free(c, sizeof(struct chunk) + c->cap);
		c = nx;
	}
	big_free(s->rules, (size_t)s->cap * sizeof *s->rules);
	big_free(s->keys, (size_t)s->cap * sizeof *s->keys);
	big_free(s->slots, s->slots ? ((size_t)s->mask + 1) * sizeof *s->slots : 0);
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

	/*
	 * Every key this lookup probes is hashed first and its slot prefetched:
	 * on an index bigger than the caches each probe is a cache miss, and
	 * this way they overlap instead of adding up.  The tenant key is probed
	 * last (its matches are listed after the host's).
	 */
	char tkey[SW_HOST_BUF + 32];
	size_t tkl = 0;
	uint32_t th = 0;
	uint8_t thow = 0, tform = 0;
	if (s->ntenant) {
		struct ioc_tsplit ts;
		char *t = tkey + 16;
		ioc_tenant_split(host, hostlen, path, pathlen, t, SW_HOST_BUF, &ts);
		if (ts.prov != IOC_PROV_NONE && ts.tlen) {
			const char *pn = ioc_provider_name(ts.prov);
			size_t pl = strlen(pn);
			char *k = t - pl - 1;
			memcpy(k, pn, pl);
			k[pl] = ':';
			tkl = pl + 1 + ts.tlen;
			memmove(tkey, k, tkl);
			th = key_hash(s, tkey, tkl);
			prefetch_slot(s, th);
			thow = ts.prov == IOC_PROV_S3 ?
			       (ts.from_path ? IOC_HOW_S3_PATH : IOC_HOW_S3_VHOST) :
			       (ts.from_path ? IOC_HOW_TENANT_PATH : IOC_HOW_TENANT_HOST);
			tform = (uint8_t)ts.form;
		}
	}

	/* 1. label suffixes, left to right, at most max_labels deep, in
	 * batches of up to 8 */
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
		bool last = false;
		while (!last) {
			enum { BATCH = 8 };
			size_t off[BATCH];
			uint32_t hs[BATCH];
			unsigned nb = 0;
			while (nb < BATCH && !last) {
				off[nb] = pos;
				hs[nb] = key_hash(s, host + pos, hostlen - pos);
				prefetch_slot(s, hs[nb]);
				nb++;
				const char *d = memchr(host + pos, '.', hostlen - pos);
				if (d)
					pos = (size_t)(d - host) + 1;
				else
					last = true;
			}
			for (unsigned i = 0; i < nb; i++) {
				np++;
				uint32_t r = ht_find_h(s, host + off[i], hostlen - off[i], hs[i]);
				for (; r != NONE; r = s->keys[r].next) {
					uint8_t t = s->rules[r].type;
					if (off[i] == 0) {
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
			}
		}
	}
tenants:
	/* 2. at most one cloud tenant */
	if (tkl) {
		np++;
		uint32_t r = ht_find_h(s, tkey, tkl, th);
		for (; r != NONE; r = s->keys[r].next)
			emit(m, max, &found, r, thow, tform);
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
