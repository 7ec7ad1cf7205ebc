/*
 * ioc_native.c - line formats: the native rule format, plain host lists,
 * hosts files, Echap's network.csv; and recognising a format from content.
 *
 * Native format (docs/ioc-format.md), one rule per line:
 *
 *     <pattern> <family> [confidence=low|medium|high] [comment...]
 *     # a comment line; blank lines are ignored; CRLF is accepted
 *
 * Every line must parse: the first bad one fails the whole load with
 * "file:line: what was wrong".  Feed formats (plain, hosts, CSV) are
 * lenient instead: what can be repaired is repaired with a warning, what
 * cannot is skipped with a warning.
 */
#include "ioc/ioc_int.h"

#include <string.h>

#include "daemon/util.h"

/* Longest family name in a native file (a word such as "TheTruthSpy"). */
#define IOC_FAMILY_MAX 128

size_t ioc_token(const char **p, const char *end, const char **tok)
{
	const char *s = *p;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	const char *t = s;
	/* bytes above ' ' are never blanks: one compare for most bytes */
	while (s < end && ((uint8_t)*s > ' ' || (*s != ' ' && *s != '\t')))
		s++;
	*tok = t;
	size_t n = (size_t)(s - t);
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	*p = s;
	return n;
}

/* Next line of buf: [*ls, *le) without CR/LF; returns false at the end. */
static bool next_line(const char *buf, size_t len, size_t *off, const char **ls, size_t *ll)
{
	if (*off >= len)
		return false;
	const char *s = buf + *off;
	const char *nl = memchr(s, '\n', len - *off);
	size_t n = nl ? (size_t)(nl - s) : len - *off;
	*off += n + (nl ? 1 : 0);
	if (n && s[n - 1] == '\r')
		n--;
	*ls = s;
	*ll = n;
	return true;
}

static size_t skip_bom(const char *buf, size_t len)
{
	return len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

static bool is_sink_ip(const char *t, size_t n)
{
	static const char *const sinks[] = { "0.0.0.0", "127.0.0.1", "::", "::1", "0", NULL };
	for (size_t i = 0; sinks[i]; i++)
		if (strlen(sinks[i]) == n && memcmp(sinks[i], t, n) == 0)
			return true;
	return false;
}

enum ioc_format ioc_format_detect(const char *buf, size_t len)
{
	size_t off = skip_bom(buf, len);
	size_t i = off;
	/* a file that names itself is native whatever its lines look like */
	if (len - off >= 14 && memcmp(buf + off, "# stalkerwatch", 14) == 0)
		return IOC_FMT_NATIVE;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i < len && (buf[i] == '{' || buf[i] == '[')) {
		size_t win = len - i < 65536 ? len - i : 65536;
		if (memmem(buf + i, win, "\"iocs\"", 6))
			return IOC_FMT_TINYCHECK;
		return IOC_FMT_STIX2; /* the JSON importer says so when it is not */
	}
	/* line-based: look at the first non-comment lines */
	const char *ls;
	size_t ll, sampled = 0, one_tok = 0, hosts = 0;
	size_t o = off;
	bool first = true;
	while (sampled < 64 && next_line(buf, len, &o, &ls, &ll)) {
		const char *p = ls, *end = ls + ll, *tok;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end || *p == '#')
			continue;
		if (first) {
			/* a YAML document start: the next line decides */
			if (end - p >= 3 && memcmp(p, "---", 3) == 0)
				continue;
			first = false;
			if (end - p >= 6 && memcmp(p, "- name", 6) == 0)
				return IOC_FMT_ECHAP_YAML;
			if (end - p >= 14 && memcmp(p, "type,indicator", 14) == 0)
				return IOC_FMT_ECHAP_CSV;
		}
		sampled++;
		/* cut a trailing comment */
		const char *hash = memchr(p, '#', (size_t)(end - p));
		if (hash && hash > p && (hash[-1] == ' ' || hash[-1] == '\t'))
			end = hash;
		size_t t1 = ioc_token(&p, end, &tok);
		const char *tok2;
		size_t t2 = ioc_token(&p, end, &tok2);
		if (t1 && !t2)
			one_tok++;
		if (t2 && is_sink_ip(tok, t1))
			hosts++;
	}
	if (sampled && hosts == sampled)
		return IOC_FMT_HOSTS;
	if (sampled && one_tok == sampled)
		return IOC_FMT_PLAIN;
	return IOC_FMT_NATIVE;
}

