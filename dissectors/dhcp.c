/*
 * dhcp.c - DHCPv4 message dissector (see dhcp.h).
 *
 * RFC 2131 2 (message format), RFC 2132 (options: 3 end/pad, 3.14 host name,
 * 9.3 overload, 9.6 message type, 9.8 parameter list, 9.13 vendor class,
 * 9.14 client id, 9.1 requested address), RFC 4702 (client FQDN).
 *
 *    0               1               2               3
 *   +---------------+---------------+---------------+---------------+
 *   |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |  0
 *   |                           xid (4)                             |  4
 *   |           secs (2)            |           flags (2)           |  8
 *   |                          ciaddr (4)                           | 12
 *   |                          yiaddr (4)                           | 16
 *   |                          siaddr (4)                           | 20
 *   |                          giaddr (4)                           | 24
 *   |                          chaddr (16)                          | 28
 *   |                          sname (64)                           | 44
 *   |                          file (128)                           | 108
 *   |                 magic cookie 63 82 53 63 (4)                  | 236
 *   |                          options ...                          | 240
 *   +---------------------------------------------------------------+
 *   option: code 0 (pad) | code 255 (end) | code len value[len]
 *
 * Every option length is taken with cur_get_lp8, so no value can reach past
 * the datagram; the walk is bounded by the datagram length (each turn
 * consumes at least one byte), so it needs no separate limit.
 */
#include "dissectors/dhcp.h"

#include <string.h>

#define DHCP_SNAME_LEN 64
#define DHCP_FILE_LEN 128

#define OPT_PAD 0
#define OPT_HOST_NAME 12
#define OPT_REQUESTED_IP 50
#define OPT_OVERLOAD 52
#define OPT_MSG_TYPE 53
#define OPT_PARAMS 55
#define OPT_VENDOR_CLASS 60
#define OPT_CLIENT_ID 61
#define OPT_FQDN 81
#define OPT_END 255

static const uint8_t dhcp_cookie[4] = { 99, 130, 83, 99 };

/* Keep a view of an option value the first time the option is seen. */
static void dhcp_keep(bool *has, struct cur *dst, const struct cur *v)
{
	if (*has)
		return;
	*has = true;
	*dst = *v;
}

/*
 * Walk one options area (the options field, or file/sname when overloaded)
 * up to its end option.  top: this is the options field proper (only there
 * may option 52 appear).
 */
static enum dres dhcp_options(struct cur c, struct dhcp_msg *m, bool top)
{
	for (;;) {
		uint8_t code, b;
		struct cur v;

		if (!cur_get_u8(&c, &code))
			return D_MALFORMED; /* no end option */
		if (code == OPT_PAD)
			continue;
		if (code == OPT_END)
			return D_OK;
		if (!cur_get_lp8(&c, &v))
			return D_MALFORMED;
		m->n_opt++;
		switch (code) {
		case OPT_MSG_TYPE:
			if (cur_len(&v) != 1 || !cur_get_u8(&v, &b) || b == 0 ||
			    b > DHCP_TYPE_MAX)
				return D_MALFORMED;
			if (m->msg_type == 0)
				m->msg_type = b;
			break;
		case OPT_REQUESTED_IP:
			if (cur_len(&v) != 4)
				return D_MALFORMED;
			if (!m->has_requested_ip) {
				m->has_requested_ip = true;
				(void)cur_copy(&v, m->requested_ip, 4);
			}
			break;
		case OPT_OVERLOAD:
			if (cur_len(&v) != 1 || !cur_get_u8(&v, &b) || b == 0 || b > 3)
				return D_MALFORMED;
			if (top && m->overload == 0)
				m->overload = b;
			break;
		case OPT_HOST_NAME:
			dhcp_keep(&m->has_host_name, &m->host_name, &v);
			break;
		case OPT_VENDOR_CLASS:
			dhcp_keep(&m->has_vendor_class, &m->vendor_class, &v);
			break;
		case OPT_CLIENT_ID:
			dhcp_keep(&m->has_client_id, &m->client_id, &v);
			break;
		case OPT_PARAMS:
			dhcp_keep(&m->has_params, &m->params, &v);
			break;
		case OPT_FQDN:
			dhcp_keep(&m->has_fqdn, &m->fqdn, &v);
			break;
		default:
			break;
		}
	}
}

enum dres dhcp_parse(const uint8_t *p, size_t n, struct dhcp_msg *out)
{
	struct cur msg = cur_make(p, n), c = msg, sname, file, cookie;
	uint8_t ck[4];

	memset(out, 0, sizeof *out);
	out->host_name = out->vendor_class = out->client_id = cur_make(NULL, 0);
	out->params = out->fqdn = cur_make(NULL, 0);

	/* Judge what there is of the first bytes before asking for more. */
	if (!cur_get_u8(&c, &out->op) || !cur_get_u8(&c, &out->htype) ||
	    !cur_get_u8(&c, &out->hlen))
		return D_NOT_MINE;
	if ((out->op != 1 && out->op != 2) || out->hlen > 16)
		return D_NOT_MINE;
	if (!cur_get_u8(&c, &out->hops) || !cur_get_be32(&c, &out->xid) ||
	    !cur_get_be16(&c, &out->secs) || !cur_get_be16(&c, &out->flags) ||
	    !cur_copy(&c, out->ciaddr, 4) || !cur_copy(&c, out->yiaddr, 4) ||
	    !cur_copy(&c, out->siaddr, 4) || !cur_copy(&c, out->giaddr, 4) ||
	    !cur_copy(&c, out->chaddr, 16) ||
	    !cur_get_bytes(&c, &sname, DHCP_SNAME_LEN) ||
	    !cur_get_bytes(&c, &file, DHCP_FILE_LEN) ||
	    !cur_get_bytes(&c, &cookie, 4))
		return D_MALFORMED;
	if (!cur_copy(&cookie, ck, 4) || memcmp(ck, dhcp_cookie, 4) != 0)
		return D_NOT_MINE;
	if (out->htype == 1 && out->hlen == 6) {
		out->has_mac = true;
		memcpy(out->mac, out->chaddr, 6);
	}

	enum dres r = dhcp_options(c, out, true);
	/* RFC 2131 4.1: options, then file, then sname. */
	if (r == D_OK && (out->overload & 1))
		r = dhcp_options(file, out, false);
	if (r == D_OK && (out->overload & 2))
		r = dhcp_options(sname, out, false);
	return r;
}

const char *dhcp_type_name(uint8_t type)
{
	static const char *const names[DHCP_TYPE_MAX + 1] = {
		"?", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK",
		"RELEASE", "INFORM", "FORCERENEW", "LEASEQUERY",
		"LEASEUNASSIGNED", "LEASEUNKNOWN", "LEASEACTIVE", "BULKLEASEQUERY",
		"LEASEQUERYDONE", "ACTIVELEASEQUERY", "LEASEQUERYSTATUS", "TLS",
	};
	return type <= DHCP_TYPE_MAX ? names[type] : "?";
}
