#!/bin/bash
# make-captures.sh [NAME...]: make the captures in pcaps/ with real programs
# (curl/OpenSSL, openssl s_client, Debian's chromium, dig, dnsmasq) talking to
# small local servers inside a private network namespace, then derive each
# capture's expected `stalkerwatch replay --hostnames` lines from tshark and
# check them against what this script itself asked for.
#
# Run as root (network namespace, tcpdump).  Installs nothing: it says which
# Debian packages are missing.  Idempotent: every run rebuilds the captures it
# is asked for (all by default) and their .hostnames files; nothing is written
# into pcaps/ unless every check passed.  No traffic leaves the namespace: the
# only addresses used are 127.0.0.0/8 and ::1 on the namespace's own loopback,
# whose MTU is set to 1500 with segmentation offload off, so that a large
# ClientHello really crosses the wire as two TCP segments.
#
# NAME is one of: tls-curl tls-chromium-split http-s3 dns quic-chromium
# prelude demo resolved-ip.  See pcaps/README.md for what each holds.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE}
# Debian's python3 when present (the servers and expected.py need only its
# standard library)
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi
ALL="tls-curl tls-chromium-split http-s3 dns quic-chromium prelude demo resolved-ip"
WANT=${*:-$ALL}
for n in $WANT; do
	case " $ALL " in *" $n "*) ;; *) echo "make-captures: unknown capture '$n' (one of: $ALL)" >&2; exit 2 ;; esac
done

die() { echo "make-captures: $*" >&2; exit 1; }
say() { echo "make-captures: $*" >&2; }

[ "$(id -u)" = 0 ] || die "run as root (network namespace, tcpdump)"

