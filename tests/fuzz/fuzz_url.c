/*
 * libFuzzer target: ws:// and wss:// URLs. A URL that parses has a port
 * in range, a path that starts with '/', and no byte in it that would
 * break a request line; a refusal always says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256];
	struct url u;
	const char *p;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	err[0] = '\0';
	if (url_parse(s, &u, err, sizeof(err)) == 0) {
		if (u.port < 1 || u.port > 65535 || u.path[0] != '/' ||
		    u.host[0] == '\0')
			abort();
		for (p = u.path; *p != '\0'; p++)
			if ((unsigned char)*p <= ' ' || *p == 0x7f)
				abort();
	} else if (err[0] == '\0')
		abort();
	free(s);
	return 0;
}
