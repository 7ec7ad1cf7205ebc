/*
 * test_db.c - the SQLite store, on real files in a temporary directory.
 *
 * Rule ids come from the real IOC module: a small rule set is loaded from
 * text and each hit's rule id is what ioc_match returns for a host, as on the
 * packet path.  A second, raw SQLite connection checks what was written and
 * plays "another process" (locks, tampered headers).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "daemon/util.h"
#include "db/db.h"
#include "db/db_cli.h"
#include "db/db_int.h"
#include "ioc/ioc.h"
#include "tests/testutil.h"

static const char RULES[] =
	"# test rules\n"
	"spyic.com Spyic confidence=high\n"
	"cocospy.com Cocospy confidence=medium\n"
	"=exact.example.org Lowfam confidence=low\n"
	"s3:celular007 Celular confidence=high\n";

static char tmpdir[64];
static struct ioc_set *iocs;
static char err[1024];

/* ---- fixture ------------------------------------------------------------- */

static int rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb; (void)type; (void)ftw;
	return remove(p);
}

static void setup(void)
{
	strcpy(tmpdir, "/tmp/sw_test_db_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	iocs = ioc_set_load_mem(RULES, sizeof RULES - 1, "test.rules", NULL, err, sizeof err);
	ck_assert_msg(iocs != NULL, "IOC load: %s", err);
}

static void teardown(void)
{
	ioc_set_free(iocs);
	iocs = NULL;
	chmod(tmpdir, 0700);
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *tpath(const char *name)
{
	static char buf[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

/* ---- helpers --------------------------------------------------------------- */

/* The rule id the matcher gives for host (and path). */
static uint32_t rule_for(const char *host, const char *path)
{
	struct ioc_match m[SW_IOC_MATCH_MAX];
	size_t n = ioc_match(iocs, host, strlen(host), path, path ? strlen(path) : 0,
	                     m, SW_IOC_MATCH_MAX);
	ck_assert_msg(n >= 1, "no rule matches %s", host);
	return m[0].rule;
}

static void set_addr(struct sw_addr *a, const char *txt)
{
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, txt, a->a) == 1) {
		a->v = 4;
		return;
	}
	ck_assert_int_eq(inet_pton(AF_INET6, txt, a->a), 1);
	a->v = 6;
}

/* A hit on host (matched by the real index), from client to server:443. */
static struct hit mkhit(enum sw_kind k, const char *host, const char *path,
                        const char *client, const char *mac, const char *server,
                        uint64_t ts_us)
{
	struct hit h;
	memset(&h, 0, sizeof h);
	h.ts_us = ts_us;
	h.kind = (uint8_t)k;
	h.how = IOC_HOW_SUBDOMAIN;
	h.count = 1;
	set_addr(&h.client, client);
	set_addr(&h.server, server);
	h.server_port = 443;
	if (mac) {
		unsigned b[6];
		ck_assert_int_eq(sscanf(mac, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2],
		                        &b[3], &b[4], &b[5]), 6);
		for (int i = 0; i < 6; i++)
			h.client_mac[i] = (uint8_t)b[i];
		h.has_mac = true;
	}
	h.rule = rule_for(host, path);
	ck_assert(sw_strlcpy(h.host, host, sizeof h.host));
	if (path)
		ck_assert(sw_strlcpy(h.path, path, sizeof h.path));
	return h;
}

/* A second, raw connection. */
static sqlite3 *raw_open(const char *path)
{
	sqlite3 *h = NULL;
	ck_assert_int_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	return h;
}

static void raw_exec(sqlite3 *h, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
}

/* First column of the first row of sql, as an integer, on a fresh
 * connection (sees everything committed). */
static int64_t q_int(const char *path, const char *sql)
{
	sqlite3 *h = raw_open(path);
	sqlite3_stmt *st = NULL;
	ck_assert_msg(sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s",
	              sql, sqlite3_errmsg(h));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/* Same, text (copied into a static buffer; "(null)" for NULL). */
static const char *q_text(const char *path, const char *sql)
{
	static char buf[1024];
	sqlite3 *h = raw_open(path);
	sqlite3_stmt *st = NULL;
	ck_assert_msg(sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s",
	              sql, sqlite3_errmsg(h));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	const unsigned char *t = sqlite3_column_text(st, 0);
	snprintf(buf, sizeof buf, "%s", t ? (const char *)t : "(null)");
	sqlite3_finalize(st);
	sqlite3_close(h);
	return buf;
}

static struct db *open_ok(const char *path)
{
	struct db *d = db_open(path, err, sizeof err);
	ck_assert_msg(d != NULL, "db_open: %s", err);
	return d;
}

static void write_ok(struct db *d, const struct hit *h, size_t n, const char *capture)
{
	int rc = db_write_hits(d, h, n, iocs, capture, err, sizeof err);
	ck_assert_msg(rc == 0, "db_write_hits: %s", err);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* Whole file into buf; returns its length. */
static size_t read_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* Run the `hits` CLI; stdout and stderr into the given buffers. */
static int run_cli(char *out, size_t outcap, char *errout, size_t errcap, int argc, ...)
{
	char *argv[16];
	va_list ap;
	ck_assert_int_lt(argc, 16);
	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	char *ob = NULL, *eb = NULL;
	size_t ol = 0, el = 0;
	FILE *o = open_memstream(&ob, &ol), *e = open_memstream(&eb, &el);
	ck_assert(o && e);
	int rc = db_cli_hits_f(argc, argv, o, e);
	fclose(o);
	fclose(e);
	snprintf(out, outcap, "%s", ob);
	snprintf(errout, errcap, "%s", eb);
	free(ob);
	free(eb);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define T0 UINT64_C(1714566896000000)  /* 2024-05-01 12:34:56 UTC */

/* ---- time text ------------------------------------------------------------ */

START_TEST(time_str_table)
{
	static const struct { uint64_t us; const char *txt; } t[] = {
		{ 0, "1970-01-01 00:00:00.000000" },
		{ 1, "1970-01-01 00:00:00.000001" },
		{ UINT64_C(1700000000123456), "2023-11-14 22:13:20.123456" },
		{ T0 + 789012, "2024-05-01 12:34:56.789012" },
		{ UINT64_C(951782400000000), "2000-02-29 00:00:00.000000" },  /* leap day */
		{ UINT64_C(253402300799999999), "9999-12-31 23:59:59.999999" },
		{ UINT64_MAX, "9999-12-31 23:59:59.999999" },  /* clamped, still fixed-width */
	};
	char buf[DB_TIME_BUF];
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_str_eq(db_time_str(t[i].us, buf, sizeof buf), t[i].txt);
	char small[DB_TIME_BUF - 1];
	ck_assert_str_eq(db_time_str(0, small, sizeof small), "");
}
END_TEST

/* ---- open, schema, reopen ------------------------------------------------------ */

START_TEST(open_creates_schema)
{
	const char *p = tpath("new.db");
	struct db *d = open_ok(p);
	ck_assert_str_eq(db_path(d), p);
	ck_assert_int_eq(db_schema_version(), 1);
	ck_assert_int_eq(q_int(p, "PRAGMA user_version"), db_schema_version());
	ck_assert_int_eq(q_int(p, "PRAGMA application_id"), 0x53774442);
	ck_assert_str_eq(q_text(p, "PRAGMA journal_mode"), "wal");
	static const char *const objs[] = {
		"table:hits", "table:devices", "table:feeds", "table:stats",
		"view:hit_summary", "index:hits_key", "index:hits_last_seen",
	};
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
		char sql[200];
		const char *colon = strchr(objs[i], ':');
		snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_schema WHERE type = '%.*s'"
		         " AND name = '%s'", (int)(colon - objs[i]), objs[i], colon + 1);
		ck_assert_msg(q_int(p, sql) == 1, "missing %s", objs[i]);
	}
	/* the columns later issues fill exist and are NULL-able */
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM pragma_table_info('hits') WHERE name IN"
	                 " ('app','server_country','server_asn','server_org','ja4','ech','query')"
	                 " AND \"notnull\" = 0"), 7);
	struct stat sb;
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);   /* who is watched is private */
	db_close(d);
	/* a second open of a current database runs no migration */
	d = open_ok(p);
	ck_assert_int_eq(q_int(p, "PRAGMA user_version"), 1);
	db_close(d);
}
END_TEST

