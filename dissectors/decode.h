/*
 * decode.h - from a captured frame to the innermost IP + TCP/UDP header.
 *
 * decode_packet() peels link layer, tags, tunnels and IP headers in one loop
 * (depth-limited), and fills one `struct pkt` of views.  Bounds start at the
 * captured length and only shrink: frame -> IP total length -> L4 payload.
 * Fragmented IPv4/IPv6 datagrams are reassembled in a fixed table
 * (struct frag_table); the payload view then points into that table and is
 * valid until the next call of decode_packet() on the same table.
 *
 * Link types (libpcap DLT values): EN10MB (with 802.1Q/802.1ad/QinQ tags,
 * MPLS, PPPoE session), LINUX_SLL, LINUX_SLL2, RAW (12, 14, 101), IPV4 (228),
 * IPV6 (229), NULL and LOOP (BSD loopback), PPP, NFLOG.
 * Tunnels: GRE (incl. ERSPAN I/II/III and transparent Ethernet bridging),
 * GRE-in-UDP (4754), VXLAN (4789), Geneve (6081), GTP-U (2152),
 * Teredo (3544), IP-in-IP / 6in4 / 4in6.  Tunnels over UDP are recognised
 * on their well-known ports and, for VXLAN/Geneve, by a strict header check
 * on any port.
 */
#ifndef SW_DECODE_H
#define SW_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/sw_limits.h"
#include "dissectors/cursor.h"
#include "dissectors/dissect.h"

/* TCP flag bits as in the header. */
#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

/* An IP address of either family, IPv4 stored in the first 4 bytes. */
struct sw_addr {
	uint8_t v;       /* 4 or 6; 0 when unset */
	uint8_t a[16];
};

/* One decoded packet: filled by decode_packet, lives on the caller's stack. */
struct pkt {
	uint64_t ts_us;          /* capture timestamp, microseconds since epoch */
	uint64_t frame;          /* 1-based frame number in the capture */
	struct sw_addr src, dst; /* innermost IP header */
	uint16_t sport, dport;   /* innermost TCP/UDP header */
	uint8_t l4;              /* 6 (TCP) or 17 (UDP) */
	uint8_t tcp_flags;       /* TCPF_* when TCP */
	uint32_t seq;            /* TCP sequence number */
	uint32_t ack;            /* TCP acknowledgement number */
	bool has_mac;            /* an Ethernet header was seen */
	uint8_t mac_src[6];      /* innermost Ethernet source/destination */
	uint8_t mac_dst[6];
	uint8_t depth;           /* encapsulation layers peeled */
	bool reassembled;        /* payload comes from IP fragment reassembly */
	struct cur payload;      /* L4 payload, bounded by caplen and IP length */
};

/* Why a frame was not turned into a pkt; counted by the caller. */
enum decode_err {
	DEC_OK = 0,
	DEC_TRUNCATED,   /* caplen ended inside a header */
	DEC_MALFORMED,   /* a header field lies (bad version, length, ...) */
	DEC_UNSUPPORTED, /* a link type or protocol we do not look into */
	DEC_NOT_L4,      /* valid, but not TCP/UDP (ICMP, ARP, ...) */
	DEC_FRAG_HELD,   /* an IP fragment was stored; datagram not complete */
	DEC_FRAG_DROP,   /* a fragment was refused (overlap, limit, no slot) */
	DEC_TOO_DEEP,    /* more than SW_DECODE_DEPTH_MAX layers */
	DEC_ERR_COUNT
};

const char *decode_err_str(enum decode_err e);

/* Fixed-size IP fragment reassembly table.  Opaque; see decode.c. */
struct frag_table;

/* Counters kept by the fragment table. */
struct frag_stats {
	uint64_t held;       /* fragments stored */
	uint64_t completed;  /* datagrams reassembled */
	uint64_t timeouts;   /* datagrams dropped after SW_FRAG_TIMEOUT_S */
	uint64_t overlaps;   /* fragments refused for overlapping */
	uint64_t no_slot;    /* datagrams evicted for lack of a slot */
};

/* Allocate a table of SW_FRAG_SLOTS datagrams (done once at start-up).
 * Returns NULL on allocation failure. */
struct frag_table *frag_new(void);
void frag_free(struct frag_table *ft);
/* Counters so far. */
void frag_get_stats(const struct frag_table *ft, struct frag_stats *st);

/* True when decode_packet() knows this libpcap DLT value. */
bool decode_dlt_supported(int dlt);

/*
 * Decode one frame of link type dlt, caplen captured bytes at data.
 * ft may be NULL (fragments are then DEC_FRAG_DROP).  On DEC_OK, *p is
 * filled (ts_us and frame are left to the caller) and p->payload views
 * either data or ft's buffer.  Pure apart from ft; no allocation.
 */
enum decode_err decode_packet(int dlt, const uint8_t *data, uint32_t caplen,
                              uint64_t ts_us, struct frag_table *ft,
                              struct pkt *p);

/* Text form of an address into buf (>= 46 bytes); returns buf. */
const char *sw_addr_str(const struct sw_addr *a, char *buf, size_t len);

#endif
