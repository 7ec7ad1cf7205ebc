/*
 * ioc_cli.c - `stalkerwatch ioc test|check|stats|forms|update`.
 *
 * Everything printed that came from a file, a feed or the command line goes
 * through sw_fput_esc: IOC files are data from strangers.
 */
#include "ioc/ioc_cli.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/util.h"
#include "dissectors/decode.h"
#include "dissectors/hostname.h"
#include "ioc/ioc.h"
#include "ioc/ioc_update.h"

#define MAX_FILES 64

struct cli_opts {
	const char *files[MAX_FILES];
	size_t nfiles;
	const char *dualuse;
	bool warnings;
	bool help;
	const char *pos[4];
	size_t npos;
	const char *cache;
	const char *cafile;
};

static void esc(FILE *f, const char *s)
{
	sw_fputs_esc(f, s ? s : "");
}

/* Parse the common options; returns 0, or 2 after printing a usage error. */
static int parse_opts(int argc, char **argv, const char *usage, struct cli_opts *o)
{
	memset(o, 0, sizeof *o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->help = true;
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(a, "-I") || !strcmp(a, "--ioc") || !strcmp(a, "-D") ||
		    !strcmp(a, "--dual-use") || !strcmp(a, "-c") || !strcmp(a, "--cache") ||
		    !strcmp(a, "--ca")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "stalkerwatch ioc: %s needs an argument\n%s", a, usage);
				return 2;
			}
			const char *v = argv[++i];
			if (a[1] == 'I' || !strcmp(a, "--ioc")) {
				if (o->nfiles == MAX_FILES) {
					fprintf(stderr, "stalkerwatch ioc: at most %d -I files\n", MAX_FILES);
					return 2;
				}
				o->files[o->nfiles++] = v;
			} else if (a[1] == 'D' || !strcmp(a, "--dual-use")) {
				o->dualuse = v;
			} else if (!strcmp(a, "--ca")) {
				o->cafile = v;
			} else {
				o->cache = v;
			}
			continue;
		}
		if (!strcmp(a, "-w") || !strcmp(a, "--warnings")) {
			o->warnings = true;
			continue;
		}
		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++) {
				if (o->npos == 4)
					goto toomany;
				o->pos[o->npos++] = argv[i];
			}
			break;
		}
		if (a[0] == '-' && a[1]) {
			fputs("stalkerwatch ioc: unknown option ", stderr);
			esc(stderr, a);
			fprintf(stderr, "\n%s", usage);
			return 2;
		}
		if (o->npos == 4)
			goto toomany;
		o->pos[o->npos++] = a;
	}
	return 0;
toomany:
	fprintf(stderr, "stalkerwatch ioc: too many arguments\n%s", usage);
	return 2;
}

static struct ioc_set *load(const struct cli_opts *o)
{
	char err[1024];
	struct ioc_load_opts lo = { .warn = o->warnings ? stderr : NULL, .dualuse_file = o->dualuse };
	struct ioc_set *s = ioc_set_load_opts(o->files, o->nfiles, &lo, err, sizeof err);
	if (!s)
		fprintf(stderr, "stalkerwatch ioc: %s\n", err); /* err is escaped by the loader */
	return s;
}

/* Print the half of a form description that fits how: "A | B (note)". */
static void print_form(FILE *f, unsigned form, bool path)
{
	const char *d = ioc_form_desc(form);
	const char *bar = strstr(d, " | ");
	const char *note = strrchr(d, '(');
	if (!bar) {
		fputs(d, f);
		return;
	}
	if (path) {
		fputs(bar + 3, f);
	} else {
		fwrite(d, 1, (size_t)(bar - d), f);
		if (note && note > bar)
			fprintf(f, " %s", note);
	}
}

