/*
 * ws-snapshot's folds: events folded into one JSON state.
 */
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "buf.h"
#include "jqf.h"
#include "state.h"

/* Buckets of a new hash table; it doubles when it has as many entries. */
#define STATE_BUCKETS_MIN 64

/* One key of a keyed state. */
struct state_entry {
	jv key;			/* the key, a jv string */
	size_t key_len;		/* its length in bytes */
	uint32_t hash;		/* hash of its bytes */
	jv value;		/* the folded value */
	struct buf prefix;	/* the key as JSON text and a ':' */
	struct buf text;	/* value serialised, when !stale */
	bool stale;		/* text is older than value */
	int64_t touched_ms;	/* last accepted event, for --ttl */
	struct state_entry *hnext;	/* hash chain */
	struct state_entry *prev;	/* insertion order */
	struct state_entry *next;
	struct state_entry *older;	/* update order */
	struct state_entry *newer;
};

/* What folding one event into one value did. */
enum fold_result {
	FOLD_REFUSED = -1,	/* bad event or failing program: no change */
	FOLD_NONE,		/* --reduce gave no output: no change */
	FOLD_SAME,		/* folded, equal by value to the old one */
	FOLD_CHANGED		/* folded to a different value */
};

struct jqf *
state_reduce_new(const char *program, struct buf *err)
{
	struct buf wrapped = { 0 };
	struct jqf *f;

	f = jqf_new(program, JV_OBJECT(jv_string("state"), jv_null()), err);
	if (f == NULL)
		return NULL;
	jqf_free(f);
	/*
	 * The newline before the closing parenthesis ends a comment that the
	 * program may finish with.
	 */
	if (buf_addf(&wrapped, ".[0] as $state | .[1] | (%s\n)",
	    program) < 0) {
		buf_adds(err, "out of memory");
		return NULL;
	}
	f = jqf_new(wrapped.data, jv_null(), err);
	buf_release(&wrapped);
	return f;
}

/* FNV-1a: short keys, no adversary worth a keyed hash. */
static uint32_t
hash_bytes(const char *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0) {
		h ^= (unsigned char)*p++;
		h *= 16777619u;
	}
	return h;
}

/* Equal by value; the identity test first spares a deep walk. */
static bool
same_value(jv a, jv b)
{
	return jv_identical(jv_copy(a), jv_copy(b)) ||
	    jv_equal(jv_copy(a), jv_copy(b));
}

void
state_init(struct state *st, const struct state_config *cfg)
{
	memset(st, 0, sizeof(*st));
	st->cfg = *cfg;
	if (cfg->key != NULL || cfg->fold == STATE_MERGE)
		st->value = jv_object();
	else
		st->value = jv_null();
}

static void
entry_free(struct state_entry *e)
{
	jv_free(e->key);
	jv_free(e->value);
	buf_release(&e->prefix);
	buf_release(&e->text);
	free(e);
}

static void
entries_clear(struct state *st)
{
	struct state_entry *e, *next;

	for (e = st->first; e != NULL; e = next) {
		next = e->next;
		entry_free(e);
	}
	free(st->buckets);
	st->buckets = NULL;
	st->nbuckets = 0;
	st->count = 0;
	st->first = st->last = st->oldest = st->newest = NULL;
}

void
state_release(struct state *st)
{
	entries_clear(st);
	jv_free(st->value);
	st->value = jv_null();
	jqf_free(st->cfg.key);
	jqf_free(st->cfg.reduce);
	st->cfg.key = st->cfg.reduce = NULL;
	buf_release(&st->text);
}

