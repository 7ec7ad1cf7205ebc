/*
 * config.c - the option table of `stalkerwatch run`, the config file and
 * command-line parsers (see config.h).
 */
#include "daemon/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "daemon/util.h"

#define OFF(f) offsetof(struct sw_config, f)

/* Every option, once.  Keep docs/stalkerwatch.8 and contrib/stalkerwatch.conf
 * in step with it. */
const struct conf_opt conf_opts[] = {
	{ "interface", 'i', CT_LIST, 1, SW_CAP_IFACES_MAX, 0, NULL, OFF(iface), "IFACE",
	  "capture on this interface (repeatable; at least one)" },
	{ "ioc", 'I', CT_LIST, 1, SW_CONF_LIST_MAX, 0, NULL, OFF(ioc), "FILE",
	  "IOC rule file (repeatable); none: the bundled list" },
	{ "dual_use", 0, CT_STR, 0, 0, 0, "", OFF(dual_use), "FILE",
	  "more dual-use names: rules on them get low confidence" },
	{ "db", 'd', CT_STR, 0, 0, 0, "/var/lib/stalkerwatch/stalkerwatch.db", OFF(db), "FILE",
	  "SQLite database the hits, devices and stats go to" },
	{ "user", 'u', CT_STR, 0, 0, 0, "stalkerwatch", OFF(user), "USER",
	  "drop to this user once capture and database are open" },
	{ "chroot", 0, CT_STR, 0, 0, 0, "", OFF(chroot), "DIR",
	  "chroot here after opening everything (IOC files must be under it)" },
	{ "daemon", 'D', CT_BOOL, 0, 1, 0, NULL, OFF(daemon), NULL,
	  "detach, write the pid file, log to syslog" },
	{ "pidfile", 'p', CT_STR, 0, 0, 0, "/run/stalkerwatch.pid", OFF(pidfile), "FILE",
	  "pid file written with --daemon" },
	{ "syslog", 0, CT_BOOL, 0, 1, 0, NULL, OFF(syslog), NULL,
	  "log to syslog also in the foreground" },
	{ "verbose", 'v', CT_BOOL, 0, 1, 0, NULL, OFF(verbose), NULL,
	  "log more (reloads, every stats row)" },
	{ "filter", 'f', CT_STR, 0, 0, 0, "", OFF(filter), "EXPR",
	  "BPF capture filter; empty: everything (see the man page before narrowing)" },
	{ "promisc", 0, CT_BOOL, 0, 1, 1, NULL, OFF(promisc), NULL,
	  "promiscuous mode (needed on a mirror port)" },
	{ "snaplen", 0, CT_U32, SW_CAP_SNAPLEN_MIN, SW_CAP_SNAPLEN_MAX, SW_CAP_SNAPLEN_DEFAULT,
	  NULL, OFF(snaplen), "BYTES", "bytes captured per frame" },
	{ "buffer_mb", 0, CT_U32, SW_CAP_BUFFER_MB_MIN, SW_CAP_BUFFER_MB_MAX,
	  SW_CAP_BUFFER_MB_DEFAULT, NULL, OFF(buffer_mb), "MIB",
	  "kernel capture ring per interface" },
	{ "timeout_ms", 0, CT_U32, SW_CAP_TIMEOUT_MS_MIN, SW_CAP_TIMEOUT_MS_MAX,
	  SW_CAP_TIMEOUT_MS_DEFAULT, NULL, OFF(timeout_ms), "MS",
	  "packet buffer timeout: frames are handed over in batches this old at most" },
	{ "immediate", 0, CT_BOOL, 0, 1, 0, NULL, OFF(immediate), NULL,
	  "immediate mode: every frame at once (more CPU; timeout_ms ignored)" },
	{ "flows", 0, CT_U32, SW_FLOWS_MIN, SW_FLOWS_MAX, SW_FLOWS_DEFAULT, NULL, OFF(flows), "N",
	  "flow table entries" },
	{ "reasm_slots", 0, CT_U32, SW_REASM_SLOTS_MIN, SW_REASM_SLOTS_MAX, SW_REASM_SLOTS_DEFAULT,
	  NULL, OFF(reasm_slots), "N", "TCP reassembly slots (16 KB each)" },
	{ "hitq", 0, CT_U32, SW_HITQ_MIN, SW_HITQ_MAX, SW_HITQ_DEFAULT, NULL, OFF(hitq), "N",
	  "hits queued while the database is busy (beyond: dropped and counted)" },
	{ "flush_ms", 0, CT_U32, SW_FLUSH_MS_MIN, SW_DB_FLUSH_MS, SW_FLUSH_MS_DEFAULT, NULL, OFF(flush_ms),
	  "MS", "the writer commits queued hits this often" },
	{ "stats_interval", 0, CT_U32, SW_STATS_INTERVAL_MIN, SW_STATS_INTERVAL_MAX,
	  SW_STATS_INTERVAL_DEFAULT, NULL, OFF(stats_interval), "SECONDS",
	  "a stats row (and drop warnings) this often" },
	{ "devices", 0, CT_BOOL, 0, 1, 1, NULL, OFF(devices), NULL,
	  "learn devices (MAC, IP, DHCP host name and vendor class)" },
	{ "devices_max", 0, CT_U32, SW_DEV_MIN, SW_DEV_MAX, SW_DEV_DEFAULT, NULL, OFF(devices_max),
	  "N", "devices remembered in memory" },
	{ "db_max_mb", 0, CT_U32, 0, SW_DB_MAX_MB_MAX, 0, NULL, OFF(db_max_mb), "MIB",
	  "cap the database file size (0: no cap); beyond it writes fail as on a full disk" },
	{ "ndpi", 0, CT_BOOL, 0, 1, 1, NULL, OFF(ndpi), NULL,
	  "label the flows of hits with nDPI (the app column)" },
	{ "ndpi_slots", 0, CT_U32, SW_DPI_SLOTS_MIN, SW_DPI_SLOTS_MAX, SW_DPI_SLOTS_DEFAULT, NULL,
	  OFF(ndpi_slots), "N", "flows nDPI classifies at once" },
	{ "resolve_entries", 0, CT_U32, SW_RSLV_ENTRIES_MIN, SW_RSLV_ENTRIES_MAX,
	  SW_RSLV_ENTRIES_DEFAULT, NULL, OFF(resolve_entries), "N",
	  "DNS answers remembered to name the servers of later flows" },
	{ "geoip_country", 0, CT_STR, 0, 0, 0, "", OFF(geoip_country), "FILE",
	  "country (or city) MMDB: hits get server_country" },
	{ "geoip_asn", 0, CT_STR, 0, 0, 0, "", OFF(geoip_asn), "FILE",
	  "ASN MMDB: hits get server_asn and server_org" },
	{ NULL, 0, CT_STR, 0, 0, 0, NULL, 0, NULL, NULL },
};