START_TEST(reopen_keeps_rows)
{
	const char *p = tpath("keep.db");
	struct db *d = open_ok(p);
	struct hit h[2] = {
		mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.23", NULL, "203.0.113.7", T0),
		mkhit(K_DNS, "cocospy.com", NULL, "192.168.1.24", NULL, "192.168.1.1", T0),
	};
	write_ok(d, h, 2, "a.pcap");
	db_close(d);
	d = open_ok(p);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits"), 2);
	write_ok(d, h, 1, "a.pcap");
	db_close(d);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits"), 2);
	ck_assert_int_eq(q_int(p, "SELECT count FROM hits WHERE hostname = 'api.spyic.com'"), 2);
	/* closing the last connection checkpoints and removes the WAL */
	ck_assert_int_ne(access(tpath("keep.db-wal"), F_OK), 0);
}
END_TEST

/* ---- aggregation -------------------------------------------------------- */

START_TEST(aggregation)
{
	const char *p = tpath("agg.db");
	struct db *d = open_ok(p);
	/* the later event is written first: first/last seen must not depend on
	 * the order of arrival (replays, retries) */
	struct hit late = mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.23",
	                        "02:00:00:aa:bb:cc", "203.0.113.7", T0 + 60000000);
	struct hit early = late;
	early.ts_us = T0 + 5;
	write_ok(d, &late, 1, "cap.pcap");
	write_ok(d, &early, 1, "cap.pcap");
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits"), 1);
	ck_assert_int_eq(q_int(p, "SELECT count FROM hits"), 2);
	ck_assert_str_eq(q_text(p, "SELECT first_seen FROM hits"), "2024-05-01 12:34:56.000005");
	ck_assert_str_eq(q_text(p, "SELECT last_seen FROM hits"), "2024-05-01 12:35:56.000000");
	ck_assert_str_eq(q_text(p, "SELECT client_mac FROM hits"), "02:00:00:aa:bb:cc");
	ck_assert_str_eq(q_text(p, "SELECT rule || '|' || family || '|' || source || '|' || how"
	                        " || '|' || confidence || '|' || kind FROM hits"),
	                 "spyic.com|Spyic|test.rules|subdomain|high|sni");

	/* a record that folds several events adds them all */
	struct hit many = early;
	many.count = 40;
	write_ok(d, &many, 1, "cap.pcap");
	ck_assert_int_eq(q_int(p, "SELECT count FROM hits"), 42);

	/* no MAC (NULL in the key) still aggregates */
	struct hit nomac = mkhit(K_SNI, "api.spyic.com", NULL, "10.0.0.9", NULL,
	                         "203.0.113.7", T0);
	write_ok(d, &nomac, 1, "cap.pcap");
	write_ok(d, &nomac, 1, "cap.pcap");
	ck_assert_int_eq(q_int(p, "SELECT count FROM hits WHERE client_mac IS NULL"), 2);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits WHERE client_mac IS NULL"), 1);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits WHERE path IS NULL"), 2);

	/* every other key column makes a new row */
	struct hit v[8];
	for (int i = 0; i < 8; i++)
		v[i] = early;
	v[0] = mkhit(K_SNI, "www.cocospy.com", NULL, "192.168.1.23", "02:00:00:aa:bb:cc",
	             "203.0.113.7", T0);                          /* other rule */
	v[1].kind = K_QUIC;                                        /* other kind */
	ck_assert(sw_strlcpy(v[2].host, "cdn.spyic.com", sizeof v[2].host)); /* other host */
	set_addr(&v[3].client, "2001:db8::23");                    /* other client */
	v[4].client_mac[5] = 0xcd;                                 /* other MAC */
	set_addr(&v[5].server, "203.0.113.8");                     /* other server */
	v[6].server_port = 8443;                                   /* other port */
	v[7] = mkhit(K_HTTP, "s3.amazonaws.com", "/celular007/a.jpg", "192.168.1.23",
	             "02:00:00:aa:bb:cc", "203.0.113.7", T0);     /* with a path */
	write_ok(d, v, 8, "cap.pcap");
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits"), 2 + 8);
	write_ok(d, &early, 1, "other.pcap");                     /* other capture */
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits"), 2 + 8 + 1);
	/* the same 8 again fold into their rows */
	write_ok(d, v, 8, "cap.pcap");
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits"), 11);
	ck_assert_int_eq(q_int(p, "SELECT sum(count) FROM hits"), 42 + 2 + 16 + 1);
	ck_assert_str_eq(q_text(p, "SELECT rule || ' ' || path FROM hits WHERE kind = 'http'"),
	                 "s3:celular007 /celular007/a.jpg");
	ck_assert_str_eq(q_text(p, "SELECT client_ip FROM hits WHERE client_ip LIKE '%:%'"),
	                 "2001:db8::23");
	/* another path, same everything else: the same row (paths carry
	 * nonces), which keeps the newest event's path */
	struct hit v8 = v[7];
	ck_assert(sw_strlcpy(v8.path, "/celular007/b.jpg?t=1", sizeof v8.path));
	v8.ts_us = T0 + 1;
	write_ok(d, &v8, 1, "cap.pcap");
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits WHERE kind = 'http'"), 1);
	ck_assert_int_eq(q_int(p, "SELECT count FROM hits WHERE kind = 'http'"), 3);
	ck_assert_str_eq(q_text(p, "SELECT path FROM hits WHERE kind = 'http'"),
	                 "/celular007/b.jpg?t=1");
	v8.ts_us = T0 - 1;   /* an older event does not replace it */
	ck_assert(sw_strlcpy(v8.path, "/celular007/old.jpg", sizeof v8.path));
	write_ok(d, &v8, 1, "cap.pcap");
	ck_assert_str_eq(q_text(p, "SELECT path FROM hits WHERE kind = 'http'"),
	                 "/celular007/b.jpg?t=1");
	ck_assert_str_eq(q_text(p, "SELECT first_seen FROM hits WHERE kind = 'http'"),
	                 "2024-05-01 12:34:55.999999");

	/* the summary view folds servers, ports and captures */
	ck_assert_int_eq(q_int(p, "SELECT count FROM hit_summary WHERE client_mac ="
	                 " '02:00:00:aa:bb:cc' AND kind = 'sni' AND hostname = 'api.spyic.com'"
	                 " AND rule = 'spyic.com'"), 42 + 2 + 2 + 1);
	ck_assert_int_eq(q_int(p, "SELECT servers FROM hit_summary WHERE client_mac ="
	                 " '02:00:00:aa:bb:cc' AND kind = 'sni' AND hostname = 'api.spyic.com'"
	                 " AND rule = 'spyic.com'"), 2);
	db_close(d);
}
END_TEST

