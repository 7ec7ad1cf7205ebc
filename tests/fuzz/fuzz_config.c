/*
 * fuzz_config.c - libFuzzer target for the `run` configuration
 * (daemon/config.c): the config file parser and the command-line parser.
 *
 * Input: a config file, given to conf_load_buf() on top of the defaults;
 * or, when the first byte is NUL, a command line: the rest split at NUL
 * bytes into at most 64 arguments for conf_parse_args() (an argument that
 * would name a config file to read, -c / --config, is replaced by -n, so
 * that nothing is read from the file system).
 *
 * Checked: a failed parse says why (a non-empty message that names the
 * file and line, or the flag), a successful one leaves every number within
 * its option's bounds, and conf_dump() prints nothing but printable ASCII
 * lines whatever bytes the values hold.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_ARGS 64

static void check_dump(const struct sw_config *c)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	if (!f)
		abort();
	conf_dump(c, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if ((out[i] < 0x20 && out[i] != '\n') || (unsigned char)out[i] >= 0x7f)
			abort(); /* a raw byte from the input reached the output */
	free(out);
}

static void check_bounds(const struct sw_config *c)
{
	for (const struct conf_opt *o = conf_opts; o->name; o++) {
		const char *base = (const char *)c;
		if (o->type == CT_U32) {
			uint32_t v = *(const uint32_t *)(const void *)(base + o->off);
			if (v < o->min || v > o->max)
				abort();
		} else if (o->type == CT_LIST) {
			const struct conf_list *l = (const struct conf_list *)(const void *)(base + o->off);
			if (l->n > o->max)
				abort();
			for (size_t i = 0; i < l->n; i++)
				if (!l->v[i] || !l->v[i][0])
					abort();
		} else if (o->type == CT_STR) {
			if (!*(char *const *)(const void *)(base + o->off))
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_config c;
	char err[512];
	int rc;

	if (conf_init(&c) != 0)
		abort();
	err[0] = '\0';
	if (size && data[0] == 0) {
		/* a command line */
		char *buf = malloc(size); /* data[1..] and a final NUL */
		char *argv[FZ_ARGS + 1];
		int argc = 0;
		if (!buf)
			abort();
		memcpy(buf, data + 1, size - 1);
		buf[size - 1] = '\0';
		argv[argc++] = (char *)(uintptr_t)"run";
		for (size_t i = 0; i < size - 1 && argc < FZ_ARGS; ) {
			char *a = buf + i;
			size_t l = strlen(a);
			if (!strncmp(a, "-c", 2) || !strncmp(a, "--config", 8) ||
			    !strncmp(a, "--co", 4))
				a = (char *)(uintptr_t)"-n";
			argv[argc++] = a;
			i += l + 1;
		}
		argv[argc] = NULL;
		rc = conf_parse_args(&c, argc, argv, err, sizeof err);
		if (rc != 0 && err[0] == '\0')
			abort();
		if (rc == 0 && !c.help)
			check_bounds(&c);
		free(buf);
	} else {
		/* a config file, as an exact-size copy */
		char *buf = malloc(size ? size : 1);
		if (!buf)
			abort();
		memcpy(buf, data, size);
		rc = conf_load_buf(&c, "fuzz.conf", buf, size, err, sizeof err);
		free(buf);
		if (rc != 0 && strncmp(err, "fuzz.conf:", 10) != 0)
			abort(); /* every file error names file:line */
		if (rc == 0)
			check_bounds(&c);
	}
	check_dump(&c);
	conf_free(&c);
	return 0;
}
