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
#   dl_wait_hits N [S]    wait up to S s (default 10) for >= N hit events
#   dl_wait_eq SQL V [S]  wait up to S s (default 5) for a query to give V
#   dl_fail MSG           report, show the daemon log, exit 1

set -u
LC_ALL=C
export LC_ALL
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BIN=$BUILD/stalkerwatch
SHARED=${SW_SHARED:-$ROOT/../shared}
DPID=
NS=
T=

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
		sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
		ip link set lo up &&
		ip link add swa type veth peer name swb &&
		ip link set swa mtu 9000 && ip link set swb mtu 9000 &&
		ip link set swa up && ip link set swb up' ||
		dl_skip "cannot make a veth pair in a namespace"
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

dl_start() {
	: >"$T/log"
	ip netns exec "$NS" "$BIN" run -c /dev/null -i swb -d "$DB" -u nobody "$@" \
		>>"$T/log" 2>&1 &
	DPID=$!
	i=0
	while ! grep -q "capturing on" "$T/log"; do
		kill -0 "$DPID" 2>/dev/null || { wait "$DPID"; dl_fail "the daemon did not start (status $?)"; }
		i=$((i + 1))
		[ $i -gt 100 ] && dl_fail "the daemon did not start within 10 s"
		sleep 0.1
	done
}

dl_send() {
	ip netns exec "$NS" tcpreplay -i swa "$@" >"$T/send.log" 2>&1 ||
		dl_fail "tcpreplay failed: $(cat "$T/send.log")"
	SENT=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$T/send.log")
	[ -n "$SENT" ] || dl_fail "cannot read the packet count from tcpreplay: $(cat "$T/send.log")"
}

dl_stop() {
	kill -TERM "$DPID"
	wait "$DPID"
	DRC=$?
	DPID=
}

dl_sql() {
	sqlite3 -cmd ".timeout 5000" "$DB" "$@"
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

dl_wait_hits() {
	want=$1
	secs=${2:-10}
	i=0
	while [ "$(dl_total)" -lt "$want" ]; do
		i=$((i + 1))
		[ $i -gt $((secs * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

# dl_wait_eq SQL VALUE [S]: wait up to S s (default 5) for a query to give VALUE.
dl_wait_eq() {
	i=0
	while [ "$(dl_sql "$1")" != "$2" ]; do
		i=$((i + 1))
		[ $i -gt $((${3:-5} * 10)) ] && return 1
		sleep 0.1
	done
	return 0
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
