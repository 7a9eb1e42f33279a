// SPDX-License-Identifier: MIT
/*
 * Pixel formats: names, sizes, pixman equivalents, and how pixels of each
 * format reach the device (the bitmap formats the driver accepts are 16BIT,
 * 32BIT, RGBA and 8BIT_A; 565 and A1 pixels are widened by pixman first, which
 * the device narrows back exactly).
 */
#include <errno.h>
#include <stddef.h>

#include "private.h"

struct qxl_format_desc {
	enum qxl_format format;
	const char *name;
	unsigned int bpp;
	pixman_format_code_t pixman;
	uint8_t bitmap;			/* SPICE_BITMAP_FMT_* sent to the device */
	pixman_format_code_t upload;	/* pixman format of that bitmap */
};

static const struct qxl_format_desc qxl_formats[] = {
	{ QXL_FORMAT_A1, "A1", 1, PIXMAN_a1, SPICE_BITMAP_FMT_RGBA, PIXMAN_a8r8g8b8 },
	{ QXL_FORMAT_A8, "A8", 8, PIXMAN_a8, SPICE_BITMAP_FMT_8BIT_A, PIXMAN_a8 },
	{ QXL_FORMAT_RGB555, "RGB555", 16, PIXMAN_x1r5g5b5, SPICE_BITMAP_FMT_16BIT,
	  PIXMAN_x1r5g5b5 },
	{ QXL_FORMAT_XRGB8888, "XRGB8888", 32, PIXMAN_x8r8g8b8, SPICE_BITMAP_FMT_32BIT,
	  PIXMAN_x8r8g8b8 },
	{ QXL_FORMAT_RGB565, "RGB565", 16, PIXMAN_r5g6b5, SPICE_BITMAP_FMT_32BIT,
	  PIXMAN_x8r8g8b8 },
	{ QXL_FORMAT_ARGB8888, "ARGB8888", 32, PIXMAN_a8r8g8b8, SPICE_BITMAP_FMT_RGBA,
	  PIXMAN_a8r8g8b8 },
};

static const struct qxl_format_desc *qxl_format_find(uint32_t format)
{
	size_t i;

	for (i = 0; i < sizeof(qxl_formats) / sizeof(qxl_formats[0]); i++)
		if ((uint32_t)qxl_formats[i].format == format)
			return &qxl_formats[i];
	return NULL;
}

bool qxl_format_valid(uint32_t format)
{
	return qxl_format_find(format) != NULL;
}

QXL_PUBLIC const char *qxl_format_name(enum qxl_format format)
{
	const struct qxl_format_desc *d = qxl_format_find(format);

	return d ? d->name : NULL;
}

QXL_PUBLIC unsigned int qxl_format_bpp(enum qxl_format format)
{
	const struct qxl_format_desc *d = qxl_format_find(format);

	return d ? d->bpp : 0;
}

/* Smallest stride the device accepts: whole pixels, a multiple of 4 bytes. */
uint32_t qxl_format_min_stride(enum qxl_format format, uint32_t width)
{
	uint64_t bits = (uint64_t)width * qxl_format_bpp(format);

	return (uint32_t)(((bits + 31) / 32) * 4);
}

pixman_format_code_t qxl_format_pixman(enum qxl_format format)
{
	const struct qxl_format_desc *d = qxl_format_find(format);

	return d ? d->pixman : PIXMAN_a8r8g8b8;
}

uint8_t qxl_format_bitmap(enum qxl_format format, pixman_format_code_t *upload_format)
{
	const struct qxl_format_desc *d = qxl_format_find(format);

	*upload_format = d ? d->upload : PIXMAN_a8r8g8b8;
	return d ? d->bitmap : SPICE_BITMAP_FMT_INVALID;
}

/* The raw pixel of @format for a premultiplied a8r8g8b8 color, as pixman's SRC. */
uint32_t qxl_format_color(enum qxl_format format, uint32_t argb)
{
	uint32_t r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;

	switch (format) {
	case QXL_FORMAT_A1:
		return argb >> 31;
	case QXL_FORMAT_A8:
		return argb >> 24;
	case QXL_FORMAT_RGB555:
		return ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
	case QXL_FORMAT_RGB565:
		return ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
	case QXL_FORMAT_XRGB8888:
		return argb & 0xffffff;
	case QXL_FORMAT_ARGB8888:
	default:
		return argb;
	}
}

/*
 * Convert the (sx, sy, w, h) rectangle of @src into @dst at (0, 0) with
 * pixman's SRC operator. Strides must be multiples of 4 (pixman's rule).
 */
int qxl_convert_rect(pixman_format_code_t src_fmt, const void *src, uint32_t src_stride,
		     int32_t sx, int32_t sy, pixman_format_code_t dst_fmt, void *dst,
		     uint32_t dst_stride, uint32_t w, uint32_t h)
{
	pixman_image_t *s, *d;
	int32_t src_w = sx + (int32_t)w, src_h = sy + (int32_t)h;

	if ((src_stride | dst_stride) & 3)
		return -EINVAL;
	s = pixman_image_create_bits(src_fmt, src_w, src_h, (uint32_t *)(uintptr_t)src,
				     (int)src_stride);
	d = pixman_image_create_bits(dst_fmt, (int)w, (int)h, dst, (int)dst_stride);
	if (!s || !d) {
		if (s)
			pixman_image_unref(s);
		if (d)
			pixman_image_unref(d);
		return -ENOMEM;
	}
	pixman_image_composite32(PIXMAN_OP_SRC, s, NULL, d, sx, sy, 0, 0, 0, 0,
				 (int)w, (int)h);
	pixman_image_unref(s);
	pixman_image_unref(d);
	return 0;
}
