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

/* ---- decode: tunnels (added by the decode module) ------------------------ */

/* GTP-U extension headers followed per GTP header (3GPP TS 29.281 5.2).
 * Each is at least 4 bytes, so the byte count bounds the loop anyway; real
 * traffic carries one or two (PDU session container, UDP port). */
#define SW_GTP_EXT_MAX 8
#if SW_GTP_EXT_MAX < 1 || SW_GTP_EXT_MAX > 64
#error "SW_GTP_EXT_MAX out of range"
#endif

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

/* ---- TLS and HTTP dissectors (dissectors/tls.c, dissectors/http.c) ------ */

/* TLS record fragment length accepted.  RFC 8446 5.1 caps a plaintext record
 * at 2^14 bytes; RFC 5246 6.2.3 lets a TLS 1.2 record grow to 2^14 + 2048.
 * We take the larger so that a sloppy but real stack is not refused; anything
 * longer is not TLS. */
#define SW_TLS_RECORD_MAX (16384 + 2048)
/* Largest ClientHello Handshake message (4-byte header + body) accepted.  It
 * must fit the scratch buffer used to gather a hello split over records.
 * Real hellos: ~250-600 bytes classic, ~1.8 KB with a post-quantum key share
 * (X25519MLKEM768), a few KB with many PSK identities or padding. */
#define SW_TLS_HELLO_MAX SW_TLS_SCRATCH
/* Stream bytes (record headers included) a ClientHello may span: the caller's
 * reassembly slot cannot hold more, so a hello that needs more is reported
 * malformed as soon as its lengths say so instead of holding the slot. */
#define SW_TLS_STREAM_MAX SW_REASM_BYTES
/* HTTP: longest request head (request line + fields + blank line).  The head
 * must fit the reassembly slot; a longer one is malformed. */
#define SW_HTTP_HEAD_MAX SW_REASM_BYTES
/* HTTP method token length accepted (GET, PUT ... UPDATEREDIRECTREF is 17,
 * the longest registered method): shorter or longer is not HTTP. */
#define SW_HTTP_METHOD_MIN 3
#define SW_HTTP_METHOD_MAX 20
/* HTTP field lines tolerated though invalid (a name with bytes outside
 * tchar, a control byte in a value).  Real clients send none; corrupted
 * captures show one or two; more is binary junk after a request line. */
#define SW_HTTP_BAD_FIELDS_MAX 8
/* Empty lines skipped before a request line (RFC 9112 2.2: "SHOULD ignore at
 * least one"; old clients send a stray CRLF after a POST body). */
#define SW_HTTP_LEADING_EOL_MAX 2

#if SW_TLS_HELLO_MAX > SW_TLS_SCRATCH || SW_TLS_HELLO_MAX < 512
#error "SW_TLS_HELLO_MAX must fit SW_TLS_SCRATCH and hold a real hello"
#endif
#if SW_TLS_RECORD_MAX < 16384 || SW_TLS_RECORD_MAX > 16384 + 2048
#error "SW_TLS_RECORD_MAX out of range"
#endif
#if SW_HTTP_HEAD_MAX > SW_REASM_BYTES || SW_HTTP_HEAD_MAX < 1024
#error "SW_HTTP_HEAD_MAX out of range"
#endif
#if SW_HTTP_METHOD_MIN < 1 || SW_HTTP_METHOD_MAX < SW_HTTP_METHOD_MIN
#error "SW_HTTP_METHOD_MIN/MAX out of range"
#endif

/* ---- DNS and DHCP dissectors (dissectors/dns.c, dhcp.c) ----------------- */

/* RFC 1035 2.3.4: a name is at most 255 octets on the wire (length octets
 * and the root included).  A longer name is malformed, never truncated. */
#define SW_DNS_NAME_WIRE 255
#if SW_DNS_NAME_WIRE != 255
#error "SW_DNS_NAME_WIRE is the RFC 1035 wire limit"
#endif
/* struct dns_msg counts these in uint8_t; at least one of each. */
#if SW_DNS_QUESTIONS_MAX < 1 || SW_DNS_QUESTIONS_MAX > 255
#error "SW_DNS_QUESTIONS_MAX out of range"
#endif
#if SW_DNS_ANSWERS_MAX < 1 || SW_DNS_ANSWERS_MAX > 255
#error "SW_DNS_ANSWERS_MAX out of range"
#endif
/* pointer hops per name: real names need one or two; 127 is the most a
 * 255-octet name could use (two octets each) */
#if SW_DNS_PTR_HOPS < 1 || SW_DNS_PTR_HOPS > 127
#error "SW_DNS_PTR_HOPS out of range"
#endif

