// SPDX-License-Identifier: MIT
/* Marshallers and demarshallers of individual SPICE messages. */
#include <errno.h>
#include <string.h>

#include <spice/vd_agent.h>

#include "spice-wire.h"

#define RD(b, n) \
	struct sw_reader r; \
	sw_reader_init(&r, (b), (n))

/* Largest number of elements any array in a message may claim: bounded by
 * the body size anyway; this just keeps multiplications small. */
#define MAX_ELEMS (1u << 24)

static int need_array(struct sw_reader *r, uint64_t count, size_t elem)
{
	if (r->err)
		return r->err;
	if (count > MAX_ELEMS) {
		r->err = -E2BIG;
		return r->err;
	}
	if (count * elem > sw_rleft(r)) {
		r->err = -EBADMSG;
		return r->err;
	}
	return 0;
}

/* ---- base ------------------------------------------------------------- */
int sw_get_empty(const uint8_t *b, size_t n)
{
	(void)b;
	return n ? -EMSGSIZE : 0;
}

int sw_get_u8_msg(const uint8_t *b, size_t n, uint8_t *v)
{
	RD(b, n);
	*v = sw_r8(&r);
	return sw_rend(&r);
}

int sw_get_u16_msg(const uint8_t *b, size_t n, uint16_t *v)
{
	RD(b, n);
	*v = sw_r16(&r);
	return sw_rend(&r);
}

int sw_get_u32_msg(const uint8_t *b, size_t n, uint32_t *v)
{
	RD(b, n);
	*v = sw_r32(&r);
	return sw_rend(&r);
}

int sw_get_u64_msg(const uint8_t *b, size_t n, uint64_t *v)
{
	RD(b, n);
	*v = sw_r64(&r);
	return sw_rend(&r);
}

int sw_put_u8_msg(struct sw_buf *b, uint8_t v) { sw_w8(b, v); return b->err; }
int sw_put_u16_msg(struct sw_buf *b, uint16_t v) { sw_w16(b, v); return b->err; }
int sw_put_u32_msg(struct sw_buf *b, uint32_t v) { sw_w32(b, v); return b->err; }
int sw_put_u64_msg(struct sw_buf *b, uint64_t v) { sw_w64(b, v); return b->err; }

int sw_get_set_ack(const uint8_t *b, size_t n, struct sw_set_ack *m)
{
	RD(b, n);
	m->generation = sw_r32(&r);
	m->window = sw_r32(&r);
	return sw_rend(&r);
}

int sw_put_set_ack(struct sw_buf *b, const struct sw_set_ack *m)
{
	sw_w32(b, m->generation);
	sw_w32(b, m->window);
	return b->err;
}

int sw_get_ping(const uint8_t *b, size_t n, struct sw_ping *m)
{
	RD(b, n);
	m->id = sw_r32(&r);
	m->timestamp = sw_r64(&r);
	m->data_len = (uint32_t)sw_rleft(&r);
	m->data = sw_rbytes(&r, m->data_len);
	return r.err;
}

int sw_put_ping(struct sw_buf *b, const struct sw_ping *m)
{
	sw_w32(b, m->id);
	sw_w64(b, m->timestamp);
	sw_wbytes(b, m->data, m->data_len);
	return b->err;
}

int sw_get_wait_for_channels(const uint8_t *b, size_t n, struct sw_wait_for_channels *m)
{
	RD(b, n);
	m->count = sw_r8(&r);
	need_array(&r, m->count, 10);
	m->raw = sw_rbytes(&r, (size_t)m->count * 10);
	return sw_rend(&r);
}

struct sw_wait_channel sw_wait_channel_at(const struct sw_wait_for_channels *m, uint8_t i)
{
	struct sw_wait_channel w = {0, 0, 0};
	if (i < m->count && m->raw) {
		const uint8_t *p = m->raw + 10u * i;
		w.channel_type = p[0];
		w.channel_id = p[1];
		w.serial = sw_le64(p + 2);
	}
	return w;
}

int sw_get_disconnecting(const uint8_t *b, size_t n, struct sw_disconnecting *m)
{
	RD(b, n);
	m->time_stamp = sw_r64(&r);
	m->reason = sw_r32(&r);
	return sw_rend(&r);
}

int sw_put_disconnecting(struct sw_buf *b, const struct sw_disconnecting *m)
{
	sw_w64(b, m->time_stamp);
	sw_w32(b, m->reason);
	return b->err;
}

int sw_get_notify(const uint8_t *b, size_t n, struct sw_notify *m)
{
	RD(b, n);
	m->time_stamp = sw_r64(&r);
	m->severity = sw_r32(&r);
	m->visibility = sw_r32(&r);
	m->what = sw_r32(&r);
	m->message_len = sw_r32(&r);
	m->message = sw_rbytes(&r, m->message_len);
	/* spice-server appends a NUL after message_len bytes */
	if (!r.err && sw_rleft(&r) == 1 && r.base[r.off] == 0)
		r.off++;
	return sw_rend(&r);
}

int sw_put_notify(struct sw_buf *b, const struct sw_notify *m)
{
	sw_w64(b, m->time_stamp);
	sw_w32(b, m->severity);
	sw_w32(b, m->visibility);
	sw_w32(b, m->what);
	sw_w32(b, m->message_len);
	sw_wbytes(b, m->message, m->message_len);
	return b->err;
}

int sw_get_migrate(const uint8_t *b, size_t n, struct sw_migrate *m)
{
	return sw_get_u32_msg(b, n, &m->flags);
}

int sw_put_migrate(struct sw_buf *b, const struct sw_migrate *m)
{
	sw_w32(b, m->flags);
	return b->err;
}

int sw_put_ack_sync(struct sw_buf *b, uint32_t generation)
{
	sw_w32(b, generation);
	return b->err;
}

int sw_get_ack_sync(const uint8_t *b, size_t n, uint32_t *generation)
{
	return sw_get_u32_msg(b, n, generation);
}

int sw_put_pong(struct sw_buf *b, uint32_t id, uint64_t ts)
{
	sw_w32(b, id);
	sw_w64(b, ts);
	return b->err;
}

int sw_get_pong(const uint8_t *b, size_t n, uint32_t *id, uint64_t *ts)
{
	RD(b, n);
	*id = sw_r32(&r);
	*ts = sw_r64(&r);
	return sw_rend(&r);
}

/* ---- main ------------------------------------------------------------- */
int sw_get_main_init(const uint8_t *b, size_t n, struct sw_main_init *m)
{
	RD(b, n);
	m->session_id = sw_r32(&r);
	m->display_channels_hint = sw_r32(&r);
	m->supported_mouse_modes = sw_r32(&r);
	m->current_mouse_mode = sw_r32(&r);
	m->agent_connected = sw_r32(&r);
	m->agent_tokens = sw_r32(&r);
	m->multi_media_time = sw_r32(&r);
	m->ram_hint = sw_r32(&r);
	return sw_rend(&r);
}

int sw_put_main_init(struct sw_buf *b, const struct sw_main_init *m)
{
	sw_w32(b, m->session_id);
	sw_w32(b, m->display_channels_hint);
	sw_w32(b, m->supported_mouse_modes);
	sw_w32(b, m->current_mouse_mode);
	sw_w32(b, m->agent_connected);
	sw_w32(b, m->agent_tokens);
	sw_w32(b, m->multi_media_time);
	sw_w32(b, m->ram_hint);
	return b->err;
}

