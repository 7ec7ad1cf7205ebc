#!/usr/bin/env python3
"""Write the hostile captures of pcaps/hostile/ (docs/hardening.md).

Every capture here is built byte by byte (python3 standard library only:
struct; no scapy) from the RFCs' layouts, each aimed at one way traffic can
lie.  What `stalkerwatch replay` must do with it is in NAME.expect beside
it, read by tests/t-hostile.sh:

    args ARGS...          extra arguments for replay (e.g. --flows 64)
    exit N                exit status of replay (--hostnames and -d runs)
    stdout TEXT           a line of --hostnames output contains TEXT
    nostdout TEXT         no line of --hostnames output contains TEXT
    stderr TEXT           the summary (stderr) contains TEXT
    stderr-re REGEX       a line of stderr matches the extended REGEX
    dbrows N              rows in the hits table after the -d run
    dbpath TEXT           a stored path (hits.path) equals TEXT
(TEXT is matched as fixed text; \\t in it is a tab.)

The captures are committed; run this again only to change them:
    python3 pcaps/hostile/make-hostile.py      (from anywhere)
It rewrites every NAME.pcap; the .expect files are written by hand.

Addresses: clients 10.66.0.0/16, servers 10.99.0.0/16 (and fd66::/fd99::).
Names meant to match pcaps/hostile/hostile.rules end in .hostile.test.
"""
import os
import struct

OUT = os.path.dirname(os.path.abspath(__file__))
T0 = 1700000000  # capture time of the first frame (seconds)

# ---- pcap files ------------------------------------------------------------


class Pcap:
    """A classic pcap file (microseconds, little endian)."""

    def __init__(self, linktype=1, snaplen=65535):
        self.hdr = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype)
        self.recs = []
        self.t = T0 * 1000000

    def add(self, frame, caplen=None, wirelen=None, dt_us=1000):
        self.t += dt_us
        cap = frame if caplen is None else frame[:caplen]
        wl = len(frame) if wirelen is None else wirelen
        self.recs.append(struct.pack("<IIII", self.t // 1000000, self.t % 1000000,
                                     len(cap), wl) + cap)

    def raw(self, b):
        """Append bytes as they are (a damaged record)."""
        self.recs.append(b)

    def data(self):
        return self.hdr + b"".join(self.recs)

    def write(self, name, cut=None):
        b = self.data()
        if cut is not None:
            b = b[:cut]
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(b)


# ---- headers ---------------------------------------------------------------

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def a4(s):
    return bytes(int(x) for x in s.split("."))


def eth(payload, etype=0x0800):
    return bytes.fromhex("02000000aa01" "02000000bb02") + struct.pack("!H", etype) + payload


def ip4(src, dst, proto, payload, tot=None, ihl=5, frag=0x4000, ident=1):
    opts = b"\x01" * ((ihl - 5) * 4) if ihl > 5 else b""
    hl = 20 + len(opts)
    total = hl + len(payload) if tot is None else tot
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | (ihl & 15), 0, total & 0xffff, ident, frag,
                    64, proto, 0, a4(src), a4(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ip6(src, dst, nh, payload, plen=None):
    n = len(payload) if plen is None else plen
    return struct.pack("!IHBB", 0x60000000, n, nh, 64) + src + dst + payload


def tcp(sport, dport, seq, ack, flags, payload=b"", doff=5, pad=True):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                    (doff & 15) << 4, flags, 65535, 0, 0)
    if doff > 5 and pad:
        h += b"\x01" * ((doff - 5) * 4)
    return h + payload


def udp(sport, dport, payload, length=None):
    n = 8 + len(payload) if length is None else length
    return struct.pack("!HHHH", sport, dport, n & 0xffff, 0) + payload


SYN, ACK, FIN, RST, PSH = 0x02, 0x10, 0x01, 0x04, 0x08