/* ---- IOC rules ---------------------------------------------------------- */

/* Longest line in an IOC file. */
#define SW_IOC_LINE_MAX 4096
/* Matches reported per lookup. */
#define SW_IOC_MATCH_MAX 16
/* -- ioc/ (IOC rules engineer) -- */
/* Largest IOC file read (bytes).  YAML and JSON feeds are held in memory
 * whole while they are parsed (the biggest public feed, a STIX2 bundle, is
 * ~5 MB); line formats (native, plain lists, hosts, CSV) are read in
 * chunks of SW_IOC_READ_CHUNK, a million native rules being ~40 MB. */
#define SW_IOC_FILE_MAX (256UL << 20)
/* Chunk in which big line-format files are read: a few hundred times
 * SW_IOC_LINE_MAX, so a chunk always holds whole lines; small enough to
 * stay in the L2 cache and to cost a router no memory worth counting. */
#define SW_IOC_READ_CHUNK (1UL << 20)
/* Rules in one set: rule ids are 32-bit and the index is sized from the
 * count; a million rules take ~110 MB less than this bound allows. */
#define SW_IOC_RULES_MAX (16UL << 20)
/* Bytes of a downloaded feed accepted by `ioc update`. */
#define SW_IOC_DOWNLOAD_MAX (64UL << 20)
/* -- end ioc/ -- */

/* ---- hits and database -------------------------------------------------- */

/* Hit queue between the packet path and the writer (records). */
#define SW_HITQ_DEFAULT 4096
#define SW_HITQ_MIN 16
#define SW_HITQ_MAX (1 << 20)
/* The writer commits at least this often (milliseconds). */
#define SW_DB_FLUSH_MS 1000
/* SQLite busy timeout (milliseconds) before a write is retried later. */
#define SW_DB_BUSY_MS 200

/* ---- database store (db/db.c, db/db_cli.c) ------------------------------ */

/* A DHCP string option kept for a device (host name, option 12; vendor
 * class, option 60): RFC 2132 option data is at most 255 bytes, + NUL. */
#define SW_DB_DEV_STR 256
/* `hits` table output: a column is padded to the widest cell up to this many
 * characters; longer cells are printed whole and push the row out.  Display
 * only: nothing is ever truncated. */
#define SW_DB_COL_MAX 48
/* How long db_open keeps retrying while other processes hold locks during
 * set-up (a new file is switched to WAL and given its schema; two processes
 * creating the same file at once otherwise fail).  Start-up only. */
#define SW_DB_OPEN_WAIT_MS 5000
#if SW_DB_DEV_STR < 256
#error "SW_DB_DEV_STR must hold any DHCP option (255 bytes) and a NUL"
#endif
#if SW_DB_BUSY_MS < 10 || SW_DB_BUSY_MS > 60000
#error "SW_DB_BUSY_MS out of range"
#endif
#if SW_DB_OPEN_WAIT_MS < SW_DB_BUSY_MS || SW_DB_OPEN_WAIT_MS > 600000
#error "SW_DB_OPEN_WAIT_MS out of range"
#endif

/* ---- QUIC (dissectors/quic.c, daemon/quic_flow.c) ------------------------ */

/* CRYPTO stream bytes held per QUIC flow while its ClientHello is gathered
 * from several Initial packets.  Chromium's post-quantum hello is ~1.9 KB
 * (X25519MLKEM768 key share + ECH GREASE), a resumption hello with a PSK
 * ~2.3 KB; a hello longer than this is given up (counted). */
#define SW_QUIC_CRYPTO_BYTES 4096
/* Disjoint CRYPTO byte ranges held per flow.  Chromium's "chaos protection"
 * cuts the hello into 8-25 small frames shuffled across two packets, so up
 * to about a dozen ranges are apart at once; more is given up. */
#define SW_QUIC_RANGES 32
/* Flows gathering a QUIC ClientHello at once (each holds one state of
 * ~4.4 KB from a fixed pool; released once the name is found, the flow
 * gives up, or the flow ends).  When none is free the flow is not read. */
#define SW_QUIC_SLOTS_DEFAULT 256
#define SW_QUIC_SLOTS_MIN 4
#define SW_QUIC_SLOTS_MAX 65536
/* Client long-header datagrams of one flow that decrypt to nothing new
 * (wrong keys: a capture that began after the first Initial, a server
 * mistaken for the client; or frames that never complete the hello) before
 * the flow is no longer read.  Chromium sends its hello in 2 packets and
 * retransmits it 3 times; 16 leaves room for loss and Retry. */
