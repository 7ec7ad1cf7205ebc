/*
 * http.c - HTTP/1.x request head dissector (contract in http.h).
 *
 * RFC 9112 2.2 (message parsing: bare LF accepted, bare CR refused, empty
 * lines before the request line), 3 (request line), 5 (field lines, no
 * space before the colon, obs-fold), 6.3 (body length); RFC 9110 5.1 and
 * 5.6.2 (tokens), 5.5 (field values), 7.2 (Host), 8.6 (Content-Length),
 * 9 (methods); HTTP/0.9 (W3C 1991) simple requests: "GET" SP path CRLF.
 *
 *   [CRLF]...                       at most SW_HTTP_LEADING_EOL_MAX, skipped
 *   METHOD SP request-target SP HTTP/1.x CRLF
 *   field-name ":" OWS field-value OWS CRLF     0..SW_HTTP_HEADERS_MAX lines
 *   CRLF                            end of the head (head_len counts it)
 *
 * A line ends with LF, optionally preceded by CR.  Until the version token
 * "HTTP/" is seen a failure means "not HTTP" (D_NOT_MINE): FTP, SMTP, RTSP
 * and SIP lines look like request lines too.  After it, a broken line is
 * D_MALFORMED.  An incomplete last line is checked as far as it goes, so
 * junk is refused without waiting for a line end.
 */
#include "dissectors/http.h"

#include "daemon/sw_limits.h"

/* ---- character classes -------------------------------------------------- */

/* What a plausible method is made of (the registered methods use A-Z and
 * '-'; '_' is seen in private extension methods). */
static bool is_method_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

/* tchar, RFC 9110 5.6.2 */
static bool is_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
	case '+': case '-': case '.': case '^': case '_': case '`': case '|':
	case '~':
		return true;
	default:
		return false;
	}
}

/* A request-target byte: any visible ASCII, and obs-text (raw UTF-8 paths
 * are real traffic).  No space, no control byte. */
static bool is_target_char(uint8_t c)
{
	return (c > 0x20 && c < 0x7f) || c >= 0x80;
}

static bool is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* ---- small view helpers (all reads through the cursor) ------------------ */

/* Drop leading and trailing SP / HTAB. */
static struct cur trim_ows(struct cur v)
{
	uint8_t c;
	while (cur_peek_u8(&v, 0, &c) && is_ows(c))
		cur_skip(&v, 1);
	while (cur_peek_u8(&v, cur_len(&v) - 1, &c) && is_ows(c))
		cur_truncate(&v, cur_len(&v) - 1);
	return v;
}

/* ASCII case-insensitive comparison of a view with a lower-case string. */
static bool eq_nocase(const struct cur *v, const char *s)
{
	size_t n = strlen(s);
	uint8_t c;
	if (cur_len(v) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!cur_peek_u8(v, i, &c))
			return false;
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + ('a' - 'A'));
		if (c != (uint8_t)s[i])
			return false;
	}
	return true;
}

/* True when every byte of v satisfies ok(). */
static bool all_of(const struct cur *v, bool (*ok)(uint8_t))
{
	uint8_t c;
	for (size_t i = 0; cur_peek_u8(v, i, &c); i++)
		if (!ok(c))
			return false;
	return true;
}

/*
 * Take the next line off c.  true: *line is the line without its LF and
 * without one CR before it, and c is past the LF.  false: there is no LF in
 * c; *line is the rest (without a final CR, which may be a CRLF's first
 * half) and c is unchanged.
 */
static bool next_line(struct cur *c, struct cur *line)
{
	long lf = cur_find_u8(c, 0, '\n');
	uint8_t last;

	*line = *c;
	if (lf >= 0)
		cur_truncate(line, (size_t)lf);
	if (cur_peek_u8(line, cur_len(line) - 1, &last) && last == '\r')
		cur_truncate(line, cur_len(line) - 1);
	if (lf < 0)
		return false;
	cur_skip(c, (size_t)lf + 1);
	return true;
}

/* ---- the request line --------------------------------------------------- */

/*
 * The method token at the start of c.  D_OK with *mlen when SW_HTTP_METHOD_MIN
 * to SW_HTTP_METHOD_MAX method bytes are followed by SP; D_NEED_MORE when c
 * ends inside a token that could still be one; D_NOT_MINE otherwise.
 */
static enum dres scan_method(const struct cur *c, size_t *mlen)
{
	uint8_t b;

