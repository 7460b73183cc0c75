/*
 * Column tables (vmstat, iostat, ps, df) to JSON objects, one per line.
 *
 * Header names are kept as ready-made JSON string literals, quotes
 * included: a row then copies its keys instead of escaping them again,
 * and two names are the same exactly when their literals are.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "table.h"

/* One field of a line: a run of non-blank bytes. */
struct field {
	const char *p;		/* first byte */
	size_t len;		/* its length */
};

/* A number as the header comment defines it, taken apart. */
struct num {
	char sign;		/* '+', '-' or 0 */
	const char *ip;		/* integer digits */
	size_t ilen;
	bool dot;		/* a '.' came after them */
	const char *fp;		/* fraction digits */
	size_t flen;
	char esign;		/* exponent's '+', '-' or 0 */
	const char *ep;		/* exponent digits; elen 0 if none */
	size_t elen;
	size_t len;		/* bytes of the field it covers */
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The field at or after *pos; false when only blanks are left. */
static bool
next_field(const char *line, size_t len, size_t *pos, struct field *f)
{
	size_t i = *pos;

	while (i < len && is_blank(line[i]))
		i++;
	if (i == len)
		return false;
	f->p = line + i;
	while (i < len && !is_blank(line[i]))
		i++;
	f->len = (size_t)(line + i - f->p);
	*pos = i;
	return true;
}

/* Count digits at p, at most len. */
static size_t
count_digits(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && is_digit(p[i]))
		i++;
	return i;
}

/*
 * An exponent at p: 'e' or 'E', a sign maybe, at least one digit. Without
 * a digit the 'e' is not part of the number ("12E" may be a unit).
 */
static void
scan_exponent(const char *p, size_t len, struct num *n)
{
	size_t i = 1;
	char sign = 0;

	if (len < 2 || (p[0] != 'e' && p[0] != 'E'))
		return;
	if (p[1] == '+' || p[1] == '-')
		sign = p[i++];
	n->elen = count_digits(p + i, len - i);
	if (n->elen == 0)
		return;
	n->esign = sign;
	n->ep = p + i;
	n->len += i + n->elen;
}

/*
 * Read the longest number at the start of the field. Returns false when
 * the field does not start with one (no digit before or after a '.').
 */
static bool
scan_number(const struct field *f, struct num *n)
{
	const char *p = f->p;
	size_t i = 0;

	memset(n, 0, sizeof(*n));
	if (f->len > 0 && (p[0] == '+' || p[0] == '-'))
		n->sign = p[i++];
	n->ip = p + i;
	n->ilen = count_digits(p + i, f->len - i);
	i += n->ilen;
	if (i < f->len && p[i] == '.') {
		n->dot = true;
		n->fp = p + ++i;
		n->flen = count_digits(p + i, f->len - i);
		i += n->flen;
	}
	if (n->ilen + n->flen == 0)
		return false;
	n->len = i;
	scan_exponent(p + i, f->len - i, n);
	return true;
}

static bool
is_number(const struct field *f, struct num *n)
{
	return scan_number(f, n) && n->len == f->len;
}

/*
 * Units that follow a number in tables meant for people: "18%" (df's
 * Use%), "4.0K", "252G", "1.5Gi" (df -h, free -h), "512B".
 */
static bool
is_unit(const char *p, size_t len)
{
	size_t i = 1;

	if (len == 1 && (p[0] == '%' || p[0] == 'B'))
		return true;
	if (len == 0 || memchr("kKMGTPE", p[0], 7) == NULL)
		return false;
	if (i < len && p[i] == 'i')
		i++;
	if (i < len && p[i] == 'B')
		i++;
	return i == len;
}

/* A number, or a number and a unit: what makes a line data. */
static bool
is_quantity(const struct field *f)
{
	struct num n;

	if (!scan_number(f, &n))
		return false;
	return n.len == f->len || is_unit(f->p + n.len, f->len - n.len);
}

/* Whether the number is valid JSON as it stands ("+7", "007" are not). */
static bool
is_json_number(const struct num *n)
{
	if (n->sign == '+' || n->ilen == 0 || (n->dot && n->flen == 0))
		return false;
	return n->ilen == 1 || n->ip[0] != '0';
}

/*
 * Write a number that is not JSON as it stands in its shortest JSON form:
 * no '+', no leading zeros, no trailing zeros in the fraction, no
 * exponent of zero.
 */
static int
add_number_fixed(struct buf *out, const struct num *n)
{
	const char *ip = n->ip, *ep = n->ep;
	size_t ilen = n->ilen, flen = n->flen, elen = n->elen;
	int rc = 0;

	for (; ilen > 0 && *ip == '0'; ilen--)
		ip++;
	while (flen > 0 && n->fp[flen - 1] == '0')
		flen--;
	for (; elen > 0 && *ep == '0'; elen--)
		ep++;
	if (n->sign == '-')
		rc |= buf_addc(out, '-');
	rc |= ilen > 0 ? buf_add(out, ip, ilen) : buf_addc(out, '0');
	if (flen > 0) {
		rc |= buf_addc(out, '.');
		rc |= buf_add(out, n->fp, flen);
	}
	if (elen > 0) {
		rc |= buf_adds(out, n->esign == '-' ? "e-" : "e");
		rc |= buf_add(out, ep, elen);
	}
	return rc;
}

