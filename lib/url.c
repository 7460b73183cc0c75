/*
 * WebSocket URLs: ws:// and wss://, split for a client.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "errmsg.h"
#include "url.h"

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static bool
is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/*
 * Bytes that cannot go into a request line unescaped: a space would split
 * it, a control character or a non-ASCII byte has no place in a URL.
 */
static int
check_bytes(const char *s, char *err, size_t errlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	for (i = 0; p[i] != '\0'; i++) {
		if (p[i] <= 0x20 || p[i] == 0x7f)
			return errmsg_fail(err, errlen,
			    "space or control character at byte %zu", i + 1);
		if (p[i] >= 0x80)
			return errmsg_fail(err, errlen,
			    "non-ASCII byte at byte %zu: percent-encode it",
			    i + 1);
	}
	if (strchr(s, '#') != NULL)
		return errmsg_fail(err, errlen,
		    "a fragment ('#') is not allowed in a WebSocket URL");
	return 0;
}

/* The scheme; *rest is set to what follows "://". */
static int
parse_scheme(const char *s, struct url *u, const char **rest, char *err,
    size_t errlen)
{
	const char *sep = strstr(s, "://");
	size_t n;

	if (sep == NULL)
		return errmsg_fail(err, errlen,
		    "no scheme: expected ws:// or wss://");
	n = (size_t)(sep - s);
	if (n == 2 && strncasecmp(s, "ws", 2) == 0)
		u->tls = false;
	else if (n == 3 && strncasecmp(s, "wss", 3) == 0)
		u->tls = true;
	else
		return errmsg_fail(err, errlen,
		    "scheme '%.*s' is not ws or wss",
		    (int)(n > 16 ? 16 : n), s);
	*rest = sep + 3;
	return 0;
}

/* The digits after ':'; n bytes at p. */
static int
parse_port(const char *p, size_t n, struct url *u, char *err, size_t errlen)
{
	size_t i;
	long v = 0;

	if (n == 0)
		return errmsg_fail(err, errlen, "empty port after ':'");
	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return errmsg_fail(err, errlen,
			    "bad port '%.*s'", (int)(n > 16 ? 16 : n), p);
	for (i = 0; i < n && v <= 65535; i++)
		v = v * 10 + (p[i] - '0');
	if (v < 1 || v > 65535)
		return errmsg_fail(err, errlen,
		    "port %.*s is out of range (1-65535)",
		    (int)(n > 16 ? 16 : n), p);
	u->port = (int)v;
	return 0;
}

/* "[v6]" or "[v6]:port"; n bytes at p, p[0] == '['. */
static int
parse_v6(const char *p, size_t n, struct url *u, char *err, size_t errlen)
{
	const char *close = memchr(p, ']', n);
	struct in6_addr a;
	size_t len;

	if (close == NULL)
		return errmsg_fail(err, errlen, "'[' without ']'");
	len = (size_t)(close - p - 1);
	if (len >= sizeof(u->host))
		return errmsg_fail(err, errlen, "bad IPv6 address");
	memcpy(u->host, p + 1, len);
	u->host[len] = '\0';
	if (inet_pton(AF_INET6, u->host, &a) != 1)
		return errmsg_fail(err, errlen,
		    "bad IPv6 address '%.64s'", u->host);
	u->ipv6 = true;
	n -= len + 2;
	p = close + 1;
	if (n == 0)
		return 0;
	if (*p != ':')
		return errmsg_fail(err, errlen,
		    "expected ':' or the path after ']'");
	return parse_port(p + 1, n - 1, u, err, errlen);
}

/*
 * A name is dot-separated labels, none empty, none starting or ending
 * with '-' (RFC 1123); a final dot is allowed. Such a name never goes to
 * the resolver.
 */
static int
check_labels(const char *name, char *err, size_t errlen)
{
	const char *label = name;

	for (;;) {
		size_t n = strcspn(label, ".");

		if (n == 0 && label[0] == '\0' && label != name)
			return 0;	/* the root's final dot */
		if (n == 0)
			return errmsg_fail(err, errlen,
			    "empty label in host name '%s'", name);
		if (n > 63)
			return errmsg_fail(err, errlen,
			    "label over 63 characters in host name");
		if (label[0] == '-' || label[n - 1] == '-')
			return errmsg_fail(err, errlen,
			    "label starts or ends with '-' in host name '%s'",
			    name);
		if (label[n] == '\0')
			return 0;
		label += n + 1;
	}
}

