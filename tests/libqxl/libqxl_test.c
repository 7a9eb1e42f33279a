// SPDX-License-Identifier: MIT
/*
 * libqxl in the guest: device info and heads, then for every surface format
 * upload/download, fill, copy, copy_bits (scroll) and image copies, each
 * read back with UPDATE_AREA and compared with pixman doing the same on a
 * twin image; then the library's argument checks.
 *
 * usage: libqxl_test
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "qtest.h"

static struct qxl_device *dev;

static const enum qxl_format formats[] = {
	QXL_FORMAT_A1, QXL_FORMAT_A8, QXL_FORMAT_RGB555, QXL_FORMAT_XRGB8888,
	QXL_FORMAT_RGB565, QXL_FORMAT_ARGB8888,
};

#define W 61
#define H 37

static void report_diff(const char *name, int ret, const struct diff *d, const char *what)
{
	if (ret)
		qt_result(name, QT_FAIL, "%s: %s", what, strerror(-ret));
	else if (d->pixels)
		qt_result(name, QT_FAIL, "%s: %llu pixels differ, first (%d,%d) got 0x%x want 0x%x",
			  what, (unsigned long long)d->pixels, d->x, d->y, d->got, d->want);
	else
		qt_result(name, QT_PASS, "%s: exact", what);
}

static void set_pixel(pixman_image_t *img, int x, int y, uint32_t v)
{
	uint8_t *row = (uint8_t *)pixman_image_get_data(img) +
		       (size_t)y * (size_t)pixman_image_get_stride(img);

	switch (PIXMAN_FORMAT_BPP(pixman_image_get_format(img))) {
	case 1: {
		uint32_t *w = &((uint32_t *)(void *)row)[x / 32];

		*w = (*w & ~(1u << (x % 32))) | (v & 1) << (x % 32);
		break;
	}
	case 8:
		row[x] = (uint8_t)v;
		break;
	case 16:
		((uint16_t *)(void *)row)[x] = (uint16_t)v;
		break;
	default:
		((uint32_t *)(void *)row)[x] = v;
	}
}

/* The raw pixel pixman's SRC gives for a premultiplied a8r8g8b8 color. */
static uint32_t pixman_raw(enum qxl_format f, uint32_t argb)
{
	pixman_image_t *s = pixman_image_create_bits(PIXMAN_a8r8g8b8, 1, 1, &argb, 4);
	pixman_image_t *d = pixman_image_create_bits(fmt_pixman(f), 1, 1, NULL, 0);
	uint32_t v;

	pixman_image_composite32(PIXMAN_OP_SRC, s, NULL, d, 0, 0, 0, 0, 0, 0, 1, 1);
	v = img_pixel(d, 0, 0);
	pixman_image_unref(s);
	pixman_image_unref(d);
	return v;
}

static void t_device(void)
{
	struct qxl_device_info info;
	struct qxl_head heads[8];
	int ret, n;

	ret = qxl_device_query(dev, &info);
	if (ret) {
		qt_result("device-info", QT_FAIL, "query: %s", strerror(-ret));
		return;
	}
	qt_result("device-info", info.num_surfaces == 1024 && info.max_relocs == 96 &&
		  (info.driver_major || info.driver_minor) ? QT_PASS : QT_FAIL,
		  "%s, qxl-ng %u.%u, %u surfaces, %u relocs, caps 0x%x", info.node,
		  info.driver_major, info.driver_minor, info.num_surfaces, info.max_relocs,
		  info.client_caps);
	qt_result("device-render-node", info.render_node ? QT_PASS : QT_FAIL,
		  "libqxl opened %s", info.node);
	n = qxl_device_heads(dev, heads, 8);
	if (n < 1) {
		qt_result("device-heads", QT_FAIL, "%d heads (%s)", n, n < 0 ? strerror(-n) : "");
		return;
	}
	ret = qxl_device_modes(dev, heads[0].connector_id, NULL, 0);
	qt_result("device-heads", ret > 0 && (uint32_t)ret == heads[0].num_modes ? QT_PASS :
		  QT_FAIL, "%d heads, %s %s %ux%u, %d modes", n, heads[0].name,
		  heads[0].connected ? "connected" : "disconnected", heads[0].width,
		  heads[0].height, ret);
	qt_result("device-modes-unknown-connector",
		  qxl_device_modes(dev, 999999, NULL, 0) == -ENOENT ? QT_PASS : QT_FAIL, "");
}

