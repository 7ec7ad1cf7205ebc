/*
 * db.h - the SQLite store: schema, migrations, the batched hit writer, and
 * the queries behind `stalkerwatch hits`.
 *
 * Schema: db/schema.sql (documented in docs/schema.md).  PRAGMA user_version
 * numbers the migrations; WAL journal; synchronous=NORMAL; busy_timeout
 * SW_DB_BUSY_MS.  Table hits holds one row per (client_ip, client_mac, kind,
 * hostname, rule, source, server_ip, server_port, capture) with first_seen,
 * last_seen, count and the most recent HTTP path (path is not in the key:
 * request paths carry nonces and timestamps, and the rule already says what
 * matched; docs/schema.md).  Times are stored as UTC text
 * 'YYYY-MM-DD HH:MM:SS.ffffff'.
 *
 * A struct db is one SQLite connection: use it from one thread at a time.
 * Every error message starts with the database path.
 */
#ifndef SW_DB_H
#define SW_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/sw_limits.h"
#include "dissectors/decode.h"
#include "dissectors/dissect.h"

/* One hit, copied out of the packet views: the only copy on the packet path.
 * Rule strings are resolved when written (db_write_hits). */
struct hit {
	uint64_t ts_us;               /* time of the event */
	uint8_t kind;                 /* enum sw_kind */
	uint8_t how;                  /* enum ioc_how */
	bool has_mac;
	uint8_t client_mac[6];
	struct sw_addr client, server;
	uint16_t server_port;
	uint32_t rule;                /* rule id in the ioc set the writer is given */
	uint32_t count;               /* events folded into this record (>= 1) */
	char host[SW_HOST_BUF];       /* normalised hostname as seen */
	char path[SW_PATH_STORE];     /* HTTP path prefix; "" otherwise */
	char ja4[37];                 /* JA4 of the ClientHello (dissectors/ja4.h,
	                                 JA4_BUF); "" when none: stored as NULL */
	/* enrichment (daemon/dpi.c, geoip.c, resolve.c; docs/enrichment.md);
	 * "" / 0 / false when unknown: stored as NULL */
	char app[SW_APP_BUF];         /* nDPI label of the flow, "TLS.AmazonAWS" */
	char server_country[3];       /* ISO 3166-1 alpha-2 of server */
	uint32_t server_asn;          /* AS number of server */
	char server_org[SW_GEO_ORG_BUF]; /* AS organisation of server */
	bool ech;                     /* the flow's ClientHello carried
	                                 encrypted_client_hello (stored as 1) */
	char query[SW_HOST_BUF];      /* kind dns from an answer: the name asked
	                                 whose CNAME chain led to host */
	const char *capture;          /* the interface the frame came from (a name
	                                 that outlives the queue); NULL: the capture
	                                 db_write_hits is given */
};

struct db;
struct ioc_set;

/* Buffer for db_time_str(): 'YYYY-MM-DD HH:MM:SS.ffffff' and a NUL. */
#define DB_TIME_BUF 27

/*
 * Open (creating if needed) the database at path and bring its schema to the
 * current version.  On failure returns NULL and writes "path: why" into err.
 *
 * A new file is created with mode 0600 (it tells who is being watched); -wal
 * and -shm inherit it.  Refused with a clear error: a directory where the
 * file cannot be created, a read-only file, a file that is not an SQLite
 * database, an SQLite database of another program (tables but no
 * stalkerwatch schema, or another application_id), a schema newer than this
 * binary (db_schema_version()), a file system without WAL support, a lock
 * held longer than SW_DB_BUSY_MS while migrating.  Each migration step runs
 * in its own transaction.
 */
struct db *db_open(const char *path, char *err, size_t errlen);

/*
 * Open an existing database read-only for queries: never creates or changes
 * the file (SQLITE_OPEN_READONLY).  Refused with "path: why" in err: no such
 * file, not a database, no stalkerwatch schema, a schema version other than
 * db_schema_version() (newer: upgrade the binary; older: open it once with
 * db_open, which migrates).  The writers below fail on such a handle.
 * SQLite may create empty -wal/-shm files beside a WAL database for a
 * reader (the database file itself is never written); where the directory
 * is not writable and no -wal exists (so no writer is active) the file is
 * read as immutable instead.
 */
struct db *db_open_ro(const char *path, char *err, size_t errlen);

/* Finalise the statements and close (checkpoints the WAL when last).  NULL
 * is allowed. */
void db_close(struct db *d);

/* Current schema version (PRAGMA user_version after db_open). */
int db_schema_version(void);

/* The path given to db_open / db_open_ro; lives as long as d. */
const char *db_path(const struct db *d);

/*
 * Cap the size of the database file at about `bytes` (PRAGMA max_page_count;
 * 0 lifts the cap; the cap never goes below the current size).  Beyond it a
 * write fails as "full", like a full disk: for small flash, and to test that
 * path.  Returns 0, or -1 with err.
 */
int db_set_size_limit(struct db *d, uint64_t bytes, char *err, size_t errlen);

/*
 * Format ts_us (microseconds since the epoch) as UTC 'YYYY-MM-DD
 * HH:MM:SS.ffffff' into buf (len >= DB_TIME_BUF; else buf gets "").  Times
 * past 9999-12-31 23:59:59.999999 are clamped to it so that the text stays
 * fixed-width.  Returns buf.
 */
const char *db_time_str(uint64_t ts_us, char *buf, size_t len);