START_TEST(bad_records_skipped)
{
	const char *p = tpath("bad.db");
	struct db *d = open_ok(p);
	struct hit h[3] = {
		mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.23", NULL, "203.0.113.7", T0),
		mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.24", NULL, "203.0.113.7", T0),
		mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.25", NULL, "203.0.113.7", T0),
	};
	h[0].rule = (uint32_t)ioc_set_count(iocs);   /* no such rule */
	h[1].kind = K_COUNT;                          /* no such kind */
	h[2].count = 0;                               /* written as one event */
	write_ok(d, h, 3, "c");
	ck_assert_uint_eq(db_hits_rejected(d), 2);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits"), 1);
	ck_assert_int_eq(q_int(p, "SELECT count FROM hits WHERE client_ip = '192.168.1.25'"), 1);
	/* no IOC set at all: nothing can be resolved, nothing breaks */
	ck_assert_int_eq(db_write_hits(d, h, 3, NULL, "c", err, sizeof err), 0);
	ck_assert_uint_eq(db_hits_rejected(d), 5);
	/* an empty batch is a no-op */
	ck_assert_int_eq(db_write_hits(d, h, 0, iocs, "c", err, sizeof err), 0);
	db_close(d);
}
END_TEST

/* ---- atomicity -------------------------------------------------------------- */

START_TEST(batch_atomic_on_full)
{
	const char *p = tpath("full.db");
	struct db *d = open_ok(p);
	struct hit a = mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.23", NULL,
	                     "203.0.113.7", T0);
	write_ok(d, &a, 1, "cap");
	/* a batch too big for the size cap: one row that folds into a, then
	 * thousands of new rows with long names */
	enum { N = 3000 };
	struct hit *b = calloc(N, sizeof *b);
	ck_assert_ptr_nonnull(b);
	b[0] = a;
	for (int i = 1; i < N; i++) {
		b[i] = a;
		snprintf(b[i].host, sizeof b[i].host,
		         "h%04d.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
		         "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.spyic.com", i);
	}
	ck_assert_int_eq(db_set_size_limit(d, 1, err, sizeof err), 0); /* = current size */
	ck_assert_int_eq(db_write_hits(d, b, N, iocs, "cap", err, sizeof err), -1);
	ck_assert_msg(strstr(err, p) == err, "error does not start with the path: %s", err);
	ck_assert_msg(strstr(err, "full") != NULL, "not a clear 'full' error: %s", err);
	ck_assert_msg(strstr(err, "none of them written") != NULL, "%s", err);
	/* nothing of the batch, everything from before */
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits"), 1);
	ck_assert_int_eq(q_int(p, "SELECT count FROM hits"), 1);
	ck_assert_str_eq(q_text(p, "PRAGMA integrity_check"), "ok");
	/* the same handle still works once there is room: the retry writes all */
	ck_assert_int_eq(db_set_size_limit(d, 0, err, sizeof err), 0);
	write_ok(d, b, N, "cap");
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits"), N);
	ck_assert_int_eq(q_int(p, "SELECT count FROM hits WHERE hostname = 'api.spyic.com'"), 2);
	ck_assert_int_eq(q_int(p, "SELECT sum(count) FROM hits"), N + 1);
	free(b);
	db_close(d);
	ck_assert_str_eq(q_text(p, "PRAGMA integrity_check"), "ok");
}
END_TEST

/* ---- locks ------------------------------------------------------------------ */

