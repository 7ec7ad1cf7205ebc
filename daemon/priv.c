/*
 * priv.c - privilege drop and its verification (see priv.h).
 *
 * No libcap: the capability sets are read and written with the capget and
 * capset system calls (version 3, two 32-bit words per set).
 */
#include "daemon/priv.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/util.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static int cap_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	memset(d, 0, 2 * sizeof *d);
	return (int)syscall(SYS_capget, &h, d);
}

static int cap_set(const struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	return (int)syscall(SYS_capset, &h, d);
}

/* Highest capability number the kernel knows. */
static int cap_last(void)
{
	int last = CAP_LAST_CAP;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	if (f) {
		int v;
		if (fscanf(f, "%d", &v) == 1 && v >= 0 && v < 64)
			last = v;
		fclose(f);
	}
	return last;
}

int priv_lookup(const char *user, struct priv_user *u, char *err, size_t errlen)
{
	char eu[80];
	memset(u, 0, sizeof *u);
	sw_esc_buf(eu, sizeof eu, user, strlen(user));
	if (!*user) {
		snprintf(err, errlen, "no user to run as (option user)");
		return -1;
	}
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		char *end;
		unsigned long v = strtoul(user, &end, 10);
		if (*user >= '0' && *user <= '9' && !*end && v < 0xffffffffUL) {
			errno = 0;
			pw = getpwuid((uid_t)v);
		}
	}
	if (!pw) {
		snprintf(err, errlen, "user '%s' does not exist%s (make install creates "
		         "'stalkerwatch'; -u nobody works anywhere)", eu,
		         errno ? " or the user database cannot be read" : "");
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user '%s' is root: refusing to keep root privileges "
		         "while parsing packets; choose an unprivileged user", eu);
		return -1;
	}
	if (pw->pw_gid == 0) {
		snprintf(err, errlen, "user '%s' has group 0 (root) as its primary group: "
		         "choose an unprivileged user", eu);
		return -1;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	sw_strlcpy(u->name, pw->pw_name, sizeof u->name);
	return 0;
}

/* Give one file to u: refuses symlinks, non-regular files, hard links. */
static int chown_file(const char *path, const struct priv_user *u, bool must_exist,
                      char *err, size_t errlen)
{
	char ep[300];
	sw_esc_buf(ep, sizeof ep, path, strlen(path));
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, errlen, "%s: cannot open to give it to user %s: %s", ep, u->name,
		         errno == ELOOP ? "it is a symbolic link" : strerror(errno));
		return -1;
	}
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", ep, strerror(errno));
		rc = -1;
	} else if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		snprintf(err, errlen, "%s: not a regular file with a single link: refusing to "
		         "give it to user %s", ep, u->name);
		rc = -1;
	} else if ((st.st_uid != u->uid || st.st_gid != u->gid) &&
	           fchown(fd, u->uid, u->gid) != 0) {
		snprintf(err, errlen, "%s: cannot give it to user %s: %s", ep, u->name,
		         strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

int priv_prepare_db(const char *dbpath, const struct priv_user *u,
                    char *err, size_t errlen)
{
	if (geteuid() != 0 || getuid() == u->uid)
		return 0;
	char p[4096];
	/* a new database: an empty file of u's (SQLite takes an empty file
	 * for an empty database) */
	int fd = open(dbpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0 && errno != EEXIST) {
		char ep[300];
		sw_esc_buf(ep, sizeof ep, dbpath, strlen(dbpath));
		snprintf(err, errlen, "%s: cannot create the database: %s", ep, strerror(errno));
		return -1;
	}
	if (fd >= 0) {
		int r = fchown(fd, u->uid, u->gid);
		int e = errno;
		close(fd);
		if (r != 0) {
			char ep[300];
			sw_esc_buf(ep, sizeof ep, dbpath, strlen(dbpath));
			unlink(dbpath);
			snprintf(err, errlen, "%s: cannot give the new database to user %s: %s", ep,
			         u->name, strerror(e));
			return -1;
		}
	}
	if (chown_file(dbpath, u, true, err, errlen) != 0)
		return -1;
	static const char *const sfx[] = { "-wal", "-shm", "-journal", NULL };
	for (int i = 0; sfx[i]; i++) {
		if ((size_t)snprintf(p, sizeof p, "%s%s", dbpath, sfx[i]) >= sizeof p) {
			snprintf(err, errlen, "database path too long");
			return -1;
		}
		if (chown_file(p, u, false, err, errlen) != 0)
			return -1;
	}
	/* the directory: SQLite recreates -wal/-shm there when they are gone */
	sw_strlcpy(p, dbpath, sizeof p);
	char *slash = strrchr(p, '/');
	if (!slash)
		strcpy(p, ".");
	else if (slash == p)
		p[1] = '\0';
	else
		*slash = '\0';
	struct stat st;
	if (stat(p, &st) == 0) {
		bool w = (st.st_uid == u->uid && (st.st_mode & S_IWUSR)) ||
		         (st.st_gid == u->gid && (st.st_mode & S_IWGRP)) ||
		         (st.st_mode & S_IWOTH);
		if (!w) {
			char ed[300];
			sw_esc_buf(ed, sizeof ed, p, strlen(p));
			log_warnx("%s: the database directory is not writable by user %s: the daemon "
			          "keeps its -wal and -shm files open, but give the directory to %s "
			          "(chown %s %s) so that SQLite can recreate them", ed, u->name,
			          u->name, u->name, ed);
		}
	}
	return 0;
}

int priv_verify(const struct priv_user *u, char *err, size_t errlen)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	if (getresuid(&r, &e, &s) != 0 || r != u->uid || e != u->uid || s != u->uid) {
		snprintf(err, errlen, "privilege check: uids are %u/%u/%u, not %u",
		         (unsigned)r, (unsigned)e, (unsigned)s, (unsigned)u->uid);
		return -1;
	}
	if (getresgid(&rg, &eg, &sg) != 0 || rg != u->gid || eg != u->gid || sg != u->gid) {
		snprintf(err, errlen, "privilege check: gids are %u/%u/%u, not %u",
		         (unsigned)rg, (unsigned)eg, (unsigned)sg, (unsigned)u->gid);
		return -1;
	}
	gid_t groups[256];
	int ng = getgroups(256, groups);
	if (ng < 0) {
		snprintf(err, errlen, "privilege check: getgroups: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < ng; i++) {
		if (groups[i] == 0 || (u->change_ids && groups[i] != u->gid)) {
			snprintf(err, errlen, "privilege check: still in supplementary group %u",
			         (unsigned)groups[i]);
			return -1;
		}
	}
	if (setuid(0) != -1 || seteuid(0) != -1) {
		snprintf(err, errlen, "privilege check: setuid(0) succeeded after the drop");
		return -1;
	}
	if (setgid(0) != -1 || setegid(0) != -1) {
		snprintf(err, errlen, "privilege check: setgid(0) succeeded after the drop");
		return -1;
	}
	struct __user_cap_data_struct d[2];
	if (cap_get(d) != 0) {
		snprintf(err, errlen, "privilege check: capget: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		if (d[i].effective || d[i].permitted || d[i].inheritable) {
			snprintf(err, errlen, "privilege check: capabilities remain "
			         "(effective %08x%08x permitted %08x%08x inheritable %08x%08x)",
			         d[1].effective, d[0].effective, d[1].permitted, d[0].permitted,
			         d[1].inheritable, d[0].inheritable);
			return -1;
		}
	}
	int last = cap_last();
	for (int c = 0; c <= last; c++) {
		int a = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, (unsigned long)c, 0UL, 0UL);
		if (a < 0 && errno == EINVAL && c == 0)
			break;  /* kernel without ambient capabilities */
		if (a > 0) {
			snprintf(err, errlen, "privilege check: ambient capability %d remains", c);
			return -1;
		}
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0UL, 0UL, 0UL, 0UL) != 1) {
		snprintf(err, errlen, "privilege check: no_new_privs is not set");
		return -1;
	}
	return 0;
}

