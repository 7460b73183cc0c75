/*
 * jq filters through libjq 1.6.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jq.h>
#include <jv.h>

#include "buf.h"
#include "jqf.h"
#include "log.h"

struct jqf {
	jq_state *jq;	/* the compiled program, reused for every input */
};

/* Cut at a UTF-8 character boundary so that the message stays valid. */
static void
add_cut(struct buf *err, const char *s, size_t len)
{
	if (len > JQF_ERR_MAX) {
		len = JQF_ERR_MAX;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
		buf_add(err, s, len);
		buf_adds(err, "...");
		return;
	}
	buf_add(err, s, len);
}

void
jqf_add_msg(struct buf *err, jv msg)
{
	jv text;

	if (jv_get_kind(msg) == JV_KIND_STRING) {
		add_cut(err, jv_string_value(msg),
		    (size_t)jv_string_length_bytes(jv_copy(msg)));
		jv_free(msg);
		return;
	}
	text = jv_dump_string(msg, 0);
	add_cut(err, jv_string_value(text),
	    (size_t)jv_string_length_bytes(jv_copy(text)));
	jv_free(text);
}

/* Collects compile messages; libjq hands us ownership of each. */
static void
collect_compile_msg(void *arg, jv msg)
{
	struct buf *err = arg;

	if (err->len > 0)
		buf_addc(err, '\n');
	jqf_add_msg(err, msg);
	while (err->len > 0 && err->data[err->len - 1] == '\n')
		err->data[--err->len] = '\0';
}

/*
 * Each input reaches the program as ".", one at a time: there is no
 * stream for input and inputs to read, so they see its end at once.
 * libjq 1.6 leaves this callback unset and reads garbage otherwise.
 */
static jv
no_more_input(jq_state *jq, void *arg)
{
	(void)jq, (void)arg;
	return jv_invalid();
}

/* debug's messages go where jq puts them, on stderr, as our lines. */
static void
log_debug_msg(void *arg, jv msg)
{
	jv text = jv_dump_string(msg, 0);

	(void)arg;
	log_notice("jq debug: %s", jv_string_value(text));
	jv_free(text);
}

struct jqf *
jqf_new(const char *program, jv args, struct buf *err)
{
	struct jqf *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->jq = jq_init()) == NULL) {
		buf_adds(err, "out of memory");
		jv_free(args);
		free(f);
		return NULL;
	}
	/* libjq asserts on anything but an object or array here. */
	if (jv_get_kind(args) != JV_KIND_OBJECT &&
	    jv_get_kind(args) != JV_KIND_ARRAY) {
		jv_free(args);
		args = jv_object();
	}
	jq_set_input_cb(f->jq, no_more_input, NULL);
	jq_set_debug_cb(f->jq, log_debug_msg, NULL);
	jq_set_error_cb(f->jq, collect_compile_msg, err);
	if (!jq_compile_args(f->jq, program, args)) {
		if (err->len == 0)
			buf_adds(err, "jq: compile error");
		jqf_free(f);
		return NULL;
	}
	jq_set_error_cb(f->jq, NULL, NULL);
	return f;
}

void
jqf_free(struct jqf *f)
{
	if (f == NULL)
		return;
	jq_teardown(&f->jq);
	free(f);
}

/* halt_error's value is the message; plain halt has an invalid code. */
static long
halted(struct jqf *f, long count, struct buf *err)
{
	jv code = jq_get_exit_code(f->jq);

	if (!jv_is_valid(code)) {
		jv_free(code);
		return count;
	}
	jv_free(code);
	buf_adds(err, "halt_error: ");
	jqf_add_msg(err, jq_get_error_message(f->jq));
	return -1;
}

long
jqf_run(struct jqf *f, jv input, jqf_out_cb cb, void *arg, struct buf *err)
{
	long count = 0;
	jv out;

	jq_start(f->jq, input, 0);
	/*
	 * Stop at the first invalid value: one more jq_next after an error
	 * or the end trips an assertion in libjq 1.6.
	 */
	while (jv_is_valid(out = jq_next(f->jq))) {
		count++;
		if (cb(out, arg) != 0) {
			/* Let the next jq_start reset the state. */
			return count;
		}
	}
	if (jq_halted(f->jq)) {
		jv_free(out);
		return halted(f, count, err);
	}
	if (jv_invalid_has_msg(jv_copy(out))) {
		jqf_add_msg(err, jv_invalid_get_msg(out));
		return -1;
	}
	jv_free(out);
	return count;
}

int
jqf_parse(const char *text, size_t len, jv *out, struct buf *err)
{
	jv v;

	if (len > (size_t)INT32_MAX) {
		buf_adds(err, "value too large");
		return -1;
	}
	v = jv_parse_sized(text, (int)len);
	if (!jv_is_valid(v)) {
		if (jv_invalid_has_msg(jv_copy(v)))
			jqf_add_msg(err, jv_invalid_get_msg(v));
		else {
			jv_free(v);
			buf_adds(err, "not a JSON value");
		}
		return -1;
	}
	*out = v;
	return 0;
}

int
jqf_dump(jv v, struct buf *out)
{
	jv text = jv_dump_string(v, 0);
	int rc;

	rc = buf_add(out, jv_string_value(text),
	    (size_t)jv_string_length_bytes(jv_copy(text)));
	jv_free(text);
	return rc;
}
