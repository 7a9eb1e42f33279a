// SPDX-License-Identifier: MIT
/*
 * The composite fallback: read the inputs back from the device, composite
 * with pixman exactly as spice-server's canvas does (on a copy of the
 * destination rectangle placed at the origin), and write the result into
 * the surface with a device copy, so that SPICE clients without the
 * COMPOSITE or A8_SURFACE capability still get the right pixels.
 */
#include <errno.h>
#include <stdlib.h>

#include "private.h"

/* A pixman image over the surface's memory (valid after a sync). */
pixman_image_t *qxl_surface_pixman(struct qxl_surface *surf)
{
	return pixman_image_create_bits(qxl_format_pixman(surf->format), (int)surf->width,
					(int)surf->height, (uint32_t *)(void *)surf->bo->map,
					(int)surf->stride);
}

/* Set transform, filter and repeat of a source or mask as the device does. */
static void qxl_pixman_setup(pixman_image_t *img, const struct qxl_transform *xform,
			     enum qxl_filter filter, enum qxl_repeat repeat)
{
	if (xform) {
		pixman_transform_t t = { { { 0 } } };
		int i, j;

		for (i = 0; i < 2; i++)
			for (j = 0; j < 3; j++)
				t.matrix[i][j] = xform->m[i][j];
		t.matrix[2][2] = pixman_fixed_1;
		pixman_image_set_transform(img, &t);
	}
	pixman_image_set_filter(img, filter == QXL_FILTER_BILINEAR ? PIXMAN_FILTER_BILINEAR :
				PIXMAN_FILTER_NEAREST, NULL, 0);
	pixman_image_set_repeat(img, (pixman_repeat_t)repeat);
}

int qxl_composite_fallback(struct qxl_surface *dst, const struct qxl_composite_op *op)
{
	pixman_format_code_t fmt = qxl_format_pixman(dst->format);
	uint32_t tstride = qxl_format_min_stride(dst->format, op->width);
	pixman_image_t *s = NULL, *m = NULL, *d = NULL;
	void *bits;
	int ret;

	ret = qxl_surface_finish(op->src);
	if (!ret && op->mask)
		ret = qxl_surface_finish(op->mask);
	if (!ret)
		ret = qxl_surface_sync(dst, op->dst_x, op->dst_y, op->width, op->height);
	if (ret)
		return ret;

	bits = malloc((size_t)tstride * op->height);
	if (!bits)
		return -ENOMEM;
	ret = qxl_convert_rect(fmt, dst->bo->map, dst->stride, op->dst_x, op->dst_y, fmt, bits,
			       tstride, op->width, op->height);
	if (ret)
		goto out;
	ret = -ENOMEM;
	s = qxl_surface_pixman(op->src);
	d = pixman_image_create_bits(fmt, (int)op->width, (int)op->height, bits, (int)tstride);
	if (!s || !d)
		goto out;
	qxl_pixman_setup(s, op->src_transform, op->src_filter, op->src_repeat);
	if (op->mask) {
		m = qxl_surface_pixman(op->mask);
		if (!m)
			goto out;
		qxl_pixman_setup(m, op->mask_transform, op->mask_filter, op->mask_repeat);
		pixman_image_set_component_alpha(m, op->component_alpha);
	}
	pixman_image_composite32((pixman_op_t)op->op, s, m, d, op->src_x, op->src_y,
				 op->mask_x, op->mask_y, 0, 0, (int)op->width, (int)op->height);
	ret = qxl_put_pixels(dst, op->dst_x, op->dst_y, op->width, op->height, dst->format,
			     bits, tstride);
out:
	if (s)
		pixman_image_unref(s);
	if (m)
		pixman_image_unref(m);
	if (d)
		pixman_image_unref(d);
	free(bits);
	return ret;
}
