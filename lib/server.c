/*
 * ws-broadcast's server: context, vhost, clients, fan-out, timers, end.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "clock.h"
#include "log.h"
#include "msg.h"
#include "room.h"
#include "server.h"

/* Descriptors kept back from --max-clients for stdin, logs, HTTP. */
#define FD_RESERVE 64
/* How often rooms are swept for stalls, quiet rooms and TTLs. */
#define SWEEP_US (100 * 1000)
/* After --drain, how long closing clients get before the loop ends. */
#define FINAL_GRACE_US (2 * 1000 * 1000)
/* Payload of our pings: an empty PONG never reaches lws's callback. */
#define PING_PAYLOAD "wsfeed"
/*
 * Send buffer of each client socket. Left to autotuning, Linux lets a
 * fast reader's socket hold megabytes, where the client's backlog is
 * hidden from the queue that slow-client handling looks at (and kernel
 * memory grows with the number of clients). Linux doubles this value:
 * two batches in flight.
 */
#define CLIENT_SNDBUF (64 * 1024)
/* Largest message a client may send, and most fragments in one. */
#define CLIENT_MSG_MAX (64 * 1024)
#define CLIENT_FRAGS_MAX 64
/* Most header bytes of one request, and how long a handshake may take. */
#define HEADER_MAX 4096
#define HANDSHAKE_SECS 10
/* RFC 6455 close code "try again later", which lws 4.1.6 does not name. */
#define CLOSE_TRY_AGAIN_LATER 1013

/* One WebSocket client: lws's per-session data. */
struct client {
	struct member m;	/* first: the model's view of the client */
	struct server *srv;
	struct lws *wsi;
	char room[ROOM_NAME_MAX + 1];	/* chosen at the handshake */
	char peer[64];		/* address, for logs */
	uint16_t close_code;	/* nonzero: close with it when writable */
	bool joined;		/* ESTABLISHED ran: CLOSED must leave */
	bool ping_due;		/* write a ping with the next batch */
	bool ping_out;		/* a ping is unanswered */
	size_t rx_bytes;	/* of the message being received */
	unsigned rx_frags;	/* its fragments so far */
	uint64_t acked;		/* bytes the peer acknowledged, last seen */
	bool rejected;		/* sent too much: close it ourselves */
	bool close_sent;	/* our close frame went out; await reply */
};

static void server_pressure_changed(struct server *s);

static struct client *
client_of(struct member *m)
{
	return (struct client *)m;
}

static struct server *
server_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

/* Ask for a close with code at the next writable callback. */
static void
client_close(struct client *c, uint16_t code)
{
	c->close_code = code;
	lws_callback_on_writable(c->wsi);
}

/* The reason phrase of a close frame, for the client's logs. */
static const char *
close_phrase(uint16_t code)
{
	switch (code) {
	case LWS_CLOSE_STATUS_NORMAL:
		return "end of feed";
	case LWS_CLOSE_STATUS_GOINGAWAY:
		return "server going away";
	case LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE:
		return "message too big";
	case CLOSE_TRY_AGAIN_LATER:
		return "too slow: reconnect";
	default:
		return "";
	}
}

static void
client_send_close(struct client *c)
{
	const char *phrase = close_phrase(c->close_code);

	lws_close_reason(c->wsi, c->close_code, (unsigned char *)phrase,
	    strlen(phrase));
}

/* Drop a client at once, without a close frame: it could not take one. */
static void
client_kill(struct client *c)
{
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void
hook_wake(struct member *m)
{
	lws_callback_on_writable(client_of(m)->wsi);
}

/* Bytes the peer has acknowledged on this TCP connection, or 0. */
static uint64_t
bytes_acked(struct lws *wsi)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(lws_get_socket_fd(wsi), IPPROTO_TCP, TCP_INFO, &ti,
	    &len) < 0)
		return 0;
	return ti.tcpi_bytes_acked;
}

/*
 * lws calls us back only when a whole batch has gone out, which for a
 * slow reader can take longer than --stall; the kernel knows whether the
 * peer is taking bytes at all.
 */
static bool
hook_moved(struct member *m)
{
	struct client *c = client_of(m);
	uint64_t acked = bytes_acked(c->wsi);

	if (acked <= c->acked)
		return false;
	c->acked = acked;
	return true;
}

