/*
 * replay.c - `stalkerwatch replay`: run captures through the pipeline.
 *
 *   stalkerwatch replay [-d DB] [-I FILE]... [--hostnames] CAPTURE...
 *
 * Each capture (pcap or pcapng, micro- or nanosecond) is read with libpcap;
 * timestamps are taken in microseconds.  Hits go to the database given with
 * -d, in batched transactions; without -d they are printed as they are found
 * and nothing is stored.  --hostnames prints every (flow, kind, value) seen
 * and stores nothing.  A damaged capture is reported with its name and the
 * number of the packet where reading stopped; what was read before counts.
 *
 * Exit status: 0 all captures read; 1 a capture was damaged or could not be
 * opened (the others were still read); 2 usage, IOC, database or GeoIP file
 * error.  --no-ndpi, --ndpi-slots, --geoip-country and --geoip-asn set the
 * enrichment of hits (docs/enrichment.md).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/cli.h"
#include "daemon/enrich.h"
#include "daemon/pipeline.h"
#include "daemon/devices.h"
#include "daemon/util.h"
#include "db/db.h"
#include "ioc/ioc.h"

static const char replay_usage[] =
	"usage: stalkerwatch replay [-d DB] [-I FILE]... [--dual-use FILE] [--hostnames]\n"
	"                           CAPTURE...\n"
	"\n"
	"Read pcap/pcapng captures, extract the hostname of every connection\n"
	"(TLS SNI, HTTP Host and path, DNS queries) and match it against the IOC\n"
	"rules.\n"
	"\n"
	"  -d, --db FILE      record hits, and the devices they came from (DHCP\n"
	"                     names, MACs), in this SQLite database (created if\n"
	"                     absent); without it, hits are printed and nothing is\n"
	"                     stored\n"
	"  -I, --ioc FILE     IOC rule file (repeatable); default: the bundled list\n"
	"      --dual-use FILE more dual-use names (host, provider:tenant, !name):\n"
	"                     rules on them get low confidence (docs/ioc-feeds.md)\n"
	"      --hostnames    print every hostname seen, one line per (flow, kind,\n"
	"                     value): kind client_ip server_ip server_port value;\n"
	"                     store nothing.  Kind ech: the outer name of a hello\n"
	"                     with Encrypted Client Hello; resolved: the name a flow\n"
	"                     without one was resolved from (docs/enrichment.md)\n"
	"      --flows N      flow table size (default " SW_STR(SW_FLOWS_DEFAULT) ")\n"
	"      --no-ndpi      do not label flows with nDPI (the `app` of hits)\n"
	"      --ndpi-slots N flows nDPI classifies at once (default "
	SW_STR(SW_DPI_SLOTS_DEFAULT) ")\n"
	"      --geoip-country FILE  MaxMind/DB-IP country or city MMDB: hits get\n"
	"                     server_country\n"
	"      --geoip-asn FILE      MaxMind/DB-IP ASN MMDB: hits get server_asn and\n"
	"                     server_org\n"
	"  -q, --quiet        no summary on stderr\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit status: 0 every capture read; 1 a capture was damaged or unreadable\n"
	"(the rest were read and their hits kept); 2 usage, IOC, database or GeoIP\n"
	"file error.\n";

/* Print one hit for a replay without a database. */
static void print_hit(FILE *f, const struct hit *h, const struct ioc_set *iocs)
{
	const struct ioc_rule *r = ioc_rule_get(iocs, h->rule);
	char a[64], b[64];
	fprintf(f, "HIT %s ", sw_kind_name((enum sw_kind)h->kind));
	sw_fputs_esc(f, h->host);
	if (h->path[0]) {
		fputc(' ', f);
		sw_fputs_esc(f, h->path);
	}
	fprintf(f, " client %s server %s:%u rule ", sw_addr_str(&h->client, a, sizeof a),
	        sw_addr_str(&h->server, b, sizeof b), (unsigned)h->server_port);
	sw_fputs_esc(f, r ? r->pattern : "?");
	fputs(" family ", f);
	sw_fputs_esc(f, r ? r->family : "?");
	fputs(" source ", f);
	sw_fputs_esc(f, r ? r->source : "?");
	pipe_enrich_print(f, h); /* query, app, ech, country, asn, org */
	fputc('\n', f);
}

