/*
 * fuzz_dhcp.c - libFuzzer entry point for dhcp_parse (dissectors/dhcp.c).
 *
 * Besides crashes and over-reads, it checks that every view dhcp_parse
 * returns lies inside the input and that the fixed-size fields are sane.
 */
#include <stdint.h>
#include <stdlib.h>

#include "dissectors/dhcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_view(bool has, const struct cur *v, const uint8_t *data, size_t size)
{
	if (!has) {
		if (cur_len(v) != 0)
			abort();
		return;
	}
	/* offsets, not pointer comparisons across objects: the view must be a
	 * sub-range of [data, data + size) */
	size_t off = (size_t)(cur_ptr(v) - data);
	if (cur_len(v) > 255 || off > size || cur_len(v) > size - off)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp_msg m;
	enum dres r = dhcp_parse(data, size, &m);
	if (r == D_NEED_MORE)
		abort();
	if (r != D_OK)
		return 0;
	if (size < 240 || (m.op != 1 && m.op != 2) || m.hlen > 16 ||
	    m.msg_type > DHCP_TYPE_MAX || m.overload > 3)
		abort();
	check_view(m.has_host_name, &m.host_name, data, size);
	check_view(m.has_vendor_class, &m.vendor_class, data, size);
	check_view(m.has_client_id, &m.client_id, data, size);
	check_view(m.has_params, &m.params, data, size);
	check_view(m.has_fqdn, &m.fqdn, data, size);
	(void)dhcp_type_name(m.msg_type);
	return 0;
}
