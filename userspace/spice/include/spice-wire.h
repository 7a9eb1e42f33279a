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
const char *sw_link_err_name(uint32_t link_err);

/* ---- small helpers ---------------------------------------------------- */
/* CLOCK_MONOTONIC in milliseconds: the clock of every deadline here. */
int64_t sw_now_ms(void);
/* A stream socket connected to the unix socket path; type_flags are
 * socket()'s SOCK_NONBLOCK / SOCK_CLOEXEC. Returns the fd or a negative
 * errno (-ENAMETOOLONG for a path sockaddr_un cannot hold). */
int sw_unix_connect(const char *path, int type_flags);

/* ---- bounds-checked reader -------------------------------------------- */
/* A reader over body[0..len). The first failing read sets err (sticky) and
 * every later read returns 0. */
struct sw_reader {
	const uint8_t *base;
	size_t len;
	size_t off;
	int err;
};
void sw_reader_init(struct sw_reader *r, const void *base, size_t len);
uint8_t sw_r8(struct sw_reader *r);
uint16_t sw_r16(struct sw_reader *r);
uint32_t sw_r32(struct sw_reader *r);
uint64_t sw_r64(struct sw_reader *r);
/* Returns a pointer to n bytes at the cursor and advances, or NULL. */
const uint8_t *sw_rbytes(struct sw_reader *r, size_t n);
/* Bytes left. */
size_t sw_rleft(const struct sw_reader *r);
/* Fails with -EMSGSIZE if bytes remain. Returns r->err otherwise. */
int sw_rend(struct sw_reader *r);
/* Reader positioned at an absolute offset of the same body (used for the
 * pointer fields of display messages). Offset 0 or outside the body fails. */
int sw_reader_at(const struct sw_reader *r, uint32_t offset, struct sw_reader *out);

static inline uint16_t sw_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t sw_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t sw_le64(const uint8_t *p) { return sw_le32(p) | (uint64_t)sw_le32(p + 4) << 32; }

