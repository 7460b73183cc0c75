/*
 * Tests of lib/table.c, on made-up lines and on real output of vmstat,
 * iostat, ps and df captured into tests/fixtures/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "table.h"
#include "tap.h"

/* The tests run from the top of the tree, as make unit does. */
#define FIXTURES "tests/fixtures/"
#define MAX_ROWS 32

/* What a whole fixture turned into. */
struct run {
	char kinds[128];	/* one letter per line: B, H, R or E */
	char *rows[MAX_ROWS];	/* the JSON of each row, in order */
	size_t n_rows;
};

static char
kind_letter(enum table_kind k)
{
	switch (k) {
	case TABLE_BLANK:
		return 'B';
	case TABLE_HEADER:
		return 'H';
	case TABLE_ROW:
		return 'R';
	default:
		return 'E';
	}
}

/* Feed one line; on a row, keep a copy of its JSON. */
static void
run_line(struct table *t, struct run *r, const char *line, size_t len)
{
	enum table_kind k = table_line(t, line, len);
	size_t n = strlen(r->kinds);

	if (n + 1 < sizeof(r->kinds))
		r->kinds[n] = kind_letter(k);
	if (k == TABLE_ROW && r->n_rows < MAX_ROWS)
		r->rows[r->n_rows++] = strdup(t->out.data);
}

/* Run every line of a fixture through one table. Returns -1 if absent. */
static int
run_fixture(const char *name, struct run *r)
{
	struct table t = { 0 };
	char path[256], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), FIXTURES "%s", name);
	fp = fopen(path, "r");
	if (fp == NULL) {
		TAP_FAIL_AT("cannot open %s (run from the top directory)",
		    path);
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) > 0) {
		if (line[len - 1] == '\n')
			len--;
		run_line(&t, r, line, (size_t)len);
	}
	free(line);
	fclose(fp);
	table_release(&t);
	return 0;
}

/* Every row of a run is valid JSON and an object. */
static void
check_rows_valid(const struct run *r)
{
	struct json_error err;
	size_t i;

	for (i = 0; i < r->n_rows; i++) {
		if (json_check(r->rows[i], strlen(r->rows[i]), &err) != 0)
			TAP_FAIL_AT("row %zu is not JSON (%s at %zu): %s", i,
			    err.what, err.offset, r->rows[i]);
		CHECK(r->rows[i][0] == '{');
	}
}

static void
free_run(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n_rows; i++)
		free(r->rows[i]);
}

/* Row i of a run, or "" when there are fewer rows. */
static const char *
row(const struct run *r, size_t i)
{
	return i < r->n_rows ? r->rows[i] : "";
}

/* Feed lines to one table; check the kind and, for rows, the JSON. */
static void
expect(struct table *t, const char *line, enum table_kind kind,
    const char *json)
{
	enum table_kind k = table_line(t, line, strlen(line));

	if (k != kind)
		TAP_FAIL_AT("'%s': kind %c, want %c", line, kind_letter(k),
		    kind_letter(kind));
	else if (k == TABLE_ROW && strcmp(t->out.data, json) != 0)
		TAP_FAIL_AT("'%s':\n#  got %s\n# want %s", line, t->out.data,
		    json);
}

static void
test_blank(void)
{
	struct table t = { 0 };

	expect(&t, "", TABLE_BLANK, NULL);
	expect(&t, "   \t  ", TABLE_BLANK, NULL);
	CHECK_INT(t.n_names, 0);
	table_release(&t);
	table_release(&t);
}

static void
test_before_any_header(void)
{
	struct table t = { 0 };

	expect(&t, "1 2 x", TABLE_ROW, "{\"1\":1,\"2\":2,\"3\":\"x\"}");
	expect(&t, "  eth0  12  ", TABLE_ROW, "{\"1\":\"eth0\",\"2\":12}");
	table_release(&t);
}