int sw_get_channels_list(const uint8_t *b, size_t n, struct sw_channels_list *m)
{
	RD(b, n);
	m->count = sw_r32(&r);
	need_array(&r, m->count, 2);
	m->raw = sw_rbytes(&r, (size_t)m->count * 2);
	return sw_rend(&r);
}

int sw_put_channels_list(struct sw_buf *b, uint32_t count, const uint8_t *pairs)
{
	sw_w32(b, count);
	sw_wbytes(b, pairs, (size_t)count * 2);
	return b->err;
}

int sw_get_mouse_mode(const uint8_t *b, size_t n, struct sw_mouse_mode *m)
{
	RD(b, n);
	m->supported = sw_r16(&r);
	m->current = sw_r16(&r);
	return sw_rend(&r);
}

int sw_get_main_name(const uint8_t *b, size_t n, struct sw_main_name *m)
{
	RD(b, n);
	m->len = sw_r32(&r);
	m->name = sw_rbytes(&r, m->len);
	return sw_rend(&r);
}

int sw_get_main_uuid(const uint8_t *b, size_t n, uint8_t uuid[16])
{
	RD(b, n);
	const uint8_t *p = sw_rbytes(&r, 16);
	if (p)
		memcpy(uuid, p, 16);
	return sw_rend(&r);
}

/* A pointer to size bytes somewhere in the body. */
static const uint8_t *get_ptr_bytes(const struct sw_reader *r, uint32_t off, uint32_t size, int *err)
{
	if (off == 0) {
		if (size)
			*err = -EINVAL;
		return NULL;
	}
	if (off > r->len || size > r->len - off) {
		*err = -EBADMSG;
		return NULL;
	}
	return r->base + off;
}

int sw_get_migration_dst(const uint8_t *b, size_t n, bool seamless, struct sw_migration_dst *m)
{
	RD(b, n);
	memset(m, 0, sizeof(*m));
	m->port = sw_r16(&r);
	m->sport = sw_r16(&r);
	m->host_size = sw_r32(&r);
	uint32_t host_off = sw_r32(&r);
	m->cert_subject_size = sw_r32(&r);
	uint32_t cert_off = sw_r32(&r);
	if (seamless)
		m->src_mig_version = sw_r32(&r);
	if (r.err)
		return r.err;
	size_t fixed_end = r.off;
	int err = 0;
	m->host = get_ptr_bytes(&r, host_off, m->host_size, &err);
	if (!err && !m->host)
		err = -EINVAL;	/* host is mandatory */
	if (!err && cert_off)
		m->cert_subject = get_ptr_bytes(&r, cert_off, m->cert_subject_size, &err);
	else if (!err && m->cert_subject_size)
		err = -EINVAL;
	if (!err && host_off < fixed_end)
		err = -EINVAL;
	if (!err && cert_off && cert_off < fixed_end)
		err = -EINVAL;
	return err;
}

int sw_migration_dst_host(const struct sw_migration_dst *m, char *out, size_t n)
{
	uint32_t len = m->host ? m->host_size : 0;
	while (len && m->host[len - 1] == 0)
		len--;
	if (!len || memchr(m->host, 0, len))
		return -EINVAL;
	if (len >= n)
		return -E2BIG;
	memcpy(out, m->host, len);
	out[len] = 0;
	return 0;
}

int sw_put_migration_dst(struct sw_buf *b, bool seamless, const struct sw_migration_dst *m)
{
	size_t start = b->len;
	uint32_t fixed = 20 + (seamless ? 4 : 0);
	sw_w16(b, m->port);
	sw_w16(b, m->sport);
	sw_w32(b, m->host_size);
	sw_w32(b, fixed);
	sw_w32(b, m->cert_subject_size);
	sw_w32(b, m->cert_subject_size ? fixed + m->host_size : 0);
	if (seamless)
		sw_w32(b, m->src_mig_version);
	(void)start;
	sw_wbytes(b, m->host, m->host_size);
	sw_wbytes(b, m->cert_subject, m->cert_subject_size);
	return b->err;
}

int sw_put_agent_monitors_config(struct sw_buf *b, const struct sw_monitor *mon, uint32_t count,
				 uint32_t flags)
{
	if (count == 0 || count > SW_MAX_MONITORS)
		return -EINVAL;
	sw_w32(b, VD_AGENT_PROTOCOL);
	sw_w32(b, VD_AGENT_MONITORS_CONFIG);
	sw_w64(b, 0);
	sw_w32(b, 8 + 20 * count);
	sw_w32(b, count);
	sw_w32(b, flags);
	for (uint32_t i = 0; i < count; i++) {
		sw_w32(b, mon[i].height);
		sw_w32(b, mon[i].width);
		sw_w32(b, mon[i].depth);
		sw_w32(b, (uint32_t)mon[i].x);
		sw_w32(b, (uint32_t)mon[i].y);
	}
	return b->err;
}

int sw_get_agent_msg(const uint8_t *b, size_t n, struct sw_agent_msg *m)
{
	RD(b, n);
	m->protocol = sw_r32(&r);
	m->type = sw_r32(&r);
	m->opaque = sw_r64(&r);
	m->size = sw_r32(&r);
	m->data = sw_rbytes(&r, m->size);
	if (!r.err && m->protocol != VD_AGENT_PROTOCOL)
		return -EINVAL;
	return sw_rend(&r);
}

int sw_get_agent_monitors_config(const uint8_t *b, size_t n, struct sw_monitor *mon, uint32_t max,
				 uint32_t *count, uint32_t *flags)
{
	struct sw_agent_msg a;
	int err = sw_get_agent_msg(b, n, &a);
	if (err)
		return err;
	if (a.type != VD_AGENT_MONITORS_CONFIG)
		return -EINVAL;
	RD(a.data, a.size);
	*count = sw_r32(&r);
	*flags = sw_r32(&r);
	if (need_array(&r, *count, 20))
		return r.err;
	if (*count > max)
		return -E2BIG;
	for (uint32_t i = 0; i < *count; i++) {
		mon[i].height = sw_r32(&r);
		mon[i].width = sw_r32(&r);
		mon[i].depth = sw_r32(&r);
		mon[i].x = (int32_t)sw_r32(&r);
		mon[i].y = (int32_t)sw_r32(&r);
	}
	/* newer agents may append physical sizes */
	return r.err;
}

/* ---- display: shared pieces ------------------------------------------- */
static void get_rect(struct sw_reader *r, struct sw_rect *rc)
{
	rc->top = (int32_t)sw_r32(r);
	rc->left = (int32_t)sw_r32(r);
	rc->bottom = (int32_t)sw_r32(r);
	rc->right = (int32_t)sw_r32(r);
}

static void put_rect(struct sw_buf *b, const struct sw_rect *rc)
{
	sw_w32(b, (uint32_t)rc->top);
	sw_w32(b, (uint32_t)rc->left);
	sw_w32(b, (uint32_t)rc->bottom);
	sw_w32(b, (uint32_t)rc->right);
}