START_TEST(locked_then_released)
{
	const char *p = tpath("lock.db");
	struct db *d = open_ok(p);
	struct hit h[2] = {
		mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.23", NULL, "203.0.113.7", T0),
		mkhit(K_DNS, "cocospy.com", NULL, "192.168.1.23", NULL, "192.168.1.1", T0),
	};
	write_ok(d, h, 1, "cap");

	sqlite3 *other = raw_open(p);
	raw_exec(other, "BEGIN IMMEDIATE");
	raw_exec(other, "UPDATE hits SET count = count + 100");  /* uncommitted */
	/* the writer waits about SW_DB_BUSY_MS, then gives the batch back */
	double t = now_s();
	ck_assert_int_eq(db_write_hits(d, h, 2, iocs, "cap", err, sizeof err), -1);
	double waited = now_s() - t;
	ck_assert_msg(waited >= SW_DB_BUSY_MS / 1000.0 * 0.8 && waited < 5.0,
	              "waited %.3f s", waited);
	ck_assert_msg(strstr(err, p) == err, "error does not name the path: %s", err);
	ck_assert_msg(strstr(err, "locked") != NULL, "not a clear lock error: %s", err);
	/* readers are not blocked by the writer (WAL), and see the old state */
	struct db *r = db_open_ro(p, err, sizeof err);
	ck_assert_msg(r != NULL, "%s", err);
	char *ob = NULL;
	size_t ol = 0;
	FILE *o = open_memstream(&ob, &ol);
	ck_assert_int_eq(db_print_hits(r, o, true, err, sizeof err), 1);
	fclose(o);
	ck_assert_ptr_nonnull(strstr(ob, "\"count\":1,"));
	free(ob);
	db_close(r);
	/* an open that needs no migration is not blocked either */
	struct db *d2 = open_ok(p);
	db_close(d2);

	raw_exec(other, "COMMIT");
	sqlite3_close(other);
	/* retry the same batch: nothing lost, nothing doubled */
	write_ok(d, h, 2, "cap");
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits"), 2);
	ck_assert_int_eq(q_int(p, "SELECT count FROM hits WHERE kind = 'sni'"), 1 + 100 + 1);
	ck_assert_int_eq(q_int(p, "SELECT count FROM hits WHERE kind = 'dns'"), 1);
	db_close(d);
}
END_TEST

START_TEST(concurrent_first_open)
{
	/* the daemon and a replay (or two replays) creating the same new file at
	 * once: the schema is applied exactly once and everyone gets a handle */
	const char *p = tpath("race.db");
	enum { K = 4 };
	pid_t pid[K];
	for (int i = 0; i < K; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] == 0) {
			char e[512];
			struct db *d = db_open(p, e, sizeof e);
			if (!d) {
				fprintf(stderr, "child %d: %s\n", i, e);
				_exit(1);
			}
			struct hit h = mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.23", NULL,
			                     "203.0.113.7", T0 + (uint64_t)i);
			int rc = db_write_hits(d, &h, 1, iocs, "cap", e, sizeof e);
			if (rc != 0)
				fprintf(stderr, "child %d: %s\n", i, e);
			db_close(d);
			_exit(rc == 0 ? 0 : 2);
		}
	}
	for (int i = 0; i < K; i++) {
		int st;
		ck_assert_int_eq(waitpid(pid[i], &st, 0), pid[i]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d failed", i);
	}
	ck_assert_int_eq(q_int(p, "PRAGMA user_version"), 1);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM sqlite_schema WHERE name = 'hits'"), 1);
	ck_assert_int_eq(q_int(p, "SELECT count FROM hits"), K);
	ck_assert_str_eq(q_text(p, "SELECT first_seen || ' ' || last_seen FROM hits"),
	                 "2024-05-01 12:34:56.000000 2024-05-01 12:34:56.000003");
}
END_TEST

/* A later release: version 2 adds a column and a table. */
static const struct db_step steps_v2[] = {
	{ 1, NULL, "initial schema" },
	{ 2, "ALTER TABLE hits ADD COLUMN note TEXT; CREATE TABLE extra (a INTEGER)",
	  "notes" },
	{ 0, NULL, NULL },
};
/* A broken step: its first statement works, its second fails. */
static const struct db_step steps_bad[] = {
	{ 1, NULL, "initial schema" },
	{ 2, "CREATE TABLE half (a INTEGER); ALTER TABLE no_such_table ADD COLUMN b",
	  "a broken step" },
	{ 0, NULL, NULL },
};

START_TEST(migration_steps)
{
	const char *p = tpath("mig.db");
	struct db *d = open_ok(p);
	struct hit h = mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.23", NULL,
	                     "203.0.113.7", T0);
	write_ok(d, &h, 1, "cap");
	db_close(d);

	/* a failing step changes nothing: not even its first statement */
	ck_assert_ptr_null(db_open_steps(p, steps_bad, err, sizeof err));
	ck_assert_msg(strstr(err, p) == err, "%s", err);
	ck_assert_msg(strstr(err, "version 2 (a broken step)") != NULL, "%s", err);
	ck_assert_int_eq(q_int(p, "PRAGMA user_version"), 1);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM sqlite_schema WHERE name = 'half'"), 0);

	/* the upgrade keeps the rows, and the new handle writes */
	d = db_open_steps(p, steps_v2, err, sizeof err);
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_eq(q_int(p, "PRAGMA user_version"), 2);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM pragma_table_info('hits')"
	                 " WHERE name = 'note'"), 1);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM extra"), 0);
	write_ok(d, &h, 1, "cap");
	db_close(d);
	ck_assert_int_eq(q_int(p, "SELECT count FROM hits"), 2);

	/* this binary (version 1) refuses the upgraded file, read-write or not */
	ck_assert_ptr_null(db_open(p, err, sizeof err));
	ck_assert_msg(strstr(err, "version 2") && strstr(err, "newer"), "%s", err);
	ck_assert_ptr_null(db_open_ro(p, err, sizeof err));
	ck_assert_msg(strstr(err, "newer") != NULL, "%s", err);

	/* a new file gets every step */
	const char *p2 = tpath("mig2.db");
	d = db_open_steps(p2, steps_v2, err, sizeof err);
	ck_assert_msg(d != NULL, "%s", err);
	db_close(d);
	ck_assert_int_eq(q_int(p2, "PRAGMA user_version"), 2);
	ck_assert_int_eq(q_int(p2, "SELECT count(*) FROM extra"), 0);

	/* a file whose version was reset (schema but version 0) is not ours */
	const char *p3 = tpath("mig3.db");
	db_close(open_ok(p3));
	sqlite3 *raw = raw_open(p3);
	raw_exec(raw, "PRAGMA user_version = 0");
	sqlite3_close(raw);
	ck_assert_ptr_null(db_open_ro(p3, err, sizeof err));
	ck_assert_msg(strstr(err, p3) == err, "%s", err);
}
END_TEST

/* ---- refusals ----------------------------------------------------------------- */

START_TEST(newer_schema_refused)
{
	const char *p = tpath("future.db");
	db_close(open_ok(p));
	sqlite3 *h = raw_open(p);
	raw_exec(h, "PRAGMA user_version = 99");
	sqlite3_close(h);
	ck_assert_ptr_null(db_open(p, err, sizeof err));
	ck_assert_msg(strstr(err, p) == err, "%s", err);
	ck_assert_msg(strstr(err, "version 99") && strstr(err, "newer"), "%s", err);
	ck_assert_ptr_null(db_open_ro(p, err, sizeof err));
	ck_assert_msg(strstr(err, "newer") != NULL, "%s", err);
	/* and it was left alone */
	ck_assert_int_eq(q_int(p, "PRAGMA user_version"), 99);
}
END_TEST

