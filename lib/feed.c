/*
 * stdin inside lws's loop: read, split into lines, pause while the clients
 * are behind, and lose nothing at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "log.h"
#include "server.h"
#include "wsfeed.h"

/* Most bytes read at once, so that lines are handled as they come. */
#define READ_MAX (256 * 1024)

static struct server *
server_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

int
feed_start(struct server *s)
{
	struct feed *f = &s->feed;
	lws_sock_file_fd_type u;

	if (lines_init(&f->lines, s->cfg.max_line) < 0) {
		log_err("out of memory");
		return -1;
	}
	/*
	 * lws makes the descriptor non-blocking, which also changes the
	 * shell's terminal or pipe; remember the flags to put them back.
	 * It also closes the descriptor with its wsi, so it gets a copy.
	 */
	f->saved_flags = fcntl(STDIN_FILENO, F_GETFL);
	f->fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	if (f->saved_flags < 0 || f->fd < 0) {
		log_err("stdin:");
		return -1;
	}
	u.filefd = f->fd;
	f->wsi = lws_adopt_descriptor_vhost(s->vhost, LWS_ADOPT_RAW_FILE_DESC,
	    u, "wsfeed-stdin", NULL);
	if (f->wsi == NULL) {
		log_err("cannot read stdin in the event loop");
		close(f->fd);
		f->fd = -1;
		return -1;
	}
	return 0;
}

void
feed_release(struct server *s)
{
	struct feed *f = &s->feed;

	if (f->saved_flags >= 0 && f->lines.buf != NULL)
		fcntl(STDIN_FILENO, F_SETFL, f->saved_flags);
	lines_release(&f->lines);
}

static void
feed_pause(struct server *s)
{
	struct feed *f = &s->feed;

	if (f->paused)
		return;
	f->paused = true;
	s->stats.input_pauses++;
	log_debug("clients are behind: pausing stdin");
	if (f->wsi != NULL)
		lws_rx_flow_control(f->wsi, 0);
}

static void
feed_resume(struct server *s)
{
	struct feed *f = &s->feed;

	if (!f->paused)
		return;
	f->paused = false;
	log_debug("clients caught up: reading stdin again");
	if (f->wsi != NULL)
		lws_rx_flow_control(f->wsi, 1);
}

static void
feed_end(struct server *s)
{
	struct feed *f = &s->feed;

	f->ended = true;
	if (f->cut_short && lines_pending(&f->lines) > 0)
		log_info("dropped %zu bytes of an unfinished line",
		    lines_pending(&f->lines));
	log_info("end of input after %llu lines",
	    (unsigned long long)f->lines.lineno);
	if (s->cfg.keep_open)
		s->phase = PHASE_OPEN;
	else
		server_shutdown(s, LWS_CLOSE_STATUS_NORMAL);
}

void
feed_pump(struct server *s)
{
	struct feed *f = &s->feed;
	struct line l;
	enum lines_status st;

	if (s->phase != PHASE_RUNNING || f->ended)
		return;
	for (;;) {
		if (rooms_should_pause(&s->rooms)) {
			feed_pause(s);
			return;
		}
		st = lines_next(&f->lines, &l);
		if (st == LINES_NONE)
			break;
		if (st == LINES_TOO_LONG)
			input_too_long(s->input, &l, s->cfg.max_line);
		else
			input_line(s->input, &l);
	}
	feed_resume(s);
	if (f->eof)
		feed_end(s);
}

/*
 * --tee: pass the bytes on as read, waiting for a slow reader. On a
 * terminal, stdout may share its open file with stdin, which lws made
 * non-blocking; wait in poll() then, as a blocking write would.
 * A signal (SIGINT or SIGTERM, read from the signal descriptor by the
 * loop) ends the wait. Returns -1 when stdout went away or a signal came.
 */
