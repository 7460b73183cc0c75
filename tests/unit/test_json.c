/*
 * Tests of lib/json.c.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "tap.h"

/* A text that must pass. */
struct good {
	const char *text;
};

/* A text that must fail, where and how. */
struct bad {
	const char *text;
	size_t offset;		/* expected err.offset */
	int incomplete;		/* expected err.incomplete */
	const char *what;	/* expected err.what */
};

static const struct good goods[] = {
	{ "0" }, { "-0" }, { "1" }, { "-1" }, { "1.50" }, { "0.5" },
	{ "-0.0" }, { "1e3" }, { "1E3" }, { "1e+3" }, { "1e-3" },
	{ "1.5e-007" }, { "12345678901234567890" },
	{ "-123456789012345678901234567890.123456789e999" },
	{ "true" }, { "false" }, { "null" },
	{ "\"\"" }, { "\"abc\"" }, { "\"caf\xC3\xA9\"" },
	{ "\"\xF0\x9F\x98\x80\"" }, { "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"" },
	{ "\"\\u0041\\u00e9\\uABCD\"" }, { "\"\\ud83d\\ude00\"" },
	{ "\"\\ud800\"" }, { "\"\\udc00x\"" }, { "\"\x7F\"" },
	{ "{}" }, { "[]" }, { "{ }" }, { "[ ]" }, { "[1,2,3]" },
	{ "{\"a\":1}" }, { "{\"a\": 1, \"b\": [true, null, {}]}" },
	{ " \t\r\n{\"a\" : [ 1 , 2 ] }\r\n " },
	{ "[[[[[]]]]]" }, { "{\"\":\"\"}" }, { "{\"a\":1,\"a\":2}" },
	{ "[\"]\",\"}\",\"[\",\"{\"]" },
};

static const struct bad bads[] = {
	{ "", 0, 0, "expected a value" },
	{ "   \t", 4, 0, "expected a value" },
	{ "nan", 1, 0, "invalid literal" },
	{ "nulL", 3, 0, "invalid literal" },
	{ "NaN", 0, 0, "expected a value" },
	{ "Infinity", 0, 0, "expected a value" },
	{ "-Infinity", 1, 0, "expected a digit" },
	{ "+1", 0, 0, "expected a value" },
	{ "01", 1, 0, "leading zero in number" },
	{ "-01", 2, 0, "leading zero in number" },
	{ ".5", 0, 0, "expected a value" },
	{ "1.", 2, 1, "expected a digit after '.'" },
	{ "1.e3", 2, 0, "expected a digit after '.'" },
	{ "1e", 2, 1, "expected a digit in exponent" },
	{ "1e+", 3, 1, "expected a digit in exponent" },
	{ "-", 1, 1, "expected a digit" },
	{ "0x10", 1, 0, "unexpected data after the value" },
	{ "1 2", 2, 0, "unexpected data after the value" },
	{ "{} x", 3, 0, "unexpected data after the value" },
	{ "truex", 4, 0, "unexpected data after the value" },
	{ "tru", 3, 1, "unexpected end in literal" },
	{ "True", 0, 0, "expected a value" },
	{ "nul", 3, 1, "unexpected end in literal" },
	{ "fals", 4, 1, "unexpected end in literal" },
	{ "[1,]", 3, 0, "expected a value" },
	{ "[,1]", 1, 0, "expected a value" },
	{ "[1 2]", 3, 0, "expected ',' or ']'" },
	{ "[1}", 2, 0, "expected ',' or ']'" },
	{ "{\"a\":1,}", 7, 0, "expected a string key" },
	{ "{\"a\":1 \"b\":2}", 7, 0, "expected ',' or '}'" },
	{ "{\"a\" 1}", 5, 0, "expected ':'" },
	{ "{a:1}", 1, 0, "expected a string key" },
	{ "{1:1}", 1, 0, "expected a string key" },
	{ "{\"a\":}", 5, 0, "expected a value" },
	{ "{\"a\": 1,", 8, 1, "expected a string key" },
	{ "{\"a\": ", 6, 1, "expected a value" },
	{ "{\"a\"", 4, 1, "expected ':'" },
	{ "{", 1, 1, "expected a string key" },
	{ "[", 1, 1, "expected a value" },
	{ "[1", 2, 1, "expected ',' or ']'" },
	{ "[[1]", 4, 1, "expected ',' or ']'" },
	{ "\"abc", 4, 1, "unterminated string" },
	{ "\"abc\\", 5, 1, "unterminated string" },
	{ "\"\\u12", 5, 1, "unterminated string" },
	{ "\"\\u12x4\"", 5, 0, "expected a hex digit" },
	{ "\"\\x\"", 2, 0, "invalid escape" },
	{ "\"\\U0041\"", 2, 0, "invalid escape" },
	{ "\"\\'\"", 2, 0, "invalid escape" },
	{ "\"a\tb\"", 2, 0, "control character in string" },
	{ "\"a\nb\"", 2, 0, "control character in string" },
	{ "\"\x1F\"", 1, 0, "control character in string" },
	{ "\"ab\xFF\"", 3, 0, "invalid UTF-8 in string" },
	{ "\"\xC0\xAF\"", 1, 0, "invalid UTF-8 in string" },
	{ "\"\xED\xA0\x80\"", 1, 0, "invalid UTF-8 in string" },
	{ "\"x\xC3\"", 2, 0, "invalid UTF-8 in string" },
	{ "{\"k\xFF\":1}", 3, 0, "invalid UTF-8 in string" },
	{ "'a'", 0, 0, "expected a value" },
	{ "[1]]", 3, 0, "unexpected data after the value" },
	{ "]", 0, 0, "expected a value" },
	{ "\xEF\xBB\xBF{}", 0, 0, "expected a value" },	/* BOM */
	{ "/* */ 1", 0, 0, "expected a value" },
	{ "[1,\x0B" "2]", 3, 0, "expected a value" },	/* VT is not space */
};

static void
test_valid_table(void)
{
	struct json_error err;
	const char *t;
	size_t i;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		t = goods[i].text;
		memset(&err, 0, sizeof(err));
		if (json_check(t, strlen(t), &err) != 0)
			TAP_FAIL_AT("refused '%s': %s at %zu", t, err.what,
			    err.offset);
	}
}

