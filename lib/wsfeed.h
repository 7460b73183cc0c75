/*
 * What every wsfeed program shares: its exit statuses.
 */
#ifndef WSFEED_WSFEED_H
#define WSFEED_WSFEED_H

/* Exit statuses of every program, as the man pages list them. */
enum wsfeed_exit {
	EXIT_OK = 0,		/* success, or a clean end on a signal */
	EXIT_RUNTIME = 1,	/* failure at run time */
	EXIT_USAGE = 2,		/* bad option, URL or jq program */
	EXIT_GAVE_UP = 3	/* ws-listen ran out of retries */
};

#endif
