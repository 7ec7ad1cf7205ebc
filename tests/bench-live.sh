#!/bin/sh
# bench-live.sh: how fast `stalkerwatch run` can capture without losing a
# packet or a hit, and its memory while doing it (docs/performance.md).
# Not part of `make test` (it takes a minute and needs root):
#
#   sudo BUILD=build sh tests/bench-live.sh
#
# For each tcpreplay rate in RATES (';'-separated tcpreplay options), a
# fresh daemon captures on one end of a veth pair in a private namespace
# (tests/daemon-lib.sh) while tcpreplay sends a gen-traffic capture
# (BENCH_BYTES, default 200M, hit rate 0.1, seed 42) into the other.  One
# line per rate: the rate tcpreplay achieved, packets sent / captured /
# dropped by the kernel, hit events found / in the truth file by kind, the
# daemon's CPU time for the run, VmRSS and VmHWM after it.  EXTRA adds
# options to `run` (e.g. EXTRA="--buffer-mb 1").
. "$(dirname "$0")/daemon-lib.sh"
dl_init bench-live
RATES=${RATES:--M 100;-M 500;-M 1000;-K --topspeed}
dl_gen --bytes "${BENCH_BYTES:-200M}" --hit-rate 0.1 --seed 42
echo "capture: $(cat "$T/gen.log" | tr '\n' ' ')"
IFS=';'
for rate in $RATES; do
	unset IFS
	rm -f "$DB" "$DB-wal" "$DB-shm"
	# shellcheck disable=SC2086
	dl_start -I "$T/rules.txt" --stats-interval 1 ${EXTRA:-}
	c0=$(awk '{ print $14 + $15 }' /proc/"$DPID"/stat)
	# shellcheck disable=SC2086
	dl_send $rate "$T/g.pcap"
	sleep 2
	c1=$(awk '{ print $14 + $15 }' /proc/"$DPID"/stat)
	mem=$(awk '/^VmRSS|^VmHWM/ { printf "%s %s kB ", $1, $2 }' /proc/"$DPID"/status)
	dl_stop
	act=$(sed -n 's/.*Rated: .*, \([0-9.]*\) Mbps, \([0-9.]*\) pps.*/\1 Mbit\/s \2 pps/p' "$T/send.log")
	pk=$(dl_sql "select coalesce(sum(packets),0) from stats")
	dr=$(dl_sql "select coalesce(sum(drops),0) from stats")
	kinds=""
	for k in sni dns http quic; do
		kinds="$kinds $k $(dl_hits "$k")/$(dl_truth "$k")"
	done
	ticks=$(getconf CLK_TCK)
	echo "[$rate] $act: sent $SENT captured $pk dropped $dr;$kinds; cpu $(( (c1 - c0) * 1000 / ticks )) ms; $mem"
	IFS=';'
done
unset IFS
exit 0
