// SPDX-License-Identifier: MIT
/*
 * libqxl unit tests that need no device: the drawable layout the driver
 * expects, the encoder's relocations, argument checks, format conversions.
 * Prints one "PASS name" / "FAIL name: why" line per check; exit 1 on failure.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "private.h"

static int failures;

static void check(const char *name, int ok, const char *fmt, long long got, long long want)
{
	if (ok) {
		printf("PASS %s\n", name);
	} else {
		printf("FAIL %s: ", name);
		printf(fmt, got, want);
		printf("\n");
		failures++;
	}
}

#define EQ(name, got, want) \
	check(name, (long long)(got) == (long long)(want), "got %lld, want %lld", \
	      (long long)(got), (long long)(want))

static void t_layout(void)
{
	/* Offsets the driver's verifier and relocations count in (qxl-device.md). */
	EQ("layout-drawable-size", sizeof(QXLDrawable), 191);
	EQ("layout-cmd-size", QXL_DRAW_CMD_SIZE, 183);
	EQ("layout-surface-id", offsetof(QXLDrawable, surface_id), 8);
	EQ("layout-bbox", offsetof(QXLDrawable, bbox), 31);
	EQ("layout-surfaces-dest", offsetof(QXLDrawable, surfaces_dest), 63);
	EQ("layout-u", offsetof(QXLDrawable, u), 123);
	EQ("layout-composite-src", offsetof(QXLDrawable, u.composite.src), 127);
	EQ("layout-composite-mask-transform",
	   offsetof(QXLDrawable, u.composite.mask_transform), 151);
	EQ("layout-copy-rop", offsetof(QXLDrawable, u.copy.rop_descriptor), 147);
	EQ("layout-image-size", sizeof(QXLImage), 48);
	EQ("layout-image-surface-id", offsetof(QXLImage, surface_image), 18);
	EQ("layout-image-bitmap-data", offsetof(QXLImage, bitmap.data), 40);
	EQ("layout-transform-size", sizeof(QXLTransform), 24);
}

static void t_encoder(void)
{
	struct qxl_device dev = { .fd = -1 };
	struct qxl_bo bo_dst = { .handle = 7 }, bo_src = { .handle = 9 };
	struct qxl_surface dst = { .dev = &dev, .bo = &bo_dst, .width = 64, .height = 32 };
	struct qxl_surface src = { .dev = &dev, .bo = &bo_src, .width = 16, .height = 16 };
	struct qxl_cmd cmd;
	QXLDrawable *d = &cmd.u.drawable;

	qxl_cmd_init(&cmd, &dst, QXL_DRAW_COMPOSITE, QXL_EFFECT_BLEND, 3, 4, 10, 20);
	EQ("encode-init-one-reloc", cmd.nrelocs, 1);
	EQ("encode-surface-reloc-type", cmd.relocs[0].reloc_type, QXL_RELOC_TYPE_SURF);
	EQ("encode-surface-reloc-offset", cmd.relocs[0].dst_offset, 8);
	EQ("encode-surface-reloc-handle", cmd.relocs[0].src_handle, 7);
	EQ("encode-bbox-right", d->bbox.right, 13);
	EQ("encode-bbox-bottom", d->bbox.bottom, 24);
	EQ("encode-unused-dest", d->surfaces_dest[2], -1);
	qxl_cmd_depend(&cmd, 1, &src, 0, 0, 16, 16);
	EQ("encode-depend-offset", cmd.relocs[1].dst_offset, 67);
	EQ("encode-depend-rect", d->surfaces_rects[1].right, 16);
	EQ("encode-depend-keeps-id", d->surfaces_dest[1], -1);
	while (cmd.nrelocs < QXL_MAX_RELOCS)
		qxl_cmd_reloc_bo(&cmd, 0, 127, &bo_src, 0);
	EQ("encode-no-overflow", cmd.error, 0);
	qxl_cmd_reloc_bo(&cmd, 0, 127, &bo_src, 0);
	EQ("encode-too-many-relocs", cmd.error, -E2BIG);
	EQ("encode-submit-reports", qxl_cmd_submit(&dev, &cmd), -E2BIG);
}

