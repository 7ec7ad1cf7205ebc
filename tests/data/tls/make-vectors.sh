#!/bin/sh
# make-vectors.sh SHARED_PCAPS: cut real ClientHellos out of ../shared/pcaps
# with tshark and write NAME.bin (the client's stream bytes from the first
# record byte through the end of the record holding the hello) plus
# vectors.tsv, tshark's own reading of each hello (the expected values the
# tests compare against).  Run from tests/data/tls:
#   sh make-vectors.sh ../../../../shared/pcaps
# The local OpenSSL capture (openssl3.*) is made by capture-openssl.sh.
set -eu
P=${1:?usage: make-vectors.sh PCAPDIR}

# name  capture  frame
LIST='
ech        ndpi/tls_ech.pcapng                                       4
esni       ndpi/tls_esni_sni_both.pcap                               4
esni2      ndpi/tls_esni_sni_both.pcap                               24
tcpsplit   suricata-verify/tls/tls-client-hello-frag-01/dump_mtu300.pcap 6
dingtalk   ndpi/dingtalk.pcap                                        9
chrome_pq  ndpi/sites.pcapng                                         682
noext      ndpi/KakaoTalk_chat.pcap                                  345
nosni      ndpi/KakaoTalk_chat.pcap                                  44
draft23    zeek/tls/tls13draft23-chrome67.0.3368.0-canary.pcap       5
draft28psk suricata-verify/tls/tls13-draft28/tls13_draft28.pcap      20
curl       ndpi/443-curl.pcap                                        4
firefox    ndpi/firefox.pcap                                         65
ldap       zeek/ldap/ldap-starttls.pcap                              8
psql       zeek/postgresql/psql-aws-ssl-preferred.pcap               8
socks      zeek/socks-with-ssl.pcap                                  10
trojan     ndpi/tls_heur__trojan-tcp-tls.pcapng                      30
reasms     ndpi/tls_2_reasms.pcapng                                  2
ipsni      ndpi/1kxun.pcap                                           714
'

# Print the expected-values row for one hello (frame $3 of capture $2).
row() {
	tshark -r "$2" -Y "frame.number==$3" -T fields -E aggregator=';' \
		-e tls.record.length -e tls.handshake.version \
		-e tls.handshake.extensions_server_name \
		-e tls.handshake.cipher_suites_length \
		-e tls.handshake.extensions_length \
		-e tls.handshake.extension.type -e tls.handshake.extension.len \
		2>/dev/null | awk -F'\t' -v name="$1" '{
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
		split($1, rl, ";");
		printf "%s\t%s\t%s\t%d\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n", name,
		       ($3 == "" ? "-" : $3), $2, n, $4, ($5 == "" ? -1 : $5),
		       alpn, sig, sv, ech, esni, rl[1] + 5
	}'
}

printf '# name\tsni\tlegacy_version\tn_ext\tciphers_len\text_len\talpn_len\tsig_algs_len\tsupported_versions_len\thas_ech\thas_esni\tconsumed\n' > vectors.tsv
echo "$LIST" | while read -r name cap frame; do
	[ -n "$name" ] || continue
	hex=$(tshark -r "$P/$cap" -Y "frame.number==$frame" -T fields \
		-e tcp.reassembled.data -e tcp.payload 2>/dev/null | awk -F'\t' '{print ($1 != "") ? $1 : $2}' | tr -d ':')
	r=$(row "$name" "$P/$cap" "$frame")
	consumed=$(echo "$r" | cut -f12)
	# keep exactly the record that holds the hello
	echo "$hex" | xxd -r -p | head -c "$consumed" > "$name.bin"
	echo "$r" >> vectors.tsv
done
[ -f openssl3.tsv ] && cat openssl3.tsv >> vectors.tsv
exit 0
