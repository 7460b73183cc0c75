/*
 * Tests of lib/lines.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lines.h"
#include "tap.h"

/*
 * Everything the reader said, as text: "N:line" for a line (NUL bytes
 * shown as "\0"), "N:too long M" for a report, one per output line.
 */
static void
drain(struct lines *lr, struct buf *log)
{
	enum lines_status st;
	struct line l;
	size_t i;

	while ((st = lines_next(lr, &l)) != LINES_NONE) {
		buf_addf(log, "%llu:", (unsigned long long)l.lineno);
		if (st == LINES_TOO_LONG) {
			buf_addf(log, "too long %zu\n", l.len);
			if (l.text != NULL)
				buf_adds(log, "(text not NULL)\n");
			continue;
		}
		if (l.text[l.len] != '\0')
			buf_adds(log, "(no NUL after the line)");
		for (i = 0; i < l.len; i++) {
			if (l.text[i] == '\0')
				buf_adds(log, "\\0");
			else
				buf_addc(log, l.text[i]);
		}
		buf_addc(log, '\n');
	}
}

/* Feed s in pieces of at most step bytes, draining after each. */
static void
feed(struct lines *lr, const char *s, size_t len, size_t step,
    struct buf *log)
{
	size_t k;

	while (len > 0) {
		k = len < step ? len : step;
		CHECK_INT(lines_push(lr, s, k), 0);
		drain(lr, log);
		s += k;
		len -= k;
	}
}

/*
 * Run one input through a fresh reader in pieces of step bytes, then end
 * it, and compare everything the reader said with want.
 */
static void
check_input(size_t max_line, const char *s, size_t len, size_t step,
    const char *want)
{
	struct lines lr;
	struct buf log = { 0 };

	CHECK_INT(lines_init(&lr, max_line), 0);
	feed(&lr, s, len, step, &log);
	lines_set_eof(&lr);
	drain(&lr, &log);
	CHECK_STR(log.data ? log.data : "", want);
	CHECK_INT(lines_pending(&lr), 0);
	buf_release(&log);
	lines_release(&lr);
}

/* The same input in one piece, in 1-byte pieces and in 3-byte pieces. */
#define CHECK_LINES(max, lit, want)					\
	do {								\
		check_input(max, lit, sizeof(lit) - 1, 1 << 20, want);	\
		check_input(max, lit, sizeof(lit) - 1, 1, want);	\
		check_input(max, lit, sizeof(lit) - 1, 3, want);	\
	} while (0)

static void
test_basic(void)
{
	CHECK_LINES(100, "a\nbb\nccc\n", "1:a\n2:bb\n3:ccc\n");
	CHECK_LINES(100, "", "");
	CHECK_LINES(100, "one line", "1:one line\n");
}

static void
test_crlf(void)
{
	CHECK_LINES(100, "a\r\nb\r\n", "1:a\n2:b\n");
	CHECK_LINES(100, "mixed\r\nends\n", "1:mixed\n2:ends\n");
	/* Only a CR just before LF is a line end. */
	CHECK_LINES(100, "a\rb\n", "1:a\rb\n");
	CHECK_LINES(100, "\ra\n", "1:\ra\n");
	CHECK_LINES(100, "a\r\r\n", "1:a\r\n");
	CHECK_LINES(100, "tail\r", "1:tail\r\n");
	CHECK_LINES(100, "\r", "1:\r\n");
}

static void
test_empty_lines(void)
{
	CHECK_LINES(100, "\n\n\nx\n\r\ny\n", "4:x\n6:y\n");
	CHECK_LINES(100, "\n\r\n\n", "");
	CHECK_LINES(100, "a\n\n", "1:a\n");
}

/* Line numbers count every line: empty, too long or kept. */
static void
test_lineno_after_skips(void)
{
	CHECK_LINES(4, "\n\nabcdefgh\n\r\nok\n\nlongerline\nend",
	    "3:too long 8\n5:ok\n7:too long 10\n8:end\n");
}

static void
test_one_byte_reads(void)
{
	static const char in[] = "hello world\r\nsecond\n";
	struct lines lr;
	struct buf log = { 0 };
	size_t i;

	CHECK_INT(lines_init(&lr, 64), 0);
	for (i = 0; i < sizeof(in) - 1; i++) {
		CHECK_INT(lines_push(&lr, in + i, 1), 0);
		drain(&lr, &log);
		/* Nothing comes out before the LF is in. */
		if (i == 11)
			CHECK(log.data == NULL);
		if (i == 12)
			CHECK_STR(log.data, "1:hello world\n");
	}
	CHECK_STR(log.data, "1:hello world\n2:second\n");
	buf_release(&log);
	lines_release(&lr);
}

/* Build n copies of c followed by the end given. */
static char *
make_line(size_t n, char c, const char *end, size_t *len)
{
	size_t elen = strlen(end);
	char *s = malloc(n + elen + 1);

	memset(s, c, n);
	memcpy(s + n, end, elen + 1);
	*len = n + elen;
	return s;
}