# ---- tools: command -> Debian package --------------------------------------
export PATH=$PATH:/usr/sbin:/sbin
missing=
need() { # need CMD PACKAGE
	command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
need ip iproute2
need ethtool ethtool
need tcpdump tcpdump
need tshark tshark
need editcap wireshark-common
need capinfos wireshark-common
need openssl openssl
need curl curl
need dig bind9-dnsutils
need dnsmasq dnsmasq-base
need chromium chromium
need "$PYTHON" python3
need timeout coreutils
if [ -n "$missing" ]; then
	die "missing tools; install the Debian packages:$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')"
fi

# ---- namespace, work dir, cleanup -------------------------------------------
NS=swcap-$$
WORK=$(mktemp -d /tmp/swcap.XXXXXX)
PIDS=""
cleanup() {
	set +e
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	if ip netns list 2>/dev/null | grep -q "^$NS\b"; then
		for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		sleep 0.2
		ip netns del "$NS"
	fi
	if [ -n "${KEEP:-}" ]; then echo "make-captures: work files kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS"
NSX="ip netns exec $NS"
ip -n "$NS" link set lo mtu 1500
ip -n "$NS" link set lo up
# Offload off, or the kernel hands tcpdump one >MTU frame instead of two
# segments.  tx-udp-segmentation off too: Chromium may send QUIC with UDP GSO.
$NSX ethtool -K lo tso off gso off gro off >/dev/null
$NSX ethtool -K lo tx-udp-segmentation off >/dev/null 2>&1 || true
[ "$(ip -n "$NS" -o link show lo | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')" = 1500 ] || die "could not set lo MTU to 1500"
$NSX ethtool -k lo | grep -q '^tcp-segmentation-offload: off' || die "could not turn TSO off on lo"
$NSX ethtool -k lo | grep -q '^generic-segmentation-offload: off' || die "could not turn GSO off on lo"

# Self-signed certificate for every local TLS server (certificate checks are
# off in the clients: what matters is the ClientHello they send).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -subj /CN=stalkerwatch-lab \
	-addext "subjectAltName=DNS:localhost" >/dev/null 2>&1 || die "openssl req failed"
mkdir -p "$WORK/home"

# ---- helpers ----------------------------------------------------------------
# bg NAME CMD...: start CMD in the namespace in the background, output to
# $WORK/NAME.log; its pid goes to PIDS.
bg() {
	local name=$1; shift
	$NSX "$@" >"$WORK/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	LASTPID=$!
}
forget() { PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' '); }
stop() { # stop PID: end one process we started, wait for it
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	forget "$1"
}
# serve NAME MODE ARGS...: a labserv.py server; waits until it listens.
serve() {
	local name=$1 i; shift
	rm -f "$WORK/$name.ready"
	bg "$name" "$PYTHON" "$HERE/labserv.py" "$@" --ready "$WORK/$name.ready"
	for i in $(seq 100); do [ -s "$WORK/$name.ready" ] && return 0; sleep 0.1; done
	die "server $name did not start: $(cat "$WORK/$name.log")"
}
# dns_server NAME ADDR... -- DNSMASQ-OPTIONS: dnsmasq on ADDR:53, no upstream.
dns_server() {
	local name=$1; shift
	local addrs=""
	while [ "$1" != -- ]; do addrs="$addrs${addrs:+,}$1"; shift; done
	shift
	bg "$name" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
		--no-poll --bind-interfaces --listen-address="$addrs" --port=53 --user=root \
		--pid-file= --log-queries --log-facility=- "$@"
	local i
	for i in $(seq 50); do grep -q 'started, version' "$WORK/$name.log" 2>/dev/null && return 0; sleep 0.1; done
	die "dnsmasq did not start: $(cat "$WORK/$name.log")"
}
# tshark, without its warning about running as root
ts() { tshark "$@" 2> >(grep -v '^Running as user' >&2); }
CAP=""
cap_start() { # cap_start NAME FILTER
	CAP=$1
	bg "$1.tcpdump" tcpdump -i lo -n -s 0 -U --immediate-mode -Z root -w "$WORK/$1.pcap" "$2"
	CAPPID=$LASTPID
	local i
	for i in $(seq 50); do grep -q 'listening on' "$WORK/$1.tcpdump.log" 2>/dev/null && return 0; sleep 0.1; done
	die "tcpdump did not start: $(cat "$WORK/$1.tcpdump.log")"
}
cap_stop() {
	sleep 0.5
	kill -INT "$CAPPID"
	wait "$CAPPID" 2>/dev/null || true
	forget "$CAPPID"
	grep -q '^0 packets dropped by kernel' "$WORK/$CAP.tcpdump.log" || die "$CAP: tcpdump dropped packets"
}
# expect NAME: read the intended lines (fields separated by single spaces) on
# stdin; they are what the script asked the programs to do.
expect() { tr ' ' '\t' | sort -u >"$WORK/$1.intent"; }
# check NAME FILE: derive the expected lines from tshark's view of FILE and
# compare with the intent; write NAME.hostnames (and .hostnames.quic).
check() {
	local name=$1 file=$2
	"$PYTHON" "$HERE/expected.py" hostnames "$file" >"$WORK/$name.tshark"
	if ! diff -u "$WORK/$name.intent" "$WORK/$name.tshark" >"$WORK/$name.diff"; then
		cat "$WORK/$name.diff" >&2
		die "$name: tshark's view (+) differs from what the script made (-)"
	fi
	grep -v '^quic	' "$WORK/$name.tshark" >"$WORK/$name.hostnames" || true
	grep '^quic	' "$WORK/$name.tshark" >"$WORK/$name.hostnames.quic" || true
	[ -s "$WORK/$name.hostnames.quic" ] || rm -f "$WORK/$name.hostnames.quic"
	say "$name: $(wc -l <"$WORK/$name.tshark") lines, tshark agrees"
}
# check_split FILE SNI: every TCP ClientHello for SNI must span 2 segments.
check_split() {
	"$PYTHON" "$HERE/expected.py" hellos "$1" >"$WORK/hellos"
	local n
	n=$(awk -F'\t' -v s="$2" '$2 == s' "$WORK/hellos" | wc -l)
	[ "$n" -ge 1 ] || die "$1: no ClientHello for $2"
	if awk -F'\t' -v s="$2" '$2 == s && $3 != 2' "$WORK/hellos" | grep -q .; then
		cat "$WORK/hellos" >&2
		die "$1: a ClientHello for $2 is not split over exactly 2 TCP segments"
	fi
	say "$(basename "$1"): $n ClientHello(s) for $2, each over 2 TCP segments ($(awk -F'\t' -v s="$2" '$2 == s {printf "%s%s bytes, name in segment %s", sep, $5, $6; sep = "; "}' "$WORK/hellos"))"
}
# check_quic_split FILE: the QUIC ClientHello's CRYPTO data comes from 2
# Initial packets (Chromium splits its ~2 KB ClientHello).
check_quic_split() {
	local line frames
	line=$(ts -r "$1" -n -Y 'quic && tls.handshake.type == 1' -T fields \
		-e frame.number -e quic.crypto.fragment.count -e quic.crypto.fragment -e tls.handshake.length | head -1)
	[ -n "$line" ] || die "$1: tshark finds no QUIC ClientHello"
	frames=$(echo "$line" | cut -f3 | tr ',' '\n' | sort -u | wc -l)
	[ "$frames" = 2 ] || die "$1: the QUIC ClientHello is not spread over 2 Initials: $line"
	say "$(basename "$1"): QUIC ClientHello of $(( $(echo "$line" | cut -f4) + 4 )) bytes in $(echo "$line" | cut -f2) CRYPTO frames over 2 Initials"
}
chromium_run() { # chromium_run NAME RESOLVER-RULES EXTRA-FLAGS... URL
	local name=$1 rules=$2; shift 2
	local udd
	udd=$(mktemp -d "$WORK/chrome.XXXXXX")
	HOME=$WORK/home $NSX timeout 60 chromium --headless --no-sandbox --disable-gpu \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --disable-default-apps --user-data-dir="$udd" \
		--host-resolver-rules="$rules" --ignore-certificate-errors \
		--dump-dom "$@" >"$WORK/$name.dom" 2>"$WORK/$name.chromium.log" ||
		die "chromium failed or hung: $(grep -v dbus "$WORK/$name.chromium.log" | tail -20)"
}
# curl in the namespace, response bodies thrown away (-o covers one URL only)
ncurl() { $NSX curl -sS -k --max-time 20 "$@" >/dev/null || die "curl $* failed"; }
ndig() { $NSX dig +tries=1 +time=3 "$@"; }

# Chromium maps only the name under test; everything else fails to resolve,
# so its own background connections (update.googleapis.com,
# optimizationguide-pa.googleapis.com ...) never reach a server or the
# capture.

# ---- 1. tls-curl -------------------------------------------------------------
if [[ " $WANT " == *" tls-curl "* ]]; then
	serve https1 http --tls "$WORK/cert.pem" "$WORK/key.pem" --listen 127.0.0.10:443 --listen '[::1]:443'
	H1=$LASTPID
	cap_start tls-curl "tcp port 443"
	ncurl --resolve i.spyic.com:443:127.0.0.10 https://i.spyic.com/api/v1/heartbeat
	ncurl --resolve www.debian.org:443:127.0.0.10 https://www.debian.org/
	ncurl --tls-max 1.2 --resolve deb.debian.org:443:127.0.0.10 https://deb.debian.org/debian/
	ncurl --resolve notspyic.com:443:127.0.0.10 https://notspyic.com/
	ncurl -6 --resolve 'media-sync-a.thetruthspy.com:443:[::1]' https://media-sync-a.thetruthspy.com/
	$NSX openssl s_client -brief -connect 127.0.0.10:443 -servername Cart.MSPY.com </dev/null >"$WORK/s_client.log" 2>&1 ||
		die "openssl s_client failed: $(cat "$WORK/s_client.log")"
	cap_stop
	stop "$H1"
	expect tls-curl <<-'EOF'
	sni 127.0.0.1 127.0.0.10 443 i.spyic.com
	sni 127.0.0.1 127.0.0.10 443 www.debian.org
	sni 127.0.0.1 127.0.0.10 443 deb.debian.org
	sni 127.0.0.1 127.0.0.10 443 notspyic.com
	sni ::1 ::1 443 media-sync-a.thetruthspy.com
	sni 127.0.0.1 127.0.0.10 443 cart.mspy.com
	EOF
	check tls-curl "$WORK/tls-curl.pcap"
fi

# ---- 2. tls-chromium-split ---------------------------------------------------
# Chromium permutes its ClientHello extensions, so the server name lands in
# the first or the second segment by chance.  The capture is remade (up to 8
# times) until at least one ClientHello has its name in the second segment:
# the case a dissector can only get right by reassembling.
if [[ " $WANT " == *" tls-chromium-split "* ]]; then
	serve https2 http --tls "$WORK/cert.pem" "$WORK/key.pem" --listen 127.0.0.11:443
	H2=$LASTPID
	for try in 1 2 3 4 5 6 7 8; do
		cap_start tls-chromium-split "tcp port 443"
		chromium_run split "MAP media-sync-a.thetruthspy.com 127.0.0.11, MAP * ~NOTFOUND" \
			--disable-quic https://media-sync-a.thetruthspy.com/
		cap_stop
		grep -q 'ok' "$WORK/split.dom" || die "chromium did not load the page"
		check_split "$WORK/tls-chromium-split.pcap" media-sync-a.thetruthspy.com
		awk -F'\t' '$6 != 1' "$WORK/hellos" | grep -q . && break
		[ "$try" = 8 ] && die "tls-chromium-split: the server name never fell in the second segment"
		say "tls-chromium-split: server name only ever in the first segment; again"
	done
	stop "$H2"
	# Chromium sends an encrypted_client_hello extension (ECH GREASE) in
	# every hello: an ech line with the (here real) outer name
	expect tls-chromium-split <<-'EOF'
	sni 127.0.0.1 127.0.0.11 443 media-sync-a.thetruthspy.com
	ech 127.0.0.1 127.0.0.11 443 media-sync-a.thetruthspy.com
	EOF
	check tls-chromium-split "$WORK/tls-chromium-split.pcap"
fi

# ---- 3. http-s3 --------------------------------------------------------------
if [[ " $WANT " == *" http-s3 "* ]]; then
	serve http3 http --listen 127.0.0.20:80 --listen 127.0.0.20:8080
	H3=$LASTPID
	# a 3000-byte "photo": the upload's body crosses the wire after the head
	{ printf '\377\330\377\340\000\020JFIF\000'; head -c 2989 /dev/zero; } >"$WORK/photo.jpg"
	cap_start http-s3 "tcp port 80 or tcp port 8080"
	# virtual-hosted bucket, two requests on one keep-alive connection
	ncurl --resolve celular007.s3.amazonaws.com:80:127.0.0.20 \
		http://celular007.s3.amazonaws.com/backup/contacts.db \
		'http://celular007.s3.amazonaws.com/backup/sms.db?x-id=GetObject'
	# path-style upload, as an uploader does it
	ncurl --resolve s3.amazonaws.com:80:127.0.0.20 -H 'Content-Type: image/jpeg' \
		-T "$WORK/photo.jpg" http://s3.amazonaws.com/celular007/photo.jpg
	# benign: Host with a port, Host in mixed case, absolute-form target
	ncurl --resolve www.debian.org:8080:127.0.0.20 http://www.debian.org:8080/index.html
	ncurl -H 'Host: Deb.Debian.ORG' http://127.0.0.20/debian/dists/bookworm/InRelease
	ncurl -x http://127.0.0.20:8080 http://connectivitycheck.gstatic.com/generate_204
	cap_stop
	stop "$H3"
	expect http-s3 <<-'EOF'
	http 127.0.0.1 127.0.0.20 80 celular007.s3.amazonaws.com
	uri 127.0.0.1 127.0.0.20 80 /backup/contacts.db
	uri 127.0.0.1 127.0.0.20 80 /backup/sms.db?x-id=GetObject
	http 127.0.0.1 127.0.0.20 80 s3.amazonaws.com
	uri 127.0.0.1 127.0.0.20 80 /celular007/photo.jpg
	http 127.0.0.1 127.0.0.20 8080 www.debian.org
	uri 127.0.0.1 127.0.0.20 8080 /index.html
	http 127.0.0.1 127.0.0.20 80 deb.debian.org
	uri 127.0.0.1 127.0.0.20 80 /debian/dists/bookworm/InRelease
	http 127.0.0.1 127.0.0.20 8080 connectivitycheck.gstatic.com
	uri 127.0.0.1 127.0.0.20 8080 http://connectivitycheck.gstatic.com/generate_204
	EOF
	check http-s3 "$WORK/http-s3.pcap"
	# the two bucket requests share one TCP connection
	n=$(ts -r "$WORK/http-s3.pcap" -n -Y 'http.request && http.host == "celular007.s3.amazonaws.com"' \
		-T fields -e tcp.stream | sort | uniq -c | awk '{print $1}')
	[ "$n" = 2 ] || die "http-s3: the two bucket requests are not on one keep-alive connection ($n)"
	ts -r "$WORK/http-s3.pcap" -n -Y 'http.request.method == "PUT"' -T fields -e http.content_length |
		grep -qx 3000 || die "http-s3: no PUT with a 3000-byte body"
fi

# ---- 4. dns ------------------------------------------------------------------
if [[ " $WANT " == *" dns "* ]]; then
	dns_server dns4 127.0.0.53 ::1 -- \
		--host-record=i.spyic.com,127.0.0.10,::1 \
		--host-record=media-sync-a.thetruthspy.com,127.0.0.11 \
		--host-record=notspyic.com,127.0.0.12 \
		--host-record=www.debian.org,127.0.0.13,::1 \
		--host-record=a.thd.cc,127.0.0.14 \
		--host-record=celular007.s3.amazonaws.com,127.0.0.21 \
		--cname=files.backup-operator.net,celular007.s3.amazonaws.com \
		--cname=cdn.backup-operator.net,files.backup-operator.net
	D4=$LASTPID
	cap_start dns "port 53"
	ndig @127.0.0.53 i.spyic.com A >"$WORK/dig1"
	ndig @127.0.0.53 i.spyic.com AAAA >"$WORK/dig2"
	ndig @127.0.0.53 Media-Sync-A.TheTruthSpy.COM A >"$WORK/dig3"
	ndig @127.0.0.53 notspyic.com A >"$WORK/dig4"
	ndig @127.0.0.53 www.debian.org A >"$WORK/dig5"
	ndig @127.0.0.53 +tcp a.thd.cc A >"$WORK/dig6"
	ndig @127.0.0.53 cdn.backup-operator.net A >"$WORK/dig7"
	ndig @::1 www.debian.org AAAA >"$WORK/dig8"
	cap_stop
	stop "$D4"
	for i in 1 2 3 4 5 6 7 8; do grep -q 'status: NOERROR' "$WORK/dig$i" || die "dns: query $i failed: $(cat "$WORK/dig$i")"; done
	grep -q 'CNAME.*files.backup-operator.net' "$WORK/dig7" && grep -q 'CNAME.*celular007.s3.amazonaws.com' "$WORK/dig7" ||
		die "dns: no CNAME chain in the answer: $(cat "$WORK/dig7")"
	expect dns <<-'EOF'
	dns 127.0.0.1 127.0.0.53 53 i.spyic.com
	dns 127.0.0.1 127.0.0.53 53 media-sync-a.thetruthspy.com
	dns 127.0.0.1 127.0.0.53 53 notspyic.com
	dns 127.0.0.1 127.0.0.53 53 www.debian.org
	dns 127.0.0.1 127.0.0.53 53 a.thd.cc
	dns 127.0.0.1 127.0.0.53 53 cdn.backup-operator.net
	dns ::1 ::1 53 www.debian.org
	EOF
	check dns "$WORK/dns.pcap"
	ts -r "$WORK/dns.pcap" -n -Y 'dns.flags.response == 1 && dns.cname == "celular007.s3.amazonaws.com"' \
		-T fields -e dns.a | grep -qx 127.0.0.21 || die "dns: tshark does not see the CNAME chain"
fi

# ---- 5. quic-chromium --------------------------------------------------------
if [[ " $WANT " == *" quic-chromium "* ]]; then
	# No QUIC server: a sink swallows the Initials (no ICMP unreachable), and
	# Chromium retransmits until its handshake timeout, then gives up.
	serve sink5 udpsink --listen 127.0.0.30:443
	S5=$LASTPID
	cap_start quic-chromium "udp port 443"
	chromium_run quic "MAP mcloud-api.thd.cc 127.0.0.30, MAP * ~NOTFOUND" \
		--enable-quic --origin-to-force-quic-on=mcloud-api.thd.cc:443 https://mcloud-api.thd.cc/
	cap_stop
	stop "$S5"
	expect quic-chromium <<-'EOF'
	quic 127.0.0.1 127.0.0.30 443 mcloud-api.thd.cc
	ech 127.0.0.1 127.0.0.30 443 mcloud-api.thd.cc
	EOF
	check quic-chromium "$WORK/quic-chromium.pcap"
	check_quic_split "$WORK/quic-chromium.pcap"
fi

# ---- 6. prelude: TLS after HTTP CONNECT and after SOCKS5 ----------------------
if [[ " $WANT " == *" prelude "* ]]; then
	serve https6 http --tls "$WORK/cert.pem" "$WORK/key.pem" --listen 127.0.0.9:443
	H6=$LASTPID
	serve proxy6 connect --listen 127.0.0.8:3128 --upstream 127.0.0.9:443 --bind 127.0.0.8
	P6=$LASTPID
	serve socks6 socks5 --listen 127.0.0.8:1080 --upstream 127.0.0.9:443 --bind 127.0.0.8
	K6=$LASTPID
	cap_start prelude "tcp"
	ncurl -x http://127.0.0.8:3128 https://i.spyic.com/
	$NSX openssl s_client -brief -proxy 127.0.0.8:3128 -connect a.thd.cc:443 -servername a.thd.cc \
		</dev/null >"$WORK/s_client6.log" 2>&1 || die "s_client -proxy failed: $(cat "$WORK/s_client6.log")"
	ncurl --socks5-hostname 127.0.0.8:1080 https://media-sync-a.thetruthspy.com/
	ncurl --socks5 127.0.0.8:1080 --resolve www.debian.org:443:127.0.0.9 https://www.debian.org/
	cap_stop
	stop "$K6"; stop "$P6"; stop "$H6"
	# s_client's CONNECT (OpenSSL 3.0) is "CONNECT a.thd.cc:443 HTTP/1.0" with
	# no Host field: a uri line, no http line (README)
	expect prelude <<-'EOF'
	http 127.0.0.1 127.0.0.8 3128 i.spyic.com
	uri 127.0.0.1 127.0.0.8 3128 i.spyic.com:443
	sni 127.0.0.1 127.0.0.8 3128 i.spyic.com
	sni 127.0.0.8 127.0.0.9 443 i.spyic.com
	uri 127.0.0.1 127.0.0.8 3128 a.thd.cc:443
	sni 127.0.0.1 127.0.0.8 3128 a.thd.cc
	sni 127.0.0.8 127.0.0.9 443 a.thd.cc
	sni 127.0.0.1 127.0.0.8 1080 media-sync-a.thetruthspy.com
	sni 127.0.0.8 127.0.0.9 443 media-sync-a.thetruthspy.com
	sni 127.0.0.1 127.0.0.8 1080 www.debian.org
	sni 127.0.0.8 127.0.0.9 443 www.debian.org
	EOF
	check prelude "$WORK/prelude.pcap"
fi

# ---- 7. demo: a phone with stalkerware and a clean laptop --------------------
# The "internet" is 127.0.1.0/24.  The phone is 127.0.0.101: a local route
# makes it the default source address towards 127.0.1.0/24, so that Chromium
# (which cannot bind a source address) sends from it too.  The laptop is
# 127.0.0.102, chosen explicitly with curl --interface and dig -b.
if [[ " $WANT " == *" demo "* ]]; then
	ip -n "$NS" route add local 127.0.1.0/24 dev lo src 127.0.0.101 table local
	dns_server dns7 127.0.1.53 -- \
		--host-record=i.spyic.com,127.0.1.11 \
		--host-record=media-sync-a.thetruthspy.com,127.0.1.12 \
		--host-record=a.thd.cc,127.0.1.13 \
		--host-record=mcloud-api.thd.cc,127.0.1.13 \
		--host-record=celular007.s3.amazonaws.com,127.0.1.21 \
		--host-record=s3.amazonaws.com,127.0.1.22 \
		--host-record=connectivitycheck.gstatic.com,127.0.1.31 \
		--host-record=www.wikipedia.org,127.0.1.32 \
		--host-record=www.debian.org,127.0.1.33 \
		--host-record=deb.debian.org,127.0.1.34 \
		--host-record=notspyic.com,127.0.1.35
	D7=$LASTPID
	serve https7 http --tls "$WORK/cert.pem" "$WORK/key.pem" --listen 127.0.1.11:443 \
		--listen 127.0.1.12:443 --listen 127.0.1.13:443 --listen 127.0.1.32:443 \
		--listen 127.0.1.33:443 --listen 127.0.1.35:443
	H7=$LASTPID
	serve http7 http --listen 127.0.1.21:80 --listen 127.0.1.22:80 --listen 127.0.1.31:80 \
		--listen 127.0.1.34:80
	W7=$LASTPID
	serve sink7 udpsink --listen 127.0.1.13:443
	S7=$LASTPID
	{ printf '\377\330\377\340\000\020JFIF\000'; head -c 1989 /dev/zero; } >"$WORK/img.jpg"
	cap_start demo "net 127.0.1.0/24"
	# phone boots: connectivity check, then the spyware checks in
	ndig @127.0.1.53 connectivitycheck.gstatic.com >/dev/null
	ncurl --resolve connectivitycheck.gstatic.com:80:127.0.1.31 http://connectivitycheck.gstatic.com/generate_204
	ndig @127.0.1.53 i.spyic.com >/dev/null
	ncurl --resolve i.spyic.com:443:127.0.1.11 -d 'imei=000000000000000' https://i.spyic.com/api/v2/heartbeat
	ndig -b 127.0.0.102 @127.0.1.53 www.debian.org >/dev/null
	ncurl --interface 127.0.0.102 --resolve www.debian.org:443:127.0.1.33 https://www.debian.org/
	ndig @127.0.1.53 media-sync-a.thetruthspy.com >/dev/null
	chromium_run demo-tts "MAP media-sync-a.thetruthspy.com 127.0.1.12, MAP * ~NOTFOUND" \
		--disable-quic https://media-sync-a.thetruthspy.com/
	ndig @127.0.1.53 celular007.s3.amazonaws.com >/dev/null
	ncurl --resolve celular007.s3.amazonaws.com:80:127.0.1.21 -H 'Content-Type: image/jpeg' \
		-T "$WORK/img.jpg" http://celular007.s3.amazonaws.com/uploads/IMG_0001.jpg
	ndig @127.0.1.53 s3.amazonaws.com >/dev/null
	ncurl --resolve s3.amazonaws.com:80:127.0.1.22 http://s3.amazonaws.com/celular007/config.json
	ndig -b 127.0.0.102 @127.0.1.53 notspyic.com >/dev/null
	ncurl --interface 127.0.0.102 --resolve notspyic.com:443:127.0.1.35 https://notspyic.com/
	ndig @127.0.1.53 www.wikipedia.org >/dev/null
	ncurl --resolve www.wikipedia.org:443:127.0.1.32 https://www.wikipedia.org/
	ndig @127.0.1.53 a.thd.cc >/dev/null
	ncurl --resolve a.thd.cc:443:127.0.1.13 https://a.thd.cc/api/device/sync
	ndig -b 127.0.0.102 @127.0.1.53 deb.debian.org >/dev/null
	ncurl --interface 127.0.0.102 --resolve deb.debian.org:80:127.0.1.34 http://deb.debian.org/debian/dists/bookworm/InRelease
	ndig @127.0.1.53 mcloud-api.thd.cc >/dev/null
	chromium_run demo-quic "MAP mcloud-api.thd.cc 127.0.1.13, MAP * ~NOTFOUND" \
		--enable-quic --origin-to-force-quic-on=mcloud-api.thd.cc:443 https://mcloud-api.thd.cc/
	cap_stop
	stop "$S7"; stop "$W7"; stop "$H7"; stop "$D7"
	editcap -F pcapng --capture-comment "stalkerwatch demo capture, made by pcaps/make-captures.sh on loopback in a private network namespace: phone 127.0.0.101, laptop 127.0.0.102" \
		"$WORK/demo.pcap" "$WORK/demo.pcapng"
	expect demo <<-'EOF'
	dns 127.0.0.101 127.0.1.53 53 connectivitycheck.gstatic.com
	http 127.0.0.101 127.0.1.31 80 connectivitycheck.gstatic.com
	uri 127.0.0.101 127.0.1.31 80 /generate_204
	dns 127.0.0.101 127.0.1.53 53 i.spyic.com
	sni 127.0.0.101 127.0.1.11 443 i.spyic.com
	dns 127.0.0.102 127.0.1.53 53 www.debian.org
	sni 127.0.0.102 127.0.1.33 443 www.debian.org
	dns 127.0.0.101 127.0.1.53 53 media-sync-a.thetruthspy.com
	sni 127.0.0.101 127.0.1.12 443 media-sync-a.thetruthspy.com
	ech 127.0.0.101 127.0.1.12 443 media-sync-a.thetruthspy.com
	dns 127.0.0.101 127.0.1.53 53 celular007.s3.amazonaws.com
	http 127.0.0.101 127.0.1.21 80 celular007.s3.amazonaws.com
	uri 127.0.0.101 127.0.1.21 80 /uploads/IMG_0001.jpg
	dns 127.0.0.101 127.0.1.53 53 s3.amazonaws.com
	http 127.0.0.101 127.0.1.22 80 s3.amazonaws.com
	uri 127.0.0.101 127.0.1.22 80 /celular007/config.json
	dns 127.0.0.102 127.0.1.53 53 notspyic.com
	sni 127.0.0.102 127.0.1.35 443 notspyic.com
	dns 127.0.0.101 127.0.1.53 53 www.wikipedia.org
	sni 127.0.0.101 127.0.1.32 443 www.wikipedia.org
	dns 127.0.0.101 127.0.1.53 53 a.thd.cc
	sni 127.0.0.101 127.0.1.13 443 a.thd.cc
	dns 127.0.0.102 127.0.1.53 53 deb.debian.org
	http 127.0.0.102 127.0.1.34 80 deb.debian.org
	uri 127.0.0.102 127.0.1.34 80 /debian/dists/bookworm/InRelease
	dns 127.0.0.101 127.0.1.53 53 mcloud-api.thd.cc
	quic 127.0.0.101 127.0.1.13 443 mcloud-api.thd.cc
	ech 127.0.0.101 127.0.1.13 443 mcloud-api.thd.cc
	EOF
	check demo "$WORK/demo.pcapng"
	check_split "$WORK/demo.pcapng" media-sync-a.thetruthspy.com
	check_quic_split "$WORK/demo.pcapng"
fi

# ---- 8. resolved-ip: flows that show no name, after a DNS answer -------------
# The client resolves stalkerware names with dig, then connects to the
# address it got without saying the name: a ClientHello without server_name
# (s_client -noservername), an MQTT-like app over bare TCP, a bare UDP
# datagram, HTTP/1.0 without Host to the bucket behind a CNAME chain, curl to
# an IP literal (no SNI) for a benign name, and Chromium to
# cloudflare-ech.com (the outer name real ECH uses at Cloudflare) on the
# address of mcloud-api.thd.cc, with its ECH extension.  Each gives a
# `resolved` line with the query name (pcaps/README.md); the stalkerware
# ones give `resolved` hits (pcaps/resolved-ip.hits, tests/t-hits.sh).
if [[ " $WANT " == *" resolved-ip "* ]]; then
	dns_server dns8 127.0.0.53 -- \
		--host-record=i.spyic.com,127.0.0.41 \
		--host-record=a.thd.cc,127.0.0.42 \
		--host-record=celular007.s3.amazonaws.com,127.0.0.43 \
		--cname=cdn.backup-operator.net,celular007.s3.amazonaws.com \
		--host-record=www.debian.org,127.0.0.44 \
		--host-record=mcloud-api.thd.cc,127.0.0.45
	D8=$LASTPID
	serve https8 http --tls "$WORK/cert.pem" "$WORK/key.pem" --listen 127.0.0.41:443 \
		--listen 127.0.0.44:443 --listen 127.0.0.45:443
	H8=$LASTPID
	serve http8 http --listen 127.0.0.43:80
	W8=$LASTPID
	serve tcp8 tcpsink --listen 127.0.0.42:8883
	T8=$LASTPID
	serve udp8 udpsink --listen 127.0.0.42:3478
	U8=$LASTPID
	cap_start resolved-ip "tcp or udp"
	ndig @127.0.0.53 i.spyic.com >"$WORK/dig8a"
	$NSX openssl s_client -brief -connect 127.0.0.41:443 -noservername </dev/null \
		>"$WORK/s_client8.log" 2>&1 || die "openssl s_client -noservername failed: $(cat "$WORK/s_client8.log")"
	ndig @127.0.0.53 a.thd.cc >"$WORK/dig8b"
	# MQTT CONNECT (client id "phon"), then a UDP datagram (a STUN-like ping)
	$NSX bash -c 'exec 3<>/dev/tcp/127.0.0.42/8883 &&
		printf "\x10\x10\x00\x04MQTT\x04\x02\x00\x3c\x00\x04phon" >&3 && sleep 0.3' ||
		die "bare TCP to 127.0.0.42:8883 failed"
	$NSX bash -c 'printf "\x00\x01\x00\x00\x21\x12\xa4\x42" >/dev/udp/127.0.0.42/3478' ||
		die "bare UDP to 127.0.0.42:3478 failed"
	ndig @127.0.0.53 cdn.backup-operator.net >"$WORK/dig8c"
	ncurl -0 -H 'Host:' http://127.0.0.43/backup/sms.db
	ndig @127.0.0.53 www.debian.org >"$WORK/dig8d"
	ncurl https://127.0.0.44/
	ndig @127.0.0.53 mcloud-api.thd.cc >"$WORK/dig8e"
	chromium_run resolved-ech "MAP cloudflare-ech.com 127.0.0.45, MAP * ~NOTFOUND" \
		--disable-quic https://cloudflare-ech.com/
	cap_stop
	stop "$U8"; stop "$T8"; stop "$W8"; stop "$H8"; stop "$D8"
	for i in a b c d e; do grep -q 'status: NOERROR' "$WORK/dig8$i" || die "resolved-ip: query $i failed: $(cat "$WORK/dig8$i")"; done
	grep -q 'CNAME.*celular007.s3.amazonaws.com' "$WORK/dig8c" || die "resolved-ip: no CNAME in $(cat "$WORK/dig8c")"
	expect resolved-ip <<-'EOF'
	dns 127.0.0.1 127.0.0.53 53 i.spyic.com
	resolved 127.0.0.1 127.0.0.41 443 i.spyic.com
	dns 127.0.0.1 127.0.0.53 53 a.thd.cc
	resolved 127.0.0.1 127.0.0.42 8883 a.thd.cc
	resolved 127.0.0.1 127.0.0.42 3478 a.thd.cc
	dns 127.0.0.1 127.0.0.53 53 cdn.backup-operator.net
	uri 127.0.0.1 127.0.0.43 80 /backup/sms.db
	resolved 127.0.0.1 127.0.0.43 80 cdn.backup-operator.net
	dns 127.0.0.1 127.0.0.53 53 www.debian.org
	resolved 127.0.0.1 127.0.0.44 443 www.debian.org
	dns 127.0.0.1 127.0.0.53 53 mcloud-api.thd.cc
	sni 127.0.0.1 127.0.0.45 443 cloudflare-ech.com
	ech 127.0.0.1 127.0.0.45 443 cloudflare-ech.com
	resolved 127.0.0.1 127.0.0.45 443 mcloud-api.thd.cc
	EOF
	check resolved-ip "$WORK/resolved-ip.pcap"
	# no server_name in the s_client and IP-literal hellos
	n=$(ts -r "$WORK/resolved-ip.pcap" -n -Y 'tls.handshake.type == 1 && !tls.handshake.extensions_server_name' \
		-T fields -e ip.dst | sort -u | tr '\n' ' ')
	[ "$n" = "127.0.0.41 127.0.0.44 " ] || die "resolved-ip: hellos without SNI went to: $n"
fi

# ---- install into pcaps/ -------------------------------------------------------
for n in $WANT; do
	ext=pcap
	[ "$n" = demo ] && ext=pcapng
	rm -f "$OUT/$n.pcap" "$OUT/$n.pcapng" "$OUT/$n.hostnames" "$OUT/$n.hostnames.quic"
	cp "$WORK/$n.$ext" "$OUT/$n.$ext"
	cp "$WORK/$n.hostnames" "$OUT/$n.hostnames"
	[ -f "$WORK/$n.hostnames.quic" ] && cp "$WORK/$n.hostnames.quic" "$OUT/$n.hostnames.quic"
	say "wrote $OUT/$n.$ext ($(wc -c <"$OUT/$n.$ext") bytes, $(capinfos -c -M "$OUT/$n.$ext" | sed -n 's/^Number of packets: *//p') packets)"
done
chmod 644 "$OUT"/*.pcap* "$OUT"/*.hostnames* 2>/dev/null || true
