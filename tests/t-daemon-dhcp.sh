#!/bin/sh
# t-daemon-dhcp.sh: devices named from DHCP, learned passively by `run`
# (live capture in a private network namespace: tests/daemon-lib.sh).
#
# DHCP frames (tests/data/dhcp/make-dhcp-pcap.py says which) are sent with
# tcpreplay.
# Checks: the devices table row by row, the hit attributed to the phone, and
# `stalkerwatch devices` escaping the hostile name (no raw ESC byte).
. "$(dirname "$0")/daemon-lib.sh"
dl_init t-daemon-dhcp
command -v python3 >/dev/null 2>&1 || dl_skip "python3 is not installed"

python3 "$ROOT/tests/data/dhcp/make-dhcp-pcap.py" "$T/dhcp.pcap" || dl_fail "cannot write the DHCP capture"
echo "dhcp-test-ioc.net testfamily" >"$T/dhcp.rules"

dl_start -I "$T/dhcp.rules"
dl_send --topspeed "$T/dhcp.pcap"
dl_wait_hits 1 || dl_fail "the phone's DNS query gave no hit"
dl_wait_eq "select count(*) from devices where name is not null or vendor_class is not null" 3 ||
	dl_fail "devices: $(dl_sql 'select * from devices')"
dl_stop
[ "$DRC" = 0 ] || dl_fail "exit status $DRC"

. "$ROOT/tests/dhcp-check.sh"
why=$(dhcp_check "$DB" "$T") || dl_fail "$why"
echo "t-daemon-dhcp: devices named from DHCP (host name, vendor class, address), hostile names escaped"
exit 0