/*
 * Storage faults (docs/hardening.md).  A write that fails (database locked
 * by another writer, disk or size cap full, I/O error, corrupt file) rolls
 * back its whole batch and leaves the hits queued: nothing committed before
 * is touched.  Replay goes on reading; it warns once when writes start to
 * fail and once when they work again, tries again at most once every
 * SW_DB_FLUSH_MS while reading (the queue holds SW_HITQ_DEFAULT hits; when
 * it is full, new hits are dropped and counted in the summary), and at the
 * end of each capture for REPLAY_STORE_TRIES x 100 ms more.  Hits that still
 * cannot be written are counted, reported with the reason and taken off the
 * queue (so that they are not recorded under the next capture's name), and
 * replay exits 2.
 */
#define REPLAY_STORE_TRIES 50

struct store {
	struct db *d;
	struct dev_table *dev;  /* devices learned (DHCP, hits' MACs); NULL: no -d */
	struct db_device *devbuf;
	bool failing;          /* the last write failed */
	uint64_t retry_ms;     /* monotonic ms before which no write is tried */
	uint64_t failed;       /* writes (transactions) that failed */
	uint64_t lost;         /* hits given up on */
	char err[512];         /* the last failure */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * Move queued hits to the database (or stdout).  Returns 0 when the queue is
 * empty afterwards, -1 when a write failed (the hits stay queued).
 */
static int flush_hits(struct pipeline *pl, struct store *st, const struct ioc_set *iocs,
                      const char *capture, bool print)
{
	for (;;) {
		const struct hit *run;
		size_t n = hitq_peek(&pl->hq, &run, 1024);
		if (n == 0)
			return 0;
		if (st->d) {
			int w = db_write_hits(st->d, run, n, iocs, capture, st->err, sizeof st->err);
			/* out of space: store what still fits, half a batch at a time */
			while (w != 0 && n > 1 && db_last_full(st->d)) {
				n /= 2;
				w = db_write_hits(st->d, run, n, iocs, capture, st->err, sizeof st->err);
			}
			if (w != 0) {
				st->failed++;
				if (!st->failing)
					log_warnx("%s; %zu hits kept queued, retrying", st->err,
					          hitq_len(&pl->hq));
				st->failing = true;
				st->retry_ms = mono_ms() + SW_DB_FLUSH_MS;
				return -1;
			}
			if (st->failing)
				log_warnx("%s: writes work again after %" PRIu64 " failed",
				          db_path(st->d), st->failed);
			st->failing = false;
			/* the device behind each stored hit, as the daemon's writer does */
			for (size_t i = 0; st->dev && i < n; i++)
				if (run[i].has_mac)
					dev_seen(st->dev, run[i].client_mac, &run[i].client,
					         run[i].ts_us);
		} else if (print) {
			for (size_t i = 0; i < n; i++)
				print_hit(stdout, &run[i], iocs);
		}
		hitq_pop(&pl->hq, n);
	}
}

/* Write the devices learned so far (changed since the last call).  0, or -1
 * with the failure logged (they stay in the table, marked changed). */
static int flush_devices(struct store *st)
{
	if (!st->dev)
		return 0;
	if (dev_write(st->dev, st->d, st->devbuf, NULL, st->err, sizeof st->err) != 0) {
		log_warnx("%s; the devices table was not updated", st->err);
		return -1;
	}
	return 0;
}

/* Read one capture through the pipeline.  0 ok, 1 damaged/unreadable, 2 hits
 * could not be stored. */
static int replay_file(struct pipeline *pl, const char *path, struct store *st,
                       const struct ioc_set *iocs, bool print)
{
	char errbuf[PCAP_ERRBUF_SIZE], ep[256], eb[PCAP_ERRBUF_SIZE * 4];
	/* a file name (and libpcap's messages, which repeat it) may hold any
	 * byte: escaped before printing */
	sw_esc_buf(ep, sizeof ep, path, strlen(path));
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path,
	                 PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!pc) {
		sw_esc_buf(eb, sizeof eb, errbuf, strnlen(errbuf, sizeof errbuf));
		log_warnx("%s: cannot read capture: %s", ep, eb);
		return 1;
	}
	int dlt = pcap_datalink(pc);
	if (!decode_dlt_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);
		log_warnx("%s: link type %d (%s) is not supported", ep, dlt,
		          name ? name : "unknown");
		pcap_close(pc);
		return 1;
	}
	pipe_set_link(pl, dlt);
	int rc = 0;
	uint64_t last_flush = mono_ms();
	for (;;) {
		struct pcap_pkthdr *hdr;
		const u_char *data;
		int r = pcap_next_ex(pc, &hdr, &data);
		if (r == PCAP_ERROR_BREAK)
			break;
		if (r != 1) {
			const char *pe = pcap_geterr(pc);
			sw_esc_buf(eb, sizeof eb, pe, strlen(pe));
			log_warnx("%s: packet %" PRIu64 ": %s; %" PRIu64
			          " packets before it were read", ep, pl->frame + 1,
			          eb, pl->frame);
			rc = 1;
			break;
		}
		uint64_t ts = (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec;
		uint32_t caplen = hdr->caplen;
		pipe_packet(pl, ts, data, caplen, hdr->len);
		if (hitq_len(&pl->hq) >= pl->hq.cap / 2 ||
		    ((pl->frame & 1023) == 0 && mono_ms() - last_flush >= SW_DB_FLUSH_MS)) {
			if (!st->failing || mono_ms() >= st->retry_ms) {
				flush_hits(pl, st, iocs, path, print);
				last_flush = mono_ms();
			}
		}
	}
	pcap_close(pc);
	/* flush now so that each capture's hits carry its name */
	for (int tries = 0; flush_hits(pl, st, iocs, path, print) != 0; tries++) {
		if (tries >= REPLAY_STORE_TRIES) {
			size_t n = hitq_len(&pl->hq);
			log_warnx("%s: %zu hits of this capture could NOT be stored: %s",
			          ep, n, st->err);
			st->lost += n;
			hitq_pop(&pl->hq, n);
			return rc > 2 ? rc : 2;
		}
		usleep(100 * 1000);
	}
	return rc;
}

