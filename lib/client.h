/*
 * ws-listen's WebSocket client: connect, receive whole messages, keep the
 * connection alive, and come back after every fault.
 *
 * One libwebsockets context with one client connection at a time, run in
 * lws's poll loop. Messages are reassembled from their fragments and
 * handed to the caller whole. After every successful connect the
 * subscribe messages are sent, in order. Pings go out every ping_ms with
 * our own timers (sub-second values work), and a connection on which
 * neither data nor a pong arrived for two intervals is dropped. A
 * connection that fails or ends is retried after a jittered backoff
 * (backoff.h), unless the server ended the feed (close 1000), refused us
 * for good (HTTP 401, 403, 404, a certificate that does not verify), or
 * the retries ran out. Each step is a lifecycle event (event.h) on stderr.
 * The handshake carries the caller's extra headers, Origin and bearer
 * token; wss:// is checked against the system's CAs, or --cacert's only.
 */
#ifndef WSFEED_CLIENT_H
#define WSFEED_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "header.h"
#include "url.h"

/* When a connection that ended is tried again. */
enum client_reconnect {
	RECONNECT_UNLESS_DONE,	/* always, but for a close with 1000 */
	RECONNECT_NEVER,	/* --no-reconnect */
	RECONNECT_FOREVER	/* --forever: after 1000 too */
};

/* What a received message is. */
enum client_msg {
	CLIENT_TEXT,		/* a text message: data and len */
	CLIENT_BINARY,		/* a binary message of len bytes (no data) */
	CLIENT_TOO_BIG		/* over max_message: len bytes (no data) */
};

/*
 * Receives one whole message. data is valid during the call only. Returns
 * 0 to go on, nonzero to end the program (status 0) with a clean close.
 */
typedef int (*client_message_cb)(void *arg, enum client_msg kind,
    const char *data, size_t len);

/* Called every CLIENT_TICK_MS; nonzero ends the program like above. */
typedef int (*client_tick_cb)(void *arg);

/* Longest bearer token. */
#define CLIENT_TOKEN_MAX 4096

/* How often the tick callback runs. */
#define CLIENT_TICK_MS 200

/* Settings from the command line. Strings are borrowed. */
struct client_config {
	const char *url_text;		/* the URL as given, for events */
	struct url url;			/* the same, parsed */
	const char *const *sends;	/* subscribe messages, in order */
	size_t n_sends;
	int64_t backoff_min_ms;		/* --backoff MIN */
	int64_t backoff_max_ms;		/* --backoff ,MAX */
	uint64_t seed;			/* for the jitter */
	int64_t stable_ms;		/* --stable */
	long long retries;		/* --retries; -1: no limit */
	enum client_reconnect reconnect;
	bool events;			/* --events: JSON lines */
	int64_t ping_ms;		/* --ping; 0: none */
	int64_t connect_timeout_ms;	/* --connect-timeout */
	size_t max_message;		/* --max-message */
	const struct header *headers;	/* -H, checked (header.h) */
	size_t n_headers;
	const char *origin;		/* --origin, or NULL */
	const char *token;		/* --token: a bearer token of at most
					   CLIENT_TOKEN_MAX bytes, or NULL */
	const char *cacert;		/* --cacert: the only CAs, or NULL */
	bool insecure;			/* --insecure: no certificate check */
	client_message_cb on_message;
	client_tick_cb on_tick;		/* may be NULL */
	void *arg;			/* for both callbacks */
	int signal_fd;			/* readable at a signal (sig.h) */
};

struct client;

/*
 * Create the context and start the first connection. Returns NULL after
 * logging why. cfg is copied; its strings must outlive the client.
 */
struct client *client_new(const struct client_config *cfg);

/*
 * Check that path holds at least one PEM certificate, as --cacert must.
 * Returns 0, or -1 with the reason in err.
 */
int client_cafile_check(const char *path, char *err, size_t errlen);

/*
 * Run until the end; returns the exit status: 0 (the feed ended with
 * 1000, a signal, or a callback asked to stop), 1 (refused for good, or
 * a failure under --no-reconnect), 3 (--retries ran out).
 */
int client_run(struct client *c);

/* Free the client and its context (NULL is fine). */
void client_free(struct client *c);

#endif
