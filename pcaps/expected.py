#!/usr/bin/env python3
"""expected.py: re-derive a capture's expected `stalkerwatch replay --hostnames`
lines from tshark's dissection, so that regenerating pcaps/ is reproducible.

  expected.py hostnames FILE   print the sorted, unique lines
                               kind<TAB>client_ip<TAB>server_ip<TAB>server_port<TAB>value
  expected.py hellos FILE      one line per TLS ClientHello carried over TCP:
                               frame<TAB>sni<TAB>segments<TAB>segment frames<TAB>
                               hello bytes<TAB>segment holding the SNI ("1-2": split)
                               (make-captures.sh checks that Chromium's is split)

What tshark (4.0, default preferences plus TCP/TLS/HTTP reassembly) says is
turned into the project's form, the same rules as truth.tsv in ../shared/pcaps
but normalised the way stalkerwatch prints:
  sni    tls.handshake.extensions_server_name of a ClientHello over TCP
  quic   the same field of a ClientHello inside a (decrypted) QUIC Initial
  http   http.host of a request, lower-cased, ":port" removed
  uri    http.request.uri, exactly as on the request line
  dns    dns.qry.name of a standard query (QR=0, opcode 0), UDP or TCP
Names (sni, quic, http, dns) are lower-cased with one trailing dot removed;
a value that is not a hostname (an IP literal, a byte outside
[A-Za-z0-9._-], an empty label) is left out and reported on stderr.
client_ip/server_ip/server_port are the source address, destination address
and destination port of the packet that carries the value (the client sends
ClientHellos, requests and queries).  Frames inside ICMP errors are skipped.
Python standard library + tshark only.
"""
import json
import re
import subprocess
import sys

TSHARK_OPTS = [
    "-n",
    "-o", "tcp.desegment_tcp_streams:TRUE",
    "-o", "tls.desegment_ssl_records:TRUE",
    "-o", "http.desegment_headers:TRUE",
]
FILTER = ("(tls.handshake.type == 1 || http.request"
          " || (dns.flags.response == 0 && dns.flags.opcode == 0))"
          " && !icmp && !icmpv6")
FIELDS = ["frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "tcp.dstport", "udp.dstport", "tls.handshake.type",
          "tls.handshake.extensions_server_name", "http.host",
          "http.request.uri", "dns.qry.name", "dns.flags.response"]

LABEL = re.compile(r"^[a-z0-9_-]{1,63}$")
IP4 = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){3}$")


def tshark_json(path, dfilter, fields):
    cmd = ["tshark", "-r", path, *TSHARK_OPTS, "-Y", dfilter, "-T", "json"]
    for f in fields:
        cmd += ["-e", f]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("expected.py: %s failed:\n%s" % (" ".join(cmd), run.stderr))
    out = run.stdout
    rows = []
    for pkt in json.loads(out or "[]"):
        rows.append(pkt["_source"]["layers"])
    return rows


def hostname(value):
    """Normalised hostname, or None when value is not one."""
    v = value.lower()
    if v.endswith("."):
        v = v[:-1]
    if not v or len(v) > 253 or IP4.match(v) or ":" in v:
        return None
    labels = v.split(".")
    if labels[0] == "*":
        labels = labels[1:]
    if not all(LABEL.match(l) for l in labels):
        return None
    return v


def http_host(value):
    """Host header value -> host part (RFC 9110 7.2: uri-host [":" port])."""
    v = value.strip(" \t")
    if v.startswith("["):
        return v  # an IPv6 literal: hostname() refuses it
    host, colon, port = v.rpartition(":")
    if colon and port.isdigit():
        return host
    return v


def last(layers, name):
    v = layers.get(name)
    return v[-1] if v else None


def hostnames(path):
    lines = set()
    for l in tshark_json(path, FILTER, FIELDS):
        src = last(l, "ip.src") or last(l, "ipv6.src")
        dst = last(l, "ip.dst") or last(l, "ipv6.dst")
        udp = last(l, "udp.dstport")
        tcp = last(l, "tcp.dstport")
        port = tcp or udp
        found = []
        for sni in l.get("tls.handshake.extensions_server_name", []):
            found.append(("quic" if udp and not tcp else "sni", sni))
        for h in l.get("http.host", []):
            found.append(("http", http_host(h)))
        for u in l.get("http.request.uri", []):
            found.append(("uri", u))
        # dns.qry.name of queries only: a frame (TCP) may hold answers too
        resp = l.get("dns.flags.response", [])
        names = l.get("dns.qry.name", [])
        if len(resp) == len(names):
            names = [n for n, r in zip(names, resp) if r in ("0", "False", "false")]
        for n in names:
            found.append(("dns", n))
        for kind, value in found:
            if kind != "uri":
                norm = hostname(value)
                if norm is None:
                    print("expected.py: %s frame %s: %s %r is not a hostname, left out"
                          % (path, l["frame.number"][0], kind, value), file=sys.stderr)
                    continue
                value = norm
            lines.add("\t".join([kind, src, dst, port, value]))
    return sorted(lines)


def hellos(path):
    payload = {}
    for l in tshark_json(path, "tcp.len > 0", ["frame.number", "tcp.payload"]):
        if "tcp.payload" in l:
            payload[l["frame.number"][0]] = bytes.fromhex(l["tcp.payload"][0].replace(":", ""))
    out = []
    rows = tshark_json(path, "tls.handshake.type == 1 && tcp",
                       ["frame.number", "tls.handshake.extensions_server_name",
                        "tcp.segment.count", "tcp.segment", "tls.handshake.length"])
    for l in rows:
        sni = l.get("tls.handshake.extensions_server_name", [""])[0]
        segs = l.get("tcp.segment", l["frame.number"])
        # which segment(s) hold the server name's bytes: "2", or "1-2" when
        # the name straddles the boundary
        stream = b"".join(payload.get(f, b"") for f in segs)
        where = "?"
        at = stream.find(sni.encode()) if sni else -1
        if at >= 0:
            ends, first, lastseg, pos = [], None, None, 0
            for i, f in enumerate(segs, 1):
                pos += len(payload.get(f, b""))
                ends.append(pos)
            first = next(i for i, e in enumerate(ends, 1) if at < e)
            lastseg = next(i for i, e in enumerate(ends, 1) if at + len(sni) <= e)
            where = str(first) if first == lastseg else "%d-%d" % (first, lastseg)
        out.append("\t".join([
            l["frame.number"][0],
            sni,
            ",".join(l.get("tcp.segment.count", ["1"])),
            ",".join(segs),
            ",".join(str(int(x) + 4) for x in l.get("tls.handshake.length", [])),
            where,
        ]))
    return out


def main(argv):
    if len(argv) != 3 or argv[1] not in ("hostnames", "hellos"):
        print(__doc__, file=sys.stderr)
        return 2
    fn = hostnames if argv[1] == "hostnames" else hellos
    for line in fn(argv[2]):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
