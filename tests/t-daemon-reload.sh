#!/bin/sh
# t-daemon-reload.sh: SIGHUP reloads the IOC files atomically (live capture
# in a private network namespace: tests/daemon-lib.sh).
#
# Rule set A is the first half of the gen-traffic IOC list; set B is the
# whole list in reverse order, so that a rule id means another rule in
# each set: a hit written with the wrong set would name a rule that does
# not match its host (checked on every row).
#  1. start with A: hits are what `replay -I A` finds;
#  2. file replaced by B, HUP: logged, the feeds table says so, new traffic
#     gives what `replay -I B` finds;
#  3. a bad file, HUP: "reload failed" with file:line, B stays in use;
#  4. HUP while another writer holds the database: hits matched with B
#     wait in the queue while A is swapped in; once the lock goes, those
#     are written with B's rules and the later ones with A's;
#  5. USR1 logs the counters, nothing refused; TERM exits 0;
#  6. --chroot: the IOC file lives inside the chroot and is read there, at
#     start and on HUP (the rules' source is the path inside it).
# Nothing waits a fixed time (tests/daemon-lib.sh): traffic is sent only
# once the capture thread has adopted the set it is meant for (dl_sync
# after the reload is logged), a swap happens only once every frame meant
# for the old set has been taken (dl_wait_packets), and the lock of step 4
# is held until the test lets it go.
. "$(dirname "$0")/daemon-lib.sh"
dl_init t-daemon-reload
for s in 41 42 43 44 45; do
	dl_gen -o "$T/g$s.pcap" --bytes 5M --hit-rate 0.3 --seed "$s"
done
n=$(wc -l <"$T/rules.txt")
head -n $((n / 2)) "$T/rules.txt" >"$T/A.rules"
tac "$T/rules.txt" >"$T/B.rules"
ref() { # ref SEED SET
	[ -f "$T/ref$1$2.db" ] || "$BIN" replay -q -I "$T/$2.rules" -d "$T/ref$1$2.db" "$T/g$1.pcap" \
		>/dev/null 2>&1 || dl_fail "replay of g$1 with $2 failed"
	sqlite3 "$T/ref$1$2.db" "select coalesce(sum(count),0) from hits"
}
install_rules() { # atomically, as an editor or an updater would
	cp "$1" "$T/ioc.rules.new" && mv "$T/ioc.rules.new" "$T/ioc.rules"
}
# the references, before the daemon runs
for r in 41A 42B 43B 44B 45A; do
	ref "${r%?}" "${r#??}" >/dev/null
done
consistent() {
	[ "$(dl_rules_consistent)" = 0 ] ||
		dl_fail "$1: hit rows name rules that do not match them: $(dl_sql "select hostname, rule from hits" | head -n 5)"
}

install_rules "$T/A.rules"
dl_start -I "$T/ioc.rules" --stats-interval 1 --buffer-mb 32

# 1. set A
want=$(ref 41 A)
[ "$want" -gt 0 ] || dl_fail "set A matches nothing in g41"
dl_send_all -M 100 "$T/g41.pcap"
dl_wait_hits "$want" || dl_fail "set A: $(dl_total) of $want hit events"
consistent "set A"
[ "$(dl_sql "select rule_count from feeds")" = "$(wc -l <"$T/A.rules")" ] ||
	dl_fail "feeds table: $(dl_sql 'select * from feeds')"

# 2. set B
install_rules "$T/B.rules"
kill -HUP "$DPID"
dl_wait_log "IOC rules reloaded: $n rules" || dl_fail "no reload logged after HUP"
# the capture thread adopts the set between two batches of frames
dl_sync || dl_fail "no answer to USR1"
dl_wait_eq "select rule_count from feeds" "$n" || dl_fail "feeds table not updated: $(dl_sql 'select * from feeds')"
want=$((want + $(ref 42 B)))
dl_send_all -M 100 "$T/g42.pcap"
dl_wait_hits "$want" || dl_fail "set B: $(dl_total) of $want hit events"
consistent "set B"
echo "t-daemon-reload: HUP with a good file: $n rules in use, hits as replay finds them"

