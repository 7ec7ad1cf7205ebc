/*
 * db_cli.c - `stalkerwatch hits`: options, then db_open_ro + db_query_hits.
 */
#include "db/db_cli.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/util.h"
#include "db/db.h"

static const char usage_text[] =
	"usage: stalkerwatch hits -d DB [--json | --wide] [--since WHEN]\n"
	"                         [--family NAME] [--client IP|MAC]\n"
	"\n"
	"List the IOC hits recorded in the database DB: high confidence first,\n"
	"then the most recent.  The database is opened read-only.\n"
	"\n"
	"  -d, --db DB        the SQLite database the daemon or replay writes\n"
	"  -j, --json         one JSON object per hit and line (all columns)\n"
	"  -w, --wide         the table with the server's country and AS (geo, org:\n"
	"                     --geoip-*), the JA4 fingerprint and the ECH mark\n"
	"  --since WHEN       only hits last seen since WHEN: 30m, 24h, 7d, 2w,\n"
	"                     or a UTC time 'YYYY-MM-DD[ HH:MM[:SS]]'\n"
	"  --family NAME      only this stalkerware family (any case)\n"
	"  --client IP|MAC    only this client device\n"
	"  -h, --help         this text\n"
	"\n"
	"Times are UTC.  Hostnames are shown as seen, escaped (\\xHH) where they\n"
	"hold anything but printable ASCII; HTTP paths are appended to the host.\n"
	"Columns and example SQL queries: docs/schema.md.\n"
	"Exit status: 0 (also when there are no hits), 2 usage or database error.\n";

/* Parse --since: a relative age (N s|m|h|d|w) before now, or a UTC date and
 * time.  0 and *us on success, -1 otherwise. */
static int parse_since(const char *s, uint64_t *us)
{
	unsigned long long n;
	char unit, extra;
	int Y, M, D, h = 0, m = 0, sec = 0, used = 0;
	if (sscanf(s, "%llu%c%c", &n, &unit, &extra) == 2 && s[0] >= '0' && s[0] <= '9') {
		uint64_t mult;
		switch (unit) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		case 'w': mult = 7 * 86400; break;
		default: return -1;
		}
		time_t now = time(NULL);
		if (now < 0 || n > (uint64_t)now / mult)
			*us = 1;  /* older than the epoch: everything */
		else
			*us = ((uint64_t)now - n * mult) * 1000000u;
		if (*us == 0)
			*us = 1;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &Y, &M, &D, &used) != 3 || used != 10)
		return -1;
	const char *p = s + used;
	if (*p == ' ' || *p == 'T') {
		int u2 = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &h, &m, &u2) != 2 || u2 != 5)
			return -1;
		p += 1 + u2;
		if (*p == ':') {
			int u3 = 0;
			if (sscanf(p + 1, "%2d%n", &sec, &u3) != 1 || u3 != 2)
				return -1;
			p += 1 + u3;
		}
	}
	if (*p == 'Z')
		p++;
	if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60 ||
	    Y < 1970 || h < 0 || m < 0 || sec < 0)
		return -1;
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	if (t < 0)
		return -1;
	*us = (uint64_t)t * 1000000u;
	if (*us == 0)
		*us = 1;
	return 0;
}

/* Canonical text of a client filter as stored: inet_ntop text for an
 * address, lower-case 'aa:bb:cc:dd:ee:ff' for a MAC (':' or '-').  0 or -1. */
static int parse_client(const char *s, char *out, size_t outlen)
{
	unsigned char a[16];
	if (inet_pton(AF_INET, s, a) == 1)
		return inet_ntop(AF_INET, a, out, (socklen_t)outlen) ? 0 : -1;
	if (inet_pton(AF_INET6, s, a) == 1)
		return inet_ntop(AF_INET6, a, out, (socklen_t)outlen) ? 0 : -1;
	if (strlen(s) != 17 || outlen < 18)
		return -1;
	for (int i = 0; i < 17; i++) {
		char c = s[i];
		if (i % 3 == 2) {
			if (c != ':' && c != '-')
				return -1;
			out[i] = ':';
		} else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
			out[i] = c;
		} else if (c >= 'A' && c <= 'F') {
			out[i] = (char)(c - 'A' + 'a');
		} else {
			return -1;
		}
	}
	out[17] = '\0';
	return 0;
}

int db_cli_hits_f(int argc, char **argv, FILE *out, FILE *errf)
{
	struct db_hit_query q;
	const char *dbpath = NULL;
	char client[64];
	memset(&q, 0, sizeof q);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		bool missing = false;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_text, out);
			return 0;
		} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			q.json = true;
		} else if (!strcmp(a, "-w") || !strcmp(a, "--wide")) {
			q.wide = true;
		} else if ((v = sw_opt_val(argc, argv, &i, "--db", "-d", &missing))) {
			dbpath = v;
		} else if ((v = sw_opt_val(argc, argv, &i, "--since", NULL, &missing))) {
			if (parse_since(v, &q.since_us) != 0) {
				sw_cli_err(errf, "hits", "--since wants 30m, 24h, 7d, 2w or 'YYYY-MM-DD[ HH:MM[:SS]]' (UTC), not", v);
				return 2;
			}
		} else if ((v = sw_opt_val(argc, argv, &i, "--family", NULL, &missing))) {
			q.family = v;
		} else if ((v = sw_opt_val(argc, argv, &i, "--client", NULL, &missing))) {
			if (parse_client(v, client, sizeof client) != 0) {
				sw_cli_err(errf, "hits", "--client wants an IP address or a MAC address, not", v);
				return 2;
			}
			q.client = client;
		} else if (missing) {
			sw_cli_err(errf, "hits", "missing value after", a);
			fputs(usage_text, errf);
			return 2;
		} else {
			sw_cli_err(errf, "hits", "unknown argument", a);
			fputs(usage_text, errf);
			return 2;
		}
		if (missing) {
			sw_cli_err(errf, "hits", "missing value after", a);
			return 2;
		}
	}
	if (!dbpath) {
		sw_cli_err(errf, "hits", "give the database with -d DB", NULL);
		fputs(usage_text, errf);
		return 2;
	}

	char err[512];
	struct db *d = db_open_ro(dbpath, err, sizeof err);
	if (!d) {
		sw_cli_err(errf, "hits", err, NULL);
		return 2;
	}
	long n = db_query_hits(d, out, &q, err, sizeof err);
	db_close(d);
	if (n < 0) {
		sw_cli_err(errf, "hits", err, NULL);
		return 2;
	}
	if (n == 0 && q.json)   /* stdout stays valid (empty) JSON lines */
		sw_cli_err(errf, "hits", "no hits", NULL);
	if (fflush(out) != 0 || ferror(out)) {
		sw_cli_err(errf, "hits", "cannot write the output", NULL);
		return 2;
	}
	return 0;
}

int db_cli_hits(int argc, char **argv)
{
	return db_cli_hits_f(argc, argv, stdout, stderr);
}
