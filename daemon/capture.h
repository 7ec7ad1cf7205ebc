/*
 * capture.h - live capture: one libpcap handle per interface.
 *
 * Handles are made with pcap_create + pcap_activate: snapshot length,
 * promiscuous mode, kernel ring size, packet buffer timeout (or immediate
 * mode) from the config; an optional BPF filter.  They are non-blocking and
 * expose a selectable fd, so that one thread polls every interface
 * (daemon/run.c) and feeds one pipeline.  Linux TPACKET_V3 hands frames
 * over a block at a time, when a block is full or timeout_ms old: few
 * wake-ups, and the kernel ring absorbs bursts.
 */
#ifndef SW_CAPTURE_H
#define SW_CAPTURE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pipeline;

struct cap_opts {
	uint32_t snaplen, buffer_mb, timeout_ms;
	bool promisc, immediate;
	const char *filter;   /* BPF expression; NULL or "" none */
};

/* One capture source. */
struct cap_src {
	char name[64];        /* interface name as given */
	pcap_t *pc;
	int fd;               /* pcap_get_selectable_fd */
	int dlt;
	/* pcap_stats values at the last cap_drops() (32-bit, wrap) */
	uint32_t last_recv, last_drop, last_ifdrop;
	uint64_t drops_total; /* kernel + interface drops since open */
};

/*
 * Open and activate a capture on interface ifname.  Warnings from
 * pcap_activate (promiscuous mode not supported, time stamp type, ...) are
 * logged and the capture goes on; errors (no such device, permission
 * denied, interface down, a link type decode does not know, a filter that
 * does not compile) fail.  Returns 0, or -1 with "ifname: why" in err.
 */
int cap_open(struct cap_src *s, const char *ifname, const struct cap_opts *o,
             char *err, size_t errlen);

/*
 * Hand up to max frames waiting on s to pipe_packet() (the pipeline's link
 * type is switched to s's first, with pipe_set_dlt).  Never blocks.  Returns
 * the number of frames handled (0: none waiting), or -1 when the capture
 * failed (interface gone or down), with the reason in err.
 */
int cap_dispatch(struct cap_src *s, struct pipeline *pl, int max,
                 char *err, size_t errlen);

/* Packets the kernel (ps_drop) and the interface (ps_ifdrop) dropped since
 * the previous call, into *drops; 0, or -1 when pcap_stats fails. */
int cap_drops(struct cap_src *s, uint64_t *drops);

void cap_close(struct cap_src *s);

/* Check that a filter compiles for link type dlt (for -n): 0, or -1 with
 * the reason in err. */
int cap_filter_check(const char *filter, int dlt, uint32_t snaplen,
                     char *err, size_t errlen);

#endif
