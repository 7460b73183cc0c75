/*
 * libFuzzer target: the --static path resolver, over a small tree made
 * at start (with a symbolic link out of it). Whatever the path, what
 * comes out must lie inside the root.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docroot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[PATH_MAX];

static void
remove_root(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		return;
}

static void
make_root(void)
{
	char tmpl[] = "/tmp/wsfeed-fuzz-static-XXXXXX", p[PATH_MAX + 32];
	FILE *f;

	if (mkdtemp(tmpl) == NULL || realpath(tmpl, root) == NULL)
		abort();
	snprintf(p, sizeof(p), "%s/a", root);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/a/f.txt", root);
	if ((f = fopen(p, "w")) != NULL)
		fclose(f);
	snprintf(p, sizeof(p), "%s/out", root);
	if (symlink("/etc", p) < 0)
		abort();
	atexit(remove_root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *rel = malloc(size + 1), out[PATH_MAX];
	size_t rootlen;

	if (root[0] == '\0')
		make_root();
	if (rel == NULL)
		return 0;
	memcpy(rel, data, size);
	rel[size] = '\0';
	rootlen = strlen(root);
	if (docroot_resolve(root, rel, out, sizeof(out)) == 0 &&
	    (strncmp(out, root, rootlen) != 0 || out[rootlen] != '/'))
		abort();
	free(rel);
	return 0;
}
