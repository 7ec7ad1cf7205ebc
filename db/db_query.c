/*
 * db_query.c - listing hits: the aligned table and JSON lines behind
 * `stalkerwatch hits`.
 *
 * Everything printed comes from the database, and hostnames, paths, capture
 * names and rule strings came from the wire or from files: every cell goes
 * through sw_esc_buf (table) or sw_fput_json (JSON).  Column names are ours
 * but are escaped the same way.  Values are bound, never pasted into SQL.
 * The table is computed in two passes over one read transaction (widths,
 * then rows), so memory stays flat however many rows there are.
 */
#include "db/db.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/util.h"
#include "db/db_int.h"
#include "ioc/ioc.h"

#define FILTER_SQL \
	" FROM hits" \
	" WHERE (?1 IS NULL OR last_seen >= ?1)" \
	" AND (?2 IS NULL OR family = ?2 COLLATE NOCASE)" \
	" AND (?3 IS NULL OR client_ip = ?3 OR client_mac = lower(?3))" \
	" ORDER BY CASE confidence WHEN ?4 THEN 0 WHEN ?5 THEN 1 WHEN ?6 THEN 2" \
	" ELSE 3 END, last_seen DESC, id"

static const char TABLE_SQL[] =
	"SELECT substr(last_seen, 1, 19), count, confidence, kind, hostname, path,"
	" family, rule, client_ip, client_mac, server_ip, server_port, capture, app,"
	" server_country, server_asn, server_org, ja4, ech"
	FILTER_SQL;

enum { T_LAST, T_COUNT, T_CONF, T_KIND, T_HOST, T_PATH, T_FAMILY, T_RULE,
       T_CIP, T_MAC, T_SIP, T_SPORT, T_CAPTURE, T_APP, T_CC, T_ASN, T_ORG, T_JA4,
       T_ECH };

static const char JSON_SQL[] =
	"SELECT replace(first_seen, ' ', 'T') || 'Z' AS first_seen,"
	" replace(last_seen, ' ', 'T') || 'Z' AS last_seen, count, kind, hostname,"
	" path, rule, family, category, source, how, confidence, client_ip,"
	" client_mac, server_ip, server_port, capture, app, server_country,"
	" server_asn, server_org, ja4, ech, query"
	FILTER_SQL;

/* Columns of the table, in order. */
enum { C_LAST, C_COUNT, C_CONF, C_KIND, C_HOST, C_FAMILY, C_RULE, C_CLIENT,
       C_MAC, C_SERVER, C_APP, C_GEO, C_ORG, C_JA4, C_ECH, C_CAPTURE, C_N };
static const char *const col_title[C_N] = {
	"last_seen (UTC)", "count", "conf", "kind", "hostname", "family", "rule",
	"client", "mac", "server", "app", "geo", "org", "ja4", "ech", "capture",
};

/* Shown only with --wide: the enrichment (docs/enrichment.md). */
static bool col_wide(int i)
{
	return i == C_GEO || i == C_ORG || i == C_JA4 || i == C_ECH;
}

/* Raw bytes of a text column (NULL -> NULL, *n = 0). */
static const void *col_bytes(sqlite3_stmt *st, int i, size_t *n)
{
	const void *p = sqlite3_column_text(st, i);
	*n = p ? (size_t)sqlite3_column_bytes(st, i) : 0;
	return p;
}

/* Escaped copy (malloc) of n raw bytes; NULL on allocation failure. */
static char *esc_dup(const void *p, size_t n)
{
	size_t cap = 4 * n + 1;  /* \xHH is the longest escape of one byte */
	char *s = malloc(cap);
	if (s)
		sw_esc_buf(s, cap, p, n);
	return s;
}

/* Escaped copy of the concatenation a + b + c (raw bytes). */
static char *esc_cat(const void *a, size_t an, const void *b, size_t bn,
                     const void *c, size_t cn)
{
	char *raw = malloc(an + bn + cn + 1);
	if (!raw)
		return NULL;
	if (an)
		memcpy(raw, a, an);
	if (bn)
		memcpy(raw + an, b, bn);
	if (cn)
		memcpy(raw + an + bn, c, cn);
	char *s = esc_dup(raw, an + bn + cn);
	free(raw);
	return s;
}

/* The cells of the current row, escaped, into cell[C_N].  0 or -1 (ENOMEM;
 * cells made so far are left for free_cells). */
