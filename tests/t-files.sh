#!/bin/sh
# t-files.sh: hostile and broken files (docs/hardening.md).
#
# IOC files (`ioc check -I FILE`, and `replay -I FILE`), config files
# (`run -n -c FILE`) and captures (`replay --hostnames FILE`) with bad
# syntax, bad encodings (invalid UTF-8, a UTF-16 byte order mark, NUL
# bytes), lines longer than the limits, empty files, a directory or
# /dev/zero given as a file, a missing file, and a file name holding a
# terminal escape.  Each must give a clear error naming the file (and the
# line, where there is one), exit 2 (IOC and config files) or 1 (captures,
# with the packet number for a damaged one), never crash, never hang, never
# succeed silently, and never print a raw control byte.
#
# BUILD is the build directory (run-all.sh sets it; default build).
. "$(dirname "$0")/lib.sh"
# a bound that catches hangs, generous enough for ASan+UBSan on a loaded machine
TMO=${FILES_TIMEOUT:-120}

tl_init t-files
cd "$tmp" || exit 1

ok=0 bad=0
ESC=$(printf '\033')

# expect NAME STATUS REGEX CMD...: run CMD (in $tmp, under a timeout); its
# exit status must be STATUS and its stderr must match the extended REGEX
# and hold nothing but printable ASCII, tab and newline.
expect() {
	name=$1 want=$2 re=$3
	shift 3
	timeout "$TMO" "$@" >out 2>err
	rc=$?
	why=
	if [ "$rc" = 124 ]; then
		why="timed out after ${TMO}s (a hang)"
	elif [ "$rc" -ge 128 ]; then
		why="killed by signal $((rc - 128)) (a crash)"
	elif [ "$rc" != "$want" ]; then
		why="exit $rc, expected $want"
	elif ! grep -E -q -e "$re" err; then
		why="stderr does not match /$re/"
	elif [ "$(tr -d '\t\n\040-\176' <err | wc -c | tr -d ' ')" != 0 ]; then
		why="stderr holds raw bytes outside printable ASCII"
	fi
	if [ -z "$why" ]; then
		ok=$((ok + 1))
		echo "PASS: files $name: $(head -1 err | cut -c1-150)"
	else
		bad=$((bad + 1))
		echo "FAIL: files $name: $why"
		sed -n '1,5p' err | sed 's/^/    /'
	fi
}

# ---- the inputs ----------------------------------------------------------------

printf 'ok.hostile.test Fam\nspyic.com Cocospy confidence=bogus\n' >bad-syntax.rules
printf '# stalkerwatch rules\nfoo.com\n' >no-family.rules
printf 'ok.hostile.test Fam\nsp\377yic.com Cocospy\n' >bad-utf8.rules
printf '\377\376s\000p\000y\000.\000c\000o\000m\000 \000F\000\n\000' >utf16.rules
printf '\376\377\000s\000p\000y\000.\000c\000o\000m\000 \000F\000\n' >utf16be.rules
printf 'ok.hostile.test Fam\nnul\000.hostile.test Fam\n' >nul.rules
: >empty.rules
printf '# only comments\n\n   \n# and blank lines\n' >comments.rules
mkdir dir.rules
# a line of 5000 bytes (SW_IOC_LINE_MAX is 4096)
l=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
l=$l$l$l$l$l$l$l$l$l$l
{ printf 'ok.hostile.test Fam\n'; printf '%s' "$l$l$l$l$l"; printf '.com Fam\n'; } >huge-line.rules
printf '{"type": "bundle", "objects": [{"type": "indicator", "pattern": "[domain-name:value=' >trunc.json
printf -- '- name: X\n  c2:\n    domains:\n   - bad.indent\n  - x\n' >bad-indent.yaml
printf -- '- name: X\n  type: stalkerware\n  c2:\n    domains:\n    - \377\376bad.com\n' >bad-utf8.yaml
printf 'type,indicator,app\ndomain\nip\n' >bad-rows.csv
printf '{"iocs": [{"type": 5, "value": ["x"]}]}' >bad-types.json
printf 'ok.hostile.test Fam\nspyic.com Cocospy confidence=bogus\n' >"esc${ESC}[2J.rules"
printf 'ok.hostile.test Fam\n\033]0;owned\007x.com Fam\n' >esc-inside.rules

