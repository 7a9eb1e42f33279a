// SPDX-License-Identifier: MIT
/* Display model: surfaces, caches, the draw operations and MJPEG streams. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spice-display.h"
#include "video-priv.h"

#define MAX_SURFACE_DIM 16384u

struct sw_cache_entry {
	struct sw_cache_entry *next;
	uint64_t id;
	bool palette;		/* palette entry rather than pixmap */
	uint32_t w, h;		/* palette: w = number of entries */
	uint32_t *px;
};

/* A decoded source image: pixels 0xAARRGGBB. */
struct pix {
	uint32_t w, h;
	uint32_t *px;
	bool owned;
	bool has_alpha;
};

static int fail(struct sw_display *d, int err, const char *why)
{
	snprintf(d->last_error, sizeof(d->last_error), "%s", why);
	return err;
}

void sw_display_init(struct sw_display *d, uint64_t max_pixels)
{
	memset(d, 0, sizeof(*d));
	d->max_pixels = max_pixels ? max_pixels : (uint64_t)256 << 20;
	d->max_surface_id = 65535;
}

static void cache_clear(struct sw_display *d, bool palettes)
{
	struct sw_cache_entry **pp = &d->cache;
	while (*pp) {
		struct sw_cache_entry *e = *pp;
		if (e->palette == palettes) {
			*pp = e->next;
			if (!e->palette) {
				d->cache_pixels -= (uint64_t)e->w * e->h;
				d->used_pixels -= (uint64_t)e->w * e->h;
			}
			free(e->px);
			free(e);
		} else {
			pp = &e->next;
		}
	}
}

/* A STREAM_CREATE's state; the clip's rectangles are a copy of its body's. */
struct sw_video_stream {
	uint32_t surface_id;
	uint8_t codec, flags;
	struct sw_rect dest;
	struct sw_clip clip;
	uint8_t *rects;
};

static void stream_destroy(struct sw_display *d, uint32_t id)
{
	if (!d->streams || id >= SPICE_MAX_NUM_STREAMS || !d->streams[id])
		return;
	free(d->streams[id]->rects);
	free(d->streams[id]);
	d->streams[id] = NULL;
}

static void streams_destroy(struct sw_display *d)
{
	for (uint32_t i = 0; d->streams && i < SPICE_MAX_NUM_STREAMS; i++)
		stream_destroy(d, i);
}

static void surface_destroy(struct sw_display *d, struct sw_surface *s)
{
	if (!s->used)
		return;
	d->used_pixels -= (uint64_t)s->width * s->height;
	free(s->px);
	memset(s, 0, sizeof(*s));
}

void sw_display_free(struct sw_display *d)
{
	for (uint32_t i = 0; i < d->nsurfaces; i++)
		surface_destroy(d, &d->surfaces[i]);
	free(d->surfaces);
	streams_destroy(d);
	free(d->streams);
	cache_clear(d, false);
	cache_clear(d, true);
	memset(d, 0, sizeof(*d));
}

struct sw_surface *sw_display_surface(struct sw_display *d, uint32_t id)
{
	if (id >= d->nsurfaces || !d->surfaces[id].used)
		return NULL;
	return &d->surfaces[id];
}

static struct sw_cache_entry *cache_find(struct sw_display *d, uint64_t id, bool palette)
{
	for (struct sw_cache_entry *e = d->cache; e; e = e->next)
		if (e->id == id && e->palette == palette)
			return e;
	return NULL;
}

static void cache_remove(struct sw_display *d, uint64_t id, bool palette)
{
	for (struct sw_cache_entry **pp = &d->cache; *pp; pp = &(*pp)->next) {
		struct sw_cache_entry *e = *pp;
		if (e->id == id && e->palette == palette) {
			*pp = e->next;
			if (!palette) {
				d->cache_pixels -= (uint64_t)e->w * e->h;
				d->used_pixels -= (uint64_t)e->w * e->h;
			}
			free(e->px);
			free(e);
			return;
		}
	}
}

static int cache_add(struct sw_display *d, uint64_t id, bool palette, uint32_t w, uint32_t h,
		     const uint32_t *px)
{
	uint64_t n = (uint64_t)w * h;
	cache_remove(d, id, palette);
	if (!palette && d->used_pixels + n > d->max_pixels)
		return fail(d, -E2BIG, "pixmap cache exceeds the pixel limit");
	struct sw_cache_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->px = malloc(n ? n * 4 : 4);
	if (!e->px) {
		free(e);
		return -ENOMEM;
	}
	memcpy(e->px, px, n * 4);
	e->id = id;
	e->palette = palette;
	e->w = w;
	e->h = h;
	e->next = d->cache;
	d->cache = e;
	if (!palette) {
		d->cache_pixels += n;
		d->used_pixels += n;
	}
	return 0;
}

/* ---- image decoding --------------------------------------------------- */
static inline uint32_t expand5(uint32_t v)
{
	return (v << 3) | (v >> 2);
}