class Conn:
    """One TCP connection between a client and a server, over IPv4."""

    def __init__(self, pc, cli, srv, sport, dport=443, isn=1000, sisn=5000):
        self.pc, self.cli, self.srv = pc, cli, srv
        self.sport, self.dport = sport, dport
        self.cseq, self.sseq = isn, sisn

    def handshake(self):
        self.c(SYN, b"", seq=self.cseq)
        self.cseq += 1
        self.s(SYN | ACK, b"", seq=self.sseq)
        self.sseq += 1
        self.c(ACK, b"")

    def c(self, flags, data, seq=None, **kw):
        s = self.cseq if seq is None else seq
        self.pc.add(eth(ip4(self.cli, self.srv, 6,
                            tcp(self.sport, self.dport, s, self.sseq, flags, data))), **kw)
        if seq is None:
            self.cseq += len(data)

    def s(self, flags, data, seq=None):
        s = self.sseq if seq is None else seq
        self.pc.add(eth(ip4(self.srv, self.cli, 6,
                            tcp(self.dport, self.sport, s, self.cseq, flags, data))))
        if seq is None:
            self.sseq += len(data)

    def send(self, data, mss=1448):
        for i in range(0, len(data), mss):
            self.c(ACK | PSH, data[i:i + mss])


# ---- TLS -------------------------------------------------------------------

def ext(t, data):
    return struct.pack("!HH", t, len(data)) + data


def sni_ext(name):
    entry = b"\x00" + struct.pack("!H", len(name)) + name
    return ext(0, struct.pack("!H", len(entry)) + entry)


def hello_body(exts):
    body = b"\x03\x03" + bytes(range(32)) + b"\x00"       # version, random, no session id
    body += struct.pack("!H", 4) + b"\x13\x01\xc0\x2f"      # two cipher suites
    body += b"\x01\x00"                                      # null compression
    e = b"".join(exts)
    body += struct.pack("!H", len(e)) + e
    return body


def handshake(body, hlen=None):
    n = len(body) if hlen is None else hlen
    return b"\x01" + struct.pack("!I", n)[1:] + body


def records(msg, size=16384, rlen=None):
    out = b""
    for i in range(0, len(msg), size):
        frag = msg[i:i + size]
        n = len(frag) if rlen is None else rlen
        out += b"\x16\x03\x01" + struct.pack("!H", n & 0xffff) + frag
    return out


def client_hello(name, extra=()):
    exts = [sni_ext(name)] if name is not None else []
    exts += [ext(43, b"\x02\x03\x04"), ext(10, b"\x00\x02\x00\x1d")] + list(extra)
    return records(handshake(hello_body(exts)))


# ---- DNS -------------------------------------------------------------------

def dns_name(labels):
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\x00"


def dns_query(qid, qname_wire, qtype=1, flags=0x0100, qd=1, an=0, rest=b""):
    return struct.pack("!HHHHHH", qid, flags, qd, an, 0, 0) + qname_wire + \
        struct.pack("!HH", qtype, 1) + rest


# ---- the captures ------------------------------------------------------------

def good_conn(pc, sport, name, srv="10.99.0.1"):
    c = Conn(pc, "10.66.0.1", srv, sport)
    c.handshake()
    c.send(client_hello(name))
    return c


def cap_truncated():
    """A capture cut in the middle of a record, and one cut in its header."""
    pc = Pcap()
    good_conn(pc, 40001, b"before-cut.spy.hostile.test")
    n = len(pc.data())
    good_conn(pc, 40002, b"after-cut.spy.hostile.test")
    pc.write("trunc-mid-packet.pcap", cut=n + 16 + 30)   # inside frame 5's bytes
    pc.write("trunc-header.pcap", cut=10)                 # inside the file header
    # a record header that claims 16 MB of captured bytes
    pc = Pcap()
    good_conn(pc, 40003, b"before-bad-record.spy.hostile.test")
    pc.raw(struct.pack("<IIII", T0 + 5, 0, 0x01000000, 0x01000000) + b"\x00" * 64)
    good_conn(pc, 40004, b"never-read.spy.hostile.test")
    pc.write("bad-caplen.pcap")


