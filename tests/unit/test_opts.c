/*
 * Tests of lib/opts.c.
 */
#include <sys/socket.h>

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "opts.h"
#include "tap.h"

/* A duration that must parse to ms. */
#define DUR_OK(s, want)							\
	do {								\
		int64_t ms_ = -1;					\
		char e_[128] = "";					\
		CHECK_INT(opts_duration(s, &ms_, e_, sizeof(e_)), 0);	\
		CHECK_INT(ms_, want);					\
		CHECK_STR(e_, "");					\
	} while (0)

/* A duration that must be refused with the given reason. */
#define DUR_BAD(s, why)							\
	do {								\
		int64_t ms_ = -7;					\
		char e_[128] = "";					\
		CHECK_INT(opts_duration(s, &ms_, e_, sizeof(e_)), -1);	\
		CHECK_INT(ms_, -7);					\
		CHECK_STR(e_, why);					\
	} while (0)

#define SIZE_OK(s, want)						\
	do {								\
		uint64_t b_ = 0;					\
		char e_[128] = "";					\
		CHECK_INT(opts_size(s, &b_, e_, sizeof(e_)), 0);	\
		CHECK(b_ == (uint64_t)(want));				\
	} while (0)

#define SIZE_BAD(s, why)						\
	do {								\
		uint64_t b_ = 0;					\
		char e_[128] = "";					\
		CHECK_INT(opts_size(s, &b_, e_, sizeof(e_)), -1);	\
		CHECK_STR(e_, why);					\
	} while (0)

#define COUNT_OK(s, lo, hi, want)					\
	do {								\
		long long v_ = 0;					\
		char e_[128] = "";					\
		CHECK_INT(opts_count(s, lo, hi, &v_, e_, sizeof(e_)), 0); \
		CHECK_INT(v_, want);					\
	} while (0)

#define COUNT_BAD(s, lo, hi, why)					\
	do {								\
		long long v_ = 42;					\
		char e_[128] = "";					\
		CHECK_INT(opts_count(s, lo, hi, &v_, e_, sizeof(e_)), -1); \
		CHECK_INT(v_, 42);					\
		CHECK_STR(e_, why);					\
	} while (0)

static void
test_duration_units(void)
{
	DUR_OK("250ms", 250);
	DUR_OK("2s", 2000);
	DUR_OK("1m", 60000);
	DUR_OK("5", 5000);
	DUR_OK("0", 0);
	DUR_OK("0ms", 0);
	DUR_OK("1.5", 1500);
	DUR_OK("1.5s", 1500);
	DUR_OK("0.25m", 15000);
	DUR_OK(".5s", 500);
	DUR_OK("5.", 5000);
	DUR_OK("007s", 7000);
	DUR_OK("20s", 20000);
}

static void
test_duration_rounding(void)
{
	DUR_OK("1.4ms", 1);
	DUR_OK("1.5ms", 2);
	DUR_BAD("0.0004s", "under 1ms");	/* not 0: no timer off */
	DUR_OK("0.0s", 0);
	DUR_OK("0", 0);
	DUR_OK("0.0005s", 1);
	DUR_OK("0.0015s", 2);
	DUR_OK("0.123456789123s", 123);
	DUR_OK("0.00001m", 1);			/* 0.6 ms */
	DUR_BAD("0.000008m", "under 1ms");	/* 0.48 ms */
}

static void
test_duration_bounds(void)
{
	DUR_OK("30m", 1800000);
	DUR_OK("43200m", 2592000000LL);		/* 30 days exactly */
	DUR_OK("2592000s", 2592000000LL);
	DUR_OK("2592000000ms", 2592000000LL);
	DUR_BAD("2592000000.5ms", "over 30 days");
	DUR_BAD("2592000.001s", "over 30 days");
	DUR_BAD("43201m", "over 30 days");
	DUR_BAD("99999999999999999999999999s", "over 30 days");
}

static void
test_duration_bad(void)
{
	DUR_BAD("", "empty value");
	DUR_BAD("-1s", "negative duration");
	DUR_BAD("-0", "negative duration");
	DUR_BAD("5h", "unknown unit 'h'");
	DUR_BAD("5d", "unknown unit 'd'");
	DUR_BAD("5S", "unknown unit 'S'");
	DUR_BAD("5MS", "unknown unit 'MS'");
	DUR_BAD("5sec", "unknown unit 'sec'");
	DUR_BAD("5s5", "unknown unit 's5'");
	DUR_BAD("1ms ", "unknown unit 'ms '");
	DUR_BAD("5 s", "junk after the number");
	DUR_BAD("1.2.3", "junk after the number");
	DUR_BAD("1e3", "unknown unit 'e3'");
	DUR_BAD("s", "not a number");
	DUR_BAD(".", "not a number");
	DUR_BAD("+5", "not a number");
	DUR_BAD(" 5", "not a number");
	DUR_BAD("nan", "not a number");
	DUR_BAD("inf", "not a number");
	DUR_BAD("0x10", "unknown unit 'x10'");
}