static int decode_image(struct sw_display *d, const uint8_t *body, size_t len, uint32_t off,
			uint32_t dst_surface, struct pix *out)
{
	struct sw_image img;
	memset(out, 0, sizeof(*out));
	int err = sw_get_image(body, len, off, &img);
	if (err)
		return fail(d, err, "malformed image");
	if (img.type == SPICE_IMAGE_TYPE_SURFACE) {
		struct sw_surface *s = sw_display_surface(d, img.surface_id);
		if (!s)
			return fail(d, -EPROTO, "image refers to a missing surface");
		out->w = s->width;
		out->h = s->height;
		out->has_alpha = s->format == SPICE_SURFACE_FMT_32_ARGB || s->format == SPICE_SURFACE_FMT_8_A ||
				 s->format == SPICE_SURFACE_FMT_1_A;
		if (img.surface_id == dst_surface) {
			uint64_t n = (uint64_t)s->width * s->height;
			out->px = malloc(n ? n * 4 : 4);
			if (!out->px)
				return -ENOMEM;
			memcpy(out->px, s->px, n * 4);
			out->owned = true;
		} else {
			out->px = s->px;
		}
		return 0;
	}
	if (img.type == SPICE_IMAGE_TYPE_FROM_CACHE || img.type == SPICE_IMAGE_TYPE_FROM_CACHE_LOSSLESS) {
		struct sw_cache_entry *e = cache_find(d, img.id, false);
		if (!e)
			return fail(d, -EPROTO, "image not in the pixmap cache");
		out->w = e->w;
		out->h = e->h;
		out->px = e->px;
		out->has_alpha = true;
		return 0;
	}
	if (img.type != SPICE_IMAGE_TYPE_BITMAP) {
		d->unrendered++;
		return fail(d, -EOPNOTSUPP, "compressed image (not decoded)");
	}
	uint32_t w = img.bm_x, h = img.bm_y;
	uint64_t n = (uint64_t)w * h;
	if (w > MAX_SURFACE_DIM || h > MAX_SURFACE_DIM || n > d->max_pixels)
		return fail(d, -E2BIG, "bitmap too large");
	/* palette */
	uint32_t pal[256];
	uint32_t npal = 0;
	if (img.bm_flags & SPICE_BITMAP_FLAGS_PAL_FROM_CACHE) {
		struct sw_cache_entry *e = cache_find(d, img.palette_id, true);
		if (!e)
			return fail(d, -EPROTO, "palette not in the palette cache");
		npal = e->w;
		memcpy(pal, e->px, npal * 4);
	} else if (img.has_palette) {
		npal = img.palette.num_ents > 256 ? 256 : img.palette.num_ents;
		for (uint32_t i = 0; i < npal; i++)
			pal[i] = sw_le32(img.palette.ents + 4 * i);
		if (img.bm_flags & SPICE_BITMAP_FLAGS_PAL_CACHE_ME)
			cache_add(d, img.palette.unique, true, npal, 1, pal);
	} else {
		/* 1-bit without palette (masks): black / white */
		pal[0] = 0xff000000;
		pal[1] = 0xffffffff;
		npal = 2;
	}
	out->px = malloc(n ? n * 4 : 4);
	if (!out->px)
		return -ENOMEM;
	out->owned = true;
	out->w = w;
	out->h = h;
	out->has_alpha = img.bm_format == SPICE_BITMAP_FMT_RGBA || img.bm_format == SPICE_BITMAP_FMT_8BIT_A;
	bool top_down = img.bm_flags & SPICE_BITMAP_FLAGS_TOP_DOWN;
	for (uint32_t y = 0; y < h; y++) {
		const uint8_t *row = img.data + (size_t)(top_down ? y : h - 1 - y) * img.bm_stride;
		uint32_t *o = out->px + (size_t)y * w;
		for (uint32_t x = 0; x < w; x++) {
			uint32_t v, idx;
			switch (img.bm_format) {
			case SPICE_BITMAP_FMT_32BIT:
				o[x] = 0xff000000 | (sw_le32(row + 4 * x) & 0xffffff);
				break;
			case SPICE_BITMAP_FMT_RGBA:
				o[x] = sw_le32(row + 4 * x);
				break;
			case SPICE_BITMAP_FMT_24BIT:
				o[x] = 0xff000000 | (uint32_t)row[3 * x] | (uint32_t)row[3 * x + 1] << 8 |
				       (uint32_t)row[3 * x + 2] << 16;
				break;
			case SPICE_BITMAP_FMT_16BIT:
				v = sw_le16(row + 2 * x);
				o[x] = 0xff000000 | expand5((v >> 10) & 0x1f) << 16 | expand5((v >> 5) & 0x1f) << 8 |
				       expand5(v & 0x1f);
				break;
			case SPICE_BITMAP_FMT_8BIT_A:
				o[x] = (uint32_t)row[x] << 24;
				break;
			default:
				switch (img.bm_format) {
				case SPICE_BITMAP_FMT_8BIT: idx = row[x]; break;
				case SPICE_BITMAP_FMT_4BIT_BE: idx = (row[x / 2] >> (x & 1 ? 0 : 4)) & 0xf; break;
				case SPICE_BITMAP_FMT_4BIT_LE: idx = (row[x / 2] >> (x & 1 ? 4 : 0)) & 0xf; break;
				case SPICE_BITMAP_FMT_1BIT_BE: idx = (row[x / 8] >> (7 - x % 8)) & 1; break;
				default: idx = (row[x / 8] >> (x % 8)) & 1; break;
				}
				o[x] = idx < npal ? 0xff000000 | (pal[idx] & 0xffffff) : 0xff000000;
			}
		}
	}
	if (img.flags & (SPICE_IMAGE_FLAGS_CACHE_ME | SPICE_IMAGE_FLAGS_CACHE_REPLACE_ME)) {
		err = cache_add(d, img.id, false, w, h, out->px);
		if (err) {
			free(out->px);
			out->px = NULL;
			return err;
		}
	}
	return 0;
}

static void pix_free(struct pix *p)
{
	if (p->owned)
		free(p->px);
	p->px = NULL;
}

