/*
 * Reconnect delays: exponential backoff with jitter.
 *
 * The n-th consecutive retry waits a delay drawn uniformly from [d/2, d]
 * milliseconds, d = min(max, min * 2^(n-1)), so that many clients cut off
 * together do not all come back in the same instant. The random source is
 * a small generator kept in the struct and seeded by the caller, so that
 * tests (and WSFEED_SEED) can pin the draws; rand() would be shared with
 * the whole process.
 */
#ifndef WSFEED_BACKOFF_H
#define WSFEED_BACKOFF_H

#include <stdint.h>

/* A backoff schedule and its state. Set it up with backoff_init. */
struct backoff {
	int64_t min_ms;		/* d of the first retry */
	int64_t max_ms;		/* d never grows past this */
	uint64_t rng;		/* generator state (splitmix64) */
	unsigned retries;	/* consecutive retries so far (n) */
};

/*
 * Set up b for delays from min_ms (> 0) up to max_ms (>= min_ms), with its
 * generator seeded by seed (any value, 0 too) and no retries yet.
 */
void backoff_init(struct backoff *b, int64_t min_ms, int64_t max_ms,
    uint64_t seed);

/* d for the n-th retry (n >= 1): min(max, min * 2^(n-1)), no overflow. */
int64_t backoff_ceiling(const struct backoff *b, unsigned n);

/*
 * Count one more retry and return its delay in milliseconds, drawn
 * uniformly from [d/2, d] (both ends included, d/2 rounded down).
 */
int64_t backoff_next(struct backoff *b);

/* Forget the retries: the next delay is the first one's again. */
void backoff_reset(struct backoff *b);

/* Next 64 random bits of b's generator. */
uint64_t backoff_random(struct backoff *b);

/* A seed that differs between processes and runs (clock and pid). */
uint64_t backoff_seed(void);

#endif
