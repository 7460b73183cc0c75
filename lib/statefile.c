/*
 * A file that holds a state and is replaced atomically.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jv.h>

#include "buf.h"
#include "jqf.h"
#include "json.h"
#include "statefile.h"

/* Longest part of the file's name kept in the temporary name. */
#define TMP_BASE_MAX 200

/* Split path into a directory (malloc'ed) and a name (inside path). */
static char *
split_path(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		*base = path;
		return strdup(".");
	}
	*base = slash + 1;
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/*
 * The pid in a name of the form ".BASE.PID.tmp" (BASE cut as ours is), or
 * 0 when the name is not one of those.
 */
static long
tmp_pid(const char *name, const char *base)
{
	size_t blen = strnlen(base, TMP_BASE_MAX);
	char *end;
	long pid;

	if (name[0] != '.' || strncmp(name + 1, base, blen) != 0 ||
	    name[1 + blen] != '.')
		return 0;
	pid = strtol(name + 2 + blen, &end, 10);
	return pid > 0 && strcmp(end, ".tmp") == 0 ? pid : 0;
}

/*
 * A kill -9 during a save leaves its temporary file behind; remove those
 * whose process is gone, so that a crash loop does not fill the disk.
 */
static void
remove_stale_tmps(struct statefile *sf)
{
	struct dirent *de;
	DIR *d;
	int fd = dup(sf->dirfd);

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		long pid = tmp_pid(de->d_name, sf->base);

		if (pid != 0 && pid != (long)getpid() &&
		    kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			unlinkat(sf->dirfd, de->d_name, 0);
	}
	closedir(d);
}

int
statefile_init(struct statefile *sf, const char *path, bool sync,
    struct buf *err)
{
	struct buf tmp = { 0 };
	const char *base;
	char *dir;

	struct stat st;

	memset(sf, 0, sizeof(*sf));
	sf->dirfd = -1;
	sf->sync = sync;
	if ((dir = split_path(path, &base)) == NULL) {
		buf_adds(err, "out of memory");
		return -1;
	}
	if (*base == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0) {
		buf_adds(err, "names a directory, not a file");
		free(dir);
		return -1;
	}
	/*
	 * The save renames a new file over the path: a symbolic link, a
	 * FIFO or a device there would be replaced, not written to.
	 */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		buf_adds(err, S_ISLNK(st.st_mode) ? "a symbolic link: give the "
		    "path of the file itself" : "not a regular file: refusing "
		    "to replace it");
		free(dir);
		return -1;
	}
	sf->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sf->dirfd < 0) {
		buf_addf(err, "cannot open its directory %s: %s", dir,
		    strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	/* Hidden, and named by our pid: no other live process uses it. */
	buf_addf(&tmp, ".%.*s.%ld.tmp", TMP_BASE_MAX, base, (long)getpid());
	sf->path = strdup(path);
	sf->base = strdup(base);
	sf->tmp = buf_detach(&tmp, NULL);
	if (sf->path == NULL || sf->base == NULL || sf->tmp == NULL) {
		buf_adds(err, "out of memory");
		statefile_release(sf);
		return -1;
	}
	remove_stale_tmps(sf);
	return 0;
}

void
statefile_release(struct statefile *sf)
{
	if (sf->dirfd >= 0)
		close(sf->dirfd);
	sf->dirfd = -1;
	free(sf->path);
	free(sf->base);
	free(sf->tmp);
	sf->path = sf->base = sf->tmp = NULL;
}

/* Read all of fd into b. Returns 0 or -1 (errno set). */
static int
read_all(int fd, struct buf *b)
{
	ssize_t n;

	for (;;) {
		if (buf_reserve(b, 65536) < 0) {
			errno = ENOMEM;
			return -1;
		}
		n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		b->len += (size_t)n;
		b->data[b->len] = '\0';
	}
}

/* Check and parse the bytes read; see statefile_load. */
static int
parse_state(const struct buf *b, jv *out, struct buf *err)
{
	struct json_error je;

	if (b->len == 0) {
		buf_adds(err, "empty, not a JSON value");
		return -1;
	}
	if (json_check(b->data, b->len, &je) < 0) {
		buf_addf(err, "not valid JSON: %s at byte %zu", je.what,
		    je.offset + 1);
		return -1;
	}
	return jqf_parse(b->data, b->len, out, err);
}

int
statefile_load(struct statefile *sf, jv *out, struct buf *err)
{
	struct buf b = { 0 };
	struct stat st;
	int fd, rc;

	fd = openat(sf->dirfd, sf->base, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		buf_addf(err, "cannot read: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_adds(err, "not a regular file");
		close(fd);
		return -1;
	}
	if (read_all(fd, &b) < 0) {
		buf_addf(err, "cannot read: %s", strerror(errno));
		close(fd);
		buf_release(&b);
		return -1;
	}
	close(fd);
	rc = parse_state(&b, out, err);
	buf_release(&b);
	return rc < 0 ? -1 : 1;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Create the temporary file. A leftover of ours (a process with our pid
 * that was killed) or anything planted there, a symbolic link included,
 * is removed first; O_EXCL then refuses to follow whatever raced in.
 */
static int
tmp_create(struct statefile *sf)
{
	struct stat st;
	int fd;

	if (unlinkat(sf->dirfd, sf->tmp, 0) < 0 && errno != ENOENT)
		return -1;
	fd = openat(sf->dirfd, sf->tmp,
	    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	if (fstatat(sf->dirfd, sf->base, &st, 0) == 0 &&
	    fchmod(fd, st.st_mode & 07777) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
statefile_save(struct statefile *sf, const char *data, size_t len,
    struct buf *err)
{
	const char *step = "create";
	int fd, rc, saved;

	if ((fd = tmp_create(sf)) < 0)
		goto fail;
	step = "write";
	if (write_all(fd, data, len) < 0)
		goto fail;
	step = "fsync";
	if (sf->sync && fsync(fd) < 0)
		goto fail;
	/* A network file system may report a failed write only here. */
	step = "close";
	rc = close(fd);
	fd = -1;
	if (rc < 0)
		goto fail;
	step = "rename";
	if (renameat(sf->dirfd, sf->tmp, sf->dirfd, sf->base) < 0)
		goto fail;
	/* The rename itself is durable only once the directory is synced. */
	if (sf->sync && fsync(sf->dirfd) < 0) {
		buf_addf(err, "fsync of the directory: %s", strerror(errno));
		return -1;
	}
	return 0;
fail:
	saved = errno;
	buf_addf(err, "%s %s: %s", step, sf->tmp, strerror(saved));
	if (fd >= 0)
		close(fd);
	unlinkat(sf->dirfd, sf->tmp, 0);
	errno = saved;
	return -1;
}

/* The file's directory, resolved, and its name: "/abs/dir/name". */
static char *
canonical(const char *path)
{
	const char *base;
	char *dir = split_path(path, &base), *real, *out = NULL;
	struct buf b = { 0 };

	if (dir == NULL)
		return NULL;
	if ((real = realpath(dir, NULL)) != NULL &&
	    buf_addf(&b, "%s/%s", real, base) == 0)
		out = buf_detach(&b, NULL);
	free(real);
	free(dir);
	return out;
}

bool
statefile_same(const char *a, const char *b)
{
	struct stat sa, sb;
	char *ca, *cb;
	bool same;

	if (strcmp(a, b) == 0)
		return true;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	ca = canonical(a);
	cb = canonical(b);
	same = ca != NULL && cb != NULL && strcmp(ca, cb) == 0;
	free(ca);
	free(cb);
	return same;
}
