/*
 * run.h - `stalkerwatch run`: the live capture daemon (docs/daemon.md).
 */
#ifndef SW_RUN_H
#define SW_RUN_H

/*
 * `stalkerwatch run [-c FILE] [-n] [-D] [-i IFACE]... [options]`; argv[0]
 * is "run".  Options: daemon/config.h (`run --help`).  Start-up, in order:
 * config and IOC files; capture handles; (-D: detach); database; pid file;
 * privilege drop (daemon/priv.h); signal handlers; the writer thread
 * (daemon/writer.h); then one thread polls every capture and feeds one
 * pipeline until TERM/INT.  Returns the exit status: 0 stopped by a signal
 * with every hit written (or -n and the config is good); 1 a capture
 * failed while running or hits could not be written at exit; 2 a
 * configuration, IOC, capture, database or privilege error at start.
 */
int run_main(int argc, char **argv);

#endif
