#!/usr/bin/env python3
"""Rebuild tests/fuzz/corpus/decode/ from frames of ../shared/pcaps.

Each corpus file is one selector byte (the index of the link type in
fuzz_decode.c's fz_dlts[], high nibble 0) followed by the frame bytes, or,
for the "multi-" files, the selector with high nibble 0xF followed by
records { dt seconds | length 2 | frame } that are decoded in sequence with
a fresh fragment table (reassembly seeds).
Frames come from real captures (see FRAMES); link types and tunnels that no
capture has (DLT_LOOP, DLT_IPV6, C_HDLC, PPP_SERIAL, IP-in-IP, 4in6, PPTP
GRE, ERSPAN III) are made by re-wrapping a real inner packet in headers
assembled here.

usage: tests/fuzz/mkcorpus_decode.py [SHARED_DIR]   (default ../shared)
"""
import os
import struct
import sys

DLTS = [1, 113, 276, 12, 14, 101, 228, 229, 0, 108, 9, 50, 104, 239]
LINKTYPE_TO_DLT = {101: 12}  # libpcap maps LINKTYPE_RAW to DLT_RAW

# (name, capture, frame number)
FRAMES = [
    ("eth-tls", "ndpi/443-curl.pcap", 4),
    ("eth-ip6-tls", "ndpi/http_ipv6.pcap", 90),
    ("sll-dns", "ndpi/KakaoTalk_chat.pcap", 1),
    ("sll-ip6-quic", "ndpi/quic-v2.pcapng", 1),
    ("sll2-http", "suricata-verify/decode-sll2-01/input.pcap", 4),
    ("raw-tls", "ndpi/bets.pcapng", 4),
    ("ipv4-fuzz", "ndpi/quic-fuzz-overflow.pcapng", 1),
    ("null-tls", "ndpi/selfsigned.pcap", 5),
    ("null-ip6-http", "suricata-verify/http-ipv6/input.pcap", 5),
    ("ppp-quic", "zeek/ppp/quic-interop-retry.pcap", 5),
    ("nflog-http", "zeek/nflog-http.pcap", 6),
    ("vlan-http", "zeek/http-vlan-0.pcap", 4),
    ("qinq-http", "zeek/http-qinq-0.pcap", 4),
    ("qinqinq-http", "zeek/vlan-qinqinq.pcap", 4),
    ("mpls-telnet", "zeek/mixed-vlan-mpls.pcap", 3),
    ("pppoe-http", "suricata-verify/bug-4810/pppoe-session-http.pcap", 4),
    ("qinq-pppoe-dns", "ndpi/dns.pcap", 4),
    ("erspan2-http", "suricata-verify/bug-5437-02/input.pcap", 14),
    ("gre-udp-dns", "zeek/tunnels/gre-over-udp-4754.pcap", 1),
    ("vxlan-http", "zeek/tunnels/vxlan-encapsulated-http.pcap", 4),
    ("vxlan-dns", "suricata-verify/vxlan-decoder-03/vxlan.pcap", 22),
    ("geneve-47101-tls", "zeek/tunnels/geneve-47101.pcap", 4),
    ("geneve-opts-http", "zeek/tunnels/geneve-many-options.pcap", 4),
    ("gtp-qinq", "ndpi/zoom.pcap", 701),
    ("gtp-frag1", "zeek/tunnels/gtp/gtp2_different_udp_port.pcap", 7),
    ("gtp-frag2", "zeek/tunnels/gtp/gtp2_different_udp_port.pcap", 8),
    ("teredo", "zeek/tunnels/Teredo.pcap", 6),
    ("6in4-http", "ndpi/6in4tunnel.pcap", 85),
    ("6in4-icmp6", "ndpi/6in4tunnel.pcap", 1),
    ("ip6-frag1", "zeek/ipv6-fragmented-dns.pcap", 6),
    ("ip6-frag2", "zeek/ipv6-fragmented-dns.pcap", 7),
    ("ip6-frag3", "zeek/ipv6-fragmented-dns.pcap", 8),
    ("ip4-trunc", "zeek/trunc/ip4-trunc.pcap", 1),
    ("tcp-trunc", "zeek/tcp/truncated-header.pcap", 1),
    ("icmp-error", "ndpi/teams.pcap", 1490),
    ("ip4-frag-fuzz", "ndpi/fuzz-2006-09-29-28586.pcap", 35),
]


def frame(shared, path, num):
    """(linktype, bytes) of frame num (1-based) of a pcap or pcapng file."""
    raw = open(os.path.join(shared, "pcaps", path), "rb").read()
    if raw[:4] == b"\x0a\x0d\x0d\x0a":
        return frame_pcapng(raw, num)
    magic = struct.unpack("<I", raw[:4])[0]
    e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    linktype = struct.unpack(e + "I", raw[20:24])[0] & 0x0fffffff
    off, n = 24, 0
    while off + 16 <= len(raw):
        incl = struct.unpack(e + "I", raw[off + 8:off + 12])[0]
        n += 1
        if n == num:
            return linktype, raw[off + 16:off + 16 + incl]
        off += 16 + incl
    raise SystemExit("%s: no frame %d" % (path, num))


