/*
 * ws-broadcast: push JSON lines from stdin to WebSocket clients in rooms.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "input.h"
#include "jqf.h"
#include "log.h"
#include "opts.h"
#include "room.h"
#include "server.h"
#include "wsfeed.h"

/* Everything the command line says. */
struct options {
	struct server_config srv;	/* listening, serving, ending */
	struct room_limits limits;	/* rooms, queues, slow clients */
	enum input_format format;	/* --format */
	const char *filter;		/* -f, or NULL */
	const char *room_by;		/* --room-by, or NULL */
	const char *token_file;		/* --token-file, or NULL */
	const char *origins[64];	/* --origin values, NULL-ended */
	size_t n_origins;
	int verbose;			/* -v count */
	int quiet;			/* -q */
};

enum long_only {
	OPT_ROOM_BY = 256,
	OPT_FORMAT,
	OPT_SNAPSHOT,
	OPT_MAX_QUEUE,
	OPT_MAX_QUEUE_BYTES,
	OPT_SLOW,
	OPT_STALL,
	OPT_PING,
	OPT_DRAIN,
	OPT_MAX_CLIENTS,
	OPT_MAX_ROOMS,
	OPT_ROOM_TTL,
	OPT_MAX_LINE,
	OPT_DASHBOARD,
	OPT_KEEP_OPEN,
	OPT_TEE,
	OPT_ORIGIN,
	OPT_TOKEN,
	OPT_TOKEN_FILE,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_STATIC
};

static const struct option long_options[] = {
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "listen",		required_argument,	NULL, 'l' },
	{ "room",		required_argument,	NULL, 'r' },
	{ "filter",		required_argument,	NULL, 'f' },
	{ "room-by",		required_argument,	NULL, OPT_ROOM_BY },
	{ "format",		required_argument,	NULL, OPT_FORMAT },
	{ "snapshot",		required_argument,	NULL, OPT_SNAPSHOT },
	{ "max-queue",		required_argument,	NULL, OPT_MAX_QUEUE },
	{ "max-queue-bytes",	required_argument,	NULL,
	    OPT_MAX_QUEUE_BYTES },
	{ "slow",		required_argument,	NULL, OPT_SLOW },
	{ "stall",		required_argument,	NULL, OPT_STALL },
	{ "ping",		required_argument,	NULL, OPT_PING },
	{ "drain",		required_argument,	NULL, OPT_DRAIN },
	{ "max-clients",	required_argument,	NULL,
	    OPT_MAX_CLIENTS },
	{ "max-rooms",		required_argument,	NULL, OPT_MAX_ROOMS },
	{ "room-ttl",		required_argument,	NULL, OPT_ROOM_TTL },
	{ "max-line",		required_argument,	NULL, OPT_MAX_LINE },
	{ "dashboard",		no_argument,		NULL, OPT_DASHBOARD },
	{ "keep-open",		no_argument,		NULL, OPT_KEEP_OPEN },
	{ "tee",		no_argument,		NULL, OPT_TEE },
	{ "origin",		required_argument,	NULL, OPT_ORIGIN },
	{ "token",		required_argument,	NULL, OPT_TOKEN },
	{ "token-file",		required_argument,	NULL, OPT_TOKEN_FILE },
	{ "tls-cert",		required_argument,	NULL, OPT_TLS_CERT },
	{ "tls-key",		required_argument,	NULL, OPT_TLS_KEY },
	{ "static",		required_argument,	NULL, OPT_STATIC },
	{ NULL,			0,			NULL, 0 }
};

static void
usage(FILE *out)
{
	fprintf(out,
"usage: ws-broadcast [-hqVv] [-l [HOST:]PORT | -l unix:PATH] [-r ROOM]\n"
"                    [--room-by JQ] [-f JQ] [--format json|raw|text|table]\n"
"                    [--snapshot last|none] [--max-queue N]\n"
"                    [--max-queue-bytes SIZE] [--slow close|drop|latest]\n"
"                    [--stall DURATION] [--ping DURATION]\n"
"                    [--drain DURATION] [--max-clients N] [--max-rooms N]\n"
"                    [--room-ttl DURATION] [--max-line SIZE]\n"
"                    [--origin ORIGIN]...\n"
"                    [--token TOKEN | --token-file FILE]\n"
"                    [--tls-cert FILE --tls-key FILE] [--dashboard]\n"
"                    [--static DIR] [--keep-open] [--tee]\n");
}

