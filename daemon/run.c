/*
 * run.c - `stalkerwatch run`: the live capture daemon (see run.h and
 * docs/daemon.md).
 *
 * Two threads.  The capture thread (this one) polls the non-blocking pcap
 * handles of every interface, feeds one pipeline (the same as `replay`),
 * reads the signal flags, makes the stats deltas and adopts reloaded IOC
 * sets; it never waits on the database.  The writer thread (writer.c) owns
 * the SQLite connection.  Only the hit queue, the device table and the
 * writer's mailbox are shared, each under its own mutex.
 */
#include "daemon/run.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon/capture.h"
#include "daemon/config.h"
#include "daemon/devices.h"
#include "daemon/pipeline.h"
#include "daemon/priv.h"
#include "daemon/signals.h"
#include "daemon/util.h"
#include "daemon/writer.h"
#include "db/db.h"
#include "ioc/ioc.h"

/* Poll timeout of the capture loop (ms): flags and timers are looked at
 * least this often (a signal interrupts the poll at once). */
#define RUN_POLL_MS 200
/* Rounds of SW_CAP_DISPATCH_MAX frames per interface per poll turn. */
#define RUN_ROUNDS 64
/* A full hit queue is reported at most this often (ms). */
#define RUN_HITDROP_LOG_MS 10000

/* Pipeline totals, to split counters between capture sources. */
struct tot {
	uint64_t packets, bytes, flows, evictions, hosts[K_COUNT];
	uint64_t hits, hits_dropped, malformed;
};

struct run {
	struct sw_config cfg;
	struct cap_src src[SW_CAP_IFACES_MAX];
	const char *src_names[SW_CAP_IFACES_MAX];
	size_t n_src;
	char label[SW_CAP_IFACES_MAX * 65];  /* capture column of hits */
	struct pipeline pl;
	bool pl_ok;
	struct dev_table *dev;
	struct db *db;
	struct writer *w;
	struct tot last;                     /* totals already attributed */
	struct db_stats acc[SW_CAP_IFACES_MAX];
	uint64_t start_ms;
	uint64_t hitdrop_logged, hitdrop_log_ms;
	int ready_fd;
	int pid_fd;
};

static uint64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- counters ----------------------------------------------------------- */

static void tot_get(struct pipeline *pl, struct tot *t)
{
	struct flow_stats fs;
	const struct sw_counters *c = &pl->c;
	flow_get_stats(pl->ft, &fs);
	t->packets = c->packets;
	t->bytes = c->bytes;
	t->flows = fs.created;
	t->evictions = fs.evicted;
	for (int k = 0; k < K_COUNT; k++)
		t->hosts[k] = c->names[k];
	t->hits = c->hits;
	t->hits_dropped = c->hits_dropped;
	t->malformed = c->malformed_tls + c->malformed_http + c->malformed_dns + c->bad_names +
	               c->decode[DEC_MALFORMED] + c->decode[DEC_TOO_DEEP];
}

/* Give what the pipeline counted since the last call to source i. */
static void attribute(struct run *r, size_t i)
{
	struct tot t;
	struct db_stats *a = &r->acc[i];
	tot_get(&r->pl, &t);
	a->packets += t.packets - r->last.packets;
	a->bytes += t.bytes - r->last.bytes;
	a->flows += t.flows - r->last.flows;
	a->evictions += t.evictions - r->last.evictions;
	for (int k = 0; k < K_COUNT; k++)
		a->hosts[k] += t.hosts[k] - r->last.hosts[k];
	a->hits += t.hits - r->last.hits;
	a->hits_dropped += t.hits_dropped - r->last.hits_dropped;
	a->malformed += t.malformed - r->last.malformed;
	r->last = t;
}

/* One stats interval is over (or the daemon stops): hand the rows to the
 * writer, and say loudly when packets or hits were lost. */
