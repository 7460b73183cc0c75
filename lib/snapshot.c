/*
 * ws-snapshot's engine: stdin to a state, written as it changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "badline.h"
#include "clock.h"
#include "json.h"
#include "log.h"
#include "snapshot.h"
#include "wsfeed.h"

/* Most bytes read at once: a batch stays small enough for the timers. */
#define READ_MAX (64 * 1024)

/* Write stdout's gathered lines once they pass this many bytes. */
#define OUT_FLUSH (64 * 1024)

/* The first signal, and where the handler says so to the loop. */
static volatile sig_atomic_t caught_signal;
static int signal_write_fd = -1;

/*
 * The first SIGINT or SIGTERM asks the loop to write the pending state
 * and end; the second ends the process at once, even while a write to a
 * stuck reader of stdout blocks, which is why this is a handler without
 * SA_RESTART rather than a signalfd read by the loop.
 */
static void
on_signal(int sig)
{
	int saved = errno;

	if (caught_signal != 0)
		_exit(EXIT_OK);
	caught_signal = sig;
	if (write(signal_write_fd, "", 1) < 0) {
		/* The pipe is full: the loop will wake up anyway. */
	}
	errno = saved;
}

static int
start_signals(struct snapshot *s)
{
	struct sigaction sa;

	if (pipe2(s->sigpipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_err("pipe:");
		return -1;
	}
	signal_write_fd = s->sigpipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A reader that went away shows as EPIPE: a quiet end. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void
fail(struct snapshot *s, const char *what)
{
	log_err("%s", what);
	s->status = EXIT_RUNTIME;
	s->done = true;
}

/* Write the gathered lines to stdout. */
static void
out_flush(struct snapshot *s)
{
	size_t off = 0;
	ssize_t n;

	while (off < s->out.len && !s->stdout_gone) {
		n = write(STDOUT_FILENO, s->out.data + off, s->out.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EPIPE) {
				log_err("stdout:");
				s->status = EXIT_RUNTIME;
			}
			s->stdout_gone = true;
			s->done = true;
			break;
		}
		off += (size_t)n;
	}
	buf_reset(&s->out);
}

static void
out_line(struct snapshot *s, const struct buf *text)
{
	if (s->stdout_gone)
		return;
	if (buf_add(&s->out, text->data, text->len) < 0 ||
	    buf_addc(&s->out, '\n') < 0) {
		fail(s, "out of memory");
		return;
	}
	if (s->out.len >= OUT_FLUSH)
		out_flush(s);
}

/* Save one file; a failure is said when it starts and when it ends. */
static void
save_one(struct snapshot *s, struct statefile *sf, bool *failing,
    const char *option)
{
	struct buf err = { 0 };

	if (statefile_save(sf, s->file.data, s->file.len, &err) < 0) {
		if (!*failing)
			log_err("%s %s: cannot save the state: %s", option,
			    sf->path, err.data);
		*failing = true;
	} else if (*failing) {
		log_notice("%s %s: saved again", option, sf->path);
		*failing = false;
	}
	buf_release(&err);
}

static void
save_files(struct snapshot *s, const struct buf *text, bool with_state)
{
	bool out = s->cfg.out_path != NULL;
	bool state = with_state && s->cfg.state_path != NULL;

	if (!out && !state)
		return;
	buf_reset(&s->file);
	if (buf_add(&s->file, text->data, text->len) < 0 ||
	    buf_addc(&s->file, '\n') < 0) {
		fail(s, "out of memory");
		return;
	}
	if (out)
		save_one(s, &s->ofile, &s->ofile_failing, "-o");
	if (state)
		save_one(s, &s->sfile, &s->sfile_failing, "--state-file");
}

/*
 * Write the state everywhere now (--every, or the state loaded at start,
 * which the state file holds already).
 */
static void
publish(struct snapshot *s, bool with_state)
{
	const struct buf *text = state_text(&s->state);

	s->pending = false;
	if (text == NULL) {
		fail(s, "out of memory");
		return;
	}
	if (s->cfg.every_ms > 0 && s->written.data != NULL &&
	    s->written.len == text->len &&
	    memcmp(s->written.data, text->data, text->len) == 0)
		return;
	out_line(s, text);
	out_flush(s);
	save_files(s, text, with_state);
	if (s->cfg.every_ms > 0) {
		buf_reset(&s->written);
		if (buf_add(&s->written, text->data, text->len) < 0)
			fail(s, "out of memory");
		s->next_write_ms = s->now + s->cfg.every_ms;
	}
}

/* The state changed by value. */
static void
changed(struct snapshot *s)
{
	const struct buf *text;

	if (s->cfg.every_ms > 0) {
		s->pending = true;
		if (s->now >= s->next_write_ms)
			publish(s, true);
		return;
	}
	if ((text = state_text(&s->state)) == NULL) {
		fail(s, "out of memory");
		return;
	}
	out_line(s, text);
	s->files_behind = true;
}

static void
fold_event(struct snapshot *s, jv event)
{
	int r;

	buf_reset(&s->why);
	r = state_fold(&s->state, event, s->now, &s->why);
	if (r < 0)
		badline_report(&s->bad, s->lineno, "%s", s->why.data);
	else if (r > 0)
		changed(s);
}

static int
filter_output(jv out, void *arg)
{
	fold_event(arg, out);
	return 0;
}

static void
fold_line(struct snapshot *s, const struct line *l)
{
	struct json_error je;
	jv v;

	s->lineno = l->lineno;
	/* jq skips white space between values; so do we, as empty lines. */
	if (json_blank(l->text, l->len))
		return;
	if (json_check(l->text, l->len, &je) < 0) {
		badline_json(&s->bad, s->lineno, &je);
		return;
	}
	buf_reset(&s->ferr);
	if (jqf_parse(l->text, l->len, &v, &s->ferr) < 0) {
		badline_report(&s->bad, s->lineno, "not valid JSON: %s",
		    s->ferr.data);
		return;
	}
	if (s->cfg.filter == NULL) {
		fold_event(s, v);
		return;
	}
	if (jqf_run(s->cfg.filter, v, filter_output, s, &s->ferr) < 0)
		badline_report(&s->bad, s->lineno, "filter failed: %s",
		    s->ferr.data);
}

static void
take_lines(struct snapshot *s)
{
	enum lines_status st;
	struct line l;

	while ((st = lines_next(&s->lines, &l)) != LINES_NONE) {
		if (st == LINES_TOO_LONG)
			badline_report(&s->bad, l.lineno,
			    "%zu bytes, longer than --max-line (%zu): skipped",
			    l.len, s->cfg.max_line);
		else
			fold_line(s, &l);
	}
}

static void
read_input(struct snapshot *s)
{
	size_t room;
	ssize_t n;
	char *p;

	if ((p = lines_space(&s->lines, &room)) == NULL) {
		fail(s, "out of memory");
		return;
	}
	n = read(STDIN_FILENO, p, room < READ_MAX ? room : READ_MAX);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0) {
		log_err("stdin:");
		s->status = EXIT_RUNTIME;
		n = 0;
	}
	if (n == 0) {
		lines_set_eof(&s->lines);
		s->eof = true;
	} else
		lines_commit(&s->lines, (size_t)n);
	take_lines(s);
}

