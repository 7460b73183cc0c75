/*
 * Unit tests of bench/benchlib.c: handshake key, frames, the producer's
 * fields as the load generator finds them, the latency histogram.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../bench/benchlib.h"
#include "tap.h"

static void
test_accept_key(void)
{
	char out[WS_ACCEPT_LEN + 1];
	char longkey[80];

	/* The example of RFC 6455, section 1.3. */
	CHECK_INT(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", 24, out), 0);
	CHECK_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	/* A key of the usual 24 characters, and the longest accepted. */
	CHECK_INT(ws_accept_key("AQIDBAUGBwgJCgsMDQ4PEA==", 24, out), 0);
	CHECK_STR(out, "C/0nmHhBztSRGR1CwL6Tf4ZjwpY=");
	CHECK_INT(ws_accept_key(longkey, 64, out), 0);
	CHECK_INT(strlen(out), WS_ACCEPT_LEN);
	memset(longkey, 'k', sizeof(longkey));
	CHECK_INT(ws_accept_key(longkey, sizeof(longkey), out), -1);
}

static void
test_frame_parse(void)
{
	static const unsigned char small[] = { 0x81, 0x05, 'h', 'e' };
	static const unsigned char mid[] = { 0x81, 126, 0x01, 0x00 };
	static const unsigned char big[] = { 0x82, 127, 0, 0, 0, 0, 0, 1,
	    0, 0 };
	static const unsigned char huge[] = { 0x82, 127, 0x80, 0, 0, 0, 0, 0,
	    0, 0 };
	static const unsigned char rsv[] = { 0xc1, 0x01, 'x' };
	static const unsigned char ping_long[] = { 0x89, 126, 0, 200 };
	static const unsigned char ping_frag[] = { 0x09, 0x00 };
	struct ws_frame f;

	CHECK_INT(ws_frame_parse(small, 1, &f), 0);
	CHECK_INT(ws_frame_parse(small, sizeof(small), &f), 1);
	CHECK(f.fin);
	CHECK_INT(f.opcode, WS_TEXT);
	CHECK(!f.masked);
	CHECK_INT(f.hdr_len, 2);
	CHECK_INT(f.len, 5);
	CHECK_INT(ws_frame_parse(mid, 3, &f), 0);
	CHECK_INT(ws_frame_parse(mid, sizeof(mid), &f), 1);
	CHECK_INT(f.hdr_len, 4);
	CHECK_INT(f.len, 256);
	CHECK_INT(ws_frame_parse(big, sizeof(big), &f), 1);
	CHECK_INT(f.opcode, WS_BINARY);
	CHECK_INT(f.hdr_len, 10);
	CHECK_INT(f.len, 65536);
	CHECK_INT(ws_frame_parse(huge, sizeof(huge), &f), -1);
	CHECK_INT(ws_frame_parse(rsv, sizeof(rsv), &f), -1);
	CHECK_INT(ws_frame_parse(ping_long, sizeof(ping_long), &f), -1);
	CHECK_INT(ws_frame_parse(ping_frag, sizeof(ping_frag), &f), -1);
}

static void
test_frame_client(void)
{
	static const unsigned char mask[4] = { 1, 2, 3, 4 };
	unsigned char out[300 + 14], payload[300];
	struct ws_frame f;
	size_t n;

	n = ws_frame_client(out, WS_TEXT, "40", 2, mask);
	CHECK_INT(n, 8);
	CHECK_INT(out[0], 0x81);
	CHECK_INT(out[1], 0x82);
	CHECK_INT(out[6], '4' ^ 1);
	CHECK_INT(ws_frame_parse(out, n, &f), 1);
	CHECK(f.masked);
	CHECK_INT(f.hdr_len, 6);
	ws_unmask(out + f.hdr_len, f.len, f.mask);
	CHECK_MEM(out + f.hdr_len, f.len, "40", 2);

	memset(payload, 'p', sizeof(payload));
	n = ws_frame_client(out, WS_BINARY, payload, sizeof(payload), mask);
	CHECK_INT(n, 4 + 4 + sizeof(payload));
	CHECK_INT(ws_frame_parse(out, n, &f), 1);
	CHECK_INT(f.opcode, WS_BINARY);
	CHECK_INT(f.len, sizeof(payload));
	ws_unmask(out + f.hdr_len, f.len, f.mask);
	CHECK_MEM(out + f.hdr_len, f.len, payload, sizeof(payload));
}

static void
test_fields(void)
{
	static const char line[] = "{\"seq\":42,\"t\":1234567,\"host\":1}";
	static const char sio[] = "[\"line\",{\"seq\":7,\"t\":99}]";
	static const char nodigit[] = "{\"seq\":\"x\"}";
	uint64_t v = 0;
	long e;

	e = bench_field_u64(line, strlen(line), "\"seq\":", &v);
	CHECK_INT(v, 42);
	CHECK_INT(e, 9);
	CHECK_INT(bench_field_u64(line + e, strlen(line) - (size_t)e,
	    "\"t\":", &v), 12);
	CHECK_INT(v, 1234567);
	CHECK(bench_field_u64(sio, strlen(sio), "\"seq\":", &v) > 0);
	CHECK_INT(v, 7);
	CHECK(bench_field_u64(sio, strlen(sio), "\"t\":", &v) > 0);
	CHECK_INT(v, 99);
	CHECK_INT(bench_field_u64(line, strlen(line), "\"nope\":", &v), -1);
	CHECK_INT(bench_field_u64(nodigit, strlen(nodigit), "\"seq\":", &v),
	    -1);
	/* The digits must stop at the end of the bytes given. */
	CHECK(bench_field_u64(line, 8, "\"seq\":", &v) > 0);
	CHECK_INT(v, 4);
}

static void
test_hist(void)
{
	struct hist *h = hist_new(), *h2 = hist_new();
	int64_t q;
	int i;

	CHECK(h != NULL && h2 != NULL);
	if (h == NULL || h2 == NULL)
		return;
	CHECK_INT(hist_quantile(h, 0.5), 0);
	for (i = 1; i <= 100; i++)
		hist_add(h, i);
	CHECK_INT(hist_count(h), 100);
	CHECK_INT(hist_quantile(h, 0.5), 50);
	CHECK_INT(hist_quantile(h, 0.99), 99);
	CHECK_INT(hist_max(h), 100);
	/* Large values: within 1%, never below the true value. */
	for (i = 1; i <= 1000; i++)
		hist_add(h2, 1000 * i);
	q = hist_quantile(h2, 0.5);
	CHECK(q >= 500000 && q <= 505000);
	q = hist_quantile(h2, 0.99);
	CHECK(q >= 990000 && q <= 1000000);
	CHECK_INT(hist_max(h2), 1000000);
	hist_add(h2, -5);
	CHECK_INT(hist_count(h2), 1001);
	hist_merge(h, h2);
	CHECK_INT(hist_count(h), 1101);
	CHECK_INT(hist_max(h), 1000000);
	free(h);
	free(h2);
}

static void
test_proc(void)
{
	CHECK(proc_cpu_seconds(getpid()) >= 0);
	CHECK(proc_status_kb(getpid(), "VmRSS") > 0);
	CHECK_INT(proc_status_kb(getpid(), "NoSuchField"), -1);
	CHECK(proc_cpu_seconds(-1) < 0);
}

int
main(void)
{
	TAP_RUN(test_accept_key);
	TAP_RUN(test_frame_parse);
	TAP_RUN(test_frame_client);
	TAP_RUN(test_fields);
	TAP_RUN(test_hist);
	TAP_RUN(test_proc);
	return tap_done();
}