static void stats_tick(struct run *r, uint32_t secs)
{
	struct flow_stats fs;
	if (r->n_src == 1)
		attribute(r, 0);
	flow_get_stats(r->pl.ft, &fs);
	uint64_t now = wall_us();
	for (size_t i = 0; i < r->n_src; i++) {
		struct db_stats *a = &r->acc[i];
		uint64_t d = 0;
		if (cap_drops(&r->src[i], &d) != 0)
			log_warnx("%s: cannot read the capture statistics: %s", r->src_names[i],
			          pcap_geterr(r->src[i].pc));
		a->drops += d;
		a->ts_us = now;
		a->capture = r->src_names[i];
		a->flows_active = fs.active;
		if (d)
			log_warnx("%s: PACKETS DROPPED: %" PRIu64 " of %" PRIu64 " in the last %u s "
			          "(%" PRIu64 " since start) were lost before stalkerwatch saw them: "
			          "hostnames in them are missed; raise buffer_mb, or the box is too "
			          "slow for this link (docs/performance.md)",
			          r->src_names[i], d, a->packets + d, secs, r->src[i].drops_total);
		if (log_verbose)
			log_info("%s: %u s: %" PRIu64 " packets, %" PRIu64 " bytes, %" PRIu64
			         " dropped, %" PRIu64 " new flows, %" PRIu64 " hits",
			         r->src_names[i], secs, a->packets, a->bytes, a->drops, a->flows,
			         a->hits);
		writer_add_stats(r->w, i, a);
		memset(a, 0, sizeof *a);
	}
}

/* Hits dropped because the queue is full: never silent, at most every
 * RUN_HITDROP_LOG_MS. */
static void check_hit_drops(struct run *r, uint64_t now_ms)
{
	uint64_t d = r->pl.c.hits_dropped;
	if (d == r->hitdrop_logged || now_ms - r->hitdrop_log_ms < RUN_HITDROP_LOG_MS)
		return;
	log_warnx("HITS DROPPED: %" PRIu64 " hits lost (%" PRIu64 " since the last warning): "
	          "the hit queue (%zu records) is full because the database is not being "
	          "written (see the database warnings); counted in the stats table",
	          d, d - r->hitdrop_logged, r->pl.hq.cap);
	r->hitdrop_logged = d;
	r->hitdrop_log_ms = now_ms;
}

/* SIGUSR1: everything counted so far, to the log. */
static void log_stats(struct run *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (m) {
		pipe_summary(&r->pl, m);
		fclose(m);
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
			log_info("%s", line);
		free(buf);
	}
	for (size_t i = 0; i < r->n_src; i++) {
		uint64_t d = 0;
		cap_drops(&r->src[i], &d);
		r->acc[i].drops += d;
		log_info("%s: %" PRIu64 " packets dropped by the kernel since start",
		         r->src_names[i], r->src[i].drops_total);
	}
	struct writer_stats ws;
	writer_get_stats(r->w, &ws);
	log_info("database: %" PRIu64 " hits written, %zu queued, %" PRIu64 " dropped (queue "
	         "full), %" PRIu64 " refused; %" PRIu64 " failed writes%s; %" PRIu64
	         " reloads (%" PRIu64 " failed)", ws.written, hitq_len(&r->pl.hq),
	         r->pl.c.hits_dropped, ws.rejected, ws.failures,
	         ws.blocked ? " (failing now)" : "", ws.reloads, ws.reload_failures);
	if (r->dev) {
		struct dev_stats ds;
		dev_get_stats(r->dev, &ds);
		log_info("devices: %" PRIu64 " known, %" PRIu64 " DHCP messages (%" PRIu64
		         " not DHCP), %" PRIu64 " names learned, %" PRIu64 " evicted",
		         ds.devices, ds.dhcp, ds.dhcp_bad, ds.names, ds.evicted);
	}
	log_info("up %" PRIu64 " s", (writer_now_ms() - r->start_ms) / 1000);
}

/* ---- start-up ----------------------------------------------------------- */

/* Fork into the background.  The parent waits until the child says it is
 * ready (or dies) and exits 0 or 2, so that a start-up error reaches the
 * caller's exit status; the child keeps stderr until then. */
static void daemonize(struct run *r)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		fatal("pipe");
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid > 0) {
		close(p[1]);
		char c;
		ssize_t n;
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 ? 0 : 2);
	}
	close(p[0]);
	if (setsid() < 0)
		fatal("setsid");
	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid > 0)
		_exit(0);
	r->ready_fd = p[1];  /* chdir("/") once the paths are absolute */
}

/* Tell the waiting parent (if any) that start-up succeeded; detach stdio. */
static void notify_ready(struct run *r)
{
	if (r->ready_fd < 0)
		return;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	ssize_t n;
	do
		n = write(r->ready_fd, "R", 1);
	while (n < 0 && errno == EINTR);
	close(r->ready_fd);
	r->ready_fd = -1;
}

