/*
 * ioc_update.h - `ioc update`: download IOC feeds, validate, swap atomically.
 *
 * Downloads run the curl program (Debian package curl, already installed by
 * .ci/deps) with posix_spawn and a fixed argument vector, no shell:
 * HTTPS with certificate verification (curl's default), https:// and
 * file:// only, redirects only to https://, a size and a time limit.  Why
 * not libcurl: it is not a build dependency yet; see docs/ioc-feeds.md for
 * the switch (Debian package libcurl4-openssl-dev).
 */
#ifndef SW_IOC_UPDATE_H
#define SW_IOC_UPDATE_H

#include <stddef.h>
#include <stdio.h>

/* Where downloaded feeds are kept by default. */
#define IOC_UPDATE_DIR "/var/lib/stalkerwatch/feeds"

/* The feeds `ioc update` fetches when given no URL. */
extern const char *const ioc_update_default_urls[];

struct ioc_update_opts {
	const char *cafile;   /* CA bundle for HTTPS (curl --cacert); NULL: system CAs */
	const char *curl;     /* curl program; NULL: "curl" from PATH */
	unsigned timeout_s;   /* per download; 0: 300 */
};

/*
 * Download each URL (https://, file://; nurls == 0: the defaults) into dir
 * (created if missing), check that it loads as an IOC file with at least one
 * rule, and rename it over the previous copy dir/<name> (the URL's last path
 * segment), so that a reader sees the old file or the new one, never a
 * partial one; the replaced copy is kept as dir/<name>.prev and the URL in
 * dir/<name>.url.  A failed download or parse keeps the last good copy.
 * Progress goes to out, errors to errout.  Returns 0 when every feed was
 * updated, 2 otherwise.
 */
int ioc_update_ex(const char *dir, const char *const *urls, size_t nurls,
                  const struct ioc_update_opts *o, FILE *out, FILE *errout);

/* ioc_update_ex with default options. */
int ioc_update(const char *dir, const char *const *urls, size_t nurls,
               FILE *out, FILE *errout);

#endif
