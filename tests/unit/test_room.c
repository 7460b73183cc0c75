/*
 * Unit tests of lib/room.c and lib/msg.c: rooms, queues, slow policies,
 * backpressure, sweeps, and the frames messages carry.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "msg.h"
#include "room.h"
#include "log.h"
#include "tap.h"

/* What the hooks saw. */
static int woken, cut;

static void
on_wake(struct member *m)
{
	(void)m;
	woken++;
}

static void
on_cut(struct member *m)
{
	(void)m;
	cut++;
}

static const struct room_hooks hooks = { on_wake, on_cut, NULL };

static struct room_limits
limits(enum slow_policy slow, size_t max_queue)
{
	struct room_limits l = {
		.max_rooms = 3,
		.ttl_ms = 0,
		.max_queue = max_queue,
		.max_queue_bytes = 1 << 20,
		.stall_ms = 20,
		.slow = slow,
		.keep_snapshot = true,
	};

	return l;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
publish_text(struct room *r, const char *text)
{
	struct msg *m = msg_new(text, strlen(text), MSG_TEXT);

	rooms_publish(r, m);
	msg_unref(m);
}

/* The payload of the i-th queued message, or "". */
static const char *
queued(const struct member *m, size_t i)
{
	struct msg *msg = member_peek(m, i);

	return msg != NULL ? msg->payload : "";
}

static void
test_room_names(void)
{
	char long_name[129];

	CHECK(room_name_valid("vmstat", 6));
	CHECK(room_name_valid("a.b-c_d9", 8));
	CHECK(room_name_valid("..a", 3));
	CHECK(!room_name_valid("", 0));
	CHECK(!room_name_valid("..", 2));
	CHECK(!room_name_valid(".", 1));
	CHECK(!room_name_valid("_metrics", 8));
	CHECK(!room_name_valid("a/b", 3));
	CHECK(!room_name_valid("a b", 3));
	CHECK(!room_name_valid("caf\xc3\xa9", 5));
	memset(long_name, 'a', sizeof(long_name));
	CHECK(room_name_valid(long_name, 128));
	CHECK(!room_name_valid(long_name, 129));
}

static void
test_rooms_get_limits(void)
{
	struct room_limits l = limits(SLOW_CLOSE, 8);
	struct rooms rs;

	CHECK_INT(rooms_init(&rs, &l, &hooks), 0);
	CHECK(rooms_get(&rs, "a") != NULL);
	CHECK(rooms_get(&rs, "a") == rooms_find(&rs, "a"));
	errno = 0;
	CHECK(rooms_get(&rs, "bad/name") == NULL);
	CHECK_INT(errno, EINVAL);
	CHECK(rooms_get(&rs, "b") != NULL);
	CHECK(rooms_get(&rs, "c") != NULL);
	errno = 0;
	CHECK(rooms_get(&rs, "d") == NULL);
	CHECK_INT(errno, ENOSPC);
	CHECK_INT(rs.n_rooms, 3);
	CHECK(rooms_find(&rs, "d") == NULL);
	rooms_release(&rs);
}

static void
test_many_rooms_grow_the_table(void)
{
	struct room_limits l = limits(SLOW_CLOSE, 8);
	struct rooms rs;
	char name[16];
	int i, found = 0;

	l.max_rooms = 1000;
	rooms_init(&rs, &l, &hooks);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		CHECK(rooms_get(&rs, name) != NULL);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		found += rooms_find(&rs, name) != NULL;
	}
	CHECK_INT(found, 1000);
	CHECK(rs.n_buckets > 64);
	rooms_release(&rs);
}

