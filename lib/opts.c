/*
 * Parsers for option values: durations, sizes, counts, listen addresses.
 */
#include <sys/socket.h>

#include <limits.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "errmsg.h"
#include "opts.h"

#define DURATION_MAX_MS (30LL * 24 * 60 * 60 * 1000)
#define SIZE_LIMIT (1ULL << 62)
#define FRAC_DIGITS 9
#define FRAC_ONE 1000000000ULL
#define HOST_NAME_LEN 255

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Read digits at *p into *whole. A value too big for 64 bits sticks at
 * UINT64_MAX, which every caller's limit refuses. Returns the number of
 * digits read.
 */
static size_t
read_whole(const char **p, uint64_t *whole)
{
	uint64_t d;
	size_t n = 0;

	*whole = 0;
	for (; is_digit(**p); (*p)++, n++) {
		d = (uint64_t)(**p - '0');
		if (*whole > (UINT64_MAX - d) / 10)
			*whole = UINT64_MAX;
		else
			*whole = *whole * 10 + d;
	}
	return n;
}

/*
 * Read a fraction's digits (after the '.') as billionths. Digits past
 * the ninth are checked but do not count: they are below a nanosecond
 * of a second.
 */
static size_t
read_fraction(const char **p, uint64_t *billionths)
{
	uint64_t scale = FRAC_ONE;
	size_t n = 0;

	*billionths = 0;
	for (; is_digit(**p); (*p)++, n++) {
		if (n < FRAC_DIGITS) {
			scale /= 10;
			*billionths += scale * (uint64_t)(**p - '0');
		}
	}
	return n;
}

/* Milliseconds per unit of a duration, or 0 for an unknown unit. */
static int64_t
duration_unit(const char *u)
{
	if (*u == '\0' || strcmp(u, "s") == 0)
		return 1000;
	if (strcmp(u, "ms") == 0)
		return 1;
	if (strcmp(u, "m") == 0)
		return 60000;
	return 0;
}

/* Say why the text after a number is not a unit. */
static int
fail_unit(const char *rest, char *err, size_t errlen)
{
	if (is_letter(*rest))
		return errmsg_fail(err, errlen, "unknown unit '%.16s'", rest);
	return errmsg_fail(err, errlen, "junk after the number");
}

int
opts_duration(const char *s, int64_t *ms, char *err, size_t errlen)
{
	const char *p = s;
	uint64_t whole, frac = 0;
	int64_t unit, total;
	size_t digits;

	if (*s == '\0')
		return errmsg_fail(err, errlen, "empty value");
	if (*s == '-')
		return errmsg_fail(err, errlen, "negative duration");
	digits = read_whole(&p, &whole);
	if (*p == '.') {
		p++;
		digits += read_fraction(&p, &frac);
	}
	if (digits == 0)
		return errmsg_fail(err, errlen, "not a number");
	unit = duration_unit(p);
	if (unit == 0)
		return fail_unit(p, err, errlen);
	if (whole > (uint64_t)(DURATION_MAX_MS / unit))
		return errmsg_fail(err, errlen, "over 30 days");

	/* Round the fraction to the nearest millisecond, halves up. */
	total = (int64_t)whole * unit +
	    (int64_t)((frac * (uint64_t)unit + FRAC_ONE / 2) / FRAC_ONE);
	if (total > DURATION_MAX_MS)
		return errmsg_fail(err, errlen, "over 30 days");
	/* "0.0001" must not turn a timer off as "0" does. */
	if (total == 0 && (whole != 0 || frac != 0))
		return errmsg_fail(err, errlen, "under 1ms");
	*ms = total;
	return 0;
}

/* Bytes per unit of a size, or 0 for an unknown unit. */
static uint64_t
size_unit(const char *u)
{
	if (*u == '\0')
		return 1;
	if (u[1] != '\0')
		return 0;
	switch (*u) {
	case 'k': case 'K':
		return 1ULL << 10;
	case 'm': case 'M':
		return 1ULL << 20;
	case 'g': case 'G':
		return 1ULL << 30;
	default:
		return 0;
	}
}

