/*
 * ws-snapshot: fold JSON events from stdin into a state, written as it
 * changes and kept in a file that survives crashes.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "jqf.h"
#include "log.h"
#include "opts.h"
#include "snapshot.h"
#include "state.h"
#include "statefile.h"
#include "wsfeed.h"

/* Everything the command line says. */
struct options {
	const char *filter;	/* -f, or NULL */
	const char *key;	/* --key, or NULL */
	const char *reduce;	/* --reduce, or NULL */
	bool merge;		/* --merge */
	bool ttl_given;		/* --ttl was given */
	int64_t ttl_ms;		/* --ttl; 0 never */
	int64_t every_ms;	/* --every; 0 each change */
	const char *state_path;	/* --state-file, or NULL */
	const char *out_path;	/* -o, or NULL */
	size_t max_line;	/* --max-line */
	int verbose;		/* -v count */
	int quiet;		/* -q */
};

enum long_only {
	OPT_KEY = 256,
	OPT_TTL,
	OPT_MERGE,
	OPT_REDUCE,
	OPT_EVERY,
	OPT_STATE_FILE,
	OPT_MAX_LINE
};

static const struct option long_options[] = {
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "quiet",	no_argument,		NULL, 'q' },
	{ "verbose",	no_argument,		NULL, 'v' },
	{ "filter",	required_argument,	NULL, 'f' },
	{ "key",	required_argument,	NULL, OPT_KEY },
	{ "ttl",	required_argument,	NULL, OPT_TTL },
	{ "merge",	no_argument,		NULL, OPT_MERGE },
	{ "reduce",	required_argument,	NULL, OPT_REDUCE },
	{ "every",	required_argument,	NULL, OPT_EVERY },
	{ "state-file",	required_argument,	NULL, OPT_STATE_FILE },
	{ "output",	required_argument,	NULL, 'o' },
	{ "max-line",	required_argument,	NULL, OPT_MAX_LINE },
	{ NULL,		0,			NULL, 0 }
};

static void
usage(FILE *out)
{
	fprintf(out,
"usage: ws-snapshot [-hqVv] [-f JQ] [--key JQ [--ttl DURATION]] [--merge]\n"
"                   [--reduce JQ] [--every DURATION] [--state-file FILE]\n"
"                   [-o FILE] [--max-line SIZE]\n");
}

static void
parse_option(struct options *o, int opt, const char *arg)
{
	switch (opt) {
	case 'h':
		usage(stdout);
		exit(EXIT_OK);
	case 'V':
		printf("ws-snapshot %s\n", WSFEED_VERSION);
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
	case 'o':
		o->out_path = arg;
		break;
	case OPT_KEY:
		o->key = arg;
		break;
	case OPT_TTL:
		o->ttl_ms = cli_duration("--ttl", arg);
		o->ttl_given = true;
		break;
	case OPT_MERGE:
		o->merge = true;
		break;
	case OPT_REDUCE:
		o->reduce = arg;
		break;
	case OPT_EVERY:
		o->every_ms = cli_duration("--every", arg);
		break;
	case OPT_STATE_FILE:
		o->state_path = arg;
		break;
	case OPT_MAX_LINE:
		o->max_line = cli_size("--max-line", arg);
		break;
	}
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	int opt;

	memset(o, 0, sizeof(*o));
	o->max_line = 1024 * 1024;
	while ((opt = cli_getopt(argc, argv, "hVqvf:o:",
	    long_options)) != -1)
		parse_option(o, opt, optarg);
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
}

/* One message per conflict, right after parsing. */
static void
check_options(const struct options *o)
{
	if (o->merge && o->reduce != NULL)
		cli_usage_error("--merge and --reduce are two ways to fold: "
		    "give one");
	if (o->ttl_given && o->key == NULL)
		cli_usage_error("--ttl drops keys: it needs --key");
	if (o->state_path != NULL && o->out_path != NULL &&
	    statefile_same(o->state_path, o->out_path))
		cli_usage_error("-o and --state-file name the same file");
}

static struct jqf *
compile(const char *option, const char *program)
{
	struct buf err = { 0 };
	struct jqf *f;

	if (program == NULL)
		return NULL;
	if (strcmp(option, "--reduce") == 0)
		f = state_reduce_new(program, &err);
	else
		f = jqf_new(program, jv_null(), &err);
	if (f == NULL)
		cli_usage_error("%s: %s", option, err.data);
	return f;
}

int
main(int argc, char **argv)
{
	struct snapshot_config cfg = { 0 };
	struct state_config scfg = { 0 };
	struct snapshot s;
	struct options o;
	int status, closed;

	closed = cli_begin();
	log_init("ws-snapshot", LVL_NOTICE);
	parse_args(argc, argv, &o);
	check_options(&o);
	log_init("ws-snapshot", log_level_from(o.verbose, o.quiet));
	/*
	 * A closed stdout ends the program as a reader that went away does,
	 * unless the state has somewhere else to go.
	 */
	if ((closed & (1 << STDOUT_FILENO)) && o.out_path == NULL &&
	    o.state_path == NULL)
		return EXIT_OK;

	scfg.fold = o.merge ? STATE_MERGE : o.reduce != NULL ?
	    STATE_REDUCE : STATE_LATEST;
	scfg.key = compile("--key", o.key);
	scfg.reduce = compile("--reduce", o.reduce);
	scfg.ttl_ms = o.ttl_ms;
	cfg.filter = compile("-f", o.filter);
	cfg.max_line = o.max_line;
	cfg.every_ms = o.every_ms;
	cfg.state_path = o.state_path;
	cfg.out_path = o.out_path;

	if (snapshot_init(&s, &cfg, &scfg) < 0)
		status = EXIT_RUNTIME;
	else
		status = snapshot_run(&s);
	snapshot_release(&s);
	return status;
}