/* Expired keys, --every deadlines, bad-line summaries. */
static void
run_timers(struct snapshot *s)
{
	if (state_expire(&s->state, s->now) > 0)
		changed(s);
	if (s->pending && s->now >= s->next_write_ms)
		publish(s, true);
	badline_tick(&s->bad);
}

/* Before waiting: stdout written out, files brought up to date. */
static void
end_batch(struct snapshot *s)
{
	const struct buf *text;

	out_flush(s);
	if (!s->files_behind)
		return;
	s->files_behind = false;
	if ((text = state_text(&s->state)) == NULL)
		fail(s, "out of memory");
	else
		save_files(s, text, true);
}

static void
earliest(int64_t *deadline, int64_t t)
{
	if (t >= 0 && (*deadline < 0 || t < *deadline))
		*deadline = t;
}

/* Milliseconds until the next timer is due, or -1 for none. */
static int
poll_timeout(struct snapshot *s)
{
	int64_t deadline = -1, left;

	earliest(&deadline, state_next_expiry(&s->state));
	if (s->pending)
		earliest(&deadline, s->next_write_ms);
	if (s->bad.unsaid > 0)
		earliest(&deadline, s->bad.last_summary_ms +
		    BADLINE_SUMMARY_MS);
	if (deadline < 0)
		return -1;
	left = deadline - clock_ms();
	if (left < 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* Which of the polled descriptors said what. */
enum { PFD_SIGNAL, PFD_STDOUT, PFD_STDIN, PFD_COUNT };

static void
loop_turn(struct snapshot *s)
{
	struct pollfd pfd[PFD_COUNT] = {
		[PFD_SIGNAL] = { .fd = s->sigpipe[0], .events = POLLIN },
		[PFD_STDOUT] = { .fd = STDOUT_FILENO, .events = 0 },
		[PFD_STDIN] = { .fd = STDIN_FILENO, .events = POLLIN },
	};

	if (poll(pfd, s->eof ? PFD_STDIN : PFD_COUNT, poll_timeout(s)) < 0 &&
	    errno != EINTR) {
		log_err("poll:");
		s->status = EXIT_RUNTIME;
		s->done = true;
		return;
	}
	s->now = clock_ms();
	if (caught_signal != 0) {
		log_notice("%s: writing the state and exiting",
		    strsignal(caught_signal));
		s->done = true;
		return;
	}
	if (pfd[PFD_STDOUT].revents & (POLLERR | POLLHUP)) {
		log_info("stdout went away");
		s->stdout_gone = true;
		s->done = true;
		return;
	}
	if (!s->eof && pfd[PFD_STDIN].revents != 0)
		read_input(s);
	run_timers(s);
	end_batch(s);
	if (s->eof)
		s->done = true;
}

/* The loaded state goes to stdout and -o at once, for a fresh reader. */
static void
publish_loaded(struct snapshot *s)
{
	s->now = clock_ms();
	publish(s, false);
}

/* A pending state is written, and the files brought up to date. */
static void
finish(struct snapshot *s)
{
	s->now = clock_ms();
	if (s->pending)
		publish(s, true);
	end_batch(s);
	if (s->sfile_failing || s->ofile_failing)
		s->status = EXIT_RUNTIME;
	log_info("%llu lines read, %zu keys in the state",
	    (unsigned long long)s->lines.lineno, state_keys(&s->state));
}

int
snapshot_run(struct snapshot *s)
{
	if (start_signals(s) < 0)
		return EXIT_RUNTIME;
	if (s->loaded)
		publish_loaded(s);
	while (!s->done)
		loop_turn(s);
	finish(s);
	return s->status;
}

static int
load_state(struct snapshot *s)
{
	struct buf err = { 0 };
	int r;
	jv v;

	r = statefile_load(&s->sfile, &v, &err);
	if (r > 0 && state_load(&s->state, v, clock_ms(), &err) < 0)
		r = -1;
	if (r < 0)
		log_err("--state-file %s: %s (the file is left as it is)",
		    s->cfg.state_path, err.data);
	else if (r == 0)
		log_info("--state-file %s: no file yet, starting empty",
		    s->cfg.state_path);
	else
		log_info("--state-file %s: state loaded",
		    s->cfg.state_path);
	buf_release(&err);
	s->loaded = r > 0;
	return r < 0 ? -1 : 0;
}

static int
open_file(struct statefile *sf, const char *option, const char *path,
    bool sync)
{
	struct buf err = { 0 };
	int rc;

	if ((rc = statefile_init(sf, path, sync, &err)) < 0)
		log_err("%s %s: %s", option, path, err.data);
	buf_release(&err);
	return rc;
}

int
snapshot_init(struct snapshot *s, const struct snapshot_config *cfg,
    const struct state_config *scfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->sigpipe[0] = s->sigpipe[1] = -1;
	s->sfile.dirfd = s->ofile.dirfd = -1;
	state_init(&s->state, scfg);
	if (lines_init(&s->lines, cfg->max_line) < 0) {
		log_err("out of memory");
		return -1;
	}
	if (cfg->out_path != NULL &&
	    open_file(&s->ofile, "-o", cfg->out_path, false) < 0)
		return -1;
	if (cfg->state_path != NULL &&
	    (open_file(&s->sfile, "--state-file", cfg->state_path,
	    true) < 0 || load_state(s) < 0))
		return -1;
	return 0;
}

void
snapshot_release(struct snapshot *s)
{
	state_release(&s->state);
	jqf_free(s->cfg.filter);
	s->cfg.filter = NULL;
	statefile_release(&s->sfile);
	statefile_release(&s->ofile);
	lines_release(&s->lines);
	buf_release(&s->out);
	buf_release(&s->written);
	buf_release(&s->file);
	buf_release(&s->why);
	buf_release(&s->ferr);
	badline_flush(&s->bad);
	if (s->sigpipe[0] >= 0)
		close(s->sigpipe[0]);
	if (s->sigpipe[1] >= 0)
		close(s->sigpipe[1]);
	s->sigpipe[0] = s->sigpipe[1] = -1;
}