static char **fld_str(struct sw_config *c, const struct conf_opt *o)
{
	return (char **)(void *)((char *)c + o->off);
}
static uint32_t *fld_u32(struct sw_config *c, const struct conf_opt *o)
{
	return (uint32_t *)(void *)((char *)c + o->off);
}
static bool *fld_bool(struct sw_config *c, const struct conf_opt *o)
{
	return (bool *)(void *)((char *)c + o->off);
}
static struct conf_list *fld_list(struct sw_config *c, const struct conf_opt *o)
{
	return (struct conf_list *)(void *)((char *)c + o->off);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void list_clear(struct conf_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int conf_init(struct sw_config *c)
{
	memset(c, 0, sizeof *c);
	for (const struct conf_opt *o = conf_opts; o->name; o++) {
		switch (o->type) {
		case CT_STR:
			if (!(*fld_str(c, o) = strdup(o->sdef)))
				return -1;
			break;
		case CT_U32: *fld_u32(c, o) = o->def; break;
		case CT_BOOL: *fld_bool(c, o) = o->def != 0; break;
		case CT_LIST: break;
		}
	}
	c->conf_path = strdup("");
	return c->conf_path ? 0 : -1;
}

void conf_free(struct sw_config *c)
{
	for (const struct conf_opt *o = conf_opts; o->name; o++) {
		if (o->type == CT_STR) {
			free(*fld_str(c, o));
			*fld_str(c, o) = NULL;
		} else if (o->type == CT_LIST) {
			list_clear(fld_list(c, o));
		}
	}
	free(c->conf_path);
	c->conf_path = NULL;
}

/* Option by file name ("buffer_mb") or flag name ("buffer-mb"), n bytes. */
static const struct conf_opt *opt_find(const char *name, size_t n)
{
	for (const struct conf_opt *o = conf_opts; o->name; o++) {
		if (strlen(o->name) != n)
			continue;
		size_t i;
		for (i = 0; i < n; i++) {
			char a = name[i] == '-' ? '_' : name[i];
			if (a != o->name[i])
				break;
		}
		if (i == n)
			return o;
	}
	return NULL;
}

static const struct conf_opt *opt_short(char ch)
{
	for (const struct conf_opt *o = conf_opts; o->name; o++)
		if (o->shrt && o->shrt == ch)
			return o;
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1", NULL };
	static const char *const no[] = { "no", "off", "false", "0", NULL };
	for (int i = 0; yes[i]; i++)
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
	for (int i = 0; no[i]; i++)
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	return -1;
}

static int parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	if (*v < '0' || *v > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

/*
 * Give option o the value v.  where names the place for errors ("file:3" or
 * "--flows").  *replace_list: a list option's first value from this source
 * replaces what an earlier source gave (the flag is cleared after use).
 */
static int opt_set(struct sw_config *c, const struct conf_opt *o, const char *v,
                   const char *where, bool *replace_list, char *err, size_t errlen)
{
	char ev[96];
	sw_esc_buf(ev, sizeof ev, v, strlen(v));
	switch (o->type) {
	case CT_STR: {
		char *s = strdup(v);
		if (!s) {
			set_err(err, errlen, "%s: out of memory", where);
			return -1;
		}
		free(*fld_str(c, o));
		*fld_str(c, o) = s;
		return 0;
	}
	case CT_U32:
		if (parse_u32(v, o->min, o->max, fld_u32(c, o)) != 0) {
			set_err(err, errlen, "%s: %s wants a number from %u to %u, not '%s'",
			        where, o->name, o->min, o->max, ev);
			return -1;
		}
		return 0;
	case CT_BOOL:
		if (parse_bool(v, fld_bool(c, o)) != 0) {
			set_err(err, errlen, "%s: %s wants yes or no, not '%s'", where, o->name, ev);
			return -1;
		}
		return 0;
	case CT_LIST: {
		struct conf_list *l = fld_list(c, o);
		if (replace_list && *replace_list) {
			list_clear(l);
			*replace_list = false;
		}
		if (!*v) {
			set_err(err, errlen, "%s: %s needs a value", where, o->name);
			return -1;
		}
		if (l->n >= o->max) {
			set_err(err, errlen, "%s: %s given more than %u times", where, o->name, o->max);
			return -1;
		}
		char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
		if (!nv) {
			set_err(err, errlen, "%s: out of memory", where);
			return -1;
		}
		l->v = nv;
		if (!(l->v[l->n] = strdup(v))) {
			set_err(err, errlen, "%s: out of memory", where);
			return -1;
		}
		l->n++;
		return 0;
	}
	}
	return -1;
}

static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

int conf_load_buf(struct sw_config *c, const char *name, const char *buf,
                  size_t len, char *err, size_t errlen)
{
	bool replace[sizeof conf_opts / sizeof conf_opts[0]];
	for (size_t i = 0; i < sizeof replace / sizeof replace[0]; i++)
		replace[i] = true;
	char ename[256];
	sw_esc_buf(ename, sizeof ename, name, strlen(name));
	if (len >= 2 && (((unsigned char)buf[0] == 0xff && (unsigned char)buf[1] == 0xfe) ||
	                 ((unsigned char)buf[0] == 0xfe && (unsigned char)buf[1] == 0xff))) {
		/* a text editor's UTF-16: say so rather than "NUL byte" */
		set_err(err, errlen, "%s:1: UTF-16 text (byte order mark %02x %02x): save the "
		        "file as UTF-8 or ASCII", ename, (unsigned char)buf[0], (unsigned char)buf[1]);
		return -1;
	}
	size_t pos = 0;
	unsigned lineno = 0;
	while (pos < len) {
		lineno++;
		const char *ln = buf + pos;
		const char *nl = memchr(ln, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - ln) : len - pos;
		pos += n + (nl ? 1 : 0);
		char where[300];
		snprintf(where, sizeof where, "%s:%u", ename, lineno);
		if (n >= SW_CONF_LINE_MAX) {
			set_err(err, errlen, "%s: line longer than %u bytes", where, SW_CONF_LINE_MAX - 1);
			return -1;
		}
		if (memchr(ln, '\0', n)) {
			set_err(err, errlen, "%s: NUL byte in the line", where);
			return -1;
		}
		char line[SW_CONF_LINE_MAX];
		memcpy(line, ln, n);
		line[n] = '\0';
		/* trim */
		char *s = line;
		while (is_space(*s))
			s++;
		char *e = s + strlen(s);
		while (e > s && is_space(e[-1]))
			*--e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		char *k = s;
		while (*s && !is_space(*s))
			s++;
		size_t klen = (size_t)(s - k);
		while (is_space(*s))
			s++;
		char *v = s;
		size_t vlen = strlen(v);
		if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
			v[vlen - 1] = '\0';
			v++;
		}
		const struct conf_opt *o = opt_find(k, klen);
		if (!o || memchr(k, '-', klen)) {
			char ek[128];
			sw_esc_buf(ek, sizeof ek, k, klen);
			set_err(err, errlen, "%s: unknown option '%s' (stalkerwatch run --help lists them)",
			        where, ek);
			return -1;
		}
		if (*v == '\0' && o->type != CT_STR) {
			set_err(err, errlen, "%s: %s needs a value", where, o->name);
			return -1;
		}
		if (opt_set(c, o, v, where, &replace[o - conf_opts], err, errlen) != 0)
			return -1;
	}
	return 0;
}

int conf_load_file(struct sw_config *c, const char *path, char *err, size_t errlen)
{
	char ep[256];
	sw_esc_buf(ep, sizeof ep, path, strlen(path));
	FILE *f = fopen(path, "r");
	if (!f) {
		set_err(err, errlen, "%s: cannot read the config file: %s", ep, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		set_err(err, errlen, "%s: is a directory, not a config file", ep);
		return -1;
	}
	size_t cap = 1u << 20, n = 0;
	char *buf = malloc(cap + 1);
	if (!buf) {
		fclose(f);
		set_err(err, errlen, "%s: out of memory", ep);
		return -1;
	}
	n = fread(buf, 1, cap + 1, f);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		set_err(err, errlen, "%s: read error", ep);
		return -1;
	}
	if (n > cap) {
		free(buf);
		set_err(err, errlen, "%s: larger than 1 MiB: not a config file", ep);
		return -1;
	}
	int rc = conf_load_buf(c, path, buf, n, err, errlen);
	free(buf);
	return rc;
}

/* Flag text for errors: "--name" or "-x". */
static void flag_name(char *out, size_t len, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
	sw_esc_buf(out, len, arg, n);
}

int conf_parse_args(struct sw_config *c, int argc, char **argv,
                    char *err, size_t errlen)
{
	const char *conf = NULL;

	/* First pass: -c FILE, -h, -n (the file goes under the flags). */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			break;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			c->help = true;
			return 0;
		} else if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
			if (i + 1 >= argc) {
				set_err(err, errlen, "%s needs a file", a);
				return -1;
			}
			conf = argv[++i];
		} else if (!strncmp(a, "--config=", 9)) {
			conf = a + 9;
		} else if (!strncmp(a, "-c", 2) && a[2]) {
			conf = a + 2;
		} else if (a[0] == '-' && a[1] != '-') {
			/* skip the value of a short option that takes one */
			const struct conf_opt *o = opt_short(a[1]);
			if (o && o->type != CT_BOOL && !a[2])
				i++;
		} else if (!strncmp(a, "--", 2) && !strchr(a, '=')) {
			const struct conf_opt *o = opt_find(a + 2, strlen(a + 2));
			if (o && o->type != CT_BOOL)
				i++;
		}
	}
	if (!conf) {
		struct stat st;
		if (stat(SW_CONF_DEFAULT_PATH, &st) == 0)
			conf = SW_CONF_DEFAULT_PATH;
	}
	if (conf) {
		free(c->conf_path);
		if (!(c->conf_path = strdup(conf))) {
			set_err(err, errlen, "out of memory");
			return -1;
		}
		if (conf_load_file(c, conf, err, errlen) != 0)
			return -1;
	}

	/* Second pass: the flags. */
	bool replace[sizeof conf_opts / sizeof conf_opts[0]];
	for (size_t i = 0; i < sizeof replace / sizeof replace[0]; i++)
		replace[i] = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char fl[80];
		const struct conf_opt *o = NULL;
		const char *v = NULL;
		bool neg = false;

		if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
			i++;
			continue;
		}
		if (!strncmp(a, "--config=", 9) || (!strncmp(a, "-c", 2) && a[2]))
			continue;
		if (!strcmp(a, "-n") || !strcmp(a, "--check")) {
			c->check_only = true;
			continue;
		}
		flag_name(fl, sizeof fl, a);
		if (!strncmp(a, "--", 2) && a[2]) {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t n = eq ? (size_t)(eq - name) : strlen(name);
			o = opt_find(name, n);
			if (!o && n > 3 && !strncmp(name, "no-", 3)) {
				o = opt_find(name + 3, n - 3);
				if (o && o->type == CT_BOOL && !eq)
					neg = true;
				else
					o = NULL;
			}
			if (!o) {
				set_err(err, errlen, "unknown option %s (stalkerwatch run --help lists them)", fl);
				return -1;
			}
			if (eq) {
				v = eq + 1;
			} else if (o->type == CT_BOOL) {
				v = neg ? "no" : "yes";
			} else if (i + 1 < argc) {
				v = argv[++i];
			} else {
				set_err(err, errlen, "%s needs a value (%s)", fl, o->arg ? o->arg : "");
				return -1;
			}
		} else if (a[0] == '-' && a[1] && a[1] != '-') {
			/* -x VALUE, -xVALUE, or bundled boolean flags -Dv */
			for (const char *p = a + 1; *p; p++) {
				char sf[3] = { '-', *p, '\0' };
				if (*p == 'n') {  /* -nD */
					c->check_only = true;
					o = NULL;
					continue;
				}
				o = opt_short(*p);
				if (!o) {
					char e[8];
					sw_esc_buf(e, sizeof e, p, 1);
					set_err(err, errlen, "unknown option -%s (stalkerwatch run --help lists them)", e);
					return -1;
				}
				if (o->type == CT_BOOL) {
					if (opt_set(c, o, "yes", sf, NULL, err, errlen) != 0)
						return -1;
					o = NULL;
					continue;
				}
				if (p[1]) {
					v = p + 1;
				} else if (i + 1 < argc) {
					v = argv[++i];
				} else {
					set_err(err, errlen, "%s needs a value (%s)", sf, o->arg ? o->arg : "");
					return -1;
				}
				snprintf(fl, sizeof fl, "%s", sf);
				break;
			}
			if (!o)
				continue;
		} else {
			char ea[80];
			sw_esc_buf(ea, sizeof ea, a, strlen(a));
			set_err(err, errlen, "unexpected argument '%s' (interfaces are given with -i)", ea);
			return -1;
		}
		if (opt_set(c, o, v, fl, &replace[o - conf_opts], err, errlen) != 0)
			return -1;
	}
	return 0;
}