static void
test_size(void)
{
	SIZE_OK("0", 0);
	SIZE_OK("65536", 65536);
	SIZE_OK("64k", 65536);
	SIZE_OK("64K", 65536);
	SIZE_OK("1M", 1048576);
	SIZE_OK("1m", 1048576);
	SIZE_OK("8M", 8388608);
	SIZE_OK("2G", 2147483648ULL);
	SIZE_OK("2g", 2147483648ULL);
	SIZE_OK("4294967296G", 1ULL << 62);
	SIZE_OK("4611686018427387904", 1ULL << 62);
}

static void
test_size_bad(void)
{
	SIZE_BAD("", "empty value");
	SIZE_BAD("-1", "negative size");
	SIZE_BAD("k", "not a number");
	SIZE_BAD("1.5M", "not a whole number");
	SIZE_BAD("1T", "unknown unit 'T'");
	SIZE_BAD("1KB", "unknown unit 'KB'");
	SIZE_BAD("1KiB", "unknown unit 'KiB'");
	SIZE_BAD("1b", "unknown unit 'b'");
	SIZE_BAD("1 k", "junk after the number");
	SIZE_BAD("12#", "junk after the number");
	SIZE_BAD("4294967297G", "too large (over 2^62 bytes)");
	SIZE_BAD("4611686018427387905", "too large (over 2^62 bytes)");
	SIZE_BAD("18446744073709551616", "too large (over 2^62 bytes)");
	SIZE_BAD("99999999999999999999999999999k",
	    "too large (over 2^62 bytes)");
}

static void
test_count(void)
{
	COUNT_OK("0", 0, 10, 0);
	COUNT_OK("10", 0, 10, 10);
	COUNT_OK("1024", 1, 1000000, 1024);
	COUNT_OK("007", 0, 10, 7);
	COUNT_OK("-5", -10, 10, -5);
	COUNT_OK("-0", 0, 0, 0);
	COUNT_OK("9223372036854775807", 0, LLONG_MAX, LLONG_MAX);
	COUNT_OK("-9223372036854775808", LLONG_MIN, 0, LLONG_MIN);
}

static void
test_count_bad(void)
{
	COUNT_BAD("", 0, 10, "empty value");
	COUNT_BAD("11", 0, 10, "not between 0 and 10");
	COUNT_BAD("0", 1, 10, "not between 1 and 10");
	COUNT_BAD("-1", 0, 10, "not between 0 and 10");
	COUNT_BAD("9223372036854775808", 0, LLONG_MAX,
	    "not between 0 and 9223372036854775807");
	COUNT_BAD("-9223372036854775809", LLONG_MIN, 0,
	    "not between -9223372036854775808 and 0");
	COUNT_BAD("99999999999999999999999", 0, 10, "not between 0 and 10");
	COUNT_BAD("+1", 0, 10, "not a whole number");
	COUNT_BAD("-", 0, 10, "not a whole number");
	COUNT_BAD("1.0", 0, 10, "not a whole number");
	COUNT_BAD("1e3", 0, 10000, "not a whole number");
	COUNT_BAD(" 1", 0, 10, "not a whole number");
	COUNT_BAD("1 ", 0, 10, "not a whole number");
	COUNT_BAD("0x1", 0, 10, "not a whole number");
	COUNT_BAD("1k", 0, 10000, "not a whole number");
}

/* A small err buffer gets a cut, NUL-ended reason; none is fine too. */
static void
test_e_buffer(void)
{
	char err[6] = "zzzzz";
	int64_t ms;

	CHECK_INT(opts_duration("5h", &ms, err, sizeof(err)), -1);
	CHECK_STR(err, "unkno");
	CHECK_INT(opts_duration("5h", &ms, NULL, 0), -1);
}

/* An address that must parse, and how it must read back. */
static void
listen_ok(const char *s, int family, const char *host, int port,
    const char *formatted)
{
	struct listen_addr a;
	char err[128] = "", out[160];

	if (opts_listen(s, &a, err, sizeof(err)) != 0) {
		TAP_FAIL_AT("refused '%s': %s", s, err);
		return;
	}
	CHECK_INT(a.is_unix, 0);
	CHECK_INT(a.family, family);
	CHECK_STR(a.host, host);
	CHECK_INT(a.port, port);
	opts_listen_format(&a, out, sizeof(out));
	CHECK_STR(out, formatted);
}

static void
listen_bad(const char *s, const char *why)
{
	struct listen_addr a;
	char err[128] = "";

	CHECK_INT(opts_listen(s, &a, err, sizeof(err)), -1);
	CHECK_STR(err, why);
}

