// SPDX-License-Identifier: MIT
/*
 * The stream device protocol (spice-stream.h): marshallers, demarshallers,
 * a bounded sender and the receiving side's message reassembly.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "spice-stream.h"

#define RD(b, n) \
	struct sw_reader r; \
	sw_reader_init(&r, (b), (n))

/* Fixed parts of the bodies. */
#define FORMAT_SIZE 12u
#define CURSOR_SET_FIXED 12u
#define CURSOR_MOVE_SIZE 8u
#define DISPLAY_INFO_FIXED 12u
#define NOTIFY_ERROR_FIXED 4u

/* ---- header and types ------------------------------------------------- */
void sw_put_streamdev_header(uint8_t out[SW_STREAMDEV_HEADER_SIZE], uint16_t type, uint32_t size)
{
	out[0] = STREAM_DEVICE_PROTOCOL;
	out[1] = 0;
	out[2] = (uint8_t)type;
	out[3] = (uint8_t)(type >> 8);
	for (int i = 0; i < 4; i++)
		out[4 + i] = (uint8_t)(size >> (8 * i));
}

uint32_t sw_streamdev_max_size(uint16_t type)
{
	switch (type) {
	case STREAM_TYPE_CAPABILITIES: return SW_STREAMDEV_MAX_CAPS;
	case STREAM_TYPE_FORMAT: return FORMAT_SIZE;
	case STREAM_TYPE_DATA: return SW_STREAMDEV_MAX_DATA;
	case STREAM_TYPE_START_STOP: return 1 + 255;
	case STREAM_TYPE_NOTIFY_ERROR: return NOTIFY_ERROR_FIXED + SW_STREAMDEV_MAX_TEXT;
	case STREAM_TYPE_CURSOR_SET:
		return CURSOR_SET_FIXED +
		       sw_streamdev_cursor_size(SPICE_CURSOR_TYPE_COLOR32, SW_STREAMDEV_MAX_CURSOR_SIDE,
					     SW_STREAMDEV_MAX_CURSOR_SIDE);
	case STREAM_TYPE_CURSOR_MOVE: return CURSOR_MOVE_SIZE;
	case STREAM_TYPE_DEVICE_DISPLAY_INFO: return DISPLAY_INFO_FIXED + SW_STREAMDEV_MAX_ADDRESS;
	case STREAM_TYPE_QUALITY_INDICATOR: return SW_STREAMDEV_MAX_TEXT;
	default: return SW_STREAMDEV_MAX_UNKNOWN;
	}
}

int sw_get_streamdev_header(const uint8_t *p, size_t n, struct sw_streamdev_header *h)
{
	if (n < SW_STREAMDEV_HEADER_SIZE)
		return -EBADMSG;
	if (p[0] != STREAM_DEVICE_PROTOCOL)
		return -EPROTO;
	h->type = sw_le16(p + 2);
	h->size = sw_le32(p + 4);
	if (h->type == STREAM_TYPE_INVALID)
		return -EPROTO;
	if (h->size > sw_streamdev_max_size(h->type))
		return -E2BIG;
	return 0;
}

const char *sw_streamdev_msg_name(uint16_t type)
{
	switch (type) {
	case STREAM_TYPE_CAPABILITIES: return "capabilities";
	case STREAM_TYPE_FORMAT: return "format";
	case STREAM_TYPE_DATA: return "data";
	case STREAM_TYPE_START_STOP: return "start_stop";
	case STREAM_TYPE_NOTIFY_ERROR: return "notify_error";
	case STREAM_TYPE_CURSOR_SET: return "cursor_set";
	case STREAM_TYPE_CURSOR_MOVE: return "cursor_move";
	case STREAM_TYPE_DEVICE_DISPLAY_INFO: return "device_display_info";
	case STREAM_TYPE_QUALITY_INDICATOR: return "quality_indicator";
	default: return "unknown";
	}
}

