/*
 * wsload: the benchmark's load generator.
 *
 * It starts a server (the command after "--") with its stdin on a pipe,
 * reads the port from the server's "listening on ws://HOST:PORT/" line,
 * opens N WebSocket clients to it from this one process (a plain epoll
 * client: no library between the sockets and the counting), then starts
 * the producer on the server's stdin and counts what every client gets:
 * deliveries per second, latency from the moment each line was due to
 * its receipt, sequence gaps and disorder. It reads the server's CPU time
 * and memory from /proc, kills it, and prints one line of key=value
 * results on stdout for bench/run.sh to tabulate.
 *
 * With --sio it speaks the little of Socket.IO 4 that a receiver needs:
 * Engine.IO v4 over WebSocket ("0" open, "40" connect, "2" ping answered
 * by "3", "42" events).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "benchlib.h"
#include "cli.h"
#include "log.h"
#include "opts.h"
#include "wsfeed.h"

/* Bytes read from one socket at once. */
#define RX_READ (256 * 1024)
/* Largest frame accepted; the benchmark's are about 100 bytes. rx has
 * room for a frame's leftover plus one read. */
#define FRAME_MAX (1024 * 1024)
/* Handshakes in flight at once, below the servers' listen backlogs. */
#define IN_FLIGHT 128
#define MAX_EVENTS 1024
/* The key of every handshake and the accept value it must get back. */
#define WS_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define WS_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
#define SIO_PATH "/socket.io/?EIO=4&transport=websocket"

/* Where a client is in its life. */
enum cstate {
	C_IDLE,		/* not started */
	C_CONNECTING,	/* TCP connect in progress */
	C_HANDSHAKE,	/* request sent, waiting for 101 */
	C_SIO_OPEN,	/* Socket.IO: waiting for the "0" packet */
	C_SIO_JOIN,	/* Socket.IO: "40" sent, waiting for its answer */
	C_OPEN,		/* counting messages */
	C_DONE		/* closed, by either side */
};

/* One client connection. */
struct client {
	int fd;
	enum cstate state;
	bool seen;		/* got a numbered message */
	bool complete;		/* got the last line */
	uint64_t last_seq;	/* highest seq so far */
	unsigned char *rest;	/* unfinished frame or handshake response */
	size_t rest_len, rest_cap;
};

/* Command line. */
struct options {
	size_t clients;		/* -c */
	double rate;		/* -r */
	int64_t duration_ms;	/* -d */
	uint64_t count;		/* -n; 0: rate times duration */
	int64_t wait_ms;	/* --wait: after the last line was due */
	int64_t settle_ms;	/* --settle: before reading RSS */
	int64_t connect_ms;	/* --connect-timeout */
	const char *size;	/* --size, for the producer */
	const char *path;	/* --path */
	const char *name;	/* --name */
	const char *producer;	/* --producer */
	bool saturate;		/* --saturate */
	bool idle;		/* --idle */
	bool sio;		/* --sio */
	bool graceful;		/* --graceful: SIGTERM, not SIGKILL */
	int verbose, quiet;
	char **server;		/* the command after -- */
};

/* What the clients counted. */
struct totals {
	uint64_t delivered;	/* numbered messages received */
	uint64_t lost;		/* seq numbers skipped */
	uint64_t ooo;		/* seq not above the one before */
	uint64_t other;		/* messages without a seq */
	size_t connected;	/* clients that got to C_OPEN */
	size_t failed;		/* clients that never got there */
	size_t closed;		/* open clients that the server closed */
	size_t complete;	/* clients that got the last line */
	int64_t last_rx;	/* time of the last delivery */
	struct hist *lat;	/* latency, microseconds */
};

/* The whole run. */
struct run {
	struct options o;
	int ep;
	struct sockaddr_in addr;	/* the server */
	char hostport[64];
	pid_t server, producer;
	int srv_in;		/* write end of the server's stdin */
	int srv_err;		/* read end of the server's stderr */
	char err_buf[4096];	/* server stderr not yet a whole line */
	size_t err_len;
	bool listening;
	bool connecting;	/* clients may be started */
	struct client *clients;
	size_t next;		/* next client to start */
	size_t in_flight;	/* clients connecting or handshaking */
	uint64_t lines;		/* lines the producer writes */
	double cpu_s;		/* server CPU time, last reading */
	long hwm_kb;		/* server peak RSS, last reading */
	int64_t sampled;	/* when they were read */
	unsigned char *rx;	/* FRAME_MAX + RX_READ bytes */
	struct totals t;
};

