/*
 * ws-broadcast's server: a libwebsockets context with one vhost that takes
 * WebSocket clients on any room path, answers plain HTTP (http.c), reads
 * stdin inside the same loop (feed.c) and fans messages out to the rooms'
 * members with pre-framed batches.
 *
 * Everything runs in one thread, in lws's poll loop. The model (rooms and
 * queues) lives in room.c; this layer only moves bytes and keeps time.
 */
#ifndef WSFEED_SERVER_H
#define WSFEED_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "access.h"
#include "buf.h"
#include "input.h"
#include "lines.h"
#include "opts.h"
#include "room.h"

/* Bytes of frames copied into one write to one client. */
#define SERVER_BATCH_MAX 65536

/* Settings from the command line. */
struct server_config {
	struct listen_addr listen;	/* -l */
	const char *main_room;		/* -r: the room stdin feeds */
	size_t max_clients;		/* --max-clients; 0: from fd limit */
	int64_t ping_ms;		/* --ping */
	int64_t drain_ms;		/* --drain */
	size_t max_line;		/* --max-line */
	bool keep_open;			/* --keep-open */
	bool tee;			/* --tee */
	bool dashboard;			/* --dashboard */
	const char *static_dir;		/* --static (canonical), or NULL */
	const char *snapshot_type;	/* Content-Type of GET /ROOM */
	const char *const *origins;	/* --origin values, NULL-ended */
	const char *token;		/* --token, or NULL */
	const char *tls_cert;		/* --tls-cert, or NULL */
	const char *tls_key;		/* --tls-key, or NULL */
};

/* Counters that /_metrics shows beside the rooms' own. */
struct server_stats {
	uint64_t messages_in;		/* messages accepted from stdin */
	uint64_t client_messages;	/* messages clients sent us */
	uint64_t input_pauses;		/* times stdin waited for clients */
};

/* Where the server is in its life. */
enum server_phase {
	PHASE_RUNNING,		/* reading stdin, serving */
	PHASE_OPEN,		/* end of input, --keep-open: serving */
	PHASE_DRAINING,		/* clients get their queues, then a close */
	PHASE_DONE		/* leave the loop */
};

/* The stdin reader's state (feed.c). */
struct feed {
	struct lws *wsi;	/* the adopted descriptor, or NULL */
	int fd;			/* dup of stdin, owned by lws while adopted */
	int saved_flags;	/* stdin's flags, restored at exit */
	struct lines lines;	/* bytes to lines */
	bool paused;		/* rx flow is off: clients are behind */
	bool eof;		/* no more bytes will come */
	bool ended;		/* every line was handled */
	bool cut_short;		/* stdout went away: no last partial line */
};

/* The server. Fields are shared by server.c, feed.c and http.c. */
struct server {
	struct server_config cfg;
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	struct rooms rooms;		/* the model */
	struct input *input;		/* lines to messages (the caller's) */
	struct feed feed;		/* stdin */
	struct server_stats stats;
	enum server_phase phase;
	uint16_t close_code;		/* sent to everyone when draining */
	int exit_status;		/* what server_run returns */
	int signal_fd;			/* SIGINT/SIGTERM as a descriptor */
	struct lws *signal_wsi;		/* its adoption */
	int signals;			/* how many arrived */
	lws_sorted_usec_list_t sweep_timer;	/* rooms_sweep, reports */
	lws_sorted_usec_list_t ping_timer;	/* heartbeat */
	lws_sorted_usec_list_t drain_timer;	/* --drain ran out */
	unsigned char *batch;		/* LWS_PRE + SERVER_BATCH_MAX */
	char url[160];			/* what "listening on" said */
	size_t max_clients;		/* effective --max-clients */
	struct access access;		/* Origin, Host and token rules */
};

/*
 * Set up the server: rooms with limits, then the listening context. Logs
 * the "listening on" line. Returns NULL after logging why (port in use,
 * bad TLS files, ...). input stays the caller's.
 */
struct server *server_new(const struct server_config *cfg,
    const struct room_limits *limits, struct input *input);

/* Run until the end (input ended and drained, or a signal). */
int server_run(struct server *s);

/* Free everything; restores stdin's flags. */
void server_free(struct server *s);

/*
 * Start the end: stop reading stdin, let queues drain for --drain, then
 * close every client with code (1000 at end of input, 1001 on a signal).
 */
void server_shutdown(struct server *s, uint16_t code);

/* The input layer's emit callback: publish text to room (NULL: -r). */
int server_emit(void *arg, const char *room, const char *text, size_t len,
    struct buf *why);

/* feed.c: adopt stdin into the loop. Returns 0 or -1 (logged). */
int feed_start(struct server *s);

/* feed.c: handle lines while the clients keep up. */
void feed_pump(struct server *s);

/* feed.c: lws callback of the stdin protocol. */
int feed_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len);

/* feed.c: put stdin's flags back. */
void feed_release(struct server *s);

/* http.c: answer a plain HTTP request; lws callback return value. */
int http_answer(struct server *s, struct lws *wsi, const char *uri);

/*
 * http.c: check a request against --origin, --token and the loopback Host
 * rule. Returns ACCESS_OK or the status to answer, with *why set.
 */
enum access_verdict http_access(struct server *s, struct lws *wsi,
    bool websocket, const char **why);

/*
 * http.c: refuse a WebSocket handshake with a full HTTP response (status,
 * reason phrase, a text body). Returns -1 for the callback to return.
 */
int http_refuse(struct lws *wsi, int status, const char *body);

#endif
