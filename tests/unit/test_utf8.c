/*
 * Tests of lib/utf8.c.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "utf8.h"

#define FFFD "\xEF\xBF\xBD"

/* utf8_check on a string literal, embedded NULs included. */
#define CHECK_AT(lit, off)						\
	CHECK_INT(utf8_check(lit, sizeof(lit) - 1), off)

/* Repair a literal and compare with the expected literal. */
#define CHECK_REPAIR(lit, want)						\
	do {								\
		char out_[3 * sizeof(lit)];				\
		size_t n_ = utf8_repair(lit, sizeof(lit) - 1, out_);	\
		CHECK_MEM(out_, n_, want, sizeof(want) - 1);		\
	} while (0)

static void
test_valid(void)
{
	CHECK(utf8_valid("", 0));
	CHECK_AT("plain ascii", 11);
	CHECK_AT("nul\0inside", 10);
	CHECK_AT("\x7F", 1);
	CHECK_AT("caf\xC3\xA9", 5);			/* U+00E9 */
	CHECK_AT("\xC2\x80", 2);			/* U+0080 */
	CHECK_AT("\xDF\xBF", 2);			/* U+07FF */
	CHECK_AT("\xE0\xA0\x80", 3);			/* U+0800 */
	CHECK_AT("\xE2\x82\xAC", 3);			/* U+20AC */
	CHECK_AT("\xED\x9F\xBF", 3);			/* U+D7FF */
	CHECK_AT("\xEE\x80\x80", 3);			/* U+E000 */
	CHECK_AT("\xEF\xBF\xBF", 3);			/* U+FFFF */
	CHECK_AT("\xF0\x90\x80\x80", 4);		/* U+10000 */
	CHECK_AT("\xF0\x9F\x98\x80", 4);		/* U+1F600 */
	CHECK_AT("\xF4\x8F\xBF\xBF", 4);		/* U+10FFFF */
}

static void
test_overlong(void)
{
	CHECK_AT("a\xC0\x80", 1);			/* NUL, 2 bytes */
	CHECK_AT("ab\xC1\xBF", 2);			/* U+007F */
	CHECK_AT("\xE0\x80\x80", 0);			/* NUL, 3 bytes */
	CHECK_AT("\xE0\x9F\xBF", 0);			/* U+07FF */
	CHECK_AT("\xF0\x80\x80\x80", 0);		/* NUL, 4 bytes */
	CHECK_AT("\xF0\x8F\xBF\xBF", 0);		/* U+FFFF */
	CHECK(!utf8_valid("\xC0\xAF", 2));		/* '/' */
}

static void
test_surrogates_and_range(void)
{
	CHECK_AT("x\xED\xA0\x80", 1);			/* U+D800 */
	CHECK_AT("x\xED\xBF\xBF", 1);			/* U+DFFF */
	CHECK_AT("\xED\xA0\xBD\xED\xB8\x80", 0);	/* CESU pair */
	CHECK_AT("\xF4\x90\x80\x80", 0);		/* U+110000 */
	CHECK_AT("\xF5\x80\x80\x80", 0);
	CHECK_AT("\xF7\xBF\xBF\xBF", 0);
	CHECK_AT("\xF8\x88\x80\x80\x80", 0);		/* old 5 bytes */
	CHECK_AT("\xFC\x84\x80\x80\x80\x80", 0);	/* old 6 bytes */
	CHECK_AT("ok\xFE", 2);
	CHECK_AT("ok\xFF", 2);
}

static void
test_truncated_and_stray(void)
{
	CHECK_AT("abc\xC3", 3);
	CHECK_AT("abc\xE2\x82", 3);
	CHECK_AT("abc\xF0\x9F\x98", 3);
	CHECK_AT("\xE2\x82" "a", 0);
	CHECK_AT("\x80", 0);				/* lone continuation */
	CHECK_AT("\xC3\xA9\xBF", 2);
	CHECK_AT("\xC3\xC3\xA9", 0);
}

