/*
 * db.c - the SQLite store: open, migrate, write hits, stats, devices, feeds.
 *
 * One connection per struct db; every statement the writers need is
 * prepared once at open.  A batch is one BEGIN IMMEDIATE ... COMMIT: the
 * write lock is taken up front, so a busy database shows up at BEGIN (after
 * SW_DB_BUSY_MS of retries by SQLite's busy handler) and not halfway through
 * a batch; any failure rolls the whole batch back and the caller keeps it.
 *
 * Schema versions (PRAGMA user_version) are steps in db_steps[]: version 1
 * is db/schema.sql, compiled in as sw_schema_sql.  A later version appends
 * {N, "ALTER TABLE ...", "what it adds"}; db_open runs every step above the
 * file's version, each in its own transaction, and refuses a file newer than
 * the last step.  The only thing read from the file besides what SQLite
 * itself parses is its header fields user_version and application_id.
 */
#include "db/db.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/util.h"
#include "db/db_int.h"
#include "dissectors/dissect.h"
#include "ioc/ioc.h"

/* generated from db/schema.sql by .ci/embed.sh */
extern const unsigned char sw_schema_sql[];
extern const unsigned long sw_schema_sql_len;

/* PRAGMA application_id of a stalkerwatch database: "SwDB". */
#define DB_APP_ID 0x53774442

/* Append new versions here; never edit a step that has shipped. */
static const struct db_step db_steps[] = {
	{ 1, NULL, "initial schema" },
	{ 0, NULL, NULL },
};

/* stats has one hosts_<kind> column per enum sw_kind (Google QUIC counts as
 * quic); a new kind needs a migration step adding its column and an update
 * of STATS_SQL. */
_Static_assert(K_COUNT == 9, "add a hosts_<kind> column to stats by a migration");

/* "col = excluded.col when it is set and this event is not older" */
#define NEWEST_SET(col) " " col " = CASE WHEN excluded." col " IS NOT NULL AND (" \
	col " IS NULL OR excluded.last_seen >= last_seen) THEN excluded." col \
	" ELSE " col " END,"

static const char HIT_SQL[] =
	"INSERT INTO hits (client_ip, client_mac, kind, hostname, path, rule,"
	" source, server_ip, server_port, capture, family, category, how,"
	" confidence, first_seen, last_seen, count, ja4, app, server_country,"
	" server_asn, server_org, ech, query)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
	" ?15, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)"
	" ON CONFLICT (client_ip, ifnull(client_mac, ''), kind, hostname,"
	" rule, source, server_ip, server_port, capture)"
	" DO UPDATE SET count = count + excluded.count,"
	" path = CASE WHEN excluded.last_seen >= last_seen THEN excluded.path"
	" ELSE path END,"
	" ja4 = CASE WHEN excluded.ja4 IS NOT NULL AND"
	" (ja4 IS NULL OR excluded.last_seen >= last_seen) THEN excluded.ja4"
	" ELSE ja4 END,"
	/* enrichment: the newest event that has a value (NEWEST_SET) */
	NEWEST_SET("app") NEWEST_SET("server_country") NEWEST_SET("server_asn")
	NEWEST_SET("server_org") NEWEST_SET("query")
	" ech = coalesce(excluded.ech, ech),"
	" first_seen = min(first_seen, excluded.first_seen),"
	" last_seen = max(last_seen, excluded.last_seen),"
	" family = excluded.family, category = excluded.category,"
	" how = excluded.how, confidence = excluded.confidence";

static const char STATS_SQL[] =
	"INSERT INTO stats (ts, capture, packets, bytes, drops, flows,"
	" flows_active, evictions, hosts_sni, hosts_quic, hosts_http, hosts_uri,"
	" hosts_dns, hosts_ech, hosts_resolved, hosts_ip, hits, hits_dropped,"
	" malformed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
	" ?13, ?14, ?15, ?16, ?17, ?18, ?19)"
	" ON CONFLICT (capture, ts) DO UPDATE SET"
	" packets = packets + excluded.packets, bytes = bytes + excluded.bytes,"
	" drops = drops + excluded.drops, flows = flows + excluded.flows,"
	" flows_active = excluded.flows_active,"
	" evictions = evictions + excluded.evictions,"
	" hosts_sni = hosts_sni + excluded.hosts_sni,"
	" hosts_quic = hosts_quic + excluded.hosts_quic,"
	" hosts_http = hosts_http + excluded.hosts_http,"
	" hosts_uri = hosts_uri + excluded.hosts_uri,"
	" hosts_dns = hosts_dns + excluded.hosts_dns,"
	" hosts_ech = hosts_ech + excluded.hosts_ech,"
	" hosts_resolved = hosts_resolved + excluded.hosts_resolved,"
	" hosts_ip = hosts_ip + excluded.hosts_ip,"
	" hits = hits + excluded.hits,"
	" hits_dropped = hits_dropped + excluded.hits_dropped,"
	" malformed = malformed + excluded.malformed";

