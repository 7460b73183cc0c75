/*
 * ws-snapshot's folds: events folded into one JSON state, with change
 * detection by value and a compact serialisation of the whole state.
 *
 * Ownership follows libjq's rule (jv.h): every function here that takes a
 * jv consumes it. The state owns the jq programs it is given.
 *
 * Without a key the state is one value. With a key (--key) it is an object
 * of entries, one per key, each folded on its own: keys are looked up in a
 * hash table of our own, each entry keeps its compact text so that writing
 * the whole state costs a copy of each entry rather than a serialisation,
 * and entries are chained in update order so that --ttl finds the stale
 * ones without a scan. Keys appear in the output in the order they were
 * first set, as jq's `.[$k] = $v` orders them.
 */
#ifndef WSFEED_STATE_H
#define WSFEED_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jv.h>

#include "buf.h"
#include "jqf.h"

/* How an event changes a value (the state, or a key's entry). */
enum state_fold {
	STATE_LATEST,	/* the value becomes the event */
	STATE_MERGE,	/* the event is deep-merged in, as jq's `*` */
	STATE_REDUCE	/* a jq program computes the next value */
};

/* How to fold. */
struct state_config {
	enum state_fold fold;
	struct jqf *key;	/* --key, or NULL for one value; owned */
	struct jqf *reduce;	/* from state_reduce_new, or NULL; owned */
	int64_t ttl_ms;		/* with key: drop keys idle so long; 0 never */
};

struct state_entry;

/* A state. Fields are private to state.c. */
struct state {
	struct state_config cfg;
	jv value;			/* without key: the state */
	struct state_entry **buckets;	/* with key: hash table */
	size_t nbuckets;		/* a power of two, or 0 */
	size_t count;			/* entries */
	struct state_entry *first;	/* insertion order, for output */
	struct state_entry *last;
	struct state_entry *oldest;	/* update order, for --ttl */
	struct state_entry *newest;
	struct buf text;		/* the whole state, serialised */
	bool text_valid;		/* text matches the state */
};

/*
 * Compile a --reduce program. It runs with `.` the event and `$state` the
 * state so far. It is compiled once, wrapped so that it takes
 * [state, event] as its input, since $state as a named argument would be
 * a constant fixed at compile time. Returns the filter, or NULL with jq's
 * messages in err; the program is first compiled alone so that the
 * messages quote the user's own text.
 */
struct jqf *state_reduce_new(const char *program, struct buf *err);

/*
 * Set up st, starting from {} with a key or STATE_MERGE, else null. It
 * takes ownership of cfg->key and cfg->reduce.
 */
void state_init(struct state *st, const struct state_config *cfg);

/* Free everything st holds, its programs too. */
void state_release(struct state *st);

/*
 * Replace the state by v (consumed), as read from a state file, at time
 * now (clock_ms: with --ttl, loaded keys start their time to live then).
 * Returns 0, or -1 with why in err when v does not fit the fold (the
 * state is then unchanged) or memory ran out: with a key or STATE_MERGE
 * it must be an object, and with a key and STATE_MERGE each of its
 * values too.
 */
int state_load(struct state *st, jv v, int64_t now, struct buf *err);

/*
 * Fold one event (consumed) at time now. Returns 1 when the state changed
 * by value, 0 when it did not, or -1 with why in why when the event was
 * refused (not an object for STATE_MERGE; a key that is not a string or a
 * number, or whose program failed or gave nothing; a --reduce that failed
 * at run time); the state is then unchanged. An entry accepted for a key
 * restarts its time to live even when its value stays the same; with
 * STATE_REDUCE, an event for which the program gives no output leaves the
 * state as it was and, with a key, the entry's time to live too.
 */
int state_fold(struct state *st, jv event, int64_t now, struct buf *why);

/*
 * Drop the entries not updated for ttl_ms at time now. Returns how many
 * were dropped (the state changed when more than 0).
 */
size_t state_expire(struct state *st, int64_t now);

/* When the next entry expires (clock_ms), or -1 when none will. */
int64_t state_next_expiry(const struct state *st);

/* Keys in the state (0 without a key). */
size_t state_keys(const struct state *st);

/*
 * The whole state as one compact JSON text, as `jq -c` writes it, without
 * a newline. Returns a buffer owned by st, valid until the next call that
 * changes st, or NULL when memory ran out.
 */
const struct buf *state_text(struct state *st);

/*
 * Deep-merge src (consumed) into *dst as jq's `*` does: keys of src that
 * are objects on both sides are merged recursively, the others replace
 * what dst has. Both must be objects. Returns whether *dst changed by
 * value. Exported for the tests.
 */
bool state_merge(jv *dst, jv src);

#endif