static void get_point(struct sw_reader *r, struct sw_point *p)
{
	p->x = (int32_t)sw_r32(r);
	p->y = (int32_t)sw_r32(r);
}

static void get_clip(struct sw_reader *r, struct sw_clip *c)
{
	c->type = sw_r8(r);
	c->num_rects = 0;
	c->rects = NULL;
	if (r->err)
		return;
	if (c->type == SPICE_CLIP_TYPE_RECTS) {
		c->num_rects = sw_r32(r);
		if (need_array(r, c->num_rects, 16))
			return;
		c->rects = sw_rbytes(r, (size_t)c->num_rects * 16);
	} else if (c->type != SPICE_CLIP_TYPE_NONE) {
		r->err = -EINVAL;
	}
}

static void put_clip(struct sw_buf *b, const struct sw_clip *c)
{
	sw_w8(b, c->type);
	if (c->type == SPICE_CLIP_TYPE_RECTS) {
		sw_w32(b, c->num_rects);
		sw_wbytes(b, c->rects, (size_t)c->num_rects * 16);
	}
}

static void get_base(struct sw_reader *r, struct sw_display_base *d)
{
	d->surface_id = sw_r32(r);
	get_rect(r, &d->box);
	get_clip(r, &d->clip);
}

static void put_base(struct sw_buf *b, const struct sw_display_base *d)
{
	sw_w32(b, d->surface_id);
	put_rect(b, &d->box);
	put_clip(b, &d->clip);
}

static void get_brush(struct sw_reader *r, struct sw_brush *br)
{
	memset(br, 0, sizeof(*br));
	br->type = sw_r8(r);
	if (r->err)
		return;
	switch (br->type) {
	case SPICE_BRUSH_TYPE_NONE:
		break;
	case SPICE_BRUSH_TYPE_SOLID:
		br->color = sw_r32(r);
		break;
	case SPICE_BRUSH_TYPE_PATTERN:
		br->pat_off = sw_r32(r);
		get_point(r, &br->pat_pos);
		if (!r->err && br->pat_off == 0)
			r->err = -EINVAL;
		break;
	default:
		r->err = -EINVAL;
	}
}

static void put_brush(struct sw_buf *b, const struct sw_brush *br)
{
	sw_w8(b, br->type);
	if (br->type == SPICE_BRUSH_TYPE_SOLID) {
		sw_w32(b, br->color);
	} else if (br->type == SPICE_BRUSH_TYPE_PATTERN) {
		sw_w32(b, br->pat_off);
		sw_w32(b, (uint32_t)br->pat_pos.x);
		sw_w32(b, (uint32_t)br->pat_pos.y);
	}
}

static void get_qmask(struct sw_reader *r, struct sw_qmask *q)
{
	q->flags = sw_r8(r);
	get_point(r, &q->pos);
	q->bitmap_off = sw_r32(r);
}

static void put_qmask(struct sw_buf *b, const struct sw_qmask *q)
{
	sw_w8(b, q->flags);
	sw_w32(b, (uint32_t)q->pos.x);
	sw_w32(b, (uint32_t)q->pos.y);
	sw_w32(b, q->bitmap_off);
}

/* Minimum bytes per row of a bitmap format, or 0 if the format is unknown. */
static uint64_t bitmap_row_bytes(uint8_t fmt, uint32_t w)
{
	switch (fmt) {
	case SPICE_BITMAP_FMT_1BIT_LE:
	case SPICE_BITMAP_FMT_1BIT_BE: return ((uint64_t)w + 7) / 8;
	case SPICE_BITMAP_FMT_4BIT_LE:
	case SPICE_BITMAP_FMT_4BIT_BE: return ((uint64_t)w + 1) / 2;
	case SPICE_BITMAP_FMT_8BIT:
	case SPICE_BITMAP_FMT_8BIT_A: return w;
	case SPICE_BITMAP_FMT_16BIT: return 2ull * w;
	case SPICE_BITMAP_FMT_24BIT: return 3ull * w;
	case SPICE_BITMAP_FMT_32BIT:
	case SPICE_BITMAP_FMT_RGBA: return 4ull * w;
	}
	return 0;
}

/* 4- and 8-bit indexed bitmaps need a palette; 1-bit ones (masks) may go
 * without one. */
static bool bitmap_is_indexed(uint8_t fmt)
{
	return fmt >= SPICE_BITMAP_FMT_4BIT_LE && fmt <= SPICE_BITMAP_FMT_8BIT;
}

static void get_palette_at(const struct sw_reader *whole, uint32_t off, struct sw_palette *p, int *err)
{
	struct sw_reader r;
	if (sw_reader_at(whole, off, &r)) {
		*err = r.err;
		return;
	}
	p->unique = sw_r64(&r);
	p->num_ents = sw_r16(&r);
	need_array(&r, p->num_ents, 4);
	p->ents = sw_rbytes(&r, (size_t)p->num_ents * 4);
	if (r.err)
		*err = r.err;
}

int sw_get_image(const uint8_t *body, size_t n, uint32_t off, struct sw_image *img)
{
	struct sw_reader whole, r;
	sw_reader_init(&whole, body, n);
	memset(img, 0, sizeof(*img));
	if (sw_reader_at(&whole, off, &r))
		return r.err;
	img->id = sw_r64(&r);
	img->type = sw_r8(&r);
	img->flags = sw_r8(&r);
	img->width = sw_r32(&r);
	img->height = sw_r32(&r);
	if (r.err)
		return r.err;
	int err = 0;
	switch (img->type) {
	case SPICE_IMAGE_TYPE_BITMAP: {
		img->bm_format = sw_r8(&r);
		img->bm_flags = sw_r8(&r);
		img->bm_x = sw_r32(&r);
		img->bm_y = sw_r32(&r);
		img->bm_stride = sw_r32(&r);
		if (img->bm_flags & SPICE_BITMAP_FLAGS_PAL_FROM_CACHE) {
			img->palette_id = sw_r64(&r);
		} else {
			uint32_t pal = sw_r32(&r);
			if (!r.err && pal) {
				get_palette_at(&whole, pal, &img->palette, &err);
				img->has_palette = true;
			}
		}
		if (r.err)
			return r.err;
		if (err)
			return err;
		uint64_t row = bitmap_row_bytes(img->bm_format, img->bm_x);
		if (!row && img->bm_x)
			return -EINVAL;
		if (img->bm_format == SPICE_BITMAP_FMT_INVALID || img->bm_format > SPICE_BITMAP_FMT_8BIT_A)
			return -EINVAL;
		if (img->bm_stride < row)
			return -EINVAL;
		uint64_t size = (uint64_t)img->bm_stride * img->bm_y;
		if (size > sw_rleft(&r))
			return -EBADMSG;
		img->data_len = (uint32_t)size;
		img->data = sw_rbytes(&r, (size_t)size);
		if (bitmap_is_indexed(img->bm_format) && !img->has_palette &&
		    !(img->bm_flags & SPICE_BITMAP_FLAGS_PAL_FROM_CACHE))
			return -EINVAL;
		break;
	}
	case SPICE_IMAGE_TYPE_QUIC:
	case SPICE_IMAGE_TYPE_LZ_RGB:
	case SPICE_IMAGE_TYPE_GLZ_RGB:
	case SPICE_IMAGE_TYPE_JPEG:
	case SPICE_IMAGE_TYPE_LZ4:
		img->data_len = sw_r32(&r);
		img->data = sw_rbytes(&r, img->data_len);
		break;
	case SPICE_IMAGE_TYPE_LZ_PLT: {
		uint8_t fl = sw_r8(&r);
		img->bm_flags = fl;
		img->data_len = sw_r32(&r);
		if (fl & SPICE_BITMAP_FLAGS_PAL_FROM_CACHE) {
			img->palette_id = sw_r64(&r);
		} else {
			uint32_t pal = sw_r32(&r);
			if (!r.err) {
				if (!pal)
					return -EINVAL;
				get_palette_at(&whole, pal, &img->palette, &err);
				img->has_palette = true;
				if (err)
					return err;
			}
		}
		img->data = sw_rbytes(&r, img->data_len);
		break;
	}
	case SPICE_IMAGE_TYPE_ZLIB_GLZ_RGB:
		img->aux_size = sw_r32(&r);
		img->data_len = sw_r32(&r);
		img->data = sw_rbytes(&r, img->data_len);
		break;
	case SPICE_IMAGE_TYPE_JPEG_ALPHA:
		img->bm_flags = sw_r8(&r);
		img->aux_size = sw_r32(&r);
		img->data_len = sw_r32(&r);
		img->data = sw_rbytes(&r, img->data_len);
		if (!r.err && img->aux_size > img->data_len)
			return -EINVAL;
		break;
	case SPICE_IMAGE_TYPE_SURFACE:
		img->surface_id = sw_r32(&r);
		break;
	case SPICE_IMAGE_TYPE_FROM_CACHE:
	case SPICE_IMAGE_TYPE_FROM_CACHE_LOSSLESS:
		break;
	default:
		return -EINVAL;
	}
	return r.err;
}

