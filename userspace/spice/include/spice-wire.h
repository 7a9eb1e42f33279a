/* SPDX-License-Identifier: MIT */
/*
 * libspice-wire: a small C implementation of the SPICE wire protocol.
 *
 * The library has three layers:
 *
 *  1. Bounds-checked byte readers/writers (struct sw_reader, struct sw_buf).
 *  2. Marshallers (sw_put_*) and demarshallers (sw_get_*) for individual
 *     messages. A demarshaller never reads outside the body it is given: every
 *     length, count and offset is checked against the body size, and a bad
 *     message yields a negative errno, never an abort. Decoded structs
 *     point into the caller's body buffer (no copies); they are valid for as
 *     long as that buffer is.
 *  3. Channels (struct sw_channel): TCP or unix socket, the link stage with
 *     capabilities and the SPICE ticket (RSA-OAEP) or SASL, full or mini data
 *     headers, ACK window flow control, PING/PONG and SPICE_MSG_LIST. Any
 *     protocol error closes the channel and leaves an error code and a
 *     human-readable reason in the channel.
 *
 * A display model (struct sw_display) applies display-channel messages to
 * in-memory surfaces and can save them as PNG; see spice-display.h.
 *
 * Every call that can fail returns 0 (or a non-negative value where its
 * comment says so) on success and a negative errno on failure, like libqxl.
 * Each errno stands for one kind of failure, so callers and tests can tell
 * them apart:
 *
 *  -EBADMSG      a body shorter than its fields say (truncated)
 *  -EINVAL       a value out of range or inconsistent; a bad argument
 *  -EOVERFLOW    a size computation overflowed
 *  -ENOMEM       out of memory
 *  -EIO          a socket error or the peer closed the connection; the
 *                socket's own errno is in the channel's error message, not
 *                in the return value, so a close and a reset both give -EIO
 *  -ECONNREFUSED the server refused the link (SpiceLinkReply error)
 *  -EACCES       the ticket or SASL authentication was refused
 *  -EPROTO       a protocol violation (bad magic, unexpected message, a
 *                reference to a missing surface or cache entry)
 *  -EOPNOTSUPP   valid but not implemented here
 *  -ENOTCONN     the channel is already closed
 *  -ETIMEDOUT    a bounded wait expired
 *  -EMSGSIZE     bytes left over after a fixed-size message (trailing)
 *  -E2BIG        a configured resource limit was hit
 *
 * sw_strerror() words them the way the library means them.
 *
 * All multi-byte values on the wire are little-endian; structures are packed.
 * Message numbers and enum values come from spice-protocol's headers.
 */
#ifndef SPICE_WIRE_H
#define SPICE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <spice/enums.h>
#include <spice/protocol.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Newer protocol numbers missing from older spice-protocol releases. */
#ifndef SW_MSG_DISPLAY_QUALITY_INDICATOR
#define SW_MSG_DISPLAY_QUALITY_INDICATOR 322
#endif
#define SW_MSG_DISPLAY_GL_SCANOUT2_UNIX 323
#define SW_DISPLAY_CAP_CODEC_VP9 13
#define SW_DISPLAY_CAP_CODEC_H265 14

/* ---- errors ----------------------------------------------------------- */
/**
 * sw_strerror() - describe a value returned by the library
 * @err: 0 or a negative errno returned by a libspice-wire call
 *
 * Return: the library's own wording for the errno values it returns (the
 * table in the overview comment: -EBADMSG is "message truncated", -EIO is
 * "I/O error or connection closed", ...), "ok" for 0 and strerror(-err) for
 * any other value. The string is static.
 */
const char *sw_strerror(int err);
/**
 * sw_link_err_name() - name of a SpiceLinkReply error code
 * @link_err: a SPICE_LINK_ERR_*
 *
 * Return: "OK", "PERMISSION_DENIED", ... or "UNKNOWN"; a static string.
 */
const char *sw_link_err_name(uint32_t link_err);

/* ---- small helpers ---------------------------------------------------- */
/**
 * sw_now_ms() - CLOCK_MONOTONIC in milliseconds
 *
 * Return: the time in milliseconds; the clock of every deadline here.
 */
int64_t sw_now_ms(void);
/**
 * sw_unix_connect() - connect a stream socket to a unix socket path
 * @path: the socket path
 * @type_flags: socket()'s SOCK_NONBLOCK / SOCK_CLOEXEC
 *
 * Return: the fd, or a negative errno (-ENAMETOOLONG for a path sockaddr_un
 * cannot hold).
 */
int sw_unix_connect(const char *path, int type_flags);

/* ---- bounds-checked reader -------------------------------------------- */
/**
 * struct sw_reader - a reader over body[0..len)
 * @base: the body
 * @len: its size
 * @off: the cursor
 * @err: 0, or the error of the first failing read (sticky)
 *
 * The first failing read sets @err and every later read returns 0.
 */
struct sw_reader {
	const uint8_t *base;
	size_t len;
	size_t off;
	int err;
};
/**
 * sw_reader_init() - start reading a body
 * @r: the reader
 * @base: the body; NULL reads as empty
 * @len: its size
 */
void sw_reader_init(struct sw_reader *r, const void *base, size_t len);
/**
 * sw_r8() - read a byte and advance
 * @r: the reader
 *
 * Return: the value, or 0 if the read fails (-EBADMSG in @r->err).
 */
uint8_t sw_r8(struct sw_reader *r);
/**
 * sw_r16() - read a little-endian u16 and advance
 * @r: the reader
 *
 * Return: the value, or 0 if the read fails (-EBADMSG in @r->err).
 */
uint16_t sw_r16(struct sw_reader *r);
/**
 * sw_r32() - read a little-endian u32 and advance
 * @r: the reader
 *
 * Return: the value, or 0 if the read fails (-EBADMSG in @r->err).
 */
uint32_t sw_r32(struct sw_reader *r);
/**
 * sw_r64() - read a little-endian u64 and advance
 * @r: the reader
 *
 * Return: the value, or 0 if the read fails (-EBADMSG in @r->err).
 */
uint64_t sw_r64(struct sw_reader *r);
/**
 * sw_rbytes() - take n bytes at the cursor and advance
 * @r: the reader
 * @n: the byte count
 *
 * Return: a pointer to the bytes, or NULL if fewer are left (-EBADMSG in
 * @r->err) or @r already failed.
 */
const uint8_t *sw_rbytes(struct sw_reader *r, size_t n);
/**
 * sw_rleft() - bytes left
 * @r: the reader
 *
 * Return: the bytes after the cursor; 0 after an error.
 */
size_t sw_rleft(const struct sw_reader *r);
/**
 * sw_rend() - check that the whole body was read
 * @r: the reader
 *
 * Return: -EMSGSIZE if bytes remain (also stored in @r->err), @r->err
 * otherwise.
 */
int sw_rend(struct sw_reader *r);
/**
 * sw_reader_at() - a reader at an absolute offset of the same body
 * @r: the reader of the body
 * @offset: the offset (a pointer field of a display message)
 * @out: the new reader; empty with the error set on failure
 *
 * Return: 0, -EINVAL for offset 0, -EBADMSG for an offset outside the body.
 */
int sw_reader_at(const struct sw_reader *r, uint32_t offset, struct sw_reader *out);

/**
 * sw_le16() - load a little-endian u16
 * @p: its 2 bytes
 *
 * Return: the value.
 */
static inline uint16_t sw_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
/**
 * sw_le32() - load a little-endian u32
 * @p: its 4 bytes
 *
 * Return: the value.
 */
static inline uint32_t sw_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
/**
 * sw_le64() - load a little-endian u64
 * @p: its 8 bytes
 *
 * Return: the value.
 */
static inline uint64_t sw_le64(const uint8_t *p) { return sw_le32(p) | (uint64_t)sw_le32(p + 4) << 32; }

/* ---- growable writer -------------------------------------------------- */
/**
 * struct sw_buf - a growable output buffer
 * @data: the bytes written, followed by a NUL not counted in @len
 * @len: bytes written
 * @cap: bytes allocated
 * @err: 0, or the first error (sticky): -ENOMEM, -EOVERFLOW, -EINVAL
 *
 * After an error every later write is ignored; marshallers return @err.
 */
struct sw_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err;
};
/**
 * sw_buf_init() - start an empty buffer
 * @b: the buffer
 */
void sw_buf_init(struct sw_buf *b);
/**
 * sw_buf_free() - free the buffer's memory and make it empty
 * @b: the buffer
 */
void sw_buf_free(struct sw_buf *b);
/**
 * sw_buf_reset() - empty the buffer and clear its error, keeping the memory
 * @b: the buffer
 */
void sw_buf_reset(struct sw_buf *b);
/**
 * sw_w8() - append a byte
 * @b: the buffer
 * @v: the value
 */
void sw_w8(struct sw_buf *b, uint8_t v);
/**
 * sw_w16() - append a little-endian u16
 * @b: the buffer
 * @v: the value
 */
void sw_w16(struct sw_buf *b, uint16_t v);
/**
 * sw_w32() - append a little-endian u32
 * @b: the buffer
 * @v: the value
 */
void sw_w32(struct sw_buf *b, uint32_t v);
/**
 * sw_w64() - append a little-endian u64
 * @b: the buffer
 * @v: the value
 */
void sw_w64(struct sw_buf *b, uint64_t v);
/**
 * sw_wbytes() - append bytes
 * @b: the buffer
 * @p: the bytes, @n of them
 * @n: the byte count
 */
