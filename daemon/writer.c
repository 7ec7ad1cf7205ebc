/*
 * writer.c - the database writer thread (see writer.h).
 */
#include "daemon/writer.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/devices.h"
#include "daemon/util.h"
#include "ioc/ioc.h"

/* A database that keeps failing is reported again this often (ms). */
#define WR_FAIL_LOG_MS 30000

struct writer {
	struct writer_opts o;
	pthread_t th;
	bool started;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	bool stop, reload_req, kicked;
	struct ioc_set *cur;       /* set for hits pushed from swap_seq on */
	struct ioc_set *old;       /* set for hits pushed before swap_seq */
	struct ioc_set *next;      /* loaded, waiting for writer_adopt */
	uint64_t swap_seq;
	bool feeds_dirty;
	struct db_stats *pend;     /* per source */
	bool *pend_set;
	struct writer_stats st;
	atomic_bool next_ready;

	/* writer thread only */
	uint64_t popped;           /* hits popped so far (seq of the head) */
	uint64_t fail_since_ms, fail_logged_ms;
	struct db_device *devbuf;
};

uint64_t writer_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct writer *writer_new(const struct writer_opts *o, struct ioc_set *iocs,
                          char *err, size_t errlen)
{
	struct writer *w = calloc(1, sizeof *w);
	if (!w) {
		ioc_set_free(iocs);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->o = *o;
	w->cur = iocs;
	w->pend = calloc(o->n_src ? o->n_src : 1, sizeof *w->pend);
	w->pend_set = calloc(o->n_src ? o->n_src : 1, sizeof *w->pend_set);
	w->devbuf = calloc(SW_DEV_WRITE_BATCH, sizeof *w->devbuf);
	if (!w->pend || !w->pend_set || !w->devbuf) {
		writer_free(w);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&w->next_ready, false);
	w->feeds_dirty = false;
	return w;
}

void writer_free(struct writer *w)
{
	if (!w)
		return;
	if (w->pend && w->pend_set && w->devbuf) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
	}
	ioc_set_free(w->cur);
	ioc_set_free(w->old);
	ioc_set_free(w->next);
	free(w->pend);
	free(w->pend_set);
	free(w->devbuf);
	free(w);
}