bool sw_streamdev_from_host(uint16_t type)
{
	return type == STREAM_TYPE_CAPABILITIES || type == STREAM_TYPE_START_STOP ||
	       type == STREAM_TYPE_NOTIFY_ERROR;
}

bool sw_streamdev_from_guest(uint16_t type)
{
	return type == STREAM_TYPE_CAPABILITIES ||
	       (type >= STREAM_TYPE_FORMAT && type <= STREAM_TYPE_QUALITY_INDICATOR &&
		type != STREAM_TYPE_START_STOP && type != STREAM_TYPE_NOTIFY_ERROR);
}

/* ---- messages --------------------------------------------------------- */
int sw_put_streamdev_caps(struct sw_buf *b, const uint8_t *bits, size_t len)
{
	if (len > SW_STREAMDEV_MAX_CAPS)
		return -E2BIG;
	sw_wbytes(b, bits, len);
	return b->err;
}

int sw_get_streamdev_caps(const uint8_t *b, size_t n, struct sw_streamdev_caps *m)
{
	if (n > SW_STREAMDEV_MAX_CAPS)
		return -E2BIG;
	m->len = (uint32_t)n;
	m->bits = n ? b : NULL;
	return 0;
}

bool sw_streamdev_caps_test(const struct sw_streamdev_caps *m, unsigned bit)
{
	return bit / 8 < m->len && (m->bits[bit / 8] >> (bit % 8)) & 1;
}

static bool codec_known(uint8_t codec)
{
	return codec >= SPICE_VIDEO_CODEC_TYPE_MJPEG && codec < SPICE_VIDEO_CODEC_TYPE_ENUM_END;
}

static bool format_ok(const struct sw_streamdev_format *m)
{
	return m->width && m->height && m->width <= SW_STREAMDEV_MAX_SIDE && m->height <= SW_STREAMDEV_MAX_SIDE &&
	       codec_known(m->codec);
}

int sw_put_streamdev_format(struct sw_buf *b, const struct sw_streamdev_format *m)
{
	if (!format_ok(m))
		return -EINVAL;
	sw_w32(b, m->width);
	sw_w32(b, m->height);
	sw_w8(b, m->codec);
	sw_wbytes(b, (const uint8_t[3]){ 0, 0, 0 }, 3);
	return b->err;
}

int sw_get_streamdev_format(const uint8_t *b, size_t n, struct sw_streamdev_format *m)
{
	RD(b, n);
	m->width = sw_r32(&r);
	m->height = sw_r32(&r);
	m->codec = sw_r8(&r);
	sw_rbytes(&r, 3);
	int err = sw_rend(&r);
	if (err)
		return err;
	return format_ok(m) ? 0 : -EINVAL;
}

int sw_put_streamdev_data(struct sw_buf *b, const void *data, size_t len)
{
	if (!len)
		return -EINVAL;
	if (len > SW_STREAMDEV_MAX_DATA)
		return -E2BIG;
	sw_wbytes(b, data, len);
	return b->err;
}

int sw_get_streamdev_data(const uint8_t *b, size_t n, struct sw_data *m)
{
	if (!n)
		return -EINVAL;
	if (n > SW_STREAMDEV_MAX_DATA)
		return -E2BIG;
	m->data = b;
	m->len = (uint32_t)n;
	return 0;
}

int sw_put_streamdev_start_stop(struct sw_buf *b, const uint8_t *codecs, uint8_t num_codecs)
{
	sw_w8(b, num_codecs);
	sw_wbytes(b, codecs, num_codecs);
	return b->err;
}

int sw_get_streamdev_start_stop(const uint8_t *b, size_t n, struct sw_streamdev_start_stop *m)
{
	RD(b, n);
	m->num_codecs = sw_r8(&r);
	m->codecs = sw_rbytes(&r, m->num_codecs);
	return sw_rend(&r);
}

int sw_put_streamdev_notify_error(struct sw_buf *b, uint32_t code, const char *msg)
{
	size_t len = strlen(msg) + 1;

	if (len > SW_STREAMDEV_MAX_TEXT)
		return -E2BIG;
	sw_w32(b, code);
	sw_wbytes(b, msg, len);
	return b->err;
}