START_TEST(foreign_db_refused)
{
	/* another program's SQLite database is not taken over */
	const char *p = tpath("other.db");
	sqlite3 *h = NULL;
	ck_assert_int_eq(sqlite3_open(p, &h), SQLITE_OK);
	raw_exec(h, "CREATE TABLE contacts (name TEXT)");
	sqlite3_close(h);
	ck_assert_ptr_null(db_open(p, err, sizeof err));
	ck_assert_msg(strstr(err, "not a stalkerwatch database") != NULL, "%s", err);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM sqlite_schema"), 1);
	/* nor one with another application_id */
	const char *p2 = tpath("app.db");
	ck_assert_int_eq(sqlite3_open(p2, &h), SQLITE_OK);
	raw_exec(h, "PRAGMA application_id = 1234");
	sqlite3_close(h);
	ck_assert_ptr_null(db_open(p2, err, sizeof err));
	ck_assert_msg(strstr(err, "application_id") != NULL, "%s", err);
	/* an empty file is a new database */
	const char *p3 = tpath("empty.db");
	write_file(p3, "", 0);
	db_close(open_ok(p3));
	ck_assert_int_eq(q_int(p3, "PRAGMA user_version"), 1);
	/* read-only open wants a schema: it never creates one */
	const char *p4 = tpath("empty2.db");
	write_file(p4, "", 0);
	ck_assert_ptr_null(db_open_ro(p4, err, sizeof err));
	ck_assert_msg(strstr(err, "not a stalkerwatch database") != NULL, "%s", err);
	struct stat sb;
	ck_assert_int_eq(stat(p4, &sb), 0);
	ck_assert_int_eq(sb.st_size, 0);
}
END_TEST

START_TEST(corrupt_file)
{
	static const char junk[] =
		"this is a text file that somebody gave as the database path\n"
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";
	const char *p = tpath("junk.db");
	write_file(p, junk, sizeof junk - 1);
	ck_assert_ptr_null(db_open(p, err, sizeof err));
	ck_assert_msg(strstr(err, p) == err, "%s", err);
	ck_assert_msg(strstr(err, "not an SQLite database") != NULL, "%s", err);
	ck_assert_ptr_null(db_open_ro(p, err, sizeof err));
	ck_assert_msg(strstr(err, "not an SQLite database") != NULL, "%s", err);
	/* untouched, and no -wal/-shm left behind */
	char buf[1024];
	ck_assert_uint_eq(read_file(p, buf, sizeof buf), sizeof junk - 1);
	ck_assert_int_eq(memcmp(buf, junk, sizeof junk - 1), 0);
	ck_assert_int_ne(access(tpath("junk.db-wal"), F_OK), 0);

	/* a real database whose pages were overwritten: writes fail cleanly */
	const char *q = tpath("smashed.db");
	struct db *d = open_ok(q);
	struct hit h = mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.23", NULL,
	                     "203.0.113.7", T0);
	write_ok(d, &h, 1, "cap");
	db_close(d);
	int fd = open(q, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	char garbage[4096];
	memset(garbage, 0xa5, sizeof garbage);
	ck_assert_int_eq(pwrite(fd, garbage, sizeof garbage, 4096), (ssize_t)sizeof garbage);
	ck_assert_int_eq(pwrite(fd, garbage, sizeof garbage, 8192), (ssize_t)sizeof garbage);
	close(fd);
	d = db_open(q, err, sizeof err);
	if (d) {   /* the header survived: the damage shows at the first write */
		h.ts_us++;
		ck_assert_int_eq(db_write_hits(d, &h, 1, iocs, "cap", err, sizeof err), -1);
		db_close(d);
	}
	ck_assert_msg(strstr(err, q) == err, "%s", err);
	ck_assert_msg(strstr(err, "corrupt") != NULL || strstr(err, "malformed") != NULL,
	              "%s", err);
}
END_TEST

/* Run fn in a child without root's power to ignore permissions; its
 * message comes back in msg.  Returns the child's exit status. */
static int as_nobody(int (*fn)(char *msg, size_t cap), char *msg, size_t cap)
{
	int pfd[2];
	ck_assert_int_eq(pipe(pfd), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char m[1024] = "";
		close(pfd[0]);
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(99);
		int rc = fn(m, sizeof m);
		ssize_t w = write(pfd[1], m, strlen(m));
		(void)w;
		_exit(rc);
	}
	close(pfd[1]);
	ssize_t n, got = 0;
	while (got < (ssize_t)cap - 1 && (n = read(pfd[0], msg + got, cap - 1 - (size_t)got)) > 0)
		got += n;
	msg[got] = '\0';
	close(pfd[0]);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int try_create(char *msg, size_t cap)
{
	struct db *d = db_open(tpath("ro/new.db"), msg, cap);
	db_close(d);
	return d ? 1 : 0;
}

static int try_existing(char *msg, size_t cap)
{
	struct db *d = db_open(tpath("ro/old.db"), msg, cap);
	db_close(d);
	return d ? 1 : 0;
}

static int try_query(char *msg, size_t cap)
{
	struct db *d = db_open_ro(tpath("ro/old.db"), msg, cap);
	if (!d)
		return 1;
	FILE *f = fopen("/dev/null", "w");
	long n = db_print_hits(d, f, false, msg, cap);
	fclose(f);
	db_close(d);
	return n == 1 ? 0 : 2;
}

START_TEST(readonly_directory)
{
	const char *dir = tpath("ro");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	/* a database made while writable, closed cleanly (no -wal, no -shm) */
	struct db *d = open_ok(tpath("ro/old.db"));
	struct hit h = mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.23", NULL,
	                     "203.0.113.7", T0);
	write_ok(d, &h, 1, "cap");
	db_close(d);
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(tmpdir, 65534, 65534), 0);
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
		ck_assert_int_eq(chown(tpath("ro/old.db"), 65534, 65534), 0);
	}
	ck_assert_int_eq(chmod(dir, 0555), 0);

	char msg[1024];
	ck_assert_int_eq(as_nobody(try_create, msg, sizeof msg), 0);
	ck_assert_msg(strstr(msg, tpath("ro/new.db")) == msg, "%s", msg);
	ck_assert_msg(strstr(msg, "cannot create") && strstr(msg, "writable"), "%s", msg);
	ck_assert_int_ne(access(tpath("ro/new.db"), F_OK), 0);

	/* an existing database there cannot get its -wal/-shm beside it */
	ck_assert_int_eq(as_nobody(try_existing, msg, sizeof msg), 0);
	ck_assert_msg(strstr(msg, tpath("ro/old.db")) == msg, "%s", msg);
	ck_assert_msg(strstr(msg, "writable") || strstr(msg, "read-only"), "%s", msg);

	/* but it can still be queried */
	ck_assert_msg(as_nobody(try_query, msg, sizeof msg) == 0, "query: %s", msg);
}
END_TEST

