#!/bin/sh
# t-hits.sh: replay the project's captures into a database and compare the
# hits recorded with the expected rows, exactly.
#
# For each pcaps/NAME.hits, the capture is pcaps/NAME.pcap or
# pcaps/NAME.pcapng.  `stalkerwatch replay -d DB` (bundled IOC list, every
# default) writes a fresh database in a temporary directory; then
#
#   SELECT kind, hostname, query, client_ip, server_ip, server_port, family,
#          rule, ech FROM hits ORDER BY those columns
#
# printed by sqlite3 with tabs between columns and "-" for NULL must equal
# NAME.hits with its "#" lines left out.  One row per aggregation key of the
# hits table (docs/schema.md); count, times and the columns that depend on
# the build or on files given at run time (app: nDPI, NDPI=0 builds have
# none; server_country/asn/org: GeoIP) are not compared.  The diff is shown
# on failure.  To add a capture: write NAME.hits from this query's output
# after checking every row by hand (pcaps/README.md says what each capture
# must give).
#
# BUILD is the build directory (run-all.sh sets it; default build).
. "$(dirname "$0")/lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "t-hits: FAIL: the sqlite3 command is missing (Debian package sqlite3; make deps)"
	exit 1
fi
tl_init t-hits

QUERY="SELECT kind, hostname, query, client_ip, server_ip, server_port, family, rule, ech
FROM hits ORDER BY kind, hostname, query, client_ip, server_ip, server_port, family, rule, ech;"

ok=0 bad=0 seen=0
for exp in "$ROOT"/pcaps/*.hits; do
	[ -f "$exp" ] || continue
	seen=$((seen + 1))
	name=$(basename "$exp" .hits)
	cap=
	for ext in pcap pcapng; do
		[ -f "$ROOT/pcaps/$name.$ext" ] && cap=$ROOT/pcaps/$name.$ext
	done
	if [ -z "$cap" ]; then
		echo "FAIL: $name: no capture pcaps/$name.pcap or .pcapng"
		bad=$((bad + 1))
		continue
	fi
	rm -rf "$tmp/run"
	mkdir -p "$tmp/run"
	if ! (cd "$tmp/run" && "$BIN" replay -q -d hits.db "$cap") >"$tmp/out" 2>"$tmp/err"; then
		echo "FAIL: $name: stalkerwatch replay -d exited non-zero:"
		sed -n '1,20p' "$tmp/err"
		bad=$((bad + 1))
		continue
	fi
	if ! printf '.mode list\n.separator "\\t"\n.nullvalue -\n%s\n' "$QUERY" |
	     sqlite3 "$tmp/run/hits.db" >"$tmp/got" 2>"$tmp/err"; then
		echo "FAIL: $name: sqlite3: $(cat "$tmp/err")"
		bad=$((bad + 1))
		continue
	fi
	grep -v '^#' "$exp" >"$tmp/want"
	if diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
		echo "PASS: hits $name ($(wc -l <"$tmp/want" | tr -d ' ') rows)"
		ok=$((ok + 1))
	else
		echo "FAIL: hits $name: rows recorded (+) differ from pcaps/$name.hits (-):"
		sed -e '1,2d' "$tmp/diff"
		bad=$((bad + 1))
	fi
done

if [ "$seen" = 0 ]; then
	echo "FAIL: no pcaps/*.hits found under $ROOT"
	exit 1
fi
echo "t-hits: $ok of $seen captures as expected"
[ "$bad" = 0 ]
