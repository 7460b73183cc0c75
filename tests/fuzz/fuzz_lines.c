/*
 * libFuzzer target: the line reader. The first byte picks the read size,
 * the second the line limit; the rest is the input. Lines must never hold
 * a LF nor exceed the limit, and every byte must be accounted for.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
drain(struct lines *lr, size_t max)
{
	struct line l;
	enum lines_status st;

	while ((st = lines_next(lr, &l)) != LINES_NONE) {
		if (st == LINES_TOO_LONG) {
			if (l.len <= max)
				abort();
			continue;
		}
		if (l.len > max || memchr(l.text, '\n', l.len) != NULL ||
		    l.len == 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lines lr;
	size_t chunk, max, off = 0;

	if (size < 2)
		return 0;
	chunk = data[0] % 32 + 1;
	max = data[1] % 64 + 1;
	data += 2;
	size -= 2;
	if (lines_init(&lr, max) < 0)
		return 0;
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;

		lines_push(&lr, data + off, n);
		off += n;
		drain(&lr, max);
	}
	lines_set_eof(&lr);
	drain(&lr, max);
	if (lines_pending(&lr) != 0)
		abort();
	lines_release(&lr);
	return 0;
}
