/*
 * Tests of lib/output.c, writing into a pipe and reading back what came.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "jqf.h"
#include "log.h"
#include "output.h"
#include "tap.h"

/* A pipe: the output writes into w, the test reads from r. */
struct pipe {
	int r, w;
};

static struct pipe
pipe_open(void)
{
	struct pipe p = { -1, -1 };
	int fds[2];

	if (pipe(fds) == 0) {
		p.r = fds[0];
		p.w = fds[1];
		fcntl(p.r, F_SETFL, O_NONBLOCK);
	}
	return p;
}

/* Everything written so far, as a C string (static buffer). */
static const char *
pipe_take(struct pipe *p, size_t *len)
{
	static char got[1 << 16];
	ssize_t n;
	size_t used = 0;

	while ((n = read(p->r, got + used, sizeof(got) - 1 - used)) > 0)
		used += (size_t)n;
	got[used] = '\0';
	if (len != NULL)
		*len = used;
	return got;
}

static void
pipe_close(struct pipe *p)
{
	if (p->r >= 0)
		close(p->r);
	if (p->w >= 0)
		close(p->w);
}

static struct jqf *
filter(const char *program)
{
	struct buf err = { 0 };
	struct jqf *f = jqf_new(program, jv_null(), &err);

	buf_release(&err);
	return f;
}

/* One message in, the exact bytes out. */
#define ONE(o, p, msg, want)						\
	do {								\
		CHECK_INT(output_message(o, msg, sizeof(msg) - 1),	\
		    OUTPUT_OK);						\
		CHECK_STR(pipe_take(p, NULL), want);			\
	} while (0)

static void
test_json_passes_byte_for_byte(void)
{
	struct pipe p = pipe_open();
	struct output o;

	output_init(&o, p.w, false, NULL, 0, NULL);
	ONE(&o, &p, "{\"big\": 12345678901234567890, \"p\": 1.50}",
	    "{\"big\": 12345678901234567890, \"p\": 1.50}\n");
	ONE(&o, &p, "[1,\r\n 2]\n", "[1,   2] \n");
	ONE(&o, &p, "\"a\\nb \\\\ \\r\"", "\"a\\nb \\\\ \\r\"\n");
	ONE(&o, &p, "  7  ", "  7  \n");
	ONE(&o, &p, "{\"s\": \"caf\xc3\xa9\"}", "{\"s\": \"caf\xc3\xa9\"}\n");
	CHECK_INT(o.lines, 5);
	CHECK_INT(o.bad.total, 0);
	output_release(&o);
	pipe_close(&p);
}

static void
test_other_text_is_escaped_reversibly(void)
{
	struct pipe p = pipe_open();
	struct output o;
	const char *got;
	size_t len;

	output_init(&o, p.w, false, NULL, 0, NULL);
	ONE(&o, &p, "hello world", "hello world\n");
	ONE(&o, &p, "two\nlines\r\n", "two\\nlines\\r\\n\n");
	ONE(&o, &p, "back\\slash \\n", "back\\\\slash \\\\n\n");
	ONE(&o, &p, "{\"a\": 1,\n", "{\"a\": 1,\\n\n");
	ONE(&o, &p, "nan", "nan\n");
	ONE(&o, &p, "", "\n");
	ONE(&o, &p, "\t tab", "\t tab\n");

	/* A NUL byte is data: written as it is. */
	CHECK_INT(output_message(&o, "a\0b", 3), OUTPUT_OK);
	got = pipe_take(&p, &len);
	CHECK_MEM(got, len, "a\0b\n", 4);
	CHECK_INT(o.bad.total, 0);
	output_release(&o);
	pipe_close(&p);
}

static void
test_raw_keeps_the_bytes(void)
{
	struct pipe p = pipe_open();
	struct output o;

	output_init(&o, p.w, true, NULL, 0, NULL);
	ONE(&o, &p, "two\nlines\r\n", "two\nlines\r\n\n");
	ONE(&o, &p, "{\"a\":\n1}", "{\"a\":\n1}\n");
	ONE(&o, &p, "back\\slash", "back\\slash\n");
	output_release(&o);
	pipe_close(&p);
}

static void
test_invalid_utf8_is_skipped(void)
{
	struct pipe p = pipe_open();
	struct output o;

	output_init(&o, p.w, false, NULL, 0, NULL);
	ONE(&o, &p, "bad \xff byte", "");
	ONE(&o, &p, "\"over \xc0\xaf\"", "");
	ONE(&o, &p, "next", "next\n");
	CHECK_INT(o.bad.total, 2);
	CHECK_INT(o.messages, 3);
	CHECK_INT(o.lines, 1);
	output_release(&o);

	output_init(&o, p.w, true, NULL, 0, NULL);
	ONE(&o, &p, "cut \xe2\x82", "");
	CHECK_INT(o.bad.total, 1);
	output_release(&o);
	pipe_close(&p);
}

static void
test_filter_zero_one_many(void)
{
	struct pipe p = pipe_open();
	struct output o;

	output_init(&o, p.w, false, filter(".items[] | select(. > 1)"), 0,
	    NULL);
	ONE(&o, &p, "{\"items\": [1, 2, 3]}", "2\n3\n");
	ONE(&o, &p, "{\"items\": []}", "");
	ONE(&o, &p, "{\"items\": [5]}", "5\n");
	CHECK_INT(o.lines, 3);
	CHECK_INT(o.bad.total, 0);
	output_release(&o);

	output_init(&o, p.w, false, filter("{a, s: \"x\\ny\"}"), 0, NULL);
	ONE(&o, &p, "{\"a\": 1, \"b\": 2}", "{\"a\":1,\"s\":\"x\\ny\"}\n");
	output_release(&o);
	pipe_close(&p);
}

