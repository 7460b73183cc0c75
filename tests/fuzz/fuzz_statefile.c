/*
 * libFuzzer target: the state-file loader. The input is written as a
 * state file in a scratch directory made at start, then loaded: either
 * one valid JSON value comes back or a reason does, and the file is left
 * exactly as it was.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "statefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[PATH_MAX], path[PATH_MAX + 16];

static void
remove_dir(void)
{
	unlink(path);
	rmdir(dir);
}

static void
make_dir(void)
{
	char tmpl[] = "/tmp/wsfeed-fuzz-state-XXXXXX";

	if (mkdtemp(tmpl) == NULL)
		abort();
	strcpy(dir, tmpl);
	snprintf(path, sizeof(path), "%s/s.json", dir);
	atexit(remove_dir);
}

static void
put(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct statefile sf;
	struct buf err = { 0 };
	char *after;
	jv v = jv_invalid();
	FILE *f;
	long n;

	if (dir[0] == '\0')
		make_dir();
	put(data, size);
	if (statefile_init(&sf, path, false, &err) < 0)
		abort();
	switch (statefile_load(&sf, &v, &err)) {
	case 1:
		if (!jv_is_valid(v))
			abort();
		jv_free(v);
		break;
	case -1:
		if (err.len == 0)
			abort();
		break;
	default:		/* "no file", but there is one */
		abort();
	}
	statefile_release(&sf);
	buf_release(&err);
	/* Loading never touches the file. */
	if ((f = fopen(path, "rb")) == NULL || (after = malloc(size + 1)) ==
	    NULL)
		abort();
	n = (long)fread(after, 1, size + 1, f);
	fclose(f);
	if (n != (long)size || memcmp(after, data, size) != 0)
		abort();
	free(after);
	return 0;
}