/* Newer sighting wins; an unknown (NULL) field never erases a known one.
 * In DO UPDATE SET every right-hand side sees the old row. */
#define DEV_FIELD(c) \
	" " c " = CASE WHEN excluded.last_seen >= last_seen" \
	" THEN coalesce(excluded." c ", " c ") ELSE coalesce(" c ", excluded." c ") END,"
static const char DEV_SQL[] =
	"INSERT INTO devices (mac, ip, name, vendor_class, first_seen, last_seen)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
	" ON CONFLICT (mac) DO UPDATE SET"
	DEV_FIELD("ip") DEV_FIELD("name") DEV_FIELD("vendor_class")
	" first_seen = min(first_seen, excluded.first_seen),"
	" last_seen = max(last_seen, excluded.last_seen)";

static const char FEED_SQL[] =
	"INSERT INTO feeds (source, format, url, sha256, rule_count, loaded_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	" ON CONFLICT (source) DO UPDATE SET format = excluded.format,"
	" url = excluded.url, sha256 = excluded.sha256,"
	" rule_count = excluded.rule_count, loaded_at = excluded.loaded_at";

/* ---- errors ------------------------------------------------------------- */

/* What a person can do about an SQLite result code. */
static const char *rc_explain(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return "the database is locked by another connection";
	case SQLITE_FULL:
		return "the disk (or the database size cap) is full";
	case SQLITE_READONLY:
		return "the database is read-only here (file or directory permissions, "
		       "or a read-only file system)";
	case SQLITE_NOTADB:
		return "this file is not an SQLite database";
	case SQLITE_CORRUPT:
		return "the database file is corrupt";
	case SQLITE_CANTOPEN:
		return "cannot open the database or its -wal/-shm files (does the directory "
		       "exist, and is it writable?)";
	case SQLITE_IOERR:
		return "I/O error";
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return "permission denied";
	case SQLITE_NOMEM:
		return "out of memory";
	default:
		return sqlite3_errstr(rc);
	}
}

void db_sq_err(const char *path, sqlite3 *h, int rc, char *err, size_t errlen,
                   const char *fmt, ...)
{
	char doing[256];
	va_list ap;
	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(doing, sizeof doing, fmt, ap);
	va_end(ap);
	const char *msg = h ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
	const char *why = rc_explain(rc);
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		snprintf(err, errlen, "%s: %s: %s (gave up after %d ms; sqlite: %s)",
		         path, doing, why, SW_DB_BUSY_MS, msg);
	else if (strcmp(msg, why) == 0)
		snprintf(err, errlen, "%s: %s: %s", path, doing, why);
	else
		snprintf(err, errlen, "%s: %s: %s (sqlite: %s)", path, doing, why, msg);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- small formatting helpers ------------------------------------------- */

static char *put_num(char *p, unsigned v, int digits)
{
	for (int i = digits - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + digits;
}

/* 9999-12-31 23:59:59.999999 UTC */
#define DB_TIME_MAX_US UINT64_C(253402300799999999)

const char *db_time_str(uint64_t ts_us, char *buf, size_t len)
{
	struct tm tm;
	if (!buf || len == 0)
		return buf;
	if (len < DB_TIME_BUF) {
		buf[0] = '\0';
		return buf;
	}
	if (ts_us > DB_TIME_MAX_US)
		ts_us = DB_TIME_MAX_US;
	time_t s = (time_t)(ts_us / 1000000u);
	if (!gmtime_r(&s, &tm)) {
		buf[0] = '\0';
		return buf;
	}
	char *p = buf;
	p = put_num(p, (unsigned)(tm.tm_year + 1900), 4);
	*p++ = '-';
	p = put_num(p, (unsigned)(tm.tm_mon + 1), 2);
	*p++ = '-';
	p = put_num(p, (unsigned)tm.tm_mday, 2);
	*p++ = ' ';
	p = put_num(p, (unsigned)tm.tm_hour, 2);
	*p++ = ':';
	p = put_num(p, (unsigned)tm.tm_min, 2);
	*p++ = ':';
	p = put_num(p, (unsigned)tm.tm_sec, 2);
	*p++ = '.';
	p = put_num(p, (unsigned)(ts_us % 1000000u), 6);
	*p = '\0';
	return buf;
}

/* 'aa:bb:cc:dd:ee:ff' into buf (>= 18). */
static const char *mac_str(const uint8_t m[6], char *buf)
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 6; i++) {
		buf[i * 3] = hex[m[i] >> 4];
		buf[i * 3 + 1] = hex[m[i] & 15];
		buf[i * 3 + 2] = i < 5 ? ':' : '\0';
	}
	return buf;
}

