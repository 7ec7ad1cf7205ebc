/*
 * util.c - escaping for terminals and JSON, string copy, logging.
 */
#include "daemon/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

int log_verbose;
static const char *log_prog = "stalkerwatch";
static bool log_syslog;

static const char hexd[] = "0123456789abcdef";

/* Escape one byte into out (at least 5 bytes); returns its length. */
static size_t esc_byte(uint8_t c, char *out)
{
	switch (c) {
	case '\\': out[0] = '\\'; out[1] = '\\'; return 2;
	case '\t': out[0] = '\\'; out[1] = 't'; return 2;
	case '\n': out[0] = '\\'; out[1] = 'n'; return 2;
	case '\r': out[0] = '\\'; out[1] = 'r'; return 2;
	default: break;
	}
	if (c >= 0x20 && c < 0x7f) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hexd[c >> 4];
	out[3] = hexd[c & 15];
	return 4;
}

void sw_fput_esc(FILE *f, const void *p, size_t n)
{
	const uint8_t *b = p;
	char e[8];
	for (size_t i = 0; i < n; i++) {
		size_t k = esc_byte(b[i], e);
		fwrite(e, 1, k, f);
	}
}

void sw_fputs_esc(FILE *f, const char *s)
{
	sw_fput_esc(f, s, strlen(s));
}

size_t sw_esc_buf(char *dst, size_t dstlen, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t o = 0;
	char e[8];
	if (dstlen == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = esc_byte(b[i], e);
		if (o + k >= dstlen)
			break;
		memcpy(dst + o, e, k);
		o += k;
	}
	dst[o] = '\0';
	return o;
}

void sw_fput_json(FILE *f, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = b[i];
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c >= 0x20 && c < 0x7f) {
			fputc(c, f);
		} else {
			fprintf(f, "\\u00%c%c", hexd[c >> 4], hexd[c & 15]);
		}
	}
}

bool sw_strlcpy(char *dst, const char *src, size_t dstlen)
{
	size_t n = strlen(src);
	if (dstlen == 0)
		return false;
	if (n >= dstlen) {
		memcpy(dst, src, dstlen - 1);
		dst[dstlen - 1] = '\0';
		return false;
	}
	memcpy(dst, src, n + 1);
	return true;
}

void log_init(const char *progname, bool use_syslog)
{
	if (progname)
		log_prog = progname;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_syslog) {
		if (suffix)
			syslog(pri, "%s: %s", msg, suffix);
		else
			syslog(pri, "%s", msg);
		return;
	}
	if (suffix)
		fprintf(stderr, "%s: %s: %s\n", log_prog, msg, suffix);
	else
		fprintf(stderr, "%s: %s\n", log_prog, msg);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, e);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	if (!log_verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(2);
}

void fatal(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, e);
	va_end(ap);
	exit(2);
}

/* The value of option `lng` at argv[*i]: "--name=v" or "--name v" (also
 * the short form "-x v", when shrt is given).  NULL when argv[*i] is not
 * this option; *missing set when it is but the value is absent. */
const char *sw_opt_val(int argc, char **argv, int *i, const char *lng,
                       const char *shrt, bool *missing)
{
	const char *a = argv[*i];
	size_t l = strlen(lng);
	if (!strncmp(a, lng, l) && a[l] == '=')
		return a + l + 1;
	if (!strcmp(a, lng) || (shrt && !strcmp(a, shrt))) {
		if (*i + 1 >= argc) {
			*missing = true;
			return NULL;
		}
		return argv[++*i];
	}
	return NULL;
}

void sw_cli_err(FILE *errf, const char *cmd, const char *msg, const char *arg)
{
	fprintf(errf, "stalkerwatch %s: ", cmd);
	sw_fputs_esc(errf, msg);
	if (arg) {
		fputs(" '", errf);
		sw_fputs_esc(errf, arg);
		fputc('\'', errf);
	}
	fputc('\n', errf);
}
