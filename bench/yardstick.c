/*
 * yardstick: the ceiling of the machine for a stdin-to-WebSocket fan-out.
 *
 * A single-threaded epoll server in plain C, with no WebSocket library:
 * it answers the handshake, reads whatever stdin has, frames each line of
 * that batch once into one buffer and hands the whole buffer to every
 * client with one send() each. What a socket does not take waits in that
 * client's own buffer and goes out on EPOLLOUT. While any client has more
 * than BEHIND_BYTES waiting, stdin is not read, so nothing is ever
 * dropped: the producer waits instead. It keeps no snapshot, has no slow
 * client policy and no limits: it is a measure, not a server to deploy.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "benchlib.h"
#include "buf.h"
#include "log.h"
#include "msg.h"
#include "opts.h"
#include "wsfeed.h"

/* Bytes of stdin read at once; a batch frames at most this much. */
#define READ_MAX (64 * 1024)
/* Longest handshake request. */
#define REQ_MAX 8192
/* A client this far behind stops stdin until it catches up. */
#define BEHIND_BYTES (4 * 1024 * 1024)
#define MAX_EVENTS 512

/* One client. */
struct conn {
	int fd;
	bool open;		/* handshake done: in the fan-out list */
	bool want_out;		/* EPOLLOUT armed */
	bool behind;		/* counted in n_behind */
	size_t idx;		/* position in the fan-out list */
	char *req;		/* handshake bytes until it is done */
	size_t req_len;
	struct buf out;		/* bytes the socket did not take yet */
	size_t out_off;		/* of out, already sent */
};

/* The server. */
struct yard {
	int ep;			/* epoll */
	int lfd;		/* listening socket */
	bool stdin_on;		/* stdin is in the epoll set */
	bool stdin_eof;
	struct conn **conns;	/* open clients */
	size_t n_conns, cap_conns;
	size_t n_behind;	/* clients over BEHIND_BYTES */
	char in[2 * READ_MAX];	/* stdin bytes not yet a whole line */
	size_t in_len;
	unsigned char *batch;	/* framed lines of one read */
	size_t batch_len;
};

/* The epoll tag of stdin and of the listening socket. */
static struct conn stdin_tag, listen_tag;

static void
usage(FILE *out)
{
	fprintf(out, "usage: yardstick [-hqv] [-l [HOST:]PORT]\n");
}

static void
ep_set(struct yard *y, int op, int fd, uint32_t events, void *tag)
{
	struct epoll_event ev = { .events = events, .data.ptr = tag };

	if (epoll_ctl(y->ep, op, fd, &ev) < 0 && op != EPOLL_CTL_DEL)
		log_err("epoll_ctl:");
}

static void
conn_set_behind(struct yard *y, struct conn *c)
{
	bool behind = c->out.len - c->out_off > BEHIND_BYTES;

	if (behind == c->behind)
		return;
	c->behind = behind;
	if (behind)
		y->n_behind++;
	else
		y->n_behind--;
}

static void
conn_close(struct yard *y, struct conn *c)
{
	if (c->open) {
		struct conn *last = y->conns[--y->n_conns];

		y->conns[c->idx] = last;
		last->idx = c->idx;
	}
	c->out_off = c->out.len = 0;
	conn_set_behind(y, c);
	ep_set(y, EPOLL_CTL_DEL, c->fd, 0, NULL);
	close(c->fd);
	free(c->req);
	buf_release(&c->out);
	free(c);
}

static void
conn_want_out(struct yard *y, struct conn *c, bool want)
{
	if (c->want_out == want)
		return;
	c->want_out = want;
	ep_set(y, EPOLL_CTL_MOD, c->fd, EPOLLIN | (want ? EPOLLOUT : 0), c);
}

/* Send what waits. Returns -1 when the client is gone. */
static int
conn_flush(struct yard *y, struct conn *c)
{
	size_t left = c->out.len - c->out_off;
	ssize_t n;

	if (left > 0) {
		n = send(c->fd, c->out.data + c->out_off, left,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0)
			c->out_off += (size_t)n;
	}
	if (c->out_off == c->out.len) {
		c->out_off = 0;
		buf_reset(&c->out);
	}
	conn_set_behind(y, c);
	conn_want_out(y, c, c->out.len > 0);
	return 0;
}