# ---- IOC files ---------------------------------------------------------------------

for spec in \
	"bad-syntax.rules|bad-syntax\\.rules:2: bad confidence" \
	"no-family.rules|no-family\\.rules:2: missing family" \
	"bad-utf8.rules|bad-utf8\\.rules:2: sp\\\\xffyic\\.com: non-ASCII" \
	"utf16.rules|utf16\\.rules:1: UTF-16 text" \
	"utf16be.rules|utf16be\\.rules:1: UTF-16 text" \
	"nul.rules|nul\\.rules:2: NUL byte" \
	"empty.rules|empty\\.rules: no rules" \
	"comments.rules|comments\\.rules: no rules" \
	"dir.rules|dir\\.rules: not a regular file" \
	"/dev/zero|/dev/zero: not a regular file" \
	"missing.rules|missing\\.rules: No such file" \
	"huge-line.rules|huge-line\\.rules:2: line longer than 4096 bytes" \
	"trunc.json|trunc\\.json:1: .*end of stream" \
	"bad-indent.yaml|bad-indent\\.yaml:4: " \
	"bad-utf8.yaml|bad-utf8\\.yaml:[0-9]+: .*(UTF-8|utf-8)" \
	"bad-rows.csv|bad-rows\\.csv: no rules" \
	"bad-types.json|bad-types\\.json: no rules" \
	"esc-inside.rules|esc-inside\\.rules:2: " \
	; do
	f=${spec%%|*} re=${spec#*|}
	expect "ioc $f" 2 "$re" "$BIN" ioc check -I "$f"
done
expect "ioc file name with ESC" 2 'esc\\x1b\[2J\.rules:2: bad confidence' "$BIN" ioc check -I "esc${ESC}[2J.rules"
# a YAML file that opens with a document start (---) is still Echap's format
printf -- '---\n- name: X\n  type: stalkerware\n  websites:\n  - spy.hostile.test\n' >doc-start.yaml
if "$BIN" ioc check -I doc-start.yaml >out 2>err && grep -q 'echap-yaml, 1 rules' out; then
	ok=$((ok + 1))
	echo "PASS: files ioc doc-start.yaml: $(head -1 out)"
else
	bad=$((bad + 1))
	echo "FAIL: files ioc doc-start.yaml: not read as echap-yaml: $(head -1 out) $(head -1 err)"
fi
# replay refuses a bad IOC file before reading anything
expect "replay -I empty file" 2 'empty\.rules: no rules' \
	"$BIN" replay -I empty.rules "$ROOT/pcaps/dns.pcap"
expect "replay -I UTF-16 file" 2 'utf16\.rules:1: UTF-16' \
	"$BIN" replay -I utf16.rules "$ROOT/pcaps/dns.pcap"

# ---- config files ------------------------------------------------------------------

if "$BIN" run --help >/dev/null 2>&1; then
	printf 'interface lo\nbogus_option 3\n' >unknown.conf
	printf 'interface lo\nflows 12\n' >range.conf
	printf 'interface lo\nflows 99999999999999999999\n' >overflow.conf
	{ printf 'interface lo\nfilter '; printf '%s' "$l$l"; printf '\n'; } >huge-line.conf
	printf 'interface lo\nfil\000ter x\n' >nul.conf
	printf '\377\376i\000n\000' >utf16.conf
	printf 'fl\377ows 64\n' >bad-utf8.conf
	printf 'interface lo\nsnaplen \033[2J\n' >esc-value.conf
	mkdir dir.conf
	: >empty.conf
	for spec in \
		"unknown.conf|unknown\\.conf:2: unknown option 'bogus_option'" \
		"range.conf|range\\.conf:2: flows wants a number from" \
		"overflow.conf|overflow\\.conf:2: flows wants a number from" \
		"huge-line.conf|huge-line\\.conf:2: line longer than" \
		"nul.conf|nul\\.conf:2: NUL byte" \
		"utf16.conf|utf16\\.conf:1: UTF-16 text" \
		"bad-utf8.conf|bad-utf8\\.conf:1: unknown option 'fl\\\\xffows'" \
		"esc-value.conf|esc-value\\.conf:2: snaplen wants a number from .*\\\\x1b\\[2J" \
		"dir.conf|dir\\.conf: is a directory" \
		"/dev/zero|/dev/zero: larger than 1 MiB" \
		"missing.conf|missing\\.conf: cannot read the config file: No such file" \
		"empty.conf|no interface to capture on" \
		; do
		f=${spec%%|*} re=${spec#*|}
		expect "config $f" 2 "$re" "$BIN" run -n -c "$f"
	done
else
	echo "t-files: SKIP config files: this build has no 'run' command"
fi

# ---- captures ----------------------------------------------------------------------

: >empty.pcap
printf 'this is not a capture\n' >text.pcap
mkdir dir.pcap
# a pcap file header with link type 147 (USER0), which nothing decodes
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\223\000\000\000' >user0.pcap
# the demo capture cut in the middle
sz=$(wc -c <"$ROOT/pcaps/demo.pcapng")
head -c $((sz / 2)) "$ROOT/pcaps/demo.pcapng" >cut.pcapng
cp "$ROOT/pcaps/dns.pcap" "esc${ESC}[2J.pcap"

expect "capture empty" 1 'empty\.pcap: cannot read capture: ' "$BIN" replay --hostnames empty.pcap
expect "capture text" 1 'text\.pcap: cannot read capture: unknown file format' \
	"$BIN" replay --hostnames text.pcap
expect "capture directory" 1 'dir\.pcap: cannot read capture: ' "$BIN" replay --hostnames dir.pcap
expect "capture /dev/zero" 1 '/dev/zero: cannot read capture: ' "$BIN" replay --hostnames /dev/zero
expect "capture missing" 1 'missing\.pcap: cannot read capture: ' "$BIN" replay --hostnames missing.pcap
expect "capture link type" 1 'user0\.pcap: link type 147 .* not supported' \
	"$BIN" replay --hostnames user0.pcap
expect "capture cut pcapng" 1 'cut\.pcapng: packet [0-9]+: .*; [0-9]+ packets before it were read' \
	"$BIN" replay --hostnames cut.pcapng
# the cut capture's first half was still read
if grep -q . out; then
	ok=$((ok + 1))
	echo "PASS: files capture cut pcapng: $(wc -l <out | tr -d ' ') names from its first half"
else
	bad=$((bad + 1))
	echo "FAIL: files capture cut pcapng: nothing read from its first half"
fi
expect "capture name with ESC" 1 'esc\\x1b\[2J-missing\.pcap: cannot read capture: .*esc\\x1b\[2J-missing' \
	"$BIN" replay --hostnames "esc${ESC}[2J-missing.pcap"
expect "capture damaged among good ones" 1 'text\.pcap: cannot read capture' \
	"$BIN" replay --hostnames "esc${ESC}[2J.pcap" text.pcap "$ROOT/pcaps/dns.pcap"
if grep -q '^dns' out; then
	ok=$((ok + 1))
	echo "PASS: files capture damaged among good ones: the good ones were read"
else
	bad=$((bad + 1))
	echo "FAIL: files capture damaged among good ones: the good captures were not read"
fi

echo "t-files: $ok passed, $bad failed"
[ "$bad" = 0 ]
