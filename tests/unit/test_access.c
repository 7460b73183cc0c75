/*
 * Unit tests of lib/access.c (Origin, Host, token) and lib/docroot.c
 * (files under --static).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "docroot.h"
#include "tap.h"

static void
test_loopback_hosts(void)
{
	CHECK(access_host_is_loopback("localhost"));
	CHECK(access_host_is_loopback("LocalHost:8080"));
	CHECK(access_host_is_loopback("app.localhost:1"));
	CHECK(access_host_is_loopback("127.0.0.1"));
	CHECK(access_host_is_loopback("127.255.3.4:80"));
	CHECK(access_host_is_loopback("[::1]:8080"));
	CHECK(access_host_is_loopback("[::1]"));
	CHECK(!access_host_is_loopback("evil.example:8080"));
	CHECK(!access_host_is_loopback("localhost.evil.example"));
	CHECK(!access_host_is_loopback("xlocalhost"));
	CHECK(!access_host_is_loopback("127.0.0.1.evil.example"));
	CHECK(!access_host_is_loopback("127.0.0"));
	CHECK(!access_host_is_loopback("127.0.0.256"));
	CHECK(!access_host_is_loopback("128.0.0.1"));
	CHECK(!access_host_is_loopback("[::2]:80"));
	CHECK(!access_host_is_loopback("[::1"));
	CHECK(!access_host_is_loopback("localhost:"));
	CHECK(!access_host_is_loopback("localhost:99999"));
	CHECK(!access_host_is_loopback(""));
	CHECK(!access_host_is_loopback(NULL));
}

static void
test_same_origin(void)
{
	CHECK(access_same_origin("http://127.0.0.1:8080", "127.0.0.1:8080",
	    false));
	CHECK(access_same_origin("http://LOCALHOST:8080/", "localhost:8080",
	    false));
	CHECK(access_same_origin("http://example.com", "example.com", false));
	CHECK(access_same_origin("https://example.com", "example.com:443",
	    true));
	CHECK(access_same_origin("http://[::1]:9", "[::1]:9", false));
	CHECK(!access_same_origin("http://127.0.0.1:8081", "127.0.0.1:8080",
	    false));
	CHECK(!access_same_origin("http://evil.example:8080",
	    "127.0.0.1:8080", false));
	CHECK(!access_same_origin("https://example.com", "example.com",
	    false));
	CHECK(!access_same_origin("null", "127.0.0.1:8080", false));
	CHECK(!access_same_origin("file://", "127.0.0.1:8080", false));
	CHECK(!access_same_origin("http://127.0.0.1:8080/x",
	    "127.0.0.1:8080", false));
}

static void
test_tokens(void)
{
	CHECK(access_token_equal("s3cret", "s3cret"));
	CHECK(!access_token_equal("s3cre", "s3cret"));
	CHECK(!access_token_equal("s3cretx", "s3cret"));
	CHECK(!access_token_equal("", "s3cret"));
	CHECK(!access_token_equal("S3cret", "s3cret"));
}

static enum access_verdict
verdict(const struct access *a, const char *host, const char *origin,
    const char *auth, const char *arg, bool ws)
{
	struct access_request rq = { host, origin, auth, arg };
	const char *why = NULL;
	enum access_verdict v = access_check(a, &rq, ws, &why);

	if (v != ACCESS_OK && why == NULL)
		return (enum access_verdict)-1;
	return v;
}

static void
test_check(void)
{
	const char *const any[] = { "*", NULL };
	const char *const listed[] = { "https://dash.example", NULL };
	struct access open = { NULL, NULL, true, false };
	struct access tok = { NULL, "tk", false, false };
	struct access star = { any, NULL, true, false };
	struct access list = { listed, NULL, false, false };
	const char *h = "127.0.0.1:80";

	CHECK_INT(verdict(&open, h, NULL, NULL, NULL, true), ACCESS_OK);
	CHECK_INT(verdict(&open, h, "http://127.0.0.1", NULL, NULL, true),
	    ACCESS_OK);
	CHECK_INT(verdict(&open, h, "http://evil.example", NULL, NULL, true),
	    ACCESS_FORBIDDEN);
	/* Origin matters only for handshakes. */
	CHECK_INT(verdict(&open, h, "http://evil.example", NULL, NULL, false),
	    ACCESS_OK);
	CHECK_INT(verdict(&open, h, "null", NULL, NULL, true),
	    ACCESS_FORBIDDEN);
	CHECK_INT(verdict(&star, h, "null", NULL, NULL, true), ACCESS_OK);
	CHECK_INT(verdict(&star, h, "http://evil.example", NULL, NULL, true),
	    ACCESS_OK);
	CHECK_INT(verdict(&open, "evil.example", NULL, NULL, NULL, false),
	    ACCESS_FORBIDDEN);
	CHECK_INT(verdict(&open, NULL, NULL, NULL, NULL, false), ACCESS_OK);
	CHECK_INT(verdict(&list, "x:1", "https://dash.example:443", NULL,
	    NULL, true), ACCESS_OK);
	CHECK_INT(verdict(&list, "x:1", "http://dash.example", NULL, NULL,
	    true), ACCESS_FORBIDDEN);
	CHECK_INT(verdict(&tok, h, NULL, NULL, NULL, false),
	    ACCESS_UNAUTHORIZED);
	CHECK_INT(verdict(&tok, h, NULL, "Bearer tk", NULL, false), ACCESS_OK);
	CHECK_INT(verdict(&tok, h, NULL, "bearer   tk", NULL, true),
	    ACCESS_OK);
	CHECK_INT(verdict(&tok, h, NULL, "Basic tk", NULL, false),
	    ACCESS_UNAUTHORIZED);
	CHECK_INT(verdict(&tok, h, NULL, "Bearer no", "tk", false),
	    ACCESS_OK);
	CHECK_INT(verdict(&tok, h, NULL, NULL, "tkx", false),
	    ACCESS_UNAUTHORIZED);
	/* Host and Origin are judged before the token. */
	CHECK_INT(verdict(&(struct access){ NULL, "tk", true, false },
	    "evil.example", NULL, "Bearer tk", NULL, false),
	    ACCESS_FORBIDDEN);
}

