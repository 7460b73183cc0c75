/*
 * libFuzzer target: request paths to room names. A name that comes out
 * must be a valid room name, never reserved, never with a '/' or a NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "room.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[ROOM_NAME_MAX + 1];

	if (room_from_path((const char *)data, size, "main", out) == 0) {
		size_t n = strlen(out);

		if (!room_name_valid(out, n) && strcmp(out, "main") != 0)
			abort();
		if (memchr(out, '/', n) != NULL || out[0] == '_')
			abort();
	}
	return 0;
}
