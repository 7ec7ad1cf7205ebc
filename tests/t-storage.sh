#!/bin/sh
# t-storage.sh: storage faults under `replay -d` (docs/hardening.md).
#
#   read-only  a database in a read-only directory (a read-only tmpfs in a
#              private mount namespace as root, chmod 555 otherwise): a new
#              one cannot be created, an existing one cannot be written;
#              a clear error, exit 2, the committed rows still readable
#   full       a database on a full file system (tmpfs size=256k, in a
#              private mount namespace: `unshare -m`, root only, skipped
#              otherwise): the hits that do not fit are retried, then
#              counted and reported as NOT STORED, exit 2, the committed
#              rows intact and the file sound; and when space comes back
#              during the retries, every hit is stored, exit 0
#   locked     another writer (sqlite3 holding BEGIN IMMEDIATE): a lock held
#              for a while is waited out (exit 0, every hit stored); one held
#              for good gives a clear error, exit 2, rows intact (sqlite3 CLI;
#              skipped without it)
#   corrupt    garbage over the header: refused as not a database, file
#              untouched; garbage over pages: the writes fail as corrupt,
#              counted and reported, exit 2, the rows that still read intact
# Every run: no crash, no hang (timeout), and "hits already committed are
# never lost": the rows counted before and after each fault.
#
# The time bounds only catch hangs: they are generous (a replay under
# ASan+UBSan on a loaded machine is 10x slower than on an idle one), and
# every wait for a condition polls for it.
#
# BUILD is the build directory (run-all.sh sets it; default build).
. "$(dirname "$0")/lib.sh"
H=$ROOT/pcaps/hostile
TMO=${STORAGE_TIMEOUT:-120}

