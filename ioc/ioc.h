/*
 * ioc.h - IOC rules: loading, the immutable match index, explanations.
 *
 * A rule set is loaded once (start-up or reload) from one or more files into
 * an immutable index; the packet path only reads it.  A reload builds a new
 * set and swaps the pointer; the old one is freed after pending hits that
 * name its rules are written.
 *
 * Native format (docs/ioc-format.md): one rule per line,
 *     <pattern> <family> [comment...]
 * '#' starts a comment line; blank lines are ignored.  Patterns:
 *     spyic.com        that host and every subdomain, on a label boundary
 *     =spyic.com       only that exact host
 *     s3:<bucket>      that S3 bucket in every endpoint form AWS accepts
 * A host pattern that is itself a virtual-hosted S3 name
 * (<bucket>.s3[.-]<region>.amazonaws.com ...) is read as s3:<bucket>.
 *
 * Matching costs one hash probe per label suffix of the host plus one per
 * cloud-tenant form, whatever the number of rules.
 */
#ifndef SW_IOC_H
#define SW_IOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/sw_limits.h"

enum ioc_rtype {
	IOC_DOMAIN = 0,  /* host and subdomains */
	IOC_EXACT,       /* exactly this host */
	IOC_S3,          /* an S3 bucket, any endpoint form */
	IOC_RTYPE_COUNT
};

enum ioc_conf { IOC_CONF_LOW = 0, IOC_CONF_MEDIUM, IOC_CONF_HIGH };

/* How a lookup reached a rule (for `ioc test` and hits). */
enum ioc_how {
	IOC_HOW_EXACT = 0,    /* host equals the rule's name */
	IOC_HOW_SUBDOMAIN,    /* host is a subdomain of the rule's name */
	IOC_HOW_S3_VHOST,     /* bucket from a virtual-hosted S3 host name */
	IOC_HOW_S3_PATH,      /* bucket from the first segment of a path-style request */
};

/* One rule as loaded.  Strings live as long as the set. */
struct ioc_rule {
	const char *pattern;  /* canonical pattern text, e.g. "spyic.com", "s3:celular007" */
	const char *family;   /* e.g. "Cocospy" */
	const char *source;   /* file it came from, or "bundled" */
	const char *comment;  /* free text after the family; "" when none */
	uint32_t line;        /* line in source */
	uint8_t type;         /* enum ioc_rtype */
	uint8_t confidence;   /* enum ioc_conf */
};

struct ioc_match {
	uint32_t rule;        /* index for ioc_rule_get() */
	uint8_t how;          /* enum ioc_how */
};

struct ioc_set;

/*
 * Load rules from nfiles files (each a path).  Every file must parse: on the
 * first bad line the load fails, nothing is returned, and err receives
 * "file:line: what was wrong" (errlen bytes, NUL-terminated).  With
 * nfiles == 0 the bundled list compiled into the binary is loaded.
 * Warnings (normalisations made) go to warn when not NULL.
 * Returns the new set, or NULL.  The caller frees it with ioc_set_free().
 */
struct ioc_set *ioc_set_load(const char *const *files, size_t nfiles,
                             FILE *warn, char *err, size_t errlen);

/* Load from a memory buffer named `source` (tests, the bundled list). */
struct ioc_set *ioc_set_load_mem(const char *buf, size_t len,
                                 const char *source, FILE *warn,
                                 char *err, size_t errlen);

void ioc_set_free(struct ioc_set *s);

size_t ioc_set_count(const struct ioc_set *s);
const struct ioc_rule *ioc_rule_get(const struct ioc_set *s, uint32_t id);

/*
 * Match a normalised host (lower-case, no trailing dot, as hn_normalise gives)
 * and, for HTTP, the request path (may be NULL/0): the path is used for
 * path-style S3 requests (Host s3[.-]<region>.amazonaws.com, path
 * /<bucket>/...).  Writes up to max matches, returns how many were found
 * (each rule at most once).  Never allocates.
 */
size_t ioc_match(const struct ioc_set *s, const char *host, size_t hostlen,
                 const char *path, size_t pathlen,
                 struct ioc_match *m, size_t max);

const char *ioc_how_str(enum ioc_how h);
const char *ioc_rtype_str(enum ioc_rtype t);
const char *ioc_conf_str(enum ioc_conf c);

#endif