static int row_cells(sqlite3_stmt *st, char *cell[C_N])
{
	size_t n, pn;
	const void *p, *q;
	char num[32];

	p = col_bytes(st, T_LAST, &n);
	cell[C_LAST] = esc_dup(p, n);
	snprintf(num, sizeof num, "%" PRId64, (int64_t)sqlite3_column_int64(st, T_COUNT));
	cell[C_COUNT] = esc_dup(num, strlen(num));
	p = col_bytes(st, T_CONF, &n);
	cell[C_CONF] = esc_dup(p, n);
	p = col_bytes(st, T_KIND, &n);
	cell[C_KIND] = esc_dup(p, n);
	p = col_bytes(st, T_HOST, &n);
	q = col_bytes(st, T_PATH, &pn);
	cell[C_HOST] = esc_cat(p, n, q, pn, NULL, 0);
	p = col_bytes(st, T_FAMILY, &n);
	cell[C_FAMILY] = esc_dup(p, n);
	p = col_bytes(st, T_RULE, &n);
	cell[C_RULE] = esc_dup(p, n);
	p = col_bytes(st, T_CIP, &n);
	cell[C_CLIENT] = n ? esc_dup(p, n) : esc_dup("-", 1);
	p = col_bytes(st, T_MAC, &n);
	cell[C_MAC] = n ? esc_dup(p, n) : esc_dup("-", 1);
	p = col_bytes(st, T_SIP, &n);
	snprintf(num, sizeof num, "%" PRId64, (int64_t)sqlite3_column_int64(st, T_SPORT));
	char sfx[40];
	if (n == 0) {
		cell[C_SERVER] = esc_cat("-:", 2, num, strlen(num), NULL, 0);
	} else if (memchr(p, ':', n)) {   /* IPv6: [addr]:port */
		snprintf(sfx, sizeof sfx, "]:%s", num);
		cell[C_SERVER] = esc_cat("[", 1, p, n, sfx, strlen(sfx));
	} else {
		snprintf(sfx, sizeof sfx, ":%s", num);
		cell[C_SERVER] = esc_cat(p, n, sfx, strlen(sfx), NULL, 0);
	}
	p = col_bytes(st, T_APP, &n);        /* nDPI's label: "TLS.AmazonAWS" */
	cell[C_APP] = n ? esc_dup(p, n) : esc_dup("-", 1);
	/* geo: "US AS16509" (either part may be unknown) */
	p = col_bytes(st, T_CC, &n);
	int64_t asn = sqlite3_column_type(st, T_ASN) == SQLITE_NULL ? 0 :
	              (int64_t)sqlite3_column_int64(st, T_ASN);
	if (asn > 0)
		snprintf(num, sizeof num, "%sAS%" PRId64, n ? " " : "", asn);
	else
		num[0] = '\0';
	cell[C_GEO] = n || asn > 0 ? esc_cat(p, n, num, strlen(num), NULL, 0) : esc_dup("-", 1);
	p = col_bytes(st, T_ORG, &n);
	cell[C_ORG] = n ? esc_dup(p, n) : esc_dup("-", 1);
	p = col_bytes(st, T_JA4, &n);
	cell[C_JA4] = n ? esc_dup(p, n) : esc_dup("-", 1);
	cell[C_ECH] = sqlite3_column_int64(st, T_ECH) ? esc_dup("yes", 3) : esc_dup("-", 1);
	p = col_bytes(st, T_CAPTURE, &n);
	cell[C_CAPTURE] = esc_dup(p, n);
	for (int i = 0; i < C_N; i++)
		if (!cell[i])
			return -1;
	return 0;
}

static void free_cells(char *cell[C_N])
{
	for (int i = 0; i < C_N; i++) {
		free(cell[i]);
		cell[i] = NULL;
	}
}

/* One line of the table; the last column is not padded; the --wide
 * columns only when wide. */
static void put_row(FILE *out, const char *const cell[C_N], const size_t w[C_N], bool wide)
{
	for (int i = 0; i < C_N; i++) {
		if (!wide && col_wide(i))
			continue;
		size_t l = strlen(cell[i]);
		if (i == C_N - 1) {
			fputs(cell[i], out);
			break;
		}
		size_t pad = l < w[i] ? w[i] - l : 0;
		if (i == C_COUNT)
			fprintf(out, "%*s%s  ", (int)pad, "", cell[i]);
		else
			fprintf(out, "%s%*s  ", cell[i], (int)pad, "");
	}
	fputc('\n', out);
}

