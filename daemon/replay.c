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
 * opened (the others were still read); 2 usage, IOC or database error.
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
#include "daemon/pipeline.h"
#include "daemon/util.h"
#include "db/db.h"
#include "ioc/ioc.h"

static const char replay_usage[] =
	"usage: stalkerwatch replay [-d DB] [-I FILE]... [--hostnames] CAPTURE...\n"
	"\n"
	"Read pcap/pcapng captures, extract the hostname of every connection\n"
	"(TLS SNI, HTTP Host and path, DNS queries) and match it against the IOC\n"
	"rules.\n"
	"\n"
	"  -d, --db FILE      record hits in this SQLite database (created if absent);\n"
	"                     without it, hits are printed and nothing is stored\n"
	"  -I, --ioc FILE     IOC rule file (repeatable); default: the bundled list\n"
	"      --hostnames    print every hostname seen, one line per (flow, kind,\n"
	"                     value): kind client_ip server_ip server_port value;\n"
	"                     store nothing\n"
	"      --flows N      flow table size (default " SW_STR(SW_FLOWS_DEFAULT) ")\n"
	"  -q, --quiet        no summary on stderr\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit status: 0 every capture read; 1 a capture was damaged or unreadable\n"
	"(the rest were read and their hits kept); 2 usage, IOC or database error.\n";

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
	fputc('\n', f);
}

/*
 * Move queued hits to the database (or stdout).  Returns 0 when the queue is
 * empty afterwards, -1 when a write failed (the hits stay queued).
 */
static int flush_hits(struct pipeline *pl, struct db *d, const struct ioc_set *iocs,
                      const char *capture, bool print)
{
	for (;;) {
		const struct hit *run;
		size_t n = hitq_peek(&pl->hq, &run, 1024);
		if (n == 0)
			return 0;
		if (d) {
			char err[512];
			if (db_write_hits(d, run, n, iocs, capture, err, sizeof err) != 0) {
				log_warnx("%s", err);
				return -1;
			}
		} else if (print) {
			for (size_t i = 0; i < n; i++)
				print_hit(stdout, &run[i], iocs);
		}
		hitq_pop(&pl->hq, n);
	}
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Read one capture through the pipeline.  0 ok, 1 damaged/unreadable. */
static int replay_file(struct pipeline *pl, const char *path, struct db *d,
                       const struct ioc_set *iocs, bool print)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path,
	                 PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!pc) {
		log_warnx("%s: cannot read capture: %s", path, errbuf);
		return 1;
	}
	int dlt = pcap_datalink(pc);
	if (!decode_dlt_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);
		log_warnx("%s: link type %d (%s) is not supported", path, dlt,
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
			log_warnx("%s: packet %" PRIu64 ": %s; %" PRIu64
			          " packets before it were read", path, pl->frame + 1,
			          pcap_geterr(pc), pl->frame);
			rc = 1;
			break;
		}
		uint64_t ts = (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec;
		uint32_t caplen = hdr->caplen;
		pipe_packet(pl, ts, data, caplen, hdr->len);
		if (hitq_len(&pl->hq) >= pl->hq.cap / 2 ||
		    ((pl->frame & 1023) == 0 && mono_ms() - last_flush >= SW_DB_FLUSH_MS)) {
			flush_hits(pl, d, iocs, path, print);
			last_flush = mono_ms();
		}
	}
	pcap_close(pc);
	/* flush now so that each capture's hits carry its name */
	for (int tries = 0; flush_hits(pl, d, iocs, path, print) != 0; tries++) {
		if (tries >= 50) {
			log_warnx("%s: %zu hits could not be written to the database",
			          path, hitq_len(&pl->hq));
			return 2;
		}
		usleep(100 * 1000);
	}
	return rc;
}

int replay_main(int argc, char **argv)
{
	enum { OPT_HOSTNAMES = 256, OPT_FLOWS };
	static const struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "ioc", required_argument, NULL, 'I' },
		{ "hostnames", no_argument, NULL, OPT_HOSTNAMES },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dbpath = NULL;
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
		case OPT_HOSTNAMES: hostnames = true; break;
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
		iocs = ioc_set_load(iocs_files, n_iocs, n_iocs ? stderr : NULL,
		                    err, sizeof err);
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
		if (db_record_feeds(d, iocs, (uint64_t)now.tv_sec * 1000000u +
		                    (uint64_t)now.tv_nsec / 1000u, err, sizeof err) != 0) {
			log_warnx("%s", err);
			db_close(d);
			ioc_set_free(iocs);
			return 2;
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
	for (int i = optind; i < argc; i++) {
		int r = replay_file(&pl, argv[i], d, iocs, !hostnames && !d);
		if (r > rc)
			rc = r;
	}
	fflush(stdout);
	if (!quiet)
		pipe_summary(&pl, stderr);
	pipe_fini(&pl);
	db_close(d);
	ioc_set_free(iocs);
	return rc;
}