void writer_kick(struct writer *w)
{
	pthread_mutex_lock(&w->mu);
	w->kicked = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void writer_request_reload(struct writer *w)
{
	pthread_mutex_lock(&w->mu);
	w->reload_req = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

const struct ioc_set *writer_adopt(struct writer *w, uint64_t pushed)
{
	if (!atomic_load_explicit(&w->next_ready, memory_order_acquire))
		return NULL;
	struct ioc_set *s = NULL;
	pthread_mutex_lock(&w->mu);
	/* one swap at a time: the previous old set must be retired first */
	if (w->next && !w->old) {
		s = w->next;
		w->next = NULL;
		atomic_store_explicit(&w->next_ready, false, memory_order_release);
		w->old = w->cur;
		w->cur = s;
		w->swap_seq = pushed;
		w->feeds_dirty = true;
		w->kicked = true;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return s;
}

void writer_add_stats(struct writer *w, size_t src, const struct db_stats *d)
{
	if (src >= w->o.n_src)
		return;
	pthread_mutex_lock(&w->mu);
	struct db_stats *p = &w->pend[src];
	p->ts_us = d->ts_us;
	p->capture = w->o.src_names[src];
	p->packets += d->packets;
	p->bytes += d->bytes;
	p->drops += d->drops;
	p->flows += d->flows;
	p->flows_active = d->flows_active;
	p->evictions += d->evictions;
	for (int k = 0; k < K_COUNT; k++)
		p->hosts[k] += d->hosts[k];
	p->hits += d->hits;
	p->hits_dropped += d->hits_dropped;
	p->malformed += d->malformed;
	w->pend_set[src] = true;
	pthread_mutex_unlock(&w->mu);
}

void writer_get_stats(struct writer *w, struct writer_stats *st)
{
	pthread_mutex_lock(&w->mu);
	*st = w->st;
	pthread_mutex_unlock(&w->mu);
}

/* ---- the thread -------------------------------------------------------- */

static void do_reload(struct writer *w)
{
	char err[1024];
	uint64_t t0 = writer_now_ms();
	struct ioc_load_opts lo = { .dualuse_file = w->o.dual_use };
	struct ioc_set *s = ioc_set_load_opts(w->o.ioc_files, w->o.n_ioc, &lo, err, sizeof err);
	pthread_mutex_lock(&w->mu);
	size_t in_use = ioc_set_count(w->next ? w->next : w->cur);
	if (!s) {
		w->st.reload_failures++;
		pthread_mutex_unlock(&w->mu);
		log_warnx("IOC reload failed, the %zu rules in use stay: %s", in_use, err);
		return;
	}
	w->st.reloads++;
	struct ioc_set *drop = w->next;  /* loaded but never adopted: superseded */
	w->next = s;
	atomic_store_explicit(&w->next_ready, true, memory_order_release);
	pthread_mutex_unlock(&w->mu);
	ioc_set_free(drop);
	log_info("IOC rules reloaded: %zu rules from %s (%" PRIu64 " ms; were %zu)",
	         ioc_set_count(s), w->o.n_ioc ? "the IOC files" : "the bundled list",
	         writer_now_ms() - t0, in_use);
}

/* Note a failed write: log the first, then every WR_FAIL_LOG_MS. */
static void note_failure(struct writer *w, const char *what, const char *err)
{
	uint64_t now = writer_now_ms();
	pthread_mutex_lock(&w->mu);
	w->st.failures++;
	w->st.blocked = true;
	pthread_mutex_unlock(&w->mu);
	size_t q = hitq_len(w->o.hq);
	if (!w->fail_since_ms) {
		w->fail_since_ms = now;
		w->fail_logged_ms = now;
		log_warnx("cannot write %s, will retry (capture goes on; %zu hits queued, room "
		          "for %zu): %s", what, q, w->o.hq->cap, err);
	} else if (now - w->fail_logged_ms >= WR_FAIL_LOG_MS) {
		w->fail_logged_ms = now;
		log_warnx("database still unwritable after %" PRIu64 " s (%zu hits queued, "
		          "room for %zu): %s", (now - w->fail_since_ms) / 1000, q,
		          w->o.hq->cap, err);
	}
}

static void note_success(struct writer *w)
{
	if (w->fail_since_ms) {
		log_warnx("database writable again after %.1f s",
		          (double)(writer_now_ms() - w->fail_since_ms) / 1000.0);
		w->fail_since_ms = 0;
		pthread_mutex_lock(&w->mu);
		w->st.blocked = false;
		pthread_mutex_unlock(&w->mu);
	}
}

/* Write every queued hit.  0 when the queue was emptied, -1 on a failed
 * write (the hits stay queued). */
static int flush_hits(struct writer *w)
{
	char err[1024];
	for (;;) {
		const struct hit *run;
		size_t n = hitq_peek(w->o.hq, &run, SW_WRITER_BATCH);
		struct ioc_set *retire = NULL;
		pthread_mutex_lock(&w->mu);
		const struct ioc_set *set = w->cur;
		if (w->old) {
			if (w->popped < w->swap_seq) {
				set = w->old;
				if (n > w->swap_seq - w->popped)
					n = (size_t)(w->swap_seq - w->popped);
			} else {
				retire = w->old;
				w->old = NULL;
			}
		}
		pthread_mutex_unlock(&w->mu);
		if (retire) {
			ioc_set_free(retire);
			continue;  /* the run may now go on past swap_seq */
		}
		if (n == 0)
			return 0;
		int wr = db_write_hits(w->o.db, run, n, set, w->o.capture, err, sizeof err);
		/* out of space: store what still fits, half a batch at a time */
		while (wr != 0 && n > 1 && db_last_full(w->o.db)) {
			n /= 2;
			wr = db_write_hits(w->o.db, run, n, set, w->o.capture, err, sizeof err);
		}
		if (wr != 0) {
			note_failure(w, "hits", err);
			return -1;
		}
		note_success(w);
		if (w->o.dev)
			for (size_t i = 0; i < n; i++)
				if (run[i].has_mac)
					dev_seen(w->o.dev, run[i].client_mac, &run[i].client,
					         run[i].ts_us);
		hitq_pop(w->o.hq, n);
		w->popped += n;
		pthread_mutex_lock(&w->mu);
		w->st.written += n;
		w->st.rejected = db_hits_rejected(w->o.db);
		pthread_mutex_unlock(&w->mu);
	}
}

static void flush_devices(struct writer *w)
{
	char err[1024];
	uint64_t n = 0;
	if (!w->o.dev)
		return;
	int rc = dev_write(w->o.dev, w->o.db, w->devbuf, &n, err, sizeof err);
	pthread_mutex_lock(&w->mu);
	w->st.devices_written += n;
	pthread_mutex_unlock(&w->mu);
	if (rc != 0)
		note_failure(w, "devices", err);
}

static void flush_stats(struct writer *w)
{
	char err[1024];
	for (size_t i = 0; i < w->o.n_src; i++) {
		struct db_stats s;
		pthread_mutex_lock(&w->mu);
		bool have = w->pend_set[i];
		if (have) {
			s = w->pend[i];
			memset(&w->pend[i], 0, sizeof w->pend[i]);
			w->pend_set[i] = false;
		}
		pthread_mutex_unlock(&w->mu);
		if (!have)
			continue;
		if (db_write_stats(w->o.db, &s, err, sizeof err) != 0) {
			/* put it back, summed with what came meanwhile */
			writer_add_stats(w, i, &s);
			note_failure(w, "stats", err);
			continue;
		}
		pthread_mutex_lock(&w->mu);
		w->st.stats_rows++;
		pthread_mutex_unlock(&w->mu);
	}
}

static void flush_feeds(struct writer *w)
{
	char err[1024];
	pthread_mutex_lock(&w->mu);
	bool dirty = w->feeds_dirty;
	const struct ioc_set *s = w->cur;
	w->feeds_dirty = false;
	pthread_mutex_unlock(&w->mu);
	if (!dirty)
		return;
	if (db_record_feeds(w->o.db, s, wall_us(), err, sizeof err) != 0) {
		pthread_mutex_lock(&w->mu);
		w->feeds_dirty = true;
		pthread_mutex_unlock(&w->mu);
		note_failure(w, "the feeds table", err);
	}
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		if (!w->stop && !w->reload_req && !w->kicked) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)w->o.flush_ms * 1000000u;
			ts.tv_sec += (time_t)(ns / 1000000000u);
			ts.tv_nsec = (long)(ns % 1000000000u);
			pthread_cond_timedwait(&w->cv, &w->mu, &ts);
		}
		bool stop = w->stop, reload = w->reload_req;
		w->reload_req = false;
		w->kicked = false;
		pthread_mutex_unlock(&w->mu);

		if (reload)
			do_reload(w);
		flush_hits(w);
		flush_devices(w);
		flush_stats(w);
		flush_feeds(w);
		if (stop)
			break;
		pthread_mutex_lock(&w->mu);
	}

	/* Stopping: the capture has stopped; write what is left. */
	uint64_t deadline = writer_now_ms() + SW_STOP_WAIT_S * 1000u;
	for (;;) {
		int r = flush_hits(w);
		pthread_mutex_lock(&w->mu);
		bool old = w->old != NULL;
		pthread_mutex_unlock(&w->mu);
		if (r == 0 && !old && hitq_len(w->o.hq) == 0)
			break;
		if (writer_now_ms() >= deadline)
			break;
		struct timespec d = { 0, 100 * 1000000L };
		nanosleep(&d, NULL);
	}
	flush_devices(w);
	flush_stats(w);
	flush_feeds(w);
	return NULL;
}

int writer_start(struct writer *w, char *err, size_t errlen)
{
	sigset_t all, prev;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &prev);
	int rc = pthread_create(&w->th, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &prev, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the database writer thread: %s", strerror(rc));
		return -1;
	}
	w->started = true;
	return 0;
}

uint64_t writer_stop(struct writer *w)
{
	if (!w->started)
		return hitq_len(w->o.hq);
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	w->started = false;
	return hitq_len(w->o.hq);
}
