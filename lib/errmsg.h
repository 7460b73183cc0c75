/*
 * Reasons for a caller's buffer: how lib/ says why something failed.
 *
 * A parser that refuses its input writes a short phrase into the caller's
 * err buffer (errlen bytes, NULL allowed) and returns -1, in one call:
 *	return errmsg_fail(err, errlen, "port %d is out of range", port);
 */
#ifndef WSFEED_ERRMSG_H
#define WSFEED_ERRMSG_H

#include <stddef.h>

/* Format the reason into err (cut to errlen) and return -1. */
int errmsg_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
