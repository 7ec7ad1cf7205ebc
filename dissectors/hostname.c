/*
 * hostname.c - validation and normalisation of hostnames (see hostname.h).
 *
 * Rules: RFC 1035 2.3.4 lengths (253 text bytes, 63 per label), the LDH
 * character set of RFC 952/1123 plus '_' (SRV, DMARC and many CDN names use
 * it), a leftmost "*" label (wildcard queries), one trailing dot dropped.
 * IP literals are recognised and canonicalised with inet_pton/inet_ntop, so
 * "010.1.1.1"-style or zone-id forms never pass as names.
 */
#include "dissectors/hostname.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

static bool is_name_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Try the bytes as an IP literal; on success write the canonical text. */
static enum hn_res try_ip(const uint8_t *p, size_t n, char *out, size_t *outlen)
{
	char tmp[64];
	uint8_t bin[16];

	if (n >= 2 && p[0] == '[' && p[n - 1] == ']') {
		p++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(tmp))
		return HN_EMPTY;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	if (memchr(tmp, '\0', n))
		return HN_EMPTY;
	if (inet_pton(AF_INET, tmp, bin) == 1) {
		if (!inet_ntop(AF_INET, bin, out, SW_HOST_BUF))
			return HN_EMPTY;
		*outlen = strlen(out);
		return HN_IP4;
	}
	if (strchr(tmp, ':') && inet_pton(AF_INET6, tmp, bin) == 1) {
		if (!inet_ntop(AF_INET6, bin, out, SW_HOST_BUF))
			return HN_EMPTY;
		*outlen = strlen(out);
		return HN_IP6;
	}
	return HN_EMPTY;
}

enum hn_res hn_normalise(const uint8_t *p, size_t n, char *out, size_t *outlen)
{
	out[0] = '\0';
	*outlen = 0;
	if (p == NULL || n == 0)
		return HN_EMPTY;

	/* An IPv6 literal contains ':' or brackets, never valid in names; an
	 * IPv4 literal is all digits and dots.  Check those first. */
	bool digits_dots = true, colon = false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == ':' || c == '[')
			colon = true;
		if (!((c >= '0' && c <= '9') || c == '.'))
			digits_dots = false;
	}
	if (colon || digits_dots) {
		enum hn_res r = try_ip(p, n, out, outlen);
		if (r == HN_IP4 || r == HN_IP6)
			return r;
		if (colon)
			return HN_BADCHAR;
	}

	if (p[n - 1] == '.')
		n--;
	if (n == 0)
		return HN_EMPTY;
	if (n > SW_HOST_MAX)
		return HN_TOOLONG;

	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == '.') {
			if (label == 0)
				return HN_BADLABEL;
			label = 0;
			out[i] = '.';
			continue;
		}
		if (c == '*' && i == 0 && (n == 1 || p[1] == '.')) {
			/* wildcard leftmost label */
		} else if (!is_name_byte(c)) {
			out[0] = '\0';
			return HN_BADCHAR;
		}
		if (++label > SW_LABEL_MAX) {
			out[0] = '\0';
			return HN_TOOLONG;
		}
		out[i] = (char)hn_lower(c);
	}
	if (label == 0) {
		out[0] = '\0';
		return HN_BADLABEL;
	}
	out[n] = '\0';
	*outlen = n;
	return HN_NAME;
}

size_t hn_http_host(const uint8_t *p, size_t n, const uint8_t **host)
{
	while (n && (p[0] == ' ' || p[0] == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	*host = p;
	if (n && p[0] == '[') {
		/* IP-literal: up to and including the closing bracket */
		for (size_t i = 1; i < n; i++)
			if (p[i] == ']')
				return i + 1;
		return n;
	}
	for (size_t i = n; i > 0; i--) {
		uint8_t c = p[i - 1];
		if (c == ':') {
			/* a port is digits only (possibly empty, RFC 3986 3.2.3) */
			bool digits = true;
			for (size_t j = i; j < n; j++)
				if (p[j] < '0' || p[j] > '9')
					digits = false;
			return digits ? i - 1 : n;
		}
		if (c < '0' || c > '9')
			break;
	}
	return n;
}

const char *hn_res_str(enum hn_res r)
{
	switch (r) {
	case HN_NAME: return "name";
	case HN_IP4: return "ipv4 literal";
	case HN_IP6: return "ipv6 literal";
	case HN_EMPTY: return "empty";
	case HN_TOOLONG: return "too long";
	case HN_BADCHAR: return "bad character";
	case HN_BADLABEL: return "empty label";
	}
	return "?";
}
