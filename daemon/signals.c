/*
 * signals.c - flag-setting signal handlers (see signals.h).
 */
#include "daemon/signals.h"

#include <string.h>

volatile sig_atomic_t sig_term, sig_hup, sig_usr1;

static void on_signal(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT: sig_term = 1; break;
	case SIGHUP: sig_hup = 1; break;
	case SIGUSR1: sig_usr1 = 1; break;
	default: break;
	}
}

int sig_install(void)
{
	struct sigaction sa;
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	sig_term = sig_hup = sig_usr1 = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	sa.sa_flags = 0; /* no SA_RESTART: poll() returns EINTR */
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (sigaction(sigs[i], &sa, NULL) != 0)
			return -1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGPIPE, &sa, NULL);
}
