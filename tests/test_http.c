/*
 * test_http.c - http_probe and http_request.
 *
 * Real client streams cut from ../shared/pcaps (tests/data/http, README
 * there) are walked request by request the way the pipeline does it (head_len,
 * then Content-Length bytes of body) and compared with tshark's method, URI
 * and Host for each request (vectors.tsv); every prefix of every head must be
 * D_NEED_MORE.  A table of hand-written heads covers the grammar (RFC 9112
 * 2.2, 3, 5; RFC 9110 7.2, 8.6) and the limits.  Every input goes through
 * tu_guard_copy, so any over-read faults.
 */
#include <stdio.h>
#include <stdlib.h>

#include "daemon/sw_limits.h"
#include "dissectors/http.h"
#include "dissectors/tls.h"
#include "tests/testutil.h"

#define MAXROWS 64
#define MAXB 8192

struct row {
	char name[32];
	char verdict[16];
	char method[32];
	char uri[2048];
	char host[256];
};

static struct row rows[MAXROWS];
static int nrows;

static const char *datadir(void)
{
	const char *e = getenv("SW_TESTDATA");
	return (e && *e) ? e : "tests/data";
}

static bool load_rows(void)
{
	char path[512], line[4096];
	snprintf(path, sizeof path, "%s/http/vectors.tsv", datadir());
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "test_http: cannot read %s (run from the repo root "
		        "or set SW_TESTDATA)\n", path);
		return false;
	}
	while (fgets(line, sizeof line, f) && nrows < MAXROWS) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		struct row *r = &rows[nrows];
		line[strcspn(line, "\n")] = '\0';
		char *fld[5];
		int nf = 0;
		for (char *s = line; nf < 5; nf++) {
			fld[nf] = s;
			char *t = strchr(s, '\t');
			if (!t) {
				nf++;
				break;
			}
			*t = '\0';
			s = t + 1;
		}
		if (nf != 5) {
			fprintf(stderr, "test_http: bad row in %s\n", path);
			fclose(f);
			return false;
		}
		snprintf(r->name, sizeof r->name, "%s", fld[0]);
		snprintf(r->verdict, sizeof r->verdict, "%s", fld[1]);
		snprintf(r->method, sizeof r->method, "%s", fld[2]);
		snprintf(r->uri, sizeof r->uri, "%s", fld[3]);
		snprintf(r->host, sizeof r->host, "%s", fld[4]);
		nrows++;
	}
	fclose(f);
	return nrows > 0;
}

/* ---- guarded calls ---------------------------------------------------------- */

static struct tu_guard last;

static const uint8_t *guard(const void *p, size_t n)
{
	if (last.map)
		tu_guard_free(&last);
	last = tu_guard_copy(p, n);
	return last.data;
}

static enum dres req_g(const void *p, size_t n, struct http_req *q)
{
	return http_request(guard(p, n), n, q);
}

static enum dres probe_g(const void *p, size_t n)
{
	return http_probe(guard(p, n), n);
}

static enum dres verdict_of(const char *s)
{
	if (!strcmp(s, "OK"))
		return D_OK;
	if (!strcmp(s, "NEED_MORE"))
		return D_NEED_MORE;
	if (!strcmp(s, "NOT_MINE"))
		return D_NOT_MINE;
	return D_MALFORMED;
}

static bool view_is(const struct cur *v, const char *s)
{
	return cur_eq_str(v, s);
}

/* ---- real streams ------------------------------------------------------------- */

