/* SPDX-License-Identifier: MIT */
/*
 * libspice-wire: the stream device protocol (spice-protocol's
 * stream-device.h). A guest streaming agent and spice-server talk it over
 * the virtio-serial port org.spice-space.stream.0: an 8-byte header
 * {u8 protocol_version, u8 padding, u16 type, u32 size} then size bytes of
 * body, little-endian, no padding between messages.
 *
 * Host to guest: CAPABILITIES, START_STOP, NOTIFY_ERROR.
 * Guest to host: CAPABILITIES, FORMAT, DATA, CURSOR_SET, CURSOR_MOVE,
 * DEVICE_DISPLAY_INFO, QUALITY_INDICATOR.
 *
 * Same conventions as spice-wire.h: 0 or a negative errno; demarshallers
 * never read outside (body, len) and their results point into body;
 * -EBADMSG truncated, -EMSGSIZE trailing bytes, -EINVAL a value out of range,
 * -E2BIG over one of the limits below, -EPROTO a bad header.
 */
#ifndef SPICE_STREAM_H
#define SPICE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <spice/stream-device.h>

#include "spice-wire.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SW_STREAMDEV_HEADER_SIZE 8
/* Limits on bodies. spice-server's own: capabilities (1024 bytes), cursor
 * sides (1024), device address (256 with its NUL). Ours: a frame of DATA, a
 * text (NOTIFY_ERROR, QUALITY_INDICATOR), a stream's side, and any message
 * type this library does not know (read and skipped up to that size). */
#define SW_STREAMDEV_MAX_CAPS STREAM_MSG_CAPABILITIES_MAX_BYTES
#define SW_STREAMDEV_MAX_DATA (32u << 20)
#define SW_STREAMDEV_MAX_TEXT 4096u
#define SW_STREAMDEV_MAX_SIDE 16384u
#define SW_STREAMDEV_MAX_CURSOR_SIDE 1024u
#define SW_STREAMDEV_MAX_ADDRESS 256u
#define SW_STREAMDEV_MAX_UNKNOWN 65536u

/**
 * struct sw_streamdev_header - a decoded message header
 * @type: STREAM_TYPE_*
 * @size: body bytes
 */
struct sw_streamdev_header {
	uint16_t type;
	uint32_t size;
};

/**
 * sw_put_streamdev_header() - write a message header
 * @out: the 8 bytes to fill
 * @type: STREAM_TYPE_*
 * @size: body bytes
 *
 * The protocol version is STREAM_DEVICE_PROTOCOL, the padding 0.
 */
void sw_put_streamdev_header(uint8_t out[SW_STREAMDEV_HEADER_SIZE], uint16_t type, uint32_t size);

/**
 * sw_get_streamdev_header() - parse a message header
 * @p: the header bytes, @n of them
 * @n: bytes available
 * @h: the decoded header
 *
 * The padding byte is ignored, as spice-server does.
 *
 * Return: 0, -EBADMSG if @n < 8, -EPROTO for another protocol version or
 * type 0 (INVALID), -E2BIG for a size above sw_streamdev_max_size(type).
 */
int sw_get_streamdev_header(const uint8_t *p, size_t n, struct sw_streamdev_header *h);

/**
 * sw_streamdev_max_size() - largest body a message of a type may have
 * @type: STREAM_TYPE_*
 *
 * Return: the limit in bytes; SW_STREAMDEV_MAX_UNKNOWN for unknown types.
 */
uint32_t sw_streamdev_max_size(uint16_t type);

/**
 * sw_streamdev_msg_name() - name of a message type
 * @type: STREAM_TYPE_*
 *
 * Return: "capabilities", "format", ... or "unknown"; a static string.
 */
const char *sw_streamdev_msg_name(uint16_t type);

/**
 * sw_streamdev_from_host() - whether the host sends a message type
 * @type: STREAM_TYPE_*
 *
 * Return: true for CAPABILITIES, START_STOP and NOTIFY_ERROR (CAPABILITIES
 * goes both ways, so it is true for both directions).
 */
bool sw_streamdev_from_host(uint16_t type);

/**
 * sw_streamdev_from_guest() - whether the guest sends a message type
 * @type: STREAM_TYPE_*
 *
 * Return: true for CAPABILITIES, FORMAT, DATA, CURSOR_SET, CURSOR_MOVE,
 * DEVICE_DISPLAY_INFO and QUALITY_INDICATOR.
 */
bool sw_streamdev_from_guest(uint16_t type);

/**
 * struct sw_streamdev_caps - a CAPABILITIES body: a bit array, bit n in
 * byte n / 8
 * @len: bytes of @bits
 * @bits: the array; NULL if empty
 */
struct sw_streamdev_caps { uint32_t len; const uint8_t *bits; };