/* A field as a JSON value: a number when it reads as one, else a string. */
static int
add_value(struct buf *out, const struct field *f)
{
	struct num n;

	if (!is_number(f, &n))
		return json_add_string(out, f->p, f->len);
	if (is_json_number(&n))
		return buf_add(out, f->p, f->len);
	return add_number_fixed(out, &n);
}

/* Names i to j - 1 joined by spaces, as one JSON string literal. */
static int
add_joined_key(struct buf *out, char **names, size_t i, size_t j)
{
	int rc = buf_addc(out, '"');

	for (; i < j; i++) {
		/* Strip each literal's quotes: escaped text joins as is. */
		rc |= buf_add(out, names[i] + 1, strlen(names[i]) - 2);
		if (i + 1 < j)
			rc |= buf_addc(out, ' ');
	}
	return rc | buf_addc(out, '"');
}

/* The key of field i (0-based) of a row with n fields. */
static int
add_key(struct table *t, size_t i, size_t n)
{
	if (t->n_names == 0)
		return buf_addf(&t->out, "\"%zu\"", i + 1);
	if (i == n - 1 && n < t->n_names)
		return add_joined_key(&t->out, t->names, i, t->n_names);
	return buf_adds(&t->out, t->names[i]);
}

/* The bytes from f to the end of the line, without trailing blanks. */
static struct field
rest_of_line(const struct field *f, const char *line, size_t len)
{
	struct field r = { f->p, (size_t)(line + len - f->p) };

	while (r.len > 0 && is_blank(r.p[r.len - 1]))
		r.len--;
	return r;
}

static size_t
count_fields(const char *line, size_t len)
{
	struct field f;
	size_t pos = 0, n = 0;

	while (next_field(line, len, &pos, &f))
		n++;
	return n;
}

/* Turn a data line into the JSON object in t->out. */
static enum table_kind
table_row(struct table *t, const char *line, size_t len)
{
	struct field f;
	size_t pos = 0, i, n = count_fields(line, len);
	int rc = 0;

	buf_reset(&t->out);
	rc |= buf_addc(&t->out, '{');
	for (i = 0; i < n && next_field(line, len, &pos, &f); i++) {
		if (i > 0)
			rc |= buf_addc(&t->out, ',');
		rc |= add_key(t, i, n);
		rc |= buf_addc(&t->out, ':');
		if (t->n_names > 0 && i == t->n_names - 1 && n > t->n_names) {
			/* The extras join the last column (ps arguments). */
			f = rest_of_line(&f, line, len);
			rc |= json_add_string(&t->out, f.p, f.len);
			break;
		}
		rc |= add_value(&t->out, &f);
	}
	rc |= buf_addc(&t->out, '}');
	return rc < 0 ? TABLE_ERROR : TABLE_ROW;
}

static void
free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static bool
name_taken(char **names, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], lit) == 0)
			return true;
	return false;
}

/*
 * Make the JSON literal of a name that is not among the n before it:
 * "r", then "r_2", "r_3", ... for repeats. Returns NULL without memory.
 */
static char *
unique_name(char **names, size_t n, const struct field *f)
{
	struct buf lit = { 0 };
	size_t base, k;

	if (json_add_string(&lit, f->p, f->len) < 0)
		return NULL;
	base = lit.len - 1;
	for (k = 2; name_taken(names, n, lit.data); k++) {
		lit.len = base;
		if (buf_addf(&lit, "_%zu\"", k) < 0) {
			buf_release(&lit);
			return NULL;
		}
	}
	return buf_detach(&lit, NULL);
}

/* Whether a header field is a section label ("avg-cpu:"), not a name. */
static bool
is_label(const struct field *f)
{
	return f->p[f->len - 1] == ':';
}

/* Replace the names with those of a header line; old ones stay on error. */
static enum table_kind
table_header(struct table *t, const char *line, size_t len)
{
	struct field f;
	size_t pos = 0, n = 0;
	char **names;

	names = calloc(count_fields(line, len), sizeof(*names));
	if (names == NULL)
		return TABLE_ERROR;
	while (next_field(line, len, &pos, &f)) {
		if (is_label(&f))
			continue;
		names[n] = unique_name(names, n, &f);
		if (names[n] == NULL) {
			free_names(names, n);
			return TABLE_ERROR;
		}
		n++;
	}
	free_names(t->names, t->n_names);
	t->names = names;
	t->n_names = n;
	return TABLE_HEADER;
}

enum table_kind
table_line(struct table *t, const char *line, size_t len)
{
	struct field f;
	size_t pos = 0;
	bool any = false;

	while (next_field(line, len, &pos, &f)) {
		any = true;
		if (is_quantity(&f))
			return table_row(t, line, len);
	}
	return any ? table_header(t, line, len) : TABLE_BLANK;
}

void
table_release(struct table *t)
{
	free_names(t->names, t->n_names);
	t->names = NULL;
	t->n_names = 0;
	buf_release(&t->out);
}