def cap_snaplen():
    """Frames cut by the snapshot length: in the payload, in the TCP, UDP,
    IP and Ethernet headers."""
    pc = Pcap(snaplen=96)
    hello = client_hello(b"cut-by-snaplen.hostile.test")
    c = Conn(pc, "10.66.0.2", "10.99.0.2", 40010)
    c.handshake()
    c.c(ACK | PSH, hello, caplen=96)                       # hello cut in the payload
    c = Conn(pc, "10.66.0.2", "10.99.0.2", 40011, dport=80)
    c.handshake()
    c.c(ACK | PSH, b"GET / HTTP/1.1\r\nHost: cut-http.hostile.test\r\n\r\n", caplen=60)
    for cut in (50, 40, 30, 10):                             # TCP, TCP, IP, Ethernet header
        c.c(ACK | PSH, b"GET /x HTTP/1.1\r\nHost: x.hostile.test\r\n\r\n", caplen=cut)
    q = dns_query(7, dns_name([b"cut-dns", b"hostile", b"test"]))
    pc.add(eth(ip4("10.66.0.2", "10.99.0.53", 17, udp(40012, 53, q))), caplen=38)  # UDP hdr
    pc.add(eth(ip4("10.66.0.2", "10.99.0.53", 17, udp(40013, 53, q))), caplen=50)  # DNS hdr
    # and a whole one, which must still be read
    pc.add(eth(ip4("10.66.0.2", "10.99.0.53", 17,
                   udp(40014, 53, dns_query(8, dns_name([b"whole", b"hostile", b"test"]))))))
    pc.write("snaplen.pcap")


def cap_lying_lengths():
    """IP, TCP and UDP length fields that disagree with the frame."""
    pc = Pcap()
    cli, srv = "10.66.0.3", "10.99.0.3"
    seg = tcp(40020, 443, 1, 0, ACK | PSH, client_hello(b"lying.hostile.test"))
    q = dns_query(9, dns_name([b"lying-dns", b"hostile", b"test"]))
    frames = [
        ip4(cli, srv, 6, seg, tot=19),               # total length < header length
        ip4(cli, srv, 6, seg, tot=65535),            # total length beyond the frame
        ip4(cli, srv, 6, seg, ihl=15, tot=40),       # header longer than the total length
        ip4(cli, srv, 6, seg[:10]),                  # TCP header cut by the IP length
        ip4(cli, srv, 6, tcp(40021, 443, 1, 0, ACK, b"abc", doff=15, pad=False)),  # offset past the end
        ip4(cli, srv, 6, tcp(40022, 443, 1, 0, ACK, b"abc", doff=2)),   # offset < 5
        ip4(cli, srv, 17, udp(40023, 53, q, length=4)),          # UDP length < 8
        ip4(cli, srv, 17, udp(40024, 53, q, length=9000)),       # beyond the IP payload
        ip4(cli, srv, 17, udp(40025, 53, q, length=20)),         # shorter than the message
        ip6(b"\xfd\x66" + b"\0" * 13 + b"\x03", b"\xfd\x99" + b"\0" * 13 + b"\x03", 17,
            udp(40026, 53, q), plen=60000),                      # IPv6 payload length lies
        ip6(b"\xfd\x66" + b"\0" * 13 + b"\x03", b"\xfd\x99" + b"\0" * 13 + b"\x03", 17,
            udp(40027, 53, q), plen=3),                          # shorter than UDP
        b"\x45",                                                 # one byte of IPv4
    ]
    for f in frames:
        pc.add(eth(f if f[0] >> 4 == 4 else f, 0x0800 if f[0] >> 4 == 4 else 0x86dd))
    pc.add(eth(b"\x60\x00", 0x86dd))                             # two bytes of IPv6
    pc.add(b"\x02\x00\x00")                                      # three bytes of Ethernet
    pc.write("lying-lengths.pcap")


