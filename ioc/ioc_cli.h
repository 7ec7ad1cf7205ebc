/*
 * ioc_cli.h - the `stalkerwatch ioc ...` subcommands.
 */
#ifndef SW_IOC_CLI_H
#define SW_IOC_CLI_H

/*
 * Run `ioc <subcommand> [args]`: argv[0] is "ioc".  Subcommands:
 *   test [-I FILE]... [-D FILE] HOST [PATH]   which rule matches and why
 *   check [-I FILE]... [-D FILE] [-w]          load, report errors and warnings
 *   stats [-I FILE]... [-D FILE]               rules by source, family, kind,
 *                                              confidence; feeds with sha256
 *   forms                                      the cloud endpoint forms known
 *   update [-c DIR] [URL]...                   download feeds, swap atomically
 * Every subcommand takes --help.  Output that came from files or arguments
 * is escaped.  Returns the process exit status: 0 success (test: a match),
 * 1 test found no match, 2 error (usage, bad IOC file: file:line: reason).
 */
int ioc_cli_main(int argc, char **argv);

#endif