static volatile sig_atomic_t stop_signal;

/* The epoll tag of the server's stderr. */
static char err_tag;

static const struct option long_options[] = {
	{ "help",		no_argument,		NULL, 'h' },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "clients",		required_argument,	NULL, 'c' },
	{ "rate",		required_argument,	NULL, 'r' },
	{ "duration",		required_argument,	NULL, 'd' },
	{ "count",		required_argument,	NULL, 'n' },
	{ "wait",		required_argument,	NULL, 'w' },
	{ "settle",		required_argument,	NULL, 'T' },
	{ "connect-timeout",	required_argument,	NULL, 'C' },
	{ "size",		required_argument,	NULL, 'z' },
	{ "path",		required_argument,	NULL, 'p' },
	{ "name",		required_argument,	NULL, 'N' },
	{ "producer",		required_argument,	NULL, 'P' },
	{ "saturate",		no_argument,		NULL, 'S' },
	{ "idle",		no_argument,		NULL, 'I' },
	{ "sio",		no_argument,		NULL, 'O' },
	{ "graceful",		no_argument,		NULL, 'G' },
	{ NULL,			0,			NULL, 0 }
};

static void
usage(FILE *out)
{
	fprintf(out,
"usage: wsload [-hqv] [-c CLIENTS] [-r RATE | --saturate | --idle]\n"
"              [-d DURATION] [-n COUNT] [--wait DURATION]\n"
"              [--settle DURATION] [--connect-timeout DURATION]\n"
"              [--size BYTES] [--sio] [--path PATH] [--name NAME]\n"
"              [--producer PROG] [--graceful] -- SERVER [ARG ...]\n");
}

static void
parse_option(struct options *o, int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case 'h':
		usage(stdout);
		exit(EXIT_OK);
	case 'q':
		o->quiet = 1;
		break;
	case 'v':
		o->verbose++;
		break;
	case 'c':
		o->clients = (size_t)cli_count("-c", arg, 1, 1LL << 40);
		break;
	case 'd':
		o->duration_ms = cli_duration("-d", arg);
		break;
	case 'n':
		o->count = (uint64_t)cli_count("-n", arg, 1, 1LL << 40);
		break;
	case 'w':
		o->wait_ms = cli_duration("--wait", arg);
		break;
	case 'T':
		o->settle_ms = cli_duration("--settle", arg);
		break;
	case 'C':
		o->connect_ms = cli_duration("--connect-timeout", arg);
		break;
	case 'z':
		o->size = arg;
		break;
	case 'p':
		o->path = arg;
		break;
	case 'N':
		o->name = arg;
		break;
	case 'P':
		o->producer = arg;
		break;
	case 'S':
		o->saturate = true;
		break;
	case 'I':
		o->idle = true;
		break;
	case 'O':
		o->sio = true;
		break;
	case 'G':
		o->graceful = true;
		break;
	case 'r':
		o->rate = strtod(arg, &end);
		if (*end != '\0' || !(o->rate > 0 && o->rate <= 1e8))
			cli_usage_error("-r: bad rate '%s'", arg);
		break;
	}
}

/* The producer next to this program, unless --producer says otherwise. */
static const char *
default_producer(void)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 16);
	char *slash;

	if (n <= 0)
		return "producer";
	path[n] = '\0';
	if ((slash = strrchr(path, '/')) == NULL)
		return "producer";
	strcpy(slash + 1, "producer");
	return path;
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	int opt;

	memset(o, 0, sizeof(*o));
	o->clients = 100;
	o->rate = 1000;
	o->duration_ms = 5000;
	o->wait_ms = 5000;
	o->settle_ms = 500;
	o->connect_ms = 60000;
	while ((opt = cli_getopt(argc, argv, "+hqvc:r:d:n:",
	    long_options)) != -1)
		parse_option(o, opt, optarg);
	if (optind >= argc)
		cli_usage_error("no server command after --");
	o->server = argv + optind;
	if (o->saturate && o->idle)
		cli_usage_error("--saturate and --idle: pick one");
	if (o->saturate && o->count == 0)
		cli_usage_error("--saturate needs -n COUNT");
	if (o->path == NULL)
		o->path = o->sio ? SIO_PATH : "/";
	if (o->name == NULL)
		o->name = o->server[0];
	if (o->producer == NULL)
		o->producer = default_producer();
}