int sw_get_streamdev_notify_error(const uint8_t *b, size_t n, struct sw_streamdev_notify_error *m)
{
	RD(b, n);
	m->code = sw_r32(&r);
	if (r.err)
		return r.err;
	if (sw_rleft(&r) > SW_STREAMDEV_MAX_TEXT)
		return -E2BIG;
	m->msg_len = (uint32_t)sw_rleft(&r);
	m->msg = sw_rbytes(&r, m->msg_len);
	return 0;
}

uint32_t sw_streamdev_cursor_size(uint8_t type, uint16_t width, uint16_t height)
{
	uint64_t px = (uint64_t)width * height;

	switch (type) {
	case SPICE_CURSOR_TYPE_ALPHA: return (uint32_t)(px * 4);
	case SPICE_CURSOR_TYPE_COLOR24: return (uint32_t)((px * 25 + 7) / 8);
	case SPICE_CURSOR_TYPE_COLOR32: return (uint32_t)((px * 33 + 7) / 8);
	default: return 0;
	}
}

static int cursor_check(const struct sw_streamdev_cursor_set *m)
{
	if (!m->width || !m->height || m->width > SW_STREAMDEV_MAX_CURSOR_SIDE ||
	    m->height > SW_STREAMDEV_MAX_CURSOR_SIDE || m->hot_x >= m->width || m->hot_y >= m->height)
		return -EINVAL;
	if (!sw_streamdev_cursor_size(m->type, m->width, m->height))
		return -EINVAL;
	return 0;
}

int sw_put_streamdev_cursor_set(struct sw_buf *b, const struct sw_streamdev_cursor_set *m)
{
	int err = cursor_check(m);

	if (err)
		return err;
	if (m->data_len != sw_streamdev_cursor_size(m->type, m->width, m->height))
		return -EINVAL;
	sw_w16(b, m->width);
	sw_w16(b, m->height);
	sw_w16(b, m->hot_x);
	sw_w16(b, m->hot_y);
	sw_w8(b, m->type);
	sw_wbytes(b, (const uint8_t[3]){ 0, 0, 0 }, 3);
	sw_wbytes(b, m->data, m->data_len);
	return b->err;
}

int sw_get_streamdev_cursor_set(const uint8_t *b, size_t n, struct sw_streamdev_cursor_set *m)
{
	RD(b, n);
	m->width = sw_r16(&r);
	m->height = sw_r16(&r);
	m->hot_x = sw_r16(&r);
	m->hot_y = sw_r16(&r);
	m->type = sw_r8(&r);
	sw_rbytes(&r, 3);
	if (r.err)
		return r.err;
	int err = cursor_check(m);
	if (err)
		return err;
	m->data_len = sw_streamdev_cursor_size(m->type, m->width, m->height);
	m->data = sw_rbytes(&r, m->data_len);
	return sw_rend(&r);
}

int sw_put_streamdev_cursor_move(struct sw_buf *b, int32_t x, int32_t y)
{
	sw_w32(b, (uint32_t)x);
	sw_w32(b, (uint32_t)y);
	return b->err;
}

int sw_get_streamdev_cursor_move(const uint8_t *b, size_t n, struct sw_point *pos)
{
	RD(b, n);
	pos->x = (int32_t)sw_r32(&r);
	pos->y = (int32_t)sw_r32(&r);
	return sw_rend(&r);
}

int sw_put_streamdev_display_info(struct sw_buf *b, uint32_t stream_id, uint32_t display_id,
			       const char *address)
{
	size_t len = strlen(address) + 1;

	if (len > SW_STREAMDEV_MAX_ADDRESS)
		return -E2BIG;
	sw_w32(b, stream_id);
	sw_w32(b, display_id);
	sw_w32(b, (uint32_t)len);
	sw_wbytes(b, address, len);
	return b->err;
}

