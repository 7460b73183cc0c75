/*
 * ws-broadcast's plain HTTP answers (snapshots, metrics, the room list,
 * the dashboard's files) and its refusals of WebSocket handshakes.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "access.h"
#include "buf.h"
#include "clock.h"
#include "docroot.h"
#include "log.h"
#include "server.h"
#include "webdata.h"

#define JSON_TYPE "application/json"
#define TEXT_TYPE "text/plain; charset=utf-8"

/*
 * The dashboard runs only its own files: no inline script or style, no
 * plug-ins, no frames around it, and connections back to its own origin
 * only ('self' covers ws: and wss: to the same host and port in browsers
 * of CSP level 3).
 */
#define DASHBOARD_CSP "default-src 'none'; script-src 'self'; " \
    "style-src 'self'; img-src 'self' data:; connect-src 'self'; " \
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* An extra response header; lists of them end with a NULL name. */
struct http_header {
	const char *name;	/* with its colon: "allow:" */
	const char *value;
};

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

/*
 * lws answers a refused upgrade with HTTP/1.0 or not at all, which some
 * clients cannot read; write the whole response ourselves and close.
 */
int
http_refuse(struct lws *wsi, int status, const char *body)
{
	struct buf b = { 0 };

	if (buf_reserve(&b, LWS_PRE + 256 + strlen(body)) == 0) {
		/* lws wants LWS_PRE writable bytes before what it sends. */
		memset(b.data, 0, LWS_PRE);
		b.len = LWS_PRE;
	}
	buf_addf(&b, "HTTP/1.1 %d %s\r\ncontent-type: " TEXT_TYPE "\r\n"
	    "content-length: %zu\r\n%sconnection: close\r\n\r\n%s",
	    status, reason_phrase(status), strlen(body),
	    status == 401 ? "www-authenticate: Bearer\r\n" : "", body);
	if (b.len > LWS_PRE)
		lws_write(wsi, (unsigned char *)b.data + LWS_PRE,
		    b.len - LWS_PRE, LWS_WRITE_HTTP_HEADERS);
	log_info("refused a WebSocket handshake: %d %s", status,
	    reason_phrase(status));
	buf_release(&b);
	return -1;
}

static int
add_headers(struct lws *wsi, const struct http_header *h, unsigned char **p,
    unsigned char *end)
{
	for (; h != NULL && h->name != NULL; h++)
		if (lws_add_http_header_by_name(wsi,
		    (const unsigned char *)h->name,
		    (const unsigned char *)h->value, (int)strlen(h->value), p,
		    end))
			return -1;
	return 0;
}

/*
 * Send a whole response with the given Cache-Control; returns what the lws
 * callback should return. A NULL body with a length sends the headers
 * alone (a 304 gives the length the full answer would have).
 */
static int
send_response(struct lws *wsi, int status, const char *type,
    const void *body, size_t len, const char *cache,
    const struct http_header *extra)
{
	unsigned char hdr[LWS_PRE + 2048];
	unsigned char *start = hdr + LWS_PRE, *p = start;
	unsigned char *end = hdr + sizeof(hdr) - 1;
	unsigned char *out;

	if (lws_add_http_common_headers(wsi, (unsigned int)status, type,
	    status == 204 ? LWS_ILLEGAL_HTTP_CONTENT_LEN : len, &p, end) ||
	    lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"cache-control:",
	    (const unsigned char *)cache, (int)strlen(cache), &p, end))
		return -1;
	if (add_headers(wsi, extra, &p, end) < 0 ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (body != NULL && len > 0) {
		if ((out = malloc(LWS_PRE + len)) == NULL)
			return -1;
		memcpy(out + LWS_PRE, body, len);
		if (lws_write(wsi, out + LWS_PRE, len,
		    LWS_WRITE_HTTP_FINAL) < 0) {
			free(out);
			return -1;
		}
		free(out);
	}
	if (status == 204)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* Answers made of live data must never come from a cache. */
static int
http_send(struct lws *wsi, int status, const char *type, const void *body,
    size_t len, const struct http_header *extra)
{
	return send_response(wsi, status, type, body, len, "no-store", extra);
}

static int
send_text(struct lws *wsi, int status, const char *text)
{
	return http_send(wsi, status, TEXT_TYPE, text, strlen(text), NULL);
}

static int
cmp_rooms(const void *a, const void *b)
{
	const struct room *const *ra = a, *const *rb = b;

	return strcmp((*ra)->name, (*rb)->name);
}

static int
collect_room(struct room *r, void *arg)
{
	struct room ***cursor = arg;

	*(*cursor)++ = r;
	return 0;
}

/* The room list, sorted by name: [{"room", "clients", "snapshot_age_ms"}]. */
static int
answer_rooms(struct server *s, struct lws *wsi)
{
	struct room **all = calloc(s->rooms.n_rooms + 1, sizeof(*all));
	struct room **cursor = all;
	struct buf b = { 0 };
	int64_t now = clock_ms();
	size_t i;
	int rc;

	if (all == NULL)
		return -1;
	rooms_each(&s->rooms, collect_room, &cursor);
	qsort(all, s->rooms.n_rooms, sizeof(*all), cmp_rooms);
	buf_addc(&b, '[');
	for (i = 0; i < s->rooms.n_rooms; i++) {
		struct room *r = all[i];

		buf_addf(&b, "%s{\"room\": \"%s\", \"clients\": %zu, "
		    "\"snapshot_age_ms\": ", i ? ", " : "", r->name,
		    r->n_members);
		if (r->snapshot != NULL)
			buf_addf(&b, "%lld",
			    (long long)(now - r->last_msg_ms));
		else
			buf_adds(&b, "null");
		buf_addc(&b, '}');
	}
	buf_adds(&b, "]\n");
	rc = http_send(wsi, 200, JSON_TYPE, b.data, b.len, NULL);
	buf_release(&b);
	free(all);
	return rc;
}

static void
metric(struct buf *b, const char *name, const char *type, const char *help,
    unsigned long long value)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name,
	    type, name, value);
}

