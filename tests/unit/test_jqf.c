/*
 * Unit tests of lib/jqf.c: compiling, running, parsing and dumping
 * through libjq 1.6, and its error messages.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jqf.h"
#include "tap.h"

/* Collects outputs as compact JSON, one per line. */
static int
collect(jv out, void *arg)
{
	struct buf *b = arg;

	jqf_dump(out, b);
	buf_addc(b, '\n');
	return 0;
}

static int
stop_after_first(jv out, void *arg)
{
	collect(out, arg);
	return 1;
}

/* Run program on the JSON text input; outputs into out, errors into err. */
static long
run(const char *program, const char *input, struct buf *out, struct buf *err)
{
	struct jqf *f;
	jv v;
	long n;

	buf_reset(out);
	buf_reset(err);
	if ((f = jqf_new(program, jv_null(), err)) == NULL)
		return -2;
	if (jqf_parse(input, strlen(input), &v, err) < 0) {
		jqf_free(f);
		return -3;
	}
	n = jqf_run(f, v, collect, out, err);
	jqf_free(f);
	return n;
}

static void
test_outputs(void)
{
	struct buf out = { 0 }, err = { 0 };

	CHECK_INT(run(".a", "{\"a\": [1, 2.5]}", &out, &err), 1);
	CHECK_STR(out.data, "[1,2.5]\n");
	CHECK_INT(run(".[] | select(. > 1)", "[1, 2, 3]", &out, &err), 2);
	CHECK_STR(out.data, "2\n3\n");
	CHECK_INT(run("empty", "{}", &out, &err), 0);
	CHECK_INT(out.len, 0);
	CHECK_INT(run("{b: .a}", "{\"a\": \"caf\xc3\xa9\"}", &out, &err), 1);
	CHECK_STR(out.data, "{\"b\":\"caf\xc3\xa9\"}\n");
	buf_release(&out);
	buf_release(&err);
}

static void
test_runtime_errors(void)
{
	struct buf out = { 0 }, err = { 0 };

	CHECK_INT(run("1, error(\"boom\"), 3", "null", &out, &err), -1);
	CHECK_STR(out.data, "1\n");
	CHECK_STR(err.data, "boom");
	CHECK_INT(run(".a + 1", "{\"a\": \"x\"}", &out, &err), -1);
	CHECK_STR(err.data, "string (\"x\") and number (1) cannot be added");
	CHECK_INT(run("error({code: 7})", "null", &out, &err), -1);
	CHECK_STR(err.data, "{\"code\":7}");
	CHECK_INT(run("halt", "1", &out, &err), 0);
	CHECK_INT(err.len, 0);
	CHECK_INT(run("1, halt_error", "\"bad\"", &out, &err), -1);
	CHECK_STR(out.data, "1\n");
	CHECK_STR(err.data, "halt_error: bad");
	buf_release(&out);
	buf_release(&err);
}

static void
test_state_reused_after_errors(void)
{
	struct buf out = { 0 }, err = { 0 };
	struct jqf *f = jqf_new("if . == 2 then error(\"two\") else . end",
	    jv_null(), &err);
	int i;
	long n, total = 0;

	CHECK(f != NULL);
	for (i = 1; i <= 3; i++) {
		n = jqf_run(f, jv_number(i), collect, &out, &err);
		total += n;
	}
	CHECK_STR(out.data, "1\n3\n");
	CHECK_STR(err.data, "two");
	CHECK_INT(total, 1);
	buf_reset(&out);
	CHECK_INT(jqf_run(f, jv_number(5), stop_after_first, &out, &err), 1);
	CHECK_INT(jqf_run(f, jv_number(6), collect, &out, &err), 1);
	CHECK_STR(out.data, "5\n6\n");
	jqf_free(f);
	buf_release(&out);
	buf_release(&err);
}

static void
test_compile_errors(void)
{
	struct buf out = { 0 }, err = { 0 };

	CHECK_INT(run(".a |", "null", &out, &err), -2);
	CHECK(strstr(err.data, "jq: error: syntax error") != NULL);
	CHECK(strstr(err.data, "compile error") != NULL);
	CHECK(err.data[err.len - 1] != '\n');
	CHECK_INT(run("$nope", "null", &out, &err), -2);
	CHECK(strstr(err.data, "$nope is not defined") != NULL);
	buf_release(&out);
	buf_release(&err);
}

static void
test_named_args(void)
{
	struct buf out = { 0 }, err = { 0 };
	struct jqf *f;

	f = jqf_new("$state + .", jv_object_set(jv_object(),
	    jv_string("state"), jv_number(40)), &err);
	CHECK(f != NULL);
	CHECK_INT(jqf_run(f, jv_number(2), collect, &out, &err), 1);
	CHECK_STR(out.data, "42\n");
	jqf_free(f);
	buf_release(&out);
	buf_release(&err);
}

static void
test_parse_errors_are_cut(void)
{
	struct buf err = { 0 };
	size_t len = 1 << 20;
	char *big = malloc(len);
	jv v;

	memset(big, '[', len);
	CHECK_INT(jqf_parse(big, len, &v, &err), -1);
	CHECK(err.len <= JQF_ERR_MAX + 3);
	buf_reset(&err);
	CHECK_INT(jqf_parse("1 2", 3, &v, &err), -1);
	CHECK(strstr(err.data, "Unexpected extra JSON values") != NULL);
	buf_reset(&err);
	CHECK_INT(jqf_parse("", 0, &v, &err), -1);
	CHECK(err.len > 0);
	CHECK_INT(jqf_parse("{\"a\":1}\r", 8, &v, &err), 0);
	jv_free(v);
	free(big);
	buf_release(&err);
}

static void
test_messages_of_any_kind(void)
{
	struct buf err = { 0 };
	char long_text[1000];

	jqf_add_msg(&err, jv_number(3));
	CHECK_STR(err.data, "3");
	buf_reset(&err);
	memset(long_text, 'x', sizeof(long_text) - 4);
	/* A multi-byte character straddles the cut: it must not be split. */
	memcpy(long_text + JQF_ERR_MAX - 1, "\xc3\xa9", 2);
	long_text[sizeof(long_text) - 4] = '\0';
	jqf_add_msg(&err, jv_string(long_text));
	CHECK_INT(err.len, JQF_ERR_MAX - 1 + 3);
	CHECK_STR(err.data + err.len - 3, "...");
	buf_release(&err);
}

int
main(void)
{
	/* libjq reads $HOME/.jq; a test must not depend on the user's. */
	unsetenv("HOME");
	TAP_RUN(test_outputs);
	TAP_RUN(test_runtime_errors);
	TAP_RUN(test_state_reused_after_errors);
	TAP_RUN(test_compile_errors);
	TAP_RUN(test_named_args);
	TAP_RUN(test_parse_errors_are_cut);
	TAP_RUN(test_messages_of_any_kind);
	return tap_done();
}
