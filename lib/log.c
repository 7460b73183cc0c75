/*
 * Logging to stderr as "PROG: message".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "log.h"

int log_level = LVL_NOTICE;
static const char *prog_name = "wsfeed";

void
log_init(const char *prog, int level)
{
	const char *slash = strrchr(prog, '/');

	prog_name = slash != NULL ? slash + 1 : prog;
	log_level = level;
}

const char *
log_prog(void)
{
	return prog_name;
}

int
log_level_from(int verbose, int quiet)
{
	int level = LVL_NOTICE + verbose;

	if (quiet)
		return LVL_ERR;
	return level > LVL_DEBUG ? LVL_DEBUG : level;
}

/* Append text to out (of size cap) at *len, cutting at the end. */
static void
append(char *out, size_t cap, size_t *len, const char *text, size_t n)
{
	if (*len + n > cap)
		n = cap - *len;
	memcpy(out + *len, text, n);
	*len += n;
}

/*
 * Format the whole message first and write it with one call, so that
 * lines of several processes sharing a stderr do not interleave. A
 * message of several lines (jq's compile errors) gets the prefix on each.
 */
static void
log_vwrite(int saved_errno, const char *fmt, va_list ap)
{
	char msg[2048], out[4096];
	size_t len = 0, plen = strlen(prog_name), flen = strlen(fmt);
	const char *p, *nl;
	int n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		msg[0] = '\0';
	if (flen > 0 && fmt[flen - 1] == ':') {
		size_t m = strlen(msg);

		snprintf(msg + m, sizeof(msg) - m, " %s",
		    strerror(saved_errno));
	}
	for (p = msg; ; p = nl + 1) {
		nl = strchr(p, '\n');
		append(out, sizeof(out) - 1, &len, prog_name, plen);
		append(out, sizeof(out) - 1, &len, ": ", 2);
		append(out, sizeof(out) - 1, &len, p,
		    nl != NULL ? (size_t)(nl - p) : strlen(p));
		out[len++] = '\n';
		if (nl == NULL || nl[1] == '\0' || len >= sizeof(out) - 1)
			break;
	}
	if (write(STDERR_FILENO, out, len) < 0) {
		/* Nowhere left to complain to. */
	}
}

void
log_emit(int level, const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	log_vwrite(saved_errno, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_always(const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(saved_errno, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_plain(const char *line, size_t len)
{
	int saved_errno = errno;

	if (write(STDERR_FILENO, line, len) < 0) {
		/* Nowhere left to complain to. */
	}
	errno = saved_errno;
}

static int
level_of_lws(int lws_level)
{
	/*
	 * Our own messages say what failed; lws's errors are its details
	 * (a bind errno, a TLS reason), shown with -v.
	 */
	if (lws_level & LLL_ERR)
		return LVL_INFO;
	return LVL_DEBUG;
}

/* The lws levels printed at our level, and who else watches lws. */
static int lws_print_levels;
static int lws_watch_levels;
static log_lws_watch_cb lws_watcher;
static void *lws_watcher_arg;

/* lws hands over its text without our prefix, usually with a newline. */
static void
log_lws_line(int lws_level, const char *line)
{
	int level = level_of_lws(lws_level);
	size_t len = strlen(line);

	if (lws_watcher != NULL && (lws_level & lws_watch_levels))
		lws_watcher(lws_level, line, lws_watcher_arg);
	if (!(lws_level & lws_print_levels))
		return;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (level <= log_level)
		log_emit(level, "lws: %.*s", (int)len, line);
}

void
log_route_lws(void)
{
	int levels = 0;

	if (log_level >= LVL_INFO)
		levels |= LLL_ERR;
	if (log_level >= LVL_DEBUG)
		levels |= LLL_WARN | LLL_NOTICE | LLL_INFO;
	lws_print_levels = levels;
	lws_set_log_level(levels | lws_watch_levels, log_lws_line);
}

void
log_watch_lws(log_lws_watch_cb cb, void *arg, int lws_levels)
{
	lws_watcher = cb;
	lws_watcher_arg = arg;
	lws_watch_levels = cb != NULL ? lws_levels : 0;
	log_route_lws();
}
