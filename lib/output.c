/*
 * ws-listen's output: each received message becomes one line on stdout.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "badline.h"
#include "buf.h"
#include "jqf.h"
#include "json.h"
#include "output.h"
#include "utf8.h"

void
output_init(struct output *o, int fd, bool raw, struct jqf *filter,
    uint64_t max_lines, const volatile sig_atomic_t *cancel)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->raw = raw;
	o->filter = filter;
	o->max_lines = max_lines;
	o->cancel = cancel;
	o->bad.noun = "message";
}

void
output_release(struct output *o)
{
	jqf_free(o->filter);
	o->filter = NULL;
	buf_release(&o->line);
	buf_release(&o->err);
	badline_flush(&o->bad);
}

static void
report(struct output *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Report the current message, o->messages, as skipped. */
static void
vreport(struct output *o, const char *fmt, va_list ap)
{
	char why[600];

	vsnprintf(why, sizeof(why), fmt, ap);
	badline_report(&o->bad, o->messages, "%s", why);
}

static void
report(struct output *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(o, fmt, ap);
	va_end(ap);
}

void
output_skip(struct output *o, const char *fmt, ...)
{
	va_list ap;

	o->messages++;
	va_start(ap, fmt);
	vreport(o, fmt, ap);
	va_end(ap);
}

/* Wait until fd takes bytes again: stdout may be non-blocking, shared. */
static void
wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	poll(&p, 1, -1);
}

/* Write all of the current lines; sets the status on a failure. */
static void
flush_lines(struct output *o)
{
	const char *p = o->line.data;
	size_t n = o->line.len;
	ssize_t w;

	while (n > 0 && o->status == OUTPUT_OK) {
		/*
		 * A signal that interrupts a blocked write makes it return
		 * EINTR, or the count written so far: check both ways.
		 */
		if (o->cancel != NULL && *o->cancel)
			o->status = OUTPUT_DONE;
		else if ((w = write(o->fd, p, n)) >= 0) {
			p += w;
			n -= (size_t)w;
		} else if (errno == EINTR)
			continue;
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			wait_writable(o->fd);
		else if (errno == EPIPE)
			o->status = OUTPUT_GONE;
		else {
			o->write_errno = errno;
			o->status = OUTPUT_FAILED;
		}
	}
	buf_reset(&o->line);
}

/* Count a line now in o->line; say whether more are wanted. */
static bool
line_added(struct output *o)
{
	o->lines++;
	return o->max_lines == 0 || o->lines < o->max_lines;
}

/* JSON text as it came, but for CR and LF, which only separate tokens. */
static int
add_json(struct buf *b, const char *s, size_t len)
{
	size_t i, start = b->len;

	if (buf_add(b, s, len) < 0)
		return -1;
	for (i = start; i < b->len; i++)
		if (b->data[i] == '\r' || b->data[i] == '\n')
			b->data[i] = ' ';
	return 0;
}

/* Receives one filter output; stops the filter once -n is reached. */
static int
filter_output(jv out, void *arg)
{
	struct output *o = arg;

	if (jqf_dump(out, &o->line) < 0 || buf_addc(&o->line, '\n') < 0)
		return 1;
	return line_added(o) ? 0 : 1;
}

static void
filter_message(struct output *o, const char *text, size_t len)
{
	struct json_error je;
	jv v;

	buf_reset(&o->err);
	if (json_check(text, len, &je) < 0) {
		report(o, "not JSON (%s at byte %zu): skipped, -f needs "
		    "JSON", je.what, je.offset + 1);
		return;
	}
	if (jqf_parse(text, len, &v, &o->err) < 0) {
		report(o, "not JSON: %s", o->err.data);
		return;
	}
	if (jqf_run(o->filter, v, filter_output, o, &o->err) < 0)
		report(o, "filter failed: %s", o->err.data);
}

/* Build the lines of one message into o->line. */
static void
format_message(struct output *o, const char *text, size_t len)
{
	int rc;

	if (o->filter != NULL) {
		filter_message(o, text, len);
		return;
	}
	if (o->raw)
		rc = buf_add(&o->line, text, len);
	else if (json_check(text, len, NULL) == 0)
		rc = add_json(&o->line, text, len);
	else
		rc = buf_add_escaped(&o->line, text, len);
	if (rc < 0 || buf_addc(&o->line, '\n') < 0) {
		buf_reset(&o->line);
		report(o, "out of memory: skipped");
		return;
	}
	line_added(o);
}

enum output_status
output_message(struct output *o, const char *text, size_t len)
{
	size_t bad;

	o->messages++;
	if (o->status != OUTPUT_OK)
		return o->status;
	if ((bad = utf8_check(text, len)) < len) {
		report(o, "not valid UTF-8 at byte %zu: skipped", bad + 1);
		return o->status;
	}
	buf_reset(&o->line);
	format_message(o, text, len);
	flush_lines(o);
	if (o->status == OUTPUT_OK && o->max_lines > 0 &&
	    o->lines >= o->max_lines)
		o->status = OUTPUT_DONE;
	return o->status;
}

bool
output_reader_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	if (poll(&p, 1, 0) != 1)
		return false;
	return (p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;
}