static void
test_snapshot_then_live(void)
{
	struct room_limits l = limits(SLOW_CLOSE, 8);
	struct member a = { 0 }, b = { 0 };
	struct rooms rs;
	struct room *r;

	rooms_init(&rs, &l, &hooks);
	r = rooms_get(&rs, "x");
	member_init(&rs, &a);
	member_join(&a, r);
	CHECK_INT(a.count, 0);
	woken = 0;
	publish_text(r, "one");
	publish_text(r, "two");
	CHECK_INT(woken, 1);
	CHECK_INT(a.count, 2);
	CHECK_STR(queued(&a, 0), "one");
	CHECK_STR(queued(&a, 1), "two");
	member_init(&rs, &b);
	member_join(&b, r);
	CHECK_INT(b.count, 1);
	CHECK_STR(queued(&b, 0), "two");
	CHECK(a.id != b.id);
	member_sent(&a, 2);
	CHECK_INT(a.count, 0);
	CHECK_INT(a.bytes, 0);
	CHECK_INT(rs.stats.delivered, 2);
	CHECK_INT(rs.stats.queued, 1);
	member_leave(&a);
	member_leave(&b);
	CHECK_INT(r->n_members, 0);
	CHECK_INT(rs.stats.queued, 0);
	rooms_release(&rs);
}

static void
test_queue_wraps_in_order(void)
{
	struct room_limits l = limits(SLOW_CLOSE, 100);
	struct member a = { 0 };
	struct rooms rs;
	struct room *r;
	char text[16];
	int i, in_order = 1;

	rooms_init(&rs, &l, &hooks);
	r = rooms_get(&rs, "x");
	member_init(&rs, &a);
	member_join(&a, r);
	for (i = 0; i < 1000; i++) {
		snprintf(text, sizeof(text), "%d", i);
		publish_text(r, text);
		if (a.count == 40) {
			member_sent(&a, 30);
		}
	}
	/* 1000 published, sent in chunks of 30 whenever 40 were queued. */
	for (i = 0; i < (int)a.count; i++) {
		snprintf(text, sizeof(text), "%d", 1000 - (int)a.count + i);
		in_order &= strcmp(queued(&a, (size_t)i), text) == 0;
	}
	CHECK(in_order);
	CHECK_INT(cut, 0);
	member_leave(&a);
	rooms_release(&rs);
}

static void
test_slow_close_cuts(void)
{
	struct room_limits l = limits(SLOW_CLOSE, 4);
	struct member a = { 0 };
	struct rooms rs;
	struct room *r;
	int i;

	rooms_init(&rs, &l, &hooks);
	r = rooms_get(&rs, "x");
	member_init(&rs, &a);
	member_join(&a, r);
	cut = 0;
	for (i = 0; i < 4; i++)
		publish_text(r, "m");
	CHECK_INT(cut, 0);
	publish_text(r, "m");
	CHECK_INT(cut, 1);
	CHECK(a.cut);
	CHECK_INT(a.count, 0);
	CHECK_INT(rs.stats.closed_slow, 1);
	publish_text(r, "m");
	CHECK_INT(cut, 1);
	CHECK_INT(a.count, 0);
	member_leave(&a);
	rooms_release(&rs);
}

static void
test_slow_drop_keeps_newest(void)
{
	struct room_limits l = limits(SLOW_DROP, 4);
	struct member a = { 0 };
	struct rooms rs;
	struct room *r;
	char text[8];
	int i;

	rooms_init(&rs, &l, &hooks);
	r = rooms_get(&rs, "x");
	member_init(&rs, &a);
	member_join(&a, r);
	cut = 0;
	for (i = 0; i < 10; i++) {
		snprintf(text, sizeof(text), "%d", i);
		publish_text(r, text);
	}
	CHECK_INT(cut, 0);
	CHECK_INT(a.count, 4);
	CHECK_STR(queued(&a, 0), "6");
	CHECK_STR(queued(&a, 3), "9");
	CHECK_INT(rs.stats.dropped, 6);
	member_progress(&a);
	CHECK(!a.stalled);
	member_leave(&a);
	rooms_release(&rs);
}