int
opts_size(const char *s, uint64_t *bytes, char *err, size_t errlen)
{
	const char *p = s;
	uint64_t whole, unit;

	if (*s == '\0')
		return errmsg_fail(err, errlen, "empty value");
	if (*s == '-')
		return errmsg_fail(err, errlen, "negative size");
	if (read_whole(&p, &whole) == 0)
		return errmsg_fail(err, errlen, "not a number");
	if (*p == '.')
		return errmsg_fail(err, errlen, "not a whole number");
	unit = size_unit(p);
	if (unit == 0)
		return fail_unit(p, err, errlen);
	if (whole > SIZE_LIMIT / unit)
		return errmsg_fail(err, errlen, "too large (over 2^62 bytes)");
	*bytes = whole * unit;
	return 0;
}

static int
fail_range(long long min, long long max, char *err, size_t errlen)
{
	return errmsg_fail(err, errlen, "not between %lld and %lld", min, max);
}

int
opts_count(const char *s, long long min, long long max, long long *out,
    char *err, size_t errlen)
{
	const char *p = s;
	uint64_t whole;
	bool minus;
	long long v;

	if (*s == '\0')
		return errmsg_fail(err, errlen, "empty value");
	minus = *p == '-';
	if (minus)
		p++;
	if (read_whole(&p, &whole) == 0 || *p != '\0')
		return errmsg_fail(err, errlen, "not a whole number");
	if (whole > (uint64_t)LLONG_MAX + minus)
		return fail_range(min, max, err, errlen);
	if (!minus)
		v = (long long)whole;
	else if (whole == (uint64_t)LLONG_MAX + 1)
		v = LLONG_MIN;
	else
		v = -(long long)whole;
	if (v < min || v > max)
		return fail_range(min, max, err, errlen);
	*out = v;
	return 0;
}

/* A port: 1 to 5 digits, at most 65535. */
static int
parse_port(const char *s, int *port, char *err, size_t errlen)
{
	const char *p = s;
	uint64_t v;

	if (*s == '\0')
		return errmsg_fail(err, errlen, "empty port");
	if (read_whole(&p, &v) == 0 || *p != '\0')
		return errmsg_fail(err, errlen, "port is not a number");
	if (v > 65535)
		return errmsg_fail(err, errlen, "port over 65535");
	*port = (int)v;
	return 0;
}

static int
parse_unix(const char *path, struct listen_addr *a, char *err,
    size_t errlen)
{
	size_t len = strlen(path);

	if (len == 0)
		return errmsg_fail(err, errlen, "empty unix socket path");
	if (len > OPTS_UNIX_PATH_MAX)
		return errmsg_fail(err, errlen,
		    "unix socket path over %d bytes", OPTS_UNIX_PATH_MAX);
	a->is_unix = 1;
	a->family = AF_UNIX;
	memcpy(a->path, path, len + 1);
	return 0;
}

/*
 * Pick the address to bind from getaddrinfo's list: the first IPv4 one,
 * else the first IPv6 one. A name such as localhost may have both, and
 * binding exactly one address keeps "listening on" truthful.
 */
static const struct addrinfo *
pick_address(const struct addrinfo *list)
{
	const struct addrinfo *ai;

	for (ai = list; ai != NULL; ai = ai->ai_next)
		if (ai->ai_family == AF_INET)
			return ai;
	for (ai = list; ai != NULL; ai = ai->ai_next)
		if (ai->ai_family == AF_INET6)
			return ai;
	return NULL;
}

/* Fill a->family and a->host from the address picked in list. */
static int
fill_host(const struct addrinfo *list, struct listen_addr *a)
{
	const struct addrinfo *ai = pick_address(list);

	if (ai == NULL)
		return EAI_FAMILY;
	a->family = ai->ai_family;
	return getnameinfo(ai->ai_addr, ai->ai_addrlen, a->host,
	    sizeof(a->host), NULL, 0, NI_NUMERICHOST);
}

