/*
 * ws-listen's WebSocket client: connect, receive, keep alive, come back.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libwebsockets.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "backoff.h"
#include "buf.h"
#include "client.h"
#include "clock.h"
#include "event.h"
#include "log.h"
#include "sig.h"
#include "wsfeed.h"

/* Payload of our pings: an empty PONG never reaches lws's callback. */
#define PING_PAYLOAD "wsfeed"
/*
 * How long a clean close at the end may take before we leave anyway; with
 * CLIENT_TICK_MS it keeps the end after a reader went away within 1 s.
 */
#define STOP_GRACE_MS 500
/* Bytes lws reads per receive callback. */
#define RX_BUFFER_SIZE 65536
/* The reassembly buffer is freed after a message bigger than this. */
#define MSG_KEEP_MAX (4 * 1024 * 1024)
/* RFC 6455 7.4.1: the codes for "no status" and "closed abnormally". */
#define CLOSE_NO_STATUS 1005
#define CLOSE_ABNORMAL 1006

/* Where the client is in its life. */
enum phase {
	PHASE_CONNECTING,	/* an attempt is under way */
	PHASE_OPEN,		/* the handshake succeeded */
	PHASE_WAITING,		/* the retry timer runs */
	PHASE_STOPPING,		/* closing cleanly on our side */
	PHASE_DONE		/* leave the loop */
};

/* What one connection attempt came to, filled in by the callbacks. */
struct attempt {
	bool live;		/* its wsi exists (WSI_DESTROY is due) */
	bool established;	/* the handshake succeeded */
	bool fatal;		/* never retried: 401, 403, 404, bad cert */
	int status;		/* HTTP status of a refused handshake */
	int code;		/* close code the server sent; 0: none */
	int sys_errno;		/* why the TCP connect failed, if known */
	char cert_why[128];	/* why the certificate did not verify */
	char why[512];		/* why it failed, or the close reason */
};

/* How an attempt's end is answered. */
enum outcome {
	RETRY,			/* wait, then connect again */
	END_OK,			/* exit 0 */
	END_FAILED,		/* exit 1 */
	END_GAVE_UP		/* exit 3 */
};

struct client {
	struct client_config cfg;
	struct lws_context *ctx;
	struct lws *wsi;		/* the connection, or NULL */
	enum phase phase;
	int status;			/* what client_run returns */
	struct backoff bo;		/* retries and their delays */
	struct attempt at;		/* the current attempt */
	struct buf msg;			/* the message being reassembled */
	size_t msg_len;			/* its bytes so far */
	bool in_msg;			/* a message has begun */
	bool msg_binary;		/* it is binary: not kept */
	bool msg_too_big;		/* over --max-message: not kept */
	int64_t last_rx_ms;		/* data or a pong came then */
	size_t next_send;		/* subscribe messages sent so far */
	bool ping_due;			/* write a ping when writable */
	bool close_sent;		/* our close frame went out */
	unsigned char *tx;		/* LWS_PRE + the longest send */
	lws_sorted_usec_list_t retry_timer;	/* connect again */
	lws_sorted_usec_list_t connect_timer;	/* --connect-timeout */
	lws_sorted_usec_list_t ping_timer;	/* send a ping */
	lws_sorted_usec_list_t dead_timer;	/* two intervals idle */
	lws_sorted_usec_list_t stable_timer;	/* --stable: reset n */
	lws_sorted_usec_list_t tick_timer;	/* the caller's tick */
	lws_sorted_usec_list_t stop_timer;	/* a clean close too slow */
};

static void connect_start(struct client *c);

static struct client *
client_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static void
schedule_ms(struct client *c, lws_sorted_usec_list_t *t,
    sul_cb_t cb, int64_t ms)
{
	lws_sul_schedule(c->ctx, 0, t, cb, (lws_usec_t)ms * 1000);
}