/* ---- growable writer -------------------------------------------------- */
struct sw_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err;
};
void sw_buf_init(struct sw_buf *b);
void sw_buf_free(struct sw_buf *b);
void sw_buf_reset(struct sw_buf *b);
void sw_w8(struct sw_buf *b, uint8_t v);
void sw_w16(struct sw_buf *b, uint16_t v);
void sw_w32(struct sw_buf *b, uint32_t v);
void sw_w64(struct sw_buf *b, uint64_t v);
void sw_wbytes(struct sw_buf *b, const void *p, size_t n);
/* printf into the buffer (no NUL counted in len, but kept after data). */
void sw_wprintf(struct sw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- common types ----------------------------------------------------- */
struct sw_point { int32_t x, y; };
struct sw_point16 { int16_t x, y; };
struct sw_rect { int32_t top, left, bottom, right; };

struct sw_clip {
	uint8_t type;		/* SPICE_CLIP_TYPE_NONE / _RECTS */
	uint32_t num_rects;
	const uint8_t *rects;	/* num_rects * 16 bytes, read with sw_clip_rect */
};
struct sw_rect sw_clip_rect(const struct sw_clip *c, uint32_t i);

/* ---- link stage ------------------------------------------------------- */
#define SW_LINK_HEADER_SIZE 16
#define SW_LINK_MESS_SIZE 18
#define SW_LINK_REPLY_SIZE (4 + SPICE_TICKET_PUBKEY_BYTES + 12)
#define SW_MAX_CAPS 8	/* caps words we accept per set */

struct sw_link_mess {
	uint32_t connection_id;
	uint8_t channel_type;
	uint8_t channel_id;
	uint32_t num_common_caps;
	uint32_t num_channel_caps;
	uint32_t common_caps[SW_MAX_CAPS];
	uint32_t channel_caps[SW_MAX_CAPS];
};
struct sw_link_reply {
	uint32_t error;
	uint8_t pub_key[SPICE_TICKET_PUBKEY_BYTES];
	uint32_t num_common_caps;
	uint32_t num_channel_caps;
	uint32_t common_caps[SW_MAX_CAPS];
	uint32_t channel_caps[SW_MAX_CAPS];
};
/* Link header + SpiceLinkMess + caps, ready to send. */
int sw_put_link_mess(struct sw_buf *b, const struct sw_link_mess *m);
/* Parses the 16-byte link header; *body_size gets its size field. */
int sw_get_link_header(const uint8_t *p, size_t n, uint32_t *major, uint32_t *minor, uint32_t *body_size);
int sw_get_link_mess(const uint8_t *body, size_t n, struct sw_link_mess *m);
int sw_put_link_reply(struct sw_buf *b, const struct sw_link_reply *m);
int sw_get_link_reply(const uint8_t *body, size_t n, struct sw_link_reply *m);
bool sw_caps_test(const uint32_t *caps, uint32_t ncaps, unsigned bit);
void sw_caps_set(uint32_t *caps, uint32_t *ncaps, unsigned bit);
/* RSA-OAEP(SHA-1) of password + NUL with the server's DER SubjectPublicKeyInfo.
 * out must hold SPICE_TICKET_KEY_PAIR_LENGTH/8 bytes. */
int sw_encrypt_ticket(const uint8_t *pub_key_der, size_t der_len, const char *password,
		      uint8_t *out, size_t out_len, char *why, size_t why_len);

/* ---- data headers ----------------------------------------------------- */
#define SW_FULL_HEADER_SIZE 18
#define SW_MINI_HEADER_SIZE 6
struct sw_header {
	uint64_t serial;	/* full header only */
	uint16_t type;
	uint32_t size;
	uint32_t sub_list;	/* full header only */
};
void sw_put_header(uint8_t *out, bool mini, const struct sw_header *h);
int sw_get_header(const uint8_t *p, size_t n, bool mini, struct sw_header *h);

/* Sub-message list (SPICE_MSG_LIST body, or the full header's sub_list). */
struct sw_sublist_iter {
	const uint8_t *body;
	size_t len;
	uint16_t count;
	uint16_t next;
	size_t list_off;
};
int sw_sublist_begin(struct sw_sublist_iter *it, const uint8_t *body, size_t len, uint32_t list_off);
/* Returns 1 with a sub-message, 0 at the end, <0 on a malformed list. */
int sw_sublist_next(struct sw_sublist_iter *it, uint16_t *type, const uint8_t **data, uint32_t *size);

/* ---- base channel messages (all channels) ----------------------------- */
struct sw_set_ack { uint32_t generation, window; };
struct sw_ping { uint32_t id; uint64_t timestamp; const uint8_t *data; uint32_t data_len; };
struct sw_wait_channel { uint8_t channel_type, channel_id; uint64_t serial; };
struct sw_wait_for_channels { uint8_t count; const uint8_t *raw; };
struct sw_disconnecting { uint64_t time_stamp; uint32_t reason; };
struct sw_notify {
	uint64_t time_stamp;
	uint32_t severity, visibility, what, message_len;
	const uint8_t *message;
};
struct sw_migrate { uint32_t flags; };
struct sw_data { const uint8_t *data; uint32_t len; };

int sw_get_set_ack(const uint8_t *b, size_t n, struct sw_set_ack *m);
int sw_get_ping(const uint8_t *b, size_t n, struct sw_ping *m);
int sw_get_wait_for_channels(const uint8_t *b, size_t n, struct sw_wait_for_channels *m);
struct sw_wait_channel sw_wait_channel_at(const struct sw_wait_for_channels *m, uint8_t i);
int sw_get_disconnecting(const uint8_t *b, size_t n, struct sw_disconnecting *m);
int sw_get_notify(const uint8_t *b, size_t n, struct sw_notify *m);
int sw_get_migrate(const uint8_t *b, size_t n, struct sw_migrate *m);
int sw_put_migrate(struct sw_buf *b, const struct sw_migrate *m);
int sw_put_set_ack(struct sw_buf *b, const struct sw_set_ack *m);
int sw_put_ping(struct sw_buf *b, const struct sw_ping *m);
int sw_put_notify(struct sw_buf *b, const struct sw_notify *m);
int sw_put_disconnecting(struct sw_buf *b, const struct sw_disconnecting *m);
/* client side */
int sw_put_ack_sync(struct sw_buf *b, uint32_t generation);
int sw_put_pong(struct sw_buf *b, uint32_t id, uint64_t timestamp);
int sw_get_ack_sync(const uint8_t *b, size_t n, uint32_t *generation);
int sw_get_pong(const uint8_t *b, size_t n, uint32_t *id, uint64_t *timestamp);

/* ---- main channel ----------------------------------------------------- */
struct sw_main_init {
	uint32_t session_id, display_channels_hint, supported_mouse_modes, current_mouse_mode;
	uint32_t agent_connected, agent_tokens, multi_media_time, ram_hint;
};
struct sw_channels_list { uint32_t count; const uint8_t *raw; /* count * {type,id} */ };
struct sw_mouse_mode { uint16_t supported, current; };
struct sw_main_name { uint32_t len; const uint8_t *name; };
struct sw_migration_dst {
	uint16_t port, sport;
	uint32_t host_size;
	const uint8_t *host;	/* host_size bytes */
	uint32_t cert_subject_size;
	const uint8_t *cert_subject;	/* may be NULL */
	uint32_t src_mig_version;	/* MIGRATE_BEGIN_SEAMLESS only */
};

int sw_get_main_init(const uint8_t *b, size_t n, struct sw_main_init *m);
int sw_put_main_init(struct sw_buf *b, const struct sw_main_init *m);
int sw_get_channels_list(const uint8_t *b, size_t n, struct sw_channels_list *m);
int sw_put_channels_list(struct sw_buf *b, uint32_t count, const uint8_t *type_id_pairs);
int sw_get_mouse_mode(const uint8_t *b, size_t n, struct sw_mouse_mode *m);
int sw_get_u32_msg(const uint8_t *b, size_t n, uint32_t *v);	/* any 4-byte message */
int sw_get_u16_msg(const uint8_t *b, size_t n, uint16_t *v);
int sw_get_u8_msg(const uint8_t *b, size_t n, uint8_t *v);
int sw_get_u64_msg(const uint8_t *b, size_t n, uint64_t *v);
int sw_get_empty(const uint8_t *b, size_t n);
int sw_get_main_name(const uint8_t *b, size_t n, struct sw_main_name *m);
int sw_get_main_uuid(const uint8_t *b, size_t n, uint8_t uuid[16]);
/* MIGRATE_BEGIN (seamless=false), MIGRATE_BEGIN_SEAMLESS (seamless=true) and
 * MIGRATE_SWITCH_HOST (same layout as MIGRATE_BEGIN). */
int sw_get_migration_dst(const uint8_t *b, size_t n, bool seamless, struct sw_migration_dst *m);
int sw_put_migration_dst(struct sw_buf *b, bool seamless, const struct sw_migration_dst *m);
/* The destination host as a C string: host_size bytes, trailing NULs
 * dropped. -EINVAL if empty or with a NUL inside, -E2BIG if it does
 * not fit in n bytes. */
int sw_migration_dst_host(const struct sw_migration_dst *m, char *out, size_t n);
/* client main */
int sw_put_u32_msg(struct sw_buf *b, uint32_t v);	/* AGENT_START, AGENT_TOKEN, ... */
int sw_put_u16_msg(struct sw_buf *b, uint16_t v);	/* MOUSE_MODE_REQUEST, KEY_MODIFIERS */
int sw_put_u8_msg(struct sw_buf *b, uint8_t v);
int sw_put_u64_msg(struct sw_buf *b, uint64_t v);	/* CLIENT_INFO */

/* vdagent monitors config carried by MSGC_MAIN_AGENT_DATA */
struct sw_monitor { uint32_t width, height, depth; int32_t x, y; };
#define SW_MAX_MONITORS 16
/* Writes VDAgentMessage header + VDAgentMonitorsConfig. */
int sw_put_agent_monitors_config(struct sw_buf *b, const struct sw_monitor *mon, uint32_t count,
				 uint32_t flags);
struct sw_agent_msg { uint32_t protocol, type; uint64_t opaque; uint32_t size; const uint8_t *data; };
int sw_get_agent_msg(const uint8_t *b, size_t n, struct sw_agent_msg *m);
int sw_get_agent_monitors_config(const uint8_t *b, size_t n, struct sw_monitor *mon,
				 uint32_t max, uint32_t *count, uint32_t *flags);

/* ---- display channel -------------------------------------------------- */
struct sw_palette { uint64_t unique; uint16_t num_ents; const uint8_t *ents; };

struct sw_image {
	uint64_t id;
	uint8_t type, flags;
	uint32_t width, height;
	/* SPICE_IMAGE_TYPE_BITMAP */
	uint8_t bm_format, bm_flags;
	uint32_t bm_x, bm_y, bm_stride;
	bool has_palette;	/* inline palette present */
	struct sw_palette palette;
	uint64_t palette_id;	/* PAL_FROM_CACHE */
	const uint8_t *data;	/* pixels, or compressed payload */
	uint32_t data_len;
	/* SPICE_IMAGE_TYPE_SURFACE */
	uint32_t surface_id;
	/* extra sizes of compressed formats */
	uint32_t aux_size;	/* glz_data_size / jpeg_size / LZ_PLT data_size */
};
/* Parses an image at absolute offset off of the message body. */
int sw_get_image(const uint8_t *body, size_t n, uint32_t off, struct sw_image *img);

struct sw_brush {
	uint8_t type;	/* SPICE_BRUSH_TYPE_* */
	uint32_t color;
	uint32_t pat_off;	/* image offset, PATTERN */
	struct sw_point pat_pos;
};
struct sw_qmask { uint8_t flags; struct sw_point pos; uint32_t bitmap_off; };

struct sw_display_base { uint32_t surface_id; struct sw_rect box; struct sw_clip clip; };

/* All DRAW_* messages share this decoded form; fields unused by a given
 * message stay zero. */
struct sw_draw {
	uint16_t msg_type;
	struct sw_display_base base;
	uint32_t src_off;		/* image offset (0 = none) */
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
/* True for the display channel's draw messages: those sw_get_draw() takes. */
bool sw_msg_is_draw(uint16_t msg_type);
int sw_get_draw(uint16_t msg_type, const uint8_t *b, size_t n, struct sw_draw *d);
/* Marshals the fixed part of COPY_BITS, FILL, OPAQUE, COPY, BLEND,
 * BLACKNESS, WHITENESS, INVERS, ROP3, TRANSPARENT, ALPHA_BLEND and COMPOSITE
 * (STROKE/TEXT: -EOPNOTSUPP). Pointer fields (src_off, mask offsets,
 * pattern) are written as given: append the images afterwards with
 * sw_put_image_bitmap/sw_put_image_surface, which return their offsets, and
 * write those into the pointer fields with sw_patch32 (src_off sits at byte
 * 21 + 16 * clip rects (+4 with a clip) of COPY/BLEND/OPAQUE/ROP3/TRANSPARENT,
 * +2 for ALPHA_BLEND, +4 for COMPOSITE). */
int sw_put_draw(struct sw_buf *b, const struct sw_draw *d);
/* Appends an uncompressed BITMAP image and returns its offset in *off. */
int sw_put_image_bitmap(struct sw_buf *b, uint64_t id, uint8_t fmt, uint8_t bm_flags,
			uint32_t w, uint32_t h, uint32_t stride, const void *pixels, uint32_t *off);
int sw_put_image_surface(struct sw_buf *b, uint64_t id, uint32_t w, uint32_t h, uint32_t surface_id,
			 uint32_t *off);
/* Overwrites a u32 at offset pos of the buffer (to patch pointer fields). */
void sw_patch32(struct sw_buf *b, size_t pos, uint32_t v);

/* Validates the path/string/style sub-structures a draw points at. */
int sw_check_path(const uint8_t *b, size_t n, uint32_t off, uint32_t *num_segments);
int sw_check_string(const uint8_t *b, size_t n, uint32_t off, uint16_t *num_glyphs);

struct sw_display_mode { uint32_t x_res, y_res, bits; };
struct sw_surface_create { uint32_t surface_id, width, height, format, flags; };
struct sw_inval_list { uint16_t count; const uint8_t *raw; /* count * {u8 type, u64 id} */ };
struct sw_stream_create {
	uint32_t surface_id, id;
	uint8_t flags, codec_type;
	uint64_t stamp;
	uint32_t stream_width, stream_height, src_width, src_height;
	struct sw_rect dest;
	struct sw_clip clip;
};
struct sw_stream_data {
	uint32_t id, multi_media_time;
	bool sized;
	uint32_t width, height;	/* sized only */
	struct sw_rect dest;		/* sized only */
	uint32_t data_size;
	const uint8_t *data;
};
struct sw_stream_clip { uint32_t id; struct sw_clip clip; };
struct sw_head { uint32_t id, surface_id, width, height, x, y, flags; };
struct sw_monitors_config { uint16_t count, max_allowed; const uint8_t *raw; };
struct sw_head sw_head_at(const struct sw_monitors_config *m, uint16_t i);
struct sw_stream_activate_report { uint32_t stream_id, unique_id, max_window_size, timeout_ms; };
struct sw_gl_scanout {
	uint32_t width, height, stride, drm_fourcc_format, flags;
};
#define SW_MAX_PLANES 4
struct sw_gl_scanout2 {
	uint32_t width, height, drm_fourcc_format, flags;
	uint8_t num_planes;
	uint64_t modifier;
	uint32_t offsets[SW_MAX_PLANES], strides[SW_MAX_PLANES];
};
struct sw_gl_draw { uint32_t x, y, w, h; };
/* client display messages */
struct sw_display_init {
	uint8_t pixmap_cache_id;
	int64_t pixmap_cache_size;
	uint8_t glz_dictionary_id;
	int32_t glz_dictionary_window_size;
};
struct sw_stream_report {
	uint32_t stream_id, unique_id, start_frame_mm_time, end_frame_mm_time;
	uint32_t num_frames, num_drops;
	int32_t last_frame_delay;
	uint32_t audio_delay;
};

int sw_get_display_mode(const uint8_t *b, size_t n, struct sw_display_mode *m);
int sw_get_surface_create(const uint8_t *b, size_t n, struct sw_surface_create *m);
int sw_put_surface_create(struct sw_buf *b, const struct sw_surface_create *m);
int sw_get_inval_list(const uint8_t *b, size_t n, struct sw_inval_list *m);
int sw_get_stream_create(const uint8_t *b, size_t n, struct sw_stream_create *m);
int sw_get_stream_data(const uint8_t *b, size_t n, bool sized, struct sw_stream_data *m);
int sw_get_stream_clip(const uint8_t *b, size_t n, struct sw_stream_clip *m);
int sw_get_monitors_config(const uint8_t *b, size_t n, struct sw_monitors_config *m);
int sw_put_monitors_config(struct sw_buf *b, uint16_t max_allowed, const struct sw_head *h, uint16_t count);
int sw_get_stream_activate_report(const uint8_t *b, size_t n, struct sw_stream_activate_report *m);
int sw_get_gl_scanout(const uint8_t *b, size_t n, struct sw_gl_scanout *m);
int sw_put_gl_scanout(struct sw_buf *b, const struct sw_gl_scanout *m);
int sw_get_gl_scanout2(const uint8_t *b, size_t n, struct sw_gl_scanout2 *m);
int sw_put_gl_scanout2(struct sw_buf *b, const struct sw_gl_scanout2 *m);
int sw_get_gl_draw(const uint8_t *b, size_t n, struct sw_gl_draw *m);
int sw_put_gl_draw(struct sw_buf *b, const struct sw_gl_draw *m);
int sw_put_display_init(struct sw_buf *b, const struct sw_display_init *m);
int sw_get_display_init(const uint8_t *b, size_t n, struct sw_display_init *m);
int sw_put_stream_report(struct sw_buf *b, const struct sw_stream_report *m);
int sw_get_stream_report(const uint8_t *b, size_t n, struct sw_stream_report *m);
int sw_put_preferred_video_codecs(struct sw_buf *b, const uint8_t *codecs, uint8_t n);
int sw_get_preferred_video_codecs(const uint8_t *b, size_t n, uint8_t *count, const uint8_t **codecs);

/* ---- cursor channel --------------------------------------------------- */
struct sw_cursor {
	uint16_t flags;
	bool has_header;
	uint64_t unique;
	uint8_t type;
	uint16_t width, height, hot_x, hot_y;
	const uint8_t *data;
	uint32_t data_len;
};
struct sw_cursor_init {
	struct sw_point16 position;
	uint16_t trail_length, trail_frequency;
	uint8_t visible;
	struct sw_cursor cursor;
};
struct sw_cursor_set { struct sw_point16 position; uint8_t visible; struct sw_cursor cursor; };
struct sw_cursor_trail { uint16_t length, frequency; };
int sw_get_cursor_init(const uint8_t *b, size_t n, struct sw_cursor_init *m);
int sw_get_cursor_set(const uint8_t *b, size_t n, struct sw_cursor_set *m);
int sw_get_cursor_move(const uint8_t *b, size_t n, struct sw_point16 *pos);
int sw_get_cursor_trail(const uint8_t *b, size_t n, struct sw_cursor_trail *m);
int sw_put_cursor_set(struct sw_buf *b, const struct sw_cursor_set *m);

/* ---- inputs channel --------------------------------------------------- */
struct sw_mouse_motion { int32_t dx, dy; uint16_t buttons; };
struct sw_mouse_position { uint32_t x, y; uint16_t buttons; uint8_t display_id; };
struct sw_mouse_button { uint8_t button; uint16_t buttons; };
int sw_put_key_scancode(struct sw_buf *b, const uint8_t *codes, size_t n);
/* Builds the PC XT scancode sequence (make or break) for a set-1 code;
 * codes above 0xff are E0-prefixed. Returns the byte count. */
size_t sw_scancode_bytes(uint32_t code, bool release, uint8_t out[4]);
int sw_put_mouse_motion(struct sw_buf *b, const struct sw_mouse_motion *m);
int sw_put_mouse_position(struct sw_buf *b, const struct sw_mouse_position *m);
int sw_put_mouse_button(struct sw_buf *b, const struct sw_mouse_button *m);
int sw_get_mouse_motion(const uint8_t *b, size_t n, struct sw_mouse_motion *m);
int sw_get_mouse_position(const uint8_t *b, size_t n, struct sw_mouse_position *m);
int sw_get_mouse_button(const uint8_t *b, size_t n, struct sw_mouse_button *m);

/* ---- playback / record ------------------------------------------------ */
struct sw_audio_data { uint32_t time; uint16_t mode; const uint8_t *data; uint32_t len; };
struct sw_audio_start { uint32_t channels; uint16_t format; uint32_t frequency, time; };
struct sw_audio_volume { uint8_t nchannels; const uint8_t *raw; };
int sw_get_playback_data(const uint8_t *b, size_t n, struct sw_audio_data *m);
int sw_get_playback_mode(const uint8_t *b, size_t n, struct sw_audio_data *m);
int sw_get_playback_start(const uint8_t *b, size_t n, struct sw_audio_start *m);
int sw_get_record_start(const uint8_t *b, size_t n, struct sw_audio_start *m);
int sw_get_audio_volume(const uint8_t *b, size_t n, struct sw_audio_volume *m);
uint16_t sw_audio_volume_at(const struct sw_audio_volume *m, uint8_t i);
int sw_put_record_data(struct sw_buf *b, uint32_t time, const void *data, uint32_t len);
int sw_put_record_mode(struct sw_buf *b, uint32_t time, uint16_t mode, const void *data, uint32_t len);

/* ---- port ------------------------------------------------------------- */
struct sw_port_init { uint32_t name_size; const uint8_t *name; uint8_t opened; };
int sw_get_port_init(const uint8_t *b, size_t n, struct sw_port_init *m);
int sw_put_port_init(struct sw_buf *b, const char *name, uint8_t opened);

/* ---- generic decode / names ------------------------------------------ */
const char *sw_channel_name(uint8_t channel_type);
/* server=true: a message from the server; false: from the client. */
const char *sw_msg_name(uint8_t channel_type, bool server, uint16_t type);
/* Validates any message (server or client direction) fully, including the
 * images, paths and strings a draw points at. Unknown types are accepted
 * (0) when they are in the channel's range, since new servers add
 * messages. */
int sw_validate(uint8_t channel_type, bool server, uint16_t type, const uint8_t *b, size_t n);

/* ---- channels --------------------------------------------------------- */
struct sw_channel_opts {
	uint32_t connection_id;
	uint8_t channel_type, channel_id;
	uint32_t common_caps[SW_MAX_CAPS];
	uint32_t num_common_caps;
	uint32_t channel_caps[SW_MAX_CAPS];
	uint32_t num_channel_caps;
	const char *password;	/* NULL: empty ticket */
	bool use_sasl;		/* select SASL auth (needs libsasl2 support) */
	const char *sasl_user;
	int timeout_ms;		/* bound on every socket wait; default 10000 */
};
/* Fills opts with the library's default caps for a channel type:
 * AUTH_SELECTION, AUTH_SPICE, MINI_HEADER; and channel caps a display client
 * wants (SIZED_STREAM, MONITORS_CONFIG, COMPOSITE, A8_SURFACE, STREAM_REPORT,
 * PREF_COMPRESSION, MULTI_CODEC, CODEC_MJPEG, PREF_VIDEO_CODEC_TYPE), main
 * (NAME_AND_UUID, AGENT_CONNECTED_TOKENS, SEAMLESS_MIGRATE), inputs
 * (KEY_SCANCODE), playback (VOLUME, LATENCY), record (VOLUME). */
void sw_channel_default_opts(struct sw_channel_opts *o, uint8_t channel_type, uint8_t channel_id);

struct sw_msg {
	uint16_t type;
	uint32_t size;
	uint64_t serial;
	const uint8_t *data;	/* valid until the next sw_channel_read */
	int fds[4];		/* fds received with the message (unix sockets) */
	int nfds;
};

/*
 * A channel is opaque: sw_channel_new() makes one, sw_channel_free() closes
 * and frees it. The same object can be connected, closed and connected again;
 * after a failure it keeps the error until it is reused.
 */
struct sw_channel;
/* Called for every message the channel sends, including automatic replies
 * (ACK_SYNC, ACK, PONG): for logging. */
typedef void (*sw_send_hook)(void *opaque, struct sw_channel *ch, uint16_t type, const uint8_t *body,
			     size_t len);

/**
 * sw_channel_new() - allocate a channel
 *
 * The channel is not connected: give it a socket with sw_channel_connect()
 * or sw_channel_from_fd().
 *
 * Return: the channel, or NULL when out of memory.
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

/* Server side of the link stage for tests and the scanout-sharing issue:
 * reads a SpiceLinkMess, answers with reply (error + caps), consumes the
 * auth mechanism and ticket. No ticket checking. */
int sw_server_accept_link(struct sw_channel *ch, const struct sw_link_reply *reply,
			  struct sw_link_mess *got, int timeout_ms);

bool sw_have_sasl(void);

#ifdef __cplusplus
}
#endif
#endif