START_TEST(test_real_streams)
{
	static uint8_t b[MAXB];
	int i = 0, streams = 0, requests = 0;
	while (i < nrows) {
		const char *name = rows[i].name;
		char path[512];
		snprintf(path, sizeof path, "%s/http/%s.bin", datadir(), name);
		FILE *f = fopen(path, "rb");
		ck_assert_msg(f != NULL, "cannot read %s", path);
		size_t n = fread(b, 1, sizeof b, f);
		fclose(f);
		ck_assert_msg(n > 0, "%s is empty", path);
		streams++;

		size_t off = 0;
		bool tunnel = false, stop = false;
		for (; i < nrows && !strcmp(rows[i].name, name); i++) {
			const struct row *w = &rows[i];
			struct http_req q;
			if (stop)
				continue;
			enum dres r = req_g(b + off, n - off, &q);
			enum dres want = verdict_of(w->verdict);
			ck_assert_msg(r == want, "%s: request at %zu gives %d, want %s",
			              name, off, r, w->verdict);
			if (want != D_OK) {
				stop = true;
				continue;
			}
			requests++;
			ck_assert_msg(view_is(&q.method, w->method), "%s: method", name);
			ck_assert_msg(view_is(&q.target, w->uri), "%s: target '%.*s'",
			              name, (int)q.target.len, (const char *)q.target.p);
			if (!strcmp(w->host, "-") || q.http09) {
				/* HTTP/0.9 has no fields: what follows the
				 * line is not read (tshark reads it) */
				ck_assert_msg(!q.has_host, "%s: Host", name);
			} else if (q.has_host && memchr(q.host.p, 0, q.host.len)) {
				/* tshark shows a value up to its first NUL
				 * (fuzz-2006-09-29-28586.pcap); the view is
				 * the raw bytes */
				size_t k = (size_t)((const uint8_t *)memchr(q.host.p, 0, q.host.len) -
				                    q.host.p);
				ck_assert(k == strlen(w->host) && !memcmp(q.host.p, w->host, k));
			} else {
				ck_assert_msg(q.has_host && view_is(&q.host, w->host),
				              "%s: host '%.*s'", name, (int)q.host.len,
				              (const char *)q.host.p);
			}
			ck_assert(q.head_len > 0 && q.head_len <= n - off);
			/* views point into the input */
			ck_assert(q.target.p >= last.data && q.target.p < last.data + n - off);
			ck_assert(q.method.p == last.data || q.method.p < q.target.p);
			/* every prefix of the head is a prefix */
			for (size_t k = 0; k < q.head_len; k++) {
				struct http_req t;
				ck_assert_msg(req_g(b + off, k, &t) == D_NEED_MORE,
				              "%s: prefix %zu of request at %zu", name, k, off);
			}
			/* the probe agrees, from the method's space + 1 byte on */
			for (size_t k = 0; k <= q.head_len; k++) {
				enum dres pr = probe_g(b + off, k);
				ck_assert_int_eq(pr, k < q.method.len + 2 ? D_NEED_MORE : D_OK);
			}
			off += q.head_len;
			if (q.is_connect) {
				tunnel = true;
				stop = true;
				continue;
			}
			if (q.chunked) {
				stop = true;
				continue;
			}
			if (q.body_len > n - off) {
				stop = true; /* body cut by the capture */
				continue;
			}
			off += (size_t)q.body_len;
		}
		if (tunnel && off < n) {
			/* CONNECT: a TLS ClientHello follows the head */
			struct tls_hello h;
			static uint8_t scratch[SW_TLS_SCRATCH];
			const uint8_t *q = guard(b + off, n - off);
			ck_assert_int_eq(tls_probe(q, n - off), D_OK);
			ck_assert_int_eq(tls_client_hello(q, n - off, scratch, sizeof scratch,
			                                  &h), D_OK);
			ck_assert(h.has_sni);
		} else if (!stop && off < n) {
			/* nothing tshark did not see is reported as a request */
			struct http_req q;
			ck_assert_msg(req_g(b + off, n - off, &q) != D_OK,
			              "%s: extra request at %zu", name, off);
		}
	}
	printf("test_http: %d real streams, %d requests\n", streams, requests);
	ck_assert_int_ge(requests, 25);
}
END_TEST