int sw_put_image_bitmap(struct sw_buf *b, uint64_t id, uint8_t fmt, uint8_t bm_flags, uint32_t w,
			uint32_t h, uint32_t stride, const void *pixels, uint32_t *off)
{
	if (b->len > UINT32_MAX)
		return -EOVERFLOW;
	if ((uint64_t)stride * h > UINT32_MAX)
		return -EOVERFLOW;
	*off = (uint32_t)b->len;
	sw_w64(b, id);
	sw_w8(b, SPICE_IMAGE_TYPE_BITMAP);
	sw_w8(b, 0);
	sw_w32(b, w);
	sw_w32(b, h);
	sw_w8(b, fmt);
	sw_w8(b, bm_flags & (uint8_t)~SPICE_BITMAP_FLAGS_PAL_FROM_CACHE);
	sw_w32(b, w);
	sw_w32(b, h);
	sw_w32(b, stride);
	sw_w32(b, 0);	/* no palette */
	sw_wbytes(b, pixels, (size_t)stride * h);
	return b->err;
}

int sw_put_image_surface(struct sw_buf *b, uint64_t id, uint32_t w, uint32_t h, uint32_t surface_id,
			 uint32_t *off)
{
	if (b->len > UINT32_MAX)
		return -EOVERFLOW;
	*off = (uint32_t)b->len;
	sw_w64(b, id);
	sw_w8(b, SPICE_IMAGE_TYPE_SURFACE);
	sw_w8(b, 0);
	sw_w32(b, w);
	sw_w32(b, h);
	sw_w32(b, surface_id);
	return b->err;
}

int sw_check_path(const uint8_t *b, size_t n, uint32_t off, uint32_t *num_segments)
{
	struct sw_reader whole, r;
	sw_reader_init(&whole, b, n);
	if (sw_reader_at(&whole, off, &r))
		return r.err;
	*num_segments = sw_r32(&r);
	if (need_array(&r, *num_segments, 5))
		return r.err;
	for (uint32_t i = 0; i < *num_segments && !r.err; i++) {
		sw_r8(&r);
		uint32_t count = sw_r32(&r);
		if (need_array(&r, count, 8))
			break;
		sw_rbytes(&r, (size_t)count * 8);
	}
	return r.err;
}

int sw_check_string(const uint8_t *b, size_t n, uint32_t off, uint16_t *num_glyphs)
{
	struct sw_reader whole, r;
	sw_reader_init(&whole, b, n);
	if (sw_reader_at(&whole, off, &r))
		return r.err;
	*num_glyphs = sw_r16(&r);
	uint8_t flags = sw_r8(&r);
	unsigned bpp;
	if (flags & SPICE_STRING_FLAGS_RASTER_A1)
		bpp = 1;
	else if (flags & SPICE_STRING_FLAGS_RASTER_A4)
		bpp = 4;
	else if (flags & SPICE_STRING_FLAGS_RASTER_A8)
		bpp = 8;
	else
		return r.err ? r.err : -EINVAL;
	for (uint32_t i = 0; i < *num_glyphs && !r.err; i++) {
		sw_rbytes(&r, 16);	/* render_pos, glyph_origin */
		uint16_t w = sw_r16(&r), h = sw_r16(&r);
		uint64_t size = (((uint64_t)w * bpp + 7) / 8) * h;
		if (size > sw_rleft(&r)) {
			r.err = r.err ? r.err : -EBADMSG;
			break;
		}
		sw_rbytes(&r, (size_t)size);
	}
	return r.err;
}

bool sw_msg_is_draw(uint16_t msg_type)
{
	switch (msg_type) {
	case SPICE_MSG_DISPLAY_COPY_BITS:
	case SPICE_MSG_DISPLAY_DRAW_FILL:
	case SPICE_MSG_DISPLAY_DRAW_OPAQUE:
	case SPICE_MSG_DISPLAY_DRAW_COPY:
	case SPICE_MSG_DISPLAY_DRAW_BLEND:
	case SPICE_MSG_DISPLAY_DRAW_BLACKNESS:
	case SPICE_MSG_DISPLAY_DRAW_WHITENESS:
	case SPICE_MSG_DISPLAY_DRAW_INVERS:
	case SPICE_MSG_DISPLAY_DRAW_ROP3:
	case SPICE_MSG_DISPLAY_DRAW_STROKE:
	case SPICE_MSG_DISPLAY_DRAW_TEXT:
	case SPICE_MSG_DISPLAY_DRAW_TRANSPARENT:
	case SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND:
	case SPICE_MSG_DISPLAY_DRAW_COMPOSITE:
		return true;
	}
	return false;
}

