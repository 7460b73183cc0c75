/*
 * A line reader for stdin: bytes in, complete lines out.
 *
 * The caller reads into the space the reader offers (lines_space, then
 * lines_commit) and takes lines with lines_next until it says there are no
 * more, so a paused caller can leave lines waiting in the buffer. Lines end
 * in LF; a CR before the LF is removed; empty lines are skipped but counted.
 * A line longer than max_line bytes (line end not counted) is not kept: its
 * bytes are thrown away as they arrive, so memory stays near max_line, and
 * lines_next reports it once with its length. After lines_set_eof, a last
 * line without LF is returned too (a CR at its end is kept: no LF follows
 * it). NUL bytes are data like any other.
 */
#ifndef WSFEED_LINES_H
#define WSFEED_LINES_H

#include <stddef.h>
#include <stdint.h>

/* What lines_next found. */
enum lines_status {
	LINES_NONE,	/* no complete line buffered (yet) */
	LINES_LINE,	/* a line, in struct line */
	LINES_TOO_LONG	/* a line over max_line was skipped */
};

/* One line, valid until the next call on the reader. */
struct line {
	const char *text;	/* the bytes, without CR/LF; NUL after them;
				   NULL for LINES_TOO_LONG */
	size_t len;		/* LINES_TOO_LONG: the whole line's length */
	uint64_t lineno;	/* 1 for the first line of input */
};

/* A reader. Fields are private to lines.c. */
struct lines {
	char *buf;		/* buffered bytes */
	size_t cap;		/* allocated */
	size_t start;		/* first unconsumed byte */
	size_t end;		/* one past the last buffered byte */
	size_t scanned;		/* bytes from start already searched for LF */
	size_t max_line;	/* longest line kept */
	uint64_t lineno;	/* number of the last line returned */
	size_t skipping;	/* >0: length so far of a line being dropped */
	int eof;		/* no more bytes will come */
};

/* Set up lr for lines of at most max_line bytes. Returns 0 or -1 (ENOMEM). */
int lines_init(struct lines *lr, size_t max_line);

/* Free the buffer. */
void lines_release(struct lines *lr);

/*
 * Return where the next bytes may be written and their number in *room
 * (at least 1; the buffer grows when it is full of unconsumed lines).
 * Returns NULL when memory ran out.
 */
char *lines_space(struct lines *lr, size_t *room);

/* Account for n bytes written into the space from lines_space. */
void lines_commit(struct lines *lr, size_t n);

/* Copy n bytes into the reader (lines_space + memcpy + lines_commit). */
int lines_push(struct lines *lr, const void *p, size_t n);

/* Mark the end of input: a partial last line becomes a line. */
void lines_set_eof(struct lines *lr);

/* Take the next line or report; see enum lines_status. */
enum lines_status lines_next(struct lines *lr, struct line *out);

/* Bytes buffered and not yet returned as lines. */
size_t lines_pending(const struct lines *lr);

#endif
