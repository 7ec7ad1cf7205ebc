#!/bin/sh
# t-daemon-dhcp.sh: devices named from DHCP, learned passively by `run`
# (live capture in a private network namespace: tests/daemon-lib.sh).
#
# DHCP frames are written (RFC 2131/2132 by hand, below) into a capture and
# sent with tcpreplay:
#   phone   DISCOVER and REQUEST (option 50 192.0.2.77) with host name
#           "android-5f3a9c" (12) and vendor class "android-dhcp-14" (60),
#           then the server's ACK; then a DNS query for an IOC host
#   laptop  INFORM from 192.0.2.20 with a host name full of terminal escapes
#           and vendor class "MSFT 5.0"
#   iphone  REQUEST with "iPhone" NUL-padded (the padding is not kept)
#   nulname DISCOVER with a NUL inside the host name (not kept)
#   relay   a DECLINE (names nothing) and a broadcast chaddr (ignored)
# Checks: the devices table row by row, the hit attributed to the phone, and
# `stalkerwatch devices` escaping the hostile name (no raw ESC byte).
. "$(dirname "$0")/daemon-lib.sh"
dl_init t-daemon-dhcp
command -v python3 >/dev/null 2>&1 || dl_skip "python3 is not installed"

python3 - "$T/dhcp.pcap" <<'EOF' || dl_fail "cannot write the DHCP capture"
import struct, sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))

def ip(s):
    return bytes(int(x) for x in s.split("."))

def frame(smac, dmac, sip, dip, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, ip(sip), ip(dip))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return mac(dmac) + mac(smac) + b"\x08\x00" + hdr + udp

def dhcp(op, chaddr, mtype, opts, ciaddr="0.0.0.0", yiaddr="0.0.0.0"):
    b = struct.pack("!BBBBIHH4s4s4s4s", op, 1, 6, 0, 0x5eed0001, 0, 0x8000,
                    ip(ciaddr), ip(yiaddr), ip("0.0.0.0"), ip("0.0.0.0"))
    b += mac(chaddr) + b"\0" * 10 + b"\0" * 64 + b"\0" * 128 + bytes([99, 130, 83, 99])
    b += bytes([53, 1, mtype])
    for code, val in opts:
        b += bytes([code, len(val)]) + val
    return b + b"\xff"

BC = "ff:ff:ff:ff:ff:ff"
PHONE, LAPTOP, IPHONE, NUL = "02:11:22:33:44:55", "02:aa:bb:cc:dd:01", "02:aa:bb:cc:dd:02", "02:aa:bb:cc:dd:03"
SERVER = "02:00:00:00:00:01"
name, vc = b"android-5f3a9c", b"android-dhcp-14"
frames = [
    frame(PHONE, BC, "0.0.0.0", "255.255.255.255", 68, 67,
          dhcp(1, PHONE, 1, [(12, name), (60, vc), (55, bytes([1, 3, 6, 15, 26, 28, 51, 58, 59, 43]))])),
    frame(PHONE, BC, "0.0.0.0", "255.255.255.255", 68, 67,
          dhcp(1, PHONE, 3, [(50, ip("192.0.2.77")), (12, name), (60, vc)])),
    frame(SERVER, PHONE, "192.0.2.1", "192.0.2.77", 67, 68,
          dhcp(2, PHONE, 5, [(54, ip("192.0.2.1")), (51, b"\0\0\x0e\x10")], yiaddr="192.0.2.77")),
    frame(LAPTOP, BC, "192.0.2.20", "255.255.255.255", 68, 67,
          dhcp(1, LAPTOP, 8, [(12, b"\x1b[31mpwn\x07\\x"), (60, b"MSFT 5.0")], ciaddr="192.0.2.20")),
    frame(IPHONE, BC, "0.0.0.0", "255.255.255.255", 68, 67,
          dhcp(1, IPHONE, 3, [(50, ip("192.0.2.30")), (12, b"iPhone\0\0")])),
    frame(NUL, BC, "0.0.0.0", "255.255.255.255", 68, 67,
          dhcp(1, NUL, 1, [(12, b"ab\0cd")])),
    frame(LAPTOP, BC, "0.0.0.0", "255.255.255.255", 68, 67,
          dhcp(1, LAPTOP, 4, [(50, ip("192.0.2.99")), (12, b"declined")])),
    frame("02:aa:bb:cc:dd:04", BC, "0.0.0.0", "255.255.255.255", 68, 67,
          dhcp(1, BC, 1, [(12, b"broadcast-chaddr")])),
]
# the phone asks DNS for an IOC host: the hit carries its MAC
q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
for label in b"c2.dhcp-test-ioc.net".split(b"."):
    q += bytes([len(label)]) + label
