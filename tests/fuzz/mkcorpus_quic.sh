#!/bin/sh
# mkcorpus_quic.sh: (re)make tests/fuzz/corpus/quic from real captures.
# Each seed is the client's UDP payloads of one QUIC connection, every
# datagram as a 2-byte big-endian length and its bytes (fuzz_quic.c's
# input), cut with tshark from pcaps/ and ../shared/pcaps (when present).
# Also two plaintext seeds: the RFC 9001 A.2 Initial payload's first frames
# and a CRYPTO frame sequence, for the frame walker.  Run from the repo.
set -eu
out=tests/fuzz/corpus/quic
mkdir -p "$out"
seed() { # name capture display-filter
	tshark -r "$2" -Y "$3" -T fields -e udp.payload 2>/dev/null | python3 -c '
import sys
o = bytearray()
for line in sys.stdin:
    h = line.strip().replace(":", "")
    if not h:
        continue
    b = bytes.fromhex(h)
    o += len(b).to_bytes(2, "big") + b
sys.stdout.buffer.write(bytes(o))
' >"$out/$1"
	[ -s "$out/$1" ] || rm -f "$out/$1"
}
seed chromium156-2initials pcaps/quic-chromium.pcap "udp.dstport==443"
S=../shared/pcaps
if [ -d "$S" ]; then
	seed v2-4443 $S/ndpi/quic-v2.pcapng "udp.dstport==4443"
	seed draft29-retry $S/ndpi/quic-29.pcap "udp.dstport==443"
	seed draft23 $S/ndpi/quic-23.pcap "udp.dstport==443"
	seed t050 $S/ndpi/quic_t50.pcap "udp.dstport==443"
	seed mvfst27 $S/ndpi/quic-mvfst-27.pcapng "udp.dstport==443"
	seed frags-2initials $S/ndpi/quic_frags_ch_in_multiple_packets.pcapng "udp.dstport==4443"
	seed middle-gap-3initials $S/suricata-verify/quic-frag-middle-gap/input.pcap "udp.dstport==443"
	seed v1-0rtt $S/ndpi/quic_0RTT.pcap "udp.dstport==4443"
	seed firefox102 $S/zeek/quic/firefox-102.13.0esr-blog-cloudflare-com.pcap "udp.dstport==443 && frame.number<=5"
	seed fuzz-overflow $S/ndpi/quic-fuzz-overflow.pcapng "udp"
fi
# plaintext: CRYPTO(0, "01 00 00 04 ..."), PING, PADDING, ACK, CRYPTO out of order
printf '\006\000\010\001\000\000\004\003\003\000\000\001\000\000\000\002\005\000\001\000\001\001\006\010\004abcd\0034\0066' >"$out/plain-frames"
# Google QUIC Q046: a CHLO with one entry, SNI "abc" (framed: 2-byte length)
printf '\000\051\303Q046\120\264\244\371\365\364\056\335\071\000\000\000\001\240\001\004\000CHLO\001\000\000\000SNI\000\003\000\000\000abc' >"$out/gquic-q046-chlo"
