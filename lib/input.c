/*
 * Input lines to messages, by --format, through -f and --room-by.
 */
#include <stdlib.h>
#include <string.h>

#include "badline.h"
#include "buf.h"
#include "input.h"
#include "jqf.h"
#include "json.h"
#include "room.h"
#include "table.h"
#include "utf8.h"

int
input_format_parse(const char *name, enum input_format *out)
{
	static const char *const names[] = {
		[FORMAT_JSON] = "json",
		[FORMAT_RAW] = "raw",
		[FORMAT_TEXT] = "text",
		[FORMAT_TABLE] = "table",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum input_format)i;
			return 0;
		}
	return -1;
}

void
input_init(struct input *in, enum input_format format, struct jqf *filter,
    struct jqf *room_by, input_emit_cb emit, void *arg)
{
	memset(in, 0, sizeof(*in));
	in->format = format;
	in->filter = filter;
	in->room_by = room_by;
	in->emit = emit;
	in->emit_arg = arg;
}

void
input_release(struct input *in)
{
	jqf_free(in->filter);
	jqf_free(in->room_by);
	table_release(&in->table);
	buf_release(&in->conv);
	buf_release(&in->repaired);
	buf_release(&in->why);
	buf_release(&in->held_text);
	free(in->held);
	badline_flush(&in->bad);
}

static void
bad(struct input *in, const char *what)
{
	badline_report(&in->bad, in->lineno, "%s", what);
}

static int
emit_text(struct input *in, const char *room, const char *text, size_t len)
{
	buf_reset(&in->why);
	if (in->emit(in->emit_arg, room, text, len, &in->why) < 0) {
		bad(in, in->why.data != NULL ? in->why.data : "refused");
		return -1;
	}
	in->emitted++;
	return 0;
}

/* Takes the first output of --room-by; the rest are not wanted. */
static int
first_output(jv out, void *arg)
{
	jv *first = arg;

	*first = out;
	return 1;
}

/* Run --room-by on v (consumed); 0 and the name in room, or -1. */
static int
room_of(struct input *in, jv v, char *room, size_t size)
{
	jv name = jv_invalid();
	long n;

	buf_reset(&in->why);
	buf_adds(&in->why, "--room-by failed: ");
	n = jqf_run(in->room_by, v, first_output, &name, &in->why);
	if (n < 0)
		return -1;
	buf_reset(&in->why);
	if (n == 0) {
		buf_adds(&in->why, "--room-by gave no room name");
		return -1;
	}
	if (jv_get_kind(name) != JV_KIND_STRING ||
	    (size_t)jv_string_length_bytes(jv_copy(name)) >= size ||
	    !room_name_valid(jv_string_value(name),
	    (size_t)jv_string_length_bytes(jv_copy(name)))) {
		buf_adds(&in->why, "--room-by gave ");
		jqf_add_msg(&in->why, jv_dump_string(name, 0));
		buf_adds(&in->why, ", not a valid room name");
		return -1;
	}
	strcpy(room, jv_string_value(name));
	jv_free(name);
	return 0;
}

/* Send a value's own text, byte for byte, to its room. Consumes v. */
static void
emit_value(struct input *in, jv v, const char *text, size_t len)
{
	char room[ROOM_NAME_MAX + 1];
	const char *where = NULL;

	if (in->room_by != NULL) {
		if (room_of(in, jv_copy(v), room, sizeof(room)) < 0) {
			bad(in, in->why.data);
			jv_free(v);
			return;
		}
		where = room;
	}
	jv_free(v);
	emit_text(in, where, text, len);
}

/* Keep one filter output (consumed) with its room; stop on failure. */
static int
hold_output(jv out, void *arg)
{
	struct input *in = arg;
	char room[ROOM_NAME_MAX + 1];
	struct input_held *h;

	if (in->n_held == in->cap_held) {
		size_t cap = in->cap_held ? in->cap_held * 2 : 8;

		if ((h = realloc(in->held, cap * sizeof(*h))) == NULL)
			goto fail;
		in->held = h;
		in->cap_held = cap;
	}
	h = &in->held[in->n_held];
	h->has_room = in->room_by != NULL;
	if (h->has_room) {
		if (room_of(in, jv_copy(out), room, sizeof(room)) < 0)
			goto fail;
		h->room = in->held_text.len;
		buf_add(&in->held_text, room, strlen(room) + 1);
	}
	h->text = in->held_text.len;
	if (jqf_dump(out, &in->held_text) < 0) {
		buf_reset(&in->why);
		buf_adds(&in->why, "out of memory");
		in->line_failed = true;
		return 1;
	}
	h->len = in->held_text.len - h->text;
	in->n_held++;
	return 0;
fail:
	jv_free(out);
	in->line_failed = true;
	return 1;
}

