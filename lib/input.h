/*
 * Input lines to messages, by --format, through -f and --room-by.
 *
 * One call per line: the line is checked (JSON, UTF-8), converted (text,
 * table), filtered (-f: zero, one or many outputs) and given a room
 * (--room-by), and each resulting message goes to the emit callback. A
 * line that fails any step is reported with its number through the
 * bad-line reporter and skipped, with all of its outputs: those of a
 * filter are held until the run ends well. The stream goes on. A JSON
 * line that passes no filter is handed on byte for byte.
 */
#ifndef WSFEED_INPUT_H
#define WSFEED_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "badline.h"
#include "buf.h"
#include "jqf.h"
#include "lines.h"
#include "table.h"

/* --format */
enum input_format {
	FORMAT_JSON,	/* one JSON value per line, sent as it came */
	FORMAT_RAW,	/* any UTF-8 line, sent as it came */
	FORMAT_TEXT,	/* each line becomes a JSON string */
	FORMAT_TABLE	/* column tables become JSON objects */
};

/*
 * Receives one message for room (NULL: the default room). Returns 0, or
 * -1 after writing why into why; the line is then reported as bad.
 */
typedef int (*input_emit_cb)(void *arg, const char *room, const char *text,
    size_t len, struct buf *why);

/* One output of a line's filter, held until the whole run succeeded. */
struct input_held {
	size_t text;		/* offset of its text in held_text */
	size_t len;		/* its length */
	size_t room;		/* offset of its room name, NUL-ended */
	bool has_room;		/* false: the default room */
};

/* A converter. Set it up with input_init; fields are read-only outside. */
struct input {
	enum input_format format;
	struct jqf *filter;	/* -f, or NULL; owned */
	struct jqf *room_by;	/* --room-by, or NULL; owned */
	input_emit_cb emit;
	void *emit_arg;
	struct table table;	/* the latest header, for FORMAT_TABLE */
	struct buf conv;	/* the line after conversion */
	struct buf repaired;	/* the line with bad UTF-8 replaced */
	struct buf why;		/* why the current line is bad */
	struct buf held_text;	/* texts and rooms of held outputs */
	struct input_held *held;	/* outputs of the current line */
	size_t n_held;
	size_t cap_held;
	bool line_failed;	/* an output of the line was refused */
	struct badline bad;	/* reports, and their count */
	uint64_t lineno;	/* the line being read */
	uint64_t emitted;	/* messages handed to emit */
};

/* Parse a --format name. Returns 0 or -1. */
int input_format_parse(const char *name, enum input_format *out);

/*
 * Set up in; it takes ownership of filter and room_by (either may be
 * NULL; FORMAT_RAW takes neither).
 */
void input_init(struct input *in, enum input_format format,
    struct jqf *filter, struct jqf *room_by, input_emit_cb emit, void *arg);

/* Free everything in, the filters too. */
void input_release(struct input *in);

/* Convert one line; see the top of this file. */
void input_line(struct input *in, const struct line *l);

/* Report a line that was too long for the reader (LINES_TOO_LONG). */
void input_too_long(struct input *in, const struct line *l, size_t max_line);

#endif