static void
test_slow_latest_jumps_to_present(void)
{
	struct room_limits l = limits(SLOW_LATEST, 4);
	struct member a = { 0 };
	struct rooms rs;
	struct room *r;
	char text[8];
	int i;

	rooms_init(&rs, &l, &hooks);
	r = rooms_get(&rs, "x");
	member_init(&rs, &a);
	member_join(&a, r);
	for (i = 0; i < 5; i++) {
		snprintf(text, sizeof(text), "%d", i);
		publish_text(r, text);
	}
	CHECK_INT(a.count, 1);
	CHECK_STR(queued(&a, 0), "4");
	CHECK_INT(rs.stats.dropped, 4);
	publish_text(r, "5");
	CHECK_INT(a.count, 1);
	CHECK_STR(queued(&a, 0), "5");
	member_leave(&a);
	rooms_release(&rs);
}

static void
test_byte_limit(void)
{
	struct room_limits l = limits(SLOW_DROP, 100);
	struct member a = { 0 };
	struct rooms rs;
	struct room *r;
	char big[1000];

	l.max_queue_bytes = 2500;
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rooms_init(&rs, &l, &hooks);
	r = rooms_get(&rs, "x");
	member_init(&rs, &a);
	member_join(&a, r);
	publish_text(r, big);
	publish_text(r, big);
	CHECK_INT(a.count, 2);
	publish_text(r, big);
	CHECK_INT(a.count, 2);
	CHECK(a.bytes <= 2500);
	CHECK_INT(rs.stats.dropped, 1);
	member_leave(&a);
	rooms_release(&rs);
}

static void
test_backpressure_follows_fastest(void)
{
	struct room_limits l = limits(SLOW_CLOSE, 8);
	struct member a = { 0 }, b = { 0 }, idle = { 0 };
	struct rooms rs;
	struct room *r, *quiet;
	int i;

	rooms_init(&rs, &l, &hooks);
	r = rooms_get(&rs, "x");
	quiet = rooms_get(&rs, "quiet");
	member_init(&rs, &a);
	member_join(&a, r);
	member_init(&rs, &b);
	member_join(&b, r);
	member_init(&rs, &idle);
	member_join(&idle, quiet);
	CHECK(!rooms_should_pause(&rs));
	for (i = 0; i < 4; i++)
		publish_text(r, "m");
	CHECK(!rooms_should_pause(&rs));	/* half full is still roomy */
	publish_text(r, "m");
	/* Both behind; the idle member of a quiet room does not count. */
	CHECK(rooms_should_pause(&rs));
	member_sent(&a, 2);
	CHECK(!rooms_should_pause(&rs));	/* the fastest caught up */
	publish_text(r, "m");
	CHECK(!rooms_should_pause(&rs));	/* a: 4 of 8 */
	publish_text(r, "m");
	CHECK(rooms_should_pause(&rs));		/* a: 5, b: 7 */
	member_leave(&a);
	member_leave(&b);
	CHECK(!rooms_should_pause(&rs));
	member_leave(&idle);
	rooms_release(&rs);
}

static void
test_drop_policy_never_pauses(void)
{
	struct room_limits l = limits(SLOW_DROP, 2);
	struct member a = { 0 };
	struct rooms rs;
	struct room *r;
	int i;

	rooms_init(&rs, &l, &hooks);
	r = rooms_get(&rs, "x");
	member_init(&rs, &a);
	member_join(&a, r);
	for (i = 0; i < 5; i++)
		publish_text(r, "m");
	CHECK(!rooms_should_pause(&rs));
	member_leave(&a);
	rooms_release(&rs);
}

static void
test_sweep_stall_and_quiet_rooms(void)
{
	struct room_limits l = limits(SLOW_CLOSE, 8);
	struct member a = { 0 };
	struct rooms rs;
	struct room *r;
	int i;

	rooms_init(&rs, &l, &hooks);
	r = rooms_get(&rs, "x");
	member_init(&rs, &a);
	member_join(&a, r);
	for (i = 0; i < 5; i++)
		publish_text(r, "m");
	CHECK(rooms_should_pause(&rs));
	cut = 0;
	rooms_sweep(&rs);
	CHECK_INT(cut, 0);		/* not yet stall_ms */
	sleep_ms(40);
	rooms_sweep(&rs);
	CHECK_INT(cut, 1);		/* waited stall_ms without draining */
	CHECK(!r->active);		/* and the room went quiet */
	CHECK(!rooms_should_pause(&rs));
	CHECK_INT(rs.healthy_active, 0);
	CHECK_INT(rs.roomy_active, 0);
	member_leave(&a);
	rooms_release(&rs);
}

