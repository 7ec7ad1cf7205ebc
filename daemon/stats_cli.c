/*
 * stats_cli.c - `stalkerwatch stats` and `stalkerwatch devices` (see
 * stats_cli.h).
 */
#include "daemon/stats_cli.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/sw_limits.h"
#include "daemon/util.h"
#include "db/db.h"

static const char stats_usage[] =
	"usage: stalkerwatch stats -d DB [--capture NAME] [--rows N] [--json]\n"
	"\n"
	"Show the health rows the daemon writes every stats_interval (one row per\n"
	"minute and interface): packets, bytes, packets dropped by the kernel,\n"
	"new and active flows, evictions, hostnames by kind, hits, hits dropped\n"
	"because the queue was full, malformed frames.  Oldest first, then totals.\n"
	"The database is opened read-only.\n"
	"\n"
	"  -d, --db DB         the daemon's database\n"
	"  -c, --capture NAME  only this interface\n"
	"  -r, --rows N        the last N rows (default 60; 0: all)\n"
	"  -j, --json          one JSON object per row and line\n"
	"  -h, --help          this text\n"
	"\n"
	"A WARNING goes to stderr when the rows shown lost packets or hits.\n"
	"Exit status: 0, 2 usage or database error.\n";

static const char devices_usage[] =
	"usage: stalkerwatch devices -d DB [--json]\n"
	"\n"
	"Show the devices the daemon (or replay -d) saw: MAC, last IP address,\n"
	"the host name (DHCP option 12) and vendor class (option 60) the device\n"
	"sends, first and last seen (UTC), and its hit events.  Names are shown escaped\n"
	"(\\xHH) where they hold anything but printable ASCII.  The database is\n"
	"opened read-only.\n"
	"\n"
	"  -d, --db DB     the daemon's database\n"
	"  -j, --json      one JSON object per device and line\n"
	"  -h, --help      this text\n"
	"\n"
	"Exit status: 0, 2 usage or database error.\n";

/* Open path read-only for queries after db_open_ro accepted it.  A WAL
 * database in a directory where the -shm cannot be made, with no writer
 * (no -wal), is read as immutable, as db_open_ro does. */
static sqlite3 *open_ro(const char *cmd, const char *path, FILE *errf)
{
	char err[1024];
	struct db *d = db_open_ro(path, err, sizeof err);
	if (!d) {
		sw_cli_err(errf, cmd, err, NULL);
		return NULL;
	}
	db_close(d);
	sqlite3 *h = NULL;
	int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(h, SW_DB_BUSY_MS);
		rc = sqlite3_exec(h, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		char wal[4200];
		struct stat st;
		snprintf(wal, sizeof wal, "%s-wal", path);
		if (stat(wal, &st) == 0 || ((rc & 0xff) != SQLITE_CANTOPEN &&
		                            (rc & 0xff) != SQLITE_READONLY)) {
			snprintf(err, sizeof err, "%s: cannot read: %s", path,
			         h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
			sw_cli_err(errf, cmd, err, NULL);
			sqlite3_close(h);
			return NULL;
		}
		sqlite3_close(h);
		h = NULL;
		static const char hex[] = "0123456789ABCDEF";
		char uri[3 * 4096 + 32];
		size_t o = 0, n = strlen(path);
		if (n > 4096) {
			sw_cli_err(errf, cmd, "database path too long", NULL);
			return NULL;
		}
		memcpy(uri, "file:", 5);
		o = 5;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)path[i];
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '/' || c == '.' || c == '-' || c == '_' || c == '~') {
				uri[o++] = (char)c;
			} else {
				uri[o++] = '%';
				uri[o++] = hex[c >> 4];
				uri[o++] = hex[c & 15];
			}
		}
		memcpy(uri + o, "?immutable=1", sizeof "?immutable=1");
		rc = sqlite3_open_v2(uri, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
		if (rc != SQLITE_OK) {
			snprintf(err, sizeof err, "%s: cannot read: %s", path, sqlite3_errstr(rc));
			sw_cli_err(errf, cmd, err, NULL);
			sqlite3_close(h);
			return NULL;
		}
	}
	return h;
}