int sw_get_draw(uint16_t type, const uint8_t *b, size_t n, struct sw_draw *d)
{
	RD(b, n);
	memset(d, 0, sizeof(*d));
	d->msg_type = type;
	get_base(&r, &d->base);
	switch (type) {
	case SPICE_MSG_DISPLAY_COPY_BITS:
		get_point(&r, &d->src_pos);
		break;
	case SPICE_MSG_DISPLAY_DRAW_FILL:
		get_brush(&r, &d->brush);
		d->rop_descriptor = sw_r16(&r);
		get_qmask(&r, &d->mask);
		break;
	case SPICE_MSG_DISPLAY_DRAW_OPAQUE:
		d->src_off = sw_r32(&r);
		get_rect(&r, &d->src_area);
		get_brush(&r, &d->brush);
		d->rop_descriptor = sw_r16(&r);
		d->scale_mode = sw_r8(&r);
		get_qmask(&r, &d->mask);
		break;
	case SPICE_MSG_DISPLAY_DRAW_COPY:
	case SPICE_MSG_DISPLAY_DRAW_BLEND:
		d->src_off = sw_r32(&r);
		get_rect(&r, &d->src_area);
		d->rop_descriptor = sw_r16(&r);
		d->scale_mode = sw_r8(&r);
		get_qmask(&r, &d->mask);
		break;
	case SPICE_MSG_DISPLAY_DRAW_BLACKNESS:
	case SPICE_MSG_DISPLAY_DRAW_WHITENESS:
	case SPICE_MSG_DISPLAY_DRAW_INVERS:
		get_qmask(&r, &d->mask);
		break;
	case SPICE_MSG_DISPLAY_DRAW_ROP3:
		d->src_off = sw_r32(&r);
		get_rect(&r, &d->src_area);
		get_brush(&r, &d->brush);
		d->rop3 = sw_r8(&r);
		d->scale_mode = sw_r8(&r);
		get_qmask(&r, &d->mask);
		break;
	case SPICE_MSG_DISPLAY_DRAW_STROKE:
		d->path_off = sw_r32(&r);
		d->line_flags = sw_r8(&r);
		if (d->line_flags & SPICE_LINE_FLAGS_STYLED) {
			d->style_nseg = sw_r8(&r);
			d->style_off = sw_r32(&r);
		}
		get_brush(&r, &d->brush);
		d->fore_mode = sw_r16(&r);
		d->back_mode = sw_r16(&r);
		break;
	case SPICE_MSG_DISPLAY_DRAW_TEXT:
		d->str_off = sw_r32(&r);
		get_rect(&r, &d->back_area);
		get_brush(&r, &d->brush);
		get_brush(&r, &d->back_brush);
		d->fore_mode = sw_r16(&r);
		d->back_mode = sw_r16(&r);
		break;
	case SPICE_MSG_DISPLAY_DRAW_TRANSPARENT:
		d->src_off = sw_r32(&r);
		get_rect(&r, &d->src_area);
		d->src_color = sw_r32(&r);
		d->true_color = sw_r32(&r);
		break;
	case SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND:
		d->alpha_flags = sw_r8(&r);
		d->alpha = sw_r8(&r);
		d->src_off = sw_r32(&r);
		get_rect(&r, &d->src_area);
		break;
	case SPICE_MSG_DISPLAY_DRAW_COMPOSITE:
		d->comp_flags = sw_r32(&r);
		d->src_off = sw_r32(&r);
		if (d->comp_flags & SPICE_COMPOSITE_HAS_MASK)
			d->mask_src_off = sw_r32(&r);
		if (d->comp_flags & SPICE_COMPOSITE_HAS_SRC_TRANSFORM)
			for (int i = 0; i < 6; i++)
				d->src_transform[i] = sw_r32(&r);
		if (d->comp_flags & SPICE_COMPOSITE_HAS_MASK_TRANSFORM)
			for (int i = 0; i < 6; i++)
				d->mask_transform[i] = sw_r32(&r);
		d->src_origin.x = (int16_t)sw_r16(&r);
		d->src_origin.y = (int16_t)sw_r16(&r);
		d->mask_origin.x = (int16_t)sw_r16(&r);
		d->mask_origin.y = (int16_t)sw_r16(&r);
		break;
	default:
		return -EINVAL;
	}
	if (r.err)
		return r.err;
	/* Check everything the draw points at. Pointed-to data may legally sit
	 * anywhere after the fixed part, so trailing bytes are allowed here. */
	struct sw_image img;
	int err;
	bool need_src = type == SPICE_MSG_DISPLAY_DRAW_COPY || type == SPICE_MSG_DISPLAY_DRAW_BLEND ||
			type == SPICE_MSG_DISPLAY_DRAW_TRANSPARENT ||
			type == SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND ||
			type == SPICE_MSG_DISPLAY_DRAW_COMPOSITE;
	if (d->src_off) {
		if ((err = sw_get_image(b, n, d->src_off, &img)))
			return err;
	} else if (need_src) {
		return -EINVAL;
	}
	if (d->mask.bitmap_off && (err = sw_get_image(b, n, d->mask.bitmap_off, &img)))
		return err;
	if (d->mask_src_off && (err = sw_get_image(b, n, d->mask_src_off, &img)))
		return err;
	if (d->brush.type == SPICE_BRUSH_TYPE_PATTERN && (err = sw_get_image(b, n, d->brush.pat_off, &img)))
		return err;
	if (d->back_brush.type == SPICE_BRUSH_TYPE_PATTERN &&
	    (err = sw_get_image(b, n, d->back_brush.pat_off, &img)))
		return err;
	if (type == SPICE_MSG_DISPLAY_DRAW_STROKE) {
		uint32_t nseg;
		if ((err = sw_check_path(b, n, d->path_off, &nseg)))
			return err;
		if (d->line_flags & SPICE_LINE_FLAGS_STYLED && d->style_nseg) {
			if (d->style_off == 0 || d->style_off > n || (size_t)d->style_nseg * 4 > n - d->style_off)
				return -EBADMSG;
		}
	}
	if (type == SPICE_MSG_DISPLAY_DRAW_TEXT) {
		uint16_t ng;
		if ((err = sw_check_string(b, n, d->str_off, &ng)))
			return err;
	}
	return 0;
}