static void t_checks(void)
{
	struct qxl_device dev = { .fd = -1 }, other = { .fd = -1 };
	struct qxl_bo bo = { .handle = 1 };
	struct qxl_surface dst = { .dev = &dev, .bo = &bo, .width = 64, .height = 32 };
	struct qxl_surface src = { .dev = &dev, .bo = &bo, .width = 16, .height = 16 };
	struct qxl_surface alien = { .dev = &other, .bo = &bo, .width = 16, .height = 16 };
	struct qxl_composite_op op = {
		.op = QXL_OPERATOR_OVER, .src = &src, .width = 64, .height = 32,
	};

	EQ("check-ok", qxl_composite_check(&dst, &op), 0);
	op.op = 0x0e;
	EQ("check-op-gap", qxl_composite_check(&dst, &op), -EINVAL);
	op.op = 0x3f;
	EQ("check-op-past-end", qxl_composite_check(&dst, &op), -EINVAL);
	op.op = QXL_OPERATOR_HSL_LUMINOSITY;
	EQ("check-op-last", qxl_composite_check(&dst, &op), 0);
	op.width = 65;
	EQ("check-rect-outside", qxl_composite_check(&dst, &op), -EINVAL);
	op.width = 64;
	op.src_x = 40000;
	EQ("check-origin-16bit", qxl_composite_check(&dst, &op), -EINVAL);
	op.src_x = -32768;
	EQ("check-origin-min", qxl_composite_check(&dst, &op), 0);
	op.src_x = 0;
	op.src = &dst;
	EQ("check-src-is-dst", qxl_composite_check(&dst, &op), -EINVAL);
	op.src = &alien;
	EQ("check-other-device", qxl_composite_check(&dst, &op), -EINVAL);
	op.src = &src;
	op.component_alpha = true;
	EQ("check-ca-without-mask", qxl_composite_check(&dst, &op), -EINVAL);
	op.mask = &src;
	op.src_repeat = 4;
	EQ("check-repeat", qxl_composite_check(&dst, &op), -EINVAL);
	op.src_repeat = QXL_REPEAT_REFLECT;
	op.mask_filter = 2;
	EQ("check-filter", qxl_composite_check(&dst, &op), -EINVAL);
	op.mask_filter = QXL_FILTER_BILINEAR;
	op.op = QXL_OPERATOR_ADD;
	op.mask_repeat = QXL_REPEAT_PAD;
	EQ("flags-encoding", qxl_composite_flags(&op),
	   0x0c | 0 << 8 | 1 << 11 | 3 << 14 | 2 << 16 | 1 << 18);
}

static void t_path_choice(void)
{
	struct qxl_surface argb = { .format = QXL_FORMAT_ARGB8888 };
	struct qxl_surface a8 = { .format = QXL_FORMAT_A8 };
	struct qxl_composite_op op = { .op = QXL_OPERATOR_OVER, .src = &argb };
	const uint32_t comp = QXL_CLIENT_CAP_COMPOSITE, both = comp | QXL_CLIENT_CAP_A8_SURFACE;

	EQ("path-no-client", qxl_composite_wants_device(QXL_POLICY_AUTO, 0, &argb, &op), 0);
	EQ("path-composite", qxl_composite_wants_device(QXL_POLICY_AUTO, comp, &argb, &op), 1);
	EQ("path-a8-dst-needs-a8",
	   qxl_composite_wants_device(QXL_POLICY_AUTO, comp, &a8, &op), 0);
	EQ("path-a8-dst-with-a8", qxl_composite_wants_device(QXL_POLICY_AUTO, both, &a8, &op), 1);
	op.mask = &a8;
	EQ("path-a8-mask-needs-a8",
	   qxl_composite_wants_device(QXL_POLICY_AUTO, comp, &argb, &op), 0);
	EQ("path-a8-only", qxl_composite_wants_device(QXL_POLICY_AUTO,
						      QXL_CLIENT_CAP_A8_SURFACE, &argb, &op), 0);
	EQ("path-forced-device", qxl_composite_wants_device(QXL_POLICY_DEVICE, 0, &a8, &op), 1);
	EQ("path-forced-fallback",
	   qxl_composite_wants_device(QXL_POLICY_FALLBACK, both, &argb, &op), 0);
}

