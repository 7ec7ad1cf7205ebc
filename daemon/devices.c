/*
 * devices.c - the table of devices seen on the link (see devices.h).
 *
 * RFC 2131 4.1/4.3 (who sends which message), RFC 2132 3.14 (host name),
 * 9.13 (vendor class), 9.1 (requested address).  What is read, from
 * struct dhcp_msg (dissectors/dhcp.c reads the bytes):
 *
 *   client -> server (op 1, UDP 68 -> 67)      server -> client (op 2, 67 -> 68)
 *     chaddr       the device's MAC              chaddr   the device's MAC
 *     ciaddr       its address when it has one   yiaddr   the address given
 *     option 50    the address it asks for          (ACK only)
 *     option 12    "android-5f3a9c"
 *     option 60    "android-dhcp-14"
 *
 * The table is a fixed array searched linearly by MAC: DHCP is a handful of
 * packets per device per lease, and the writer refreshes hit clients once a
 * second, so a scan of a few thousand 6-byte keys is never on a hot path.
 */
#include "daemon/devices.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/util.h"
#include "dissectors/cursor.h"
#include "dissectors/dhcp.h"

struct dev {
	uint8_t mac[6];
	bool used, dirty;
	struct sw_addr ip;
	uint64_t first_us, last_us;
	char name[SW_DB_DEV_STR];
	char vendor[SW_DB_DEV_STR];
};

struct dev_table {
	pthread_mutex_t mu;
	struct dev *d;
	uint32_t cap, n;
	struct dev_stats st;
};

struct dev_table *dev_new(uint32_t cap)
{
	if (cap < SW_DEV_MIN || cap > SW_DEV_MAX)
		return NULL;
	struct dev_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->d = calloc(cap, sizeof *t->d);
	if (!t->d) {
		free(t);
		return NULL;
	}
	t->cap = cap;
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

void dev_free(struct dev_table *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t->d);
	free(t);
}