static void print_match(const struct ioc_set *s, const struct ioc_match *m)
{
	const struct ioc_rule *r = ioc_rule_get(s, m->rule);
	if (!r)
		return;
	printf("  rule     ");
	esc(stdout, r->pattern);
	printf("  (%s)\n  family   ", ioc_rtype_str((enum ioc_rtype)r->type));
	esc(stdout, r->family);
	if (r->category && r->category[0]) {
		printf("  [");
		esc(stdout, r->category);
		printf("]");
	}
	printf("\n  source   ");
	esc(stdout, r->source);
	if (r->line)
		printf(":%lu", (unsigned long)r->line);
	printf("\n  confidence %s\n", ioc_conf_str((enum ioc_conf)r->confidence));
	if (r->comment && r->comment[0]) {
		printf("  comment  ");
		esc(stdout, r->comment);
		printf("\n");
	}
	printf("  how      ");
	switch (m->how) {
	case IOC_HOW_EXACT:
		printf("exact: the host is ");
		esc(stdout, r->pattern[0] == '=' ? r->pattern + 1 : r->pattern);
		break;
	case IOC_HOW_SUBDOMAIN:
		printf("subdomain of ");
		esc(stdout, r->pattern);
		break;
	case IOC_HOW_S3_VHOST:
	case IOC_HOW_S3_PATH:
	case IOC_HOW_TENANT_HOST:
	case IOC_HOW_TENANT_PATH: {
		bool path = m->how == IOC_HOW_S3_PATH || m->how == IOC_HOW_TENANT_PATH;
		const char *colon = strchr(r->pattern, ':');
		printf("%s ", m->how <= IOC_HOW_S3_PATH ? "S3 bucket" :
		       ioc_provider_name((enum ioc_provider)r->provider));
		esc(stdout, colon ? colon + 1 : r->pattern);
		printf(" via %s form ", path ? "path-style" : "virtual-hosted");
		print_form(stdout, m->form, path);
		break;
	}
	case IOC_HOW_URL:
		printf("URL: the host and a path under ");
		esc(stdout, r->pattern);
		break;
	case IOC_HOW_IP:
		printf("address ");
		esc(stdout, r->pattern);
		break;
	case IOC_HOW_CIDR:
		printf("address inside ");
		esc(stdout, r->pattern);
		break;
	default:
		printf("%s", ioc_how_str((enum ioc_how)m->how));
	}
	printf("\n");
}

static const char usage_test[] =
	"usage: stalkerwatch ioc test [-I FILE]... [-D FILE] [-w] HOST [PATH]\n"
	"       stalkerwatch ioc test [-I FILE]... URL\n"
	"Show which IOC rules match HOST (and, for HTTP, the request PATH), and why.\n"
	"HOST is normalised like a host name on the wire (case, trailing dot); an IP\n"
	"address is matched against IP rules; a URL (https://host/path) gives both.\n"
	"  -I FILE   IOC file (any supported format; repeatable); default: the bundled list\n"
	"  -D FILE   more dual-use names (rules on them get low confidence; a line\n"
	"            !NAME takes a built-in one off: docs/ioc-feeds.md)\n"
	"  -w        print the normalisations made while loading\n"
	"Exit status: 0 a rule matched, 1 no rule matched, 2 error.\n";

static int cmd_test(int argc, char **argv)
{
	struct cli_opts o;
	int rc = parse_opts(argc, argv, usage_test, &o);
	if (rc || o.help)
		return rc;
	if (o.npos < 1 || o.npos > 2) {
		fputs(usage_test, stderr);
		return 2;
	}
	const char *arg = o.pos[0];
	const char *h = arg;
	size_t hl = strlen(arg);
	const char *path = o.npos == 2 ? o.pos[1] : NULL;
	/* URL or host/path in one argument */
	const char *sch = strstr(arg, "://");
	if (sch) {
		h = sch + 3;
		hl = strlen(h);
	}
	const char *sl = memchr(h, '/', hl);
	const char *qm = memchr(h, '?', hl);
	if (qm && (!sl || qm < sl))
		sl = qm;
	if (sl) {
		if (!path)
			path = sl;
		hl = (size_t)(sl - h);
	}
	if (sch) {
		const char *at = memchr(h, '@', hl);
		if (at) {
			hl -= (size_t)(at + 1 - h);
			h = at + 1;
		}
		if (hl && h[0] != '[') {
			const char *pc = memchr(h, ':', hl);
			if (pc)
				hl = (size_t)(pc - h);
		}
	}
	char host[SW_HOST_BUF];
	size_t n;
	enum hn_res hr = hn_normalise((const uint8_t *)h, hl, host, &n);
	if (hr != HN_NAME && hr != HN_IP4 && hr != HN_IP6) {
		fputs("stalkerwatch ioc test: not a host name: ", stderr);
		sw_fput_esc(stderr, h, hl);
		fprintf(stderr, " (%s)\n", hn_res_str(hr));
		return 2;
	}
	struct ioc_set *s = load(&o);
	if (!s)
		return 2;
	struct ioc_match m[256];
	size_t found;
	if (hr == HN_NAME) {
		found = ioc_match(s, host, n, path, path ? strlen(path) : 0, m, 256);
	} else {
		struct sw_addr a = { .v = hr == HN_IP4 ? 4 : 6 };
		if (inet_pton(hr == HN_IP4 ? AF_INET : AF_INET6, host, a.a) != 1) {
			ioc_set_free(s);
			return 2;
		}
		found = ioc_match_ip(s, &a, m, 256);
	}
	esc(stdout, host);
	if (path) {
		printf(" ");
		esc(stdout, path);
	}
	if (found == 0) {
		printf(": no match (%zu rules loaded)\n", ioc_set_count(s));
		ioc_set_free(s);
		return 1;
	}
	printf(": %zu match%s\n", found, found == 1 ? "" : "es");
	for (size_t i = 0; i < found && i < 256; i++) {
		if (i)
			printf("\n");
		print_match(s, &m[i]);
	}
	ioc_set_free(s);
	return 0;
}

