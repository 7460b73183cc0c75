/*
 * Extra request headers for a WebSocket handshake: -H 'Name: value'.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "errmsg.h"
#include "header.h"

/* RFC 9110's tchar. */
static bool
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The name as the handshake spells it, if the handshake is made of it. */
static const char *
reserved(const char *name, size_t len)
{
	static const char *const names[] = {
		"Host", "Upgrade", "Connection", "Sec-WebSocket-Key",
		"Sec-WebSocket-Version", "Sec-WebSocket-Extensions",
		"Sec-WebSocket-Protocol", "Sec-WebSocket-Accept",
		"Content-Length", "Transfer-Encoding",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len &&
		    strncasecmp(name, names[i], len) == 0)
			return names[i];
	return NULL;
}

int
header_check_value(const char *value, size_t len, char *err, size_t errlen)
{
	size_t i;

	if (len == 0)
		return errmsg_fail(err, errlen, "empty value");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c == '\r' || c == '\n')
			return errmsg_fail(err, errlen,
			    "CR or LF in the value");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return errmsg_fail(err, errlen,
			    "control character 0x%02x in the value", c);
	}
	return 0;
}

static int
check_name(const char *name, size_t len, char *err, size_t errlen)
{
	const char *r;
	size_t i;

	if (len == 0)
		return errmsg_fail(err, errlen, "empty header name");
	if (len > HEADER_NAME_MAX)
		return errmsg_fail(err, errlen,
		    "header name longer than %d bytes", HEADER_NAME_MAX);
	for (i = 0; i < len; i++)
		if (!is_tchar((unsigned char)name[i]))
			return errmsg_fail(err, errlen,
			    "bad byte 0x%02x in the header name",
			    (unsigned char)name[i]);
	if (len == 6 && strncasecmp(name, "Origin", 6) == 0)
		return errmsg_fail(err, errlen, "Origin: use --origin");
	if ((r = reserved(name, len)) != NULL)
		return errmsg_fail(err, errlen,
		    "%s is part of the handshake: it cannot be set", r);
	return 0;
}

int
header_parse(const char *line, struct header *h, char *err, size_t errlen)
{
	const char *colon = strchr(line, ':'), *v, *end;
	size_t nlen;

	if (colon == NULL)
		return errmsg_fail(err, errlen,
		    "no ':' between name and value");
	nlen = (size_t)(colon - line);
	if (check_name(line, nlen, err, errlen) < 0)
		return -1;
	for (v = colon + 1; is_blank(*v); v++)
		continue;
	for (end = v + strlen(v); end > v && is_blank(end[-1]); end--)
		continue;
	if (header_check_value(v, (size_t)(end - v), err, errlen) < 0)
		return -1;
	memcpy(h->name, line, nlen);
	h->name[nlen] = ':';
	h->name[nlen + 1] = '\0';
	h->value = v;
	h->value_len = (size_t)(end - v);
	return 0;
}