	for (size_t i = 0;; i++) {
		if (!cur_peek_u8(c, i, &b))
			return D_NEED_MORE;
		if (b == ' ') {
			if (i < SW_HTTP_METHOD_MIN)
				return D_NOT_MINE;
			*mlen = i;
			return D_OK;
		}
		if (i >= SW_HTTP_METHOD_MAX || !is_method_char(b) ||
		    (i == 0 && (b == '-' || b == '_')))
			return D_NOT_MINE;
	}
}

static void req_clear(struct http_req *out)
{
	memset(out, 0, sizeof(*out));
	out->method = cur_make(NULL, 0);
	out->target = out->method;
	out->host = out->method;
}

/* An incomplete request line: could it still become one? */
static enum dres partial_request_line(struct cur line)
{
	size_t mlen;
	enum dres r = scan_method(&line, &mlen);
	if (r != D_OK)
		return r;
	cur_skip(&line, mlen + 1);
	/* target SP version: visible bytes and single spaces so far */
	uint8_t c, prev = ' ';
	for (size_t i = 0; cur_peek_u8(&line, i, &c); i++) {
		if (c == ' ' ? prev == ' ' : !is_target_char(c))
			return D_NOT_MINE;
		prev = c;
	}
	return D_NEED_MORE;
}

/* A whole request line (without its line end). */
static enum dres request_line(struct cur line, struct http_req *out)
{
	size_t mlen, sp1 = 0, sp = 0;
	bool have_sp = false;
	uint8_t c;
	struct cur rest, target, ver;

	if (scan_method(&line, &mlen) != D_OK)
		return D_NOT_MINE;
	rest = line;
	cur_get_bytes(&rest, &out->method, mlen);
	cur_skip(&rest, 1);
	/* the first and the last space after the method */
	for (size_t i = 0; cur_peek_u8(&rest, i, &c); i++) {
		if (c == ' ') {
			if (!have_sp)
				sp1 = i;
			sp = i;
			have_sp = true;
		}
	}
	if (!have_sp) {
		/* HTTP/0.9: only GET, only a path, nothing after it */
		if (!cur_eq_str(&out->method, "GET") || !cur_peek_u8(&rest, 0, &c) ||
		    c != '/' || !all_of(&rest, is_target_char))
			return D_NOT_MINE;
		out->target = rest;
		out->http09 = true;
		return D_OK;
	}
	target = rest;
	cur_truncate(&target, sp1);
	cur_skip(&rest, sp + 1);
	ver = rest;
	struct cur proto = ver;
	if (!cur_truncate(&proto, 5) || !cur_eq_str(&proto, "HTTP/"))
		return D_NOT_MINE; /* RTSP/1.0, SIP/2.0, ... */
	/* From here on it is HTTP. */
	uint8_t major, dot, minor;
	if (cur_len(&ver) != 8 || !cur_peek_u8(&ver, 5, &major) ||
	    !cur_peek_u8(&ver, 6, &dot) || !cur_peek_u8(&ver, 7, &minor) ||
	    dot != '.' || minor < '0' || minor > '9')
		return D_MALFORMED;
	if (major != '1') {
		/* the HTTP/2 connection preface, "PRI * HTTP/2.0" */
		if (major == '2' && minor == '0' && cur_eq_str(&out->method, "PRI"))
			return D_NOT_MINE;
		return D_MALFORMED;
	}
	if (cur_empty(&target) || !all_of(&target, is_target_char))
		return D_MALFORMED;
	if (sp1 != sp) {
		/* "GET /a b HTTP/1.1": the words between are dropped, but
		 * they must still be visible bytes with single spaces */
		struct cur mid = line;
		cur_skip(&mid, mlen + 1 + sp1);
		cur_truncate(&mid, sp - sp1 + 1);
		uint8_t prev = 0;
		for (size_t i = 0; cur_peek_u8(&mid, i, &c); i++) {
			if (c == ' ' ? prev == ' ' : !is_target_char(c))
				return D_MALFORMED;
			prev = c;
		}
		out->target_cut = true;
	}
	out->target = target;
	out->version_minor = (uint8_t)(minor - '0');
	out->is_connect = cur_eq_str(&out->method, "CONNECT");
	return D_OK;
}

enum dres http_probe(const uint8_t *p, size_t n)
{
	struct cur c = cur_make(p, n), line;
	struct http_req tmp;
	size_t mlen;
	uint8_t b;