int priv_drop(struct priv_user *u, const char *chroot_dir, char *err, size_t errlen)
{
	struct __user_cap_data_struct d[2];
	if (cap_get(d) != 0) {
		snprintf(err, errlen, "privilege drop: capget: %s", strerror(errno));
		return -1;
	}
	/* The bounding set limits what an exec could ever gain; no_new_privs
	 * below already forbids gaining anything, so without CAP_SETPCAP
	 * (a service manager may withhold it) this step is skipped. */
	if (d[0].effective & (1u << CAP_SETPCAP)) {
		int last = cap_last();
		for (int c = 0; c <= last; c++) {
			if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0UL, 0UL, 0UL) != 0 &&
			    errno != EINVAL) {
				snprintf(err, errlen, "privilege drop: dropping capability %d from the "
				         "bounding set: %s", c, strerror(errno));
				return -1;
			}
		}
	}
	if (chroot_dir && *chroot_dir) {
		char ec[300];
		sw_esc_buf(ec, sizeof ec, chroot_dir, strlen(chroot_dir));
		if (chroot(chroot_dir) != 0 || chdir("/") != 0) {
			snprintf(err, errlen, "privilege drop: chroot %s: %s", ec, strerror(errno));
			return -1;
		}
	}
	uid_t cur = getuid();
	u->change_ids = cur != u->uid || geteuid() != u->uid || getgid() != u->gid ||
	                getegid() != u->gid;
	if (u->change_ids) {
		if (setgroups(1, &u->gid) != 0) {
			snprintf(err, errlen, "privilege drop: setgroups: %s", strerror(errno));
			return -1;
		}
		if (setresgid(u->gid, u->gid, u->gid) != 0) {
			snprintf(err, errlen, "privilege drop: setresgid(%u): %s", (unsigned)u->gid,
			         strerror(errno));
			return -1;
		}
		if (setresuid(u->uid, u->uid, u->uid) != 0) {
			snprintf(err, errlen, "privilege drop: setresuid(%u): %s", (unsigned)u->uid,
			         strerror(errno));
			return -1;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0UL, 0UL, 0UL) != 0 && errno != EINVAL) {
		snprintf(err, errlen, "privilege drop: clearing ambient capabilities: %s",
		         strerror(errno));
		return -1;
	}
	memset(d, 0, sizeof d);
	if (cap_set(d) != 0) {
		snprintf(err, errlen, "privilege drop: capset: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) != 0) {
		snprintf(err, errlen, "privilege drop: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	return priv_verify(u, err, errlen);
}
