/*
 * test_daemon.c - the parts of `stalkerwatch run` that need no network:
 * the option table and config parser (daemon/config.c), the device table
 * fed with DHCP frames (daemon/devices.c), the writer thread and its IOC
 * swap (daemon/writer.c), the privilege drop (daemon/priv.c, in a forked
 * child, when root), the filter check (daemon/capture.c).
 *
 * The live capture itself is tested in a network namespace by
 * tests/t-daemon-*.sh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/capture.h"
#include "daemon/config.h"
#include "daemon/devices.h"
#include "daemon/hitq.h"
#include "daemon/priv.h"
#include "daemon/writer.h"
#include "db/db.h"
#include "dissectors/decode.h"
#include "ioc/ioc.h"
#include "testutil.h"

/* ---- config ------------------------------------------------------------- */

START_TEST(table_sane)
{
	size_t n = 0;
	for (const struct conf_opt *o = conf_opts; o->name; o++, n++) {
		ck_assert_msg(o->help && *o->help, "%s has no help", o->name);
		ck_assert_msg(strlen(o->name) < 24, "%s: name too long", o->name);
		if (o->type == CT_U32)
			ck_assert_msg(o->min <= o->def && o->def <= o->max,
			              "%s: default %u outside %u..%u", o->name, o->def, o->min, o->max);
		if (o->type == CT_STR)
			ck_assert_msg(o->sdef != NULL, "%s: no default", o->name);
		for (const struct conf_opt *p = conf_opts; p < o; p++) {
			ck_assert_msg(strcmp(p->name, o->name) != 0, "%s declared twice", o->name);
			ck_assert_msg(!o->shrt || p->shrt != o->shrt, "-%c used twice", o->shrt);
		}
		/* -c, -n, -h are taken by the command line itself */
		ck_assert_msg(o->shrt != 'c' && o->shrt != 'n' && o->shrt != 'h', "%s", o->name);
	}
	ck_assert_uint_ge(n, 25);
}
END_TEST

static const struct {
	const char *text;
	const char *err;   /* NULL: accepted; else a part of the error */
	size_t len;        /* 0: strlen(text) */
} conf_lines[] = {
	{ "flows 1024\n", NULL, 0 },
	{ "  flows\t1024  \n", NULL, 0 },
	{ "# comment\n\n\t\nflows 64\n", NULL, 0 },
	{ "flows 4194304\n", NULL, 0 },
	{ "promisc no\n", NULL, 0 },
	{ "promisc OFF\n", NULL, 0 },
	{ "immediate 1\n", NULL, 0 },
	{ "filter not host 10.0.0.1\n", NULL, 0 },
	{ "filter \"udp or tcp\"\n", NULL, 0 },
	{ "filter\n", NULL, 0 },               /* empty string: no filter */
	{ "interface eth0\r\n", NULL, 0 },
	{ "db /var/lib/x.db", NULL, 0 },       /* no final newline */
	{ "flows 63\n", "t.conf:1: flows wants a number from 64 to 4194304, not '63'", 0 },
	{ "flows 4194305\n", "from 64 to 4194304", 0 },
	{ "flows 0x40\n", "flows wants a number", 0 },
	{ "flows +64\n", "flows wants a number", 0 },
	{ "flows 18446744073709551617\n", "flows wants a number", 0 },
	{ "\nflows\n", "t.conf:2: flows needs a value", 0 },
	{ "promisc 2\n", "promisc wants yes or no", 0 },
	{ "frobnicate 1\n", "t.conf:1: unknown option 'frobnicate'", 0 },
	{ "snap-len 2048\n", "unknown option", 0 },
	{ "buffer-mb 4\n", "unknown option 'buffer-mb'", 0 },
	{ "interface\n", "interface needs a value", 0 },
	{ "interface \"\"\n", "interface needs a value", 0 },
	{ "x\x1b[31m 1\n", "unknown option 'x\\x1b[31m'", 0 },
	{ "flows 1\x07\n", "not '1\\x07'", 0 },
	{ "flows 1\0" "24\n", "NUL byte", 11 },
};

