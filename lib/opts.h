/*
 * Parsers for option values: durations, sizes, counts, listen addresses.
 *
 * Each returns 0 and fills its result, or -1 and writes why into err (a
 * short phrase without the value, e.g. "unknown unit 'h'"), so that the
 * caller can say "--stall: bad duration '5h': unknown unit 'h'".
 */
#ifndef WSFEED_OPTS_H
#define WSFEED_OPTS_H

#include <stddef.h>
#include <stdint.h>

/* Longest unix socket path (sun_path less its NUL). */
#define OPTS_UNIX_PATH_MAX 107

/*
 * A duration: a decimal number (fraction allowed) followed by "ms", "s"
 * or "m"; no unit means seconds. "250ms", "2s", "1.5", "1m". Negative
 * values, an empty string, trailing junk and values over 30 days are
 * refused. The result is rounded to whole milliseconds; a value that is
 * not zero but rounds to 0 ms is refused too.
 */
int opts_duration(const char *s, int64_t *ms, char *err, size_t errlen);

/*
 * A size: a whole number of bytes, or followed by "k", "M" or "G" (KiB,
 * MiB, GiB; "K", "m", "g" too). "65536", "64k", "1M". Refused: negative,
 * empty, junk, overflow of 2^62.
 */
int opts_size(const char *s, uint64_t *bytes, char *err, size_t errlen);

/*
 * A whole decimal number in [min, max]: digits with an optional '-', and
 * nothing else (no '+', blanks or units).
 */
int opts_count(const char *s, long long min, long long max, long long *out,
    char *err, size_t errlen);

/* A place to listen. */
struct listen_addr {
	int is_unix;		/* a unix socket at path */
	char path[OPTS_UNIX_PATH_MAX + 1];	/* is_unix: its path */
	int family;		/* AF_INET, AF_INET6 (AF_UNIX if is_unix) */
	char host[64];		/* numeric address, IPv6 without brackets */
	int port;		/* 0..65535; 0 lets the kernel choose */
};

/*
 * Parse "PORT", "HOST:PORT", "[V6]:PORT" or "unix:PATH". A bare port keeps
 * the loopback host 127.0.0.1. HOST may be a name: it is resolved with
 * getaddrinfo and the first address is kept (IPv4 first when the name has
 * both), so the bound address is exactly one address. Refused: a port over
 * 65535 or not all digits, an empty host or port, an IPv6 address without
 * brackets, a name that does not resolve, a unix path that is empty or
 * over OPTS_UNIX_PATH_MAX bytes. The "unix:" prefix wins: "unix:80" is
 * the socket path "80", not port 80 of a host named unix.
 */
int opts_listen(const char *s, struct listen_addr *a, char *err,
    size_t errlen);

/*
 * Write a listen address as a URL host part: "127.0.0.1:8080",
 * "[::1]:8080", or the path for a unix socket.
 */
void opts_listen_format(const struct listen_addr *a, char *out, size_t len);

#endif