/* Print an event as a log line at level, or as JSON under --events. */
static void
emit(struct client *c, struct event *e, int level)
{
	struct buf b = { 0 };

	e->t = clock_unix();
	e->url = c->cfg.url_text;
	if (c->cfg.events) {
		if (event_json(e, &b) == 0)
			log_plain(b.data, b.len);
	} else if (level <= log_level && event_text(e, &b) == 0)
		log_emit(level, "%s", b.data);
	buf_release(&b);
}

static void
finish(struct client *c, int status)
{
	c->phase = PHASE_DONE;
	c->status = status;
	lws_sul_cancel(&c->retry_timer);
	lws_sul_cancel(&c->stop_timer);
}

/* Drop the connection now, without a close handshake. */
static void
kill_wsi(struct client *c)
{
	if (c->wsi != NULL)
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
}

static void
stop_timer_cb(lws_sorted_usec_list_t *t)
{
	struct client *c = lws_container_of(t, struct client, stop_timer);

	log_debug("the close took too long: leaving");
	finish(c, c->status);
}

/* End the program with status 0, closing the connection with 1000. */
static void
client_stop(struct client *c)
{
	c->status = EXIT_OK;
	switch (c->phase) {
	case PHASE_WAITING:
		finish(c, EXIT_OK);
		break;
	case PHASE_CONNECTING:
		c->phase = PHASE_STOPPING;
		kill_wsi(c);
		schedule_ms(c, &c->stop_timer, stop_timer_cb, STOP_GRACE_MS);
		break;
	case PHASE_OPEN:
		c->phase = PHASE_STOPPING;
		lws_callback_on_writable(c->wsi);
		schedule_ms(c, &c->stop_timer, stop_timer_cb, STOP_GRACE_MS);
		break;
	default:
		break;
	}
}

/* How the end of an attempt is answered, by DESIGN.md's rules. */
static enum outcome
decide(const struct client *c, const struct attempt *at)
{
	if (c->phase == PHASE_STOPPING)
		return END_OK;
	if (at->fatal)
		return END_FAILED;
	if (at->established && at->code == LWS_CLOSE_STATUS_NORMAL &&
	    c->cfg.reconnect != RECONNECT_FOREVER)
		return END_OK;
	if (c->cfg.reconnect == RECONNECT_NEVER)
		return END_FAILED;
	if (c->cfg.retries >= 0 && c->bo.retries >= c->cfg.retries)
		return END_GAVE_UP;
	return RETRY;
}

/* Say how the attempt ended: disconnected, or the connect failed. */
static void
report_end(struct client *c, const struct attempt *at, int level)
{
	struct event e = { 0 };

	if (c->phase == PHASE_STOPPING && !at->established)
		return;
	if (at->established) {
		e.kind = EVENT_DISCONNECTED;
		e.code = at->code != 0 ? at->code : CLOSE_ABNORMAL;
	} else {
		e.kind = EVENT_CONNECT_FAILED;
		e.attempt = c->bo.retries;
		e.status = at->status;
	}
	e.reason = at->why;
	emit(c, &e, level);
}

static void
retry_timer_cb(lws_sorted_usec_list_t *t)
{
	struct client *c = lws_container_of(t, struct client, retry_timer);

	connect_start(c);
}

static void
schedule_retry(struct client *c)
{
	struct event e = { .kind = EVENT_RECONNECTING };

	e.delay_ms = backoff_next(&c->bo);
	e.attempt = c->bo.retries;
	emit(c, &e, LVL_NOTICE);
	c->phase = PHASE_WAITING;
	schedule_ms(c, &c->retry_timer, retry_timer_cb, e.delay_ms);
}

/*
 * The attempt's wsi is gone (lws calls WSI_DESTROY once per attempt,
 * whatever ended it): report, then retry or end.
 */