/*
 * A stalled client under --slow close. lws will not send a close frame
 * past output it still holds, so the frame goes only to a socket that can
 * take it; any other is dropped and freed now.
 */
static void
hook_cut(struct member *m)
{
	struct client *c = client_of(m);

	if (!lws_send_pipe_choked(c->wsi)) {
		log_warn("client %llu (%s) in room %s is too slow: "
		    "closing it (1013)", (unsigned long long)m->id, c->peer,
		    c->room);
		client_close(c, CLOSE_TRY_AGAIN_LATER);
		return;
	}
	log_warn("client %llu (%s) in room %s is not reading: dropping it",
	    (unsigned long long)m->id, c->peer, c->room);
	client_kill(c);
}

static void
server_check_done(struct server *s)
{
	if (s->phase == PHASE_DRAINING && s->rooms.n_members == 0)
		s->phase = PHASE_DONE;
}

/*
 * A client that is still sending when we close could get a reset from
 * lws's close, which throws away our close frame on its side. So the frame
 * is written here as raw bytes, and the connection stays open, reading
 * and dropping data, until the client's own close frame comes back (or
 * the close timeout runs out).
 */
static int
client_reject(struct client *c)
{
	const char *phrase = close_phrase(LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
	unsigned char frame[LWS_PRE + 64], *p = frame + LWS_PRE;
	size_t plen = 2 + strlen(phrase), n;

	n = msg_frame_header(p, MSG_CLOSE, plen);
	p[n++] = LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE >> 8;
	p[n++] = LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE & 0xff;
	memcpy(p + n, phrase, plen - 2);
	if (lws_write(c->wsi, p, n + plen - 2, LWS_WRITE_RAW) < 0)
		return -1;
	c->close_sent = true;
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, 5);
	return 0;
}

/* Copy queued frames into one buffer; a message over the batch goes alone. */
static int
client_write_batch(struct server *s, struct client *c)
{
	unsigned char *b = s->batch + LWS_PRE;
	size_t used = 0, n = 0;
	struct msg *m;

	if (c->ping_due) {
		size_t plen = sizeof(PING_PAYLOAD) - 1;

		used = msg_frame_header(b, MSG_PING, plen);
		memcpy(b + used, PING_PAYLOAD, plen);
		used += plen;
		c->ping_due = false;
		c->ping_out = true;
	}
	while ((m = member_peek(&c->m, n)) != NULL) {
		size_t fl = msg_frame_len(m);

		if (used + fl > SERVER_BATCH_MAX) {
			if (used > 0)
				break;
			if (lws_write(c->wsi, m->frame, fl, LWS_WRITE_RAW) < 0)
				return -1;
			n = 1;
			break;
		}
		memcpy(b + used, m->frame, fl);
		used += fl;
		n++;
	}
	if (used > 0 && lws_write(c->wsi, b, used, LWS_WRITE_RAW) < 0)
		return -1;
	member_sent(&c->m, n);
	return used > 0 || n > 0;
}

static int
client_writable(struct server *s, struct client *c)
{
	int wrote;

	if (c->rejected)
		return c->close_sent ? 0 : client_reject(c);
	if (!c->joined)
		return 0;
	member_progress(&c->m);
	if (c->close_code != 0) {
		client_send_close(c);
		return -1;
	}
	if ((wrote = client_write_batch(s, c)) < 0)
		return -1;
	if (c->m.count > 0 || c->ping_due)
		lws_callback_on_writable(c->wsi);
	else if (s->phase == PHASE_DRAINING) {
		/* Close only once lws holds nothing more for this socket. */
		if (!wrote) {
			c->close_code = s->close_code;
			client_send_close(c);
			return -1;
		}
		lws_callback_on_writable(c->wsi);
	}
	server_pressure_changed(s);
	return 0;
}

/* Copy what the handshake says into the client, or refuse it. */
static int
client_filter(struct server *s, struct lws *wsi, struct client *c)
{
	char path[ROOM_NAME_MAX + 2];
	enum access_verdict v;
	const char *why;
	int n;

	if ((v = http_access(s, wsi, true, &why)) != ACCESS_OK) {
		char body[256];

		snprintf(body, sizeof(body), "%s\n", why);
		return http_refuse(wsi, (int)v, body);
	}
	n = lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI);
	if (n < 0 || room_from_path(path, (size_t)n, s->cfg.main_room,
	    c->room) < 0)
		return http_refuse(wsi, 404, "no such room\n");
	if (s->rooms.n_members >= s->max_clients)
		return http_refuse(wsi, 503, "too many clients "
		    "(--max-clients)\n");
	if (rooms_find(&s->rooms, c->room) == NULL &&
	    s->rooms.n_rooms >= s->rooms.limits.max_rooms)
		return http_refuse(wsi, 503, "too many rooms (--max-rooms)\n");
	if (s->phase == PHASE_DRAINING || s->phase == PHASE_DONE)
		return http_refuse(wsi, 503, "shutting down\n");
	return 0;
}