/* The line's filter ran well: send what it gave, in order. */
static void
emit_held(struct input *in)
{
	size_t i;

	for (i = 0; i < in->n_held; i++) {
		const struct input_held *h = &in->held[i];

		emit_text(in, h->has_room ? in->held_text.data + h->room :
		    NULL, in->held_text.data + h->text, h->len);
	}
}

/* Run -f on v (consumed); its outputs go out only if it all went well. */
static void
filter_value(struct input *in, jv v)
{
	struct buf err = { 0 };
	long n;

	in->n_held = 0;
	in->line_failed = false;
	buf_reset(&in->held_text);
	n = jqf_run(in->filter, v, hold_output, in, &err);
	if (in->line_failed)
		bad(in, in->why.data != NULL ? in->why.data : "refused");
	else if (n < 0)
		badline_report(&in->bad, in->lineno, "filter failed: %s",
		    err.data);
	else
		emit_held(in);
	buf_release(&err);
}

/* A checked JSON text: filter it, give it a room, emit the results. */
static void
input_value(struct input *in, const char *text, size_t len)
{
	struct buf err = { 0 };
	jv v;

	if (in->filter == NULL && in->room_by == NULL) {
		emit_text(in, NULL, text, len);
		return;
	}
	if (jqf_parse(text, len, &v, &err) < 0) {
		badline_report(&in->bad, in->lineno, "not valid JSON: %s",
		    err.data);
	} else if (in->filter == NULL)
		emit_value(in, v, text, len);
	else
		filter_value(in, v);
	buf_release(&err);
}

static void
line_json(struct input *in, const struct line *l)
{
	struct json_error je;

	/* jq skips white space between values; so do we, as empty lines. */
	if (json_blank(l->text, l->len))
		return;
	if (json_check(l->text, l->len, &je) < 0) {
		badline_json(&in->bad, in->lineno, &je);
		return;
	}
	input_value(in, l->text, l->len);
}

static void
line_raw(struct input *in, const struct line *l)
{
	size_t at = utf8_check(l->text, l->len);

	if (at < l->len) {
		badline_report(&in->bad, in->lineno,
		    "not valid UTF-8 at byte %zu", at + 1);
		return;
	}
	emit_text(in, NULL, l->text, l->len);
}

/* The line with invalid UTF-8 replaced by U+FFFD, or NULL (no memory). */
static const char *
repaired(struct input *in, const struct line *l, size_t *len)
{
	if (utf8_valid(l->text, l->len)) {
		*len = l->len;
		return l->text;
	}
	buf_reset(&in->repaired);
	if (buf_reserve(&in->repaired, l->len * 3) < 0)
		return NULL;
	*len = utf8_repair(l->text, l->len, in->repaired.data);
	in->repaired.len = *len;
	in->repaired.data[*len] = '\0';
	return in->repaired.data;
}

static void
line_text(struct input *in, const struct line *l)
{
	const char *text;
	size_t len;

	buf_reset(&in->conv);
	if ((text = repaired(in, l, &len)) == NULL ||
	    json_add_string(&in->conv, text, len) < 0) {
		bad(in, "out of memory");
		return;
	}
	input_value(in, in->conv.data, in->conv.len);
}

static void
line_table(struct input *in, const struct line *l)
{
	const char *text;
	size_t len;

	if ((text = repaired(in, l, &len)) == NULL) {
		bad(in, "out of memory");
		return;
	}
	switch (table_line(&in->table, text, len)) {
	case TABLE_ROW:
		input_value(in, in->table.out.data, in->table.out.len);
		break;
	case TABLE_ERROR:
		bad(in, "out of memory");
		break;
	default:
		break;
	}
}

void
input_line(struct input *in, const struct line *l)
{
	in->lineno = l->lineno;
	switch (in->format) {
	case FORMAT_JSON:
		line_json(in, l);
		break;
	case FORMAT_RAW:
		line_raw(in, l);
		break;
	case FORMAT_TEXT:
		line_text(in, l);
		break;
	case FORMAT_TABLE:
		line_table(in, l);
		break;
	}
}

void
input_too_long(struct input *in, const struct line *l, size_t max_line)
{
	in->lineno = l->lineno;
	badline_report(&in->bad, in->lineno,
	    "%zu bytes, longer than --max-line (%zu): skipped", l->len,
	    max_line);
}