static void
attempt_ended(struct client *c)
{
	struct attempt at = c->at;
	enum outcome o = decide(c, &at);
	struct event e = { .kind = EVENT_RECONNECT_FAILED };

	log_watch_lws(NULL, NULL, 0);
	c->wsi = NULL;
	c->at.live = false;
	c->in_msg = false;
	buf_reset(&c->msg);
	lws_sul_cancel(&c->connect_timer);
	lws_sul_cancel(&c->ping_timer);
	lws_sul_cancel(&c->dead_timer);
	lws_sul_cancel(&c->stable_timer);
	report_end(c, &at, o == END_FAILED ? LVL_ERR : LVL_NOTICE);
	switch (o) {
	case RETRY:
		schedule_retry(c);
		break;
	case END_OK:
		finish(c, c->phase == PHASE_STOPPING ? c->status : EXIT_OK);
		break;
	case END_FAILED:
		finish(c, EXIT_RUNTIME);
		break;
	case END_GAVE_UP:
		e.attempt = c->bo.retries;
		emit(c, &e, LVL_ERR);
		finish(c, EXIT_GAVE_UP);
		break;
	}
}

static const char *
http_reason(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "not a WebSocket upgrade";
	}
}

/*
 * lws 4.1.6 tells why a TCP connect failed only in a debug line of its
 * log ("getsockopt fd 5 says err 111"), and its callback says just
 * "Unable to connect": keep the errno while an attempt connects.
 */
static void
watch_connect(int lws_level, const char *line, void *arg)
{
	struct client *c = arg;
	const char *p = strstr(line, " says err ");

	(void)lws_level;
	if (p != NULL && c->phase == PHASE_CONNECTING)
		c->at.sys_errno = atoi(p + strlen(" says err "));
}

static void
on_connection_error(struct client *c, struct lws *wsi, const char *in)
{
	struct attempt *at = &c->at;

	at->status = lws_http_client_http_response(wsi);
	if (at->status == 401 || at->status == 403 || at->status == 404)
		at->fatal = true;
	if (at->cert_why[0] != '\0') {
		at->fatal = true;
		snprintf(at->why, sizeof(at->why), "the server's certificate "
		    "does not verify: %s", at->cert_why);
		return;
	}
	if (at->why[0] != '\0')
		return;
	if (at->status > 0)
		snprintf(at->why, sizeof(at->why), "HTTP %d %s", at->status,
		    http_reason(at->status));
	else if (at->sys_errno > 0)
		snprintf(at->why, sizeof(at->why), "%s",
		    strerror(at->sys_errno));
	else
		snprintf(at->why, sizeof(at->why), "%s",
		    in != NULL ? in : "connection failed");
}

static void
stable_timer_cb(lws_sorted_usec_list_t *t)
{
	struct client *c = lws_container_of(t, struct client, stable_timer);

	log_debug("connection stable: retries start again from the first");
	backoff_reset(&c->bo);
}

static void
ping_timer_cb(lws_sorted_usec_list_t *t)
{
	struct client *c = lws_container_of(t, struct client, ping_timer);

	if (c->phase != PHASE_OPEN)
		return;
	c->ping_due = true;
	lws_callback_on_writable(c->wsi);
	schedule_ms(c, &c->ping_timer, ping_timer_cb, c->cfg.ping_ms);
}

/* Fires at last_rx + 2 intervals; drops a connection that stayed idle. */
static void
dead_timer_cb(lws_sorted_usec_list_t *t)
{
	struct client *c = lws_container_of(t, struct client, dead_timer);
	int64_t idle = clock_ms() - c->last_rx_ms, limit = 2 * c->cfg.ping_ms;

	if (c->phase != PHASE_OPEN)
		return;
	if (idle < limit) {
		schedule_ms(c, &c->dead_timer, dead_timer_cb, limit - idle);
		return;
	}
	snprintf(c->at.why, sizeof(c->at.why), "no data or pong for %lld ms "
	    "(twice --ping): the server is not answering", (long long)idle);
	kill_wsi(c);
}