/*
 * lws matches subprotocols before FILTER_PROTOCOL_CONNECTION and drops an
 * unknown one without an answer; say why while it still asks us.
 */
static int
client_confirm_upgrade(struct lws *wsi)
{
	if (lws_hdr_total_length(wsi, WSI_TOKEN_PROTOCOL) > 0)
		return http_refuse(wsi, 400, "no WebSocket subprotocol is "
		    "spoken here: connect without Sec-WebSocket-Protocol\n");
	return 0;
}

static void
client_set_sndbuf(struct lws *wsi)
{
	int size = CLIENT_SNDBUF;

	if (setsockopt(lws_get_socket_fd(wsi), SOL_SOCKET, SO_SNDBUF, &size,
	    sizeof(size)) < 0)
		log_debug("SO_SNDBUF:");
}

static int
client_join(struct server *s, struct lws *wsi, struct client *c)
{
	struct room *r = rooms_get(&s->rooms, c->room);

	c->srv = s;
	c->wsi = wsi;
	lws_get_peer_simple(wsi, c->peer, sizeof(c->peer));
	if (r == NULL) {
		log_warn("client (%s): cannot join room %s:", c->peer,
		    c->room);
		return -1;
	}
	client_set_sndbuf(wsi);
	c->acked = bytes_acked(wsi);
	member_init(&s->rooms, &c->m);
	member_join(&c->m, r);
	c->joined = true;
	log_info("client %llu (%s) joined room %s",
	    (unsigned long long)c->m.id, c->peer, c->room);
	if (s->phase == PHASE_DRAINING && c->m.count == 0)
		lws_callback_on_writable(wsi);
	return 0;
}

static void
client_leave(struct server *s, struct client *c)
{
	if (!c->joined)
		return;
	log_info("client %llu (%s) left room %s", (unsigned long long)c->m.id,
	    c->peer, c->room);
	member_leave(&c->m);
	c->joined = false;
	server_pressure_changed(s);
	server_check_done(s);
}

/*
 * A message a client sent is read and thrown away, but bounded: one too
 * big, or cut into too many fragments, closes the client (1009).
 */
static int
client_received(struct server *s, struct lws *wsi, struct client *c,
    size_t len)
{
	if (c->rejected)
		return 0;
	c->rx_bytes += len;
	if (!lws_remaining_packet_payload(wsi))
		c->rx_frags++;
	if (c->rx_bytes > CLIENT_MSG_MAX || c->rx_frags > CLIENT_FRAGS_MAX) {
		log_info("client %llu (%s) sent a message over %d bytes or "
		    "%d fragments: closing it", (unsigned long long)c->m.id,
		    c->peer, CLIENT_MSG_MAX, CLIENT_FRAGS_MAX);
		client_leave(s, c);
		c->rejected = true;
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
		s->stats.client_messages++;
		c->rx_bytes = 0;
		c->rx_frags = 0;
	}
	return 0;
}

static int
server_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct server *s = server_of(wsi);
	struct client *c = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return http_answer(s, wsi, in);
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return client_confirm_upgrade(wsi);
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return client_filter(s, wsi, c);
	case LWS_CALLBACK_ESTABLISHED:
		return client_join(s, wsi, c);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return client_writable(s, c);
	case LWS_CALLBACK_RECEIVE:
		return client_received(s, wsi, c, len);
	case LWS_CALLBACK_RECEIVE_PONG:
		c->ping_out = false;
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		/* After our own close frame, its reply ends the connection. */
		return c->close_sent;
	case LWS_CALLBACK_CLOSED:
		client_leave(s, c);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static void
