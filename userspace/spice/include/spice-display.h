/* SPDX-License-Identifier: MIT */
/*
 * A model of what a SPICE display channel shows: surfaces (32_xRGB, 32_ARGB,
 * 16_555, 16_565, 8_A, 1_A) updated by the draw messages a client receives,
 * with uncompressed bitmaps, surface sources and the pixmap/palette caches.
 *
 * Rendered exactly: FILL (solid and pattern brush), COPY, BLEND, OPAQUE
 * (brush ignored), COPY_BITS, BLACKNESS, WHITENESS, INVERS, TRANSPARENT,
 * ALPHA_BLEND with the ROP descriptors PUT/OR/AND/XOR/BLACKNESS/WHITENESS/
 * INVERS and their inversion bits, 1-bit masks, nearest scaling; COMPOSITE
 * with the Porter-Duff ops CLEAR..ADD (0-12) on premultiplied ARGB, a mask
 * (unified or component alpha), repeat NONE/NORMAL/PAD/REFLECT, the
 * SOURCE/MASK/DEST_OPAQUE overrides and identity or integer-translation
 * transforms.
 * Counted as not rendered (sw_display.unrendered): ROP3, STROKE, TEXT,
 * COMPOSITE with other ops or scaling/rotating transforms, compressed images
 * (QUIC, LZ, GLZ, JPEG, LZ4), streams.
 */
#ifndef SPICE_DISPLAY_H
#define SPICE_DISPLAY_H

#include "spice-wire.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sw_surface {
	bool used;
	uint32_t id, width, height, format, flags;
	uint32_t *px;	/* width*height pixels, 0xAARRGGBB; A8/1A keep alpha in AA */
};

struct sw_cache_entry;

struct sw_display {
	struct sw_surface *surfaces;
	uint32_t nsurfaces;		/* slots allocated */
	uint32_t max_surface_id;	/* ids above are rejected */
	uint64_t max_pixels;		/* bound on all surface + cache pixels */
	uint64_t used_pixels;
	struct sw_head heads[SW_MAX_MONITORS];
	uint16_t nheads;
	uint16_t max_heads;
	bool have_monitors_config;
	uint32_t primary_id;
	bool have_primary;
	struct sw_cache_entry *cache;	/* pixmap + palette cache, list */
	uint64_t cache_pixels;
	/* statistics */
	uint64_t draws, rendered, unrendered;
	uint64_t marks, surface_creates;
	char last_error[200];
};

void sw_display_init(struct sw_display *d, uint64_t max_pixels);
void sw_display_free(struct sw_display *d);
/* Applies one server display message. Returns 0, or a negative errno
 * for a malformed message or one that references a missing surface/cache
 * entry (the caller should treat that as a protocol error). A message the
 * model does not render returns 0 and increments d->unrendered. */
int sw_display_apply(struct sw_display *d, uint16_t type, const uint8_t *body, size_t len);
struct sw_surface *sw_display_surface(struct sw_display *d, uint32_t id);
/* Saves a surface (crop may be NULL for all of it) as an 8-bit PNG: RGB for
 * xRGB/16-bit surfaces, RGBA for ARGB, gray for A8/1A. */
int sw_display_save_png(struct sw_display *d, uint32_t surface_id, const struct sw_rect *crop,
			const char *path);
/* Writes a PNG from 0xAARRGGBB pixels. channels: 1 (gray from AA), 3, 4. */
int sw_png_write(const char *path, const uint32_t *px, uint32_t width, uint32_t height,
		 size_t stride_px, int channels);

#ifdef __cplusplus
}
#endif
#endif
