/*
 * Tests of lib/state.c: the folds, change detection, --ttl, loading.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "buf.h"
#include "jqf.h"
#include "state.h"
#include "tap.h"

/* A value from JSON text; the tests' texts are all valid. */
static jv
J(const char *text)
{
	jv v = jv_parse(text);

	if (!jv_is_valid(v)) {
		printf("# bad test JSON: %s\n", text);
		exit(1);
	}
	return v;
}

static struct jqf *
program(const char *text)
{
	struct buf err = { 0 };
	struct jqf *f = jqf_new(text, jv_null(), &err);

	if (f == NULL) {
		printf("# %s: %s\n", text, err.data);
		exit(1);
	}
	buf_release(&err);
	return f;
}

static struct jqf *
reducer(const char *text)
{
	struct buf err = { 0 };
	struct jqf *f = state_reduce_new(text, &err);

	if (f == NULL) {
		printf("# %s: %s\n", text, err.data);
		exit(1);
	}
	buf_release(&err);
	return f;
}

static void
setup(struct state *st, enum state_fold fold, const char *key,
    const char *reduce, int64_t ttl_ms)
{
	struct state_config cfg = { 0 };

	cfg.fold = fold;
	cfg.key = key != NULL ? program(key) : NULL;
	cfg.reduce = reduce != NULL ? reducer(reduce) : NULL;
	cfg.ttl_ms = ttl_ms;
	state_init(st, &cfg);
}

/* The state's text, for CHECK_STR. */
static const char *
text(struct state *st)
{
	const struct buf *b = state_text(st);

	return b != NULL ? b->data : "(out of memory)";
}

/* Fold the JSON text ev at time t; the reason of a refusal goes to why. */
static int
fold_at(struct state *st, const char *ev, int64_t t, struct buf *why)
{
	buf_reset(why);
	return state_fold(st, J(ev), t, why);
}

static int
fold(struct state *st, const char *ev, struct buf *why)
{
	return fold_at(st, ev, 0, why);
}

static void
test_latest(void)
{
	struct buf why = { 0 };
	struct state st;

	setup(&st, STATE_LATEST, NULL, NULL, 0);
	CHECK_STR(text(&st), "null");
	CHECK_INT(fold(&st, "null", &why), 0);
	CHECK_INT(fold(&st, "1", &why), 1);
	CHECK_STR(text(&st), "1");
	CHECK_INT(fold(&st, "1", &why), 0);
	CHECK_INT(fold(&st, "1.0", &why), 0);
	CHECK_INT(fold(&st, "{\"b\": 2, \"a\": [1, \"x\"]}", &why), 1);
	CHECK_STR(text(&st), "{\"b\":2,\"a\":[1,\"x\"]}");
	/* Equal by value: key order does not count. */
	CHECK_INT(fold(&st, "{\"a\": [1, \"x\"], \"b\": 2}", &why), 0);
	CHECK_STR(text(&st), "{\"b\":2,\"a\":[1,\"x\"]}");
	CHECK_INT(fold(&st, "{\"a\": [1, \"x\"], \"b\": 3}", &why), 1);
	CHECK_STR(text(&st), "{\"a\":[1,\"x\"],\"b\":3}");
	CHECK_INT(state_keys(&st), 0);
	CHECK_INT(state_next_expiry(&st), -1);
	state_release(&st);
	buf_release(&why);
}

static void
test_key_order_and_updates(void)
{
	struct buf why = { 0 };
	struct state st;

	setup(&st, STATE_LATEST, ".host", NULL, 0);
	CHECK_STR(text(&st), "{}");
	CHECK_INT(fold(&st, "{\"host\": \"b\", \"v\": 1}", &why), 1);
	CHECK_INT(fold(&st, "{\"host\": \"a\", \"v\": 1}", &why), 1);
	CHECK_STR(text(&st), "{\"b\":{\"host\":\"b\",\"v\":1},"
	    "\"a\":{\"host\":\"a\",\"v\":1}}");
	/* The same event again: no change. */
	CHECK_INT(fold(&st, "{\"v\": 1, \"host\": \"b\"}", &why), 0);
	/* An update keeps the key where it was. */
	CHECK_INT(fold(&st, "{\"host\": \"b\", \"v\": 2}", &why), 1);
	CHECK_STR(text(&st), "{\"b\":{\"host\":\"b\",\"v\":2},"
	    "\"a\":{\"host\":\"a\",\"v\":1}}");
	CHECK_INT(state_keys(&st), 2);
	state_release(&st);
	buf_release(&why);
}

