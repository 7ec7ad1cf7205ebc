/*
 * fuzz_devices.c - libFuzzer entry point for the device table
 * (daemon/devices.c): dev_dhcp on arbitrary DHCP payloads, then dev_take.
 *
 * Input: a UDP payload.  The first byte picks the direction (client
 * 68 -> 67 or server 67 -> 68); the rest is the DHCP message.  The table
 * is kept across inputs (small: 16 devices), so eviction is exercised too.
 * Checked: every device taken has a unicast MAC, NUL-terminated strings
 * without a NUL inside the bytes kept, an address family of 0 or 4, and
 * never more devices than the table holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/devices.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dev_table *fz_table;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (!fz_table && !(fz_table = dev_new(SW_DEV_MIN)))
		abort();
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.l4 = 17;
	p.sport = data[0] & 1 ? 67 : 68;
	p.dport = data[0] & 1 ? 68 : 67;
	p.ts_us = (uint64_t)size * 1000;
	p.payload = cur_make(data + 1, size - 1);
	dev_dhcp(fz_table, &p);

	struct db_device out[2 * SW_DEV_MIN];
	size_t n = dev_take(fz_table, out, 2 * SW_DEV_MIN);
	if (n > 2 * SW_DEV_MIN)
		abort();
	for (size_t i = 0; i < n; i++) {
		const struct db_device *d = &out[i];
		if (d->mac[0] & 1)
			abort();
		if (d->ip.v != 0 && d->ip.v != 4)
			abort();
		if (!memchr(d->name, '\0', sizeof d->name) ||
		    !memchr(d->vendor_class, '\0', sizeof d->vendor_class))
			abort();
	}
	struct dev_stats st;
	dev_get_stats(fz_table, &st);
	if (st.devices > SW_DEV_MIN)
		abort();
	return 0;
}
