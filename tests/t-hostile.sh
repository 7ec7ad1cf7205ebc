#!/bin/sh
# t-hostile.sh: replay every hostile capture of pcaps/hostile/ (made by
# pcaps/hostile/make-hostile.py) and check what NAME.expect says of it
# (format: the top of make-hostile.py; docs/hardening.md).
#
# Each capture is replayed twice, under a memory bound (ulimit -v
# HOSTILE_MEM_KB, default 131072 = 128 MiB) and a time bound (timeout
# HOSTILE_TIMEOUT seconds, default 120: it catches hangs, and a replay under
# ASan+UBSan on a loaded machine is 10x slower than on an idle one):
#   1. replay --hostnames: exit status, stdout lines, summary counters;
#   2. replay -d DB -I pcaps/hostile/hostile.rules: the same exit status and
#      counters, then `hits -d DB` and `hits -d DB --json`, the number of rows
#      and the SQL checks (sqlite3 CLI; skipped, said so, when absent).
# Every run: no crash (no signal), no hang (no timeout), and nothing printed
# (stdout, stderr, hits) holds a byte other than printable ASCII, tab and
# newline; nothing stored holds a control byte (ESC, NUL, ...).
#
# A sanitizer build cannot run under ulimit -v (ASan reserves terabytes of
# address space): the memory bound is then skipped, and the test says so.
#
# BUILD is the build directory (run-all.sh sets it; default build).
. "$(dirname "$0")/lib.sh"
DIR=$ROOT/pcaps/hostile
MEM=${HOSTILE_MEM_KB:-131072}
TMO=${HOSTILE_TIMEOUT:-120}
TAB=$(printf '\t')

tl_init t-hostile
mkdir "$tmp/run"

if (ulimit -v "$MEM" && "$BIN" version) >/dev/null 2>&1; then
	LIMIT="ulimit -v $MEM"
	echo "t-hostile: memory bound ulimit -v $MEM KiB, time bound ${TMO}s"
else
	LIMIT=:
	echo "t-hostile: SKIP memory bound: $BIN does not start under ulimit -v $MEM (a sanitizer build?); time bound ${TMO}s"
fi
HAVE_SQLITE=0
if command -v sqlite3 >/dev/null 2>&1; then
	HAVE_SQLITE=1
else
	echo "t-hostile: SKIP SQL checks and the raw-byte scan of the database: no sqlite3 CLI"
fi

bad=0 seen=0
fail() {
	echo "FAIL: hostile $name: $*"
	errs=$((errs + 1))
}

# clean FILE WHAT: FILE holds nothing but printable ASCII, tab, newline
clean() {
	n=$(tr -d '\t\n\040-\176' <"$1" | wc -c | tr -d ' ')
	[ "$n" = 0 ] || fail "$2 holds $n raw bytes outside printable ASCII: $(tr -d '\t\n\040-\176' <"$1" | od -An -tx1 | head -1)"
}

# run LABEL OUT ERR ARGS...: replay under the bounds, set rc
run() {
	label=$1 out=$2 err=$3
	shift 3
	(cd "$tmp/run" && $LIMIT && exec timeout "$TMO" "$BIN" replay "$@") >"$out" 2>"$err"
	rc=$?
	if [ "$rc" = 124 ]; then
		fail "$label: timed out after ${TMO}s (a hang)"
	elif [ "$rc" -ge 128 ]; then
		fail "$label: killed by signal $((rc - 128)) (a crash)"
		sed -n '1,15p' "$err"
	elif [ "$rc" != "$want_exit" ]; then
		fail "$label: exit $rc, expected $want_exit"
		sed -n '1,10p' "$err"
	fi
	clean "$out" "$label stdout"
	clean "$err" "$label stderr"
}

# check_text KIND VALUE FILE LABEL
check_text() {
	v=$(printf '%s\n' "$2" | sed "s/\\\\t/$TAB/g")
	case $1 in
	stdout) grep -F -q -e "$v" "$3" || fail "$4: no stdout line with: $2" ;;
	nostdout) ! grep -F -q -e "$v" "$3" || fail "$4: stdout has: $2" ;;
	stderr) grep -F -q -e "$v" "$3" || fail "$4: stderr lacks: $2" ;;
	stderr-re) grep -E -q -e "$v" "$3" || fail "$4: no stderr line matches: $2" ;;
	esac
}