/* ", from 1234 values (c2.domains 925, ...), 5 skipped" */
static void print_fields(const struct ioc_feed *f)
{
	if (!f->values && !f->nfields)
		return;
	printf(" from %lu values", (unsigned long)f->values);
	for (unsigned k = 0; k < f->nfields; k++)
		printf("%s%s %lu", k ? ", " : " (", f->fields[k].field, (unsigned long)f->fields[k].n);
	if (f->nfields)
		printf(")");
	if (f->skipped)
		printf(", %lu skipped", (unsigned long)f->skipped);
}

static const char usage_check[] =
	"usage: stalkerwatch ioc check [-I FILE]... [-D FILE] [-w]\n"
	"Load the IOC files (default: the bundled list) and report the first error as\n"
	"file:line: reason, or the number of rules.  -w prints every normalisation.\n"
	"Exit status: 0 the files load, 2 error.\n";

static int cmd_check(int argc, char **argv)
{
	struct cli_opts o;
	int rc = parse_opts(argc, argv, usage_check, &o);
	if (rc || o.help)
		return rc;
	if (o.npos) {
		fputs(usage_check, stderr);
		return 2;
	}
	struct ioc_set *s = load(&o);
	if (!s)
		return 2;
	const struct ioc_feed *f;
	size_t nf = ioc_set_feeds(s, &f);
	for (size_t i = 0; i < nf; i++) {
		esc(stdout, f[i].source);
		printf(": %s, %lu rules", f[i].format, (unsigned long)f[i].rules);
		print_fields(&f[i]);
		printf("\n");
	}
	printf("%zu rules\n", ioc_set_count(s));
	ioc_set_free(s);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Print counts of the distinct strings in v (sorted in place). */
static void print_counts(const char *title, const char **v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_str);
	printf("%s:\n", title);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && strcmp(v[j], v[i]) == 0)
			j++;
		printf("  %7zu  ", j - i);
		esc(stdout, v[i][0] ? v[i] : "(none)");
		printf("\n");
		i = j;
	}
}

static const char usage_stats[] =
	"usage: stalkerwatch ioc stats [-I FILE]... [-D FILE]\n"
	"Rules by source, kind, confidence, category and family, the inputs with their\n"
	"sha256, and the memory the index takes.  Default: the bundled list.\n";

