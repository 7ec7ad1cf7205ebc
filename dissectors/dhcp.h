/*
 * dhcp.h - DHCPv4 messages (RFC 2131 2, RFC 2132): who a device says it is.
 *
 * For naming devices passively: the client hardware address, the addresses
 * in the fixed header, and the options a client uses to describe itself
 * (message type 53, host name 12, vendor class 60, client id 61, requested
 * address 50, parameter request list 55, client FQDN 81).  Zero-copy: the
 * option values are views into the caller's buffer, raw bytes as sent; the
 * caller validates or escapes them before printing or storing (a host name
 * option is not a DNS name and may hold any byte).
 *
 * UDP only, one datagram: D_NEED_MORE is never returned; a message cut short
 * (snaplen, a lying option length) is D_MALFORMED.
 */
#ifndef SW_DHCP_H
#define SW_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissectors/cursor.h"
#include "dissectors/dissect.h"

/* DHCP message types (option 53, RFC 2132 9.6, RFC 3203, RFC 4388,
 * RFC 6926, RFC 7724). */
enum dhcp_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
	DHCP_FORCERENEW = 9,
	DHCP_LEASEQUERY = 10,
	DHCP_TYPE_MAX = 18,   /* highest assigned value (DHCPTLS, RFC 7724) */
};

struct dhcp_msg {
	uint8_t op;              /* 1 BOOTREQUEST (client), 2 BOOTREPLY (server) */
	uint8_t htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint8_t ciaddr[4];       /* client's own address (renewing, INFORM) */
	uint8_t yiaddr[4];       /* "your" address (OFFER/ACK) */
	uint8_t siaddr[4], giaddr[4];
	uint8_t chaddr[16];      /* client hardware address field, as sent */
	bool has_mac;            /* htype 1 (Ethernet) and hlen 6 */
	uint8_t mac[6];          /* chaddr[0..6) when has_mac */

	uint8_t msg_type;        /* option 53 (enum dhcp_type); 0 when absent */
	bool has_requested_ip;
	uint8_t requested_ip[4]; /* option 50 */
	/* Views into the input, raw bytes; has_* false -> empty view. */
	bool has_host_name, has_vendor_class, has_client_id, has_params, has_fqdn;
	struct cur host_name;    /* option 12 */
	struct cur vendor_class; /* option 60, e.g. "android-dhcp-14", "MSFT 5.0" */
	struct cur client_id;    /* option 61: type byte then id (often 01 + MAC) */
	struct cur params;       /* option 55: the codes the client asks for, in
	                            order (a well-known OS fingerprint) */
	struct cur fqdn;         /* option 81 (RFC 4702) whole body: flags, rcode1,
	                            rcode2, then the name (wire format when the E
	                            flag 0x04 is set, else ASCII) */
	uint8_t overload;        /* option 52 value (1 file, 2 sname, 3 both);
	                            0 when absent */
	uint16_t n_opt;          /* options read (pad and end not counted) */
};

/*
 * Parse one DHCP message, the n bytes of a UDP payload (ports 67/68), into
 * *out.  Returns
 *   D_OK        the fixed header, the magic cookie and every option up to
 *               the end option (255) parsed; the fields above are set.
 *   D_NOT_MINE  not DHCP: op not 1/2, hlen > 16, fewer than 3 bytes, or no
 *               magic cookie 99.130.83.99 at offset 236 (BOOTP without
 *               vendor extensions is not DHCP either).
 *   D_MALFORMED DHCP-looking but broken: shorter than the 240-byte header
 *               and cookie, an option whose length runs past the end, no end
 *               option, option 53 not 1 byte or not 1..DHCP_TYPE_MAX,
 *               option 50 not 4 bytes, option 52 not 1 byte or not 1..3.
 * When option 52 asks for it, the file (then sname) field is parsed as more
 * options, by the same rules (each must end with its own end option).  The
 * first instance of an option wins (RFC 3396 concatenation is not done).
 * Views point into p and live as long as p.  No allocation, no globals;
 * *out is fully written on D_OK (partially otherwise).
 */
enum dres dhcp_parse(const uint8_t *p, size_t n, struct dhcp_msg *out);

/* Name of a message type for logs and counters ("DISCOVER", ...), "?" when
 * unknown; a constant string. */
const char *dhcp_type_name(uint8_t type);

#endif
