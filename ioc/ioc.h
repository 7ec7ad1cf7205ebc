/*
 * ioc.h - IOC rules: loading, the immutable match index, explanations.
 *
 * A rule set is loaded once (start-up or reload) from one or more files into
 * an immutable index; the packet path only reads it.  A reload builds a new
 * set and swaps the pointer; the old one is freed after pending hits that
 * name its rules are written.
 *
 * Native format (docs/ioc-format.md): one rule per line,
 *     <pattern> <family> [confidence=low|medium|high] [comment...]
 * '#' starts a comment line; blank lines are ignored.  Patterns:
 *     spyic.com        that host and every subdomain, on a label boundary
 *     =spyic.com       only that exact host
 *     s3:<bucket>      that S3 bucket in every endpoint form AWS accepts
 *     <provider>:<tenant>  a tenant of another shared cloud (appspot:,
 *                      firebase:, cloudfront:, apigw:, elb:, gcs:, ...;
 *                      ioc_provider_name() lists them)
 *     host/path        that exact host with a request path under path
 *     1.2.3.4, 2001:db8::1, 10.0.0.0/8, 2001:db8::/32   IP and CIDR rules
 * A host pattern that is itself a tenant host name (a virtual-hosted S3 name
 * <bucket>.s3[.-]<region>.amazonaws.com, <app>.appspot.com, ...) is read as
 * the tenant rule (s3:<bucket>, appspot:<app>).  A bare shared platform
 * (amazonaws.com, s3.amazonaws.com, appspot.com, ...) is refused.
 *
 * Other formats (AssoEchap ioc.yaml / watchware.yaml, STIX 2.1 bundles,
 * plain lists, hosts files, TinyCheck iocs.json, Echap network.csv) are
 * recognised from the content and imported into the same rules.
 *
 * Matching costs one hash probe per label suffix of the host (bounded by the
 * deepest rule name) plus one per cloud-tenant form that the host has,
 * whatever the number of rules.
 */
#ifndef SW_IOC_H
#define SW_IOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/sw_limits.h"

struct sw_addr; /* dissectors/decode.h */

enum ioc_rtype {
	IOC_DOMAIN = 0,  /* host and subdomains */
	IOC_EXACT,       /* exactly this host */
	IOC_S3,          /* an S3 bucket, any endpoint form */
	IOC_TENANT,      /* a tenant of another shared cloud (rule.provider) */
	IOC_URL,         /* exactly this host, request path under a prefix */
	IOC_IP,          /* an IPv4/IPv6 address or CIDR prefix (server side) */
	IOC_RTYPE_COUNT
};

enum ioc_conf { IOC_CONF_LOW = 0, IOC_CONF_MEDIUM, IOC_CONF_HIGH };

/* How a lookup reached a rule (for `ioc test` and hits). */
enum ioc_how {
	IOC_HOW_EXACT = 0,    /* host equals the rule's name */
	IOC_HOW_SUBDOMAIN,    /* host is a subdomain of the rule's name */
	IOC_HOW_S3_VHOST,     /* bucket from a virtual-hosted S3 host name */
	IOC_HOW_S3_PATH,      /* bucket from the first segment of a path-style request */
	IOC_HOW_TENANT_HOST,  /* other cloud tenant from the host name */
	IOC_HOW_TENANT_PATH,  /* other cloud tenant from a path-style request */
	IOC_HOW_URL,          /* host equals the rule's host, path under its prefix */
	IOC_HOW_IP,           /* server address equals the rule's address */
	IOC_HOW_CIDR,         /* server address inside the rule's prefix */
	IOC_HOW_COUNT
};

/* Shared clouds whose tenants are rules (ioc_provider_name gives "s3",
 * "appspot", ... as written before ':' in a pattern). */
enum ioc_provider {
	IOC_PROV_NONE = 0,
	IOC_PROV_S3,          /* AWS S3 bucket */
	IOC_PROV_GCS,         /* Google Cloud Storage bucket */
	IOC_PROV_DO_SPACES,   /* DigitalOcean Spaces bucket */
	IOC_PROV_WASABI,      /* Wasabi bucket */
	IOC_PROV_OSS,         /* Alibaba Cloud OSS bucket */
	IOC_PROV_COS,         /* Tencent COS bucket (<name>-<appid>) */
	IOC_PROV_CLOUDFRONT,  /* CloudFront distribution id */
	IOC_PROV_APIGW,       /* API Gateway API id */
	IOC_PROV_ELB,         /* Elastic Load Balancer <name>-<id> */
	IOC_PROV_FIREBASE,    /* Firebase Realtime Database name */
	IOC_PROV_APPSPOT,     /* App Engine application id */
	IOC_PROV_COUNT
};

/* One rule as loaded.  Strings live as long as the set. */
struct ioc_rule {
	const char *pattern;  /* canonical pattern text, e.g. "spyic.com", "s3:celular007" */
	const char *family;   /* e.g. "Cocospy" */
	const char *source;   /* file it came from, or "bundled" */
	const char *comment;  /* free text after the family; "" when none */
	const char *category; /* "stalkerware", "watchware", ... ; "" when unknown */
	uint32_t line;        /* line in source (0 for formats without lines) */
	uint8_t type;         /* enum ioc_rtype */
	uint8_t confidence;   /* enum ioc_conf */
	uint8_t provider;     /* enum ioc_provider for IOC_S3/IOC_TENANT, else 0 */
};

