/*
 * signals.h - the daemon's signal handlers: they only set flags.
 *
 * TERM and INT set sig_term, HUP sig_hup, USR1 sig_usr1; the capture loop
 * (daemon/run.c) polls with a timeout, sees the flag and acts: flush and
 * exit, reload the IOC files, log the counters.  Installed without
 * SA_RESTART so that a signal also interrupts poll() at once.  SIGPIPE is
 * ignored (a closed stderr must not kill the daemon).
 */
#ifndef SW_SIGNALS_H
#define SW_SIGNALS_H

#include <signal.h>

extern volatile sig_atomic_t sig_term, sig_hup, sig_usr1;

/* Install the handlers (clears the flags).  0, or -1 with errno. */
int sig_install(void);

#endif
