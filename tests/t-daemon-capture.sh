#!/bin/sh
# t-daemon-capture.sh: `stalkerwatch run` captures a gen-traffic capture sent
# through a veth pair in a private network namespace (tests/daemon-lib.sh).
#
#  1. privilege drop (-u nobody): every thread's /proc status shows uid/gid
#     65534 in all four slots, only group 65534, no capability in any set
#     (CapInh/CapPrm/CapEff/CapBnd/CapAmb all zero), NoNewPrivs 1;
#  2. at a rate the daemon keeps up with (tcpreplay -M 50): no packet
#     dropped, and every IOC event of the truth file is in the database
#     (sni, dns, http+s3path), and every kind equals what `replay` finds in
#     the same capture; the stats rows count every packet sent;
#  3. at full speed (--topspeed), then SIGTERM as soon as tcpreplay returns:
#     exit 0, every event is in the database, or the stats say how many
#     packets the kernel dropped (packets + drops = packets sent);
#  4. `stalkerwatch stats` shows the rows and the totals;
#  5. -D: the command returns 0 once the daemon is up, the pid file names
#     it, TERM stops it; a start-up failure after the fork (database in a
#     missing directory) still gives exit status 2.
. "$(dirname "$0")/daemon-lib.sh"
dl_init t-daemon-capture
dl_gen --bytes 20M --hit-rate 0.2 --seed 11
dl_gen -o "$T/g2.pcap" --bytes 20M --hit-rate 0.2 --seed 12

kinds="sni dns http quic"
# what replay finds in the same capture: the reference for every kind
for p in g g2; do
	"$BIN" replay -q -I "$T/rules.txt" -d "$T/ref-$p.db" "$T/$p.pcap" >/dev/null 2>"$T/replay.log" ||
		dl_fail "replay failed: $(cat "$T/replay.log")"
done
ref() { sqlite3 "$T/ref-${2:-g}.db" "select coalesce(sum(count),0) from hits where kind='$1'"; }
truth_total=0
for k in sni dns http; do
	truth_total=$((truth_total + $(dl_truth "$k")))
done
ref_total=$(sqlite3 "$T/ref-g.db" "select coalesce(sum(count),0) from hits")
[ "$truth_total" -gt 50 ] || dl_fail "the capture holds only $truth_total IOC events"

dl_start -I "$T/rules.txt" --stats-interval 1 --buffer-mb 32
# every frame swb sees must be counted: what tcpreplay sent, less what the
# veth pair dropped, plus any frame of the kernel's own (dl_link_zero)
L0=$DL_LINK0

# 1. privileges, in every thread (both run once "capturing on" is logged)
for st in /proc/"$DPID"/task/*/status; do
	grep -q '^Uid:[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534$' "$st" ||
		dl_fail "uids not all 65534: $(grep ^Uid "$st")"
	grep -q '^Gid:[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534$' "$st" ||
		dl_fail "gids not all 65534: $(grep ^Gid "$st")"
	grep -q '^Groups:[[:space:]]*65534[[:space:]]*$' "$st" ||
		dl_fail "supplementary groups: $(grep ^Groups "$st")"
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do
		grep -q "^$c:[[:space:]]*0000000000000000$" "$st" ||
			dl_fail "$c not empty: $(grep "^$c" "$st")"
	done
	grep -q '^NoNewPrivs:[[:space:]]*1$' "$st" || dl_fail "NoNewPrivs not set"
done
for f in "$DB" "$DB-wal" "$DB-shm"; do
	[ "$(stat -c %U "$f")" = nobody ] || dl_fail "$f belongs to $(stat -c %U "$f"), not nobody"
done
nthreads=$(ls /proc/"$DPID"/task | wc -l)
[ "$nthreads" = 2 ] || dl_fail "expected 2 threads (capture, writer), found $nthreads"

# 2. a rate it keeps up with: nothing may be lost
dl_send_all -M 50 "$T/g.pcap"
sent1=$SENT
dl_wait_hits "$ref_total" || dl_fail "after $DL_WAIT s only $(dl_total) of $ref_total hit events"
# the stats row of that second comes at the next tick; what swb saw is
# read again at each poll (a frame of the kernel's own may still come)
stats_seen() {
	seen1=$(($(dl_link) - L0))
	[ "$(dl_sql 'select coalesce(sum(packets)+sum(drops),0) from stats')" = "$seen1" ]
}
dl_until "$DL_WAIT" stats_seen
drops=$(dl_sql "select coalesce(sum(drops),0) from stats")
pk=$(dl_sql "select coalesce(sum(packets),0) from stats")
[ "$drops" = 0 ] || dl_fail "$drops packets dropped at 50 Mbit/s"
[ "$pk" = "$seen1" ] || dl_fail "stats count $pk packets, swb saw $seen1 (tcpreplay sent $sent1)"
for k in sni dns http; do
	got=$(dl_hits "$k")
	want=$(dl_truth "$k")
	[ "$got" = "$want" ] || dl_fail "$k: $got hit events, the truth file has $want"
done
for k in $kinds; do
	got=$(dl_hits "$k")
	want=$(ref "$k")
	[ "$got" = "$want" ] || dl_fail "$k: $got hit events live, replay finds $want"
done
[ "$(dl_rules_consistent)" = 0 ] || dl_fail "hit rows name rules that do not match them"
echo "t-daemon-capture: 50 Mbit/s: $sent1 packets, 0 dropped, $ref_total hit events as replay ($truth_total sni/dns/http in the truth file)"

# 3. full speed (another capture: the same flows again would be flows
# already seen), TERM at once: everything captured is flushed
dl_send --topspeed "$T/g2.pcap"
sent2=$SENT
lost2=$LOST
rate=$(sed -n 's/.*Rated: .*, \([0-9.]*\) Mbps.*/\1/p' "$T/send.log")
dl_stop
seen=$(($(dl_link) - L0))
[ "$DRC" = 0 ] || dl_fail "exit status $DRC after SIGTERM"
grep -q "stopped:" "$T/log" || dl_fail "no 'stopped' line in the log"
drops=$(dl_sql "select coalesce(sum(drops),0) from stats")
pk=$(dl_sql "select coalesce(sum(packets),0) from stats")
# frames the veth pair dropped before swb (lost2) never reached a capture
[ $((pk + drops)) = "$seen" ] ||
	dl_fail "stats: $pk packets + $drops dropped, swb saw $seen (tcpreplay sent $((sent1 + sent2)), the veth pair dropped $lost2)"