/* Lines of exactly max_line bytes pass; one more byte does not. */
static void
test_max_line_boundary(void)
{
	static const size_t steps[] = { 1, 2, 7, 1 << 20 };
	static const struct {
		size_t n;
		const char *end;
		const char *want;
	} cases[] = {
		{ 16, "\n", "1:xxxxxxxxxxxxxxxx\n" },
		{ 16, "\r\n", "1:xxxxxxxxxxxxxxxx\n" },
		{ 16, "", "1:xxxxxxxxxxxxxxxx\n" },
		{ 15, "\r", "1:xxxxxxxxxxxxxxx\r\n" },
		{ 17, "\n", "1:too long 17\n" },
		{ 17, "\r\n", "1:too long 17\n" },
		{ 17, "", "1:too long 17\n" },
		{ 16, "\r", "1:too long 17\n" },
		{ 16, "\r\r\n", "1:too long 17\n" },
	};
	size_t i, j, len;
	char *s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = make_line(cases[i].n, 'x', cases[i].end, &len);
		for (j = 0; j < sizeof(steps) / sizeof(steps[0]); j++)
			check_input(16, s, len, steps[j], cases[i].want);
		free(s);
	}
}

static void
test_too_long_then_good(void)
{
	CHECK_LINES(4, "toolongline\nok\n", "1:too long 11\n2:ok\n");
	CHECK_LINES(4, "toolongline\r\nok\r\n", "1:too long 11\n2:ok\n");
	CHECK_LINES(4, "ab\ntoolongline\ncd\n",
	    "1:ab\n2:too long 11\n3:cd\n");
	CHECK_LINES(4, "abcde\nfghij\nk\n",
	    "1:too long 5\n2:too long 5\n3:k\n");
	CHECK_LINES(0, "a\n\nb\n", "1:too long 1\n3:too long 1\n");
}

/*
 * A huge line streams through in 1000-byte reads: it is reported once
 * with its full length, and the buffer never grows for it.
 */
static void
test_too_long_memory(void)
{
	struct lines lr;
	struct buf log = { 0 };
	char chunk[1000];
	size_t i;

	memset(chunk, 'z', sizeof(chunk));
	CHECK_INT(lines_init(&lr, 100), 0);
	feed(&lr, "before\n", 7, 7, &log);
	for (i = 0; i < 10000; i++) {
		feed(&lr, chunk, sizeof(chunk), sizeof(chunk), &log);
		CHECK(lr.cap <= 4096);
		CHECK(lines_pending(&lr) <= 101);
	}
	feed(&lr, "\r\nafter\n", 8, 8, &log);
	CHECK_STR(log.data, "1:before\n2:too long 10000000\n3:after\n");
	buf_release(&log);
	lines_release(&lr);
}

/* Dropping happens as bytes arrive, even when nobody calls lines_next. */
static void
test_too_long_without_next(void)
{
	struct lines lr;
	struct buf log = { 0 };
	char chunk[1000];
	size_t i;

	memset(chunk, 'z', sizeof(chunk));
	CHECK_INT(lines_init(&lr, 100), 0);
	for (i = 0; i < 1000; i++)
		CHECK_INT(lines_push(&lr, chunk, sizeof(chunk)), 0);
	CHECK(lr.cap <= 4096);
	CHECK_INT(lines_pending(&lr), 1);
	lines_set_eof(&lr);
	drain(&lr, &log);
	CHECK_STR(log.data, "1:too long 1000000\n");
	buf_release(&log);
	lines_release(&lr);
}

/* A big max_line: the buffer stays near it, not at twice it. */
static void
test_buffer_near_max_line(void)
{
	struct lines lr;
	struct buf log = { 0 };
	size_t len;
	char *s;

	CHECK_INT(lines_init(&lr, 100000), 0);
	s = make_line(100000, 'y', "", &len);
	feed(&lr, s, len, 4096, &log);
	feed(&lr, "\r", 1, 1, &log);
	CHECK(lr.cap <= 100000 + 8);
	CHECK(log.data == NULL);
	feed(&lr, "\n", 1, 1, &log);
	CHECK_INT(log.len, 100000 + 3);
	CHECK_MEM(log.data, 2, "1:", 2);
	feed(&lr, s, len, 65536, &log);
	feed(&lr, "yy", 2, 2, &log);
	CHECK(lr.cap <= 100000 + 8);
	feed(&lr, "\n", 1, 1, &log);
	CHECK_STR(log.data + 100000 + 3, "2:too long 100002\n");
	free(s);
	buf_release(&log);
	lines_release(&lr);
}