static void t_formats(void)
{
	uint16_t px565[4] = { 0xffff, 0x0000, 0xf81f, 0x07e0 }, back[4];
	uint32_t wide[4], a1 = 0x5, a1_back = 0, argb[32];

	EQ("stride-a1-33", qxl_format_min_stride(QXL_FORMAT_A1, 33), 8);
	EQ("stride-a8-5", qxl_format_min_stride(QXL_FORMAT_A8, 5), 8);
	EQ("stride-565-3", qxl_format_min_stride(QXL_FORMAT_RGB565, 3), 8);
	EQ("stride-argb-3", qxl_format_min_stride(QXL_FORMAT_ARGB8888, 3), 12);
	EQ("color-a8", qxl_format_color(QXL_FORMAT_A8, 0x80ffffff), 0x80);
	EQ("color-565", qxl_format_color(QXL_FORMAT_RGB565, 0xff00ff00), 0x07e0);
	EQ("color-555", qxl_format_color(QXL_FORMAT_RGB555, 0xffff0000), 0x7c00);
	EQ("color-xrgb", qxl_format_color(QXL_FORMAT_XRGB8888, 0x12345678), 0x345678);
	EQ("color-a1", qxl_format_color(QXL_FORMAT_A1, 0x80000000), 1);
	/* 565 -> x8r8g8b8 (what the device gets) -> 565 (what it stores) is exact */
	EQ("convert-565-up", qxl_convert_rect(PIXMAN_r5g6b5, px565, 8, 0, 0, PIXMAN_x8r8g8b8,
					      wide, 16, 4, 1), 0);
	EQ("convert-565-down", qxl_convert_rect(PIXMAN_x8r8g8b8, wide, 16, 0, 0, PIXMAN_r5g6b5,
						back, 8, 4, 1), 0);
	EQ("convert-565-roundtrip", memcmp(px565, back, sizeof(back)), 0);
	EQ("convert-a1-up", qxl_convert_rect(PIXMAN_a1, &a1, 4, 0, 0, PIXMAN_a8r8g8b8, argb,
					     128, 32, 1), 0);
	EQ("convert-a1-pixel0", argb[0], 0xff000000);
	EQ("convert-a1-pixel1", argb[1], 0);
	EQ("convert-a1-down", qxl_convert_rect(PIXMAN_a8r8g8b8, argb, 128, 0, 0, PIXMAN_a1,
					       &a1_back, 4, 32, 1), 0);
	EQ("convert-a1-roundtrip", a1_back, a1);
	EQ("convert-odd-stride", qxl_convert_rect(PIXMAN_a8, argb, 5, 0, 0, PIXMAN_a8, wide, 8,
						  1, 1), -EINVAL);
	EQ("format-name", strcmp(qxl_format_name(QXL_FORMAT_RGB565), "RGB565"), 0);
	EQ("format-unknown", qxl_format_name(17) == NULL, 1);
	EQ("operator-name", strcmp(qxl_operator_name(QXL_OPERATOR_HSL_COLOR), "HSL_COLOR"), 0);
	EQ("operator-gap", qxl_operator_name(0x20) == NULL, 1);
	EQ("cap-name", strcmp(qxl_client_cap_name(3), "A8_SURFACE"), 0);
}

static void t_public_args(void)
{
	struct qxl_device *dev = (struct qxl_device *)1;
	struct qxl_surface *s = NULL;

	EQ("open-null-out", qxl_device_open(NULL, NULL), -EINVAL);
	EQ("open-missing", qxl_device_open("/nonexistent/dri", &dev), -ENOENT);
	EQ("from-fd-bad", qxl_device_new_from_fd(-1, &dev), -EINVAL);
	EQ("surface-null-dev", qxl_surface_new(NULL, QXL_FORMAT_A8, 1, 1, &s), -EINVAL);
	EQ("policy-null", qxl_device_set_policy(NULL, QXL_POLICY_AUTO), -EINVAL);
	qxl_device_free(NULL);
	qxl_surface_free(NULL);
	qxl_image_free(NULL);
	EQ("free-null", 0, 0);
}

int main(void)
{
	t_layout();
	t_encoder();
	t_checks();
	t_path_choice();
	t_formats();
	t_public_args();
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