/* ---- raster ops ------------------------------------------------------- */
static inline uint32_t rop(uint16_t r, uint32_t src, uint32_t dst, bool brush)
{
	if (r & (brush ? SPICE_ROPD_INVERS_BRUSH : SPICE_ROPD_INVERS_SRC))
		src = ~src;
	if (r & SPICE_ROPD_INVERS_DEST)
		dst = ~dst;
	uint32_t res;
	if (r & SPICE_ROPD_OP_PUT)
		res = src;
	else if (r & SPICE_ROPD_OP_OR)
		res = src | dst;
	else if (r & SPICE_ROPD_OP_AND)
		res = src & dst;
	else if (r & SPICE_ROPD_OP_XOR)
		res = src ^ dst;
	else if (r & SPICE_ROPD_OP_BLACKNESS)
		res = 0;
	else if (r & SPICE_ROPD_OP_WHITENESS)
		res = 0xffffffff;
	else if (r & SPICE_ROPD_OP_INVERS)
		res = ~dst;
	else
		res = src;
	if (r & SPICE_ROPD_INVERS_RES)
		res = ~res;
	return res;
}

/* Stores a 0xAARRGGBB value into a surface of the given format. */
static inline uint32_t store(uint32_t fmt, uint32_t v)
{
	switch (fmt) {
	case SPICE_SURFACE_FMT_8_A: return v & 0xff000000;
	case SPICE_SURFACE_FMT_1_A: return v & 0x80000000 ? 0xff000000 : 0;
	case SPICE_SURFACE_FMT_16_555:
	case SPICE_SURFACE_FMT_16_565:
		/* keep 16-bit precision semantics simple: 5 bits per channel */
		return 0xff000000 | (v & 0xf8f8f8) | ((v & 0xe0e0e0) >> 5);
	case SPICE_SURFACE_FMT_32_xRGB: return v | 0xff000000;
	}
	return v;
}

struct clip_rects {
	struct sw_rect r[64];
	uint32_t n;
	bool overflow;
};

static bool rect_intersect(struct sw_rect *a, const struct sw_rect *b)
{
	if (b->left > a->left) a->left = b->left;
	if (b->top > a->top) a->top = b->top;
	if (b->right < a->right) a->right = b->right;
	if (b->bottom < a->bottom) a->bottom = b->bottom;
	return a->left < a->right && a->top < a->bottom;
}

/* The rectangles to paint: box ∩ surface ∩ each clip rect. */
static void clip_setup(const struct sw_display_base *base, const struct sw_surface *s, struct clip_rects *c)
{
	struct sw_rect sr = { 0, 0, (int32_t)s->height, (int32_t)s->width };
	struct sw_rect box = base->box;
	c->n = 0;
	c->overflow = false;
	if (!rect_intersect(&box, &sr))
		return;
	if (base->clip.type != SPICE_CLIP_TYPE_RECTS) {
		c->r[c->n++] = box;
		return;
	}
	for (uint32_t i = 0; i < base->clip.num_rects; i++) {
		struct sw_rect r = sw_clip_rect(&base->clip, i);
		if (!rect_intersect(&r, &box))
			continue;
		if (c->n == 64) {
			/* too many rects: paint the remaining ones one at a time later */
			c->overflow = true;
			return;
		}
		c->r[c->n++] = r;
	}
}

/* Iterates the clipped rectangles, processing overflowing clip lists in
 * batches of 64. */
#define FOR_EACH_CLIP(base, s, rc, ...) \
	do { \
		struct sw_display_base b_ = *(base); \
		uint32_t start_ = 0, total_ = b_.clip.type == SPICE_CLIP_TYPE_RECTS ? b_.clip.num_rects : 1; \
		while (start_ < total_) { \
			struct sw_display_base part_ = b_; \
			uint32_t cnt_ = total_ - start_ > 64 ? 64 : total_ - start_; \
			if (b_.clip.type == SPICE_CLIP_TYPE_RECTS) { \
				part_.clip.rects = b_.clip.rects + (size_t)start_ * 16; \
				part_.clip.num_rects = cnt_; \
			} \
			struct clip_rects cr_; \
			clip_setup(&part_, (s), &cr_); \
			for (uint32_t k_ = 0; k_ < cr_.n; k_++) { \
				const struct sw_rect *rc = &cr_.r[k_]; \
				__VA_ARGS__ \
			} \
			start_ += cnt_; \
		} \
	} while (0)

struct maskinfo {
	struct pix m;
	bool present;
	bool invert;
	struct sw_point pos;
	struct sw_rect box;
};

static inline bool mask_allows(const struct maskinfo *mi, int32_t x, int32_t y)
{
	if (!mi->present)
		return true;
	int64_t mx = (int64_t)x - mi->box.left + mi->pos.x, my = (int64_t)y - mi->box.top + mi->pos.y;
	bool on = false;
	if (mx >= 0 && my >= 0 && mx < mi->m.w && my < mi->m.h)
		on = (mi->m.px[(size_t)my * mi->m.w + (size_t)mx] & 0xffffff) != 0;
	return mi->invert ? !on : on;
}

static int mask_setup(struct sw_display *d, const uint8_t *b, size_t n, const struct sw_draw *dr,
		      struct maskinfo *mi)
{
	memset(mi, 0, sizeof(*mi));
	if (!dr->mask.bitmap_off)
		return 0;
	int err = decode_image(d, b, n, dr->mask.bitmap_off, UINT32_MAX, &mi->m);
	if (err)
		return err;
	mi->present = true;
	mi->invert = dr->mask.flags & SPICE_MASK_FLAGS_INVERS;
	mi->pos = dr->mask.pos;
	mi->box = dr->base.box;
	return 0;
}