/**
 * sw_put_streamdev_caps() - marshal a CAPABILITIES body
 * @b: the buffer to append to
 * @bits: the bit array, @len bytes
 * @len: at most SW_STREAMDEV_MAX_CAPS
 *
 * Return: 0, -E2BIG, or the buffer's error (-ENOMEM, -EOVERFLOW).
 */
int sw_put_streamdev_caps(struct sw_buf *b, const uint8_t *bits, size_t len);

/**
 * sw_get_streamdev_caps() - demarshal a CAPABILITIES body
 * @b: the body, @n bytes
 * @n: the body size, at most SW_STREAMDEV_MAX_CAPS
 * @m: the decoded message, pointing into @b
 *
 * Return: 0 or -E2BIG.
 */
int sw_get_streamdev_caps(const uint8_t *b, size_t n, struct sw_streamdev_caps *m);

/**
 * sw_streamdev_caps_test() - test a capability bit
 * @m: decoded capabilities
 * @bit: the capability number
 *
 * Return: true if @bit is set; false for bits beyond the array.
 */
bool sw_streamdev_caps_test(const struct sw_streamdev_caps *m, unsigned bit);

/**
 * struct sw_streamdev_format - a FORMAT body
 * @width: 1..SW_STREAMDEV_MAX_SIDE
 * @height: 1..SW_STREAMDEV_MAX_SIDE
 * @codec: a SPICE_VIDEO_CODEC_TYPE_*
 */
struct sw_streamdev_format { uint32_t width, height; uint8_t codec; };

/**
 * sw_put_streamdev_format() - marshal a FORMAT body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, -EINVAL for a side or codec out of range, or the buffer's error
 * (-ENOMEM, -EOVERFLOW).
 */
int sw_put_streamdev_format(struct sw_buf *b, const struct sw_streamdev_format *m);

/**
 * sw_get_streamdev_format() - demarshal a FORMAT body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message
 *
 * Return: 0, -EBADMSG, -EMSGSIZE, or -EINVAL for a side or codec out of range.
 */
int sw_get_streamdev_format(const uint8_t *b, size_t n, struct sw_streamdev_format *m);

/**
 * sw_put_streamdev_data() - marshal a DATA body: one encoded frame
 * @b: the buffer to append to
 * @data: the frame, @len bytes
 * @len: 1..SW_STREAMDEV_MAX_DATA
 *
 * Return: 0, -EINVAL for an empty frame, -E2BIG, or the buffer's error
 * (-ENOMEM, -EOVERFLOW).
 */
int sw_put_streamdev_data(struct sw_buf *b, const void *data, size_t len);

/**
 * sw_get_streamdev_data() - demarshal a DATA body
 * @b: the body, @n bytes
 * @n: the body size, 1..SW_STREAMDEV_MAX_DATA
 * @m: the frame, pointing into @b
 *
 * Return: 0, -EINVAL for an empty body, -E2BIG.
 */
int sw_get_streamdev_data(const uint8_t *b, size_t n, struct sw_data *m);

/**
 * struct sw_streamdev_start_stop - a START_STOP body: the codecs every
 * client decodes; none means stop
 * @num_codecs: how many codecs
 * @codecs: SPICE_VIDEO_CODEC_TYPE_* values, pointing into the body
 */
struct sw_streamdev_start_stop { uint8_t num_codecs; const uint8_t *codecs; };

/**
 * sw_put_streamdev_start_stop() - marshal a START_STOP body
 * @b: the buffer to append to
 * @codecs: the codecs, @num_codecs of them
 * @num_codecs: 0 to stop
 *
 * Return: 0 or or the buffer's error (-ENOMEM, -EOVERFLOW).
 */
int sw_put_streamdev_start_stop(struct sw_buf *b, const uint8_t *codecs, uint8_t num_codecs);

/**
 * sw_get_streamdev_start_stop() - demarshal a START_STOP body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, -EBADMSG or -EMSGSIZE.
 */
int sw_get_streamdev_start_stop(const uint8_t *b, size_t n, struct sw_streamdev_start_stop *m);

/**
 * struct sw_streamdev_notify_error - a NOTIFY_ERROR body
 * @code: the error code
 * @msg_len: bytes of @msg, at most SW_STREAMDEV_MAX_TEXT
 * @msg: a UTF-8 text, not necessarily NUL-terminated
 */
struct sw_streamdev_notify_error { uint32_t code; uint32_t msg_len; const uint8_t *msg; };

/**
 * sw_put_streamdev_notify_error() - marshal a NOTIFY_ERROR body
 * @b: the buffer to append to
 * @code: the error code
 * @msg: the text; written with its NUL
 *
 * Return: 0, -E2BIG for a text (with its NUL) over SW_STREAMDEV_MAX_TEXT,
 * or the buffer's error (-ENOMEM, -EOVERFLOW).
 */
