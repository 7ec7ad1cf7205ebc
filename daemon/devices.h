/*
 * devices.h - the devices seen on the link, learned passively.
 *
 * A fixed-size table (sized once at start-up, nothing allocated per packet)
 * keyed by MAC address: the address last seen, the host name (DHCP option
 * 12) and vendor class (option 60) the device gives itself, first and last
 * seen.  Filled from DHCP messages on the packet path (dev_dhcp, called by
 * the pipeline for UDP 67/68) and from the clients of hits (dev_seen, by the
 * writer); drained to the `devices` table by the writer (dev_take).
 *
 * DHCP strings are kept as sent (trailing NUL padding removed); a value
 * holding another NUL is not kept.  They are hostile: escape them wherever
 * they are printed (the `devices` command does).
 *
 * Thread safety: one mutex; the packet path holds it only for DHCP packets.
 */
#ifndef SW_DEVICES_H
#define SW_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "dissectors/decode.h"

struct dev_table;

struct dev_stats {
	uint64_t dhcp;            /* DHCP messages parsed */
	uint64_t dhcp_bad;        /* UDP 67/68 datagrams that were not valid DHCP */
	uint64_t names;           /* host names or vendor classes learned or changed */
	uint64_t bad_strings;     /* option 12/60 values refused (NUL inside) */
	uint64_t devices;         /* devices in the table now */
	uint64_t evicted;         /* devices pushed out for room */
	uint64_t evicted_unsaved; /* of those, not yet written to the database */
};

/* A table of cap devices (SW_DEV_MIN..SW_DEV_MAX); NULL on bad size or no
 * memory. */
struct dev_table *dev_new(uint32_t cap);
void dev_free(struct dev_table *t);

/*
 * Packet path: p is a decoded UDP packet.  When it goes between ports 67 and
 * 68 its payload is parsed as DHCP (dhcp_parse) and the client is learned:
 * from a client message (BOOTREQUEST) its chaddr, host name, vendor class,
 * and address (ciaddr, else option 50 of a REQUEST); from a server's ACK
 * (BOOTREPLY) the address given (yiaddr) to chaddr.  A chaddr that is not an
 * Ethernet unicast address (zero, multicast) is ignored.  Never allocates;
 * no I/O.
 */
void dev_dhcp(struct dev_table *t, const struct pkt *p);

/* A client seen at ts_us with this MAC (and address when ip->v != 0): add
 * it or refresh its last_seen and address. */
void dev_seen(struct dev_table *t, const uint8_t mac[6], const struct sw_addr *ip,
              uint64_t ts_us);

/* Copy the devices changed since they were last taken into out (up to max
 * records, max >= 2) and mark them clean.  A device takes two records, its
 * first and its last sighting, when they differ.  Returns how many records. */
size_t dev_take(struct dev_table *t, struct db_device *out, size_t max);

/* The write of devices taken failed: mark those still in the table changed
 * again so that the next dev_take returns them. */
void dev_untake(struct dev_table *t, const struct db_device *v, size_t n);

/*
 * Write every changed device to d, one transaction per SW_DEV_WRITE_BATCH
 * records taken into buf (room for that many).  *written (may be NULL)
 * gets the records written.  0, or -1 with err: the records of the failed
 * batch are marked changed again (dev_untake), earlier batches stay written.
 */
int dev_write(struct dev_table *t, struct db *d, struct db_device *buf,
              uint64_t *written, char *err, size_t errlen);

void dev_get_stats(struct dev_table *t, struct dev_stats *st);

#endif
