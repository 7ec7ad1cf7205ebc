/*
 * writer.h - the database writer thread of `stalkerwatch run`.
 *
 * The capture thread never touches SQLite: it pushes hits into the hit
 * queue (daemon/hitq.h) and hands stats deltas and IOC reload requests to
 * the writer.  The writer wakes every flush_ms (or when the queue is half
 * full) and commits every queued hit in transactions of SW_WRITER_BATCH,
 * then the devices that changed and the pending stats rows.  When the
 * database is locked by another process (a writer holding BEGIN IMMEDIATE)
 * or failing, hits stay queued and are retried; the queue is bounded, and
 * what does not fit is dropped and counted by the packet path (logged by
 * the capture thread and written to the stats table), never silently.
 *
 * IOC reloads (SIGHUP): the writer loads the new set (capture goes on
 * meanwhile); the capture thread adopts it between two batches of frames
 * (writer_adopt), noting how many hits had been queued by then.  Hits carry
 * rule ids into the set they were matched with, so the writer writes those
 * queued before the swap with the old set and frees it only afterwards.
 * A reload that fails (a bad file) keeps the old set and logs file:line.
 *
 * The writer owns every IOC set given to or loaded by it, and uses the
 * struct db only from its thread between writer_start and writer_stop.
 */
#ifndef SW_WRITER_H
#define SW_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "daemon/hitq.h"

struct ioc_set;
struct dev_table;
struct writer;

struct writer_opts {
	struct db *db;                  /* open, read-write */
	struct hitq *hq;                /* the pipeline's queue */
	const char *capture;            /* stored with every hit (interface names) */
	uint32_t flush_ms;              /* commit period (SW_FLUSH_MS_MIN..SW_DB_FLUSH_MS) */
	const char *const *ioc_files;   /* reloaded on request; n_ioc == 0: bundled */
	size_t n_ioc;
	const char *dual_use;           /* extra dual-use list, reloaded with them; NULL none */
	struct dev_table *dev;          /* devices to write; NULL none */
	const char *const *src_names;   /* stats rows: one per capture source */
	size_t n_src;
};

struct writer_stats {
	uint64_t written;          /* hits committed */
	uint64_t failures;         /* write attempts that failed (retried) */
	uint64_t rejected;         /* hits the database refused (db_hits_rejected) */
	uint64_t reloads, reload_failures;
	uint64_t stats_rows, devices_written;
	bool blocked;              /* the last write failed */
};

/*
 * Make a writer (not started).  iocs is the set in use by the pipeline now;
 * the writer owns it from here on (also on failure).  All pointers in o must
 * outlive the writer.  NULL with err on failure.
 */
struct writer *writer_new(const struct writer_opts *o, struct ioc_set *iocs,
                          char *err, size_t errlen);

/* Start the thread, with every signal blocked in it.  0, or -1 with err. */
int writer_start(struct writer *w, char *err, size_t errlen);

/* Wake the writer now (the queue is filling). */
void writer_kick(struct writer *w);

/* Ask for the IOC files to be reloaded (returns at once). */
void writer_request_reload(struct writer *w);

/*
 * Capture thread, between batches: when a reloaded set is ready, make it
 * current and return it (the caller puts it in pl->iocs); pushed is the
 * queue's pushed count now (hits matched with the old set).  NULL when
 * there is nothing to adopt yet.  Cheap when nothing is pending.
 */
const struct ioc_set *writer_adopt(struct writer *w, uint64_t pushed);

/* Add counters to the pending stats row of source src (written at the
 * next commit; kept and summed while the database fails).  flows_active
 * replaces, everything else adds. */
void writer_add_stats(struct writer *w, size_t src, const struct db_stats *delta);

void writer_get_stats(struct writer *w, struct writer_stats *st);

/*
 * Stop the thread after writing everything queued (hits, devices, stats),
 * retrying a locked database for up to SW_STOP_WAIT_S seconds.  Returns the
 * number of hits that could not be written (0: all).  The capture thread
 * must have stopped pushing.
 */
uint64_t writer_stop(struct writer *w);

/* Free the writer and the IOC sets it holds (after writer_stop, or when
 * never started).  NULL is allowed. */
void writer_free(struct writer *w);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t writer_now_ms(void);

#endif
