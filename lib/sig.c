/*
 * SIGINT and SIGTERM for a program that may block writing to stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"
#include "wsfeed.h"

volatile sig_atomic_t sig_caught;
volatile sig_atomic_t sig_first;
static int wake_fd = -1;	/* the pipe's writing end */

/* Only async-signal-safe calls here: write(2) and _exit(2). */
static void
on_signal(int signo)
{
	int saved_errno = errno;

	if (sig_caught > 0)
		_exit(EXIT_OK);
	sig_caught = 1;
	sig_first = signo;
	if (write(wake_fd, "", 1) < 0) {
		/* The pipe is full: the loop is already awake. */
	}
	errno = saved_errno;
}

int
sig_init(void)
{
	struct sigaction sa;
	int fds[2];

	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	wake_fd = fds[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0) {
		close(fds[0]);
		close(fds[1]);
		wake_fd = -1;
		return -1;
	}
	return fds[0];
}

void
sig_drain(int fd)
{
	char b[64];

	while (read(fd, b, sizeof(b)) > 0)
		continue;
}