static int
answer_metrics(struct server *s, struct lws *wsi)
{
	const struct room_stats *rs = &s->rooms.stats;
	struct buf b = { 0 };
	int rc;

	metric(&b, "wsfeed_clients", "gauge", "WebSocket clients connected.",
	    s->rooms.n_members);
	metric(&b, "wsfeed_rooms", "gauge", "Rooms that exist.",
	    s->rooms.n_rooms);
	metric(&b, "wsfeed_queued_messages", "gauge",
	    "Messages waiting in client queues.", rs->queued);
	metric(&b, "wsfeed_messages_in_total", "counter",
	    "Messages accepted from stdin.", s->stats.messages_in);
	metric(&b, "wsfeed_messages_out_total", "counter",
	    "Messages delivered to clients.", rs->delivered);
	metric(&b, "wsfeed_messages_dropped_total", "counter",
	    "Messages dropped from slow clients' queues.", rs->dropped);
	metric(&b, "wsfeed_clients_closed_slow_total", "counter",
	    "Clients closed or dropped by --slow close.", rs->closed_slow);
	metric(&b, "wsfeed_input_pauses_total", "counter",
	    "Times stdin was paused because every client was behind.",
	    s->stats.input_pauses);
	metric(&b, "wsfeed_bad_lines_total", "counter",
	    "Input lines reported and skipped.", s->input->bad.total);
	metric(&b, "wsfeed_client_messages_total", "counter",
	    "Messages received from clients (ignored).",
	    s->stats.client_messages);
	rc = http_send(wsi, 200, "text/plain; version=0.0.4", b.data, b.len,
	    NULL);
	buf_release(&b);
	return rc;
}

static int
answer_snapshot(struct server *s, struct lws *wsi, const char *name)
{
	struct room *r;

	if (!room_name_valid(name, strlen(name)) ||
	    (r = rooms_find(&s->rooms, name)) == NULL)
		return send_text(wsi, 404, "no such room\n");
	if (r->snapshot == NULL)
		return http_send(wsi, 204, TEXT_TYPE, NULL, 0, NULL);
	return http_send(wsi, 200, s->cfg.snapshot_type, r->snapshot->payload,
	    r->snapshot->len, NULL);
}

/* Whether the list item at p is tag (n bytes) and nothing more. */
static bool
tag_at(const char *p, const char *tag, size_t n)
{
	/* strchr finds the NUL too: the last item ends the string. */
	return strncmp(p, tag, n) == 0 && strchr(" \t,", p[n]) != NULL;
}

/*
 * Whether an If-None-Match list names etag, or is "*". Weak tags (W/)
 * match too: RFC 9110 compares them weakly for this header.
 */
static bool
etag_listed(const char *list, const char *etag)
{
	const char *p = list;

	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return false;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (tag_at(p, "*", 1) || tag_at(p, etag, strlen(etag)))
			return true;
		p += strcspn(p, ",");
	}
}

/*
 * A file of the dashboard, "" being its page. The bytes are compiled in,
 * so the entity tag made at build time is exact: browsers revalidate each
 * time (no-cache) and get a 304 without a body while the program is the
 * same, and never run a stale script against a newer page.
 */
