/*
 * Files under a document root, for --static.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "docroot.h"

/* Whether any '/'-separated segment of rel is "." or "..". */
static int
has_dot_segment(const char *rel)
{
	const char *seg = rel;

	for (;;) {
		size_t n = strcspn(seg, "/");

		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 1;
		if (seg[n] == '\0')
			return 0;
		seg += n + 1;
	}
}

int
docroot_resolve(const char *root, const char *rel, char *out, size_t outlen)
{
	char joined[PATH_MAX], real[PATH_MAX];
	size_t rootlen = strlen(root);
	struct stat st;

	while (*rel == '/')
		rel++;
	if (has_dot_segment(rel)) {
		errno = EACCES;
		return -1;
	}
	if (snprintf(joined, sizeof(joined), "%s/%s", root, rel) >=
	    (int)sizeof(joined)) {
		errno = ENOENT;
		return -1;
	}
	if (realpath(joined, real) == NULL)
		return -1;
	/* A link may point anywhere: judge where it really leads. */
	if (strncmp(real, root, rootlen) != 0 || (real[rootlen] != '/' &&
	    real[rootlen] != '\0' && strcmp(root, "/") != 0)) {
		errno = EACCES;
		return -1;
	}
	if (stat(real, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? ENOENT : EACCES;
		return -1;
	}
	if (strlen(real) >= outlen) {
		errno = ENOENT;
		return -1;
	}
	strcpy(out, real);
	return 0;
}

const char *
docroot_type(const char *path)
{
	static const struct {
		const char *ext;
		const char *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".htm", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" },
		{ ".gif", "image/gif" },
		{ ".ico", "image/x-icon" },
		{ ".webp", "image/webp" },
		{ ".woff2", "font/woff2" },
		{ ".wasm", "application/wasm" },
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot != NULL && strchr(dot, '/') == NULL)
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}
