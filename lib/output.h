/*
 * ws-listen's output: each received message becomes one line on stdout.
 *
 * A text message that is JSON is written as it came, except that each CR
 * or LF in it (JSON allows them only between tokens) becomes a space. Any
 * other text is written with '\' as "\\", CR as "\r" and LF as "\n", so
 * that one message stays one line and the line can be turned back into
 * the message. In raw mode the bytes go out as received, plus a newline.
 * With a jq filter, each output of the filter is one compact line and a
 * message that is not JSON is reported and skipped.
 *
 * Each message is written with blocking write(2) calls as soon as it is
 * complete, so a reader sees it at once. A reader that went away (EPIPE)
 * ends the output quietly; output_reader_gone notices it without a write.
 * Skipped messages are reported by number ("message 7: ...") through the
 * rate-limited bad-line reporter.
 */
#ifndef WSFEED_OUTPUT_H
#define WSFEED_OUTPUT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "badline.h"
#include "buf.h"
#include "jqf.h"

/* Where the output stands after a call. Anything but OUTPUT_OK sticks. */
enum output_status {
	OUTPUT_OK,	/* more lines are welcome */
	OUTPUT_DONE,	/* no more lines wanted: -n reached, or cancelled */
	OUTPUT_GONE,	/* the reader went away */
	OUTPUT_FAILED	/* a write failed otherwise; see write_errno */
};

/* An output. Set it up with output_init; fields are read-only outside. */
struct output {
	int fd;			/* where lines go */
	bool raw;		/* --raw: bytes as received */
	struct jqf *filter;	/* -f, or NULL; owned */
	uint64_t max_lines;	/* -n; 0 for no limit */
	uint64_t lines;		/* lines written */
	uint64_t messages;	/* messages seen, skipped ones too */
	const volatile sig_atomic_t *cancel;	/* set by a signal handler:
				   a write interrupted by a signal gives up
				   when *cancel is nonzero */
	enum output_status status;
	int write_errno;	/* OUTPUT_FAILED: why */
	struct buf line;	/* the lines of the current message */
	struct buf err;		/* why the current message is skipped */
	struct badline bad;	/* reports of skipped messages */
};

/*
 * Set up o to write to fd. It takes ownership of filter (NULL for none;
 * raw mode takes none). max_lines 0 means no limit. cancel may be NULL.
 */
void output_init(struct output *o, int fd, bool raw, struct jqf *filter,
    uint64_t max_lines, const volatile sig_atomic_t *cancel);

/* Free the filter and buffers, and print what the reports left unsaid. */
void output_release(struct output *o);

/*
 * Write the text message of len bytes at text as the rules above say. A
 * message that is not valid UTF-8, or not JSON when there is a filter, or
 * that makes the filter fail, is reported and skipped (the outputs the
 * filter gave before failing are kept). Returns the status.
 */
enum output_status output_message(struct output *o, const char *text,
    size_t len);

/* Count a message that is skipped for a reason of the caller's (binary,
 * too big), and report it as "message N: why". */
void output_skip(struct output *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Whether the reader of fd went away, without writing: a pipe whose
 * reading end is closed, or a socket or terminal that hung up, reports an
 * error or a hang-up to poll(2). A file never does.
 */
bool output_reader_gone(int fd);

#endif