#define SW_QUIC_TRIES 16
/* Largest UDP payload decrypted (an IPv4/IPv6 datagram carries at most
 * 65535 - 8 bytes of UDP payload; reassembled fragments can reach that). */
#define SW_QUIC_DGRAM_MAX 65535
/* QUIC connection ID length: RFC 9000 17.2 caps v1 CIDs at 20 bytes. */
#define SW_QUIC_CID_MAX 20
#if SW_QUIC_CRYPTO_BYTES < 2048 || SW_QUIC_CRYPTO_BYTES > 65535
#error "SW_QUIC_CRYPTO_BYTES out of range (16-bit offsets, must hold a PQ hello)"
#endif
#if SW_QUIC_RANGES < 4 || SW_QUIC_RANGES > 255
#error "SW_QUIC_RANGES out of range"
#endif
#if SW_QUIC_SLOTS_DEFAULT < SW_QUIC_SLOTS_MIN || SW_QUIC_SLOTS_DEFAULT > SW_QUIC_SLOTS_MAX
#error "SW_QUIC_SLOTS_DEFAULT out of range"
#endif
#if SW_QUIC_TRIES < 2 || SW_QUIC_TRIES > 255
#error "SW_QUIC_TRIES out of range"
#endif
/* -- end QUIC -- */

/* ---- live capture daemon (daemon/run.c, capture.c, config.c, writer.c,
 * devices.c; the `run` engineer) ---------------------------------------- */

/* Interfaces one daemon captures on: one pcap handle each, all polled by one
 * thread.  A home router or Pi has a LAN bridge or one or two radios. */
#define SW_CAP_IFACES_MAX 16
/* Snapshot length (bytes kept per frame).  Handshakes are read from whole
 * segments, and GRO/TSO on the capture host hands libpcap frames of up to
 * 64 KB: 65535 keeps every frame whole.  Below 2048 a ClientHello with a
 * post-quantum key share no longer fits one frame's capture. */
#define SW_CAP_SNAPLEN_DEFAULT 65535
#define SW_CAP_SNAPLEN_MIN 2048
#define SW_CAP_SNAPLEN_MAX 262144
/* Kernel ring per interface (MiB): absorbs bursts while the capture thread
 * is busy (a reload, a slow moment).  8 MiB is ~0.7 s of a saturated
 * 100 Mbit/s link; a 128 MB router can afford it, a Pi more. */
#define SW_CAP_BUFFER_MB_DEFAULT 8
#define SW_CAP_BUFFER_MB_MIN 1
#define SW_CAP_BUFFER_MB_MAX 1024
/* Packet buffer timeout (ms): TPACKET_V3 hands a block of frames over when
 * it is full or this old.  Batches cost far less CPU than immediate mode;
 * 100 ms of latency does not matter to a detector. */
#define SW_CAP_TIMEOUT_MS_DEFAULT 100
#define SW_CAP_TIMEOUT_MS_MIN 1
#define SW_CAP_TIMEOUT_MS_MAX 1000
/* Frames handled per pcap_dispatch() call before the other interfaces and
 * the signal flags get a turn. */
#define SW_CAP_DISPATCH_MAX 512
/* Seconds between rows of the stats table (and drop warnings). */
#define SW_STATS_INTERVAL_DEFAULT 60
#define SW_STATS_INTERVAL_MIN 1
#define SW_STATS_INTERVAL_MAX 86400
/* Commit period of the writer thread (ms): it wakes this often and commits
 * every hit queued.  With the capture's packet buffer timeout in front, a
 * hit is in the database well within a second of its packet; the slowest a
 * user may ask for is SW_DB_FLUSH_MS (at least once a second). */
#define SW_FLUSH_MS_DEFAULT 500
#define SW_FLUSH_MS_MIN 10
/* Hits written per transaction by the writer thread. */
#define SW_WRITER_BATCH 1024
/* How long shutdown keeps retrying a database that another process holds
 * locked before it gives up on the hits still queued (and says how many). */
#define SW_STOP_WAIT_S 10
/* Devices remembered in memory (DHCP and hit clients), fixed at start-up;
 * ~600 bytes each.  When full, the least recently seen saved device goes. */
#define SW_DEV_DEFAULT 1024
#define SW_DEV_MIN 16
#define SW_DEV_MAX 65536
/* Device records upserted per transaction (writer thread, replay -d); a
 * device takes one or two (dev_take), so at least 2. */
