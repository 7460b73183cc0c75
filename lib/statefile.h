/*
 * A file that holds a state and is replaced atomically with each new one
 * (--state-file, -o).
 *
 * A save writes a temporary file in the same directory, optionally syncs
 * it, renames it over the file and syncs the directory, so that a reader,
 * a crash or a kill -9 sees either the old state or the new one, never a
 * torn file. A load refuses a file that is not exactly one JSON value
 * (RFC 8259, checked strictly) and never changes it.
 */
#ifndef WSFEED_STATEFILE_H
#define WSFEED_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>

#include <jv.h>

#include "buf.h"

/* One file. Fields are private to statefile.c. */
struct statefile {
	char *path;		/* as given, for messages */
	char *base;		/* its name within its directory */
	char *tmp;		/* the temporary name within the directory */
	int dirfd;		/* its directory, for openat and fsync */
	bool sync;		/* sync the file and the directory on save */
};

/*
 * Set up sf for path; sync makes each save durable (fsync of the file
 * before the rename and of the directory after it). The directory is
 * opened now, so that a missing one is an error at start. Returns 0, or
 * -1 with why in err.
 */
int statefile_init(struct statefile *sf, const char *path, bool sync,
    struct buf *err);

/* Close the directory and free sf's contents. */
void statefile_release(struct statefile *sf);

/*
 * Read the file. Returns 1 with its value in *out (the caller owns it), 0
 * when there is no file, or -1 with why in err: unreadable, empty, not
 * valid JSON, more than one value.
 */
int statefile_load(struct statefile *sf, jv *out, struct buf *err);

/*
 * Replace the file's contents by the len bytes at data, atomically. The
 * new file keeps the mode of the one it replaces (new files get 0666 less
 * the umask). Returns 0, or -1 with why in err; the file is then as it
 * was and the temporary file is removed.
 */
int statefile_save(struct statefile *sf, const char *data, size_t len,
    struct buf *err);

/* Whether paths a and b name the same file (same string or inode). */
bool statefile_same(const char *a, const char *b);

#endif
