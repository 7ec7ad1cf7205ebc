/*
 * decode.c - from a captured frame to the innermost IP + TCP/UDP header.
 *
 * Follows: IEEE 802.3 / 802.1Q / 802.1ad (Ethernet, tags), RFC 3032 (MPLS),
 * RFC 4385 (pseudowire control word), RFC 2516 (PPPoE), RFC 1661/1662 (PPP),
 * RFC 791 (IPv4), RFC 8200 (IPv6 and its extension headers), RFC 4302 (AH),
 * RFC 815 / RFC 8200 4.5 (fragment reassembly, overlaps refused as RFC 5722
 * asks), RFC 9293 (TCP), RFC 768 (UDP), RFC 2784 / RFC 2890 / RFC 2637
 * (GRE, keys and sequence numbers, PPTP enhanced GRE), draft-foschiano-erspan
 * (ERSPAN I/II/III), RFC 8086 (GRE-in-UDP), RFC 7348 (VXLAN), RFC 8926
 * (Geneve), 3GPP TS 29.281 (GTP-U), RFC 4380 (Teredo), RFC 2003 / RFC 4213
 * (IP-in-IP, 6in4), RFC 2473 (4in6/6in6), libpcap's LINKTYPE_* pages (NULL,
 * LOOP, LINUX_SLL, LINUX_SLL2, NFLOG, RAW).
 *
 * One loop peels one header per turn and names the next one; bounds start
 * at caplen and only shrink.  Next to the cursor the loop keeps `want`, the
 * length the enclosing headers declare for what is left (unknown at the
 * link layer).  A read that fails inside the declared length was cut by the
 * snaplen (DEC_TRUNCATED); a header that needs more than its container
 * declares is lying (DEC_MALFORMED).
 *
 *   frame:  [link hdr][tags/labels/PPPoE...][IP hdr][tunnel hdr]...[IP][L4][payload]
 *            caplen ------------------------------------------------------------>|
 *                                            IP total length ------------->|
 *                                                                   UDP len ->|
 *
 *   IPv4  0               1               2               3
 *        |ver|ihl| tos    |        total length          |
 *        |      identification      |flg| fragment offset |
 *        |  ttl   | proto  |       header checksum        |
 *        |                 source, destination            | options (ihl)
 *   IPv6 |ver| tc  |  flow label  | payload len | next | hop | src 16 | dst 16 |
 *   TCP  | sport | dport | seq 4 | ack 4 |off|flags| win | sum | urg | options
 *   UDP  | sport | dport | length | checksum |
 *   GRE  |C|R|K|S|s|rec|A|flg|ver| protocol | [sum+off] [key] [seq] [ack(v1)]
 *   VXLAN| flags 08 | reserved 3 | VNI 3 | reserved |
 *   Geneve |ver|optlen|O|C|rsvd| protocol | VNI 3 | rsvd | options...
 *   GTP-U |ver|PT|*|E|S|PN| type | length | TEID | [seq 2 | npdu | next ext]
 */
#include "dissectors/decode.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* libpcap DLT values we read (numbers, so that no platform header changes
 * their meaning: DLT_RAW is 12 on most systems and 14 on OpenBSD, and
 * OpenBSD's DLT_LOOP is 12). */
enum {
	SW_DLT_NULL = 0,
	SW_DLT_EN10MB = 1,
	SW_DLT_PPP = 9,
	SW_DLT_RAW_12 = 12,
	SW_DLT_RAW_14 = 14,
	SW_DLT_PPP_SERIAL = 50,
	SW_DLT_RAW_101 = 101,
	SW_DLT_C_HDLC = 104,
	SW_DLT_LOOP = 108,
	SW_DLT_LINUX_SLL = 113,
	SW_DLT_IPV4 = 228,
	SW_DLT_IPV6 = 229,
	SW_DLT_NFLOG = 239,
	SW_DLT_LINUX_SLL2 = 276,
};

/* EtherTypes (also GRE protocol types and SLL protocol fields). */
enum {
	ET_IP4 = 0x0800,
	ET_IP6 = 0x86dd,
	ET_VLAN = 0x8100,
	ET_QINQ = 0x88a8,
	ET_QINQ_OLD1 = 0x9100,
	ET_QINQ_OLD2 = 0x9200,
	ET_MPLS_UC = 0x8847,
	ET_MPLS_MC = 0x8848,
	ET_PPPOE_SESS = 0x8864,
	ET_TEB = 0x6558,        /* transparent Ethernet bridging */
	ET_ERSPAN_2 = 0x88be,   /* ERSPAN type I (no sequence) and II */
	ET_ERSPAN_3 = 0x22eb,
	ET_PPP = 0x880b,        /* PPTP enhanced GRE */
	ET_WCCP = 0x883e,       /* Cisco WCCP redirect */
};

/* UDP ports of the tunnels recognised by port. */
enum {
	PORT_VXLAN = 4789,
	PORT_VXLAN_LINUX = 8472, /* Linux and flannel default before IANA's */
	PORT_GENEVE = 6081,
	PORT_GTPU = 2152,
	PORT_TEREDO = 3544,
	PORT_GRE_UDP = 4754,
};

/* IP protocol numbers. */
enum {
	IPP_HOPOPT = 0,
	IPP_IPIP = 4,
	IPP_TCP = 6,
	IPP_UDP = 17,
	IPP_IPV6 = 41,
	IPP_ROUTING = 43,
	IPP_FRAG = 44,
	IPP_GRE = 47,
	IPP_AH = 51,
	IPP_DSTOPTS = 60,
};

#define WANT_UNKNOWN SIZE_MAX

/* One step of the loop: the header to read next. */
enum step {
	S_DONE = 0,
	S_LINK,   /* the DLT's own header (not Ethernet) */
	S_ETH,
	S_VLAN,
	S_MPLS,
	S_PPPOE,
	S_PPP,
	S_IP4,
	S_IP6,
	S_GRE,
	S_TCP,
	S_UDP,
};

static const uint8_t step_layer[] = {
	[S_DONE] = DL_NONE, [S_LINK] = DL_LINK, [S_ETH] = DL_LINK,
	[S_VLAN] = DL_VLAN, [S_MPLS] = DL_MPLS, [S_PPPOE] = DL_PPPOE,
	[S_PPP] = DL_PPP, [S_IP4] = DL_IP4, [S_IP6] = DL_IP6, [S_GRE] = DL_GRE,
	[S_TCP] = DL_TCP, [S_UDP] = DL_UDP,
};

/* ---- fragment table ----------------------------------------------------- */

enum { FS_FREE = 0, FS_BUSY, FS_DEAD, FS_DONE };

struct frag_piece {
	uint32_t off, len;
};

struct frag_slot {
	uint8_t state;       /* FS_* */
	uint8_t v;           /* 4 or 6 */
	uint8_t proto;       /* v4: key; v6: next header of the offset-0 piece */
	bool have_first;     /* v6: proto is known */
	bool have_last;      /* the piece without "more fragments" was seen */
	uint32_t id;
	uint8_t src[16], dst[16];
	uint64_t first_us;   /* capture time of the first piece */
	uint32_t total;      /* datagram length, once have_last */
	uint32_t have;       /* bytes held (pieces never overlap) */
	uint32_t npieces;
	struct frag_piece pieces[SW_FRAG_PIECES];
};

