/*
 * Tests of lib/url.c: a table of good URLs with what they split into, and
 * a table of bad ones with the exact reason each gets.
 */
#include <string.h>

#include "tap.h"
#include "url.h"

struct good {
	const char *in;
	int tls;
	const char *host;
	int ipv6;
	int port;
	const char *path;
	const char *host_header;
};

static const struct good goods[] = {
	{ "ws://127.0.0.1:8080/vmstat", 0, "127.0.0.1", 0, 8080, "/vmstat",
	    "127.0.0.1:8080" },
	{ "ws://127.0.0.1", 0, "127.0.0.1", 0, 80, "/", "127.0.0.1" },
	{ "ws://127.0.0.1/", 0, "127.0.0.1", 0, 80, "/", "127.0.0.1" },
	{ "wss://example.org/feed", 1, "example.org", 0, 443, "/feed",
	    "example.org" },
	{ "wss://example.org:443/", 1, "example.org", 0, 443, "/",
	    "example.org" },
	{ "wss://example.org:80/", 1, "example.org", 0, 80, "/",
	    "example.org:80" },
	{ "ws://example.org:443/", 0, "example.org", 0, 443, "/",
	    "example.org:443" },
	{ "WS://Example.ORG:9/x", 0, "Example.ORG", 0, 9, "/x",
	    "Example.ORG:9" },
	{ "WsS://h/", 1, "h", 0, 443, "/", "h" },
	{ "ws://[::1]:8080/room", 0, "::1", 1, 8080, "/room", "[::1]:8080" },
	{ "ws://[::1]/", 0, "::1", 1, 80, "/", "[::1]" },
	{ "ws://[::1]", 0, "::1", 1, 80, "/", "[::1]" },
	{ "wss://[2001:db8::7]:1/a", 1, "2001:db8::7", 1, 1, "/a",
	    "[2001:db8::7]:1" },
	{ "ws://[::ffff:127.0.0.1]:5/", 0, "::ffff:127.0.0.1", 1, 5, "/",
	    "[::ffff:127.0.0.1]:5" },
	{ "ws://localhost:65535/a/b/c?x=1&y=%20z", 0, "localhost", 0, 65535,
	    "/a/b/c?x=1&y=%20z", "localhost:65535" },
	{ "ws://h?token=abc", 0, "h", 0, 80, "/?token=abc", "h" },
	{ "ws://h:81?q", 0, "h", 0, 81, "/?q", "h:81" },
	{ "ws://my_host-1.example:8000/", 0, "my_host-1.example", 0, 8000,
	    "/", "my_host-1.example:8000" },
	{ "ws://h:00080/", 0, "h", 0, 80, "/", "h" },
	{ "ws://h//double//slash", 0, "h", 0, 80, "//double//slash", "h" },
	{ "ws://h/%41%2f%2F", 0, "h", 0, 80, "/%41%2f%2F", "h" },
	{ "ws://h/a:b@c;d=e,f(g)!$'*+~", 0, "h", 0, 80,
	    "/a:b@c;d=e,f(g)!$'*+~", "h" },
	{ "ws://10.0.0.1:1/", 0, "10.0.0.1", 0, 1, "/", "10.0.0.1:1" },
};

struct bad {
	const char *in;
	const char *why;
};

static const struct bad bads[] = {
	{ "", "empty URL" },
	{ "127.0.0.1:8080", "no scheme: expected ws:// or wss://" },
	{ "ws:/h/", "no scheme: expected ws:// or wss://" },
	{ "http://h/", "scheme 'http' is not ws or wss" },
	{ "https://h/", "scheme 'https' is not ws or wss" },
	{ "://h/", "scheme '' is not ws or wss" },
	{ "wss2://h/", "scheme 'wss2' is not ws or wss" },
	{ "ws://", "no host" },
	{ "ws://a..b/", "empty label in host name 'a..b'" },
	{ "ws://.a/", "empty label in host name '.a'" },
	{ "ws://-a/", "label starts or ends with '-' in host name '-a'" },
	{ "ws://a-.b/", "label starts or ends with '-' in host name 'a-.b'" },
	{ "ws:///room", "no host" },
	{ "ws://:8080/", "no host" },
	{ "ws://?x", "no host" },
	{ "ws://h:/", "empty port after ':'" },
	{ "ws://h:http/", "bad port 'http'" },
	{ "ws://h:-1/", "bad port '-1'" },
	{ "ws://h:+80/", "bad port '+80'" },
	{ "ws://h:0/", "port 0 is out of range (1-65535)" },
	{ "ws://h:65536/", "port 65536 is out of range (1-65535)" },
	{ "ws://h:99999999999/",
	    "port 99999999999 is out of range (1-65535)" },
	{ "ws://::1/", "an IPv6 address needs brackets, as in "
	    "ws://[::1]:8080/" },
	{ "ws://::1:8080/", "an IPv6 address needs brackets, as in "
	    "ws://[::1]:8080/" },
	{ "ws://[::1/", "'[' without ']'" },
	{ "ws://[::1:8080", "'[' without ']'" },
	{ "ws://[]:80/", "bad IPv6 address ''" },
	{ "ws://[zz::1]:80/", "bad IPv6 address 'zz::1'" },
	{ "ws://[127.0.0.1]/", "bad IPv6 address '127.0.0.1'" },
	{ "ws://[::1]x/", "expected ':' or the path after ']'" },
	{ "ws://[::1]:/", "empty port after ':'" },
	{ "ws://[::1]:0/", "port 0 is out of range (1-65535)" },
	{ "ws://256.1.1.1/", "bad IPv4 address '256.1.1.1'" },
	{ "ws://1.2.3/", "bad IPv4 address '1.2.3'" },
	{ "ws://1.2.3.4.5/", "bad IPv4 address '1.2.3.4.5'" },
	{ "ws://h!st/", "bad character '!' in host" },
	{ "ws://h%41/", "bad character '%' in host" },
	{ "ws://user@h/", "user info ('user@') is not supported" },
	{ "ws://user:pw@h:80/", "user info ('user@') is not supported" },
	{ "ws://h/a#frag", "a fragment ('#') is not allowed in a WebSocket "
	    "URL" },
	{ "ws://h/a b", "space or control character at byte 9" },
	{ "ws://h/a\tb", "space or control character at byte 9" },
	{ " ws://h/", "space or control character at byte 1" },
	{ "ws://h/\x7f", "space or control character at byte 8" },
	{ "ws://h/caf\xc3\xa9", "non-ASCII byte at byte 11: percent-encode "
	    "it" },
	{ "ws://h/%zz", "bad percent escape at byte 8" },
	{ "ws://h/a%2", "bad percent escape at byte 9" },
	{ "ws://h/?q=%", "bad percent escape at byte 11" },
};

