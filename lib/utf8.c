/*
 * UTF-8 validation and repair, to RFC 3629.
 */
#include <stdint.h>
#include <string.h>

#include "utf8.h"

#define ASCII_MASK 0x8080808080808080ULL

/*
 * Length of the run of ASCII bytes at p, at most len. Eight bytes are
 * tested at once: most feeds are mostly ASCII, and this loop is what a
 * text frame of plain JSON costs.
 */
static size_t
ascii_run(const unsigned char *p, size_t len)
{
	size_t i = 0;
	uint64_t w;

	while (len - i >= 8) {
		memcpy(&w, p + i, 8);
		if (w & ASCII_MASK)
			break;
		i += 8;
	}
	while (i < len && p[i] < 0x80)
		i++;
	return i;
}

/*
 * The bytes a lead byte needs after it, and the range its first
 * continuation byte must fall in. The narrow ranges are what rule out
 * overlong forms (E0, F0), surrogates (ED) and code points above
 * U+10FFFF (F4). need is 0 for bytes that cannot start a sequence.
 */
static int
lead_info(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		return 1;
	if (c >= 0xE0 && c <= 0xEF) {
		if (c == 0xE0)
			*lo = 0xA0;
		else if (c == 0xED)
			*hi = 0x9F;
		return 2;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (c == 0xF0)
			*lo = 0x90;
		else if (c == 0xF4)
			*hi = 0x8F;
		return 3;
	}
	return 0;
}

/*
 * Look at the non-ASCII sequence at p (len > 0). Returns its length when
 * it is well formed, or minus the length of its maximal subpart (the
 * longest start of a well-formed sequence, at least one byte) when not.
 */
static long
seq_check(const unsigned char *p, size_t len)
{
	unsigned char lo, hi;
	size_t need, i;

	need = (size_t)lead_info(p[0], &lo, &hi);
	if (need == 0)
		return -1;
	for (i = 1; i <= need; i++) {
		if (i >= len || p[i] < lo || p[i] > hi)
			return -(long)i;
		lo = 0x80;
		hi = 0xBF;
	}
	return (long)i;
}

bool
utf8_valid(const void *s, size_t len)
{
	return utf8_check(s, len) == len;
}

size_t
utf8_check(const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t i = 0;
	long n;

	for (;;) {
		i += ascii_run(p + i, len - i);
		if (i == len)
			return len;
		n = seq_check(p + i, len - i);
		if (n < 0)
			return i;
		i += (size_t)n;
	}
}

size_t
utf8_repair(const void *s, size_t len, char *out)
{
	static const char fffd[] = "\xEF\xBF\xBD";
	const unsigned char *p = s;
	size_t i = 0, o = 0, run;
	long n;

	while (i < len) {
		run = utf8_check(p + i, len - i);
		memcpy(out + o, p + i, run);
		i += run;
		o += run;
		if (i == len)
			break;

		/* An invalid subpart: one U+FFFD for all of it. */
		n = seq_check(p + i, len - i);
		memcpy(out + o, fffd, 3);
		o += 3;
		i += (size_t)-n;
	}
	return o;
}
