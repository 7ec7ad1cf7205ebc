#!/bin/sh
# make-vectors.sh SHARED_PCAPS: cut real HTTP/1.x client streams out of
# ../shared/pcaps with tshark and write NAME.bin (the client-to-server bytes
# of one TCP stream, from its first byte, cut after KEEP requests when KEEP is
# not 0) plus vectors.tsv: one row per request in the kept bytes, in stream
# order, with tshark's method, request URI and Host, and the verdict
# http_request() must give (OK unless the row says otherwise; the non-OK
# verdicts are this project's decisions, see docs/dissectors.md).  Run from
# tests/data/http:   sh make-vectors.sh ../../../../shared/pcaps
set -eu
P=${1:?usage: make-vectors.sh PCAPDIR}

# name  capture  tcp.stream  KEEP  verdict-of-the-first-request
LIST='
pipelined  zeek/http/pipelined-requests.pcap              0  0 OK
uasplit    ndpi/http_ua_splitted_in_two_pkts.pcapng       0  3 OK
kxun_post  ndpi/1kxun.pcap                                13 0 OK
kxun_port  ndpi/1kxun.pcap                                30 0 OK
kxun_cl0   ndpi/1kxun.pcap                                26 0 OK
fuzz_nohost ndpi/fuzz-2006-09-29-28586.pcap               1  0 OK
fuzz_pct   ndpi/fuzz-2006-09-29-28586.pcap                4  0 OK
fuzz_dot   ndpi/fuzz-2006-09-29-28586.pcap                10 0 OK
connect    ndpi/http_connect.pcap                         0  0 OK
proxy      ndpi/http-proxy.pcapng                         0  0 OK
ipv6host   suricata-verify/http-ipv6/input.pcap           0  0 OK
spaces     suricata-verify/bug-5437-02/input.pcap         2  0 OK
idn        ndpi/punycode-idn.pcap                         0  0 OK
mime       suricata-verify/http-mime-truncated/input.pcap 0  2 OK
nosyn      zeek/http/get_nosyn.pcap                       0  0 OK
m_options  zeek/http/methods.pcap                         0  0 OK
m_get      zeek/http/methods.pcap                         4  0 OK
m_badver   zeek/http/methods.pcap                         5  0 MALFORMED
m_09       zeek/http/methods.pcap                         6  0 OK
m_opt09    zeek/http/methods.pcap                         1  0 NOT_MINE
m_nosp     zeek/http/methods.pcap                         2  0 NOT_MINE
m_bare     zeek/http/methods.pcap                         3  0 NOT_MINE
m_getsl    zeek/http/methods.pcap                         7  0 NOT_MINE
m_utf8     zeek/http/methods.pcap                         10 0 NOT_MINE
m_ccmbad   zeek/http/methods.pcap                         15 0 MALFORMED
m_ccm      zeek/http/methods.pcap                         19 0 OK
m_connect  zeek/http/methods.pcap                         24 0 OK
'

printf '# name\tverdict\tmethod\turi\thost\n' > vectors.tsv
echo "$LIST" | while read -r name cap stream keep verdict; do
	[ -n "$name" ] || continue
	# client bytes: in the raw follow output, node 0's lines are flush
	# left and node 1's are indented; the client sends the first data
	src=$(tshark -r "$P/$cap" -Y "tcp.stream==$stream && tcp.len>0" -T fields \
		-e ip.src -e ipv6.src -e tcp.srcport 2>/dev/null | head -1 |
		awk -F'\t' '{ n = split($1, a, ","); m = split($2, b, ",");
		               print (n ? a[n] : "[" b[m] "]") ":" $3 }')
	tshark -r "$P/$cap" -q -z "follow,tcp,raw,$stream" 2>/dev/null |
		awk -v src="$src" '
		/^=+$/ { n++; next }
		/^Node 0: / { ind = ($3 == src) ? 0 : 1; next }
		n == 1 && ind == 0 && /^[0-9a-f]+$/ { printf "%s", $0 }
		n == 1 && ind == 1 && /^\t[0-9a-f]+$/ { sub(/^\t/, ""); printf "%s", $0 }' |
		xxd -r -p > "$name.bin"
	# the requests tshark sees, one per line (pipelined ones share a frame)
	tshark -r "$P/$cap" -Y "tcp.stream==$stream && http.request" -T fields \
		-E aggregator='\x1f' -e tcp.seq_raw -e http.request.method \
		-e http.request.uri -e http.host 2>/dev/null |
		awk -F'\t' '{
			n = split($2, m, "\037"); split($3, u, "\037"); split($4, h, "\037");
			for (i = 1; i <= n; i++) print $1 "\t" m[i] "\t" u[i] "\t" (h[i] == "" ? "-" : h[i]);
		}' > rows.tmp
	if [ "$keep" != 0 ]; then
		# cut where request KEEP+1 starts (it starts its segment)
		first=$(tshark -r "$P/$cap" -Y "tcp.stream==$stream && tcp.len>0" -T fields \
			-e tcp.seq_raw 2>/dev/null | head -1)
		next=$(sed -n "$((keep + 1))p" rows.tmp | cut -f1)
		head -c $((next - first)) "$name.bin" > cut.tmp && mv cut.tmp "$name.bin"
		head -n "$keep" rows.tmp > cut.tmp && mv cut.tmp rows.tmp
	fi
	if [ "$verdict" != OK ]; then
		# only the first request is asserted; tshark may not see it at all
		head -n 1 rows.tmp > cut.tmp
		[ -s cut.tmp ] || printf '0\t-\t-\t-\n' > cut.tmp
		mv cut.tmp rows.tmp
	fi
	awk -F'\t' -v name="$name" -v v="$verdict" 'BEGIN { OFS = "\t" }
		{ print name, (NR == 1 ? v : "OK"), $2, ($3 == "" ? "-" : $3), $4 }' rows.tmp >> vectors.tsv
done
rm -f rows.tmp cut.tmp
