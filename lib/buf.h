/*
 * A growable byte buffer.
 *
 * Functions that grow the buffer return 0, or -1 when memory ran out; the
 * buffer then keeps its old contents. The data is always followed by a NUL
 * byte that is not counted in len, so that it can be used as a C string.
 */
#ifndef WSFEED_BUF_H
#define WSFEED_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* A byte buffer. Zero-initialised, it is a valid empty buffer. */
struct buf {
	char *data;	/* the bytes, NUL-terminated once anything was added */
	size_t len;	/* bytes in use */
	size_t cap;	/* bytes allocated */
};

/* Make b empty without freeing; data stays valid for reuse. */
void buf_reset(struct buf *b);

/* Free the contents of b and make it empty. */
void buf_release(struct buf *b);

/* Make room for at least extra more bytes (plus the NUL). */
int buf_reserve(struct buf *b, size_t extra);

/* Append len bytes of p. */
int buf_add(struct buf *b, const void *p, size_t len);

/* Append a C string. */
int buf_adds(struct buf *b, const char *s);

/* Append one byte. */
int buf_addc(struct buf *b, char c);

/* Append printf-style text. */
int buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Same as buf_addf with a va_list. */
int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/*
 * Append len bytes of s as one reversible line: '\\' becomes "\\\\",
 * CR "\\r" and LF "\\n"; everything else is copied.
 */
int buf_add_escaped(struct buf *b, const char *s, size_t len);

/* Hand the data to the caller, who frees it; b becomes empty. */
char *buf_detach(struct buf *b, size_t *len);

#endif
