/*
 * Clocks: monotonic milliseconds for timers, wall time for event stamps.
 */
#ifndef WSFEED_CLOCK_H
#define WSFEED_CLOCK_H

#include <stdint.h>

/* Milliseconds on the monotonic clock (never jumps with the wall clock). */
int64_t clock_ms(void);

/* Unix time in seconds, with sub-second precision. */
double clock_unix(void);

#endif
