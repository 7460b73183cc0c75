/*
 * producer: write JSON lines like small metrics objects to stdout, at a
 * fixed rate or as fast as the reader takes them, for the benchmark.
 *
 * Each line carries "seq" (1, 2, ...) and "t", the microsecond on
 * CLOCK_MONOTONIC when the line was due: by the schedule at a fixed rate,
 * or the moment it was made under --saturate. A line that the reader was
 * too slow to take keeps the time it was due, so that the latency a client
 * measures includes the time the line waited in the producer.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"
#include "cli.h"
#include "log.h"
#include "opts.h"
#include "wsfeed.h"

/* Bytes handed to one write(). */
#define CHUNK (64 * 1024)
/* Longest line, --size included. */
#define LINE_MAX_BYTES 4096

struct options {
	double rate;		/* -r: lines per second */
	uint64_t count;		/* -n: lines in all; 0: by -d */
	int64_t duration_ms;	/* -d */
	size_t size;		/* --size: pad lines to this many bytes */
	int saturate;		/* --saturate */
	int verbose;
	int quiet;
};

static const struct option long_options[] = {
	{ "help",	no_argument,		NULL, 'h' },
	{ "quiet",	no_argument,		NULL, 'q' },
	{ "verbose",	no_argument,		NULL, 'v' },
	{ "rate",	required_argument,	NULL, 'r' },
	{ "count",	required_argument,	NULL, 'n' },
	{ "duration",	required_argument,	NULL, 'd' },
	{ "size",	required_argument,	NULL, 's' },
	{ "saturate",	no_argument,		NULL, 'S' },
	{ NULL,		0,			NULL, 0 }
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: producer [-hqv] [-r RATE | --saturate] "
	    "[-n COUNT] [-d DURATION] [--size BYTES]\n");
}

static void
parse_option(struct options *o, int opt, const char *arg)
{
	char err[128], *end;
	uint64_t sz;

	switch (opt) {
	case 'h':
		usage(stdout);
		exit(EXIT_OK);
	case 'q':
		o->quiet = 1;
		break;
	case 'v':
		o->verbose++;
		break;
	case 'r':
		o->rate = strtod(arg, &end);
		if (*end != '\0' || !(o->rate > 0 && o->rate <= 1e8))
			cli_usage_error("-r: bad rate '%s'", arg);
		break;
	case 'n':
		o->count = (uint64_t)cli_count("-n", arg, 1, 1LL << 50);
		break;
	case 'd':
		o->duration_ms = cli_duration("-d", arg);
		break;
	case 's':
		if (opts_size(arg, &sz, err, sizeof(err)) < 0 ||
		    sz > LINE_MAX_BYTES - 1)
			cli_usage_error("--size: bad size '%s'", arg);
		o->size = (size_t)sz;
		break;
	case 'S':
		o->saturate = 1;
		break;
	}
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	int opt;

	memset(o, 0, sizeof(*o));
	o->rate = 1000;
	while ((opt = cli_getopt(argc, argv, "hqvr:n:d:",
	    long_options)) != -1)
		parse_option(o, opt, optarg);
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (o->count == 0 && o->duration_ms == 0)
		cli_usage_error("give -n COUNT or -d DURATION");
	if (o->count == 0 && !o->saturate)
		o->count = (uint64_t)(o->rate * (double)o->duration_ms / 1e3);
	if (o->count == 0 && !o->saturate)
		cli_usage_error("-r and -d make no line at all");
}

/*
 * One line for seq, due at t, about 100 bytes like a small metrics object
 * (padded to size when asked), with its newline. Returns its length.
 */
static size_t
make_line(char *p, uint64_t seq, int64_t t, size_t size)
{
	unsigned v = (unsigned)(seq * 2654435761u >> 8);
	int n;

	n = snprintf(p, LINE_MAX_BYTES, "{\"seq\":%llu,\"t\":%lld,"
	    "\"host\":\"web-%02u\",\"cpu\":{\"us\":%u.%u,\"sy\":%u.%u,"
	    "\"id\":%u.%u},\"mem_mb\":%u,\"load\":%u.%02u}",
	    (unsigned long long)seq, (long long)t, (unsigned)(seq % 16),
	    v % 60, v % 10, v % 20, (v >> 4) % 10, 20 + v % 80,
	    (v >> 8) % 10, 1024 + v % 4096, v % 4, (v >> 3) % 100);
	if ((size_t)n + 1 < size) {
		/* Replace the closing brace by a padding string. */
		size_t pad = size - (size_t)n - 1, hdr = sizeof(",\"pad\":\"");

		if (pad > hdr + 1) {
			n--;
			memcpy(p + n, ",\"pad\":\"", hdr - 1);
			n += (int)hdr - 1;
			memset(p + n, 'x', pad - hdr);
			n += (int)(pad - hdr);
			memcpy(p + n, "\"}", 2);
			n += 2;
		}
	}
	p[n++] = '\n';
	return (size_t)n;
}

/* Write all of buf. Returns 0, or -1 when the reader went away. */
static int
write_all(const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(STDOUT_FILENO, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (errno != EPIPE)
				log_err("stdout:");
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static void
sleep_until_us(int64_t t)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t / 1000000),
		.tv_nsec = (long)(t % 1000000) * 1000
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		continue;
}

/* Lines at o->rate, each stamped with the time it was due. */
static uint64_t
run_rate(const struct options *o, char *buf)
{
	double step = 1e6 / o->rate;
	int64_t start = bench_now_us();
	uint64_t done = 0, due;
	size_t used;

	while (done < o->count) {
		int64_t now = bench_now_us();

		due = (uint64_t)((double)(now - start) / step) + 1;
		if (due > o->count)
			due = o->count;
		if (due <= done) {
			sleep_until_us(start + (int64_t)((double)done * step));
			continue;
		}
		for (used = 0; done < due && used + LINE_MAX_BYTES <= CHUNK;
		    done++)
			used += make_line(buf + used, done + 1, start +
			    (int64_t)((double)done * step), o->size);
		if (write_all(buf, used) < 0)
			break;
	}
	return done;
}

/* Lines as fast as the reader takes them, stamped when made. */
static uint64_t
run_saturate(const struct options *o, char *buf)
{
	int64_t start = bench_now_us(), now = start;
	int64_t end = start + o->duration_ms * 1000;
	uint64_t done = 0;
	size_t used;

	while ((o->count == 0 || done < o->count) &&
	    (o->duration_ms == 0 || now < end)) {
		for (used = 0; (o->count == 0 || done < o->count) &&
		    used + LINE_MAX_BYTES <= CHUNK; done++)
			used += make_line(buf + used, done + 1, now, o->size);
		if (write_all(buf, used) < 0)
			break;
		now = bench_now_us();
	}
	return done;
}

int
main(int argc, char **argv)
{
	struct options o;
	int64_t start;
	uint64_t lines;
	char *buf;

	log_init("producer", LVL_NOTICE);
	parse_args(argc, argv, &o);
	log_init("producer", log_level_from(o.verbose, o.quiet));
	signal(SIGPIPE, SIG_IGN);
	if ((buf = malloc(CHUNK)) == NULL) {
		log_err("out of memory");
		return EXIT_RUNTIME;
	}
	start = bench_now_us();
	lines = o.saturate ? run_saturate(&o, buf) : run_rate(&o, buf);
	log_info("%llu lines in %.3f s", (unsigned long long)lines,
	    (double)(bench_now_us() - start) / 1e6);
	free(buf);
	return EXIT_OK;
}