def cap_tls_lengths():
    """ClientHellos whose lengths overflow their container."""
    pc = Pcap()
    body = hello_body([sni_ext(b"overflow.hostile.test")])
    bad = [
        # record length beyond any TLS record (2^14 + 2048)
        b"\x16\x03\x01\x48\x01" + handshake(body),
        # handshake length far beyond the record and the hello limit
        records(handshake(body, hlen=0xffffff)),
        # handshake length one byte longer than the record, then a non-handshake record
        records(handshake(body, hlen=len(body) + 1)) + b"\x17\x03\x03\x00\x01\x00",
        # extensions block longer than the hello
        # (version 2, random 32, session id 1, suites 2 + 4, compression 2)
        records(handshake(body[:43] + struct.pack("!H", 0xfff0) + body[45:])),
        # server_name list length lies
        client_hello(None, [ext(0, b"\xff\xff\x00\x00\x05abcde")]),
        # server name length lies
        client_hello(None, [ext(0, b"\x00\x08\x00\xff\xf0abcde")]),
        # an extension length past the extensions block
        client_hello(b"ext-overflow.hostile.test", [b"\x00\x15\xff\xff"]),
        # two server_name extensions
        client_hello(b"dup1.hostile.test", [sni_ext(b"dup2.hostile.test")]),
        # a record of length 0, then the hello
        b"\x16\x03\x01\x00\x00" + client_hello(b"zero-record.hostile.test"),
    ]
    for i, b in enumerate(bad):
        c = Conn(pc, "10.66.0.4", "10.99.0.4", 40100 + i)
        c.handshake()
        c.send(b)
        c.c(FIN | ACK, b"")
    good_conn(pc, 40199, b"tls-after.hostile.test")
    pc.write("tls-lengths.pcap")


def cap_tls_many_ext():
    """ClientHellos with hundreds of extensions."""
    pc = Pcap()
    many = [ext(0x1a1a + i, b"") for i in range(250)]       # (types unused in TLS)
    c = Conn(pc, "10.66.0.5", "10.99.0.5", 40200)
    c.handshake()
    # 250 empty extensions, then SNI last: 252 in all, under the limit
    c.send(records(handshake(hello_body(many + [ext(43, b"\x02\x03\x04"),
                                                sni_ext(b"ext-250.hostile.test")]))))
    c = Conn(pc, "10.66.0.5", "10.99.0.5", 40201)
    c.handshake()
    # 600 extensions: more than SW_TLS_EXT_MAX, malformed
    more = [ext(0x2000 + i, b"x") for i in range(600)]
    c.send(records(handshake(hello_body(more + [sni_ext(b"ext-600.hostile.test")]))))
    c = Conn(pc, "10.66.0.5", "10.99.0.5", 40202)
    c.handshake()
    # 4000 extensions: a 16 KB hello over two records, split into segments
    huge = [ext(0x3000 + i, b"") for i in range(4000)]
    c.send(records(handshake(hello_body([sni_ext(b"ext-4000.hostile.test")] + huge)),
                   size=9000))
    good_conn(pc, 40203, b"ext-after.hostile.test")
    pc.write("tls-many-ext.pcap")


