/*
 * stats_cli.h - `stalkerwatch stats` and `stalkerwatch devices`: what the
 * daemon recorded about its own health and about the devices it saw.
 *
 * Both open the database read-only (never create or change it; checked
 * with db_open_ro first) and print a table, or JSON lines with --json.
 * Everything that came from the wire (DHCP names) is escaped.  They query
 * SQLite directly: db/db.h has no query for these tables yet (moving them
 * to db_query_stats/db_query_devices would be the tidy next step).
 */
#ifndef SW_STATS_CLI_H
#define SW_STATS_CLI_H

#include <stdio.h>

/*
 * `stalkerwatch stats -d DB [--capture NAME] [--rows N] [--json]`: the rows
 * of the stats table, oldest first (the last N; default 60, 0 all), then
 * the totals; a loud WARNING line on stderr (and in the totals) when
 * packets were dropped by the kernel or hits by a full queue.  Exit status
 * 0, 2 on a usage or database error.
 */
int stats_cli_main(int argc, char **argv);
int stats_cli_main_f(int argc, char **argv, FILE *out, FILE *errf);

/*
 * `stalkerwatch devices -d DB [--json]`: the devices table (MAC, IP, DHCP
 * host name and vendor class escaped, first and last seen) with the number
 * of hit events of each device.  Exit status 0, 2 on error.
 */
int devices_cli_main(int argc, char **argv);
int devices_cli_main_f(int argc, char **argv, FILE *out, FILE *errf);

#endif
