#!/bin/sh
# t-daemon-cli.sh: `run` configuration and start-up errors, the `stats` and
# `devices` commands, the option table against the docs, `make install`.
# Needs no root and no network: nothing here captures.
#
#  - run -n: good config 0; every kind of bad line gives 2 and FILE:LINE;
#    flags override the file, a list flag replaces the file's list;
#  - bad IOC file, missing interface, root or unknown user, bad filter,
#    positional argument: 2 with the reason; an interface that does not
#    exist: 2 naming it;
#  - every option of `run --help` is in contrib/stalkerwatch.conf and in the
#    man page, and every option line of the example config is one;
#  - stats/devices on a database with no rows, a missing database, bad use;
#  - make install DESTDIR=...: every file in place, paths filled in.
set -u
LC_ALL=C
export LC_ALL
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BIN=$BUILD/stalkerwatch
[ -x "$BIN" ] || { echo "t-daemon-cli: FAIL: $BIN is not built"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/t-daemon-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
fail() { echo "t-daemon-cli: FAIL: $*"; exit 1; }

# expect STATUS PATTERN CMD...: exit status and a line of stderr+stdout
expect() {
	want=$1 pat=$2
	shift 2
	"$@" >"$T/out" 2>&1
	rc=$?
	[ "$rc" = "$want" ] || fail "$*: exit $rc, want $want: $(cat "$T/out")"
	[ -z "$pat" ] || grep -q -- "$pat" "$T/out" || fail "$*: no '$pat' in: $(cat "$T/out")"
}

R="$BIN run -u nobody"
printf 'interface eth0\n# a comment\n\n  flows   1024  \nioc "%s"\n' "$ROOT/ioc/stalkerware.rules" >"$T/good.conf"
expect 0 "configuration OK: 1 interface" $R -n -c "$T/good.conf"

# bad lines, each with its file:line
bad() { # LINE PATTERN
	printf 'interface eth0\n%s\n' "$1" >"$T/bad.conf"
	expect 2 "$T/bad.conf:2: $2" $R -n -c "$T/bad.conf"
}
bad "flows 12" "flows wants a number from 64 to 4194304, not '12'"
bad "flows 9999999999" "flows wants a number from 64"
bad "flows -5" "flows wants a number"
bad "flows 10k" "flows wants a number"
bad "promisc maybe" "promisc wants yes or no, not 'maybe'"
bad "no_such_option 1" "unknown option 'no_such_option'"
bad "buffer-mb 4" "unknown option 'buffer-mb'"
bad "flows" "flows needs a value"
bad "interface" "interface needs a value"
bad "stats_interval 0" "stats_interval wants a number from 1 to 86400"
bad "flush_ms 5000" "flush_ms wants a number from 10 to 1000"
bad "$(printf 'flows \033[31m')" "flows wants a number from 64 to 4194304, not '\\\\x1b\[31m'"
if grep -q "$(printf '\033')" "$T/out"; then fail "a raw ESC byte from the config file reached the terminal"; fi
printf 'interface eth0\ninterface wlan0\n' >"$T/two.conf"
expect 0 "2 interfaces" $R -n -c "$T/two.conf"
expect 0 "1 interface," $R -n -c "$T/two.conf" -i br-lan
expect 2 "interface eth0 given twice" $R -n -c "$T/two.conf" -i eth0 -i eth0
head -c 2000 /dev/zero | tr '\0' a >"$T/long.conf"
expect 2 "long.conf:1: line longer than 1023 bytes" $R -n -c "$T/long.conf"
expect 2 "cannot read the config file" $R -n -c "$T/missing.conf"

# the user's dual-use list: read at -n, a missing file or a bad line named,
# and with a chroot it must be inside it (it is read there on reload)
printf 'thd.cc\n' >"$T/du.txt"
printf 'ok.example\ncn\n' >"$T/du-bad.txt"
expect 0 "configuration OK" $R -n -c /dev/null -i eth0 --dual-use "$T/du.txt"
expect 2 "$T/nope.txt: No such file" $R -n -c /dev/null -i eth0 --dual-use "$T/nope.txt"
printf 'interface eth0\ndual_use %s\n' "$T/du-bad.txt" >"$T/du.conf"
expect 2 "du-bad.txt:2: cn: a top-level domain alone" $R -n -c "$T/du.conf"
mkdir -p "$T/jail"
expect 2 "dual_use $T/du.txt is outside the chroot" \
	$R -n -c /dev/null -i eth0 -I "$T/jail/x.rules" --chroot "$T/jail" --dual-use "$T/du.txt"

# flags
expect 2 "stats_interval wants a number" $R -n -c /dev/null -i eth0 --stats-interval 0
expect 2 "unknown option --frobnicate" $R -n -c /dev/null -i eth0 --frobnicate
expect 2 "--flows needs a value" $R -n -c /dev/null -i eth0 --flows
expect 2 "unexpected argument 'eth0'" $R -n -c /dev/null eth0
expect 0 "configuration OK" $R -n -c /dev/null -i eth0 --flows=128 --no-promisc -Dv
expect 2 "no interface to capture on" $R -n -c /dev/null
expect 2 "filter: " $R -n -c /dev/null -i eth0 -f "tcp port"
expect 2 "is root" $BIN run -n -c /dev/null -i eth0 -u root
expect 2 "user 'no-such-user-x' does not exist" $BIN run -n -c /dev/null -i eth0 -u no-such-user-x
expect 2 "geoip_asn: $T/none.mmdb" $R -n -c /dev/null -i eth0 --geoip-asn "$T/none.mmdb"
printf 'good.example fam\nbad..name fam\n' >"$T/bad.rules"
expect 2 "bad.rules:2: " $R -n -c /dev/null -i eth0 -I "$T/bad.rules"
expect 2 "" $R -c /dev/null -i sw-no-such0 -d "$T/x.db"
grep -q "sw-no-such0" "$T/out" || fail "a missing interface is not named: $(cat "$T/out")"
[ ! -e "$T/x.db" ] || fail "a failed start created the database"
expect 0 "Options (config file" $BIN run --help

# the option table against the example config and the man page
"$BIN" run --help | sed -n 's/^  \(-., \)\{0,1\} *--\([a-z-]*\).*/\2/p' | tr - _ | grep -v '^config$\|^check$\|^help$' >"$T/opts"
[ "$(wc -l <"$T/opts")" -ge 25 ] || fail "run --help lists only $(wc -l <"$T/opts") options"
while read -r o; do
	grep -q "^#\{0,1\}$o " "$ROOT/contrib/stalkerwatch.conf" || fail "option $o is not in contrib/stalkerwatch.conf"
	grep -q "^\.It .*Cm $o\( \|$\)" "$ROOT/docs/stalkerwatch.8" || fail "option $o is not in docs/stalkerwatch.8"
done <"$T/opts"
sed -n 's/^#\{0,1\}\([a-z_][a-z_]*\) .*/\1/p' "$ROOT/contrib/stalkerwatch.conf" | sort -u | while read -r o; do
	grep -qx "$o" "$T/opts" || fail "contrib/stalkerwatch.conf names an unknown option $o"
done || exit 1
expect 0 "configuration OK" $R -n -c "$ROOT/contrib/stalkerwatch.conf" -i eth0 -I "$ROOT/ioc/stalkerware.rules"

# stats and devices
"$BIN" replay -q -d "$T/r.db" "$ROOT/pcaps/demo.pcapng" >/dev/null 2>&1 || fail "replay to make a database"
expect 0 "no stats rows" "$BIN" stats -d "$T/r.db"
expect 0 "no devices" "$BIN" devices -d "$T/r.db"
expect 0 "" "$BIN" stats -d "$T/r.db" --json
[ ! -s "$T/out" ] || fail "stats --json with no rows printed: $(cat "$T/out")"
expect 2 "no-such.db" "$BIN" stats -d "$T/no-such.db"
[ ! -e "$T/no-such.db" ] || fail "stats created a database"
expect 2 "no-such.db" "$BIN" devices -d "$T/no-such.db"
expect 2 "give the database with -d DB" "$BIN" stats
expect 2 "unknown argument" "$BIN" devices -d "$T/r.db" --frob
expect 2 "--rows wants a number" "$BIN" stats -d "$T/r.db" --rows x
expect 0 "usage: stalkerwatch stats" "$BIN" stats --help

# make install into a staging directory
if command -v make >/dev/null 2>&1; then
	# -o: install the binary as built, never rebuild it here
	make -s -C "$ROOT" install BUILD="$BUILD" -o "$BIN" DESTDIR="$T/stage" PREFIX=/usr >"$T/install.log" 2>&1 ||
		fail "make install: $(cat "$T/install.log")"
	for f in usr/sbin/stalkerwatch usr/share/man/man8/stalkerwatch.8 etc/stalkerwatch.conf \
	         usr/share/stalkerwatch/stalkerware.rules usr/lib/systemd/system/stalkerwatch.service \
	         usr/share/stalkerwatch/openwrt/stalkerwatch.init; do
		[ -s "$T/stage/$f" ] || fail "make install did not install $f"
	done
	[ -d "$T/stage/var/lib/stalkerwatch" ] || fail "make install did not make the state directory"
	grep -q "^ExecStart=/usr/sbin/stalkerwatch run -c /etc/stalkerwatch.conf" \
		"$T/stage/usr/lib/systemd/system/stalkerwatch.service" || fail "unit paths not filled in"
	! grep -q "@SBINDIR@\\|@SYSCONFDIR@" "$T/stage/usr/lib/systemd/system/stalkerwatch.service" || fail "placeholder left in the unit"
	grep -q "^ioc /usr/share/stalkerwatch/stalkerware.rules$" "$T/stage/etc/stalkerwatch.conf" ||
		fail "config: IOC path not filled in"
	"$T/stage/usr/sbin/stalkerwatch" run -n -u nobody -c "$T/stage/etc/stalkerwatch.conf" -i eth0 \
		-I "$T/stage/usr/share/stalkerwatch/stalkerware.rules" >/dev/null 2>&1 ||
		fail "the installed config does not pass -n"
	if command -v systemd-analyze >/dev/null 2>&1; then
		# offline check of the unit's syntax (unknown directives, bad values)
		sed -e "s|/usr/sbin/stalkerwatch|$T/stage/usr/sbin/stalkerwatch|g" \
			"$T/stage/usr/lib/systemd/system/stalkerwatch.service" >"$T/stalkerwatch.service"
		systemd-analyze verify "$T/stalkerwatch.service" >"$T/verify.log" 2>&1
		if grep -qi "unknown key\|unknown lvalue\|failed to parse\|invalid" "$T/verify.log"; then
			fail "systemd-analyze verify: $(cat "$T/verify.log")"
		fi
	fi
fi
exit 0