def cap_dns_pointers():
    """DNS names with compression loops, forward pointers and overlong names."""
    pc = Pcap()
    hdr = lambda qid, an=0: struct.pack("!HHHHHH", qid, 0x0100, 1, an, 0, 0)
    tail = struct.pack("!HH", 1, 1)
    msgs = [
        hdr(1) + b"\xc0\x0c" + tail,                         # points at itself
        hdr(2) + b"\x01a\xc0\x0c" + tail,                    # a label, then back to its start
        hdr(3) + b"\xc0\x12" + tail + b"\x03bad\x04test\x00",  # forward pointer
        hdr(4) + b"\xc3\xff" + tail,                         # pointer past the end
        hdr(5) + b"\x01a\xc0\x0e" + tail,                    # points into itself (mid-name)
        hdr(6) + b"\x40" + b"a" * 64 + b"\x00" + tail,      # label of 64 (reserved bits)
        hdr(7) + b"".join(b"\x3f" + b"b" * 63 for _ in range(5)) + b"\x00" + tail,  # > 255
        hdr(8) + b"\x80\x00" + tail,                         # reserved label type 10
        hdr(9) + b"\x05short" + tail,                        # name without its end
    ]
    # a response whose second answer's owner name is a chain of 100 backward
    # pointers (each to the one before it) kept in the first answer's data:
    # every pointer is legal, the chain is longer than SW_DNS_PTR_HOPS
    m = bytearray(struct.pack("!HHHHHH", 10, 0x8180, 1, 2, 0, 0))
    m += dns_name([b"chain", b"hostile", b"test"]) + tail      # question at 12
    m += b"\xc0\x0c" + struct.pack("!HHIH", 99, 1, 60, 200)   # answer 1: type 99
    prev = 12
    for _ in range(100):
        here = len(m)
        m += struct.pack("!H", 0xc000 | prev)
        prev = here
    m += struct.pack("!H", 0xc000 | prev) + struct.pack("!HHIH", 1, 1, 60, 4) + b"\x0a\0\0\1"
    msgs.append(bytes(m))
    # an answer with a loop in its owner name
    msgs.append(struct.pack("!HHHHHH", 11, 0x8180, 1, 1, 0, 0) +
                dns_name([b"ans", b"hostile", b"test"]) + tail +
                b"\xc0\x27" + struct.pack("!HHIH", 1, 1, 60, 4) + b"\x0a\x00\x00\x01")
    for i, m in enumerate(msgs):
        pc.add(eth(ip4("10.66.0.6", "10.99.0.53", 17, udp(41000 + i, 53, m))))
    # DNS over TCP: a length prefix longer than the message, then a loop
    c = Conn(pc, "10.66.0.6", "10.99.0.53", 41100, dport=53)
    c.handshake()
    c.send(struct.pack("!H", 9000) + msgs[0])
    c = Conn(pc, "10.66.0.6", "10.99.0.53", 41101, dport=53)
    c.handshake()
    c.send(struct.pack("!H", len(msgs[1])) + msgs[1])
    pc.add(eth(ip4("10.66.0.6", "10.99.0.53", 17,
                   udp(41200, 53, dns_query(99, dns_name([b"dns-after", b"hostile", b"test"]))))))
    pc.write("dns-pointers.pcap")


ESC_TITLE = b"\x1b]0;owned\x07"
ESC_CLEAR = b"\x1b[2J\x1b[H"
SQL = b"x'); DROP TABLE hits;--"


def cap_hostile_names():
    """Hostnames with NUL bytes, terminal escapes, quotes and SQL, 64 KB long,
    in SNI, HTTP Host, the request path and DNS."""
    pc = Pcap()
    snis = [
        b"nul\x00.spy.hostile.test",
        ESC_TITLE + b"esc.spy.hostile.test",
        ESC_CLEAR + b".spy.hostile.test",
        b"quote\"s.spy.hostile.test",
        SQL + b".spy.hostile.test",
        b"spy.hostile.test\x00" + ESC_CLEAR,                 # a valid name, then junk
        b"L" * 15000 + b".spy.hostile.test",                 # longer than any name
    ]
    for i, n in enumerate(snis):
        c = Conn(pc, "10.66.0.7", "10.99.0.7", 42000 + i)
        c.handshake()
        c.send(client_hello(n))
    hosts = [
        b"nul\x00.spy.hostile.test",
        ESC_TITLE + b".spy.hostile.test",
        b"\"quoted\".spy.hostile.test",
        SQL,
        b"spy.hostile.test" + ESC_CLEAR,                     # cut at ESC: a valid name
        b"H" * 65536,                                        # 64 KB Host: over the head limit
    ]
    for i, h in enumerate(hosts):
        c = Conn(pc, "10.66.0.7", "10.99.0.80", 42100 + i, dport=80)
        c.handshake()
        c.send(b"GET /p HTTP/1.1\r\nHost: " + h + b"\r\nUser-Agent: x\r\n\r\n")
    # paths with quotes, SQL, percent-escapes and bytes >= 0x80, to a host that
    # matches: stored in the database as seen, escaped when printed
    c = Conn(pc, "10.66.0.7", "10.99.0.80", 42200, dport=80)
    c.handshake()
    c.send(b"GET /up?q=" + SQL.replace(b" ", b"%20") + b"&n=\"1\"&e=%1b%5b2J&b=\xff\xfe\xc3\xa9 "
           b"HTTP/1.1\r\nHost: spy.hostile.test\r\n\r\n")
    # a path with a raw ESC: not a request target
    c = Conn(pc, "10.66.0.7", "10.99.0.80", 42201, dport=80)
    c.handshake()
    c.send(b"GET /x" + ESC_CLEAR + b" HTTP/1.1\r\nHost: spy.hostile.test\r\n\r\n")
    qnames = [
        [b"nul\x00", b"spy", b"hostile", b"test"],
        [ESC_TITLE, b"spy", b"hostile", b"test"],
        [b"quote'\"", b"spy", b"hostile", b"test"],
        [SQL, b"spy", b"hostile", b"test"],
        [b"dns", b"spy", b"hostile", b"test"],               # a good one: a hit
    ]
    for i, q in enumerate(qnames):
        pc.add(eth(ip4("10.66.0.7", "10.99.0.53", 17,
                       udp(42300 + i, 53, dns_query(100 + i, dns_name(q))))))
    good_conn(pc, 42400, b"sni.spy.hostile.test")
    pc.write("hostile-names.pcap")


