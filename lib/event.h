/*
 * ws-listen's lifecycle events, as text for people or JSON for scripts.
 *
 * Each event is one line on stderr: "connected to ws://..." at the usual
 * log level, or with --events a JSON object such as
 * {"event": "connected", "t": 1764835200.123, "url": "ws://...",
 * "attempt": 0}, where t is Unix time in seconds with milliseconds.
 * This module only formats; the caller prints.
 */
#ifndef WSFEED_EVENT_H
#define WSFEED_EVENT_H

#include <stdint.h>

#include "buf.h"

/* What happened. */
enum event_kind {
	EVENT_CONNECTED,	/* the handshake succeeded */
	EVENT_DISCONNECTED,	/* an open connection ended */
	EVENT_CONNECT_FAILED,	/* an attempt ended before the handshake */
	EVENT_RECONNECTING,	/* a retry is scheduled */
	EVENT_RECONNECT_FAILED	/* --retries ran out: the program ends */
};

/* One event. Strings are borrowed; NULL reads as "". */
struct event {
	enum event_kind kind;
	double t;		/* Unix time in seconds */
	const char *url;	/* the URL as given */
	unsigned attempt;	/* the retry number n (0: first connect);
				   reconnect_failed: the retries made */
	int code;		/* disconnected: close code (1006: none) */
	int status;		/* connect_failed: HTTP status, or 0 */
	const char *reason;	/* disconnected: close reason;
				   connect_failed: why */
	int64_t delay_ms;	/* reconnecting: the wait before it */
};

/* The event's name in JSON ("connected", "reconnect_failed", ...). */
const char *event_name(enum event_kind kind);

/*
 * Append e as one JSON object and a newline. Text that is not valid UTF-8
 * (a close reason) has its bad bytes replaced with U+FFFD. Returns 0 or
 * -1 (out of memory).
 */
int event_json(const struct event *e, struct buf *out);

/*
 * Append e as a sentence for the log, without a newline: "connected to
 * URL", "reconnecting in 1.234s (attempt 2)". Control characters in a
 * server's text become '?'. Returns 0 or -1 (out of memory).
 */
int event_text(const struct event *e, struct buf *out);

#endif
