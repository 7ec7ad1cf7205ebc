/*
 * bench_ioc.c - the IOC index at scale: load time, memory per rule, and the
 * cost of a lookup from a thousand to a million rules (`make bench`, which
 * builds it as build/bench/bench_ioc and runs it from tests/bench.sh).
 *
 *   bench_ioc [RULES...]        default: 1000 100000 1000000
 *
 * For each size, rules are generated in the native format like the feeds'
 * (three-label c2 host names, one rule in ten an S3 bucket, fifty families
 * interleaved, a comment on every line), written to a file in $TMPDIR and
 * loaded with ioc_set_load(), as `-I FILE` does: reading, sha256, parsing,
 * canonicalisation and the index.  Load time is the median of three loads
 * (process CPU time and wall time).  Memory per rule: the set's own
 * accounting (ioc_set_memory) and the growth of the resident set across the
 * load (/proc/self/statm).
 *
 * Lookups: 16384 distinct queries spread over the whole set (exact hits,
 * subdomain hits, misses, S3 virtual-hosted and path-style requests), each
 * one normalised host as the packet path gives it, cycled 2^20 times.
 * Printed per lookup: hash probes (ioc_match_probes), nanoseconds, and
 * instructions when the kernel lets a process count its own
 * (perf_event_open; "n/a" otherwise, e.g. in most VMs).  The last lines give
 * the ratios largest/smallest and largest/next: probes and instructions say
 * whether the work per lookup grows with the set (flat: 1.00); nanoseconds
 * also show the memory hierarchy (a thousand-rule index sits in the L2
 * cache, a hundred thousand rules do not: from there on, the time is flat
 * too).
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ioc/ioc.h"

#define NQ 16384u
#define ROUNDS (1u << 20)
#define LOADS 3

static double now(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Resident set size in bytes (current, not peak). */
static long rss_bytes(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &res) != 2)
		res = 0;
	fclose(f);
	return res * sysconf(_SC_PAGESIZE);
}

/* A counter of this thread's user-space instructions, or -1. */
static int instr_open(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_HARDWARE;
	a.config = PERF_COUNT_HW_INSTRUCTIONS;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static long long instr_read(int fd)
{
	long long v = 0;
	if (fd < 0 || read(fd, &v, sizeof v) != (ssize_t)sizeof v)
		return -1;
	return v;
}

static unsigned long hx(size_t i)
{
	return (unsigned long)((i * 2654435761u) & 0xffffff);
}

/* The rule file for n rules. */
static int write_rules(const char *path, size_t n)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "# stalkerwatch bench rules: %zu generated\n", n);
	for (size_t i = 0; i < n; i++) {
		if (i % 10 == 9)
			fprintf(f, "s3:bkt-%zu Fam%zu # bench c2 bucket\n", i, i % 50);
		else
			fprintf(f, "h%zu.d%lx.example%zu.com Fam%zu # bench c2.domains\n", i, hx(i),
			        i % 1000, i % 50);
	}
	return fclose(f);
}

/* One cache line per query: the host a lookup gets comes from a packet
 * just parsed, hot in the cache; what is measured is the index. */
struct query {
	char host[44];
	char path[18];
	uint8_t hl, pl;
} __attribute__((aligned(64)));

