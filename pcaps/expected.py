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
  ech    the server_name of a ClientHello (TCP or QUIC) that carries the
         encrypted_client_hello extension (type 0xfe0d = 65037), again
  resolved  the query name of a DNS answer (A/AAAA of the question's CNAME
         chain, NOERROR) for a flow of that client to that address which
         shows no name of its own: no ClientHello or HTTP request at its
         first client payload, a hello without server_name, an ECH hello
         whose outer name is another, HTTP whose Host is no hostname.  The
         answer must come before the flow, at most 300 s before
         (SW_RSLV_TTL_MIN_S: TTLs are clamped up to it); the client is its
         IP address (the captures here are on loopback: no MACs)
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
          "http.request.uri", "dns.qry.name", "dns.flags.response",
          "tls.handshake.extension.type"]

LABEL = re.compile(r"^[a-z0-9_-]{1,63}$")
IP4 = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){3}$")


def tshark_json(path, dfilter, fields, two_pass=False):
    cmd = ["tshark", "-r", path, *TSHARK_OPTS, "-Y", dfilter, "-T", "json"]
    if two_pass:
        cmd.insert(1, "-2")   # tcp.reassembled_in on a message's first segments
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
        ech = "65037" in l.get("tls.handshake.extension.type", [])
        for sni in l.get("tls.handshake.extensions_server_name", []):
            found.append(("quic" if udp and not tcp else "sni", sni))
            if ech:
                found.append(("ech", sni))
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
    lines.update(resolved(path))
    return sorted(lines)


RSLV_TTL_MIN = 300.0
RSLV_FIELDS = ["frame.number", "frame.time_epoch", "ip.src", "ip.dst", "ipv6.src",
               "ipv6.dst", "tcp.stream", "udp.stream", "tcp.srcport", "tcp.dstport",
               "udp.srcport", "udp.dstport", "tcp.flags.syn", "tcp.flags.ack", "tcp.len",
               "udp.length", "dns.flags.response", "dns.flags.rcode", "dns.count.answers",
               "dns.qry.name", "dns.resp.type", "dns.resp.name", "dns.a", "dns.aaaa",
               "dns.cname", "tls.handshake.type", "tls.handshake.extensions_server_name",
               "tls.handshake.extension.type", "http.request", "http.host", "quic",
               "tcp.reassembled_in"]


def dns_chain(l):
    """(query name, [(owner, type, value)] of the answer section) of a response."""
    n = int(last(l, "dns.count.answers") or 0)
    types = l.get("dns.resp.type", [])[:n]
    owners = l.get("dns.resp.name", [])[:n]
    a4, a6, cn = list(l.get("dns.a", [])), list(l.get("dns.aaaa", [])), list(l.get("dns.cname", []))
    recs = []
    for t, o in zip(types, owners):
        v = None
        if t == "1" and a4:
            v = a4.pop(0)
        elif t == "28" and a6:
            v = a6.pop(0)
        elif t == "5" and cn:
            v = cn.pop(0)
        recs.append(((o or "").lower().rstrip("."), t, v))
    return (l.get("dns.qry.name", [""])[0].lower().rstrip("."), recs)


def resolved(path):
    """The `resolved` lines (see the module's docstring)."""
    cache = {}       # (client, addr) -> (time, query name)
    flows = {}       # ("tcp"/"udp", stream) -> state
    out = set()
    for l in tshark_json(path, "!icmp && !icmpv6 && (tcp || udp)", RSLV_FIELDS, True):
        t = float(l["frame.time_epoch"][0])
        src = last(l, "ip.src") or last(l, "ipv6.src")
        dst = last(l, "ip.dst") or last(l, "ipv6.dst")
        tcp = "tcp.stream" in l
        sport = last(l, "tcp.srcport" if tcp else "udp.srcport")
        dport = last(l, "tcp.dstport" if tcp else "udp.dstport")
        if "53" in (sport, dport):
            if last(l, "dns.flags.response") in ("1", "True", "true") and last(l, "dns.flags.rcode") == "0":
                q, recs = dns_chain(l)
                chain = [q]
                for _ in recs:
                    nxt = [v for o, ty, v in recs if ty == "5" and o == chain[-1] and v]
                    if not nxt or nxt[0].lower().rstrip(".") in chain:
                        break
                    chain.append(nxt[0].lower().rstrip("."))
                for o, ty, v in recs:
                    if ty in ("1", "28") and v and o in chain and v not in ("0.0.0.0", "::"):
                        cache[(dst, v)] = (t, q)
            continue
        key = ("tcp" if tcp else "udp", last(l, "tcp.stream" if tcp else "udp.stream"))
        f = flows.get(key)
        if f is None:
            syn = last(l, "tcp.flags.syn") in ("1", "True", "true")
            ack = last(l, "tcp.flags.ack") in ("1", "True", "true")
            cli, srv = (dst, src) if (tcp and syn and ack) else (src, dst)
            cand = cache.get((cli, srv))
            if cand and t - cand[0] > RSLV_TTL_MIN:
                cand = None
            f = flows[key] = {"client": cli, "cand": cand and cand[1], "done": False}
        if f["done"] or not f["cand"] or src != f["client"]:
            continue
        plen = int(last(l, "tcp.len") or 0) if tcp else int(last(l, "udp.length") or 8) - 8
        hello = "1" in l.get("tls.handshake.type", [])
        if (plen <= 0 and not hello) or "tcp.reassembled_in" in l:
            continue    # nothing yet, or the start of a message tshark reassembles later
        f["done"] = True
        name = None
        if hello:
            snis = [hostname(s) for s in l.get("tls.handshake.extensions_server_name", [])]
            sni = snis[0] if snis else None
            ech = "65037" in l.get("tls.handshake.extension.type", [])
            if sni and not ech:
                continue
            if sni and sni == f["cand"]:
                continue
            name = f["cand"]
        elif "http.request" in l:
            hosts = [hostname(http_host(h)) for h in l.get("http.host", [])]
            if hosts and hosts[0]:
                continue
            name = f["cand"]
        elif not tcp and "quic" in l:
            f["done"] = False   # an Initial tshark could not read (yet)
            continue
        else:
            name = f["cand"]
        out.add("\t".join(["resolved", src, dst, dport, name]))
    return out


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