static int
table_grow(struct state *st)
{
	size_t n = st->nbuckets > 0 ? st->nbuckets * 2 : STATE_BUCKETS_MIN;
	struct state_entry **b, *e, *next;
	size_t i;

	if ((b = calloc(n, sizeof(*b))) == NULL)
		return -1;
	for (i = 0; i < st->nbuckets; i++)
		for (e = st->buckets[i]; e != NULL; e = next) {
			next = e->hnext;
			e->hnext = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	free(st->buckets);
	st->buckets = b;
	st->nbuckets = n;
	return 0;
}

static struct state_entry *
table_find(const struct state *st, const char *k, size_t len, uint32_t hash)
{
	struct state_entry *e;

	if (st->nbuckets == 0)
		return NULL;
	for (e = st->buckets[hash & (st->nbuckets - 1)]; e != NULL;
	    e = e->hnext)
		if (e->hash == hash && e->key_len == len &&
		    memcmp(jv_string_value(e->key), k, len) == 0)
			return e;
	return NULL;
}

static void
table_remove(struct state *st, struct state_entry *e)
{
	struct state_entry **p = &st->buckets[e->hash & (st->nbuckets - 1)];

	while (*p != e)
		p = &(*p)->hnext;
	*p = e->hnext;
}

/* Make e the most recently updated entry. */
static void
age_append(struct state *st, struct state_entry *e)
{
	e->newer = NULL;
	e->older = st->newest;
	if (st->newest != NULL)
		st->newest->newer = e;
	else
		st->oldest = e;
	st->newest = e;
}

static void
age_unlink(struct state *st, struct state_entry *e)
{
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		st->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		st->newest = e->older;
}

static void
entry_touch(struct state *st, struct state_entry *e, int64_t now)
{
	e->touched_ms = now;
	if (st->newest != e) {
		age_unlink(st, e);
		age_append(st, e);
	}
}

static void
order_append(struct state *st, struct state_entry *e)
{
	e->next = NULL;
	e->prev = st->last;
	if (st->last != NULL)
		st->last->next = e;
	else
		st->first = e;
	st->last = e;
}

static void
order_unlink(struct state *st, struct state_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		st->first = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		st->last = e->prev;
}

/* Add a key that is not there yet. Consumes key and value. */
static struct state_entry *
entry_add(struct state *st, jv key, uint32_t hash, jv value, int64_t now)
{
	struct state_entry *e = calloc(1, sizeof(*e));

	if (e == NULL || (st->count >= st->nbuckets && table_grow(st) < 0)) {
		free(e);
		jv_free(key);
		jv_free(value);
		return NULL;
	}
	e->key = key;
	e->key_len = (size_t)jv_string_length_bytes(jv_copy(key));
	e->hash = hash;
	e->value = value;
	e->stale = true;
	if (jqf_dump(jv_copy(key), &e->prefix) < 0 ||
	    buf_addc(&e->prefix, ':') < 0) {
		entry_free(e);
		return NULL;
	}
	e->hnext = st->buckets[hash & (st->nbuckets - 1)];
	st->buckets[hash & (st->nbuckets - 1)] = e;
	order_append(st, e);
	e->touched_ms = now;
	age_append(st, e);
	st->count++;
	return e;
}

static void
entry_drop(struct state *st, struct state_entry *e)
{
	table_remove(st, e);
	order_unlink(st, e);
	age_unlink(st, e);
	st->count--;
	entry_free(e);
}

static uint32_t
key_hash(jv key)
{
	return hash_bytes(jv_string_value(key),
	    (size_t)jv_string_length_bytes(jv_copy(key)));
}

static struct state_entry *
entry_find(const struct state *st, jv key, uint32_t hash)
{
	return table_find(st, jv_string_value(key),
	    (size_t)jv_string_length_bytes(jv_copy(key)), hash);
}

/* "an object", "a number", "null": a value's kind in a sentence. */
static const char *
kind_phrase(jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL:
		return "null";
	case JV_KIND_TRUE:
	case JV_KIND_FALSE:
		return "a boolean";
	case JV_KIND_NUMBER:
		return "a number";
	case JV_KIND_STRING:
		return "a string";
	case JV_KIND_ARRAY:
		return "an array";
	case JV_KIND_OBJECT:
		return "an object";
	default:
		return "not a value";
	}
}

/* With --key --merge, every entry of a loaded state must be an object. */
static int
entries_are_objects(jv v, struct buf *err)
{
	int ok = 1;

	jv_object_foreach(v, k, val) {
		if (ok && jv_get_kind(val) != JV_KIND_OBJECT) {
			buf_adds(err, "the entry of key ");
			jqf_add_msg(err, jv_dump_string(jv_copy(k), 0));
			buf_addf(err, " is %s, not the object that --merge "
			    "needs", kind_phrase(val));
			ok = 0;
		}
		jv_free(k);
		jv_free(val);
	}
	return ok ? 0 : -1;
}