/*
 * Resolve host, a name or a numeric address of any family (AF_UNSPEC) or
 * only a numeric IPv6 address (AF_INET6), into a->family and a->host.
 */
static int
resolve(const char *host, int family, struct listen_addr *a, char *err,
    size_t errlen)
{
	struct addrinfo hints, *list;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	if (family == AF_INET6)
		hints.ai_flags = AI_NUMERICHOST;
	rc = getaddrinfo(host, NULL, &hints, &list);
	if (rc != 0 && family == AF_INET6)
		return errmsg_fail(err, errlen, "not an IPv6 address");
	if (rc == 0) {
		rc = fill_host(list, a);
		freeaddrinfo(list);
	}
	if (rc != 0)
		return errmsg_fail(err, errlen, "cannot resolve host: %s",
		    gai_strerror(rc));
	return 0;
}

/* "[V6]:PORT"; s is at the '['. */
static int
parse_bracketed(const char *s, struct listen_addr *a, char *err,
    size_t errlen)
{
	char host[HOST_NAME_LEN + 1];
	const char *close = strchr(s, ']');
	size_t len;

	if (close == NULL)
		return errmsg_fail(err, errlen, "missing ']'");
	len = (size_t)(close - s - 1);
	if (len == 0)
		return errmsg_fail(err, errlen, "empty host");
	if (len > HOST_NAME_LEN)
		return errmsg_fail(err, errlen, "host over %d bytes",
		    HOST_NAME_LEN);
	if (close[1] != ':')
		return errmsg_fail(err, errlen,
		    "expected ':' and a port after ']'");
	memcpy(host, s + 1, len);
	host[len] = '\0';
	if (parse_port(close + 2, &a->port, err, errlen) < 0)
		return -1;
	return resolve(host, AF_INET6, a, err, errlen);
}

/* "HOST:PORT"; colon is the last ':' in s. */
static int
parse_host_port(const char *s, const char *colon, struct listen_addr *a,
    char *err, size_t errlen)
{
	char host[HOST_NAME_LEN + 1];
	size_t len = (size_t)(colon - s);

	if (len == 0)
		return errmsg_fail(err, errlen, "empty host");
	if (len > HOST_NAME_LEN)
		return errmsg_fail(err, errlen, "host over %d bytes",
		    HOST_NAME_LEN);
	if (memchr(s, ':', len) != NULL)
		return errmsg_fail(err, errlen,
		    "an IPv6 address needs brackets, as in [::1]:8080");
	memcpy(host, s, len);
	host[len] = '\0';
	if (parse_port(colon + 1, &a->port, err, errlen) < 0)
		return -1;
	return resolve(host, AF_UNSPEC, a, err, errlen);
}

int
opts_listen(const char *s, struct listen_addr *a, char *err, size_t errlen)
{
	const char *colon;

	memset(a, 0, sizeof(*a));
	if (*s == '\0')
		return errmsg_fail(err, errlen, "empty value");
	if (strncmp(s, "unix:", 5) == 0)
		return parse_unix(s + 5, a, err, errlen);
	if (*s == '[')
		return parse_bracketed(s, a, err, errlen);
	colon = strrchr(s, ':');
	if (colon != NULL)
		return parse_host_port(s, colon, a, err, errlen);

	/* A bare port keeps the loopback host: nothing exposed by accident. */
	if (parse_port(s, &a->port, err, errlen) < 0)
		return -1;
	a->family = AF_INET;
	strcpy(a->host, "127.0.0.1");
	return 0;
}

void
opts_listen_format(const struct listen_addr *a, char *out, size_t len)
{
	if (a->is_unix)
		snprintf(out, len, "%s", a->path);
	else if (a->family == AF_INET6)
		snprintf(out, len, "[%s]:%d", a->host, a->port);
	else
		snprintf(out, len, "%s:%d", a->host, a->port);
}
