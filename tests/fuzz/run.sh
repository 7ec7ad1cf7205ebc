#!/bin/sh
# run.sh - build every libFuzzer target (tests/fuzz/fuzz_*.c) with clang and
# run each for FUZZ_SECONDS (`make fuzz`; docs/hardening.md).
#
#   FUZZ_SECONDS=60     seconds per target (default 60)
#   FUZZ_TARGETS="tls dns"   only these targets (default: every fuzz_*.c)
#   BUILD=build/fuzz    where the instrumented objects, binaries, grown
#                       corpora and crash artifacts go
#   CC=clang            a clang with libFuzzer (clang-14 or later)
#
# The library sources are compiled once with
# -fsanitize=fuzzer-no-link,address,undefined (through the Makefile, so the
# file list and pkg-config flags are the Makefile's) into $BUILD/libsw.a;
# each target is then linked with -fsanitize=fuzzer,address,undefined.
#
# Each target reads its seed corpus tests/fuzz/corpus/NAME and its crash
# regressions tests/fuzz/regress/NAME (read-only: nothing is written into
# the repository) and writes what it finds new into $BUILD/corpus-NAME,
# which is kept between runs.  Crash, leak, timeout and out-of-memory
# inputs go to $BUILD/crashes/NAME-*; the log of each run to
# $BUILD/log-NAME.txt; one summary line per target to $BUILD/results.txt
# (appended, with the date: the history of how long each ran clean).
#
# Exit status: 0 every target ran its time without a finding; 1 a target
# found something (the others still ran); 2 the build failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
CC=${CC:-clang}
case $CC in cc|gcc*|*/gcc*) CC=clang ;; esac
SAN=-fsanitize=fuzzer,address,undefined

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "run.sh: $CC not found: make fuzz needs clang with libFuzzer (apt-get install clang)" >&2
	exit 2
fi

# -max_len per target: the largest input that can still reach something new.
max_len() {
	case $1 in
	decode) echo 65600 ;;  # one frame up to 64 KB, or a sequence of fragments
	tls) echo 20000 ;;     # a hello over records, up to SW_REASM_BYTES + slack
	http) echo 20000 ;;    # a request head up to SW_HTTP_HEAD_MAX + slack
	dns) echo 4096 ;;      # pointers reach back 16 KB, but names are short
	dhcp) echo 1500 ;;     # one BOOTP message in a datagram
	quic) echo 8192 ;;     # a few Initial datagrams
	ioc) echo 16384 ;;     # enough for several formats' nesting and long lines
	reasm) echo 20000 ;;   # several segments of several flows (a hello is < 16 KB)
	config) echo 8192 ;;   # a config file
	resolve) echo 4096 ;;  # a DNS answer
	devices) echo 1500 ;;  # a DHCP message in a datagram
	dualuse) echo 8192 ;;  # a user's dual-use list
	*) echo 8192 ;;
	esac
}

echo "fuzz: building the library with $CC into $BUILD"
mkdir -p "$BUILD"
if ! make -s SANITIZE=1 CC="$CC" BUILD="$BUILD" \
	CFLAGS="-fsanitize=fuzzer-no-link -Wno-error -Wno-unknown-warning-option" \
	"$BUILD/libsw.a" >"$BUILD/build.log" 2>&1; then
	cat "$BUILD/build.log" >&2
	echo "run.sh: building $BUILD/libsw.a failed" >&2
	exit 2
fi
rm -f "$BUILD/build.log"
PKG_CFLAGS=$(pkg-config --cflags libpcap libndpi libmaxminddb sqlite3 yaml-0.1 libcrypto 2>/dev/null)
PKG_LIBS=$(pkg-config --libs libpcap libndpi libmaxminddb sqlite3 yaml-0.1 libcrypto 2>/dev/null)

if [ -n "${FUZZ_TARGETS:-}" ]; then
	names=$FUZZ_TARGETS
else
	names=
	for f in tests/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		names="$names ${n#fuzz_}"
	done
fi

mkdir -p "$BUILD/bin" "$BUILD/crashes"
for n in $names; do
	src=tests/fuzz/fuzz_$n.c
	[ -f "$src" ] || { echo "run.sh: no target $src" >&2; exit 2; }
	echo "fuzz: linking fuzz_$n"
	# shellcheck disable=SC2086
	if ! $CC -g -O1 -fno-omit-frame-pointer $SAN -fno-sanitize-recover=all \
		-std=c11 -D_GNU_SOURCE -I. $PKG_CFLAGS -o "$BUILD/bin/fuzz_$n" "$src" \
		"$BUILD/libsw.a" $PKG_LIBS -lm -lpthread; then
		echo "run.sh: linking fuzz_$n failed" >&2
		exit 2
	fi
done

fail=0
for n in $names; do
	corpus=$BUILD/corpus-$n
	mkdir -p "$corpus"
	seeds=
	[ -d "tests/fuzz/corpus/$n" ] && seeds="tests/fuzz/corpus/$n"
	[ -d "tests/fuzz/regress/$n" ] && seeds="$seeds tests/fuzz/regress/$n"
	log=$BUILD/log-$n.txt
	before=$(ls "$BUILD/crashes" | grep -c "^$n-" || true)
	echo "fuzz: fuzz_$n for ${FUZZ_SECONDS}s (corpus $corpus, log $log)"
	# -use_value_profile helps past the many length and magic checks.
	# shellcheck disable=SC2086
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$BUILD/bin/fuzz_$n" -max_total_time="$FUZZ_SECONDS" -max_len="$(max_len "$n")" \
		-timeout=10 -rss_limit_mb=2048 -use_value_profile=1 -print_final_stats=1 \
		-artifact_prefix="$BUILD/crashes/$n-" \
		"$corpus" $seeds >"$log" 2>&1
	rc=$?
	after=$(ls "$BUILD/crashes" | grep -c "^$n-" || true)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	if [ "$rc" = 0 ] && [ "$after" = "$before" ]; then
		line="$n: clean for ${secs:-?}s, ${runs:-?} runs, ${cov:-cov ?}, corpus $(ls "$corpus" | wc -l | tr -d ' ') files"
	else
		fail=1
		line="$n: FOUND something after ${secs:-?}s (exit $rc): see $log and $BUILD/crashes/$n-*"
		grep -m3 -E 'ERROR: |runtime error|SUMMARY' "$log" | sed 's/^/    /'
	fi
	echo "fuzz: $line"
	echo "$(date -u '+%Y-%m-%dT%H:%M:%SZ') $line" >>"$BUILD/results.txt"
done
exit $fail
