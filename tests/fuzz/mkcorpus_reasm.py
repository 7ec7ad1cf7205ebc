#!/usr/bin/env python3
"""Rebuild tests/fuzz/corpus/reasm/ from the TCP connections of pcaps/.

Each corpus file is a sequence of fuzz_reasm.c records
    flow | flags | seq (int16) | dt | len (2) | payload
made from the segments (and UDP datagrams: DNS, QUIC) of real connections
in the project's captures (pcaps/*.pcap, pcaps/demo.pcapng), in capture
order: one file per capture
(all its TCP connections interleaved, as captured), and a few variations of
the split ClientHellos that reassembly exists for (segments reversed, one
retransmitted with a different byte, one duplicated, a gap), made from the
same bytes.

Connections map to fuzz_reasm flows by server port (443 -> flow % 4 == 0,
80 -> 1, 53 -> 2, anything else -> 3; IPv6 -> flow >= 128).  Sequence
offsets are taken from the SYN of each direction, so that fuzz_reasm's
fixed ISN plays the role of the SYN's sequence number.  Server payloads are
kept only for DNS (answers are read); other server segments keep their
flags and lose their bytes, which the pipeline never reads.

usage: tests/fuzz/mkcorpus_reasm.py    (from anywhere; python3 only)
"""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus", "reasm")
PORT_CLASS = {443: 0, 80: 1, 53: 2}


def frames(path):
    """(linktype, ts_us, bytes) of each frame of a pcap or pcapng file."""
    raw = open(path, "rb").read()
    out = []
    if raw[:4] == b"\x0a\x0d\x0d\x0a":
        off, e, ifaces = 0, "<", []
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
                ifid, hi, lo, cap, _ = struct.unpack(e + "IIIII", body[:20])
                out.append((ifaces[ifid], hi << 32 | lo, body[20:20 + cap]))
            off += blen
        return out
    magic = struct.unpack("<I", raw[:4])[0]
    e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
    lt = struct.unpack(e + "I", raw[20:24])[0] & 0x0fffffff
    off = 24
    while off + 16 <= len(raw):
        sec, frac, incl, _ = struct.unpack(e + "IIII", raw[off:off + 16])
        us = sec * 1000000 + (frac // 1000 if nano else frac)
        out.append((lt, us, raw[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out


def tcp_of(lt, fr):
    """(v6, src, dst, sport, dport, seq, flags, payload) or None; UDP
    datagrams come back with seq 0 and flags 0x100."""
    if lt == 1:
        et = struct.unpack("!H", fr[12:14])[0]
        ip = fr[14:]
    elif lt in (101, 12):
        ip = fr
        et = 0x0800 if ip[0] >> 4 == 4 else 0x86dd
    elif lt == 113:
        et = struct.unpack("!H", fr[14:16])[0]
        ip = fr[16:]
    else:
        return None
    if et == 0x0800:
        hl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        if ip[9] not in (6, 17):
            return None
        src, dst, seg, v6 = ip[12:16], ip[16:20], ip[hl:tot], False
        proto = ip[9]
    elif et == 0x86dd:
        if ip[6] not in (6, 17):
            return None
        plen = struct.unpack("!H", ip[4:6])[0]
        src, dst, seg, v6 = ip[8:24], ip[24:40], ip[40:40 + plen], True
        proto = ip[6]
    else:
        return None
    if proto == 17:
        sport, dport = struct.unpack("!HH", seg[:4])
        return v6, src, dst, sport, dport, 0, 0x100, seg[8:]
    sport, dport, seq = struct.unpack("!HHI", seg[:8])
    doff = (seg[12] >> 4) * 4
    return v6, src, dst, sport, dport, seq, seg[13], seg[doff:]


def records(path):
    """The fuzz_reasm records of every TCP segment of a capture."""
    conns, nxt = {}, [0, 0, 0, 0]
    out, last = [], None
    for lt, ts, fr in frames(path):
        t = tcp_of(lt, fr)
        if not t:
            continue
        v6, src, dst, sport, dport, seq, fl, pl = t
        key = (src, sport, dst, dport)
        rkey = (dst, dport, src, sport)
        if key in conns:
            c, srv = conns[key], False
        elif rkey in conns:
            c, srv = conns[rkey], True
        else:
            cls = PORT_CLASS.get(dport, 3)
            idx = cls + 4 * nxt[cls]
            nxt[cls] += 1
            if idx >= 128:
                continue
            c = {"flow": idx + (128 if v6 else 0), "isn": [None, None]}
            conns[key] = c
            srv = False
        d = 1 if srv else 0
        if fl & 0x100:  # a UDP datagram: kept whole, both ways
            dt = 0 if last is None else max(0, (ts - last) // 1000)
            last = ts
            dt = dt if dt < 0xf0 else min(0xff, 0xef + dt // 60000)
            out.append((c["flow"], d | 0x40, 0, dt, pl))
            continue
        if c["isn"][d] is None:
            c["isn"][d] = seq if fl & 0x02 else (seq - 1) & 0xffffffff
        off = (seq - c["isn"][d]) & 0xffffffff
        if off >= 0x8000:
            continue  # beyond what a seed needs (the stream's head)
        if srv and PORT_CLASS.get(sport) != 2:
            pl = b""
        # tcp flags -> record flags: SYN ACK FIN RST PSH at bits 1-5
        rf = d | (fl >> 1 & 1) << 1 | (fl >> 4 & 1) << 2 | (fl & 1) << 3 | \
            (fl >> 2 & 1) << 4 | (fl >> 3 & 1) << 5
        dt = 0 if last is None else max(0, (ts - last) // 1000)
        last = ts
        dt = dt if dt < 0xf0 else min(0xff, 0xef + dt // 60000)
        out.append((c["flow"], rf, off, dt, pl))
    return out


def pack(recs):
    b = b""
    for flow, fl, off, dt, pl in recs:
        b += struct.pack("!BBhBH", flow, fl, off if off < 0x8000 else off - 0x10000,
                         dt, len(pl)) + pl
    return b


def write(name, recs):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(pack(recs))


def main():
    os.makedirs(OUT, exist_ok=True)
    caps = {}
    for name in sorted(os.listdir(os.path.join(ROOT, "pcaps"))):
        if name.endswith((".pcap", ".pcapng")):
            recs = records(os.path.join(ROOT, "pcaps", name))
            if recs:
                base = name.rsplit(".", 1)[0]
                caps[base] = recs
                write("cap-" + base, recs)
    # the first connection of the split-hello capture, and variations of it
    split = [r for r in caps["tls-chromium-split"] if r[0] == caps["tls-chromium-split"][0][0]]
    data = [r for r in split if r[1] & 1 == 0 and r[4]]
    ctl = [r for r in split if not (r[1] & 1 == 0 and r[4])]
    hs = ctl[:3]
    write("split-in-order", hs + data[:2])
    write("split-reversed", hs + data[:2][::-1])
    dup = data[0]
    write("split-duplicate", hs + [data[0], dup, data[1]])
    d1 = data[1]
    bad = (d1[0], d1[1], d1[2], d1[3], d1[4][:-1] + bytes([d1[4][-1] ^ 0xff]))
    write("split-conflict", hs + [data[1], bad, data[0]])
    write("split-gap", hs + [data[1]])
    # cut every 7 bytes, sent in order
    b = data[0][4] + data[1][4]
    cut = [(data[0][0], data[0][1], data[0][2] + i, 1, b[i:i + 7]) for i in range(0, len(b), 7)]
    write("split-every-7", hs + cut)


if __name__ == "__main__":
    main()