int replay_main(int argc, char **argv)
{
	enum { OPT_HOSTNAMES = 256, OPT_FLOWS, OPT_NO_NDPI, OPT_NDPI_SLOTS, OPT_GEO_CC,
	       OPT_GEO_ASN, OPT_DUAL_USE };
	static const struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "ioc", required_argument, NULL, 'I' },
		{ "dual-use", required_argument, NULL, OPT_DUAL_USE },
		{ "hostnames", no_argument, NULL, OPT_HOSTNAMES },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "no-ndpi", no_argument, NULL, OPT_NO_NDPI },
		{ "ndpi-slots", required_argument, NULL, OPT_NDPI_SLOTS },
		{ "geoip-country", required_argument, NULL, OPT_GEO_CC },
		{ "geoip-asn", required_argument, NULL, OPT_GEO_ASN },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dbpath = NULL, *dual_use = NULL;
	const char **iocs_files = calloc((size_t)argc, sizeof *iocs_files);
	size_t n_iocs = 0;
	bool hostnames = false, quiet = false;
	struct pipe_opts po = { 0 };
	int c;

	if (!iocs_files)
		fatal("calloc");
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:I:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'd': dbpath = optarg; break;
		case 'I': iocs_files[n_iocs++] = optarg; break;
		case OPT_DUAL_USE: dual_use = optarg; break;
		case OPT_HOSTNAMES: hostnames = true; break;
		case OPT_NO_NDPI: po.no_ndpi = true; break;
		case OPT_NDPI_SLOTS:
			if (cli_parse_u32(optarg, SW_DPI_SLOTS_MIN, SW_DPI_SLOTS_MAX, &po.ndpi_slots) != 0) {
				log_warnx("--ndpi-slots: expected a number from %u to %u",
				          SW_DPI_SLOTS_MIN, SW_DPI_SLOTS_MAX);
				free(iocs_files);
				return 2;
			}
			break;
		case OPT_GEO_CC: po.geoip_country = optarg; break;
		case OPT_GEO_ASN: po.geoip_asn = optarg; break;
		case OPT_FLOWS:
			if (cli_parse_u32(optarg, SW_FLOWS_MIN, SW_FLOWS_MAX, &po.flows) != 0) {
				log_warnx("--flows: expected a number from %u to %u",
				          SW_FLOWS_MIN, SW_FLOWS_MAX);
				free(iocs_files);
				return 2;
			}
			break;
		case 'q': quiet = true; break;
		case 'h': fputs(replay_usage, stdout); free(iocs_files); return 0;
		default: fputs(replay_usage, stderr); free(iocs_files); return 2;
		}
	}
	if (optind >= argc) {
		fputs(replay_usage, stderr);
		free(iocs_files);
		return 2;
	}
	if (hostnames && dbpath) {
		log_warnx("--hostnames stores nothing: leave out -d");
		free(iocs_files);
		return 2;
	}

	char err[1024];
	struct ioc_set *iocs = NULL;
	if (hostnames) {
		free(iocs_files);
		iocs_files = NULL;
	} else {
		/* notes on normalisation are for the user's own files */
		struct ioc_load_opts lopt = { .warn = n_iocs ? stderr : NULL,
		                              .dualuse_file = dual_use };
		iocs = ioc_set_load_opts(iocs_files, n_iocs, &lopt, err, sizeof err);
		free(iocs_files);
		iocs_files = NULL;
		if (!iocs) {
			log_warnx("%s", err);
			return 2;
		}
	}
	struct db *d = NULL;
	if (dbpath) {
		d = db_open(dbpath, err, sizeof err);
		if (!d) {
			log_warnx("%s", err);
			ioc_set_free(iocs);
			return 2;
		}
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		/* another writer may hold the lock for a while: wait as db_open does */
		uint64_t t0 = mono_ms();
		bool said = false;
		while (db_record_feeds(d, iocs, (uint64_t)now.tv_sec * 1000000u +
		                       (uint64_t)now.tv_nsec / 1000u, err, sizeof err) != 0) {
			if (!said) {
				log_warnx("%s; trying again for up to %u ms", err, SW_DB_OPEN_WAIT_MS);
				said = true;
			}
			if (mono_ms() - t0 >= SW_DB_OPEN_WAIT_MS) {
				log_warnx("%s; tried for %u ms", err, SW_DB_OPEN_WAIT_MS);
				db_close(d);
				ioc_set_free(iocs);
				return 2;
			}
			usleep(100 * 1000);
		}
	}
	if (hostnames)
		po.hostnames = stdout;
	struct pipeline pl;
	if (pipe_init(&pl, &po, iocs, err, sizeof err) != 0) {
		log_warnx("%s", err);
		db_close(d);
		ioc_set_free(iocs);
		return 2;
	}

	int rc = 0;
	struct store st = { .d = d };
	if (d) {
		/* with a database, the devices table too: DHCP names and the MACs
		 * of hits (docs/daemon.md, Devices) */
		st.dev = dev_new(SW_DEV_DEFAULT);
		st.devbuf = calloc(SW_DEV_WRITE_BATCH, sizeof *st.devbuf);
		if (!st.dev || !st.devbuf)
			fatalx("out of memory for the devices table");
		pl.dev = st.dev;
	}
	for (int i = optind; i < argc; i++) {
		int r = replay_file(&pl, argv[i], &st, iocs, !hostnames && !d);
		if (r > rc)
			rc = r;
		if (flush_devices(&st) != 0 && rc < 2)
			rc = 2;
	}
	fflush(stdout);
	if (!quiet)
		pipe_summary(&pl, stderr);
	if (!quiet && st.dev) {
		struct dev_stats ds;
		dev_get_stats(st.dev, &ds);
		fprintf(stderr, "devices: %" PRIu64 " known, %" PRIu64 " DHCP messages (%" PRIu64
		        " not DHCP), %" PRIu64 " names learned, %" PRIu64 " evicted (%" PRIu64
		        " before they were stored)\n", ds.devices, ds.dhcp, ds.dhcp_bad, ds.names,
		        ds.evicted, ds.evicted_unsaved);
	}
	if (st.lost)
		fprintf(stderr, "database: %" PRIu64 " hits NOT STORED (%" PRIu64
		        " writes failed)\n", st.lost, st.failed);
	else if (st.failed)
		fprintf(stderr, "database: %" PRIu64 " writes failed, retried: every hit stored\n",
		        st.failed);
	pipe_fini(&pl);
	dev_free(st.dev);
	free(st.devbuf);
	db_close(d);
	ioc_set_free(iocs);
	return rc;
}