static void
test_last_line_without_newline(void)
{
	struct lines lr;
	struct line l;

	CHECK_INT(lines_init(&lr, 100), 0);
	CHECK_INT(lines_push(&lr, "a\nbc", 4), 0);
	CHECK_INT(lines_next(&lr, &l), LINES_LINE);
	CHECK_STR(l.text, "a");
	CHECK_INT(lines_next(&lr, &l), LINES_NONE);
	CHECK_INT(lines_pending(&lr), 2);
	lines_set_eof(&lr);
	CHECK_INT(lines_next(&lr, &l), LINES_LINE);
	CHECK_MEM(l.text, l.len, "bc", 2);
	CHECK_INT(l.text[2], '\0');
	CHECK_INT(l.lineno, 2);
	CHECK_INT(lines_next(&lr, &l), LINES_NONE);
	CHECK_INT(lines_next(&lr, &l), LINES_NONE);
	CHECK_INT(lines_pending(&lr), 0);
	lines_release(&lr);

	CHECK_LINES(4, "ok\nabcdefg", "1:ok\n2:too long 7\n");
}

/* The last line ends in the very last byte of the buffer. */
static void
test_last_line_fills_buffer(void)
{
	struct lines lr;
	struct line l;
	size_t room;
	char *p;

	CHECK_INT(lines_init(&lr, 1 << 20), 0);
	p = lines_space(&lr, &room);
	memset(p, 'q', room);
	lines_commit(&lr, room);
	lines_set_eof(&lr);
	CHECK_INT(lines_next(&lr, &l), LINES_LINE);
	CHECK_INT(l.len, room);
	CHECK_INT(l.text[room], '\0');
	lines_release(&lr);
}

static void
test_nul_bytes(void)
{
	CHECK_LINES(100, "a\0b\n\0\n\0\0\r\n", "1:a\\0b\n2:\\0\n3:\\0\\0\n");
	CHECK_LINES(3, "\0\0\0\0\nx\n", "1:too long 4\n2:x\n");
}

/* Many lines waiting: the buffer grows and loses none of them. */
static void
test_growth_with_unconsumed_lines(void)
{
	struct lines lr;
	struct line l;
	char text[32];
	int i, n;

	CHECK_INT(lines_init(&lr, 64), 0);
	for (i = 0; i < 20000; i++) {
		n = snprintf(text, sizeof(text), "line %d\n", i);
		CHECK_INT(lines_push(&lr, text, (size_t)n), 0);
	}
	CHECK(lr.cap > 4096);
	for (i = 0; i < 20000; i++) {
		snprintf(text, sizeof(text), "line %d", i);
		CHECK_INT(lines_next(&lr, &l), LINES_LINE);
		CHECK_STR(l.text, text);
		CHECK_INT(l.lineno, i + 1);
	}
	CHECK_INT(lines_next(&lr, &l), LINES_NONE);
	lines_release(&lr);
}

/* Consumed space is reused: a steady stream never grows the buffer. */
static void
test_compaction(void)
{
	struct lines lr;
	struct line l;
	int i;

	CHECK_INT(lines_init(&lr, 64), 0);
	for (i = 0; i < 100000; i++) {
		CHECK_INT(lines_push(&lr, "abcdefgh\nijk", 12), 0);
		CHECK_INT(lines_next(&lr, &l), LINES_LINE);
		if (i > 0)
			CHECK_STR(l.text, "ijkabcdefgh");
		CHECK_INT(lines_next(&lr, &l), LINES_NONE);
	}
	CHECK_INT(lr.cap, 4096);
	lines_release(&lr);
}

/* lines_space and lines_commit, as a read(2) loop uses them. */
static void
test_space_commit(void)
{
	struct lines lr;
	struct line l;
	size_t room;
	char *p;

	CHECK_INT(lines_init(&lr, 100), 0);
	p = lines_space(&lr, &room);
	CHECK(p != NULL);
	CHECK(room >= 1);
	memcpy(p, "{\"a\":1}\n{\"b\"", 12);
	lines_commit(&lr, 12);
	CHECK_INT(lines_next(&lr, &l), LINES_LINE);
	CHECK_STR(l.text, "{\"a\":1}");
	CHECK_INT(l.len, 7);
	CHECK_INT(lines_next(&lr, &l), LINES_NONE);
	CHECK_INT(lines_pending(&lr), 4);
	p = lines_space(&lr, &room);
	memcpy(p, ":2}\n", 4);
	lines_commit(&lr, 4);
	CHECK_INT(lines_next(&lr, &l), LINES_LINE);
	CHECK_STR(l.text, "{\"b\":2}");
	CHECK_INT(l.lineno, 2);
	lines_release(&lr);
}

int
main(void)
{
	TAP_RUN(test_basic);
	TAP_RUN(test_crlf);
	TAP_RUN(test_empty_lines);
	TAP_RUN(test_lineno_after_skips);
	TAP_RUN(test_one_byte_reads);
	TAP_RUN(test_max_line_boundary);
	TAP_RUN(test_too_long_then_good);
	TAP_RUN(test_too_long_memory);
	TAP_RUN(test_too_long_without_next);
	TAP_RUN(test_buffer_near_max_line);
	TAP_RUN(test_last_line_without_newline);
	TAP_RUN(test_last_line_fills_buffer);
	TAP_RUN(test_nul_bytes);
	TAP_RUN(test_growth_with_unconsumed_lines);
	TAP_RUN(test_compaction);
	TAP_RUN(test_space_commit);
	return tap_done();
}