static int
answer_asset(struct lws *wsi, const char *name)
{
	struct http_header h[] = {
		{ "etag:", NULL },
		{ "content-security-policy:", DASHBOARD_CSP },
		{ "x-content-type-options:", "nosniff" },
		{ "referrer-policy:", "no-referrer" },
		{ NULL, NULL }
	};
	const struct web_asset *a;
	char tags[512];

	if (*name == '\0')
		name = "index.html";
	for (a = web_assets; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			break;
	if (a->name == NULL)
		return send_text(wsi, 404, "not found\n");
	h[0].value = a->etag;
	if (lws_hdr_copy(wsi, tags, sizeof(tags),
	    WSI_TOKEN_HTTP_IF_NONE_MATCH) > 0 && etag_listed(tags, a->etag))
		return send_response(wsi, 304, a->type, NULL, a->len,
		    "no-cache", h);
	return send_response(wsi, 200, a->type, a->data, a->len, "no-cache",
	    h);
}

/*
 * Copy a header; an absent one gives NULL, and one too long for the
 * buffer gives "", which no check accepts.
 */
static const char *
header(struct lws *wsi, enum lws_token_indexes token, char *buf, int size)
{
	if (lws_hdr_total_length(wsi, token) <= 0)
		return NULL;
	if (lws_hdr_copy(wsi, buf, size, token) < 0)
		buf[0] = '\0';
	return buf;
}

enum access_verdict
http_access(struct server *s, struct lws *wsi, bool websocket,
    const char **why)
{
	char host[256], origin[256], auth[512], token[512];
	struct access_request rq;

	rq.host = header(wsi, WSI_TOKEN_HOST, host, sizeof(host));
	rq.origin = header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof(origin));
	rq.authorization = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, auth,
	    sizeof(auth));
	rq.token_arg = lws_get_urlarg_by_name(wsi, "token=", token,
	    sizeof(token));
	return access_check(&s->access, &rq, websocket, why);
}

static int
answer_refusal(struct lws *wsi, enum access_verdict v, const char *why)
{
	static const struct http_header challenge[] = {
		{ "www-authenticate:", "Bearer" },
		{ NULL, NULL }
	};
	char body[256];

	snprintf(body, sizeof(body), "%s\n", why);
	log_info("refused an HTTP request: %d %s", (int)v, why);
	return http_send(wsi, (int)v, TEXT_TYPE, body, strlen(body),
	    v == ACCESS_UNAUTHORIZED ? challenge : NULL);
}

/* /_static/PATH under --static DIR, never outside it. */
static int
answer_static(struct server *s, struct lws *wsi, const char *rel)
{
	char path[PATH_MAX];
	int n;

	if (s->cfg.static_dir == NULL)
		return send_text(wsi, 404, "not found\n");
	if (docroot_resolve(s->cfg.static_dir, rel, path, sizeof(path)) < 0)
		return errno == EACCES ? send_text(wsi, 403, "forbidden\n") :
		    send_text(wsi, 404, "not found\n");
	n = lws_serve_http_file(wsi, path, docroot_type(path), NULL, 0);
	if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
		return -1;
	return 0;
}

int
http_answer(struct server *s, struct lws *wsi, const char *uri)
{
	enum access_verdict v;
	const char *why;
	static const struct http_header allow[] = {
		{ "allow:", "GET" },
		{ NULL, NULL }
	};

	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0)
		return http_send(wsi, 405, TEXT_TYPE, "only GET is served\n",
		    19, allow);
	v = http_access(s, wsi, false, &why);
	/*
	 * The page at / cannot add a token to the script and style it
	 * loads; those files are compiled in, the same for everyone, and
	 * carry no data, so they need none. Every data request does.
	 */
	if (v == ACCESS_UNAUTHORIZED && s->cfg.dashboard &&
	    strncmp(uri, "/_dashboard/", 12) == 0)
		v = ACCESS_OK;
	if (v != ACCESS_OK)
		return answer_refusal(wsi, v, why);
	if (strncmp(uri, "/_static/", 9) == 0)
		return answer_static(s, wsi, uri + 9);
	if (strcmp(uri, "/") == 0) {
		if (s->cfg.dashboard)
			return answer_asset(wsi, "index.html");
		return answer_rooms(s, wsi);
	}
	if (strcmp(uri, "/_rooms") == 0)
		return answer_rooms(s, wsi);
	if (strcmp(uri, "/_metrics") == 0)
		return answer_metrics(s, wsi);
	if (s->cfg.dashboard && strncmp(uri, "/_dashboard/", 12) == 0)
		return answer_asset(wsi, uri + 12);
	return answer_snapshot(s, wsi, uri + 1);
}