static void
on_signal(int sig)
{
	stop_signal = sig;
}

/* A child that dies with us: PR_SET_PDEATHSIG, then exec. */
static pid_t
spawn(char **argv, int in, int out, int err)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if ((in >= 0 && dup2(in, 0) < 0) || (out >= 0 && dup2(out, 1) < 0) ||
	    (err >= 0 && dup2(err, 2) < 0))
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	fprintf(stderr, "wsload: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int
start_server(struct run *r)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &err_tag };
	int in[2], err[2], devnull;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		log_err("pipe:");
		return -1;
	}
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	r->server = spawn(r->o.server, in[0], devnull, err[1]);
	close(in[0]);
	close(err[1]);
	if (devnull >= 0)
		close(devnull);
	if (r->server < 0) {
		log_err("fork:");
		return -1;
	}
	r->srv_in = in[1];
	r->srv_err = err[0];
	fcntl(r->srv_err, F_SETFL, O_NONBLOCK);
	return epoll_ctl(r->ep, EPOLL_CTL_ADD, r->srv_err, &ev);
}

/* "listening on ws://127.0.0.1:PORT/": where the clients go. */
static void
server_line(struct run *r, char *line)
{
	char *p = strstr(line, "listening on ws://"), *colon;
	long port;

	if (p == NULL || r->listening) {
		fprintf(stderr, "%s\n", line);
		return;
	}
	if (r->o.verbose)
		fprintf(stderr, "%s\n", line);
	p += strlen("listening on ws://");
	if ((colon = strchr(p, ':')) == NULL)
		return;
	*colon = '\0';
	port = strtol(colon + 1, NULL, 10);
	r->addr.sin_family = AF_INET;
	r->addr.sin_port = htons((uint16_t)port);
	if (port <= 0 || port > 65535 ||
	    inet_pton(AF_INET, p, &r->addr.sin_addr) != 1) {
		log_err("server: cannot use the address in '%s' (IPv4 only)",
		    p);
		return;
	}
	snprintf(r->hostport, sizeof(r->hostport), "%s:%ld", p, port);
	r->listening = true;
}

/* Pass the server's stderr on, line by line, and look for its port. */
static void
server_stderr(struct run *r)
{
	ssize_t n;
	char *nl;

	n = read(r->srv_err, r->err_buf + r->err_len,
	    sizeof(r->err_buf) - 1 - r->err_len);
	if (n <= 0) {
		if (n == 0 || errno != EAGAIN) {
			epoll_ctl(r->ep, EPOLL_CTL_DEL, r->srv_err, NULL);
			close(r->srv_err);
			r->srv_err = -1;
		}
		return;
	}
	r->err_len += (size_t)n;
	r->err_buf[r->err_len] = '\0';
	while ((nl = strchr(r->err_buf, '\n')) != NULL) {
		*nl = '\0';
		server_line(r, r->err_buf);
		r->err_len -= (size_t)(nl + 1 - r->err_buf);
		memmove(r->err_buf, nl + 1, r->err_len + 1);
	}
	if (r->err_len == sizeof(r->err_buf) - 1) {
		server_line(r, r->err_buf);
		r->err_len = 0;
	}
}

/* Whether a child is gone; reaps it and says how it ended. */
static bool
child_gone(pid_t *pid, const char *what)
{
	int st;

	if (*pid <= 0)
		return true;
	if (waitpid(*pid, &st, WNOHANG) != *pid)
		return false;
	if (WIFSIGNALED(st))
		log_warn("%s killed by signal %d", what, WTERMSIG(st));
	else if (WEXITSTATUS(st) != 0)
		log_warn("%s exited with status %d", what, WEXITSTATUS(st));
	*pid = 0;
	return true;
}

/*
 * SIGTERM, then up to 60 s for the child to exit on its own (a server
 * under a profiler writes its profile then), then SIGKILL.
 */
