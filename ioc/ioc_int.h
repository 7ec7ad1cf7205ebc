/*
 * ioc_int.h - internals shared by the files of ioc/ (not a public contract).
 *
 * The loader is split in two: importers (native format, feeds) turn input
 * into candidate rules and hand each one to the builder (ioc_b_add), which
 * canonicalises it (tenant forms, bare platforms, dual-use confidence),
 * merges duplicates and finally builds the immutable index (ioc_b_finish).
 */
#ifndef SW_IOC_INT_H
#define SW_IOC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ioc/ioc.h"

/* ---- tenant table (ioc_tenant.c) ---------------------------------------- */

/* Result of splitting a host (+ path) on the endpoint-form table. */
struct ioc_tsplit {
	enum ioc_provider prov;  /* IOC_PROV_NONE: no form matched */
	unsigned form;           /* index in the form table */
	bool from_path;          /* tenant is the first path segment */
	bool bare;               /* the host is an endpoint with no tenant in it */
	size_t tlen;             /* tenant length (0 when none) */
};

/*
 * Split host (normalised) and optional path with the form table.  The tenant
 * is written lower-case into t (tcap >= SW_HOST_BUF), NUL-terminated.  When
 * the host is exactly a path-style endpoint and path is NULL, r->bare is set
 * and no tenant is given.  Never allocates.
 */
void ioc_tenant_split(const char *host, size_t hostlen, const char *path,
                      size_t pathlen, char *t, size_t tcap, struct ioc_tsplit *r);
/* The same when the caller knows t2, the length of the host's last two
 * labels ("example.com" of "a.b.example.com"; all of a one-label host);
 * 0: not known. */
void ioc_tenant_split2(const char *host, size_t hostlen, size_t t2, const char *path,
                       size_t pathlen, char *t, size_t tcap, struct ioc_tsplit *r);

/* Is t a valid tenant name for p?  On false, *why says what is wrong. */
bool ioc_tenant_valid(enum ioc_provider p, const char *t, size_t n, const char **why);

/* Provider for the name before ':' in a pattern ("s3" ...); NONE if unknown. */
enum ioc_provider ioc_provider_by_name(const char *name, size_t n);

/* Is host (normalised) a bare shared platform that must never be a rule?
 * Returns a reason string, or NULL when the host is fine as a rule. */
const char *ioc_platform_refusal(const char *host, size_t n);
/* The same with the split of host (no path) already made. */
const char *ioc_platform_refusal_split(const char *host, size_t n, const struct ioc_tsplit *r);

/* ---- builder (ioc.c) ----------------------------------------------------- */

struct ioc_b;

/* A candidate rule from an importer.  Strings need not outlive the call. */
struct ioc_cand {
	const char *text;      /* pattern as found (host, URL, IP, s3:x, =host, ...) */
	size_t textlen;
	const char *family;    /* "" allowed: "unknown" is used */
	const char *comment;   /* "" allowed */
	const char *category;  /* "" allowed */
	uint32_t line;         /* 0 when the format has no lines */
	const char *where;     /* for messages when line == 0 (object id), or NULL */
	int confidence;        /* enum ioc_conf, or -1 for the default of the type */
	bool exact;            /* '=' seen: exact host only */
	bool lenient;          /* feed import: repair what can be repaired, with a
	                          warning (defang, URL, IDN...) instead of failing */
	/* optional, for speed (zero-initialised: unused) */
	size_t familylen;      /* length of family, or 0: family is NUL-terminated */
	size_t commentlen;     /* length of comment, or 0: comment is NUL-terminated */
	const char *hint;      /* a key whose index hash is already known ... */
	size_t hintlen;
	uint32_t hinthash;     /* ... this one, from ioc_b_prefetch() */
};

/* Outcome of ioc_b_add. */
enum ioc_add_res { IOC_ADD_OK = 0, IOC_ADD_SKIPPED, IOC_ADD_ERROR };

/*
 * Canonicalise and add one candidate.  IOC_ADD_ERROR: err holds
 * "source:line: reason" and the load must fail.  IOC_ADD_SKIPPED: the
 * candidate was dropped with a warning (lenient imports only: placeholders,
 * non-network values).
 */
enum ioc_add_res ioc_b_add(struct ioc_b *b, const struct ioc_cand *c,
                           char *err, size_t errlen);

/* Warn "source:line: msg" (or "source: where: msg") to the warn stream. */
void ioc_b_warn(struct ioc_b *b, uint32_t line, const char *where,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Format "source:line: msg" into err. */
void ioc_b_err(struct ioc_b *b, uint32_t line, const char *where, char *err,
               size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Count one value read from field (a string that lives as long as the
 * program, e.g. a literal) in the current feed's statistics. */
void ioc_b_count(struct ioc_b *b, const char *field);

/* A rule whose lookup key is key[0..n) is likely to be added soon: start
 * loading its hash slot into the cache (importers call it a few lines
 * ahead; a wrong guess costs one hash and nothing else).  Returns the key's
 * hash, for ioc_cand.hinthash. */
uint32_t ioc_b_prefetch(const struct ioc_b *b, const char *key, size_t n);

/* The current source name. */
const char *ioc_b_source(const struct ioc_b *b);

/* ---- importers (ioc_native.c, ioc_import.c) ----------------------------- */

enum ioc_format {
	IOC_FMT_NATIVE = 0,
	IOC_FMT_ECHAP_YAML,
	IOC_FMT_STIX2,
	IOC_FMT_TINYCHECK,
	IOC_FMT_ECHAP_CSV,
	IOC_FMT_HOSTS,
	IOC_FMT_PLAIN,
	IOC_FMT_COUNT
};

const char *ioc_format_str(enum ioc_format f);

/* Recognise the format of buf from its content. */
enum ioc_format ioc_format_detect(const char *buf, size_t len);

/* Each importer returns 0, or -1 with err filled ("source:line: why").
 * The line formats can be fed a file in pieces of whole lines: *line is the
 * number of lines before buf (0: buf starts the file, a UTF-8 byte-order
 * mark is skipped) and is advanced past the lines of buf. */
int ioc_import_native(struct ioc_b *b, const char *buf, size_t len, uint32_t *line,
                      char *err, size_t errlen);
int ioc_import_lines(struct ioc_b *b, enum ioc_format f, const char *buf, size_t len,
                     uint32_t *line, char *err, size_t errlen);
int ioc_import_echap_yaml(struct ioc_b *b, const char *buf, size_t len, char *err, size_t errlen);
int ioc_import_json(struct ioc_b *b, enum ioc_format f, const char *buf, size_t len,
                    char *err, size_t errlen);

/* Read one whitespace-separated token from [*p, end): returns its length
 * and start, advancing *p past it and following blanks. */
size_t ioc_token(const char **p, const char *end, const char **tok);

#endif
