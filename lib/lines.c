/*
 * A line reader for stdin: bytes in, complete lines out.
 *
 * Bytes live in buf between start and end. One byte past end is always
 * allocated, so that a line, even the last one without LF, can be ended
 * with a NUL in place. scanned remembers how far the search for LF got,
 * so bytes that arrive one at a time are not searched again and again.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

/* A pipe hands over at most 64 KiB at a time; start smaller and grow. */
#define LINES_INITIAL_CAP 4096

int
lines_init(struct lines *lr, size_t max_line)
{
	memset(lr, 0, sizeof(*lr));
	lr->buf = malloc(LINES_INITIAL_CAP);
	if (lr->buf == NULL)
		return -1;
	lr->cap = LINES_INITIAL_CAP;
	lr->max_line = max_line;
	return 0;
}

void
lines_release(struct lines *lr)
{
	free(lr->buf);
	memset(lr, 0, sizeof(*lr));
}

/* Look for the next LF; on success *nl is its offset from start. */
static bool
find_lf(struct lines *lr, size_t *nl)
{
	char *from = lr->buf + lr->start + lr->scanned;
	char *lf;

	lf = memchr(from, '\n', lr->end - lr->start - lr->scanned);
	if (lf == NULL) {
		lr->scanned = lr->end - lr->start;
		return false;
	}
	lr->scanned = (size_t)(lf - (lr->buf + lr->start));
	*nl = lr->scanned;
	return true;
}

/*
 * With no LF buffered, throw away a line that is already too long, or
 * the latest bytes of one being dropped. Up to max_line + 1 bytes wait,
 * since a CR may be the first half of the line end. The last byte stays
 * for the same reason: when the LF comes, a CR before it is not counted.
 */
static void
drop_partial(struct lines *lr)
{
	size_t n = lr->end - lr->start;

	if (n <= 1 || (lr->skipping == 0 && n - 1 <= lr->max_line))
		return;
	lr->skipping += n - 1;
	lr->start = lr->end - 1;
	lr->scanned = 1;
}

/* Drop what can be dropped as soon as it arrives; see drop_partial. */
static void
trim(struct lines *lr)
{
	size_t nl, n = lr->end - lr->start;

	if (lr->skipping == 0 && (n == 0 || n - 1 <= lr->max_line))
		return;
	if (!find_lf(lr, &nl))
		drop_partial(lr);
}

/*
 * Move the unconsumed bytes to the front when that frees more than it
 * copies, or when there is no room left at all.
 */
static void
compact(struct lines *lr)
{
	size_t n = lr->end - lr->start;

	if (lr->start == 0)
		return;
	if (n > lr->start && lr->cap - lr->end > 1)
		return;
	memmove(lr->buf, lr->buf + lr->start, n);
	lr->start = 0;
	lr->end = n;
}

/*
 * Double the buffer. When it holds one partial line and nothing else,
 * max_line plus CR, LF and the NUL is all that line can ever need.
 */
static int
grow(struct lines *lr)
{
	size_t want, nl, most;
	char *p;

	if (lr->cap > SIZE_MAX / 2)
		return -1;
	want = lr->cap * 2;
	most = lr->max_line < SIZE_MAX - 3 ? lr->max_line + 3 : SIZE_MAX;
	if (!find_lf(lr, &nl) && most > lr->cap && want > most)
		want = most;
	p = realloc(lr->buf, want);
	if (p == NULL)
		return -1;
	lr->buf = p;
	lr->cap = want;
	return 0;
}

char *
lines_space(struct lines *lr, size_t *room)
{
	compact(lr);
	if (lr->cap - lr->end < 2 && grow(lr) < 0)
		return NULL;
	*room = lr->cap - lr->end - 1;
	return lr->buf + lr->end;
}

void
lines_commit(struct lines *lr, size_t n)
{
	lr->end += n;
	trim(lr);
}

int
lines_push(struct lines *lr, const void *p, size_t n)
{
	const char *src = p;
	size_t room, k;
	char *dst;

	while (n > 0) {
		dst = lines_space(lr, &room);
		if (dst == NULL)
			return -1;
		k = n < room ? n : room;
		memcpy(dst, src, k);
		lines_commit(lr, k);
		src += k;
		n -= k;
	}
	return 0;
}

void
lines_set_eof(struct lines *lr)
{
	lr->eof = 1;
}

/*
 * Hand out the len bytes at start as line number lineno, then consume
 * used bytes (len plus the line end). Returns LINES_NONE for an empty
 * line, which is counted but not returned.
 */
static enum lines_status
take(struct lines *lr, size_t len, size_t used, struct line *out)
{
	char *p = lr->buf + lr->start;
	size_t total = lr->skipping + len;

	lr->start += used;
	lr->scanned = 0;
	lr->skipping = 0;
	lr->lineno++;
	out->lineno = lr->lineno;
	if (total > lr->max_line) {
		out->text = NULL;
		out->len = total;
		return LINES_TOO_LONG;
	}
	if (total == 0)
		return LINES_NONE;
	p[len] = '\0';
	out->text = p;
	out->len = len;
	return LINES_LINE;
}

enum lines_status
lines_next(struct lines *lr, struct line *out)
{
	enum lines_status st;
	size_t nl, len;

	for (;;) {
		if (!find_lf(lr, &nl)) {
			drop_partial(lr);
			if (!lr->eof || lr->end == lr->start)
				return LINES_NONE;
			/* The last line has no LF: a CR at its end is data. */
			len = lr->end - lr->start;
			return take(lr, len, len, out);
		}
		len = nl;
		if (len > 0 && lr->buf[lr->start + len - 1] == '\r')
			len--;
		st = take(lr, len, nl + 1, out);
		if (st != LINES_NONE)
			return st;
	}
}

size_t
lines_pending(const struct lines *lr)
{
	return lr->end - lr->start;
}
