/*
 * WebSocket URLs (RFC 6455 section 3): ws://HOST[:PORT][/PATH][?QUERY]
 * and the same with wss://.
 *
 * The parser splits a URL into what a client needs to connect: the address
 * (an IPv6 literal without its brackets, as libwebsockets wants it), the
 * port, the request path with its query, and the Host header. It checks
 * the URL strictly enough that a mistake is reported by name before any
 * connection is tried, and leaves the path's characters as they are.
 */
#ifndef WSFEED_URL_H
#define WSFEED_URL_H

#include <stdbool.h>
#include <stddef.h>

/* Longest host name (RFC 1035's limit on a whole name). */
#define URL_HOST_MAX 253
/* Longest path and query; lws keeps request headers in about 4 KiB. */
#define URL_PATH_MAX 2048

/* A parsed URL. Every string is NUL-terminated. */
struct url {
	bool tls;			/* wss:// */
	bool ipv6;			/* host is an IPv6 literal */
	int port;			/* 1..65535; else 80 or 443 */
	char host[URL_HOST_MAX + 1];	/* name or address, no brackets */
	char path[URL_PATH_MAX + 1];	/* path and query; "/" at least */
	char host_header[URL_HOST_MAX + 9];	/* Host: value; the port
					   only when not the default,
					   brackets around IPv6 */
};

/*
 * Parse s into u. Returns 0, or -1 with why in err: a short phrase that
 * names the fault ("port 70000 is out of range (1-65535)", "an IPv6
 * address needs brackets, as in ws://[::1]:8080/"). The scheme is
 * case-insensitive; a fragment ('#'), user info ('user@'), a space, a
 * control character or a non-ASCII byte is refused, as is a '%' not
 * followed by two hex digits. u is undefined after a failure.
 */
int url_parse(const char *s, struct url *u, char *err, size_t errlen);

#endif
