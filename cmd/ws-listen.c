/*
 * ws-listen: tail a WebSocket feed to stdout, one line per message, and
 * survive network faults by reconnecting with backoff.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "backoff.h"
#include "buf.h"
#include "cli.h"
#include "client.h"
#include "header.h"
#include "jqf.h"
#include "lines.h"
#include "log.h"
#include "opts.h"
#include "output.h"
#include "sig.h"
#include "url.h"
#include "utf8.h"
#include "wsfeed.h"

/* Longest line of a --send-file. */
#define SEND_LINE_MAX (1024 * 1024)

/* Everything the command line says. */
struct options {
	struct client_config cli;	/* connecting and reconnecting */
	const char *filter;		/* -f, or NULL */
	bool raw;			/* --raw */
	uint64_t count;			/* -n; 0: no limit */
	const char **sends;		/* --send and --send-file, in order */
	size_t n_sends;
	struct header *headers;		/* -H */
	size_t n_headers;
	const char *token_file;		/* --token-file, or NULL */
	char *file_token;		/* the token read from it */
	int verbose;			/* -v count */
	int quiet;			/* -q */
};

/* What the client's callbacks need. */
struct listen {
	struct output out;
	size_t max_message;
};

enum long_only {
	OPT_RAW = 256,
	OPT_BACKOFF,
	OPT_STABLE,
	OPT_RETRIES,
	OPT_NO_RECONNECT,
	OPT_FOREVER,
	OPT_EVENTS,
	OPT_PING,
	OPT_CONNECT_TIMEOUT,
	OPT_MAX_MESSAGE,
	OPT_SEND,
	OPT_SEND_FILE,
	OPT_ORIGIN,
	OPT_TOKEN,
	OPT_TOKEN_FILE,
	OPT_CACERT,
	OPT_INSECURE
};

static const struct option long_options[] = {
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "filter",		required_argument,	NULL, 'f' },
	{ "count",		required_argument,	NULL, 'n' },
	{ "raw",		no_argument,		NULL, OPT_RAW },
	{ "backoff",		required_argument,	NULL, OPT_BACKOFF },
	{ "stable",		required_argument,	NULL, OPT_STABLE },
	{ "retries",		required_argument,	NULL, OPT_RETRIES },
	{ "no-reconnect",	no_argument,		NULL,
	    OPT_NO_RECONNECT },
	{ "forever",		no_argument,		NULL, OPT_FOREVER },
	{ "events",		no_argument,		NULL, OPT_EVENTS },
	{ "ping",		required_argument,	NULL, OPT_PING },
	{ "connect-timeout",	required_argument,	NULL,
	    OPT_CONNECT_TIMEOUT },
	{ "max-message",	required_argument,	NULL,
	    OPT_MAX_MESSAGE },
	{ "send",		required_argument,	NULL, OPT_SEND },
	{ "send-file",		required_argument,	NULL, OPT_SEND_FILE },
	{ "header",		required_argument,	NULL, 'H' },
	{ "origin",		required_argument,	NULL, OPT_ORIGIN },
	{ "token",		required_argument,	NULL, OPT_TOKEN },
	{ "token-file",		required_argument,	NULL, OPT_TOKEN_FILE },
	{ "cacert",		required_argument,	NULL, OPT_CACERT },
	{ "insecure",		no_argument,		NULL, OPT_INSECURE },
	{ NULL,			0,			NULL, 0 }
};

static void
usage(FILE *out)
{
	fprintf(out,
"usage: ws-listen [-hqVv] [-f JQ] [--raw] [-n COUNT] [--backoff MIN[,MAX]]\n"
"                 [--stable DURATION] [--retries N]\n"
"                 [--no-reconnect | --forever] [--events]\n"
"                 [--ping DURATION] [--connect-timeout DURATION]\n"
"                 [--max-message SIZE] [--send TEXT]... [--send-file FILE]\n"
"                 [-H 'Name: value']... [--origin ORIGIN]\n"
"                 [--token TOKEN | --token-file FILE] [--cacert FILE]\n"
"                 [--insecure] URL\n");
}

static void __attribute__((noreturn))
out_of_memory(void)
{
	log_err("out of memory");
	exit(EXIT_RUNTIME);
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL)
		out_of_memory();
	return p;
}