each_client(struct server *s, void (*fn)(struct server *, struct client *))
{
	size_t i;

	for (i = 0; i < s->rooms.n_buckets; i++) {
		struct room *r;
		struct member *m, *next;

		for (r = s->rooms.buckets[i]; r != NULL; r = r->hash_next)
			for (m = r->members; m != NULL; m = next) {
				next = m->next;
				fn(s, client_of(m));
			}
	}
}

static void
ping_one(struct server *s, struct client *c)
{
	(void)s;
	if (c->ping_out) {
		log_info("client %llu (%s): no pong within --ping: "
		    "dropping it",
		    (unsigned long long)c->m.id, c->peer);
		client_kill(c);
		return;
	}
	c->ping_due = true;
	lws_callback_on_writable(c->wsi);
}

static void
ping_timer_cb(lws_sorted_usec_list_t *sul)
{
	struct server *s = lws_container_of(sul, struct server, ping_timer);

	each_client(s, ping_one);
	lws_sul_schedule(s->ctx, 0, &s->ping_timer, ping_timer_cb,
	    (lws_usec_t)s->cfg.ping_ms * 1000);
}

static void
sweep_timer_cb(lws_sorted_usec_list_t *sul)
{
	struct server *s = lws_container_of(sul, struct server, sweep_timer);

	rooms_sweep(&s->rooms);
	badline_tick(&s->input->bad);
	server_pressure_changed(s);
	server_check_done(s);
	lws_sul_schedule(s->ctx, 0, &s->sweep_timer, sweep_timer_cb, SWEEP_US);
}

static void
final_timer_cb(lws_sorted_usec_list_t *sul)
{
	struct server *s = lws_container_of(sul, struct server, drain_timer);

	if (s->rooms.n_members > 0)
		log_warn("%zu clients did not close in time: dropping them",
		    s->rooms.n_members);
	s->phase = PHASE_DONE;
}

/* --drain ran out: whatever is still queued is dropped, then the close. */
static void
drain_one(struct server *s, struct client *c)
{
	member_clear(&c->m);
	if (lws_send_pipe_choked(c->wsi))
		client_kill(c);
	else
		client_close(c, s->close_code);
}

static void
drain_timer_cb(lws_sorted_usec_list_t *sul)
{
	struct server *s = lws_container_of(sul, struct server, drain_timer);

	if (s->rooms.n_members > 0)
		log_notice("--drain ran out: closing %zu clients",
		    s->rooms.n_members);
	each_client(s, drain_one);
	lws_sul_schedule(s->ctx, 0, &s->drain_timer, final_timer_cb,
	    FINAL_GRACE_US);
}

static void
wake_one(struct server *s, struct client *c)
{
	(void)s;
	lws_callback_on_writable(c->wsi);
}

void
server_shutdown(struct server *s, uint16_t code)
{
	if (s->phase == PHASE_DRAINING || s->phase == PHASE_DONE)
		return;
	s->phase = PHASE_DRAINING;
	s->close_code = code;
	if (s->feed.wsi != NULL && !s->feed.eof)
		lws_rx_flow_control(s->feed.wsi, 0);
	each_client(s, wake_one);
	lws_sul_schedule(s->ctx, 0, &s->drain_timer, drain_timer_cb,
	    (lws_usec_t)s->cfg.drain_ms * 1000);
	server_check_done(s);
}

/* Check whether stdin may be read again, and resume it if so. */
static void
server_pressure_changed(struct server *s)
{
	if (s->feed.paused && !rooms_should_pause(&s->rooms))
		feed_pump(s);
}

int
server_emit(void *arg, const char *room, const char *text, size_t len,
    struct buf *why)
{
	struct server *s = arg;
	struct room *r;
	struct msg *m;

	r = rooms_get(&s->rooms, room != NULL ? room : s->cfg.main_room);
	if (r == NULL) {
		buf_addf(why, "room %s: %s", room, errno == ENOSPC ?
		    "too many rooms (--max-rooms)" : strerror(errno));
		return -1;
	}
	if ((m = msg_new(text, len, MSG_TEXT)) == NULL) {
		buf_adds(why, "out of memory");
		return -1;
	}
	rooms_publish(r, m);
	msg_unref(m);
	s->stats.messages_in++;
	return 0;
}