struct frag_table {
	struct frag_stats st;
	struct frag_slot slot[SW_FRAG_SLOTS];
	/* slots completed during the current decode_packet call: their buffer
	 * is the payload view until the next call */
	uint32_t pinned[SW_DECODE_DEPTH_MAX + 1];
	uint32_t npinned;
	uint8_t buf[SW_FRAG_SLOTS][SW_FRAG_BYTES];
};

struct frag_table *frag_new(void)
{
	return calloc(1, sizeof(struct frag_table));
}

void frag_free(struct frag_table *ft)
{
	free(ft);
}

void frag_reset(struct frag_table *ft)
{
	if (!ft)
		return;
	for (uint32_t i = 0; i < SW_FRAG_SLOTS; i++)
		ft->slot[i].state = FS_FREE;
	ft->npinned = 0;
}

void frag_get_stats(const struct frag_table *ft, struct frag_stats *st)
{
	if (ft)
		*st = ft->st;
	else
		memset(st, 0, sizeof(*st));
}

/* Release the slots whose buffers were views of the previous packet. */
static void frag_unpin(struct frag_table *ft)
{
	for (uint32_t i = 0; i < ft->npinned; i++)
		if (ft->slot[ft->pinned[i]].state == FS_DONE)
			ft->slot[ft->pinned[i]].state = FS_FREE;
	ft->npinned = 0;
}

/* Drop datagrams older than SW_FRAG_TIMEOUT_S of capture time.  Time that
 * goes backwards (merged captures) expires nothing. */
static void frag_expire(struct frag_table *ft, uint64_t now)
{
	const uint64_t tmo = (uint64_t)SW_FRAG_TIMEOUT_S * 1000000u;
	for (uint32_t i = 0; i < SW_FRAG_SLOTS; i++) {
		struct frag_slot *s = &ft->slot[i];
		if ((s->state == FS_BUSY || s->state == FS_DEAD) &&
		    now > s->first_us && now - s->first_us > tmo) {
			if (s->state == FS_BUSY)
				ft->st.timeouts++;
			s->state = FS_FREE;
		}
	}
}

struct frag_key {
	uint8_t v, proto;
	uint32_t id;
	const uint8_t *src, *dst;
};

static bool frag_match(const struct frag_slot *s, const struct frag_key *k)
{
	size_t alen = k->v == 4 ? 4 : 16;
	return (s->state == FS_BUSY || s->state == FS_DEAD) && s->v == k->v &&
	       s->id == k->id && (k->v == 6 || s->proto == k->proto) &&
	       memcmp(s->src, k->src, alen) == 0 &&
	       memcmp(s->dst, k->dst, alen) == 0;
}

/* A slot for a new datagram: a free one, else a dead one, else the oldest
 * in progress (counted as no_slot).  Pinned slots are never taken. */
static struct frag_slot *frag_alloc(struct frag_table *ft)
{
	struct frag_slot *dead = NULL, *old = NULL;
	for (uint32_t i = 0; i < SW_FRAG_SLOTS; i++) {
		struct frag_slot *s = &ft->slot[i];
		if (s->state == FS_FREE)
			return s;
		if (s->state == FS_DEAD && !dead)
			dead = s;
		if (s->state == FS_BUSY && (!old || s->first_us < old->first_us))
			old = s;
	}
	if (dead)
		return dead;
	if (old)
		ft->st.no_slot++;
	return old;
}

/*
 * Add one fragment: `data` is its fragmentable part, at byte offset off of
 * the datagram; `more` is the MF/M flag; `nh` the protocol (IPv4) or the
 * fragment header's next header (IPv6).  Returns DEC_FRAG_HELD, DEC_FRAG_DROP,
 * DEC_MALFORMED, or DEC_OK with *out viewing the whole datagram payload and
 * *proto its first protocol.
 */
static enum decode_err frag_add(struct frag_table *ft, uint64_t now,
                                const struct frag_key *k, uint32_t off,
                                bool more, uint8_t nh, struct cur data,
                                struct cur *out, uint8_t *proto)
{
	uint32_t len = (uint32_t)cur_len(&data);
	if (len == 0 || (more && len % 8 != 0) ||
	    (uint64_t)off + len > SW_FRAG_BYTES)
		return DEC_MALFORMED;

	frag_expire(ft, now);
	struct frag_slot *s = NULL;
	for (uint32_t i = 0; i < SW_FRAG_SLOTS && !s; i++)
		if (frag_match(&ft->slot[i], k))
			s = &ft->slot[i];
	if (s && s->state == FS_DEAD)
		return DEC_FRAG_DROP;
	if (!s) {
		s = frag_alloc(ft);
		if (!s)
			return DEC_FRAG_DROP; /* every slot pinned: cannot happen */
		memset(s, 0, offsetof(struct frag_slot, pieces));
		s->state = FS_BUSY;
		s->v = k->v;
		s->proto = k->v == 4 ? k->proto : 0;
		s->id = k->id;
		memcpy(s->src, k->src, k->v == 4 ? 4 : 16);
		memcpy(s->dst, k->dst, k->v == 4 ? 4 : 16);
		s->first_us = now;
	}
	uint8_t *buf = ft->buf[s - ft->slot];
	uint32_t end = off + len;

	for (uint32_t i = 0; i < s->npieces; i++) {
		const struct frag_piece *q = &s->pieces[i];
		if (off >= q->off + q->len || end <= q->off)
			continue;
		bool was_last = s->have_last && s->total == q->off + q->len;
		if (q->off == off && q->len == len && more != was_last &&
		    memcmp(buf + off, cur_ptr(&data), len) == 0) {
			ft->st.duplicates++;
			return DEC_FRAG_HELD;
		}
		ft->st.overlaps++;
		s->state = FS_DEAD;
		return DEC_FRAG_DROP;
	}
	if ((!more && s->have_last && s->total != end) ||
	    (s->have_last && end > s->total) || s->npieces == SW_FRAG_PIECES) {
		ft->st.limits++;
		s->state = FS_DEAD;
		return DEC_FRAG_DROP;
	}
	if (!more) {
		for (uint32_t i = 0; i < s->npieces; i++)
			if (s->pieces[i].off + s->pieces[i].len > end) {
				ft->st.limits++;
				s->state = FS_DEAD;
				return DEC_FRAG_DROP;
			}
		s->have_last = true;
		s->total = end;
	}
	if (off == 0 && k->v == 6) {
		s->proto = nh;
		s->have_first = true;
	}
	memcpy(buf + off, cur_ptr(&data), len);
	s->pieces[s->npieces].off = off;
	s->pieces[s->npieces].len = len;
	s->npieces++;
	s->have += len;
	ft->st.held++;
	if (!s->have_last || s->have != s->total)
		return DEC_FRAG_HELD;

	/* no overlaps and have == total: [0, total) is covered */
	s->state = FS_DONE;
	if (ft->npinned < sizeof(ft->pinned) / sizeof(ft->pinned[0]))
		ft->pinned[ft->npinned++] = (uint32_t)(s - ft->slot);
	ft->st.completed++;
	*out = cur_make(buf, s->total);
	*proto = s->proto;
	return DEC_OK;
}

/* ---- decoder state ------------------------------------------------------ */

struct dctx {
	struct cur c;          /* what is left to read */
	size_t want;           /* declared length of what is left, >= c.len */
	struct pkt *p;
	struct frag_table *ft;
	uint64_t now;
	int dlt;               /* for S_LINK */
	uint8_t ip6_ext;       /* extension headers followed in this IPv6 header */
};