/* --backoff MIN[,MAX]; MAX defaults to 30s, or MIN when that is more. */
static void
parse_backoff(struct options *o, const char *value)
{
	char min[64];
	const char *comma = strchr(value, ',');
	size_t n = comma != NULL ? (size_t)(comma - value) : strlen(value);

	if (n >= sizeof(min))
		cli_usage_error("--backoff: bad duration '%s'", value);
	memcpy(min, value, n);
	min[n] = '\0';
	o->cli.backoff_min_ms = cli_positive_duration("--backoff", min);
	if (comma == NULL) {
		if (o->cli.backoff_max_ms < o->cli.backoff_min_ms)
			o->cli.backoff_max_ms = o->cli.backoff_min_ms;
		return;
	}
	o->cli.backoff_max_ms = cli_positive_duration("--backoff", comma + 1);
	if (o->cli.backoff_max_ms < o->cli.backoff_min_ms)
		cli_usage_error("--backoff: MAX '%s' is less than MIN '%s'",
		    comma + 1, min);
}

static void
add_send(struct options *o, const char *text, size_t len)
{
	char *copy = xrealloc(NULL, len + 1);

	memcpy(copy, text, len);
	copy[len] = '\0';
	o->sends = xrealloc(o->sends, (o->n_sends + 1) * sizeof(*o->sends));
	o->sends[o->n_sends++] = copy;
}

static void
parse_send(struct options *o, const char *text)
{
	size_t bad = utf8_check(text, strlen(text));

	if (bad < strlen(text))
		cli_usage_error("--send: not valid UTF-8 at byte %zu", bad + 1);
	add_send(o, text, strlen(text));
}

/* Each line of the file is one message; empty lines are skipped. */
static void
send_lines(struct options *o, const char *path, struct lines *lr)
{
	struct line l;
	enum lines_status st;
	size_t bad;

	while ((st = lines_next(lr, &l)) != LINES_NONE) {
		if (st == LINES_TOO_LONG) {
			log_err("--send-file %s: line %llu: longer than %d "
			    "bytes", path, (unsigned long long)l.lineno,
			    SEND_LINE_MAX);
			exit(EXIT_RUNTIME);
		}
		if ((bad = utf8_check(l.text, l.len)) < l.len) {
			log_err("--send-file %s: line %llu: not valid UTF-8 "
			    "at byte %zu", path, (unsigned long long)l.lineno,
			    bad + 1);
			exit(EXIT_RUNTIME);
		}
		add_send(o, l.text, l.len);
	}
}

static void
parse_send_file(struct options *o, const char *path)
{
	struct lines lr;
	char *space;
	size_t room;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		log_err("--send-file %s:", path);
		exit(EXIT_RUNTIME);
	}
	if (lines_init(&lr, SEND_LINE_MAX) < 0)
		out_of_memory();
	do {
		if ((space = lines_space(&lr, &room)) == NULL)
			out_of_memory();
		if ((n = read(fd, space, room)) < 0 && errno != EINTR) {
			log_err("--send-file %s:", path);
			exit(EXIT_RUNTIME);
		}
		if (n > 0)
			lines_commit(&lr, (size_t)n);
		send_lines(o, path, &lr);
	} while (n != 0);
	lines_set_eof(&lr);
	send_lines(o, path, &lr);
	lines_release(&lr);
	close(fd);
}

static void
parse_header(struct options *o, const char *line)
{
	char err[128];

	o->headers = xrealloc(o->headers, (o->n_headers + 1) *
	    sizeof(*o->headers));
	if (header_parse(line, &o->headers[o->n_headers], err,
	    sizeof(err)) < 0) {
		struct buf shown = { 0 };

		buf_add_escaped(&shown, line, strlen(line));
		cli_usage_error("-H: bad header '%s': %s", shown.data, err);
	}
	o->n_headers++;
}

/* A value that goes into a header line: --origin, --token. */
static const char *
arg_header_value(const char *name, const char *value)
{
	char err[128];

	if (header_check_value(value, strlen(value), err, sizeof(err)) < 0)
		cli_usage_error("%s: %s", name, err);
	return value;
}

/*
 * --token-file: the token is the file's first line, so that it does not
 * show in ps(1). Read at start; a trailing CR is dropped.
 */
static char *
read_token_file(const char *path)
{
	char buf[CLIENT_TOKEN_MAX + 2], err[128];

	cli_first_line("--token-file", path, buf, sizeof(buf));
	if (header_check_value(buf, strlen(buf), err, sizeof(err)) < 0) {
		log_err("--token-file %s: first line: %s", path, err);
		exit(EXIT_RUNTIME);
	}
	return strdup(buf);
}