static void t_upload(enum qxl_format f, struct twin *t)
{
	char name[64];
	struct diff d;
	int ret;

	snprintf(name, sizeof(name), "%s-upload", qxl_format_name(f));
	ret = twin_pattern(t, 1234 + (uint32_t)f);
	if (!ret)
		ret = twin_compare(t, 0, &d);
	report_diff(name, ret, &d, "whole surface");

	/* a sub-rectangle at an odd position, with a padded stride */
	snprintf(name, sizeof(name), "%s-upload-subrect", qxl_format_name(f));
	{
		static uint32_t bits[80 * 11 / 4];
		pixman_image_t *p = pixman_image_create_bits(fmt_pixman(f), 19, 11, bits, 80);
		uint32_t s = 99, x, y;

		for (y = 0; y < 11; y++)
			for (x = 0; x < 19; x++)
				set_pixel(p, (int)x, (int)y, rnd(&s) & fmt_channel_mask(f));
		ret = qxl_surface_upload(t->surf, 33, 7, 19, 11, bits, 80);
		pixman_image_composite32(PIXMAN_OP_SRC, p, NULL, t->ref, 0, 0, 0, 0, 33, 7, 19, 11);
		pixman_image_unref(p);
		if (!ret)
			ret = twin_compare(t, 0, &d);
		report_diff(name, ret, &d, "19x11 at (33,7), stride 80");
	}
}

static void t_fill(enum qxl_format f, struct twin *t)
{
	static const uint32_t colors[] = { 0xff123456, 0x80402010, 0x00000000, 0xffffffff,
					   0x7f7f0000 };
	char name[64];
	struct diff d;
	unsigned int i;
	int ret, x, y;

	snprintf(name, sizeof(name), "%s-fill", qxl_format_name(f));
	ret = twin_pattern(t, 55);
	for (i = 0; i < 5 && !ret; i++) {
		int rx = (int)(i * 7), ry = (int)(i * 5), rw = 30 - (int)i, rh = 20 - (int)i;
		uint32_t raw = pixman_raw(f, colors[i]);

		ret = qxl_surface_fill(t->surf, rx, ry, (uint32_t)rw, (uint32_t)rh, colors[i]);
		for (y = ry; y < ry + rh; y++)
			for (x = rx; x < rx + rw; x++)
				set_pixel(t->ref, x, y, raw);
	}
	if (!ret)
		ret = twin_compare(t, 0, &d);
	report_diff(name, ret, &d, "5 overlapping rectangles");
}

static void t_copy(enum qxl_format f, struct twin *t)
{
	struct twin src;
	char name[64];
	struct diff d;
	int ret;

	snprintf(name, sizeof(name), "%s-copy", qxl_format_name(f));
	ret = twin_pattern(t, 66);
	if (!ret)
		ret = twin_new(dev, f, 40, 30, &src);
	if (ret) {
		qt_result(name, QT_FAIL, "source surface: %s", strerror(-ret));
		return;
	}
	ret = twin_pattern(&src, 777);
	if (!ret)
		ret = qxl_surface_copy(t->surf, 20, 3, src.surf, 5, 6, 35, 24);
	pixman_image_composite32(PIXMAN_OP_SRC, src.ref, NULL, t->ref, 5, 6, 0, 0, 20, 3, 35, 24);
	if (!ret)
		ret = twin_compare(t, 0, &d);
	report_diff(name, ret, &d, "35x24 from (5,6) of another surface to (20,3)");
	twin_free(&src);
}

static void ref_move(pixman_image_t *ref, int sx, int sy, int dx, int dy, int w, int h)
{
	pixman_image_t *tmp = pixman_image_create_bits(pixman_image_get_format(ref), w, h,
						      NULL, 0);

	pixman_image_composite32(PIXMAN_OP_SRC, ref, NULL, tmp, sx, sy, 0, 0, 0, 0, w, h);
	pixman_image_composite32(PIXMAN_OP_SRC, tmp, NULL, ref, 0, 0, 0, 0, dx, dy, w, h);
	pixman_image_unref(tmp);
}