static int
on_established(struct client *c, struct lws *wsi)
{
	struct event e = { .kind = EVENT_CONNECTED };

	log_watch_lws(NULL, NULL, 0);
	c->wsi = wsi;
	c->phase = PHASE_OPEN;
	c->at.established = true;
	lws_sul_cancel(&c->connect_timer);
	e.attempt = c->bo.retries;
	emit(c, &e, LVL_NOTICE);
	c->last_rx_ms = clock_ms();
	c->next_send = 0;
	c->ping_due = false;
	c->close_sent = false;
	if (c->cfg.stable_ms > 0)
		schedule_ms(c, &c->stable_timer, stable_timer_cb,
		    c->cfg.stable_ms);
	else
		backoff_reset(&c->bo);
	if (c->cfg.ping_ms > 0) {
		schedule_ms(c, &c->ping_timer, ping_timer_cb, c->cfg.ping_ms);
		schedule_ms(c, &c->dead_timer, dead_timer_cb,
		    2 * c->cfg.ping_ms);
	}
	if (c->cfg.n_sends > 0)
		lws_callback_on_writable(wsi);
	return 0;
}

/* A whole message arrived: hand it over. */
static int
deliver(struct client *c)
{
	enum client_msg kind = c->msg_too_big ? CLIENT_TOO_BIG :
	    c->msg_binary ? CLIENT_BINARY : CLIENT_TEXT;
	int rc;

	c->in_msg = false;
	/* An empty message has no buffer yet. */
	rc = c->cfg.on_message(c->cfg.arg, kind, kind != CLIENT_TEXT ? NULL :
	    c->msg.data != NULL ? c->msg.data : "", c->msg_len);
	if (c->msg.cap > MSG_KEEP_MAX)
		buf_release(&c->msg);
	buf_reset(&c->msg);
	return rc;
}

/* Keep a fragment (lws hands over at most RX_BUFFER_SIZE at a time). */
static void
collect(struct client *c, const void *in, size_t len)
{
	c->msg_len += len;
	if (c->msg_binary || c->msg_too_big)
		return;
	if (c->msg_len > c->cfg.max_message) {
		c->msg_too_big = true;
		buf_release(&c->msg);
		return;
	}
	if (buf_add(&c->msg, in, len) < 0) {
		log_err("out of memory for a message of %zu bytes",
		    c->msg_len);
		c->msg_too_big = true;
		buf_release(&c->msg);
	}
}

static int
on_receive(struct client *c, struct lws *wsi, const void *in, size_t len)
{
	if (c->phase != PHASE_OPEN)
		return 0;
	if (!c->in_msg) {
		c->in_msg = true;
		c->msg_len = 0;
		c->msg_binary = lws_frame_is_binary(wsi);
		c->msg_too_big = false;
		buf_reset(&c->msg);
	}
	collect(c, in, len);
	c->last_rx_ms = clock_ms();
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	if (deliver(c) != 0)
		client_stop(c);
	/* A slow stdout is our delay, not the server's silence. */
	c->last_rx_ms = clock_ms();
	return 0;
}

static int
write_copy(struct client *c, struct lws *wsi, const char *s, size_t len,
    enum lws_write_protocol kind)
{
	/* lws masks a client's payload in place: send a copy. */
	memcpy(c->tx + LWS_PRE, s, len);
	return lws_write(wsi, c->tx + LWS_PRE, len, kind) < 0 ? -1 : 0;
}

/*
 * Our clean close: a masked close frame with 1000, written by hand. lws's
 * own close (lws_close_reason, then -1) drops the socket right after the
 * frame, while the server may still be sending: the unread bytes make
 * the kernel reset the connection and the server sees 1006. So the
 * connection stays open, the rest of the feed is read and dropped, and
 * the server's answering close ends it (on_peer_close).
 */
static int
write_close(struct client *c, struct lws *wsi)
{
	uint64_t r = backoff_random(&c->bo);
	unsigned char *f = c->tx + LWS_PRE;
	int i;

	f[0] = 0x88;			/* FIN, close */
	f[1] = 0x80 | 2;		/* masked, 2 bytes: the code */
	for (i = 0; i < 4; i++)
		f[2 + i] = (unsigned char)(r >> (8 * i));
	f[6] = (LWS_CLOSE_STATUS_NORMAL >> 8) ^ f[2];
	f[7] = (LWS_CLOSE_STATUS_NORMAL & 0xff) ^ f[3];
	return lws_write(wsi, f, 8, LWS_WRITE_RAW) < 0 ? -1 : 0;
}