/* inet_ntop text of a, "" when unset or of an unknown family. */
static const char *addr_str(const struct sw_addr *a, char *buf, size_t len)
{
	buf[0] = '\0';
	if (a->v == 4)
		inet_ntop(AF_INET, a->a, buf, (socklen_t)len);
	else if (a->v == 6)
		inet_ntop(AF_INET6, a->a, buf, (socklen_t)len);
	return buf;
}

static sqlite3_int64 clamp64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)v;
}

/* Length of a string in a fixed buffer that should be NUL-terminated. */
static int fixed_len(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	return (int)n;
}

/* ---- open and migrate ------------------------------------------------- */

static int steps_version(const struct db_step *steps)
{
	int v = 0;
	for (const struct db_step *s = steps; s->version; s++)
		v = s->version;
	return v;
}

int db_schema_version(void)
{
	return steps_version(db_steps);
}

const char *db_path(const struct db *d)
{
	return d ? d->path : NULL;
}

/* Run one statement returning a single integer.  SQLite's rc on failure. */
static int get_int(sqlite3 *h, const char *sql, sqlite3_int64 *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		*out = 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static struct db *db_alloc(const char *path)
{
	struct db *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->path = strdup(path);
	if (!d->path) {
		free(d);
		return NULL;
	}
	return d;
}

static void finalize_all(struct db *d)
{
	sqlite3_stmt **all[] = {
		&d->begin, &d->commit, &d->rollback, &d->hit, &d->stats,
		&d->dev, &d->feed_del, &d->feed,
	};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		sqlite3_finalize(*all[i]);
		*all[i] = NULL;
	}
}

void db_close(struct db *d)
{
	if (!d)
		return;
	finalize_all(d);
	if (d->h)
		sqlite3_close(d->h);
	free(d->path);
	free(d);
}

/* Settings every connection gets: extended codes, the busy timeout, and no
 * trust in SQL stored in the file (it could have been tampered with). */
