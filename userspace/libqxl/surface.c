// SPDX-License-Identifier: MIT
/*
 * Off-screen surfaces: creation, upload (a device copy from a bitmap, so
 * SPICE clients see it too) and download (UPDATE_AREA, then the surface's
 * memory holds what the device rendered).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <xf86drm.h>

#include "private.h"

bool qxl_rect_inside(int32_t x, int32_t y, uint32_t w, uint32_t h, uint32_t bw, uint32_t bh)
{
	return x >= 0 && y >= 0 && w > 0 && h > 0 && w <= bw && h <= bh &&
	       (uint32_t)x <= bw - w && (uint32_t)y <= bh - h;
}

QXL_PUBLIC int qxl_surface_new(struct qxl_device *dev, enum qxl_format format,
			       uint32_t width, uint32_t height, struct qxl_surface **out)
{
	struct qxl_surface *surf;
	uint32_t stride;
	int ret;

	if (!dev || !out || !qxl_format_valid(format) || !width || !height ||
	    width > QXL_MAX_DIM || height > QXL_MAX_DIM)
		return -EINVAL;
	/*
	 * spice-server's canvas cannot draw into 1-bit surfaces: its blitter
	 * asserts and QEMU aborts. A1 pixels are still accepted as images.
	 */
	if (format == QXL_FORMAT_A1)
		return -EOPNOTSUPP;
	surf = calloc(1, sizeof(*surf));
	if (!surf)
		return -ENOMEM;
	stride = qxl_format_min_stride(format, width);
	ret = qxl_bo_new_surface(dev, format, width, height, stride, &surf->bo);
	if (ret) {
		free(surf);
		return ret;
	}
	surf->dev = dev;
	surf->format = format;
	surf->width = width;
	surf->height = height;
	surf->stride = stride;
	*out = surf;
	return 0;
}

QXL_PUBLIC void qxl_surface_free(struct qxl_surface *surf)
{
	if (!surf)
		return;
	qxl_bo_unref(surf->bo);
	free(surf);
}

QXL_PUBLIC uint32_t qxl_surface_width(const struct qxl_surface *surf)
{
	return surf ? surf->width : 0;
}

QXL_PUBLIC uint32_t qxl_surface_height(const struct qxl_surface *surf)
{
	return surf ? surf->height : 0;
}

QXL_PUBLIC uint32_t qxl_surface_stride(const struct qxl_surface *surf)
{
	return surf ? surf->stride : 0;
}

QXL_PUBLIC enum qxl_format qxl_surface_format(const struct qxl_surface *surf)
{
	return surf ? surf->format : 0;
}

/* Make the device render everything pending in the rectangle into memory. */
int qxl_surface_sync(struct qxl_surface *surf, int32_t x, int32_t y, uint32_t w, uint32_t h)
{
	struct drm_qxl_update_area ua = {
		.handle = surf->bo->handle,
		.left = (uint32_t)x,
		.top = (uint32_t)y,
		.right = (uint32_t)x + w,
		.bottom = (uint32_t)y + h,
	};

	if (drmIoctl(surf->dev->fd, DRM_IOCTL_QXL_UPDATE_AREA, &ua))
		return -errno;
	return 0;
}

QXL_PUBLIC int qxl_surface_finish(struct qxl_surface *surf)
{
	if (!surf)
		return -EINVAL;
	return qxl_surface_sync(surf, 0, 0, surf->width, surf->height);
}

/* Copy rows of whole bytes (formats of 8 bits per pixel or more). */
static void qxl_copy_rows(uint8_t *dst, uint32_t dst_stride, const uint8_t *src,
			  uint32_t src_stride, uint32_t row_bytes, uint32_t h)
{
	uint32_t i;

	for (i = 0; i < h; i++)
		memcpy(dst + (size_t)i * dst_stride, src + (size_t)i * src_stride, row_bytes);
}

/*
 * Write (w, h) pixels of @format at (x, y) of @dst with one device copy of a
 * bitmap. Pixels whose format the device does not take as a bitmap are
 * converted by pixman first.
 */
int qxl_put_pixels(struct qxl_surface *dst, int32_t x, int32_t y, uint32_t w, uint32_t h,
		   enum qxl_format format, const void *pixels, uint32_t stride)
{
	struct qxl_device *dev = dst->dev;
	pixman_format_code_t up_fmt, own_fmt = qxl_format_pixman(format);
	uint8_t bitmap = qxl_format_bitmap(format, &up_fmt);
	uint32_t bstride = (uint32_t)(((uint64_t)w * PIXMAN_FORMAT_BPP(up_fmt) + 31) / 32 * 4);
	uint64_t size = QXL_IMAGE_DATA_OFFSET + (uint64_t)bstride * h;
	struct qxl_alloc a;
	struct qxl_cmd cmd;
	QXLDrawable *d = &cmd.u.drawable;
	int ret;

