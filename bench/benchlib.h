/*
 * What the benchmark programs share: microsecond clocks, the fields of a
 * producer line, WebSocket frames and the handshake's accept key, a
 * latency histogram, readings of another process from /proc, and the
 * descriptor limit.
 *
 * Nothing here allocates except hist_new; nothing prints.
 */
#ifndef WSFEED_BENCHLIB_H
#define WSFEED_BENCHLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The GUID that RFC 6455 appends to Sec-WebSocket-Key. */
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* Length of a Sec-WebSocket-Accept value, without its NUL. */
#define WS_ACCEPT_LEN 28

/* WebSocket opcodes the benchmark meets. */
enum ws_op {
	WS_CONT = 0x0,
	WS_TEXT = 0x1,
	WS_BINARY = 0x2,
	WS_CLOSE = 0x8,
	WS_PING = 0x9,
	WS_PONG = 0xa
};

/* The header of a received frame. */
struct ws_frame {
	bool fin;		/* last fragment of a message */
	int opcode;		/* enum ws_op */
	bool masked;		/* masked payload (client to server) */
	unsigned char mask[4];	/* the mask when masked */
	size_t hdr_len;		/* header bytes before the payload */
	uint64_t len;		/* payload bytes */
};

/*
 * Microseconds on CLOCK_MONOTONIC: the time base that the producer's "t"
 * field and the generator's receipt times share (same machine).
 */
int64_t bench_now_us(void);

/*
 * Read a frame header from the len bytes at p. Returns 1 and fills f when
 * the whole header is there, 0 when more bytes are needed, -1 when the
 * header is invalid (reserved bits set, a control frame over 125 bytes or
 * fragmented, a 64-bit length with its top bit set).
 */
int ws_frame_parse(const unsigned char *p, size_t len, struct ws_frame *f);

/*
 * Write a masked client frame (FIN set) carrying len bytes of payload into
 * out, which has room for len + 14 bytes, masked with mask. Returns the
 * frame's length.
 */
size_t ws_frame_client(unsigned char *out, int opcode, const void *payload,
    size_t len, const unsigned char mask[4]);

/* Unmask len bytes at p in place, starting at offset 0 of the mask. */
void ws_unmask(unsigned char *p, size_t len, const unsigned char mask[4]);

/*
 * The Sec-WebSocket-Accept value for a Sec-WebSocket-Key (klen bytes, no
 * blanks) into out, NUL-terminated. Returns -1 when klen is over 64.
 */
int ws_accept_key(const char *key, size_t klen,
    char out[WS_ACCEPT_LEN + 1]);

/*
 * Find key (the quoted name and its colon: "\"seq\":") followed by a
 * non-negative integer in the len bytes at p, and store the integer. The
 * producer writes {"seq":N,"t":T,...}; Socket.IO wraps the same object in
 * an event array, so the key is searched for, with a fast path for bytes
 * that start with '{' or ',' and the key. Returns the offset just past
 * the digits, so that the next field can be looked for from there, or -1
 * when the key is missing or not followed by an integer.
 */
long bench_field_u64(const char *p, size_t len, const char *key,
    uint64_t *out);

/* Microsecond latencies, log-linear buckets with under 1% error. */
struct hist;

/* A new empty histogram, or NULL when memory ran out. Free with free(). */
struct hist *hist_new(void);

/* Count one value (negative values count as 0). */
void hist_add(struct hist *h, int64_t us);

/* Add every count of b into a. */
void hist_merge(struct hist *a, const struct hist *b);

/* Values counted. */
uint64_t hist_count(const struct hist *h);

/*
 * The value at quantile q (0..1): the upper edge of the bucket that holds
 * it, so that a percentile is never reported better than it was. The
 * largest value is exact. Returns 0 for an empty histogram.
 */
int64_t hist_quantile(const struct hist *h, double q);

/* The largest value counted, exactly. */
int64_t hist_max(const struct hist *h);

/* CPU time (user + system) of a process, in seconds, or -1. */
double proc_cpu_seconds(pid_t pid);

/*
 * A "Vm..." field of /proc/PID/status ("VmRSS", "VmHWM") in KiB, or -1.
 */
long proc_status_kb(pid_t pid, const char *field);

/*
 * Raise the soft descriptor limit towards want (at most the hard limit).
 * Returns the soft limit now in force.
 */
size_t bench_raise_nofile(size_t want);

#endif
