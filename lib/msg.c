/*
 * A message, framed once and shared by every queue that holds it.
 */
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "msg.h"

/* The longest frame header: 2 bytes and a 64-bit length. */
#define MAX_HDR 10

size_t
msg_frame_header(unsigned char *hdr, enum msg_opcode opcode, size_t len)
{
	int i;

	hdr[0] = 0x80 | (unsigned char)opcode;	/* FIN: never fragmented */
	if (len < 126) {
		hdr[1] = (unsigned char)len;
		return 2;
	}
	if (len <= 0xffff) {
		hdr[1] = 126;
		hdr[2] = (unsigned char)(len >> 8);
		hdr[3] = (unsigned char)len;
		return 4;
	}
	hdr[1] = 127;
	for (i = 0; i < 8; i++)
		hdr[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return MAX_HDR;
}

struct msg *
msg_new(const void *payload, size_t len, enum msg_opcode opcode)
{
	unsigned char hdr[MAX_HDR];
	size_t hdr_len, room = LWS_PRE + MAX_HDR;
	struct msg *m;

	if (len > SIZE_MAX - sizeof(*m) - room - 1)
		return NULL;
	m = malloc(sizeof(*m) + room + len + 1);
	if (m == NULL)
		return NULL;
	hdr_len = msg_frame_header(hdr, opcode, len);
	m->refs = 1;
	m->len = len;
	m->hdr_len = (uint8_t)hdr_len;
	m->payload = (char *)(m + 1) + room;
	m->frame = (unsigned char *)m->payload - hdr_len;
	memcpy(m->frame, hdr, hdr_len);
	if (len > 0)
		memcpy(m->payload, payload, len);
	m->payload[len] = '\0';
	return m;
}

struct msg *
msg_ref(struct msg *m)
{
	m->refs++;
	return m;
}

void
msg_unref(struct msg *m)
{
	if (m != NULL && --m->refs == 0)
		free(m);
}