START_TEST(file_lines)
{
	for (size_t i = 0; i < sizeof conf_lines / sizeof conf_lines[0]; i++) {
		struct sw_config c;
		char err[512] = "";
		ck_assert_int_eq(conf_init(&c), 0);
		size_t len = conf_lines[i].len ? conf_lines[i].len : strlen(conf_lines[i].text);
		int r = conf_load_buf(&c, "t.conf", conf_lines[i].text, len, err, sizeof err);
		if (!conf_lines[i].err)
			ck_assert_msg(r == 0, "line %zu refused: %s", i, err);
		else
			ck_assert_msg(r == -1 && strstr(err, conf_lines[i].err),
			              "line %zu: r %d err '%s', want '%s'", i, r, err, conf_lines[i].err);
		conf_free(&c);
	}
}
END_TEST

START_TEST(file_values)
{
	struct sw_config c;
	char err[256];
	static const char text[] =
		"interface eth0\ninterface wlan0\nflows 128\npromisc no\nfilter \"udp\"\n"
		"ioc /a.rules\nuser bob\n";
	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_uint_eq(c.flows, SW_FLOWS_DEFAULT);
	ck_assert(c.promisc);
	ck_assert_uint_eq(c.flush_ms, SW_FLUSH_MS_DEFAULT);
	ck_assert_int_eq(conf_load_buf(&c, "t", text, sizeof text - 1, err, sizeof err), 0);
	ck_assert_uint_eq(c.iface.n, 2);
	ck_assert_str_eq(c.iface.v[0], "eth0");
	ck_assert_str_eq(c.iface.v[1], "wlan0");
	ck_assert_uint_eq(c.flows, 128);
	ck_assert(!c.promisc);
	ck_assert_str_eq(c.filter, "udp");
	ck_assert_str_eq(c.user, "bob");
	ck_assert_uint_eq(c.ioc.n, 1);
	/* a second file replaces the lists */
	ck_assert_int_eq(conf_load_buf(&c, "t2", "interface br0\n", 14, err, sizeof err), 0);
	ck_assert_uint_eq(c.iface.n, 1);
	ck_assert_str_eq(c.iface.v[0], "br0");
	conf_free(&c);

	/* the list bound */
	ck_assert_int_eq(conf_init(&c), 0);
	char big[4096] = "";
	for (int i = 0; i <= SW_CAP_IFACES_MAX; i++)
		snprintf(big + strlen(big), sizeof big - strlen(big), "interface e%d\n", i);
	ck_assert_int_eq(conf_load_buf(&c, "t", big, strlen(big), err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "interface given more than 16 times"));
	conf_free(&c);
}
END_TEST

