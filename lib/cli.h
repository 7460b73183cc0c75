/*
 * Command-line helpers shared by the programs in cmd/.
 *
 * Unlike the rest of lib/, these functions end the program: a bad value
 * is a usage error, reported as "PROG: why" followed by a hint to run
 * --help, with exit status 2 (EXIT_USAGE). Only cmd/ calls them, after
 * log_init has named the program.
 */
#ifndef WSFEED_CLI_H
#define WSFEED_CLI_H

#include <stddef.h>
#include <stdint.h>

/* Report a usage error and exit 2. */
void cli_usage_error(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* The value of option name as a duration in ms (0 allowed). */
int64_t cli_duration(const char *name, const char *value);

/* The same, but 0 is refused. */
int64_t cli_positive_duration(const char *name, const char *value);

/* The value of option name as a size in bytes, more than 0. */
size_t cli_size(const char *name, const char *value);

/* The value of option name as a whole number in [min, max]. */
long long cli_count(const char *name, const char *value, long long min,
    long long max);

/*
 * Make sure descriptors 0, 1 and 2 are open (on /dev/null if need be):
 * a closed one would be reused by the first socket or file, and data
 * meant for stdout would go there. Exits 1 if that fails.
 */
void cli_open_std_fds(void);

#endif