/* Queue len bytes after what waits; compacts the buffer first. */
static int
conn_queue(struct conn *c, const void *p, size_t len)
{
	if (c->out_off > 0 && c->out_off >= c->out.len / 2) {
		memmove(c->out.data, c->out.data + c->out_off,
		    c->out.len - c->out_off);
		c->out.len -= c->out_off;
		c->out_off = 0;
	}
	return buf_add(&c->out, p, len);
}

/* One send of the batch, or a copy behind what already waits. */
static int
conn_send_batch(struct yard *y, struct conn *c)
{
	ssize_t n = 0;

	if (c->out.len == 0) {
		n = send(c->fd, y->batch, y->batch_len,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n < 0)
			n = 0;
		if ((size_t)n == y->batch_len)
			return 0;
	}
	if (conn_queue(c, y->batch + n, y->batch_len - (size_t)n) < 0)
		return -1;
	conn_set_behind(y, c);
	conn_want_out(y, c, true);
	return 0;
}

static void
fan_out(struct yard *y)
{
	size_t i;

	/* Backwards, since closing moves the last client into slot i. */
	for (i = y->n_conns; i-- > 0;)
		if (conn_send_batch(y, y->conns[i]) < 0)
			conn_close(y, y->conns[i]);
	y->batch_len = 0;
}

/* Frame every whole line in y->in into y->batch, keep the rest. */
static void
frame_lines(struct yard *y)
{
	char *p = y->in, *end = y->in + y->in_len, *nl;
	size_t len;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > 0) {
			y->batch_len += msg_frame_header(y->batch +
			    y->batch_len, MSG_TEXT, len);
			memcpy(y->batch + y->batch_len, p, len);
			y->batch_len += len;
		}
		p = nl + 1;
	}
	y->in_len = (size_t)(end - p);
	memmove(y->in, p, y->in_len);
	/* A line longer than the buffer is cut into messages. */
	if (y->in_len == sizeof(y->in)) {
		y->batch_len += msg_frame_header(y->batch + y->batch_len,
		    MSG_TEXT, y->in_len);
		memcpy(y->batch + y->batch_len, y->in, y->in_len);
		y->batch_len += y->in_len;
		y->in_len = 0;
	}
}

static void
stdin_set(struct yard *y, bool on)
{
	if (on == y->stdin_on || y->stdin_eof)
		return;
	y->stdin_on = on;
	ep_set(y, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, STDIN_FILENO, EPOLLIN,
	    &stdin_tag);
}

static void
stdin_read(struct yard *y)
{
	size_t room = sizeof(y->in) - y->in_len;
	ssize_t n;

	n = read(STDIN_FILENO, y->in + y->in_len,
	    room < READ_MAX ? room : READ_MAX);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n < 0)
			log_err("stdin:");
		log_info("end of input");
		stdin_set(y, false);
		y->stdin_eof = true;
		return;
	}
	y->in_len += (size_t)n;
	frame_lines(y);
	if (y->batch_len > 0)
		fan_out(y);
}

/* The handshake is whole: answer it and join the fan-out. */
static int
conn_upgrade(struct yard *y, struct conn *c)
{
	static const char hdr[] = "\nsec-websocket-key:";
	char accept[WS_ACCEPT_LEN + 1], resp[256], *k, *e;
	int n;

	if ((k = strcasestr(c->req, hdr)) == NULL)
		return -1;
	for (k += sizeof(hdr) - 1; *k == ' ' || *k == '\t'; k++)
		continue;
	for (e = k; *e != '\r' && *e != '\n' && *e != ' ' && *e != '\0'; e++)
		continue;
	if (ws_accept_key(k, (size_t)(e - k), accept) < 0)
		return -1;
	n = snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols"
	    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	if (send(c->fd, resp, (size_t)n, MSG_NOSIGNAL) != n)
		return -1;
	free(c->req);
	c->req = NULL;
	if (y->n_conns == y->cap_conns) {
		size_t cap = y->cap_conns ? 2 * y->cap_conns : 1024;
		struct conn **v = realloc(y->conns, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		y->conns = v;
		y->cap_conns = cap;
	}
	c->open = true;
	c->idx = y->n_conns;
	y->conns[y->n_conns++] = c;
	return 0;
}

/* Client bytes: the handshake, then frames that are read and ignored. */
static int
conn_read(struct yard *y, struct conn *c)
{
	char scratch[4096];
	ssize_t n;

	if (c->open) {
		n = recv(c->fd, scratch, sizeof(scratch), 0);
		return n == 0 || (n < 0 && errno != EAGAIN) ? -1 : 0;
	}
	n = recv(c->fd, c->req + c->req_len, REQ_MAX - 1 - c->req_len, 0);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0)
		return -1;
	c->req_len += (size_t)n;
	c->req[c->req_len] = '\0';
	if (strstr(c->req, "\r\n\r\n") != NULL)
		return conn_upgrade(y, c);
	return c->req_len == REQ_MAX - 1 ? -1 : 0;
}

