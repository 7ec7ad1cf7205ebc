/*
 * capture.c - live capture handles (see capture.h).
 *
 * Choices (docs/daemon.md):
 * - Packet buffer timeout, not immediate mode, by default: with TPACKET_V3
 *   the kernel fills blocks and hands each over when full or timeout_ms old,
 *   so a busy link costs one wake-up per block instead of one per frame.
 *   Hits are committed once a second anyway.
 * - Non-blocking handles and pcap_get_selectable_fd: one thread polls every
 *   interface; no locks on the packet path.
 * - No BPF filter unless asked: the dissectors need DNS, TLS and HTTP inside
 *   VLAN tags, PPPoE, GRE/VXLAN/GTP tunnels and IP fragments (a fragment
 *   after the first has no ports), which a simple "port 53 or tcp" loses.
 */
#include "daemon/capture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/pipeline.h"
#include "daemon/util.h"
#include "dissectors/decode.h"

static void cap_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct pipeline *pl = (struct pipeline *)(void *)user;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
	uint32_t caplen = h->caplen;
	if (caplen > h->len)
		caplen = h->len; /* never trust more than what was on the wire */
	pipe_packet(pl, ts, bytes, caplen, h->len);
}

int cap_filter_check(const char *filter, int dlt, uint32_t snaplen,
                     char *err, size_t errlen)
{
	if (!filter || !*filter)
		return 0;
	pcap_t *pc = pcap_open_dead(dlt, (int)snaplen);
	if (!pc) {
		snprintf(err, errlen, "filter: cannot check (out of memory)");
		return -1;
	}
	struct bpf_program prog;
	int rc = 0;
	if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "filter: %s", pcap_geterr(pc));
		rc = -1;
	} else {
		pcap_freecode(&prog);
	}
	pcap_close(pc);
	return rc;
}