	if (size > UINT32_MAX / 2)
		return -E2BIG;
	ret = qxl_stream_alloc(dev, (uint32_t)size, &a);
	if (ret)
		return ret;
	if (up_fmt == own_fmt) {
		qxl_copy_rows(a.ptr + QXL_IMAGE_DATA_OFFSET, bstride, pixels, stride,
			      (uint32_t)(((uint64_t)w * PIXMAN_FORMAT_BPP(up_fmt) + 7) / 8), h);
	} else if (stride % 4) {
		/* pixman wants 4-byte aligned rows: an aligned copy first */
		uint32_t row = (uint32_t)(((uint64_t)w * PIXMAN_FORMAT_BPP(own_fmt) + 7) / 8);
		uint32_t tstride = (row + 3) & ~3u;
		uint8_t *tmp = malloc((size_t)tstride * h);

		if (!tmp) {
			qxl_alloc_done(&a);
			return -ENOMEM;
		}
		qxl_copy_rows(tmp, tstride, pixels, stride, row, h);
		ret = qxl_convert_rect(own_fmt, tmp, tstride, 0, 0, up_fmt,
				       a.ptr + QXL_IMAGE_DATA_OFFSET, bstride, w, h);
		free(tmp);
	} else {
		ret = qxl_convert_rect(own_fmt, pixels, stride, 0, 0, up_fmt,
				       a.ptr + QXL_IMAGE_DATA_OFFSET, bstride, w, h);
	}
	if (ret) {
		qxl_alloc_done(&a);
		return ret;
	}
	qxl_image_encode_bitmap((QXLImage *)a.ptr, qxl_next_image_id(dev), bitmap, w, h, bstride);

	qxl_cmd_init(&cmd, dst, QXL_DRAW_COPY, QXL_EFFECT_OPAQUE, x, y, w, h);
	d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	d->u.copy.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
	d->u.copy.src_area.right = (int32_t)w;
	d->u.copy.src_area.bottom = (int32_t)h;
	qxl_cmd_reloc_bo(&cmd, 0, offsetof(QXLDrawable, u.copy.src_bitmap), a.bo, a.offset);
	qxl_cmd_reloc_bo(&cmd, a.bo->handle, a.offset + offsetof(QXLImage, bitmap.data),
			 a.bo, a.offset + QXL_IMAGE_DATA_OFFSET);
	ret = qxl_cmd_submit(dev, &cmd);
	qxl_alloc_done(&a);
	return ret;
}

QXL_PUBLIC int qxl_surface_upload(struct qxl_surface *surf, int32_t x, int32_t y,
				  uint32_t width, uint32_t height, const void *pixels,
				  uint32_t stride)
{
	if (!surf || !pixels || !qxl_rect_inside(x, y, width, height, surf->width, surf->height))
		return -EINVAL;
	if (stride < (uint32_t)(((uint64_t)width * qxl_format_bpp(surf->format) + 7) / 8))
		return -EINVAL;
	if (surf->format == QXL_FORMAT_A1 && stride % 4)
		return -EINVAL;
	return qxl_put_pixels(surf, x, y, width, height, surf->format, pixels, stride);
}

QXL_PUBLIC int qxl_surface_download(struct qxl_surface *surf, int32_t x, int32_t y,
				    uint32_t width, uint32_t height, void *pixels,
				    uint32_t stride)
{
	unsigned int bpp;
	int ret;

	if (!surf || !pixels || !qxl_rect_inside(x, y, width, height, surf->width, surf->height))
		return -EINVAL;
	bpp = qxl_format_bpp(surf->format);
	if (stride < (uint32_t)(((uint64_t)width * bpp + 7) / 8))
		return -EINVAL;
	if (surf->format == QXL_FORMAT_A1 && stride % 4)
		return -EINVAL;
	ret = qxl_surface_sync(surf, x, y, width, height);
	if (ret)
		return ret;
	if (bpp == 1)
		return qxl_convert_rect(PIXMAN_a1, surf->bo->map, surf->stride, x, y, PIXMAN_a1,
					pixels, stride, width, height);
	qxl_copy_rows(pixels, stride,
		      surf->bo->map + (size_t)y * surf->stride + (size_t)x * (bpp / 8),
		      surf->stride, width * (bpp / 8), height);
	return 0;
}