int sw_put_draw(struct sw_buf *b, const struct sw_draw *d)
{
	put_base(b, &d->base);
	switch (d->msg_type) {
	case SPICE_MSG_DISPLAY_COPY_BITS:
		sw_w32(b, (uint32_t)d->src_pos.x);
		sw_w32(b, (uint32_t)d->src_pos.y);
		break;
	case SPICE_MSG_DISPLAY_DRAW_FILL:
		put_brush(b, &d->brush);
		sw_w16(b, d->rop_descriptor);
		put_qmask(b, &d->mask);
		break;
	case SPICE_MSG_DISPLAY_DRAW_OPAQUE:
		sw_w32(b, d->src_off);
		put_rect(b, &d->src_area);
		put_brush(b, &d->brush);
		sw_w16(b, d->rop_descriptor);
		sw_w8(b, d->scale_mode);
		put_qmask(b, &d->mask);
		break;
	case SPICE_MSG_DISPLAY_DRAW_COPY:
	case SPICE_MSG_DISPLAY_DRAW_BLEND:
		sw_w32(b, d->src_off);
		put_rect(b, &d->src_area);
		sw_w16(b, d->rop_descriptor);
		sw_w8(b, d->scale_mode);
		put_qmask(b, &d->mask);
		break;
	case SPICE_MSG_DISPLAY_DRAW_BLACKNESS:
	case SPICE_MSG_DISPLAY_DRAW_WHITENESS:
	case SPICE_MSG_DISPLAY_DRAW_INVERS:
		put_qmask(b, &d->mask);
		break;
	case SPICE_MSG_DISPLAY_DRAW_ROP3:
		sw_w32(b, d->src_off);
		put_rect(b, &d->src_area);
		put_brush(b, &d->brush);
		sw_w8(b, d->rop3);
		sw_w8(b, d->scale_mode);
		put_qmask(b, &d->mask);
		break;
	case SPICE_MSG_DISPLAY_DRAW_TRANSPARENT:
		sw_w32(b, d->src_off);
		put_rect(b, &d->src_area);
		sw_w32(b, d->src_color);
		sw_w32(b, d->true_color);
		break;
	case SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND:
		sw_w8(b, d->alpha_flags);
		sw_w8(b, d->alpha);
		sw_w32(b, d->src_off);
		put_rect(b, &d->src_area);
		break;
	case SPICE_MSG_DISPLAY_DRAW_COMPOSITE:
		sw_w32(b, d->comp_flags);
		sw_w32(b, d->src_off);
		if (d->comp_flags & SPICE_COMPOSITE_HAS_MASK)
			sw_w32(b, d->mask_src_off);
		if (d->comp_flags & SPICE_COMPOSITE_HAS_SRC_TRANSFORM)
			for (int i = 0; i < 6; i++)
				sw_w32(b, d->src_transform[i]);
		if (d->comp_flags & SPICE_COMPOSITE_HAS_MASK_TRANSFORM)
			for (int i = 0; i < 6; i++)
				sw_w32(b, d->mask_transform[i]);
		sw_w16(b, (uint16_t)d->src_origin.x);
		sw_w16(b, (uint16_t)d->src_origin.y);
		sw_w16(b, (uint16_t)d->mask_origin.x);
		sw_w16(b, (uint16_t)d->mask_origin.y);
		break;
	default:
		return -EOPNOTSUPP;
	}
	return b->err;
}

/* ---- display: other messages ------------------------------------------ */
int sw_get_display_mode(const uint8_t *b, size_t n, struct sw_display_mode *m)
{
	RD(b, n);
	m->x_res = sw_r32(&r);
	m->y_res = sw_r32(&r);
	m->bits = sw_r32(&r);
	return sw_rend(&r);
}

int sw_get_surface_create(const uint8_t *b, size_t n, struct sw_surface_create *m)
{
	RD(b, n);
	m->surface_id = sw_r32(&r);
	m->width = sw_r32(&r);
	m->height = sw_r32(&r);
	m->format = sw_r32(&r);
	m->flags = sw_r32(&r);
	if (sw_rend(&r))
		return r.err;
	switch (m->format) {
	case SPICE_SURFACE_FMT_1_A:
	case SPICE_SURFACE_FMT_8_A:
	case SPICE_SURFACE_FMT_16_555:
	case SPICE_SURFACE_FMT_16_565:
	case SPICE_SURFACE_FMT_32_xRGB:
	case SPICE_SURFACE_FMT_32_ARGB:
		return 0;
	}
	return -EINVAL;
}

int sw_put_surface_create(struct sw_buf *b, const struct sw_surface_create *m)
{
	sw_w32(b, m->surface_id);
	sw_w32(b, m->width);
	sw_w32(b, m->height);
	sw_w32(b, m->format);
	sw_w32(b, m->flags);
	return b->err;
}

int sw_get_inval_list(const uint8_t *b, size_t n, struct sw_inval_list *m)
{
	RD(b, n);
	m->count = sw_r16(&r);
	need_array(&r, m->count, 9);
	m->raw = sw_rbytes(&r, (size_t)m->count * 9);
	return sw_rend(&r);
}

int sw_get_stream_create(const uint8_t *b, size_t n, struct sw_stream_create *m)
{
	RD(b, n);
	m->surface_id = sw_r32(&r);
	m->id = sw_r32(&r);
	m->flags = sw_r8(&r);
	m->codec_type = sw_r8(&r);
	m->stamp = sw_r64(&r);
	m->stream_width = sw_r32(&r);
	m->stream_height = sw_r32(&r);
	m->src_width = sw_r32(&r);
	m->src_height = sw_r32(&r);
	get_rect(&r, &m->dest);
	get_clip(&r, &m->clip);
	if (!r.err && m->id >= SPICE_MAX_NUM_STREAMS)
		return -EINVAL;
	return sw_rend(&r);
}

int sw_get_stream_data(const uint8_t *b, size_t n, bool sized, struct sw_stream_data *m)
{
	RD(b, n);
	memset(m, 0, sizeof(*m));
	m->sized = sized;
	m->id = sw_r32(&r);
	m->multi_media_time = sw_r32(&r);
	if (sized) {
		m->width = sw_r32(&r);
		m->height = sw_r32(&r);
		get_rect(&r, &m->dest);
	}
	m->data_size = sw_r32(&r);
	m->data = sw_rbytes(&r, m->data_size);
	return sw_rend(&r);
}

int sw_get_stream_clip(const uint8_t *b, size_t n, struct sw_stream_clip *m)
{
	RD(b, n);
	m->id = sw_r32(&r);
	get_clip(&r, &m->clip);
	return sw_rend(&r);
}

int sw_get_monitors_config(const uint8_t *b, size_t n, struct sw_monitors_config *m)
{
	RD(b, n);
	m->count = sw_r16(&r);
	m->max_allowed = sw_r16(&r);
	need_array(&r, m->count, 28);
	m->raw = sw_rbytes(&r, (size_t)m->count * 28);
	return sw_rend(&r);
}

struct sw_head sw_head_at(const struct sw_monitors_config *m, uint16_t i)
{
	struct sw_head h;
	memset(&h, 0, sizeof(h));
	if (i >= m->count || !m->raw)
		return h;
	const uint8_t *p = m->raw + 28u * i;
	h.id = sw_le32(p);
	h.surface_id = sw_le32(p + 4);
	h.width = sw_le32(p + 8);
	h.height = sw_le32(p + 12);
	h.x = sw_le32(p + 16);
	h.y = sw_le32(p + 20);
	h.flags = sw_le32(p + 24);
	return h;
}

int sw_put_monitors_config(struct sw_buf *b, uint16_t max_allowed, const struct sw_head *h, uint16_t count)
{
	sw_w16(b, count);
	sw_w16(b, max_allowed);
	for (uint16_t i = 0; i < count; i++) {
		sw_w32(b, h[i].id);
		sw_w32(b, h[i].surface_id);
		sw_w32(b, h[i].width);
		sw_w32(b, h[i].height);
		sw_w32(b, h[i].x);
		sw_w32(b, h[i].y);
		sw_w32(b, h[i].flags);
	}
	return b->err;
}

int sw_get_stream_activate_report(const uint8_t *b, size_t n, struct sw_stream_activate_report *m)
{
	RD(b, n);
	m->stream_id = sw_r32(&r);
	m->unique_id = sw_r32(&r);
	m->max_window_size = sw_r32(&r);
	m->timeout_ms = sw_r32(&r);
	return sw_rend(&r);
}

/* The dma-buf fd of GL_SCANOUT_UNIX travels out of band (SCM_RIGHTS); it
 * takes no bytes in the body. */