int cap_open(struct cap_src *s, const char *ifname, const struct cap_opts *o,
             char *err, size_t errlen)
{
	char eb[PCAP_ERRBUF_SIZE];
	char en[80];
	memset(s, 0, sizeof *s);
	s->fd = -1;
	sw_esc_buf(en, sizeof en, ifname, strlen(ifname));
	if (!sw_strlcpy(s->name, ifname, sizeof s->name)) {
		snprintf(err, errlen, "%s: interface name too long", en);
		return -1;
	}
	eb[0] = '\0';
	pcap_t *pc = pcap_create(ifname, eb);
	if (!pc) {
		snprintf(err, errlen, "%s: %s", en, eb);
		return -1;
	}
	s->pc = pc;
	if (pcap_set_snaplen(pc, (int)o->snaplen) != 0 ||
	    pcap_set_promisc(pc, o->promisc) != 0 ||
	    pcap_set_buffer_size(pc, (int)(o->buffer_mb > 2047 ? 2047 : o->buffer_mb) << 20) != 0 ||
	    pcap_set_timeout(pc, (int)o->timeout_ms) != 0 ||
	    pcap_set_immediate_mode(pc, o->immediate) != 0 ||
	    pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_MICRO) != 0) {
		snprintf(err, errlen, "%s: cannot set capture options: %s", en, pcap_geterr(pc));
		goto fail;
	}
	int r = pcap_activate(pc);
	if (r < 0) {
		const char *why = pcap_geterr(pc);
		if (r != PCAP_ERROR && r != PCAP_ERROR_PERM_DENIED && r != PCAP_ERROR_NO_SUCH_DEVICE &&
		    r != PCAP_ERROR_PROMISC_PERM_DENIED)
			why = pcap_statustostr(r);
		else if (!why || !*why)
			why = pcap_statustostr(r);
		const char *hint = "";
		if (r == PCAP_ERROR_PERM_DENIED || r == PCAP_ERROR_PROMISC_PERM_DENIED)
			hint = " (capture needs root or CAP_NET_RAW)";
		else if (r == PCAP_ERROR_IFACE_NOT_UP)
			hint = " (bring the interface up first)";
		snprintf(err, errlen, "%s: cannot capture: %s%s", en, why, hint);
		goto fail;
	}
	if (r > 0) {
		/* PCAP_WARNING_PROMISC_NOTSUP, PCAP_WARNING_TSTAMP_TYPE_NOTSUP,
		 * PCAP_WARNING: the capture works, say what is missing */
		const char *why = r == PCAP_WARNING ? pcap_geterr(pc) : pcap_statustostr(r);
		log_warnx("%s: warning while opening the capture: %s", en, why);
		if (r == PCAP_WARNING_PROMISC_NOTSUP)
			log_warnx("%s: without promiscuous mode only traffic to and from this "
			          "host is seen (fine on an access point or bridge, not on a "
			          "mirror port)", en);
	}
	s->dlt = pcap_datalink(pc);
	if (!decode_dlt_supported(s->dlt)) {
		const char *nm = pcap_datalink_val_to_name(s->dlt);
		snprintf(err, errlen, "%s: link type %d (%s) is not supported", en, s->dlt,
		         nm ? nm : "unknown");
		goto fail;
	}
	if (o->filter && *o->filter) {
		struct bpf_program prog;
		if (pcap_compile(pc, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(err, errlen, "%s: filter: %s", en, pcap_geterr(pc));
			goto fail;
		}
		int fr = pcap_setfilter(pc, &prog);
		pcap_freecode(&prog);
		if (fr != 0) {
			snprintf(err, errlen, "%s: cannot set the filter: %s", en, pcap_geterr(pc));
			goto fail;
		}
	}
	if (pcap_setnonblock(pc, 1, eb) != 0) {
		snprintf(err, errlen, "%s: cannot make the capture non-blocking: %s", en, eb);
		goto fail;
	}
	s->fd = pcap_get_selectable_fd(pc);
	if (s->fd < 0) {
		snprintf(err, errlen, "%s: the capture has no selectable descriptor", en);
		goto fail;
	}
	struct pcap_stat ps;
	if (pcap_stats(pc, &ps) == 0) {
		s->last_recv = ps.ps_recv;
		s->last_drop = ps.ps_drop;
		s->last_ifdrop = ps.ps_ifdrop;
	}
	return 0;
fail:
	pcap_close(pc);
	s->pc = NULL;
	return -1;
}

int cap_dispatch(struct cap_src *s, struct pipeline *pl, int max,
                 char *err, size_t errlen)
{
	pipe_set_dlt(pl, s->dlt);
	int r = pcap_dispatch(s->pc, max, cap_cb, (u_char *)(void *)pl);
	if (r >= 0)
		return r;
	if (r == PCAP_ERROR_BREAK)
		return 0;
	char en[80];
	sw_esc_buf(en, sizeof en, s->name, strlen(s->name));
	snprintf(err, errlen, "%s: capture failed: %s", en, pcap_geterr(s->pc));
	return -1;
}

int cap_drops(struct cap_src *s, uint64_t *drops)
{
	struct pcap_stat ps;
	*drops = 0;
	if (pcap_stats(s->pc, &ps) != 0)
		return -1;
	/* the counters are 32-bit and wrap: unsigned differences are right
	 * across one wrap */
	uint32_t d = (uint32_t)(ps.ps_drop - s->last_drop);
	uint32_t di = (uint32_t)(ps.ps_ifdrop - s->last_ifdrop);
	s->last_recv = ps.ps_recv;
	s->last_drop = ps.ps_drop;
	s->last_ifdrop = ps.ps_ifdrop;
	*drops = (uint64_t)d + di;
	s->drops_total += *drops;
	return 0;
}

void cap_close(struct cap_src *s)
{
	if (s->pc)
		pcap_close(s->pc);
	s->pc = NULL;
	s->fd = -1;
}
