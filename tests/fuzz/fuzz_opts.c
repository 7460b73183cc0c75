/*
 * libFuzzer target: durations, sizes, counts and listen addresses. Names
 * are never resolved here: getaddrinfo is replaced by one that accepts
 * numeric addresses only, so the fuzzer sends nothing to any resolver.
 */
#include <dlfcn.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "opts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	int (*real)(const char *, const char *, const struct addrinfo *,
	    struct addrinfo **);
	struct addrinfo h = { 0 };

	*(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
	if (hints != NULL)
		h = *hints;
	h.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
	return real(node, service, &h, res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[128], out[160];
	struct listen_addr a;
	long long n;
	uint64_t bytes;
	int64_t ms;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (opts_duration(s, &ms, err, sizeof(err)) == 0 && ms < 0)
		abort();
	opts_size(s, &bytes, err, sizeof(err));
	if (opts_count(s, -5, 5, &n, err, sizeof(err)) == 0 &&
	    (n < -5 || n > 5))
		abort();
	if (opts_listen(s, &a, err, sizeof(err)) == 0) {
		if (!a.is_unix && (a.port < 0 || a.port > 65535))
			abort();
		opts_listen_format(&a, out, sizeof(out));
	}
	free(s);
	return 0;
}