static void
test_header_and_rows(void)
{
	struct table t = { 0 };

	expect(&t, "a b c", TABLE_HEADER, NULL);
	CHECK_INT(t.n_names, 3);
	expect(&t, "1 2 3", TABLE_ROW, "{\"a\":1,\"b\":2,\"c\":3}");
	expect(&t, "\tx\t\ty 3\t", TABLE_ROW,
	    "{\"a\":\"x\",\"b\":\"y\",\"c\":3}");
	/* A new header replaces the old one. */
	expect(&t, "p q", TABLE_HEADER, NULL);
	expect(&t, "1 2", TABLE_ROW, "{\"p\":1,\"q\":2}");
	table_release(&t);
}

static void
test_numbers(void)
{
	struct table t = { 0 };

	/* JSON numbers stand as they are. */
	expect(&t, "0 -0 12 -0.5 1e3 1E+05 1.50 0.00 12345678901234567890",
	    TABLE_ROW, "{\"1\":0,\"2\":-0,\"3\":12,\"4\":-0.5,\"5\":1e3,"
	    "\"6\":1E+05,\"7\":1.50,\"8\":0.00,"
	    "\"9\":12345678901234567890}");
	/* The others get their shortest JSON form. */
	expect(&t, "+7 007 .5 5. -.5 +1.50 -007.0 00 +1e+005 0.5e-03",
	    TABLE_ROW, "{\"1\":7,\"2\":7,\"3\":0.5,\"4\":5,\"5\":-0.5,"
	    "\"6\":1.5,\"7\":-7,\"8\":0,\"9\":1e5,\"10\":0.5e-03}");
	expect(&t, "+0.0e+0 -00.100e-010", TABLE_ROW,
	    "{\"1\":0,\"2\":-0.1e-10}");
	table_release(&t);
}

static void
test_not_numbers(void)
{
	struct table t = { 0 };

	/* The "1" keeps this a data line; the rest are strings. */
	expect(&t, "1 12% 4.0K 1K-blocks 0:02 17:03 - + . e5 1e 0x1F nan "
	    "inf 1,5 1.2.3 --", TABLE_ROW,
	    "{\"1\":1,\"2\":\"12%\",\"3\":\"4.0K\",\"4\":\"1K-blocks\","
	    "\"5\":\"0:02\",\"6\":\"17:03\",\"7\":\"-\",\"8\":\"+\","
	    "\"9\":\".\",\"10\":\"e5\",\"11\":\"1e\",\"12\":\"0x1F\","
	    "\"13\":\"nan\",\"14\":\"inf\",\"15\":\"1,5\","
	    "\"16\":\"1.2.3\",\"17\":\"--\"}");
	table_release(&t);
}

