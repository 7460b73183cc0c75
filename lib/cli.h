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

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

/* Report a usage error and exit 2. */
void cli_usage_error(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/*
 * getopt_long, with our own messages: an unknown option or a missing
 * value is a usage error naming it (getopt's own messages would name the
 * program by the path it was run with). Returns the option or -1.
 */
int cli_getopt(int argc, char **argv, const char *shortopts,
    const struct option *longopts);

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
 * Read the first line of the file named by option (--token-file) into
 * buf (size bytes), without its line end: a secret kept out of ps. Exits
 * 1 with the reason when the file cannot be read or the line does not
 * fit.
 */
void cli_first_line(const char *option, const char *path, char *buf,
    size_t size);

/*
 * What every program does before it prints or opens anything: ignore
 * SIGPIPE (a reader that went away is an error to handle, even while a
 * usage error is printed), and make sure descriptors 0, 1 and 2 are open,
 * on /dev/null if need be: a closed one would be reused by the first
 * socket or file, and data meant for stdout would go there. Returns a
 * mask of the descriptors that were closed (bit 1 << fd); exits 1 if
 * one cannot be opened.
 */
int cli_begin(void);

#endif
