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
 * IPV6 (229), NULL and LOOP (BSD loopback), PPP, PPP_SERIAL (50),
 * C_HDLC (104), NFLOG.  docs/decode.md has the details and the choices.
 * Tunnels: GRE (incl. ERSPAN I/II/III and transparent Ethernet bridging),
 * GRE-in-UDP (4754), VXLAN (4789, 8472), Geneve (6081), GTP-U (2152),
 * Teredo (3544), IP-in-IP / 6in4 / 4in6.  Tunnels over UDP are recognised
 * on their well-known ports and, for VXLAN/Geneve, by a strict header check
 * (inner IPv4 header checksum included) on any port pair >= 1024.  A
 * datagram on a tunnel port whose header does not check out stays plain UDP.
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

/* Where decode_packet() was when it stopped (pkt.layer), for counters:
 * "truncated in the TCP header" and "truncated in the link header" are
 * different stories. */
enum decode_layer {
	DL_NONE = 0,
	DL_LINK,     /* link header of the DLT (Ethernet, SLL, NULL, NFLOG...) */
	DL_VLAN,     /* 802.1Q / 802.1ad tag */
	DL_MPLS,     /* MPLS label (and pseudowire control word) */
	DL_PPPOE,    /* PPPoE session header */
	DL_PPP,      /* PPP protocol field (DLT_PPP, PPPoE, PPTP GRE) */
	DL_IP4,      /* IPv4 header */
	DL_IP6,      /* IPv6 header and extension headers */
	DL_FRAG,     /* IP fragment reassembly */
	DL_GRE,      /* GRE (and ERSPAN) header */
	DL_UDP_TUN,  /* VXLAN, Geneve, GTP-U, Teredo header over UDP */
	DL_TCP,      /* TCP header */
	DL_UDP,      /* UDP header */
	DL_COUNT
};

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
	uint8_t depth;           /* headers peeled before the innermost TCP/UDP
	                          * header, link header included: Ethernet +
	                          * IPv4 + TCP is 2; each tag, label and tunnel
	                          * header adds one */
	bool reassembled;        /* payload comes from IP fragment reassembly */
	bool cut;                /* a length field (IP total / payload length,
	                          * UDP length, a tunnel's) declares more bytes
	                          * than the frame holds: cut by the snapshot
	                          * length, or a length that lies when the frame
	                          * was captured whole; the payload is what the
	                          * frame holds */
	struct cur payload;      /* L4 payload, bounded by caplen and IP length */
	uint8_t layer;           /* enum decode_layer reached (set on every
	                          * outcome, DEC_OK included: DL_TCP/DL_UDP) */
};

/* Why a frame was not turned into a pkt; counted by the caller. */
enum decode_err {
	DEC_OK = 0,
	DEC_TRUNCATED,   /* caplen ended inside a header */
	DEC_MALFORMED,   /* a header field lies (bad version, length, ...) */
	DEC_UNSUPPORTED, /* a link type or protocol we do not look into */
	DEC_NOT_L4,      /* valid, but not TCP/UDP (ICMP, ARP, ESP, an
	                  * EtherType or PPP protocol that carries no IP) */
	DEC_FRAG_HELD,   /* an IP fragment was stored; datagram not complete */
	DEC_FRAG_DROP,   /* a fragment was refused (overlap, limit, no slot) */
	DEC_TOO_DEEP,    /* more than SW_DECODE_DEPTH_MAX layers, or more than
	                  * SW_IP6_EXT_MAX extension headers in one IPv6 header */
	DEC_ERR_COUNT
};

/* Short fixed name of e ("ok", "truncated", ...); "?" when out of range. */
const char *decode_err_str(enum decode_err e);
/* Short fixed name of a decode_layer ("link", "vlan", ...); "?" when out of
 * range. */
const char *decode_layer_str(enum decode_layer l);

/* Fixed-size IP fragment reassembly table.  Opaque; see decode.c. */
struct frag_table;

/* Counters kept by the fragment table. */
struct frag_stats {
	uint64_t held;       /* fragments stored */
	uint64_t completed;  /* datagrams reassembled */
	uint64_t timeouts;   /* datagrams dropped after SW_FRAG_TIMEOUT_S */
	uint64_t overlaps;   /* fragments refused for overlapping */
	uint64_t no_slot;    /* datagrams evicted for lack of a slot */
	uint64_t duplicates; /* exact repeats of a held fragment (ignored) */
	uint64_t limits;     /* datagrams dropped for more than SW_FRAG_PIECES
	                      * pieces or for pieces disagreeing on the end */
};

/* Allocate a table of SW_FRAG_SLOTS datagrams (done once at start-up).
 * Returns NULL on allocation failure. */
struct frag_table *frag_new(void);
/* Release the table; NULL is accepted.  Views into it become invalid. */
void frag_free(struct frag_table *ft);
/* Forget every datagram held (counters are kept); views into the table
 * become invalid.  For a new capture file, or a fuzzer's fresh start. */
void frag_reset(struct frag_table *ft);
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
