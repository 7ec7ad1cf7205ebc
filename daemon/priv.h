/*
 * priv.h - dropping privileges once everything is open.
 *
 * `run` opens its capture handles, database and log as root (or with
 * CAP_NET_RAW), then calls priv_drop: optional chroot, the target user's
 * uid/gid and only its primary group, no capability in any set (effective,
 * permitted, inheritable, ambient; the bounding set too when CAP_SETPCAP
 * allows), PR_SET_NO_NEW_PRIVS.  Then priv_verify checks all of it,
 * including that setuid(0) fails.  Every failure is reported with its
 * reason and is fatal for the caller.  Must run before any thread starts
 * (capabilities are per thread).
 */
#ifndef SW_PRIV_H
#define SW_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct priv_user {
	uid_t uid;
	gid_t gid;
	char name[64];
	bool change_ids;   /* filled by priv_drop: uid/gid were changed */
};

/* Look the user up (name, or a numeric uid).  Refuses uid 0.  0, or -1 with
 * err. */
int priv_lookup(const char *user, struct priv_user *u, char *err, size_t errlen);

/*
 * As root, BEFORE the database is opened: create the database file empty
 * when absent, and give it and its -wal, -shm and -journal files to u
 * (opened with O_NOFOLLOW, regular files with one link only: a symlink or
 * hard link planted by the user is refused); warn when the directory is not
 * writable by u (SQLite could not recreate -wal/-shm there after the drop;
 * the daemon keeps them open, so it goes on).  SQLite running as root gives
 * the -wal and -shm it creates later the database file's owner.
 *
 * It must run before db_open: closing any descriptor of a file drops every
 * POSIX lock the process holds on it, and SQLite's locks on an open
 * database are what tell other connections that it is in use (a reader
 * that closes would otherwise checkpoint and delete the WAL under us).
 * Nothing is done when not root or when u is the current user.  0, or -1
 * with err.
 */
int priv_prepare_db(const char *dbpath, const struct priv_user *u,
                    char *err, size_t errlen);

/*
 * chroot to chroot_dir (NULL or "" none) and drop to u, clear every
 * capability, set no_new_privs, then priv_verify.  0, or -1 with err
 * naming the step that failed.
 */
int priv_drop(struct priv_user *u, const char *chroot_dir, char *err, size_t errlen);

/* Check the drop: real, effective and saved uid and gid are u's, no
 * supplementary group 0 (only u's group after a change), setuid(0) and
 * setgid(0) fail, no capability in any set, no ambient capability,
 * no_new_privs set.  0, or -1 with err saying what is wrong. */
int priv_verify(const struct priv_user *u, char *err, size_t errlen);

#endif
