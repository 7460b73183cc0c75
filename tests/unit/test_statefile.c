/*
 * Tests of lib/statefile.c: atomic saves and a loader that refuses and
 * keeps a corrupt file.
 *
 * fsync and renameat are replaced here by wrappers that record each call
 * (and can fail on purpose) before calling the C library's own, so that a
 * test can check the order of a save: temporary file written and synced,
 * renamed over the file, directory synced.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jv.h>

#include "buf.h"
#include "statefile.h"
#include "tap.h"

static char dir[1024];	/* this run's scratch directory */
static struct buf calls;	/* "fsync file NAME [TARGET];rename ..." */
static int fsync_errno;		/* nonzero: fsync fails with it */

/* The name of the file behind fd, without its directory. */
static void
add_fd_name(struct buf *b, int fd)
{
	char link[64], target[PATH_MAX];
	ssize_t n;
	const char *slash;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	slash = strrchr(target, '/');
	buf_adds(b, slash != NULL ? slash + 1 : target);
}

/* The contents of a file of the scratch directory, "-" if missing. */
static void
add_contents(struct buf *b, const char *name)
{
	char path[2048], data[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL) {
		buf_adds(b, "-");
		return;
	}
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	while (n > 0 && data[n - 1] == '\n')
		n--;
	buf_add(b, data, n);
}

int
fsync(int fd)
{
	static int (*real)(int);
	struct stat st;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "fsync");
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		buf_adds(&calls, "fsync dir;");
	else {
		buf_adds(&calls, "fsync file ");
		add_fd_name(&calls, fd);
		/* What a crash at this moment would leave. */
		buf_adds(&calls, " [s.json: ");
		add_contents(&calls, "s.json");
		buf_adds(&calls, "];");
	}
	if (fsync_errno != 0) {
		errno = fsync_errno;
		return -1;
	}
	return real(fd);
}

int
renameat(int olddirfd, const char *oldpath, int newdirfd,
    const char *newpath)
{
	static int (*real)(int, const char *, int, const char *);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "renameat");
	buf_addf(&calls, "rename %s %s;", oldpath, newpath);
	return real(olddirfd, oldpath, newdirfd, newpath);
}

/* A path in the scratch directory; four can be in use at once. */
static const char *
path_of(const char *name)
{
	static char paths[4][2048];
	static int next;
	char *path = paths[next++ % 4];

	snprintf(path, sizeof(paths[0]), "%s/%s", dir, name);
	return path;
}

/* All the bytes of a file of the scratch directory. */
static void
read_exact(struct buf *b, const char *name)
{
	char data[4096];
	FILE *f = fopen(path_of(name), "r");
	size_t n;

	buf_reset(b);
	/* Never NULL, even for an empty file: it goes to memcmp. */
	buf_reserve(b, 1);
	while (f != NULL && (n = fread(data, 1, sizeof(data), f)) > 0)
		buf_add(b, data, n);
	if (f != NULL)
		fclose(f);
}

static void
put_file(const char *name, const char *data, size_t len)
{
	FILE *f = fopen(path_of(name), "w");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		printf("# cannot write %s\n", path_of(name));
		exit(1);
	}
}

