/*
 * Unit tests of lib/input.c: each --format, -f, --room-by, and the
 * reports of bad lines.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "input.h"
#include "log.h"
#include "tap.h"

/* Messages emitted, "room|text\n" each; "-" for the default room. */
static struct buf emitted;
/* When set, emit refuses with this reason. */
static const char *refuse;

static int
capture(void *arg, const char *room, const char *text, size_t len,
    struct buf *why)
{
	(void)arg;
	if (refuse != NULL) {
		buf_adds(why, refuse);
		return -1;
	}
	buf_adds(&emitted, room != NULL ? room : "-");
	buf_addc(&emitted, '|');
	buf_add(&emitted, text, len);
	buf_addc(&emitted, '\n');
	return 0;
}

static struct jqf *
compile(const char *program)
{
	struct buf err = { 0 };
	struct jqf *f = jqf_new(program, jv_null(), &err);

	buf_release(&err);
	return f;
}

/* Feed text as input lines through a fresh converter; return emissions. */
static const char *
feed(enum input_format fmt, const char *filter, const char *room_by,
    const char *text, size_t len, uint64_t *bad)
{
	struct input in;
	struct lines lr;
	struct line l;
	enum lines_status st;

	buf_reset(&emitted);
	buf_adds(&emitted, "");
	input_init(&in, fmt, filter ? compile(filter) : NULL,
	    room_by ? compile(room_by) : NULL, capture, NULL);
	lines_init(&lr, 64);
	lines_push(&lr, text, len);
	lines_set_eof(&lr);
	while ((st = lines_next(&lr, &l)) != LINES_NONE) {
		if (st == LINES_TOO_LONG)
			input_too_long(&in, &l, 64);
		else
			input_line(&in, &l);
	}
	*bad = in.bad.total;
	lines_release(&lr);
	input_release(&in);
	return emitted.data;
}

#define FEED(fmt, f, rb, text, bad) \
	feed((fmt), (f), (rb), (text), sizeof(text) - 1, (bad))

static void
test_json_forwarded_byte_for_byte(void)
{
	uint64_t bad;

	CHECK_STR(FEED(FORMAT_JSON, NULL, NULL,
	    "{\"n\": 12345678901234567890, \"p\": 1.50}\r\n \"s\" \n", &bad),
	    "-|{\"n\": 12345678901234567890, \"p\": 1.50}\n-| \"s\" \n");
	CHECK_INT(bad, 0);
}

static void
test_json_bad_lines(void)
{
	uint64_t bad;

	CHECK_STR(FEED(FORMAT_JSON, NULL, NULL,
	    "{\"a\":\nnan\n\"\xff\"\n[1,]\n1 2\n\"ok\"\n", &bad),
	    "-|\"ok\"\n");
	CHECK_INT(bad, 5);
	CHECK_STR(FEED(FORMAT_JSON, NULL, NULL, "  \t \r\n1\n", &bad),
	    "-|1\n");
	CHECK_INT(bad, 0);
	CHECK_STR(FEED(FORMAT_JSON, NULL, NULL, "\"a\\u0000\"\n", &bad),
	    "-|\"a\\u0000\"\n");
	CHECK_STR(FEED(FORMAT_JSON, NULL, NULL, "\"a\0b\"\n", &bad), "");
	CHECK_INT(bad, 1);
}

static void
test_too_long(void)
{
	uint64_t bad;
	char text[200];

	memset(text, 'x', 100);
	strcpy(text + 100, "\n\"short\"\n");
	CHECK_STR(feed(FORMAT_JSON, NULL, NULL, text, strlen(text), &bad),
	    "-|\"short\"\n");
	CHECK_INT(bad, 1);
}

static void
test_filter_outputs(void)
{
	uint64_t bad;

	CHECK_STR(FEED(FORMAT_JSON, ".[] | {v: .}", NULL,
	    "[1, 2]\n[]\n\"x\"\n[3]\n", &bad),
	    "-|{\"v\":1}\n-|{\"v\":2}\n-|{\"v\":3}\n");
	CHECK_INT(bad, 1);	/* "x" has no elements to iterate */
}