tl_init t-storage
LOCKPID=
# a watchdog: the whole test must end (a hang here would block `make test`)
(
	trap 'kill "$sp" 2>/dev/null; exit 0' TERM
	sleep "${STORAGE_WATCHDOG:-900}" &
	sp=$!
	wait "$sp" && echo "t-storage: WATCHDOG: still running after ${STORAGE_WATCHDOG:-900}s, stopped" >&2 &&
		kill -TERM $$
) >/dev/null &
WATCHDOG=$!
cleanup() {
	kill "$WATCHDOG" 2>/dev/null
	[ -z "$LOCKPID" ] || kill "$LOCKPID" 2>/dev/null
	chmod -R u+w "$tmp" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$tmp" || exit 1

ok=0 bad=0
pass() { ok=$((ok + 1)); echo "PASS: storage $*"; }
fail() { bad=$((bad + 1)); echo "FAIL: storage $*"; }

# replay_db DB CAPTURE OUT ERR: replay into DB with the hostile rules; rc
replay_db() {
	timeout "$TMO" "$BIN" replay -d "$1" -I "$H/hostile.rules" "$2" >"$3" 2>"$4"
	rc=$?
	[ "$rc" != 124 ] || echo "(timed out after ${TMO}s: a hang)" >>"$4"
	[ "$rc" -lt 128 ] || echo "(killed by signal $((rc - 128)): a crash)" >>"$4"
}
# rows DB: rows in its hits table, read through `hits --json` (read-only)
rows() {
	"$BIN" hits -d "$1" --json 2>/dev/null | wc -l | tr -d ' '
}
# seed DB: a database with the 3 rows of hostile-names.pcap
seed() {
	"$BIN" replay -q -d "$1" -I "$H/hostile.rules" "$H/hostile-names.pcap" >/dev/null 2>&1
}
# check NAME COND-RC WANT-RC ERRFILE REGEX
check() {
	if [ "$2" = "$3" ] && grep -E -q -e "$5" "$4"; then
		pass "$1: $(grep -E -m1 -e "$5" "$4" | cut -c1-160)"
	else
		fail "$1: exit $2 (expected $3), stderr:"
		sed -n '1,6p' "$4" | sed 's/^/    /'
	fi
}

ROOTUSER=0
[ "$(id -u)" = 0 ] && ROOTUSER=1
NS=0
if [ "$ROOTUSER" = 1 ] && unshare -m true 2>/dev/null; then
	NS=1
fi

# ---- read-only directory ---------------------------------------------------------

if [ "$NS" = 1 ]; then
	# root ignores directory modes: a read-only tmpfs in a private namespace
	cat >ro.sh <<'EOF'
set -u
mkdir ro && mount -t tmpfs -o size=2m tmpfs ro || exit 3
"$BIN" replay -q -d ro/h.db -I "$H/hostile.rules" "$H/hostile-names.pcap" >/dev/null 2>&1
"$BIN" hits -d ro/h.db --json 2>/dev/null | wc -l | tr -d ' ' >rows.before
mount -o remount,ro ro || exit 3
timeout "$TMO" "$BIN" replay -d ro/new.db -I "$H/hostile.rules" "$H/many-hits.pcap" >/dev/null 2>new.err
echo $? >new.rc
timeout "$TMO" "$BIN" replay -d ro/h.db -I "$H/hostile.rules" "$H/many-hits.pcap" >/dev/null 2>old.err
echo $? >old.rc
"$BIN" hits -d ro/h.db --json 2>/dev/null | wc -l | tr -d ' ' >rows.after
umount ro
EOF
	BIN=$BIN H=$H TMO=$TMO unshare -m sh ro.sh
	how="read-only tmpfs"
else
	mkdir ro
	seed ro/h.db
	rows ro/h.db >rows.before
	chmod 555 ro
	chmod 444 ro/h.db
	timeout "$TMO" "$BIN" replay -d ro/new.db -I "$H/hostile.rules" "$H/many-hits.pcap" >/dev/null 2>new.err
	echo $? >new.rc
	timeout "$TMO" "$BIN" replay -d ro/h.db -I "$H/hostile.rules" "$H/many-hits.pcap" >/dev/null 2>old.err
	echo $? >old.rc
	rows ro/h.db >rows.after
	chmod 755 ro
	how="chmod 555"
fi
if [ -f new.rc ]; then
	check "read-only ($how): new database" "$(cat new.rc)" 2 new.err 'new\.db: cannot create the database: .*'
	check "read-only ($how): existing database" "$(cat old.rc)" 2 old.err 'h\.db: .*read-only'
	if [ "$(cat rows.before)" = 3 ] && [ "$(cat rows.after)" = 3 ]; then
		pass "read-only: the 3 committed rows still read"
	else
		fail "read-only: rows before $(cat rows.before), after $(cat rows.after) (expected 3, 3)"
	fi
else
	fail "read-only: could not set up the read-only directory"
fi

# ---- full file system ------------------------------------------------------------

if [ "$NS" = 1 ]; then
	cat >full.sh <<'EOF'
set -u
mkdir full && mount -t tmpfs -o size=256k tmpfs full || exit 3
"$BIN" replay -q -d full/h.db -I "$H/hostile.rules" "$H/hostile-names.pcap" >/dev/null 2>&1
"$BIN" hits -d full/h.db --json 2>/dev/null | wc -l | tr -d ' ' >f.before
# 800 rows of ~600 KB do not fit in 256 KB
timeout "$TMO" "$BIN" replay -d full/h.db -I "$H/hostile.rules" "$H/many-hits.pcap" >/dev/null 2>full1.err
echo $? >full1.rc
"$BIN" hits -d full/h.db --json 2>/dev/null | wc -l | tr -d ' ' >f.after
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 full/h.db 'PRAGMA integrity_check' >f.integrity 2>&1
fi
# again, and give it room while it retries (as soon as it says so: it
# retries for about 5 s).  First a little room, so that the feeds row
# fits whatever the first run left (its failed writes may have grown the
# WAL) but the hits do not: the retries to test are those of the hits.
mount -o remount,size=320k full
: >full2.err
timeout "$TMO" "$BIN" replay -d full/h.db -I "$H/hostile.rules" "$H/many-hits.pcap" >/dev/null 2>full2.err &
pid=$!
i=0
while [ $i -lt $((TMO * 10)) ] && ! grep -q retrying full2.err && kill -0 $pid 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
mount -o remount,size=8m full
wait $pid
echo $? >full2.rc
"$BIN" hits -d full/h.db --json 2>/dev/null | wc -l | tr -d ' ' >f.final
umount full
EOF
	BIN=$BIN H=$H TMO=$TMO unshare -m sh full.sh
	if [ -f full1.rc ]; then
		check "full: hits that do not fit" "$(cat full1.rc)" 2 full1.err \
			'[0-9]+ hits of this capture could NOT be stored: .*full'
		check "full: counted in the summary" "$(cat full1.rc)" 2 full1.err \
			'^database: [0-9]+ hits NOT STORED'
		# a batch that does not fit is retried in halves: what fits is
		# stored, the rest is counted; the 3 rows from before stay
		lost=$(sed -n 's/^database: \([0-9]*\) hits NOT STORED.*/\1/p' full1.err)
		after=$(cat f.after)
		if [ "$(cat f.before)" = 3 ] && [ -n "$lost" ] && [ "$after" -gt 3 ] &&
		   [ $((after - 3 + lost)) = 800 ]; then
			pass "full: the 3 committed rows kept, $((after - 3)) more fitted, $lost counted as not stored"
		else
			fail "full: rows before $(cat f.before), after $after, not stored '$lost' (expected 3, then stored + not stored = 800)"
		fi
		if [ -f f.integrity ]; then
			if [ "$(cat f.integrity)" = ok ]; then
				pass "full: PRAGMA integrity_check ok after the failed writes"
			else
				fail "full: integrity_check: $(head -3 f.integrity)"
			fi
		fi
		check "full: space back during the retries" "$(cat full2.rc)" 0 full2.err \
			'writes work again after [0-9]+ failed'
		check "full: every hit stored in the end" "$(cat full2.rc)" 0 full2.err \
			'^database: [0-9]+ writes failed, retried: every hit stored'
		if [ "$(cat f.final)" = 803 ]; then
			pass "full: 803 rows after the retry"
		else
			fail "full: $(cat f.final) rows after the retry, expected 803"
		fi
	else
		fail "full: could not mount a tmpfs in a private namespace"
	fi
else
	echo "t-storage: SKIP full file system: needs root and unshare -m (a private tmpfs)"
fi

# ---- locked by another writer --------------------------------------------------

if command -v sqlite3 >/dev/null 2>&1; then
	# lock DB: start sqlite3 holding BEGIN IMMEDIATE on DB, fed through a
	# FIFO, and wait until it has the lock (0), or say it could not (1)
	lock() {
		rm -f lk.fifo lk.out
		: >lk.out
		mkfifo lk.fifo
		exec 3<>lk.fifo  # read-write: never blocks, even if sqlite3 fails
		sqlite3 -bail "$1" <lk.fifo >lk.out 2>&1 3>&- &
		LOCKPID=$!
		echo "BEGIN IMMEDIATE; SELECT 'locked';" >&3
		i=0
		while ! grep -q '^locked$' lk.out; do
			if [ $i -ge $((TMO * 10)) ] || ! kill -0 "$LOCKPID" 2>/dev/null; then
				fail "$2: sqlite3 could not take the lock: $(cat lk.out)"
				return 1
			fi
			sleep 0.1
			i=$((i + 1))
		done
	}
	unlock() {
		echo "COMMIT;" >&3
		exec 3>&-
		wait "$LOCKPID"
		LOCKPID=
	}
	seed lock.db
	before=$(rows lock.db)
	# held for 2 s: waited out (replay waits SW_DB_OPEN_WAIT_MS = 5 s)
	lock lock.db "locked for 2 s"
	( sleep 2; echo "COMMIT;" >&3 ) &
	sleeper=$!
	replay_db lock.db "$H/many-hits.pcap" lk1.out lk1.err
	wait "$sleeper"
	exec 3>&-
	wait "$LOCKPID"
	LOCKPID=
	after=$(rows lock.db)
	if [ "$rc" = 0 ] && [ "$before" = 3 ] && [ "$after" = 803 ]; then
		pass "locked for 2 s: waited out, every hit stored (3 -> 803 rows)"
	else
		fail "locked for 2 s: exit $rc, rows $before -> $after (expected 0, 3 -> 803)"
		sed -n '1,5p' lk1.err | sed 's/^/    /'
	fi
	# held for good: a clear error
	seed lock2.db
	before=$(rows lock2.db)
	lock lock2.db "locked for good"
	replay_db lock2.db "$H/many-hits.pcap" lk2.out lk2.err
	unlock
	after=$(rows lock2.db)
	check "locked for good" "$rc" 2 lk2.err 'lock2\.db: .*locked'
	if [ "$before" = 3 ] && [ "$after" = 3 ]; then
		pass "locked for good: the 3 committed rows kept"
	else
		fail "locked for good: rows $before -> $after (expected 3 -> 3)"
	fi
else
	echo "t-storage: SKIP locked database: no sqlite3 CLI to hold the lock"
fi

# ---- corrupted -----------------------------------------------------------------

seed hdr.db
yes garbage | head -c 100 | dd of=hdr.db conv=notrunc 2>/dev/null
cp hdr.db hdr.copy
replay_db hdr.db "$H/many-hits.pcap" c1.out c1.err
check "corrupt header" "$rc" 2 c1.err 'hdr\.db: .*not an SQLite database'
if cmp -s hdr.db hdr.copy; then
	pass "corrupt header: the file was left as it was"
else
	fail "corrupt header: the file was changed"
fi

seed pages.db
before=$(rows pages.db)
# garbage over pages 3-5 (of 13), where the index of hits lives
yes garbage | head -c 12288 | dd of=pages.db bs=4096 seek=2 conv=notrunc 2>/dev/null
replay_db pages.db "$H/many-hits.pcap" c2.out c2.err
check "corrupt pages" "$rc" 2 c2.err 'could NOT be stored: .*corrupt'
check "corrupt pages: counted" "$rc" 2 c2.err '^database: 800 hits NOT STORED'
after=$(rows pages.db)
if [ "$before" = 3 ] && [ "$after" = 3 ]; then
	pass "corrupt pages: the 3 rows that read before still read"
else
	fail "corrupt pages: rows $before -> $after (expected 3 -> 3)"
fi

echo "t-storage: $ok passed, $bad failed"
[ "$bad" = 0 ]
