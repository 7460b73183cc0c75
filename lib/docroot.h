/*
 * Files under a document root, for --static: map a request path to a file
 * that is really inside the root, whatever the path says.
 */
#ifndef WSFEED_DOCROOT_H
#define WSFEED_DOCROOT_H

#include <stddef.h>

/*
 * Resolve rel, a request path below the prefix (already URL-decoded),
 * inside root, which must be a canonical path (realpath). On success,
 * returns 0 and writes the canonical path of a regular file into out. On
 * failure returns -1 with errno ENOENT (no such file, or a directory:
 * answer 404) or EACCES (a ".." or "." segment, a path that resolves
 * outside root through a symbolic link, or no permission: answer 403).
 */
int docroot_resolve(const char *root, const char *rel, char *out,
    size_t outlen);

/* A Content-Type for path, by its extension. */
const char *docroot_type(const char *path);

#endif