static void
test_failing_filter_sends_nothing_of_its_line(void)
{
	uint64_t bad;

	CHECK_STR(FEED(FORMAT_JSON, "., error(\"x\")", NULL, "1\n2\n", &bad),
	    "");
	CHECK_INT(bad, 2);
	CHECK_STR(FEED(FORMAT_JSON, "., halt_error", NULL, "\"h\"\n", &bad),
	    "");
	CHECK_INT(bad, 1);
	/* One output without a room name: the whole line is skipped. */
	CHECK_STR(FEED(FORMAT_JSON, ".[]", ".r",
	    "[{\"r\": \"a\"}, {}]\n[{\"r\": \"b\"}]\n", &bad),
	    "b|{\"r\":\"b\"}\n");
	CHECK_INT(bad, 1);
}

static void
test_room_by(void)
{
	uint64_t bad;

	CHECK_STR(FEED(FORMAT_JSON, NULL, ".r",
	    "{\"r\": \"a\", \"n\": 1.50}\n{\"r\": 5}\n{\"r\": \"_x\"}\n"
	    "{}\n{\"r\": \"b\"}\n", &bad),
	    "a|{\"r\": \"a\", \"n\": 1.50}\nb|{\"r\": \"b\"}\n");
	CHECK_INT(bad, 3);
	CHECK_STR(FEED(FORMAT_JSON, ".[]", ".r",
	    "[{\"r\": \"a\"}, {\"r\": \"b\"}]\n", &bad),
	    "a|{\"r\":\"a\"}\nb|{\"r\":\"b\"}\n");
	CHECK_STR(FEED(FORMAT_JSON, NULL, "empty", "{}\n", &bad), "");
	CHECK_INT(bad, 1);
}

static void
test_raw(void)
{
	uint64_t bad;

	CHECK_STR(FEED(FORMAT_RAW, NULL, NULL,
	    "not json\n\xc3\xa9t\xc3\xa9\nbad \xed\xa0\x80\n", &bad),
	    "-|not json\n-|\xc3\xa9t\xc3\xa9\n");
	CHECK_INT(bad, 1);
}

static void
test_text(void)
{
	uint64_t bad;

	CHECK_STR(FEED(FORMAT_TEXT, NULL, NULL,
	    "say \"hi\"\t\\\nbad \xff end\n", &bad),
	    "-|\"say \\\"hi\\\"\\t\\\\\"\n-|\"bad \xef\xbf\xbd end\"\n");
	CHECK_INT(bad, 0);
	CHECK_STR(FEED(FORMAT_TEXT, "ascii_upcase", NULL, "abc\n", &bad),
	    "-|\"ABC\"\n");
}

static void
test_table(void)
{
	uint64_t bad;

	CHECK_STR(FEED(FORMAT_TABLE, NULL, NULL,
	    "name  cpu\nweb   1.50\ndb    007\n", &bad),
	    "-|{\"name\":\"web\",\"cpu\":1.50}\n"
	    "-|{\"name\":\"db\",\"cpu\":7}\n");
	CHECK_STR(FEED(FORMAT_TABLE, ".cpu", NULL,
	    "name  cpu\nweb   2\n", &bad), "-|2\n");
}

static void
test_emit_refusal_is_a_bad_line(void)
{
	uint64_t bad;

	refuse = "room x: too many rooms";
	CHECK_STR(FEED(FORMAT_JSON, NULL, NULL, "1\n2\n", &bad), "");
	CHECK_INT(bad, 2);
	refuse = NULL;
}

static void
test_formats_by_name(void)
{
	enum input_format f;

	CHECK_INT(input_format_parse("table", &f), 0);
	CHECK_INT(f, FORMAT_TABLE);
	CHECK_INT(input_format_parse("JSON", &f), -1);
	CHECK_INT(input_format_parse("", &f), -1);
}

int
main(void)
{
	unsetenv("HOME");
	log_init("test_input", LVL_ERR);
	TAP_RUN(test_json_forwarded_byte_for_byte);
	TAP_RUN(test_json_bad_lines);
	TAP_RUN(test_too_long);
	TAP_RUN(test_filter_outputs);
	TAP_RUN(test_failing_filter_sends_nothing_of_its_line);
	TAP_RUN(test_room_by);
	TAP_RUN(test_raw);
	TAP_RUN(test_text);
	TAP_RUN(test_table);
	TAP_RUN(test_emit_refusal_is_a_bad_line);
	TAP_RUN(test_formats_by_name);
	buf_release(&emitted);
	return tap_done();
}