for exp in "$DIR"/*.expect; do
	[ -f "$exp" ] || continue
	seen=$((seen + 1))
	name=$(basename "$exp" .expect)
	cap=$DIR/$name.pcap
	errs=0
	if [ ! -f "$cap" ]; then
		fail "no capture $cap"
		bad=$((bad + 1))
		continue
	fi
	args=$(sed -n 's/^args //p' "$exp")
	want_exit=$(sed -n 's/^exit //p' "$exp")
	[ -n "$want_exit" ] || want_exit=0

	# 1. --hostnames
	# shellcheck disable=SC2086
	run "--hostnames" "$tmp/out" "$tmp/err" --hostnames $args "$cap"
	while IFS= read -r line; do
		k=${line%% *} v=${line#* }
		case $k in
		stdout|nostdout) check_text "$k" "$v" "$tmp/out" "--hostnames" ;;
		stderr|stderr-re) check_text "$k" "$v" "$tmp/err" "--hostnames" ;;
		esac
	done <"$exp"

	# 2. -d DB with the hostile rules
	db=$tmp/$name.db
	rm -f "$db" "$db-wal" "$db-shm"
	# shellcheck disable=SC2086
	run "-d" "$tmp/dout" "$tmp/derr" -d "$db" -I "$DIR/hostile.rules" $args "$cap"
	while IFS= read -r line; do
		k=${line%% *} v=${line#* }
		case $k in
		stderr|stderr-re) check_text "$k" "$v" "$tmp/derr" "-d" ;;
		esac
	done <"$exp"
	if [ -f "$db" ]; then
		"$BIN" hits -d "$db" >"$tmp/hits" 2>"$tmp/herr" || fail "hits -d: exit $?: $(head -2 "$tmp/herr")"
		"$BIN" hits -d "$db" --json >"$tmp/json" 2>>"$tmp/herr" || fail "hits --json: exit $?"
		clean "$tmp/hits" "hits"
		clean "$tmp/json" "hits --json"
		clean "$tmp/herr" "hits stderr"
		rows=$(wc -l <"$tmp/json" | tr -d ' ')
		want=$(sed -n 's/^dbrows //p' "$exp")
		[ -z "$want" ] || [ "$rows" = "$want" ] || fail "-d: $rows rows in hits, expected $want"
		if [ "$HAVE_SQLITE" = 1 ]; then
			n=$(sqlite3 "$db" .dump | tr -d '\t\n\r\040-\176\200-\377' | wc -c | tr -d ' ')
			[ "$n" = 0 ] || fail "-d: the database holds $n control bytes (ESC, NUL, ...)"
			sed -n 's/^db //p' "$exp" | while IFS= read -r q; do
				sql=${q%% => *} wantv=${q#* => }
				got=$(sqlite3 "$db" "$sql" 2>&1)
				[ "$got" = "$wantv" ] || { echo "FAIL: hostile $name: -d: $sql gave '$got', expected '$wantv'"; echo x >>"$tmp/sqlfail"; }
			done
			if [ -f "$tmp/sqlfail" ]; then
				errs=$((errs + 1))
				rm -f "$tmp/sqlfail"
			fi
		fi
	else
		want=$(sed -n 's/^dbrows //p' "$exp")
		[ -z "$want" ] || [ "$want" = 0 ] || fail "-d: no database was created"
	fi

	if [ "$errs" = 0 ]; then
		echo "PASS: hostile $name ($(grep -c '^packets' "$tmp/err" >/dev/null && sed -n 's/^packets \([0-9]*\).*/\1/p' "$tmp/err") packets, exit $want_exit)"
	else
		bad=$((bad + 1))
	fi
done

if [ "$seen" = 0 ]; then
	echo "FAIL: no pcaps/hostile/*.expect under $ROOT"
	exit 1
fi
echo "t-hostile: $((seen - bad)) of $seen hostile captures as expected"
[ "$bad" = 0 ]
