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

struct sw_streamdev_header {
	uint16_t type;		/* STREAM_TYPE_* */
	uint32_t size;		/* body bytes */
};

/* Writes the 8-byte header (version STREAM_DEVICE_PROTOCOL, padding 0). */
void sw_put_streamdev_header(uint8_t out[SW_STREAMDEV_HEADER_SIZE], uint16_t type, uint32_t size);
/*
 * Parses a header: -EBADMSG if n < 8, -EPROTO for another protocol version
 * or type 0 (INVALID), -E2BIG for a size above sw_streamdev_max_size(type).
 * The padding byte is ignored, as spice-server does.
 */
int sw_get_streamdev_header(const uint8_t *p, size_t n, struct sw_streamdev_header *h);
/* Largest body a message of this type may have (unknown types:
 * SW_STREAMDEV_MAX_UNKNOWN). */
uint32_t sw_streamdev_max_size(uint16_t type);
/* "capabilities", "format", ... or "unknown". */
const char *sw_streamdev_msg_name(uint16_t type);
/* True for the types the host sends (CAPABILITIES, START_STOP, NOTIFY_ERROR);
 * CAPABILITIES goes both ways, so it is true for both directions. */
bool sw_streamdev_from_host(uint16_t type);
bool sw_streamdev_from_guest(uint16_t type);

/* CAPABILITIES: a bit array, bit n in byte n / 8. */
struct sw_streamdev_caps { uint32_t len; const uint8_t *bits; };
int sw_put_streamdev_caps(struct sw_buf *b, const uint8_t *bits, size_t len);
int sw_get_streamdev_caps(const uint8_t *b, size_t n, struct sw_streamdev_caps *m);
bool sw_streamdev_caps_test(const struct sw_streamdev_caps *m, unsigned bit);

/* FORMAT: both sides 1..SW_STREAMDEV_MAX_SIDE, codec a SPICE_VIDEO_CODEC_TYPE_*. */
struct sw_streamdev_format { uint32_t width, height; uint8_t codec; };
int sw_put_streamdev_format(struct sw_buf *b, const struct sw_streamdev_format *m);
int sw_get_streamdev_format(const uint8_t *b, size_t n, struct sw_streamdev_format *m);

/* DATA: one encoded frame, 1..SW_STREAMDEV_MAX_DATA bytes. */
int sw_put_streamdev_data(struct sw_buf *b, const void *data, size_t len);
int sw_get_streamdev_data(const uint8_t *b, size_t n, struct sw_data *m);

/* START_STOP: the codecs every client decodes; none means stop. */
struct sw_streamdev_start_stop { uint8_t num_codecs; const uint8_t *codecs; };
int sw_put_streamdev_start_stop(struct sw_buf *b, const uint8_t *codecs, uint8_t num_codecs);
int sw_get_streamdev_start_stop(const uint8_t *b, size_t n, struct sw_streamdev_start_stop *m);

/* NOTIFY_ERROR: a code and a UTF-8 text, not necessarily NUL-terminated
 * (msg_len bytes, at most SW_STREAMDEV_MAX_TEXT). put writes msg and its NUL. */
struct sw_streamdev_notify_error { uint32_t code; uint32_t msg_len; const uint8_t *msg; };
int sw_put_streamdev_notify_error(struct sw_buf *b, uint32_t code, const char *msg);
int sw_get_streamdev_notify_error(const uint8_t *b, size_t n, struct sw_streamdev_notify_error *m);

/*
 * CURSOR_SET: type SPICE_CURSOR_TYPE_ALPHA (32-bit ARGB, premultiplied as in
 * DRM's ARGB8888), COLOR24 or COLOR32 (pixels then a 1-bit mask, the whole
 * rounded up to a byte); sides 1..SW_STREAMDEV_MAX_CURSOR_SIDE, the hot spot
 * inside the cursor, data exactly sw_streamdev_cursor_size() bytes.
 */
