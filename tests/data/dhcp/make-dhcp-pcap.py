#!/usr/bin/env python3
# make-dhcp-pcap.py OUT.pcap: a capture of DHCP traffic (RFC 2131/2132,
# written by hand) and one DNS query, for the device-naming tests
# (tests/t-daemon-dhcp.sh live, tests/t-replay-devices.sh through replay;
# the checks are in tests/dhcp-check.sh):
#   phone   DISCOVER and REQUEST (option 50 192.0.2.77) with host name
#           "android-5f3a9c" (12) and vendor class "android-dhcp-14" (60),
#           then the server's ACK; then a DNS query for c2.dhcp-test-ioc.net
#   laptop  INFORM from 192.0.2.20 with a host name full of terminal escapes
#           and vendor class "MSFT 5.0"
#   iphone  REQUEST with "iPhone" NUL-padded (the padding is not kept)
#   nulname DISCOVER with a NUL inside the host name (not kept)
#   relay   a DECLINE (names nothing) and a broadcast chaddr (ignored)
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