int sw_put_streamdev_notify_error(struct sw_buf *b, uint32_t code, const char *msg);

/**
 * sw_get_streamdev_notify_error() - demarshal a NOTIFY_ERROR body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, -EBADMSG, or -E2BIG for a text over SW_STREAMDEV_MAX_TEXT.
 */
int sw_get_streamdev_notify_error(const uint8_t *b, size_t n, struct sw_streamdev_notify_error *m);

/**
 * struct sw_streamdev_cursor_set - a CURSOR_SET body
 * @width: 1..SW_STREAMDEV_MAX_CURSOR_SIDE
 * @height: 1..SW_STREAMDEV_MAX_CURSOR_SIDE
 * @hot_x: the hot spot's column, inside the cursor
 * @hot_y: the hot spot's row, inside the cursor
 * @type: SPICE_CURSOR_TYPE_ALPHA (32-bit ARGB, premultiplied as in DRM's
 *	ARGB8888), COLOR24 or COLOR32 (pixels then a 1-bit mask, the whole
 *	rounded up to a byte)
 * @data: the pixel data
 * @data_len: exactly sw_streamdev_cursor_size() bytes
 */
struct sw_streamdev_cursor_set {
	uint16_t width, height, hot_x, hot_y;
	uint8_t type;
	const uint8_t *data;
	uint32_t data_len;
};

/**
 * sw_streamdev_cursor_size() - bytes of pixel data of a cursor
 * @type: SPICE_CURSOR_TYPE_*
 * @width: width in pixels
 * @height: height in pixels
 *
 * Return: the size; 0 for a type the protocol does not allow.
 */
uint32_t sw_streamdev_cursor_size(uint8_t type, uint16_t width, uint16_t height);

/**
 * sw_put_streamdev_cursor_set() - marshal a CURSOR_SET body
 * @b: the buffer to append to
 * @m: the message
 *
 * Return: 0, -EINVAL for a size, hot spot, type or data length out of
 * range, or the buffer's error (-ENOMEM, -EOVERFLOW).
 */
int sw_put_streamdev_cursor_set(struct sw_buf *b, const struct sw_streamdev_cursor_set *m);

/**
 * sw_get_streamdev_cursor_set() - demarshal a CURSOR_SET body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Return: 0, -EBADMSG, -EMSGSIZE, or -EINVAL for a size, hot spot or type
 * out of range.
 */
int sw_get_streamdev_cursor_set(const uint8_t *b, size_t n, struct sw_streamdev_cursor_set *m);

/**
 * sw_put_streamdev_cursor_move() - marshal a CURSOR_MOVE body
 * @b: the buffer to append to
 * @x: the cursor's hot spot on the stream, column
 * @y: row
 *
 * Return: 0 or or the buffer's error (-ENOMEM, -EOVERFLOW).
 */
int sw_put_streamdev_cursor_move(struct sw_buf *b, int32_t x, int32_t y);

/**
 * sw_get_streamdev_cursor_move() - demarshal a CURSOR_MOVE body
 * @b: the body, @n bytes
 * @n: the body size
 * @pos: the cursor's hot spot on the stream
 *
 * Return: 0, -EBADMSG or -EMSGSIZE.
 */
int sw_get_streamdev_cursor_move(const uint8_t *b, size_t n, struct sw_point *pos);

/**
 * struct sw_streamdev_display_info - a DEVICE_DISPLAY_INFO body: which
 * device and head the stream shows
 * @stream_id: the stream
 * @display_id: the head of the device
 * @address_len: bytes of @address with its NUL, at most
 *	SW_STREAMDEV_MAX_ADDRESS
 * @address: "pci/DDDD/SS.F[/SS.F...]" (domain, then slot.function of each
 *	bridge and of the device), pointing into the body
 */
struct sw_streamdev_display_info {
	uint32_t stream_id, display_id;
	uint32_t address_len;
	const char *address;
};

/**
 * sw_put_streamdev_display_info() - marshal a DEVICE_DISPLAY_INFO body
 * @b: the buffer to append to
 * @stream_id: the stream
 * @display_id: the head of the device
 * @address: the device address; written with its NUL
 *
 * Return: 0, -E2BIG for an address over SW_STREAMDEV_MAX_ADDRESS, or the
 * buffer's error (-ENOMEM, -EOVERFLOW).
 */
int sw_put_streamdev_display_info(struct sw_buf *b, uint32_t stream_id, uint32_t display_id,
			       const char *address);