/* Source pixel for destination (x, y) with nearest scaling. */
static inline bool src_at(const struct pix *p, const struct sw_rect *sa, const struct sw_rect *box, int32_t x,
			  int32_t y, uint32_t *v)
{
	int64_t bw = (int64_t)box->right - box->left, bh = (int64_t)box->bottom - box->top;
	int64_t sw = (int64_t)sa->right - sa->left, sh = (int64_t)sa->bottom - sa->top;
	int64_t sx, sy;
	if (bw <= 0 || bh <= 0 || sw <= 0 || sh <= 0)
		return false;
	/* dx < bw <= 2^32 and sw <= 2^32: the product fits in 64 unsigned bits */
	uint64_t dx = (uint64_t)((int64_t)x - box->left), dy = (uint64_t)((int64_t)y - box->top);
	if (sw == bw)
		sx = sa->left + (int64_t)dx;
	else
		sx = sa->left + (int64_t)(dx * (uint64_t)sw / (uint64_t)bw);
	if (sh == bh)
		sy = sa->top + (int64_t)dy;
	else
		sy = sa->top + (int64_t)(dy * (uint64_t)sh / (uint64_t)bh);
	if (sx < 0 || sy < 0 || sx >= p->w || sy >= p->h)
		return false;
	*v = p->px[(size_t)sy * p->w + (size_t)sx];
	return true;
}


/* ---- composite (Porter-Duff on premultiplied ARGB, like pixman) ------- */
static inline uint32_t mul8(uint32_t a, uint32_t b)
{
	uint32_t t = a * b + 0x80;
	return (t + (t >> 8)) >> 8;
}

/* One channel of op(src, dst) given the source/dest alphas; pixman's
 * Porter-Duff factors Fa (for src) and Fb (for dst). */
static inline uint32_t pd_channel(unsigned op, uint32_t s, uint32_t d, uint32_t sa, uint32_t da)
{
	uint32_t fa, fb;
	switch (op) {
	case 0: fa = 0; fb = 0; break;			/* CLEAR */
	case 1: fa = 255; fb = 0; break;		/* SRC */
	case 2: fa = 0; fb = 255; break;		/* DST */
	case 3: fa = 255; fb = 255 - sa; break;		/* OVER */
	case 4: fa = 255 - da; fb = 255; break;		/* OVER_REVERSE */
	case 5: fa = da; fb = 0; break;			/* IN */
	case 6: fa = 0; fb = sa; break;			/* IN_REVERSE */
	case 7: fa = 255 - da; fb = 0; break;		/* OUT */
	case 8: fa = 0; fb = 255 - sa; break;		/* OUT_REVERSE */
	case 9: fa = da; fb = 255 - sa; break;		/* ATOP */
	case 10: fa = 255 - da; fb = sa; break;		/* ATOP_REVERSE */
	case 11: fa = 255 - da; fb = 255 - sa; break;	/* XOR */
	case 12: fa = 255; fb = 255; break;		/* ADD */
	default: fa = 255; fb = 255 - sa; break;
	}
	uint32_t r = mul8(s, fa) + mul8(d, fb);
	return r > 255 ? 255 : r;
}

/* Pixel of an image at (x, y) with a pixman repeat mode; 0 outside (NONE). */
static inline uint32_t fetch(const struct pix *p, int64_t x, int64_t y, unsigned repeat)
{
	if (!p->w || !p->h)
		return 0;
	if (x < 0 || y < 0 || x >= p->w || y >= p->h) {
		switch (repeat) {
		case 1:	/* NORMAL */
			x %= p->w;
			y %= p->h;
			if (x < 0) x += p->w;
			if (y < 0) y += p->h;
			break;
		case 2:	/* PAD */
			x = x < 0 ? 0 : x >= p->w ? p->w - 1 : x;
			y = y < 0 ? 0 : y >= p->h ? p->h - 1 : y;
			break;
		case 3: {	/* REFLECT */
			int64_t w2 = 2 * (int64_t)p->w, h2 = 2 * (int64_t)p->h;
			x %= w2;
			y %= h2;
			if (x < 0) x += w2;
			if (y < 0) y += h2;
			if (x >= p->w) x = w2 - 1 - x;
			if (y >= p->h) y = h2 - 1 - y;
			break;
		}
		default:
			return 0;
		}
	}
	return p->px[(size_t)y * p->w + (size_t)x];
}

/* Only identity and integer translations are rendered. */
static bool transform_offset(const uint32_t t[6], int64_t *dx, int64_t *dy)
{
	if (t[0] != 0x10000 || t[1] != 0 || t[3] != 0 || t[4] != 0x10000 || (t[2] & 0xffff) || (t[5] & 0xffff))
		return false;
	*dx = (int32_t)t[2] >> 16;
	*dy = (int32_t)t[5] >> 16;
	return true;
}