/* A number with a unit makes a line data, but stays a string. */
static void
test_units_mark_data(void)
{
	static const char *data[] = {
		"x 18%", "x 252G", "x 4.0K", "x 1.5Gi", "x 512B", "x 3MiB",
		"x 7kB", "x 2E", "x 1P", "x 9T",
	};
	static const char *headers[] = {
		"x 1K-blocks", "x 12e", "x 5s", "x 3m", "x 2g", "x 1KK",
		"x 1Ki%", "x %12", "x G12", "x 1iB",
	};
	struct table t = { 0 };
	size_t i;

	for (i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		CHECK_INT(table_line(&t, data[i], strlen(data[i])),
		    TABLE_ROW);
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		CHECK_INT(table_line(&t, headers[i], strlen(headers[i])),
		    TABLE_HEADER);
	expect(&t, "fs size", TABLE_HEADER, NULL);
	expect(&t, "/dev/vda 252G", TABLE_ROW,
	    "{\"fs\":\"/dev/vda\",\"size\":\"252G\"}");
	table_release(&t);
}

static void
test_extras_join_last_column(void)
{
	struct table t = { 0 };

	expect(&t, "PID CMD", TABLE_HEADER, NULL);
	expect(&t, "7 sh -c  'a  b'\t x  ", TABLE_ROW,
	    "{\"PID\":7,\"CMD\":\"sh -c  'a  b'\\t x\"}");
	/* Joined extras are a string, even when they look like numbers. */
	expect(&t, "8 1 2", TABLE_ROW, "{\"PID\":8,\"CMD\":\"1 2\"}");
	/* A single last field keeps its type. */
	expect(&t, "9 42", TABLE_ROW, "{\"PID\":9,\"CMD\":42}");
	table_release(&t);
}

static void
test_trailing_names_join(void)
{
	struct table t = { 0 };

	expect(&t, "Filesystem Size Mounted on", TABLE_HEADER, NULL);
	expect(&t, "/dev/x 10 /", TABLE_ROW,
	    "{\"Filesystem\":\"/dev/x\",\"Size\":10,\"Mounted on\":\"/\"}");
	expect(&t, "/dev/x 10 / y", TABLE_ROW,
	    "{\"Filesystem\":\"/dev/x\",\"Size\":10,\"Mounted\":\"/\","
	    "\"on\":\"y\"}");
	expect(&t, "10", TABLE_ROW, "{\"Filesystem Size Mounted on\":10}");
	table_release(&t);
}

static void
test_repeated_names(void)
{
	struct table t = { 0 };

	expect(&t, "r r b r r_2", TABLE_HEADER, NULL);
	expect(&t, "1 2 3 4 5", TABLE_ROW,
	    "{\"r\":1,\"r_2\":2,\"b\":3,\"r_3\":4,\"r_2_2\":5}");
	table_release(&t);
}

static void
test_section_labels(void)
{
	struct table t = { 0 };

	expect(&t, "avg-cpu:  %user   %nice", TABLE_HEADER, NULL);
	CHECK_INT(t.n_names, 2);
	expect(&t, "  1.00  2.50", TABLE_ROW,
	    "{\"%user\":1.00,\"%nice\":2.50}");
	/* A header of labels alone leaves column numbers. */
	expect(&t, "Device:", TABLE_HEADER, NULL);
	CHECK_INT(t.n_names, 0);
	expect(&t, "sda 3", TABLE_ROW, "{\"1\":\"sda\",\"2\":3}");
	/* In a data line, a field ending in ':' is only a string. */
	expect(&t, "Average: 1", TABLE_ROW, "{\"1\":\"Average:\",\"2\":1}");
	table_release(&t);
}

static void
test_escaping(void)
{
	struct table t = { 0 };
	static const char nul_line[] = "a\0b 1";

	expect(&t, "a\"b c\\d e/f", TABLE_HEADER, NULL);
	expect(&t, "1 \"q\" x\\y", TABLE_ROW,
	    "{\"a\\\"b\":1,\"c\\\\d\":\"\\\"q\\\"\",\"e/f\":\"x\\\\y\"}");
	expect(&t, "caf\xC3\xA9 2 3", TABLE_ROW,
	    "{\"a\\\"b\":\"caf\xC3\xA9\",\"c\\\\d\":2,\"e/f\":3}");
	CHECK_INT(table_line(&t, nul_line, sizeof(nul_line) - 1), TABLE_ROW);
	CHECK_STR(t.out.data,
	    "{\"a\\\"b\":\"a\\u0000b\",\"c\\\\d e/f\":1}");
	CHECK_INT(json_check(t.out.data, t.out.len, NULL), 0);
	table_release(&t);
}

/* Only len bytes count: the line need not end in NUL. */
static void
test_length_not_nul(void)
{
	struct table t = { 0 };

	CHECK_INT(table_line(&t, "a b IGNORED", 3), TABLE_HEADER);
	CHECK_INT(table_line(&t, "1 2 3", 3), TABLE_ROW);
	CHECK_STR(t.out.data, "{\"a\":1,\"b\":2}");
	table_release(&t);
}

static void
test_vmstat(void)
{
	struct run r;

	if (run_fixture("vmstat.txt", &r) < 0)
		return;
	CHECK_STR(r.kinds, "HHRRR");
	CHECK_STR(row(&r, 0), "{\"r\":1,\"b\":0,\"swpd\":0,\"free\":24285880,"
	    "\"buff\":8992,\"cache\":295608,\"si\":0,\"so\":0,\"bi\":1688,"
	    "\"bo\":1386,\"in\":252,\"cs\":535,\"us\":4,\"sy\":3,\"id\":91,"
	    "\"wa\":1,\"st\":0}");
	CHECK_STR(row(&r, 2), "{\"r\":1,\"b\":0,\"swpd\":0,\"free\":24285880,"
	    "\"buff\":8992,\"cache\":295608,\"si\":0,\"so\":0,\"bi\":372,"
	    "\"bo\":52,\"in\":55,\"cs\":88,\"us\":0,\"sy\":0,\"id\":100,"
	    "\"wa\":0,\"st\":0}");
	check_rows_valid(&r);
	free_run(&r);
}

static void
test_vmstat_wide(void)
{
	struct run r;

	if (run_fixture("vmstat-w.txt", &r) < 0)
		return;
	CHECK_STR(r.kinds, "HHRR");
	CHECK_STR(row(&r, 1), "{\"r\":1,\"b\":0,\"swpd\":0,\"free\":24286312,"
	    "\"buff\":9364,\"cache\":295696,\"si\":0,\"so\":0,\"bi\":0,"
	    "\"bo\":0,\"in\":73,\"cs\":105,\"us\":0,\"sy\":0,\"id\":100,"
	    "\"wa\":0,\"st\":0,\"gu\":0}");
	check_rows_valid(&r);
	free_run(&r);
}

static void
test_iostat(void)
{
	struct run r;

	if (run_fixture("iostat.txt", &r) < 0)
		return;
	/* Banner, then per report: avg-cpu, Device, each with a row. */
	CHECK_STR(r.kinds, "HBHRBHRBBHRBHRBB");
	CHECK_INT(r.n_rows, 4);
	CHECK_STR(row(&r, 0), "{\"%user\":4.38,\"%nice\":0.00,"
	    "\"%system\":3.14,\"%iowait\":1.19,\"%steal\":0.01,"
	    "\"%idle\":91.28}");
	CHECK_STR(row(&r, 1), "{\"Device\":\"vda\",\"tps\":231.25,"
	    "\"kB_read/s\":3334.88,\"kB_wrtn/s\":2738.96,"
	    "\"kB_dscd/s\":497.16,\"kB_read\":1218797,"
	    "\"kB_wrtn\":1001008,\"kB_dscd\":181696}");
	CHECK_STR(row(&r, 2), "{\"%user\":0.50,\"%nice\":0.00,"
	    "\"%system\":0.50,\"%iowait\":0.00,\"%steal\":0.00,"
	    "\"%idle\":98.99}");
	CHECK_STR(row(&r, 3), "{\"Device\":\"vda\",\"tps\":11.00,"
	    "\"kB_read/s\":152.00,\"kB_wrtn/s\":4.00,\"kB_dscd/s\":8.00,"
	    "\"kB_read\":152,\"kB_wrtn\":4,\"kB_dscd\":8}");
	check_rows_valid(&r);
	free_run(&r);
}

static void
test_iostat_extended(void)
{
	struct run r;

	if (run_fixture("iostat-x.txt", &r) < 0)
		return;
	CHECK_STR(r.kinds, "HBHRBHRBBHRBHRBB");
	CHECK_STR(row(&r, 0), "{\"%user\":4.37,\"%nice\":0.00,"
	    "\"%system\":3.13,\"%iowait\":1.18,\"%steal\":0.01,"
	    "\"%idle\":91.30}");
	CHECK_STR(row(&r, 1), "{\"Device\":\"vda\",\"r/s\":142.54,"
	    "\"rkB/s\":3326.10,\"rrqm/s\":24.33,\"%rrqm\":14.58,"
	    "\"r_await\":0.37,\"rareq-sz\":23.33,\"w/s\":63.63,"
	    "\"wkB/s\":2731.42,\"wrqm/s\":22.46,\"%wrqm\":26.09,"
	    "\"w_await\":0.41,\"wareq-sz\":42.93,\"d/s\":24.48,"
	    "\"dkB/s\":495.81,\"drqm/s\":0.07,\"%drqm\":0.30,"
	    "\"d_await\":0.06,\"dareq-sz\":20.25,\"f/s\":9.99,"
	    "\"f_await\":0.03,\"aqu-sz\":0.08,\"%util\":3.01}");
	CHECK_STR(row(&r, 2), "{\"%user\":0.00,\"%nice\":0.00,"
	    "\"%system\":0.00,\"%iowait\":0.00,\"%steal\":0.00,"
	    "\"%idle\":100.00}");
	check_rows_valid(&r);
	free_run(&r);
}

static void
test_ps_aux(void)
{
	struct run r;

	if (run_fixture("ps-aux.txt", &r) < 0)
		return;
	CHECK_STR(r.kinds, "H" "RRRRRRRRRRRRRRR");
	CHECK_STR(row(&r, 0), "{\"USER\":\"root\",\"PID\":2,\"%CPU\":0.0,"
	    "\"%MEM\":0.0,\"VSZ\":0,\"RSS\":0,\"TTY\":\"?\",\"STAT\":\"S\","
	    "\"START\":\"17:03\",\"TIME\":\"0:00\","
	    "\"COMMAND\":\"[kthreadd]\"}");
	CHECK_STR(row(&r, 6), "{\"USER\":\"root\",\"PID\":83,\"%CPU\":0.2,"
	    "\"%MEM\":0.0,\"VSZ\":0,\"RSS\":0,\"TTY\":\"?\",\"STAT\":\"I\","
	    "\"START\":\"17:03\",\"TIME\":\"0:01\","
	    "\"COMMAND\":\"[kdamond.0]\"}");
	/* The argument list keeps its doubled space. */
	CHECK_STR(row(&r, 11), "{\"USER\":\"root\",\"PID\":5350,"
	    "\"%CPU\":0.0,\"%MEM\":0.0,\"VSZ\":7888,\"RSS\":4968,"
	    "\"TTY\":\"?\",\"STAT\":\"S\",\"START\":\"17:12\","
	    "\"TIME\":\"0:00\",\"COMMAND\":\"perl -e sleep 20 -- --feed "
	    "vmstat --interval 1 two  spaces --label=a b\"}");
	CHECK_STR(row(&r, 12), "{\"USER\":\"root\",\"PID\":5352,"
	    "\"%CPU\":0.0,\"%MEM\":0.0,\"VSZ\":2592,\"RSS\":1640,"
	    "\"TTY\":\"?\",\"STAT\":\"S\",\"START\":\"17:12\","
	    "\"TIME\":\"0:00\",\"COMMAND\":\"sh -c sleep 20 fixture-sh "
	    "--max-line 1M --format table\"}");
	CHECK_STR(row(&r, 13), "{\"USER\":\"root\",\"PID\":5354,"
	    "\"%CPU\":0.0,\"%MEM\":0.0,\"VSZ\":2920,\"RSS\":1816,"
	    "\"TTY\":\"?\",\"STAT\":\"S\",\"START\":\"17:12\","
	    "\"TIME\":\"0:00\",\"COMMAND\":\"sleep 20\"}");
	check_rows_valid(&r);
	free_run(&r);
}

static void
test_ps_ef(void)
{
	struct run r;

	if (run_fixture("ps-ef.txt", &r) < 0)
		return;
	CHECK_STR(r.kinds, "H" "RRRRRRRRRRRRRR");
	CHECK_STR(row(&r, 0), "{\"UID\":\"root\",\"PID\":2,\"PPID\":0,"
	    "\"C\":0,\"STIME\":\"17:03\",\"TTY\":\"?\","
	    "\"TIME\":\"00:00:00\",\"CMD\":\"[kthreadd]\"}");
	CHECK_STR(row(&r, 10), "{\"UID\":\"root\",\"PID\":5350,\"PPID\":1,"
	    "\"C\":0,\"STIME\":\"17:12\",\"TTY\":\"?\","
	    "\"TIME\":\"00:00:00\",\"CMD\":\"perl -e sleep 20 -- --feed "
	    "vmstat --interval 1 two  spaces --label=a b\"}");
	CHECK_STR(row(&r, 12), "{\"UID\":\"root\",\"PID\":5354,"
	    "\"PPID\":5352,\"C\":0,\"STIME\":\"17:12\",\"TTY\":\"?\","
	    "\"TIME\":\"00:00:00\",\"CMD\":\"sleep 20\"}");
	check_rows_valid(&r);
	free_run(&r);
}

static void
test_df(void)
{
	struct run r;

	if (run_fixture("df.txt", &r) < 0)
		return;
	CHECK_STR(r.kinds, "HRRRRR");
	CHECK_STR(row(&r, 2), "{\"Filesystem\":\"/dev/vda\","
	    "\"1K-blocks\":264212084,\"Used\":17229312,"
	    "\"Available\":83107876,\"Use%\":\"18%\",\"Mounted on\":\"/\"}");
	CHECK_STR(row(&r, 3), "{\"Filesystem\":\"tmpfs\","
	    "\"1K-blocks\":4,\"Used\":0,\"Available\":4,\"Use%\":\"0%\","
	    "\"Mounted on\":\"/run/lock\"}");
	check_rows_valid(&r);
	free_run(&r);
}

static void
test_df_human(void)
{
	struct run r;

	if (run_fixture("df-h.txt", &r) < 0)
		return;
	/* "/dev/vda 252G 17G 80G 18% /" has no plain number: still data. */
	CHECK_STR(r.kinds, "HRRRRR");
	CHECK_STR(row(&r, 0), "{\"Filesystem\":\"devtmpfs\",\"Size\":\"12G\","
	    "\"Used\":0,\"Avail\":\"12G\",\"Use%\":\"0%\","
	    "\"Mounted on\":\"/dev\"}");
	CHECK_STR(row(&r, 2), "{\"Filesystem\":\"/dev/vda\",\"Size\":\"252G\","
	    "\"Used\":\"17G\",\"Avail\":\"80G\",\"Use%\":\"18%\","
	    "\"Mounted on\":\"/\"}");
	CHECK_STR(row(&r, 3), "{\"Filesystem\":\"tmpfs\","
	    "\"Size\":\"4.0K\",\"Used\":0,\"Avail\":\"4.0K\",\"Use%\":\"0%\","
	    "\"Mounted on\":\"/run/lock\"}");
	check_rows_valid(&r);
	free_run(&r);
}

static void
test_df_type(void)
{
	struct run r;

	if (run_fixture("df-T.txt", &r) < 0)
		return;
	CHECK_STR(r.kinds, "HRRRRR");
	CHECK_STR(row(&r, 2), "{\"Filesystem\":\"/dev/vda\",\"Type\":\"ext4\","
	    "\"1K-blocks\":264212084,\"Used\":17229320,"
	    "\"Available\":83107868,\"Use%\":\"18%\",\"Mounted on\":\"/\"}");
	CHECK_STR(row(&r, 4), "{\"Filesystem\":\"tmpfs\",\"Type\":\"tmpfs\","
	    "\"1K-blocks\":12341892,\"Used\":0,\"Available\":12341892,"
	    "\"Use%\":\"0%\",\"Mounted on\":\"/sys/fs/cgroup\"}");
	check_rows_valid(&r);
	free_run(&r);
}

int
main(void)
{
	TAP_RUN(test_blank);
	TAP_RUN(test_before_any_header);
	TAP_RUN(test_header_and_rows);
	TAP_RUN(test_numbers);
	TAP_RUN(test_not_numbers);
	TAP_RUN(test_units_mark_data);
	TAP_RUN(test_extras_join_last_column);
	TAP_RUN(test_trailing_names_join);
	TAP_RUN(test_repeated_names);
	TAP_RUN(test_section_labels);
	TAP_RUN(test_escaping);
	TAP_RUN(test_length_not_nul);
	TAP_RUN(test_vmstat);
	TAP_RUN(test_vmstat_wide);
	TAP_RUN(test_iostat);
	TAP_RUN(test_iostat_extended);
	TAP_RUN(test_ps_aux);
	TAP_RUN(test_ps_ef);
	TAP_RUN(test_df);
	TAP_RUN(test_df_human);
	TAP_RUN(test_df_type);
	return tap_done();
}
