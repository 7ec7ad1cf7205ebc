/*
 * db_int.h - what db.c shares with the query code (db_query.c).  Private to
 * db/: other modules use db/db.h.
 */
#ifndef SW_DB_INT_H
#define SW_DB_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One schema version: the SQL that brings version-1 to version. */
struct db_step {
	int version;       /* 0 ends a list */
	const char *sql;   /* NULL: the embedded schema (version 1) */
	const char *what;  /* what it adds, for errors */
};

/* One open database: a connection and the statements prepared at open. */
struct db {
	sqlite3 *h;
	const struct db_step *steps;  /* the migrations this handle knows */
	int version;                  /* the last of them */
	char *path;             /* as given to db_open / db_open_ro */
	bool ro;                /* opened by db_open_ro: no statements below */
	sqlite3_stmt *begin, *commit, *rollback;
	sqlite3_stmt *hit, *stats, *dev, *feed_del, *feed;
	uint64_t rejected;      /* hits skipped by db_write_hits */
	bool last_full;         /* the last write failed for lack of space */
};

/* "path: doing: explanation (sqlite: message)" into err, for SQLite result
 * code rc on connection h (may be NULL).  Lock errors say how long SQLite
 * waited. */
void db_sq_err(const char *path, sqlite3 *h, int rc, char *err, size_t errlen,
               const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* db_open with another list of migration steps (ends with version 0): lets
 * tests run a version 2 against files made by version 1. */
struct db *db_open_steps(const char *path, const struct db_step *steps,
                         char *err, size_t errlen);

#endif