/* SIGINT/SIGTERM: the first ends gracefully, a second at once. */
static int
signal_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct server *s = server_of(wsi);
	struct signalfd_siginfo si;

	(void)user, (void)in, (void)len;
	if (reason != LWS_CALLBACK_RAW_RX_FILE)
		return 0;
	if (read(s->signal_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	if (++s->signals > 1) {
		log_notice("second signal: exiting now");
		feed_release(s);
		_exit(EXIT_SUCCESS);
	}
	log_notice("%s: closing clients", strsignal((int)si.ssi_signo));
	server_shutdown(s, LWS_CLOSE_STATUS_GOINGAWAY);
	return 0;
}

static const struct lws_protocols protocols[] = {
	{
		.name = "wsfeed",
		.callback = server_callback,
		.per_session_data_size = sizeof(struct client),
		/* Clients only talk to pong: small buffers, less memory. */
		.rx_buffer_size = 512,
		/* Let one send() carry a whole batch. */
		.tx_packet_size = SERVER_BATCH_MAX + LWS_PRE,
	},
	{ .name = "wsfeed-stdin", .callback = feed_callback },
	{ .name = "wsfeed-signal", .callback = signal_callback },
	{ .name = NULL }
};

/* Thousands of clients need thousands of descriptors: take what we may. */
static size_t
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max;

		/* A huge limit would make lws allocate a huge fd table. */
		if (want == RLIM_INFINITY || want > 1048576)
			want = 1048576;
		if (want > rl.rlim_cur) {
			rl.rlim_cur = want;
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				getrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	return (size_t)rl.rlim_cur;
}

/*
 * lws reports a port in use only in its log; try the bind ourselves first
 * so that the error names the cause.
 */
static int
check_bindable(const struct listen_addr *a)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, zero = 0, rc;

	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)a->port);
		inet_pton(AF_INET, a->host, &sin->sin_addr);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)a->port);
		inet_pton(AF_INET6, a->host, &sin6->sin6_addr);
		sl = sizeof(*sin6);
	}
	if ((fd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	rc = bind(fd, (struct sockaddr *)&ss, sl);
	close(fd);
	return rc;
}

/* Whether a server answers on the unix socket at path. */
static bool
unix_socket_live(const char *path)
{
	struct sockaddr_un sun;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	return rc == 0;
}

/*
 * lws unlinks whatever is at a unix socket's path: allow only a stale
 * socket, one that nobody answers on any more.
 */
static int
check_unix_path(const char *path)
{
	struct stat st;

	if (path[0] == '@' || lstat(path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("cannot listen on unix:%s: the path exists and is not "
		    "a socket", path);
		return -1;
	}
	if (unix_socket_live(path)) {
		log_err("cannot listen on unix:%s: another server is "
		    "listening there", path);
		return -1;
	}
	return 0;
}

static int
check_listen(const struct listen_addr *a)
{
	char where[128];

	if (a->is_unix)
		return check_unix_path(a->path);
	if (check_bindable(a) == 0)
		return 0;
	opts_listen_format(a, where, sizeof(where));
	log_err("cannot listen on %s:", where);
	return -1;
}

static void
fill_context_info(struct server *s, struct lws_context_creation_info *info)
{
	const struct listen_addr *a = &s->cfg.listen;

	memset(info, 0, sizeof(*info));
	info->protocols = protocols;
	info->user = s;
	info->vhost_name = "default";
	/* A request cannot make the server hold more than this. */
	info->max_http_header_data = HEADER_MAX;
	info->timeout_secs = HANDSHAKE_SECS;
	info->options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	if (a->is_unix) {
		info->options |= LWS_SERVER_OPTION_UNIX_SOCK;
		info->iface = a->path;
	} else {
		info->iface = a->host;
		info->port = a->port;
		/*
		 * With IPv6 on, lws 4.1.6 puts an IPv4 literal into an IPv6
		 * address and listens on every interface: turn it off.
		 */
		if (a->family == AF_INET)
			info->options |= LWS_SERVER_OPTION_DISABLE_IPV6;
		else
			info->options |= LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY;
	}
	if (s->cfg.tls_cert != NULL) {
		info->options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info->ssl_cert_filepath = s->cfg.tls_cert;
		info->ssl_private_key_filepath = s->cfg.tls_key;
		/* Raw batched writes cannot go over HTTP/2. */
		info->alpn = "http/1.1";
	}
}

static void
format_url(struct server *s)
{
	const struct listen_addr *a = &s->cfg.listen;
	struct listen_addr bound = *a;
	char where[128];

	if (a->is_unix) {
		snprintf(s->url, sizeof(s->url), "unix:%s", a->path);
		return;
	}
	bound.port = lws_get_vhost_listen_port(s->vhost);
	opts_listen_format(&bound, where, sizeof(where));
	snprintf(s->url, sizeof(s->url), "%s://%s/",
	    s->cfg.tls_cert != NULL ? "wss" : "ws", where);
}

static int
start_signals(struct server *s)
{
	lws_sock_file_fd_type u;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (s->signal_fd = signalfd(-1, &set, SFD_NONBLOCK |
	    SFD_CLOEXEC)) < 0) {
		log_err("signalfd:");
		return -1;
	}
	u.filefd = s->signal_fd;
	s->signal_wsi = lws_adopt_descriptor_vhost(s->vhost,
	    LWS_ADOPT_RAW_FILE_DESC, u, "wsfeed-signal", NULL);
	if (s->signal_wsi == NULL) {
		log_err("cannot watch for signals");
		return -1;
	}
	return 0;
}

static int
server_listen(struct server *s)
{
	struct lws_context_creation_info info;

	if (check_listen(&s->cfg.listen) < 0)
		return -1;
	fill_context_info(s, &info);
	log_route_lws();
	s->ctx = lws_create_context(&info);
	if (s->ctx == NULL) {
		log_err("cannot listen%s (run with -v for libwebsockets' "
		    "reason)", s->cfg.tls_cert ? " with TLS" : "");
		return -1;
	}
	s->vhost = lws_get_vhost_by_name(s->ctx, "default");
	format_url(s);
	log_always("listening on %s", s->url);
	return 0;
}

static int
server_setup_rooms(struct server *s, const struct room_limits *limits)
{
	static const struct room_hooks hooks = {
		.wake = hook_wake,
		.cut = hook_cut,
		.moved = hook_moved,
	};
	struct room *main_room;

	if (rooms_init(&s->rooms, limits, &hooks) < 0)
		return -1;
	if ((main_room = rooms_get(&s->rooms, s->cfg.main_room)) == NULL)
		return -1;
	main_room->pinned = true;
	return 0;
}

/* DNS rebinding matters only where a browser could reach us by name. */
static bool
listen_is_loopback(const struct listen_addr *a)
{
	if (a->is_unix)
		return false;
	if (a->family == AF_INET)
		return strncmp(a->host, "127.", 4) == 0;
	return strcmp(a->host, "::1") == 0;
}

struct server *
server_new(const struct server_config *cfg, const struct room_limits *limits,
    struct input *input)
{
	struct server *s = calloc(1, sizeof(*s));
	size_t fds = raise_fd_limit();

	if (s == NULL)
		return NULL;
	s->cfg = *cfg;
	s->input = input;
	s->signal_fd = -1;
	s->feed.fd = -1;
	s->access.origins = cfg->origins;
	s->access.token = cfg->token;
	s->access.tls = cfg->tls_cert != NULL;
	s->access.loopback = listen_is_loopback(&cfg->listen);
	s->max_clients = cfg->max_clients;
	if (s->max_clients == 0)
		s->max_clients = fds > 2 * FD_RESERVE ? fds - FD_RESERVE : 64;
	s->batch = malloc(LWS_PRE + SERVER_BATCH_MAX);
	if (s->batch == NULL || server_setup_rooms(s, limits) < 0 ||
	    server_listen(s) < 0 || start_signals(s) < 0 ||
	    feed_start(s) < 0) {
		server_free(s);
		return NULL;
	}
	lws_sul_schedule(s->ctx, 0, &s->sweep_timer, sweep_timer_cb, SWEEP_US);
	if (cfg->ping_ms > 0)
		lws_sul_schedule(s->ctx, 0, &s->ping_timer, ping_timer_cb,
		    (lws_usec_t)cfg->ping_ms * 1000);
	return s;
}

int
server_run(struct server *s)
{
	while (s->phase != PHASE_DONE)
		if (lws_service(s->ctx, 0) < 0)
			break;
	return s->exit_status;
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	if (s->ctx != NULL)
		lws_context_destroy(s->ctx);
	else if (s->signal_fd >= 0)
		close(s->signal_fd);
	feed_release(s);
	if (s->rooms.buckets != NULL)
		rooms_release(&s->rooms);
	free(s->batch);
	free(s);
}
