/*
 * cli.h - the subcommands of the stalkerwatch binary and their helpers.
 *
 * Each subcommand is `int NAME_main(int argc, char **argv)` with argv[0] the
 * subcommand's name; it returns the process exit status.
 */
#ifndef SW_CLI_H
#define SW_CLI_H

#include <stdint.h>

#define SW_STR_(x) #x
#define SW_STR(x) SW_STR_(x)
#define SW_VERSION "0.1.0"

int replay_main(int argc, char **argv);

/* Parse a decimal unsigned number in [min, max]; 0 or -1. */
int cli_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

#endif