#define SW_DEV_WRITE_BATCH 256
/* Config file: longest line, and entries of a repeatable option. */
#define SW_CONF_LINE_MAX 1024
#define SW_CONF_LIST_MAX 64
/* Database size cap (MiB) a user may set; 0 means none. */
#define SW_DB_MAX_MB_MAX (1u << 20)
#if SW_CAP_SNAPLEN_DEFAULT < SW_CAP_SNAPLEN_MIN || SW_CAP_SNAPLEN_DEFAULT > SW_CAP_SNAPLEN_MAX
#error "SW_CAP_SNAPLEN_DEFAULT out of range"
#endif
#if SW_CAP_BUFFER_MB_DEFAULT < SW_CAP_BUFFER_MB_MIN || SW_CAP_BUFFER_MB_DEFAULT > SW_CAP_BUFFER_MB_MAX
#error "SW_CAP_BUFFER_MB_DEFAULT out of range"
#endif
#if SW_CAP_TIMEOUT_MS_DEFAULT < SW_CAP_TIMEOUT_MS_MIN || SW_CAP_TIMEOUT_MS_DEFAULT > SW_CAP_TIMEOUT_MS_MAX
#error "SW_CAP_TIMEOUT_MS_DEFAULT out of range"
#endif
#if SW_STATS_INTERVAL_DEFAULT < SW_STATS_INTERVAL_MIN || SW_STATS_INTERVAL_DEFAULT > SW_STATS_INTERVAL_MAX
#error "SW_STATS_INTERVAL_DEFAULT out of range"
#endif
#if SW_FLUSH_MS_MIN < 1 || SW_FLUSH_MS_MIN > SW_DB_FLUSH_MS || SW_DB_FLUSH_MS > 1000
#error "flush period out of range: hits must be committed at least once a second"
#endif
#if SW_FLUSH_MS_DEFAULT < SW_FLUSH_MS_MIN || SW_FLUSH_MS_DEFAULT > SW_DB_FLUSH_MS
#error "SW_FLUSH_MS_DEFAULT out of range"
#endif
#if SW_DEV_WRITE_BATCH < 2
#error "SW_DEV_WRITE_BATCH must hold a device's two records"
#endif
#if SW_DEV_DEFAULT < SW_DEV_MIN || SW_DEV_DEFAULT > SW_DEV_MAX
#error "SW_DEV_DEFAULT out of range"
#endif
#if SW_WRITER_BATCH < 1 || SW_WRITER_BATCH > SW_HITQ_MIN * 1024
#error "SW_WRITER_BATCH out of range"
#endif
/* -- end live capture daemon -- */

/* ---- enrichment: resolved-name cache, nDPI, GeoIP (daemon/resolve.c,
 * dpi.c, geoip.c; docs/enrichment.md) ------------------------------------ */

/* Resolved-name cache: (client, server address) -> the name it was
 * resolved from, filled from DNS A/AAAA answers.  ~300 bytes an entry:
 * 4096 entries ~1.2 MB.  A home network resolves a few thousand names an
 * hour; entries live their (clamped) TTL, and when a set is full the entry
 * nearest expiry that matched no rule goes first (counted). */
#define SW_RSLV_ENTRIES_DEFAULT 4096
#define SW_RSLV_ENTRIES_MIN 64
#define SW_RSLV_ENTRIES_MAX (1 << 20)
/* Entries per hash set (set-associative: a lookup reads at most this many;
 * a flood of answers for one set evicts only within it). */
#define SW_RSLV_WAYS 8
/* TTL clamp (seconds of capture time).  Resolvers hand out TTLs of 0-60 s
 * for CDN names while apps and OS resolvers keep using an address for
 * minutes (and reconnect to it): below 5 minutes the name would be gone
 * before the flow it explains.  Above a day an address is likely
 * reassigned; a week-long TTL must not attribute next week's traffic. */
#define SW_RSLV_TTL_MIN_S 300
#define SW_RSLV_TTL_MAX_S 86400
/* nDPI: packets of a flow (both directions, handshake included) handed to
 * nDPI at most.  It names TLS, HTTP, DNS and QUIC from the first client
 * payload (packet 1-4); 10 leaves room for a ClientHello over several
 * segments and protocols that need a reply.  Bounds nDPI's cost per flow. */
#define SW_DPI_PKTS 10
/* Flows being classified at once (each holds one ndpi_flow_struct, 688
 * bytes in nDPI 4.2, from a fixed pool, only for its first SW_DPI_PKTS
 * packets or until nDPI has named it).  When none is free the new flow is
 * not classified (counted). */
