#!/bin/sh
# t-replay-devices.sh: `replay -d` learns devices as the daemon does: the
# capture of tests/data/dhcp/make-dhcp-pcap.py (DHCP clients with host
# names, vendor classes, a hostile name, a NUL inside a name, a broadcast
# chaddr; then the phone's DNS query for an IOC host) is replayed into a
# database, and tests/dhcp-check.sh checks the devices table row by row,
# the hit attributed to the phone's MAC, and `stalkerwatch devices`
# (escaped, and valid JSON lines).  Without -d nothing is stored, so no
# devices either; a second replay into the same database leaves the devices
# unchanged and counts the hit twice on its one row.
. "$(dirname "$0")/lib.sh"
tl_init t-replay-devices
for t in python3 sqlite3; do
	command -v "$t" >/dev/null 2>&1 || { echo "t-replay-devices: FAIL: $t is missing (make deps)"; exit 1; }
done
python3 "$ROOT/tests/data/dhcp/make-dhcp-pcap.py" "$tmp/dhcp.pcap" || { echo "t-replay-devices: FAIL: cannot write the capture"; exit 1; }
echo "dhcp-test-ioc.net testfamily" >"$tmp/dhcp.rules"

fail() { echo "t-replay-devices: FAIL: $*"; exit 1; }
"$BIN" replay -I "$tmp/dhcp.rules" -d "$tmp/h.db" "$tmp/dhcp.pcap" >"$tmp/out" 2>"$tmp/err" ||
	fail "replay: $(cat "$tmp/err")"
grep -q '^devices: 4 known, 8 DHCP messages (0 not DHCP), 5 names learned' "$tmp/err" ||
	fail "the summary does not count the devices: $(grep '^devices' "$tmp/err")"
. "$ROOT/tests/dhcp-check.sh"
why=$(dhcp_check "$tmp/h.db" "$tmp") || fail "$why"

# again, into the same database: the same rows, the hit counted twice
sqlite3 "$tmp/h.db" "select * from devices order by mac" >"$tmp/dev1"
"$BIN" replay -q -I "$tmp/dhcp.rules" -d "$tmp/h.db" "$tmp/dhcp.pcap" 2>"$tmp/err" ||
	fail "second replay: $(cat "$tmp/err")"
sqlite3 "$tmp/h.db" "select * from devices order by mac" >"$tmp/dev2"
cmp -s "$tmp/dev1" "$tmp/dev2" || fail "devices changed by a second replay of the same capture: $(diff "$tmp/dev1" "$tmp/dev2")"
[ "$(sqlite3 "$tmp/h.db" "select count(*) || ' ' || sum(count) from hits")" = "1 2" ] ||
	fail "hits after a second replay: $(sqlite3 "$tmp/h.db" 'select count(*), sum(count) from hits')"
echo "t-replay-devices: replay names devices from DHCP as the daemon does; hostile names escaped"
