# daemon-lib.sh - helpers for the live-capture tests tests/t-daemon-*.sh
# (sourced, not run: run-all.sh only runs t-*.sh).
#
# Each test gets a private network namespace holding a veth pair swa <-> swb
# and nothing else: no address is configured anywhere (IPv6 is switched off
# in the namespace so that the kernel sends nothing of its own), so no
# address outside the namespace is ever used.  The daemon captures on swb;
# tcpreplay sends captures into swa.  Everything is removed by a trap.
#
# Tests that need root, network namespaces, tcpreplay, sqlite3 or ../shared
# (for gen-traffic) print "SKIPPED: why" and exit 0.
#
#   dl_init NAME          temp dir $T, namespace $NS, $BIN, $DB; skips
#   dl_gen [-o F] [ARGS]  gen-traffic capture $T/g.pcap or F (+ .truth), rules $T/rules.txt
#   dl_start ARGS         start `run -i swb -d $DB ... ARGS` in the namespace; $DPID
#   dl_send [ARGS] PCAP   tcpreplay into swa; $SENT = packets sent
#   dl_stop               TERM the daemon and wait; $DRC = its exit status
#   dl_sql SQL            query the database (sqlite3, read-only use)
#   dl_hits KIND          sum(count) of hits of a kind
#   dl_truth KIND [PCAP]  events of a kind in the truth file (http: http+s3path)
#   dl_wait_hits N [S]    wait up to S s for >= N hit events
#   dl_wait_eq SQL V [S]  wait up to S s for a query to give V
#   dl_wait_log RE [S]    wait up to S s for a line of the daemon log to match RE
#   dl_wait_log_more RE N [S]  ... for more than N lines to match RE
#   dl_sync               a SIGUSR1 round trip through the capture thread
#   dl_packets            frames the capture thread had taken at the last dl_sync
#   dl_wait_taken [S]     wait up to S s for the capture thread to have taken every
#                         frame the capture end (swb) saw since dl_start
#   dl_send_all ARGS      tcpreplay into the namespace; a frame the veth pair drops fails
#   dl_lock [SQL]         another writer holds the write lock until dl_unlock
#   dl_fail MSG           report, show the daemon log, exit 1
#
# Waiting: a test never sleeps for a fixed time and hopes.  Every wait polls
# for the condition it needs (a row count, a log line, the capture thread's
# frame count) and returns as soon as it holds; the deadline S only bounds a
# failure, so it is generous: DL_WAIT seconds (default 60) of wall time.  A
# sanitizer build on a loaded machine runs 10x slower than a plain build on
# an idle one, and the tests must pass there every time.  Locks held by
# "another process" are held until the test lets them go (dl_lock), never for
# a fixed time, so that no check depends on how fast the machine is.

set -u
LC_ALL=C
export LC_ALL
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BIN=$BUILD/stalkerwatch
SHARED=${SW_SHARED:-$ROOT/../shared}
DL_WAIT=${DL_WAIT:-60}
DPID=
NS=
T=
LOCKPID=

dl_skip() {
	echo "$DL_NAME: SKIPPED: $*"
	exit 0
}

dl_cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -KILL "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	for p in $DL_PIDS; do
		kill "$p" 2>/dev/null
	done
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	[ -n "$T" ] && rm -rf "$T"
}

dl_fail() {
	echo "$DL_NAME: FAIL: $*"
	[ -f "$T/db/h.db" ] && sqlite3 "$T/db/h.db" "select * from stats" 2>/dev/null
	if [ -f "$T/log" ]; then
		echo "--- daemon log (last 30 lines)"
		tail -n 30 "$T/log"
	fi
	exit 1
}

