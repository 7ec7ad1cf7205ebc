/*
 * db_cli.h - `stalkerwatch hits`: list what the database recorded.
 */
#ifndef SW_DB_CLI_H
#define SW_DB_CLI_H

#include <stdio.h>

/*
 * `stalkerwatch hits -d DB [--json] [--since WHEN] [--family NAME]
 * [--client IP|MAC]`; argv[0] is "hits".  Opens DB read-only (a query never
 * creates or changes a database) and prints the table or JSON lines of
 * db_query_hits to stdout; errors go to stderr.  Returns the exit status:
 * 0 with rows or none ("no hits"), 2 on a usage or database error (a
 * missing DB file is reported, never created).
 */
int db_cli_hits(int argc, char **argv);

/* The same with explicit streams (tests). */
int db_cli_hits_f(int argc, char **argv, FILE *out, FILE *errf);

#endif