/* Write and lock the pid file (held for the life of the process). */
static void write_pidfile(struct run *r, const char *path)
{
	char ep[300];
	sw_esc_buf(ep, sizeof ep, path, strlen(path));
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		fatal("%s: cannot create the pid file", ep);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			fatalx("%s: locked: another stalkerwatch is running", ep);
		fatal("%s: cannot lock the pid file", ep);
	}
	char b[32];
	int n = snprintf(b, sizeof b, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || write(fd, b, (size_t)n) != n)
		fatal("%s: cannot write the pid file", ep);
	r->pid_fd = fd;
}

/* Make a relative path absolute against the working directory now: the
 * daemon leaves it (chdir "/"), and IOC files are read again on SIGHUP.
 * Symbolic links are kept as links (a file swapped under the same name is
 * what a reload reads). */
static int absolutize(char **path)
{
	if (!*path || !**path || (*path)[0] == '/')
		return 0;
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd))
		return -1;
	size_t n = strlen(cwd) + strlen(*path) + 2;
	char *a = malloc(n);
	if (!a)
		return -1;
	snprintf(a, n, "%s/%s", cwd, *path);
	free(*path);
	*path = a;
	return 0;
}

/* With a chroot, every IOC file must be inside it: it is read again there
 * on SIGHUP.  Paths are absolute already. */
static int chroot_check(const struct sw_config *c, char *err, size_t errlen)
{
	size_t n = strlen(c->chroot);
	while (n > 1 && c->chroot[n - 1] == '/')
		n--;
	for (size_t i = 0; i <= c->ioc.n; i++) {
		const char *p = i < c->ioc.n ? c->ioc.v[i] : c->dual_use;
		if (i == c->ioc.n && !*p)
			break;
		if (strncmp(p, c->chroot, n) != 0 || p[n] != '/') {
			char e[300];
			sw_esc_buf(e, sizeof e, p, strlen(p));
			snprintf(err, errlen, "%s %s is outside the chroot: put the IOC files under "
			         "the chroot directory (they are read there on SIGHUP)",
			         i < c->ioc.n ? "ioc" : "dual_use", e);
			return -1;
		}
	}
	return 0;
}

/* The IOC paths as seen inside the chroot (chroot_check passed). */
static void chroot_paths(struct sw_config *c)
{
	size_t n = strlen(c->chroot);
	while (n > 1 && c->chroot[n - 1] == '/')
		n--;
	if (n == 1)
		return;  /* chroot "/" */
	for (size_t i = 0; i < c->ioc.n; i++)
		memmove(c->ioc.v[i], c->ioc.v[i] + n, strlen(c->ioc.v[i] + n) + 1);
	if (*c->dual_use)
		memmove(c->dual_use, c->dual_use + n, strlen(c->dual_use + n) + 1);
}

/* Checks that need no privilege: interfaces given, no duplicates, the
 * filter compiles, the user exists, the chroot is a directory. */
static int check_config(const struct sw_config *c, struct priv_user *u,
                        char *err, size_t errlen)
{
	if (c->iface.n == 0) {
		snprintf(err, errlen, "no interface to capture on: give -i IFACE, or an "
		         "'interface' line in the config file");
		return -1;
	}
	for (size_t i = 0; i < c->iface.n; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(c->iface.v[i], c->iface.v[j])) {
				char e[80];
				sw_esc_buf(e, sizeof e, c->iface.v[i], strlen(c->iface.v[i]));
				snprintf(err, errlen, "interface %s given twice", e);
				return -1;
			}
	if (!*c->db) {
		snprintf(err, errlen, "no database: give -d FILE");
		return -1;
	}
	if (cap_filter_check(c->filter, DLT_EN10MB, c->snaplen, err, errlen) != 0)
		return -1;
	const char *files[] = { c->geoip_country, c->geoip_asn };
	for (size_t i = 0; i < 2; i++) {
		if (*files[i] && access(files[i], R_OK) != 0) {
			char e[300];
			sw_esc_buf(e, sizeof e, files[i], strlen(files[i]));
			snprintf(err, errlen, "%s: %s: %s", i ? "geoip_asn" : "geoip_country", e,
			         strerror(errno));
			return -1;
		}
	}
	if (priv_lookup(c->user, u, err, errlen) != 0)
		return -1;
	if (*c->chroot) {
		struct stat st;
		char e[300];
		sw_esc_buf(e, sizeof e, c->chroot, strlen(c->chroot));
		if (stat(c->chroot, &st) != 0 || !S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "chroot %s: not a directory", e);
			return -1;
		}
	}
	return 0;
}