dl_init() {
	DL_NAME=$1
	DL_PIDS=
	[ -x "$BIN" ] || { echo "$DL_NAME: FAIL: $BIN is not built"; exit 1; }
	[ "$(id -u)" = 0 ] || dl_skip "needs root (network namespace, capture); CI runs it as root"
	for t in ip tcpreplay sqlite3; do
		command -v "$t" >/dev/null 2>&1 || dl_skip "$t is not installed (make deps)"
	done
	T=$(mktemp -d "${TMPDIR:-/tmp}/t-daemon.XXXXXX") || exit 1
	chmod 711 "$T"
	NS=swt$$$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	trap dl_cleanup EXIT
	trap 'exit 130' INT TERM
	if ! ip netns add "$NS" 2>"$T/netns.err"; then
		NS=
		dl_skip "network namespaces unavailable ($(head -c 200 "$T/netns.err"))"
	fi
	ip netns exec "$NS" sh -c '
		# IPv6 off (written to /proc: sysctl(8) is in procps, which a
		# minimal machine lacks), so the kernel sends no frames of its own
		for f in all default; do
			echo 1 >/proc/sys/net/ipv6/conf/$f/disable_ipv6
		done 2>/dev/null
		ip link set lo up &&
		ip link add swa type veth peer name swb &&
		ip link set swa mtu 9000 && ip link set swb mtu 9000 &&
		{ ip link set swa addrgenmode none; ip link set swb addrgenmode none; true; } 2>/dev/null &&
		ip link set swa up && ip link set swb up' ||
		dl_skip "cannot make a veth pair in a namespace"
	# the kernel's own frames (IPv6 router solicitations, MLD) would add to
	# the counts; dl_link counts them anyway, but say when they may come
	[ "$(ip netns exec "$NS" cat /proc/sys/net/ipv6/conf/swb/disable_ipv6 2>/dev/null || echo 1)" = 1 ] ||
		echo "$DL_NAME: note: IPv6 stays on in the namespace: the kernel may add frames of its own"
	# the database directory belongs to the user the daemon drops to
	mkdir "$T/db"
	chown nobody "$T/db"
	DB=$T/db/h.db
}

dl_gen() {
	[ -f "$SHARED/bench/gen-traffic.c" ] || dl_skip "$SHARED/bench/gen-traffic.c not present"
	mkdir -p "$BUILD/bench"
	if [ ! -x "$BUILD/bench/gen-traffic" ] || [ "$SHARED/bench/gen-traffic.c" -nt "$BUILD/bench/gen-traffic" ]; then
		cc -O2 -o "$BUILD/bench/gen-traffic" "$SHARED/bench/gen-traffic.c" -lm ||
			dl_fail "cannot build gen-traffic"
	fi
	out=$T/g.pcap
	if [ "${1:-}" = "-o" ]; then
		out=$2
		shift 2
	fi
	"$BUILD/bench/gen-traffic" -q -o "$out" "$@" >"$T/gen.log" 2>&1 ||
		dl_fail "gen-traffic failed: $(cat "$T/gen.log")"
	"$BUILD/bench/gen-traffic" --list-ioc |
		awk 'NF && $1 !~ /^#/ { print $1, "bench", "gen-traffic list" }' >"$T/rules.txt"
}

# dl_until SECS CMD...: run CMD every 0.1 s until it succeeds (0), or until
# SECS seconds of wall time have passed, or the daemon ($DPID, when set) has
# died: then CMD is tried once more and its status returned.
dl_until() {
	_du_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		if [ "$(date +%s)" -ge "$_du_end" ] ||
		   { [ -n "$DPID" ] && ! kill -0 "$DPID" 2>/dev/null; }; then
			"$@"
			return
		fi
		sleep 0.1
	done
}

dl_start() {
	: >"$T/log"
	ip netns exec "$NS" "$BIN" run -c /dev/null -i swb -d "$DB" -u nobody "$@" \
		>>"$T/log" 2>&1 &
	DPID=$!
	if ! dl_until "$DL_WAIT" grep -q "capturing on" "$T/log"; then
		kill -0 "$DPID" 2>/dev/null || { wait "$DPID"; dl_fail "the daemon did not start (status $?)"; }
		dl_fail "the daemon did not start within $DL_WAIT s"
	fi
	dl_link_zero
}

