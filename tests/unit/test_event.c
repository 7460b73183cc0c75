/*
 * Tests of lib/event.c: each event as JSON and as text.
 */
#include <string.h>

#include "event.h"
#include "tap.h"

static const char *
json(const struct event *e)
{
	static struct buf b;

	buf_reset(&b);
	CHECK_INT(event_json(e, &b), 0);
	return b.data;
}

static const char *
text(const struct event *e)
{
	static struct buf b;

	buf_reset(&b);
	CHECK_INT(event_text(e, &b), 0);
	return b.data;
}

static void
test_connected(void)
{
	struct event e = { .kind = EVENT_CONNECTED, .t = 1764835200.1234,
		.url = "ws://127.0.0.1:8080/vmstat", .attempt = 2 };

	CHECK_STR(json(&e), "{\"event\": \"connected\", \"t\": "
	    "1764835200.123, \"url\": \"ws://127.0.0.1:8080/vmstat\", "
	    "\"attempt\": 2}\n");
	CHECK_STR(text(&e), "connected to ws://127.0.0.1:8080/vmstat");
}

static void
test_disconnected(void)
{
	struct event e = { .kind = EVENT_DISCONNECTED, .t = 1.5,
		.url = "ws://h/", .code = 1001, .reason = "going \"away\"" };

	CHECK_STR(json(&e), "{\"event\": \"disconnected\", \"t\": 1.500, "
	    "\"url\": \"ws://h/\", \"code\": 1001, \"reason\": "
	    "\"going \\\"away\\\"\"}\n");
	CHECK_STR(text(&e), "disconnected from ws://h/: code 1001: "
	    "going \"away\"");

	e.reason = NULL;
	e.code = 1006;
	CHECK_STR(json(&e), "{\"event\": \"disconnected\", \"t\": 1.500, "
	    "\"url\": \"ws://h/\", \"code\": 1006, \"reason\": \"\"}\n");
	CHECK_STR(text(&e), "disconnected from ws://h/: code 1006");

	/* A server's bad bytes and line breaks stay out of both. */
	e.reason = "a\nb\xff";
	CHECK_STR(json(&e), "{\"event\": \"disconnected\", \"t\": 1.500, "
	    "\"url\": \"ws://h/\", \"code\": 1006, \"reason\": "
	    "\"a\\nb\xef\xbf\xbd\"}\n");
	CHECK_STR(text(&e), "disconnected from ws://h/: code 1006: a?b\xff");
}

static void
test_connect_failed(void)
{
	struct event e = { .kind = EVENT_CONNECT_FAILED, .t = 2,
		.url = "ws://h/", .attempt = 0, .status = 401,
		.reason = "HTTP 401 Unauthorized" };

	CHECK_STR(json(&e), "{\"event\": \"connect_failed\", \"t\": 2.000, "
	    "\"url\": \"ws://h/\", \"attempt\": 0, \"error\": "
	    "\"HTTP 401 Unauthorized\", \"status\": 401}\n");
	CHECK_STR(text(&e), "cannot connect to ws://h/: HTTP 401 "
	    "Unauthorized");
	e.status = 0;
	e.attempt = 3;
	e.reason = "connection refused";
	CHECK_STR(json(&e), "{\"event\": \"connect_failed\", \"t\": 2.000, "
	    "\"url\": \"ws://h/\", \"attempt\": 3, \"error\": "
	    "\"connection refused\"}\n");
}

static void
test_reconnecting_and_giving_up(void)
{
	struct event e = { .kind = EVENT_RECONNECTING, .t = 3,
		.url = "ws://h/", .attempt = 2, .delay_ms = 1234 };

	CHECK_STR(json(&e), "{\"event\": \"reconnecting\", \"t\": 3.000, "
	    "\"url\": \"ws://h/\", \"attempt\": 2, \"delay_ms\": 1234}\n");
	CHECK_STR(text(&e), "reconnecting in 1.234s (attempt 2)");
	e.delay_ms = 7;
	CHECK_STR(text(&e), "reconnecting in 0.007s (attempt 2)");

	e.kind = EVENT_RECONNECT_FAILED;
	e.attempt = 3;
	CHECK_STR(json(&e), "{\"event\": \"reconnect_failed\", \"t\": "
	    "3.000, \"url\": \"ws://h/\", \"attempts\": 3}\n");
	CHECK_STR(text(&e), "giving up after 3 retries");
}

static void
test_names(void)
{
	CHECK_STR(event_name(EVENT_CONNECTED), "connected");
	CHECK_STR(event_name(EVENT_DISCONNECTED), "disconnected");
	CHECK_STR(event_name(EVENT_CONNECT_FAILED), "connect_failed");
	CHECK_STR(event_name(EVENT_RECONNECTING), "reconnecting");
	CHECK_STR(event_name(EVENT_RECONNECT_FAILED), "reconnect_failed");
}

int
main(void)
{
	TAP_RUN(test_connected);
	TAP_RUN(test_disconnected);
	TAP_RUN(test_connect_failed);
	TAP_RUN(test_reconnecting_and_giving_up);
	TAP_RUN(test_names);
	return tap_done();
}
