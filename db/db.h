/*
 * db.h - the SQLite store: schema, migrations, the batched hit writer, and
 * the queries behind `stalkerwatch hits`.
 *
 * Schema: db/schema.sql (documented in docs/schema.md).  PRAGMA user_version
 * numbers the migrations; WAL journal; synchronous=NORMAL; busy_timeout.
 * Table hits holds one row per (client_ip, client_mac, kind, hostname, path,
 * rule, source, server_ip, server_port, capture) with first_seen, last_seen
 * and count.
 */
#ifndef SW_DB_H
#define SW_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/sw_limits.h"
#include "dissectors/decode.h"

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
};

struct db;
struct ioc_set;

/*
 * Open (creating if needed) the database at path and bring its schema to the
 * current version.  On failure returns NULL and writes "path: why" into err.
 */
struct db *db_open(const char *path, char *err, size_t errlen);
void db_close(struct db *d);

/* Current schema version (PRAGMA user_version after db_open). */
int db_schema_version(void);

/*
 * Write n hits in one transaction: each row is inserted or folded into the
 * row with the same aggregation key (count += hit.count, last_seen = max,
 * first_seen = min).  Rule strings come from iocs; capture names the file or
 * interface.  Returns 0, or -1 with err filled (nothing of this batch is
 * then committed; rows already committed stay).
 */
int db_write_hits(struct db *d, const struct hit *h, size_t n,
                  const struct ioc_set *iocs, const char *capture,
                  char *err, size_t errlen);

/* Print the hits table to out, most recent last; as JSON lines when json.
 * Terminal output is escaped.  Returns rows printed, or -1. */
long db_print_hits(struct db *d, FILE *out, bool json, char *err, size_t errlen);

#endif