static void
test_key_kinds(void)
{
	struct buf why = { 0 };
	struct state st;

	setup(&st, STATE_LATEST, ".k", NULL, 0);
	CHECK_INT(fold(&st, "{\"k\": 7}", &why), 1);
	CHECK_INT(fold(&st, "{\"k\": 1.5, \"x\": 1}", &why), 1);
	CHECK_INT(fold(&st, "{\"k\": \"tab\\there\"}", &why), 1);
	CHECK_STR(text(&st), "{\"7\":{\"k\":7},\"1.5\":{\"k\":1.5,\"x\":1},"
	    "\"tab\\there\":{\"k\":\"tab\\there\"}}");
	/* The string "7" and the number 7 are the same key. */
	CHECK_INT(fold(&st, "{\"k\": \"7\"}", &why), 1);
	CHECK_STR(text(&st), "{\"7\":{\"k\":\"7\"},"
	    "\"1.5\":{\"k\":1.5,\"x\":1},"
	    "\"tab\\there\":{\"k\":\"tab\\there\"}}");

	CHECK_INT(fold(&st, "{\"k\": null}", &why), -1);
	CHECK_STR(why.data, "--key gave null, not a string or a number");
	CHECK_INT(fold(&st, "{\"k\": [1]}", &why), -1);
	CHECK_STR(why.data, "--key gave [1], not a string or a number");
	CHECK_INT(fold(&st, "[1]", &why), -1);
	CHECK_STR(why.data,
	    "--key failed: Cannot index array with string \"k\"");
	CHECK_INT(state_keys(&st), 3);
	state_release(&st);

	setup(&st, STATE_LATEST, ".[]", NULL, 0);
	CHECK_INT(fold(&st, "[]", &why), -1);
	CHECK_STR(why.data, "--key gave no output");
	/* Several outputs: the first is the key. */
	CHECK_INT(fold(&st, "[\"x\", \"y\"]", &why), 1);
	CHECK_STR(text(&st), "{\"x\":[\"x\",\"y\"]}");
	state_release(&st);
	buf_release(&why);
}

static void
test_ttl(void)
{
	struct buf why = { 0 };
	struct state st;

	setup(&st, STATE_LATEST, ".h", NULL, 1000);
	CHECK_INT(state_next_expiry(&st), -1);
	CHECK_INT(fold_at(&st, "{\"h\": \"a\"}", 0, &why), 1);
	CHECK_INT(fold_at(&st, "{\"h\": \"b\"}", 500, &why), 1);
	CHECK_INT(state_next_expiry(&st), 1000);
	CHECK_INT(state_expire(&st, 999), 0);
	CHECK_INT(state_expire(&st, 1000), 1);
	CHECK_STR(text(&st), "{\"b\":{\"h\":\"b\"}}");
	/* The same value again still restarts the key's time to live. */
	CHECK_INT(fold_at(&st, "{\"h\": \"b\"}", 1200, &why), 0);
	CHECK_INT(state_next_expiry(&st), 2200);
	CHECK_INT(state_expire(&st, 1600), 0);
	/* A key that comes back goes to the end. */
	CHECK_INT(fold_at(&st, "{\"h\": \"a\"}", 1300, &why), 1);
	CHECK_STR(text(&st), "{\"b\":{\"h\":\"b\"},\"a\":{\"h\":\"a\"}}");
	CHECK_INT(fold_at(&st, "{\"h\": \"b\", \"n\": 1}", 1400, &why), 1);
	CHECK_INT(state_next_expiry(&st), 2300);
	CHECK_INT(state_expire(&st, 2300), 1);
	CHECK_STR(text(&st), "{\"b\":{\"h\":\"b\",\"n\":1}}");
	CHECK_INT(state_expire(&st, 5000), 1);
	CHECK_STR(text(&st), "{}");
	CHECK_INT(state_next_expiry(&st), -1);
	state_release(&st);
	buf_release(&why);
}

