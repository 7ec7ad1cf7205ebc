#!/bin/sh
# t-ioc-cli.sh: the done-when of the IOC feeds issue, through the built
# binary ($BUILD/stalkerwatch), as a user would check it.
#
#  1. `ioc test` with the bundled list and with AssoEchap's ioc.yaml (-I):
#     celular007.s3.us-east-1.amazonaws.com, s3.amazonaws.com with path
#     /celular007/x.jpg, and celular007.s3-website-us-east-1.amazonaws.com
#     all match EspiaoAndroid's bucket (s3:celular007); i.spyic.com matches
#     Cocospy; notspyic.com matches nothing (exit status 1).
#  2. the bundled list loads without a single normalisation note.
#  3. every feed in ../shared/iocs imports with the counts its documentation
#     gives: for Echap's ioc.yaml the published 925 c2 domains and 65 + 3 c2
#     IPs (the misspelled c2.ip); for every other feed, the number of
#     indicators of each kind counted in the file itself (grep), compared with
#     what `ioc check` reports it read.
#  4. `stalkerwatch hits` lists high-confidence hits before low ones; a
#     user's dual-use file (--dual-use) makes the rules on its names low.
#
# Parts 1 (-I), 3 need ../shared (SW_SHARED overrides); they are skipped with
# a message when it is absent.  BUILD is the build directory (default build).
. "$(dirname "$0")/lib.sh"
SHARED=${SW_SHARED:-$ROOT/../shared}
IOCS=$SHARED/iocs

tl_init t-ioc-cli

bad=0 good=0
fail() { echo "FAIL: $*"; bad=$((bad + 1)); }
pass() { good=$((good + 1)); }

# check_test WANT_RC DESC ARGS... : run `ioc test ARGS`, expect exit WANT_RC;
# the output is left in $tmp/out for has()
check_test() {
	want=$1 desc=$2
	shift 2
	"$BIN" ioc test "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$desc: ioc test $*: exit $rc, want $want"
		sed -n '1,20p' "$tmp/out" "$tmp/err"
		return 1
	fi
	return 0
}

# has DESC TEXT : the last ioc test output contains TEXT (a fixed string)
has() {
	if grep -qF -- "$2" "$tmp/out"; then
		pass
	else
		fail "$1: output lacks '$2':"
		sed -n '1,20p' "$tmp/out"
	fi
}