static enum slow_policy
arg_slow(const char *value)
{
	if (strcmp(value, "close") == 0)
		return SLOW_CLOSE;
	if (strcmp(value, "drop") == 0)
		return SLOW_DROP;
	if (strcmp(value, "latest") == 0)
		return SLOW_LATEST;
	cli_usage_error("--slow: '%s' is not close, drop or latest", value);
}

static void
set_defaults(struct options *o)
{
	char err[128];

	memset(o, 0, sizeof(*o));
	opts_listen("127.0.0.1:8080", &o->srv.listen, err, sizeof(err));
	o->srv.main_room = "default";
	o->srv.ping_ms = 20000;
	o->srv.drain_ms = 5000;
	o->srv.max_line = 1024 * 1024;
	o->limits.max_rooms = 10000;
	o->limits.ttl_ms = 3600 * 1000;
	o->limits.max_queue = 1024;
	o->limits.max_queue_bytes = 8 * 1024 * 1024;
	o->limits.stall_ms = 5000;
	o->limits.slow = SLOW_CLOSE;
	o->limits.keep_snapshot = true;
	o->format = FORMAT_JSON;
}

static void
parse_listen(struct options *o, const char *value)
{
	char err[256];

	if (opts_listen(value, &o->srv.listen, err, sizeof(err)) < 0)
		cli_usage_error("-l: bad address '%s': %s", value, err);
}

/* Options that take a value and only set a field. */
static void
parse_setting(struct options *o, int opt, const char *arg)
{
	switch (opt) {
	case OPT_MAX_QUEUE:
		o->limits.max_queue = cli_count("--max-queue", arg, 1,
		    1LL << 40);
		break;
	case OPT_MAX_QUEUE_BYTES:
		o->limits.max_queue_bytes = cli_size("--max-queue-bytes", arg);
		break;
	case OPT_STALL:
		o->limits.stall_ms = cli_duration("--stall", arg);
		break;
	case OPT_PING:
		o->srv.ping_ms = cli_duration("--ping", arg);
		break;
	case OPT_DRAIN:
		o->srv.drain_ms = cli_duration("--drain", arg);
		break;
	case OPT_MAX_CLIENTS:
		o->srv.max_clients = cli_count("--max-clients", arg, 1,
		    1LL << 40);
		break;
	case OPT_MAX_ROOMS:
		o->limits.max_rooms = cli_count("--max-rooms", arg, 1,
		    1LL << 40);
		break;
	case OPT_ROOM_TTL:
		o->limits.ttl_ms = cli_duration("--room-ttl", arg);
		break;
	case OPT_MAX_LINE:
		o->srv.max_line = cli_size("--max-line", arg);
		break;
	case OPT_TOKEN:
		o->srv.token = arg;
		break;
	case OPT_TOKEN_FILE:
		o->token_file = arg;
		break;
	case OPT_TLS_CERT:
		o->srv.tls_cert = arg;
		break;
	case OPT_TLS_KEY:
		o->srv.tls_key = arg;
		break;
	case OPT_STATIC:
		o->srv.static_dir = arg;
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
		printf("ws-broadcast %s\n", WSFEED_VERSION);
		exit(EXIT_OK);
	case 'q':
		o->quiet = 1;
		break;
	case 'v':
		o->verbose++;
		break;
	case 'l':
		parse_listen(o, arg);
		break;
	case 'r':
		if (!room_name_valid(arg, strlen(arg)))
			cli_usage_error("-r: '%s' is not a valid room name", arg);
		o->srv.main_room = arg;
		break;
	case 'f':
		o->filter = arg;
		break;
	case OPT_ROOM_BY:
		o->room_by = arg;
		break;
	case OPT_FORMAT:
		if (input_format_parse(arg, &o->format) < 0)
			cli_usage_error("--format: '%s' is not json, raw, text "
			    "or table", arg);
		break;
	case OPT_SNAPSHOT:
		if (strcmp(arg, "last") != 0 && strcmp(arg, "none") != 0)
			cli_usage_error("--snapshot: '%s' is not last or none",
			    arg);
		o->limits.keep_snapshot = strcmp(arg, "last") == 0;
		break;
	case OPT_SLOW:
		o->limits.slow = arg_slow(arg);
		break;
	case OPT_DASHBOARD:
		o->srv.dashboard = true;
		break;
	case OPT_KEEP_OPEN:
		o->srv.keep_open = true;
		break;
	case OPT_TEE:
		o->srv.tee = true;
		break;
	case OPT_ORIGIN:
		if (o->n_origins + 1 >= sizeof(o->origins) /
		    sizeof(o->origins[0]))
			cli_usage_error("--origin: at most %zu values",
			    sizeof(o->origins) / sizeof(o->origins[0]) - 1);
		o->origins[o->n_origins++] = arg;
		o->srv.origins = o->origins;
		break;
	default:
		parse_setting(o, opt, arg);
		break;
	}
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	int opt;

	set_defaults(o);
	while ((opt = cli_getopt(argc, argv, "hVqvl:r:f:",
	    long_options)) != -1)
		parse_option(o, opt, optarg);
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
}