/* ---- the capture loop --------------------------------------------------- */

/* Hand everything waiting on every capture to the pipeline.  Returns
 * frames handled, or -1 when a capture failed (logged). */
static int64_t dispatch_all(struct run *r)
{
	char err[PCAP_ERRBUF_SIZE + 128];
	int64_t total = 0;
	for (size_t i = 0; i < r->n_src; i++) {
		/* with several interfaces, a hit names the one it came from */
		r->pl.capture = r->n_src > 1 ? r->src_names[i] : NULL;
		for (int k = 0; k < RUN_ROUNDS; k++) {
			int n = cap_dispatch(&r->src[i], &r->pl, SW_CAP_DISPATCH_MAX, err, sizeof err);
			if (n < 0) {
				log_warnx("%s", err);
				return -1;
			}
			if (r->n_src > 1 && n > 0)
				attribute(r, i);
			total += n;
			if (n < SW_CAP_DISPATCH_MAX)
				break;
		}
	}
	return total;
}

static int capture_loop(struct run *r)
{
	struct pollfd pfd[SW_CAP_IFACES_MAX];
	uint32_t ivl = r->cfg.stats_interval;
	uint64_t tick_ms = writer_now_ms(), next_tick = tick_ms + (uint64_t)ivl * 1000u;
	int rc = 0;

	for (size_t i = 0; i < r->n_src; i++) {
		pfd[i].fd = r->src[i].fd;
		pfd[i].events = POLLIN;
	}
	while (!sig_term) {
		if (sig_hup) {
			sig_hup = 0;
			log_info("SIGHUP: reloading the IOC rules");
			writer_request_reload(r->w);
		}
		if (sig_usr1) {
			sig_usr1 = 0;
			log_stats(r);
		}
		const struct ioc_set *ns = writer_adopt(r->w, r->pl.hq.pushed);
		if (ns)
			r->pl.iocs = ns;

		int pr = poll(pfd, (nfds_t)r->n_src, RUN_POLL_MS);
		if (pr < 0 && errno != EINTR) {
			log_warn("poll");
			rc = 1;
			break;
		}
		for (size_t i = 0; pr > 0 && i < r->n_src; i++)
			if (pfd[i].revents & POLLNVAL) {
				log_warnx("%s: capture descriptor became invalid", r->src_names[i]);
				rc = 1;
			}
		if (rc || dispatch_all(r) < 0) {
			rc = 1;
			break;
		}
		if (hitq_len(&r->pl.hq) >= r->pl.hq.cap / 2)
			writer_kick(r->w);
		uint64_t now = writer_now_ms();
		check_hit_drops(r, now);
		if (now >= next_tick) {
			stats_tick(r, (uint32_t)((now - tick_ms + 500) / 1000));
			tick_ms = now;
			next_tick = now + (uint64_t)ivl * 1000u;
		}
	}

	/* Frames already captured are part of the traffic before the signal:
	 * take what the kernel still holds (a block is handed over at the
	 * latest timeout_ms after its first frame). */
	if (rc == 0) {
		uint64_t until = writer_now_ms() + r->cfg.timeout_ms + 100;
		for (;;) {
			int64_t n = dispatch_all(r);
			if (n < 0) {
				rc = 1;
				break;
			}
			if (n == 0 && writer_now_ms() >= until)
				break;
			if (n == 0) {
				struct timespec d = { 0, 20 * 1000000L };
				nanosleep(&d, NULL);
			}
		}
	}
	uint64_t now = writer_now_ms();
	check_hit_drops(r, now + RUN_HITDROP_LOG_MS);
	stats_tick(r, (uint32_t)((now - tick_ms + 500) / 1000));
	return rc;
}

