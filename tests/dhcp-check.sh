# tests/dhcp-check.sh: what the devices table and `stalkerwatch devices`
# must show after the capture of tests/data/dhcp/make-dhcp-pcap.py went
# through the pipeline with the rule "dhcp-test-ioc.net" (live in
# t-daemon-dhcp.sh, through replay in t-replay-devices.sh).
#
# dhcp_check DB OUTDIR: 0 when every check holds; else 1 with the reason on
# stdout (the first that failed).  Needs $BIN, sqlite3 and python3.
dhcp_check() {
	_db=$1 _o=$2
	_q() { sqlite3 -cmd ".timeout 30000" "$_db" "$1"; }
	_row() { _q "select coalesce(ip,'-'), coalesce(name,'-'), coalesce(vendor_class,'-') from devices where mac = '$1'"; }
	[ "$(_row 02:11:22:33:44:55)" = "192.0.2.77|android-5f3a9c|android-dhcp-14" ] ||
		{ echo "phone: $(_row 02:11:22:33:44:55)"; return 1; }
	[ "$(_q "select hex(name) || ' ' || ip || ' ' || vendor_class from devices where mac = '02:aa:bb:cc:dd:01'")" = \
		"1B5B33316D70776E075C78 192.0.2.20 MSFT 5.0" ] ||
		{ echo "laptop (stored as sent, the DECLINE ignored): $(_row 02:aa:bb:cc:dd:01)"; return 1; }
	[ "$(_row 02:aa:bb:cc:dd:02)" = "192.0.2.30|iPhone|-" ] || { echo "iphone: $(_row 02:aa:bb:cc:dd:02)"; return 1; }
	[ "$(_row 02:aa:bb:cc:dd:03)" = "-|-|-" ] ||
		{ echo "a name with a NUL inside was kept: $(_row 02:aa:bb:cc:dd:03)"; return 1; }
	[ "$(_q "select count(*) from devices where mac in ('ff:ff:ff:ff:ff:ff', '02:aa:bb:cc:dd:04')")" = 0 ] ||
		{ echo "a broadcast chaddr was taken for a device"; return 1; }
	[ "$(_q "select client_mac || ' ' || client_ip from hits")" = "02:11:22:33:44:55 192.0.2.77" ] ||
		{ echo "hit: $(_q 'select client_mac, client_ip from hits')"; return 1; }

	"$BIN" devices -d "$_db" >"$_o/devices.out" 2>"$_o/devices.err" ||
		{ echo "devices: $(cat "$_o/devices.err")"; return 1; }
	grep -q '^02:11:22:33:44:55  192\.0\.2\.77  *android-5f3a9c  *android-dhcp-14  .* 1$' "$_o/devices.out" ||
		{ echo "devices output for the phone: $(cat "$_o/devices.out")"; return 1; }
	grep -qF '\x1b[31mpwn\x07\\x' "$_o/devices.out" ||
		{ echo "the hostile name is not shown escaped: $(cat -v "$_o/devices.out")"; return 1; }
	if LC_ALL=C grep -q "$(printf '\033')" "$_o/devices.out"; then
		echo "a raw ESC byte reached the terminal"
		return 1
	fi
	"$BIN" devices -d "$_db" --json >"$_o/devices.json" || { echo "devices --json failed"; return 1; }
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$_o/devices.json" ||
		{ echo "devices --json is not JSON lines"; return 1; }
	return 0
}