/* The verdict for a header of n bytes that does not fit in what is left. */
static enum decode_err d_short(const struct dctx *d, size_t n)
{
	return n > d->want ? DEC_MALFORMED : DEC_TRUNCATED;
}

/* Take the next n bytes as a header view h. */
static enum decode_err d_take(struct dctx *d, struct cur *h, size_t n)
{
	if (!cur_get_bytes(&d->c, h, n))
		return d_short(d, n);
	if (d->want != WANT_UNKNOWN)
		d->want -= n;
	return DEC_OK;
}

/* Skip n bytes. */
static enum decode_err d_skip(struct dctx *d, size_t n)
{
	struct cur h;
	return d_take(d, &h, n);
}

/* What is left is declared to be n bytes long: shrink the view to it (the
 * rest is padding), or note that it was cut.  A declaration beyond the
 * enclosing one is a lie. */
static enum decode_err d_bound(struct dctx *d, size_t n)
{
	if (d->want != WANT_UNKNOWN && n > d->want)
		return DEC_MALFORMED;
	d->want = n;
	if (cur_len(&d->c) > n)
		(void)cur_truncate(&d->c, n);
	else if (cur_len(&d->c) < n)
		d->p->cut = true;
	return DEC_OK;
}

/* Next step for an EtherType (also SLL protocol, GRE protocol type). */
static enum decode_err etype_step(uint16_t et, enum step *next)
{
	switch (et) {
	case ET_IP4:
		*next = S_IP4;
		return DEC_OK;
	case ET_IP6:
		*next = S_IP6;
		return DEC_OK;
	case ET_VLAN:
	case ET_QINQ:
	case ET_QINQ_OLD1:
	case ET_QINQ_OLD2:
		*next = S_VLAN;
		return DEC_OK;
	case ET_MPLS_UC:
	case ET_MPLS_MC:
		*next = S_MPLS;
		return DEC_OK;
	case ET_PPPOE_SESS:
		*next = S_PPPOE;
		return DEC_OK;
	case ET_TEB:
		*next = S_ETH;
		return DEC_OK;
	default:
		return DEC_NOT_L4; /* ARP, LLDP, EAPOL, PPPoE discovery, ... */
	}
}

/* Next step from the IP version nibble of the next byte; `other` is the
 * verdict when it is neither 4 nor 6. */
static enum decode_err ip_guess(const struct dctx *d, enum step *next,
                                enum decode_err other)
{
	uint8_t b;
	if (!cur_peek_u8(&d->c, 0, &b))
		return d_short(d, 1);
	if (b >> 4 == 4)
		*next = S_IP4;
	else if (b >> 4 == 6)
		*next = S_IP6;
	else
		return other;
	return DEC_OK;
}

/* ---- link layers -------------------------------------------------------- */

/*
 * Ethernet II / 802.3:
 *   | dst 6 | src 6 | type or length 2 |   (802.3: LLC dsap ssap ctl [SNAP oui 3 type 2])
 */
static enum decode_err dec_eth(struct dctx *d, enum step *next)
{
	struct cur h;
	enum decode_err e = d_take(d, &h, 14);
	uint16_t et;
	if (e != DEC_OK)
		return e;
	if (!cur_copy(&h, d->p->mac_dst, 6) || !cur_copy(&h, d->p->mac_src, 6) ||
	    !cur_get_be16(&h, &et))
		return DEC_MALFORMED;
	d->p->has_mac = true;
	if (et <= 1500) {
		/* 802.3 length: only LLC/SNAP with an EtherType goes on */
		struct cur s;
		uint8_t dsap, ssap, ctl;
		uint32_t oui;
		enum decode_err e2 = d_take(d, &s, 8);
		if (e2 != DEC_OK)
			return e2;
		if (!cur_get_u8(&s, &dsap) ||
		    !cur_get_u8(&s, &ssap) || !cur_get_u8(&s, &ctl) ||
		    !cur_get_be24(&s, &oui) || !cur_get_be16(&s, &et) ||
		    dsap != 0xaa || ssap != 0xaa || ctl != 0x03 || oui != 0)
			return DEC_NOT_L4; /* STP, CDP, NetBIOS, ... */
	}
	return etype_step(et, next);
}

/* 802.1Q / 802.1ad tag: | PCP DEI VID 2 | type 2 | */
static enum decode_err dec_vlan(struct dctx *d, enum step *next)
{
	struct cur h;
	uint16_t tci, et;
	enum decode_err e = d_take(d, &h, 4);
	if (e != DEC_OK)
		return e;
	if (!cur_get_be16(&h, &tci) || !cur_get_be16(&h, &et))
		return DEC_MALFORMED;
	return etype_step(et, next);
}

/*
 * MPLS label stack entry: | label 20 | TC 3 | S 1 | TTL 8 |.  Below the
 * bottom label there is no type field: explicit-null labels say the IP
 * version, else the first nibble decides (4, 6; 0 = pseudowire control
 * word then Ethernet; 1 = associated channel), else Ethernet without a
 * control word when an IP EtherType sits where it would.
 */
static enum decode_err dec_mpls(struct dctx *d, enum step *next)
{
	struct cur h;
	uint32_t lse;
	enum decode_err e = d_take(d, &h, 4);
	if (e != DEC_OK)
		return e;
	if (!cur_get_be32(&h, &lse))
		return DEC_MALFORMED;
	if (!(lse & 0x100)) {
		*next = S_MPLS;
		return DEC_OK;
	}
	uint32_t label = lse >> 12;
	if (label == 0) {
		*next = S_IP4;
		return DEC_OK;
	}
	if (label == 2) {
		*next = S_IP6;
		return DEC_OK;
	}
	if (label == 13)
		return DEC_NOT_L4; /* GAL: OAM follows */
	uint8_t b;
	if (!cur_peek_u8(&d->c, 0, &b))
		return d_short(d, 1);
	switch (b >> 4) {
	case 4:
		*next = S_IP4;
		return DEC_OK;
	case 6:
		*next = S_IP6;
		return DEC_OK;
	case 0: /* RFC 4385 control word: | 0000 | flags | frag | len | seq 2 | */
		e = d_skip(d, 4);
		if (e != DEC_OK)
			return e;
		*next = S_ETH;
		return DEC_OK;
	case 1:
		return DEC_NOT_L4; /* G-ACh */
	default: {
		uint16_t et;
		if (!cur_peek_be16(&d->c, 12, &et))
			return d_short(d, 14);
		if (et != ET_IP4 && et != ET_IP6 && et != ET_VLAN && et != ET_QINQ)
			return DEC_UNSUPPORTED;
		*next = S_ETH;
		return DEC_OK;
	}
	}
}

/* PPPoE session: | ver 4 type 4 (0x11) | code (0) | session 2 | length 2 | */
static enum decode_err dec_pppoe(struct dctx *d, enum step *next)
{
	struct cur h;
	uint8_t vt, code;
	uint16_t sess, len;
	enum decode_err e = d_take(d, &h, 6);
	if (e != DEC_OK)
		return e;
	if (!cur_get_u8(&h, &vt) || !cur_get_u8(&h, &code) ||
	    !cur_get_be16(&h, &sess) || !cur_get_be16(&h, &len))
		return DEC_MALFORMED;
	if (vt != 0x11 || code != 0)
		return DEC_MALFORMED;
	e = d_bound(d, len);
	if (e != DEC_OK)
		return e;
	*next = S_PPP;
	return DEC_OK;
}