/*
 * Write n hits in one transaction: each row is inserted or folded into the
 * row with the same aggregation key (count += hit.count, last_seen = max,
 * first_seen = min, path = that of the newest event, ja4, app,
 * server_country, server_asn, server_org and query = those of the newest
 * event that has one, ech = 1 once any event had it; family, category, how
 * and confidence take the values of this write).  Rule strings come from
 * iocs (rule ids index it); capture names the file or interface of a hit
 * whose own capture field is NULL.  A hit whose rule id is not in iocs or whose
 * kind is unknown cannot be written: it is skipped and counted
 * (db_hits_rejected), so that one bad record cannot block the queue; a
 * count of 0 is written as 1.  Returns 0, or -1 with err filled: the whole
 * batch is rolled back (nothing of it is committed; rows committed before
 * stay) and the caller keeps the hits to retry.  Fails that way on a lock
 * held by another connection for longer than SW_DB_BUSY_MS, a full disk or
 * size cap, an I/O error, a corrupt file.
 */
int db_write_hits(struct db *d, const struct hit *h, size_t n,
                  const struct ioc_set *iocs, const char *capture,
                  char *err, size_t errlen);

/* Hits skipped by db_write_hits since open (bad rule id or kind). */
uint64_t db_hits_rejected(const struct db *d);

/* True when the last failed write failed for lack of space (a full disk or
 * the size cap), where a smaller batch may still fit; false for locks and
 * other errors, where it would not help. */
bool db_last_full(const struct db *d);

/* Filters and form of a hits listing.  Zero-initialise; unset fields do not
 * filter. */
struct db_hit_query {
	uint64_t since_us;    /* only rows with last_seen >= this; 0: all */
	const char *family;   /* only this family (ASCII case-insensitive) */
	const char *client;   /* only this client IP or MAC (text as stored) */
	bool json;            /* one JSON object per line instead of a table */
	bool wide;            /* the table with geo (country, ASN), org, ja4, ech */
};

/*
 * Print hits to out: high confidence first, then most recent first.  Plain:
 * a table (last_seen UTC to the second, count, conf, kind, hostname with the
 * HTTP path appended, family, rule, client, mac, server ip:port, app, and
 * with wide: geo, org, ja4, ech; then capture),
 * columns aligned, every cell escaped with sw_esc_buf; "no hits" when there
 * are none.  JSON: one object per row and line, every column of the row,
 * NULL as null, times as RFC 3339 'YYYY-MM-DDTHH:MM:SS.ffffffZ', strings
 * escaped with sw_fput_json; nothing when there are none.  Reads one
 * consistent snapshot.  Returns rows printed, or -1 with err.
 */
long db_query_hits(struct db *d, FILE *out, const struct db_hit_query *q,
                   char *err, size_t errlen);

/* db_query_hits without filters. */
long db_print_hits(struct db *d, FILE *out, bool json, char *err, size_t errlen);

/* One minute of counters for the stats table. */
struct db_stats {
	uint64_t ts_us;             /* any time in the minute (capture time) */
	const char *capture;        /* file or interface */
	uint64_t packets, bytes;
	uint64_t drops;             /* dropped by the kernel or interface */
	uint64_t flows;             /* flows created */
	uint64_t flows_active;      /* flows in the table at the end (gauge) */
	uint64_t evictions;         /* flows evicted for lack of room */
	uint64_t hosts[K_COUNT];    /* hostnames seen, by enum sw_kind */
	uint64_t hits;              /* IOC matches (events) */
	uint64_t hits_dropped;      /* hit queue full */
	uint64_t malformed;         /* frames/messages refused as malformed */
};

/*
 * Add one minute of counters: the row (capture, start of the minute) is
 * created or its counters are increased by these (flows_active replaced).
 * Values above INT64_MAX are stored as INT64_MAX.  0, or -1 with err
 * (nothing written).
 */
int db_write_stats(struct db *d, const struct db_stats *s, char *err, size_t errlen);

/* A device seen on the link (DHCP). */
struct db_device {
	uint64_t ts_us;                   /* when seen */
	uint8_t mac[6];
	struct sw_addr ip;                /* v == 0: unknown */
	char name[SW_DB_DEV_STR];         /* DHCP option 12 as sent; "" unknown */
	char vendor_class[SW_DB_DEV_STR]; /* DHCP option 60 as sent; "" unknown */
};

/*
 * Record n device sightings in one transaction, keyed by MAC: first_seen =
 * min, last_seen = max; ip, name and vendor_class are updated by the newer
 * sighting, and a field unknown in one sighting never erases a known one.
 * 0, or -1 with err (nothing of the batch written; retry later).
 */
int db_upsert_devices(struct db *d, const struct db_device *v, size_t n,
                      char *err, size_t errlen);

/* One loaded IOC input for the feeds table. */
struct db_feed {
	const char *source;   /* path as given, or "bundled" (required) */
	const char *format;   /* "native", ...; NULL unknown */
	const char *url;      /* download URL; NULL for a local file */
	const char *sha256;   /* lower-case hex; NULL unknown */
	uint64_t rule_count;
	uint64_t loaded_us;   /* when loaded */
};

/*
 * Replace the feeds table with these n inputs (the set loaded now), in one
 * transaction.  0, or -1 with err (the table is left as it was).
 */
int db_write_feeds(struct db *d, const struct db_feed *f, size_t n,
                   char *err, size_t errlen);

/* db_write_feeds from the inputs of a loaded set (ioc_set_feeds), url NULL. */
int db_record_feeds(struct db *d, const struct ioc_set *iocs, uint64_t loaded_us,
                    char *err, size_t errlen);

#endif
