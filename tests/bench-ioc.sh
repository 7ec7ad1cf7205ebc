#!/bin/sh
# bench-ioc.sh - the IOC part of `make bench` (tests/bench.sh runs it last,
# also when ../shared/bench is absent): how the rule index scales.
#
#   1. $BUILD/bench/bench_ioc (tests/bench_ioc.c, built by `make bench`):
#      load time (CPU and wall, median of 3), bytes per rule (the index's
#      own accounting and the resident-set growth) for 1k, 100k and 1M
#      generated native rules, and the cost of a lookup (hash probes,
#      nanoseconds, instructions where the machine can count them) with the
#      ratio 1M/1k: flat is 1.00.
#   2. The whole command on the 1M-rule file, as a user runs it:
#      `stalkerwatch ioc check -I FILE`, wall and CPU time, peak RSS.
#
#   BENCH_IOC_SIZES (default "1000 100000 1000000")
set -eu
BUILD=${BUILD:-build}
bin=$BUILD/stalkerwatch
bench=$BUILD/bench/bench_ioc
sizes=${BENCH_IOC_SIZES:-1000 100000 1000000}
if [ ! -x "$bench" ]; then
	echo "bench-ioc: $bench is not built (make bench builds it)"
	exit 1
fi
echo "---- IOC rules at scale (tests/bench_ioc.c) ----"
# shellcheck disable=SC2086  # a list of sizes
"$bench" $sizes

# the same million rules through the command line, end to end
max=0
for n in $sizes; do [ "$n" -gt "$max" ] && max=$n; done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-ioc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
awk -v n="$max" 'BEGIN {
	print "# stalkerwatch bench rules"
	for (i = 0; i < n; i++)
		if (i % 10 == 9) printf "s3:bkt-%d Fam%d # bench c2 bucket\n", i, i % 50
		else printf "h%d.d%x.example%d.com Fam%d # bench c2.domains\n", i, (i * 2654435761) % 16777216, i % 1000, i % 50
}' >"$tmp/rules"
for i in 1 2 3; do
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/t$i" "$bin" ioc check -I "$tmp/rules" >"$tmp/out"
done
sort -n "$tmp/t1" "$tmp/t2" "$tmp/t3" | sed -n 2p | {
	read -r wall user sys rss
	printf 'stalkerwatch ioc check -I (%s rules, %s bytes): median wall %s s, CPU %.2f s (user %s + sys %s), peak RSS %d KB\n' \
		"$(sed -n 's/^\([0-9]*\) rules$/\1/p' "$tmp/out")" "$(stat -c %s "$tmp/rules")" \
		"$wall" "$(echo "$user + $sys" | bc -l)" "$user" "$sys" "$rss"
}