static int do_composite(struct sw_display *d, const uint8_t *b, size_t n, const struct sw_draw *dr,
			struct sw_surface *s)
{
	uint32_t f = dr->comp_flags;
	unsigned op = f & 0xff;
	int64_t sdx = 0, sdy = 0, mdx = 0, mdy = 0;
	if (op > 12 || ((f & SPICE_COMPOSITE_HAS_SRC_TRANSFORM) && !transform_offset(dr->src_transform, &sdx, &sdy)) ||
	    ((f & SPICE_COMPOSITE_HAS_MASK_TRANSFORM) && !transform_offset(dr->mask_transform, &mdx, &mdy))) {
		d->unrendered++;
		return 0;
	}
	struct pix src, mask;
	memset(&mask, 0, sizeof(mask));
	int err = decode_image(d, b, n, dr->src_off, dr->base.surface_id, &src);
	if (err)
		return err == -EOPNOTSUPP ? 0 : err;
	if ((f & SPICE_COMPOSITE_HAS_MASK) && dr->mask_src_off &&
	    (err = decode_image(d, b, n, dr->mask_src_off, dr->base.surface_id, &mask))) {
		pix_free(&src);
		return err == -EOPNOTSUPP ? 0 : err;
	}
	bool has_mask = mask.px != NULL;
	unsigned srep = (f >> 14) & 3, mrep = (f >> 16) & 3;
	bool ca = f & SPICE_COMPOSITE_COMPONENT_ALPHA;
	bool dst_has_alpha = s->format == SPICE_SURFACE_FMT_32_ARGB || s->format == SPICE_SURFACE_FMT_8_A ||
			     s->format == SPICE_SURFACE_FMT_1_A;
	uint32_t W = s->width;
	const struct sw_display_base *base = &dr->base;
	FOR_EACH_CLIP(base, s, rc, {
		for (int32_t y = rc->top; y < rc->bottom; y++)
			for (int32_t x = rc->left; x < rc->right; x++) {
				int64_t ox = (int64_t)x - base->box.left, oy = (int64_t)y - base->box.top;
				uint32_t sv = fetch(&src, ox + dr->src_origin.x + sdx, oy + dr->src_origin.y + sdy, srep);
				if (f & SPICE_COMPOSITE_SOURCE_OPAQUE)
					sv |= 0xff000000;
				uint32_t mv = 0xffffffff;
				if (has_mask) {
					mv = fetch(&mask, ox + dr->mask_origin.x + mdx, oy + dr->mask_origin.y + mdy, mrep);
					if (f & SPICE_COMPOSITE_MASK_OPAQUE)
						mv |= 0xff000000;
					if (!ca)
						mv = (mv >> 24) * 0x01010101u;
				}
				uint32_t *p = &s->px[(size_t)y * W + (size_t)x];
				uint32_t dv = *p;
				if (!dst_has_alpha || (f & SPICE_COMPOSITE_DEST_OPAQUE))
					dv |= 0xff000000;
				/* src IN mask, per channel (component alpha) or by mask alpha */
				uint32_t sm = 0, sa_c[4];
				for (int k = 0; k < 4; k++) {
					uint32_t m = (mv >> (8 * k)) & 0xff;
					sm |= mul8((sv >> (8 * k)) & 0xff, m) << (8 * k);
					sa_c[k] = mul8(sv >> 24, m);	/* source alpha seen by channel k */
				}
				uint32_t da = dv >> 24, out = 0;
				for (int k = 0; k < 4; k++) {
					uint32_t sa = k == 3 ? (sm >> 24) : sa_c[k];
					out |= pd_channel(op, (sm >> (8 * k)) & 0xff, (dv >> (8 * k)) & 0xff, sa, da)
					       << (8 * k);
				}
				*p = store(s->format, out);
			}
	});
	pix_free(&src);
	pix_free(&mask);
	d->rendered++;
	return 0;
}

