/*
 * Column tables (vmstat, iostat, ps, df) to JSON objects, one per line.
 *
 * Fields are separated by runs of blanks (spaces and tabs). A line with no
 * numeric field is a header: its fields become the names of the columns,
 * except fields ending in ':' (section labels such as iostat's "avg-cpu:"),
 * which are dropped. For this test alone, a number followed by a unit
 * counts as numeric too: '%', 'B', or one of "kKMGTPE" then maybe 'i',
 * then maybe 'B' ("18%", "4.0K", "252G", "1.5Gi"), so that a df -h row
 * such as "/dev/vda 252G 17G 80G 18% /" is data; "1K-blocks" is not such
 * a field. Any other line is data and becomes an object keyed by the
 * latest header: numeric fields as JSON numbers, the others as strings
 * ("18%" and "252G" too). A data line with more fields than names puts
 * the extras, with their original spacing, into the last column, as one
 * string (ps's arguments); a header with more names than the line has
 * fields joins its trailing names with a space into the last key (df's
 * "Mounted on"). Before any header, and after a header made of section
 * labels alone, keys are the column numbers "1", "2", .... A repeated name
 * gets a suffix: "r", "r_2", "r_3".
 *
 * A field is numeric when it reads as a decimal number: an optional sign,
 * digits, an optional fraction and exponent ("12", "-0.5", "1e3", "+7",
 * "007", ".5"). Those that are JSON numbers are copied as they stand
 * ("1.50", "0.00", "12345678901234567890"); the others ("+7", "007", ".5",
 * "5.", "+1.50") are written in their shortest JSON form ("7", "7", "0.5",
 * "5", "1.5").
 */
#ifndef WSFEED_TABLE_H
#define WSFEED_TABLE_H

#include <stddef.h>

#include "buf.h"

/* What one line turned out to be. */
enum table_kind {
	TABLE_BLANK,	/* nothing but blanks: ignored */
	TABLE_HEADER,	/* new column names */
	TABLE_ROW,	/* a data line; its JSON is in table.out */
	TABLE_ERROR	/* out of memory */
};

/* A reader's state: the latest header. Zero-initialised, it is ready. */
struct table {
	char **names;		/* column names of the latest header, each
				   as a JSON string literal, quotes included */
	size_t n_names;		/* their number */
	struct buf out;		/* the JSON object of the latest row */
};

/*
 * Read one line (valid UTF-8, line end removed). On TABLE_ROW, t->out holds
 * one compact JSON object, valid until the next call.
 */
enum table_kind table_line(struct table *t, const char *line, size_t len);

/* Free the names and the output buffer. */
void table_release(struct table *t);

#endif