static void
test_listen(void)
{
	listen_ok("8080", AF_INET, "127.0.0.1", 8080, "127.0.0.1:8080");
	listen_ok("0", AF_INET, "127.0.0.1", 0, "127.0.0.1:0");
	listen_ok("65535", AF_INET, "127.0.0.1", 65535, "127.0.0.1:65535");
	listen_ok("0.0.0.0:80", AF_INET, "0.0.0.0", 80, "0.0.0.0:80");
	listen_ok("127.0.0.1:8080", AF_INET, "127.0.0.1", 8080,
	    "127.0.0.1:8080");
	listen_ok("[::]:8080", AF_INET6, "::", 8080, "[::]:8080");
	listen_ok("[::1]:0", AF_INET6, "::1", 0, "[::1]:0");
	listen_ok("[0:0:0:0:0:0:0:1]:9", AF_INET6, "::1", 9, "[::1]:9");
	listen_ok("[::ffff:127.0.0.1]:80", AF_INET6, "::ffff:127.0.0.1", 80,
	    "[::ffff:127.0.0.1]:80");
}

/* Names go through getaddrinfo; localhost is in /etc/hosts here. */
static void
test_listen_names(void)
{
	listen_ok("localhost:8080", AF_INET, "127.0.0.1", 8080,
	    "127.0.0.1:8080");
}

static void
test_listen_bad(void)
{
	listen_bad("", "empty value");
	listen_bad("65536", "port over 65535");
	listen_bad("99999999999999999999", "port over 65535");
	listen_bad("[::1]:65536", "port over 65535");
	listen_bad("0.0.0.0:70000", "port over 65535");
	listen_bad(":8080", "empty host");
	listen_bad("127.0.0.1:", "empty port");
	listen_bad("[::1]:", "empty port");
	listen_bad("[]:80", "empty host");
	listen_bad("[::1]", "expected ':' and a port after ']'");
	listen_bad("[::1]8080", "expected ':' and a port after ']'");
	listen_bad("[::1:8080", "missing ']'");
	listen_bad("[127.0.0.1]:80", "not an IPv6 address");
	listen_bad("[localhost]:80", "not an IPv6 address");
	listen_bad("::1:8080",
	    "an IPv6 address needs brackets, as in [::1]:8080");
	listen_bad("1.2.3.4:80:90",
	    "an IPv6 address needs brackets, as in [::1]:8080");
	listen_bad("abc", "port is not a number");
	listen_bad("80x", "port is not a number");
	listen_bad("-1", "port is not a number");
	listen_bad("+80", "port is not a number");
	listen_bad(" 80", "port is not a number");
	listen_bad("127.0.0.1:http", "port is not a number");
	listen_bad("127.0.0.1:8080/", "port is not a number");
	listen_bad("unix:", "empty unix socket path");
}

static void
test_listen_unix(void)
{
	struct listen_addr a;
	char path[OPTS_UNIX_PATH_MAX + 7], err[128] = "", out[160];

	CHECK_INT(opts_listen("unix:/tmp/x.sock", &a, err, sizeof(err)), 0);
	CHECK_INT(a.is_unix, 1);
	CHECK_INT(a.family, AF_UNIX);
	CHECK_STR(a.path, "/tmp/x.sock");
	opts_listen_format(&a, out, sizeof(out));
	CHECK_STR(out, "/tmp/x.sock");

	CHECK_INT(opts_listen("unix:rel:ative", &a, err, sizeof(err)), 0);
	CHECK_STR(a.path, "rel:ative");

	/* 107 bytes fit in sun_path with its NUL; 108 do not. */
	memcpy(path, "unix:", 5);
	memset(path + 5, 'p', OPTS_UNIX_PATH_MAX);
	path[5 + OPTS_UNIX_PATH_MAX] = '\0';
	CHECK_INT(opts_listen(path, &a, err, sizeof(err)), 0);
	CHECK_INT(strlen(a.path), OPTS_UNIX_PATH_MAX);
	path[5 + OPTS_UNIX_PATH_MAX] = 'p';
	path[6 + OPTS_UNIX_PATH_MAX] = '\0';
	listen_bad(path, "unix socket path over 107 bytes");
}

/* A cut output buffer still ends in NUL. */
static void
test_listen_format_short(void)
{
	struct listen_addr a;
	char out[8];

	CHECK_INT(opts_listen("[::1]:8080", &a, NULL, 0), 0);
	opts_listen_format(&a, out, sizeof(out));
	CHECK_STR(out, "[::1]:8");
}

int
main(void)
{
	TAP_RUN(test_duration_units);
	TAP_RUN(test_duration_rounding);
	TAP_RUN(test_duration_bounds);
	TAP_RUN(test_duration_bad);
	TAP_RUN(test_size);
	TAP_RUN(test_size_bad);
	TAP_RUN(test_count);
	TAP_RUN(test_count_bad);
	TAP_RUN(test_e_buffer);
	TAP_RUN(test_listen);
	TAP_RUN(test_listen_names);
	TAP_RUN(test_listen_bad);
	TAP_RUN(test_listen_unix);
	TAP_RUN(test_listen_format_short);
	return tap_done();
}
