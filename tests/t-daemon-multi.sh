#!/bin/sh
# t-daemon-multi.sh: one daemon, two interfaces of different link types
# (live capture in a private network namespace: tests/daemon-lib.sh).
#
# swb (Ethernet, the veth pair) and swt0 (a tun device: raw IP, DLT_RAW)
# are captured by one `run -i swb -i swt0`.  A gen-traffic capture goes into
# swa; another one, stripped of its Ethernet headers, is sent out of swt0
# (a small python process holds the tun open so that it carries traffic).
# Both at once.  Checks: one stats row per interface counting exactly the
# packets sent on it, no drops, and every hit `replay` finds in each
# capture (each decoded with its own link type), on rows that name that
# interface in their capture column.  --buffer-mb 32: each
# kernel ring holds its whole capture, so "no drops" does not depend on how
# soon the capture thread is scheduled.
. "$(dirname "$0")/daemon-lib.sh"
dl_init t-daemon-multi
command -v python3 >/dev/null 2>&1 || dl_skip "python3 is not installed"
[ -c /dev/net/tun ] || dl_skip "/dev/net/tun is not available"
dl_gen --bytes 10M --hit-rate 0.2 --seed 51
dl_gen -o "$T/e.pcap" --bytes 10M --hit-rate 0.2 --seed 52

# the second capture as raw IP (LINKTYPE_RAW 101): IPv4/IPv6 frames only
python3 - "$T/e.pcap" "$T/raw.pcap" <<'EOF' || dl_fail "cannot convert the capture to raw IP"
import struct, sys
f = open(sys.argv[1], "rb")
magic, vmaj, vmin, tz, sig, snap, dlt = struct.unpack("<IHHiIII", f.read(24))
assert dlt == 1
out = open(sys.argv[2], "wb")
out.write(struct.pack("<IHHiIII", magic, vmaj, vmin, tz, sig, snap, 101))
while True:
    rh = f.read(16)
    if len(rh) < 16:
        break
    ts, us, cl, wl = struct.unpack("<IIII", rh)
    d = f.read(cl)
    if struct.unpack("!H", d[12:14])[0] in (0x0800, 0x86DD) and cl == wl and cl - 14 <= 1500:
        out.write(struct.pack("<IIII", ts, us, cl - 14, wl - 14) + d[14:])
EOF

cat >"$T/tunhold.py" <<'EOF'
import fcntl, os, struct, sys, time
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH", sys.argv[1].encode(), 0x0001 | 0x1000))
os.set_blocking(fd, False)
open(sys.argv[2], "w").close()
while True:
    try:
        while os.read(fd, 65536):
            pass
    except BlockingIOError:
        time.sleep(0.005)
EOF
ip netns exec "$NS" sh -c 'ip tuntap add mode tun name swt0 && ip link set swt0 up' ||
	dl_skip "cannot make a tun device in the namespace"
ip netns exec "$NS" python3 "$T/tunhold.py" swt0 "$T/tun.ready" &
DL_PIDS="$DL_PIDS $!"
dl_until "$DL_WAIT" test -f "$T/tun.ready" || dl_fail "the tun holder did not start"

for p in g raw; do
	"$BIN" replay -q -I "$T/rules.txt" -d "$T/ref-$p.db" "$T/$p.pcap" >/dev/null 2>&1 ||
		dl_fail "replay of $p.pcap failed"
done
ref() { sqlite3 "$T/ref-$2.db" "select coalesce(sum(count),0) from hits where kind='$1'"; }

: >"$T/log"
ip netns exec "$NS" "$BIN" run -c /dev/null -i swb -i swt0 -d "$DB" -u nobody \
	-I "$T/rules.txt" --stats-interval 1 --buffer-mb 32 >>"$T/log" 2>&1 &
DPID=$!
if ! dl_until "$DL_WAIT" grep -q "capturing on swb,swt0" "$T/log"; then
	kill -0 "$DPID" 2>/dev/null || dl_fail "the daemon did not start"
	dl_fail "the daemon did not start within $DL_WAIT s"
fi

ip netns exec "$NS" tcpreplay -i swt0 -M 100 "$T/raw.pcap" >"$T/send-raw.log" 2>&1 &
RAWPID=$!
dl_send_all -M 100 "$T/g.pcap"
sent_eth=$SENT
wait "$RAWPID" || dl_fail "tcpreplay on swt0 failed: $(cat "$T/send-raw.log")"
sent_raw=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$T/send-raw.log")
want=0
for k in sni dns http quic; do
	want=$((want + $(ref "$k" g) + $(ref "$k" raw)))
done
dl_wait_hits "$want" || dl_fail "$(dl_total) of $want hit events"
dl_wait_eq "select coalesce(sum(packets),0) from stats where capture = 'swt0'" "$sent_raw" ||
	dl_fail "swt0: stats count $(dl_sql "select sum(packets) from stats where capture = 'swt0'") packets, sent $sent_raw"
dl_wait_eq "select coalesce(sum(packets),0) from stats where capture = 'swb'" "$sent_eth" ||
	dl_fail "swb: stats count $(dl_sql "select sum(packets) from stats where capture = 'swb'") packets, sent $sent_eth"
dl_stop
[ "$DRC" = 0 ] || dl_fail "exit status $DRC"
[ "$(dl_sql 'select coalesce(sum(drops),0) from stats')" = 0 ] || dl_fail "packets dropped"
for k in sni dns http quic; do
	got=$(dl_hits "$k")
	w=$(($(ref "$k" g) + $(ref "$k" raw)))
	[ "$got" = "$w" ] || dl_fail "$k: $got hit events, replay finds $w in the two captures"
done
# each hit names the interface its frame came from
for c in "swb g" "swt0 raw"; do
	set -- $c
	got=$(dl_sql "select coalesce(sum(count),0) from hits where capture = '$1'")
	w=$(sqlite3 "$T/ref-$2.db" "select coalesce(sum(count),0) from hits")
	[ "$got" = "$w" ] || dl_fail "hits with capture $1: $got events, replay of $2.pcap finds $w"
done
[ "$(dl_sql "select count(*) from hits where capture not in ('swb', 'swt0')")" = 0 ] ||
	dl_fail "hits' capture column: $(dl_sql 'select distinct capture from hits')"
[ "$(dl_rules_consistent)" = 0 ] || dl_fail "hit rows name rules that do not match them"
echo "t-daemon-multi: Ethernet and raw IP interfaces in one daemon: $sent_eth + $sent_raw packets, $want hit events as replay"
exit 0