static void
term_child(pid_t *pid)
{
	int64_t end = bench_now_us() + 60 * 1000000LL;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	while (bench_now_us() < end && waitpid(*pid, NULL, WNOHANG) == 0)
		usleep(10000);
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, WNOHANG);
	*pid = 0;
}

static void
kill_child(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = 0;
}

/* A tiny frame to the server (pong, Socket.IO packets): masked. */
static void
client_send(struct client *c, int opcode, const void *p, size_t len)
{
	unsigned char frame[256];
	unsigned char mask[4] = { 0x5a, 0x17, 0xc3, 0x9e };
	size_t n;

	if (len > sizeof(frame) - 14)
		len = sizeof(frame) - 14;
	n = ws_frame_client(frame, opcode, p, len, mask);
	/* Tiny and rare: a socket that cannot take it is beyond saving. */
	(void)send(c->fd, frame, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void
client_finish(struct run *r, struct client *c)
{
	if (c->state == C_DONE)
		return;
	if (c->state == C_OPEN) {
		if (!c->complete)
			r->t.closed++;
	} else {
		r->t.failed++;
		r->in_flight--;
	}
	c->state = C_DONE;
	epoll_ctl(r->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	free(c->rest);
	c->rest = NULL;
	c->rest_len = c->rest_cap = 0;
}

static void
client_ready(struct run *r, struct client *c)
{
	c->state = C_OPEN;
	r->in_flight--;
	r->t.connected++;
}

/* A numbered line: latency, order, completion. */
static void
count_line(struct run *r, struct client *c, const char *p, size_t len,
    int64_t now)
{
	uint64_t seq, t;
	long e, e2;

	if ((e = bench_field_u64(p, len, "\"seq\":", &seq)) < 0) {
		r->t.other++;
		return;
	}
	e2 = bench_field_u64(p + e, len - (size_t)e, "\"t\":", &t);
	if (e2 < 0 && bench_field_u64(p, len, "\"t\":", &t) < 0) {
		r->t.other++;
		return;
	}
	r->t.delivered++;
	r->t.last_rx = now;
	hist_add(r->t.lat, now - (int64_t)t);
	/* Clients join before the first line: anything before is lost. */
	if (seq > c->last_seq + 1)
		r->t.lost += seq - c->last_seq - 1;
	else if (c->seen && seq <= c->last_seq)
		r->t.ooo++;
	c->seen = true;
	if (seq > c->last_seq)
		c->last_seq = seq;
	if (!c->complete && r->lines > 0 && c->last_seq >= r->lines) {
		c->complete = true;
		r->t.complete++;
	}
}

/* Engine.IO and Socket.IO packets of one text message. */
static void
sio_message(struct run *r, struct client *c, const char *p, size_t len,
    int64_t now)
{
	if (len >= 2 && p[0] == '4' && p[1] == '2' && c->state == C_OPEN) {
		count_line(r, c, p + 2, len - 2, now);
		return;
	}
	if (len == 1 && p[0] == '2') {
		client_send(c, WS_TEXT, "3", 1);
		return;
	}
	if (c->state == C_SIO_OPEN && len > 0 && p[0] == '0') {
		client_send(c, WS_TEXT, "40", 2);
		c->state = C_SIO_JOIN;
		return;
	}
	if (c->state == C_SIO_JOIN && len >= 2 && p[0] == '4' && p[1] == '0') {
		client_ready(r, c);
		return;
	}
	if (c->state == C_OPEN)
		r->t.other++;
}

/* One whole frame. Returns -1 when the client is done. */
static int
client_frame(struct run *r, struct client *c, const struct ws_frame *f,
    unsigned char *p, int64_t now)
{
	if (f->masked)
		ws_unmask(p, f->len, f->mask);
	switch (f->opcode) {
	case WS_TEXT:
	case WS_BINARY:
		if (r->o.sio)
			sio_message(r, c, (char *)p, f->len, now);
		else if (f->fin)
			count_line(r, c, (char *)p, f->len, now);
		else
			r->t.other++;
		return 0;
	case WS_PING:
		client_send(c, WS_PONG, p, f->len);
		return 0;
	case WS_CLOSE:
		return -1;
	default:
		return 0;
	}
}

/* Whole frames in p; returns bytes used, or -1 when done or broken. */
static long
client_frames(struct run *r, struct client *c, unsigned char *p, size_t len,
    int64_t now)
{
	struct ws_frame f;
	size_t used = 0, whole;
	int rc;

	while ((rc = ws_frame_parse(p + used, len - used, &f)) > 0) {
		if (f.len > FRAME_MAX) {
			log_warn("client: frame of %llu bytes: closing",
			    (unsigned long long)f.len);
			return -1;
		}
		whole = f.hdr_len + (size_t)f.len;
		if (len - used < whole)
			break;
		if (client_frame(r, c, &f, p + used + f.hdr_len, now) < 0)
			return -1;
		used += whole;
	}
	if (rc < 0) {
		log_warn("client: bad frame header from the server");
		return -1;
	}
	return (long)used;
}

/* The 101 answer. Returns bytes used, 0 for more, -1 for a refusal. */
static long
client_response(struct run *r, struct client *c, unsigned char *p,
    size_t len)
{
	char *end, *acc;

	if ((end = memmem(p, len, "\r\n\r\n", 4)) == NULL)
		return len > 8192 ? -1 : 0;
	*end = '\0';
	acc = strcasestr((char *)p, "\nSec-WebSocket-Accept:");
	if (strncmp((char *)p, "HTTP/1.1 101", 12) != 0 || acc == NULL ||
	    strstr(acc, WS_ACCEPT) == NULL) {
		if (r->t.failed == 0)
			log_warn("handshake refused: %.*s", (int)strcspn(
			    (char *)p, "\r\n"), (char *)p);
		return -1;
	}
	if (r->o.sio)
		c->state = C_SIO_OPEN;
	else
		client_ready(r, c);
	return end + 4 - (char *)p;
}

/* Keep len bytes at p for the next read. */
static int
client_keep(struct client *c, const unsigned char *p, size_t len)
{
	c->rest_len = 0;
	if (len == 0)
		return 0;
	if (len > c->rest_cap) {
		size_t cap = len < 256 ? 256 : len;
		unsigned char *n = realloc(c->rest, cap);

		if (n == NULL)
			return -1;
		c->rest = n;
		c->rest_cap = cap;
	}
	memmove(c->rest, p, len);
	c->rest_len = len;
	return 0;
}

static void
client_read(struct run *r, struct client *c)
{
	unsigned char *p = r->rx;
	size_t have = c->rest_len;
	long used = 0, n;
	ssize_t got;

	if (have > 0)
		memcpy(p, c->rest, have);
	got = recv(c->fd, p + have, RX_READ, 0);
	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (got <= 0) {
		client_finish(r, c);
		return;
	}
	have += (size_t)got;
	if (c->state == C_HANDSHAKE) {
		if ((used = client_response(r, c, p, have)) <= 0) {
			if (used < 0 || client_keep(c, p, have) < 0)
				client_finish(r, c);
			return;
		}
	}
	n = client_frames(r, c, p + used, have - (size_t)used,
	    bench_now_us());
	if (n < 0 || client_keep(c, p + used + n, have - (size_t)(used + n)) <
	    0)
		client_finish(r, c);
}

static void
client_connected(struct run *r, struct client *c)
{
	char req[512];
	int err = 0, n;
	socklen_t el = sizeof(err);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 ||
	    err != 0) {
		if (r->t.failed == 0)
			log_warn("connect to %s: %s", r->hostport,
			    strerror(err));
		client_finish(r, c);
		return;
	}
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: " WS_KEY "\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n", r->o.path, r->hostport);
	if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		client_finish(r, c);
		return;
	}
	c->state = C_HANDSHAKE;
	epoll_ctl(r->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
client_start(struct run *r, struct client *c)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
	int one = 1;

	r->in_flight++;
	c->state = C_CONNECTING;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (c->fd < 0) {
		log_err("socket:");
		c->fd = open("/dev/null", O_RDONLY);
		client_finish(r, c);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((connect(c->fd, (struct sockaddr *)&r->addr, sizeof(r->addr)) <
	    0 && errno != EINPROGRESS) ||
	    epoll_ctl(r->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		client_finish(r, c);
		return;
	}
}

static void
on_event(struct run *r, struct epoll_event *ev)
{
	struct client *c = ev->data.ptr;

	if (ev->data.ptr == &err_tag) {
		server_stderr(r);
		return;
	}
	if (c->state == C_CONNECTING)
		client_connected(r, c);
	else if (c->state != C_DONE)
		client_read(r, c);
}

/*
 * Read the server's CPU time and peak RSS, at most every 100 ms, so that
 * figures remain when it exits on its own (ws-broadcast does, once its
 * clients have had everything after the end of input).
 */
static void
sample_server(struct run *r, bool now)
{
	double cpu;
	long hwm;

	if (r->server <= 0 || (!now && bench_now_us() - r->sampled < 100000))
		return;
	cpu = proc_cpu_seconds(r->server);
	hwm = proc_status_kb(r->server, "VmHWM");
	if (cpu >= 0 && hwm >= 0) {
		r->cpu_s = cpu;
		r->hwm_kb = hwm;
	}
	r->sampled = bench_now_us();
}

/* Serve events until deadline (monotonic µs) or until done(r). */
static void
loop_until(struct run *r, int64_t deadline, bool (*done)(struct run *))
{
	struct epoll_event ev[MAX_EVENTS];
	int64_t now;
	int n, i, ms;

	while (!stop_signal && !(done != NULL && done(r)) &&
	    (now = bench_now_us()) < deadline) {
		while (r->in_flight < IN_FLIGHT && r->next < r->o.clients &&
		    r->connecting)
			client_start(r, &r->clients[r->next++]);
		ms = (int)((deadline - now) / 1000) + 1;
		n = epoll_wait(r->ep, ev, MAX_EVENTS, ms < 50 ? ms : 50);
		for (i = 0; i < n; i++)
			on_event(r, &ev[i]);
		sample_server(r, false);
		child_gone(&r->server, "server");
		child_gone(&r->producer, "producer");
	}
}

static bool
listening_or_gone(struct run *r)
{
	return r->listening || r->server <= 0;
}

static bool
all_connected(struct run *r)
{
	return r->t.connected + r->t.failed == r->o.clients;
}

static bool
all_complete(struct run *r)
{
	return r->t.complete + r->t.closed + r->t.failed >= r->o.clients;
}

static int
start_producer(struct run *r)
{
	char rate[32], count[32], *argv[10];
	int i = 0;

	snprintf(rate, sizeof(rate), "%g", r->o.rate);
	snprintf(count, sizeof(count), "%llu", (unsigned long long)r->lines);
	argv[i++] = (char *)r->o.producer;
	argv[i++] = "-n";
	argv[i++] = count;
	if (r->o.saturate)
		argv[i++] = "--saturate";
	else {
		argv[i++] = "-r";
		argv[i++] = rate;
	}
	if (r->o.size != NULL) {
		argv[i++] = "--size";
		argv[i++] = (char *)r->o.size;
	}
	argv[i] = NULL;
	r->producer = spawn(argv, -1, r->srv_in, -1);
	close(r->srv_in);
	r->srv_in = -1;
	if (r->producer < 0) {
		log_err("fork:");
		return -1;
	}
	return 0;
}

/* Messages each client should have got but did not by the end. */
static uint64_t
undelivered(const struct run *r)
{
	uint64_t u = 0;
	size_t i;

	for (i = 0; i < r->o.clients; i++)
		if (r->clients[i].last_seq < r->lines)
			u += r->lines - r->clients[i].last_seq;
	return u;
}

static void
print_results(struct run *r, int64_t start, double cpu, long rss_base,
    long rss_clients, long hwm)
{
	const struct totals *t = &r->t;
	double secs = t->last_rx > start ? (double)(t->last_rx - start) / 1e6 :
	    0;
	double per = t->connected > 0 && rss_clients >= rss_base ?
	    (double)(rss_clients - rss_base) * 1024 / (double)t->connected : 0;

	printf("name=%s mode=%s clients=%zu rate=%g lines=%llu "
	    "connected=%zu failed=%zu closed=%zu delivered=%llu lost=%llu "
	    "ooo=%llu other=%llu undelivered=%llu secs=%.3f dps=%.0f "
	    "p50_ms=%.3f p99_ms=%.3f max_ms=%.3f cpu_s=%.2f "
	    "rss_base_kb=%ld rss_kb=%ld hwm_kb=%ld per_client_b=%.0f\n",
	    r->o.name, r->o.idle ? "idle" : r->o.saturate ? "sat" : "rate",
	    r->o.clients, r->o.idle || r->o.saturate ? 0 : r->o.rate,
	    (unsigned long long)r->lines, t->connected, t->failed, t->closed,
	    (unsigned long long)t->delivered, (unsigned long long)t->lost,
	    (unsigned long long)t->ooo, (unsigned long long)t->other,
	    (unsigned long long)(r->o.idle ? 0 : undelivered(r)), secs,
	    secs > 0 ? (double)t->delivered / secs : 0,
	    (double)hist_quantile(t->lat, 0.5) / 1e3,
	    (double)hist_quantile(t->lat, 0.99) / 1e3,
	    (double)hist_max(t->lat) / 1e3, cpu, rss_base, rss_clients, hwm,
	    per);
	fflush(stdout);
}

/* Connect everyone; returns -1 when the server never listened. */
static int
run_connect(struct run *r)
{
	int64_t now = bench_now_us();

	loop_until(r, now + 20 * 1000000LL, listening_or_gone);
	if (!r->listening) {
		log_err("the server never said 'listening on ws://...'");
		return -1;
	}
	loop_until(r, bench_now_us() + 300000, NULL);
	return 0;
}

static int
run(struct run *r)
{
	long rss_base, rss_clients;
	int64_t start, end;
	double cpu0;

	if (start_server(r) < 0 || run_connect(r) < 0)
		return -1;
	rss_base = proc_status_kb(r->server, "VmRSS");
	r->connecting = true;
	loop_until(r, bench_now_us() + r->o.connect_ms * 1000, all_connected);
	if (r->t.failed > 0)
		log_warn("%zu of %zu clients failed to connect", r->t.failed,
		    r->o.clients);
	loop_until(r, bench_now_us() + r->o.settle_ms * 1000, NULL);
	rss_clients = proc_status_kb(r->server, "VmRSS");
	sample_server(r, true);
	cpu0 = r->cpu_s;
	start = bench_now_us();
	if (r->server > 0 && !r->o.idle) {
		if (start_producer(r) < 0)
			return -1;
		end = start + (r->o.saturate ? 0 : (int64_t)((double)r->lines /
		    r->o.rate * 1e6)) + r->o.wait_ms * 1000;
		loop_until(r, end, all_complete);
	}
	if (rss_base < 0 || rss_clients < 0) {
		log_err("the server exited before the clients were counted");
		return -1;
	}
	sample_server(r, true);
	if (r->o.graceful)
		term_child(&r->server);
	kill_child(&r->server);
	kill_child(&r->producer);
	if (stop_signal)
		return -1;
	print_results(r, start, r->cpu_s - cpu0, rss_base, rss_clients,
	    r->hwm_kb);
	return 0;
}

static int
run_init(struct run *r)
{
	size_t want = r->o.clients + 64;

	if (bench_raise_nofile(want) < want) {
		log_err("%zu clients need %zu descriptors; the limit is %zu "
		    "(ulimit -Hn)", r->o.clients, want,
		    bench_raise_nofile(want));
		return -1;
	}
	r->srv_in = r->srv_err = -1;
	r->clients = calloc(r->o.clients, sizeof(*r->clients));
	r->rx = malloc(FRAME_MAX + RX_READ + 64);
	r->t.lat = hist_new();
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (r->clients == NULL || r->rx == NULL || r->t.lat == NULL ||
	    r->ep < 0) {
		log_err("setting up:");
		return -1;
	}
	if (!r->o.idle)
		r->lines = r->o.count ? r->o.count :
		    (uint64_t)(r->o.rate * (double)r->o.duration_ms / 1e3);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct run r;
	int rc;

	log_init("wsload", LVL_NOTICE);
	parse_args(argc, argv, &r.o);
	log_init("wsload", log_level_from(r.o.verbose, r.o.quiet));
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (run_init(&r) < 0)
		return EXIT_RUNTIME;
	rc = run(&r);
	kill_child(&r.server);
	kill_child(&r.producer);
	return rc < 0 ? EXIT_RUNTIME : EXIT_OK;
}
