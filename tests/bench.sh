#!/bin/sh
# bench.sh - `make bench`: stalkerwatch's replay throughput as a ratio to
# libpcap's raw read speed (pcap-read-floor) on the same file, in the same
# run, plus peak memory, and how many of the workload's IOC events became
# hits, and what nDPI costs (the same replay with --no-ndpi, interleaved:
# the ratio of their medians).  Workload: ../shared/bench/gen-traffic
# (deterministic), with its own IOC list loaded as rules.  Absolute times on
# a shared machine drift; the ratio of medians from interleaved rounds is
# what to compare.
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
	BUILD=$BUILD sh tests/bench-ioc.sh  # needs nothing from ../shared
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
t_floor=""; t_sw=""; t_hn=""; t_nd=""; rss=0; rss_nd=0
for i in $(seq "$reps"); do
	a=$(now); "$BUILD/bench/pcap-read-floor" "$pcap" >/dev/null; b=$(now)
	t_floor="$t_floor $(echo "$b - $a" | bc)"
	rm -f "$dir/hits.db" "$dir/hits.db-wal" "$dir/hits.db-shm"
	a=$(now)
	/usr/bin/time -f %M -o "$dir/rss" "$bin" replay -q -I "$dir/rules.txt" -d "$dir/hits.db" "$pcap" 2>"$dir/replay.log"
	b=$(now)
	t_sw="$t_sw $(echo "$b - $a" | bc)"
	r=$(cat "$dir/rss"); [ "$r" -gt "$rss" ] && rss=$r
	# the same without nDPI (--no-ndpi): what nDPI costs (docs/enrichment.md)
	rm -f "$dir/hits-nondpi.db" "$dir/hits-nondpi.db-wal" "$dir/hits-nondpi.db-shm"
	a=$(now)
	/usr/bin/time -f %M -o "$dir/rss-nondpi" "$bin" replay -q --no-ndpi -I "$dir/rules.txt" \
		-d "$dir/hits-nondpi.db" "$pcap" 2>"$dir/replay-nondpi.log"
	b=$(now)
	t_nd="$t_nd $(echo "$b - $a" | bc)"
	r=$(cat "$dir/rss-nondpi"); [ "$r" -gt "$rss_nd" ] && rss_nd=$r
done
median() { echo "$@" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mf=$(median $t_floor); ms=$(median $t_sw); mn=$(median $t_nd)
size=$(stat -c %s "$pcap")
pkts=$("$BUILD/bench/pcap-read-floor" "$pcap" | sed -n 's/.*packets=\([0-9]*\).*/\1/p')
echo "workload: $pcap ($size bytes, $pkts packets), $reps rounds"
printf 'pcap-read-floor   median %8.3f s  %8.1f MB/s\n' "$mf" "$(echo "$size / $mf / 1000000" | bc -l)"
printf 'stalkerwatch      median %8.3f s  %8.1f MB/s  peak RSS %d KB\n' "$ms" "$(echo "$size / $ms / 1000000" | bc -l)" "$rss"
printf 'ratio stalkerwatch/floor throughput: %.3f\n' "$(echo "$mf / $ms" | bc -l)"
printf 'without nDPI      median %8.3f s  %8.1f MB/s  peak RSS %d KB (--no-ndpi)\n' "$mn" "$(echo "$size / $mn / 1000000" | bc -l)" "$rss_nd"
printf 'ratio nDPI on/off time: %.3f (nDPI costs %.1f%% of the run, +%d KB RSS)\n' "$(echo "$ms / $mn" | bc -l)" "$(echo "($ms - $mn) * 100 / $ms" | bc -l)" "$((rss - rss_nd))"

# Detection on the workload: events in the truth file against hit counts.
truth_sni=$(awk '$1 == "sni"' "$pcap.truth" | wc -l)
truth_dns=$(awk '$1 == "dns"' "$pcap.truth" | wc -l)
truth_http=$(awk '$1 == "http" || $1 == "s3path"' "$pcap.truth" | wc -l)
got() { sqlite3 "$dir/hits.db" "select coalesce(sum(count),0) from hits where kind='$1'"; }
echo "IOC events in the truth file / hits recorded (events):"
echo "  sni  $truth_sni / $(got sni)"
echo "  dns  $truth_dns / $(got dns)"
echo "  http $truth_http / $(got http)"

# ---- nDPI (docs/enrichment.md) ----------------------------------------------
# Its start-up (the module's host and address tables) is paid once; its
# per-flow cost shows on many short flows.  Start-up: a replay of a tiny
# capture with and without nDPI.  Then a flow-heavy workload (BENCH_NDPI_BYTES,
# default 50M; ~40x the flows per byte of the main one), interleaved rounds,
# the ratio of medians with the start-up taken out, and the cost per flow.
nbytes=${BENCH_NDPI_BYTES:-50M}
npcap=$dir/bench-ndpi-$nbytes.pcap
if [ ! -s "$npcap" ]; then
	"$BUILD/bench/gen-traffic" --bytes "$nbytes" --flows-per-sec 4000 --size-scale 0.02 \
		--hit-rate 0.01 --seed 7 -o "$npcap" --truth "$npcap.truth" 2>"$dir/gen-ndpi.log"
fi
tiny=pcaps/dns.pcap
t_on=""; t_off=""; s_on=""; s_off=""
for i in $(seq "$reps"); do
	a=$(now); "$bin" replay -q --hostnames "$tiny" >/dev/null; b=$(now)
	s_on="$s_on $(echo "$b - $a" | bc)"
	a=$(now); "$bin" replay -q --no-ndpi --hostnames "$tiny" >/dev/null; b=$(now)
	s_off="$s_off $(echo "$b - $a" | bc)"
	a=$(now); "$bin" replay -q -I "$dir/rules.txt" "$npcap" >/dev/null 2>&1; b=$(now)
	t_on="$t_on $(echo "$b - $a" | bc)"
	a=$(now); "$bin" replay -q --no-ndpi -I "$dir/rules.txt" "$npcap" >/dev/null 2>&1; b=$(now)
	t_off="$t_off $(echo "$b - $a" | bc)"
done
"$bin" replay -I "$dir/rules.txt" "$npcap" 2>"$dir/ndpi-summary.log" >/dev/null || true
nflows=$(sed -n 's/.*, flows \([0-9]*\) .*/\1/p' "$dir/ndpi-summary.log")
msn=$(median $s_on); msf=$(median $s_off); mon=$(median $t_on); mof=$(median $t_off)
startup=$(echo "$msn - $msf" | bc -l)
echo "nDPI:"
printf '  start-up          %8.3f s (replay of %s: %.3f s with, %.3f s without)\n' "$startup" "$tiny" "$msn" "$msf"
printf '  flow-heavy        %s (%s bytes, %s flows)\n' "$npcap" "$(stat -c %s "$npcap")" "$nflows"
printf '    with nDPI       median %8.3f s\n' "$mon"
printf '    without         median %8.3f s\n' "$mof"
printf '  ratio nDPI on/off, start-up taken out: %.3f; %.2f us per flow\n' \
	"$(echo "($mon - $startup) / $mof" | bc -l)" \
	"$(echo "($mon - $startup - $mof) * 1000000 / $nflows" | bc -l)"
sed -n 's/^ndpi: /  /p' "$dir/ndpi-summary.log"

# ---- IOC rules at scale: load time, bytes per rule, lookup cost ------------
BUILD=$BUILD sh tests/bench-ioc.sh