struct ioc_match {
	uint32_t rule;        /* index for ioc_rule_get() */
	uint8_t how;          /* enum ioc_how */
	uint8_t form;         /* tenant hows: index for ioc_form_desc(); else 0 */
};

/* Values read per field of a feed ("c2.domains", "c2.ips", "websites" ...). */
struct ioc_feed_count {
	const char *field;
	uint32_t n;
};
#define IOC_FEED_FIELDS 16

/* One input of a set, for the feeds table: where it came from, its digest
 * and how many rules it gave. */
struct ioc_feed {
	const char *source;   /* path as given, or "bundled" */
	const char *format;   /* "native", "echap-yaml", "stix2", ... */
	char sha256[65];      /* lower-case hex of the bytes read */
	uint32_t rules;       /* rules it contributed (after merging) */
	uint32_t values;      /* indicator values read */
	uint32_t skipped;     /* values dropped with a warning */
	uint8_t nfields;      /* entries used in fields[] */
	struct ioc_feed_count fields[IOC_FEED_FIELDS];
};

struct ioc_set;

/* Options for ioc_set_load_opts().  Zero-initialise, then set what you need. */
struct ioc_load_opts {
	FILE *warn;                /* normalisations made, one line each; NULL: quiet */
	const char *dualuse_file;  /* extra dual-use names (one per line, '#' comments;
	                              host names, provider:tenant, "!name" takes a
	                              name off): rules on them get IOC_CONF_LOW;
	                              NULL: the built-in list (ioc/dual-use.txt) only */
	bool no_dualuse_builtin;   /* do not apply the built-in dual-use list */
	const char *dualuse_buf;   /* more dual-use names from memory (same format,
	                              read after dualuse_file, named "dual-use
	                              (memory)" in errors): tests and fuzzing */
	size_t dualuse_len;
};

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

/* Same with options (dual-use list).  opts may be NULL. */
struct ioc_set *ioc_set_load_opts(const char *const *files, size_t nfiles,
                                  const struct ioc_load_opts *opts,
                                  char *err, size_t errlen);

/* Load from a memory buffer named `source` (tests, the bundled list).  The
 * format is recognised from the content as for files. */
struct ioc_set *ioc_set_load_mem(const char *buf, size_t len,
                                 const char *source, FILE *warn,
                                 char *err, size_t errlen);

/* Same with options (dual-use lists).  opts may be NULL. */
struct ioc_set *ioc_set_load_mem_opts(const char *buf, size_t len, const char *source,
                                      const struct ioc_load_opts *opts,
                                      char *err, size_t errlen);

void ioc_set_free(struct ioc_set *s);

size_t ioc_set_count(const struct ioc_set *s);
const struct ioc_rule *ioc_rule_get(const struct ioc_set *s, uint32_t id);

/* The inputs of a set, in load order: *out points into the set.  Returns
 * how many. */
size_t ioc_set_feeds(const struct ioc_set *s, const struct ioc_feed **out);

/* Bytes the set holds (rules, strings, index): for `ioc stats` and bench. */
size_t ioc_set_memory(const struct ioc_set *s);

/*
 * Match a normalised host (lower-case, no trailing dot, as hn_normalise gives)
 * and, for HTTP, the request path (may be NULL/0): the path is used for
 * path-style S3 requests (Host s3[.-]<region>.amazonaws.com, path
 * /<bucket>/...) and URL rules; an absolute-form target
 * (http://host/path) is accepted.  Writes up to max matches, returns how
 * many were found (each rule at most once; found may exceed max, only max
 * are written).  Never allocates.
 */
size_t ioc_match(const struct ioc_set *s, const char *host, size_t hostlen,
                 const char *path, size_t pathlen,
                 struct ioc_match *m, size_t max);

/* ioc_match that also counts the hash probes it made into *probes (test
 * hook: the cost of a lookup, independent of the number of rules). */
size_t ioc_match_probes(const struct ioc_set *s, const char *host, size_t hostlen,
                        const char *path, size_t pathlen,
                        struct ioc_match *m, size_t max, unsigned *probes);

/* Match a server address against IP and CIDR rules: one probe per distinct
 * prefix length in the set.  Same output contract as ioc_match. */
size_t ioc_match_ip(const struct ioc_set *s, const struct sw_addr *a,
                    struct ioc_match *m, size_t max);

/*
 * Split a host (and path) into a cloud tenant, as the matcher does: returns
 * the provider (IOC_PROV_NONE when the host is no tenant form), the tenant
 * into tenant (tenantlen >= SW_HOST_BUF), the form index into *form and
 * whether it came from the path into *from_path.
 */
enum ioc_provider ioc_tenant_of(const char *host, size_t hostlen,
                                const char *path, size_t pathlen,
                                char *tenant, size_t tenantlen,
                                unsigned *form, bool *from_path);

/* Description of a tenant endpoint form, e.g.
 * "<bucket>.s3-website-<region>.amazonaws.com (website, dash)". */
const char *ioc_form_desc(unsigned form);
/* Number of endpoint forms in the table (docs, tests). */
unsigned ioc_form_count(void);
/* The provider of a form. */
enum ioc_provider ioc_form_provider(unsigned form);

const char *ioc_provider_name(enum ioc_provider p);
const char *ioc_how_str(enum ioc_how h);
const char *ioc_rtype_str(enum ioc_rtype t);
const char *ioc_conf_str(enum ioc_conf c);

#endif