def cap_flow_flood():
    """3000 new flows (SYNs from distinct addresses and ports), then a whole
    connection: replayed with --flows 64, the table evicts and goes on."""
    pc = Pcap()
    for i in range(3000):
        cli = "10.66.%d.%d" % (1 + i // 250, 1 + i % 250)
        pc.add(eth(ip4(cli, "10.99.1.1", 6, tcp(20000 + i % 30000, 443, i * 7919, 0, SYN))),
               dt_us=50)
    good_conn(pc, 40300, b"after-flood.spy.hostile.test")
    pc.write("flow-flood.pcap")


def cap_hello_flood():
    """700 connections that each send the first segment of a ClientHello and
    never the rest: the first 512 fill the reassembly pool, each later one
    takes the least recently fed slot.  Then a whole hello in one segment
    (needs no slot) and one split in two (takes a slot and keeps it until
    its second segment)."""
    pc = Pcap()
    hello = client_hello(b"half.hostile.test", [ext(21, b"\x00" * 600)])
    for i in range(700):
        cli = "10.66.%d.%d" % (10 + i // 250, 1 + i % 250)
        c = Conn(pc, cli, "10.99.2.1", 30000 + i)
        c.c(SYN, b"", seq=c.cseq, dt_us=100)
        c.cseq += 1
        c.c(ACK | PSH, hello[:200], dt_us=100)
    good_conn(pc, 40400, b"whole-after.spy.hostile.test", srv="10.99.2.2")
    c = Conn(pc, "10.66.0.9", "10.99.2.3", 40401)
    c.handshake()
    h = client_hello(b"split-after.spy.hostile.test")
    c.c(ACK | PSH, h[:100])
    c.c(ACK | PSH, h[100:])
    pc.write("hello-flood.pcap")


def cap_many_hits():
    """800 DNS queries for distinct 230-character names that match: 800 rows
    (about 600 KB of database), for tests/t-storage.sh to fill a small file
    system with; each query a second apart."""
    pc = Pcap()
    pad = [b"p" * 60, b"q" * 60, b"r" * 60]
    for i in range(800):
        q = dns_query(i, dns_name([b"h%05d" % i] + pad + [b"spy", b"hostile", b"test"]))
        pc.add(eth(ip4("10.66.0.10", "10.99.0.53", 17, udp(43000 + i % 20000, 53, q))),
               dt_us=1000000)
    pc.write("many-hits.pcap")


def main():
    cap_truncated()
    cap_snaplen()
    cap_lying_lengths()
    cap_tls_lengths()
    cap_tls_many_ext()
    cap_dns_pointers()
    cap_hostile_names()
    cap_flow_flood()
    cap_hello_flood()
    cap_many_hits()


if __name__ == "__main__":
    main()