/* ---- output ------------------------------------------------------------------ */

static const char EVIL[] = "\x1b[31mevil\"'); drop table hits;--";

/* One hit whose hostname carries an escape sequence, quotes and SQL. */
static const char *evil_db(void)
{
	const char *p = tpath("evil.db");
	struct db *d = open_ok(p);
	struct hit h = mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.23",
	                     "02:00:00:aa:bb:cc", "203.0.113.7", T0);
	memcpy(h.host, EVIL, sizeof EVIL);
	snprintf(h.app, sizeof h.app, "TLS.\x1b]0;x");
	write_ok(d, &h, 1, "cap\a.pcap");
	db_close(d);
	/* stored byte for byte; the table is still there */
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits"), 1);
	ck_assert_str_eq(q_text(p, "SELECT hostname FROM hits"), EVIL);
	return p;
}

START_TEST(print_escapes_plain)
{
	const char *p = evil_db();
	char out[4096], eo[1024];
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 3, "hits", "-d", p), 0);
	char want[2048];
	snprintf(want, sizeof want,
	         "last_seen (UTC)      count  conf  kind  hostname                             family  rule       client        mac                server           app           capture\n"
	         "2024-05-01 12:34:56      1  %-4s  sni   \\x1b[31mevil\"'); drop table hits;--  Spyic   spyic.com  192.168.1.23  02:00:00:aa:bb:cc  203.0.113.7:443  TLS.\\x1b]0;x  cap\\x07.pcap\n",
	         ioc_conf_str(IOC_CONF_HIGH));
	ck_assert_str_eq(out, want);
	ck_assert_str_eq(eo, "");
	ck_assert_ptr_null(strchr(out, '\x1b'));
	ck_assert_ptr_null(strchr(out, '\a'));
}
END_TEST

/* --wide: the enrichment columns, escaped; NULLs as "-"; the plain table
 * leaves them out. */
START_TEST(print_wide)
{
	const char *p = tpath("wide.db");
	struct db *d = open_ok(p);
	struct hit h = mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.23",
	                     "02:00:00:aa:bb:cc", "203.0.113.7", T0);
	snprintf(h.server_country, sizeof h.server_country, "US");
	h.server_asn = 16509;
	snprintf(h.server_org, sizeof h.server_org, "Amazon\x1b[2J.com");
	snprintf(h.ja4, sizeof h.ja4, "t13d1516h2_8daaf6152771_02713d6af862");
	h.ech = true;
	struct hit g = mkhit(K_DNS, "api.spyic.com", NULL, "192.168.1.23",
	                     "02:00:00:aa:bb:cc", "203.0.113.53", T0 - 1000000);
	g.server_port = 53;
	struct hit both[2] = { h, g };
	write_ok(d, both, 2, "c");
	db_close(d);
	char out[4096], eo[1024];
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 4, "hits", "-d", p, "--wide"), 0);
	ck_assert_msg(strstr(out, "  geo         org                ja4                                   ech  capture\n"),
	              "%s", out);
	ck_assert_msg(strstr(out, "  US AS16509  Amazon\\x1b[2J.com  t13d1516h2_8daaf6152771_02713d6af862  yes  c\n"),
	              "%s", out);
	ck_assert_msg(strstr(out, "  -           -                  -                                     -    c\n"),
	              "%s", out);
	ck_assert_ptr_null(strchr(out, '\x1b'));
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 3, "hits", "-d", p), 0);
	ck_assert_ptr_null(strstr(out, "AS16509"));
	ck_assert_ptr_null(strstr(out, " ja4 "));
}
END_TEST

START_TEST(print_escapes_json)
{
	const char *p = evil_db();
	char out[4096], eo[1024];
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 4, "hits", "-d", p, "--json"), 0);
	const struct ioc_rule *r = ioc_rule_get(iocs, rule_for("api.spyic.com", NULL));
	ck_assert_ptr_nonnull(r);
	char cat[128];
	if (r->category && *r->category)
		snprintf(cat, sizeof cat, "\"%s\"", r->category);
	else
		snprintf(cat, sizeof cat, "null");
	char want[2048];
	snprintf(want, sizeof want,
	         "{\"first_seen\":\"2024-05-01T12:34:56.000000Z\","
	         "\"last_seen\":\"2024-05-01T12:34:56.000000Z\",\"count\":1,\"kind\":\"sni\","
	         "\"hostname\":\"\\u001b[31mevil\\\"'); drop table hits;--\",\"path\":null,"
	         "\"rule\":\"spyic.com\",\"family\":\"Spyic\",\"category\":%s,"
	         "\"source\":\"test.rules\",\"how\":\"%s\",\"confidence\":\"%s\","
	         "\"client_ip\":\"192.168.1.23\",\"client_mac\":\"02:00:00:aa:bb:cc\","
	         "\"server_ip\":\"203.0.113.7\",\"server_port\":443,"
	         "\"capture\":\"cap\\u0007.pcap\",\"app\":\"TLS.\\u001b]0;x\",\"server_country\":null,"
	         "\"server_asn\":null,\"server_org\":null,\"ja4\":null,\"ech\":null,"
	         "\"query\":null}\n",
	         cat, ioc_how_str(IOC_HOW_SUBDOMAIN), ioc_conf_str(IOC_CONF_HIGH));
	ck_assert_str_eq(out, want);
	ck_assert_ptr_null(strchr(out, '\x1b'));
}
END_TEST