/* ---- a small table printer ------------------------------------------- */

struct table {
	size_t ncol, nrow, cap;
	char **cells;          /* nrow * ncol, escaped */
	size_t w[24];
	bool right[24];
};

static int table_add(struct table *t, char **row)
{
	if (t->nrow == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		char **n = realloc(t->cells, nc * t->ncol * sizeof *n);
		if (!n)
			return -1;
		t->cells = n;
		t->cap = nc;
	}
	for (size_t c = 0; c < t->ncol; c++) {
		t->cells[t->nrow * t->ncol + c] = row[c];
		size_t l = strlen(row[c]);
		if (l > SW_DB_COL_MAX)
			l = SW_DB_COL_MAX;
		if (l > t->w[c])
			t->w[c] = l;
	}
	t->nrow++;
	return 0;
}

static void table_print(struct table *t, FILE *out)
{
	for (size_t r = 0; r < t->nrow; r++) {
		for (size_t c = 0; c < t->ncol; c++) {
			const char *s = t->cells[r * t->ncol + c];
			int w = (int)t->w[c];
			if (c + 1 == t->ncol && !t->right[c])
				fprintf(out, "%s", s);
			else if (t->right[c])
				fprintf(out, "%*s", w, s);
			else
				fprintf(out, "%-*s", w, s);
			fputs(c + 1 == t->ncol ? "\n" : "  ", out);
		}
	}
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrow * t->ncol; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* An escaped copy of a column (NULL -> "-"). */
static char *cell_text(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);
	if (!v)
		return strdup("-");
	size_t cap = (size_t)n * 4 + 1;
	char *o = malloc(cap);
	if (o)
		sw_esc_buf(o, cap, v, (size_t)n);
	return o;
}

static void json_str(FILE *out, sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	if (!v) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	sw_fput_json(out, v, (size_t)sqlite3_column_bytes(st, col));
	fputc('"', out);
}

/* ---- stats -------------------------------------------------------------- */

static const char *const stats_cols[] = {
	"ts", "capture", "packets", "bytes", "drops", "flows", "flows_active", "evictions",
	"hosts_sni", "hosts_quic", "hosts_http", "hosts_dns", "hits", "hits_dropped",
	"malformed", NULL,
};
static const char *const stats_head[] = {
	"minute (UTC)", "capture", "packets", "bytes", "drops", "flows", "active", "evict",
	"sni", "quic", "http", "dns", "hits", "hits_lost", "malformed", NULL,
};

