#!/bin/sh
# capture-openssl.sh: make openssl3.bin and curl-openssl3.bin, real
# ClientHellos from this machine's OpenSSL (openssl s_client and curl) to a
# local `openssl s_server` on loopback, captured with tcpdump, plus their
# rows (tshark's reading) in openssl3.tsv.  Needs root (tcpdump -i lo).
# Run from tests/data/tls; make-vectors.sh then appends openssl3.tsv.
set -eu
T=$(mktemp -d)
trap 'kill $SRV $DUMP 2>/dev/null || true; rm -rf "$T"' EXIT
PORT=${PORT:-44330}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/k.pem" -out "$T/c.pem" -days 1 -subj /CN=localhost 2>/dev/null
openssl s_server -accept 127.0.0.1:$PORT -cert "$T/c.pem" -key "$T/k.pem" \
	-www -quiet >/dev/null 2>&1 &
SRV=$!
tcpdump -i lo -U -w "$T/cap.pcap" "tcp port $PORT" >/dev/null 2>&1 &
DUMP=$!
sleep 1
printf 'GET / HTTP/1.0\r\n\r\n' | openssl s_client -connect 127.0.0.1:$PORT \
	-servername s-client.stalkerwatch.test -alpn h2,http/1.1 -ign_eof >/dev/null 2>&1 || true
curl -sk --resolve curl.stalkerwatch.test:$PORT:127.0.0.1 \
	https://curl.stalkerwatch.test:$PORT/ >/dev/null 2>&1 || true
sleep 1
kill $DUMP; wait $DUMP 2>/dev/null || true
: > openssl3.tsv
n=0
tshark -r "$T/cap.pcap" -Y 'tls.handshake.type==1' -T fields -e frame.number 2>/dev/null |
while read -r frame; do
	n=$((n + 1))
	name=$([ $n = 1 ] && echo openssl3 || echo curl-openssl3)
	hex=$(tshark -r "$T/cap.pcap" -Y "frame.number==$frame" -T fields \
		-e tcp.payload 2>/dev/null | tr -d ':')
	rec=$(echo "$hex" | cut -c7-10)
	len=$(( 0x$rec + 5 ))
	echo "$hex" | xxd -r -p | head -c $len > "$name.bin"
	tshark -r "$T/cap.pcap" -Y "frame.number==$frame" -T fields -E aggregator=';' \
		-e tls.record.length -e tls.handshake.version \
		-e tls.handshake.extensions_server_name \
		-e tls.handshake.cipher_suites_length \
		-e tls.handshake.extensions_length \
		-e tls.handshake.extension.type -e tls.handshake.extension.len \
		2>/dev/null | awk -F'\t' -v name="$name" '{
		split($6, t, ";"); split($7, l, ";");
		n = ($6 == "") ? 0 : length(t);
		alpn = sig = sv = -1; ech = esni = 0;
		for (i = 1; i <= n; i++) {
			if (t[i] == 16) alpn = l[i];
			if (t[i] == 13) sig = l[i];
			if (t[i] == 43) sv = l[i];
			if (t[i] == 65037) ech = 1;
			if (t[i] == 65486) esni = 1;
		}
		printf "%s\t%s\t%s\t%d\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n", name,
		       ($3 == "" ? "-" : $3), $2, n, $4, ($5 == "" ? -1 : $5),
		       alpn, sig, sv, ech, esni, $1 + 5
	}' >> openssl3.tsv
done
cat openssl3.tsv
