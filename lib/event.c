/*
 * ws-listen's lifecycle events, as text for people or JSON for scripts.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event.h"
#include "json.h"
#include "utf8.h"

const char *
event_name(enum event_kind kind)
{
	switch (kind) {
	case EVENT_CONNECTED:
		return "connected";
	case EVENT_DISCONNECTED:
		return "disconnected";
	case EVENT_CONNECT_FAILED:
		return "connect_failed";
	case EVENT_RECONNECTING:
		return "reconnecting";
	case EVENT_RECONNECT_FAILED:
		return "reconnect_failed";
	}
	return "unknown";
}

/* ", "NAME": "text"", the text repaired to valid UTF-8 first. */
static int
add_field_string(struct buf *out, const char *name, const char *s)
{
	size_t len;
	char *fixed;
	int rc;

	s = s != NULL ? s : "";
	len = strlen(s);
	if (buf_addf(out, ", \"%s\": ", name) < 0)
		return -1;
	if (utf8_valid(s, len))
		return json_add_string(out, s, len);
	if ((fixed = malloc(len * 3 + 1)) == NULL)
		return -1;
	len = utf8_repair(s, len, fixed);
	rc = json_add_string(out, fixed, len);
	free(fixed);
	return rc;
}

/* The fields after "url", by kind. */
static int
add_fields(const struct event *e, struct buf *out)
{
	switch (e->kind) {
	case EVENT_CONNECTED:
		return buf_addf(out, ", \"attempt\": %u", e->attempt);
	case EVENT_DISCONNECTED:
		if (buf_addf(out, ", \"code\": %d", e->code) < 0)
			return -1;
		return add_field_string(out, "reason", e->reason);
	case EVENT_CONNECT_FAILED:
		if (buf_addf(out, ", \"attempt\": %u", e->attempt) < 0 ||
		    add_field_string(out, "error", e->reason) < 0)
			return -1;
		if (e->status == 0)
			return 0;
		return buf_addf(out, ", \"status\": %d", e->status);
	case EVENT_RECONNECTING:
		return buf_addf(out, ", \"attempt\": %u, \"delay_ms\": %lld",
		    e->attempt, (long long)e->delay_ms);
	case EVENT_RECONNECT_FAILED:
		return buf_addf(out, ", \"attempts\": %u", e->attempt);
	}
	return 0;
}

int
event_json(const struct event *e, struct buf *out)
{
	if (buf_addf(out, "{\"event\": \"%s\", \"t\": %.3f",
	    event_name(e->kind), e->t) < 0 ||
	    add_field_string(out, "url", e->url) < 0 ||
	    add_fields(e, out) < 0)
		return -1;
	return buf_adds(out, "}\n");
}

/* A server's text for a log line: no line breaks or escapes in it. */
static int
add_clean(struct buf *out, const char *s)
{
	size_t start = out->len, i;

	if (buf_adds(out, s != NULL ? s : "") < 0)
		return -1;
	for (i = start; i < out->len; i++)
		if ((unsigned char)out->data[i] < 0x20 ||
		    out->data[i] == 0x7f)
			out->data[i] = '?';
	return 0;
}

static int
text_disconnected(const struct event *e, struct buf *out)
{
	if (buf_addf(out, "disconnected from %s: code %d", e->url,
	    e->code) < 0)
		return -1;
	if (e->reason == NULL || *e->reason == '\0')
		return 0;
	return buf_adds(out, ": ") < 0 ? -1 : add_clean(out, e->reason);
}

int
event_text(const struct event *e, struct buf *out)
{
	switch (e->kind) {
	case EVENT_CONNECTED:
		return buf_addf(out, "connected to %s", e->url);
	case EVENT_DISCONNECTED:
		return text_disconnected(e, out);
	case EVENT_CONNECT_FAILED:
		if (buf_addf(out, "cannot connect to %s: ", e->url) < 0)
			return -1;
		return add_clean(out, e->reason);
	case EVENT_RECONNECTING:
		return buf_addf(out, "reconnecting in %lld.%03llds "
		    "(attempt %u)", (long long)e->delay_ms / 1000,
		    (long long)e->delay_ms % 1000, e->attempt);
	case EVENT_RECONNECT_FAILED:
		return buf_addf(out, "giving up after %u %s", e->attempt,
		    e->attempt == 1 ? "retry" : "retries");
	}
	return 0;
}