static void
test_invalid_table(void)
{
	const struct bad *b;
	struct json_error err;
	size_t i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		b = &bads[i];
		memset(&err, 0, sizeof(err));
		if (json_check(b->text, strlen(b->text), &err) != -1) {
			TAP_FAIL_AT("accepted '%s'", b->text);
			continue;
		}
		if (err.offset != b->offset ||
		    err.incomplete != b->incomplete || err.what == NULL ||
		    strcmp(err.what, b->what) != 0)
			TAP_FAIL_AT("'%s': got %zu/%d/%s, want %zu/%d/%s",
			    b->text, err.offset, err.incomplete, err.what,
			    b->offset, b->incomplete, b->what);
	}
}

/* NUL bytes: fine inside nothing, refused in strings and between. */
static void
test_nul_bytes(void)
{
	struct json_error err;

	CHECK_INT(json_check("\"a\0b\"", 5, &err), -1);
	CHECK_INT(err.offset, 2);
	CHECK_STR(err.what, "control character in string");
	CHECK_INT(json_check("1\0", 2, &err), -1);
	CHECK_INT(err.offset, 1);
	/* The length is what counts, not a NUL. */
	CHECK_INT(json_check("[1]xyz", 3, NULL), 0);
	CHECK_INT(json_check("[1]", 2, NULL), -1);
}

/* Build a text of n '[' then n ']'. */
static char *
nested(size_t n, char open, char close)
{
	char *s = malloc(2 * n + 1);

	memset(s, open, n);
	memset(s + n, close, n);
	s[2 * n] = '\0';
	return s;
}