static int do_draw(struct sw_display *d, uint16_t type, const uint8_t *b, size_t n)
{
	struct sw_draw dr;
	int err = sw_get_draw(type, b, n, &dr);
	if (err)
		return fail(d, err, "malformed draw message");
	d->draws++;
	struct sw_surface *s = sw_display_surface(d, dr.base.surface_id);
	if (!s)
		return fail(d, -EPROTO, "draw on a missing surface");
	if (dr.base.box.left > dr.base.box.right || dr.base.box.top > dr.base.box.bottom)
		return fail(d, -EINVAL, "draw box is inverted");
	const struct sw_display_base *base = &dr.base;
	uint32_t W = s->width;
	struct maskinfo mi;
	struct pix src;
	memset(&src, 0, sizeof(src));

	switch (type) {
	case SPICE_MSG_DISPLAY_COPY_BITS: {
		/* copy from an unmodified snapshot of the source area */
		struct sw_rect box = base->box;
		int64_t bw = (int64_t)box.right - box.left, bh = (int64_t)box.bottom - box.top;
		if (bw <= 0 || bh <= 0 || (uint64_t)bw * (uint64_t)bh > d->max_pixels)
			return bw < 0 || bh < 0 ? fail(d, -EINVAL, "copy_bits box") : 0;
		uint32_t *tmp = malloc((size_t)bw * (size_t)bh * 4);
		if (!tmp)
			return -ENOMEM;
		for (int64_t y = 0; y < bh; y++)
			for (int64_t x = 0; x < bw; x++) {
				int64_t sx = dr.src_pos.x + x, sy = dr.src_pos.y + y;
				tmp[y * bw + x] = sx >= 0 && sy >= 0 && sx < s->width && sy < s->height
							  ? s->px[(size_t)sy * W + (size_t)sx]
							  : 0;
			}
		FOR_EACH_CLIP(base, s, rc, {
			for (int32_t y = rc->top; y < rc->bottom; y++)
				for (int32_t x = rc->left; x < rc->right; x++)
					s->px[(size_t)y * W + (size_t)x] =
						tmp[((int64_t)y - box.top) * bw + ((int64_t)x - box.left)];
		});
		free(tmp);
		d->rendered++;
		return 0;
	}
	case SPICE_MSG_DISPLAY_DRAW_FILL:
	case SPICE_MSG_DISPLAY_DRAW_BLACKNESS:
	case SPICE_MSG_DISPLAY_DRAW_WHITENESS:
	case SPICE_MSG_DISPLAY_DRAW_INVERS: {
		uint16_t r = dr.rop_descriptor;
		if (type == SPICE_MSG_DISPLAY_DRAW_BLACKNESS)
			r = SPICE_ROPD_OP_BLACKNESS;
		else if (type == SPICE_MSG_DISPLAY_DRAW_WHITENESS)
			r = SPICE_ROPD_OP_WHITENESS;
		else if (type == SPICE_MSG_DISPLAY_DRAW_INVERS)
			r = SPICE_ROPD_OP_INVERS;
		struct pix pat;
		memset(&pat, 0, sizeof(pat));
		if (type == SPICE_MSG_DISPLAY_DRAW_FILL && dr.brush.type == SPICE_BRUSH_TYPE_PATTERN) {
			if ((err = decode_image(d, b, n, dr.brush.pat_off, dr.base.surface_id, &pat)))
				return err == -EOPNOTSUPP ? 0 : err;
			if (!pat.w || !pat.h) {
				pix_free(&pat);
				return fail(d, -EINVAL, "empty pattern");
			}
		} else if (type == SPICE_MSG_DISPLAY_DRAW_FILL && dr.brush.type == SPICE_BRUSH_TYPE_NONE) {
			d->rendered++;
			return 0;
		}
		if ((err = mask_setup(d, b, n, &dr, &mi))) {
			pix_free(&pat);
			return err == -EOPNOTSUPP ? 0 : err;
		}
		FOR_EACH_CLIP(base, s, rc, {
			for (int32_t y = rc->top; y < rc->bottom; y++)
				for (int32_t x = rc->left; x < rc->right; x++) {
					if (!mask_allows(&mi, x, y))
						continue;
					uint32_t c = dr.brush.color;
					if (pat.px) {
						int64_t px = ((int64_t)x - dr.brush.pat_pos.x) % pat.w;
						int64_t py = ((int64_t)y - dr.brush.pat_pos.y) % pat.h;
						if (px < 0) px += pat.w;
						if (py < 0) py += pat.h;
						c = pat.px[(size_t)py * pat.w + (size_t)px];
					}
					uint32_t *p = &s->px[(size_t)y * W + (size_t)x];
					*p = store(s->format, rop(r, c, *p, true));
				}
		});
		pix_free(&pat);
		pix_free(&mi.m);
		d->rendered++;
		return 0;
	}
	case SPICE_MSG_DISPLAY_DRAW_COPY:
	case SPICE_MSG_DISPLAY_DRAW_BLEND:
	case SPICE_MSG_DISPLAY_DRAW_OPAQUE:
	case SPICE_MSG_DISPLAY_DRAW_TRANSPARENT:
	case SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND: {
		if (!dr.src_off) {
			d->unrendered++;
			return 0;
		}
		if ((err = decode_image(d, b, n, dr.src_off, dr.base.surface_id, &src)))
			return err == -EOPNOTSUPP ? 0 : err;
		if ((err = mask_setup(d, b, n, &dr, &mi))) {
			pix_free(&src);
			return err == -EOPNOTSUPP ? 0 : err;
		}
		uint16_t r = dr.rop_descriptor ? dr.rop_descriptor : SPICE_ROPD_OP_PUT;
		FOR_EACH_CLIP(base, s, rc, {
			for (int32_t y = rc->top; y < rc->bottom; y++)
				for (int32_t x = rc->left; x < rc->right; x++) {
					uint32_t v;
					if (!mask_allows(&mi, x, y) || !src_at(&src, &dr.src_area, &base->box, x, y, &v))
						continue;
					uint32_t *p = &s->px[(size_t)y * W + (size_t)x];
					if (type == SPICE_MSG_DISPLAY_DRAW_TRANSPARENT) {
						if ((v & 0xffffff) != (dr.src_color & 0xffffff))
							*p = store(s->format, v);
					} else if (type == SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND) {
						uint32_t a = dr.alpha;
						if (dr.alpha_flags & SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA)
							a = a * (v >> 24) / 255;
						uint32_t out = 0;
						for (int sh = 0; sh < 32; sh += 8) {
							uint32_t sc = (v >> sh) & 0xff, dc = (*p >> sh) & 0xff;
							uint32_t sa = dr.alpha_flags & SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA
									      ? sc * dr.alpha / 255
									      : sc * a / 255;
							uint32_t res = sa + dc * (255 - a) / 255;
							out |= (res > 255 ? 255 : res) << sh;
						}
						*p = store(s->format, out);
					} else {
						*p = store(s->format, rop(r, v, *p, false));
					}
				}
		});
		pix_free(&src);
		pix_free(&mi.m);
		d->rendered++;
		return 0;
	}
	case SPICE_MSG_DISPLAY_DRAW_COMPOSITE:
		return do_composite(d, b, n, &dr, s);
	default:
		/* ROP3, STROKE, TEXT: validated, not rendered */
		d->unrendered++;
		return 0;
	}
}