void sw_wbytes(struct sw_buf *b, const void *p, size_t n);
/**
 * sw_wprintf() - printf into the buffer
 * @b: the buffer
 * @fmt: printf format
 * @...: its arguments
 *
 * No NUL is counted in len, but one is kept after data.
 */
void sw_wprintf(struct sw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- common types ----------------------------------------------------- */
/**
 * struct sw_point - a point (SpicePoint)
 * @x: column
 * @y: row
 */
struct sw_point { int32_t x, y; };
/**
 * struct sw_point16 - a 16-bit point (SpicePoint16)
 * @x: column
 * @y: row
 */
struct sw_point16 { int16_t x, y; };
/**
 * struct sw_rect - a rectangle (SpiceRect), bottom and right exclusive
 * @top: first row
 * @left: first column
 * @bottom: row past the end
 * @right: column past the end
 */
struct sw_rect { int32_t top, left, bottom, right; };

/**
 * struct sw_clip - a decoded clip
 * @type: SPICE_CLIP_TYPE_NONE / _RECTS
 * @num_rects: rectangles in @rects
 * @rects: num_rects * 16 bytes in the body, read with sw_clip_rect()
 */
struct sw_clip {
	uint8_t type;
	uint32_t num_rects;
	const uint8_t *rects;
};
/**
 * sw_clip_rect() - one rectangle of a clip
 * @c: the clip
 * @i: the index
 *
 * Return: rectangle @i; all zero if @i is out of range or the clip is not
 * RECTS.
 */
struct sw_rect sw_clip_rect(const struct sw_clip *c, uint32_t i);

/* ---- link stage ------------------------------------------------------- */
#define SW_LINK_HEADER_SIZE 16
#define SW_LINK_MESS_SIZE 18
#define SW_LINK_REPLY_SIZE (4 + SPICE_TICKET_PUBKEY_BYTES + 12)
#define SW_MAX_CAPS 8	/* caps words we accept per set */

/**
 * struct sw_link_mess - a SpiceLinkMess and its caps
 * @connection_id: 0 for a new session, else the session id
 * @channel_type: SPICE_CHANNEL_*
 * @channel_id: the channel id
 * @num_common_caps: words in @common_caps
 * @num_channel_caps: words in @channel_caps
 * @common_caps: common caps bits
 * @channel_caps: channel caps bits
 *
 * Demarshalling keeps at most SW_MAX_CAPS words of each set.
 */
struct sw_link_mess {
	uint32_t connection_id;
	uint8_t channel_type;
	uint8_t channel_id;
	uint32_t num_common_caps;
	uint32_t num_channel_caps;
	uint32_t common_caps[SW_MAX_CAPS];
	uint32_t channel_caps[SW_MAX_CAPS];
};
/**
 * struct sw_link_reply - a SpiceLinkReply and its caps
 * @error: SPICE_LINK_ERR_*
 * @pub_key: the server's DER SubjectPublicKeyInfo for the ticket
 * @num_common_caps: words in @common_caps
 * @num_channel_caps: words in @channel_caps
 * @common_caps: common caps bits
 * @channel_caps: channel caps bits
 */
struct sw_link_reply {
	uint32_t error;
	uint8_t pub_key[SPICE_TICKET_PUBKEY_BYTES];
	uint32_t num_common_caps;
	uint32_t num_channel_caps;
	uint32_t common_caps[SW_MAX_CAPS];
	uint32_t channel_caps[SW_MAX_CAPS];
};
/**
 * sw_put_link_mess() - marshal link header + SpiceLinkMess + caps
 * @b: the buffer to append to
 * @m: the message
 *
 * Writes the link header, SpiceLinkMess and caps, ready to send.
 *
 * Return: 0, or the buffer's error, -EINVAL for more than SW_MAX_CAPS words of
 * caps.
 */
int sw_put_link_mess(struct sw_buf *b, const struct sw_link_mess *m);
/**
 * sw_get_link_header() - parse the 16-byte link header
 * @p: the header, @n bytes
 * @n: bytes available
 * @major: its major version
 * @minor: its minor version
 * @body_size: its size field
 *
 * Return: 0, -EBADMSG if truncated, -EPROTO for a bad magic or major version,
 * -E2BIG for a body over 4096 bytes.
 */
int sw_get_link_header(const uint8_t *p, size_t n, uint32_t *major, uint32_t *minor, uint32_t *body_size);
/**
 * sw_get_link_mess() - demarshal a SpiceLinkMess body
 * @body: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL for a bad caps
 * offset, -E2BIG for over 1024 caps words).
 */
int sw_get_link_mess(const uint8_t *body, size_t n, struct sw_link_mess *m);
/**
 * sw_put_link_reply() - marshal link header + SpiceLinkReply + caps
 * @b: the buffer to append to
 * @m: the message
 *
 * Writes the link header, SpiceLinkReply and caps, ready to send.
 *
 * Return: 0, or the buffer's error, -EINVAL for more than SW_MAX_CAPS words of
 * caps.
 */
int sw_put_link_reply(struct sw_buf *b, const struct sw_link_reply *m);
/**
 * sw_get_link_reply() - demarshal a SpiceLinkReply body
 * @body: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * An error reply may be just the error code.
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL for a bad caps
 * offset, -E2BIG for over 1024 caps words).
 */
int sw_get_link_reply(const uint8_t *body, size_t n, struct sw_link_reply *m);
/**
 * sw_caps_test() - test a capability bit
 * @caps: the caps words
 * @ncaps: how many
 * @bit: the cap number
 *
 * Return: true if @bit is set; false for bits beyond @ncaps words.
 */
bool sw_caps_test(const uint32_t *caps, uint32_t ncaps, unsigned bit);
/**
 * sw_caps_set() - set a capability bit
 * @caps: the caps words, SW_MAX_CAPS of room
 * @ncaps: how many are used; grown (new words zeroed) to hold @bit
 * @bit: the cap number; ignored beyond SW_MAX_CAPS words
 */
void sw_caps_set(uint32_t *caps, uint32_t *ncaps, unsigned bit);
/**
 * sw_encrypt_ticket() - encrypt the SPICE ticket
 * @pub_key_der: the server's DER SubjectPublicKeyInfo
 * @der_len: its size
 * @password: the password; NULL for empty
 * @out: the ticket
 * @out_len: SPICE_TICKET_KEY_PAIR_LENGTH/8 bytes
 * @why: the reason of a failure
 * @why_len: room in @why
 *
 * RSA-OAEP(SHA-1) of @password + NUL with the server's key.
 *
 * Return: 0, -EPROTO for a key that is not valid DER, -EINVAL for a password
 * too long, -EACCES if the encryption failed or the key has another size.
 */
int sw_encrypt_ticket(const uint8_t *pub_key_der, size_t der_len, const char *password,
		      uint8_t *out, size_t out_len, char *why, size_t why_len);

/* ---- data headers ----------------------------------------------------- */
#define SW_FULL_HEADER_SIZE 18
#define SW_MINI_HEADER_SIZE 6
/**
 * struct sw_header - a data header, full or mini
 * @serial: message serial (full header only)
 * @type: message type
 * @size: body size
 * @sub_list: offset of the sub-message list, 0 for none (full header only)
 */
struct sw_header {
	uint64_t serial;
	uint16_t type;
	uint32_t size;
	uint32_t sub_list;
};
/**
 * sw_put_header() - write a data header
 * @out: SW_MINI_HEADER_SIZE or SW_FULL_HEADER_SIZE bytes
 * @mini: write the mini header
 * @h: the header
 */
void sw_put_header(uint8_t *out, bool mini, const struct sw_header *h);
/**
 * sw_get_header() - parse a data header
 * @p: the header bytes, @n of them
 * @n: bytes available
 * @mini: parse a mini header
 * @h: the decoded header
 *
 * Return: 0, -EBADMSG if truncated, -EINVAL for a sub_list offset not inside
 * the body.
 */
int sw_get_header(const uint8_t *p, size_t n, bool mini, struct sw_header *h);

/**
 * struct sw_sublist_iter - iterator over a sub-message list
 * @body: the message body
 * @len: its size
 * @count: sub-messages in the list
 * @next: index of the next one
 * @list_off: offset of the list in @body
 *
 * Over a SPICE_MSG_LIST body, or the full header's sub_list.
 */
struct sw_sublist_iter {
	const uint8_t *body;
	size_t len;
	uint16_t count;
	uint16_t next;
	size_t list_off;
};
/**
 * sw_sublist_begin() - start iterating over a sub-message list
 * @it: the iterator
 * @body: the message body, @len bytes
 * @len: the body size
 * @list_off: offset of the list in @body
 *
 * Return: 0, or -EBADMSG if the list does not fit in the body.
 */
int sw_sublist_begin(struct sw_sublist_iter *it, const uint8_t *body, size_t len, uint32_t list_off);
/**
 * sw_sublist_next() - the next sub-message
 * @it: the iterator
 * @type: its type
 * @data: its body, pointing into the message
 * @size: its size
 *
 * Return: 1 with a sub-message, 0 at the end, -EBADMSG on a malformed list.
 */
int sw_sublist_next(struct sw_sublist_iter *it, uint16_t *type, const uint8_t **data, uint32_t *size);

/* ---- base channel messages (all channels) ----------------------------- */
/**
 * struct sw_set_ack - a SET_ACK body
 * @generation: the generation to echo in ACK_SYNC
 * @window: messages per ACK
 */
struct sw_set_ack { uint32_t generation, window; };
/**
 * struct sw_ping - a PING body
 * @id: the ping id
 * @timestamp: the sender's time
 * @data: padding data, pointing into the body
 * @data_len: bytes of @data
 */
struct sw_ping { uint32_t id; uint64_t timestamp; const uint8_t *data; uint32_t data_len; };
/**
 * struct sw_wait_channel - one entry of WAIT_FOR_CHANNELS
 * @channel_type: SPICE_CHANNEL_*
 * @channel_id: the channel id
 * @serial: the message serial to wait for
 */
struct sw_wait_channel { uint8_t channel_type, channel_id; uint64_t serial; };
/**
 * struct sw_wait_for_channels - a WAIT_FOR_CHANNELS body
 * @count: entries
 * @raw: count * 10 bytes in the body, read with sw_wait_channel_at()
 */
struct sw_wait_for_channels { uint8_t count; const uint8_t *raw; };
/**
 * struct sw_disconnecting - a DISCONNECTING body
 * @time_stamp: the sender's time
 * @reason: a SPICE_LINK_ERR_*
 */
struct sw_disconnecting { uint64_t time_stamp; uint32_t reason; };
/**
 * struct sw_notify - a NOTIFY body
 * @time_stamp: the sender's time
 * @severity: SPICE_NOTIFY_SEVERITY_*
 * @visibility: SPICE_NOTIFY_VISIBILITY_*
 * @what: the notification code
 * @message_len: bytes of @message
 * @message: the text, pointing into the body; not NUL-terminated
 */
struct sw_notify {
	uint64_t time_stamp;
	uint32_t severity, visibility, what, message_len;
	const uint8_t *message;
};
/**
 * struct sw_migrate - a MIGRATE body
 * @flags: SPICE_MIGRATE_NEED_*
 */
struct sw_migrate { uint32_t flags; };
/**
 * struct sw_data - bytes of a body
 * @data: the bytes, pointing into the body
 * @len: their count
 */
struct sw_data { const uint8_t *data; uint32_t len; };

/**
 * sw_get_set_ack() - demarshal a SET_ACK body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_set_ack(const uint8_t *b, size_t n, struct sw_set_ack *m);
/**
 * sw_get_ping() - demarshal a PING body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_ping(const uint8_t *b, size_t n, struct sw_ping *m);
/**
 * sw_get_wait_for_channels() - demarshal a WAIT_FOR_CHANNELS body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_wait_for_channels(const uint8_t *b, size_t n, struct sw_wait_for_channels *m);
/**
 * sw_wait_channel_at() - one entry of a WAIT_FOR_CHANNELS
 * @m: the decoded message
 * @i: the index
 *
 * Return: entry @i; all zero if @i is out of range.
 */
struct sw_wait_channel sw_wait_channel_at(const struct sw_wait_for_channels *m, uint8_t i);
/**
 * sw_get_disconnecting() - demarshal a DISCONNECTING body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_disconnecting(const uint8_t *b, size_t n, struct sw_disconnecting *m);
/**
 * sw_get_notify() - demarshal a NOTIFY body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * A NUL after the text, as spice-server sends, is accepted.
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_notify(const uint8_t *b, size_t n, struct sw_notify *m);
/**
 * sw_get_migrate() - demarshal a MIGRATE body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_migrate(const uint8_t *b, size_t n, struct sw_migrate *m);
/**
 * sw_put_migrate() - marshal a MIGRATE body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_migrate(struct sw_buf *b, const struct sw_migrate *m);
/**
 * sw_put_set_ack() - marshal a SET_ACK body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_set_ack(struct sw_buf *b, const struct sw_set_ack *m);
/**
 * sw_put_ping() - marshal a PING body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_ping(struct sw_buf *b, const struct sw_ping *m);
/**
 * sw_put_notify() - marshal a NOTIFY body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_notify(struct sw_buf *b, const struct sw_notify *m);
/**
 * sw_put_disconnecting() - marshal a DISCONNECTING body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_disconnecting(struct sw_buf *b, const struct sw_disconnecting *m);
/* client side */
/**
 * sw_put_ack_sync() - marshal an ACK_SYNC body
 * @b: the buffer to append to
 * @generation: the generation of the SET_ACK
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_ack_sync(struct sw_buf *b, uint32_t generation);
/**
 * sw_put_pong() - marshal a PONG body
 * @b: the buffer to append to
 * @id: the id of the PING
 * @timestamp: the timestamp of the PING
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_pong(struct sw_buf *b, uint32_t id, uint64_t timestamp);
/**
 * sw_get_ack_sync() - demarshal an ACK_SYNC body
 * @b: the body, @n bytes
 * @n: the body size
 * @generation: the generation
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_ack_sync(const uint8_t *b, size_t n, uint32_t *generation);
/**
 * sw_get_pong() - demarshal a PONG body
 * @b: the body, @n bytes
 * @n: the body size
 * @id: the ping id
 * @timestamp: the ping timestamp
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_pong(const uint8_t *b, size_t n, uint32_t *id, uint64_t *timestamp);

/* ---- main channel ----------------------------------------------------- */
/**
 * struct sw_main_init - a main channel INIT body
 * @session_id: the session id (connection_id of later links)
 * @display_channels_hint: number of display channels
 * @supported_mouse_modes: SPICE_MOUSE_MODE_* bits
 * @current_mouse_mode: the current SPICE_MOUSE_MODE_*
 * @agent_connected: nonzero with a vdagent
 * @agent_tokens: agent message tokens granted
 * @multi_media_time: the server's multimedia time
 * @ram_hint: the server's RAM hint
 */
struct sw_main_init {
	uint32_t session_id, display_channels_hint, supported_mouse_modes, current_mouse_mode;
	uint32_t agent_connected, agent_tokens, multi_media_time, ram_hint;
};
/**
 * struct sw_channels_list - a CHANNELS_LIST body
 * @count: channels
 * @raw: count * {type, id} bytes in the body
 */
struct sw_channels_list { uint32_t count; const uint8_t *raw; };
/**
 * struct sw_mouse_mode - a MOUSE_MODE body
 * @supported: SPICE_MOUSE_MODE_* bits
 * @current: the current mode
 */
struct sw_mouse_mode { uint16_t supported, current; };
/**
 * struct sw_main_name - a NAME body
 * @len: bytes of @name
 * @name: the VM name, pointing into the body
 */
struct sw_main_name { uint32_t len; const uint8_t *name; };
/**
 * struct sw_migration_dst - a migration destination
 * @port: the destination's plain port
 * @sport: its TLS port
 * @host_size: bytes of @host
 * @host: host_size bytes, pointing into the body
 * @cert_subject_size: bytes of @cert_subject
 * @cert_subject: the certificate subject; may be NULL
 * @src_mig_version: MIGRATE_BEGIN_SEAMLESS only
 *
 * A MIGRATE_BEGIN, MIGRATE_BEGIN_SEAMLESS or MIGRATE_SWITCH_HOST body.
 */
struct sw_migration_dst {
	uint16_t port, sport;
	uint32_t host_size;
	const uint8_t *host;
	uint32_t cert_subject_size;
	const uint8_t *cert_subject;
	uint32_t src_mig_version;
};

/**
 * sw_get_main_init() - demarshal a main channel INIT body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_main_init(const uint8_t *b, size_t n, struct sw_main_init *m);
/**
 * sw_put_main_init() - marshal a main channel INIT body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_main_init(struct sw_buf *b, const struct sw_main_init *m);
/**
 * sw_get_channels_list() - demarshal a CHANNELS_LIST body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_channels_list(const uint8_t *b, size_t n, struct sw_channels_list *m);
/**
 * sw_put_channels_list() - marshal a CHANNELS_LIST body
 * @b: the buffer to append to
 * @count: channels
 * @type_id_pairs: count * {type, id} bytes
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_channels_list(struct sw_buf *b, uint32_t count, const uint8_t *type_id_pairs);
/**
 * sw_get_mouse_mode() - demarshal a MOUSE_MODE body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_mouse_mode(const uint8_t *b, size_t n, struct sw_mouse_mode *m);
/**
 * sw_get_u32_msg() - demarshal a body of one u32: any 4-byte message
 * @b: the body, @n bytes
 * @n: the body size
 * @v: the value
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_u32_msg(const uint8_t *b, size_t n, uint32_t *v);
/**
 * sw_get_u16_msg() - demarshal a body of one u16: any 2-byte message
 * @b: the body, @n bytes
 * @n: the body size
 * @v: the value
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_u16_msg(const uint8_t *b, size_t n, uint16_t *v);
/**
 * sw_get_u8_msg() - demarshal a body of one u8: any 1-byte message
 * @b: the body, @n bytes
 * @n: the body size
 * @v: the value
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_u8_msg(const uint8_t *b, size_t n, uint8_t *v);
/**
 * sw_get_u64_msg() - demarshal a body of one u64: any 8-byte message
 * @b: the body, @n bytes
 * @n: the body size
 * @v: the value
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_u64_msg(const uint8_t *b, size_t n, uint64_t *v);
/**
 * sw_get_empty() - check that a body is empty
 * @b: the body, @n bytes
 * @n: the body size
 *
 * Return: 0, or -EMSGSIZE if @n is not 0.
 */
int sw_get_empty(const uint8_t *b, size_t n);
/**
 * sw_get_main_name() - demarshal a NAME body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_main_name(const uint8_t *b, size_t n, struct sw_main_name *m);
/**
 * sw_get_main_uuid() - demarshal a UUID body
 * @b: the body, @n bytes
 * @n: the body size
 * @uuid: the 16 bytes of the UUID
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_main_uuid(const uint8_t *b, size_t n, uint8_t uuid[16]);
/**
 * sw_get_migration_dst() - demarshal a migration destination
 * @b: the body, @n bytes
 * @n: the body size
 * @seamless: false for MIGRATE_BEGIN and MIGRATE_SWITCH_HOST (same layout),
 *	true for MIGRATE_BEGIN_SEAMLESS
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL for a missing
 * host or an offset inside the fixed part).
 */
int sw_get_migration_dst(const uint8_t *b, size_t n, bool seamless, struct sw_migration_dst *m);
/**
 * sw_put_migration_dst() - marshal a migration destination
 * @b: the buffer to append to
 * @seamless: as for sw_get_migration_dst()
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_migration_dst(struct sw_buf *b, bool seamless, const struct sw_migration_dst *m);
/**
 * sw_migration_dst_host() - the destination host as a C string
 * @m: the decoded message
 * @out: the string: host_size bytes, trailing NULs dropped
 * @n: room in @out
 *
 * Return: 0, -EINVAL if empty or with a NUL inside, -E2BIG if it does not fit
 * in @n bytes.
 */
int sw_migration_dst_host(const struct sw_migration_dst *m, char *out, size_t n);
/* client main */
/**
 * sw_put_u32_msg() - marshal a body of one u32 (AGENT_START, AGENT_TOKEN, ...)
 * @b: the buffer to append to
 * @v: the value
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_u32_msg(struct sw_buf *b, uint32_t v);
/**
 * sw_put_u16_msg() - marshal a body of one u16
 * @b: the buffer to append to
 * @v: the value
 *
 * For MOUSE_MODE_REQUEST, KEY_MODIFIERS, ...
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_u16_msg(struct sw_buf *b, uint16_t v);
/**
 * sw_put_u8_msg() - marshal a body of one u8
 * @b: the buffer to append to
 * @v: the value
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_u8_msg(struct sw_buf *b, uint8_t v);
/**
 * sw_put_u64_msg() - marshal a body of one u64 (CLIENT_INFO)
 * @b: the buffer to append to
 * @v: the value
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_u64_msg(struct sw_buf *b, uint64_t v);

/**
 * struct sw_monitor - one monitor of a vdagent monitors config
 * @width: width in pixels
 * @height: height in pixels
 * @depth: bits per pixel
 * @x: left edge
 * @y: top edge
 *
 * Carried by MSGC_MAIN_AGENT_DATA.
 */
struct sw_monitor { uint32_t width, height, depth; int32_t x, y; };
#define SW_MAX_MONITORS 16
/**
 * sw_put_agent_monitors_config() - marshal a vdagent monitors config
 * @b: the buffer to append to
 * @mon: the monitors
 * @count: 1..SW_MAX_MONITORS
 * @flags: VD_AGENT_CONFIG_MONITORS_FLAG_*
 *
 * Writes a VDAgentMessage header and a VDAgentMonitorsConfig.
 *
 * Return: 0, or the buffer's error, -EINVAL for a count out of range.
 */
int sw_put_agent_monitors_config(struct sw_buf *b, const struct sw_monitor *mon, uint32_t count,
				 uint32_t flags);
/**
 * struct sw_agent_msg - a VDAgentMessage
 * @protocol: VD_AGENT_PROTOCOL
 * @type: VD_AGENT_*
 * @opaque: the opaque field
 * @size: bytes of @data
 * @data: the payload, pointing into the body
 */
struct sw_agent_msg { uint32_t protocol, type; uint64_t opaque; uint32_t size; const uint8_t *data; };
/**
 * sw_get_agent_msg() - demarshal a VDAgentMessage
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * The body holds one whole message.
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL for another
 * protocol).
 */
int sw_get_agent_msg(const uint8_t *b, size_t n, struct sw_agent_msg *m);
/**
 * sw_get_agent_monitors_config() - demarshal a vdagent monitors config
 * @b: the body, @n bytes
 * @n: the body size
 * @mon: the monitors, room for @max
 * @max: room in @mon
 * @count: monitors in the message
 * @flags: its flags
 *
 * A VDAgentMessage holding a VDAgentMonitorsConfig.
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL for another
 * message type, -E2BIG for more than @max monitors).
 */
int sw_get_agent_monitors_config(const uint8_t *b, size_t n, struct sw_monitor *mon,
				 uint32_t max, uint32_t *count, uint32_t *flags);

/* ---- display channel -------------------------------------------------- */
/**
 * struct sw_palette - a decoded palette
 * @unique: its cache id
 * @num_ents: entries
 * @ents: num_ents * 4 bytes in the body
 */
struct sw_palette { uint64_t unique; uint16_t num_ents; const uint8_t *ents; };

/**
 * struct sw_image - a decoded SpiceImage
 * @id: its cache id
 * @type: SPICE_IMAGE_TYPE_*
 * @flags: SPICE_IMAGE_FLAGS_*
 * @width: width in pixels
 * @height: height in pixels
 * @bm_format: BITMAP: SPICE_BITMAP_FMT_*
 * @bm_flags: BITMAP: SPICE_BITMAP_FLAGS_*
 * @bm_x: BITMAP: width
 * @bm_y: BITMAP: height
 * @bm_stride: BITMAP: bytes per row
 * @has_palette: an inline palette is present
 * @palette: the inline palette
 * @palette_id: the palette's id with PAL_FROM_CACHE
 * @data: pixels, or compressed payload, pointing into the body
 * @data_len: bytes of @data
 * @surface_id: SURFACE: the source surface
 * @aux_size: extra size of compressed formats: glz_data_size / jpeg_size /
 *	LZ_PLT data_size
 */
struct sw_image {
	uint64_t id;
	uint8_t type, flags;
	uint32_t width, height;
	/* SPICE_IMAGE_TYPE_BITMAP */
	uint8_t bm_format, bm_flags;
	uint32_t bm_x, bm_y, bm_stride;
	bool has_palette;
	struct sw_palette palette;
	uint64_t palette_id;
	const uint8_t *data;
	uint32_t data_len;
	/* SPICE_IMAGE_TYPE_SURFACE */
	uint32_t surface_id;
	/* extra sizes of compressed formats */
	uint32_t aux_size;
};
/**
 * sw_get_image() - parse an image at an offset of a message body
 * @body: the message body, @n bytes
 * @n: the body size
 * @off: the image's absolute offset
 * @img: the decoded image, pointing into @body
 *
 * Return: 0, or a negative errno for a malformed image (-EBADMSG, -EINVAL for
 * a value out of range).
 */
int sw_get_image(const uint8_t *body, size_t n, uint32_t off, struct sw_image *img);

/**
 * struct sw_brush - a decoded brush
 * @type: SPICE_BRUSH_TYPE_*
 * @color: SOLID: the color
 * @pat_off: PATTERN: image offset
 * @pat_pos: PATTERN: the pattern's origin
 */
struct sw_brush {
	uint8_t type;
	uint32_t color;
	uint32_t pat_off;
	struct sw_point pat_pos;
};
/**
 * struct sw_qmask - a decoded mask
 * @flags: SPICE_MASK_FLAGS_*
 * @pos: the mask's origin
 * @bitmap_off: image offset (0 = none)
 */
struct sw_qmask { uint8_t flags; struct sw_point pos; uint32_t bitmap_off; };

/**
 * struct sw_display_base - the part every draw message starts with
 * @surface_id: the destination surface
 * @box: the area drawn
 * @clip: the clip
 */
struct sw_display_base { uint32_t surface_id; struct sw_rect box; struct sw_clip clip; };

/**
 * struct sw_draw - a decoded DRAW_* message
 * @msg_type: the SPICE_MSG_DISPLAY_DRAW_* or COPY_BITS type
 * @base: surface, box and clip
 * @src_off: image offset (0 = none)
 * @src_area: the source rectangle
 * @brush: the brush
 * @back_brush: the background brush (stroke/text)
 * @rop_descriptor: SPICE_ROPD_*
 * @rop3: ROP3: the ternary raster op
 * @scale_mode: SPICE_IMAGE_SCALE_MODE_*
 * @mask: the mask
 * @src_color: transparent: the transparent color
 * @true_color: transparent: its true color
 * @alpha_flags: alpha blend: SPICE_ALPHA_FLAGS_*
 * @alpha: alpha blend: the alpha
 * @path_off: stroke: path offset
 * @str_off: text: string offset
 * @line_flags: stroke: SPICE_LINE_FLAGS_*
 * @style_nseg: stroke: style segments
 * @style_off: stroke: style offset
 * @fore_mode: stroke/text: foreground ROP descriptor
 * @back_mode: stroke/text: background ROP descriptor
 * @back_area: text: the background area
 * @comp_flags: composite: the flags word (op, filters, repeat, ...)
 * @mask_src_off: composite: mask image offset
 * @src_transform: composite: the source transform
 * @mask_transform: composite: the mask transform
 * @src_origin: composite: the source origin
 * @mask_origin: composite: the mask origin
 * @src_pos: copy bits: the source position
 *
 * All DRAW_* messages share this decoded form; fields unused by a given
 * message stay zero.
 */
struct sw_draw {
	uint16_t msg_type;
	struct sw_display_base base;
	uint32_t src_off;
	struct sw_rect src_area;
	struct sw_brush brush, back_brush;
	uint16_t rop_descriptor;
	uint8_t rop3, scale_mode;
	struct sw_qmask mask;
	/* transparent */
	uint32_t src_color, true_color;
	/* alpha blend */
	uint8_t alpha_flags, alpha;
	/* stroke / text */
	uint32_t path_off, str_off;
	uint8_t line_flags, style_nseg;
	uint32_t style_off;
	uint16_t fore_mode, back_mode;
	struct sw_rect back_area;
	/* composite */
	uint32_t comp_flags;
	uint32_t mask_src_off;
	uint32_t src_transform[6], mask_transform[6];
	struct sw_point16 src_origin, mask_origin;
	/* copy bits */
	struct sw_point src_pos;
};
/**
 * sw_msg_is_draw() - whether a display message is a draw
 * @msg_type: the message type
 *
 * Return: true for the display channel's draw messages: those sw_get_draw()
 * takes.
 */
bool sw_msg_is_draw(uint16_t msg_type);
/**
 * sw_get_draw() - demarshal a draw message
 * @msg_type: its type, one sw_msg_is_draw() accepts
 * @b: the body, @n bytes
 * @n: the body size
 * @d: the decoded draw
 *
 * The images, paths, strings and styles it points at are validated too.
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL also for a type
 * that is not a draw).
 */
int sw_get_draw(uint16_t msg_type, const uint8_t *b, size_t n, struct sw_draw *d);
/**
 * sw_put_draw() - marshal the fixed part of a draw message
 * @b: the buffer to append to
 * @d: the draw
 *
 * COPY_BITS, FILL, OPAQUE, COPY, BLEND, BLACKNESS, WHITENESS, INVERS, ROP3,
 * TRANSPARENT, ALPHA_BLEND and COMPOSITE. Pointer fields (src_off, mask
 * offsets, pattern) are written as given: append the images afterwards with
 * sw_put_image_bitmap()/sw_put_image_surface(), which return their offsets,
 * and write those into the pointer fields with sw_patch32() (src_off sits at
 * byte 21 + 16 * clip rects (+4 with a clip) of COPY/BLEND/OPAQUE/ROP3/
 * TRANSPARENT, +2 for ALPHA_BLEND, +4 for COMPOSITE).
 *
 * Return: 0, or the buffer's error, -EOPNOTSUPP for STROKE, TEXT and other
 * types.
 */
int sw_put_draw(struct sw_buf *b, const struct sw_draw *d);
/**
 * sw_put_image_bitmap() - append an uncompressed BITMAP image
 * @b: the buffer to append to
 * @id: the image id
 * @fmt: SPICE_BITMAP_FMT_*
 * @bm_flags: SPICE_BITMAP_FLAGS_* (PAL_FROM_CACHE is dropped; no palette)
 * @w: width in pixels
 * @h: height in pixels
 * @stride: bytes per row
 * @pixels: @h rows of @stride bytes
 * @off: set to the image's offset in the buffer
 *
 * Return: 0, or the buffer's error, -EOVERFLOW if the buffer or the pixels
 * exceed 4 GiB.
 */
int sw_put_image_bitmap(struct sw_buf *b, uint64_t id, uint8_t fmt, uint8_t bm_flags,
			uint32_t w, uint32_t h, uint32_t stride, const void *pixels, uint32_t *off);
/**
 * sw_put_image_surface() - append a SURFACE image
 * @b: the buffer to append to
 * @id: the image id
 * @w: width in pixels
 * @h: height in pixels
 * @surface_id: the source surface
 * @off: set to the image's offset in the buffer
 *
 * Return: 0, or the buffer's error, -EOVERFLOW if the buffer exceeds 4 GiB.
 */
int sw_put_image_surface(struct sw_buf *b, uint64_t id, uint32_t w, uint32_t h, uint32_t surface_id,
			 uint32_t *off);
/**
 * sw_patch32() - overwrite a u32 in the buffer (to patch pointer fields)
 * @b: the buffer
 * @pos: its offset
 * @v: the value
 *
 * Sets -EINVAL in @b->err if the 4 bytes are not inside the buffer.
 */
void sw_patch32(struct sw_buf *b, size_t pos, uint32_t v);

/**
 * sw_check_path() - validate the path a STROKE points at
 * @b: the body, @n bytes
 * @n: the body size
 * @off: the path's offset
 * @num_segments: its segment count
 *
 * Return: 0, or a negative errno for a malformed path.
 */
int sw_check_path(const uint8_t *b, size_t n, uint32_t off, uint32_t *num_segments);
/**
 * sw_check_string() - validate the string a TEXT points at
 * @b: the body, @n bytes
 * @n: the body size
 * @off: the string's offset
 * @num_glyphs: its glyph count
 *
 * Return: 0, or a negative errno for a malformed string (-EINVAL without a
 * raster flag).
 */
int sw_check_string(const uint8_t *b, size_t n, uint32_t off, uint16_t *num_glyphs);

/**
 * struct sw_display_mode - a MODE body
 * @x_res: width
 * @y_res: height
 * @bits: bits per pixel
 */
struct sw_display_mode { uint32_t x_res, y_res, bits; };
/**
 * struct sw_surface_create - a SURFACE_CREATE body
 * @surface_id: the surface
 * @width: width in pixels
 * @height: height in pixels
 * @format: SPICE_SURFACE_FMT_*
 * @flags: SPICE_SURFACE_FLAGS_*
 */
struct sw_surface_create { uint32_t surface_id, width, height, format, flags; };
/**
 * struct sw_inval_list - an INVAL_LIST body
 * @count: entries
 * @raw: count * {u8 type, u64 id} in the body
 */
struct sw_inval_list { uint16_t count; const uint8_t *raw; };
/**
 * struct sw_stream_create - a STREAM_CREATE body
 * @surface_id: the destination surface
 * @id: the stream id
 * @flags: SPICE_STREAM_FLAGS_*
 * @codec_type: SPICE_VIDEO_CODEC_TYPE_*
 * @stamp: the creation stamp
 * @stream_width: width of the encoded frames
 * @stream_height: their height
 * @src_width: width of the source area
 * @src_height: its height
 * @dest: where frames are drawn
 * @clip: the clip
 */
struct sw_stream_create {
	uint32_t surface_id, id;
	uint8_t flags, codec_type;
	uint64_t stamp;
	uint32_t stream_width, stream_height, src_width, src_height;
	struct sw_rect dest;
	struct sw_clip clip;
};
/**
 * struct sw_stream_data - a STREAM_DATA or STREAM_DATA_SIZED body
 * @id: the stream id
 * @multi_media_time: the frame's time
 * @sized: it is STREAM_DATA_SIZED
 * @width: sized only: the frame width
 * @height: sized only: the frame height
 * @dest: sized only: where it is drawn
 * @data_size: bytes of @data
 * @data: the encoded frame, pointing into the body
 */
struct sw_stream_data {
	uint32_t id, multi_media_time;
	bool sized;
	uint32_t width, height;
	struct sw_rect dest;
	uint32_t data_size;
	const uint8_t *data;
};
/**
 * struct sw_stream_clip - a STREAM_CLIP body
 * @id: the stream id
 * @clip: the new clip
 */
struct sw_stream_clip { uint32_t id; struct sw_clip clip; };
/**
 * struct sw_head - one head of a MONITORS_CONFIG
 * @id: the head id
 * @surface_id: its surface
 * @width: width in pixels
 * @height: height in pixels
 * @x: left edge
 * @y: top edge
 * @flags: its flags
 */
struct sw_head { uint32_t id, surface_id, width, height, x, y, flags; };
/**
 * struct sw_monitors_config - a MONITORS_CONFIG body
 * @count: heads
 * @max_allowed: the most heads allowed
 * @raw: count * 28 bytes in the body, read with sw_head_at()
 */
struct sw_monitors_config { uint16_t count, max_allowed; const uint8_t *raw; };
/**
 * sw_head_at() - one head of a MONITORS_CONFIG
 * @m: the decoded message
 * @i: the index
 *
 * Return: head @i; all zero if @i is out of range.
 */
struct sw_head sw_head_at(const struct sw_monitors_config *m, uint16_t i);
/**
 * struct sw_stream_activate_report - a STREAM_ACTIVATE_REPORT body
 * @stream_id: the stream
 * @unique_id: the id to echo in reports
 * @max_window_size: frames per report at most
 * @timeout_ms: report at least this often
 */
struct sw_stream_activate_report { uint32_t stream_id, unique_id, max_window_size, timeout_ms; };
/**
 * struct sw_gl_scanout - a GL_SCANOUT_UNIX body (the dma-buf fd comes with it)
 * @width: width in pixels
 * @height: height in pixels
 * @stride: bytes per row
 * @drm_fourcc_format: a DRM_FORMAT_*
 * @flags: SPICE_GL_SCANOUT_FLAGS_*
 */
struct sw_gl_scanout {
	uint32_t width, height, stride, drm_fourcc_format, flags;
};
#define SW_MAX_PLANES 4
/**
 * struct sw_gl_scanout2 - a GL_SCANOUT2_UNIX body
 * @width: width in pixels
 * @height: height in pixels
 * @drm_fourcc_format: a DRM_FORMAT_*
 * @flags: SPICE_GL_SCANOUT_FLAGS_*
 * @num_planes: 0..SW_MAX_PLANES
 * @modifier: a DRM_FORMAT_MOD_*
 * @offsets: byte offset of each plane
 * @strides: bytes per row of each plane
 *
 * One fd per plane comes with it.
 */
struct sw_gl_scanout2 {
	uint32_t width, height, drm_fourcc_format, flags;
	uint8_t num_planes;
	uint64_t modifier;
	uint32_t offsets[SW_MAX_PLANES], strides[SW_MAX_PLANES];
};
/**
 * struct sw_gl_draw - a GL_DRAW body: the rectangle that changed
 * @x: left column
 * @y: top row
 * @w: width
 * @h: height
 */
struct sw_gl_draw { uint32_t x, y, w, h; };
/* client display messages */
/**
 * struct sw_display_init - a client display INIT body
 * @pixmap_cache_id: the pixmap cache id
 * @pixmap_cache_size: its size
 * @glz_dictionary_id: the GLZ dictionary id
 * @glz_dictionary_window_size: its window size
 */
struct sw_display_init {
	uint8_t pixmap_cache_id;
	int64_t pixmap_cache_size;
	uint8_t glz_dictionary_id;
	int32_t glz_dictionary_window_size;
};
/**
 * struct sw_stream_report - a STREAM_REPORT body
 * @stream_id: the stream
 * @unique_id: the id of the activation
 * @start_frame_mm_time: time of the first frame reported
 * @end_frame_mm_time: time of the last
 * @num_frames: frames in the report
 * @num_drops: frames dropped
 * @last_frame_delay: delay of the last frame
 * @audio_delay: the audio delay
 */
struct sw_stream_report {
	uint32_t stream_id, unique_id, start_frame_mm_time, end_frame_mm_time;
	uint32_t num_frames, num_drops;
	int32_t last_frame_delay;
	uint32_t audio_delay;
};

/**
 * sw_get_display_mode() - demarshal a MODE body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_display_mode(const uint8_t *b, size_t n, struct sw_display_mode *m);
/**
 * sw_get_surface_create() - demarshal a SURFACE_CREATE body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL for an unknown
 * format).
 */
int sw_get_surface_create(const uint8_t *b, size_t n, struct sw_surface_create *m);
/**
 * sw_put_surface_create() - marshal a SURFACE_CREATE body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_surface_create(struct sw_buf *b, const struct sw_surface_create *m);
/**
 * sw_get_inval_list() - demarshal an INVAL_LIST body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_inval_list(const uint8_t *b, size_t n, struct sw_inval_list *m);
/**
 * sw_get_stream_create() - demarshal a STREAM_CREATE body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL for a stream id
 * of SPICE_MAX_NUM_STREAMS or above).
 */
int sw_get_stream_create(const uint8_t *b, size_t n, struct sw_stream_create *m);
/**
 * sw_get_stream_data() - demarshal a STREAM_DATA or STREAM_DATA_SIZED body
 * @b: the body, @n bytes
 * @n: the body size
 * @sized: true for STREAM_DATA_SIZED
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_stream_data(const uint8_t *b, size_t n, bool sized, struct sw_stream_data *m);
/**
 * sw_get_stream_clip() - demarshal a STREAM_CLIP body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_stream_clip(const uint8_t *b, size_t n, struct sw_stream_clip *m);
/**
 * sw_get_monitors_config() - demarshal a MONITORS_CONFIG body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_monitors_config(const uint8_t *b, size_t n, struct sw_monitors_config *m);
/**
 * sw_put_monitors_config() - marshal a MONITORS_CONFIG body
 * @b: the buffer to append to
 * @max_allowed: the most heads allowed
 * @h: the heads
 * @count: how many
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_monitors_config(struct sw_buf *b, uint16_t max_allowed, const struct sw_head *h, uint16_t count);
/**
 * sw_get_stream_activate_report() - demarshal a STREAM_ACTIVATE_REPORT body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_stream_activate_report(const uint8_t *b, size_t n, struct sw_stream_activate_report *m);
/**
 * sw_get_gl_scanout() - demarshal a GL_SCANOUT_UNIX body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL for unknown
 * flags).
 */
int sw_get_gl_scanout(const uint8_t *b, size_t n, struct sw_gl_scanout *m);
/**
 * sw_put_gl_scanout() - marshal a GL_SCANOUT_UNIX body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_gl_scanout(struct sw_buf *b, const struct sw_gl_scanout *m);
/**
 * sw_get_gl_scanout2() - demarshal a GL_SCANOUT2_UNIX body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL for more than
 * SW_MAX_PLANES planes or unknown flags).
 */
int sw_get_gl_scanout2(const uint8_t *b, size_t n, struct sw_gl_scanout2 *m);
/**
 * sw_put_gl_scanout2() - marshal a GL_SCANOUT2_UNIX body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error, -EINVAL for more than SW_MAX_PLANES
 * planes.
 */
int sw_put_gl_scanout2(struct sw_buf *b, const struct sw_gl_scanout2 *m);
/**
 * sw_get_gl_draw() - demarshal a GL_DRAW body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_gl_draw(const uint8_t *b, size_t n, struct sw_gl_draw *m);
/**
 * sw_put_gl_draw() - marshal a GL_DRAW body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_gl_draw(struct sw_buf *b, const struct sw_gl_draw *m);
/**
 * sw_put_display_init() - marshal a client display INIT body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_display_init(struct sw_buf *b, const struct sw_display_init *m);
/**
 * sw_get_display_init() - demarshal a client display INIT body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_display_init(const uint8_t *b, size_t n, struct sw_display_init *m);
/**
 * sw_put_stream_report() - marshal a STREAM_REPORT body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_stream_report(struct sw_buf *b, const struct sw_stream_report *m);
/**
 * sw_get_stream_report() - demarshal a STREAM_REPORT body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_stream_report(const uint8_t *b, size_t n, struct sw_stream_report *m);
/**
 * sw_put_preferred_video_codecs() - marshal a PREFERRED_VIDEO_CODEC_TYPE body
 * @b: the buffer to append to
 * @codecs: SPICE_VIDEO_CODEC_TYPE_* values
 * @n: how many
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_preferred_video_codecs(struct sw_buf *b, const uint8_t *codecs, uint8_t n);
/**
 * sw_get_preferred_video_codecs() - demarshal a PREFERRED_VIDEO_CODEC_TYPE body
 * @b: the body, @n bytes
 * @n: the body size
 * @count: how many codecs
 * @codecs: set to the codecs in @b
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_preferred_video_codecs(const uint8_t *b, size_t n, uint8_t *count, const uint8_t **codecs);

/* ---- cursor channel --------------------------------------------------- */
/**
 * struct sw_cursor - a decoded SpiceCursor
 * @flags: SPICE_CURSOR_FLAGS_*
 * @has_header: a cursor header follows (flags without NONE)
 * @unique: header: the cache id
 * @type: header: SPICE_CURSOR_TYPE_*
 * @width: header: width
 * @height: header: height
 * @hot_x: header: hot spot column
 * @hot_y: header: hot spot row
 * @data: the pixel data, pointing into the body
 * @data_len: bytes of @data
 */
struct sw_cursor {
	uint16_t flags;
	bool has_header;
	uint64_t unique;
	uint8_t type;
	uint16_t width, height, hot_x, hot_y;
	const uint8_t *data;
	uint32_t data_len;
};
/**
 * struct sw_cursor_init - a cursor INIT body
 * @position: the cursor position
 * @trail_length: trail length
 * @trail_frequency: trail frequency
 * @visible: nonzero if visible
 * @cursor: the cursor
 */
struct sw_cursor_init {
	struct sw_point16 position;
	uint16_t trail_length, trail_frequency;
	uint8_t visible;
	struct sw_cursor cursor;
};
/**
 * struct sw_cursor_set - a cursor SET body
 * @position: the cursor position
 * @visible: nonzero if visible
 * @cursor: the cursor
 */
struct sw_cursor_set { struct sw_point16 position; uint8_t visible; struct sw_cursor cursor; };
/**
 * struct sw_cursor_trail - a cursor TRAIL body
 * @length: trail length
 * @frequency: trail frequency
 */
struct sw_cursor_trail { uint16_t length, frequency; };
/**
 * sw_get_cursor_init() - demarshal a cursor INIT body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL for an unknown
 * cursor type).
 */
int sw_get_cursor_init(const uint8_t *b, size_t n, struct sw_cursor_init *m);
/**
 * sw_get_cursor_set() - demarshal a cursor SET body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL for an unknown
 * cursor type).
 */
int sw_get_cursor_set(const uint8_t *b, size_t n, struct sw_cursor_set *m);
/**
 * sw_get_cursor_move() - demarshal a cursor MOVE body
 * @b: the body, @n bytes
 * @n: the body size
 * @pos: the new position
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_cursor_move(const uint8_t *b, size_t n, struct sw_point16 *pos);
/**
 * sw_get_cursor_trail() - demarshal a cursor TRAIL body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_cursor_trail(const uint8_t *b, size_t n, struct sw_cursor_trail *m);
/**
 * sw_put_cursor_set() - marshal a cursor SET body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_cursor_set(struct sw_buf *b, const struct sw_cursor_set *m);

/* ---- inputs channel --------------------------------------------------- */
/**
 * struct sw_mouse_motion - a MOUSE_MOTION body
 * @dx: horizontal motion
 * @dy: vertical motion
 * @buttons: SPICE_MOUSE_BUTTON_MASK_* held
 */
struct sw_mouse_motion { int32_t dx, dy; uint16_t buttons; };
/**
 * struct sw_mouse_position - a MOUSE_POSITION body
 * @x: column
 * @y: row
 * @buttons: SPICE_MOUSE_BUTTON_MASK_* held
 * @display_id: the display
 */
struct sw_mouse_position { uint32_t x, y; uint16_t buttons; uint8_t display_id; };
/**
 * struct sw_mouse_button - a MOUSE_PRESS or MOUSE_RELEASE body
 * @button: SPICE_MOUSE_BUTTON_*
 * @buttons: SPICE_MOUSE_BUTTON_MASK_* held
 */
struct sw_mouse_button { uint8_t button; uint16_t buttons; };
/**
 * sw_put_key_scancode() - marshal a KEY_SCANCODE body
 * @b: the buffer to append to
 * @codes: the scancode bytes
 * @n: how many, at least 1
 *
 * Return: 0, or the buffer's error, -EINVAL for none.
 */
int sw_put_key_scancode(struct sw_buf *b, const uint8_t *codes, size_t n);
/**
 * sw_scancode_bytes() - the PC XT scancode sequence of a key
 * @code: a set-1 code; codes above 0xff are E0-prefixed
 * @release: false for make, true for break
 * @out: the sequence
 *
 * Return: the byte count.
 */
size_t sw_scancode_bytes(uint32_t code, bool release, uint8_t out[4]);
/**
 * sw_put_mouse_motion() - marshal a MOUSE_MOTION body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_mouse_motion(struct sw_buf *b, const struct sw_mouse_motion *m);
/**
 * sw_put_mouse_position() - marshal a MOUSE_POSITION body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_mouse_position(struct sw_buf *b, const struct sw_mouse_position *m);
/**
 * sw_put_mouse_button() - marshal a MOUSE_PRESS or MOUSE_RELEASE body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_mouse_button(struct sw_buf *b, const struct sw_mouse_button *m);
/**
 * sw_get_mouse_motion() - demarshal a MOUSE_MOTION body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_mouse_motion(const uint8_t *b, size_t n, struct sw_mouse_motion *m);
/**
 * sw_get_mouse_position() - demarshal a MOUSE_POSITION body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_mouse_position(const uint8_t *b, size_t n, struct sw_mouse_position *m);
/**
 * sw_get_mouse_button() - demarshal a MOUSE_PRESS or MOUSE_RELEASE body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL for an unknown
 * button).
 */
int sw_get_mouse_button(const uint8_t *b, size_t n, struct sw_mouse_button *m);

/* ---- playback / record ------------------------------------------------ */
/**
 * struct sw_audio_data - a playback DATA or MODE body
 * @time: the time stamp
 * @mode: MODE: SPICE_AUDIO_DATA_MODE_*; 0 for DATA
 * @data: the rest of the body
 * @len: bytes of @data
 */
struct sw_audio_data { uint32_t time; uint16_t mode; const uint8_t *data; uint32_t len; };
/**
 * struct sw_audio_start - a playback or record START body
 * @channels: audio channels
 * @format: SPICE_AUDIO_FMT_*
 * @frequency: samples per second
 * @time: playback: the time stamp; record: 0
 */
struct sw_audio_start { uint32_t channels; uint16_t format; uint32_t frequency, time; };
/**
 * struct sw_audio_volume - a VOLUME body
 * @nchannels: channels
 * @raw: nchannels * u16 in the body, read with sw_audio_volume_at()
 */
struct sw_audio_volume { uint8_t nchannels; const uint8_t *raw; };
/**
 * sw_get_playback_data() - demarshal a playback DATA body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_playback_data(const uint8_t *b, size_t n, struct sw_audio_data *m);
/**
 * sw_get_playback_mode() - demarshal a playback MODE body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL for an unknown
 * mode).
 */
int sw_get_playback_mode(const uint8_t *b, size_t n, struct sw_audio_data *m);
/**
 * sw_get_playback_start() - demarshal a playback START body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_playback_start(const uint8_t *b, size_t n, struct sw_audio_start *m);
/**
 * sw_get_record_start() - demarshal a record START body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * There is no time stamp: @m->time is 0.
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_record_start(const uint8_t *b, size_t n, struct sw_audio_start *m);
/**
 * sw_get_audio_volume() - demarshal a playback or record VOLUME body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body.
 */
int sw_get_audio_volume(const uint8_t *b, size_t n, struct sw_audio_volume *m);
/**
 * sw_audio_volume_at() - the volume of one channel
 * @m: the decoded message
 * @i: the channel
 *
 * Return: the volume; 0 if @i is out of range.
 */
uint16_t sw_audio_volume_at(const struct sw_audio_volume *m, uint8_t i);
/**
 * sw_put_record_data() - marshal a record DATA body
 * @b: the buffer to append to
 * @time: the time stamp
 * @data: the samples
 * @len: bytes of @data
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_record_data(struct sw_buf *b, uint32_t time, const void *data, uint32_t len);
/**
 * sw_put_record_mode() - marshal a record MODE body
 * @b: the buffer to append to
 * @time: the time stamp
 * @mode: SPICE_AUDIO_DATA_MODE_*
 * @data: mode data
 * @len: bytes of @data
 *
 * Return: 0, or the buffer's error.
 */
int sw_put_record_mode(struct sw_buf *b, uint32_t time, uint16_t mode, const void *data, uint32_t len);

/* ---- port ------------------------------------------------------------- */
/**
 * struct sw_port_init - a port INIT body
 * @name_size: bytes of @name, its NUL included
 * @name: the port name, NUL-terminated, pointing into the body
 * @opened: nonzero if the port is open
 */
struct sw_port_init { uint32_t name_size; const uint8_t *name; uint8_t opened; };
/**
 * sw_get_port_init() - demarshal a port INIT body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, or a negative errno for a malformed body (-EINVAL for an empty
 * name, one not NUL-terminated or one inside the fixed part).
 */
int sw_get_port_init(const uint8_t *b, size_t n, struct sw_port_init *m);
/**
 * sw_put_port_init() - marshal a port INIT body
 * @b: the buffer to append to
 * @name: the port name; written with its NUL
 * @opened: nonzero if open
 *
 * Return: 0, or the buffer's error, -EOVERFLOW for a name too long.
 */
int sw_put_port_init(struct sw_buf *b, const char *name, uint8_t opened);

/* ---- generic decode / names ------------------------------------------ */
/**
 * sw_channel_name() - name of a channel type
 * @channel_type: SPICE_CHANNEL_*
 *
 * Return: "main", "display", ... or "?"; a static string.
 */
const char *sw_channel_name(uint8_t channel_type);
/**
 * sw_msg_name() - name of a message type
 * @channel_type: SPICE_CHANNEL_*
 * @server: true: a message from the server; false: from the client
 * @type: the message type
 *
 * Return: the message's name, or "unknown"; a static string.
 */
const char *sw_msg_name(uint8_t channel_type, bool server, uint16_t type);
/**
 * sw_validate() - validate any message fully
 * @channel_type: SPICE_CHANNEL_*
 * @server: true: a message from the server; false: from the client
 * @type: the message type
 * @b: the body, @n bytes
 * @n: the body size
 *
 * Checks the images, paths and strings a draw points at too. Unknown
 * types are accepted (0) when they are in the channel's range, since new
 * servers add messages.
 *
 * Return: 0, or a negative errno for a malformed message (-EINVAL for a NULL
 * body with @n > 0).
 */
int sw_validate(uint8_t channel_type, bool server, uint16_t type, const uint8_t *b, size_t n);

/* ---- channels --------------------------------------------------------- */
/**
 * struct sw_channel_opts - what sw_channel_link() asks for
 * @connection_id: 0, or the session id of the main channel
 * @channel_type: SPICE_CHANNEL_*
 * @channel_id: the channel id
 * @common_caps: common caps to announce
 * @num_common_caps: words in @common_caps
 * @channel_caps: channel caps to announce
 * @num_channel_caps: words in @channel_caps
 * @password: the ticket; NULL: empty ticket
 * @use_sasl: select SASL auth (needs libsasl2 support)
 * @sasl_user: the SASL user name
 * @timeout_ms: bound on every socket wait; default 10000
 */
struct sw_channel_opts {
	uint32_t connection_id;
	uint8_t channel_type, channel_id;
	uint32_t common_caps[SW_MAX_CAPS];
	uint32_t num_common_caps;
	uint32_t channel_caps[SW_MAX_CAPS];
	uint32_t num_channel_caps;
	const char *password;
	bool use_sasl;
	const char *sasl_user;
	int timeout_ms;
};
/**
 * sw_channel_default_opts() - the library's default options for a channel
 * @o: the options; cleared first
 * @channel_type: SPICE_CHANNEL_*
 * @channel_id: the channel id
 *
 * The timeout is 10000 ms. Common caps AUTH_SELECTION, AUTH_SPICE,
 * MINI_HEADER (and AUTH_SASL when built with SASL); and the channel caps
 * a display client wants (SIZED_STREAM, MONITORS_CONFIG, COMPOSITE,
 * A8_SURFACE, STREAM_REPORT, PREF_COMPRESSION, MULTI_CODEC, CODEC_MJPEG,
 * PREF_VIDEO_CODEC_TYPE), main (NAME_AND_UUID, AGENT_CONNECTED_TOKENS,
 * SEAMLESS_MIGRATE), inputs (KEY_SCANCODE), playback (VOLUME, LATENCY),
 * record (VOLUME).
 */
void sw_channel_default_opts(struct sw_channel_opts *o, uint8_t channel_type, uint8_t channel_id);

/**
 * struct sw_msg - a message read by sw_channel_read()
 * @type: the message type
 * @size: body size
 * @serial: the message serial
 * @data: the body; valid until the next sw_channel_read()
 * @fds: fds received with the message (unix sockets)
 * @nfds: how many of @fds
 */
struct sw_msg {
	uint16_t type;
	uint32_t size;
	uint64_t serial;
	const uint8_t *data;
	int fds[4];
	int nfds;
};

/*
 * A channel is opaque: sw_channel_new() makes one, sw_channel_free() closes
 * and frees it. The same object can be connected, closed and connected again;
 * after a failure it keeps the error until it is reused.
 */
struct sw_channel;
/**
 * typedef sw_send_hook - a logging hook of sw_channel_set_hooks()
 * @opaque: the hooks' argument
 * @ch: the channel
 * @type: the message type
 * @body: its body
 * @len: its size
 *
 * Called for every message the channel sends, including automatic replies
 * (ACK_SYNC, ACK, PONG), or receives.
 */
typedef void (*sw_send_hook)(void *opaque, struct sw_channel *ch, uint16_t type, const uint8_t *body,
			     size_t len);

/**
 * sw_channel_new() - allocate a channel, not connected
 *
 * Return: the channel, or NULL when out of memory. Give it a socket with
 * sw_channel_connect() or sw_channel_from_fd().
 */
struct sw_channel *sw_channel_new(void);

/**
 * sw_channel_free() - close a channel and free it
 * @ch: the channel, or NULL
 */
void sw_channel_free(struct sw_channel *ch);

/**
 * sw_channel_connect() - connect a channel's socket
 * @ch: the channel; its previous state (error, hooks, timeout) is reset
 * @host: a name or numeric address for TCP, or a unix socket path if it
 *	starts with '/' or "unix:"
 * @port: the TCP port (ignored for unix sockets)
 * @timeout_ms: bound on this and every later socket wait; <= 0 for 10 s
 *
 * Return: 0, or a negative errno with the channel closed and its error set.
 */
int sw_channel_connect(struct sw_channel *ch, const char *host, int port, int timeout_ms);

/**
 * sw_channel_from_fd() - wrap an existing connected socket
 * @ch: the channel; its previous state is reset as by sw_channel_connect()
 * @fd: the socket (e.g. from socketpair()); the channel owns it from now on
 * @unix_socket: true if @fd is a unix socket, so file descriptors can pass
 */
void sw_channel_from_fd(struct sw_channel *ch, int fd, bool unix_socket);

/**
 * sw_channel_link() - run the client side of the link stage
 * @ch: a connected channel
 * @o: the channel type and id, caps, ticket or SASL, timeout
 *
 * Return: 0, or a negative errno with the channel closed and its error set.
 */
int sw_channel_link(struct sw_channel *ch, const struct sw_channel_opts *o);

/**
 * sw_channel_read() - read the next message
 * @ch: a linked channel
 * @m: the message; its data is valid until the next read
 * @timeout_ms: bound on the wait for the message to start; <= 0 for the
 *	channel's timeout
 *
 * Sub-messages of a LIST are returned one by one. Unless turned off with
 * sw_channel_set_auto_base(), SET_ACK, PING and the ACK window are answered
 * automatically; the message is still returned. Every message is validated
 * and a malformed one closes the channel.
 *
 * Return: 0, or a negative errno with the channel closed and its error set.
 */
int sw_channel_read(struct sw_channel *ch, struct sw_msg *m, int timeout_ms);

/**
 * sw_channel_send() - send a message
 * @ch: a linked channel
 * @type: the message type
 * @body: the body, @len bytes
 * @len: the body size
 *
 * Return: 0, or a negative errno (-ENOTCONN on a closed channel).
 */
int sw_channel_send(struct sw_channel *ch, uint16_t type, const void *body, size_t len);

/**
 * sw_channel_send_fds() - send a message with file descriptors
 * @ch: a linked channel on a unix socket
 * @type: the message type
 * @body: the body, @len bytes
 * @len: the body size
 * @fds: descriptors passed with SCM_RIGHTS (the caller keeps them)
 * @nfds: how many, at most 8
 *
 * Return: 0, or a negative errno (-ENOTCONN on a closed channel).
 */
int sw_channel_send_fds(struct sw_channel *ch, uint16_t type, const void *body, size_t len,
			const int *fds, int nfds);

/**
 * sw_channel_fail() - record an error and close the channel
 * @ch: the channel
 * @err: a negative errno
 * @fmt: printf format of the reason, kept unless an error was already set
 *
 * Return: @err.
 */
int sw_channel_fail(struct sw_channel *ch, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * sw_channel_close() - close the socket and drop buffered data
 * @ch: the channel; the object and its error stay until freed or reused
 */
void sw_channel_close(struct sw_channel *ch);

/**
 * sw_channel_remote_cap() - test a capability the peer announced at link
 * @ch: a linked channel
 * @common: true for a common cap, false for a channel cap
 * @bit: the cap number
 *
 * Return: true if the peer has it.
 */
bool sw_channel_remote_cap(const struct sw_channel *ch, bool common, unsigned bit);

/**
 * sw_channel_pending() - whether a read can complete without the socket
 * @ch: the channel
 *
 * poll() on sw_channel_fd() alone is not enough to drive a channel.
 *
 * Return: true if sw_channel_read() can return a message without the socket
 * becoming readable (pending sub-messages or SASL-decoded bytes).
 */
bool sw_channel_pending(const struct sw_channel *ch);

/**
 * sw_channel_fd() - the channel's socket, for poll()
 * @ch: the channel
 *
 * Return: the socket, or -1 when the channel is closed.
 */
int sw_channel_fd(const struct sw_channel *ch);

/**
 * sw_channel_type() - the channel type of the link stage (SPICE_CHANNEL_*)
 * @ch: the channel
 *
 * Return: the type; 0 before a link.
 */
uint8_t sw_channel_type(const struct sw_channel *ch);

/**
 * sw_channel_id() - the channel id of the link stage
 * @ch: the channel
 *
 * Return: the id; 0 before a link.
 */
uint8_t sw_channel_id(const struct sw_channel *ch);

/**
 * sw_channel_closed() - whether the channel was closed since it was set up
 * @ch: the channel
 *
 * Return: true after sw_channel_close(), sw_channel_fail() or an error.
 */
bool sw_channel_closed(const struct sw_channel *ch);

/**
 * sw_channel_err() - the error that closed the channel
 * @ch: the channel
 *
 * Return: the negative errno of the first failure, or 0.
 */
int sw_channel_err(const struct sw_channel *ch);

/**
 * sw_channel_errmsg() - the reason for sw_channel_err()
 * @ch: the channel
 *
 * Return: a human-readable reason, "" if none was recorded. The string lives
 * in the channel: it stays valid, and reads the latest reason, until the
 * channel is freed.
 */
const char *sw_channel_errmsg(const struct sw_channel *ch);

/**
 * sw_channel_mini_header() - whether the link chose the mini data header
 * @ch: a linked channel
 *
 * Return: true for the 6-byte header, false for the full 18-byte one.
 */
bool sw_channel_mini_header(const struct sw_channel *ch);

/**
 * sw_channel_remote() - what the peer announced at link
 * @ch: a linked channel
 *
 * Return: on the client side the server's SpiceLinkReply (error, key, caps);
 * after sw_server_accept_link() the client's caps.
 */
const struct sw_link_reply *sw_channel_remote(const struct sw_channel *ch);

/**
 * sw_channel_set_timeout() - change the bound on the channel's socket waits
 * @ch: the channel
 * @timeout_ms: the new bound; <= 0 leaves it unchanged
 */
void sw_channel_set_timeout(struct sw_channel *ch, int timeout_ms);

/**
 * sw_channel_set_auto_base() - turn the automatic base replies on or off
 * @ch: the channel
 * @on: answer SET_ACK, PING and the ACK window in sw_channel_read() (the
 *	default on the client side; off after sw_server_accept_link())
 */
void sw_channel_set_auto_base(struct sw_channel *ch, bool on);

/**
 * sw_channel_set_hooks() - log what the channel sends and receives
 * @ch: a connected channel (connecting resets the hooks)
 * @send: called for every message sent, automatic replies included; or NULL
 * @recv: called for every message received (LIST containers and their
 *	sub-messages alike) after validation and before any automatic reply,
 *	so logs keep the wire order; or NULL
 * @opaque: passed to both
 */
void sw_channel_set_hooks(struct sw_channel *ch, sw_send_hook send, sw_send_hook recv, void *opaque);

/**
 * sw_server_accept_link() - run the server side of the link stage
 * @ch: a connected channel
 * @reply: the answer (error + caps)
 * @got: the client's SpiceLinkMess
 * @timeout_ms: the channel's new timeout (as sw_channel_set_timeout())
 *
 * For tests and libqxl-scanout: reads a SpiceLinkMess, answers with @reply,
 * consumes the auth mechanism and ticket. No ticket checking. Automatic base
 * replies are turned off.
 *
 * Return: 0, or a negative errno with the channel closed and its error set
 * (-ECONNREFUSED after sending a @reply that carries an error).
 */
int sw_server_accept_link(struct sw_channel *ch, const struct sw_link_reply *reply,
			  struct sw_link_mess *got, int timeout_ms);

/**
 * sw_have_sasl() - whether the library was built with SASL support
 *
 * Return: true if sw_channel_opts.use_sasl can work.
 */
bool sw_have_sasl(void);

#ifdef __cplusplus
}
#endif
#endif