# matches for a list: $1 = label, then -I FILE or nothing
done_when() {
	label=$1
	shift
	for q in "celular007.s3.us-east-1.amazonaws.com|virtual-hosted form <bucket>.s3.<region>.amazonaws.com" \
	         "celular007.s3-website-us-east-1.amazonaws.com|virtual-hosted form <bucket>.s3-website-<region>.amazonaws.com"; do
		host=${q%%|*} how=${q#*|}
		if check_test 0 "$label $host" "$@" "$host"; then
			has "$label $host" ": 1 match"
			has "$label $host" "rule     s3:celular007  (s3)"
			has "$label $host" "family   EspiaoAndroid"
			has "$label $host" "how      S3 bucket celular007 via $how"
		fi
	done
	if check_test 0 "$label s3.amazonaws.com /celular007/x.jpg" "$@" s3.amazonaws.com /celular007/x.jpg; then
		d="$label path-style"
		has "$d" "s3.amazonaws.com /celular007/x.jpg: 1 match"
		has "$d" "rule     s3:celular007  (s3)"
		has "$d" "family   EspiaoAndroid"
		has "$d" "how      S3 bucket celular007 via path-style form s3.amazonaws.com/<bucket>"
	fi
	if check_test 0 "$label i.spyic.com" "$@" i.spyic.com; then
		has "$label i.spyic.com" "family   Cocospy"
		has "$label i.spyic.com" "how      subdomain of spyic.com"
		# every rule that matches is Cocospy's
		if grep '^  family' "$tmp/out" | grep -vq 'family   Cocospy'; then
			fail "$label i.spyic.com: a family other than Cocospy matched"
		fi
	fi
	if check_test 1 "$label notspyic.com" "$@" notspyic.com; then
		has "$label notspyic.com" "notspyic.com: no match"
	fi
}

# ---- 1, 2: the bundled list ------------------------------------------------
done_when bundled
"$BIN" ioc check -w >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" != 0 ] || [ -s "$tmp/err" ]; then
	fail "bundled list: ioc check -w exit $rc, notes:"
	sed -n '1,10p' "$tmp/err"
else
	has "bundled list" "bundled: native, "
fi

# ---- 4: hits, high confidence first ------------------------------------------
# In pcaps/demo.pcapng i.spyic.com is seen first and thd.cc (mSpy) last: a
# high-confidence rule on the first and a low one on the last, so that the
# newest-first order alone would list them the other way round.
printf '%s\n' "i.spyic.com HighFam confidence=high" "thd.cc LowFam confidence=low" \
	>"$tmp/order.rules"
if (cd "$tmp" && "$BIN" replay -q -I order.rules -d order.db "$ROOT/pcaps/demo.pcapng") \
	>"$tmp/replay.out" 2>&1; then
	"$BIN" hits -d "$tmp/order.db" >"$tmp/hits" 2>&1
	confs=$(sed 1d "$tmp/hits" | awk '{ print $4 }' | uniq | tr '\n' ' ')
	if [ "$confs" = "high low " ]; then
		pass
	else
		fail "hits: confidence order '$confs', want 'high low '"
		cat "$tmp/hits"
	fi
else
	fail "replay of pcaps/demo.pcapng with order.rules failed:"
	sed -n '1,10p' "$tmp/replay.out"
fi

# ---- 4b: the user's dual-use list (--dual-use) --------------------------------
# the bundled list, and a dual-use file naming thd.cc: mSpy's hits come out
# low, Cocospy's stay high; a bad line is refused with file:line, exit 2.
printf '%s\n' "# shared here" "thd.cc" >"$tmp/du.txt"
if (cd "$tmp" && "$BIN" replay -q --dual-use du.txt -d du.db "$ROOT/pcaps/demo.pcapng") \
	>"$tmp/replay.out" 2>&1; then
	low=$(sqlite3 "$tmp/du.db" "select group_concat(distinct family) from hits where confidence = 'low'" 2>&1)
	high=$(sqlite3 "$tmp/du.db" "select count(*) from hits where family = 'Cocospy' and confidence = 'high'" 2>&1)
	if [ "$low" = mSpy ] && [ "$high" -gt 0 ]; then
		pass
	else
		fail "--dual-use thd.cc: low families '$low', Cocospy high rows '$high'"
	fi
else
	fail "replay --dual-use failed:"
	sed -n '1,10p' "$tmp/replay.out"
fi
printf '%s\n' "ok.example" "cn" >"$tmp/du-bad.txt"
"$BIN" replay -q --dual-use "$tmp/du-bad.txt" "$ROOT/pcaps/demo.pcapng" >"$tmp/out" 2>&1
rc=$?
if [ "$rc" = 2 ] && grep -qF "du-bad.txt:2: cn: a top-level domain alone" "$tmp/out"; then
	pass
else
	fail "bad --dual-use file: exit $rc: $(cat "$tmp/out")"
fi

# ---- with ../shared ----------------------------------------------------------
if [ ! -d "$IOCS/stalkerware-indicators" ]; then
	echo "t-ioc-cli: SKIPPED the -I ioc.yaml checks and the feed counts: $IOCS is absent"
	echo "t-ioc-cli: $good checks passed, $bad failed"
	[ "$bad" = 0 ]
	exit
fi

ECHAP=$IOCS/stalkerware-indicators
done_when "-I ioc.yaml" -I "$ECHAP/ioc.yaml"

# no_rules FILE: a feed without a single network indicator must not load
# (a feed that gives no rule is refused: it would watch nothing, silently)
no_rules() {
	if "$BIN" ioc check -I "$1" >"$tmp/out" 2>"$tmp/err"; then
		fail "${1#"$IOCS"/}: has no network indicator, yet loads: $(head -n 1 "$tmp/out")"
	elif grep -q ": no rules: " "$tmp/err"; then
		pass
	else
		fail "${1#"$IOCS"/}: fails for another reason than having no rules:"
		sed -n '1,5p' "$tmp/err"
	fi
}

# check_feed FILE FORMAT "field count"... : `ioc check -I FILE` names FORMAT
# and reports exactly these per-field counts
check_feed() {
	f=$1 fmt=$2
	shift 2
	name=${f#"$IOCS"/}
	total=0
	for fc in "$@"; do
		total=$((total + ${fc##* }))
	done
	if [ $# -gt 0 ] && [ "$total" = 0 ]; then
		no_rules "$f"
		return
	fi
	if ! "$BIN" ioc check -I "$f" >"$tmp/out" 2>"$tmp/err"; then
		fail "$name: does not load:"
		sed -n '1,5p' "$tmp/err"
		return
	fi
	line=$(head -n 1 "$tmp/out")
	case $line in
	*": $fmt, "*) ;;
	*) fail "$name: format is not $fmt: $line"; return ;;
	esac
	for fc in "$@"; do
		field=${fc% *} n=${fc##* }
		if [ "$n" = 0 ]; then
			case $line in
			*"($field "*|*", $field "*) fail "$name: $field counted, none in the file: $line" ;;
			*) pass ;;
			esac
		else
			case $line in
			*"($fc,"*|*"($fc)"*|*", $fc,"*|*", $fc)"*) pass ;;
			*) fail "$name: want $fc: $line" ;;
			esac
		fi
	done
}

# count STRING FILE: occurrences of a fixed string (also several on a line)
count() { grep -oF -- "$1" "$2" | wc -l | tr -d ' '; }
# lines with a value: not blank, not a comment
values() { grep -cv '^[[:space:]]*\(#.*\)\{0,1\}$' "$1"; }

# Echap ioc.yaml: the counts its README and the issue give
check_feed "$ECHAP/ioc.yaml" echap-yaml "c2.domains 925" "c2.ips 65" "c2.ip 3"
# ... and upstream's own export of the same c2 domains has as many lines
n=$(values "$ECHAP/generated/hosts")
if [ "$n" = 925 ]; then pass; else fail "generated/hosts has $n c2 domains, not 925"; fi
# watchware.yaml: a watchware feed, every value read
check_feed "$ECHAP/watchware.yaml" echap-yaml
if "$BIN" ioc stats -I "$ECHAP/watchware.yaml" | grep -q '^ *[0-9][0-9]*  watchware$'; then
	pass
else
	fail "watchware.yaml: rules are not of category watchware"
fi
# network.csv (CRLF)
f=$ECHAP/generated/network.csv
check_feed "$f" echap-csv "domain $(grep -c '^domain,' "$f")" "ipv4 $(grep -c '^ipv4,' "$f")"
# TinyCheck iocs.json, and Echap's export for TinyCheck
for f in "$IOCS/TinyCheck/assets/iocs.json" "$ECHAP/generated/indicators-for-tinycheck.json"; do
	set --
	for t in domain freedns ip4addr ip6addr cidr; do
		set -- "$@" "$t $(count "\"type\": \"$t\"" "$f")"
	done
	check_feed "$f" tinycheck-json "$@"