START_TEST(print_order_and_filters)
{
	const char *p = tpath("order.db");
	struct db *d = open_ok(p);
	struct hit h[4] = {
		/* low confidence, newest */
		mkhit(K_DNS, "exact.example.org", NULL, "192.168.1.30", NULL, "192.168.1.1",
		      T0 + 3000000),
		/* high, older */
		mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.23", "02:00:00:aa:bb:cc",
		      "2001:db8::7", T0),
		/* medium, newest of all */
		mkhit(K_SNI, "cocospy.com", NULL, "192.168.1.24", NULL, "203.0.113.9",
		      T0 + 5000000),
		/* high, newer: listed first; path appended to the host */
		mkhit(K_HTTP, "s3.amazonaws.com", "/celular007/x.jpg", "192.168.1.25", NULL,
		      "203.0.113.10", T0 + 1000000),
	};
	h[0].how = IOC_HOW_EXACT;
	write_ok(d, h, 4, "eth0");
	db_close(d);

	char out[8192], eo[1024];
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 3, "hits", "-d", p), 0);
	const char *l1 = strchr(out, '\n') + 1;
	const char *l2 = strchr(l1, '\n') + 1;
	const char *l3 = strchr(l2, '\n') + 1;
	const char *l4 = strchr(l3, '\n') + 1;
	ck_assert_ptr_nonnull(strstr(l1, "s3.amazonaws.com/celular007/x.jpg"));
	ck_assert(strstr(l1, "s3.amazonaws.com") < l2);
	ck_assert(strstr(l2, "api.spyic.com") && strstr(l2, "api.spyic.com") < l3);
	ck_assert(strstr(l2, "[2001:db8::7]:443") && strstr(l2, "[2001:db8::7]:443") < l3);
	ck_assert(strstr(l3, "cocospy.com") && strstr(l3, "cocospy.com") < l4);
	ck_assert_ptr_nonnull(strstr(l4, "exact.example.org"));
	ck_assert_str_eq(strchr(l4, '\n'), "\n");
	ck_assert_int_eq(l4[strlen(l4) - 2] != ' ', 1);  /* no trailing blanks */

	/* filters */
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 6, "hits", "-d", p,
	                         "--json", "--family", "COCOSPY"), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"hostname\":\"cocospy.com\""));
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);  /* one line */
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 5, "hits", "-d", p,
	                         "--json", "--client=02-00-00-AA-BB-CC"), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"hostname\":\"api.spyic.com\""));
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 6, "hits", "-d", p,
	                         "--json", "--client", "192.168.1.30"), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"hostname\":\"exact.example.org\""));
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 6, "hits", "-d", p,
	                         "--json", "--since", "2024-05-01 12:34:59"), 0);
	ck_assert_ptr_null(strstr(out, "api.spyic.com"));     /* 12:34:56 */
	ck_assert_ptr_null(strstr(out, "s3.amazonaws.com"));  /* 12:34:57 */
	ck_assert_ptr_nonnull(strstr(out, "exact.example.org")); /* 12:34:59 */
	ck_assert_ptr_nonnull(strstr(out, "cocospy.com"));    /* 12:35:01 */
	/* relative: the rows are from 2024, nothing in the last day */
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 5, "hits", "-d", p,
	                         "--since", "24h"), 0);
	ck_assert_str_eq(out, "no hits\n");
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 6, "hits", "-d", p,
	                         "--json", "--since", "100000d"), 0);
	int lines = 0;
	for (const char *c = out; *c; c++)
		lines += *c == '\n';
	ck_assert_int_eq(lines, 4);
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 5, "hits", "-d", p,
	                         "--family", "nobody"), 0);
	ck_assert_str_eq(out, "no hits\n");
}
END_TEST

START_TEST(cli_errors_and_empty)
{
	char out[4096], eo[4096];
	/* missing file: said, exit 2, and not created */
	const char *missing = tpath("missing.db");
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 3, "hits", "-d", missing), 2);
	ck_assert_ptr_nonnull(strstr(eo, missing));
	ck_assert_ptr_nonnull(strstr(eo, "No such file"));
	ck_assert_int_ne(access(missing, F_OK), 0);
	ck_assert_str_eq(out, "");
	/* empty database: exit 0, "no hits"; JSON: no lines on stdout */
	const char *p = tpath("empty.db");
	db_close(open_ok(p));
	static char before[65536], after[65536];
	size_t nb = read_file(p, before, sizeof before);
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 3, "hits", "-d", p), 0);
	ck_assert_str_eq(out, "no hits\n");
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 4, "hits", "--json", "--db", p), 0);
	ck_assert_str_eq(out, "");
	ck_assert_ptr_nonnull(strstr(eo, "no hits"));
	/* the queries changed nothing in the database */
	ck_assert_uint_eq(read_file(p, after, sizeof after), nb);
	ck_assert_int_eq(memcmp(before, after, nb), 0);
	/* help */
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 2, "hits", "--help"), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: stalkerwatch hits"));
	/* usage errors, each escaped in the message */
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 1, "hits"), 2);
	ck_assert_ptr_nonnull(strstr(eo, "-d DB"));
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 2, "hits", "--bogus\x1b"), 2);
	ck_assert_ptr_nonnull(strstr(eo, "unknown argument '--bogus\\x1b'"));
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 2, "hits", "-d"), 2);
	ck_assert_ptr_nonnull(strstr(eo, "missing value"));
	static const char *const bad_since[] = {
		"yesterday", "24", "-5h", "24x", "2024-13-01", "2024-05-01 25:00", "2024-05-01X",
		"1969-12-31",
	};
	for (size_t i = 0; i < sizeof bad_since / sizeof bad_since[0]; i++) {
		ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 5, "hits", "-d", p,
		                         "--since", bad_since[i]), 2);
		ck_assert_ptr_nonnull(strstr(eo, "--since"));
	}
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 5, "hits", "-d", p,
	                         "--client", "nonsense"), 2);
	/* a directory, a text file */
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 3, "hits", "-d", tmpdir), 2);
	const char *junk = tpath("junk.db");
	static const char jtxt[] = "hello, this is not sqlite at all, but long enough to have a header: "
	                           "................................................................";
	write_file(junk, jtxt, sizeof jtxt - 1);
	ck_assert_int_eq(run_cli(out, sizeof out, eo, sizeof eo, 3, "hits", "-d", junk), 2);
	ck_assert_ptr_nonnull(strstr(eo, "not an SQLite database"));
}
END_TEST

/* ---- stats, devices, feeds ----------------------------------------------------- */

