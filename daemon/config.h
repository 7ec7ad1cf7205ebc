/*
 * config.h - the options of `stalkerwatch run`: one table, a file, flags.
 *
 * Every option is declared once, in conf_opts[] (config.c), with its type,
 * bounds (from daemon/sw_limits.h) and default, Redis style.  The same
 * table drives the config file parser, the command-line parser (each option
 * NAME is also the flag --NAME, '_' written '-', and some have a short
 * flag), the --help text and the man page's list.
 *
 * Config file (default /etc/stalkerwatch.conf, or -c FILE): one option per
 * line, "NAME VALUE"; '#' starts a comment line; blank lines are ignored;
 * VALUE is the rest of the line, trimmed, and may be put in double quotes.
 * A repeatable option (interface, ioc) is given on several lines.
 * Precedence: defaults, then the file, then the command line; a repeatable
 * option given on the command line replaces the file's entries.
 * Errors name FILE:LINE (or the flag) and what was expected.
 */
#ifndef SW_CONFIG_H
#define SW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/sw_limits.h"

/* The default config file, read when -c is not given (absent: defaults). */
#define SW_CONF_DEFAULT_PATH "/etc/stalkerwatch.conf"

enum conf_type {
	CT_STR,   /* a string (may be empty) */
	CT_U32,   /* a decimal number in [min, max] */
	CT_BOOL,  /* yes/no, on/off, true/false, 1/0; flags --NAME / --no-NAME */
	CT_LIST,  /* repeatable string, at most max entries */
};

/* A repeatable option's values (owned strings). */
struct conf_list {
	char **v;
	size_t n;
};

/* Every setting of the daemon, after defaults, file and flags. */
struct sw_config {
	struct conf_list iface;      /* interface: capture on these */
	struct conf_list ioc;        /* ioc: rule files; none -> bundled list */
	char *dual_use;              /* more dual-use names (docs/ioc-feeds.md); "" none */
	char *db;                    /* database file */
	char *user;                  /* drop to this user */
	char *chroot;                /* "" none */
	char *pidfile;               /* written with daemon */
	char *filter;                /* BPF expression; "" none */
	bool daemon;                 /* -D: detach, pid file, syslog */
	bool syslog;                 /* log to syslog in the foreground too */
	bool verbose;
	bool promisc, immediate, devices;
	uint32_t snaplen, buffer_mb, timeout_ms;
	uint32_t flows, reasm_slots, hitq;
	uint32_t flush_ms, stats_interval, devices_max, db_max_mb;
	bool ndpi;                   /* label flows with nDPI (hits.app) */
	uint32_t ndpi_slots, resolve_entries;
	char *geoip_country, *geoip_asn; /* MMDB files; "" none */
	/* not options: how the command line asked to run */
	char *conf_path;             /* the file read ("" none) */
	bool check_only;             /* -n */
	bool help;                   /* -h */
};

/* One option in the table. */
struct conf_opt {
	const char *name;     /* key in the file; --name with '_' as '-' */
	char shrt;            /* short flag, 0 none */
	enum conf_type type;
	uint32_t min, max;    /* CT_U32 bounds; CT_LIST max entries */
	uint32_t def;         /* CT_U32 / CT_BOOL default */
	const char *sdef;     /* CT_STR default */
	size_t off;           /* offset of the field in struct sw_config */
	const char *arg;      /* what the value is, for help ("IFACE", "N") */
	const char *help;     /* one line */
};

/* The table, ending with a NULL name. */
extern const struct conf_opt conf_opts[];

/* Set every option to its default (allocates the string defaults).  0, or
 * -1 when out of memory. */
int conf_init(struct sw_config *c);

/* Free what the config owns; c may be zeroed or initialised. */
void conf_free(struct sw_config *c);

/*
 * Apply the config text buf (len bytes) named name (for errors) on top of c.
 * Returns 0, or -1 with err = "name:line: what was wrong" (values from the
 * file escaped); c may then hold some of the file's values.
 */
int conf_load_buf(struct sw_config *c, const char *name, const char *buf,
                  size_t len, char *err, size_t errlen);

/* The same from a file (at most 1 MiB).  -1 with "path: why" when it cannot
 * be read. */
int conf_load_file(struct sw_config *c, const char *path, char *err, size_t errlen);

/*
 * The whole command line of `run` (argv[0] is "run"): defaults, then the
 * config file (-c FILE, or SW_CONF_DEFAULT_PATH when it exists), then the
 * flags.  Sets check_only (-n) and help (-h: nothing else is checked).
 * Positional arguments are refused.  Returns 0, or -1 with err naming the
 * flag or FILE:LINE.  c must be conf_init'ed; conf_free it either way.
 */
int conf_parse_args(struct sw_config *c, int argc, char **argv,
                    char *err, size_t errlen);

/* Write the options, their defaults and bounds, as help text. */
void conf_usage(FILE *f);

/* Write the effective configuration in file syntax (strings escaped). */
void conf_dump(const struct sw_config *c, FILE *f);

#endif