/* Enough keys to grow the hash table several times, then expire them. */
static void
test_many_keys(void)
{
	struct buf why = { 0 }, ev = { 0 };
	struct state st;
	int i, bad = 0;

	setup(&st, STATE_LATEST, ".", NULL, 100);
	for (i = 0; i < 5000; i++) {
		buf_reset(&ev);
		buf_addf(&ev, "%d", i % 2 ? i : -i);
		if (fold_at(&st, ev.data, i / 10, &why) != 1)
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(state_keys(&st), 5000);
	for (i = 1; i < 5000; i++) {
		buf_reset(&ev);
		buf_addf(&ev, "%d", i % 2 ? i : -i);
		if (fold_at(&st, ev.data, 1000, &why) != 0)
			bad++;
	}
	CHECK_INT(bad, 0);
	/* Key "0" was added first and never touched again. */
	CHECK_INT(state_next_expiry(&st), 100);
	CHECK_INT(state_expire(&st, 1099), 1);
	CHECK_INT(state_keys(&st), 4999);
	CHECK(strncmp(text(&st), "{\"1\":1,\"-2\":-2,", 14) == 0);
	CHECK_INT(state_expire(&st, 1100), 4999);
	CHECK_STR(text(&st), "{}");
	state_release(&st);
	buf_release(&why);
	buf_release(&ev);
}

/* Keeps the one output of a test program. */
static int
keep_one(jv out, void *arg)
{
	jv_free(*(jv *)arg);
	*(jv *)arg = out;
	return 0;
}

/* state_merge must agree with jq's own `*`. */
static void
test_merge_like_jq(void)
{
	static const char *const cases[][2] = {
		{ "{}", "{}" },
		{ "{}", "{\"a\": 1}" },
		{ "{\"a\": 1}", "{\"a\": 2}" },
		{ "{\"a\": {\"x\": 1}}", "{\"a\": {\"y\": 2}}" },
		{ "{\"a\": {\"x\": 1}}", "{\"a\": 5}" },
		{ "{\"a\": 5}", "{\"a\": {\"x\": 1}}" },
		{ "{\"a\": {\"x\": {\"p\": 1, \"q\": 2}}}",
		    "{\"a\": {\"x\": {\"q\": 3}, \"z\": null}}" },
		{ "{\"a\": [1, 2]}", "{\"a\": [3]}" },
		{ "{\"b\": 1, \"a\": 2}", "{\"c\": 3, \"a\": null}" },
		{ "{\"a\": {}}", "{\"a\": {}}" },
	};
	struct jqf *star = program(".[0] * .[1]");
	struct buf err = { 0 }, mine = { 0 }, theirs = { 0 };
	size_t i;
	jv dst, out;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dst = J(cases[i][0]);
		state_merge(&dst, J(cases[i][1]));
		buf_reset(&mine);
		buf_reset(&theirs);
		jqf_dump(dst, &mine);
		out = jv_invalid();
		jqf_run(star, JV_ARRAY(J(cases[i][0]), J(cases[i][1])),
		    keep_one, &out, &err);
		jqf_dump(out, &theirs);
		CHECK_STR(mine.data, theirs.data);
	}
	jqf_free(star);
	buf_release(&err);
	buf_release(&mine);
	buf_release(&theirs);
}

static void
test_merge(void)
{
	struct buf why = { 0 };
	struct state st;

	setup(&st, STATE_MERGE, NULL, NULL, 0);
	CHECK_STR(text(&st), "{}");
	CHECK_INT(fold(&st, "{}", &why), 0);
	CHECK_INT(fold(&st, "{\"a\": {\"x\": 1}}", &why), 1);
	CHECK_INT(fold(&st, "{\"a\": {\"y\": 2}, \"b\": 1}", &why), 1);
	CHECK_STR(text(&st), "{\"a\":{\"x\":1,\"y\":2},\"b\":1}");
	/* Nothing new, deep or not: no change. */
	CHECK_INT(fold(&st, "{\"a\": {\"y\": 2}}", &why), 0);
	CHECK_INT(fold(&st, "{\"b\": 1.0, \"a\": {}}", &why), 0);
	CHECK_INT(fold(&st, "{\"a\": {\"x\": 3}}", &why), 1);
	CHECK_STR(text(&st), "{\"a\":{\"x\":3,\"y\":2},\"b\":1}");
	CHECK_INT(fold(&st, "[1]", &why), -1);
	CHECK_STR(why.data, "--merge needs an object, not an array");
	CHECK_INT(fold(&st, "null", &why), -1);
	CHECK_STR(why.data, "--merge needs an object, not null");
	CHECK_STR(text(&st), "{\"a\":{\"x\":3,\"y\":2},\"b\":1}");
	state_release(&st);
	buf_release(&why);
}