START_TEST(args_over_file)
{
	char path[] = "/tmp/test_daemon_conf.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	static const char text[] = "interface eth0\ninterface eth1\nflows 128\nstats_interval 30\n";
	ck_assert_int_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	struct {
		const char *argv[12];
		int ok;
		const char *err;
	} cases[] = {
		{ { "run", "-c", path, NULL }, 1, NULL },
		{ { "run", "-c", path, "-i", "wlan0", "--flows=256", "--no-promisc", "-Dv", NULL }, 1, NULL },
		{ { "run", "-c", path, "--stats-interval", "0", NULL }, 0, "--stats-interval: stats_interval wants" },
		{ { "run", "-c", path, "--flows", NULL }, 0, "--flows needs a value" },
		{ { "run", "-c", path, "-i", NULL }, 0, "-i needs a value" },
		{ { "run", "-c", path, "--bogus", NULL }, 0, "unknown option --bogus" },
		{ { "run", "-c", path, "-X", NULL }, 0, "unknown option -X" },
		{ { "run", "-c", path, "eth9", NULL }, 0, "unexpected argument 'eth9'" },
		{ { "run", "-c", path, "--no-flows", NULL }, 0, "unknown option --no-flows" },
		{ { "run", "-c", "/nonexistent/x.conf", NULL }, 0, "cannot read the config file" },
		{ { "run", "--config=/nonexistent/y.conf", NULL }, 0, "y.conf" },
		{ { "run", "-c", path, "-nD", "-ieth5", NULL }, 1, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int argc = 0;
		while (cases[i].argv[argc])
			argc++;
		struct sw_config c;
		char err[512] = "";
		ck_assert_int_eq(conf_init(&c), 0);
		int r = conf_parse_args(&c, argc, (char **)(uintptr_t)cases[i].argv, err, sizeof err);
		if (cases[i].ok) {
			ck_assert_msg(r == 0, "case %zu: %s", i, err);
		} else {
			ck_assert_msg(r == -1 && strstr(err, cases[i].err), "case %zu: '%s'", i, err);
		}
		if (i == 0) {
			ck_assert_uint_eq(c.iface.n, 2);
			ck_assert_uint_eq(c.flows, 128);
			ck_assert_uint_eq(c.stats_interval, 30);
			ck_assert_str_eq(c.conf_path, path);
		}
		if (i == 1) {
			/* a list flag replaces the file's list */
			ck_assert_uint_eq(c.iface.n, 1);
			ck_assert_str_eq(c.iface.v[0], "wlan0");
			ck_assert_uint_eq(c.flows, 256);
			ck_assert_uint_eq(c.stats_interval, 30);
			ck_assert(!c.promisc && c.daemon && c.verbose);
		}
		if (i == sizeof cases / sizeof cases[0] - 1) {
			ck_assert(c.check_only && c.daemon);
			ck_assert_uint_eq(c.iface.n, 1);
			ck_assert_str_eq(c.iface.v[0], "eth5");
		}
		conf_free(&c);
	}
	unlink(path);
}
END_TEST

/* ---- devices ------------------------------------------------------------ */

/* An Ethernet + IPv4 + UDP frame carrying a DHCP message (RFC 2131 2). */
struct dframe {
	uint8_t b[1024];
	size_t n;
};

static void put_opt(uint8_t *b, size_t *n, uint8_t code, const void *v, size_t len)
{
	b[(*n)++] = code;
	b[(*n)++] = (uint8_t)len;
	memcpy(b + *n, v, len);
	*n += len;
}

static void dhcp_frame(struct dframe *f, uint8_t op, const uint8_t mac[6], uint8_t type,
                       const char *name, size_t name_len, const char *vc,
                       const uint8_t ciaddr[4], const uint8_t yiaddr[4],
                       const uint8_t req[4])
{
	uint8_t d[600];
	size_t n = 0;
	memset(d, 0, sizeof d);
	d[0] = op;
	d[1] = 1;
	d[2] = 6;
	d[4] = 0x12; d[5] = 0x34; d[6] = 0x56; d[7] = 0x78;   /* xid */
	if (ciaddr)
		memcpy(d + 12, ciaddr, 4);
	if (yiaddr)
		memcpy(d + 16, yiaddr, 4);
	memcpy(d + 28, mac, 6);
	n = 236;
	d[n++] = 99; d[n++] = 130; d[n++] = 83; d[n++] = 99;
	put_opt(d, &n, 53, &type, 1);
	if (req)
		put_opt(d, &n, 50, req, 4);
	if (name)
		put_opt(d, &n, 12, name, name_len);
	if (vc)
		put_opt(d, &n, 60, vc, strlen(vc));
	d[n++] = 255;

	uint8_t *p = f->b;
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	memcpy(p, bc, 6);
	memcpy(p + 6, mac, 6);
	p[12] = 0x08; p[13] = 0x00;
	uint8_t *ip = p + 14;
	size_t iplen = 20 + 8 + n;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(iplen >> 8); ip[3] = (uint8_t)iplen;
	ip[8] = 64; ip[9] = 17;
	if (op == 2) {
		ip[12] = 192; ip[13] = 0; ip[14] = 2; ip[15] = 1;
	}
	memset(ip + 16, 0xff, 4);
	uint32_t s = 0;
	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	ip[10] = (uint8_t)(~s >> 8); ip[11] = (uint8_t)~s;
	uint8_t *udp = ip + 20;
	uint16_t sp = op == 1 ? 68 : 67, dp = op == 1 ? 67 : 68;
	udp[0] = (uint8_t)(sp >> 8); udp[1] = (uint8_t)sp;
	udp[2] = (uint8_t)(dp >> 8); udp[3] = (uint8_t)dp;
	udp[4] = (uint8_t)((8 + n) >> 8); udp[5] = (uint8_t)(8 + n);
	udp[6] = udp[7] = 0;
	memcpy(udp + 8, d, n);
	f->n = 14 + iplen;
}

static void feed(struct dev_table *t, struct frag_table *ft, const struct dframe *f, uint64_t ts)
{
	struct tu_guard g = tu_guard_copy(f->b, f->n);
	struct pkt p;
	if (decode_packet(1 /* DLT_EN10MB */, g.data, (uint32_t)f->n, ts, ft, &p) == DEC_OK &&
	    p.l4 == 17) {
		p.ts_us = ts;
		dev_dhcp(t, &p);
	}
	tu_guard_free(&g);
}

static const struct db_device *find_dev(const struct db_device *v, size_t n, uint8_t last)
{
	const struct db_device *r = NULL;
	for (size_t i = 0; i < n; i++)
		if (v[i].mac[5] == last)
			r = &v[i];  /* the last record (last sighting) */
	return r;
}

START_TEST(dhcp_learning)
{
	struct dev_table *t = dev_new(64);
	struct frag_table *ft = frag_new();
	ck_assert_ptr_nonnull(t);
	static const uint8_t phone[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x01 };
	static const uint8_t laptop[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x02 };
	static const uint8_t nulname[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x03 };
	static const uint8_t group[6] = { 0x03, 0x11, 0x22, 0x33, 0x44, 0x04 };
	static const uint8_t zero[6] = { 0 };
	static const uint8_t req[4] = { 192, 0, 2, 77 }, given[4] = { 192, 0, 2, 78 };
	static const uint8_t ci[4] = { 192, 0, 2, 20 };
	struct dframe f;

	dhcp_frame(&f, 1, phone, 1, "android-5f3a9c", 14, "android-dhcp-14", NULL, NULL, NULL);
	feed(t, ft, &f, 1000000);
	dhcp_frame(&f, 1, phone, 3, "android-5f3a9c", 14, NULL, NULL, NULL, req);
	feed(t, ft, &f, 2000000);
	dhcp_frame(&f, 1, laptop, 8, "\x1b]0;pwn\x07", 8, "MSFT 5.0", ci, NULL, NULL);
	feed(t, ft, &f, 3000000);
	dhcp_frame(&f, 1, laptop, 4, "declined", 8, NULL, NULL, NULL, req); /* DECLINE */
	feed(t, ft, &f, 3500000);
	dhcp_frame(&f, 1, nulname, 1, "ab\0cd", 5, NULL, NULL, NULL, NULL);
	feed(t, ft, &f, 4000000);
	dhcp_frame(&f, 1, group, 1, "group", 5, NULL, NULL, NULL, NULL);
	feed(t, ft, &f, 4000000);
	dhcp_frame(&f, 1, zero, 1, "zero", 4, NULL, NULL, NULL, NULL);
	feed(t, ft, &f, 4000000);
	/* the server's ACK gives the phone another address */
	dhcp_frame(&f, 2, phone, 5, NULL, 0, NULL, NULL, given, NULL);
	feed(t, ft, &f, 5000000);

	struct db_device out[16];
	size_t n = dev_take(t, out, 16);
	const struct db_device *d = find_dev(out, n, 0x01);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->name, "android-5f3a9c");
	ck_assert_str_eq(d->vendor_class, "android-dhcp-14");
	ck_assert_int_eq(d->ip.v, 4);
	ck_assert_mem_eq(d->ip.a, given, 4);
	ck_assert_uint_eq(d->ts_us, 5000000);
	/* first and last sighting both taken */
	ck_assert_uint_eq(out[0].ts_us, 1000000);
	d = find_dev(out, n, 0x02);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->name, "\x1b]0;pwn\x07");   /* as sent; escaped when printed */
	ck_assert_str_eq(d->vendor_class, "MSFT 5.0");
	ck_assert_mem_eq(d->ip.a, ci, 4);               /* not the DECLINE's option 50 */
	d = find_dev(out, n, 0x03);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->name, "");                   /* NUL inside: not kept */
	ck_assert_ptr_null(find_dev(out, n, 0x04));      /* group address */
	ck_assert_ptr_null(find_dev(out, n, 0x00));      /* zero address */
	struct dev_stats st;
	dev_get_stats(t, &st);
	ck_assert_uint_eq(st.dhcp, 8);
	ck_assert_uint_eq(st.bad_strings, 1);
	ck_assert_uint_eq(st.devices, 3);
	/* nothing changed: nothing to take; a failed write marks them again */
	ck_assert_uint_eq(dev_take(t, out, 16), 0);
	dev_untake(t, find_dev(out, n, 0x02), 1);
	ck_assert_uint_eq(dev_take(t, out, 16), 1);   /* seen once: one record */
	ck_assert_uint_eq(out[0].mac[5], 0x02);
	frag_free(ft);
	dev_free(t);
}
END_TEST

