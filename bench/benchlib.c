/*
 * What the benchmark programs share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

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

static uint32_t
rol(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

/* One 64-byte block into the five state words. */
static void
sha1_block(uint32_t st[5], const unsigned char *b)
{
	uint32_t w[80], a, bb, c, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)b[4 * i] << 24 |
		    (uint32_t)b[4 * i + 1] << 16 |
		    (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
	for (; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = st[0], bb = st[1], c = st[2], d = st[3], e = st[4];
	for (i = 0; i < 80; i++) {
		if (i < 20)
			f = (bb & c) | (~bb & d), k = 0x5a827999;
		else if (i < 40)
			f = bb ^ c ^ d, k = 0x6ed9eba1;
		else if (i < 60)
			f = (bb & c) | (bb & d) | (c & d), k = 0x8f1bbcdc;
		else
			f = bb ^ c ^ d, k = 0xca62c1d6;
		t = rol(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol(bb, 30), bb = a, a = t;
	}
	st[0] += a, st[1] += bb, st[2] += c, st[3] += d, st[4] += e;
}

void
bench_sha1(const void *p, size_t len, unsigned char out[20])
{
	uint32_t st[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
	    0xc3d2e1f0 };
	const unsigned char *in = p;
	unsigned char last[128];
	uint64_t bits = (uint64_t)len * 8;
	size_t rest, n, i;

	for (; len >= 64; in += 64, len -= 64)
		sha1_block(st, in);
	/* The tail, a 1 bit, zeros and the bit length: one or two blocks. */
	rest = len;
	memset(last, 0, sizeof(last));
	memcpy(last, in, rest);
	last[rest] = 0x80;
	n = rest + 9 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		last[n - 1 - i] = (unsigned char)(bits >> (8 * i));
	for (i = 0; i < n; i += 64)
		sha1_block(st, last + i);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(st[i / 4] >> (24 - 8 * (i % 4)));
}

/* Standard base64 of 20 bytes: 28 characters with one '=' of padding. */
static void
base64_20(const unsigned char in[20], char out[WS_ACCEPT_LEN + 1])
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t v;
	int i, o = 0;

	for (i = 0; i + 3 <= 18; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = abc[v >> 6 & 63];
		out[o++] = abc[v & 63];
	}
	v = (uint32_t)in[18] << 16 | (uint32_t)in[19] << 8;
	out[o++] = abc[v >> 18 & 63];
	out[o++] = abc[v >> 12 & 63];
	out[o++] = abc[v >> 6 & 63];
	out[o++] = '=';
	out[o] = '\0';
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
	bench_sha1(both, klen + sizeof(WS_GUID) - 1, digest);
	base64_20(digest, out);
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