/* An Ethernet unicast address worth naming: not zero, not group. */
static bool mac_ok(const uint8_t *m)
{
	if ((m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0)
		return false;
	return (m[0] & 1) == 0;
}

static bool ip4_zero(const uint8_t *a)
{
	return (a[0] | a[1] | a[2] | a[3]) == 0;
}

/* The device with this MAC, or a slot for it (a free one, else the least
 * recently seen, preferring devices already written).  Locked. */
static struct dev *dev_slot(struct dev_table *t, const uint8_t *mac, uint64_t ts)
{
	struct dev *lru = NULL, *lru_clean = NULL;
	for (uint32_t i = 0; i < t->n; i++) {
		struct dev *d = &t->d[i];
		if (!memcmp(d->mac, mac, 6))
			return d;
		if (!lru || d->last_us < lru->last_us)
			lru = d;
		if (!d->dirty && (!lru_clean || d->last_us < lru_clean->last_us))
			lru_clean = d;
	}
	struct dev *d;
	if (t->n < t->cap) {
		d = &t->d[t->n++];
	} else {
		d = lru_clean ? lru_clean : lru;
		t->st.evicted++;
		if (d->dirty)
			t->st.evicted_unsaved++;
	}
	memset(d, 0, sizeof *d);
	memcpy(d->mac, mac, 6);
	d->used = true;
	d->first_us = ts;
	d->last_us = ts;
	d->dirty = true;
	return d;
}

static void dev_touch(struct dev *d, uint64_t ts)
{
	if (ts < d->first_us)
		d->first_us = ts;
	if (ts > d->last_us)
		d->last_us = ts;
	d->dirty = true;
}

/* Keep a DHCP string option (a view into the packet) in dst as sent, minus
 * trailing NUL padding.  Empty values leave dst alone; a value with a NUL
 * inside is refused (counted).  Returns true when dst changed. */
static bool keep_str(struct dev_table *t, char *dst, const struct cur *v)
{
	struct cur c = *v;
	size_t n = cur_len(&c);
	uint8_t b;
	while (n > 0 && cur_peek_u8(&c, n - 1, &b) && b == 0)
		n--;
	if (n == 0)
		return false;
	if (n >= SW_DB_DEV_STR)
		n = SW_DB_DEV_STR - 1; /* cannot happen: an option is <= 255 bytes */
	char tmp[SW_DB_DEV_STR];
	if (!cur_copy(&c, tmp, n))
		return false;
	if (memchr(tmp, '\0', n)) {
		t->st.bad_strings++;
		return false;
	}
	tmp[n] = '\0';
	if (!strcmp(dst, tmp))
		return false;
	memcpy(dst, tmp, n + 1);
	t->st.names++;
	return true;
}

static void set_ip4(struct sw_addr *a, const uint8_t *v4)
{
	memset(a, 0, sizeof *a);
	a->v = 4;
	memcpy(a->a, v4, 4);
}

void dev_dhcp(struct dev_table *t, const struct pkt *p)
{
	if (!((p->sport == 68 && p->dport == 67) || (p->sport == 67 && p->dport == 68)))
		return;
	struct dhcp_msg m;
	enum dres r = dhcp_parse(cur_ptr(&p->payload), cur_len(&p->payload), &m);
	pthread_mutex_lock(&t->mu);
	if (r != D_OK) {
		t->st.dhcp_bad++;
		goto out;
	}
	t->st.dhcp++;
	if (!m.has_mac || !mac_ok(m.mac))
		goto out;
	if (m.op == 1) {
		/* a DECLINE or RELEASE says nothing about the device's
		 * name; a DECLINE's option 50 is an address it refused */
		if (m.msg_type == DHCP_DECLINE || m.msg_type == DHCP_RELEASE)
			goto out;
		struct dev *d = dev_slot(t, m.mac, p->ts_us);
		dev_touch(d, p->ts_us);
		if (!ip4_zero(m.ciaddr))
			set_ip4(&d->ip, m.ciaddr);
		else if (m.msg_type == DHCP_REQUEST && m.has_requested_ip &&
		         !ip4_zero(m.requested_ip))
			set_ip4(&d->ip, m.requested_ip);
		if (m.has_host_name)
			keep_str(t, d->name, &m.host_name);
		if (m.has_vendor_class)
			keep_str(t, d->vendor, &m.vendor_class);
	} else if (m.op == 2 && m.msg_type == DHCP_ACK && !ip4_zero(m.yiaddr)) {
		struct dev *d = dev_slot(t, m.mac, p->ts_us);
		dev_touch(d, p->ts_us);
		set_ip4(&d->ip, m.yiaddr);
	}
out:
	pthread_mutex_unlock(&t->mu);
}

void dev_seen(struct dev_table *t, const uint8_t mac[6], const struct sw_addr *ip,
              uint64_t ts_us)
{
	if (!mac_ok(mac))
		return;
	pthread_mutex_lock(&t->mu);
	struct dev *d = dev_slot(t, mac, ts_us);
	bool changed = ts_us > d->last_us || d->dirty;
	if (ip && ip->v && memcmp(&d->ip, ip, sizeof *ip) != 0) {
		d->ip = *ip;
		changed = true;
	}
	if (changed)
		dev_touch(d, ts_us);
	pthread_mutex_unlock(&t->mu);
}

size_t dev_take(struct dev_table *t, struct db_device *out, size_t max)
{
	size_t k = 0;
	pthread_mutex_lock(&t->mu);
	for (uint32_t i = 0; i < t->n && k + 2 <= max; i++) {
		struct dev *d = &t->d[i];
		if (!d->dirty)
			continue;
		struct db_device *o = &out[k++];
		memset(o, 0, sizeof *o);
		o->ts_us = d->first_us;
		memcpy(o->mac, d->mac, 6);
		o->ip = d->ip;
		memcpy(o->name, d->name, sizeof o->name);
		memcpy(o->vendor_class, d->vendor, sizeof o->vendor_class);
		d->dirty = false;
		/* db_upsert_devices keeps min(first), max(last) of the
		 * sightings: give it both ends */
		if (d->last_us != d->first_us) {
			out[k] = *o;
			out[k++].ts_us = d->last_us;
		}
	}
	pthread_mutex_unlock(&t->mu);
	return k;
}

void dev_untake(struct dev_table *t, const struct db_device *v, size_t n)
{
	pthread_mutex_lock(&t->mu);
	for (size_t j = 0; j < n; j++)
		for (uint32_t i = 0; i < t->n; i++)
			if (!memcmp(t->d[i].mac, v[j].mac, 6)) {
				t->d[i].dirty = true;
				break;
			}
	pthread_mutex_unlock(&t->mu);
}

void dev_get_stats(struct dev_table *t, struct dev_stats *st)
{
	pthread_mutex_lock(&t->mu);
	*st = t->st;
	st->devices = t->n;
	pthread_mutex_unlock(&t->mu);
}

int dev_write(struct dev_table *t, struct db *d, struct db_device *buf,
              uint64_t *written, char *err, size_t errlen)
{
	uint64_t w = 0;
	int rc = 0;
	for (;;) {
		size_t n = dev_take(t, buf, SW_DEV_WRITE_BATCH);
		if (n == 0)
			break;
		if (db_upsert_devices(d, buf, n, err, errlen) != 0) {
			dev_untake(t, buf, n);
			rc = -1;
			break;
		}
		w += n;
	}
	if (written)
		*written = w;
	return rc;
}
