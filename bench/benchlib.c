/*
 * What the benchmark programs share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "benchlib.h"

/* Histogram: values below 2^SUB_BITS+1 are exact, then 2^SUB_BITS steps. */
#define SUB_BITS 7
#define SUB (1 << SUB_BITS)
#define EXACT (2 * SUB)
#define N_BUCKETS (EXACT + (63 - SUB_BITS) * SUB)

struct hist {
	uint64_t count;
	int64_t max;
	uint64_t n[N_BUCKETS];
};

int64_t
bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
ws_frame_parse(const unsigned char *p, size_t len, struct ws_frame *f)
{
	size_t need = 2, i;

	if (len < 2)
		return 0;
	if (p[0] & 0x70)
		return -1;
	f->fin = (p[0] & 0x80) != 0;
	f->opcode = p[0] & 0x0f;
	f->masked = (p[1] & 0x80) != 0;
	f->len = p[1] & 0x7f;
	if (f->len == 126)
		need += 2;
	else if (f->len == 127)
		need += 8;
	if (f->masked)
		need += 4;
	if (len < need)
		return 0;
	if (f->len == 126)
		f->len = (uint64_t)p[2] << 8 | p[3];
	else if (f->len == 127) {
		if (p[2] & 0x80)
			return -1;
		for (f->len = 0, i = 2; i < 10; i++)
			f->len = f->len << 8 | p[i];
	}
	if ((f->opcode & 0x8) && (f->len > 125 || !f->fin))
		return -1;
	if (f->masked)
		memcpy(f->mask, p + need - 4, 4);
	f->hdr_len = need;
	return 1;
}

void
ws_unmask(unsigned char *p, size_t len, const unsigned char mask[4])
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] ^= mask[i & 3];
}

size_t
ws_frame_client(unsigned char *out, int opcode, const void *payload,
    size_t len, const unsigned char mask[4])
{
	size_t h = 2;
	int i;

	out[0] = 0x80 | (unsigned char)opcode;
	if (len < 126)
		out[1] = 0x80 | (unsigned char)len;
	else if (len <= 0xffff) {
		out[1] = 0x80 | 126;
		out[2] = (unsigned char)(len >> 8);
		out[3] = (unsigned char)len;
		h = 4;
	} else {
		out[1] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			out[2 + i] = (unsigned char)((uint64_t)len >>
			    (56 - 8 * i));
		h = 10;
	}
	memcpy(out + h, mask, 4);
	h += 4;
	if (len > 0)
		memcpy(out + h, payload, len);
	ws_unmask(out + h, len, mask);
	return h + len;
}

int
ws_accept_key(const char *key, size_t klen, char out[WS_ACCEPT_LEN + 1])
{
	char both[64 + sizeof(WS_GUID)];
	unsigned char digest[20];

	if (klen > 64)
		return -1;
	memcpy(both, key, klen);
	memcpy(both + klen, WS_GUID, sizeof(WS_GUID) - 1);
	/* The hash is OpenSSL's: only the WebSocket part is ours to write. */
	SHA1((const unsigned char *)both, klen + sizeof(WS_GUID) - 1, digest);
	EVP_EncodeBlock((unsigned char *)out, digest, sizeof(digest));
	return 0;
}

/* Digits at p (len bytes) into out; returns how many, -1 for none. */
static long
parse_digits(const char *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (i == 0)
		return -1;
	*out = v;
	return (long)i;
}

long
bench_field_u64(const char *p, size_t len, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *at;
	long n;

	/* The producer's lines start with {"seq":..,"t":.. */
	if (len > klen && (p[0] == '{' || p[0] == ',') &&
	    memcmp(p + 1, key, klen) == 0)
		at = p + 1;
	else if ((at = memmem(p, len, key, klen)) == NULL)
		return -1;
	at += klen;
	if ((n = parse_digits(at, len - (size_t)(at - p), out)) < 0)
		return -1;
	return (long)(at - p) + n;
}

struct hist *
hist_new(void)
{
	return calloc(1, sizeof(struct hist));
}

/* Bucket of v (v >= 0). */
static size_t
hist_bucket(uint64_t v)
{
	int e;

	if (v < EXACT)
		return (size_t)v;
	e = 63 - __builtin_clzll(v);	/* 2^e <= v, e > SUB_BITS */
	return EXACT + (size_t)(e - SUB_BITS - 1) * SUB +
	    (size_t)((v >> (e - SUB_BITS)) & (SUB - 1));
}

/* Largest value that falls into bucket b. */
static uint64_t
hist_upper(size_t b)
{
	size_t e, sub;

	if (b < EXACT)
		return b;
	e = (b - EXACT) / SUB + SUB_BITS + 1;
	sub = (b - EXACT) % SUB;
	return ((uint64_t)(SUB + sub + 1) << (e - SUB_BITS)) - 1;
}

void
hist_add(struct hist *h, int64_t us)
{
	if (us < 0)
		us = 0;
	h->n[hist_bucket((uint64_t)us)]++;
	h->count++;
	if (us > h->max)
		h->max = us;
}

void
hist_merge(struct hist *a, const struct hist *b)
{
	size_t i;

	for (i = 0; i < N_BUCKETS; i++)
		a->n[i] += b->n[i];
	a->count += b->count;
	if (b->max > a->max)
		a->max = b->max;
}

uint64_t
hist_count(const struct hist *h)
{
	return h->count;
}

int64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;
	size_t i;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)(q * (double)h->count + 0.5);
	if (rank < 1)
		rank = 1;
	if (rank >= h->count)
		return h->max;
	for (i = 0; i < N_BUCKETS; i++) {
		seen += h->n[i];
		if (seen >= rank) {
			int64_t up = (int64_t)hist_upper(i);

			return up < h->max ? up : h->max;
		}
	}
	return h->max;
}

int64_t
hist_max(const struct hist *h)
{
	return h->max;
}

double
proc_cpu_seconds(pid_t pid)
{
	char path[64], line[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* The command name may hold blanks and parentheses: skip past it. */
	if (p == NULL || (p = strrchr(line, ')')) == NULL)
		return -1;
	ok = sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &ut, &st);
	if (ok != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

long
proc_status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			kb = strtol(line + flen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

size_t
bench_raise_nofile(size_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < want && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return (size_t)rl.rlim_cur;
}