/* Does p[0..n) hold a control character other than tab (or DEL)?  Eight
 * bytes at a time: comments are most of a native line. */
static bool has_ctl(const char *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, p + i, 8);
		uint64_t del = x ^ (0x7f * ones);
		/* a byte below 0x20, or a byte equal to 0x7f (standard SWAR tests) */
		if (((x - 0x20 * ones) & ~x & highs) || ((del - ones) & ~del & highs)) {
			for (size_t k = i; k < i + 8; k++) {
				uint8_t c = (uint8_t)p[k];
				if ((c < 0x20 && c != '\t') || c == 0x7f)
					return true;
			}
		}
	}
	for (; i < n; i++) {
		uint8_t c = (uint8_t)p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

static bool parse_conf(const char *t, size_t n, int *conf)
{
	static const char *const names[] = { "low", "medium", "high" };
	for (int i = 0; i < 3; i++)
		if (strlen(names[i]) == n && memcmp(names[i], t, n) == 0) {
			*conf = i;
			return true;
		}
	return false;
}

/*
 * Prefetch distance, in lines: each rule lands on a random slot of the
 * index, a cache miss on big sets; hashing the pattern of the line this far
 * ahead and prefetching its slot overlaps the misses with the parsing of the
 * lines in between.
 */
#define LOOKAHEAD 4

/* A line further down, its first word and the word's index hash. */
struct ahead {
	bool have;        /* false: past the end */
	const char *ls;   /* the line, without CR/LF */
	size_t ll;
	const char *tok;  /* NULL: blank, comment or over-long line */
	size_t len;
	uint32_t hash;
};

/* Prefetch the slot of the first word of the next line at *la (a guess: it
 * is the rule's key when the line is a plain, canonical rule) and keep its
 * hash in *a, so the line's rule does not hash it again. */
static void lookahead(struct ioc_b *b, const char *buf, size_t len, size_t *la,
                      struct ahead *a)
{
	const char *ls = NULL;
	size_t ll = 0;
	a->tok = NULL;
	a->len = 0;
	a->have = next_line(buf, len, la, &ls, &ll);
	a->ls = ls;
	a->ll = ll;
	if (!a->have || ll > SW_IOC_LINE_MAX)
		return;
	const char *p = ls, *end = ls + ll, *tok;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#')
		return;
	size_t tl = ioc_token(&p, end, &tok);
	if (tl == 0 || tl > SW_HOST_MAX + 40)
		return;
	a->tok = tok;
	a->len = tl;
	a->hash = ioc_b_prefetch(b, tok, tl);
}

int ioc_import_native(struct ioc_b *b, const char *buf, size_t len, uint32_t *linep,
                      char *err, size_t errlen)
{
	size_t la = *linep ? 0 : skip_bom(buf, len);
	uint32_t line = *linep;
	bool has_nul = memchr(buf, '\0', len) != NULL; /* then look line by line */
	/* the lines are read LOOKAHEAD ahead: line L is in ring[L % (LOOKAHEAD + 1)] */
	struct ahead ring[LOOKAHEAD + 1];
	for (uint32_t i = 1; i <= LOOKAHEAD; i++)
		lookahead(b, buf, len, &la, &ring[(line + i) % (LOOKAHEAD + 1)]);
	for (;;) {
		struct ahead here = ring[(line + 1) % (LOOKAHEAD + 1)];
		if (!here.have)
			break;
		line++;
		*linep = line;
		lookahead(b, buf, len, &la, &ring[(line + LOOKAHEAD) % (LOOKAHEAD + 1)]);
		const char *ls = here.ls;
		size_t ll = here.ll;
		if (ll > SW_IOC_LINE_MAX) {
			ioc_b_err(b, line, NULL, err, errlen, "line longer than %d bytes", SW_IOC_LINE_MAX);
			return -1;
		}
		if (has_nul && memchr(ls, '\0', ll)) {
			ioc_b_err(b, line, NULL, err, errlen, "NUL byte in line");
			return -1;
		}
		const char *p = ls, *end = ls + ll;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end || *p == '#')
			continue;
		const char *pat, *fam;
		size_t pl;
		if (here.tok == p) {
			/* the look-ahead read this word already */
			pat = here.tok;
			pl = here.len;
			p += pl;
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
		} else {
			pl = ioc_token(&p, end, &pat);
		}
		size_t fl = ioc_token(&p, end, &fam);
		if (fl == 0 || fam[0] == '#') {
			char e[200];
			sw_esc_buf(e, sizeof e, pat, pl);
			ioc_b_err(b, line, NULL, err, errlen,
			          "missing family after pattern %s (expected: <pattern> <family> [comment])", e);
			return -1;
		}
		if (fl > IOC_FAMILY_MAX) {
			ioc_b_err(b, line, NULL, err, errlen, "family name longer than %d bytes",
			          IOC_FAMILY_MAX);
			return -1;
		}
		for (size_t i = 0; i < fl; i++) {
			uint8_t c = (uint8_t)fam[i];
			if (c < 0x20 || c == 0x7f) {
				ioc_b_err(b, line, NULL, err, errlen, "control character in family name");
				return -1;
			}
		}

		int conf = -1;
		if (end - p >= 11 && memcmp(p, "confidence=", 11) == 0) {
			const char *ct;
			size_t cl = ioc_token(&p, end, &ct);
			if (!parse_conf(ct + 11, cl - 11, &conf)) {
				char e[100];
				sw_esc_buf(e, sizeof e, ct, cl);
				ioc_b_err(b, line, NULL, err, errlen,
				          "bad %s (expected confidence=low, medium or high)", e);
				return -1;
			}
		}
		/* the rest is the comment; a leading '#' is decoration */
		while (p < end && (*p == '#' || *p == ' ' || *p == '\t'))
			p++;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		size_t cl = (size_t)(end - p);
		if (has_ctl(p, cl)) {
			ioc_b_err(b, line, NULL, err, errlen, "control character in comment");
			return -1;
		}

		/* family and comment are passed in place, with their lengths */
		struct ioc_cand c = {
			.text = pat, .textlen = pl, .family = fam, .familylen = fl,
			.comment = cl ? p : "", .commentlen = cl,
			.category = "", .line = line, .confidence = conf,
		};
		if (here.tok == pat && here.len == pl) {
			c.hint = pat;
			c.hintlen = pl;
			c.hinthash = here.hash;
		}
		if (pl && pat[0] == '=') {
			c.exact = true;
			c.text++;
			c.textlen--;
		}
		if (ioc_b_add(b, &c, err, errlen) == IOC_ADD_ERROR)
			return -1;
	}
	return 0;
}