int
state_load(struct state *st, jv v, int64_t now, struct buf *err)
{
	bool keyed = st->cfg.key != NULL;

	if ((keyed || st->cfg.fold == STATE_MERGE) &&
	    jv_get_kind(v) != JV_KIND_OBJECT) {
		buf_addf(err, "the state is %s, not the object that %s needs",
		    kind_phrase(v), keyed ? "--key" : "--merge");
		jv_free(v);
		return -1;
	}
	if (keyed && st->cfg.fold == STATE_MERGE &&
	    entries_are_objects(v, err) < 0) {
		jv_free(v);
		return -1;
	}
	st->text_valid = false;
	if (!keyed) {
		jv_free(st->value);
		st->value = v;
		return 0;
	}
	entries_clear(st);
	jv_object_foreach(v, k, val) {
		if (entry_add(st, k, key_hash(k), val, now) == NULL) {
			buf_adds(err, "out of memory");
			jv_free(v);
			return -1;
		}
	}
	jv_free(v);
	return 0;
}

/* Keeps the first output of --key; the rest are not wanted. */
static int
keep_first(jv out, void *arg)
{
	*(jv *)arg = out;
	return 1;
}

/* Keeps the last output of --reduce. */
static int
keep_last(jv out, void *arg)
{
	jv *last = arg;

	jv_free(*last);
	*last = out;
	return 0;
}

/*
 * The key of an event (consumed): the first output of --key, a string as
 * it is or a number as its JSON text. Returns 0 and a jv string in *key,
 * or -1 with why.
 */
static int
key_of(struct state *st, jv event, jv *key, struct buf *why)
{
	jv k = jv_invalid();
	long n;

	buf_adds(why, "--key failed: ");
	n = jqf_run(st->cfg.key, event, keep_first, &k, why);
	if (n < 0)
		return -1;
	buf_reset(why);
	if (n == 0) {
		buf_adds(why, "--key gave no output");
		return -1;
	}
	if (jv_get_kind(k) == JV_KIND_STRING) {
		*key = k;
		return 0;
	}
	if (jv_get_kind(k) == JV_KIND_NUMBER) {
		*key = jv_dump_string(k, 0);
		return 0;
	}
	buf_adds(why, "--key gave ");
	jqf_add_msg(why, jv_dump_string(k, 0));
	buf_adds(why, ", not a string or a number");
	return -1;
}

/* Run --reduce on [*value, event] and keep its last output in *out. */
static enum fold_result
reduce_run(struct state *st, jv value, jv event, jv *out, struct buf *why)
{
	jv input = jv_array_append(jv_array_append(jv_array_sized(2), value),
	    event);
	long n;

	*out = jv_invalid();
	buf_adds(why, "--reduce failed: ");
	n = jqf_run(st->cfg.reduce, input, keep_last, out, why);
	if (n < 0) {
		jv_free(*out);
		*out = jv_invalid();
		return FOLD_REFUSED;
	}
	buf_reset(why);
	return n == 0 ? FOLD_NONE : FOLD_CHANGED;
}

/* Fold event (consumed) into *value, replacing it when it changes. */
static enum fold_result
fold_into(struct state *st, jv *value, jv event, struct buf *why)
{
	enum fold_result r;
	jv out;

	switch (st->cfg.fold) {
	case STATE_MERGE:
		return state_merge(value, event) ? FOLD_CHANGED : FOLD_SAME;
	case STATE_REDUCE:
		r = reduce_run(st, jv_copy(*value), event, &out, why);
		if (r != FOLD_CHANGED)
			return r;
		break;
	default:
		out = event;
		break;
	}
	if (same_value(*value, out)) {
		jv_free(out);
		return FOLD_SAME;
	}
	jv_free(*value);
	*value = out;
	return FOLD_CHANGED;
}

