#!/bin/sh
# t-captures.sh: replay every capture the project made itself (pcaps/, made
# by pcaps/make-captures.sh) and compare what `stalkerwatch replay
# --hostnames` prints with the expected lines, exactly.
#
# For each pcaps/NAME.hostnames, the capture is pcaps/NAME.pcap or
# pcaps/NAME.pcapng.  The binary's standard output, de-duplicated with
# `sort -u`, must equal the expected file (lines
# kind<TAB>client_ip<TAB>server_ip<TAB>server_port<TAB>value); the diff is
# shown on failure.  Exits non-zero if any capture differs, fails to replay
# or is missing.
#
# QUIC: lines of kind "quic" are kept apart in pcaps/NAME.hostnames.quic;
# the expected set is NAME.hostnames plus NAME.hostnames.quic when it
# exists, and every quic line printed counts.
#
# BUILD is the build directory (run-all.sh sets it; default build).  Run from
# anywhere: paths are resolved against the repository.
. "$(dirname "$0")/lib.sh"

tl_init t-captures

ok=0 bad=0 seen=0
for exp in "$ROOT"/pcaps/*.hostnames; do
	[ -f "$exp" ] || continue
	seen=$((seen + 1))
	name=$(basename "$exp" .hostnames)
	cap=
	for ext in pcap pcapng; do
		if [ -f "$ROOT/pcaps/$name.$ext" ]; then
			[ -z "$cap" ] || { echo "FAIL: $name: both .pcap and .pcapng"; cap=; break; }
			cap=$ROOT/pcaps/$name.$ext
		fi
	done
	if [ -z "$cap" ]; then
		echo "FAIL: $name: no single capture pcaps/$name.pcap or .pcapng"
		bad=$((bad + 1))
		continue
	fi

	# expected set
	if [ -f "$exp.quic" ]; then
		cat "$exp" "$exp.quic" | sort -u >"$tmp/want"
	else
		sort -u "$exp" >"$tmp/want"
	fi

	# replay in an empty directory, so nothing it writes lands in the tree
	mkdir -p "$tmp/run"
	if ! (cd "$tmp/run" && "$BIN" replay --hostnames "$cap") >"$tmp/out" 2>"$tmp/err"; then
		echo "FAIL: $name: stalkerwatch replay --hostnames exited non-zero:"
		sed -n '1,20p' "$tmp/err"
		bad=$((bad + 1))
		continue
	fi
	sort -u "$tmp/out" >"$tmp/got"

	if diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
		echo "PASS: capture $name ($(wc -l <"$tmp/want" | tr -d ' ') lines)"
		ok=$((ok + 1))
	else
		echo "FAIL: capture $name: --hostnames output (+) differs from pcaps/$name.hostnames (-):"
		sed -e '1,2d' "$tmp/diff"
		bad=$((bad + 1))
	fi
done

if [ "$seen" = 0 ]; then
	echo "FAIL: no pcaps/*.hostnames found under $ROOT"
	exit 1
fi
echo "t-captures: $ok of $seen captures as expected"
[ "$bad" = 0 ]
