/*
 * ws-snapshot's engine: JSON lines from stdin folded into a state, which
 * is written to stdout, -o and --state-file as it changes.
 *
 * One thread and one poll() loop over stdin, a self-pipe for SIGINT and
 * SIGTERM, and stdout (to notice a reader that went away while the input
 * is quiet), with the next --ttl expiry, --every deadline or bad-line
 * summary as its timeout.
 *
 * When the state changes it is written as one line to stdout. Lines are
 * gathered and written out before the loop waits again, so a burst of
 * input costs few write calls and nothing stays buffered while the input
 * is quiet. The files (-o, --state-file) are replaced after each batch of
 * input read at once, and after a timer changed the state. With --every
 * all three are written at most once per interval: a change after a quiet
 * interval is written at once, later ones when the interval ends, with the
 * state as it is then, unless it is the same text as the last one written.
 */
#ifndef WSFEED_SNAPSHOT_H
#define WSFEED_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "badline.h"
#include "buf.h"
#include "jqf.h"
#include "lines.h"
#include "state.h"
#include "statefile.h"

/* What the command line says, besides the fold. */
struct snapshot_config {
	struct jqf *filter;	/* -f, or NULL; owned by the snapshot */
	size_t max_line;	/* --max-line */
	int64_t every_ms;	/* --every; 0 writes each change */
	const char *state_path;	/* --state-file, or NULL */
	const char *out_path;	/* -o, or NULL */
};

/* A running ws-snapshot. Fields are private to snapshot.c. */
struct snapshot {
	struct snapshot_config cfg;
	struct state state;		/* the folds */
	struct statefile sfile;		/* --state-file */
	struct statefile ofile;		/* -o, if out_path */
	bool loaded;			/* the state came from the file */
	struct lines lines;		/* stdin split into lines */
	struct badline bad;		/* reports of bad lines */
	struct buf out;			/* stdout bytes not yet written */
	struct buf written;		/* --every: the last text written */
	struct buf file;		/* the text and a newline, for files */
	struct buf why;			/* why an event was refused */
	struct buf ferr;		/* why -f failed */
	uint64_t lineno;		/* the line being folded */
	int64_t now;			/* clock_ms() of this turn */
	int64_t next_write_ms;		/* --every: no write before */
	bool pending;			/* --every: a change to write */
	bool files_behind;		/* the files need a save */
	bool sfile_failing;		/* the last state save failed */
	bool ofile_failing;		/* the last save of -o failed */
	bool stdout_gone;		/* stdout's reader went away */
	bool eof;			/* no more input */
	bool done;			/* leave the loop */
	int status;			/* exit status so far */
	int sigpipe[2];			/* the self-pipe for signals */
};

/*
 * Set up s for cfg and the fold scfg; s takes ownership of the jq
 * programs of both. With a state file, it loads the state now. Returns 0,
 * or -1 after logging why (a directory that cannot be opened, a state
 * file that cannot be read, is not JSON or does not fit the fold); the
 * caller still calls snapshot_release.
 */
int snapshot_init(struct snapshot *s, const struct snapshot_config *cfg,
    const struct state_config *scfg);

/*
 * Read stdin to its end, or to the first SIGINT or SIGTERM, or until
 * stdout goes away, writing the state as it changes; a pending state is
 * written before returning. A second signal exits the process at once,
 * with status 0. Returns the exit status: 0, or 1 when stdin could not be
 * read, memory ran out, stdout failed (other than its reader going away)
 * or the last save of a file failed.
 */
int snapshot_run(struct snapshot *s);

/* Free everything s holds and print what bad-line reports are unsaid. */
void snapshot_release(struct snapshot *s);

#endif