q += b"\0" + struct.pack("!HH", 1, 1)
frames.append(frame(PHONE, SERVER, "192.0.2.77", "192.0.2.1", 40000, 53, q))

with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)))
        f.write(fr)
EOF
echo "dhcp-test-ioc.net testfamily" >"$T/dhcp.rules"

dl_start -I "$T/dhcp.rules"
dl_send --topspeed "$T/dhcp.pcap"
dl_wait_hits 1 || dl_fail "the phone's DNS query gave no hit"
dl_wait_eq "select count(*) from devices where name is not null or vendor_class is not null" 3 ||
	dl_fail "devices: $(dl_sql 'select * from devices')"
dl_stop
[ "$DRC" = 0 ] || dl_fail "exit status $DRC"

row() { dl_sql "select coalesce(ip,'-'), coalesce(name,'-'), coalesce(vendor_class,'-') from devices where mac = '$1'"; }
[ "$(row 02:11:22:33:44:55)" = "192.0.2.77|android-5f3a9c|android-dhcp-14" ] ||
	dl_fail "phone: $(row 02:11:22:33:44:55)"
[ "$(dl_sql "select hex(name) || ' ' || ip || ' ' || vendor_class from devices where mac = '02:aa:bb:cc:dd:01'")" = \
	"1B5B33316D70776E075C78 192.0.2.20 MSFT 5.0" ] ||
	dl_fail "laptop (stored as sent, the DECLINE ignored): $(row 02:aa:bb:cc:dd:01)"
[ "$(row 02:aa:bb:cc:dd:02)" = "192.0.2.30|iPhone|-" ] || dl_fail "iphone: $(row 02:aa:bb:cc:dd:02)"
[ "$(row 02:aa:bb:cc:dd:03)" = "-|-|-" ] || dl_fail "a name with a NUL inside was kept: $(row 02:aa:bb:cc:dd:03)"
[ "$(dl_sql "select count(*) from devices where mac in ('ff:ff:ff:ff:ff:ff', '02:aa:bb:cc:dd:04')")" = 0 ] ||
	dl_fail "a broadcast chaddr was taken for a device"
[ "$(dl_sql "select client_mac || ' ' || client_ip from hits")" = "02:11:22:33:44:55 192.0.2.77" ] ||
	dl_fail "hit: $(dl_sql 'select client_mac, client_ip from hits')"

"$BIN" devices -d "$DB" >"$T/devices.out" 2>"$T/devices.err" || dl_fail "devices: $(cat "$T/devices.err")"
grep -q '^02:11:22:33:44:55  192\.0\.2\.77  *android-5f3a9c  *android-dhcp-14  .* 1$' "$T/devices.out" ||
	dl_fail "devices output for the phone: $(cat "$T/devices.out")"
grep -qF '\x1b[31mpwn\x07\\x' "$T/devices.out" || dl_fail "the hostile name is not shown escaped: $(cat -v "$T/devices.out")"
if LC_ALL=C grep -q "$(printf '\033')" "$T/devices.out"; then
	dl_fail "a raw ESC byte reached the terminal"
fi
"$BIN" devices -d "$DB" --json >"$T/devices.json" || dl_fail "devices --json"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/devices.json" ||
	dl_fail "devices --json is not JSON lines"
echo "t-daemon-dhcp: devices named from DHCP (host name, vendor class, address), hostile names escaped"
exit 0