# dl_link_zero: DL_LINK0 such that dl_link - DL_LINK0 is what the capture
# thread must have taken since it started: read while no test traffic
# flows, twice alike in a row (a frame of the kernel's own in flight, or
# one that came before the capture handle was active, would skew a single
# reading).
dl_link_zero() {
	_lz_prev=
	_lz_n=0
	while :; do
		dl_sync || dl_fail "no answer to USR1"
		_lz_cur="$(dl_packets) $(dl_link)"
		[ "$_lz_cur" = "$_lz_prev" ] && break
		_lz_prev=$_lz_cur
		_lz_n=$((_lz_n + 1))
		[ "$_lz_n" -lt 100 ] || dl_fail "the frame counts do not settle: $_lz_cur"
		sleep 0.2
	done
	DL_LINK0=$((${_lz_cur#* } - ${_lz_cur% *}))
}

# dl_stat IFACE COUNTER: a counter of an interface in the namespace.
# Read from /proc/net/dev inside the namespace (per network namespace, and
# needs no sysfs remount, which `ip netns exec` may fail to do in a
# container).  COUNTER: rx_packets, rx_dropped, tx_packets or tx_dropped.
dl_stat() {
	case $2 in
	rx_packets) _f=2 ;;
	rx_dropped) _f=4 ;;
	tx_packets) _f=10 ;;
	tx_dropped) _f=12 ;;
	*) echo "$DL_NAME: FAIL: dl_stat: unknown counter $2" >&2; exit 1 ;;
	esac
	_v=$(ip netns exec "$NS" cat /proc/net/dev |
		awk -v i="$1" -v f="$_f" '{ sub(/^ */, ""); n = index($0, ":") }
			n && substr($0, 1, n - 1) == i { $0 = substr($0, n + 1); print $f }')
	# (called in $(...): the message goes to stderr, and the caller's
	# arithmetic on the empty value stops the test)
	[ -n "$_v" ] || { echo "$DL_NAME: FAIL: dl_stat: no counters for $1 in the namespace's /proc/net/dev" >&2; exit 1; }
	echo "$_v"
}

# dl_link: every frame the capture end (swb) has seen, both ways: what the
# daemon must take, extra frames of the kernel's own included.
dl_link() {
	echo $(($(dl_stat swb rx_packets) + $(dl_stat swb tx_packets)))
}

# dl_link_lost: frames the veth pair dropped before they reached swb (a
# full backlog: the sender outran the softirq on a loaded machine).  No
# capture can see them; pcap_stats does not count them.
dl_link_lost() {
	echo $(($(dl_stat swa tx_dropped) + $(dl_stat swb rx_dropped)))
}

# dl_send ARGS...: tcpreplay into swa.  SENT: frames tcpreplay sent; LOST:
# frames of them the veth pair dropped before swb (noted when not 0).
dl_send() {
	_sd_lost=$(dl_link_lost)
	ip netns exec "$NS" tcpreplay -i swa "$@" >"$T/send.log" 2>&1 ||
		dl_fail "tcpreplay failed: $(cat "$T/send.log")"
	SENT=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$T/send.log")
	[ -n "$SENT" ] || dl_fail "cannot read the packet count from tcpreplay: $(cat "$T/send.log")"
	LOST=$(($(dl_link_lost) - _sd_lost))
	[ "$LOST" = 0 ] ||
		echo "$DL_NAME: note: the veth pair dropped $LOST of the $SENT frames sent, before any capture could see them"
}

# dl_send_all ARGS...: dl_send for a check that needs every frame: a frame
# the veth pair dropped fails the test, saying so.
dl_send_all() {
	dl_send "$@"
	[ "$LOST" = 0 ] ||
		dl_fail "the veth pair dropped $LOST of $SENT frames before the capture (the machine is too loaded for this check)"
}

dl_stop() {
	kill -TERM "$DPID"
	wait "$DPID"
	DRC=$?
	DPID=
}

dl_sql() {
	sqlite3 -cmd ".timeout 30000" "$DB" "$@"
}

dl_hits() {
	dl_sql "select coalesce(sum(count),0) from hits where kind='$1'"
}

dl_truth() {
	tf=${2:-$T/g.pcap}.truth
	case $1 in
	http) awk '$1 == "http" || $1 == "s3path"' "$tf" | wc -l ;;
	*) awk -v k="$1" '$1 == k' "$tf" | wc -l ;;
	esac
}

dl_total() {
	dl_sql "select coalesce(sum(count),0) from hits"
}

dl_total_ge() {
	_dt_n=$(dl_total)
	[ -n "$_dt_n" ] && [ "$_dt_n" -ge "$1" ]
}

# dl_wait_hits N [S]: wait up to S s (default DL_WAIT) for >= N hit events.
dl_wait_hits() {
	dl_until "${2:-$DL_WAIT}" dl_total_ge "$1"
}

dl_sql_is() {
	[ "$(dl_sql "$1")" = "$2" ]
}

# dl_wait_eq SQL VALUE [S]: wait up to S s (default DL_WAIT) for a query to
# give VALUE.
dl_wait_eq() {
	dl_until "${3:-$DL_WAIT}" dl_sql_is "$1" "$2"
}

# dl_log_count RE: lines of the daemon log that match RE.
dl_log_count() {
	grep -c -- "$1" "$T/log"
}

dl_log_more() {
	[ "$(dl_log_count "$1")" -gt "$2" ]
}

# dl_wait_log RE [S]: wait up to S s for a line of the daemon log to match RE.
dl_wait_log() {
	dl_until "${2:-$DL_WAIT}" grep -q -- "$1" "$T/log"
}

