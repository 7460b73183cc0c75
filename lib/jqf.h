/*
 * jq filters through libjq 1.6, compiled once and run per input.
 *
 * Ownership follows libjq's own rule (jv.h): every function here that takes
 * a jv consumes it, and every jv handed to a callback belongs to the
 * callback. Error messages are written into a caller's struct buf, cut to
 * JQF_ERR_MAX bytes, because libjq puts the whole input into some of them.
 */
#ifndef WSFEED_JQF_H
#define WSFEED_JQF_H

#include <stddef.h>

#include <jv.h>

#include "buf.h"

/* Longest error text kept, in bytes (then "..."). */
#define JQF_ERR_MAX 300

struct jqf;

/* Receives one output of a filter; returns 0 to go on, nonzero to stop. */
typedef int (*jqf_out_cb)(jv out, void *arg);

/*
 * Compile program with named arguments args (an object such as
 * {"state": null} gives $state; jv_null() for none). Returns the filter,
 * or NULL with jq's own compile messages in err (one per line, no final
 * newline). Like jq, the compiler reads $HOME/.jq when it exists.
 */
struct jqf *jqf_new(const char *program, jv args, struct buf *err);

/* Free a filter (NULL is fine). */
void jqf_free(struct jqf *f);

/*
 * Run the filter on input and hand each output to cb, in order. Returns
 * the number of outputs delivered, or -1 when the program failed at run
 * time (err then holds jq's message); outputs before the failure have
 * been delivered. halt ends the outputs quietly; halt_error counts as a
 * failure whose message is its value.
 */
long jqf_run(struct jqf *f, jv input, jqf_out_cb cb, void *arg,
    struct buf *err);

/*
 * Parse exactly one JSON value from len bytes. Returns 0 and sets *out, or
 * -1 with libjq's message (cut) in err. The text should already have
 * passed json_check: libjq 1.6 accepts some things that are not JSON.
 */
int jqf_parse(const char *text, size_t len, jv *out, struct buf *err);

/* Append v serialised compactly, as jq -c prints it. Consumes v. */
int jqf_dump(jv v, struct buf *out);

/* Append a libjq message value (string or any JSON), cut to JQF_ERR_MAX. */
void jqf_add_msg(struct buf *err, jv msg);

#endif