/* PPP: [ff 03] protocol (1 byte when compressed: odd first byte). */
static enum decode_err dec_ppp(struct dctx *d, enum step *next)
{
	uint8_t b0, b1;
	uint16_t proto;
	enum decode_err e;
	if (!cur_peek_u8(&d->c, 0, &b0))
		return d_short(d, 1);
	if (b0 == 0xff) {
		if (!cur_peek_u8(&d->c, 1, &b1))
			return d_short(d, 2);
		if (b1 != 0x03)
			return DEC_MALFORMED;
		e = d_skip(d, 2);
		if (e != DEC_OK)
			return e;
		if (!cur_peek_u8(&d->c, 0, &b0))
			return d_short(d, 1);
	}
	if (b0 & 1) {
		proto = b0;
		e = d_skip(d, 1);
	} else {
		struct cur h;
		e = d_take(d, &h, 2);
		if (e == DEC_OK && !cur_get_be16(&h, &proto))
			return DEC_MALFORMED;
	}
	if (e != DEC_OK)
		return e;
	switch (proto) {
	case 0x0021:
		*next = S_IP4;
		return DEC_OK;
	case 0x0057:
		*next = S_IP6;
		return DEC_OK;
	case 0x0281:
	case 0x0283:
		*next = S_MPLS;
		return DEC_OK;
	default:
		return DEC_NOT_L4; /* LCP, IPCP, CHAP, compressed data, ... */
	}
}

/* BSD loopback family value: IPv4 everywhere, IPv6 per BSD flavour. */
static enum decode_err null_family(uint32_t af, enum step *next)
{
	switch (af) {
	case 2:
		*next = S_IP4;
		return DEC_OK;
	case 24: /* NetBSD, OpenBSD, BSD/OS */
	case 28: /* FreeBSD, DragonFly */
	case 30: /* Darwin */
		*next = S_IP6;
		return DEC_OK;
	default:
		return DEC_NOT_L4; /* OSI, IPX, AppleTalk */
	}
}

/*
 * NFLOG (libpcap LINKTYPE_NFLOG): | family | version 0 | resource id 2 |
 * then TLVs | length 2 | type 2 | value, padded to 4 | with length and type
 * in host byte order (libpcap swaps them for files from the other order).
 * Type 9 (NFULA_PAYLOAD) holds the packet.
 */
static enum decode_err dec_nflog(struct dctx *d, enum step *next)
{
	struct cur h;
	uint8_t fam, ver;
	enum decode_err e = d_take(d, &h, 4);
	if (e != DEC_OK)
		return e;
	if (!cur_get_u8(&h, &fam) || !cur_get_u8(&h, &ver))
		return DEC_MALFORMED;
	if (ver != 0)
		return DEC_MALFORMED;
	while (!cur_empty(&d->c)) {
		uint16_t tlen, type;
		bool ok;
		e = d_take(d, &h, 4);
		if (e != DEC_OK)
			return e;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		ok = cur_get_be16(&h, &tlen) && cur_get_be16(&h, &type);
#else
		ok = cur_get_le16(&h, &tlen) && cur_get_le16(&h, &type);
#endif
		if (!ok || tlen < 4)
			return DEC_MALFORMED;
		if ((type & 0x7fff) == 9) {
			e = d_bound(d, (size_t)tlen - 4);
			if (e != DEC_OK)
				return e;
			return ip_guess(d, next, DEC_MALFORMED);
		}
		e = d_skip(d, (((size_t)tlen + 3) & ~(size_t)3) - 4);
		if (e != DEC_OK)
			return e;
	}
	/* no payload TLV: none of the packet was captured (or the frame was
	 * cut at a TLV boundary) */
	return DEC_TRUNCATED;
}

/* The DLT's own header, for every DLT but Ethernet and the raw ones. */
static enum decode_err dec_link(struct dctx *d, enum step *next)
{
	struct cur h;
	enum decode_err e;
	uint32_t af_le, af_be;
	uint16_t hatype, proto;
	uint8_t a, ctl;

	switch (d->dlt) {
	case SW_DLT_NULL:
	case SW_DLT_LOOP:
	case SW_DLT_RAW_12: /* OpenBSD's DLT_LOOP; see decode_packet */
		/* | address family, 4 bytes, host (NULL) or network (LOOP) order | */
		e = d_take(d, &h, 4);
		if (e != DEC_OK)
			return e;
		{
			struct cur h2 = h;
			if (!cur_get_le32(&h, &af_le) || !cur_get_be32(&h2, &af_be))
				return DEC_MALFORMED;
		}
		e = null_family(af_be, next);
		return e == DEC_OK ? e : null_family(af_le, next);

	case SW_DLT_LINUX_SLL:
		/* | pkttype 2 | hatype 2 | halen 2 | addr 8 | protocol 2 | */
		e = d_take(d, &h, 16);
		if (e != DEC_OK)
			return e;
		if (!cur_skip(&h, 2) || !cur_get_be16(&h, &hatype) ||
		    !cur_skip(&h, 10) || !cur_get_be16(&h, &proto))
			return DEC_MALFORMED;
		if (hatype == 824) /* ARPHRD_NETLINK: nlmon */
			return DEC_NOT_L4;
		return etype_step(proto, next);

	case SW_DLT_LINUX_SLL2:
		/* | protocol 2 | rsvd 2 | ifindex 4 | hatype 2 | pkttype | halen | addr 8 | */
		e = d_take(d, &h, 20);
		if (e != DEC_OK)
			return e;
		if (!cur_get_be16(&h, &proto) || !cur_skip(&h, 6) ||
		    !cur_get_be16(&h, &hatype))
			return DEC_MALFORMED;
		if (hatype == 824)
			return DEC_NOT_L4;
		return etype_step(proto, next);

	case SW_DLT_C_HDLC:
		/* Cisco HDLC: | address (0x0f/0x8f) | control 0 | EtherType 2 | */
		e = d_take(d, &h, 4);
		if (e != DEC_OK)
			return e;
		if (!cur_get_u8(&h, &a) || !cur_get_u8(&h, &ctl) ||
		    !cur_get_be16(&h, &proto))
			return DEC_MALFORMED;
		return etype_step(proto, next);

	case SW_DLT_NFLOG:
		return dec_nflog(d, next);

	default:
		return DEC_UNSUPPORTED;
	}
}

/* ---- IP ----------------------------------------------------------------- */

static enum decode_err ip_proto_step(struct dctx *d, uint8_t proto,
                                     enum step *next)
{
	switch (proto) {
	case IPP_TCP:
		*next = S_TCP;
		return DEC_OK;
	case IPP_UDP:
		*next = S_UDP;
		return DEC_OK;
	case IPP_IPIP:
		*next = S_IP4;
		return DEC_OK;
	case IPP_IPV6:
		*next = S_IP6;
		return DEC_OK;
	case IPP_GRE:
		*next = S_GRE;
		return DEC_OK;
	default:
		return DEC_NOT_L4; /* ICMP, ESP, SCTP, OSPF, ... */
	}
}

/* A complete datagram came out of the table: read on from its buffer. */
static void d_reassembled(struct dctx *d, struct cur whole)
{
	d->c = whole;
	d->want = cur_len(&whole);
	d->p->reassembled = true;
}

