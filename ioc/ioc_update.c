/*
 * ioc_update.c - `ioc update` (see ioc_update.h).
 *
 * One feed:  curl URL -> dir/.<name>.XXXXXX  (mkstemp, same file system)
 *            load it with ioc_set_load       (any format; >= 1 rule)
 *            fsync, link old -> <name>.prev, rename tmp -> <name>, fsync dir
 * Any failure removes the temporary file and leaves <name> as it was.
 */
#include "ioc/ioc_update.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/sw_limits.h"
#include "daemon/util.h"
#include "ioc/ioc.h"

extern char **environ;

const char *const ioc_update_default_urls[] = {
	"https://raw.githubusercontent.com/AssoEchap/stalkerware-indicators/master/ioc.yaml",
	"https://raw.githubusercontent.com/AssoEchap/stalkerware-indicators/master/watchware.yaml",
	NULL
};

/* The file name for a URL: its last path segment, restricted to
 * [A-Za-z0-9._-], not starting with '.'.  Returns false if none. */
static bool feed_name(const char *url, char *out, size_t cap)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	const char *q = p + strcspn(p, "?#");
	const char *s = q;
	while (s > p && s[-1] != '/')
		s--;
	size_t n = (size_t)(q - s);
	if (n == 0 || n >= cap || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

static int run_curl(const struct ioc_update_opts *o, const char *url, const char *dest,
                    FILE *errout)
{
	char maxsize[32], maxtime[16];
	snprintf(maxsize, sizeof maxsize, "%lu", (unsigned long)SW_IOC_DOWNLOAD_MAX);
	snprintf(maxtime, sizeof maxtime, "%u", o && o->timeout_s ? o->timeout_s : 300);
	const char *argv[32];
	int a = 0;
	argv[a++] = o && o->curl ? o->curl : "curl";
	argv[a++] = "--fail";
	argv[a++] = "--silent";
	argv[a++] = "--show-error";
	argv[a++] = "--location";
	argv[a++] = "--max-redirs";
	argv[a++] = "5";
	argv[a++] = "--proto";
	argv[a++] = "=https,file";
	argv[a++] = "--proto-redir";
	argv[a++] = "=https";
	argv[a++] = "--tlsv1.2";
	argv[a++] = "--max-filesize";
	argv[a++] = maxsize;
	argv[a++] = "--max-time";
	argv[a++] = maxtime;
	if (o && o->cafile) {
		argv[a++] = "--cacert";
		argv[a++] = o->cafile;
	}
	argv[a++] = "--output";
	argv[a++] = dest;
	argv[a++] = "--";
	argv[a++] = url;
	argv[a] = NULL;
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], NULL, NULL, (char *const *)(uintptr_t)argv, environ);
	if (rc != 0) {
		fprintf(errout, "stalkerwatch ioc update: cannot run %s: %s\n", argv[0], strerror(rc));
		return -1;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(errout, "stalkerwatch ioc update: ");
		sw_fputs_esc(errout, url);
		fprintf(errout, ": download failed (curl exit %d)\n",
		        WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	return 0;
}

static int fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static int update_one(const char *dir, const char *url, const struct ioc_update_opts *o,
                      FILE *out, FILE *errout)
{
	char name[128], tmp[4096], dest[4096], prev[4096], urlf[4096];
	if (!feed_name(url, name, sizeof name)) {
		fprintf(errout, "stalkerwatch ioc update: ");
		sw_fputs_esc(errout, url);
		fprintf(errout, ": no usable file name in the URL\n");
		return -1;
	}
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "file://", 7) != 0) {
		fprintf(errout, "stalkerwatch ioc update: ");
		sw_fputs_esc(errout, url);
		fprintf(errout, ": only https:// and file:// URLs are fetched\n");
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, name) >= sizeof tmp ||
	    (size_t)snprintf(dest, sizeof dest, "%s/%s", dir, name) >= sizeof dest ||
	    (size_t)snprintf(prev, sizeof prev, "%s/%s.prev", dir, name) >= sizeof prev ||
	    (size_t)snprintf(urlf, sizeof urlf, "%s/%s.url", dir, name) >= sizeof urlf) {
		fprintf(errout, "stalkerwatch ioc update: path too long\n");
		return -1;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(errout, "stalkerwatch ioc update: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	close(fd);
	if (run_curl(o, url, tmp, errout) != 0)
		goto fail;
	char err[1024];
	const char *files[1] = { tmp };
	struct ioc_set *s = ioc_set_load(files, 1, NULL, err, sizeof err);
	if (!s) {
		fprintf(errout, "stalkerwatch ioc update: ");
		sw_fputs_esc(errout, url);
		fprintf(errout, ": does not load, last good copy kept: %s\n", err);
		goto fail;
	}
	size_t nrules = ioc_set_count(s);
	const struct ioc_feed *fd_;
	char sha[65] = "";
	const char *fmt = "?";
	if (ioc_set_feeds(s, &fd_) == 1) {
		memcpy(sha, fd_[0].sha256, sizeof sha);
		fmt = fd_[0].format;
	}
	ioc_set_free(s);
	if (nrules == 0) {
		fprintf(errout, "stalkerwatch ioc update: ");
		sw_fputs_esc(errout, url);
		fprintf(errout, ": no rules in it, last good copy kept\n");
		goto fail;
	}
	if (chmod(tmp, 0644) != 0 || fsync_path(tmp, O_RDONLY) != 0) {
		fprintf(errout, "stalkerwatch ioc update: %s: %s\n", tmp, strerror(errno));
		goto fail;
	}
	/* keep the copy being replaced as .prev */
	unlink(prev);
	if (link(dest, prev) != 0 && errno != ENOENT) {
		fprintf(errout, "stalkerwatch ioc update: %s: %s\n", prev, strerror(errno));
		goto fail;
	}
	if (rename(tmp, dest) != 0) {
		fprintf(errout, "stalkerwatch ioc update: %s: %s\n", dest, strerror(errno));
		goto fail;
	}
	FILE *uf = fopen(urlf, "w");
	if (uf) {
		fprintf(uf, "%s\n", url);
		fclose(uf);
	}
	fsync_path(dir, O_RDONLY | O_DIRECTORY);
	fprintf(out, "%s: %s, %zu rules, sha256 %s\n", dest, fmt, nrules, sha);
	return 0;
fail:
	unlink(tmp);
	return -1;
}

int ioc_update_ex(const char *dir, const char *const *urls, size_t nurls,
                  const struct ioc_update_opts *o, FILE *out, FILE *errout)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(errout, "stalkerwatch ioc update: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	if (nurls == 0) {
		urls = ioc_update_default_urls;
		while (urls[nurls])
			nurls++;
	}
	int failed = 0;
	for (size_t i = 0; i < nurls; i++)
		if (update_one(dir, urls[i], o, out, errout) != 0)
			failed++;
	return failed ? 2 : 0;
}

int ioc_update(const char *dir, const char *const *urls, size_t nurls,
               FILE *out, FILE *errout)
{
	return ioc_update_ex(dir, urls, nurls, NULL, out, errout);
}