# 3. a bad file keeps B
{ cat "$T/B.rules"; echo "bad..name family"; } >"$T/bad.rules"
install_rules "$T/bad.rules"
kill -HUP "$DPID"
dl_wait_log "IOC reload failed, the $n rules in use stay: .*ioc.rules:$((n + 1)): " ||
	dl_fail "bad file: no 'reload failed' with file:line logged"
dl_sync || dl_fail "no answer to USR1"
want=$((want + $(ref 43 B)))
dl_send_all -M 100 "$T/g43.pcap"
dl_wait_hits "$want" || dl_fail "after a bad file: $(dl_total) of $want hit events"
consistent "after a bad file"
[ "$(dl_sql "select rule_count from feeds")" = "$n" ] || dl_fail "the bad file changed the feeds table"
echo "t-daemon-reload: HUP with a bad file: logged with file:line, the old rules stay"

# 4. swap while hits matched with B wait for a locked database
dl_lock
before=$(dl_total)
dl_send_all -M 100 "$T/g44.pcap"
dl_wait_taken || dl_fail "g44: the capture thread took $(dl_packets) of $TAKEN_WANT frames"
install_rules "$T/A.rules"
reloads=$(dl_log_count "IOC rules reloaded")
kill -HUP "$DPID"
dl_wait_log_more "IOC rules reloaded" "$reloads" || dl_fail "no reload logged while the database was locked"
dl_sync || dl_fail "no answer to USR1"   # every later frame is matched with A
dl_send_all -M 100 "$T/g45.pcap"
dl_wait_taken || dl_fail "g45: the capture thread took $(dl_packets) of $TAKEN_WANT frames"
[ "$(dl_total)" = "$before" ] || dl_fail "hits written while another writer held the lock?"
dl_unlock
want=$((before + $(ref 44 B) + $(ref 45 A)))
dl_wait_hits "$want" || dl_fail "swap during a lock: $(dl_total) of $want hit events"
consistent "swap while hits were queued"
echo "t-daemon-reload: HUP while hits waited for a locked database: each written with its own rules"

# 5. USR1, then TERM
dl_sync || dl_fail "USR1: no counters logged"
grep "^stalkerwatch: database: " "$T/log" | tail -n 1 | grep -q " 0 refused" ||
	dl_fail "USR1: hits refused: $(grep 'database:' "$T/log" | tail -n 1)"
dl_stop
[ "$DRC" = 0 ] || dl_fail "exit status $DRC"

# 6. chroot
mkdir "$T/chr"
cp "$T/A.rules" "$T/chr/ioc.rules"
# LeakSanitizer (SANITIZE=1 builds) needs /proc, which a chroot hides:
# leaks are checked by the other runs
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
dl_start -I "$T/chr/ioc.rules" --chroot "$T/chr" --buffer-mb 32
[ "$(readlink /proc/"$DPID"/root)" = "$T/chr" ] || dl_fail "chroot: root is $(readlink /proc/"$DPID"/root)"
before=$(dl_total)
want=$((before + $(ref 41 A)))
dl_send_all -M 100 "$T/g41.pcap"
dl_wait_hits "$want" || dl_fail "chroot: $(dl_total) of $want hit events"
cp "$T/B.rules" "$T/chr/ioc.rules.new" && mv "$T/chr/ioc.rules.new" "$T/chr/ioc.rules"
reloads=$(dl_log_count "IOC rules reloaded: $n rules")
kill -HUP "$DPID"
dl_wait_log_more "IOC rules reloaded: $n rules" "$reloads" || dl_fail "chroot: no reload logged: $(tail -n 3 "$T/log")"
dl_sync || dl_fail "chroot: no answer to USR1"
want=$((want + $(ref 42 B)))
dl_send_all -M 100 "$T/g42.pcap"
dl_wait_hits "$want" || dl_fail "chroot, after HUP: $(dl_total) of $want hit events"
consistent "chroot"
[ "$(dl_sql "select count(*) from hits where source = '/ioc.rules'")" -gt 0 ] ||
	dl_fail "chroot: rules' source is not the path inside it: $(dl_sql 'select distinct source from hits')"
dl_stop
[ "$DRC" = 0 ] || dl_fail "chroot: exit status $DRC"
[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] || dl_fail "chroot: integrity_check"
echo "t-daemon-reload: chroot: IOC file read inside it at start and on HUP"
exit 0