static void
set_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->cli.backoff_min_ms = 1000;
	o->cli.backoff_max_ms = 30000;
	o->cli.stable_ms = 10000;
	o->cli.retries = -1;
	o->cli.reconnect = RECONNECT_UNLESS_DONE;
	o->cli.ping_ms = 20000;
	o->cli.connect_timeout_ms = 10000;
	o->cli.max_message = 16 * 1024 * 1024;
}

/* Options that take a value and only set a field. */
static void
parse_setting(struct options *o, int opt, const char *arg)
{
	switch (opt) {
	case OPT_STABLE:
		o->cli.stable_ms = cli_duration("--stable", arg);
		break;
	case OPT_RETRIES:
		o->cli.retries = cli_count("--retries", arg, 0, 1LL << 40);
		break;
	case OPT_PING:
		o->cli.ping_ms = cli_duration("--ping", arg);
		break;
	case OPT_CONNECT_TIMEOUT:
		o->cli.connect_timeout_ms = cli_positive_duration(
		    "--connect-timeout", arg);
		break;
	case OPT_MAX_MESSAGE:
		o->cli.max_message = cli_size("--max-message", arg);
		break;
	case OPT_BACKOFF:
		parse_backoff(o, arg);
		break;
	case OPT_SEND:
		parse_send(o, arg);
		break;
	case OPT_SEND_FILE:
		parse_send_file(o, arg);
		break;
	case 'H':
		parse_header(o, arg);
		break;
	case OPT_ORIGIN:
		o->cli.origin = arg_header_value("--origin", arg);
		break;
	case OPT_TOKEN:
		if (strlen(arg) > CLIENT_TOKEN_MAX)
			cli_usage_error("--token: longer than %d bytes",
			    CLIENT_TOKEN_MAX);
		o->cli.token = arg_header_value("--token", arg);
		break;
	case OPT_TOKEN_FILE:
		o->token_file = arg;
		break;
	case OPT_CACERT:
		o->cli.cacert = arg;
		break;
	}
}

static void
parse_option(struct options *o, int opt, const char *arg)
{
	switch (opt) {
	case 'h':
		usage(stdout);
		exit(EXIT_OK);
	case 'V':
		printf("ws-listen %s\n", WSFEED_VERSION);
		exit(EXIT_OK);
	case 'q':
		o->quiet = 1;
		break;
	case 'v':
		o->verbose++;
		break;
	case 'f':
		o->filter = arg;
		break;
	case 'n':
		o->count = (uint64_t)cli_count("-n", arg, 1, 1LL << 40);
		break;
	case OPT_RAW:
		o->raw = true;
		break;
	case OPT_NO_RECONNECT:
		if (o->cli.reconnect == RECONNECT_FOREVER)
			cli_usage_error("--no-reconnect and --forever conflict");
		o->cli.reconnect = RECONNECT_NEVER;
		break;
	case OPT_FOREVER:
		if (o->cli.reconnect == RECONNECT_NEVER)
			cli_usage_error("--no-reconnect and --forever conflict");
		o->cli.reconnect = RECONNECT_FOREVER;
		break;
	case OPT_EVENTS:
		o->cli.events = true;
		break;
	case OPT_INSECURE:
		o->cli.insecure = true;
		break;
	default:
		parse_setting(o, opt, arg);
		break;
	}
}

static void
parse_url(struct options *o, const char *text)
{
	char err[256];

	if (url_parse(text, &o->cli.url, err, sizeof(err)) < 0)
		cli_usage_error("bad URL '%s': %s", text, err);
	o->cli.url_text = text;
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	int opt;

	set_defaults(o);
	while ((opt = cli_getopt(argc, argv, "hVqvf:n:H:",
	    long_options)) != -1)
		parse_option(o, opt, optarg);
	if (optind == argc)
		cli_usage_error("no URL given");
	if (optind + 1 < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind + 1]);
	parse_url(o, argv[optind]);
	o->cli.sends = o->sends;
	o->cli.n_sends = o->n_sends;
	o->cli.headers = o->headers;
	o->cli.n_headers = o->n_headers;
}

static bool
has_header(const struct options *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->n_headers; i++)
		if (strcasecmp(o->headers[i].name, name) == 0)
			return true;
	return false;
}

