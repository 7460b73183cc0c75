/*
 * Rooms, their members, the members' queues and each room's snapshot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "msg.h"
#include "room.h"

#define FIRST_BUCKETS 64
#define FIRST_QUEUE 16

bool
room_name_valid(const char *name, size_t len)
{
	bool only_dots = true;
	size_t i;

	if (len == 0 || len > ROOM_NAME_MAX || name[0] == '_')
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (c != '.')
			only_dots = false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return false;
	}
	return !only_dots;
}

int
room_from_path(const char *path, size_t len, const char *main_room,
    char *out)
{
	if (len == 0 || path[0] != '/' || strnlen(path, len) != len)
		return -1;
	if (len == 1) {
		if (strlen(main_room) > ROOM_NAME_MAX)
			return -1;
		strcpy(out, main_room);
		return 0;
	}
	if (!room_name_valid(path + 1, len - 1))
		return -1;
	memcpy(out, path + 1, len - 1);
	out[len - 1] = '\0';
	return 0;
}

/* FNV-1a: short keys, no adversarial worry beyond a bounded room count. */
static size_t
name_hash(const char *name)
{
	uint64_t h = 1469598103934665603ULL;

	while (*name != '\0') {
		h ^= (unsigned char)*name++;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

int
rooms_init(struct rooms *rs, const struct room_limits *limits,
    const struct room_hooks *hooks)
{
	memset(rs, 0, sizeof(*rs));
	rs->buckets = calloc(FIRST_BUCKETS, sizeof(*rs->buckets));
	if (rs->buckets == NULL)
		return -1;
	rs->n_buckets = FIRST_BUCKETS;
	rs->limits = *limits;
	rs->hooks = *hooks;
	rs->next_id = 1;
	return 0;
}

static void
room_free(struct room *r)
{
	msg_unref(r->snapshot);
	free(r);
}

void
rooms_release(struct rooms *rs)
{
	size_t i;

	for (i = 0; i < rs->n_buckets; i++) {
		struct room *r = rs->buckets[i], *next;

		for (; r != NULL; r = next) {
			next = r->hash_next;
			room_free(r);
		}
	}
	free(rs->buckets);
	rs->buckets = NULL;
	rs->n_buckets = rs->n_rooms = 0;
}

struct room *
rooms_find(struct rooms *rs, const char *name)
{
	struct room *r = rs->buckets[name_hash(name) % rs->n_buckets];

	while (r != NULL && strcmp(r->name, name) != 0)
		r = r->hash_next;
	return r;
}

/* Double the table; on failure keep the old one, just slower. */
static void
rooms_grow(struct rooms *rs)
{
	size_t n = rs->n_buckets * 2, i;
	struct room **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return;
	for (i = 0; i < rs->n_buckets; i++) {
		struct room *r = rs->buckets[i], *next;

		for (; r != NULL; r = next) {
			size_t h = name_hash(r->name) % n;

			next = r->hash_next;
			r->hash_next = b[h];
			b[h] = r;
		}
	}
	free(rs->buckets);
	rs->buckets = b;
	rs->n_buckets = n;
}

struct room *
rooms_get(struct rooms *rs, const char *name)
{
	struct room *r = rooms_find(rs, name);
	size_t h;

	if (r != NULL)
		return r;
	if (!room_name_valid(name, strlen(name))) {
		errno = EINVAL;
		return NULL;
	}
	if (rs->n_rooms >= rs->limits.max_rooms) {
		errno = ENOSPC;
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	strcpy(r->name, name);
	r->owner = rs;
	r->last_msg_ms = clock_ms();
	if (rs->n_rooms >= rs->n_buckets * 2)
		rooms_grow(rs);
	h = name_hash(name) % rs->n_buckets;
	r->hash_next = rs->buckets[h];
	rs->buckets[h] = r;
	rs->n_rooms++;
	log_debug("room %s: new", name);
	return r;
}

/* An active room's members count towards backpressure. */
static void
room_set_active(struct room *r, bool active)
{
	struct rooms *rs = r->owner;

	if (r->active == active)
		return;
	r->active = active;
	if (active) {
		rs->healthy_active += r->n_healthy;
		rs->roomy_active += r->n_roomy;
	} else {
		rs->healthy_active -= r->n_healthy;
		rs->roomy_active -= r->n_roomy;
	}
}

/* Keep the healthy and roomy counts of the room and registry true. */
static void
member_recount(struct member *m)
{
	struct room *r = m->room;
	struct rooms *rs = r->owner;
	const struct room_limits *l = &rs->limits;
	bool healthy = !m->stalled && !m->cut;
	bool roomy = healthy && m->count * 2 <= l->max_queue &&
	    m->bytes * 2 <= l->max_queue_bytes;

	if (healthy != m->healthy) {
		m->healthy = healthy;
		r->n_healthy += healthy ? 1 : -1;
		if (r->active)
			rs->healthy_active += healthy ? 1 : -1;
	}
	if (roomy != m->roomy) {
		m->roomy = roomy;
		r->n_roomy += roomy ? 1 : -1;
		if (r->active)
			rs->roomy_active += roomy ? 1 : -1;
	}
}

/*
 * Index of the i-th queued message. The capacity is FIRST_QUEUE doubled,
 * always a power of two, so a mask does what a division by the capacity
 * would: that division ran three times per delivery and showed in
 * profiles of the fan-out.
 */
static size_t
queue_slot(const struct member *m, size_t i)
{
	return (m->head + i) & (m->queue_cap - 1);
}

static void
drop_oldest(struct member *m)
{
	struct msg *old = m->queue[m->head];

	m->bytes -= msg_frame_len(old);
	msg_unref(old);
	m->head = queue_slot(m, 1);
	m->count--;
	m->room->owner->stats.queued--;
}

static void
drop_counted(struct member *m, size_t n)
{
	m->room->owner->stats.dropped += n;
	while (n-- > 0)
		drop_oldest(m);
}

void
member_clear(struct member *m)
{
	while (m->count > 0)
		drop_oldest(m);
	free(m->queue);
	m->queue = NULL;
	m->queue_cap = m->head = 0;
	if (m->room != NULL)
		member_recount(m);
}

/* Grow the ring, keeping order; the queue starts small and grows. */
static int
queue_grow(struct member *m)
{
	size_t cap = m->queue_cap ? m->queue_cap * 2 : FIRST_QUEUE, i;
	struct msg **q = malloc(cap * sizeof(*q));

	if (q == NULL)
		return -1;
	for (i = 0; i < m->count; i++)
		q[i] = m->queue[queue_slot(m, i)];
	free(m->queue);
	m->queue = q;
	m->queue_cap = cap;
	m->head = 0;
	return 0;
}

static bool
queue_full_for(const struct member *m, const struct msg *msg)
{
	const struct room_limits *l = &m->room->owner->limits;

	return m->count >= l->max_queue || (m->count > 0 &&
	    m->bytes + msg_frame_len(msg) > l->max_queue_bytes);
}

static const char *const policy_names[] = {
	[SLOW_CLOSE] = "close",
	[SLOW_DROP] = "drop",
	[SLOW_LATEST] = "latest",
};

static void
member_stall(struct member *m, const char *why)
{
	struct rooms *rs = m->room->owner;

	m->stalled = true;
	if (rs->limits.slow == SLOW_CLOSE) {
		m->cut = true;
		rs->stats.closed_slow++;
		log_debug("client %llu: %s", (unsigned long long)m->id, why);
		member_clear(m);
		rs->hooks.cut(m);
		return;
	}
	/* A client that keeps falling behind is worth one warning. */
	log_at(m->warned ? LVL_INFO : LVL_WARN,
	    "client %llu in room %s is slow (%s): --slow %s",
	    (unsigned long long)m->id, m->room->name, why,
	    policy_names[rs->limits.slow]);
	m->warned = true;
	if (rs->limits.slow == SLOW_LATEST && m->count > 1)
		drop_counted(m, m->count - 1);
	member_recount(m);
}

/* Queue msg for m, applying the slow policy when it has no room. */
static void
member_push(struct member *m, struct msg *msg)
{
	struct rooms *rs = m->room->owner;
	bool full;

	if (m->cut)
		return;
	full = queue_full_for(m, msg);
	if (full && !m->stalled)
		member_stall(m, "queue full");
	if (m->cut)
		return;
	if (m->stalled && rs->limits.slow == SLOW_LATEST)
		drop_counted(m, m->count);
	else if (m->stalled && m->count > 0)
		drop_counted(m, 1);
	while (m->count > 0 && queue_full_for(m, msg))
		drop_counted(m, 1);
	if (m->count == m->queue_cap && queue_grow(m) < 0) {
		log_err("client %llu: out of memory for its queue",
		    (unsigned long long)m->id);
		return;
	}
	m->queue[queue_slot(m, m->count)] = msg_ref(msg);
	m->bytes += msg_frame_len(msg);
	rs->stats.queued++;
	if (m->count++ == 0) {
		m->waiting_since = clock_ms();
		rs->hooks.wake(m);
	}
	member_recount(m);
}

void
rooms_publish(struct room *r, struct msg *msg)
{
	struct member *m, *next;

	if (r->owner->limits.keep_snapshot) {
		msg_unref(r->snapshot);
		r->snapshot = msg_ref(msg);
	}
	r->last_msg_ms = clock_ms();
	room_set_active(r, true);
	for (m = r->members; m != NULL; m = next) {
		next = m->next;	/* hooks.cut may not unlink, but be safe */
		member_push(m, msg);
	}
}

bool
rooms_should_pause(const struct rooms *rs)
{
	return rs->limits.slow == SLOW_CLOSE && rs->healthy_active > 0 &&
	    rs->roomy_active == 0;
}

static void
room_unlink(struct rooms *rs, struct room *r)
{
	struct room **p = &rs->buckets[name_hash(r->name) % rs->n_buckets];

	while (*p != r)
		p = &(*p)->hash_next;
	*p = r->hash_next;
	rs->n_rooms--;
}

static void
sweep_members(struct room *r, int64_t now)
{
	int64_t stall = r->owner->limits.stall_ms;
	struct member *m, *next;

	for (m = r->members; m != NULL; m = next) {
		next = m->next;
		if (m->count == 0 || m->stalled || m->cut ||
		    now - m->waiting_since < stall)
			continue;
		if (r->owner->hooks.moved != NULL && r->owner->hooks.moved(m))
			member_progress(m);
		else
			member_stall(m, "not reading");
	}
}

/* Returns whether r was forgotten. */
static bool
sweep_room(struct rooms *rs, struct room *r, int64_t now)
{
	const struct room_limits *l = &rs->limits;

	if (r->active && now - r->last_msg_ms >= l->stall_ms)
		room_set_active(r, false);
	sweep_members(r, now);
	if (l->ttl_ms > 0 && !r->pinned && r->n_members == 0 &&
	    now - r->last_msg_ms >= l->ttl_ms) {
		log_debug("room %s: forgotten after --room-ttl", r->name);
		room_unlink(rs, r);
		room_free(r);
		return true;
	}
	return false;
}

void
rooms_sweep(struct rooms *rs)
{
	int64_t now = clock_ms();
	size_t i;

	for (i = 0; i < rs->n_buckets; i++) {
		struct room *r = rs->buckets[i], *next;

		for (; r != NULL; r = next) {
			next = r->hash_next;
			sweep_room(rs, r, now);
		}
	}
}

int
rooms_each(struct rooms *rs, int (*fn)(struct room *r, void *arg), void *arg)
{
	size_t i;
	int rc;

	for (i = 0; i < rs->n_buckets; i++) {
		struct room *r;

		for (r = rs->buckets[i]; r != NULL; r = r->hash_next)
			if ((rc = fn(r, arg)) != 0)
				return rc;
	}
	return 0;
}

void
member_init(struct rooms *rs, struct member *m)
{
	m->id = rs->next_id++;
}

int
member_join(struct member *m, struct room *r)
{
	m->room = r;
	m->next = r->members;
	if (r->members != NULL)
		r->members->prev = m;
	r->members = m;
	r->n_members++;
	r->owner->n_members++;
	member_recount(m);
	if (r->snapshot != NULL)
		member_push(m, r->snapshot);
	return 0;
}

void
member_leave(struct member *m)
{
	struct room *r = m->room;

	if (r == NULL)
		return;
	m->cut = true;
	member_clear(m);
	if (m->prev != NULL)
		m->prev->next = m->next;
	else
		r->members = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	r->n_members--;
	r->owner->n_members--;
	m->room = NULL;
	m->prev = m->next = NULL;
}

struct msg *
member_peek(const struct member *m, size_t i)
{
	if (i >= m->count)
		return NULL;
	return m->queue[queue_slot(m, i)];
}

void
member_sent(struct member *m, size_t n)
{
	m->room->owner->stats.delivered += n;
	while (n-- > 0 && m->count > 0)
		drop_oldest(m);
	member_recount(m);
}

void
member_progress(struct member *m)
{
	m->waiting_since = clock_ms();
	if (m->stalled && !m->cut) {
		m->stalled = false;
		member_recount(m);
	}
}