static void
test_depth_limit(void)
{
	struct json_error err;
	char *s;
	int i;

	s = nested(JSON_MAX_DEPTH, '[', ']');
	CHECK_INT(json_check(s, strlen(s), &err), 0);
	free(s);

	s = nested(JSON_MAX_DEPTH + 1, '[', ']');
	CHECK_INT(json_check(s, strlen(s), &err), -1);
	CHECK_INT(err.offset, JSON_MAX_DEPTH);
	CHECK_STR(err.what, "nested too deeply");
	CHECK(!err.incomplete);
	free(s);

	/* Objects count as levels too. */
	s = malloc(6 * (JSON_MAX_DEPTH + 1) + 1);
	s[0] = '\0';
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		strcat(s, "{\"a\":");
	CHECK_INT(json_check(s, strlen(s), &err), -1);
	CHECK_INT(err.offset, 5 * JSON_MAX_DEPTH);
	CHECK_STR(err.what, "nested too deeply");
	free(s);

	/* A million '[' is refused at the limit, not by a crash. */
	s = nested(1000000, '[', ']');
	CHECK_INT(json_check(s, 1000000, &err), -1);
	CHECK_INT(err.offset, JSON_MAX_DEPTH);
	free(s);
}

/* Depth goes back down: many shallow containers in a row are fine. */
static void
test_depth_resets(void)
{
	struct buf b = { 0 };
	int i;

	buf_addc(&b, '[');
	for (i = 0; i < 1000; i++)
		buf_adds(&b, i == 0 ? "[[{}]]" : ",[[{}]]");
	buf_addc(&b, ']');
	CHECK_INT(json_check(b.data, b.len, NULL), 0);
	buf_release(&b);
}

/* Append with json_add_string and compare the whole buffer. */
static void
check_add(const char *in, size_t len, const char *want)
{
	struct buf b = { 0 };

	CHECK_INT(json_add_string(&b, in, len), 0);
	CHECK_MEM(b.data, b.len, want, strlen(want));
	CHECK_INT(json_check(b.data, b.len, NULL), 0);
	buf_release(&b);
}

static void
test_add_string(void)
{
	struct buf b = { 0 };

	check_add("", 0, "\"\"");
	check_add("plain", 5, "\"plain\"");
	check_add("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	check_add("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
	check_add("\x01\x1F\x7F", 3, "\"\\u0001\\u001f\x7F\"");
	check_add("a\0b", 3, "\"a\\u0000b\"");
	check_add("/ caf\xC3\xA9 \xF0\x9F\x98\x80", 12,
	    "\"/ caf\xC3\xA9 \xF0\x9F\x98\x80\"");

	/* It appends; what was there stays. */
	buf_adds(&b, "{\"k\":");
	CHECK_INT(json_add_string(&b, "v", 1), 0);
	buf_addc(&b, '}');
	CHECK_STR(b.data, "{\"k\":\"v\"}");
	buf_release(&b);
}

/* Every single byte value round-trips to a valid JSON string. */
static void
test_add_string_all_ascii(void)
{
	struct buf b = { 0 };
	char c[1];
	int i;

	for (i = 0; i < 0x80; i++) {
		buf_reset(&b);
		c[0] = (char)i;
		CHECK_INT(json_add_string(&b, c, 1), 0);
		CHECK_INT(json_check(b.data, b.len, NULL), 0);
	}
	buf_release(&b);
}

int
main(void)
{
	TAP_RUN(test_valid_table);
	TAP_RUN(test_invalid_table);
	TAP_RUN(test_nul_bytes);
	TAP_RUN(test_depth_limit);
	TAP_RUN(test_depth_resets);
	TAP_RUN(test_add_string);
	TAP_RUN(test_add_string_all_ascii);
	return tap_done();
}