static enum decode_err dec_ip4(struct dctx *d, enum step *next)
{
	struct cur h;
	uint8_t vihl, tos, ttl, proto;
	uint16_t tot, id, fo, sum;
	enum decode_err e;

	if (!cur_peek_u8(&d->c, 0, &vihl))
		return d_short(d, 1);
	if (vihl >> 4 != 4 || (vihl & 0x0f) < 5)
		return DEC_MALFORMED;
	size_t hl = (size_t)(vihl & 0x0f) * 4;
	e = d_take(d, &h, hl);
	if (e != DEC_OK)
		return e;
	if (!cur_skip(&h, 1) || !cur_get_u8(&h, &tos) || !cur_get_be16(&h, &tot) ||
	    !cur_get_be16(&h, &id) || !cur_get_be16(&h, &fo) ||
	    !cur_get_u8(&h, &ttl) || !cur_get_u8(&h, &proto) ||
	    !cur_get_be16(&h, &sum) || !cur_copy(&h, d->p->src.a, 4) ||
	    !cur_copy(&h, d->p->dst.a, 4))
		return DEC_MALFORMED;
	memset(d->p->src.a + 4, 0, 12);
	memset(d->p->dst.a + 4, 0, 12);
	d->p->src.v = d->p->dst.v = 4;
	if (tot != 0) {
		/* total length 0: TCP segmentation offload on the capturing
		 * host; the captured length is all there is */
		if (tot < hl)
			return DEC_MALFORMED;
		e = d_bound(d, (size_t)tot - hl);
		if (e != DEC_OK)
			return e;
	}
	uint32_t off = (uint32_t)(fo & 0x1fff) * 8;
	bool more = (fo & 0x2000) != 0;
	if (off == 0 && !more)
		return ip_proto_step(d, proto, next);

	/* a fragment */
	d->p->layer = DL_FRAG;
	if (!d->ft)
		return DEC_FRAG_DROP;
	if (d->want == WANT_UNKNOWN)
		return DEC_MALFORMED; /* total length 0 */
	if (cur_len(&d->c) < d->want)
		return DEC_TRUNCATED; /* a piece cut by the snaplen cannot fill its hole */
	struct frag_key k = { 4, proto, id, d->p->src.a, d->p->dst.a };
	struct cur whole;
	uint8_t p2;
	e = frag_add(d->ft, d->now, &k, off, more, proto, d->c, &whole, &p2);
	if (e != DEC_OK)
		return e;
	d_reassembled(d, whole);
	d->p->layer = DL_IP4;
	return ip_proto_step(d, proto, next);
}

/*
 * IPv6 and its extension headers:
 *   hop-by-hop (0), routing (43), destination options (60):
 *       | next | len (8-octet units, first 8 not counted) | ...
 *   AH (51): | next | len (4-octet units minus 2) | ...
 *   fragment (44): | next | rsvd | offset 13 | res 2 | M | id 4 |
 */
static enum decode_err dec_ip6(struct dctx *d, enum step *next)
{
	struct cur h;
	enum decode_err e;
	uint8_t nh;

	{
		uint32_t vtf;
		uint16_t plen;
		uint8_t hop;
		e = d_take(d, &h, 40);
		if (e != DEC_OK) {
			uint8_t b;
			if (cur_peek_u8(&d->c, 0, &b) && b >> 4 != 6)
				return DEC_MALFORMED;
			return e;
		}
		if (!cur_get_be32(&h, &vtf) || !cur_get_be16(&h, &plen) ||
		    !cur_get_u8(&h, &nh) || !cur_get_u8(&h, &hop) ||
		    !cur_copy(&h, d->p->src.a, 16) || !cur_copy(&h, d->p->dst.a, 16))
			return DEC_MALFORMED;
		if (vtf >> 28 != 6)
			return DEC_MALFORMED;
		d->p->src.v = d->p->dst.v = 6;
		d->ip6_ext = 0;
		if (plen != 0) { /* 0: jumbogram or segmentation offload */
			e = d_bound(d, plen);
			if (e != DEC_OK)
				return e;
		}
	}

	for (;;) {
		uint8_t n2, hlen;
		size_t len;
		switch (nh) {
		case IPP_HOPOPT:
		case IPP_ROUTING:
		case IPP_DSTOPTS:
		case IPP_AH:
			break;
		case IPP_FRAG: {
			uint16_t fo;
			uint32_t id;
			if (++d->ip6_ext > SW_IP6_EXT_MAX)
				return DEC_TOO_DEEP;
			e = d_take(d, &h, 8);
			if (e != DEC_OK)
				return e;
			if (!cur_get_u8(&h, &n2) || !cur_skip(&h, 1) ||
			    !cur_get_be16(&h, &fo) || !cur_get_be32(&h, &id))
				return DEC_MALFORMED;
			uint32_t off = (uint32_t)(fo >> 3) * 8;
			bool more = fo & 1;
			if (off == 0 && !more) { /* atomic fragment, RFC 6946 */
				nh = n2;
				continue;
			}
			d->p->layer = DL_FRAG;
			if (!d->ft)
				return DEC_FRAG_DROP;
			if (d->want == WANT_UNKNOWN)
				return DEC_MALFORMED; /* jumbograms do not fragment */
			if (cur_len(&d->c) < d->want)
				return DEC_TRUNCATED;
			struct frag_key k = { 6, 0, id, d->p->src.a, d->p->dst.a };
			struct cur whole;
			e = frag_add(d->ft, d->now, &k, off, more, n2, d->c, &whole, &nh);
			if (e != DEC_OK)
				return e;
			d_reassembled(d, whole);
			d->p->layer = DL_IP6;
			continue;
		}
		default:
			return ip_proto_step(d, nh, next);
		}
		if (++d->ip6_ext > SW_IP6_EXT_MAX)
			return DEC_TOO_DEEP;
		if (!cur_peek_u8(&d->c, 0, &n2) || !cur_peek_u8(&d->c, 1, &hlen))
			return d_short(d, 2);
		len = nh == IPP_AH ? ((size_t)hlen + 2) * 4 : ((size_t)hlen + 1) * 8;
		e = d_skip(d, len);
		if (e != DEC_OK)
			return e;
		nh = n2;
	}
}

/* ---- GRE ---------------------------------------------------------------- */

/*
 * GRE version 0 (RFC 2784/2890): | C R K S s rec | flags ver | protocol |
 *   [checksum 2, offset 2 when C or R] [key 4 when K] [seq 4 when S].
 * Version 1 (PPTP, RFC 2637): K mandatory (payload length 2, call id 2),
 *   [seq 4 when S] [ack 4 when A], protocol 0x880b (PPP).
 * ERSPAN type I is 0x88be without S, type II 0x88be with S and
 *   | ver 4 (1) | vlan 12 | cos 3 | en 2 | t | session 10 | rsvd 12 | index 20 |,
 * type III 0x22eb with | ver 4 (2) | vlan 12 | cos 3 | bso 2 | t | session 10 |
 *   timestamp 4 | sgt 16 | p | ft 5 | hw id 6 | d | gra 2 | o | [8 when o].
 */
