/*
 * UTF-8 checks, as RFC 3629 defines the encoding: no overlong forms, no
 * surrogates, nothing above U+10FFFF. A WebSocket text frame must pass.
 */
#ifndef WSFEED_UTF8_H
#define WSFEED_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the len bytes at s are valid UTF-8. */
bool utf8_valid(const void *s, size_t len);

/*
 * Offset of the first byte that is not part of valid UTF-8, or len when
 * all is valid. A sequence cut off by the end counts as invalid.
 */
size_t utf8_check(const void *s, size_t len);

/*
 * Copy s to out, replacing each maximal invalid subpart (Unicode's
 * "substitution of maximal subparts") with U+FFFD. out must have room for
 * 3 * len bytes. Returns the number of bytes written.
 */
size_t utf8_repair(const void *s, size_t len, char *out);

#endif
