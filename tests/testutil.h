/*
 * testutil.h - helpers shared by the Check suites.
 */
#ifndef SW_TESTUTIL_H
#define SW_TESTUTIL_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Copy n bytes so that they end exactly at a PROT_NONE guard page: any read
 * past the end faults (picohttpparser's habit).  Free with tu_guard_free.
 */
struct tu_guard {
	uint8_t *map;
	size_t maplen;
	uint8_t *data;
};

static inline struct tu_guard tu_guard_copy(const void *src, size_t n)
{
	struct tu_guard g;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t datapages = (n + pg - 1) / pg;
	if (datapages == 0)
		datapages = 1;
	g.maplen = (datapages + 1) * pg;
	g.map = mmap(NULL, g.maplen, PROT_READ | PROT_WRITE,
	             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(g.map, MAP_FAILED);
	ck_assert_int_eq(mprotect(g.map + datapages * pg, pg, PROT_NONE), 0);
	g.data = g.map + datapages * pg - n;
	if (n)
		memcpy(g.data, src, n);
	return g;
}

static inline void tu_guard_free(struct tu_guard *g)
{
	munmap(g->map, g->maplen);
}

/* Run one suite, return the process exit status. */
static inline int tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Path of the shared corpus, or NULL when ../shared is absent. */
static inline const char *tu_shared(void)
{
	const char *e = getenv("SW_SHARED");
	if (e && *e)
		return access(e, R_OK) == 0 ? e : NULL;
	return access("../shared/pcaps/truth.tsv", R_OK) == 0 ? "../shared" : NULL;
}

#endif