/* Names in the scratch directory, sorted, joined by spaces. */
static void
listing(struct buf *out)
{
	struct dirent **names;
	int i, n = scandir(dir, &names, NULL, alphasort);

	buf_reset(out);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' || (strcmp(names[i]->d_name,
		    ".") != 0 && strcmp(names[i]->d_name, "..") != 0))
			buf_addf(out, "%s%s", out->len ? " " : "",
			    names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

static void
clear_dir(void)
{
	struct dirent *d;
	DIR *dp = opendir(dir);

	while (dp != NULL && (d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 ||
		    strcmp(d->d_name, "..") == 0)
			continue;
		if (unlink(path_of(d->d_name)) < 0)
			rmdir(path_of(d->d_name));
	}
	if (dp != NULL)
		closedir(dp);
}

/* The expected temporary name of s.json. */
static const char *
tmp_name(void)
{
	static char name[64];

	snprintf(name, sizeof(name), ".s.json.%ld.tmp", (long)getpid());
	return name;
}

static void
test_missing_save_load(void)
{
	struct statefile sf;
	struct buf err = { 0 }, ls = { 0 };
	jv v = jv_null();

	clear_dir();
	CHECK_INT(statefile_init(&sf, path_of("s.json"), true, &err), 0);
	CHECK_INT(statefile_load(&sf, &v, &err), 0);
	CHECK_INT(statefile_save(&sf, "{\"a\":1}\n", 8, &err), 0);
	listing(&ls);
	CHECK_STR(ls.data, "s.json");
	CHECK_INT(statefile_load(&sf, &v, &err), 1);
	CHECK(jv_equal(v, jv_parse("{\"a\": 1}")));
	CHECK_INT(err.len, 0);
	statefile_release(&sf);
	buf_release(&err);
	buf_release(&ls);
}

static void
test_save_steps(void)
{
	struct statefile sf;
	struct buf err = { 0 }, want = { 0 };

	clear_dir();
	put_file("s.json", "1\n", 2);
	CHECK_INT(statefile_init(&sf, path_of("s.json"), true, &err), 0);
	buf_reset(&calls);
	CHECK_INT(statefile_save(&sf, "2\n", 2, &err), 0);
	buf_addf(&want, "fsync file %s [s.json: 1];rename %s s.json;"
	    "fsync dir;", tmp_name(), tmp_name());
	CHECK_STR(calls.data, want.data);
	buf_reset(&want);
	add_contents(&want, "s.json");
	CHECK_STR(want.data, "2");
	statefile_release(&sf);

	/* Without sync (-o): the same rename, no fsync. */
	CHECK_INT(statefile_init(&sf, path_of("s.json"), false, &err), 0);
	buf_reset(&calls);
	CHECK_INT(statefile_save(&sf, "3\n", 2, &err), 0);
	buf_reset(&want);
	buf_addf(&want, "rename %s s.json;", tmp_name());
	CHECK_STR(calls.data, want.data);
	statefile_release(&sf);
	buf_release(&err);
	buf_release(&want);
}

/* Each of these is refused, and the file is left byte for byte. */
static void
test_corrupt_left_alone(void)
{
	static const struct {
		const char *data;
		size_t len;
		const char *why;
	} cases[] = {
		{ "", 0, "empty, not a JSON value" },
		{ "{\"a\": 1", 7, "not valid JSON: expected ',' or '}' "
		    "at byte 8" },
		{ "{\"a\":1}\n{\"a\":2}\n", 16, "not valid JSON: unexpected "
		    "data after the value at byte 9" },
		{ "nan", 3, "not valid JSON: invalid literal at byte 2" },
		{ "\"\xff\"", 3, "not valid JSON: invalid UTF-8 in string at "
		    "byte 2" },
		{ "[1]\0", 4, "not valid JSON: unexpected data after the "
		    "value at byte 4" },
	};
	struct statefile sf;
	struct buf err = { 0 }, after = { 0 };
	struct stat st1, st2;
	size_t i;
	jv v;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		clear_dir();
		put_file("s.json", cases[i].data, cases[i].len);
		stat(path_of("s.json"), &st1);
		CHECK_INT(statefile_init(&sf, path_of("s.json"), true, &err),
		    0);
		buf_reset(&err);
		CHECK_INT(statefile_load(&sf, &v, &err), -1);
		CHECK_STR(err.data, cases[i].why);
		statefile_release(&sf);
		buf_reset(&after);
		stat(path_of("s.json"), &st2);
		CHECK_INT(st2.st_size, cases[i].len);
		CHECK_INT(st2.st_ino, st1.st_ino);
		CHECK(st2.st_mtim.tv_sec == st1.st_mtim.tv_sec &&
		    st2.st_mtim.tv_nsec == st1.st_mtim.tv_nsec);
		read_exact(&after, "s.json");
		CHECK_MEM(after.data, after.len, cases[i].data,
		    cases[i].len);
	}
	buf_release(&err);
	buf_release(&after);
}

static void
test_not_a_file(void)
{
	struct statefile sf;
	struct buf err = { 0 };
	jv v;

	clear_dir();
	mkdir(path_of("s.json"), 0700);
	CHECK_INT(statefile_init(&sf, path_of("s.json"), true, &err), -1);
	CHECK_STR(err.data, "not a regular file: refusing to replace it");
	buf_reset(&err);
	CHECK_INT(mkfifo(path_of("f.json"), 0600), 0);
	CHECK_INT(statefile_init(&sf, path_of("f.json"), true, &err), -1);
	CHECK_STR(err.data, "not a regular file: refusing to replace it");
	buf_reset(&err);
	CHECK_INT(symlink("s.json", path_of("l.json")), 0);
	CHECK_INT(statefile_init(&sf, path_of("l.json"), true, &err), -1);
	CHECK_STR(err.data, "a symbolic link: give the path of the file "
	    "itself");
	buf_reset(&err);
	/* The loader refuses what appeared after the start, too. */
	CHECK_INT(statefile_init(&sf, path_of("later.json"), true, &err), 0);
	mkdir(path_of("later.json"), 0700);
	CHECK_INT(statefile_load(&sf, &v, &err), -1);
	CHECK_STR(err.data, "not a regular file");
	statefile_release(&sf);
	buf_reset(&err);
	CHECK_INT(statefile_init(&sf, path_of("nodir/s.json"), true, &err),
	    -1);
	CHECK(strstr(err.data, "cannot open its directory") != NULL);
	CHECK(strstr(err.data, "No such file or directory") != NULL);
	buf_reset(&err);
	CHECK_INT(statefile_init(&sf, path_of(""), true, &err), -1);
	CHECK_STR(err.data, "names a directory, not a file");
	buf_release(&err);
}

