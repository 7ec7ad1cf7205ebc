#!/bin/sh
# t-daemon-db.sh: the database never stops capture, and survives SIGKILL
# (live capture in a private network namespace: tests/daemon-lib.sh).
#
#  1. a reader holding a read transaction open (sqlite3 shell) and a long
#     SELECT: hits still arrive (WAL lets readers and the writer coexist);
#  2. another writer holding BEGIN IMMEDIATE while a capture is sent: the
#     capture thread takes every frame meanwhile (its counters move, no
#     packet is dropped), no hit is written, the failure and the recovery
#     are logged, and every hit is in the database once the lock goes;
#  3. the same with a hit queue of 16 records: the 16 queued are written
#     after the lock, what did not fit is dropped, logged ("HITS DROPPED")
#     and counted in the stats table, and written + dropped = every hit;
#  4. SIGKILL once the hits are committed (the writer commits every flush_ms
#     without being asked): the database passes PRAGMA integrity_check,
#     still holds every hit, and the daemon starts again on it.
# The locks are held until the test has seen what it checks (dl_lock), and
# every wait polls (tests/daemon-lib.sh): nothing depends on the speed of
# the machine.  --buffer-mb 32: the kernel ring holds a whole capture even
# when the capture thread is starved, so "no packet dropped" holds too.
# Frames are counted at the capture end of the veth pair (dl_wait_taken),
# and a frame the pair itself drops fails the test by name (dl_send_all).
. "$(dirname "$0")/daemon-lib.sh"
dl_init t-daemon-db
for s in 31 32 33 34 35; do
	dl_gen -o "$T/g$s.pcap" --bytes 5M --hit-rate 0.3 --seed "$s"
	"$BIN" replay -q -I "$T/rules.txt" -d "$T/ref$s.db" "$T/g$s.pcap" >/dev/null 2>&1 ||
		dl_fail "replay of g$s failed"
done
ref() { sqlite3 "$T/ref$1.db" "select coalesce(sum(count),0) from hits"; }

# the other writer's uncommitted change, rolled back by dl_unlock
LOCK_SQL="INSERT INTO feeds VALUES ('t-daemon-db', NULL, NULL, NULL, 0, '2000-01-01 00:00:00');"
# "cannot write hits" when hits were queued at the first failed write,
# "cannot write stats" when a stats row came first: either way logged
LOCKED_RE="cannot write [a-z ]*, will retry (capture goes on"

dl_start -I "$T/rules.txt" --stats-interval 1 --buffer-mb 32

# 1. a read transaction held open (until the hits are in), and a long SELECT
rm -f "$T/reader.fifo"
mkfifo "$T/reader.fifo" || dl_fail "cannot make a FIFO"
: >"$T/reader.out"
exec 8<>"$T/reader.fifo"
sqlite3 -bail "$DB" <"$T/reader.fifo" >"$T/reader.out" 2>&1 8>&- &
READER=$!
DL_PIDS="$DL_PIDS $READER"
printf 'BEGIN;\nSELECT '"'"'reading '"'"' || count(*) FROM hits;\n' >&8
dl_until "$DL_WAIT" grep -q '^reading 0$' "$T/reader.out" ||
	dl_fail "the reader did not start its transaction: $(cat "$T/reader.out")"
sqlite3 "$DB" "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000000)
	SELECT count(*) FROM c, (SELECT count(*) FROM stats)" >"$T/long.out" 2>&1 &
LONG=$!
DL_PIDS="$DL_PIDS $LONG"
want=$(ref 31)
dl_send_all -M 100 "$T/g31.pcap"
dl_wait_hits "$want" || dl_fail "with a reader holding the database: $(dl_total) of $want hit events"
kill -0 "$READER" 2>/dev/null || dl_fail "the reader ended before the hits arrived: $(cat "$T/reader.out")"
kill -0 "$LONG" 2>/dev/null || echo "t-daemon-db: note: the long SELECT ended before the hits arrived"
# the reader's snapshot still predates every hit
printf 'SELECT '"'"'still '"'"' || count(*) FROM hits;\nCOMMIT;\n.quit\n' >&8
exec 8>&-
wait "$READER" || dl_fail "the reader failed: $(cat "$T/reader.out")"
grep -q '^still 0$' "$T/reader.out" || dl_fail "the reader's transaction saw hits: $(cat "$T/reader.out")"
kill "$LONG" 2>/dev/null
echo "t-daemon-db: reader holding a read transaction: $want hit events arrived meanwhile"

# 2. another writer holds the lock while traffic comes
before=$(dl_total)
# this is the first daemon on the database: its frame count is what the
# stats rows add up to
dl_lock "$LOCK_SQL"
dl_send_all -M 100 "$T/g32.pcap"
dl_wait_taken ||
	dl_fail "capture did not go on while the database was locked: it took $(dl_packets) frames, want $TAKEN_WANT"
