/*
 * A message, framed once and shared by every queue that holds it.
 *
 * The WebSocket frame (an unmasked server frame: FIN, opcode, length) is
 * built when the message is made, with LWS_PRE bytes of headroom before
 * it, so that the same bytes can be written to any number of clients,
 * alone or copied into a batch. Ownership: msg_new returns one reference;
 * each holder takes its own with msg_ref and gives it back with msg_unref;
 * the last msg_unref frees the message. Messages are never changed once
 * made, so sharing needs no locking (everything runs in one thread).
 */
#ifndef WSFEED_MSG_H
#define WSFEED_MSG_H

#include <stddef.h>
#include <stdint.h>

/* WebSocket opcodes a message can carry. */
enum msg_opcode {
	MSG_TEXT = 0x1,
	MSG_BINARY = 0x2,
	MSG_CLOSE = 0x8,
	MSG_PING = 0x9
};

/* A framed message. Read the fields; change nothing. */
struct msg {
	uint32_t refs;		/* holders; freed at 0 */
	uint8_t hdr_len;	/* frame header bytes before payload */
	size_t len;		/* payload bytes */
	unsigned char *frame;	/* header then payload: hdr_len + len */
	char *payload;		/* the payload, followed by a NUL */
};

/*
 * Make a message of len bytes copied from payload, framed with opcode.
 * Returns it with one reference, or NULL when memory ran out.
 */
struct msg *msg_new(const void *payload, size_t len, enum msg_opcode opcode);

/* Take one more reference; returns m. */
struct msg *msg_ref(struct msg *m);

/* Give back one reference (NULL is fine). */
void msg_unref(struct msg *m);

/* Bytes of the whole frame. */
static inline size_t
msg_frame_len(const struct msg *m)
{
	return m->hdr_len + m->len;
}

/*
 * Write the header of an unmasked frame for len payload bytes into hdr
 * (room for 10 bytes). Returns the header length.
 */
size_t msg_frame_header(unsigned char *hdr, enum msg_opcode opcode,
    size_t len);

#endif