static int
on_writable(struct client *c, struct lws *wsi)
{
	const char *s;

	if (c->phase == PHASE_STOPPING && !c->close_sent) {
		c->close_sent = true;
		return write_close(c, wsi);
	}
	if (c->phase != PHASE_OPEN)
		return 0;
	if (c->ping_due) {
		c->ping_due = false;
		if (write_copy(c, wsi, PING_PAYLOAD, sizeof(PING_PAYLOAD) - 1,
		    LWS_WRITE_PING) < 0)
			return -1;
	} else if (c->next_send < c->cfg.n_sends) {
		s = c->cfg.sends[c->next_send++];
		if (write_copy(c, wsi, s, strlen(s), LWS_WRITE_TEXT) < 0)
			return -1;
	}
	if (c->ping_due || c->next_send < c->cfg.n_sends)
		lws_callback_on_writable(wsi);
	return 0;
}

/*
 * The server's close frame: a 2-byte code, then a reason. Returns what
 * the callback returns: nonzero when it answers our own close, which
 * must not be answered again.
 */
static int
on_peer_close(struct client *c, const unsigned char *in, size_t len)
{
	size_t n;

	if (len < 2) {
		c->at.code = CLOSE_NO_STATUS;
		return c->phase == PHASE_STOPPING;
	}
	c->at.code = in[0] << 8 | in[1];
	n = len - 2 < sizeof(c->at.why) - 1 ? len - 2 : sizeof(c->at.why) - 1;
	memcpy(c->at.why, in + 2, n);
	c->at.why[n] = '\0';
	return c->phase == PHASE_STOPPING;
}

/*
 * lws 4.1.6 checks the name in the certificate against the Host header
 * cut at its first colon: "[" for an IPv6 address, which never matches.
 * The address itself is checked here instead.
 */
static bool
ipv6_matches(const struct client *c, X509_STORE_CTX *store)
{
	X509 *cert = X509_STORE_CTX_get_current_cert(store);

	return c->cfg.url.ipv6 && cert != NULL &&
	    X509_STORE_CTX_get_error_depth(store) == 0 &&
	    X509_check_ip_asc(cert, c->cfg.url.host, 0) == 1;
}

/*
 * OpenSSL's verdict on each certificate of the server's chain. lws says
 * only "connect SSL err 1" when the handshake fails, so the reason is
 * kept here. The verdict is left alone (lws overrules it for --insecure,
 * and a failure then never reaches CONNECTION_ERROR), but for an IPv6
 * address that the certificate does name.
 */
static void
on_cert_verify(struct client *c, X509_STORE_CTX *store, int ok)
{
	int err = X509_STORE_CTX_get_error(store);

	if (ok || err == X509_V_OK)
		return;
	if (err == X509_V_ERR_HOSTNAME_MISMATCH && ipv6_matches(c, store)) {
		X509_STORE_CTX_set_error(store, X509_V_OK);
		return;
	}
	if (c->at.cert_why[0] == '\0')
		snprintf(c->at.cert_why, sizeof(c->at.cert_why), "%s",
		    X509_verify_cert_error_string(err));
}

/* -H headers and the bearer token, into the handshake lws writes. */
static int
append_headers(struct client *c, struct lws *wsi, unsigned char **p,
    size_t room)
{
	unsigned char *end = *p + room;
	char bearer[sizeof("Bearer ") + CLIENT_TOKEN_MAX];
	size_t i;

	for (i = 0; i < c->cfg.n_headers; i++) {
		const struct header *h = &c->cfg.headers[i];

		if (lws_add_http_header_by_name(wsi,
		    (const unsigned char *)h->name,
		    (const unsigned char *)h->value, (int)h->value_len, p,
		    end) != 0)
			goto full;
	}
	if (c->cfg.token == NULL)
		return 0;
	snprintf(bearer, sizeof(bearer), "Bearer %s", c->cfg.token);
	if (lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"Authorization:",
	    (const unsigned char *)bearer, (int)strlen(bearer), p, end) != 0)
		goto full;
	return 0;
