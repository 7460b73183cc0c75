/*
 * libFuzzer target: the Origin, Host and token rules. The input is split
 * at NUL bytes into Host, Origin, Authorization and ?token=; a refusal
 * must carry a reason, and a foreign Host is never let in on loopback.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const origins[] = { "https://a.example", NULL };
	struct access a = { origins, "t0ken", true, false };
	const char *part[4] = { NULL, NULL, NULL, NULL }, *why = NULL;
	char *copy = malloc(size + 1), *p;
	struct access_request rq;
	enum access_verdict v;
	int i;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (i = 0, p = copy; i < 4 && p <= copy + size; i++) {
		part[i] = p;
		p += strlen(p) + 1;
	}
	rq.host = part[0];
	rq.origin = part[1];
	rq.authorization = part[2];
	rq.token_arg = part[3];
	v = access_check(&a, &rq, size % 2 == 0, &why);
	if (v != ACCESS_OK && why == NULL)
		abort();
	if (v == ACCESS_OK && rq.host != NULL &&
	    !access_host_is_loopback(rq.host))
		abort();
	free(copy);
	return 0;
}