void conf_usage(FILE *f)
{
	fputs("usage: stalkerwatch run [-c FILE] [-n] [-D] [-i IFACE]... [options]\n"
	      "\n"
	      "Capture live traffic on the interfaces, extract the hostname of every\n"
	      "connection (TLS SNI, HTTP Host and path, DNS), match it against the IOC\n"
	      "rules and record hits, devices and health in an SQLite database.\n"
	      "\n"
	      "  -c, --config FILE   config file (default " SW_CONF_DEFAULT_PATH " when it\n"
	      "                      exists); flags override it\n"
	      "  -n, --check         check the config and IOC files, then exit (0 ok, 2 not)\n"
	      "  -h, --help          this text\n"
	      "\n"
	      "Options (config file: NAME VALUE; flag: --NAME VALUE, '_' written '-'):\n", f);
	for (const struct conf_opt *o = conf_opts; o->name; o++) {
		char flag[64], nm[40];
		snprintf(nm, sizeof nm, "%s", o->name);
		for (char *p = nm; *p; p++)
			if (*p == '_')
				*p = '-';
		if (o->shrt)
			snprintf(flag, sizeof flag, "-%c, --%s%s%s", o->shrt, nm,
			         o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(flag, sizeof flag, "    --%s%s%s", nm,
			         o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-26s %s\n%29s", flag, o->help, "");
		switch (o->type) {
		case CT_U32:
			fprintf(f, "[%u..%u, default %u]\n", o->min, o->max, o->def);
			break;
		case CT_BOOL:
			fprintf(f, "[default %s; --no-%s]\n", o->def ? "yes" : "no", nm);
			break;
		case CT_STR:
			if (o->sdef[0])
				fprintf(f, "[default %s]\n", o->sdef);
			else
				fputs("[default none]\n", f);
			break;
		case CT_LIST:
			fprintf(f, "[repeatable, at most %u]\n", o->max);
			break;
		}
	}
	fputs("\nSignals: TERM/INT flush every pending hit and exit 0; HUP reloads the IOC\n"
	      "files (a bad file keeps the old rules); USR1 logs the counters.\n"
	      "Exit status: 0 stopped by a signal or -n ok; 1 capture failed while\n"
	      "running, or hits could not be written at exit; 2 configuration, IOC,\n"
	      "capture, database or privilege error at start.\n", f);
}

void conf_dump(const struct sw_config *c, FILE *f)
{
	const char *base = (const char *)c;
	for (const struct conf_opt *o = conf_opts; o->name; o++) {
		switch (o->type) {
		case CT_STR:
			fprintf(f, "%s \"", o->name);
			sw_fputs_esc(f, *(char *const *)(const void *)(base + o->off));
			fputs("\"\n", f);
			break;
		case CT_U32:
			fprintf(f, "%s %u\n", o->name, *(const uint32_t *)(const void *)(base + o->off));
			break;
		case CT_BOOL:
			fprintf(f, "%s %s\n", o->name,
			        *(const bool *)(const void *)(base + o->off) ? "yes" : "no");
			break;
		case CT_LIST: {
			const struct conf_list *l = (const struct conf_list *)(const void *)(base + o->off);
			for (size_t i = 0; i < l->n; i++) {
				fprintf(f, "%s ", o->name);
				sw_fputs_esc(f, l->v[i]);
				fputc('\n', f);
			}
			break;
		}
		}
	}
}