full:
	snprintf(c->at.why, sizeof(c->at.why), "the extra headers do not "
	    "fit in the handshake (%zu bytes of room)", room);
	c->at.fatal = true;
	return -1;
}

static int
client_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct client *c = client_of(wsi);

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		on_connection_error(c, wsi, in);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		return on_established(c, wsi);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return on_receive(c, wsi, in, len);
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		c->last_rx_ms = clock_ms();
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writable(c, wsi);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		return on_peer_close(c, in, len);
	case LWS_CALLBACK_WSI_DESTROY:
		if (c->at.live && c->phase != PHASE_DONE)
			attempt_ended(c);
		return 0;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return append_headers(c, wsi, in, len);
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		on_cert_verify(c, user, (int)len);
		return 0;
	default:
		return 0;
	}
}

/* SIGINT or SIGTERM (sig.h): close cleanly and end with 0. */
static int
signal_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct client *c = client_of(wsi);

	(void)user, (void)in, (void)len;
	if (reason != LWS_CALLBACK_RAW_RX_FILE)
		return 0;
	sig_drain(c->cfg.signal_fd);
	if (c->phase != PHASE_STOPPING && c->phase != PHASE_DONE) {
		log_notice("%s: closing the connection",
		    strsignal((int)sig_first));
		client_stop(c);
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{
		.name = "wsfeed-listen",
		.callback = client_callback,
		.rx_buffer_size = RX_BUFFER_SIZE,
	},
	{ .name = "wsfeed-signal", .callback = signal_callback },
	{ .name = NULL }
};

static void
connect_timer_cb(lws_sorted_usec_list_t *t)
{
	struct client *c = lws_container_of(t, struct client, connect_timer);

	if (c->phase != PHASE_CONNECTING)
		return;
	snprintf(c->at.why, sizeof(c->at.why), "no handshake within "
	    "--connect-timeout (%lld ms)", (long long)
	    c->cfg.connect_timeout_ms);
	kill_wsi(c);
}

static void
fill_connect_info(struct client *c, struct lws_client_connect_info *i)
{
	const struct url *u = &c->cfg.url;

	memset(i, 0, sizeof(*i));
	i->context = c->ctx;
	i->address = u->host;
	i->port = u->port;
	i->path = u->path;
	i->host = u->host_header;
	i->origin = c->cfg.origin;
	/*
	 * lws follows a 3xx answer to another URL, credentials and all,
	 * without a word; like curl, we take the answer as it is.
	 */
	i->ssl_connection = LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
	if (u->tls)
		i->ssl_connection |= LCCSCF_USE_SSL;
	if (u->tls && c->cfg.insecure)
		i->ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
		    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
		    LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	i->local_protocol_name = protocols[0].name;
	i->ietf_version_or_minus_one = -1;
	i->pwsi = &c->wsi;
}

/*
 * lws gave up at once (it resolves names before it returns): say why,
 * looking the name up again if that is what failed.
 */
static void
explain_start_failure(struct client *c)
{
	const struct url *u = &c->cfg.url;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	int rc;

	if (c->at.why[0] != '\0')
		return;
	rc = getaddrinfo(u->host, NULL, &hints, &res);
	if (rc != 0)
		snprintf(c->at.why, sizeof(c->at.why), "cannot resolve %s: %s",
		    u->host, gai_strerror(rc));
	else
		snprintf(c->at.why, sizeof(c->at.why), "cannot start a "
		    "connection (run with -vv for libwebsockets' reason)");
	if (res != NULL)
		freeaddrinfo(res);
}

static void
connect_start(struct client *c)
{
	struct lws_client_connect_info i;

	memset(&c->at, 0, sizeof(c->at));
	c->at.live = true;
	c->phase = PHASE_CONNECTING;
	schedule_ms(c, &c->connect_timer, connect_timer_cb,
	    c->cfg.connect_timeout_ms);
	fill_connect_info(c, &i);
	log_debug("connecting to %s", c->cfg.url_text);
	log_watch_lws(watch_connect, c, LLL_DEBUG);
	if (lws_client_connect_via_info(&i) == NULL && c->at.live) {
		/* Nothing more will be called for this attempt. */
		explain_start_failure(c);
		attempt_ended(c);
	}
}

