/*
 * bench_ioc.c - IOC index: load time, memory per rule, lookup cost from a
 * thousand to a million rules.
 *
 *   make build/libsw.a
 *   cc -O2 -std=c11 -D_GNU_SOURCE -I. tests/bench_ioc.c build/libsw.a \
 *      $(pkg-config --libs libcrypto yaml-0.1) -lpthread -o build/bench_ioc
 *   ./build/bench_ioc [max_rules]
 *
 * Rules are generated in the native format like the feeds' (3-label c2
 * hosts, one in ten an S3 bucket); lookups mix hits, subdomain hits, misses,
 * S3 virtual-hosted and path-style requests.  Prints CPU seconds to load,
 * bytes per rule (the set's own accounting and the process's peak RSS
 * growth), probes and nanoseconds per lookup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ioc/ioc.h"

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
	size_t maxn = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	printf("%9s %8s %10s %10s %8s %9s\n", "rules", "load_s", "B/rule", "rss_B/rule",
	       "probes", "ns/lookup");
	for (size_t n = 1000; n <= maxn; n *= 10) {
		size_t cap = n * 48 + 64, o = 0;
		char *buf = malloc(cap);
		for (size_t i = 0; i < n; i++) {
			if (i % 10 == 9)
				o += (size_t)snprintf(buf + o, cap - o, "s3:bkt-%zu Fam%zu c2\n", i, i % 50);
			else
				o += (size_t)snprintf(buf + o, cap - o, "h%zu.d%zx.example%zu.com Fam%zu c2\n",
				                      i, (i * 2654435761u) & 0xffffff, i % 1000, i % 50);
		}
		long rss0 = rss_kb();
		char err[512];
		double t0 = cpu_now();
		struct ioc_set *s = ioc_set_load_mem(buf, o, "bench", NULL, err, sizeof err);
		double t1 = cpu_now();
		if (!s) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		long rss1 = rss_kb();
		free(buf);
		/* lookups */
		char hosts[64][96], paths[64][32];
		for (int q = 0; q < 64; q++) {
			size_t i = ((size_t)q * 7919u) % n;
			paths[q][0] = '\0';
			switch (q % 4) {
			case 0: snprintf(hosts[q], 96, "h%zu.d%zx.example%zu.com", i,
			                 (i * 2654435761u) & 0xffffff, i % 1000); break;
			case 1: snprintf(hosts[q], 96, "cdn.a.b.miss%d.example.org", q); break;
			case 2: snprintf(hosts[q], 96, "bkt-%zu.s3.eu-west-1.amazonaws.com", i / 10 * 10 + 9); break;
			default: snprintf(hosts[q], 96, "s3.amazonaws.com");
			         snprintf(paths[q], 32, "/bkt-%zu/k.jpg", i / 10 * 10 + 9); break;
			}
		}
		struct ioc_match m[16];
		unsigned long probes = 0, found = 0;
		const int rounds = 200000;
		double l0 = cpu_now();
		for (int r = 0; r < rounds; r++) {
			int q = r & 63;
			unsigned p;
			found += ioc_match_probes(s, hosts[q], strlen(hosts[q]), paths[q],
			                          strlen(paths[q]), m, 16, &p);
			probes += p;
		}
		double l1 = cpu_now();
		printf("%9zu %8.3f %10.1f %10.1f %8.2f %9.1f   (%lu found)\n", n, t1 - t0,
		       (double)ioc_set_memory(s) / (double)n,
		       (double)(rss1 - rss0) * 1024.0 / (double)n, (double)probes / rounds,
		       (l1 - l0) * 1e9 / rounds, found);
		ioc_set_free(s);
	}
	return 0;
}