/* One message per conflict, right after parsing. */
static void
check_options(const struct options *o)
{
	if (o->raw && o->filter != NULL)
		cli_usage_error("-f needs JSON messages: not with --raw");
	if (o->cli.token != NULL && o->token_file != NULL)
		cli_usage_error("--token and --token-file conflict");
	if ((o->cli.token != NULL || o->token_file != NULL) &&
	    has_header(o, "Authorization:"))
		cli_usage_error("-H Authorization and --token conflict");
	if (o->cli.cacert != NULL && o->cli.insecure)
		cli_usage_error("--cacert and --insecure conflict");
	if ((o->cli.cacert != NULL || o->cli.insecure) && !o->cli.url.tls)
		cli_usage_error("--cacert and --insecure need a wss:// URL");
}

/* Files named by options are read, or checked, before connecting. */
static void
load_files(struct options *o)
{
	char err[256];

	if (o->token_file != NULL)
		o->cli.token = o->file_token = read_token_file(o->token_file);
	if (o->token_file != NULL && o->file_token == NULL)
		out_of_memory();
	if (o->cli.cacert != NULL &&
	    client_cafile_check(o->cli.cacert, err, sizeof(err)) < 0) {
		log_err("--cacert %s: %s", o->cli.cacert, err);
		exit(EXIT_RUNTIME);
	}
}

/*
 * WSFEED_SEED pins the jitter of the reconnect delays, for tests; without
 * it every run draws differently.
 */
static uint64_t
jitter_seed(void)
{
	const char *s = getenv("WSFEED_SEED");
	char err[128];
	long long v;

	if (s == NULL || *s == '\0')
		return backoff_seed();
	if (opts_count(s, 0, INT64_MAX, &v, err, sizeof(err)) < 0)
		cli_usage_error("WSFEED_SEED: bad number '%s': %s", s, err);
	return (uint64_t)v;
}

static struct jqf *
compile(const char *program)
{
	struct buf err = { 0 };
	struct jqf *f;

	if (program == NULL)
		return NULL;
	if ((f = jqf_new(program, jv_null(), &err)) == NULL)
		cli_usage_error("-f: %s", err.data);
	return f;
}

static int
on_message(void *arg, enum client_msg kind, const char *data, size_t len)
{
	struct listen *l = arg;

	switch (kind) {
	case CLIENT_TEXT:
		output_message(&l->out, data, len);
		break;
	case CLIENT_BINARY:
		output_skip(&l->out, "binary message of %zu bytes: skipped",
		    len);
		break;
	case CLIENT_TOO_BIG:
		output_skip(&l->out, "%zu bytes, over --max-message (%zu): "
		    "skipped", len, l->max_message);
		break;
	}
	return l->out.status != OUTPUT_OK;
}

/* A reader that went away is noticed here even when no message comes. */
static int
on_tick(void *arg)
{
	struct listen *l = arg;

	badline_tick(&l->out.bad);
	if (l->out.status == OUTPUT_OK && output_reader_gone(l->out.fd))
		l->out.status = OUTPUT_GONE;
	return l->out.status != OUTPUT_OK;
}

static int
run(struct options *o, struct listen *l)
{
	struct client *c;
	int status;

	if ((o->cli.signal_fd = sig_init()) < 0) {
		log_err("signals:");
		return EXIT_RUNTIME;
	}
	o->cli.seed = jitter_seed();
	o->cli.on_message = on_message;
	o->cli.on_tick = on_tick;
	o->cli.arg = l;
	if ((c = client_new(&o->cli)) == NULL)
		return EXIT_RUNTIME;
	status = client_run(c);
	client_free(c);
	if (l->out.status == OUTPUT_FAILED) {
		errno = l->out.write_errno;
		log_err("stdout:");
		return EXIT_RUNTIME;
	}
	return status;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct listen l;
	int status, closed;
	size_t i;

	closed = cli_begin();
	log_init("ws-listen", LVL_NOTICE);
	parse_args(argc, argv, &o);
	check_options(&o);
	log_init("ws-listen", log_level_from(o.verbose, o.quiet));
	/* Lines have nowhere to go: end as when the reader goes away. */
	if (closed & (1 << STDOUT_FILENO))
		return EXIT_OK;
	load_files(&o);
	l.max_message = o.cli.max_message;
	output_init(&l.out, STDOUT_FILENO, o.raw, compile(o.filter),
	    o.count, &sig_caught);
	status = run(&o, &l);
	output_release(&l.out);
	for (i = 0; i < o.n_sends; i++)
		free((void *)o.sends[i]);
	free(o.sends);
	free(o.headers);
	free(o.file_token);
	return status;
}
