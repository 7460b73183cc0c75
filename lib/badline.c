/*
 * Reports of bad input lines, rate-limited deterministically.
 */
#include <stdarg.h>
#include <stdio.h>

#include "badline.h"
#include "clock.h"
#include "json.h"
#include "log.h"

static const char *
noun(const struct badline *b)
{
	return b->noun != NULL ? b->noun : "line";
}

static void
summarise(struct badline *b, int64_t now)
{
	if (b->unsaid > 0)
		log_warn("%llu more bad %ss", (unsigned long long)b->unsaid,
		    noun(b));
	b->unsaid = 0;
	b->last_summary_ms = now;
}

void
badline_report(struct badline *b, uint64_t lineno, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	b->total++;
	if (b->total > BADLINE_BURST) {
		b->unsaid++;
		badline_tick(b);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warn("%s %llu: %s", noun(b), (unsigned long long)lineno, why);
	if (b->total == BADLINE_BURST)
		b->last_summary_ms = clock_ms();
}

void
badline_json(struct badline *b, uint64_t lineno, const struct json_error *je)
{
	badline_report(b, lineno, "not valid JSON: %s at byte %zu%s", je->what,
	    je->offset + 1, je->incomplete ? " (a value continues on the next "
	    "line? put one value per line, e.g. with jq -c)" : "");
}

void
badline_tick(struct badline *b)
{
	int64_t now;

	if (b->unsaid == 0)
		return;
	now = clock_ms();
	if (now - b->last_summary_ms >= BADLINE_SUMMARY_MS)
		summarise(b, now);
}

void
badline_flush(struct badline *b)
{
	summarise(b, clock_ms());
}
