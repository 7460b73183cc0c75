/*
 * Tests of lib/backoff.c: the ceilings, the jitter windows, the spread of
 * the draws and the pinned generator.
 */
#include <stdint.h>

#include "backoff.h"
#include "tap.h"

static void
test_ceilings_double_up_to_max(void)
{
	struct backoff b;

	backoff_init(&b, 1000, 30000, 1);
	CHECK_INT(backoff_ceiling(&b, 1), 1000);
	CHECK_INT(backoff_ceiling(&b, 2), 2000);
	CHECK_INT(backoff_ceiling(&b, 3), 4000);
	CHECK_INT(backoff_ceiling(&b, 4), 8000);
	CHECK_INT(backoff_ceiling(&b, 5), 16000);
	CHECK_INT(backoff_ceiling(&b, 6), 30000);
	CHECK_INT(backoff_ceiling(&b, 7), 30000);
	CHECK_INT(backoff_ceiling(&b, 1000000), 30000);
	CHECK_INT(backoff_ceiling(&b, UINT32_MAX), 30000);

	backoff_init(&b, 3, 10, 1);
	CHECK_INT(backoff_ceiling(&b, 1), 3);
	CHECK_INT(backoff_ceiling(&b, 2), 6);
	CHECK_INT(backoff_ceiling(&b, 3), 10);

	backoff_init(&b, 500, 500, 1);
	CHECK_INT(backoff_ceiling(&b, 1), 500);
	CHECK_INT(backoff_ceiling(&b, 40), 500);
}

static void
test_no_overflow_near_int64_max(void)
{
	struct backoff b;
	int64_t d;

	backoff_init(&b, INT64_C(1) << 61, INT64_MAX, 7);
	CHECK_INT(backoff_ceiling(&b, 2), INT64_C(1) << 62);
	CHECK_INT(backoff_ceiling(&b, 3), INT64_MAX);
	CHECK_INT(backoff_ceiling(&b, 200), INT64_MAX);
	b.retries = 99;
	d = backoff_next(&b);
	CHECK(d >= INT64_MAX / 2);
}

static void
test_init_repairs_bad_bounds(void)
{
	struct backoff b;

	backoff_init(&b, 0, -5, 1);
	CHECK_INT(b.min_ms, 1);
	CHECK_INT(b.max_ms, 1);
	backoff_init(&b, 800, 100, 1);
	CHECK_INT(b.max_ms, 800);
}

/* Every draw of the n-th retry falls in [d/2, d]. */
static void
test_draws_stay_in_their_windows(void)
{
	struct backoff b;
	unsigned n;
	int i;

	backoff_init(&b, 100, 5000, 12345);
	for (n = 1; n <= 10; n++) {
		int64_t d = backoff_ceiling(&b, n), lo = INT64_MAX, hi = 0;

		for (i = 0; i < 5000; i++) {
			int64_t v;

			b.retries = n - 1;
			v = backoff_next(&b);
			CHECK_INT(b.retries, n);
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		CHECK(lo >= d / 2);
		CHECK(hi <= d);
		/* 5000 draws come close to both ends. */
		CHECK(lo <= d / 2 + d / 50 + 1);
		CHECK(hi >= d - d / 50 - 1);
	}
}

/* A consecutive series grows; a reset starts it again. */
static void
test_series_and_reset(void)
{
	struct backoff b;
	int64_t v;

	backoff_init(&b, 1000, 30000, 99);
	v = backoff_next(&b);
	CHECK(v >= 500 && v <= 1000);
	v = backoff_next(&b);
	CHECK(v >= 1000 && v <= 2000);
	v = backoff_next(&b);
	CHECK(v >= 2000 && v <= 4000);
	CHECK_INT(b.retries, 3);
	backoff_reset(&b);
	CHECK_INT(b.retries, 0);
	v = backoff_next(&b);
	CHECK(v >= 500 && v <= 1000);
	CHECK_INT(b.retries, 1);
}

/* Uniform over [500, 1000]: mean near 750, each tenth near a tenth. */
static void
test_spread_is_uniform(void)
{
	struct backoff b;
	int64_t sum = 0;
	int bins[10] = { 0 }, i, n = 100000;

	backoff_init(&b, 1000, 1000, 2024);
	for (i = 0; i < n; i++) {
		int64_t v = backoff_next(&b);
		int bin = (int)((v - 500) * 10 / 501);

		sum += v;
		bins[bin]++;
	}
	CHECK(sum / n >= 745 && sum / n <= 755);
	for (i = 0; i < 10; i++) {
		CHECK(bins[i] > n / 10 - n / 100);
		CHECK(bins[i] < n / 10 + n / 100);
	}
}

/* The smallest windows: both ends are reachable. */
static void
test_tiny_windows_reach_both_ends(void)
{
	struct backoff b;
	int seen[3] = { 0 }, i;

	backoff_init(&b, 1, 1, 5);
	for (i = 0; i < 200; i++) {
		int64_t v = backoff_next(&b);

		CHECK(v == 0 || v == 1);
		seen[v]++;
	}
	CHECK(seen[0] > 0 && seen[1] > 0);
	backoff_init(&b, 2, 2, 5);
	seen[0] = seen[1] = seen[2] = 0;
	for (i = 0; i < 200; i++) {
		int64_t v = backoff_next(&b);

		CHECK(v == 1 || v == 2);
		seen[v]++;
	}
	CHECK(seen[1] > 0 && seen[2] > 0);
}

/* The generator is splitmix64; a seed pins the whole sequence. */
static void
test_seed_pins_the_draws(void)
{
	struct backoff a, b;
	int64_t first[3];
	int i, differ = 0;

	backoff_init(&a, 1000, 30000, 0);
	CHECK(backoff_random(&a) == 0xe220a8397b1dcdafULL);
	CHECK(backoff_random(&a) == 0x6e789e6aa1b965f4ULL);

	backoff_init(&a, 1000, 30000, 42);
	backoff_init(&b, 1000, 30000, 42);
	for (i = 0; i < 3; i++) {
		first[i] = backoff_next(&a);
		CHECK_INT(backoff_next(&b), first[i]);
	}
	/* Pinned: the values WSFEED_SEED=42 gives with the defaults. */
	CHECK_INT(first[0], 573);
	CHECK_INT(first[1], 1313);
	CHECK_INT(first[2], 2168);

	backoff_init(&b, 1000, 30000, 43);
	for (i = 0; i < 3; i++)
		differ += backoff_next(&b) != first[i];
	CHECK(differ > 0);
}

static void
test_seeds_differ(void)
{
	uint64_t a = backoff_seed(), b;
	int i;

	for (i = 0; i < 1000 && (b = backoff_seed()) == a; i++)
		continue;
	CHECK(a != b);
}

int
main(void)
{
	TAP_RUN(test_ceilings_double_up_to_max);
	TAP_RUN(test_no_overflow_near_int64_max);
	TAP_RUN(test_init_repairs_bad_bounds);
	TAP_RUN(test_draws_stay_in_their_windows);
	TAP_RUN(test_series_and_reset);
	TAP_RUN(test_spread_is_uniform);
	TAP_RUN(test_tiny_windows_reach_both_ends);
	TAP_RUN(test_seed_pins_the_draws);
	TAP_RUN(test_seeds_differ);
	return tap_done();
}