/* A token travels in a header and a URL: printable, no blanks. */
static bool
token_valid(const char *t)
{
	if (*t == '\0')
		return false;
	for (; *t != '\0'; t++)
		if (*t <= ' ' || *t == 0x7f)
			return false;
	return true;
}

static void
check_origins(const struct options *o)
{
	size_t i;

	for (i = 0; i < o->n_origins; i++) {
		const char *v = o->origins[i];

		if (strcmp(v, "*") != 0 && strncmp(v, "http://", 7) != 0 &&
		    strncmp(v, "https://", 8) != 0)
			cli_usage_error("--origin: '%s' is not * or "
			    "http(s)://HOST[:PORT]", v);
	}
}

/* One message per conflict, right after parsing. */
static void
check_options(const struct options *o)
{
	if (o->format == FORMAT_RAW && o->filter != NULL)
		cli_usage_error("-f needs JSON input: not with --format raw");
	if (o->format == FORMAT_RAW && o->room_by != NULL)
		cli_usage_error("--room-by needs JSON input: not with --format "
		    "raw");
	if (o->limits.stall_ms == 0)
		cli_usage_error("--stall: must be more than 0");
	if (o->srv.token != NULL && o->token_file != NULL)
		cli_usage_error("--token and --token-file: give one of them");
	if ((o->srv.tls_cert == NULL) != (o->srv.tls_key == NULL))
		cli_usage_error("--tls-cert and --tls-key go together");
	if (o->srv.token != NULL && !token_valid(o->srv.token))
		cli_usage_error("--token: use printable characters without "
		    "blanks");
	check_origins(o);
}

static struct jqf *
compile(const char *option, const char *program)
{
	struct buf err = { 0 };
	struct jqf *f;

	if (program == NULL)
		return NULL;
	if ((f = jqf_new(program, jv_null(), &err)) == NULL) {
		cli_usage_error("%s: %s", option, err.data);
	}
	return f;
}

/* --token-file: the first line, so that the token is not in ps. */
static void
read_token_file(struct options *o)
{
	static char token[1024];

	if (o->token_file == NULL)
		return;
	cli_first_line("--token-file", o->token_file, token, sizeof(token));
	if (!token_valid(token)) {
		log_err("--token-file %s: the first line must be the token, "
		    "printable characters without blanks", o->token_file);
		exit(EXIT_RUNTIME);
	}
	o->srv.token = token;
}

/* Files named by options must be there before anything listens. */
static void
check_files(struct options *o)
{
	static char static_real[PATH_MAX];
	struct stat st;

	if (o->srv.tls_cert != NULL && (access(o->srv.tls_cert, R_OK) < 0 ||
	    access(o->srv.tls_key, R_OK) < 0)) {
		log_err("--tls-cert/--tls-key: %s:", access(o->srv.tls_cert,
		    R_OK) < 0 ? o->srv.tls_cert : o->srv.tls_key);
		exit(EXIT_RUNTIME);
	}
	if (o->srv.static_dir == NULL)
		return;
	if (realpath(o->srv.static_dir, static_real) == NULL ||
	    stat(static_real, &st) < 0) {
		log_err("--static: %s:", o->srv.static_dir);
		exit(EXIT_RUNTIME);
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("--static: %s: not a directory", o->srv.static_dir);
		exit(EXIT_RUNTIME);
	}
	o->srv.static_dir = static_real;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct input input;
	struct server *srv;
	int status;

	cli_begin();
	log_init("ws-broadcast", LVL_NOTICE);
	parse_args(argc, argv, &o);
	check_options(&o);
	log_init("ws-broadcast", log_level_from(o.verbose, o.quiet));
	read_token_file(&o);
	check_files(&o);
	o.srv.snapshot_type = o.format == FORMAT_RAW ?
	    "text/plain; charset=utf-8" : "application/json";

	input_init(&input, o.format, compile("-f", o.filter),
	    compile("--room-by", o.room_by), server_emit, NULL);
	if ((srv = server_new(&o.srv, &o.limits, &input)) == NULL) {
		input_release(&input);
		return EXIT_RUNTIME;
	}
	input.emit_arg = srv;
	status = server_run(srv);
	server_free(srv);
	input_release(&input);
	return status;
}