int sw_get_gl_scanout(const uint8_t *b, size_t n, struct sw_gl_scanout *m)
{
	RD(b, n);
	m->width = sw_r32(&r);
	m->height = sw_r32(&r);
	m->stride = sw_r32(&r);
	m->drm_fourcc_format = sw_r32(&r);
	m->flags = sw_r32(&r);
	if (!r.err && m->flags & ~(uint32_t)SPICE_GL_SCANOUT_FLAGS_MASK)
		return -EINVAL;
	return sw_rend(&r);
}

int sw_put_gl_scanout(struct sw_buf *b, const struct sw_gl_scanout *m)
{
	sw_w32(b, m->width);
	sw_w32(b, m->height);
	sw_w32(b, m->stride);
	sw_w32(b, m->drm_fourcc_format);
	sw_w32(b, m->flags);
	return b->err;
}

/* GL_SCANOUT2_UNIX: width, height, fourcc, flags, u8 num_planes, u64
 * modifier, then per plane {u32 offset, u32 stride}; one fd per plane out of
 * band. */
int sw_get_gl_scanout2(const uint8_t *b, size_t n, struct sw_gl_scanout2 *m)
{
	RD(b, n);
	memset(m, 0, sizeof(*m));
	m->width = sw_r32(&r);
	m->height = sw_r32(&r);
	m->drm_fourcc_format = sw_r32(&r);
	m->flags = sw_r32(&r);
	m->num_planes = sw_r8(&r);
	m->modifier = sw_r64(&r);
	if (r.err)
		return r.err;
	if (m->num_planes > SW_MAX_PLANES || m->flags & ~(uint32_t)SPICE_GL_SCANOUT_FLAGS_MASK)
		return -EINVAL;
	for (unsigned i = 0; i < m->num_planes; i++) {
		m->offsets[i] = sw_r32(&r);
		m->strides[i] = sw_r32(&r);
	}
	return sw_rend(&r);
}

int sw_put_gl_scanout2(struct sw_buf *b, const struct sw_gl_scanout2 *m)
{
	if (m->num_planes > SW_MAX_PLANES)
		return -EINVAL;
	sw_w32(b, m->width);
	sw_w32(b, m->height);
	sw_w32(b, m->drm_fourcc_format);
	sw_w32(b, m->flags);
	sw_w8(b, m->num_planes);
	sw_w64(b, m->modifier);
	for (unsigned i = 0; i < m->num_planes; i++) {
		sw_w32(b, m->offsets[i]);
		sw_w32(b, m->strides[i]);
	}
	return b->err;
}

int sw_get_gl_draw(const uint8_t *b, size_t n, struct sw_gl_draw *m)
{
	RD(b, n);
	m->x = sw_r32(&r);
	m->y = sw_r32(&r);
	m->w = sw_r32(&r);
	m->h = sw_r32(&r);
	return sw_rend(&r);
}

int sw_put_gl_draw(struct sw_buf *b, const struct sw_gl_draw *m)
{
	sw_w32(b, m->x);
	sw_w32(b, m->y);
	sw_w32(b, m->w);
	sw_w32(b, m->h);
	return b->err;
}

int sw_put_display_init(struct sw_buf *b, const struct sw_display_init *m)
{
	sw_w8(b, m->pixmap_cache_id);
	sw_w64(b, (uint64_t)m->pixmap_cache_size);
	sw_w8(b, m->glz_dictionary_id);
	sw_w32(b, (uint32_t)m->glz_dictionary_window_size);
	return b->err;
}

int sw_get_display_init(const uint8_t *b, size_t n, struct sw_display_init *m)
{
	RD(b, n);
	m->pixmap_cache_id = sw_r8(&r);
	m->pixmap_cache_size = (int64_t)sw_r64(&r);
	m->glz_dictionary_id = sw_r8(&r);
	m->glz_dictionary_window_size = (int32_t)sw_r32(&r);
	return sw_rend(&r);
}

int sw_put_stream_report(struct sw_buf *b, const struct sw_stream_report *m)
{
	sw_w32(b, m->stream_id);
	sw_w32(b, m->unique_id);
	sw_w32(b, m->start_frame_mm_time);
	sw_w32(b, m->end_frame_mm_time);
	sw_w32(b, m->num_frames);
	sw_w32(b, m->num_drops);
	sw_w32(b, (uint32_t)m->last_frame_delay);
	sw_w32(b, m->audio_delay);
	return b->err;
}

int sw_get_stream_report(const uint8_t *b, size_t n, struct sw_stream_report *m)
{
	RD(b, n);
	m->stream_id = sw_r32(&r);
	m->unique_id = sw_r32(&r);
	m->start_frame_mm_time = sw_r32(&r);
	m->end_frame_mm_time = sw_r32(&r);
	m->num_frames = sw_r32(&r);
	m->num_drops = sw_r32(&r);
	m->last_frame_delay = (int32_t)sw_r32(&r);
	m->audio_delay = sw_r32(&r);
	return sw_rend(&r);
}

int sw_put_preferred_video_codecs(struct sw_buf *b, const uint8_t *codecs, uint8_t n)
{
	sw_w8(b, n);
	sw_wbytes(b, codecs, n);
	return b->err;
}

int sw_get_preferred_video_codecs(const uint8_t *b, size_t n, uint8_t *count, const uint8_t **codecs)
{
	RD(b, n);
	*count = sw_r8(&r);
	*codecs = sw_rbytes(&r, *count);
	return sw_rend(&r);
}

/* ---- cursor ----------------------------------------------------------- */
static void get_cursor(struct sw_reader *r, struct sw_cursor *c)
{
	memset(c, 0, sizeof(*c));
	c->flags = sw_r16(r);
	if (r->err)
		return;
	if (!(c->flags & SPICE_CURSOR_FLAGS_NONE)) {
		c->has_header = true;
		c->unique = sw_r64(r);
		c->type = sw_r8(r);
		c->width = sw_r16(r);
		c->height = sw_r16(r);
		c->hot_x = sw_r16(r);
		c->hot_y = sw_r16(r);
		if (r->err)
			return;
		if (c->type > SPICE_CURSOR_TYPE_COLOR32) {
			r->err = -EINVAL;
			return;
		}
	}
	c->data_len = (uint32_t)sw_rleft(r);
	c->data = sw_rbytes(r, c->data_len);
	if (c->has_header && !(c->flags & SPICE_CURSOR_FLAGS_FROM_CACHE) &&
	    c->type == SPICE_CURSOR_TYPE_ALPHA &&
	    (uint64_t)c->width * c->height * 4 > c->data_len)
		r->err = -EBADMSG;
}

int sw_get_cursor_init(const uint8_t *b, size_t n, struct sw_cursor_init *m)
{
	RD(b, n);
	m->position.x = (int16_t)sw_r16(&r);
	m->position.y = (int16_t)sw_r16(&r);
	m->trail_length = sw_r16(&r);
	m->trail_frequency = sw_r16(&r);
	m->visible = sw_r8(&r);
	get_cursor(&r, &m->cursor);
	return sw_rend(&r);
}

int sw_get_cursor_set(const uint8_t *b, size_t n, struct sw_cursor_set *m)
{
	RD(b, n);
	m->position.x = (int16_t)sw_r16(&r);
	m->position.y = (int16_t)sw_r16(&r);
	m->visible = sw_r8(&r);
	get_cursor(&r, &m->cursor);
	return sw_rend(&r);
}