static void
test_filter_errors_skip_and_go_on(void)
{
	struct pipe p = pipe_open();
	struct output o;

	output_init(&o, p.w, false, filter(".a | 10 / ."), 0, NULL);
	ONE(&o, &p, "{\"a\": \"x\"}", "");
	ONE(&o, &p, "not json", "");
	ONE(&o, &p, "{\"a\": 2}", "5\n");
	CHECK_INT(o.bad.total, 2);
	output_release(&o);

	/* Outputs given before the error are kept. */
	output_init(&o, p.w, false, filter(".[] | 10 / ."), 0, NULL);
	ONE(&o, &p, "[1, 2, \"x\", 5]", "10\n5\n");
	CHECK_INT(o.bad.total, 1);
	output_release(&o);
	pipe_close(&p);
}

static void
test_count_stops_the_output(void)
{
	struct pipe p = pipe_open();
	struct output o;

	output_init(&o, p.w, false, NULL, 2, NULL);
	ONE(&o, &p, "1", "1\n");
	CHECK_INT(output_message(&o, "2", 1), OUTPUT_DONE);
	CHECK_INT(output_message(&o, "3", 1), OUTPUT_DONE);
	CHECK_STR(pipe_take(&p, NULL), "2\n");
	output_release(&o);

	/* A filter's outputs count one by one, even within one message. */
	output_init(&o, p.w, false, filter(".[]"), 3, NULL);
	ONE(&o, &p, "[1, 2]", "1\n2\n");
	CHECK_INT(output_message(&o, "[3, 4, 5]", 9), OUTPUT_DONE);
	CHECK_STR(pipe_take(&p, NULL), "3\n");
	CHECK_INT(o.lines, 3);
	output_release(&o);
	pipe_close(&p);
}

static void
test_skip_counts_and_reports(void)
{
	struct pipe p = pipe_open();
	struct output o;

	output_init(&o, p.w, false, NULL, 0, NULL);
	output_skip(&o, "binary message of %d bytes: skipped", 4);
	ONE(&o, &p, "1", "1\n");
	CHECK_INT(o.messages, 2);
	CHECK_INT(o.bad.total, 1);
	output_release(&o);
	pipe_close(&p);
}

static void
test_reader_gone(void)
{
	struct pipe p = pipe_open();
	struct output o;

	signal(SIGPIPE, SIG_IGN);
	CHECK(!output_reader_gone(p.w));
	output_init(&o, p.w, false, NULL, 0, NULL);
	ONE(&o, &p, "1", "1\n");
	close(p.r);
	p.r = -1;
	CHECK(output_reader_gone(p.w));
	CHECK_INT(output_message(&o, "2", 1), OUTPUT_GONE);
	CHECK_INT(output_message(&o, "3", 1), OUTPUT_GONE);
	output_release(&o);
	pipe_close(&p);

	/* A regular file never looks gone. */
	{
		FILE *f = tmpfile();

		CHECK(f != NULL);
		if (f != NULL) {
			CHECK(!output_reader_gone(fileno(f)));
			fclose(f);
		}
	}
}

static void
test_write_error_is_kept(void)
{
	struct output o;
	int fd = open("/dev/full", O_WRONLY);

	if (fd < 0)
		TAP_SKIP("no /dev/full");
	output_init(&o, fd, false, NULL, 0, NULL);
	CHECK_INT(output_message(&o, "1", 1), OUTPUT_FAILED);
	CHECK_INT(o.write_errno, ENOSPC);
	output_release(&o);
	close(fd);
}

static volatile sig_atomic_t cancelled;

static void
on_alarm(int sig)
{
	(void)sig;
	cancelled = 1;
}

/* A write blocked on a full pipe gives up when a signal cancels it. */
static void
test_cancel_unblocks_a_write(void)
{
	static char big[1 << 20];
	struct pipe p = pipe_open();
	struct sigaction sa;
	struct itimerval it = { .it_value = { 0, 50000 } };
	struct output o;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: write gets EINTR */
	sigaction(SIGALRM, &sa, NULL);
	memset(big, 'x', sizeof(big));
	output_init(&o, p.w, true, NULL, 0, &cancelled);
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_INT(output_message(&o, big, sizeof(big)), OUTPUT_DONE);
	CHECK_INT(cancelled, 1);
	output_release(&o);
	pipe_close(&p);
}

int
main(void)
{
	/* The skip reports are counted in o.bad; keep them off the TAP. */
	log_init("test_output", LVL_ERR);
	TAP_RUN(test_json_passes_byte_for_byte);
	TAP_RUN(test_other_text_is_escaped_reversibly);
	TAP_RUN(test_raw_keeps_the_bytes);
	TAP_RUN(test_invalid_utf8_is_skipped);
	TAP_RUN(test_filter_zero_one_many);
	TAP_RUN(test_filter_errors_skip_and_go_on);
	TAP_RUN(test_count_stops_the_output);
	TAP_RUN(test_skip_counts_and_reports);
	TAP_RUN(test_reader_gone);
	TAP_RUN(test_write_error_is_kept);
	TAP_RUN(test_cancel_unblocks_a_write);
	return tap_done();
}
