/*
 * libFuzzer target: the table reader. Each input line (made valid UTF-8
 * first, as ws-broadcast does) goes through table_line; every row must
 * be one valid JSON object.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "table.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct table t = { 0 };
	const char *p = (const char *)data, *end = p + size;
	char *fixed = malloc(size * 3 + 1);

	while (fixed != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl != NULL ? nl : end) - p), n;

		n = utf8_repair(p, len, fixed);
		if (table_line(&t, fixed, n) == TABLE_ROW &&
		    (json_check(t.out.data, t.out.len, NULL) < 0 ||
		    t.out.data[0] != '{'))
			abort();
		p += len + 1;
	}
	free(fixed);
	table_release(&t);
	return 0;
}