/* A failing step leaves the old file and no temporary file. */
static void
test_failures_keep_old_file(void)
{
	struct statefile sf;
	struct buf err = { 0 }, ls = { 0 }, got = { 0 };
	struct rlimit old, small;

	clear_dir();
	put_file("s.json", "1\n", 2);
	CHECK_INT(statefile_init(&sf, path_of("s.json"), true, &err), 0);

	fsync_errno = EIO;
	CHECK_INT(statefile_save(&sf, "2\n", 2, &err), -1);
	fsync_errno = 0;
	CHECK(strncmp(err.data, "fsync .s.json.", 14) == 0);
	CHECK(strstr(err.data, ": Input/output error") != NULL);
	listing(&ls);
	CHECK_STR(ls.data, "s.json");
	add_contents(&got, "s.json");
	CHECK_STR(got.data, "1");

	/* A full disk, as a file size limit. */
	buf_reset(&err);
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = 10;
	signal(SIGXFSZ, SIG_IGN);
	/* Our stdout may be a file too: nothing must wait to be written. */
	fflush(stdout);
	setrlimit(RLIMIT_FSIZE, &small);
	CHECK_INT(statefile_save(&sf, "[1,2,3,4,5,6,7,8,9]\n", 20, &err), -1);
	setrlimit(RLIMIT_FSIZE, &old);
	CHECK(strncmp(err.data, "write .s.json.", 14) == 0);
	CHECK(strstr(err.data, ": File too large") != NULL);
	listing(&ls);
	CHECK_STR(ls.data, "s.json");
	buf_reset(&got);
	add_contents(&got, "s.json");
	CHECK_STR(got.data, "1");
	statefile_release(&sf);

	/* Nothing can be renamed over a directory made after the start. */
	clear_dir();
	CHECK_INT(statefile_init(&sf, path_of("s.json"), true, &err), 0);
	mkdir(path_of("s.json"), 0700);
	buf_reset(&err);
	CHECK_INT(statefile_save(&sf, "2\n", 2, &err), -1);
	CHECK(strncmp(err.data, "rename .s.json.", 15) == 0);
	listing(&ls);
	CHECK_STR(ls.data, "s.json");
	statefile_release(&sf);
	buf_release(&err);
	buf_release(&ls);
	buf_release(&got);
}

static void
test_mode_kept(void)
{
	struct statefile sf;
	struct buf err = { 0 };
	struct stat st;
	mode_t mask = umask(022);

	clear_dir();
	CHECK_INT(statefile_init(&sf, path_of("s.json"), false, &err), 0);
	CHECK_INT(statefile_save(&sf, "1\n", 2, &err), 0);
	stat(path_of("s.json"), &st);
	CHECK_INT(st.st_mode & 07777, 0644);
	chmod(path_of("s.json"), 0640);
	CHECK_INT(statefile_save(&sf, "2\n", 2, &err), 0);
	stat(path_of("s.json"), &st);
	CHECK_INT(st.st_mode & 07777, 0640);
	statefile_release(&sf);
	umask(mask);
	buf_release(&err);
}

/* A link planted at the temporary name is not followed. */
static void
test_planted_link(void)
{
	struct statefile sf;
	struct buf err = { 0 }, got = { 0 };

	clear_dir();
	put_file("victim", "keep", 4);
	if (symlink(path_of("victim"), path_of(tmp_name())) < 0)
		TAP_FAIL_AT("symlink failed");
	CHECK_INT(statefile_init(&sf, path_of("s.json"), true, &err), 0);
	CHECK_INT(statefile_save(&sf, "5\n", 2, &err), 0);
	add_contents(&got, "victim");
	CHECK_STR(got.data, "keep");
	buf_reset(&got);
	add_contents(&got, "s.json");
	CHECK_STR(got.data, "5");
	statefile_release(&sf);
	buf_release(&err);
	buf_release(&got);
}

static void
test_same(void)
{
	char rel[2048];

	clear_dir();
	put_file("s.json", "1", 1);
	CHECK(statefile_same("a", "a"));
	CHECK(!statefile_same(path_of("s.json"), path_of("t.json")));
	snprintf(rel, sizeof(rel), "%s/./s.json", dir);
	CHECK(statefile_same(path_of("s.json"), rel));
	snprintf(rel, sizeof(rel), "%s/./t.json", dir);
	CHECK(statefile_same(path_of("t.json"), rel));
	if (link(path_of("s.json"), path_of("hard")) == 0)
		CHECK(statefile_same(path_of("s.json"), path_of("hard")));
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/wsfeed-statefile-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	TAP_RUN(test_missing_save_load);
	TAP_RUN(test_save_steps);
	TAP_RUN(test_corrupt_left_alone);
	TAP_RUN(test_not_a_file);
	TAP_RUN(test_failures_keep_old_file);
	TAP_RUN(test_mode_kept);
	TAP_RUN(test_planted_link);
	TAP_RUN(test_same);
	clear_dir();
	rmdir(dir);
	buf_release(&calls);
	return tap_done();
}
