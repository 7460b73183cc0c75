/*
 * Tests of lib/header.c: good headers and what they split into, bad ones
 * with their exact reasons.
 */
#include <string.h>

#include "header.h"
#include "tap.h"

struct good {
	const char *in;
	const char *name;
	const char *value;
};

static const struct good goods[] = {
	{ "X-Feed: vmstat", "X-Feed:", "vmstat" },
	{ "X-Feed:vmstat", "X-Feed:", "vmstat" },
	{ "X-Feed: \t a b  c \t ", "X-Feed:", "a b  c" },
	{ "Authorization: Bearer a.b", "Authorization:", "Bearer a.b" },
	{ "Cookie: a=1; b=2", "Cookie:", "a=1; b=2" },
	{ "x!#$%&'*+-.^_`|~9: v", "x!#$%&'*+-.^_`|~9:", "v" },
	{ "X-Colon: a:b:c", "X-Colon:", "a:b:c" },
	{ "X-Utf8: caf\xc3\xa9", "X-Utf8:", "caf\xc3\xa9" },
	{ "X-Tab: a\tb", "X-Tab:", "a\tb" },
};

struct bad {
	const char *in;
	const char *why;
};

static const struct bad bads[] = {
	{ "X-Feed vmstat", "no ':' between name and value" },
	{ "", "no ':' between name and value" },
	{ ": value", "empty header name" },
	{ "X Feed: v", "bad byte 0x20 in the header name" },
	{ " X-Feed: v", "bad byte 0x20 in the header name" },
	{ "X-Feed : v", "bad byte 0x20 in the header name" },
	{ "X(Feed): v", "bad byte 0x28 in the header name" },
	{ "X-Caf\xc3\xa9: v", "bad byte 0xc3 in the header name" },
	{ "X-Feed:", "empty value" },
	{ "X-Feed:   ", "empty value" },
	{ "X-Feed: a\r\nInjected: 1", "CR or LF in the value" },
	{ "X-Feed: a\nb", "CR or LF in the value" },
	{ "X-Feed: a\rb", "CR or LF in the value" },
	{ "X-Feed: a\x01", "control character 0x01 in the value" },
	{ "X-Feed: a\x7f", "control character 0x7f in the value" },
	{ "Host: evil", "Host is part of the handshake: it cannot be set" },
	{ "host: evil", "Host is part of the handshake: it cannot be set" },
	{ "UPGRADE: h2c", "Upgrade is part of the handshake: it cannot be "
	    "set" },
	{ "Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol is part "
	    "of the handshake: it cannot be set" },
	{ "Sec-Websocket-Key: x", "Sec-WebSocket-Key is part of the "
	    "handshake: it cannot be set" },
	{ "Origin: https://x", "Origin: use --origin" },
};

static void
test_good_headers(void)
{
	size_t i;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		struct header h;
		char err[128] = "";

		CHECK_INT(header_parse(goods[i].in, &h, err, sizeof(err)), 0);
		CHECK_STR(err, "");
		CHECK_STR(h.name, goods[i].name);
		CHECK_MEM(h.value, h.value_len, goods[i].value,
		    strlen(goods[i].value));
	}
}

static void
test_bad_headers(void)
{
	size_t i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct header h;
		char err[128] = "";

		CHECK_INT(header_parse(bads[i].in, &h, err, sizeof(err)), -1);
		CHECK_STR(err, bads[i].why);
	}
}

static void
test_long_name(void)
{
	char line[HEADER_NAME_MAX + 16], err[128];
	struct header h;

	memset(line, 'n', HEADER_NAME_MAX);
	strcpy(line + HEADER_NAME_MAX, ": v");
	CHECK_INT(header_parse(line, &h, err, sizeof(err)), 0);
	CHECK_INT(strlen(h.name), HEADER_NAME_MAX + 1);
	memset(line, 'n', HEADER_NAME_MAX + 1);
	strcpy(line + HEADER_NAME_MAX + 1, ": v");
	CHECK_INT(header_parse(line, &h, err, sizeof(err)), -1);
	CHECK_STR(err, "header name longer than 128 bytes");
}

static void
test_values(void)
{
	char err[128];

	CHECK_INT(header_check_value("https://app.example", 19, err,
	    sizeof(err)), 0);
	CHECK_INT(header_check_value("a\0b", 3, err, sizeof(err)), -1);
	CHECK_STR(err, "control character 0x00 in the value");
	CHECK_INT(header_check_value("", 0, err, sizeof(err)), -1);
	CHECK_STR(err, "empty value");
	CHECK_INT(header_check_value("x\ny", 3, err, sizeof(err)), -1);
	CHECK_STR(err, "CR or LF in the value");
}

int
main(void)
{
	TAP_RUN(test_good_headers);
	TAP_RUN(test_bad_headers);
	TAP_RUN(test_long_name);
	TAP_RUN(test_values);
	return tap_done();
}