static void
test_sweep_forgets_idle_rooms(void)
{
	struct room_limits l = limits(SLOW_CLOSE, 8);
	struct member a = { 0 };
	struct rooms rs;
	struct room *pinned, *r;

	l.ttl_ms = 10;
	rooms_init(&rs, &l, &hooks);
	pinned = rooms_get(&rs, "main");
	pinned->pinned = true;
	publish_text(rooms_get(&rs, "gone"), "m");
	r = rooms_get(&rs, "kept");
	member_init(&rs, &a);
	member_join(&a, r);
	sleep_ms(30);
	rooms_sweep(&rs);
	CHECK(rooms_find(&rs, "gone") == NULL);
	CHECK(rooms_find(&rs, "main") != NULL);
	CHECK(rooms_find(&rs, "kept") != NULL);
	CHECK_INT(rs.n_rooms, 2);
	member_leave(&a);
	sleep_ms(30);
	rooms_sweep(&rs);
	CHECK(rooms_find(&rs, "kept") == NULL);
	rooms_release(&rs);
}

static void
test_frame_headers(void)
{
	unsigned char hdr[10];
	struct msg *m;
	char big[70000];

	CHECK_INT(msg_frame_header(hdr, MSG_TEXT, 0), 2);
	CHECK_INT(hdr[0], 0x81);
	CHECK_INT(hdr[1], 0);
	CHECK_INT(msg_frame_header(hdr, MSG_TEXT, 125), 2);
	CHECK_INT(hdr[1], 125);
	CHECK_INT(msg_frame_header(hdr, MSG_PING, 126), 4);
	CHECK_INT(hdr[0], 0x89);
	CHECK_INT(hdr[1], 126);
	CHECK_INT(hdr[2] << 8 | hdr[3], 126);
	CHECK_INT(msg_frame_header(hdr, MSG_TEXT, 65535), 4);
	CHECK_INT(hdr[2] << 8 | hdr[3], 65535);
	CHECK_INT(msg_frame_header(hdr, MSG_TEXT, 65536), 10);
	CHECK_INT(hdr[1], 127);
	CHECK_INT(hdr[7], 1);
	CHECK_INT(hdr[8], 0);
	memset(big, 'q', sizeof(big));
	m = msg_new(big, sizeof(big), MSG_TEXT);
	CHECK_INT(msg_frame_len(m), sizeof(big) + 10);
	CHECK(m->frame + 10 == (unsigned char *)m->payload);
	CHECK_INT(m->payload[sizeof(big)], 0);
	CHECK(msg_ref(m) == m);
	CHECK_INT(m->refs, 2);
	msg_unref(m);
	msg_unref(m);
}

int
main(void)
{
	log_init("test_room", LVL_ERR);
	TAP_RUN(test_room_names);
	TAP_RUN(test_rooms_get_limits);
	TAP_RUN(test_many_rooms_grow_the_table);
	TAP_RUN(test_snapshot_then_live);
	TAP_RUN(test_queue_wraps_in_order);
	TAP_RUN(test_slow_close_cuts);
	TAP_RUN(test_slow_drop_keeps_newest);
	TAP_RUN(test_slow_latest_jumps_to_present);
	TAP_RUN(test_byte_limit);
	TAP_RUN(test_backpressure_follows_fastest);
	TAP_RUN(test_drop_policy_never_pauses);
	TAP_RUN(test_sweep_stall_and_quiet_rooms);
	TAP_RUN(test_sweep_forgets_idle_rooms);
	TAP_RUN(test_frame_headers);
	return tap_done();
}
