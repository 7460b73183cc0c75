/*
 * Command-line helpers shared by the programs in cmd/.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int
cli_getopt(int argc, char **argv, const char *shortopts,
    const struct option *longopts)
{
	char spec[128];
	int opt;

	/*
	 * A ':' first (after a '+' that stops at the first operand) makes
	 * getopt tell a missing value from a bad option.
	 */
	if (shortopts[0] == '+')
		snprintf(spec, sizeof(spec), "+:%s", shortopts + 1);
	else
		snprintf(spec, sizeof(spec), ":%s", shortopts);
	opterr = 0;
	opt = getopt_long(argc, argv, spec, longopts, NULL);
	if (opt == '?' && optopt != 0)
		cli_usage_error("unknown option '-%c'", optopt);
	if (opt == '?')
		cli_usage_error("unknown option '%s'", argv[optind - 1]);
	if (opt == ':')
		cli_usage_error("option '%s' needs a value", argv[optind - 1]);
	return opt;
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
cli_first_line(const char *option, const char *path, char *buf, size_t size)
{
	size_t n;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL) {
		log_err("%s %s:", option, path);
		exit(EXIT_RUNTIME);
	}
	if (fgets(buf, (int)size, f) == NULL) {
		if (ferror(f)) {
			log_err("%s %s:", option, path);
			exit(EXIT_RUNTIME);
		}
		buf[0] = '\0';
	}
	fclose(f);
	n = strcspn(buf, "\n");
	if (buf[n] != '\n' && n == size - 1) {
		log_err("%s %s: the first line is longer than %zu bytes",
		    option, path, size - 2);
		exit(EXIT_RUNTIME);
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
}

int
cli_begin(void)
{
	int fd, closed = 0;

	signal(SIGPIPE, SIG_IGN);
	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		closed |= 1 << fd;
		if (open("/dev/null", O_RDWR) != fd)
			exit(EXIT_RUNTIME);
	}
	return closed;
}
