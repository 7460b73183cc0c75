/*
 * JSON text without libjq: a strict checker and a string writer.
 *
 * libjq 1.6's parser accepts things that are not JSON (nan, invalid UTF-8
 * made into U+FFFD) and turns numbers into doubles, so lines forwarded byte
 * for byte are checked here instead, to RFC 8259.
 */
#ifndef WSFEED_JSON_H
#define WSFEED_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Nesting deeper than this is refused (libjq's own parser stops at 256). */
#define JSON_MAX_DEPTH 256

/* Why json_check refused a text. */
struct json_error {
	size_t offset;		/* byte offset of the problem */
	const char *what;	/* static text, e.g. "expected ',' or '}'" */
	bool incomplete;	/* the text ended inside a value */
};

/*
 * Check that the len bytes at s are exactly one JSON value, with optional
 * white space around it. UTF-8 inside strings is checked too. Returns 0, or
 * -1 and fills *err (when err is not NULL) with the first fault found;
 * err->incomplete is set when the text ends where the value needs more
 * (`{"a": 1,`, `[`, `"ab`, `tru`, `1.`), so that the caller can hint that
 * a value was split over lines; a blank text is refused but not incomplete.
 *
 * Numbers are checked by the grammar only, with no limit on their size or
 * precision ("12345678901234567890", "1.50"), since lines are forwarded as
 * they are. A \u escape of a lone surrogate ("\ud800") is accepted: RFC
 * 8259's grammar allows it, the line stays ASCII and so valid UTF-8 on the
 * wire, and browsers' JSON.parse takes it. libjq 1.6 is stricter only when
 * a filter reads the line: it refuses a lone high surrogate (the line is
 * then reported with jq's message) and turns a lone low one into U+FFFD.
 */
int json_check(const char *s, size_t len, struct json_error *err);

/*
 * Whether the len bytes at s are JSON white space alone (space, tab, CR,
 * LF): a line that jq would skip between values.
 */
bool json_blank(const char *s, size_t len);

/*
 * Append the len bytes at s to out as a JSON string literal: quotes around,
 * '"', '\\' and control characters escaped (\n, \t, ... or \u00XX).
 * s must be valid UTF-8. Returns 0 or -1 (ENOMEM).
 */
int json_add_string(struct buf *out, const char *s, size_t len);

#endif
