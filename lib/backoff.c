/*
 * Reconnect delays: exponential backoff with jitter.
 */
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"

void
backoff_init(struct backoff *b, int64_t min_ms, int64_t max_ms,
    uint64_t seed)
{
	b->min_ms = min_ms > 0 ? min_ms : 1;
	b->max_ms = max_ms > b->min_ms ? max_ms : b->min_ms;
	b->rng = seed;
	b->retries = 0;
}

int64_t
backoff_ceiling(const struct backoff *b, unsigned n)
{
	int64_t d = b->min_ms;

	/* Doubling stops at max, before it could overflow. */
	while (n > 1 && d < b->max_ms) {
		d = d > b->max_ms / 2 ? b->max_ms : d * 2;
		n--;
	}
	return d < b->max_ms ? d : b->max_ms;
}

/*
 * splitmix64 (Steele, Lea and Flood): a 64-bit state stepped by a
 * constant and mixed; every seed, 0 included, gives a good sequence.
 */
uint64_t
backoff_random(struct backoff *b)
{
	uint64_t z = (b->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, span) without modulo bias: redraw the uneven top. */
static uint64_t
uniform(struct backoff *b, uint64_t span)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % span, r;

	do
		r = backoff_random(b);
	while (r >= limit);
	return r % span;
}

int64_t
backoff_next(struct backoff *b)
{
	int64_t d, lo;

	if (b->retries < UINT32_MAX)
		b->retries++;
	d = backoff_ceiling(b, b->retries);
	lo = d / 2;
	return lo + (int64_t)uniform(b, (uint64_t)(d - lo) + 1);
}

void
backoff_reset(struct backoff *b)
{
	b->retries = 0;
}

uint64_t
backoff_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
	    (uint64_t)getpid() << 32;
}
