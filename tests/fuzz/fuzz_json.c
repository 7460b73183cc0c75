/*
 * libFuzzer target: the strict JSON checker and UTF-8 functions. What
 * json_check accepts, libjq must parse too (but for lone surrogate
 * escapes, which RFC 8259's grammar allows and libjq 1.6 refuses);
 * repaired text must be valid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jqf.h"
#include "json.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct buf err = { 0 };
	char *fixed;
	size_t n;
	jv v;

	if (json_check(s, size, NULL) == 0) {
		if (!utf8_valid(s, size))
			abort();
		if (jqf_parse(s, size, &v, &err) == 0)
			jv_free(v);
		else if (memmem(s, size, "\\ud", 3) == NULL &&
		    memmem(s, size, "\\uD", 3) == NULL)
			abort();
	}
	if ((fixed = malloc(size * 3 + 1)) != NULL) {
		n = utf8_repair(s, size, fixed);
		if (!utf8_valid(fixed, n) ||
		    (utf8_valid(s, size) && n != size))
			abort();
		free(fixed);
	}
	buf_release(&err);
	return 0;
}
