#!/bin/sh
# t-daemon-db.sh: the database never stops capture, and survives SIGKILL
# (live capture in a private network namespace: tests/daemon-lib.sh).
#
#  1. a reader holding a read transaction open (sqlite3 shell) and a long
#     SELECT: hits still arrive (WAL lets readers and the writer coexist);
#  2. another writer holding BEGIN IMMEDIATE for 3 s while traffic comes:
#     capture goes on (the daemon's counters move, no packet is dropped),
#     the failure and the recovery are logged, and every hit is in the
#     database shortly after the lock is released;
#  3. the same with a hit queue of 16 records: what does not fit is
#     dropped, logged ("HITS DROPPED") and counted in the stats table, and
#     written + dropped = every hit;
#  4. SIGKILL: the database passes PRAGMA integrity_check, holds every hit
#     older than a second, and the daemon starts again on it.
. "$(dirname "$0")/daemon-lib.sh"
dl_init t-daemon-db
for s in 31 32 33 34 35; do
	dl_gen -o "$T/g$s.pcap" --bytes 5M --hit-rate 0.3 --seed "$s"
	"$BIN" replay -q -I "$T/rules.txt" -d "$T/ref$s.db" "$T/g$s.pcap" >/dev/null 2>&1 ||
		dl_fail "replay of g$s failed"
done
ref() { sqlite3 "$T/ref$1.db" "select coalesce(sum(count),0) from hits"; }

# Hold the write lock for $1 seconds in the background; returns once held.
hold_write_lock() {
	( echo "BEGIN IMMEDIATE;"; echo "INSERT INTO feeds VALUES ('t-daemon-db', NULL, NULL, NULL, 0, '2000-01-01 00:00:00');"
	  sleep "$1"; echo "ROLLBACK;" ) | sqlite3 "$DB" >"$T/lock.out" 2>&1 &
	LOCKPID=$!
	DL_PIDS="$DL_PIDS $LOCKPID"
	i=0
	while sqlite3 "$DB" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 50 ] && dl_fail "could not take the write lock"
		sleep 0.1
	done
}

dl_start -I "$T/rules.txt" --stats-interval 1

# 1. a read transaction held open, and a long SELECT running
( echo "BEGIN;"; echo "SELECT count(*) FROM hits;"; sleep 3; echo "COMMIT;" ) |
	sqlite3 "$DB" >"$T/reader.out" 2>&1 &
READER=$!
sqlite3 "$DB" "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000000)
	SELECT count(*) FROM c, (SELECT count(*) FROM stats)" >"$T/long.out" 2>&1 &
LONG=$!
DL_PIDS="$DL_PIDS $READER $LONG"
sleep 0.3
want=$(ref 31)
dl_send -M 100 "$T/g31.pcap"
dl_wait_hits "$want" 5 || dl_fail "with a reader holding the database: $(dl_total) of $want hit events"
kill -0 "$READER" 2>/dev/null || dl_fail "the reader ended before the hits arrived: test too slow"
kill -0 "$LONG" 2>/dev/null || echo "t-daemon-db: note: the long SELECT ended before the hits arrived"
wait "$READER" || dl_fail "the reader failed: $(cat "$T/reader.out")"
kill "$LONG" 2>/dev/null
echo "t-daemon-db: reader holding a read transaction: $want hit events arrived meanwhile"

# 2. a writer holding the lock for 3 s while traffic comes
before=$(dl_total)
pk_before=$(dl_sql "select coalesce(sum(packets),0) from stats")
hold_write_lock 3
dl_send --topspeed "$T/g32.pcap"
sleep 1
kill -USR1 "$DPID"
sleep 0.5
[ "$(dl_total)" = "$before" ] || dl_fail "hits were written while another writer held the lock?"
kill -0 "$LOCKPID" 2>/dev/null || dl_fail "the lock holder ended too early: test too slow"
grep "^stalkerwatch: packets" "$T/log" | tail -n 1 | grep -q "^stalkerwatch: packets $((pk_before + SENT)) " ||
	dl_fail "capture did not go on while the database was locked: $(grep '^stalkerwatch: packets' "$T/log" | tail -n 1), want $((pk_before + SENT))"
grep -q "cannot write hits, will retry (capture goes on" "$T/log" || dl_fail "the locked database was not logged"
wait "$LOCKPID"
want=$((before + $(ref 32)))
dl_wait_hits "$want" 5 || dl_fail "after the lock was released: $(dl_total) of $want hit events"
grep -q "database writable again" "$T/log" || dl_fail "the recovery was not logged"
dl_wait_eq "select coalesce(sum(packets),0) from stats" "$((pk_before + SENT))" 5 ||
	dl_fail "stats count $(dl_sql 'select sum(packets) from stats') packets, want $((pk_before + SENT))"
[ "$(dl_sql 'select coalesce(sum(drops),0) from stats')" = 0 ] || dl_fail "packets dropped while the database was locked"
echo "t-daemon-db: another writer held the lock 3 s: capture went on, $(ref 32) hit events written after it"
dl_stop
[ "$DRC" = 0 ] || dl_fail "exit status $DRC"

# 3. a hit queue too small for a 3 s lock: drops counted and logged
dl_start -I "$T/rules.txt" --stats-interval 1 --hitq 16
before=$(dl_total)
hd_before=$(dl_sql "select coalesce(sum(hits_dropped),0) from stats")
hold_write_lock 3
dl_send --topspeed "$T/g33.pcap"
wait "$LOCKPID"
sleep 1.5
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
echo "t-daemon-db: queue of 16 during a 3 s lock: $written written, $dropped dropped and reported"

# 4. SIGKILL: nothing committed is lost, the file is sound, the daemon restarts
dl_start -I "$T/rules.txt" --stats-interval 1
before=$(dl_total)
dl_send -M 100 "$T/g34.pcap"
sleep 1
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
DPID=
[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] || dl_fail "integrity_check after SIGKILL"
want=$((before + $(ref 34)))
[ "$(dl_total)" = "$want" ] ||
	dl_fail "after SIGKILL 1 s after the last packet: $(dl_total) of $want hit events"
"$BIN" hits -d "$DB" >/dev/null 2>"$T/hits.err" || dl_fail "hits after SIGKILL: $(cat "$T/hits.err")"
dl_start -I "$T/rules.txt" --stats-interval 1
dl_send -M 100 "$T/g35.pcap"
want=$((want + $(ref 35)))
dl_wait_hits "$want" 5 || dl_fail "after a restart on the killed database: $(dl_total) of $want"
dl_stop
[ "$DRC" = 0 ] || dl_fail "exit status $DRC after the restart"
[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] || dl_fail "integrity_check after the restart"
echo "t-daemon-db: SIGKILL 1 s after the last packet: database sound, every hit kept, restart fine"
exit 0