def frame_pcapng(raw, num):
    off, n, e, ifaces = 0, 0, "<", []
    while off + 12 <= len(raw):
        btype = struct.unpack(e + "I", raw[off:off + 4])[0]
        if btype == 0x0a0d0d0a:
            e = "<" if raw[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        blen = struct.unpack(e + "I", raw[off + 4:off + 8])[0]
        body = raw[off + 8:off + blen - 4]
        if btype == 1:
            ifaces.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6:
            ifid, _, _, cap, _ = struct.unpack(e + "IIIII", body[:20])
            n += 1
            if n == num:
                return ifaces[ifid], body[20:20 + cap]
        elif btype == 3:
            n += 1
            if n == num:
                return ifaces[0], body[4:blen - 16]
        off += blen
    raise SystemExit("no frame %d" % num)


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ip4(proto, payload, src=b"\xc6\x33\x64\x01", dst=b"\xc6\x33\x64\x02"):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000,
                    64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ip6(nh, payload):
    return (struct.pack("!IHBB", 0x60000000, len(payload), nh, 64) +
            bytes.fromhex("20010db8000000000000000000000001") +
            bytes.fromhex("20010db8000000000000000000000002") + payload)


ETH = bytes.fromhex("020000000001020000000002")


def write(outdir, name, dlt, data):
    sel = DLTS.index(dlt)
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(bytes([sel]) + data)


def write_multi(outdir, name, dlt, frames):
    """frames: [(dt seconds, bytes)]"""
    out = bytes([0xf0 | DLTS.index(dlt)])
    for dt, fr in frames:
        out += struct.pack("!BH", dt, len(fr)) + fr
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(out)


def fragment4(pkt, cuts):
    """Cut a real IPv4 packet's payload at the byte offsets in cuts (each a
    multiple of 8) into (offset, bytes-of-a-fragment) pieces."""
    hl = (pkt[0] & 0x0f) * 4
    hdr, pl = bytearray(pkt[:hl]), pkt[hl:]
    bounds = [0] + list(cuts) + [len(pl)]
    pieces = []
    for i in range(len(bounds) - 1):
        a, b = bounds[i], bounds[i + 1]
        h = bytearray(hdr)
        more = 0x2000 if i < len(bounds) - 2 else 0
        struct.pack_into("!H", h, 2, hl + b - a)
        struct.pack_into("!H", h, 6, more | (a // 8))
        struct.pack_into("!H", h, 10, 0)
        struct.pack_into("!H", h, 10, csum(bytes(h)))
        pieces.append(bytes(h) + pl[a:b])
    return pieces


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else "../shared"
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = os.path.join(here, "corpus", "decode")
    os.makedirs(outdir, exist_ok=True)
    got = {}
    for name, path, num in FRAMES:
        lt, data = frame(shared, path, num)
        dlt = LINKTYPE_TO_DLT.get(lt, lt)
        write(outdir, name, dlt, data)
        got[name] = data

    raw4 = got["raw-tls"]                # a real IPv4/TCP ClientHello
    raw6 = got["null-ip6-http"][4:]      # a real IPv6/TCP HTTP request
    write(outdir, "ipv6-dlt229-http", 229, raw6)
    write(outdir, "raw14-tls", 14, raw4)
    write(outdir, "loop-tls", 108, b"\x00\x00\x00\x02" + got["null-tls"][4:])
    write(outdir, "loop-ip6-http", 108, b"\x00\x00\x00\x18" + raw6)
    write(outdir, "ppp-serial-quic", 50, got["ppp-quic"])
    write(outdir, "chdlc-tls", 104, b"\x0f\x00\x08\x00" + raw4)
    write(outdir, "ipip-tls", 1, ETH + b"\x08\x00" + ip4(4, raw4))
    write(outdir, "4in6-tls", 1, ETH + b"\x86\xdd" + ip6(4, raw4))
    write(outdir, "6in6-http", 1, ETH + b"\x86\xdd" + ip6(41, raw6))
    gre_key = struct.pack("!HHI", 0x2000, 0x0800, 7)
    write(outdir, "gre-key-tls", 1, ETH + b"\x08\x00" + ip4(47, gre_key + raw4))
    ppp = b"\xff\x03\x00\x21" + raw4
    pptp = struct.pack("!HHHHII", 0x3081, 0x880b, len(ppp), 1, 5, 4) + ppp
    write(outdir, "pptp-tls", 1, ETH + b"\x08\x00" + ip4(47, pptp))
    inner_eth = bytes.fromhex("2a0b0c0d0e0f1a1b1c1d1e1f0800") + raw4
    erspan3 = (struct.pack("!HHI", 0x1000, 0x22eb, 1) +
               struct.pack("!III", 0x20070005, 0x11223344, 1) + bytes(8))
    write(outdir, "erspan3-tls", 1, ETH + b"\x08\x00" + ip4(47, erspan3 + inner_eth))

    # reassembly seeds: real frames in sequence, and a real IPv4 packet cut
    write_multi(outdir, "multi-ip6-frags", 1,
                [(0, got["ip6-frag1"]), (0, got["ip6-frag2"]), (0, got["ip6-frag3"])])
    write_multi(outdir, "multi-gtp-outer-frags", 1,
                [(0, got["gtp-frag1"]), (0, got["gtp-frag2"])])
    a, b, c = fragment4(raw4, [128, 256])
    write_multi(outdir, "multi-ip4-in-order", 101, [(0, a), (0, b), (0, c)])
    write_multi(outdir, "multi-ip4-reverse", 101, [(0, c), (0, b), (0, a)])
    write_multi(outdir, "multi-ip4-duplicate", 101, [(0, a), (0, a), (0, c), (0, b)])
    write_multi(outdir, "multi-ip4-timeout", 101, [(0, a), (0, b), (31, c), (0, a), (0, b)])
    o1, o2 = fragment4(raw4, [136])
    o1b, o2b = fragment4(raw4, [128])
    write_multi(outdir, "multi-ip4-overlap", 101, [(0, o1), (0, o2b), (0, o2), (0, o1b)])
    print("wrote %d files to %s" % (len(os.listdir(outdir)), outdir))


if __name__ == "__main__":
    main()