static void
accept_all(struct yard *y)
{
	struct conn *c;
	int fd, one = 1;

	while ((fd = accept4(y->lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) >= 0) {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if ((c = calloc(1, sizeof(*c))) == NULL ||
		    (c->req = malloc(REQ_MAX)) == NULL) {
			log_err("out of memory for a client");
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		ep_set(y, EPOLL_CTL_ADD, fd, EPOLLIN, c);
	}
	if (errno != EAGAIN && errno != EINTR)
		log_warn("accept:");
}

static int
yard_listen(struct yard *y, const struct listen_addr *a)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[64];
	int one = 1;

	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)a->port);
		inet_pton(AF_INET6, a->host, &s6->sin6_addr);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)a->port);
		inet_pton(AF_INET, a->host, &s4->sin_addr);
		sl = sizeof(*s4);
	}
	y->lfd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (y->lfd < 0)
		return -1;
	setsockopt(y->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(y->lfd, (struct sockaddr *)&ss, sl) < 0 ||
	    listen(y->lfd, 4096) < 0 ||
	    getsockname(y->lfd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	snprintf(host, sizeof(host), a->family == AF_INET6 ? "[%s]" : "%s",
	    a->host);
	log_always("listening on ws://%s:%u/", host, ntohs(ss.ss_family ==
	    AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port));
	return 0;
}

static void
yard_event(struct yard *y, struct epoll_event *ev)
{
	struct conn *c = ev->data.ptr;

	if (c == &listen_tag) {
		accept_all(y);
		return;
	}
	if (c == &stdin_tag) {
		stdin_read(y);
		return;
	}
	if ((ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP)) &&
	    conn_read(y, c) < 0) {
		conn_close(y, c);
		return;
	}
	if ((ev->events & EPOLLOUT) && conn_flush(y, c) < 0)
		conn_close(y, c);
}

static int
yard_run(struct yard *y)
{
	struct epoll_event ev[MAX_EVENTS];
	int n, i;

	for (;;) {
		n = epoll_wait(y->ep, ev, MAX_EVENTS, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("epoll_wait:");
			return EXIT_RUNTIME;
		}
		for (i = 0; i < n; i++)
			yard_event(y, &ev[i]);
		/* Backpressure: stdin waits for the slowest client. */
		stdin_set(y, y->n_behind == 0);
	}
}

int
main(int argc, char **argv)
{
	static struct yard y;
	struct listen_addr a;
	char err[256];
	int opt, verbose = 0, quiet = 0;

	log_init("yardstick", LVL_NOTICE);
	opts_listen("127.0.0.1:0", &a, err, sizeof(err));
	while ((opt = getopt(argc, argv, "hqvl:")) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return EXIT_OK;
		} else if (opt == 'q')
			quiet = 1;
		else if (opt == 'v')
			verbose++;
		else if (opt != 'l' || opts_listen(optarg, &a, err,
		    sizeof(err)) < 0 || a.is_unix) {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	log_init("yardstick", log_level_from(verbose, quiet));
	signal(SIGPIPE, SIG_IGN);
	bench_raise_nofile(1 << 20);
	y.batch = malloc(sizeof(y.in) + sizeof(y.in) / 2 * 4);
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) |
	    O_NONBLOCK);
	if (y.batch == NULL || (y.ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    yard_listen(&y, &a) < 0) {
		log_err("cannot listen:");
		return EXIT_RUNTIME;
	}
	ep_set(&y, EPOLL_CTL_ADD, y.lfd, EPOLLIN, &listen_tag);
	stdin_set(&y, true);
	return yard_run(&y);
}