static int
feed_tee(struct server *s, const char *p, size_t n)
{
	struct pollfd pfd[2] = {
		{ .fd = STDOUT_FILENO, .events = POLLOUT },
		{ .fd = s->signal_fd, .events = POLLIN },
	};
	ssize_t w;

	while (n > 0) {
		w = write(STDOUT_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			if (poll(pfd, 2, -1) > 0 && pfd[1].revents != 0)
				return -1;
			continue;
		}
		if (w < 0) {
			if (errno != EPIPE)
				log_err("--tee: stdout:");
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read once. Returns the bytes read, 0 for nothing now, -1 for the end. */
static ssize_t
feed_read_some(struct server *s)
{
	struct feed *f = &s->feed;
	size_t room;
	ssize_t n;
	char *p;

	if ((p = lines_space(&f->lines, &room)) == NULL) {
		log_err("stdin: out of memory");
		return -1;
	}
	n = read(f->fd, p, room < READ_MAX ? room : READ_MAX);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0) {
		log_err("stdin:");
		s->exit_status = EXIT_RUNTIME;
	}
	if (n <= 0)
		return -1;
	if (s->cfg.tee && feed_tee(s, p, (size_t)n) < 0) {
		/*
		 * The input did not end: its reader did. Keep the complete
		 * lines read so far, not a line cut off in the middle.
		 */
		const char *lf = memrchr(p, '\n', (size_t)n);

		log_info("--tee: stdout closed: ending input");
		s->cfg.tee = false;
		f->cut_short = true;
		if (lf != NULL)
			lines_commit(&f->lines, (size_t)(lf - p) + 1);
		return -1;
	}
	lines_commit(&f->lines, (size_t)n);
	return n;
}

/*
 * No more bytes will come. A last line without LF counts, unless stdout
 * went away under --tee: then it was cut, not ended.
 */
static void
feed_mark_eof(struct feed *f)
{
	f->eof = true;
	if (!f->cut_short)
		lines_set_eof(&f->lines);
}

/*
 * The descriptor is closing: with a pipe whose writer left while we were
 * paused, lws closes it on POLLHUP with bytes still unread. Read them all
 * now (at most a pipe's worth), so that nothing accepted is lost.
 */
static void
feed_closed(struct server *s)
{
	struct feed *f = &s->feed;

	f->wsi = NULL;
	if (s->phase != PHASE_RUNNING)
		return;
	if (!f->eof)
		while (feed_read_some(s) > 0)
			continue;
	feed_mark_eof(f);
	feed_pump(s);
}

/*
 * Read and handle lines: once, then on until the pipe is empty, the
 * clients fell behind, READ_MAX bytes came in, or a quarter of
 * --max-queue messages went out. One read per poll pass was too little
 * with many clients: the line buffer offers only its free space (a few
 * KiB), a pass that writes to 1000 clients takes milliseconds, and the
 * producer then waited on a full pipe. Too much is wrong too: clients are
 * written once per pass, so a client that keeps up must not get more than
 * half its queue in one pass, or it is cut off as slow while the emptiest
 * queue (written earlier in the pass) keeps stdin going. Returns what the
 * lws callback returns.
 */
static int
feed_read_burst(struct server *s)
{
	struct feed *f = &s->feed;
	uint64_t most = s->stats.messages_in + s->rooms.limits.max_queue / 4;
	size_t total = 0;
	ssize_t n;

	/* The first read always happens: --max-queue may be below 4. */
	do {
		if ((n = feed_read_some(s)) < 0) {
			feed_mark_eof(f);
			return -1;
		}
		if (n == 0)
			break;
		feed_pump(s);
		total += (size_t)n;
	} while (total < READ_MAX && s->stats.messages_in < most &&
	    !f->paused && !f->ended);
	return 0;
}

int
feed_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct server *s = server_of(wsi);

	(void)user, (void)in, (void)len;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (s->feed.eof)
			return -1;
		return feed_read_burst(s);
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		feed_closed(s);
		return 0;
	default:
		return 0;
	}
}
