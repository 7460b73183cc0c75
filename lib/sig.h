/*
 * SIGINT and SIGTERM for a program that may block writing to stdout.
 *
 * ws-broadcast reads its signals from a signalfd inside the event loop.
 * ws-listen cannot: it writes each message to stdout with blocking writes,
 * and a reader that stopped reading would keep a blocked signal from ever
 * being seen. So here a real handler runs: the first signal sets a flag
 * (which interrupts such a write, see output.h's cancel) and wakes the
 * event loop through a pipe; a second signal exits at once with status 0.
 * The handler is installed without SA_RESTART so that a blocked write
 * returns. SIGPIPE is ignored: a closed stdout is an EPIPE, not a death.
 */
#ifndef WSFEED_SIG_H
#define WSFEED_SIG_H

#include <signal.h>

/* How many SIGINT or SIGTERM arrived; set by the handler only. */
extern volatile sig_atomic_t sig_caught;

/* The number of the first signal caught (for the log), or 0. */
extern volatile sig_atomic_t sig_first;

/*
 * Ignore SIGPIPE, make the wake-up pipe and install the handler. Returns
 * the pipe's reading end (non-blocking, close-on-exec), which becomes
 * readable at the first signal, or -1 with errno set.
 */
int sig_init(void);

/* Empty the wake-up pipe once its readiness has been seen. */
void sig_drain(int fd);

#endif