static void
test_key_merge(void)
{
	struct buf why = { 0 };
	struct state st;

	setup(&st, STATE_MERGE, ".h", NULL, 0);
	CHECK_INT(fold(&st, "{\"h\": \"a\", \"cpu\": 1}", &why), 1);
	CHECK_INT(fold(&st, "{\"h\": \"b\"}", &why), 1);
	CHECK_INT(fold(&st, "{\"h\": \"a\", \"mem\": {\"free\": 5}}", &why),
	    1);
	CHECK_INT(fold(&st, "{\"h\": \"a\", \"mem\": {}}", &why), 0);
	CHECK_STR(text(&st), "{\"a\":{\"h\":\"a\",\"cpu\":1,\"mem\":"
	    "{\"free\":5}},\"b\":{\"h\":\"b\"}}");
	/* Not an object: refused before the key is even looked at. */
	CHECK_INT(fold(&st, "\"a\"", &why), -1);
	CHECK_STR(why.data, "--merge needs an object, not a string");
	state_release(&st);
	buf_release(&why);
}

static void
test_reduce(void)
{
	struct buf why = { 0 };
	struct state st;

	setup(&st, STATE_REDUCE, NULL, "if . == \"skip\" then empty "
	    "else ($state // 0) + . end", 0);
	CHECK_STR(text(&st), "null");
	CHECK_INT(fold(&st, "1", &why), 1);
	CHECK_INT(fold(&st, "2", &why), 1);
	CHECK_STR(text(&st), "3");
	CHECK_INT(fold(&st, "0", &why), 0);
	CHECK_INT(fold(&st, "\"skip\"", &why), 0);
	CHECK_INT(fold(&st, "\"x\"", &why), -1);
	CHECK_STR(why.data, "--reduce failed: number (3) and string (\"x\") "
	    "cannot be added");
	CHECK_STR(text(&st), "3");
	state_release(&st);

	/* The last output wins; a failure after outputs changes nothing. */
	setup(&st, STATE_REDUCE, NULL, "if . == 0 then (1, error(\"no\")) "
	    "else (., . * 10) end # a comment", 0);
	CHECK_INT(fold(&st, "2", &why), 1);
	CHECK_STR(text(&st), "20");
	CHECK_INT(fold(&st, "0", &why), -1);
	CHECK_STR(why.data, "--reduce failed: no");
	CHECK_STR(text(&st), "20");
	state_release(&st);

	/* halt keeps the outputs before it; halt_error is a failure. */
	setup(&st, STATE_REDUCE, NULL, "if . == 1 then (5, halt) "
	    "else halt_error end", 0);
	CHECK_INT(fold(&st, "1", &why), 1);
	CHECK_STR(text(&st), "5");
	CHECK_INT(fold(&st, "\"oops\"", &why), -1);
	CHECK_STR(why.data, "--reduce failed: halt_error: oops");
	CHECK_STR(text(&st), "5");
	state_release(&st);
	buf_release(&why);
}

static void
test_key_reduce(void)
{
	struct buf why = { 0 };
	struct state st;

	setup(&st, STATE_REDUCE, ".h",
	    "if .n then ($state // 0) + .n else empty end", 1000);
	CHECK_INT(fold_at(&st, "{\"h\": \"a\"}", 0, &why), 0);
	CHECK_STR(text(&st), "{}");
	CHECK_INT(fold_at(&st, "{\"h\": \"a\", \"n\": 2}", 0, &why), 1);
	CHECK_INT(fold_at(&st, "{\"h\": \"b\", \"n\": 1}", 10, &why), 1);
	CHECK_INT(fold_at(&st, "{\"h\": \"a\", \"n\": 3}", 20, &why), 1);
	CHECK_STR(text(&st), "{\"a\":5,\"b\":1}");
	/* No output: the entry and its time to live stay as they were. */
	CHECK_INT(fold_at(&st, "{\"h\": \"b\"}", 900, &why), 0);
	CHECK_INT(state_next_expiry(&st), 1010);
	CHECK_INT(fold_at(&st, "{\"h\": \"b\", \"n\": 0}", 950, &why), 0);
	CHECK_INT(state_next_expiry(&st), 1020);
	CHECK_INT(fold_at(&st, "{\"h\": \"a\", \"n\": \"x\"}", 960, &why),
	    -1);
	CHECK_STR(why.data, "--reduce failed: number (5) and string (\"x\") "
	    "cannot be added");
	CHECK_INT(state_next_expiry(&st), 1020);
	state_release(&st);
	buf_release(&why);
}