static int bind_query(sqlite3_stmt *st, const struct db_hit_query *q)
{
	char since[DB_TIME_BUF];
	int rc = SQLITE_OK;
	if (q && q->since_us)
		rc = sqlite3_bind_text(st, 1, db_time_str(q->since_us, since, sizeof since),
		                       -1, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK && q && q->family)
		rc = sqlite3_bind_text(st, 2, q->family, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && q && q->client)
		rc = sqlite3_bind_text(st, 3, q->client, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 4, ioc_conf_str(IOC_CONF_HIGH), -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 5, ioc_conf_str(IOC_CONF_MEDIUM), -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 6, ioc_conf_str(IOC_CONF_LOW), -1, SQLITE_STATIC);
	return rc;
}

/* One JSON object for the current row. */
static void put_json(FILE *out, sqlite3_stmt *st)
{
	int nc = sqlite3_column_count(st);
	fputc('{', out);
	for (int i = 0; i < nc; i++) {
		const char *name = sqlite3_column_name(st, i);
		if (i)
			fputc(',', out);
		fputc('"', out);
		sw_fput_json(out, name ? name : "?", name ? strlen(name) : 1);
		fputs("\":", out);
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_NULL:
			fputs("null", out);
			break;
		case SQLITE_INTEGER:
			fprintf(out, "%" PRId64, (int64_t)sqlite3_column_int64(st, i));
			break;
		case SQLITE_FLOAT:
			fprintf(out, "%.17g", sqlite3_column_double(st, i));
			break;
		default: {
			size_t n;
			const void *p = col_bytes(st, i, &n);
			fputc('"', out);
			sw_fput_json(out, p ? p : "", n);
			fputc('"', out);
			break;
		}
		}
	}
	fputs("}\n", out);
}

long db_query_hits(struct db *d, FILE *out, const struct db_hit_query *q,
                   char *err, size_t errlen)
{
	static const char what[] = "listing hits";
	bool json = q && q->json;
	sqlite3_stmt *st = NULL;
	long rows = 0;
	size_t w[C_N];
	char *cell[C_N] = { NULL };
	int rc = sqlite3_exec(d->h, "BEGIN", NULL, NULL, NULL);  /* one snapshot */
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(d->h, json ? JSON_SQL : TABLE_SQL, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = bind_query(st, q);
	if (rc != SQLITE_OK)
		goto fail;

	if (json) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			put_json(out, st);
			rows++;
		}
		if (rc != SQLITE_DONE)
			goto fail;
		goto done;
	}

	/* pass 1: column widths */
	for (int i = 0; i < C_N; i++)
		w[i] = strlen(col_title[i]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (row_cells(st, cell) != 0) {
			rc = SQLITE_NOMEM;
			goto fail;
		}
		for (int i = 0; i < C_N; i++) {
			size_t l = strlen(cell[i]);
			if (l > SW_DB_COL_MAX)
				l = SW_DB_COL_MAX;
			if (l > w[i])
				w[i] = l;
		}
		free_cells(cell);
		rows++;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	if (rows == 0) {
		fputs("no hits\n", out);
		goto done;
	}
	/* pass 2: the same rows (same snapshot), printed */
	sqlite3_reset(st);
	put_row(out, col_title, w, q && q->wide);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (row_cells(st, cell) != 0) {
			rc = SQLITE_NOMEM;
			goto fail;
		}
		const char *view[C_N];
		for (int i = 0; i < C_N; i++)
			view[i] = cell[i];
		put_row(out, view, w, q && q->wide);
		free_cells(cell);
	}
	if (rc != SQLITE_DONE)
		goto fail;
done:
	sqlite3_finalize(st);
	sqlite3_exec(d->h, "COMMIT", NULL, NULL, NULL);
	return rows;
fail:
	free_cells(cell);
	db_sq_err(d->path, d->h, rc, err, errlen, "%s", what);
	sqlite3_finalize(st);
	if (!sqlite3_get_autocommit(d->h))
		sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

long db_print_hits(struct db *d, FILE *out, bool json, char *err, size_t errlen)
{
	struct db_hit_query q;
	memset(&q, 0, sizeof q);
	q.json = json;
	return db_query_hits(d, out, &q, err, errlen);
}
