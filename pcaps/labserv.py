#!/usr/bin/env python3
"""labserv.py: the small servers make-captures.sh talks to inside its network
namespace.  Standard library only.  Each server binds only the addresses it is
given (always loopback addresses inside the namespace), writes --ready FILE
once every socket is listening, and runs until SIGTERM.

  labserv.py http    --listen ADDR:PORT... [--tls CERT KEY]
      HTTP/1.1 with keep-alive (HTTPS with --tls): answers every method with
      a short 200, reads request bodies (Content-Length), honours
      Expect: 100-continue.
  labserv.py connect --listen ADDR:PORT --upstream ADDR:PORT --bind ADDR
      HTTP CONNECT proxy: whatever authority is asked for, it opens a TCP
      connection from --bind to --upstream and relays bytes both ways.
  labserv.py socks5  --listen ADDR:PORT --upstream ADDR:PORT --bind ADDR
      SOCKS5 (RFC 1928), no authentication, CONNECT only; same relaying.
  labserv.py udpsink --listen ADDR:PORT
      Reads and drops datagrams, so that a QUIC client's Initials are not
      answered with ICMP port-unreachable (which makes Chromium give up after
      its first datagram, before the second half of its ClientHello is sent).
  labserv.py tcpsink --listen ADDR:PORT...
      Accepts TCP connections, reads until the client closes, answers
      nothing: the far end of an app that speaks its own protocol (MQTT ...).

ADDR is an IPv4 address or an IPv6 one in brackets: [::1]:443.
"""
import argparse
import http.server
import os
import select
import signal
import socket
import socketserver
import ssl
import sys
import threading


def parse_addr(text):
    """'127.0.0.1:443' or '[::1]:443' -> (family, host, port)."""
    if text.startswith("["):
        host, _, port = text[1:].partition("]:")
        return socket.AF_INET6, host, int(port)
    host, _, port = text.rpartition(":")
    return socket.AF_INET, host, int(port)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "labserv"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet
        pass

    def _answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        while n > 0:
            chunk = self.rfile.read(min(n, 65536))
            if not chunk:
                break
            n -= len(chunk)
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = _answer


def http_server(family, host, port, tls):
    class Server(http.server.ThreadingHTTPServer):
        address_family = family
        daemon_threads = True
        allow_reuse_address = True

        def finish_request(self, request, client_address):
            if tls is not None:
                try:
                    request = tls.wrap_socket(request, server_side=True)
                except (ssl.SSLError, OSError):
                    return
            Handler(request, client_address, self)

    return Server((host, port), Handler)


def relay(a, b):
    """Copy bytes both ways until both sides have closed."""
    open_ = {a: b, b: a}
    while open_:
        ready, _, _ = select.select(list(open_), [], [], 30)
        if not ready:
            return
        for s in ready:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            peer = open_.get(s)
            if peer is None:
                continue
            if data:
                peer.sendall(data)
            else:
                del open_[s]
                try:
                    peer.shutdown(socket.SHUT_WR)
                except OSError:
                    pass


def dial(upstream, bind):
    fam, host, port = upstream
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.bind((bind, 0))
    s.connect((host, port))
    return s


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


class ConnectHandler(socketserver.BaseRequestHandler):
    def handle(self):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk or len(head) > 16384:
                return
            head += chunk
        line = head.split(b"\r\n", 1)[0].split()
        if len(line) != 3 or line[0] != b"CONNECT":
            self.request.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        up = dial(self.server.upstream, self.server.bind)
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        rest = head.split(b"\r\n\r\n", 1)[1]
        if rest:
            up.sendall(rest)
        relay(self.request, up)
        up.close()


class SinkHandler(socketserver.BaseRequestHandler):
    def handle(self):
        while self.request.recv(65536):
            pass


class Socks5Handler(socketserver.BaseRequestHandler):
    def handle(self):
        s = self.request
        try:
            ver, nmeth = recv_exact(s, 2)
            recv_exact(s, nmeth)
            if ver != 5:
                return
            s.sendall(b"\x05\x00")
            ver, cmd, _, atyp = recv_exact(s, 4)
            if atyp == 1:
                recv_exact(s, 4)
            elif atyp == 4:
                recv_exact(s, 16)
            elif atyp == 3:
                recv_exact(s, recv_exact(s, 1)[0])
            else:
                return
            recv_exact(s, 2)
        except EOFError:
            return
        if cmd != 1:
            s.sendall(b"\x05\x07\x00\x01\x00\x00\x00\x00\x00\x00")
            return
        up = dial(self.server.upstream, self.server.bind)
        s.sendall(b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00")
        relay(s, up)
        up.close()


def tcp_server(family, host, port, handler, upstream, bind):
    class Server(socketserver.ThreadingTCPServer):
        address_family = family
        daemon_threads = True
        allow_reuse_address = True

    srv = Server((host, port), handler)
    srv.upstream = upstream
    srv.bind = bind
    return srv


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["http", "connect", "socks5", "udpsink", "tcpsink"])
    ap.add_argument("--listen", action="append", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--upstream")
    ap.add_argument("--bind")
    ap.add_argument("--ready", required=True)
    a = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    servers = []
    socks = []
    if a.mode == "http":
        ctx = None
        if a.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(a.tls[0], a.tls[1])
        for l in a.listen:
            servers.append(http_server(*parse_addr(l), ctx))
    elif a.mode in ("connect", "socks5"):
        if not a.upstream or not a.bind:
            ap.error("--upstream and --bind are required")
        h = ConnectHandler if a.mode == "connect" else Socks5Handler
        for l in a.listen:
            servers.append(tcp_server(*parse_addr(l), h, parse_addr(a.upstream), a.bind))
    elif a.mode == "tcpsink":
        for l in a.listen:
            servers.append(tcp_server(*parse_addr(l), SinkHandler, None, None))
    else:
        for l in a.listen:
            fam, host, port = parse_addr(l)
            u = socket.socket(fam, socket.SOCK_DGRAM)
            u.bind((host, port))
            socks.append(u)

    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    with open(a.ready, "w") as f:
        f.write("%d\n" % os.getpid())
    if socks:
        while True:
            for u in select.select(socks, [], [])[0]:
                u.recv(65536)
    else:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