# dl_wait_log_more RE N [S]: wait up to S s for more than N lines to match RE.
dl_wait_log_more() {
	dl_until "${3:-$DL_WAIT}" dl_log_more "$1" "$2"
}

# dl_sync: a round trip through the capture thread.  SIGUSR1 makes it log
# its counters at the top of its loop, where it also adopts a reloaded IOC
# set (daemon/run.c capture_loop: signal flags, the counters, writer_adopt,
# then poll and the frames); the last line of that dump is "up N s".  Once
# that line is in the log:
#  - the "packets N" line just before it counts every frame the capture
#    thread had taken (dl_packets);
#  - a reloaded set that was ready (its "IOC rules reloaded" line logged)
#    before dl_sync was called is the one every later frame is matched with.
# 1 when the dump did not come within DL_WAIT s (or the daemon died).
DL_UP='^stalkerwatch: up [0-9]* s$'
dl_sync() {
	_ds_n=$(dl_log_count "$DL_UP")
	kill -USR1 "$DPID" 2>/dev/null || return 1
	dl_until "$DL_WAIT" dl_log_more "$DL_UP" "$_ds_n"
}

# dl_packets: the frame count of the last dump (dl_sync).
dl_packets() {
	sed -n 's/^stalkerwatch: packets \([0-9]*\) .*/\1/p' "$T/log" | tail -n 1
}

dl_packets_are() {
	dl_sync && [ "$(dl_packets)" = "$1" ]
}

# dl_taken_all: the capture thread has taken every frame the capture end
# (swb) has seen since the daemon started (TAKEN_WANT: how many that is).
# Absolute counts, not deltas from a mark: a frame still in the kernel ring
# when a step begins is counted where it belongs.
dl_taken_all() {
	TAKEN_WANT=$(($(dl_link) - DL_LINK0))
	dl_packets_are "$TAKEN_WANT"
}

# dl_wait_taken [S]: wait up to S s for dl_taken_all.  Counting what the
# link delivered, not what tcpreplay sent, keeps the count exact when the
# kernel adds frames of its own or the veth pair drops some.
dl_wait_taken() {
	_dw_end=$(($(date +%s) + ${1:-$DL_WAIT}))
	until dl_taken_all; do
		[ "$(date +%s)" -lt "$_dw_end" ] || return 1
		kill -0 "$DPID" 2>/dev/null || return 1
		sleep 0.2
	done
}

# dl_lock [SQL]: another writer: a sqlite3 shell takes the write lock
# (BEGIN IMMEDIATE, then SQL if given, uncommitted) and holds it until
# dl_unlock, however long the test takes meanwhile.  Returns once the lock
# is held (a second writer is refused).  One lock at a time (fd 7).
dl_lock() {
	rm -f "$T/lock.fifo"
	mkfifo "$T/lock.fifo" || dl_fail "cannot make a FIFO"
	: >"$T/lock.out"
	exec 7<>"$T/lock.fifo"
	sqlite3 -bail "$DB" <"$T/lock.fifo" >"$T/lock.out" 2>&1 7>&- &
	LOCKPID=$!
	DL_PIDS="$DL_PIDS $LOCKPID"
	printf '.timeout 30000\nBEGIN IMMEDIATE;\n%s\nSELECT '"'"'locked'"'"';\n' "${1:-}" >&7
	dl_until "$DL_WAIT" grep -q '^locked$' "$T/lock.out" ||
		dl_fail "could not take the write lock: $(cat "$T/lock.out")"
	if sqlite3 "$DB" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1; then
		dl_fail "the write lock is not held"
	fi
}

# dl_unlock: the other writer rolls back and quits.
dl_unlock() {
	printf 'ROLLBACK;\n.quit\n' >&7
	exec 7>&-
	wait "$LOCKPID" || dl_fail "the lock holder failed: $(cat "$T/lock.out")"
	LOCKPID=
}

# Every hit row names a rule that matches its host (or, for cloud tenants,
# whose tenant appears in the host or path): a hit written with the wrong
# rule set would break this.
dl_rules_consistent() {
	dl_sql "select count(*) from hits where not (
		hostname = rule or hostname like '%.' || rule or
		(instr(rule, ':') > 0 and (instr(hostname, substr(rule, instr(rule, ':') + 1)) > 0 or
		 instr(coalesce(path, ''), substr(rule, instr(rule, ':') + 1)) > 0)))"
}
