/*
 * replay_main.c - run a libFuzzer target's corpora without libFuzzer.
 *
 * Linked with one tests/fuzz/fuzz_*.c file in gcc builds (and under the
 * sanitizers), it feeds every file of each directory or file argument to
 * LLVMFuzzerTestOneInput: the corpora and the named crash regressions become
 * a regression test that any compiler runs.  Exits 0 when every input ran,
 * 2 when an argument cannot be read.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path, unsigned long *n)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				fclose(f);
				free(buf);
				return -1;
			}
			buf = nb;
		}
		size_t r = fread(buf + len, 1, cap - len, f);
		if (r == 0)
			break;
		len += r;
	}
	fclose(f);
	/* an exact-size copy, so sanitizers see reads past the end */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		free(buf);
		return -1;
	}
	if (len)
		memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	(*n)++;
	return 0;
}

static int run_path(const char *path, unsigned long *n)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0; /* an absent regress dir is fine */
	if (!S_ISDIR(st.st_mode))
		return run_file(path, n);
	DIR *d = opendir(path);
	if (!d) {
		perror(path);
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char sub[4096];
		if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub)
			continue;
		if (run_path(sub, n) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long n = 0;
	int rc = 0;
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &n) != 0)
			rc = 2;
	fprintf(stderr, "%s: %lu inputs\n", argv[0], n);
	return rc;
}