static int surface_create(struct sw_display *d, const struct sw_surface_create *sc)
{
	if (sc->surface_id > d->max_surface_id)
		return fail(d, -E2BIG, "surface id too large");
	if (sc->width > MAX_SURFACE_DIM || sc->height > MAX_SURFACE_DIM)
		return fail(d, -E2BIG, "surface too large");
	uint64_t np = (uint64_t)sc->width * sc->height;
	if (sc->surface_id >= d->nsurfaces) {
		uint32_t nn = d->nsurfaces ? d->nsurfaces : 16;
		while (nn <= sc->surface_id)
			nn *= 2;
		struct sw_surface *ns = realloc(d->surfaces, (size_t)nn * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		memset(ns + d->nsurfaces, 0, (size_t)(nn - d->nsurfaces) * sizeof(*ns));
		d->surfaces = ns;
		d->nsurfaces = nn;
	}
	struct sw_surface *s = &d->surfaces[sc->surface_id];
	if (s->used)
		return fail(d, -EPROTO, "surface created twice");
	if (d->used_pixels + np > d->max_pixels)
		return fail(d, -E2BIG, "surfaces exceed the pixel limit");
	s->px = calloc(np ? np : 1, 4);
	if (!s->px)
		return -ENOMEM;
	s->used = true;
	s->id = sc->surface_id;
	s->width = sc->width;
	s->height = sc->height;
	s->format = sc->format;
	s->flags = sc->flags;
	if (sc->format == SPICE_SURFACE_FMT_32_xRGB || sc->format == SPICE_SURFACE_FMT_16_555 ||
	    sc->format == SPICE_SURFACE_FMT_16_565)
		for (uint64_t i = 0; i < np; i++)
			s->px[i] = 0xff000000;
	d->used_pixels += np;
	d->surface_creates++;
	if (sc->flags & SPICE_SURFACE_FLAGS_PRIMARY) {
		d->primary_id = sc->surface_id;
		d->have_primary = true;
	}
	return 0;
}

/* ---- video streams ---------------------------------------------------- */

static int stream_create(struct sw_display *d, const struct sw_stream_create *sc)
{
	struct sw_video_stream *st;
	size_t clip_bytes = sc->clip.type == SPICE_CLIP_TYPE_RECTS ? (size_t)sc->clip.num_rects * 16 : 0;

	if (!sw_display_surface(d, sc->surface_id))
		return fail(d, -EPROTO, "stream_create on a missing surface");
	if (d->streams && d->streams[sc->id])
		return fail(d, -EPROTO, "stream_create of a stream that exists");
	if (!d->streams && !(d->streams = calloc(SPICE_MAX_NUM_STREAMS, sizeof(*d->streams))))
		return fail(d, -ENOMEM, "out of memory");
	st = calloc(1, sizeof(*st));
	if (!st || (clip_bytes && !(st->rects = malloc(clip_bytes)))) {
		free(st);
		return fail(d, -ENOMEM, "out of memory");
	}
	st->surface_id = sc->surface_id;
	st->codec = sc->codec_type;
	st->flags = sc->flags;
	st->dest = sc->dest;
	st->clip = sc->clip;
	if (clip_bytes)
		memcpy(st->rects, sc->clip.rects, clip_bytes);
	st->clip.rects = st->rects;
	d->streams[sc->id] = st;
	return 0;
}

static int stream_clip(struct sw_display *d, const struct sw_stream_clip *sc)
{
	struct sw_video_stream *st = d->streams && sc->id < SPICE_MAX_NUM_STREAMS ? d->streams[sc->id] : NULL;
	size_t clip_bytes = sc->clip.type == SPICE_CLIP_TYPE_RECTS ? (size_t)sc->clip.num_rects * 16 : 0;
	uint8_t *rects = NULL;

	if (!st)
		return fail(d, -EPROTO, "stream_clip of a missing stream");
	if (clip_bytes && !(rects = malloc(clip_bytes)))
		return fail(d, -ENOMEM, "out of memory");
	if (clip_bytes)
		memcpy(rects, sc->clip.rects, clip_bytes);
	free(st->rects);
	st->rects = rects;
	st->clip = sc->clip;
	st->clip.rects = rects;
	return 0;
}

/* One frame drawn at its destination, scaled (nearest) and clipped, bottom
 * row first unless the stream is TOP_DOWN. A frame that does not decode is
 * counted, not an error: a client shows the next one. */
static int stream_data(struct sw_display *d, const struct sw_stream_data *sd)
{
	struct sw_video_stream *st = d->streams && sd->id < SPICE_MAX_NUM_STREAMS ? d->streams[sd->id] : NULL;
	struct sw_surface *s;
	uint32_t *px, w, h;

	if (!st)
		return fail(d, -EPROTO, "stream_data of a missing stream");
	s = sw_display_surface(d, st->surface_id);
	if (!s)
		return fail(d, -EPROTO, "stream_data on a missing surface");
	if (st->codec != SPICE_VIDEO_CODEC_TYPE_MJPEG) {
		d->stream_frames_other++;
		d->unrendered++;
		return 0;
	}
	if (sw_mjpeg_decode(sd->data, sd->data_size, d->max_pixels, &px, &w, &h)) {
		d->stream_frames_bad++;
		return 0;
	}
	struct sw_display_base base = { st->surface_id, sd->sized ? sd->dest : st->dest, st->clip };
	int64_t dw = (int64_t)base.box.right - base.box.left, dh = (int64_t)base.box.bottom - base.box.top;
	bool top_down = st->flags & SPICE_STREAM_FLAGS_TOP_DOWN;

	if (dw > 0 && dh > 0) {
		FOR_EACH_CLIP(&base, s, rc, {
			for (int32_t y = rc->top; y < rc->bottom; y++) {
				uint32_t sy = (uint32_t)(((int64_t)y - base.box.top) * h / dh);
				const uint32_t *src = px + (size_t)(top_down ? sy : h - 1 - sy) * w;
				uint32_t *dst = s->px + (size_t)y * s->width;

				for (int32_t x = rc->left; x < rc->right; x++)
					dst[x] = store(s->format, src[((int64_t)x - base.box.left) * w / dw]);
			}
		});
	}
	free(px);
	d->stream_frames++;
	d->rendered++;
	return 0;
}

int sw_display_apply(struct sw_display *d, uint16_t type, const uint8_t *b, size_t n)
{
	int err;

	if (sw_msg_is_draw(type))
		return do_draw(d, type, b, n);
	switch (type) {
	case SPICE_MSG_DISPLAY_SURFACE_CREATE: {
		struct sw_surface_create sc;
		if ((err = sw_get_surface_create(b, n, &sc)))
			return fail(d, err, "malformed surface_create");
		return surface_create(d, &sc);
	}
	case SPICE_MSG_DISPLAY_SURFACE_DESTROY: {
		uint32_t id;
		if ((err = sw_get_u32_msg(b, n, &id)))
			return fail(d, err, "malformed surface_destroy");
		struct sw_surface *s = sw_display_surface(d, id);
		if (!s)
			return fail(d, -EPROTO, "destroy of a missing surface");
		if (d->have_primary && d->primary_id == id)
			d->have_primary = false;
		surface_destroy(d, s);
		return 0;
	}
	case SPICE_MSG_DISPLAY_MONITORS_CONFIG: {
		struct sw_monitors_config mc;
		if ((err = sw_get_monitors_config(b, n, &mc)))
			return fail(d, err, "malformed monitors_config");
		d->nheads = mc.count > SW_MAX_MONITORS ? SW_MAX_MONITORS : mc.count;
		d->max_heads = mc.max_allowed;
		for (uint16_t i = 0; i < d->nheads; i++)
			d->heads[i] = sw_head_at(&mc, i);
		d->have_monitors_config = true;
		return 0;
	}
	case SPICE_MSG_DISPLAY_MARK:
		d->marks++;
		return 0;
	case SPICE_MSG_DISPLAY_RESET:
		streams_destroy(d);
		for (uint32_t i = 0; i < d->nsurfaces; i++)
			if (!(d->surfaces[i].flags & SPICE_SURFACE_FLAGS_PRIMARY))
				surface_destroy(d, &d->surfaces[i]);
		return 0;
	case SPICE_MSG_DISPLAY_INVAL_LIST: {
		struct sw_inval_list l;
		if ((err = sw_get_inval_list(b, n, &l)))
			return fail(d, err, "malformed inval_list");
		for (uint16_t i = 0; i < l.count; i++)
			cache_remove(d, sw_le64(l.raw + 9u * i + 1), false);
		return 0;
	}
	case SPICE_MSG_DISPLAY_INVAL_ALL_PIXMAPS:
		cache_clear(d, false);
		return 0;
	case SPICE_MSG_DISPLAY_INVAL_PALETTE: {
		uint64_t id;
		if ((err = sw_get_u64_msg(b, n, &id)))
			return fail(d, err, "malformed inval_palette");
		cache_remove(d, id, true);
		return 0;
	}
	case SPICE_MSG_DISPLAY_INVAL_ALL_PALETTES:
		cache_clear(d, true);
		return 0;
	case SPICE_MSG_DISPLAY_STREAM_CREATE: {
		struct sw_stream_create sc;
		if ((err = sw_get_stream_create(b, n, &sc)))
			return fail(d, err, "malformed stream_create");
		return stream_create(d, &sc);
	}
	case SPICE_MSG_DISPLAY_STREAM_CLIP: {
		struct sw_stream_clip sc;
		if ((err = sw_get_stream_clip(b, n, &sc)))
			return fail(d, err, "malformed stream_clip");
		return stream_clip(d, &sc);
	}
	case SPICE_MSG_DISPLAY_STREAM_DATA:
	case SPICE_MSG_DISPLAY_STREAM_DATA_SIZED: {
		struct sw_stream_data sd;
		if ((err = sw_get_stream_data(b, n, type == SPICE_MSG_DISPLAY_STREAM_DATA_SIZED, &sd)))
			return fail(d, err, "malformed stream_data");
		return stream_data(d, &sd);
	}
	case SPICE_MSG_DISPLAY_STREAM_DESTROY: {
		uint32_t id;
		if ((err = sw_get_u32_msg(b, n, &id)))
			return fail(d, err, "malformed stream_destroy");
		stream_destroy(d, id);
		return 0;
	}
	case SPICE_MSG_DISPLAY_STREAM_DESTROY_ALL:
		streams_destroy(d);
		return 0;
	}
	return sw_validate(SPICE_CHANNEL_DISPLAY, true, type, b, n);
}

int sw_display_save_png(struct sw_display *d, uint32_t id, const struct sw_rect *crop, const char *path)
{
	struct sw_surface *s = sw_display_surface(d, id);
	if (!s)
		return fail(d, -EINVAL, "no such surface");
	struct sw_rect r = { 0, 0, (int32_t)s->height, (int32_t)s->width };
	if (crop) {
		struct sw_rect c = *crop;
		if (!rect_intersect(&c, &r))
			return fail(d, -EINVAL, "crop outside the surface");
		r = c;
	}
	int ch = 3;
	if (s->format == SPICE_SURFACE_FMT_32_ARGB)
		ch = 4;
	else if (s->format == SPICE_SURFACE_FMT_8_A || s->format == SPICE_SURFACE_FMT_1_A)
		ch = 1;
	return sw_png_write(path, s->px + (size_t)r.top * s->width + (size_t)r.left, (uint32_t)(r.right - r.left),
			    (uint32_t)(r.bottom - r.top), s->width, ch);
}