	enum dres r = scan_method(&c, &mlen);
	if (r != D_OK)
		return r;
	if (!cur_peek_u8(&c, mlen + 1, &b))
		return D_NEED_MORE;
	if (!is_target_char(b))
		return D_NOT_MINE;
	/* Agree with http_request() about the first line, whole or not, so
	 * that the probe never says OK where the request says D_NOT_MINE:
	 * "USER anonymous" (FTP) or "HELO host" (SMTP) is not HTTP. */
	cur_truncate(&c, SW_HTTP_HEAD_MAX);
	req_clear(&tmp);
	if (next_line(&c, &line))
		r = request_line(line, &tmp);
	else
		r = partial_request_line(line);
	return r == D_NOT_MINE ? D_NOT_MINE : D_OK;
}

/* ---- field lines -------------------------------------------------------- */

enum field_kind { F_OTHER = 0, F_HOST, F_LENGTH, F_TE };

/* Content-Length, RFC 9110 8.6: 1*DIGIT, or a list of identical values
 * ("5, 5", which a recipient may accept).  false when not a number or the
 * values differ or it overflows 19 digits. */
static bool parse_length(struct cur v, uint64_t *len)
{
	bool have = false;
	uint64_t first = 0;

	for (;;) {
		uint64_t x = 0;
		size_t digits = 0;
		uint8_t c;
		while (cur_peek_u8(&v, 0, &c) && c >= '0' && c <= '9') {
			if (++digits > 19)
				return false;
			x = x * 10 + (uint64_t)(c - '0');
			cur_skip(&v, 1);
		}
		if (digits == 0 || (have && x != first))
			return false;
		first = x;
		have = true;
		v = trim_ows(v);
		if (cur_empty(&v))
			break;
		if (!cur_get_u8(&v, &c) || c != ',')
			return false;
		v = trim_ows(v);
	}
	*len = first;
	return true;
}

/* Does a Transfer-Encoding list name "chunked"?  Codings are
 * comma-separated tokens, each possibly followed by ";params". */
static bool te_has_chunked(struct cur v)
{
	while (!cur_empty(&v)) {
		struct cur item = v;
		long comma = cur_find_u8(&v, 0, ',');
		if (comma >= 0) {
			cur_truncate(&item, (size_t)comma);
			cur_skip(&v, (size_t)comma + 1);
		} else {
			cur_skip(&v, cur_len(&v));
		}
		long semi = cur_find_u8(&item, 0, ';');
		if (semi >= 0)
			cur_truncate(&item, (size_t)semi);
		item = trim_ows(item);
		if (eq_nocase(&item, "chunked"))
			return true;
	}
	return false;
}

/* A control byte RFC 9110 5.5 lets a recipient read as SP (NUL and the
 * like); CR is not one of them: a bare CR may end a line for someone else. */
static bool is_soft_ctl(uint8_t c)
{
	return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f;
}

enum { NAME_OK, NAME_INVALID, NAME_BROKEN };

/* A field name: tchar only (NAME_OK); other bytes make it a name to ignore
 * (NAME_INVALID, as nginx's ignore_invalid_headers); white space or CR in it
 * is refused (NAME_BROKEN; RFC 9112 5.1: "Host : x" MUST be rejected). */
static int name_class(const struct cur *name)
{
	int res = cur_empty(name) ? NAME_BROKEN : NAME_OK;
	uint8_t c;
	for (size_t i = 0; cur_peek_u8(name, i, &c); i++) {
		if (is_ows(c) || c == '\r')
			return NAME_BROKEN;
		if (!is_tchar(c))
			res = NAME_INVALID;
	}
	return res;
}

/* Check a field value: false on a bare CR; *soft when it holds control
 * bytes that are tolerated. */
static bool value_ok(const struct cur *v, bool *soft)
{
	uint8_t c;
	*soft = false;
	for (size_t i = 0; cur_peek_u8(v, i, &c); i++) {
		if (c == '\r' || c == '\n')
			return false;
		if (is_soft_ctl(c))
			*soft = true;
	}
	return true;
}

/* An incomplete field line: D_MALFORMED when what is there already breaks
 * the grammar, else D_NEED_MORE. */
static enum dres partial_field(struct cur line)
{
	uint8_t c;
	bool soft;
	long colon = cur_find_u8(&line, 0, ':');

	if (cur_peek_u8(&line, 0, &c) && is_ows(c))
		return value_ok(&line, &soft) ? D_NEED_MORE : D_MALFORMED;
	struct cur name = line, value = line;
	if (colon >= 0) {
		cur_truncate(&name, (size_t)colon);
		cur_skip(&value, (size_t)colon + 1);
		if (!value_ok(&value, &soft) || name_class(&name) == NAME_BROKEN)
			return D_MALFORMED;
	} else if (!cur_empty(&name) && name_class(&name) == NAME_BROKEN) {
		return D_MALFORMED;
	}
	return D_NEED_MORE;
}

