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

/**
 * struct sw_surface - one surface of the model
 * @used: the slot holds a surface
 * @id: the surface id
 * @width: width in pixels
 * @height: height in pixels
 * @format: SPICE_SURFACE_FMT_*
 * @flags: SPICE_SURFACE_FLAGS_* of its SURFACE_CREATE
 * @px: width*height pixels, 0xAARRGGBB; A8/1A keep alpha in AA
 */
struct sw_surface {
	bool used;
	uint32_t id, width, height, format, flags;
	uint32_t *px;
};

struct sw_cache_entry;
struct sw_video_stream;

/**
 * struct sw_display - what a display channel shows
 * @surfaces: the surface slots, indexed by id
 * @nsurfaces: slots allocated
 * @max_surface_id: ids above are rejected
 * @max_pixels: bound on all surface + cache pixels
 * @used_pixels: surface + cache pixels held now
 * @heads: the heads of the last MONITORS_CONFIG
 * @nheads: how many of @heads are valid
 * @max_heads: its max_allowed
 * @have_monitors_config: a MONITORS_CONFIG was applied
 * @primary_id: the id of the primary surface
 * @have_primary: a primary surface exists
 * @cache: pixmap + palette cache, list
 * @cache_pixels: pixels held by the pixmap cache
 * @streams: SPICE_MAX_NUM_STREAMS video stream slots of STREAM_CREATE,
 *	allocated at the first
 * @draws: draw messages applied
 * @rendered: draws rendered
 * @unrendered: messages counted as not rendered (see the overview)
 * @marks: MARK messages
 * @surface_creates: SURFACE_CREATE messages
 * @stream_frames: MJPEG stream frames decoded and drawn
 * @stream_frames_bad: MJPEG stream frames that did not decode (skipped)
 * @stream_frames_other: frames of other codecs (counted, not drawn)
 * @last_error: the reason for the last failure
 */
struct sw_display {
	struct sw_surface *surfaces;
	uint32_t nsurfaces;
	uint32_t max_surface_id;
	uint64_t max_pixels;
	uint64_t used_pixels;
	struct sw_head heads[SW_MAX_MONITORS];
	uint16_t nheads;
	uint16_t max_heads;
	bool have_monitors_config;
	uint32_t primary_id;
	bool have_primary;
	struct sw_cache_entry *cache;
	uint64_t cache_pixels;
	struct sw_video_stream **streams;
	/* statistics */
	uint64_t draws, rendered, unrendered;
	uint64_t marks, surface_creates;
	uint64_t stream_frames, stream_frames_bad, stream_frames_other;
	char last_error[200];
};

/**
 * sw_display_init() - set up an empty model
 * @d: the model
 * @max_pixels: bound on all surface + cache pixels; 0 for 256 Mi
 */
void sw_display_init(struct sw_display *d, uint64_t max_pixels);

/**
 * sw_display_free() - free all surfaces and caches and clear the model
 * @d: the model
 */
void sw_display_free(struct sw_display *d);

/**
 * sw_display_apply() - apply one server display message
 * @d: the model
 * @type: the message type
 * @body: the message body, @len bytes
 * @len: the body size
 *
 * A message the model does not render returns 0 and increments
 * @d->unrendered.
 *
 * Return: 0, or a negative errno for a malformed message or one that
 * references a missing surface/cache entry (the caller should treat that as
 * a protocol error); @d->last_error says why.
 */
int sw_display_apply(struct sw_display *d, uint16_t type, const uint8_t *body, size_t len);

/**
 * sw_display_surface() - look a surface up
 * @d: the model
 * @id: the surface id
 *
 * Return: the surface, or NULL if there is none with that id.
 */
struct sw_surface *sw_display_surface(struct sw_display *d, uint32_t id);

/**
 * sw_display_save_png() - save a surface as an 8-bit PNG
 * @d: the model
 * @surface_id: the surface
 * @crop: the part to save, or NULL for all of it
 * @path: the file to write
 *
 * RGB for xRGB/16-bit surfaces, RGBA for ARGB, gray for A8/1A.
 *
 * Return: 0, -EINVAL for a missing surface or a crop outside it, or
 * sw_png_write()'s error.
 */
int sw_display_save_png(struct sw_display *d, uint32_t surface_id, const struct sw_rect *crop,
			const char *path);

/**
 * sw_png_write() - write a PNG from 0xAARRGGBB pixels
 * @path: the file to write
 * @px: the first pixel
 * @width: pixels per row
 * @height: rows
 * @stride_px: pixels from one row to the next, at least @width
 * @channels: 1 (gray from AA), 3 (RGB) or 4 (RGBA)
 *
 * Return: 0, -EINVAL for a bad argument, -EOVERFLOW, -ENOMEM, or -EIO if
 * libpng failed.
 */
int sw_png_write(const char *path, const uint32_t *px, uint32_t width, uint32_t height,
		 size_t stride_px, int channels);

#ifdef __cplusplus
}
#endif
#endif