int stats_cli_main_f(int argc, char **argv, FILE *out, FILE *errf)
{
	const char *dbpath = NULL, *capture = NULL;
	bool json = false;
	uint32_t rows = 60;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		bool missing = false;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(stats_usage, out);
			return 0;
		} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			json = true;
		} else if ((v = sw_opt_val(argc, argv, &i, "--db", "-d", &missing))) {
			dbpath = v;
		} else if ((v = sw_opt_val(argc, argv, &i, "--capture", "-c", &missing))) {
			capture = v;
		} else if ((v = sw_opt_val(argc, argv, &i, "--rows", "-r", &missing))) {
			char *end;
			errno = 0;
			unsigned long long x = strtoull(v, &end, 10);
			if (errno || *end || v[0] < '0' || v[0] > '9' || x > 100000000ULL) {
				sw_cli_err(errf, "stats", "--rows wants a number (0: all), not", v);
				return 2;
			}
			rows = (uint32_t)x;
		} else {
			sw_cli_err(errf, "stats", missing ? "missing value after" : "unknown argument", a);
			fputs(stats_usage, errf);
			return 2;
		}
	}
	if (!dbpath) {
		sw_cli_err(errf, "stats", "give the database with -d DB", NULL);
		fputs(stats_usage, errf);
		return 2;
	}
	sqlite3 *h = open_ro("stats", dbpath, errf);
	if (!h)
		return 2;

	char sql[1024];
	size_t o = (size_t)snprintf(sql, sizeof sql, "SELECT * FROM (SELECT ");
	for (int c = 0; stats_cols[c]; c++)
		o += (size_t)snprintf(sql + o, sizeof sql - o, "%s%s", c ? ", " : "", stats_cols[c]);
	snprintf(sql + o, sizeof sql - o,
	         " FROM stats WHERE ?1 IS NULL OR capture = ?1 ORDER BY ts DESC, capture"
	         " LIMIT ?2) ORDER BY ts, capture");
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		char e[1200];
		snprintf(e, sizeof e, "%s: cannot query the stats table: %s", dbpath, sqlite3_errmsg(h));
		sw_cli_err(errf, "stats", e, NULL);
		sqlite3_close(h);
		return 2;
	}
	if (capture)
		sqlite3_bind_text(st, 1, capture, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, rows ? (sqlite3_int64)rows : -1);

	struct table t;
	memset(&t, 0, sizeof t);
	int ncol = 0;
	while (stats_cols[ncol])
		ncol++;
	t.ncol = (size_t)ncol;
	for (int c = 2; c < ncol; c++)
		t.right[c] = true;
	char *head[24];
	for (int c = 0; c < ncol; c++)
		head[c] = strdup(stats_head[c]);
	int bad = 0;
	for (int c = 0; c < ncol; c++)
		if (!head[c])
			bad = 1;
	if (!bad && table_add(&t, head) != 0)
		bad = 1;
	uint64_t sum[24];
	memset(sum, 0, sizeof sum);
	long n = 0;
	while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		for (int c = 2; c < ncol; c++)
			if (c != 6)  /* flows_active is a gauge */
				sum[c] += (uint64_t)sqlite3_column_int64(st, c);
		if (json) {
			fputc('{', out);
			for (int c = 0; c < ncol; c++) {
				fprintf(out, "%s\"%s\":", c ? "," : "", stats_cols[c]);
				if (c < 2)
					json_str(out, st, c);
				else
					fprintf(out, "%lld", (long long)sqlite3_column_int64(st, c));
			}
			fputs("}\n", out);
			continue;
		}
		char *row[24];
		for (int c = 0; c < ncol; c++)
			row[c] = cell_text(st, c);
		for (int c = 0; c < ncol; c++)
			if (!row[c])
				bad = 1;
		if (bad || table_add(&t, row) != 0) {
			for (int c = 0; c < ncol; c++)
				free(row[c]);
			bad = 1;
		}
	}
	if (!bad && rc != SQLITE_DONE) {
		char e[1200];
		snprintf(e, sizeof e, "%s: reading the stats table: %s", dbpath, sqlite3_errmsg(h));
		sw_cli_err(errf, "stats", e, NULL);
		bad = 2;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	if (bad) {
		if (bad == 1)
			sw_cli_err(errf, "stats", "out of memory", NULL);
		table_free(&t);
		return 2;
	}
	if (!json) {
		if (n == 0) {
			fputs("no stats rows (the daemon writes one every stats_interval)\n", out);
		} else {
			char *row[24];
			char buf[32];
			row[0] = strdup("total");
			row[1] = strdup("");
			for (int c = 2; c < ncol; c++) {
				snprintf(buf, sizeof buf, "%" PRIu64, sum[c]);
				row[c] = strdup(c == 6 ? "" : buf);
			}
			int ok = 1;
			for (int c = 0; c < ncol; c++)
				if (!row[c])
					ok = 0;
			if (ok && table_add(&t, row) == 0) {
				table_print(&t, out);
			} else {
				for (int c = 0; c < ncol; c++)
					free(row[c]);
				table_free(&t);
				sw_cli_err(errf, "stats", "out of memory", NULL);
				return 2;
			}
		}
	}
	table_free(&t);
	/* drops: column 4; hits_dropped: column 13 */
	if (sum[4])
		fprintf(errf, "WARNING: %" PRIu64 " packets were dropped by the kernel before "
		        "stalkerwatch saw them (%.2f%% of %" PRIu64 "): hits may be missing; see "
		        "docs/performance.md\n", sum[4],
		        100.0 * (double)sum[4] / (double)(sum[2] + sum[4]), sum[2] + sum[4]);
	if (sum[13])
		fprintf(errf, "WARNING: %" PRIu64 " hits were lost because the hit queue was full "
		        "(the database was locked or failing)\n", sum[13]);
	if (fflush(out) != 0 || ferror(out)) {
		sw_cli_err(errf, "stats", "cannot write the output", NULL);
		return 2;
	}
	return 0;
}

