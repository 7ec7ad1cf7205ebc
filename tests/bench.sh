#!/bin/sh
# bench.sh - `make bench`: stalkerwatch's replay throughput as a ratio to
# libpcap's raw read speed (pcap-read-floor) on the same file, in the same
# run, plus peak memory, and how many of the workload's IOC events became
# hits.  Workload: ../shared/bench/gen-traffic (deterministic), with its own
# IOC list loaded as rules.  Absolute times on a shared machine drift; the
# ratio of medians from interleaved rounds is what to compare.
#
#   BENCH_BYTES (default 300M)  workload size    BENCH_REPS (default 5)
#   BENCH_DIR (default /tmp/stalkerwatch-bench)  where the pcap is kept
set -eu
BUILD=${BUILD:-build}
shared=${SW_SHARED:-../shared}
bytes=${BENCH_BYTES:-300M}
reps=${BENCH_REPS:-5}
dir=${BENCH_DIR:-/tmp/stalkerwatch-bench}
bin=$BUILD/stalkerwatch
if [ ! -f "$shared/bench/gen-traffic.c" ]; then
	echo "bench: SKIPPED: $shared/bench not present"
	exit 0
fi
mkdir -p "$dir" "$BUILD/bench"
cc -O2 -o "$BUILD/bench/gen-traffic" "$shared/bench/gen-traffic.c" -lm
cc -O2 -o "$BUILD/bench/pcap-read-floor" "$shared/bench/pcap-read-floor.c" -lpcap
pcap=$dir/bench-$bytes.pcap
if [ ! -s "$pcap" ] || [ ! -s "$pcap.truth" ]; then
	"$BUILD/bench/gen-traffic" --bytes "$bytes" --hit-rate 0.01 --seed 42 -o "$pcap" --truth "$pcap.truth" 2>"$dir/gen.log"
fi
# The generator's IOC list as rules: every entry a domain rule (host and
# subdomains), exactly the generator's truth semantics.
"$BUILD/bench/gen-traffic" --list-ioc | awk 'NF && $1 !~ /^#/ { print $1, "bench", "gen-traffic list" }' > "$dir/rules.txt"

now() { date +%s.%N; }
t_floor=""; t_sw=""; t_hn=""; rss=0
for i in $(seq "$reps"); do
	a=$(now); "$BUILD/bench/pcap-read-floor" "$pcap" >/dev/null; b=$(now)
	t_floor="$t_floor $(echo "$b - $a" | bc)"
	rm -f "$dir/hits.db" "$dir/hits.db-wal" "$dir/hits.db-shm"
	a=$(now)
	/usr/bin/time -f %M -o "$dir/rss" "$bin" replay -q -I "$dir/rules.txt" -d "$dir/hits.db" "$pcap"
	b=$(now)
	t_sw="$t_sw $(echo "$b - $a" | bc)"
	r=$(cat "$dir/rss"); [ "$r" -gt "$rss" ] && rss=$r
done
median() { echo "$@" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mf=$(median $t_floor); ms=$(median $t_sw)
size=$(stat -c %s "$pcap")
pkts=$("$BUILD/bench/pcap-read-floor" "$pcap" | sed -n 's/.*packets=\([0-9]*\).*/\1/p')
echo "workload: $pcap ($size bytes, $pkts packets), $reps rounds"
printf 'pcap-read-floor   median %8.3f s  %8.1f MB/s\n' "$mf" "$(echo "$size / $mf / 1000000" | bc -l)"
printf 'stalkerwatch      median %8.3f s  %8.1f MB/s  peak RSS %d KB\n' "$ms" "$(echo "$size / $ms / 1000000" | bc -l)" "$rss"
printf 'ratio stalkerwatch/floor throughput: %.3f\n' "$(echo "$mf / $ms" | bc -l)"

# Detection on the workload: events in the truth file against hit counts.
truth_sni=$(awk '$1 == "sni"' "$pcap.truth" | wc -l)
truth_dns=$(awk '$1 == "dns"' "$pcap.truth" | wc -l)
truth_http=$(awk '$1 == "http" || $1 == "s3path"' "$pcap.truth" | wc -l)
got() { sqlite3 "$dir/hits.db" "select coalesce(sum(count),0) from hits where kind='$1'"; }
echo "IOC events in the truth file / hits recorded (events):"
echo "  sni  $truth_sni / $(got sni)"
echo "  dns  $truth_dns / $(got dns)"
echo "  http $truth_http / $(got http)"