/* Pipelined heads: one buffer, head_len leads from one to the next. */
START_TEST(test_pipelined_in_one_buffer)
{
	static const char in[] =
		"GET /1 HTTP/1.1\r\nHost: a.example\r\n\r\n"
		"POST /2 HTTP/1.1\r\nHost: b.example\r\nContent-Length: 5\r\n\r\nhello"
		"\r\n" /* stray CRLF after a body (RFC 9112 2.2) */
		"HEAD /3 HTTP/1.1\nHost: c.example\n\n"
		"GET /4 HTTP/1.1\r\nHost: d.example\r\n";
	const char *want_t[] = { "/1", "/2", "/3" }, *want_h[] = { "a.example",
	                                                            "b.example",
	                                                            "c.example" };
	size_t n = strlen(in), off = 0;
	struct http_req q;
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(req_g(in + off, n - off, &q), D_OK);
		ck_assert(view_is(&q.target, want_t[i]));
		ck_assert(view_is(&q.host, want_h[i]));
		off += q.head_len + (size_t)q.body_len;
	}
	ck_assert_int_eq(req_g(in + off, n - off, &q), D_NEED_MORE);
}
END_TEST

/* ---- hand-written heads ------------------------------------------------------- */

enum {
	X_NONE = 0,
	X_NOHOST = 1 << 0,   /* has_host false */
	X_DUP = 1 << 1,      /* host_dup */
	X_CHUNKED = 1 << 2,
	X_CONNECT = 1 << 3,
	X_09 = 1 << 4,
	X_CUT = 1 << 5,      /* target_cut */
	X_LEN = 1 << 6,      /* has_length */
	X_MINOR0 = 1 << 7,   /* version_minor 0 */
	X_BAD1 = 1 << 8,     /* n_bad_fields 1 */
};

struct hrow {
	const char *in;
	size_t len;          /* 0: strlen(in) */
	enum dres want;
	const char *method, *target, *host;
	unsigned flags;
	uint64_t body_len;
	size_t head_len;     /* 0: the whole input */
};

#define H11 " HTTP/1.1\r\n"
/* a literal with NUL bytes in it, and its length */
#define S(x) x, sizeof(x) - 1

