/*
 * A tiny TAP harness for the unit tests of lib/.
 *
 * Each test file defines test functions and lists them in main with
 * TAP_RUN(fn). Inside a test, CHECK(cond), CHECK_INT(a, b), CHECK_STR(a, b)
 * and CHECK_MEM(a, alen, b, blen) print file, line, both expressions and
 * both values when they fail, and mark the test as failed; the test goes
 * on, so one run shows every failing check. TAP_SKIP(reason) skips.
 */
#ifndef WSFEED_TAP_H
#define WSFEED_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count;		/* tests run so far */
static int tap_failed_tests;	/* tests with a failing check */
static int tap_current_failed;	/* the current test failed a check */
static const char *tap_skip_reason;	/* set by TAP_SKIP */

#define TAP_FAIL_AT(...)						\
	do {								\
		tap_current_failed = 1;					\
		printf("# %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	} while (0)

#define CHECK(cond)							\
	do {								\
		if (!(cond))						\
			TAP_FAIL_AT("CHECK(%s) failed", #cond);		\
	} while (0)

#define CHECK_INT(a, b)							\
	do {								\
		long long tap_a_ = (long long)(a);			\
		long long tap_b_ = (long long)(b);			\
		if (tap_a_ != tap_b_)					\
			TAP_FAIL_AT("%s == %s: %lld != %lld", #a, #b,	\
			    tap_a_, tap_b_);				\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *tap_a_ = (a), *tap_b_ = (b);		\
		if (tap_a_ == NULL || tap_b_ == NULL ||			\
		    strcmp(tap_a_, tap_b_) != 0)			\
			TAP_FAIL_AT("%s == %s: \"%s\" != \"%s\"", #a,	\
			    #b, tap_a_ ? tap_a_ : "(null)",		\
			    tap_b_ ? tap_b_ : "(null)");		\
	} while (0)

#define CHECK_MEM(a, alen, b, blen)					\
	do {								\
		size_t tap_al_ = (alen), tap_bl_ = (blen);		\
		if (tap_al_ != tap_bl_ ||				\
		    memcmp((a), (b), tap_al_) != 0)			\
			TAP_FAIL_AT("%s == %s: \"%.*s\" != \"%.*s\"",	\
			    #a, #b, (int)tap_al_, (const char *)(a),	\
			    (int)tap_bl_, (const char *)(b));		\
	} while (0)

#define TAP_SKIP(reason)						\
	do {								\
		tap_skip_reason = (reason);				\
		return;							\
	} while (0)

static void
tap_run(void (*fn)(void), const char *name)
{
	tap_current_failed = 0;
	tap_skip_reason = NULL;
	fn();
	tap_count++;
	if (tap_skip_reason != NULL)
		printf("ok %d - %s # SKIP %s\n", tap_count, name,
		    tap_skip_reason);
	else if (tap_current_failed) {
		printf("not ok %d - %s\n", tap_count, name);
		tap_failed_tests++;
	} else
		printf("ok %d - %s\n", tap_count, name);
	fflush(stdout);
}

#define TAP_RUN(fn) tap_run(fn, #fn)

/* Print the plan last ("1..N") and return the exit status for main. */
static int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed_tests > 0 ? 1 : 0;
}

#endif