#define SW_DPI_SLOTS_DEFAULT 1024
#define SW_DPI_SLOTS_MIN 16
#define SW_DPI_SLOTS_MAX 65536
/* When the pool is empty, the slot of the flow that took one longest ago
 * is taken back if that was at least this long ago (seconds of capture
 * time): a SYN never answered or a silent UDP peer would otherwise hold a
 * slot until its flow times out (minutes), and a port scan would starve
 * the pool.  Real handshakes bring their first payload within a second. */
#define SW_DPI_RECLAIM_S 2
/* Memory nDPI may allocate while it classifies (its TLS reassembly buffer,
 * HTTP strings ...), served from one arena sized at start-up: KiB per flow
 * slot.  nDPI's TLS buffer grows to ~2-16 KB while a hello or certificate
 * crosses segments; 4 KiB a slot is the average, not the worst case.  An
 * allocation the arena cannot serve fails (nDPI gives up on that field;
 * counted). */
#define SW_DPI_ARENA_KB_PER_SLOT 4
/* Largest single nDPI allocation served: its TLS buffer (at most
 * SW_DPI_PKTS payloads of SW_DPI_PAYLOAD_MAX) and the module-wide address
 * caches nDPI makes the first time a dissector needs one (BitTorrent's is
 * 256 KiB). */
#define SW_DPI_ALLOC_MAX (256 * 1024)
/* Payload bytes of one packet shown to nDPI (a GRO'd 64 KB frame is cut;
 * nDPI looks at message starts). */
#define SW_DPI_PAYLOAD_MAX 16384
/* nDPI label stored with a hit: "master.app", e.g. "TLS.AmazonAWS". */
#define SW_APP_BUF 64
/* ASN organisation stored with a hit (longest in GeoLite2-ASN ~90 bytes;
 * longer ones are cut at a character boundary). */
#define SW_GEO_ORG_BUF 128
#if SW_RSLV_ENTRIES_DEFAULT < SW_RSLV_ENTRIES_MIN || SW_RSLV_ENTRIES_DEFAULT > SW_RSLV_ENTRIES_MAX
#error "SW_RSLV_ENTRIES_DEFAULT out of range"
#endif
#if SW_RSLV_WAYS < 1 || SW_RSLV_WAYS > 64 || SW_RSLV_ENTRIES_MIN < SW_RSLV_WAYS
#error "SW_RSLV_WAYS out of range"
#endif
#if SW_RSLV_TTL_MIN_S < 1 || SW_RSLV_TTL_MAX_S < SW_RSLV_TTL_MIN_S || SW_RSLV_TTL_MAX_S > 7 * 86400
#error "SW_RSLV_TTL_MIN_S/MAX_S out of range"
#endif
#if SW_DPI_PKTS < 1 || SW_DPI_PKTS > 255
#error "SW_DPI_PKTS out of range (uint8_t counter)"
#endif
#if SW_DPI_SLOTS_DEFAULT < SW_DPI_SLOTS_MIN || SW_DPI_SLOTS_DEFAULT > SW_DPI_SLOTS_MAX
#error "SW_DPI_SLOTS_DEFAULT out of range"
#endif
#if SW_DPI_RECLAIM_S < 1 || SW_DPI_RECLAIM_S > 600
#error "SW_DPI_RECLAIM_S out of range"
#endif
#if SW_DPI_ARENA_KB_PER_SLOT < 1 || SW_DPI_ARENA_KB_PER_SLOT > 1024
#error "SW_DPI_ARENA_KB_PER_SLOT out of range"
#endif
#if SW_DPI_ALLOC_MAX < 4096 || SW_DPI_ALLOC_MAX > (1 << 20)
#error "SW_DPI_ALLOC_MAX out of range"
#endif
#if SW_DPI_PAYLOAD_MAX < 1500 || SW_DPI_PAYLOAD_MAX > 65535 - 60
#error "SW_DPI_PAYLOAD_MAX out of range (nDPI takes at most 65535-byte packets)"
#endif
#if SW_APP_BUF < 32 || SW_GEO_ORG_BUF < 16
#error "SW_APP_BUF/SW_GEO_ORG_BUF too small"
#endif
/* -- end enrichment -- */

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
#if SW_IOC_FILE_MAX < (1UL << 20) || SW_IOC_RULES_MAX >= 0xffffffffUL
#error "IOC limits out of range"
#endif
#if SW_IOC_READ_CHUNK < 16 * SW_IOC_LINE_MAX || SW_IOC_READ_CHUNK > SW_IOC_FILE_MAX
#error "SW_IOC_READ_CHUNK out of range"
#endif
#if SW_HITQ_DEFAULT < SW_HITQ_MIN || SW_HITQ_DEFAULT > SW_HITQ_MAX
#error "SW_HITQ_DEFAULT out of range"
#endif

#endif