int stats_cli_main(int argc, char **argv)
{
	return stats_cli_main_f(argc, argv, stdout, stderr);
}

/* ---- devices ------------------------------------------------------------ */

static const char *const dev_cols[] = {
	"mac", "ip", "name", "vendor_class", "first_seen", "last_seen", "hits", NULL,
};

int devices_cli_main_f(int argc, char **argv, FILE *out, FILE *errf)
{
	const char *dbpath = NULL;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		bool missing = false;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(devices_usage, out);
			return 0;
		} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			json = true;
		} else if ((v = sw_opt_val(argc, argv, &i, "--db", "-d", &missing))) {
			dbpath = v;
		} else {
			sw_cli_err(errf, "devices", missing ? "missing value after" : "unknown argument", a);
			fputs(devices_usage, errf);
			return 2;
		}
	}
	if (!dbpath) {
		sw_cli_err(errf, "devices", "give the database with -d DB", NULL);
		fputs(devices_usage, errf);
		return 2;
	}
	sqlite3 *h = open_ro("devices", dbpath, errf);
	if (!h)
		return 2;
	static const char sql[] =
		"SELECT d.mac, d.ip, d.name, d.vendor_class, d.first_seen, d.last_seen,"
		" (SELECT coalesce(sum(count), 0) FROM hits WHERE client_mac = d.mac)"
		" FROM devices d ORDER BY d.last_seen DESC, d.mac";
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		char e[1200];
		snprintf(e, sizeof e, "%s: cannot query the devices table: %s", dbpath,
		         sqlite3_errmsg(h));
		sw_cli_err(errf, "devices", e, NULL);
		sqlite3_close(h);
		return 2;
	}
	struct table t;
	memset(&t, 0, sizeof t);
	t.ncol = 7;
	t.right[6] = true;
	char *head[7];
	int bad = 0;
	static const char *const dh[] = { "mac", "ip", "name", "vendor class",
	                                   "first seen (UTC)", "last seen (UTC)", "hits" };
	for (int c = 0; c < 7; c++)
		if (!(head[c] = strdup(dh[c])))
			bad = 1;
	if (!bad && table_add(&t, head) != 0)
		bad = 1;
	long n = 0;
	int rc = SQLITE_DONE;
	while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (json) {
			fputc('{', out);
			for (int c = 0; c < 7; c++) {
				fprintf(out, "%s\"%s\":", c ? "," : "", dev_cols[c]);
				if (c == 6)
					fprintf(out, "%lld", (long long)sqlite3_column_int64(st, c));
				else
					json_str(out, st, c);
			}
			fputs("}\n", out);
			continue;
		}
		char *row[7];
		for (int c = 0; c < 7; c++) {
			row[c] = cell_text(st, c);
			if (row[c] && (c == 4 || c == 5) && strlen(row[c]) > 19)
				row[c][19] = '\0';  /* to the second */
			if (!row[c])
				bad = 1;
		}
		if (bad || table_add(&t, row) != 0) {
			for (int c = 0; c < 7; c++)
				free(row[c]);
			bad = 1;
		}
	}
	if (!bad && rc != SQLITE_DONE) {
		char e[1200];
		snprintf(e, sizeof e, "%s: reading the devices table: %s", dbpath, sqlite3_errmsg(h));
		sw_cli_err(errf, "devices", e, NULL);
		bad = 2;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	if (bad) {
		if (bad == 1)
			sw_cli_err(errf, "devices", "out of memory", NULL);
		table_free(&t);
		return 2;
	}
	if (!json) {
		if (n == 0)
			fputs("no devices\n", out);
		else
			table_print(&t, out);
	}
	table_free(&t);
	if (fflush(out) != 0 || ferror(out)) {
		sw_cli_err(errf, "devices", "cannot write the output", NULL);
		return 2;
	}
	return 0;
}

int devices_cli_main(int argc, char **argv)
{
	return devices_cli_main_f(argc, argv, stdout, stderr);
}
