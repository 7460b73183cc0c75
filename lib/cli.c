/*
 * Command-line helpers shared by the programs in cmd/.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "opts.h"
#include "wsfeed.h"

void
cli_usage_error(const char *fmt, ...)
{
	char why[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_always("%s", why);
	fprintf(stderr, "Try '%s --help' for more information.\n",
	    log_prog());
	exit(EXIT_USAGE);
}

int64_t
cli_duration(const char *name, const char *value)
{
	char err[128];
	int64_t ms;

	if (opts_duration(value, &ms, err, sizeof(err)) < 0)
		cli_usage_error("%s: bad duration '%s': %s", name, value, err);
	return ms;
}

int64_t
cli_positive_duration(const char *name, const char *value)
{
	int64_t ms = cli_duration(name, value);

	if (ms == 0)
		cli_usage_error("%s: bad duration '%s': must be more than 0",
		    name, value);
	return ms;
}

size_t
cli_size(const char *name, const char *value)
{
	char err[128];
	uint64_t bytes;

	if (opts_size(value, &bytes, err, sizeof(err)) < 0)
		cli_usage_error("%s: bad size '%s': %s", name, value, err);
	if (bytes == 0 || bytes > SIZE_MAX / 2)
		cli_usage_error("%s: bad size '%s': %s", name, value,
		    bytes == 0 ? "must be more than 0" : "too large");
	return (size_t)bytes;
}

long long
cli_count(const char *name, const char *value, long long min, long long max)
{
	char err[128];
	long long n;

	if (opts_count(value, min, max, &n, err, sizeof(err)) < 0)
		cli_usage_error("%s: bad number '%s': %s", name, value, err);
	return n;
}

void
cli_open_std_fds(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			exit(EXIT_RUNTIME);
}