static int cmd_stats(int argc, char **argv)
{
	struct cli_opts o;
	int rc = parse_opts(argc, argv, usage_stats, &o);
	if (rc || o.help)
		return rc;
	if (o.npos) {
		fputs(usage_stats, stderr);
		return 2;
	}
	struct ioc_set *s = load(&o);
	if (!s)
		return 2;
	size_t n = ioc_set_count(s);
	const char **v = malloc((n ? n : 1) * sizeof *v);
	if (!v) {
		ioc_set_free(s);
		return 2;
	}
	const struct ioc_feed *f;
	size_t nf = ioc_set_feeds(s, &f);
	printf("feeds:\n");
	for (size_t i = 0; i < nf; i++) {
		printf("  %7lu  %s  %-14s  ", (unsigned long)f[i].rules, f[i].sha256, f[i].format);
		esc(stdout, f[i].source);
		printf("\n          ");
		print_fields(&f[i]);
		printf("\n");
	}
	printf("rules: %zu, index memory: %zu bytes (%.1f per rule)\n", n, ioc_set_memory(s),
	       n ? (double)ioc_set_memory(s) / (double)n : 0.0);
	for (size_t i = 0; i < n; i++)
		v[i] = ioc_rtype_str((enum ioc_rtype)ioc_rule_get(s, (uint32_t)i)->type);
	print_counts("by kind", v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = ioc_conf_str((enum ioc_conf)ioc_rule_get(s, (uint32_t)i)->confidence);
	print_counts("by confidence", v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = ioc_rule_get(s, (uint32_t)i)->source;
	print_counts("by source", v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = ioc_rule_get(s, (uint32_t)i)->category;
	print_counts("by category", v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = ioc_rule_get(s, (uint32_t)i)->family;
	print_counts("by family", v, n);
	free(v);
	ioc_set_free(s);
	return 0;
}

static const char usage_forms[] =
	"usage: stalkerwatch ioc forms\n"
	"List the cloud endpoint forms a tenant rule (s3:<bucket>, appspot:<app>, ...)\n"
	"matches.\n";

static int cmd_forms(int argc, char **argv)
{
	struct cli_opts o;
	int rc = parse_opts(argc, argv, usage_forms, &o);
	if (rc || o.help)
		return rc;
	for (unsigned i = 0; i < ioc_form_count(); i++)
		printf("%-11s %s\n", ioc_provider_name(ioc_form_provider(i)), ioc_form_desc(i));
	return 0;
}

static const char usage_update[] =
	"usage: stalkerwatch ioc update [-c DIR] [--ca FILE] [URL]...\n"
	"Download IOC feeds (default: AssoEchap ioc.yaml and watchware.yaml) over HTTPS\n"
	"with certificate verification (http://, https:// and file:// URLs), check that\n"
	"each one loads, and replace the copies in DIR (default " IOC_UPDATE_DIR ")\n"
	"atomically.  A download or a parse that fails leaves the last good copy.\n"
	"  -c DIR     where the feeds are kept\n"
	"  --ca FILE  CA certificates to verify the HTTPS server with (default: the system's)\n"
	"Exit status: 0 all feeds updated, 2 at least one failed.\n";

static int cmd_update(int argc, char **argv)
{
	struct cli_opts o;
	int rc = parse_opts(argc, argv, usage_update, &o);
	if (rc || o.help)
		return rc;
	struct ioc_update_opts uo = { .cafile = o.cafile };
	return ioc_update_ex(o.cache ? o.cache : IOC_UPDATE_DIR, o.pos, o.npos, &uo, stdout, stderr);
}

static const char usage_main[] =
	"usage: stalkerwatch ioc <command> [--help]\n"
	"  test HOST [PATH]   which rule matches and why\n"
	"  check              load IOC files and report errors\n"
	"  stats              rules by source, family, kind, confidence\n"
	"  forms              cloud endpoint forms that tenant rules match\n"
	"  update             download the IOC feeds\n";

int ioc_cli_main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_main, stderr);
		return 2;
	}
	const char *c = argv[1];
	if (!strcmp(c, "-h") || !strcmp(c, "--help") || !strcmp(c, "help")) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (!strcmp(c, "test"))
		return cmd_test(argc - 1, argv + 1);
	if (!strcmp(c, "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(c, "stats"))
		return cmd_stats(argc - 1, argv + 1);
	if (!strcmp(c, "forms"))
		return cmd_forms(argc - 1, argv + 1);
	if (!strcmp(c, "update"))
		return cmd_update(argc - 1, argv + 1);
	fputs("stalkerwatch ioc: unknown command ", stderr);
	esc(stderr, c);
	fprintf(stderr, "\n%s", usage_main);
	return 2;
}