struct sw_streamdev_cursor_set {
	uint16_t width, height, hot_x, hot_y;
	uint8_t type;
	const uint8_t *data;
	uint32_t data_len;
};
/* Bytes of pixel data of a cursor; 0 for a type the protocol does not allow. */
uint32_t sw_streamdev_cursor_size(uint8_t type, uint16_t width, uint16_t height);
int sw_put_streamdev_cursor_set(struct sw_buf *b, const struct sw_streamdev_cursor_set *m);
int sw_get_streamdev_cursor_set(const uint8_t *b, size_t n, struct sw_streamdev_cursor_set *m);

/* CURSOR_MOVE: the cursor's position (its hot spot) on the stream. */
int sw_put_streamdev_cursor_move(struct sw_buf *b, int32_t x, int32_t y);
int sw_get_streamdev_cursor_move(const uint8_t *b, size_t n, struct sw_point *pos);

/*
 * DEVICE_DISPLAY_INFO: which device and head the stream shows. The address
 * is "pci/DDDD/SS.F[/SS.F...]" (domain, then slot.function of each bridge
 * and of the device); on the wire with its NUL, address_len bytes, at most
 * SW_STREAMDEV_MAX_ADDRESS. get checks the NUL is the last byte and the only one.
 */
struct sw_streamdev_display_info {
	uint32_t stream_id, display_id;
	uint32_t address_len;
	const char *address;
};
int sw_put_streamdev_display_info(struct sw_buf *b, uint32_t stream_id, uint32_t display_id,
			       const char *address);
int sw_get_streamdev_display_info(const uint8_t *b, size_t n, struct sw_streamdev_display_info *m);

/* QUALITY_INDICATOR: a NUL-terminated text, at most SW_STREAMDEV_MAX_TEXT bytes. */
int sw_put_streamdev_quality(struct sw_buf *b, const char *text);
int sw_get_streamdev_quality(const uint8_t *b, size_t n, const char **text);

/* Validates the body of any message by type; unknown types are accepted. */
int sw_streamdev_validate(uint16_t type, const uint8_t *b, size_t n);

/*
 * Sends one message (header + body) on fd, which must be non-blocking
 * (-EINVAL otherwise), within timeout_ms in all: -ETIMEDOUT if the peer
 * stops reading, -EIO if it is gone or the write fails. After an error
 * part of the message may have been written: the stream is out of step and
 * the caller must close it.
 */
int sw_streamdev_send(int fd, uint16_t type, const void *body, size_t len, int timeout_ms);

/*
 * The receiving side: a message reassembled from a byte stream. Opaque; one
 * per connection, holding at most one message (the header, then up to
 * sw_streamdev_max_size() bytes of its body).
 */
struct sw_streamdev_rx;
struct sw_streamdev_msg {
	uint16_t type;
	uint32_t size;
	const uint8_t *body;	/* valid until the next sw_streamdev_rx_read() */
};
struct sw_streamdev_rx *sw_streamdev_rx_new(void);
void sw_streamdev_rx_free(struct sw_streamdev_rx *rx);
/* Forgets a partial message (a new connection). */
void sw_streamdev_rx_reset(struct sw_streamdev_rx *rx);
/*
 * Does one read() on fd of at most what the current message still lacks,
 * so a fd poll() found readable never blocks here. Returns 1 with a complete
 * message whose body passed sw_streamdev_validate(), 0 if more bytes are needed
 * (also after EAGAIN/EINTR), -EIO when the peer closed or the read failed,
 * or the header's or the body's error. After an error the stream is out of
 * step: reset before reading another connection. sw_streamdev_rx_error() says
 * what went wrong.
 */
int sw_streamdev_rx_read(struct sw_streamdev_rx *rx, int fd, struct sw_streamdev_msg *m);
const char *sw_streamdev_rx_error(const struct sw_streamdev_rx *rx);

#ifdef __cplusplus
}
#endif
#endif
