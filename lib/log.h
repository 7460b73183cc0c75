/*
 * Logging to stderr as "PROG: message".
 *
 * Only data goes to stdout; everything a program says goes through here.
 * The level is set once from -q and -v; the macros test it before they
 * evaluate their arguments, so a disabled debug line costs one compare.
 * A format that ends in ':' gets ": " and strerror(errno) appended, errno
 * being saved before anything else runs.
 */
#ifndef WSFEED_LOG_H
#define WSFEED_LOG_H

#include <stddef.h>

/* Levels, most important first. */
enum log_level {
	LVL_ERR,	/* -q keeps only these */
	LVL_WARN,
	LVL_NOTICE,	/* the default */
	LVL_INFO,	/* -v */
	LVL_DEBUG	/* -vv */
};

/* The highest level printed; read by the macros. */
extern int log_level;

/* Name lines with prog (the base name is kept) and set the level. */
void log_init(const char *prog, int level);

/* The program name given to log_init. */
const char *log_prog(void);

/* Level from the count of -v and whether -q was given. */
int log_level_from(int verbose, int quiet);

/* Print one line at the given level (no level check). */
void log_emit(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print one line whatever the level (e.g. the "listening on" line). */
void log_always(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Write len bytes to stderr as they are, in one write, whatever the level:
 * for lines that scripts read, such as ws-listen's --events objects. The
 * caller includes the newline.
 */
void log_plain(const char *line, size_t len);

/*
 * Route libwebsockets' own lines through log_emit: its errors become our
 * info (-v), the rest debug (-vv). Call before creating a
 * context, and again after a level change.
 */
void log_route_lws(void);

/* Sees a libwebsockets line (one LLL_ level bit, text with its newline). */
typedef void (*log_lws_watch_cb)(int lws_level, const char *line, void *arg);

/*
 * Let cb see every libwebsockets line of the given LLL_ levels, whether
 * or not it is printed, until called again with cb NULL. Some causes
 * (the errno of a refused connect, why a certificate failed) exist only
 * in lws's log. Watching LLL_DEBUG costs formatting many lines: watch
 * only while it matters. Re-routes lws's log at once.
 */
void log_watch_lws(log_lws_watch_cb cb, void *arg, int lws_levels);

#define log_at(lvl, ...)						\
	do {								\
		if ((lvl) <= log_level)					\
			log_emit((lvl), __VA_ARGS__);			\
	} while (0)

#define log_err(...) log_at(LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_at(LVL_WARN, __VA_ARGS__)
#define log_notice(...) log_at(LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_at(LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LVL_DEBUG, __VA_ARGS__)

#endif