/* A text of len bytes ending with its only NUL. */
static int nul_terminated(const uint8_t *s, uint32_t len)
{
	if (!len || s[len - 1])
		return -EINVAL;
	return memchr(s, 0, len - 1) ? -EINVAL : 0;
}

int sw_get_streamdev_display_info(const uint8_t *b, size_t n, struct sw_streamdev_display_info *m)
{
	RD(b, n);
	m->stream_id = sw_r32(&r);
	m->display_id = sw_r32(&r);
	m->address_len = sw_r32(&r);
	if (r.err)
		return r.err;
	if (m->address_len > SW_STREAMDEV_MAX_ADDRESS)
		return -E2BIG;
	const uint8_t *a = sw_rbytes(&r, m->address_len);
	int err = sw_rend(&r);
	if (err)
		return err;
	err = nul_terminated(a, m->address_len);
	m->address = (const char *)a;
	return err;
}

int sw_put_streamdev_quality(struct sw_buf *b, const char *text)
{
	size_t len = strlen(text) + 1;

	if (len > SW_STREAMDEV_MAX_TEXT)
		return -E2BIG;
	sw_wbytes(b, text, len);
	return b->err;
}

int sw_get_streamdev_quality(const uint8_t *b, size_t n, const char **text)
{
	if (n > SW_STREAMDEV_MAX_TEXT)
		return -E2BIG;
	int err = nul_terminated(b, (uint32_t)n);
	*text = (const char *)b;
	return err;
}

int sw_streamdev_validate(uint16_t type, const uint8_t *b, size_t n)
{
	union {
		struct sw_streamdev_caps caps;
		struct sw_streamdev_format format;
		struct sw_data data;
		struct sw_streamdev_start_stop start_stop;
		struct sw_streamdev_notify_error error;
		struct sw_streamdev_cursor_set cursor;
		struct sw_point move;
		struct sw_streamdev_display_info info;
		const char *text;
	} u;

	switch (type) {
	case STREAM_TYPE_CAPABILITIES: return sw_get_streamdev_caps(b, n, &u.caps);
	case STREAM_TYPE_FORMAT: return sw_get_streamdev_format(b, n, &u.format);
	case STREAM_TYPE_DATA: return sw_get_streamdev_data(b, n, &u.data);
	case STREAM_TYPE_START_STOP: return sw_get_streamdev_start_stop(b, n, &u.start_stop);
	case STREAM_TYPE_NOTIFY_ERROR: return sw_get_streamdev_notify_error(b, n, &u.error);
	case STREAM_TYPE_CURSOR_SET: return sw_get_streamdev_cursor_set(b, n, &u.cursor);
	case STREAM_TYPE_CURSOR_MOVE: return sw_get_streamdev_cursor_move(b, n, &u.move);
	case STREAM_TYPE_DEVICE_DISPLAY_INFO: return sw_get_streamdev_display_info(b, n, &u.info);
	case STREAM_TYPE_QUALITY_INDICATOR: return sw_get_streamdev_quality(b, n, &u.text);
	case STREAM_TYPE_INVALID: return -EPROTO;
	default: return n > SW_STREAMDEV_MAX_UNKNOWN ? -E2BIG : 0;
	}
}

/* ---- sending ---------------------------------------------------------- */
int sw_streamdev_send(int fd, uint16_t type, const void *body, size_t len, int timeout_ms)
{
	uint8_t hdr[SW_STREAMDEV_HEADER_SIZE];
	size_t total = sizeof(hdr) + len, done = 0;
	int64_t deadline = sw_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || !(fl & O_NONBLOCK) || len > UINT32_MAX)
		return -EINVAL;
	sw_put_streamdev_header(hdr, type, (uint32_t)len);
	while (done < total) {
		struct iovec iov[2];
		int niov = 0;

		if (done < sizeof(hdr))
			iov[niov++] = (struct iovec){ hdr + done, sizeof(hdr) - done };
		if (len) {
			size_t off = done > sizeof(hdr) ? done - sizeof(hdr) : 0;

			iov[niov++] = (struct iovec){ (uint8_t *)body + off, len - off };
		}
		ssize_t w = writev(fd, iov, niov);
		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -EIO;
		int64_t left = deadline - sw_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno != EINTR)
			return -EIO;
		if (pr > 0 && (p.revents & (POLLERR | POLLNVAL)))
			return -EIO;
	}
	return 0;
}

