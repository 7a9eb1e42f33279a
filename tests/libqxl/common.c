// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the libqxl guest programs (common.h).
 */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

pixman_format_code_t fmt_pixman(enum qxl_format f)
{
	switch (f) {
	case QXL_FORMAT_A1:
		return PIXMAN_a1;
	case QXL_FORMAT_A8:
		return PIXMAN_a8;
	case QXL_FORMAT_RGB555:
		return PIXMAN_x1r5g5b5;
	case QXL_FORMAT_RGB565:
		return PIXMAN_r5g6b5;
	case QXL_FORMAT_XRGB8888:
		return PIXMAN_x8r8g8b8;
	case QXL_FORMAT_ARGB8888:
	default:
		return PIXMAN_a8r8g8b8;
	}
}

/* Bits of a raw pixel that are defined (the X byte of xRGB is not). */
uint32_t fmt_channel_mask(enum qxl_format f)
{
	switch (f) {
	case QXL_FORMAT_A1:
		return 1;
	case QXL_FORMAT_A8:
		return 0xff;
	case QXL_FORMAT_RGB555:
		return 0x7fff;
	case QXL_FORMAT_RGB565:
		return 0xffff;
	case QXL_FORMAT_XRGB8888:
		return 0xffffff;
	case QXL_FORMAT_ARGB8888:
	default:
		return 0xffffffff;
	}
}

uint32_t rnd(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int twin_new(struct qxl_device *dev, enum qxl_format f, uint32_t w, uint32_t h,
	     struct twin *t)
{
	int ret;

	memset(t, 0, sizeof(*t));
	ret = qxl_surface_new(dev, f, w, h, &t->surf);
	if (ret)
		return ret;
	t->ref = pixman_image_create_bits(fmt_pixman(f), (int)w, (int)h, NULL, 0);
	if (!t->ref) {
		qxl_surface_free(t->surf);
		return -ENOMEM;
	}
	t->format = f;
	t->width = w;
	t->height = h;
	return 0;
}

void twin_free(struct twin *t)
{
	qxl_surface_free(t->surf);
	if (t->ref)
		pixman_image_unref(t->ref);
	memset(t, 0, sizeof(*t));
}

uint32_t img_pixel(pixman_image_t *img, int x, int y)
{
	const uint8_t *row = (const uint8_t *)pixman_image_get_data(img) +
			     (size_t)y * (size_t)pixman_image_get_stride(img);
	int bpp = PIXMAN_FORMAT_BPP(pixman_image_get_format(img));

	switch (bpp) {
	case 1:
		return (((const uint32_t *)(const void *)row)[x / 32] >> (x % 32)) & 1;
	case 8:
		return row[x];
	case 16:
		return ((const uint16_t *)(const void *)row)[x];
	default:
		return ((const uint32_t *)(const void *)row)[x];
	}
}

/*
 * A pattern with every channel varied: premultiplied ARGB (color <= alpha),
 * some fully transparent and fully opaque pixels, and gradients so that
 * bilinear filtering has something to interpolate.
 */
int twin_pattern(struct twin *t, uint32_t seed)
{
	uint8_t *data = (uint8_t *)pixman_image_get_data(t->ref);
	int stride = pixman_image_get_stride(t->ref);
	pixman_image_t *argb;
	uint32_t *px, x, y, s = seed;

	argb = pixman_image_create_bits(PIXMAN_a8r8g8b8, (int)t->width, (int)t->height, NULL, 0);
	if (!argb)
		return -ENOMEM;
	px = pixman_image_get_data(argb);
	for (y = 0; y < t->height; y++) {
		for (x = 0; x < t->width; x++) {
			uint32_t r = rnd(&s), a, c;

			a = (r & 7) == 0 ? 0 : (r & 7) == 1 ? 255 : (x * 13 + y * 7 + (r >> 24)) & 255;
			c = a ? (((r >> 8) & 255) * a / 255) << 16 |
				((x * 255 / t->width) * a / 255) << 8 | (((r >> 16) & 255) * a / 255)
			      : 0;
			px[y * t->width + x] = a << 24 | c;
		}
	}
	/* into the twin's format as pixman converts */
	pixman_image_composite32(PIXMAN_OP_SRC, argb, NULL, t->ref, 0, 0, 0, 0, 0, 0,
				 (int)t->width, (int)t->height);
	pixman_image_unref(argb);
	return qxl_surface_upload(t->surf, 0, 0, t->width, t->height, data, (uint32_t)stride);
}

static unsigned int chan_diff(enum qxl_format f, uint32_t a, uint32_t b)
{
	unsigned int max = 0, shift;

	if (f == QXL_FORMAT_A1 || f == QXL_FORMAT_RGB555 || f == QXL_FORMAT_RGB565)
		return a == b ? 0 : 255;
	for (shift = 0; shift < 32; shift += 8) {
		int da = (int)((a >> shift) & 255) - (int)((b >> shift) & 255);
		unsigned int d = (unsigned int)(da < 0 ? -da : da);

		if (d > max)
			max = d;
	}
	return max;
}

int twin_compare(struct twin *t, unsigned int tol, struct diff *d)
{
	pixman_image_t *got;
	uint32_t mask = fmt_channel_mask(t->format), x, y;
	int ret;

	memset(d, 0, sizeof(*d));
	d->x = d->y = -1;
	got = pixman_image_create_bits(fmt_pixman(t->format), (int)t->width, (int)t->height,
				       NULL, 0);
	if (!got)
		return -ENOMEM;
	ret = qxl_surface_download(t->surf, 0, 0, t->width, t->height,
				   pixman_image_get_data(got),
				   (uint32_t)pixman_image_get_stride(got));
	if (ret) {
		pixman_image_unref(got);
		return ret;
	}
	for (y = 0; y < t->height; y++) {
		for (x = 0; x < t->width; x++) {
			uint32_t g = img_pixel(got, (int)x, (int)y) & mask;
			uint32_t w = img_pixel(t->ref, (int)x, (int)y) & mask;
			unsigned int cd = chan_diff(t->format, g, w);

			if (cd > d->max)
				d->max = cd;
			if (cd > tol) {
				if (!d->pixels) {
					d->x = (int)x;
					d->y = (int)y;
					d->got = g;
					d->want = w;
				}
				d->pixels++;
			}
		}
	}
	pixman_image_unref(got);
	return 0;
}
