/*
 * A strict RFC 8259 checker and a JSON string writer.
 *
 * The checker is a loop over three states instead of a recursive descent,
 * so that nesting costs one byte of stack per level and a hostile line of
 * a million '[' cannot exhaust the C stack.
 */
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "json.h"
#include "utf8.h"

/* Where the checker is between tokens. */
enum json_state {
	ST_VALUE,	/* a value must come next */
	ST_KEY,		/* an object key must come next */
	ST_AFTER,	/* a value ended: ',', a closing bracket or the end */
	ST_DONE,	/* the text is one whole value */
	ST_FAIL		/* err is filled in */
};

/* The checker's state. */
struct jc {
	const unsigned char *s;		/* the text */
	size_t len;			/* its length */
	size_t pos;			/* next byte to read */
	size_t depth;			/* open containers */
	char open[JSON_MAX_DEPTH];	/* '{' or '[' for each */
	struct json_error *err;		/* where to say why, or NULL */
};

static bool
at_end(const struct jc *jc)
{
	return jc->pos >= jc->len;
}

/* Record a failure at offset off; returns ST_FAIL. */
static enum json_state
fail_at(struct jc *jc, size_t off, const char *what)
{
	if (jc->err != NULL) {
		jc->err->offset = off;
		jc->err->what = what;
		jc->err->incomplete = off >= jc->len;
	}
	return ST_FAIL;
}

static enum json_state
fail(struct jc *jc, const char *what)
{
	return fail_at(jc, jc->pos, what);
}

/* Nothing but white space: refused, but no value was cut short. */
static enum json_state
fail_blank(struct jc *jc)
{
	fail(jc, "expected a value");
	if (jc->err != NULL)
		jc->err->incomplete = false;
	return ST_FAIL;
}