/* ---- receiving -------------------------------------------------------- */
struct sw_streamdev_rx {
	uint8_t hdr[SW_STREAMDEV_HEADER_SIZE];
	size_t hdr_len;		/* header bytes received */
	struct sw_streamdev_header h;
	uint8_t *body;		/* h.size bytes once the header is complete */
	size_t body_cap, body_len;
	char err[160];
};

struct sw_streamdev_rx *sw_streamdev_rx_new(void)
{
	return calloc(1, sizeof(struct sw_streamdev_rx));
}

void sw_streamdev_rx_free(struct sw_streamdev_rx *rx)
{
	if (!rx)
		return;
	free(rx->body);
	free(rx);
}

void sw_streamdev_rx_reset(struct sw_streamdev_rx *rx)
{
	rx->hdr_len = 0;
	rx->body_len = 0;
	rx->err[0] = 0;
}

const char *sw_streamdev_rx_error(const struct sw_streamdev_rx *rx)
{
	return rx->err;
}

static int rx_fail(struct sw_streamdev_rx *rx, int err, const char *what)
{
	snprintf(rx->err, sizeof(rx->err), "%s: %s", what, sw_strerror(err));
	return err;
}

int sw_streamdev_rx_read(struct sw_streamdev_rx *rx, int fd, struct sw_streamdev_msg *m)
{
	uint8_t *dst;
	size_t want;

	if (rx->hdr_len < sizeof(rx->hdr)) {
		dst = rx->hdr + rx->hdr_len;
		want = sizeof(rx->hdr) - rx->hdr_len;
	} else {
		dst = rx->body + rx->body_len;
		want = rx->h.size - rx->body_len;
	}
	if (want) {
		ssize_t n = read(fd, dst, want);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return 0;
		if (n < 0) {
			snprintf(rx->err, sizeof(rx->err), "read: %s", strerror(errno));
			return -EIO;
		}
		if (n == 0) {
			snprintf(rx->err, sizeof(rx->err), "peer closed the connection%s",
				 rx->hdr_len ? " in the middle of a message" : "");
			return -EIO;
		}
		if (rx->hdr_len < sizeof(rx->hdr)) {
			rx->hdr_len += (size_t)n;
			if (rx->hdr_len < sizeof(rx->hdr))
				return 0;
			int err = sw_get_streamdev_header(rx->hdr, sizeof(rx->hdr), &rx->h);
			if (err) {
				snprintf(rx->err, sizeof(rx->err),
					 "bad header (version %u type %u size %u): %s", rx->hdr[0],
					 sw_le16(rx->hdr + 2), sw_le32(rx->hdr + 4), sw_strerror(err));
				return err;
			}
			if (rx->h.size > rx->body_cap) {
				uint8_t *nb = realloc(rx->body, rx->h.size);

				if (!nb)
					return rx_fail(rx, -ENOMEM, "message body");
				rx->body = nb;
				rx->body_cap = rx->h.size;
			}
			rx->body_len = 0;
			if (rx->h.size)
				return 0;
		} else {
			rx->body_len += (size_t)n;
			if (rx->body_len < rx->h.size)
				return 0;
		}
	}
	/* complete: validate, hand out, start the next message */
	rx->hdr_len = 0;
	int err = sw_streamdev_validate(rx->h.type, rx->body, rx->h.size);
	if (err) {
		snprintf(rx->err, sizeof(rx->err), "malformed %s message (%u bytes): %s",
			 sw_streamdev_msg_name(rx->h.type), rx->h.size, sw_strerror(err));
		return err;
	}
	m->type = rx->h.type;
	m->size = rx->h.size;
	m->body = rx->h.size ? rx->body : (const uint8_t *)"";
	return 1;
}