/* A scratch tree: root/{a.txt, sub/b.css, link-out -> /etc, dir/} */
static char root[PATH_MAX];

static void
make_tree(void)
{
	char tmpl[] = "/tmp/wsfeed-docroot-XXXXXX", p[PATH_MAX + 32];
	FILE *f;

	if (mkdtemp(tmpl) == NULL || realpath(tmpl, root) == NULL)
		abort();
	snprintf(p, sizeof(p), "%s/a.txt", root);
	if ((f = fopen(p, "w")) != NULL)
		fclose(f);
	snprintf(p, sizeof(p), "%s/sub", root);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/sub/b.css", root);
	if ((f = fopen(p, "w")) != NULL)
		fclose(f);
	snprintf(p, sizeof(p), "%s/link-out", root);
	if (symlink("/etc/hostname", p) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/link-in", root);
	if (symlink("sub/b.css", p) < 0)
		abort();
}

static void
remove_tree(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		abort();
}

static int
resolve(const char *rel, char *out)
{
	errno = 0;
	return docroot_resolve(root, rel, out, PATH_MAX);
}

static void
test_docroot(void)
{
	char out[PATH_MAX], want[PATH_MAX + 16];

	make_tree();
	CHECK_INT(resolve("a.txt", out), 0);
	snprintf(want, sizeof(want), "%s/a.txt", root);
	CHECK_STR(out, want);
	CHECK_INT(resolve("sub/b.css", out), 0);
	CHECK_INT(resolve("link-in", out), 0);
	snprintf(want, sizeof(want), "%s/sub/b.css", root);
	CHECK_STR(out, want);
	CHECK_INT(resolve("../etc/passwd", out), -1);
	CHECK_INT(errno, EACCES);
	CHECK_INT(resolve("sub/../../x", out), -1);
	CHECK_INT(errno, EACCES);
	CHECK_INT(resolve("./a.txt", out), -1);
	CHECK_INT(errno, EACCES);
	CHECK_INT(resolve("link-out", out), -1);
	CHECK_INT(errno, EACCES);
	CHECK_INT(resolve("/etc/passwd", out), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(resolve("nope", out), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(resolve("sub", out), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(resolve("", out), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(resolve("..", out), -1);
	CHECK_INT(errno, EACCES);
	CHECK_STR(docroot_type("x/a.CSS"), "text/css; charset=utf-8");
	CHECK_STR(docroot_type("x.tar.gz"), "application/octet-stream");
	CHECK_STR(docroot_type("dir.d/file"), "application/octet-stream");
	remove_tree();
}

int
main(void)
{
	TAP_RUN(test_loopback_hosts);
	TAP_RUN(test_same_origin);
	TAP_RUN(test_tokens);
	TAP_RUN(test_check);
	TAP_RUN(test_docroot);
	return tap_done();
}