/* Every prefix of a DHCP frame: no crash, and nothing learned from a
 * datagram cut inside the DHCP header or options. */
START_TEST(dhcp_prefixes)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x09 };
	struct dframe f;
	dhcp_frame(&f, 1, mac, 3, "android-1", 9, "android-dhcp-13", NULL, NULL, NULL);
	struct frag_table *ft = frag_new();
	struct dev_table *t = dev_new(16);
	for (size_t n = 0; n < f.n; n++) {
		struct tu_guard g = tu_guard_copy(f.b, n);
		struct pkt p;
		if (decode_packet(1, g.data, (uint32_t)n, 1, ft, &p) == DEC_OK && p.l4 == 17)
			dev_dhcp(t, &p);
		tu_guard_free(&g);
	}
	struct db_device out[4];
	ck_assert_uint_eq(dev_take(t, out, 4), 0);
	feed(t, ft, &f, 1);
	ck_assert_uint_eq(dev_take(t, out, 4), 1);
	ck_assert_str_eq(out[0].name, "android-1");
	frag_free(ft);
	dev_free(t);
}
END_TEST

START_TEST(table_full)
{
	ck_assert_ptr_null(dev_new(SW_DEV_MIN - 1));
	ck_assert_ptr_null(dev_new(SW_DEV_MAX + 1));
	struct dev_table *t = dev_new(SW_DEV_MIN);
	struct sw_addr ip = { 4, { 10, 0, 0, 1 } };
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0 };
	struct db_device out[2 * SW_DEV_MIN];
	for (int i = 1; i <= SW_DEV_MIN; i++) {
		mac[5] = (uint8_t)i;
		dev_seen(t, mac, &ip, (uint64_t)i);
	}
	ck_assert_uint_eq(dev_take(t, out, 2 * SW_DEV_MIN), SW_DEV_MIN);
	/* two more: the least recently seen (saved) ones make room */
	for (int i = SW_DEV_MIN + 1; i <= SW_DEV_MIN + 2; i++) {
		mac[5] = (uint8_t)i;
		dev_seen(t, mac, &ip, (uint64_t)i);
	}
	struct dev_stats st;
	dev_get_stats(t, &st);
	ck_assert_uint_eq(st.evicted, 2);
	ck_assert_uint_eq(st.evicted_unsaved, 0);
	ck_assert_uint_eq(st.devices, SW_DEV_MIN);
	size_t n = dev_take(t, out, 2 * SW_DEV_MIN);
	ck_assert_uint_eq(n, 2);
	ck_assert(out[0].mac[5] > SW_DEV_MIN && out[1].mac[5] > SW_DEV_MIN);
	/* dev_take never splits a device's two records */
	mac[5] = 1;
	dev_seen(t, mac, &ip, 100);
	dev_seen(t, mac, &ip, 200);
	ck_assert_uint_eq(dev_take(t, out, 1), 0);
	ck_assert_uint_eq(dev_take(t, out, 2), 2);
	dev_free(t);
}
END_TEST