static void conn_setup(sqlite3 *h)
{
	sqlite3_extended_result_codes(h, 1);
	sqlite3_busy_timeout(h, SW_DB_BUSY_MS);
	sqlite3_db_config(h, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_db_config(h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
}

/*
 * Check that the file is ours and which version it has.  *uv gets
 * user_version.  Fresh (empty) files pass with *uv == 0.  Returns 0, SQLite's
 * rc when reading failed, or -1 when the file is refused (err filled).
 */
static int check_header(struct db *d, sqlite3_int64 *uv, char *err, size_t errlen)
{
	sqlite3_int64 app = 0, objs = 0;
	sqlite3_stmt *st = NULL;
	/* one statement, one snapshot: another process may be creating the
	 * schema right now, and its tables and user_version come together */
	int rc = sqlite3_prepare_v2(d->h,
		"SELECT (SELECT application_id FROM pragma_application_id),"
		" (SELECT user_version FROM pragma_user_version),"
		" (SELECT count(*) FROM sqlite_schema)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			app = sqlite3_column_int64(st, 0);
			*uv = sqlite3_column_int64(st, 1);
			objs = sqlite3_column_int64(st, 2);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		db_sq_err(d->path, d->h, rc, err, errlen, "reading the database header");
		return rc;
	}
	if (app != 0 && app != DB_APP_ID) {
		set_err(err, errlen, "%s: not a stalkerwatch database (an SQLite database "
		        "of another program: application_id 0x%08" PRIx64 ")",
		        d->path, (uint64_t)(uint32_t)app);
		return -1;
	}
	if (*uv == 0 && objs > 0) {
		set_err(err, errlen, "%s: not a stalkerwatch database (an SQLite database "
		        "with %" PRId64 " tables/indexes but no stalkerwatch schema version); "
		        "give another path", d->path, (int64_t)objs);
		return -1;
	}
	if (*uv > d->version) {
		set_err(err, errlen, "%s: database schema version %" PRId64 " is newer than "
		        "this stalkerwatch understands (version %d): it was written by a "
		        "newer release; upgrade stalkerwatch or give another path",
		        d->path, (int64_t)*uv, d->version);
		return -1;
	}
	if (*uv < 0) {
		set_err(err, errlen, "%s: not a stalkerwatch database (schema version %"
		        PRId64 ")", d->path, (int64_t)*uv);
		return -1;
	}
	return 0;
}

/* Run one migration step in its own transaction.  0, or SQLite's rc with
 * err filled. */
static int run_step(struct db *d, const struct db_step *s, char *err, size_t errlen)
{
	char sql[128];
	sqlite3_int64 uv = 0;
	int rc = sqlite3_exec(d->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		db_sq_err(d->path, d->h, rc, err, errlen,
		       "upgrading the schema to version %d (%s)", s->version, s->what);
		return rc;
	}
	/* another process may have migrated while we waited for the lock */
	rc = get_int(d->h, "PRAGMA user_version", &uv);
	if (rc == SQLITE_OK && uv < s->version) {
		const char *body = s->sql ? s->sql : (const char *)sw_schema_sql;
		rc = sqlite3_exec(d->h, body, NULL, NULL, NULL);
		if (rc == SQLITE_OK && s->version == 1) {
			snprintf(sql, sizeof sql, "PRAGMA application_id = %d", DB_APP_ID);
			rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);
		}
		if (rc == SQLITE_OK) {
			snprintf(sql, sizeof sql, "PRAGMA user_version = %d", s->version);
			rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);
		}
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(d->h, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		db_sq_err(d->path, d->h, rc, err, errlen,
		       "upgrading the schema to version %d (%s)", s->version, s->what);
		if (!sqlite3_get_autocommit(d->h))
			sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return 0;
}

static int prepare(struct db *d, sqlite3_stmt **st, const char *sql,
                   char *err, size_t errlen)
{
	int rc = sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	if (rc != SQLITE_OK) {
		db_sq_err(d->path, d->h, rc, err, errlen, "preparing statements");
		return -1;
	}
	return 0;
}

/* Create path with mode 0600 when it does not exist, so that SQLite (which
 * would use 0644) and the -wal/-shm files it derives from it are private. */
static int create_private(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	if (stat(path, &sb) == 0)
		return 0;
	if (errno != ENOENT) {
		set_err(err, errlen, "%s: cannot open the database: %s", path, strerror(errno));
		return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		int e = errno;
		set_err(err, errlen, "%s: cannot create the database: %s%s", path, strerror(e),
		        (e == EACCES || e == EROFS || e == EPERM) ?
		        " (is the directory writable?)" :
		        e == ENOENT ? " (does the directory exist?)" : "");
		return -1;
	}
	close(fd);
	return 0;
}

/* Switch to WAL (readers, e.g. `stalkerwatch hits`, never block the
 * writer).  0, SQLite's rc, or -1 when the file system cannot do it. */
static int set_wal(struct db *d, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(d->h, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *mode = (const char *)sqlite3_column_text(st, 0);
		rc = SQLITE_OK;
		if (!mode || strcmp(mode, "wal") != 0) {
			set_err(err, errlen, "%s: cannot use write-ahead logging (journal "
			        "mode stays %s): the file system may not support it; put the "
			        "database on a local disk", d->path, mode ? mode : "unknown");
			rc = -1;
		}
	}
	sqlite3_finalize(st);
	if (rc > 0)
		db_sq_err(d->path, d->h, rc, err, errlen, "switching to write-ahead logging");
	return rc;
}

/* Everything db_open does once the connection exists: check the header,
 * WAL, pragmas, migrations.  Idempotent, so that it can be retried.  0,
 * SQLite's rc, or -1 (refused), with err filled. */
static int setup(struct db *d, bool mem, char *err, size_t errlen)
{
	sqlite3_int64 uv = 0;
	int rc = check_header(d, &uv, err, errlen);
	if (rc != 0)
		return rc;
	if (!mem && (rc = set_wal(d, err, errlen)) != 0)
		return rc;
	rc = sqlite3_exec(d->h, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
	                  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		db_sq_err(d->path, d->h, rc, err, errlen, "setting pragmas");
		return rc;
	}
	for (const struct db_step *s = d->steps; s->version; s++)
		if (s->version > uv && (rc = run_step(d, s, err, errlen)) != 0)
			return rc;
	return 0;
}

static bool is_busy(int rc)
{
	return rc > 0 && ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct db *db_open(const char *path, char *err, size_t errlen)
{
	return db_open_steps(path, db_steps, err, errlen);
}

struct db *db_open_steps(const char *path, const struct db_step *steps,
                         char *err, size_t errlen)
{
	if (!path || !*path) {
		set_err(err, errlen, "no database path given");
		return NULL;
	}
	bool mem = strcmp(path, ":memory:") == 0;
	if (!mem && create_private(path, err, errlen) != 0)
		return NULL;
	struct db *d = db_alloc(path);
	if (!d) {
		set_err(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	d->steps = steps;
	d->version = steps_version(steps);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (mem ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(path, &d->h, flags, NULL);
	if (rc != SQLITE_OK) {
		db_sq_err(path, d->h, rc, err, errlen, "cannot open the database");
		goto fail;
	}
	conn_setup(d->h);
	if (sqlite3_db_readonly(d->h, "main") == 1) {
		set_err(err, errlen, "%s: the database file is read-only (permissions); "
		        "stalkerwatch needs to write it", path);
		goto fail;
	}
	/*
	 * A new file starts in rollback-journal mode, where SQLite reports a
	 * lock conflict at once instead of waiting (to avoid deadlock): two
	 * processes setting up the same new file would fail.  Setup is
	 * idempotent, so it is retried on a lock for up to SW_DB_OPEN_WAIT_MS.
	 */
	uint64_t t0 = mono_ms();
	unsigned pause_ms = 5;
	while (is_busy(rc = setup(d, mem, err, errlen)) && mono_ms() - t0 < SW_DB_OPEN_WAIT_MS) {
		struct timespec ts = { 0, (long)pause_ms * 1000000L };
		nanosleep(&ts, NULL);
		if (pause_ms < 100)
			pause_ms *= 2;
	}
	if (rc != 0)
		goto fail;

	if (prepare(d, &d->begin, "BEGIN IMMEDIATE", err, errlen) ||
	    prepare(d, &d->commit, "COMMIT", err, errlen) ||
	    prepare(d, &d->rollback, "ROLLBACK", err, errlen) ||
	    prepare(d, &d->hit, HIT_SQL, err, errlen) ||
	    prepare(d, &d->stats, STATS_SQL, err, errlen) ||
	    prepare(d, &d->dev, DEV_SQL, err, errlen) ||
	    prepare(d, &d->feed_del, "DELETE FROM feeds", err, errlen) ||
	    prepare(d, &d->feed, FEED_SQL, err, errlen))
		goto fail;
	return d;
fail:
	db_close(d);
	return NULL;
}

/* True when path-wal exists (a WAL writer may be active). */
static bool wal_exists(const char *path)
{
	char *w = sqlite3_mprintf("%s-wal", path);
	bool e = !w || access(w, F_OK) == 0;
	sqlite3_free(w);
	return e;
}

/* Open path read-only with the URI parameter immutable=1; the path is
 * percent-encoded so that '?', '#' and '%' in it stay part of the name. */
static int open_immutable(const char *path, sqlite3 **h)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *uri = malloc(3 * n + 32);
	if (!uri)
		return SQLITE_NOMEM;
	char *o = uri;
	memcpy(o, "file:", 5);
	o += 5;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '/' || c == '.' || c == '-' || c == '_' || c == '~') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	memcpy(o, "?immutable=1", sizeof "?immutable=1");
	int rc = sqlite3_open_v2(uri, h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX |
	                         SQLITE_OPEN_URI, NULL);
	free(uri);
	return rc;
}

struct db *db_open_ro(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	if (!path || !*path) {
		set_err(err, errlen, "no database path given");
		return NULL;
	}
	if (stat(path, &sb) != 0) {
		int e = errno;
		set_err(err, errlen, "%s: %s%s", path, strerror(e),
		        e == ENOENT ? " (no database there: check the path the daemon "
		        "writes to, given with -d)" : "");
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		set_err(err, errlen, "%s: not a regular file", path);
		return NULL;
	}
	struct db *d = db_alloc(path);
	if (!d) {
		set_err(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	d->ro = true;
	d->steps = db_steps;
	d->version = db_schema_version();
	int rc = sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		db_sq_err(path, d->h, rc, err, errlen, "cannot open the database");
		goto fail;
	}
	conn_setup(d->h);
	sqlite3_int64 probe;
	rc = get_int(d->h, "PRAGMA user_version", &probe);
	if (((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN) &&
	    !wal_exists(path)) {
		/*
		 * A WAL database needs its -shm beside it, which a reader may not
		 * be able to create (read-only directory).  Without a -wal file
		 * no writer is active, so the main file holds everything: read it
		 * as immutable (no locks, no -shm).
		 */
		sqlite3_close(d->h);
		d->h = NULL;
		rc = open_immutable(path, &d->h);
		if (rc != SQLITE_OK) {
			db_sq_err(path, d->h, rc, err, errlen, "cannot open the database");
			goto fail;
		}
		conn_setup(d->h);
	}
	sqlite3_int64 uv = 0;
	if (check_header(d, &uv, err, errlen) != 0)
		goto fail;
	if (uv == 0) {
		set_err(err, errlen, "%s: not a stalkerwatch database (empty: no schema)", path);
		goto fail;
	}
	if (uv < db_schema_version()) {
		set_err(err, errlen, "%s: database schema version %" PRId64 " is older than "
		        "this stalkerwatch's (%d): run the daemon (or replay) on it once "
		        "to upgrade it", path, (int64_t)uv, db_schema_version());
		goto fail;
	}
	return d;
fail:
	db_close(d);
	return NULL;
}

int db_set_size_limit(struct db *d, uint64_t bytes, char *err, size_t errlen)
{
	sqlite3_int64 psz = 0, got = 0;
	char sql[64];
	int rc = get_int(d->h, "PRAGMA page_size", &psz);
	if (rc != SQLITE_OK || psz <= 0) {
		db_sq_err(d->path, d->h, rc, err, errlen, "reading the page size");
		return -1;
	}
	uint64_t pages = bytes ? (bytes + (uint64_t)psz - 1) / (uint64_t)psz : 0xfffffffeu;
	if (pages > 0xfffffffeu)
		pages = 0xfffffffeu;
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %" PRIu64, pages);
	rc = get_int(d->h, sql, &got);
	if (rc != SQLITE_OK) {
		db_sq_err(d->path, d->h, rc, err, errlen, "setting the size cap");
		return -1;
	}
	return 0;
}

/* ---- transactions ------------------------------------------------------ */

/* Step a statement that returns no rows and reset it.  SQLite's rc. */
static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int tx_begin(struct db *d, char *err, size_t errlen, const char *what)
{
	if (d->ro) {
		set_err(err, errlen, "%s: %s: the database was opened read-only", d->path, what);
		return -1;
	}
	d->last_full = false;
	int rc = run(d->begin);
	if (rc != SQLITE_OK) {
		d->last_full = (rc & 0xff) == SQLITE_FULL;
		db_sq_err(d->path, d->h, rc, err, errlen, "%s", what);
		return -1;
	}
	return 0;
}

/* Report rc for `what`, and roll back if a transaction is still open. */
static int tx_fail(struct db *d, int rc, char *err, size_t errlen, const char *what)
{
	d->last_full = (rc & 0xff) == SQLITE_FULL;
	db_sq_err(d->path, d->h, rc, err, errlen, "%s", what);
	if (!sqlite3_get_autocommit(d->h))
		run(d->rollback);
	return -1;
}

static int tx_commit(struct db *d, char *err, size_t errlen, const char *what)
{
	int rc = run(d->commit);
	if (rc != SQLITE_OK)
		return tx_fail(d, rc, err, errlen, what);
	return 0;
}

/* ---- hits --------------------------------------------------------------- */

uint64_t db_hits_rejected(const struct db *d)
{
	return d ? d->rejected : 0;
}

bool db_last_full(const struct db *d)
{
	return d && d->last_full;
}

static int bind_text_or_null(sqlite3_stmt *st, int i, const char *s, int n)
{
	if (!s || n <= 0)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, n, SQLITE_STATIC);
}

int db_write_hits(struct db *d, const struct hit *h, size_t n,
                  const struct ioc_set *iocs, const char *capture,
                  char *err, size_t errlen)
{
	char what[96];
	if (n == 0)
		return 0;
	snprintf(what, sizeof what, "writing a batch of %zu hits (none of them written)", n);
	if (tx_begin(d, err, errlen, what) != 0)
		return -1;
	if (!capture)
		capture = "";
	sqlite3_stmt *st = d->hit;
	for (size_t i = 0; i < n; i++) {
		const struct hit *x = &h[i];
		const struct ioc_rule *r = iocs ? ioc_rule_get(iocs, x->rule) : NULL;
		if (!r || x->kind >= K_COUNT) {
			d->rejected++;
			continue;
		}
		char cip[INET6_ADDRSTRLEN], sip[INET6_ADDRSTRLEN], mac[18], ts[DB_TIME_BUF];
		addr_str(&x->client, cip, sizeof cip);
		addr_str(&x->server, sip, sizeof sip);
		db_time_str(x->ts_us, ts, sizeof ts);
		sqlite3_bind_text(st, 1, cip, -1, SQLITE_STATIC);
		if (x->has_mac)
			sqlite3_bind_text(st, 2, mac_str(x->client_mac, mac), -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_text(st, 3, sw_kind_name((enum sw_kind)x->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, x->host, fixed_len(x->host, sizeof x->host), SQLITE_STATIC);
		bind_text_or_null(st, 5, x->path, fixed_len(x->path, sizeof x->path));
		sqlite3_bind_text(st, 6, r->pattern ? r->pattern : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, r->source ? r->source : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, sip, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 9, x->server_port);
		sqlite3_bind_text(st, 10, x->capture ? x->capture : capture, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, r->family ? r->family : "", -1, SQLITE_STATIC);
		bind_text_or_null(st, 12, r->category, r->category ? (int)strlen(r->category) : 0);
		const char *how = ioc_how_str((enum ioc_how)x->how);
		sqlite3_bind_text(st, 13, how ? how : "?", -1, SQLITE_STATIC);
		const char *conf = ioc_conf_str((enum ioc_conf)r->confidence);
		sqlite3_bind_text(st, 14, conf ? conf : "?", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 15, ts, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 16, x->count ? (sqlite3_int64)x->count : 1);
		bind_text_or_null(st, 17, x->ja4, fixed_len(x->ja4, sizeof x->ja4));
		bind_text_or_null(st, 18, x->app, fixed_len(x->app, sizeof x->app));
		bind_text_or_null(st, 19, x->server_country,
		                  fixed_len(x->server_country, sizeof x->server_country));
		if (x->server_asn)
			sqlite3_bind_int64(st, 20, x->server_asn);
		else
			sqlite3_bind_null(st, 20);
		bind_text_or_null(st, 21, x->server_org, fixed_len(x->server_org, sizeof x->server_org));
		if (x->ech)
			sqlite3_bind_int(st, 22, 1);
		else
			sqlite3_bind_null(st, 22);
		bind_text_or_null(st, 23, x->query, fixed_len(x->query, sizeof x->query));
		int rc = run(st);
		if (rc != SQLITE_OK)
			return tx_fail(d, rc, err, errlen, what);
	}
	return tx_commit(d, err, errlen, what);
}

/* ---- stats, devices, feeds ------------------------------------------------ */

int db_write_stats(struct db *d, const struct db_stats *s, char *err, size_t errlen)
{
	static const char what[] = "writing a minute of stats";
	char ts[DB_TIME_BUF];
	if (d->ro) {
		set_err(err, errlen, "%s: %s: the database was opened read-only", d->path, what);
		return -1;
	}
	db_time_str(s->ts_us - s->ts_us % 60000000u, ts, sizeof ts);
	ts[19] = '\0';  /* 'YYYY-MM-DD HH:MM:00' */
	sqlite3_stmt *st = d->stats;
	sqlite3_bind_text(st, 1, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->capture ? s->capture : "", -1, SQLITE_STATIC);
	const uint64_t v[] = {
		s->packets, s->bytes, s->drops, s->flows, s->flows_active, s->evictions,
		s->hosts[K_SNI], s->hosts[K_QUIC] + s->hosts[K_GQUIC], s->hosts[K_HTTP], s->hosts[K_URI],
		s->hosts[K_DNS], s->hosts[K_ECH], s->hosts[K_RESOLVED], s->hosts[K_IP],
		s->hits, s->hits_dropped, s->malformed,
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		sqlite3_bind_int64(st, (int)i + 3, clamp64(v[i]));
	int rc = run(st);
	if (rc != SQLITE_OK) {
		db_sq_err(d->path, d->h, rc, err, errlen, "%s", what);
		return -1;
	}
	return 0;
}

int db_upsert_devices(struct db *d, const struct db_device *v, size_t n,
                      char *err, size_t errlen)
{
	static const char what[] = "writing device sightings (none of them written)";
	if (n == 0)
		return 0;
	if (tx_begin(d, err, errlen, what) != 0)
		return -1;
	sqlite3_stmt *st = d->dev;
	for (size_t i = 0; i < n; i++) {
		char mac[18], ip[INET6_ADDRSTRLEN], ts[DB_TIME_BUF];
		sqlite3_bind_text(st, 1, mac_str(v[i].mac, mac), -1, SQLITE_STATIC);
		addr_str(&v[i].ip, ip, sizeof ip);
		bind_text_or_null(st, 2, ip, (int)strlen(ip));
		bind_text_or_null(st, 3, v[i].name, fixed_len(v[i].name, sizeof v[i].name));
		bind_text_or_null(st, 4, v[i].vendor_class,
		                  fixed_len(v[i].vendor_class, sizeof v[i].vendor_class));
		sqlite3_bind_text(st, 5, db_time_str(v[i].ts_us, ts, sizeof ts), -1,
		                  SQLITE_STATIC);
		int rc = run(st);
		if (rc != SQLITE_OK)
			return tx_fail(d, rc, err, errlen, what);
	}
	return tx_commit(d, err, errlen, what);
}

int db_write_feeds(struct db *d, const struct db_feed *f, size_t n,
                   char *err, size_t errlen)
{
	static const char what[] = "recording the loaded IOC feeds";
	if (tx_begin(d, err, errlen, what) != 0)
		return -1;
	int rc = run(d->feed_del);
	if (rc != SQLITE_OK)
		return tx_fail(d, rc, err, errlen, what);
	sqlite3_stmt *st = d->feed;
	for (size_t i = 0; i < n; i++) {
		char ts[DB_TIME_BUF];
		if (!f[i].source) {
			set_err(err, errlen, "%s: %s: feed %zu has no source", d->path, what, i);
			run(d->rollback);
			return -1;
		}
		sqlite3_bind_text(st, 1, f[i].source, -1, SQLITE_STATIC);
		bind_text_or_null(st, 2, f[i].format, f[i].format ? (int)strlen(f[i].format) : 0);
		bind_text_or_null(st, 3, f[i].url, f[i].url ? (int)strlen(f[i].url) : 0);
		bind_text_or_null(st, 4, f[i].sha256, f[i].sha256 ? (int)strlen(f[i].sha256) : 0);
		sqlite3_bind_int64(st, 5, clamp64(f[i].rule_count));
		sqlite3_bind_text(st, 6, db_time_str(f[i].loaded_us, ts, sizeof ts), -1,
		                  SQLITE_STATIC);
		rc = run(st);
		if (rc != SQLITE_OK)
			return tx_fail(d, rc, err, errlen, what);
	}
	return tx_commit(d, err, errlen, what);
}

int db_record_feeds(struct db *d, const struct ioc_set *iocs, uint64_t loaded_us,
                    char *err, size_t errlen)
{
	const struct ioc_feed *in = NULL;
	size_t n = iocs ? ioc_set_feeds(iocs, &in) : 0;
	struct db_feed *f = calloc(n ? n : 1, sizeof *f);
	if (!f) {
		set_err(err, errlen, "%s: out of memory", d->path);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		f[i].source = in[i].source;
		f[i].format = in[i].format;
		f[i].sha256 = in[i].sha256[0] ? in[i].sha256 : NULL;
		f[i].rule_count = in[i].rules;
		f[i].loaded_us = loaded_us;
	}
	int rc = db_write_feeds(d, f, n, err, errlen);
	free(f);
	return rc;
}