static enum decode_err dec_gre(struct dctx *d, enum step *next)
{
	struct cur h;
	uint16_t flags, proto;
	enum decode_err e = d_take(d, &h, 4);
	if (e != DEC_OK)
		return e;
	if (!cur_get_be16(&h, &flags) || !cur_get_be16(&h, &proto))
		return DEC_MALFORMED;
	unsigned ver = flags & 7;
	bool c = flags & 0x8000, r = flags & 0x4000, k = flags & 0x2000,
	     s = flags & 0x1000, a = flags & 0x0080;

	if (ver == 1) {
		uint16_t plen;
		if (!k || c || r || proto != ET_PPP)
			return DEC_MALFORMED;
		e = d_take(d, &h, 4);
		if (e != DEC_OK)
			return e;
		if (!cur_get_be16(&h, &plen))
			return DEC_MALFORMED;
		e = d_skip(d, (s ? 4u : 0u) + (a ? 4u : 0u));
		if (e != DEC_OK)
			return e;
		if (plen == 0)
			return DEC_NOT_L4; /* acknowledgement only */
		e = d_bound(d, plen);
		if (e != DEC_OK)
			return e;
		*next = S_PPP;
		return DEC_OK;
	}
	if (ver != 0 || r)
		return DEC_UNSUPPORTED; /* RFC 1701 source routing, unknown versions */
	e = d_skip(d, (c ? 4u : 0u) + (k ? 4u : 0u) + (s ? 4u : 0u));
	if (e != DEC_OK)
		return e;

	switch (proto) {
	case ET_ERSPAN_2:
		if (s) {
			uint16_t w0;
			e = d_take(d, &h, 8);
			if (e != DEC_OK)
				return e;
			if (!cur_get_be16(&h, &w0))
				return DEC_MALFORMED;
			if (w0 >> 12 != 1)
				return DEC_MALFORMED;
		}
		*next = S_ETH;
		return DEC_OK;
	case ET_ERSPAN_3: {
		uint16_t w0;
		uint32_t w2;
		e = d_take(d, &h, 12);
		if (e != DEC_OK)
			return e;
		if (!cur_get_be16(&h, &w0) || !cur_skip(&h, 6) ||
		    !cur_get_be32(&h, &w2))
			return DEC_MALFORMED;
		if (w0 >> 12 != 2)
			return DEC_MALFORMED;
		if (w2 & 1) { /* platform-specific subheader */
			e = d_skip(d, 8);
			if (e != DEC_OK)
				return e;
		}
		unsigned ft = (w2 >> 10) & 0x1f;
		if (ft == 0) {
			*next = S_ETH;
			return DEC_OK;
		}
		if (ft == 2)
			return ip_guess(d, next, DEC_MALFORMED);
		return DEC_UNSUPPORTED;
	}
	case ET_PPP:
		*next = S_PPP;
		return DEC_OK;
	case ET_WCCP: {
		/* WCCPv2 puts a 4-byte redirect header before the IPv4 packet,
		 * WCCPv1 does not */
		uint8_t b;
		if (!cur_peek_u8(&d->c, 0, &b))
			return d_short(d, 1);
		if (b >> 4 != 4) {
			e = d_skip(d, 4);
			if (e != DEC_OK)
				return e;
		}
		*next = S_IP4;
		return DEC_OK;
	}
	default:
		return etype_step(proto, next);
	}
}

/* ---- transport and the tunnels over UDP --------------------------------- */

/* TCP: | sport | dport | seq 4 | ack 4 | off 4 rsvd 4 | flags | win | sum | urg | */
static enum decode_err dec_tcp(struct dctx *d, enum step *next)
{
	struct cur h;
	uint8_t offb, flags;
	struct pkt *p = d->p;
	enum decode_err e = d_take(d, &h, 20);
	if (e != DEC_OK)
		return e;
	if (!cur_get_be16(&h, &p->sport) || !cur_get_be16(&h, &p->dport) ||
	    !cur_get_be32(&h, &p->seq) || !cur_get_be32(&h, &p->ack) ||
	    !cur_get_u8(&h, &offb) || !cur_get_u8(&h, &flags))
		return DEC_MALFORMED;
	size_t hl = (size_t)(offb >> 4) * 4;
	if (hl < 20)
		return DEC_MALFORMED;
	e = d_skip(d, hl - 20);
	if (e != DEC_OK)
		return e;
	p->tcp_flags = flags;
	p->l4 = IPP_TCP;
	p->payload = d->c;
	*next = S_DONE;
	return DEC_OK;
}

/* Inner IP header plausible enough to call a datagram on a non-tunnel port a
 * tunnel: version, header length, total length within what the UDP length
 * declares, and for IPv4 a correct header checksum. */
static bool inner_ip_plausible(struct cur c, size_t want)
{
	uint8_t b;
	if (!cur_peek_u8(&c, 0, &b))
		return false;
	if (b >> 4 == 4) {
		size_t hl = (size_t)(b & 0x0f) * 4;
		uint16_t tot, w;
		uint32_t sum = 0;
		if (hl < 20 || cur_len(&c) < hl || !cur_peek_be16(&c, 2, &tot) ||
		    tot < hl || tot > want)
			return false;
		for (size_t i = 0; i < hl; i += 2) {
			if (!cur_peek_be16(&c, i, &w))
				return false;
			sum += w;
		}
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		return sum == 0xffff;
	}
	if (b >> 4 == 6) {
		uint16_t plen;
		return cur_peek_be16(&c, 4, &plen) && plen != 0 &&
		       (size_t)plen + 40 <= want && want - plen - 40 < 8;
	}
	return false;
}

/* The same for an inner Ethernet frame (one VLAN tag allowed). */
static bool inner_eth_plausible(struct cur c, size_t want)
{
	uint16_t et;
	size_t off = 12;
	if (!cur_peek_be16(&c, off, &et))
		return false;
	if (et == ET_VLAN) {
		off += 4;
		if (!cur_peek_be16(&c, off, &et))
			return false;
	}
	if ((et != ET_IP4 && et != ET_IP6) || want < off + 2 ||
	    !cur_skip(&c, off + 2))
		return false;
	return inner_ip_plausible(c, want - off - 2);
}

/* Tunnel verdicts of the UDP probes. */
enum tun { TUN_NO, TUN_YES, TUN_CUT };

/* Peek at byte/16-bit fields of a possible tunnel header.  A field beyond
 * the captured bytes but within the UDP length means "cut". */
static enum tun tun_short(const struct dctx *d, size_t n)
{
	return n <= d->want && n > cur_len(&d->c) ? TUN_CUT : TUN_NO;
}

/*
 * VXLAN (RFC 7348): | flags (I = 0x08) | rsvd 3 | VNI 3 | rsvd |, then
 * Ethernet.  On the VXLAN ports the I flag suffices (group-policy and other
 * extensions use the reserved bits); elsewhere flags must be exactly 0x08,
 * the reserved bytes zero, and the inner frame must carry a plausible IP
 * header (see inner_ip_plausible).
 */
static enum tun probe_vxlan(const struct dctx *d, bool by_port, size_t *hl,
                            size_t *bound, enum step *next)
{
	uint8_t f, r1, r2, r3, r7;
	if (!cur_peek_u8(&d->c, 0, &f) || !cur_peek_u8(&d->c, 7, &r7))
		return tun_short(d, 8);
	if (!(f & 0x08))
		return TUN_NO;
	if (!by_port) {
		struct cur in = d->c;
		if (f != 0x08 || !cur_peek_u8(&d->c, 1, &r1) ||
		    !cur_peek_u8(&d->c, 2, &r2) || !cur_peek_u8(&d->c, 3, &r3) ||
		    r1 || r2 || r3 || r7 || !cur_skip(&in, 8) ||
		    !inner_eth_plausible(in, d->want - 8))
			return TUN_NO;
	}
	*hl = 8;
	*next = S_ETH;
	return TUN_YES;
}