done
# every STIX 2.1 bundle (MVT, Amnesty, Echap's 2023 export)
nstix=0
for f in $(find "$IOCS" -name '*.stix2' | sort); do
	nstix=$((nstix + 1))
	check_feed "$f" stix2 \
		"domain-name $(count "domain-name:value='" "$f")" \
		"ipv4-addr $(count "ipv4-addr:value='" "$f")" \
		"ipv6-addr $(count "ipv6-addr:value='" "$f")" \
		"url $(count "url:value='" "$f")"
done
# every plain list of host names or addresses (one per line)
nplain=0
for f in $(find "$IOCS" \( -name '*domains*.txt' -o -name 'ips.txt' -o -name 'ip-addresses.txt' \
	-o -name quad9_blocklist.txt -o -name hosts -o -name hosts_full \) | sort); do
	nplain=$((nplain + 1))
	n=$(values "$f")
	name=${f#"$IOCS"/}
	if [ "$n" = 0 ]; then
		no_rules "$f"  # an empty list
		continue
	fi
	if ! "$BIN" ioc check -I "$f" >"$tmp/out" 2>"$tmp/err"; then
		fail "$name: does not load:"
		sed -n '1,5p' "$tmp/err"
		continue
	fi
	line=$(head -n 1 "$tmp/out")
	case $line in
	*": plain, "*" from $n values"*) pass ;;
	*) fail "$name: $n values in the file: $line" ;;
	esac
done
if [ "$nstix" -lt 10 ] || [ "$nplain" -lt 30 ]; then
	fail "only $nstix STIX bundles and $nplain plain lists found under $IOCS"
fi
# all the feeds together: every format at once, one set
set -- -I "$ECHAP/ioc.yaml" -I "$ECHAP/watchware.yaml" -I "$IOCS/TinyCheck/assets/iocs.json" \
	-I "$ECHAP/generated/network.csv" -I "$IOCS/investigations/2021-07-18_nso/pegasus.stix2" \
	-I "$IOCS/investigations/2021-07-18_nso/domains.txt"
if "$BIN" ioc check "$@" >"$tmp/out" 2>"$tmp/err" && [ "$(grep -c ': ' "$tmp/out")" = 6 ]; then
	pass
else
	fail "the feeds together do not load as 6 inputs:"
	sed -n '1,10p' "$tmp/out" "$tmp/err"
fi

echo "t-ioc-cli: $good checks passed, $bad failed ($nstix STIX bundles, $nplain plain lists)"
[ "$bad" = 0 ]