dl_wait_log "$LOCKED_RE" || dl_fail "the locked database was not logged"
[ "$(dl_total)" = "$before" ] || dl_fail "hits were written while another writer held the lock?"
dl_unlock
want=$((before + $(ref 32)))
dl_wait_hits "$want" || dl_fail "after the lock was released: $(dl_total) of $want hit events"
dl_wait_log "database writable again" || dl_fail "the recovery was not logged"
# the stats rows count every frame swb saw since the start (read again at
# each poll: a frame of the kernel's own may still come)
stats_all() { [ "$(dl_sql 'select coalesce(sum(packets),0) from stats')" = $(($(dl_link) - DL_LINK0)) ]; }
dl_until "$DL_WAIT" stats_all ||
	dl_fail "stats count $(dl_sql 'select sum(packets) from stats') packets, swb saw $(($(dl_link) - DL_LINK0))"
[ "$(dl_sql 'select coalesce(sum(drops),0) from stats')" = 0 ] || dl_fail "packets dropped while the database was locked"
echo "t-daemon-db: another writer held the lock: capture went on ($SENT packets), $(ref 32) hit events written after it"
dl_stop
[ "$DRC" = 0 ] || dl_fail "exit status $DRC"

# 3. a hit queue too small for the hits of a lock: drops counted and logged.
# The lock is held until the capture thread has taken every frame, so the
# queue is full when it goes: exactly 16 are written.
dl_start -I "$T/rules.txt" --stats-interval 1 --hitq 16 --buffer-mb 32
[ "$(ref 33)" -gt 16 ] || dl_fail "g33 holds only $(ref 33) hit events: not enough to fill the queue"
before=$(dl_total)
hd_before=$(dl_sql "select coalesce(sum(hits_dropped),0) from stats")
dl_lock "$LOCK_SQL"
dl_send_all -M 100 "$T/g33.pcap"
dl_wait_taken ||
	dl_fail "queue of 16: the capture thread took $(dl_packets) of $TAKEN_WANT frames during the lock"
[ "$(dl_total)" = "$before" ] || dl_fail "queue of 16: hits were written while another writer held the lock?"
dl_unlock
dl_stop
[ "$DRC" = 0 ] || dl_fail "exit status $DRC"
written=$(($(dl_total) - before))
dropped=$(($(dl_sql "select coalesce(sum(hits_dropped),0) from stats") - hd_before))
[ "$written" = 16 ] || dl_fail "queue of 16 during the lock: $written hit events written"
[ "$((written + dropped))" = "$(ref 33)" ] ||
	dl_fail "written $written + dropped $dropped is not the $(ref 33) hit events sent"
grep -q "HITS DROPPED: $dropped hits lost" "$T/log" || dl_fail "the $dropped dropped hits were not logged"
"$BIN" stats -d "$DB" >/dev/null 2>"$T/stats.err"
grep -q "WARNING: $((hd_before + dropped)) hits were lost" "$T/stats.err" ||
	dl_fail "stats does not warn about the lost hits: $(cat "$T/stats.err")"
echo "t-daemon-db: queue of 16 during a lock: $written written, $dropped dropped and reported"

# 4. SIGKILL once every hit is committed: nothing committed is lost, the
# file is sound, the daemon restarts.  The daemon is not stopped or asked
# for anything: the writer commits on its own (every flush_ms).
dl_start -I "$T/rules.txt" --stats-interval 1 --buffer-mb 32
before=$(dl_total)
want=$((before + $(ref 34)))
dl_send_all -M 100 "$T/g34.pcap"
t0=$(date +%s)
dl_wait_hits "$want" || dl_fail "the running daemon did not commit the hits: $(dl_total) of $want hit events"
took=$(($(date +%s) - t0))
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
DPID=
[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] || dl_fail "integrity_check after SIGKILL"
[ "$(dl_total)" = "$want" ] ||
	dl_fail "after SIGKILL: $(dl_total) of the $want hit events committed before it"
"$BIN" hits -d "$DB" >/dev/null 2>"$T/hits.err" || dl_fail "hits after SIGKILL: $(cat "$T/hits.err")"
dl_start -I "$T/rules.txt" --stats-interval 1 --buffer-mb 32
dl_send_all -M 100 "$T/g35.pcap"
want=$((want + $(ref 35)))
dl_wait_hits "$want" || dl_fail "after a restart on the killed database: $(dl_total) of $want"
dl_stop
[ "$DRC" = 0 ] || dl_fail "exit status $DRC after the restart"
[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] || dl_fail "integrity_check after the restart"
echo "t-daemon-db: SIGKILL (hits committed ${took} s after the last packet): database sound, every hit kept, restart fine"
exit 0