static int
fold_keyed(struct state *st, jv event, int64_t now, struct buf *why)
{
	struct state_entry *e;
	enum fold_result r;
	uint32_t hash;
	jv key, value;

	if (key_of(st, jv_copy(event), &key, why) < 0) {
		jv_free(event);
		return -1;
	}
	hash = key_hash(key);
	if ((e = entry_find(st, key, hash)) != NULL) {
		jv_free(key);
		r = fold_into(st, &e->value, event, why);
		if (r == FOLD_SAME || r == FOLD_CHANGED)
			entry_touch(st, e, now);
		if (r != FOLD_CHANGED)
			return r == FOLD_REFUSED ? -1 : 0;
		e->stale = true;
		st->text_valid = false;
		return 1;
	}
	value = st->cfg.fold == STATE_MERGE ? jv_object() : jv_null();
	r = fold_into(st, &value, event, why);
	if (r == FOLD_REFUSED || r == FOLD_NONE) {
		jv_free(value);
		jv_free(key);
		return r == FOLD_REFUSED ? -1 : 0;
	}
	/* A new key changes the state even when its value is the start. */
	if (entry_add(st, key, hash, value, now) == NULL) {
		buf_adds(why, "out of memory");
		return -1;
	}
	st->text_valid = false;
	return 1;
}

int
state_fold(struct state *st, jv event, int64_t now, struct buf *why)
{
	enum fold_result r;

	if (st->cfg.fold == STATE_MERGE &&
	    jv_get_kind(event) != JV_KIND_OBJECT) {
		buf_addf(why, "--merge needs an object, not %s",
		    kind_phrase(event));
		jv_free(event);
		return -1;
	}
	if (st->cfg.key != NULL)
		return fold_keyed(st, event, now, why);
	r = fold_into(st, &st->value, event, why);
	if (r == FOLD_REFUSED)
		return -1;
	if (r != FOLD_CHANGED)
		return 0;
	st->text_valid = false;
	return 1;
}

bool
state_merge(jv *dst, jv src)
{
	bool changed = false;
	jv old;

	jv_object_foreach(src, k, v) {
		old = jv_object_get(jv_copy(*dst), jv_copy(k));
		if (jv_get_kind(old) == JV_KIND_OBJECT &&
		    jv_get_kind(v) == JV_KIND_OBJECT) {
			/*
			 * Take the inner object out while merging into it,
			 * so that it is not shared and libjq changes it in
			 * place instead of copying it.
			 */
			*dst = jv_object_set(*dst, jv_copy(k), jv_null());
			changed |= state_merge(&old, v);
			*dst = jv_object_set(*dst, k, old);
		} else if (jv_is_valid(old) && same_value(old, v)) {
			jv_free(old);
			jv_free(k);
			jv_free(v);
		} else {
			jv_free(old);
			*dst = jv_object_set(*dst, k, v);
			changed = true;
		}
	}
	jv_free(src);
	return changed;
}

size_t
state_expire(struct state *st, int64_t now)
{
	size_t n = 0;

	if (st->cfg.key == NULL || st->cfg.ttl_ms <= 0)
		return 0;
	while (st->oldest != NULL &&
	    now - st->oldest->touched_ms >= st->cfg.ttl_ms) {
		entry_drop(st, st->oldest);
		n++;
	}
	if (n > 0)
		st->text_valid = false;
	return n;
}

int64_t
state_next_expiry(const struct state *st)
{
	if (st->cfg.key == NULL || st->cfg.ttl_ms <= 0 || st->oldest == NULL)
		return -1;
	return st->oldest->touched_ms + st->cfg.ttl_ms;
}

size_t
state_keys(const struct state *st)
{
	return st->count;
}

static int
entry_text(struct state_entry *e)
{
	if (!e->stale)
		return 0;
	buf_reset(&e->text);
	if (jqf_dump(jv_copy(e->value), &e->text) < 0)
		return -1;
	e->stale = false;
	return 0;
}

static int
keyed_text(struct state *st)
{
	struct state_entry *e;

	if (buf_addc(&st->text, '{') < 0)
		return -1;
	for (e = st->first; e != NULL; e = e->next) {
		if ((e != st->first && buf_addc(&st->text, ',') < 0) ||
		    entry_text(e) < 0 ||
		    buf_add(&st->text, e->prefix.data, e->prefix.len) < 0 ||
		    buf_add(&st->text, e->text.data, e->text.len) < 0)
			return -1;
	}
	return buf_addc(&st->text, '}');
}

const struct buf *
state_text(struct state *st)
{
	int rc;

	if (st->text_valid)
		return &st->text;
	buf_reset(&st->text);
	if (st->cfg.key != NULL)
		rc = keyed_text(st);
	else
		rc = jqf_dump(jv_copy(st->value), &st->text);
	if (rc < 0)
		return NULL;
	st->text_valid = true;
	return &st->text;
}