/* Count one tolerated bad field line; too many is junk, not HTTP. */
static bool note_bad(struct http_req *out)
{
	return ++out->n_bad_fields <= SW_HTTP_BAD_FIELDS_MAX;
}

/* One whole field line (without its line end).  *last is the kind of the
 * previous field line, for obs-fold; it becomes this line's kind. */
static enum dres field_line(struct cur line, struct http_req *out,
                            enum field_kind *last, bool *first_line)
{
	uint8_t c;
	bool first = *first_line, soft;

	*first_line = false;
	if (cur_peek_u8(&line, 0, &c) && is_ows(c)) {
		/* obs-fold (RFC 9112 5.2): a continuation of the previous
		 * value.  Refused where it would change what we read: after
		 * the request line, or continuing Host, Content-Length or
		 * Transfer-Encoding. */
		if (first || *last != F_OTHER || !value_ok(&line, &soft))
			return D_MALFORMED;
		if (soft && !note_bad(out))
			return D_MALFORMED;
		return D_OK;
	}
	long colon = cur_find_u8(&line, 0, ':');
	if (colon < 0)
		return D_MALFORMED;
	struct cur name = line, value = line;
	cur_truncate(&name, (size_t)colon);
	cur_skip(&value, (size_t)colon + 1);
	int nc = name_class(&name);
	if (nc == NAME_BROKEN || !value_ok(&value, &soft))
		return D_MALFORMED;
	if ((nc == NAME_INVALID || soft) && !note_bad(out))
		return D_MALFORMED;
	value = trim_ows(value);

	*last = F_OTHER;
	if (nc == NAME_INVALID)
		return D_OK; /* ignored */
	if (eq_nocase(&name, "host")) {
		/* taken raw even with control bytes: the caller's hostname
		 * check refuses them */
		*last = F_HOST;
		if (out->has_host) {
			out->host_dup = true;
		} else {
			out->host = value;
			out->has_host = true;
		}
	} else if (eq_nocase(&name, "content-length")) {
		uint64_t len;
		*last = F_LENGTH;
		if (!parse_length(value, &len))
			return D_MALFORMED;
		if (out->has_length && len != out->body_len)
			return D_MALFORMED;
		out->body_len = len;
		out->has_length = true;
	} else if (eq_nocase(&name, "transfer-encoding")) {
		*last = F_TE;
		if (soft)
			return D_MALFORMED;
		if (te_has_chunked(value))
			out->chunked = true;
	}
	return D_OK;
}

/* ---- the request head --------------------------------------------------- */

/* The verdict for a head that has no line end yet: the limit, or wait. */
static enum dres incomplete(enum dres r, bool full)
{
	if (r == D_NEED_MORE && full)
		return D_MALFORMED;
	return r;
}

static enum dres parse_head(const uint8_t *p, size_t n, struct http_req *out)
{
	struct cur all = cur_make(p, n), c, line;
	uint8_t b;
	enum dres r;

	/* The head must end within SW_HTTP_HEAD_MAX bytes: look no further. */
	cur_truncate(&all, SW_HTTP_HEAD_MAX);
	bool full = cur_len(&all) == SW_HTTP_HEAD_MAX;
	c = all;

	for (int i = 0; i < SW_HTTP_LEADING_EOL_MAX; i++) {
		if (cur_peek_u8(&c, 0, &b) && b == '\n') {
			cur_skip(&c, 1);
		} else if (cur_peek_u8(&c, 0, &b) && b == '\r') {
			if (!cur_peek_u8(&c, 1, &b))
				return incomplete(D_NEED_MORE, full);
			if (b != '\n')
				return D_NOT_MINE;
			cur_skip(&c, 2);
		} else {
			break;
		}
	}
	if (!next_line(&c, &line))
		return incomplete(partial_request_line(line), full);
	r = request_line(line, out);
	if (r != D_OK || out->http09)
		goto done;

	enum field_kind last = F_OTHER;
	bool first = true;
	for (;;) {
		if (!next_line(&c, &line))
			return incomplete(partial_field(line), full);
		if (cur_empty(&line))
			break;
		if (out->n_fields >= SW_HTTP_HEADERS_MAX)
			return D_MALFORMED;
		out->n_fields++;
		r = field_line(line, out, &last, &first);
		if (r != D_OK)
			return r;
	}
done:
	if (r == D_OK)
		out->head_len = cur_len(&all) - cur_len(&c);
	return r;
}

enum dres http_request(const uint8_t *p, size_t n, struct http_req *out)
{
	req_clear(out);
	enum dres r = parse_head(p, n, out);
	if (r != D_OK)
		req_clear(out);
	return r;
}