static void
test_good_urls(void)
{
	size_t i;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];
		struct url u;
		char err[128] = "";

		printf("# %s\n", g->in);
		CHECK_INT(url_parse(g->in, &u, err, sizeof(err)), 0);
		CHECK_STR(err, "");
		CHECK_INT(u.tls, g->tls);
		CHECK_STR(u.host, g->host);
		CHECK_INT(u.ipv6, g->ipv6);
		CHECK_INT(u.port, g->port);
		CHECK_STR(u.path, g->path);
		CHECK_STR(u.host_header, g->host_header);
	}
}

static void
test_bad_urls(void)
{
	size_t i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct url u;
		char err[128] = "";

		CHECK_INT(url_parse(bads[i].in, &u, err, sizeof(err)), -1);
		CHECK_STR(err, bads[i].why);
	}
}

static void
test_long_host_and_path(void)
{
	char s[URL_PATH_MAX + 64], err[128];
	struct url u;

	/* 253 characters is the longest name; 254 is refused. */
	strcpy(s, "ws://");
	memset(s + 5, 'a', 253);
	s[5 + 63] = s[5 + 127] = s[5 + 191] = '.';	/* labels <= 63 */
	strcpy(s + 5 + 253, ":1/");
	CHECK_INT(url_parse(s, &u, err, sizeof(err)), 0);
	CHECK_INT(strlen(u.host), 253);
	CHECK_STR(u.host_header + 253, ":1");
	memset(s + 5, 'a', 254);
	strcpy(s + 5 + 254, ":1/");
	CHECK_INT(url_parse(s, &u, err, sizeof(err)), -1);
	CHECK_STR(err, "host name longer than 253 characters");

	/* A label is at most 63 characters. */
	strcpy(s, "ws://");
	memset(s + 5, 'b', 64);
	strcpy(s + 5 + 64, "/");
	CHECK_INT(url_parse(s, &u, err, sizeof(err)), -1);
	CHECK_STR(err, "label over 63 characters in host name");
	s[5 + 63] = '.';
	CHECK_INT(url_parse(s, &u, err, sizeof(err)), 0);

	/* The path, query included, may be URL_PATH_MAX bytes. */
	strcpy(s, "ws://h");
	memset(s + 6, 'p', URL_PATH_MAX);
	s[6] = '/';
	s[6 + URL_PATH_MAX] = '\0';
	CHECK_INT(url_parse(s, &u, err, sizeof(err)), 0);
	CHECK_INT(strlen(u.path), URL_PATH_MAX);
	strcpy(s + 6 + URL_PATH_MAX, "p");
	CHECK_INT(url_parse(s, &u, err, sizeof(err)), -1);
	CHECK_STR(err, "path longer than 2048 bytes");

	/* A query alone gets its '/', which counts. */
	memset(s + 6, 'q', URL_PATH_MAX);
	s[6] = '?';
	s[6 + URL_PATH_MAX] = '\0';
	CHECK_INT(url_parse(s, &u, err, sizeof(err)), -1);
	s[6 + URL_PATH_MAX - 1] = '\0';
	CHECK_INT(url_parse(s, &u, err, sizeof(err)), 0);
	CHECK_INT(u.path[0], '/');
	CHECK_INT(u.path[1], '?');
}

static void
test_small_error_buffer(void)
{
	char err[8];
	struct url u;

	CHECK_INT(url_parse("http://x/", &u, err, sizeof(err)), -1);
	CHECK_STR(err, "scheme ");
	CHECK_INT(url_parse("http://x/", &u, NULL, 0), -1);
}

int
main(void)
{
	TAP_RUN(test_good_urls);
	TAP_RUN(test_bad_urls);
	TAP_RUN(test_long_host_and_path);
	TAP_RUN(test_small_error_buffer);
	return tap_done();
}