/**
 * sw_get_streamdev_display_info() - demarshal a DEVICE_DISPLAY_INFO body
 * @b: the body, @n bytes
 * @n: the body size
 * @m: the decoded message, pointing into @b
 *
 * Checks that the NUL is the address's last byte and its only one.
 *
 * Return: 0, -EBADMSG, -EMSGSIZE, -E2BIG, or -EINVAL for a bad NUL.
 */
int sw_get_streamdev_display_info(const uint8_t *b, size_t n, struct sw_streamdev_display_info *m);

/**
 * sw_put_streamdev_quality() - marshal a QUALITY_INDICATOR body
 * @b: the buffer to append to
 * @text: the text; written with its NUL
 *
 * Return: 0, -E2BIG for a text (with its NUL) over SW_STREAMDEV_MAX_TEXT,
 * or the buffer's error (-ENOMEM, -EOVERFLOW).
 */
int sw_put_streamdev_quality(struct sw_buf *b, const char *text);

/**
 * sw_get_streamdev_quality() - demarshal a QUALITY_INDICATOR body
 * @b: the body, @n bytes: a NUL-terminated text
 * @n: the body size, at most SW_STREAMDEV_MAX_TEXT
 * @text: set to the text in @b
 *
 * Return: 0, -E2BIG, or -EINVAL unless the last byte is the only NUL.
 */
int sw_get_streamdev_quality(const uint8_t *b, size_t n, const char **text);

/**
 * sw_streamdev_validate() - validate the body of any message by type
 * @type: STREAM_TYPE_*
 * @b: the body, @n bytes
 * @n: the body size
 *
 * Return: 0 if valid (unknown types are accepted up to
 * SW_STREAMDEV_MAX_UNKNOWN bytes, else -E2BIG), -EPROTO for type 0
 * (INVALID), else the demarshaller's negative errno.
 */
int sw_streamdev_validate(uint16_t type, const uint8_t *b, size_t n);

/**
 * sw_streamdev_send() - send one message (header + body)
 * @fd: a non-blocking stream
 * @type: STREAM_TYPE_*
 * @body: the body, @len bytes
 * @len: the body size
 * @timeout_ms: bound on the whole send
 *
 * After an error part of the message may have been written: the stream is
 * out of step and the caller must close it.
 *
 * Return: 0, -EINVAL if @fd is blocking or @len over 4 GiB, -ETIMEDOUT if the
 * peer stops reading, -EIO if it is gone or the write fails.
 */
int sw_streamdev_send(int fd, uint16_t type, const void *body, size_t len, int timeout_ms);

/*
 * The receiving side: a message reassembled from a byte stream. Opaque; one
 * per connection, holding at most one message (the header, then up to
 * sw_streamdev_max_size() bytes of its body).
 */
struct sw_streamdev_rx;

/**
 * struct sw_streamdev_msg - a message received by sw_streamdev_rx_read()
 * @type: STREAM_TYPE_*
 * @size: body bytes
 * @body: the body; valid until the next sw_streamdev_rx_read()
 */
struct sw_streamdev_msg {
	uint16_t type;
	uint32_t size;
	const uint8_t *body;
};

/**
 * sw_streamdev_rx_new() - allocate a receiver, with no partial message
 *
 * Return: the receiver, or NULL when out of memory.
 */
struct sw_streamdev_rx *sw_streamdev_rx_new(void);

/**
 * sw_streamdev_rx_free() - free a receiver
 * @rx: the receiver, or NULL
 */
void sw_streamdev_rx_free(struct sw_streamdev_rx *rx);

/**
 * sw_streamdev_rx_reset() - forget a partial message and the error
 * @rx: the receiver (before reading a new connection)
 */
void sw_streamdev_rx_reset(struct sw_streamdev_rx *rx);

/**
 * sw_streamdev_rx_read() - read towards the next message
 * @rx: the receiver
 * @fd: the stream
 * @m: the message, when one is complete
 *
 * Does one read() on @fd of at most what the current message still lacks,
 * so a fd poll() found readable never blocks here. After an error the stream
 * is out of step: reset before reading another connection.
 *
 * Return: 1 with a complete message whose body passed
 * sw_streamdev_validate(), 0 if more bytes are needed (also after
 * EAGAIN/EINTR), -EIO when the peer closed or the read failed, or the
 * header's or the body's error. sw_streamdev_rx_error() says what went wrong.
 */
int sw_streamdev_rx_read(struct sw_streamdev_rx *rx, int fd, struct sw_streamdev_msg *m);

/**
 * sw_streamdev_rx_error() - what went wrong in sw_streamdev_rx_read()
 * @rx: the receiver
 *
 * Return: the reason of the last error, "" if none; it lives in @rx.
 */
const char *sw_streamdev_rx_error(const struct sw_streamdev_rx *rx);

#ifdef __cplusplus
}
#endif
#endif