START_TEST(stats_minutes)
{
	const char *p = tpath("stats.db");
	struct db *d = open_ok(p);
	struct db_stats s;
	memset(&s, 0, sizeof s);
	s.ts_us = T0;     /* 12:34:56 -> minute 12:34:00 */
	s.capture = "eth0";
	s.packets = 1000;
	s.bytes = 500000;
	s.drops = 3;
	s.flows = 20;
	s.flows_active = 15;
	s.hosts[K_SNI] = 7;
	s.hosts[K_DNS] = 9;
	s.hosts[K_IP] = 1;
	s.hits = 2;
	s.malformed = 1;
	s.evictions = UINT64_MAX;   /* clamped, not wrapped */
	ck_assert_int_eq(db_write_stats(d, &s, err, sizeof err), 0);
	s.ts_us = T0 + 3000000;     /* same minute: added, gauge replaced */
	s.flows_active = 11;
	s.evictions = 0;
	ck_assert_int_eq(db_write_stats(d, &s, err, sizeof err), 0);
	s.ts_us = T0 + 4000000;     /* 12:35:00: a new row */
	ck_assert_int_eq(db_write_stats(d, &s, err, sizeof err), 0);
	db_close(d);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM stats"), 2);
	ck_assert_str_eq(q_text(p, "SELECT group_concat(ts, ',') FROM (SELECT ts FROM stats ORDER BY ts)"),
	                 "2024-05-01 12:34:00,2024-05-01 12:35:00");
	ck_assert_str_eq(q_text(p, "SELECT packets || ' ' || bytes || ' ' || drops || ' ' ||"
	                        " flows || ' ' || flows_active || ' ' || evictions || ' ' ||"
	                        " hosts_sni || ' ' || hosts_dns || ' ' || hosts_ip || ' ' ||"
	                        " hosts_quic || ' ' || hits || ' ' || malformed FROM stats"
	                        " WHERE ts = '2024-05-01 12:34:00'"),
	                 "2000 1000000 6 40 11 9223372036854775807 14 18 2 0 4 2");
}
END_TEST

START_TEST(devices_upsert)
{
	const char *p = tpath("dev.db");
	struct db *d = open_ok(p);
	struct db_device v[3];
	memset(v, 0, sizeof v);
	static const uint8_t mac[6] = { 0x02, 0, 0, 0xaa, 0xbb, 0xcc };
	for (int i = 0; i < 3; i++)
		memcpy(v[i].mac, mac, 6);
	v[0].ts_us = T0 + 10000000;
	set_addr(&v[0].ip, "192.168.1.23");
	strcpy(v[0].name, "Pixel-7");
	strcpy(v[0].vendor_class, "android-dhcp-14");
	v[1].ts_us = T0;            /* older sighting with another name: loses */
	set_addr(&v[1].ip, "192.168.1.99");
	strcpy(v[1].name, "old-name");
	v[2].ts_us = T0 + 20000000; /* newer, name unknown: keeps the name */
	set_addr(&v[2].ip, "192.168.1.40");
	ck_assert_int_eq(db_upsert_devices(d, v, 3, err, sizeof err), 0);
	db_close(d);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM devices"), 1);
	ck_assert_str_eq(q_text(p, "SELECT mac || ' ' || ip || ' ' || name || ' ' ||"
	                        " vendor_class || ' ' || first_seen || ' ' || last_seen FROM devices"),
	                 "02:00:00:aa:bb:cc 192.168.1.40 Pixel-7 android-dhcp-14 "
	                 "2024-05-01 12:34:56.000000 2024-05-01 12:35:16.000000");
}
END_TEST

START_TEST(feeds_replace)
{
	const char *p = tpath("feeds.db");
	struct db *d = open_ok(p);
	struct db_feed f[2] = {
		{ "bundled", "native", NULL, NULL, 120, T0 },
		{ "/etc/stalkerwatch/echap.yaml", "echap-yaml", "https://example.org/ioc.yaml",
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 900, T0 },
	};
	ck_assert_int_eq(db_write_feeds(d, f, 2, err, sizeof err), 0);
	ck_assert_int_eq(q_int(p, "SELECT sum(rule_count) FROM feeds"), 1020);
	ck_assert_str_eq(q_text(p, "SELECT url FROM feeds WHERE source = 'bundled'"), "(null)");
	/* a reload replaces the table */
	ck_assert_int_eq(db_write_feeds(d, f + 1, 1, err, sizeof err), 0);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM feeds"), 1);
	/* a bad entry leaves the table as it was */
	struct db_feed bad = { NULL, NULL, NULL, NULL, 0, T0 };
	ck_assert_int_eq(db_write_feeds(d, &bad, 1, err, sizeof err), -1);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM feeds"), 1);
	/* from the loaded set itself */
	ck_assert_int_eq(db_record_feeds(d, iocs, T0, err, sizeof err), 0);
	ck_assert_str_eq(q_text(p, "SELECT source FROM feeds"), "test.rules");
	ck_assert_int_eq(q_int(p, "SELECT rule_count FROM feeds"), (int64_t)ioc_set_count(iocs));
	db_close(d);
}
END_TEST

START_TEST(readonly_handle_refuses_writes)
{
	const char *p = tpath("ro.db");
	db_close(open_ok(p));
	struct db *d = db_open_ro(p, err, sizeof err);
	ck_assert_msg(d != NULL, "%s", err);
	struct hit h = mkhit(K_SNI, "api.spyic.com", NULL, "192.168.1.23", NULL,
	                     "203.0.113.7", T0);
	ck_assert_int_eq(db_write_hits(d, &h, 1, iocs, "c", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "read-only"));
	db_close(d);
	ck_assert_int_eq(q_int(p, "SELECT count(*) FROM hits"), 0);
}
END_TEST

static Suite *db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("db");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, time_str_table);
	tcase_add_test(tc, open_creates_schema);
	tcase_add_test(tc, reopen_keeps_rows);
	tcase_add_test(tc, aggregation);
	tcase_add_test(tc, bad_records_skipped);
	tcase_add_test(tc, batch_atomic_on_full);
	tcase_add_test(tc, locked_then_released);
	tcase_add_test(tc, concurrent_first_open);
	tcase_add_test(tc, migration_steps);
	tcase_add_test(tc, newer_schema_refused);
	tcase_add_test(tc, foreign_db_refused);
	tcase_add_test(tc, corrupt_file);
	tcase_add_test(tc, readonly_directory);
	tcase_add_test(tc, print_escapes_plain);
	tcase_add_test(tc, print_escapes_json);
	tcase_add_test(tc, print_wide);
	tcase_add_test(tc, print_order_and_filters);
	tcase_add_test(tc, cli_errors_and_empty);
	tcase_add_test(tc, stats_minutes);
	tcase_add_test(tc, devices_upsert);
	tcase_add_test(tc, feeds_replace);
	tcase_add_test(tc, readonly_handle_refuses_writes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(db_suite());
}