for k in sni dns http; do
	got=$(dl_hits "$k")
	want=$(($(dl_truth "$k") + $(dl_truth "$k" "$T/g2.pcap")))
	if [ "$drops" = 0 ] && [ "$lost2" = 0 ]; then
		[ "$got" = "$want" ] || dl_fail "$k: $got hit events after two sends, want $want (no drops)"
	else
		[ "$got" -le "$want" ] || dl_fail "$k: $got hit events, more than the $want sent"
	fi
done
for k in $kinds; do
	got=$(dl_hits "$k")
	want=$(($(ref "$k") + $(ref "$k" g2)))
	[ "$drops" != 0 ] || [ "$lost2" != 0 ] || [ "$got" = "$want" ] || dl_fail "$k: $got hit events, replay finds $want"
done
if [ "$drops" = 0 ] && [ "$lost2" = 0 ]; then
	echo "t-daemon-capture: full speed ($rate Mbit/s): $sent2 packets, none dropped, every event recorded, flushed on SIGTERM"
elif [ "$drops" = 0 ]; then
	echo "t-daemon-capture: full speed ($rate Mbit/s): the veth pair dropped $lost2 frames before the capture; every frame that came was taken"
else
	grep -q "PACKETS DROPPED" "$T/log" || dl_fail "$drops packets dropped but not logged"
	echo "t-daemon-capture: full speed ($rate Mbit/s): the kernel dropped $drops packets; the stats say so"
fi

# 4. the stats command
"$BIN" stats -d "$DB" >"$T/stats.out" 2>"$T/stats.err" || dl_fail "stats: $(cat "$T/stats.err")"
grep -q "^total  *$pk " "$T/stats.out" ||
	dl_fail "stats totals do not show $pk packets: $(tail -n 2 "$T/stats.out")"
if [ "$drops" != 0 ]; then
	grep -q "WARNING: $drops packets were dropped" "$T/stats.err" ||
		dl_fail "stats does not warn about $drops dropped packets"
fi

# 5. -D
ip netns exec "$NS" "$BIN" run -c /dev/null -i swb -d "$DB" -u nobody -I "$T/rules.txt" \
	-D -p "$T/sw.pid" >"$T/log" 2>&1
rc=$?
[ "$rc" = 0 ] || dl_fail "-D: exit status $rc"
DPID=$(cat "$T/sw.pid")
kill -0 "$DPID" 2>/dev/null || dl_fail "-D: no process $DPID from the pid file"
[ "$(cat /proc/"$DPID"/comm)" = stalkerwatch ] || dl_fail "-D: pid $DPID is $(cat /proc/"$DPID"/comm)"
[ "$(awk '{ print $7 }' /proc/"$DPID"/stat)" = 0 ] || dl_fail "-D: still has a controlling terminal"
grep -q '^Uid:[[:space:]]*65534' /proc/"$DPID"/status || dl_fail "-D: privileges not dropped"
kill -TERM "$DPID"
dl_gone() { ! kill -0 "$DPID" 2>/dev/null; }
dl_until "$DL_WAIT" dl_gone || dl_fail "-D: still running $DL_WAIT s after TERM"
DPID=
ip netns exec "$NS" "$BIN" run -c /dev/null -i swb -d "$T/no/such/dir/h.db" -u nobody -D \
	-p "$T/sw2.pid" >"$T/log" 2>&1
rc=$?
[ "$rc" = 2 ] || dl_fail "-D with an unusable database: exit status $rc, want 2"
grep -q "no/such/dir/h.db" "$T/log" || dl_fail "-D: the database error did not reach stderr: $(cat "$T/log")"
echo "t-daemon-capture: -D: detached, pid file, TERM; a failed start exits 2"
exit 0