/*
 * Geneve (RFC 8926): | ver 2 | opt len 6 | O | C | rsvd 6 | protocol 2 |
 * VNI 3 | rsvd | options (opt len * 4 bytes) |.  Protocols: 0x6558
 * (Ethernet), IPv4, IPv6.  Off port 6081 the reserved bits must be zero and
 * the inner packet plausible.
 */
static enum tun probe_geneve(const struct dctx *d, bool by_port, size_t *hl,
                             size_t *bound, enum step *next)
{
	uint8_t b0, b1, r7;
	uint16_t proto;
	if (!cur_peek_u8(&d->c, 0, &b0) || !cur_peek_u8(&d->c, 1, &b1) ||
	    !cur_peek_be16(&d->c, 2, &proto) || !cur_peek_u8(&d->c, 7, &r7))
		return tun_short(d, 8);
	size_t len = 8 + (size_t)(b0 & 0x3f) * 4;
	if (b0 >> 6 != 0)
		return TUN_NO;
	if (proto == ET_TEB)
		*next = S_ETH;
	else if (proto == ET_IP4)
		*next = S_IP4;
	else if (proto == ET_IP6)
		*next = S_IP6;
	else
		return TUN_NO;
	if (len > cur_len(&d->c))
		return tun_short(d, len);
	if (!by_port) {
		struct cur in = d->c;
		if ((b1 & 0x3f) || r7 || !cur_skip(&in, len) ||
		    !(proto == ET_TEB ? inner_eth_plausible(in, d->want - len)
		                      : inner_ip_plausible(in, d->want - len)))
			return TUN_NO;
	}
	*hl = len;
	return TUN_YES;
}

/*
 * GTP-U (TS 29.281): | ver 3 (1) | PT (1) | * | E | S | PN | type (0xff
 * G-PDU) | length 2 | TEID 4 | and when any of E/S/PN: | seq 2 | N-PDU |
 * next ext type |, then extension headers | len (4-byte units) | ... |
 * next type |.  Other message types (echo, error indication, end marker)
 * carry no user packet: the datagram stays plain UDP.
 */
static enum tun probe_gtpu(const struct dctx *d, size_t *hl, size_t *bound,
                             enum step *next)
{
	uint8_t f, type, nx, el, b;
	uint16_t len;
	if (!cur_peek_u8(&d->c, 0, &f) || !cur_peek_u8(&d->c, 1, &type) ||
	    !cur_peek_be16(&d->c, 2, &len) || cur_len(&d->c) < 8)
		return tun_short(d, 8);
	if (f >> 5 != 1 || !(f & 0x10) || type != 0xff)
		return TUN_NO;
	if ((size_t)len + 8 > d->want)
		return TUN_NO; /* length beyond the UDP datagram */
	size_t off = 8;
	if (f & 0x07) {
		if (!cur_peek_u8(&d->c, 11, &nx))
			return tun_short(d, 12);
		off = 12;
		for (unsigned n = 0; nx != 0; n++) {
			if (n == SW_GTP_EXT_MAX)
				return TUN_NO;
			if (!cur_peek_u8(&d->c, off, &el))
				return tun_short(d, off + 1);
			if (el == 0)
				return TUN_NO;
			off += (size_t)el * 4;
			if (!cur_peek_u8(&d->c, off - 1, &nx))
				return tun_short(d, off);
		}
		if (off > (size_t)len + 8)
			return TUN_NO;
	}
	if (off == (size_t)len + 8)
		return TUN_NO; /* empty G-PDU */
	if (!cur_peek_u8(&d->c, off, &b))
		return tun_short(d, off + 1);
	if (b >> 4 == 4)
		*next = S_IP4;
	else if (b >> 4 == 6)
		*next = S_IP6;
	else
		return TUN_NO; /* Ethernet or unstructured PDU sessions */
	*hl = off;
	*bound = (size_t)len + 8 - off;
	return TUN_YES;
}

/*
 * Teredo (RFC 4380 5.1.1): [authentication: | 00 01 | id len | auth len |
 * client id | auth value | nonce 8 | confirmation |] [origin indication:
 * | 00 00 | port 2 | address 4 |] then an IPv6 packet whose payload length
 * must account for the rest of the datagram exactly.
 */
static enum tun probe_teredo(const struct dctx *d, size_t *hl, size_t *bound,
                             enum step *next)
{
	uint16_t ind, plen;
	uint8_t idl, aul, b;
	size_t off = 0;
	if (!cur_peek_be16(&d->c, 0, &ind))
		return tun_short(d, 2);
	if (ind == 0x0001) {
		if (!cur_peek_u8(&d->c, 2, &idl) || !cur_peek_u8(&d->c, 3, &aul))
			return tun_short(d, 4);
		off = 4 + (size_t)idl + aul + 9;
		if (!cur_peek_be16(&d->c, off, &ind))
			return tun_short(d, off + 2);
	}
	if (ind == 0x0000)
		off += 8;
	if (!cur_peek_u8(&d->c, off, &b) || !cur_peek_be16(&d->c, off + 4, &plen))
		return tun_short(d, off + 6);
	if (b >> 4 != 6 || d->want == WANT_UNKNOWN ||
	    (size_t)plen + 40 + off != d->want)
		return TUN_NO;
	*hl = off;
	*next = S_IP6;
	return TUN_YES;
}

/* GRE-in-UDP (RFC 8086): a GRE version 0 header directly. */
static enum tun probe_gre_udp(const struct dctx *d, size_t *hl, size_t *bound,
                             enum step *next)
{
	uint16_t flags;
	if (!cur_peek_be16(&d->c, 0, &flags))
		return tun_short(d, 2);
	if ((flags & 7) != 0 || (flags & 0x4000))
		return TUN_NO;
	*hl = 0;
	*next = S_GRE;
	return TUN_YES;
}

static bool is_port(uint16_t sp, uint16_t dp, uint16_t port)
{
	return sp == port || dp == port;
}

/*
 * A tunnel over UDP?  By port first (VXLAN 4789/8472, Geneve 6081, GTP-U
 * 2152, Teredo 3544, GRE 4754); then, when both ports are >= 1024, the
 * strict VXLAN and Geneve checks.  A header that does not check out leaves
 * the datagram as plain UDP; one cut by the snaplen is DEC_TRUNCATED.
 */
static enum decode_err udp_tunnel(struct dctx *d, uint16_t sp, uint16_t dp,
                                  enum step *next)
{
	enum tun t = TUN_NO;
	size_t hl = 0, bound = WANT_UNKNOWN;