static void
tick_timer_cb(lws_sorted_usec_list_t *t)
{
	struct client *c = lws_container_of(t, struct client, tick_timer);

	if (c->phase == PHASE_DONE)
		return;
	if (c->cfg.on_tick != NULL && c->cfg.on_tick(c->cfg.arg) != 0)
		client_stop(c);
	schedule_ms(c, &c->tick_timer, tick_timer_cb, CLIENT_TICK_MS);
}

static int
watch_signals(struct client *c)
{
	lws_sock_file_fd_type u;

	u.filefd = c->cfg.signal_fd;
	if (lws_adopt_descriptor_vhost(lws_get_vhost_by_name(c->ctx,
	    "default"), LWS_ADOPT_RAW_FILE_DESC, u, protocols[1].name,
	    NULL) == NULL) {
		log_err("cannot watch for signals");
		return -1;
	}
	return 0;
}

static int
create_context(struct client *c)
{
	struct lws_context_creation_info info;
	int64_t secs = c->cfg.connect_timeout_ms / 1000;

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = c;
	/* Our --connect-timeout must fire before lws's own timeout. */
	info.timeout_secs = (unsigned int)(secs + 5);
	if (c->cfg.url.tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	/* Like curl's --cacert: these CAs instead of the system's. */
	if (c->cfg.cacert != NULL) {
		info.client_ssl_ca_filepath = c->cfg.cacert;
		info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
	}
	/* Else lws sends "http://" + --origin. */
	if (c->cfg.origin != NULL)
		info.options |= LWS_SERVER_OPTION_JUST_USE_RAW_ORIGIN;
	log_route_lws();
	if ((c->ctx = lws_create_context(&info)) == NULL) {
		log_err("cannot create the libwebsockets context (run with "
		    "-vv for its reason)");
		return -1;
	}
	return 0;
}

/* Room for LWS_PRE and the longest message we ever send. */
static int
alloc_tx(struct client *c)
{
	size_t i, longest = 16;		/* a ping, our close frame */

	for (i = 0; i < c->cfg.n_sends; i++)
		if (strlen(c->cfg.sends[i]) > longest)
			longest = strlen(c->cfg.sends[i]);
	c->tx = malloc(LWS_PRE + longest);
	if (c->tx == NULL)
		log_err("out of memory");
	return c->tx != NULL ? 0 : -1;
}

struct client *
client_new(const struct client_config *cfg)
{
	struct client *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		log_err("out of memory");
		return NULL;
	}
	c->cfg = *cfg;
	backoff_init(&c->bo, cfg->backoff_min_ms, cfg->backoff_max_ms,
	    cfg->seed);
	if (alloc_tx(c) < 0 || create_context(c) < 0 ||
	    watch_signals(c) < 0) {
		client_free(c);
		return NULL;
	}
	schedule_ms(c, &c->tick_timer, tick_timer_cb, CLIENT_TICK_MS);
	connect_start(c);
	return c;
}

int
client_run(struct client *c)
{
	while (c->phase != PHASE_DONE)
		if (lws_service(c->ctx, 0) < 0)
			break;
	return c->status;
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	if (c->ctx != NULL) {
		c->phase = PHASE_DONE;
		lws_context_destroy(c->ctx);
	}
	buf_release(&c->msg);
	free(c->tx);
	free(c);
}

int
client_cafile_check(const char *path, char *err, size_t errlen)
{
	struct stat st;
	X509 *cert;
	FILE *f;

	if (stat(path, &st) < 0 || (f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		fclose(f);
		snprintf(err, errlen, "a directory, not a file of "
		    "certificates");
		return -1;
	}
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (cert == NULL) {
		snprintf(err, errlen, "no PEM certificate in it");
		return -1;
	}
	X509_free(cert);
	return 0;
}