int sw_put_cursor_set(struct sw_buf *b, const struct sw_cursor_set *m)
{
	sw_w16(b, (uint16_t)m->position.x);
	sw_w16(b, (uint16_t)m->position.y);
	sw_w8(b, m->visible);
	sw_w16(b, m->cursor.flags);
	if (!(m->cursor.flags & SPICE_CURSOR_FLAGS_NONE)) {
		sw_w64(b, m->cursor.unique);
		sw_w8(b, m->cursor.type);
		sw_w16(b, m->cursor.width);
		sw_w16(b, m->cursor.height);
		sw_w16(b, m->cursor.hot_x);
		sw_w16(b, m->cursor.hot_y);
	}
	sw_wbytes(b, m->cursor.data, m->cursor.data_len);
	return b->err;
}

int sw_get_cursor_move(const uint8_t *b, size_t n, struct sw_point16 *pos)
{
	RD(b, n);
	pos->x = (int16_t)sw_r16(&r);
	pos->y = (int16_t)sw_r16(&r);
	return sw_rend(&r);
}

int sw_get_cursor_trail(const uint8_t *b, size_t n, struct sw_cursor_trail *m)
{
	RD(b, n);
	m->length = sw_r16(&r);
	m->frequency = sw_r16(&r);
	return sw_rend(&r);
}

/* ---- inputs ----------------------------------------------------------- */
int sw_put_key_scancode(struct sw_buf *b, const uint8_t *codes, size_t n)
{
	if (n == 0)
		return -EINVAL;
	sw_wbytes(b, codes, n);
	return b->err;
}

size_t sw_scancode_bytes(uint32_t code, bool release, uint8_t out[4])
{
	size_t i = 0;
	if (code > 0xff)
		out[i++] = 0xe0;
	out[i++] = (uint8_t)((code & 0x7f) | (release ? 0x80 : 0));
	return i;
}

int sw_put_mouse_motion(struct sw_buf *b, const struct sw_mouse_motion *m)
{
	sw_w32(b, (uint32_t)m->dx);
	sw_w32(b, (uint32_t)m->dy);
	sw_w16(b, m->buttons);
	return b->err;
}

int sw_put_mouse_position(struct sw_buf *b, const struct sw_mouse_position *m)
{
	sw_w32(b, m->x);
	sw_w32(b, m->y);
	sw_w16(b, m->buttons);
	sw_w8(b, m->display_id);
	return b->err;
}

int sw_put_mouse_button(struct sw_buf *b, const struct sw_mouse_button *m)
{
	sw_w8(b, m->button);
	sw_w16(b, m->buttons);
	return b->err;
}

int sw_get_mouse_motion(const uint8_t *b, size_t n, struct sw_mouse_motion *m)
{
	RD(b, n);
	m->dx = (int32_t)sw_r32(&r);
	m->dy = (int32_t)sw_r32(&r);
	m->buttons = sw_r16(&r);
	return sw_rend(&r);
}

int sw_get_mouse_position(const uint8_t *b, size_t n, struct sw_mouse_position *m)
{
	RD(b, n);
	m->x = sw_r32(&r);
	m->y = sw_r32(&r);
	m->buttons = sw_r16(&r);
	m->display_id = sw_r8(&r);
	return sw_rend(&r);
}

int sw_get_mouse_button(const uint8_t *b, size_t n, struct sw_mouse_button *m)
{
	RD(b, n);
	m->button = sw_r8(&r);
	m->buttons = sw_r16(&r);
	if (!r.err && m->button > SPICE_MOUSE_BUTTON_EXTRA)
		return -EINVAL;
	return sw_rend(&r);
}

/* ---- playback / record ------------------------------------------------ */
int sw_get_playback_data(const uint8_t *b, size_t n, struct sw_audio_data *m)
{
	RD(b, n);
	m->time = sw_r32(&r);
	m->mode = 0;
	m->len = (uint32_t)sw_rleft(&r);
	m->data = sw_rbytes(&r, m->len);
	return r.err;
}

int sw_get_playback_mode(const uint8_t *b, size_t n, struct sw_audio_data *m)
{
	RD(b, n);
	m->time = sw_r32(&r);
	m->mode = sw_r16(&r);
	m->len = (uint32_t)sw_rleft(&r);
	m->data = sw_rbytes(&r, m->len);
	if (!r.err && (m->mode == SPICE_AUDIO_DATA_MODE_INVALID || m->mode > SPICE_AUDIO_DATA_MODE_OPUS))
		return -EINVAL;
	return r.err;
}

int sw_get_playback_start(const uint8_t *b, size_t n, struct sw_audio_start *m)
{
	RD(b, n);
	m->channels = sw_r32(&r);
	m->format = sw_r16(&r);
	m->frequency = sw_r32(&r);
	m->time = sw_r32(&r);
	return sw_rend(&r);
}

int sw_get_record_start(const uint8_t *b, size_t n, struct sw_audio_start *m)
{
	RD(b, n);
	m->channels = sw_r32(&r);
	m->format = sw_r16(&r);
	m->frequency = sw_r32(&r);
	m->time = 0;
	return sw_rend(&r);
}

int sw_get_audio_volume(const uint8_t *b, size_t n, struct sw_audio_volume *m)
{
	RD(b, n);
	m->nchannels = sw_r8(&r);
	need_array(&r, m->nchannels, 2);
	m->raw = sw_rbytes(&r, (size_t)m->nchannels * 2);
	return sw_rend(&r);
}

uint16_t sw_audio_volume_at(const struct sw_audio_volume *m, uint8_t i)
{
	return i < m->nchannels && m->raw ? sw_le16(m->raw + 2u * i) : 0;
}

int sw_put_record_data(struct sw_buf *b, uint32_t time, const void *data, uint32_t len)
{
	sw_w32(b, time);
	sw_wbytes(b, data, len);
	return b->err;
}

int sw_put_record_mode(struct sw_buf *b, uint32_t time, uint16_t mode, const void *data, uint32_t len)
{
	sw_w32(b, time);
	sw_w16(b, mode);
	sw_wbytes(b, data, len);
	return b->err;
}

/* ---- port ------------------------------------------------------------- */
int sw_get_port_init(const uint8_t *b, size_t n, struct sw_port_init *m)
{
	RD(b, n);
	m->name_size = sw_r32(&r);
	uint32_t off = sw_r32(&r);
	m->opened = sw_r8(&r);
	if (r.err)
		return r.err;
	int err = 0;
	m->name = get_ptr_bytes(&r, off, m->name_size, &err);
	if (err)
		return err;
	if (!m->name || m->name_size == 0 || off < 9)
		return -EINVAL;
	/* the name is NUL-terminated within name_size */
	if (m->name[m->name_size - 1] != 0)
		return -EINVAL;
	return 0;
}

int sw_put_port_init(struct sw_buf *b, const char *name, uint8_t opened)
{
	size_t len = strlen(name) + 1;
	if (len > UINT32_MAX - 9)
		return -EOVERFLOW;
	sw_w32(b, (uint32_t)len);
	sw_w32(b, 9);
	sw_w8(b, opened);
	sw_wbytes(b, name, len);
	return b->err;
}
