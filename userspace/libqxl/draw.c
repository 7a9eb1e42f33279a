// SPDX-License-Identifier: MIT
/*
 * Simple device drawing: solid fills, surface-to-surface copies, scrolls
 * (COPY_BITS) and copies from images kept in device memory.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

QXL_PUBLIC int qxl_surface_fill(struct qxl_surface *surf, int32_t x, int32_t y,
				uint32_t width, uint32_t height, uint32_t argb)
{
	struct qxl_cmd cmd;
	QXLDrawable *d = &cmd.u.drawable;

	if (!surf || !qxl_rect_inside(x, y, width, height, surf->width, surf->height))
		return -EINVAL;
	qxl_cmd_init(&cmd, surf, QXL_DRAW_FILL, QXL_EFFECT_OPAQUE, x, y, width, height);
	d->u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d->u.fill.brush.u.color = qxl_format_color(surf->format, argb);
	d->u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
	return qxl_cmd_submit(surf->dev, &cmd);
}

/*
 * Finish and submit a COPY drawable (started by qxl_cmd_init() with the
 * destination rectangle as bbox): OP_PUT of (sx, sy, w, h) of the image at
 * @img_off of @img_bo.
 */
static int qxl_copy_image(struct qxl_surface *dst, struct qxl_cmd *cmd,
			  const struct qxl_bo *img_bo, uint32_t img_off,
			  int32_t sx, int32_t sy, uint32_t w, uint32_t h)
{
	QXLDrawable *d = &cmd->u.drawable;

	d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	d->u.copy.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
	d->u.copy.src_area.left = sx;
	d->u.copy.src_area.top = sy;
	d->u.copy.src_area.right = sx + (int32_t)w;
	d->u.copy.src_area.bottom = sy + (int32_t)h;
	qxl_cmd_reloc_bo(cmd, 0, offsetof(QXLDrawable, u.copy.src_bitmap), img_bo, img_off);
	return qxl_cmd_submit(dst->dev, cmd);
}

QXL_PUBLIC int qxl_surface_copy(struct qxl_surface *dst, int32_t dst_x, int32_t dst_y,
				struct qxl_surface *src, int32_t src_x, int32_t src_y,
				uint32_t width, uint32_t height)
{
	struct qxl_alloc a;
	struct qxl_cmd cmd;
	int ret;

	if (!dst || !src || dst == src || dst->dev != src->dev || dst->format != src->format ||
	    !qxl_rect_inside(dst_x, dst_y, width, height, dst->width, dst->height) ||
	    !qxl_rect_inside(src_x, src_y, width, height, src->width, src->height))
		return -EINVAL;
	ret = qxl_stream_alloc(dst->dev, sizeof(QXLImage), &a);
	if (ret)
		return ret;
	qxl_image_encode_surface((QXLImage *)a.ptr, qxl_next_image_id(dst->dev),
				 src->width, src->height);
	qxl_cmd_init(&cmd, dst, QXL_DRAW_COPY, QXL_EFFECT_OPAQUE, dst_x, dst_y, width, height);
	qxl_cmd_depend(&cmd, 0, src, src_x, src_y, width, height);
	qxl_cmd_reloc_surf(&cmd, a.bo->handle, a.offset + offsetof(QXLImage, surface_image), src);
	ret = qxl_copy_image(dst, &cmd, a.bo, a.offset, src_x, src_y, width, height);
	qxl_alloc_done(&a);
	return ret;
}

QXL_PUBLIC int qxl_surface_copy_bits(struct qxl_surface *surf, int32_t src_x, int32_t src_y,
				     int32_t dst_x, int32_t dst_y, uint32_t width,
				     uint32_t height)
{
	struct qxl_cmd cmd;
	QXLDrawable *d = &cmd.u.drawable;

	if (!surf || !qxl_rect_inside(dst_x, dst_y, width, height, surf->width, surf->height) ||
	    !qxl_rect_inside(src_x, src_y, width, height, surf->width, surf->height))
		return -EINVAL;
	qxl_cmd_init(&cmd, surf, QXL_COPY_BITS, QXL_EFFECT_OPAQUE, dst_x, dst_y,
		     width, height);
	d->u.copy_bits.src_pos.x = src_x;
	d->u.copy_bits.src_pos.y = src_y;
	return qxl_cmd_submit(surf->dev, &cmd);
}

QXL_PUBLIC int qxl_image_new(struct qxl_device *dev, enum qxl_format format, uint32_t width,
			     uint32_t height, const void *pixels, uint32_t stride,
			     struct qxl_image **out)
{
	pixman_format_code_t up_fmt, own_fmt = qxl_format_pixman(format);
	uint8_t bitmap = qxl_format_bitmap(format, &up_fmt);
	uint32_t bstride, row = (uint32_t)(((uint64_t)width * qxl_format_bpp(format) + 7) / 8);
	struct qxl_image *img;
	uint64_t size;
	int ret;

	if (!dev || !out || !pixels || !qxl_format_valid(format) || !width || !height ||
	    width > QXL_MAX_DIM || height > QXL_MAX_DIM || stride < row ||
	    (up_fmt != own_fmt && stride % 4))
		return -EINVAL;
	bstride = (uint32_t)(((uint64_t)width * PIXMAN_FORMAT_BPP(up_fmt) + 31) / 32 * 4);
	size = QXL_IMAGE_DATA_OFFSET + (uint64_t)bstride * height;
	img = calloc(1, sizeof(*img));
	if (!img)
		return -ENOMEM;
	ret = qxl_bo_new(dev, (uint32_t)size, &img->bo);
	if (ret) {
		free(img);
		return ret;
	}
	if (up_fmt == own_fmt) {
		uint32_t i;

		for (i = 0; i < height; i++)
			memcpy(img->bo->map + QXL_IMAGE_DATA_OFFSET + (size_t)i * bstride,
			       (const uint8_t *)pixels + (size_t)i * stride, row);
	} else {
		ret = qxl_convert_rect(own_fmt, pixels, stride, 0, 0, up_fmt,
				       img->bo->map + QXL_IMAGE_DATA_OFFSET, bstride,
				       width, height);
		if (ret) {
			qxl_bo_unref(img->bo);
			free(img);
			return ret;
		}
	}
	qxl_image_encode_bitmap((QXLImage *)img->bo->map, qxl_next_image_id(dev), bitmap,
				width, height, bstride);
	img->dev = dev;
	img->format = format;
	img->width = width;
	img->height = height;
	*out = img;
	return 0;
}

QXL_PUBLIC void qxl_image_free(struct qxl_image *img)
{
	if (!img)
		return;
	qxl_bo_unref(img->bo);
	free(img);
}

QXL_PUBLIC int qxl_surface_draw_image(struct qxl_surface *dst, int32_t dst_x, int32_t dst_y,
				      struct qxl_image *img, int32_t src_x, int32_t src_y,
				      uint32_t width, uint32_t height)
{
	struct qxl_cmd cmd;

	if (!dst || !img || dst->dev != img->dev ||
	    !qxl_rect_inside(dst_x, dst_y, width, height, dst->width, dst->height) ||
	    !qxl_rect_inside(src_x, src_y, width, height, img->width, img->height))
		return -EINVAL;
	qxl_cmd_init(&cmd, dst, QXL_DRAW_COPY, QXL_EFFECT_OPAQUE, dst_x, dst_y, width, height);
	qxl_cmd_reloc_bo(&cmd, img->bo->handle, offsetof(QXLImage, bitmap.data), img->bo,
			 QXL_IMAGE_DATA_OFFSET);
	return qxl_copy_image(dst, &cmd, img->bo, 0, src_x, src_y, width, height);
}
