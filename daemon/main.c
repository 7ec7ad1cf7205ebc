/*
 * main.c - the stalkerwatch binary: a table of subcommands.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/cli.h"
#include "daemon/run.h"
#include "daemon/stats_cli.h"
#include "daemon/util.h"
#include "db/db_cli.h"
#include "ioc/ioc_cli.h"

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct subcmd subcmds[] = {
	{ "run", run_main, "capture live on interfaces: the daemon (hits, devices, stats to a database)" },
	{ "replay", replay_main, "analyse pcap/pcapng captures (hits to a database, or --hostnames)" },
	{ "hits", db_cli_hits, "show the hits recorded in a database" },
	{ "ioc", ioc_cli_main, "IOC rules: `ioc test HOST [PATH]` tells which rule matches and why" },
	{ "devices", devices_cli_main, "show the devices seen (MAC, IP, DHCP name) and their hits" },
	{ "stats", stats_cli_main, "show the daemon's health rows (packets, drops, hits per minute)" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	fputs("usage: stalkerwatch COMMAND [options] [args]\n\n"
	      "Passive detection of stalkerware network traffic.\n\n"
	      "commands:\n", f);
	for (const struct subcmd *s = subcmds; s->name; s++)
		fprintf(f, "  %-8s %s\n", s->name, s->summary);
	fputs("  version  print the version\n\n"
	      "`stalkerwatch COMMAND --help` describes each command.\n", f);
}

int main(int argc, char **argv)
{
	log_init("stalkerwatch", false);
	if (getuid() != geteuid() || getgid() != getegid())
		fatalx("refusing to run set-uid or set-gid");
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("stalkerwatch %s\n", SW_VERSION);
		return 0;
	}
	for (const struct subcmd *s = subcmds; s->name; s++)
		if (!strcmp(cmd, s->name))
			return s->fn(argc - 1, argv + 1);
	fprintf(stderr, "stalkerwatch: unknown command '");
	sw_fputs_esc(stderr, cmd);
	fprintf(stderr, "'\n");
	usage(stderr);
	return 2;
}
