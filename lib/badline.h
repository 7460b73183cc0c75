/*
 * Reports of bad input lines, rate-limited deterministically.
 *
 * The first BADLINE_BURST reports are printed one by one (as warnings,
 * "line N: why"; the noun may be another, "message N: why"); later ones
 * are only counted and summed up in one line, "N more bad lines", at
 * most once per BADLINE_SUMMARY_MS. Nothing is lost: badline_flush prints
 * what is still unsaid.
 */
#ifndef WSFEED_BADLINE_H
#define WSFEED_BADLINE_H

#include <stdint.h>

#define BADLINE_BURST 10
#define BADLINE_SUMMARY_MS 10000

/* The state of one stream's reports. Zero-initialised, it is ready. */
struct badline {
	const char *noun;	/* what is counted: "line" when NULL */
	uint64_t total;		/* bad lines seen, for metrics */
	uint64_t unsaid;	/* counted since the last summary */
	int64_t last_summary_ms;	/* clock_ms() of the last summary */
};

/* Count one bad line and print or defer its report. */
void badline_report(struct badline *b, uint64_t lineno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct json_error;

/*
 * Report a line that json_check refused, with the byte and, when the
 * text ended inside a value, a hint to put one value per line.
 */
void badline_json(struct badline *b, uint64_t lineno,
    const struct json_error *je);

/* Print the summary if one is due; call from a periodic timer. */
void badline_tick(struct badline *b);

/* Print the summary of whatever is unsaid, due or not (at exit). */
void badline_flush(struct badline *b);

#endif