/* The offset is exact past the 8-byte fast path, at every alignment. */
static void
test_fast_path_offsets(void)
{
	char s[64];
	size_t i;

	for (i = 0; i < 40; i++) {
		memset(s, 'a', sizeof(s));
		s[i] = (char)0xFF;
		CHECK_INT(utf8_check(s, sizeof(s)), i);
		s[i] = (char)0xC3;
		s[i + 1] = (char)0xA9;
		CHECK_INT(utf8_check(s, sizeof(s)), sizeof(s));
		CHECK_INT(utf8_check(s, i + 1), i);
	}
}

/*
 * Unicode's recommended practice (chapter 3, "U+FFFD Substitution of
 * Maximal Subparts"): the worked examples there, in the same order.
 */
static void
test_repair_unicode_examples(void)
{
	/* A truncated 4-byte and 3-byte sequence, a 2-byte one, strays. */
	CHECK_REPAIR("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64",
	    "a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d");
	/* Non-shortest forms: one U+FFFD per byte. */
	CHECK_REPAIR("\xC0\xAF\xE0\x80\xBF\xF0\x81\x82\x41",
	    FFFD FFFD FFFD FFFD FFFD FFFD FFFD FFFD "A");
	/* Surrogates: one per byte. */
	CHECK_REPAIR("\xED\xA0\x80\xED\xBF\xBF\xED\xAF\x41",
	    FFFD FFFD FFFD FFFD FFFD FFFD FFFD FFFD "A");
	/* Above U+10FFFF and invalid bytes. */
	CHECK_REPAIR("\xF4\x91\x92\x93\xFF\x41\x80\xBF\x42",
	    FFFD FFFD FFFD FFFD FFFD "A" FFFD FFFD "B");
	/* Truncated sequences: one per maximal subpart. */
	CHECK_REPAIR("\xE1\x80\xE2\xF0\x91\x92\xF1\xBF\x41",
	    FFFD FFFD FFFD FFFD "A");
}

static void
test_repair_misc(void)
{
	char out[8];

	CHECK_INT(utf8_repair("", 0, out), 0);
	CHECK_REPAIR("valid \xC3\xA9 text", "valid \xC3\xA9 text");
	CHECK_REPAIR("end\xF0\x9F\x98", "end" FFFD);
	CHECK_REPAIR("\xFF", FFFD);
	CHECK_REPAIR("\xFF\xFF\xFF", FFFD FFFD FFFD);
	CHECK_REPAIR("nul\0\xC0", "nul\0" FFFD);
	CHECK_REPAIR("\xF4\x8F\xBF\xBF\xF4\x90", "\xF4\x8F\xBF\xBF" FFFD FFFD);
}

/* The worst case, every byte replaced, fits in 3 * len. */
static void
test_repair_worst_case(void)
{
	unsigned char in[256];
	char *out;
	size_t i, n;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(0x80 + i % 0x40);
	out = malloc(3 * sizeof(in));
	n = utf8_repair(in, sizeof(in), out);
	CHECK_INT(n, 3 * sizeof(in));
	CHECK(utf8_valid(out, n));
	for (i = 0; i < sizeof(in); i++)
		CHECK_MEM(out + 3 * i, 3, FFFD, 3);
	free(out);
}

/* Repair output is always valid, whatever went in. */
static void
test_repair_always_valid(void)
{
	unsigned char in[64];
	char out[3 * sizeof(in)];
	unsigned int seed = 12345;
	size_t i, round, n;

	for (round = 0; round < 2000; round++) {
		for (i = 0; i < sizeof(in); i++) {
			seed = seed * 1103515245 + 12345;
			in[i] = (unsigned char)(seed >> 16);
		}
		n = utf8_repair(in, round % sizeof(in), out);
		CHECK(utf8_valid(out, n));
		if (utf8_valid(in, round % sizeof(in)))
			CHECK_MEM(out, n, in, round % sizeof(in));
	}
}

int
main(void)
{
	TAP_RUN(test_valid);
	TAP_RUN(test_overlong);
	TAP_RUN(test_surrogates_and_range);
	TAP_RUN(test_truncated_and_stray);
	TAP_RUN(test_fast_path_offsets);
	TAP_RUN(test_repair_unicode_examples);
	TAP_RUN(test_repair_misc);
	TAP_RUN(test_repair_worst_case);
	TAP_RUN(test_repair_always_valid);
	return tap_done();
}
