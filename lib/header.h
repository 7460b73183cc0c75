/*
 * Extra request headers for a WebSocket handshake: -H 'Name: value'.
 *
 * A header is checked before any connection so that a mistake is a usage
 * error, not a confused server: the name must be an HTTP token (RFC 9110
 * 5.1), the value must not hold CR, LF or another control character (a
 * CR LF would let a value inject headers of its own), and the headers
 * that the WebSocket handshake itself is made of are refused.
 */
#ifndef WSFEED_HEADER_H
#define WSFEED_HEADER_H

#include <stddef.h>

/* Longest header name. */
#define HEADER_NAME_MAX 128

/* One parsed header. */
struct header {
	char name[HEADER_NAME_MAX + 2];	/* "Name:", as lws wants it */
	const char *value;		/* borrowed from the line, without the
					   blanks around it */
	size_t value_len;
};

/*
 * Parse "Name: value" into h. Returns 0, or -1 with why in err ("no ':'
 * between name and value", "CR or LF in the value", "Host is part of the
 * handshake: it cannot be set", ...). h->value points into line.
 */
int header_parse(const char *line, struct header *h, char *err,
    size_t errlen);

/*
 * Check a header value of len bytes given some other way (--origin, a
 * token): not empty, and no CR, LF or other control character but tab.
 * Returns 0, or -1 with why in err.
 */
int header_check_value(const char *value, size_t len, char *err,
    size_t errlen);

#endif