static void
test_reduce_compile(void)
{
	struct buf err = { 0 };
	struct jqf *f;

	f = state_reduce_new("$state | .[", &err);
	CHECK(f == NULL);
	/* jq's message quotes the user's program, not the wrapper. */
	CHECK(strstr(err.data, "syntax error") != NULL);
	CHECK(strstr(err.data, "\n$state | .[") != NULL);
	CHECK(strstr(err.data, "as $state") == NULL);
	buf_reset(&err);
	f = state_reduce_new("$nope", &err);
	CHECK(f == NULL);
	CHECK(strstr(err.data, "$nope is not defined") != NULL);
	buf_reset(&err);
	f = state_reduce_new("def f: $state + .; f", &err);
	CHECK(f != NULL);
	jqf_free(f);
	buf_release(&err);
}

static void
test_load(void)
{
	struct buf why = { 0 };
	struct state st;

	setup(&st, STATE_LATEST, ".h", NULL, 1000);
	CHECK_INT(state_load(&st, J("[1]"), 0, &why), -1);
	CHECK_STR(why.data, "the state is an array, not the object that "
	    "--key needs");
	buf_reset(&why);
	CHECK_INT(state_load(&st, J("{\"z\": 1, \"a\": {\"h\": \"a\"}}"), 500,
	    &why), 0);
	CHECK_STR(text(&st), "{\"z\":1,\"a\":{\"h\":\"a\"}}");
	CHECK_INT(state_keys(&st), 2);
	/* Loaded keys start their time to live at load. */
	CHECK_INT(state_next_expiry(&st), 1500);
	CHECK_INT(fold_at(&st, "{\"h\": \"a\"}", 600, &why), 0);
	CHECK_INT(fold_at(&st, "{\"h\": \"b\"}", 700, &why), 1);
	CHECK_STR(text(&st),
	    "{\"z\":1,\"a\":{\"h\":\"a\"},\"b\":{\"h\":\"b\"}}");
	CHECK_INT(state_expire(&st, 1500), 1);
	CHECK_STR(text(&st), "{\"a\":{\"h\":\"a\"},\"b\":{\"h\":\"b\"}}");
	state_release(&st);

	setup(&st, STATE_MERGE, ".h", NULL, 0);
	CHECK_INT(state_load(&st, J("{\"a\": {}, \"b\": 2}"), 0, &why), -1);
	CHECK_STR(why.data, "the entry of key \"b\" is a number, not the "
	    "object that --merge needs");
	CHECK_STR(text(&st), "{}");
	state_release(&st);

	setup(&st, STATE_MERGE, NULL, NULL, 0);
	buf_reset(&why);
	CHECK_INT(state_load(&st, J("true"), 0, &why), -1);
	CHECK_STR(why.data, "the state is a boolean, not the object that "
	    "--merge needs");
	state_release(&st);

	setup(&st, STATE_REDUCE, NULL, "$state + .", 0);
	CHECK_INT(state_load(&st, J("[1]"), 0, &why), 0);
	CHECK_INT(fold(&st, "[2]", &why), 1);
	CHECK_STR(text(&st), "[1,2]");
	state_release(&st);
	buf_release(&why);
}

int
main(void)
{
	TAP_RUN(test_latest);
	TAP_RUN(test_key_order_and_updates);
	TAP_RUN(test_key_kinds);
	TAP_RUN(test_ttl);
	TAP_RUN(test_many_keys);
	TAP_RUN(test_merge_like_jq);
	TAP_RUN(test_merge);
	TAP_RUN(test_key_merge);
	TAP_RUN(test_reduce);
	TAP_RUN(test_key_reduce);
	TAP_RUN(test_reduce_compile);
	TAP_RUN(test_load);
	return tap_done();
}