static const struct hrow table[] = {
	/* request lines and targets */
	{ "GET /" H11 "Host: a.example\r\n\r\n", 0, D_OK, "GET", "/", "a.example", 0, 0, 0 },
	{ "GET /x HTTP/1.0\nHost: b.example\n\n", 0, D_OK, "GET", "/x", "b.example", X_MINOR0, 0, 0 },
	{ "GET /x" H11 "Host: c.example\n\r\n", 0, D_OK, "GET", "/x", "c.example", 0, 0, 0 },
	{ "GET http://h.example/p?q=1" H11 "Host: h.example\r\n\r\n", 0, D_OK, "GET",
	  "http://h.example/p?q=1", "h.example", 0, 0, 0 },
	{ "CONNECT h.example:443" H11 "Host: h.example:443\r\n\r\n", 0, D_OK, "CONNECT",
	  "h.example:443", "h.example:443", X_CONNECT, 0, 0 },
	{ "OPTIONS *" H11 "Host: i.example\r\n\r\n", 0, D_OK, "OPTIONS", "*", "i.example", 0, 0, 0 },
	{ "PROPFIND /dav/" H11 "Host: j\r\nDepth: 1\r\n\r\n", 0, D_OK, "PROPFIND", "/dav/", "j", 0, 0, 0 },
	{ "M-SEARCH *" H11 "HOST: 239.255.255.250:1900\r\n\r\n", 0, D_OK, "M-SEARCH", "*",
	  "239.255.255.250:1900", 0, 0, 0 },
	{ "UPDATEREDIRECTREF /r" H11 "\r\n", 0, D_OK, "UPDATEREDIRECTREF", "/r", NULL, X_NOHOST, 0, 0 },
	{ "X_PRIVATE_METHOD_ABC /" H11 "\r\n", 0, D_OK, "X_PRIVATE_METHOD_ABC", "/", NULL, X_NOHOST, 0, 0 },
	{ "GET /caf\xc3\xa9?\xff" H11 "X: \xc3\xa9\r\n\r\n", 0, D_OK, "GET", "/caf\xc3\xa9?\xff",
	  NULL, X_NOHOST, 0, 0 },
	{ "GET /a b HTTP/1.1\r\n\r\n", 0, D_OK, "GET", "/a", NULL, X_NOHOST | X_CUT, 0, 0 },
	{ "GET /a b c HTTP/1.1\r\n\r\n", 0, D_OK, "GET", "/a", NULL, X_NOHOST | X_CUT, 0, 0 },
	{ "GET /a b  c HTTP/1.1\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET /a \x01 HTTP/1.1\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET / HTTP/1.9\r\n\r\n", 0, D_OK, "GET", "/", NULL, X_NOHOST, 0, 0 },
	{ "\r\nGET /" H11 "Host: k\r\n\r\n", 0, D_OK, "GET", "/", "k", 0, 0, 0 },
	{ "\r\n\nGET /" H11 "Host: k\r\n\r\n", 0, D_OK, "GET", "/", "k", 0, 0, 0 },
	{ "\r\n\r\n\r\nGET /" H11 "Host: k\r\n\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	/* HTTP/0.9: GET and a path only */
	{ "GET /old\r\n", 0, D_OK, "GET", "/old", NULL, X_NOHOST | X_09 | X_MINOR0, 0, 0 },
	{ "GET /old\n", 0, D_OK, "GET", "/old", NULL, X_NOHOST | X_09 | X_MINOR0, 0, 0 },
	{ "GET /\r\nHost: evil HTTP/1.1\r\n\r\n", 0, D_OK, "GET", "/", NULL,
	  X_NOHOST | X_09 | X_MINOR0, 0, 7 },
	{ "HEAD /old\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	{ "GET old\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	/* Host */
	{ "GET / HTTP/1.0\r\nAccept: */*\r\n\r\n", 0, D_OK, "GET", "/", NULL, X_NOHOST | X_MINOR0, 0, 0 },
	{ "GET /" H11 "Host: d.example:8080\r\n\r\n", 0, D_OK, "GET", "/", "d.example:8080", 0, 0, 0 },
	{ "GET /" H11 "Host: [2001:db8::1]:443\r\n\r\n", 0, D_OK, "GET", "/", "[2001:db8::1]:443", 0, 0, 0 },
	{ "GET /" H11 "Host: [::1]\r\n\r\n", 0, D_OK, "GET", "/", "[::1]", 0, 0, 0 },
	{ "GET /" H11 "Host: \t e.example \t\r\n\r\n", 0, D_OK, "GET", "/", "e.example", 0, 0, 0 },
	{ "GET /" H11 "Host:\r\n\r\n", 0, D_OK, "GET", "/", "", 0, 0, 0 },
	{ "GET /" H11 "Host: first.example\r\nHost: second.example\r\n\r\n", 0, D_OK, "GET", "/",
	  "first.example", X_DUP, 0, 0 },
	{ "GET /" H11 "hOsT: f.example\r\n\r\n", 0, D_OK, "GET", "/", "f.example", 0, 0, 0 },
	{ "GET /" H11 "Hostname: x\r\nX-Host: y\r\n\r\n", 0, D_OK, "GET", "/", NULL, X_NOHOST, 0, 0 },
	/* Content-Length and Transfer-Encoding */
	{ "POST /u" H11 "Host: g\r\nContent-Length: 42\r\n\r\n", 0, D_OK, "POST", "/u", "g", X_LEN, 42, 0 },
	{ "POST /u" H11 "Content-Length: 7\r\ncontent-length:7 \r\n\r\n", 0, D_OK, "POST", "/u",
	  NULL, X_NOHOST | X_LEN, 7, 0 },
	{ "POST /u" H11 "Content-Length: 5, 5\r\n\r\n", 0, D_OK, "POST", "/u", NULL, X_NOHOST | X_LEN, 5, 0 },
	{ "POST /u" H11 "Content-Length: 0005\r\n\r\n", 0, D_OK, "POST", "/u", NULL, X_NOHOST | X_LEN, 5, 0 },
	{ "POST /u" H11 "Content-Length: 9999999999999999999\r\n\r\n", 0, D_OK, "POST", "/u",
	  NULL, X_NOHOST | X_LEN, 9999999999999999999ULL, 0 },
	{ "POST /u" H11 "Content-Length: 99999999999999999999\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "POST /u" H11 "Content-Length: 7\r\nContent-Length: 8\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "POST /u" H11 "Content-Length: 5, 6\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "POST /u" H11 "Content-Length: 12a\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "POST /u" H11 "Content-Length: -1\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "POST /u" H11 "Content-Length: +5\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "POST /u" H11 "Content-Length:\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "POST /u" H11 "Content-Length: 5,\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "POST /u" H11 "Transfer-Encoding: chunked\r\n\r\n", 0, D_OK, "POST", "/u", NULL,
	  X_NOHOST | X_CHUNKED, 0, 0 },
	{ "POST /u" H11 "Transfer-Encoding: gzip, Chunked\r\n\r\n", 0, D_OK, "POST", "/u", NULL,
	  X_NOHOST | X_CHUNKED, 0, 0 },
	{ "POST /u" H11 "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked;x=1\r\n\r\n", 0,
	  D_OK, "POST", "/u", NULL, X_NOHOST | X_CHUNKED, 0, 0 },
	{ "POST /u" H11 "Transfer-Encoding: chunkedx, gzip\r\n\r\n", 0, D_OK, "POST", "/u", NULL,
	  X_NOHOST, 0, 0 },
	/* field syntax */
	{ "GET /" H11 "X-A: 1\r\n  continued\r\n\r\n", 0, D_OK, "GET", "/", NULL, X_NOHOST, 0, 0 },
	{ "GET /" H11 " Host: a\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET /" H11 "Host: a\r\n b\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET /" H11 "Content-Length: 5\r\n\t6\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET /" H11 "Host : a\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET /" H11 "Host: a\x01" "b\r\n\r\n", 0, D_OK, "GET", "/", "a\x01" "b", X_BAD1, 0, 0 },
	{ "GET /" H11 "X: a\rb\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET /" H11 "Host: a\r\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET /" H11 "Host: a.example\r\nX: y\rHost: evil\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET /" H11 "Foo\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET /" H11 ": x\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	/* invalid names are ignored, control bytes in values tolerated,
	 * each counted; a few are tolerated, more is junk */
	{ "GET /" H11 "X@Y: 1\r\n\r\n", 0, D_OK, "GET", "/", NULL, X_NOHOST | X_BAD1, 0, 0 },
	{ "GET /" H11 "Hos\x8et: evil\r\nHost: good\r\n\r\n", 0, D_OK, "GET", "/", "good", X_BAD1, 0, 0 },
	{ "GET /" H11 "\xc3\xa9: 1\r\n\r\n", 0, D_OK, "GET", "/", NULL, X_NOHOST | X_BAD1, 0, 0 },
	{ "GET /" H11 "X: \x7f\r\n\r\n", 0, D_OK, "GET", "/", NULL, X_NOHOST | X_BAD1, 0, 0 },
	{ "GET /" H11 "X: \x1b[31m\r\n\r\n", 0, D_OK, "GET", "/", NULL, X_NOHOST | X_BAD1, 0, 0 },
	{ "GET /" H11 "A: \x01\r\nB: \x01\r\nC: \x01\r\nD: \x01\r\nE: \x01\r\nF: \x01\r\n"
	  "G: \x01\r\nH: \x01\r\nI: \x01\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET /" H11 "Transfer-Encoding: chunked\x01\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ S("GET /" H11 "Content-Length: 1\x00\r\n\r\n"), D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET /" H11 "X\tY: 1\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ S("GET /" H11 "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"), D_MALFORMED,
	  0, 0, 0, 0, 0, 0 },
	/* versions and other protocols */
	{ "GET / HTTP/2.0\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET / HTTP/1.x\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET / HTTP/1.10\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET / HTTP/1.\r\n\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET / HTTP/1.1 \r\n\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	{ "GET /a\x01" "b" H11 "\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "GET  /" H11 "\r\n", 0, D_MALFORMED, 0, 0, 0, 0, 0, 0 },
	{ "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	{ "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	{ "INVITE sip:bob@example.com SIP/2.0\r\n\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	{ "USER anonymous\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	{ "EHLO mail.example.com\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	{ "get /" H11 "\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	{ "HTTP/1.1 200 OK\r\n\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	{ "GE /" H11 "\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	{ "ABCDEFGHIJKLMNOPQRSTU /" H11 "\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	{ "-GET /" H11 "\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	{ "GET\t/" H11 "\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	{ "\x16\x03\x01\x02\x00\x01\x00\x01\xfc", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	{ "SSH-2.0-OpenSSH_9.2\r\n", 0, D_NOT_MINE, 0, 0, 0, 0, 0, 0 },
	/* a complete head followed by more bytes: only the head is read */
	{ "GET /1" H11 "Host: a\r\n\r\nGET /2" H11, 0, D_OK, "GET", "/1", "a", 0, 0, 28 },
};

START_TEST(test_table)
{
	size_t i = (size_t)_i;
	const struct hrow *w = &table[i];
	size_t n = w->len ? w->len : strlen(w->in);
	struct http_req q;
	enum dres r = req_g(w->in, n, &q);
	ck_assert_msg(r == w->want, "row %zu: verdict %d want %d", i, r, w->want);
	if (r != D_OK) {
		/* nothing is left in *out */
		ck_assert(q.head_len == 0 && q.method.len == 0 && !q.has_host);
		return;
	}
	ck_assert_msg(view_is(&q.method, w->method), "row %zu: method", i);
	ck_assert_msg(view_is(&q.target, w->target), "row %zu: target '%.*s'", i,
	              (int)q.target.len, (const char *)q.target.p);
	if (w->flags & X_NOHOST) {
		ck_assert_msg(!q.has_host, "row %zu: host", i);
	} else {
		ck_assert_msg(q.has_host && view_is(&q.host, w->host), "row %zu: host '%.*s'",
		              i, (int)q.host.len, (const char *)q.host.p);
	}
	ck_assert_int_eq(q.host_dup, !!(w->flags & X_DUP));
	ck_assert_int_eq(q.chunked, !!(w->flags & X_CHUNKED));
	ck_assert_int_eq(q.is_connect, !!(w->flags & X_CONNECT));
	ck_assert_int_eq(q.http09, !!(w->flags & X_09));
	ck_assert_int_eq(q.target_cut, !!(w->flags & X_CUT));
	ck_assert_int_eq(q.has_length, !!(w->flags & X_LEN));
	ck_assert(q.body_len == w->body_len);
	ck_assert_uint_eq(q.n_bad_fields, (w->flags & X_BAD1) ? 1 : 0);
	if (w->flags & X_MINOR0)
		ck_assert_uint_eq(q.version_minor, 0);
	ck_assert_uint_eq(q.head_len, w->head_len ? w->head_len : n);
	/* every prefix of the head is a prefix */
	for (size_t k = 0; k < q.head_len; k++) {
		struct http_req t;
		ck_assert_msg(req_g(w->in, k, &t) == D_NEED_MORE, "row %zu: prefix %zu", i, k);
	}
}
END_TEST

START_TEST(test_probe)
{
	static const struct { const char *in; enum dres want; } prow[] = {
		{ "", D_NEED_MORE },
		{ "G", D_NEED_MORE },
		{ "GET", D_NEED_MORE },
		{ "GET ", D_NEED_MORE },
		{ "GET /", D_OK },
		{ "GET /x HTTP/1.1\r\n", D_OK },
		{ "GET /x\r\n", D_OK },
		{ "HEAD /x\r\n", D_NOT_MINE },
		{ "GET http://a/", D_OK },
		{ "CONNECT a:443 HTTP/1.1\r\n", D_OK },
		{ "PROPFIND /x", D_OK },
		{ "M-SEARCH * HTTP/1.1\r\n", D_OK },
		{ "ABCDEFGHIJKLMNOPQRST /", D_OK },
		{ "ABCDEFGHIJKLMNOPQRST", D_NEED_MORE },
		{ "ABCDEFGHIJKLMNOPQRSTU", D_NOT_MINE },
		{ "get /", D_NOT_MINE },
		{ "Get /", D_NOT_MINE },
		{ "GET\t/", D_NOT_MINE },
		{ "GE /", D_NOT_MINE },
		{ "GET  /", D_NOT_MINE },
		{ "GET \x01", D_NOT_MINE },
		{ "GET /a\x01", D_NOT_MINE },         /* the request says so too */
		{ "GET /a  H", D_NOT_MINE },
		{ "\x16\x03\x01\x02\x00\x01", D_NOT_MINE },
		{ "USER anonymous", D_OK },     /* could still be a request line */
		{ "USER anonymous\r\n", D_NOT_MINE },
		{ "HELO x\r\n", D_NOT_MINE },
		{ "HTTP/1.1 200 OK", D_NOT_MINE },
		{ "OPTIONS * RTSP/1.0\r\n", D_NOT_MINE },
		{ "\r\nGET / HTTP/1.1\r\n", D_NOT_MINE },
	};
	for (size_t i = 0; i < sizeof prow / sizeof prow[0]; i++)
		ck_assert_msg(probe_g(prow[i].in, strlen(prow[i].in)) == prow[i].want,
		              "probe row %zu (%s)", i, prow[i].in);
	/* the probe never says OK where the request says NOT_MINE on a whole
	 * line (the pipeline would loop between them) */
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		size_t n = table[i].len ? table[i].len : strlen(table[i].in);
		struct http_req q;
		if (req_g(table[i].in, n, &q) == D_NOT_MINE)
			ck_assert_msg(probe_g(table[i].in, n) != D_OK, "table row %zu", i);
	}
}
END_TEST

/* ---- limits ------------------------------------------------------------------- */

static char big[SW_HTTP_HEAD_MAX * 2];

START_TEST(test_header_count)
{
	for (int count = SW_HTTP_HEADERS_MAX - 1; count <= SW_HTTP_HEADERS_MAX + 2; count++) {
		size_t o = (size_t)snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: a\r\n");
		for (int i = 1; i < count; i++)
			o += (size_t)snprintf(big + o, sizeof big - o, "X-%d: %d\r\n", i, i);
		o += (size_t)snprintf(big + o, sizeof big - o, "\r\n");
		struct http_req q;
		enum dres r = req_g(big, o, &q);
		ck_assert_msg(r == (count <= SW_HTTP_HEADERS_MAX ? D_OK : D_MALFORMED),
		              "%d fields: %d", count, r);
		if (r == D_OK)
			ck_assert_uint_eq(q.n_fields, count);
		/* refused without waiting for the end of the head */
		if (count > SW_HTTP_HEADERS_MAX)
			ck_assert_int_eq(req_g(big, o - 2, &q), D_MALFORMED);
	}
	/* a flood of obs-fold lines counts too */
	size_t o = (size_t)snprintf(big, sizeof big, "GET / HTTP/1.1\r\nX: 1\r\n");
	for (int i = 0; i < SW_HTTP_HEADERS_MAX; i++)
		o += (size_t)snprintf(big + o, sizeof big - o, " more\r\n");
	o += (size_t)snprintf(big + o, sizeof big - o, "\r\n");
	struct http_req q;
	ck_assert_int_eq(req_g(big, o, &q), D_MALFORMED);
}
END_TEST

START_TEST(test_head_size)
{
	static const char pre[] = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
	struct http_req q;
	for (int extra = 0; extra <= 1; extra++) {
		size_t total = SW_HTTP_HEAD_MAX + (size_t)extra;
		size_t fill = total - strlen(pre) - 4;
		memcpy(big, pre, strlen(pre));
		memset(big + strlen(pre), 'v', fill);
		memcpy(big + strlen(pre) + fill, "\r\n\r\n", 4);
		enum dres r = req_g(big, total, &q);
		ck_assert_int_eq(r, extra ? D_MALFORMED : D_OK);
		if (r == D_OK)
			ck_assert_uint_eq(q.head_len, SW_HTTP_HEAD_MAX);
	}
	/* no end in sight: wait until the limit, then give up */
	memset(big + strlen(pre), 'v', sizeof big - strlen(pre));
	ck_assert_int_eq(req_g(big, SW_HTTP_HEAD_MAX - 1, &q), D_NEED_MORE);
	ck_assert_int_eq(req_g(big, SW_HTTP_HEAD_MAX, &q), D_MALFORMED);
	ck_assert_int_eq(req_g(big, sizeof big, &q), D_MALFORMED);
	/* a request line that never ends */
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', sizeof big - 5);
	ck_assert_int_eq(req_g(big, SW_HTTP_HEAD_MAX - 1, &q), D_NEED_MORE);
	ck_assert_int_eq(req_g(big, SW_HTTP_HEAD_MAX, &q), D_MALFORMED);
}
END_TEST

/* Junk fails fast: a bad byte in an unfinished line is enough. */
START_TEST(test_junk_fails_early)
{
	struct http_req q;
	ck_assert_int_eq(req_g("GET /a\x00", 7, &q), D_NOT_MINE);
	ck_assert_int_eq(req_g("GET / HTTP/1.1\r\nHo st", 21, &q), D_MALFORMED);
	ck_assert_int_eq(req_g("GET / HTTP/1.1\r\nX: \x01", 20, &q), D_NEED_MORE);
	ck_assert_int_eq(req_g("GET / HTTP/1.1\r\nX: a\rb", 22, &q), D_MALFORMED);
	ck_assert_int_eq(req_g("GET / HTTP/1.1\r\nX\t", 18, &q), D_MALFORMED);
	ck_assert_int_eq(req_g("GET / HTTP/1.1\r\n X\rY", 20, &q), D_MALFORMED);
	/* a NUL in Host: the raw bytes are returned, the caller's hostname
	 * check refuses them */
	static const char nul[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	ck_assert_int_eq(req_g(nul, sizeof nul - 1, &q), D_OK);
	ck_assert(q.host.len == 3 && !memcmp(q.host.p, "a\0b", 3) && q.n_bad_fields == 1);
	ck_assert_int_eq(req_g("GET / HTTP/1.1\r\nX: a\r", 21, &q), D_NEED_MORE);
	/* deterministic random bytes: no crash, and OK only for heads that
	 * start with an upper-case letter */
	uint32_t x = 0x9e3779b9;
	static uint8_t b[512];
	for (int round = 0; round < 5000; round++) {
		size_t n = (size_t)(round % 300) + 1;
		for (size_t k = 0; k < n; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			/* mostly printable, some CR/LF, some anything */
			uint8_t c = (uint8_t)x;
			b[k] = (x >> 8) % 8 == 0 ? (uint8_t)((x >> 16) % 2 ? '\n' : '\r') :
			       (x >> 8) % 8 == 1 ? c : (uint8_t)(' ' + c % 95);
		}
		if (round % 2)
			memcpy(b, "GET /", n < 5 ? n : 5);
		enum dres r = req_g(b, n, &q);
		if (r == D_OK) {
			ck_assert(b[0] >= 'A' && b[0] <= 'Z');
			ck_assert(q.head_len <= n);
		}
		http_probe(last.data, n);
	}
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_real_streams);
	tcase_add_test(tc, test_pipelined_in_one_buffer);
	tcase_add_loop_test(tc, test_table, 0, (int)(sizeof table / sizeof table[0]));
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_header_count);
	tcase_add_test(tc, test_head_size);
	tcase_add_test(tc, test_junk_fails_early);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!load_rows())
		return EXIT_FAILURE;
	return tu_run(http_suite());
}