/* ---- writer ------------------------------------------------------------- */

static struct hit mk_hit(const struct ioc_set *s, const char *host)
{
	struct hit h;
	memset(&h, 0, sizeof h);
	struct ioc_match m[4];
	size_t n = ioc_match(s, host, strlen(host), NULL, 0, m, 4);
	ck_assert_uint_ge(n, 1);
	h.rule = m[0].rule;
	h.how = m[0].how;
	h.kind = K_SNI;
	h.count = 1;
	h.ts_us = 1700000000000000ULL;
	h.client.v = 4;
	h.client.a[0] = 10;
	h.server.v = 4;
	h.server.a[0] = 192;
	h.server_port = 443;
	h.has_mac = true;
	h.client_mac[0] = 0x02;
	h.client_mac[5] = 0x42;
	snprintf(h.host, sizeof h.host, "%s", host);
	return h;
}

static long count_sql(const char *path, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long v = -1;
	ck_assert_int_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/* Hits queued with set A, then set B swapped in: each hit is written with
 * the rules it was matched with (B lists the rules in another order, so an
 * id of A means another rule in B). */
START_TEST(writer_swap)
{
	char dir[] = "/tmp/test_daemon_w.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[256], err[512], rules[256], du[256];
	snprintf(path, sizeof path, "%s/h.db", dir);
	snprintf(rules, sizeof rules, "%s/x.rules", dir);
	snprintf(du, sizeof du, "%s/dual-use.txt", dir);
	static const char A[] = "alpha.example fa\nbeta.example fb\n";
	static const char B[] = "gamma.example fc\nbeta.example fb\nalpha.example fa\n";
	FILE *f = fopen(rules, "w");
	fputs(B, f);
	fclose(f);
	/* the reload reads the user's dual-use list with the rules */
	f = fopen(du, "w");
	fputs("# shared\ngamma.example\n", f);
	fclose(f);
	struct ioc_set *a = ioc_set_load_mem(A, sizeof A - 1, "rules", NULL, err, sizeof err);
	ck_assert_ptr_nonnull(a);
	struct db *d = db_open(path, err, sizeof err);
	ck_assert_msg(d != NULL, "%s", err);
	struct hitq q;
	ck_assert_int_eq(hitq_init(&q, 64), 0);
	struct dev_table *dev = dev_new(16);
	const char *names[] = { "eth0" };
	const char *files[] = { rules };
	struct writer_opts wo = {
		.db = d, .hq = &q, .capture = "eth0", .flush_ms = 20, .ioc_files = files,
		.n_ioc = 1, .dual_use = du, .dev = dev, .src_names = names, .n_src = 1,
	};
	struct writer *w = writer_new(&wo, a, err, sizeof err);
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_null(writer_adopt(w, 0));   /* nothing loaded yet */
	/* hold the queue: push before the thread starts */
	struct hit h = mk_hit(a, "x.alpha.example");
	ck_assert(hitq_push(&q, &h));
	h = mk_hit(a, "beta.example");
	ck_assert(hitq_push(&q, &h));
	writer_request_reload(w);
	ck_assert_int_eq(writer_start(w, err, sizeof err), 0);
	const struct ioc_set *b = NULL;
	/* as long as a loaded machine needs: returns as soon as it is there */
	for (uint64_t end = writer_now_ms() + 15000; !b && writer_now_ms() < end;) {
		b = writer_adopt(w, q.pushed);
		if (!b)
			usleep(2000);
	}
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(ioc_set_count(b), 3);
	struct ioc_match gm[2];
	ck_assert_uint_eq(ioc_match(b, "gamma.example", 13, NULL, 0, gm, 2), 1);
	ck_assert_int_eq(ioc_rule_get(b, gm[0].rule)->confidence, IOC_CONF_LOW);
	ck_assert_uint_eq(ioc_match(b, "alpha.example", 13, NULL, 0, gm, 2), 1);
	ck_assert_int_ne(ioc_rule_get(b, gm[0].rule)->confidence, IOC_CONF_LOW);
	h = mk_hit(b, "gamma.example");
	ck_assert(hitq_push(&q, &h));
	h = mk_hit(b, "alpha.example");
	ck_assert(hitq_push(&q, &h));
	struct db_stats s;
	memset(&s, 0, sizeof s);
	s.packets = 10;
	s.drops = 2;
	s.ts_us = 1700000000000000ULL;
	writer_add_stats(w, 0, &s);
	ck_assert_uint_eq(writer_stop(w), 0);
	struct writer_stats ws;
	writer_get_stats(w, &ws);
	ck_assert_uint_eq(ws.written, 4);
	ck_assert_uint_eq(ws.rejected, 0);
	ck_assert_uint_eq(ws.reloads, 1);
	db_close(d);
	writer_free(w);
	dev_free(dev);
	hitq_fini(&q);

	ck_assert_int_eq(count_sql(path, "SELECT count(*) FROM hits WHERE NOT (hostname = rule"
	                                 " OR hostname LIKE '%.' || rule)"), 0);
	ck_assert_int_eq(count_sql(path, "SELECT sum(count) FROM hits"), 4);
	ck_assert_int_eq(count_sql(path, "SELECT count(*) FROM hits WHERE rule = 'alpha.example'"
	                                 " AND family = 'fa'"), 2);
	ck_assert_int_eq(count_sql(path, "SELECT count(*) FROM hits WHERE rule = 'gamma.example'"
	                                 " AND confidence = 'low'"), 1);
	ck_assert_int_eq(count_sql(path, "SELECT count(*) FROM hits WHERE rule = 'alpha.example'"
	                                 " AND confidence = 'low'"), 0);
	ck_assert_int_eq(count_sql(path, "SELECT packets * 100 + drops FROM stats"), 1002);
	ck_assert_int_eq(count_sql(path, "SELECT count(*) FROM devices WHERE mac = '02:00:00:00:00:42'"
	                                 " AND ip = '10.0.0.0'"), 1);
	ck_assert_int_eq(count_sql(path, "SELECT rule_count FROM feeds"), 3);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A bad file at reload keeps the set in use. */
START_TEST(writer_bad_reload)
{
	char dir[] = "/tmp/test_daemon_b.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[256], err[512], rules[256];
	snprintf(path, sizeof path, "%s/h.db", dir);
	snprintf(rules, sizeof rules, "%s/x.rules", dir);
	FILE *f = fopen(rules, "w");
	fputs("ok.example f\nbad..example f\n", f);
	fclose(f);
	static const char A[] = "alpha.example fa\n";
	struct ioc_set *a = ioc_set_load_mem(A, sizeof A - 1, "rules", NULL, err, sizeof err);
	struct db *d = db_open(path, err, sizeof err);
	struct hitq q;
	ck_assert_int_eq(hitq_init(&q, 16), 0);
	const char *names[] = { "eth0" };
	const char *files[] = { rules };
	struct writer_opts wo = {
		.db = d, .hq = &q, .capture = "eth0", .flush_ms = 20, .ioc_files = files,
		.n_ioc = 1, .dev = NULL, .src_names = names, .n_src = 1,
	};
	struct writer *w = writer_new(&wo, a, err, sizeof err);
	ck_assert_int_eq(writer_start(w, err, sizeof err), 0);
	writer_request_reload(w);
	struct writer_stats ws;
	for (uint64_t end = writer_now_ms() + 15000;;) {
		writer_get_stats(w, &ws);
		if (ws.reload_failures || writer_now_ms() >= end)
			break;
		usleep(2000);
	}
	ck_assert_uint_eq(ws.reload_failures, 1);
	ck_assert_ptr_null(writer_adopt(w, 0));
	struct hit h = mk_hit(a, "alpha.example");
	ck_assert(hitq_push(&q, &h));
	ck_assert_uint_eq(writer_stop(w), 0);
	writer_get_stats(w, &ws);
	ck_assert_uint_eq(ws.written, 1);
	db_close(d);
	writer_free(w);
	hitq_fini(&q);
	ck_assert_int_eq(count_sql(path, "SELECT count(*) FROM hits WHERE rule = 'alpha.example'"), 1);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ---- privileges, capture ------------------------------------------------ */

START_TEST(user_lookup)
{
	struct priv_user u;
	char err[512];
	ck_assert_int_eq(priv_lookup("root", &u, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "is root"));
	ck_assert_int_eq(priv_lookup("0", &u, err, sizeof err), -1);
	ck_assert_int_eq(priv_lookup("", &u, err, sizeof err), -1);
	ck_assert_int_eq(priv_lookup("no-such-user-x", &u, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "does not exist"));
	ck_assert_int_eq(priv_lookup("nobody", &u, err, sizeof err), 0);
	ck_assert_uint_ne(u.uid, 0);
	struct priv_user v;
	char num[16];
	snprintf(num, sizeof num, "%u", (unsigned)u.uid);
	ck_assert_int_eq(priv_lookup(num, &v, err, sizeof err), 0);
	ck_assert_uint_eq(v.uid, u.uid);
}
END_TEST

/* As root, in a child: drop to nobody, then nothing of root is left. */
START_TEST(drop_in_child)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_daemon: drop_in_child SKIPPED: not root\n");
		return;
	}
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct priv_user u;
		char err[512];
		if (priv_lookup("nobody", &u, err, sizeof err) != 0)
			_exit(10);
		if (priv_drop(&u, NULL, err, sizeof err) != 0) {
			fprintf(stderr, "%s\n", err);
			_exit(11);
		}
		if (setuid(0) == 0 || getuid() != u.uid || geteuid() != u.uid)
			_exit(12);
		if (open("/etc/shadow", O_RDONLY) >= 0)
			_exit(13);
		if (priv_verify(&u, err, sizeof err) != 0)
			_exit(14);
		_exit(0);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
	/* verify refuses a process that kept root */
	struct priv_user u;
	char err[512];
	ck_assert_int_eq(priv_lookup("nobody", &u, err, sizeof err), 0);
	ck_assert_int_eq(priv_verify(&u, err, sizeof err), -1);
}
END_TEST

START_TEST(filter_check)
{
	char err[512];
	ck_assert_int_eq(cap_filter_check(NULL, 1, 65535, err, sizeof err), 0);
	ck_assert_int_eq(cap_filter_check("", 1, 65535, err, sizeof err), 0);
	ck_assert_int_eq(cap_filter_check("not host 10.0.0.1", 1, 65535, err, sizeof err), 0);
	ck_assert_int_eq(cap_filter_check("tcp port", 1, 65535, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "filter: "));
}
END_TEST

static Suite *daemon_suite(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc = tcase_create("config");
	tcase_add_test(tc, table_sane);
	tcase_add_test(tc, file_lines);
	tcase_add_test(tc, file_values);
	tcase_add_test(tc, args_over_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("devices");
	tcase_add_test(tc, dhcp_learning);
	tcase_add_test(tc, dhcp_prefixes);
	tcase_add_test(tc, table_full);
	suite_add_tcase(s, tc);
	tc = tcase_create("writer");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, writer_swap);
	tcase_add_test(tc, writer_bad_reload);
	suite_add_tcase(s, tc);
	tc = tcase_create("priv");
	tcase_add_test(tc, user_lookup);
	tcase_add_test(tc, drop_in_child);
	tcase_add_test(tc, filter_check);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(daemon_suite());
}
