/*
 * sw_limits.h - every fixed limit of stalkerwatch, in one place.
 *
 * Packet bytes are hostile: every table and buffer on the packet path is
 * sized from here at start-up (or is a fixed array of the size given here),
 * and nothing is allocated per packet.  Each limit has its default, the
 * reason for it, and a compile-time range guard.  Limits that a user may
 * tune at run time (flow table size, reassembly slots, ...) are defaults
 * here and bounds-checked by the config table against the MIN/MAX given.
 */
#ifndef SW_LIMITS_H
#define SW_LIMITS_H

/* ---- names -------------------------------------------------------------- */

/* RFC 1035 2.3.4: a name is at most 255 octets on the wire, which is at most
 * 253 characters in dotted text without the trailing dot. */
#define SW_HOST_MAX 253
/* one label, RFC 1035 */
#define SW_LABEL_MAX 63
/* Buffer for a normalised host: IPv6 literals in brackets also fit. */
#define SW_HOST_BUF (SW_HOST_MAX + 1)

/* HTTP request path stored with a hit (prefix; the full target is printed by
 * --hostnames from the packet view).  Long enough for /<bucket>/<key...>. */
#define SW_PATH_STORE 512

/* ---- decode ------------------------------------------------------------- */

/* Encapsulation layers peeled per packet (VLAN tags, MPLS labels, GRE,
 * VXLAN, ...).  Each layer costs a loop turn; a packet nesting deeper is
 * counted as malformed. */
#define SW_DECODE_DEPTH_MAX 16
/* IPv6 extension headers followed per IP header before giving up. */
#define SW_IP6_EXT_MAX 8

/* IP fragment reassembly: datagrams in flight, bytes per datagram (IPv4 and
 * IPv6 payloads are at most 65535), fragments per datagram, seconds a
 * datagram may wait for its missing pieces (RFC 791 suggests 15 s, Linux
 * uses 30 s). */
#define SW_FRAG_SLOTS 64
#define SW_FRAG_BYTES 65535
#define SW_FRAG_PIECES 64
#define SW_FRAG_TIMEOUT_S 30

/* ---- flows -------------------------------------------------------------- */

/* Flow table capacity (entries).  ~100 bytes each: 65536 flows ~ 7 MB. */
#define SW_FLOWS_DEFAULT 65536
#define SW_FLOWS_MIN 64
#define SW_FLOWS_MAX (1 << 22)

/* Idle timeouts, seconds of capture time. */
#define SW_FLOW_IDLE_TCP_S 300
#define SW_FLOW_IDLE_UDP_S 60

/* Client-to-server bytes of one flow examined without finding anything to
 * dissect, after which the flow is no longer inspected. */
#define SW_FLOW_BYTE_BUDGET 16384
/* How far into a TCP stream a TLS ClientHello is looked for behind a
 * plaintext prelude (HTTP CONNECT, SOCKS, STARTTLS, PostgreSQL SSLRequest). */
#define SW_PRELUDE_MAX 4096

/* ---- TCP reassembly (handshakes and request heads only) ------------------ */

/* One slot holds the in-order head of one half-stream while a ClientHello or
 * request head is incomplete.  Post-quantum ClientHellos are ~1.8 KB;
 * nothing legitimate needs more than 16 KB before the name appears. */
#define SW_REASM_BYTES 16384
#define SW_REASM_SLOTS_DEFAULT 512
#define SW_REASM_SLOTS_MIN 8
#define SW_REASM_SLOTS_MAX 65536
/* Disjoint byte ranges held per slot (out-of-order segments). */
#define SW_REASM_RANGES 8

/* ---- dissectors --------------------------------------------------------- */

/* DNS: questions and answers read per message; name pointer hops. */
#define SW_DNS_QUESTIONS_MAX 4
#define SW_DNS_ANSWERS_MAX 16
#define SW_DNS_PTR_HOPS 32

/* TLS: handshake bytes defragmented across records into a scratch buffer. */
#define SW_TLS_SCRATCH SW_REASM_BYTES
/* TLS extensions read per ClientHello (more is malformed). */
#define SW_TLS_EXT_MAX 256

/* HTTP: header lines read per request head. */
#define SW_HTTP_HEADERS_MAX 128

/* ---- IOC rules ---------------------------------------------------------- */

/* Longest line in an IOC file. */
#define SW_IOC_LINE_MAX 4096
/* Matches reported per lookup. */
#define SW_IOC_MATCH_MAX 16

/* ---- hits and database -------------------------------------------------- */

/* Hit queue between the packet path and the writer (records). */
#define SW_HITQ_DEFAULT 4096
#define SW_HITQ_MIN 16
#define SW_HITQ_MAX (1 << 20)
/* The writer commits at least this often (milliseconds). */
#define SW_DB_FLUSH_MS 1000
/* SQLite busy timeout (milliseconds) before a write is retried later. */
#define SW_DB_BUSY_MS 200

/* ---- guards ------------------------------------------------------------- */
#if SW_HOST_MAX > 253 || SW_LABEL_MAX > 63
#error "DNS name limits exceeded"
#endif
#if SW_FRAG_BYTES < 65535
#error "a fragment slot must hold any IP payload"
#endif
#if SW_REASM_BYTES < 4096 || SW_REASM_BYTES > (1 << 20)
#error "SW_REASM_BYTES out of range"
#endif
#if SW_FLOWS_DEFAULT < SW_FLOWS_MIN || SW_FLOWS_DEFAULT > SW_FLOWS_MAX
#error "SW_FLOWS_DEFAULT out of range"
#endif
#if SW_REASM_SLOTS_DEFAULT < SW_REASM_SLOTS_MIN || SW_REASM_SLOTS_DEFAULT > SW_REASM_SLOTS_MAX
#error "SW_REASM_SLOTS_DEFAULT out of range"
#endif
#if SW_HITQ_DEFAULT < SW_HITQ_MIN || SW_HITQ_DEFAULT > SW_HITQ_MAX
#error "SW_HITQ_DEFAULT out of range"
#endif

#endif