int run_main(int argc, char **argv)
{
	static struct run run;  /* large: not on the stack */
	struct run *r = &run;
	char err[2048];
	struct priv_user u;

	memset(r, 0, sizeof *r);
	r->ready_fd = -1;
	r->pid_fd = -1;
	umask(077);
	if (conf_init(&r->cfg) != 0)
		fatalx("out of memory");
	if (conf_parse_args(&r->cfg, argc, argv, err, sizeof err) != 0) {
		log_warnx("%s", err);
		conf_free(&r->cfg);
		return 2;
	}
	if (r->cfg.help) {
		conf_usage(stdout);
		conf_free(&r->cfg);
		return 0;
	}
	log_verbose = r->cfg.verbose;
	if (check_config(&r->cfg, &u, err, sizeof err) != 0) {
		log_warnx("%s%s%s", r->cfg.conf_path[0] ? r->cfg.conf_path : "",
		          r->cfg.conf_path[0] ? ": " : "", err);
		conf_free(&r->cfg);
		return 2;
	}
	bool abs_ok = absolutize(&r->cfg.db) == 0 && absolutize(&r->cfg.pidfile) == 0;
	for (size_t i = 0; i < r->cfg.ioc.n; i++)
		abs_ok = abs_ok && absolutize(&r->cfg.ioc.v[i]) == 0;
	abs_ok = abs_ok && absolutize(&r->cfg.dual_use) == 0 && absolutize(&r->cfg.chroot) == 0;
	if (!abs_ok)
		fatal("cannot make the paths absolute");
	if (*r->cfg.chroot && chroot_check(&r->cfg, err, sizeof err) != 0) {
		log_warnx("%s", err);
		conf_free(&r->cfg);
		return 2;
	}

	/* normalisation notes on the user's own files go to stderr */
	struct ioc_load_opts lo = {
		.warn = r->cfg.ioc.n && r->cfg.check_only ? stderr : NULL,
		.dualuse_file = *r->cfg.dual_use ? r->cfg.dual_use : NULL,
	};
	struct ioc_set *iocs = ioc_set_load_opts((const char *const *)r->cfg.ioc.v, r->cfg.ioc.n,
	                                         &lo, err, sizeof err);
	if (!iocs) {
		log_warnx("%s", err);
		conf_free(&r->cfg);
		return 2;
	}
	if (r->cfg.check_only) {
		printf("configuration OK: %zu interface%s, %zu IOC rules%s%s\n", r->cfg.iface.n,
		       r->cfg.iface.n == 1 ? "" : "s", ioc_set_count(iocs),
		       r->cfg.conf_path[0] ? ", config " : "", r->cfg.conf_path);
		ioc_set_free(iocs);
		conf_free(&r->cfg);
		return 0;
	}

	/* Everything is allocated up front. */
	struct pipe_opts po;
	memset(&po, 0, sizeof po);
	po.flows = r->cfg.flows;
	po.reasm_slots = r->cfg.reasm_slots;
	po.hitq = r->cfg.hitq;
	po.no_ndpi = !r->cfg.ndpi;
	po.ndpi_slots = r->cfg.ndpi_slots;
	po.resolve_entries = r->cfg.resolve_entries;
	po.geoip_country = *r->cfg.geoip_country ? r->cfg.geoip_country : NULL;
	po.geoip_asn = *r->cfg.geoip_asn ? r->cfg.geoip_asn : NULL;
	if (pipe_init(&r->pl, &po, iocs, err, sizeof err) != 0) {
		ioc_set_free(iocs);
		fatalx("%s", err);
	}
	r->pl_ok = true;
	if (r->cfg.devices) {
		r->dev = dev_new(r->cfg.devices_max);
		if (!r->dev)
			fatalx("cannot allocate a device table of %u entries", r->cfg.devices_max);
		r->pl.dev = r->dev;
	}

	/* 1. capture handles (as root, or with CAP_NET_RAW) */
	struct cap_opts co = {
		.snaplen = r->cfg.snaplen, .buffer_mb = r->cfg.buffer_mb,
		.timeout_ms = r->cfg.timeout_ms, .promisc = r->cfg.promisc,
		.immediate = r->cfg.immediate, .filter = r->cfg.filter,
	};
	for (size_t i = 0; i < r->cfg.iface.n; i++) {
		if (cap_open(&r->src[i], r->cfg.iface.v[i], &co, err, sizeof err) != 0)
			fatalx("%s", err);
		r->src_names[i] = r->src[i].name;
		r->n_src++;
		size_t l = strlen(r->label);
		snprintf(r->label + l, sizeof r->label - l, "%s%s", i ? "," : "", r->src[i].name);
	}

	/* 2. detach; the log (syslog is connected now, before any chroot) */
	bool use_syslog = r->cfg.daemon || r->cfg.syslog;
	if (r->cfg.daemon)
		daemonize(r);
	if (use_syslog)
		openlog("stalkerwatch", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (r->cfg.syslog && !r->cfg.daemon)
		log_init("stalkerwatch", true);

	/* 3. the database, its files given to the user first (before SQLite
	 * holds locks on them: see priv.h) */
	if (priv_prepare_db(r->cfg.db, &u, err, sizeof err) != 0)
		fatalx("%s", err);
	r->db = db_open(r->cfg.db, err, sizeof err);
	if (!r->db)
		fatalx("%s", err);
	if (r->cfg.db_max_mb &&
	    db_set_size_limit(r->db, (uint64_t)r->cfg.db_max_mb << 20, err, sizeof err) != 0)
		fatalx("%s", err);
	if (db_record_feeds(r->db, iocs, wall_us(), err, sizeof err) != 0)
		fatalx("%s", err);
	if (r->cfg.daemon)
		write_pidfile(r, r->cfg.pidfile);
	if (chdir("/") != 0)
		fatal("chdir /");

	/* 4. privileges: nothing is opened after this */
	if (priv_drop(&u, r->cfg.chroot, err, sizeof err) != 0)
		fatalx("%s", err);
	if (*r->cfg.chroot) {
		/* from now on (and on every reload) the IOC files are read
		 * inside the chroot: load them from there now, so that the
		 * rules' sources name the same paths before and after a
		 * reload.  No packet has been seen yet. */
		chroot_paths(&r->cfg);
		lo.warn = NULL;
		lo.dualuse_file = *r->cfg.dual_use ? r->cfg.dual_use : NULL;
		struct ioc_set *in = ioc_set_load_opts((const char *const *)r->cfg.ioc.v,
		                                       r->cfg.ioc.n, &lo, err, sizeof err);
		if (!in)
			fatalx("inside the chroot: %s", err);
		r->pl.iocs = in;
		ioc_set_free(iocs);
		iocs = in;
		if (db_record_feeds(r->db, iocs, wall_us(), err, sizeof err) != 0)
			fatalx("%s", err);
	}

	/* 5. signals, the writer */
	if (sig_install() != 0)
		fatal("sigaction");
	struct writer_opts wo = {
		.db = r->db, .hq = &r->pl.hq, .capture = r->label, .flush_ms = r->cfg.flush_ms,
		.ioc_files = (const char *const *)r->cfg.ioc.v, .n_ioc = r->cfg.ioc.n,
		.dual_use = *r->cfg.dual_use ? r->cfg.dual_use : NULL,
		.dev = r->dev, .src_names = r->src_names, .n_src = r->n_src,
	};
	r->w = writer_new(&wo, iocs, err, sizeof err);
	if (!r->w)
		fatalx("%s", err);
	if (writer_start(r->w, err, sizeof err) != 0)
		fatalx("%s", err);

	r->start_ms = writer_now_ms();
	notify_ready(r);
	if (r->cfg.daemon)
		log_init("stalkerwatch", true);
	{
		char e[300];
		sw_esc_buf(e, sizeof e, r->label, strlen(r->label));
		log_info("capturing on %s: %zu IOC rules, database %s, running as %s (uid %u)%s%s",
		         e, ioc_set_count(iocs), db_path(r->db), u.name, (unsigned)u.uid,
		         *r->cfg.chroot ? ", chroot " : "", r->cfg.chroot);
	}

	int rc = capture_loop(r);

	log_info("stopping: writing the hits still queued");
	uint64_t left = writer_stop(r->w);
	struct writer_stats ws;
	writer_get_stats(r->w, &ws);
	if (left) {
		log_warnx("%" PRIu64 " hits could not be written to the database and are lost", left);
		rc = 1;
	}
	log_info("stopped: %" PRIu64 " packets, %" PRIu64 " hits written, %" PRIu64
	         " dropped (queue full)", r->pl.c.packets, ws.written, r->pl.c.hits_dropped);
	for (size_t i = 0; i < r->n_src; i++)
		cap_close(&r->src[i]);
	db_close(r->db);
	r->pl.iocs = NULL;
	pipe_fini(&r->pl);
	writer_free(r->w);
	dev_free(r->dev);
	if (r->pid_fd >= 0) {
		unlink(r->cfg.pidfile);  /* fails after the drop: the lock tells */
		close(r->pid_fd);
	}
	conf_free(&r->cfg);
	return rc;
}