/* Plain lists, hosts files and Echap network.csv: one value (or a few) per
 * line, imported leniently. */
int ioc_import_lines(struct ioc_b *b, enum ioc_format f, const char *buf, size_t len,
                     uint32_t *linep, char *err, size_t errlen)
{
	size_t off = *linep ? 0 : skip_bom(buf, len);
	const char *ls;
	size_t ll;
	uint32_t line = *linep;
	const char *comment = f == IOC_FMT_HOSTS ? "hosts file" :
	                      f == IOC_FMT_ECHAP_CSV ? "echap network.csv" : "plain list";
	/* a plain list's first word is its value: prefetch as for native */
	bool plain = f == IOC_FMT_PLAIN;
	size_t la = off;
	struct ahead ring[LOOKAHEAD + 1];
	for (uint32_t i = 1; plain && i <= LOOKAHEAD; i++)
		lookahead(b, buf, len, &la, &ring[(line + i) % (LOOKAHEAD + 1)]);
	while (next_line(buf, len, &off, &ls, &ll)) {
		*linep = ++line;
		struct ahead here = { .tok = NULL };
		if (plain) {
			here = ring[line % (LOOKAHEAD + 1)];
			lookahead(b, buf, len, &la, &ring[(line + LOOKAHEAD) % (LOOKAHEAD + 1)]);
		}
		if (ll > SW_IOC_LINE_MAX) {
			ioc_b_warn(b, line, NULL, "skipped: line longer than %d bytes", SW_IOC_LINE_MAX);
			continue;
		}
		const char *p = ls, *end = ls + ll, *tok;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end || *p == '#')
			continue;
		const char *hash = memchr(p, '#', (size_t)(end - p));
		if (hash && hash > p && (hash[-1] == ' ' || hash[-1] == '\t'))
			end = hash;
		struct ioc_cand c = {
			.family = "", .comment = comment, .category = "", .line = line,
			.confidence = -1, .lenient = true,
		};
		if (f == IOC_FMT_ECHAP_CSV) {
			/* type,indicator,app */
			if (line == 1 && (size_t)(end - p) >= 14 && memcmp(p, "type,indicator", 14) == 0)
				continue;
			const char *c1 = memchr(p, ',', (size_t)(end - p));
			const char *c2 = c1 ? memchr(c1 + 1, ',', (size_t)(end - c1 - 1)) : NULL;
			if (!c2) {
				ioc_b_warn(b, line, NULL, "skipped: expected type,indicator,app");
				continue;
			}
			char fam[129];
			size_t fl = (size_t)(end - c2 - 1);
			if (fl >= sizeof fam)
				fl = sizeof fam - 1;
			memcpy(fam, c2 + 1, fl);
			fam[fl] = '\0';
			c.family = fam;
			c.category = "stalkerware";
			c.text = c1 + 1;
			c.textlen = (size_t)(c2 - c1 - 1);
			static const char *const types[] = { "domain", "ipv4", "ipv6", "ip", "url", NULL };
			const char *field = NULL;
			for (size_t k = 0; types[k]; k++)
				if (strlen(types[k]) == (size_t)(c1 - p) && memcmp(types[k], p, (size_t)(c1 - p)) == 0)
					field = types[k];
			if (!field) {
				char e[64];
				sw_esc_buf(e, sizeof e, p, (size_t)(c1 - p));
				ioc_b_warn(b, line, NULL, "skipped: unknown type %s", e);
				continue;
			}
			ioc_b_count(b, field);
			if (ioc_b_add(b, &c, err, errlen) == IOC_ADD_ERROR)
				return -1;
			continue;
		}
		size_t tl = ioc_token(&p, end, &tok);
		if (f == IOC_FMT_HOSTS) {
			if (!is_sink_ip(tok, tl)) {
				ioc_b_warn(b, line, NULL, "skipped: not a 0.0.0.0/127.0.0.1 hosts line");
				continue;
			}
			while ((tl = ioc_token(&p, end, &tok)) > 0) {
				static const char *const local[] = { "localhost", "localhost.localdomain",
					"local", "broadcasthost", "ip6-localhost", "ip6-loopback", NULL };
				bool skip = false;
				for (size_t i = 0; local[i]; i++)
					if (strlen(local[i]) == tl && memcmp(local[i], tok, tl) == 0)
						skip = true;
				if (skip)
					continue;
				c.text = tok;
				c.textlen = tl;
				if (ioc_b_add(b, &c, err, errlen) == IOC_ADD_ERROR)
					return -1;
			}
			continue;
		}
		c.text = tok;
		c.textlen = tl;
		if (here.tok == tok && here.len == tl) {
			c.hint = tok;
			c.hintlen = tl;
			c.hinthash = here.hash;
		}
		const char *extra;
		if (ioc_token(&p, end, &extra))
			ioc_b_warn(b, line, NULL, "note: text after the first value ignored");
		if (ioc_b_add(b, &c, err, errlen) == IOC_ADD_ERROR)
			return -1;
	}
	return 0;
}