static void t_copy_bits(enum qxl_format f, struct twin *t)
{
	static const int moves[][6] = {
		{ 0, 5, 0, 0, W, H - 5 },	/* scroll up */
		{ 0, 0, 0, 3, W, H - 3 },	/* scroll down */
		{ 4, 0, 0, 0, W - 4, H },	/* left */
		{ 0, 0, 9, 0, W - 9, H },	/* right */
		{ 10, 10, 13, 12, 20, 15 },	/* diagonal, overlapping */
	};
	char name[64];
	struct diff d;
	unsigned int i;
	int ret = twin_pattern(t, 4321);

	snprintf(name, sizeof(name), "%s-copy-bits", qxl_format_name(f));
	for (i = 0; i < 5 && !ret; i++) {
		const int *m = moves[i];

		ret = qxl_surface_copy_bits(t->surf, m[0], m[1], m[2], m[3], (uint32_t)m[4],
					    (uint32_t)m[5]);
		ref_move(t->ref, m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	if (!ret)
		ret = twin_compare(t, 0, &d);
	report_diff(name, ret, &d, "up, down, left, right, overlapping diagonal");
}

static void t_image(enum qxl_format f, struct twin *t)
{
	static uint32_t argb[16 * 12];
	struct qxl_image *img = NULL;
	uint32_t s = 5, i;
	char name[64];
	struct diff d;
	int ret;

	snprintf(name, sizeof(name), "%s-draw-image", qxl_format_name(f));
	ret = twin_pattern(t, 88);
	for (i = 0; i < 16 * 12; i++) {
		uint32_t a = rnd(&s) & 255;

		argb[i] = a << 24 | (a / 2) << 16 | (a / 3) << 8 | (a / 4);
	}
	if (!ret)
		ret = qxl_image_new(dev, QXL_FORMAT_ARGB8888, 16, 12, argb, 64, &img);
	if (!ret)
		ret = qxl_surface_draw_image(t->surf, 2, 3, img, 0, 0, 16, 12);
	if (!ret)
		ret = qxl_surface_draw_image(t->surf, 40, 20, img, 4, 2, 10, 9);
	{
		pixman_image_t *p = pixman_image_create_bits(PIXMAN_a8r8g8b8, 16, 12, argb, 64);

		pixman_image_composite32(PIXMAN_OP_SRC, p, NULL, t->ref, 0, 0, 0, 0, 2, 3, 16, 12);
		pixman_image_composite32(PIXMAN_OP_SRC, p, NULL, t->ref, 4, 2, 0, 0, 40, 20, 10, 9);
		pixman_image_unref(p);
	}
	if (!ret)
		ret = twin_compare(t, 0, &d);
	report_diff(name, ret, &d, "an ARGB image, converted by the device, drawn twice");
	qxl_image_free(img);

	/* an A1 image: libqxl widens it to RGBA, the device narrows it again */
	snprintf(name, sizeof(name), "%s-draw-a1-image", qxl_format_name(f));
	{
		static uint32_t bits[2 * 5];
		pixman_image_t *p = pixman_image_create_bits(PIXMAN_a1, 45, 5, bits, 8);

		img = NULL;
		for (i = 0; i < 10; i++)
			bits[i] = rnd(&s);
		ret = twin_pattern(t, 89);
		if (!ret)
			ret = qxl_image_new(dev, QXL_FORMAT_A1, 45, 5, bits, 8, &img);
		if (!ret)
			ret = qxl_surface_draw_image(t->surf, 7, 30, img, 0, 0, 45, 5);
		pixman_image_composite32(PIXMAN_OP_SRC, p, NULL, t->ref, 0, 0, 0, 0, 7, 30, 45, 5);
		pixman_image_unref(p);
		if (!ret)
			ret = twin_compare(t, 0, &d);
		report_diff(name, ret, &d, "a 45x5 A1 image");
		qxl_image_free(img);
	}
}

static void t_format(enum qxl_format f)
{
	char name[64];
	struct twin t;
	int ret;

	snprintf(name, sizeof(name), "%s-create", qxl_format_name(f));
	ret = twin_new(dev, f, W, H, &t);
	if (f == QXL_FORMAT_A1) {
		/* spice-server aborts QEMU on any draw into a 1-bit surface */
		qt_result(name, ret == -EOPNOTSUPP ? QT_PASS : QT_FAIL,
			  "refused with %d (want -EOPNOTSUPP: the device cannot draw A1)", ret);
		if (!ret)
			twin_free(&t);
		return;
	}
	if (ret == -EINVAL && f == QXL_FORMAT_RGB555) {
		qt_result(name, QT_SKIP, "the driver refuses RGB555 surfaces (ALLOC_SURF: EINVAL)");
		return;
	}
	if (ret) {
		qt_result(name, QT_FAIL, "%ux%u: %s", W, H, strerror(-ret));
		return;
	}
	qt_result(name, QT_PASS, "%ux%u, stride %u", W, H, qxl_surface_stride(t.surf));
	t_upload(f, &t);
	t_fill(f, &t);
	t_copy(f, &t);
	t_copy_bits(f, &t);
	t_image(f, &t);
	twin_free(&t);
}

#define EXPECT(name, call, want) do { \
	int r_ = (call); \
	qt_result(name, r_ == (want) ? QT_PASS : QT_FAIL, "%s: got %d, want %d", #call, r_, \
		  want); \
} while (0)

static void t_bad_args(void)
{
	struct qxl_surface *a = NULL, *b = NULL, *s = NULL;
	struct qxl_composite_op op = { .op = QXL_OPERATOR_OVER, .width = 4, .height = 4 };
	uint8_t buf[64 * 64 * 4];
	struct qxl_image *img = NULL;

	if (qxl_surface_new(dev, QXL_FORMAT_ARGB8888, 32, 32, &a) ||
	    qxl_surface_new(dev, QXL_FORMAT_XRGB8888, 32, 32, &b)) {
		qt_result("bad-args", QT_FAIL, "could not create the surfaces");
		goto out;
	}
	EXPECT("bad-format", qxl_surface_new(dev, 17, 8, 8, &s), -EINVAL);
	EXPECT("bad-width-0", qxl_surface_new(dev, QXL_FORMAT_A8, 0, 8, &s), -EINVAL);
	EXPECT("bad-width-8193", qxl_surface_new(dev, QXL_FORMAT_A8, 8193, 8, &s), -EINVAL);
	EXPECT("bad-fill-outside", qxl_surface_fill(a, 30, 0, 3, 1, 0), -EINVAL);
	EXPECT("bad-fill-negative", qxl_surface_fill(a, -1, 0, 3, 1, 0), -EINVAL);
	EXPECT("bad-fill-empty", qxl_surface_fill(a, 0, 0, 0, 1, 0), -EINVAL);
	EXPECT("bad-upload-stride", qxl_surface_upload(a, 0, 0, 8, 8, buf, 31), -EINVAL);
	EXPECT("bad-upload-null", qxl_surface_upload(a, 0, 0, 8, 8, NULL, 32), -EINVAL);
	EXPECT("bad-download-outside", qxl_surface_download(a, 0, 0, 33, 1, buf, 256), -EINVAL);
	EXPECT("bad-copy-formats", qxl_surface_copy(a, 0, 0, b, 0, 0, 4, 4), -EINVAL);
	EXPECT("bad-copy-self", qxl_surface_copy(a, 0, 0, a, 4, 4, 4, 4), -EINVAL);
	EXPECT("bad-copy-bits-outside", qxl_surface_copy_bits(a, 30, 0, 0, 0, 4, 4), -EINVAL);
	EXPECT("bad-image-format", qxl_image_new(dev, 3, 4, 4, buf, 16, &img), -EINVAL);
	EXPECT("bad-composite-no-src", qxl_composite(a, &op), -EINVAL);
	op.src = a;
	EXPECT("bad-composite-src-is-dst", qxl_composite(a, &op), -EINVAL);
	op.src = b;
	op.op = 0x20;
	EXPECT("bad-composite-operator", qxl_composite(a, &op), -EINVAL);
	op.op = QXL_OPERATOR_OVER;
	op.dst_x = 30;
	EXPECT("bad-composite-outside", qxl_composite(a, &op), -EINVAL);
	op.dst_x = 0;
	op.src_repeat = 7;
	EXPECT("bad-composite-repeat", qxl_composite(a, &op), -EINVAL);
	EXPECT("bad-policy", qxl_device_set_policy(dev, 9), -EINVAL);
	EXPECT("bad-open-path", qxl_device_open("/dev/null", &(struct qxl_device *){ NULL }),
	       -ENODEV);
out:
	qxl_surface_free(a);
	qxl_surface_free(b);
}

int main(void)
{
	unsigned int i;
	int ret;

	ret = qxl_device_open(NULL, &dev);
	if (ret) {
		qt_result("device-open", QT_FAIL, "%s", strerror(-ret));
		return 1;
	}
	qt_result("device-open", QT_PASS, "");
	t_device();
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		t_format(formats[i]);
	t_bad_args();
	qxl_device_free(dev);
	return 0;
}