static void make_queries(struct query *q, size_t n)
{
	for (size_t k = 0; k < NQ; k++) {
		size_t i = (k * 7919u + k / 7) % n;
		size_t b = i / 10 * 10 + 9; /* a bucket rule */
		if (b >= n)
			b = 9;
		q[k].path[0] = '\0';
		switch (k % 5) {
		case 0: /* exact hit (or a bucket name as a host: a miss) */
			snprintf(q[k].host, sizeof q[k].host, "h%zu.d%lx.example%zu.com", i, hx(i),
			         i % 1000);
			break;
		case 1: /* subdomain hit */
			snprintf(q[k].host, sizeof q[k].host, "cdn.h%zu.d%lx.example%zu.com", i, hx(i),
			         i % 1000);
			break;
		case 2: /* miss, four labels */
			snprintf(q[k].host, sizeof q[k].host, "cdn.a%zu.miss%zu.example.org", k, i);
			break;
		case 3: /* S3 virtual-hosted */
			snprintf(q[k].host, sizeof q[k].host, "bkt-%u.s3.eu-west-1.amazonaws.com",
			         (unsigned)b);
			break;
		default: /* S3 path-style */
			snprintf(q[k].host, sizeof q[k].host, "s3.amazonaws.com");
			snprintf(q[k].path, sizeof q[k].path, "/bkt-%u/k", (unsigned)b);
			break;
		}
		q[k].hl = (uint8_t)strlen(q[k].host);
		q[k].pl = (uint8_t)strlen(q[k].path);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct result {
	size_t n;
	double cpu, wall, cpu_max;
	double b_index, b_rss;
	double probes, ns, instr;
};

static int run(size_t n, const char *dir, struct query *q, struct result *r)
{
	char path[512];
	snprintf(path, sizeof path, "%s/bench-ioc-%zu.rules", dir, n);
	if (write_rules(path, n) != 0) {
		fprintf(stderr, "bench_ioc: %s: %s\n", path, strerror(errno));
		return -1;
	}
	const char *files[] = { path };
	char err[512];
	double cpu[LOADS], wall[LOADS];
	struct ioc_set *s = NULL;
	for (int l = 0; l < LOADS; l++) {
		if (s)
			ioc_set_free(s);
		long rss0 = rss_bytes();
		double c0 = now(CLOCK_PROCESS_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC);
		s = ioc_set_load(files, 1, NULL, err, sizeof err);
		cpu[l] = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
		wall[l] = now(CLOCK_MONOTONIC) - w0;
		if (!s) {
			fprintf(stderr, "bench_ioc: %s\n", err);
			unlink(path);
			return -1;
		}
		r->b_rss = (double)(rss_bytes() - rss0) / (double)n;
	}
	unlink(path);
	if (ioc_set_count(s) != n) {
		fprintf(stderr, "bench_ioc: %zu rules loaded, %zu written\n", ioc_set_count(s), n);
		ioc_set_free(s);
		return -1;
	}
	qsort(cpu, LOADS, sizeof cpu[0], cmp_double);
	qsort(wall, LOADS, sizeof wall[0], cmp_double);
	r->n = n;
	r->cpu = cpu[LOADS / 2];
	r->cpu_max = cpu[LOADS - 1];
	r->wall = wall[LOADS / 2];
	r->b_index = (double)ioc_set_memory(s) / (double)n;

	make_queries(q, n);
	struct ioc_match m[SW_IOC_MATCH_MAX];
	unsigned long long probes = 0, found = 0;
	for (unsigned k = 0; k < NQ; k++) { /* warm up, count probes and hits */
		unsigned p;
		found += ioc_match_probes(s, q[k].host, q[k].hl, q[k].path, q[k].pl, m,
		                          SW_IOC_MATCH_MAX, &p);
		probes += p;
	}
	if (found < NQ / 2) {
		fprintf(stderr, "bench_ioc: only %llu of %u queries matched\n", found, NQ);
		ioc_set_free(s);
		return -1;
	}
	int fd = instr_open();
	if (fd >= 0) {
		ioctl(fd, PERF_EVENT_IOC_RESET, 0);
		ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	}
	double t0 = now(CLOCK_PROCESS_CPUTIME_ID);
	size_t sink = 0;
	for (unsigned k = 0; k < ROUNDS; k++) {
		const struct query *x = &q[k & (NQ - 1)];
		sink += ioc_match(s, x->host, x->hl, x->path, x->pl, m, SW_IOC_MATCH_MAX);
	}
	double t1 = now(CLOCK_PROCESS_CPUTIME_ID);
	long long ins = -1;
	if (fd >= 0) {
		ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
		ins = instr_read(fd);
		close(fd);
	}
	if (sink == 0)
		fprintf(stderr, "bench_ioc: no match at all\n");
	r->probes = (double)probes / NQ;
	r->ns = (t1 - t0) * 1e9 / ROUNDS;
	r->instr = ins > 0 ? (double)ins / ROUNDS : -1;
	ioc_set_free(s);
	return 0;
}

int main(int argc, char **argv)
{
	size_t sizes[8] = { 1000, 100000, 1000000 };
	size_t ns = 3;
	if (argc > 1) {
		ns = 0;
		for (int i = 1; i < argc && ns < 8; i++)
			sizes[ns++] = strtoul(argv[i], NULL, 10);
	}
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	struct query *q = aligned_alloc(64, NQ * sizeof *q);
	struct result res[8];
	if (!q)
		return 1;
	printf("IOC index: generated native rules (3-label c2 hosts, 1 in 10 an S3 bucket), "
	       "loaded from a file\n");
	printf("%9s %10s %10s %11s %11s %10s %10s %10s %10s\n", "rules", "load_cpu_s", "load_wall_s",
	       "(max cpu)", "B/rule_set", "B/rule_rss", "probes/lk", "ns/lookup", "instr/lk");
	for (size_t i = 0; i < ns; i++) {
		if (sizes[i] < 10 || run(sizes[i], dir, q, &res[i]) != 0) {
			free(q);
			return 1;
		}
		struct result *r = &res[i];
		char ins[32], rss[32];
		/* a small set fits in heap memory the process already has */
		if (r->b_rss * (double)r->n >= 1048576)
			snprintf(rss, sizeof rss, "%.1f", r->b_rss);
		else
			snprintf(rss, sizeof rss, "(<1 MiB)");
		if (r->instr >= 0)
			snprintf(ins, sizeof ins, "%.0f", r->instr);
		else
			snprintf(ins, sizeof ins, "n/a");
		printf("%9zu %10.3f %10.3f %11.3f %11.1f %10s %10.2f %10.1f %10s\n", r->n, r->cpu,
		       r->wall, r->cpu_max, r->b_index, rss, r->probes, r->ns, ins);
		fflush(stdout);
	}
	/* the largest against the smallest, and against the one before it */
	for (size_t k = 0; ns >= 2 && k < (ns >= 3 ? 2u : 1u); k++) {
		const struct result *a = &res[k == 0 ? 0 : ns - 2], *z = &res[ns - 1];
		printf("lookup cost, %zu rules / %zu rules: probes x%.2f, ns x%.2f", z->n, a->n,
		       z->probes / a->probes, z->ns / a->ns);
		if (a->instr > 0 && z->instr > 0)
			printf(", instructions x%.2f", z->instr / a->instr);
		else
			printf(", instructions n/a (no counter here)");
		printf("  (flat: 1.00)\n");
	}
	free(q);
	return 0;
}
