/*
 * util.h - small helpers shared by every module that prints or logs.
 */
#ifndef SW_UTIL_H
#define SW_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Write n bytes to f so that a terminal shows them literally: printable
 * ASCII as is except backslash ("\\"); tab, CR, LF as \t \r \n; every other
 * byte (controls, ESC, DEL, NUL, bytes >= 0x80) as \xHH.  A hostname or URI
 * from the wire can carry escape sequences: everything printed that came
 * from packets or files goes through here (or sw_esc_json for JSON).
 */
void sw_fput_esc(FILE *f, const void *p, size_t n);
/* Same for a NUL-terminated string. */
void sw_fputs_esc(FILE *f, const char *s);

/* Write n bytes as the inside of a JSON string (RFC 8259 escapes, and \u00XX
 * for every control and non-ASCII byte, so the output is always ASCII). */
void sw_fput_json(FILE *f, const void *p, size_t n);

/* Escape into a buffer as sw_fput_esc does; always NUL-terminates; returns
 * the length written (truncated output ends cleanly, never mid-escape). */
size_t sw_esc_buf(char *dst, size_t dstlen, const void *p, size_t n);

/* Copy at most dstlen-1 bytes and NUL-terminate; returns true if it all fit. */
bool sw_strlcpy(char *dst, const char *src, size_t dstlen);

/* A subcommand's option with a value at argv[*i]: "--name=v", "--name v"
 * or "-x v" (shrt may be NULL).  NULL when argv[*i] is another option;
 * *missing when the value is absent.  Advances *i past a separate value. */
const char *sw_opt_val(int argc, char **argv, int *i, const char *lng,
                       const char *shrt, bool *missing);

/* A subcommand's error on errf: "stalkerwatch CMD: MSG 'ARG'" (ARG may be
 * NULL), MSG and ARG escaped. */
void sw_cli_err(FILE *errf, const char *cmd, const char *msg, const char *arg);

/* Logging.  Foreground: stderr, "stalkerwatch: " prefix.  After
 * log_to_syslog(true): syslog.  Messages are printf formats; arguments that
 * came from the wire must be escaped by the caller first. */
void log_init(const char *progname, bool use_syslog);
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* appends strerror(errno) */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn)); /* exit 2 */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));  /* + strerror, exit 2 */
extern int log_verbose;

#endif