static void
skip_space(struct jc *jc)
{
	unsigned char c;

	while (jc->pos < jc->len) {
		c = jc->s[jc->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		jc->pos++;
	}
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Skip digits; false when there was none. */
static bool
digits(struct jc *jc)
{
	size_t from = jc->pos;

	while (jc->pos < jc->len && is_digit(jc->s[jc->pos]))
		jc->pos++;
	return jc->pos > from;
}

/* A number; jc->pos is at its '-' or first digit. */
static enum json_state
number(struct jc *jc)
{
	if (jc->s[jc->pos] == '-')
		jc->pos++;
	if (!at_end(jc) && jc->s[jc->pos] == '0') {
		jc->pos++;
		if (!at_end(jc) && is_digit(jc->s[jc->pos]))
			return fail(jc, "leading zero in number");
	} else if (!digits(jc))
		return fail(jc, "expected a digit");
	if (!at_end(jc) && jc->s[jc->pos] == '.') {
		jc->pos++;
		if (!digits(jc))
			return fail(jc, "expected a digit after '.'");
	}
	if (!at_end(jc) && (jc->s[jc->pos] == 'e' || jc->s[jc->pos] == 'E')) {
		jc->pos++;
		if (!at_end(jc) &&
		    (jc->s[jc->pos] == '+' || jc->s[jc->pos] == '-'))
			jc->pos++;
		if (!digits(jc))
			return fail(jc, "expected a digit in exponent");
	}
	return ST_AFTER;
}

/* true, false or null, spelled in full. */
static enum json_state
literal(struct jc *jc, const char *word)
{
	size_t i;

	for (i = 0; word[i] != '\0'; i++, jc->pos++) {
		if (at_end(jc))
			return fail(jc, "unexpected end in literal");
		if (jc->s[jc->pos] != (unsigned char)word[i])
			return fail(jc, "invalid literal");
	}
	return ST_AFTER;
}

/*
 * Skip the escape after a backslash; jc->pos is at the backslash. Returns
 * NULL, or why the escape is bad with jc->pos at the fault. A \u escape
 * of a lone surrogate passes: see json.h.
 */
static const char *
escape(struct jc *jc)
{
	int i;

	jc->pos++;
	if (at_end(jc))
		return "unterminated string";
	switch (jc->s[jc->pos]) {
	case '"': case '\\': case '/': case 'b':
	case 'f': case 'n': case 'r': case 't':
		jc->pos++;
		return NULL;
	case 'u':
		jc->pos++;
		for (i = 0; i < 4; i++, jc->pos++) {
			if (at_end(jc))
				return "unterminated string";
			if (!is_hex(jc->s[jc->pos]))
				return "expected a hex digit";
		}
		return NULL;
	default:
		return "invalid escape";
	}
}

/*
 * A string; jc->pos is at its opening quote. Runs of plain bytes are
 * checked as UTF-8 in one call: a multi-byte sequence never contains a
 * quote, a backslash or a control byte, so cutting runs there is safe.
 */
static enum json_state
string(struct jc *jc)
{
	const char *why;
	size_t from, bad;
	unsigned char c;

	jc->pos++;
	for (;;) {
		from = jc->pos;
		while (jc->pos < jc->len) {
			c = jc->s[jc->pos];
			if (c == '"' || c == '\\' || c < 0x20)
				break;
			jc->pos++;
		}
		bad = utf8_check(jc->s + from, jc->pos - from);
		if (bad < jc->pos - from)
			return fail_at(jc, from + bad,
			    "invalid UTF-8 in string");
		if (at_end(jc))
			return fail(jc, "unterminated string");
		c = jc->s[jc->pos];
		if (c == '"') {
			jc->pos++;
			return ST_AFTER;
		}
		if (c < 0x20)
			return fail(jc, "control character in string");
		why = escape(jc);
		if (why != NULL)
			return fail(jc, why);
	}
}

/* The bracket that closes open. */
static unsigned char
closer(char open)
{
	return open == '{' ? '}' : ']';
}

/* Open a container, or refuse one level too many. */
static bool
push(struct jc *jc, char c)
{
	if (jc->depth >= JSON_MAX_DEPTH)
		return false;
	jc->open[jc->depth++] = c;
	jc->pos++;
	return true;
}

/* A value starts here (after white space). */
static enum json_state
value(struct jc *jc)
{
	skip_space(jc);
	if (at_end(jc) && jc->depth == 0)
		return fail_blank(jc);
	if (at_end(jc))
		return fail(jc, "expected a value");
	switch (jc->s[jc->pos]) {
	case '{':
	case '[':
		if (!push(jc, (char)jc->s[jc->pos]))
			return fail(jc, "nested too deeply");
		skip_space(jc);
		if (!at_end(jc) &&
		    jc->s[jc->pos] == closer(jc->open[jc->depth - 1])) {
			jc->pos++;
			jc->depth--;
			return ST_AFTER;
		}
		return jc->open[jc->depth - 1] == '{' ? ST_KEY : ST_VALUE;
	case '"':
		return string(jc);
	case 't':
		return literal(jc, "true");
	case 'f':
		return literal(jc, "false");
	case 'n':
		return literal(jc, "null");
	default:
		if (jc->s[jc->pos] == '-' || is_digit(jc->s[jc->pos]))
			return number(jc);
		return fail(jc, "expected a value");
	}
}

/* An object member's key and colon. */
static enum json_state
key(struct jc *jc)
{
	skip_space(jc);
	if (at_end(jc) || jc->s[jc->pos] != '"')
		return fail(jc, "expected a string key");
	if (string(jc) == ST_FAIL)
		return ST_FAIL;
	skip_space(jc);
	if (at_end(jc) || jc->s[jc->pos] != ':')
		return fail(jc, "expected ':'");
	jc->pos++;
	return ST_VALUE;
}

/* After a value: the end of the text, or ',' or a closing bracket. */
static enum json_state
after(struct jc *jc)
{
	char top;

	skip_space(jc);
	if (jc->depth == 0)
		return at_end(jc) ? ST_DONE :
		    fail(jc, "unexpected data after the value");
	top = jc->open[jc->depth - 1];
	if (!at_end(jc) && jc->s[jc->pos] == ',') {
		jc->pos++;
		return top == '{' ? ST_KEY : ST_VALUE;
	}
	if (!at_end(jc) && jc->s[jc->pos] == closer(top)) {
		jc->pos++;
		jc->depth--;
		return ST_AFTER;
	}
	return fail(jc, top == '{' ? "expected ',' or '}'" :
	    "expected ',' or ']'");
}

int
json_check(const char *s, size_t len, struct json_error *err)
{
	struct jc jc = { (const unsigned char *)s, len, 0, 0, { 0 }, err };
	enum json_state st = ST_VALUE;

	while (st != ST_DONE && st != ST_FAIL) {
		if (st == ST_VALUE)
			st = value(&jc);
		else if (st == ST_KEY)
			st = key(&jc);
		else
			st = after(&jc);
	}
	return st == ST_DONE ? 0 : -1;
}

/* Whether byte c must be escaped inside a JSON string. */
static bool
needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

/* The escape for one byte that needs one. */
static int
add_escape(struct buf *out, unsigned char c)
{
	switch (c) {
	case '"':
		return buf_add(out, "\\\"", 2);
	case '\\':
		return buf_add(out, "\\\\", 2);
	case '\b':
		return buf_add(out, "\\b", 2);
	case '\f':
		return buf_add(out, "\\f", 2);
	case '\n':
		return buf_add(out, "\\n", 2);
	case '\r':
		return buf_add(out, "\\r", 2);
	case '\t':
		return buf_add(out, "\\t", 2);
	default:
		return buf_addf(out, "\\u%04x", c);
	}
}

int
json_add_string(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, from;

	if (buf_reserve(out, len + 2) < 0 || buf_addc(out, '"') < 0)
		return -1;
	while (i < len) {
		from = i;
		while (i < len && !needs_escape(p[i]))
			i++;
		if (buf_add(out, p + from, i - from) < 0)
			return -1;
		if (i < len && add_escape(out, p[i++]) < 0)
			return -1;
	}
	return buf_addc(out, '"');
}

bool
json_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
		    s[i] != '\n')
			return false;
	return true;
}
