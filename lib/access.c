/*
 * Who may talk to ws-broadcast: Origin, Host and token checks.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"

/* Host and port split out of "host", "host:port" or "[v6]:port". */
struct hostport {
	char host[256];		/* lower case, brackets removed */
	long port;		/* -1 when absent */
};

static int
split_hostport(const char *s, size_t len, struct hostport *hp)
{
	const char *colon, *end = s + len, *h = s;
	size_t hlen, i;
	char *stop;

	hp->port = -1;
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL)
			return -1;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return -1;
	} else {
		colon = memchr(s, ':', len);
		hlen = colon != NULL ? (size_t)(colon - s) : len;
	}
	if (hlen == 0 || hlen >= sizeof(hp->host))
		return -1;
	for (i = 0; i < hlen; i++)
		hp->host[i] = (char)tolower((unsigned char)h[i]);
	hp->host[hlen] = '\0';
	if (colon == NULL)
		return 0;
	if (colon + 1 >= end || !isdigit((unsigned char)colon[1]))
		return -1;
	hp->port = strtol(colon + 1, &stop, 10);
	if (stop != end || hp->port > 65535)
		return -1;
	return 0;
}

/* Whether s is a dotted quad in 127.0.0.0/8. */
static bool
is_ipv4_loopback(const char *s)
{
	int parts = 0, digits = 0;
	long value = 0;

	if (strncmp(s, "127.", 4) != 0)
		return false;
	for (; ; s++) {
		if (isdigit((unsigned char)*s)) {
			value = value * 10 + (*s - '0');
			if (++digits > 3 || value > 255)
				return false;
		} else if (*s == '.' || *s == '\0') {
			if (digits == 0)
				return false;
			parts++;
			digits = 0;
			value = 0;
			if (*s == '\0')
				break;
		} else
			return false;
	}
	return parts == 4;
}

bool
access_host_is_loopback(const char *host)
{
	struct hostport hp;
	size_t n;

	if (host == NULL || split_hostport(host, strlen(host), &hp) < 0)
		return false;
	n = strlen(hp.host);
	if (strcmp(hp.host, "localhost") == 0 || (n > 10 &&
	    strcmp(hp.host + n - 10, ".localhost") == 0))
		return true;
	return is_ipv4_loopback(hp.host) || strcmp(hp.host, "::1") == 0;
}

static long
default_port(const char *scheme, size_t len)
{
	if ((len == 4 && strncasecmp(scheme, "http", 4) == 0) ||
	    (len == 2 && strncasecmp(scheme, "ws", 2) == 0))
		return 80;
	if ((len == 5 && strncasecmp(scheme, "https", 5) == 0) ||
	    (len == 3 && strncasecmp(scheme, "wss", 3) == 0))
		return 443;
	return -1;
}

/* An Origin split into its parts. */
struct origin {
	char scheme[8];		/* lower case */
	struct hostport hp;	/* the port is always set */
};

/* "scheme://host[:port]" with an explicit port. Returns 0 or -1. */
static int
parse_origin(const char *origin, struct origin *o)
{
	const char *sep = strstr(origin, "://"), *rest;
	struct hostport *hp = &o->hp;
	size_t len, i;
	long dflt;

	if (sep == NULL)
		return -1;
	dflt = default_port(origin, (size_t)(sep - origin));
	if (dflt < 0)
		return -1;
	for (i = 0; origin + i < sep; i++)
		o->scheme[i] = (char)tolower((unsigned char)origin[i]);
	o->scheme[i] = '\0';
	rest = sep + 3;
	len = strlen(rest);
	if (len > 0 && rest[len - 1] == '/')
		len--;
	if (memchr(rest, '/', len) != NULL ||
	    split_hostport(rest, len, hp) < 0)
		return -1;
	if (hp->port < 0)
		hp->port = dflt;
	return 0;
}

bool
access_same_origin(const char *origin, const char *host, bool tls)
{
	struct origin o;
	struct hostport h;

	if (origin == NULL || host == NULL || parse_origin(origin, &o) < 0 ||
	    split_hostport(host, strlen(host), &h) < 0)
		return false;
	if (h.port < 0)
		h.port = tls ? 443 : 80;
	return o.hp.port == h.port && strcmp(o.hp.host, h.host) == 0;
}

/* Whether origin is one of the --origin values (compared normalised). */
static bool
origin_listed(const char *const *list, const char *origin)
{
	struct origin o, l;

	if (list == NULL || parse_origin(origin, &o) < 0)
		return false;
	for (; *list != NULL; list++)
		if (parse_origin(*list, &l) == 0 &&
		    strcmp(o.scheme, l.scheme) == 0 &&
		    strcmp(o.hp.host, l.hp.host) == 0 &&
		    o.hp.port == l.hp.port)
			return true;
	return false;
}

static bool
any_origin(const char *const *list)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, "*") == 0)
			return true;
	return false;
}

bool
access_token_equal(const char *given, const char *expected)
{
	size_t glen = strlen(given), elen = strlen(expected), i;
	unsigned char diff = glen != elen;

	/* Always walk the whole expected token, whatever was given. */
	for (i = 0; i < elen; i++)
		diff |= (unsigned char)(expected[i] ^
		    (glen > 0 ? given[i % glen] : 0));
	return diff == 0;
}

/* The token from "Authorization: Bearer T", or NULL. */
static const char *
bearer(const char *authorization)
{
	if (authorization == NULL ||
	    strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	authorization += 7;
	while (*authorization == ' ')
		authorization++;
	return authorization;
}

static bool
token_ok(const struct access *a, const struct access_request *rq)
{
	const char *b = bearer(rq->authorization);

	if (b != NULL && access_token_equal(b, a->token))
		return true;
	return rq->token_arg != NULL &&
	    access_token_equal(rq->token_arg, a->token);
}

static bool
origin_ok(const struct access *a, const struct access_request *rq)
{
	if (rq->origin == NULL)
		return true;	/* not a browser */
	if (strcmp(rq->origin, "null") == 0)
		return any_origin(a->origins);
	return any_origin(a->origins) ||
	    access_same_origin(rq->origin, rq->host, a->tls) ||
	    origin_listed(a->origins, rq->origin);
}

enum access_verdict
access_check(const struct access *a, const struct access_request *rq,
    bool websocket, const char **why)
{
	if (a->loopback && rq->host != NULL &&
	    !access_host_is_loopback(rq->host)) {
		*why = "Host is not a loopback name (DNS rebinding?)";
		return ACCESS_FORBIDDEN;
	}
	if (websocket && !origin_ok(a, rq)) {
		*why = "Origin not allowed (see --origin)";
		return ACCESS_FORBIDDEN;
	}
	if (a->token != NULL && !token_ok(a, rq)) {
		*why = "a valid token is needed (Authorization: Bearer or "
		    "?token=)";
		return ACCESS_UNAUTHORIZED;
	}
	return ACCESS_OK;
}
