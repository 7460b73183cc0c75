/*
 * Rooms, their members, the members' queues and each room's snapshot.
 *
 * This is the fan-out model, with no network in it: the transport (server.c)
 * embeds a struct member in each client, calls rooms_publish for each
 * message, takes queued messages out with member_peek and member_pop when
 * a socket can take them, and is called back through struct room_hooks to
 * wake a client or to cut one off. A member's queue holds references to
 * shared messages, never copies.
 *
 * Slow clients: a member is stalled when its queue is full (by messages or
 * bytes), or when it has had messages waiting for stall_ms without its
 * socket draining. A stalled member gets the room's policy: SLOW_CLOSE cuts
 * it off (hooks.cut), SLOW_DROP drops its oldest messages to make room,
 * SLOW_LATEST replaces its queue with the newest message.
 *
 * Backpressure (SLOW_CLOSE only): a member is roomy while it is healthy and
 * its queue is at most half full by messages and by bytes. A room is active
 * while it got a message within stall_ms. rooms_should_pause is true while
 * there are healthy members in active rooms and none of them is roomy: the
 * server is then the bottleneck and the producer should wait.
 */
#ifndef WSFEED_ROOM_H
#define WSFEED_ROOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/* Longest room name. */
#define ROOM_NAME_MAX 128

/* What happens to a stalled member. */
enum slow_policy {
	SLOW_CLOSE,	/* cut it off; it reconnects from the snapshot */
	SLOW_DROP,	/* drop its oldest queued messages */
	SLOW_LATEST	/* replace its queue with the latest message */
};

struct room;
struct rooms;
struct member;

/* How the model reaches the transport. */
struct room_hooks {
	/* The member's queue was empty and got a message: ask to write. */
	void (*wake)(struct member *m);
	/* The member stalled under SLOW_CLOSE: close or drop it. */
	void (*cut)(struct member *m);
	/*
	 * Whether the member's socket took any bytes since the last call
	 * (false when that cannot be known). Asked before a member that has
	 * waited stall_ms is called stalled: the transport may see progress
	 * that the model cannot, within a batch written long ago.
	 */
	bool (*moved)(struct member *m);
};

/* Settings of a registry, from the command line. */
struct room_limits {
	size_t max_rooms;	/* rooms at most; more are refused */
	int64_t ttl_ms;		/* forget idle, empty rooms; 0: never */
	size_t max_queue;	/* messages per member queue */
	size_t max_queue_bytes;	/* frame bytes per member queue */
	int64_t stall_ms;	/* no drain for this long: stalled */
	enum slow_policy slow;	/* what a stalled member gets */
	bool keep_snapshot;	/* --snapshot last */
};

/* Counters, as /_metrics shows them. */
struct room_stats {
	uint64_t delivered;	/* messages written to members */
	uint64_t dropped;	/* messages dropped from queues */
	uint64_t closed_slow;	/* members cut off by SLOW_CLOSE */
	uint64_t queued;	/* messages in all queues now */
};

/* One client in a room. Embedded in the transport's per-client data. */
struct member {
	struct room *room;	/* NULL until member_join */
	struct member *prev;	/* the room's member list */
	struct member *next;
	struct msg **queue;	/* ring of queue_cap, allocated on use */
	size_t queue_cap;	/* slots allocated */
	size_t head;		/* index of the oldest message */
	size_t count;		/* messages queued */
	size_t bytes;		/* frame bytes queued */
	int64_t waiting_since;	/* clock_ms() of the last drain, if queued */
	uint64_t id;		/* stable number for logs */
	bool stalled;		/* under its room's slow policy now */
	bool roomy;		/* counted in room->n_roomy */
	bool healthy;		/* counted in room->n_healthy */
	bool cut;		/* handed to hooks.cut; queue dropped */
	bool warned;		/* its first stall was logged as a warning */
};

/* A room. */
struct room {
	char name[ROOM_NAME_MAX + 1];
	struct rooms *owner;	/* the registry */
	struct room *hash_next;	/* bucket chain */
	struct member *members;	/* list of members */
	size_t n_members;
	size_t n_healthy;	/* members not stalled nor cut */
	size_t n_roomy;		/* healthy members at most half full */
	struct msg *snapshot;	/* latest message, or NULL */
	int64_t last_msg_ms;	/* last message (or creation) */
	bool active;		/* got a message within stall_ms */
	bool pinned;		/* the -r room: never forgotten */
};

/* The registry of rooms. */
struct rooms {
	struct room **buckets;	/* hash table by name */
	size_t n_buckets;
	size_t n_rooms;
	size_t n_members;	/* members in all rooms */
	size_t healthy_active;	/* sum of n_healthy over active rooms */
	size_t roomy_active;	/* sum of n_roomy over active rooms */
	uint64_t next_id;	/* for member ids */
	struct room_limits limits;
	struct room_hooks hooks;
	struct room_stats stats;
};

/* Whether name (len bytes) is a valid room name (see ws-broadcast(1)). */
bool room_name_valid(const char *name, size_t len);

/*
 * The room a WebSocket request path names: "/" is main_room, "/NAME" is
 * NAME when it is a valid room name. len is the path's length as received,
 * so that a NUL inside it (from %00) makes it invalid. Returns 0 and
 * copies the name into out (ROOM_NAME_MAX + 1 bytes), or -1.
 */
int room_from_path(const char *path, size_t len, const char *main_room,
    char *out);

/* Set up a registry. Returns 0 or -1 (ENOMEM). */
int rooms_init(struct rooms *rs, const struct room_limits *limits,
    const struct room_hooks *hooks);

/* Free every room and snapshot. Members must have left first. */
void rooms_release(struct rooms *rs);

/* The room of that name, or NULL. */
struct room *rooms_find(struct rooms *rs, const char *name);

/*
 * The room of that name, made if needed. Returns NULL when the name is
 * invalid, max_rooms is reached or memory ran out (errno EINVAL, ENOSPC,
 * ENOMEM).
 */
struct room *rooms_get(struct rooms *rs, const char *name);

/*
 * Deliver m to every member of r and keep it as r's snapshot. Takes its
 * own references; the caller keeps its own.
 */
void rooms_publish(struct room *r, struct msg *m);

/* Whether the producer should wait (see the top of this file). */
bool rooms_should_pause(const struct rooms *rs);

/*
 * Periodic work: stalled members, rooms that went quiet, rooms past their
 * TTL. Call a few times per stall_ms.
 */
void rooms_sweep(struct rooms *rs);

/* Visit every room; stops early when fn returns nonzero. */
int rooms_each(struct rooms *rs, int (*fn)(struct room *r, void *arg),
    void *arg);

/* Set up m (zeroed by the caller) and give it an id. */
void member_init(struct rooms *rs, struct member *m);

/* Add m to r and queue r's snapshot for it. Returns 0 or -1 (ENOMEM). */
int member_join(struct member *m, struct room *r);

/* Take m out of its room and drop its queue. Safe if it never joined. */
void member_leave(struct member *m);

/* The i-th queued message (0 is the oldest), or NULL. */
struct msg *member_peek(const struct member *m, size_t i);

/* Drop the n oldest messages after they were written, and count them. */
void member_sent(struct member *m, size_t n);

/* The socket drained: m is making progress again. */
void member_progress(struct member *m);

/* Drop m's whole queue (for a member being closed). */
void member_clear(struct member *m);

#endif