/* A host name or an IPv4 address, already copied into u->host. */
static int
check_host(const struct url *u, char *err, size_t errlen)
{
	const char *h = u->host;
	struct in_addr a;
	bool numeric = true;

	if (*h == '\0')
		return errmsg_fail(err, errlen, "no host");
	for (; *h != '\0'; h++) {
		if (!is_host_char(*h))
			return errmsg_fail(err, errlen,
			    "bad character '%c' in host", *h);
		if (*h != '.' && (*h < '0' || *h > '9'))
			numeric = false;
	}
	/* Only digits and dots: an address, or a mistake, never a name. */
	if (numeric && inet_pton(AF_INET, u->host, &a) != 1)
		return errmsg_fail(err, errlen,
		    "bad IPv4 address '%s'", u->host);
	return numeric ? 0 : check_labels(u->host, err, errlen);
}

/* "host" or "host:port"; n bytes at p. */
static int
parse_authority(const char *p, size_t n, struct url *u, char *err,
    size_t errlen)
{
	const char *colon;
	size_t hlen;

	if (n == 0)
		return errmsg_fail(err, errlen, "no host");
	if (memchr(p, '@', n) != NULL)
		return errmsg_fail(err, errlen,
		    "user info ('user@') is not supported");
	if (p[0] == '[')
		return parse_v6(p, n, u, err, errlen);
	colon = memchr(p, ':', n);
	if (colon != NULL && memchr(colon + 1, ':', n - (size_t)(colon - p) -
	    1) != NULL)
		return errmsg_fail(err, errlen,
		    "an IPv6 address needs brackets, as in ws://[::1]:8080/");
	hlen = colon != NULL ? (size_t)(colon - p) : n;
	if (hlen > URL_HOST_MAX)
		return errmsg_fail(err, errlen,
		    "host name longer than %d characters", URL_HOST_MAX);
	memcpy(u->host, p, hlen);
	u->host[hlen] = '\0';
	if (check_host(u, err, errlen) < 0)
		return -1;
	if (colon == NULL)
		return 0;
	return parse_port(colon + 1, n - hlen - 1, u, err, errlen);
}

/* Path and query from p (which starts with '/', '?' or is empty). */
static int
parse_path(const char *s, const char *p, struct url *u, char *err,
    size_t errlen)
{
	size_t i, len = strlen(p), lead = *p == '/' ? 0 : 1;

	if (len + lead > URL_PATH_MAX)
		return errmsg_fail(err, errlen,
		    "path longer than %d bytes", URL_PATH_MAX);
	for (i = 0; i < len; i++)
		if (p[i] == '%' && (!is_hex(p[i + 1]) || !is_hex(p[i + 2])))
			return errmsg_fail(err, errlen,
			    "bad percent escape at byte %zu",
			    (size_t)(p - s) + i + 1);
	u->path[0] = '/';
	memcpy(u->path + lead, p, len + 1);
	return 0;
}

static void
make_host_header(struct url *u)
{
	int def = u->tls ? 443 : 80;
	const char *l = u->ipv6 ? "[" : "", *r = u->ipv6 ? "]" : "";

	if (u->port == def)
		snprintf(u->host_header, sizeof(u->host_header), "%s%s%s", l,
		    u->host, r);
	else
		snprintf(u->host_header, sizeof(u->host_header), "%s%s%s:%d",
		    l, u->host, r, u->port);
}

int
url_parse(const char *s, struct url *u, char *err, size_t errlen)
{
	const char *auth = NULL;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (*s == '\0')
		return errmsg_fail(err, errlen, "empty URL");
	if (check_bytes(s, err, errlen) < 0 ||
	    parse_scheme(s, u, &auth, err, errlen) < 0)
		return -1;
	u->port = u->tls ? 443 : 80;
	n = strcspn(auth, "/?");
	if (parse_authority(auth, n, u, err, errlen) < 0 ||
	    parse_path(s, auth + n, u, err, errlen) < 0)
		return -1;
	make_host_header(u);
	return 0;
}