	if (is_port(sp, dp, PORT_VXLAN) || is_port(sp, dp, PORT_VXLAN_LINUX))
		t = probe_vxlan(d, true, &hl, &bound, next);
	else if (is_port(sp, dp, PORT_GENEVE))
		t = probe_geneve(d, true, &hl, &bound, next);
	else if (is_port(sp, dp, PORT_GTPU))
		t = probe_gtpu(d, &hl, &bound, next);
	else if (is_port(sp, dp, PORT_TEREDO))
		t = probe_teredo(d, &hl, &bound, next);
	else if (is_port(sp, dp, PORT_GRE_UDP))
		t = probe_gre_udp(d, &hl, &bound, next);
	else if (sp >= 1024 && dp >= 1024 && d->want != WANT_UNKNOWN) {
		t = probe_vxlan(d, false, &hl, &bound, next);
		if (t != TUN_YES)
			t = probe_geneve(d, false, &hl, &bound, next);
		if (t == TUN_CUT)
			t = TUN_NO; /* no port to say it must be a tunnel */
	}
	if (t == TUN_CUT)
		return DEC_TRUNCATED;
	if (t == TUN_NO) {
		*next = S_DONE;
		return DEC_OK;
	}
	d->p->layer = DL_UDP_TUN;
	enum decode_err e = d_skip(d, hl);
	if (e == DEC_OK && bound != WANT_UNKNOWN)
		e = d_bound(d, bound);
	return e;
}

/* UDP: | sport | dport | length | checksum |; length bounds the payload. */
static enum decode_err dec_udp(struct dctx *d, enum step *next)
{
	struct cur h;
	uint16_t len, sum;
	struct pkt *p = d->p;
	enum decode_err e = d_take(d, &h, 8);
	if (e != DEC_OK)
		return e;
	if (!cur_get_be16(&h, &p->sport) || !cur_get_be16(&h, &p->dport) ||
	    !cur_get_be16(&h, &len) || !cur_get_be16(&h, &sum))
		return DEC_MALFORMED;
	if (len < 8)
		return DEC_MALFORMED;
	e = d_bound(d, (size_t)len - 8);
	if (e != DEC_OK)
		return e;
	p->l4 = IPP_UDP;
	p->tcp_flags = 0;
	p->seq = p->ack = 0;
	p->payload = d->c;
	return udp_tunnel(d, p->sport, p->dport, next);
}

/* ---- the loop ----------------------------------------------------------- */

bool decode_dlt_supported(int dlt)
{
	switch (dlt) {
	case SW_DLT_NULL:
	case SW_DLT_EN10MB:
	case SW_DLT_PPP:
	case SW_DLT_RAW_12:
	case SW_DLT_RAW_14:
	case SW_DLT_PPP_SERIAL:
	case SW_DLT_RAW_101:
	case SW_DLT_C_HDLC:
	case SW_DLT_LOOP:
	case SW_DLT_LINUX_SLL:
	case SW_DLT_IPV4:
	case SW_DLT_IPV6:
	case SW_DLT_NFLOG:
	case SW_DLT_LINUX_SLL2:
		return true;
	default:
		return false;
	}
}

/* The first step for a DLT. */
static enum decode_err first_step(struct dctx *d, enum step *s)
{
	switch (d->dlt) {
	case SW_DLT_EN10MB:
		*s = S_ETH;
		return DEC_OK;
	case SW_DLT_PPP_SERIAL: {
		/* libpcap: DLT_PPP_SERIAL frames may also be Cisco HDLC */
		uint8_t b;
		if (cur_peek_u8(&d->c, 0, &b) && (b == 0x0f || b == 0x8f)) {
			d->dlt = SW_DLT_C_HDLC;
			*s = S_LINK;
			return DEC_OK;
		}
		*s = S_PPP;
		return DEC_OK;
	}
	case SW_DLT_PPP:
		*s = S_PPP;
		return DEC_OK;
	case SW_DLT_IPV4:
		*s = S_IP4;
		return DEC_OK;
	case SW_DLT_IPV6:
		*s = S_IP6;
		return DEC_OK;
	case SW_DLT_RAW_12: {
		/* DLT_RAW, except on OpenBSD where 12 is DLT_LOOP: a 4-byte
		 * family header instead of an IP version nibble */
		uint8_t b;
		if (cur_peek_u8(&d->c, 0, &b) && b >> 4 != 4 && b >> 4 != 6) {
			*s = S_LINK;
			return DEC_OK;
		}
		return ip_guess(d, s, DEC_MALFORMED);
	}
	case SW_DLT_RAW_14:
	case SW_DLT_RAW_101:
		return ip_guess(d, s, DEC_MALFORMED);
	default:
		if (!decode_dlt_supported(d->dlt))
			return DEC_UNSUPPORTED;
		*s = S_LINK;
		return DEC_OK;
	}
}

enum decode_err decode_packet(int dlt, const uint8_t *data, uint32_t caplen,
                              uint64_t ts_us, struct frag_table *ft,
                              struct pkt *p)
{
	uint64_t keep_ts = p->ts_us, keep_frame = p->frame;
	memset(p, 0, sizeof(*p));
	p->ts_us = keep_ts;
	p->frame = keep_frame;
	p->layer = DL_LINK;
	if (ft)
		frag_unpin(ft);

	struct dctx d = {
		.c = cur_make(data, caplen),
		.want = WANT_UNKNOWN,
		.p = p,
		.ft = ft,
		.now = ts_us,
		.dlt = dlt,
	};
	enum step s;
	enum decode_err e = first_step(&d, &s);
	unsigned turns = 0;

	while (e == DEC_OK && s != S_DONE) {
		if (++turns > SW_DECODE_DEPTH_MAX)
			return DEC_TOO_DEEP;
		p->layer = step_layer[s];
		enum step now = s;
		s = S_DONE;
		switch (now) {
		case S_LINK:
			e = dec_link(&d, &s);
			break;
		case S_ETH:
			e = dec_eth(&d, &s);
			break;
		case S_VLAN:
			e = dec_vlan(&d, &s);
			break;
		case S_MPLS:
			e = dec_mpls(&d, &s);
			break;
		case S_PPPOE:
			e = dec_pppoe(&d, &s);
			break;
		case S_PPP:
			e = dec_ppp(&d, &s);
			break;
		case S_IP4:
			e = dec_ip4(&d, &s);
			break;
		case S_IP6:
			e = dec_ip6(&d, &s);
			break;
		case S_GRE:
			e = dec_gre(&d, &s);
			break;
		case S_TCP:
			e = dec_tcp(&d, &s);
			break;
		case S_UDP:
			e = dec_udp(&d, &s);
			break;
		case S_DONE:
			break;
		}
	}
	p->depth = (uint8_t)(turns ? turns - 1 : 0);
	return e;
}

/* ---- text --------------------------------------------------------------- */

const char *decode_err_str(enum decode_err e)
{
	static const char *const names[DEC_ERR_COUNT] = {
		"ok", "truncated", "malformed", "unsupported", "not-l4",
		"frag-held", "frag-drop", "too-deep",
	};
	return (unsigned)e < DEC_ERR_COUNT ? names[e] : "?";
}

const char *decode_layer_str(enum decode_layer l)
{
	static const char *const names[DL_COUNT] = {
		"none", "link", "vlan", "mpls", "pppoe", "ppp", "ip4", "ip6",
		"frag", "gre", "udp-tunnel", "tcp", "udp",
	};
	return (unsigned)l < DL_COUNT ? names[l] : "?";
}

const char *sw_addr_str(const struct sw_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (a->v == 4 || a->v == 6) {
		if (inet_ntop(a->v == 4 ? AF_INET : AF_INET6, a->a, buf,
		              (socklen_t)(len > 0x7fffffff ? 0x7fffffff : len)))
			return buf;
	}
	if (len >= 2) {
		buf[0] = '-';
		buf[1] = '\0';
	}
	return buf;
}
