// SPDX-License-Identifier: MIT
/*
 * Buffers of device memory. Every command's data lives in a buffer the
 * driver relocates into device addresses. A buffer may be closed right after
 * the command using it was submitted: the driver keeps it alive until the
 * device releases the command, so libqxl never waits to reuse memory; small
 * pieces come from a stream buffer that is simply replaced when full.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xf86drm.h>

#include "private.h"

static void qxl_gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close cl = { .handle = handle };

	drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
}

/* Map @handle and wrap it; closes the handle on failure. */
static int qxl_bo_wrap(struct qxl_device *dev, uint32_t handle, uint32_t size,
		       struct qxl_bo **out)
{
	struct drm_qxl_map map = { .handle = handle };
	struct qxl_bo *bo;
	void *ptr;
	int ret;

	if (drmIoctl(dev->fd, DRM_IOCTL_QXL_MAP, &map)) {
		ret = -errno;
		goto err;
	}
	ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, dev->fd, (off_t)map.offset);
	if (ptr == MAP_FAILED) {
		ret = -errno;
		goto err;
	}
	bo = calloc(1, sizeof(*bo));
	if (!bo) {
		munmap(ptr, size);
		ret = -ENOMEM;
		goto err;
	}
	bo->dev = dev;
	bo->handle = handle;
	bo->size = size;
	bo->map = ptr;
	bo->refs = 1;
	*out = bo;
	return 0;
err:
	qxl_gem_close(dev->fd, handle);
	return ret;
}

int qxl_bo_new(struct qxl_device *dev, uint32_t size, struct qxl_bo **out)
{
	struct drm_qxl_alloc al = { .size = size };

	if (!size)
		return -EINVAL;
	if (drmIoctl(dev->fd, DRM_IOCTL_QXL_ALLOC, &al))
		return -errno;
	return qxl_bo_wrap(dev, al.handle, size, out);
}

int qxl_bo_new_surface(struct qxl_device *dev, uint32_t format, uint32_t width,
		       uint32_t height, uint32_t stride, struct qxl_bo **out)
{
	struct drm_qxl_alloc_surf as = {
		.format = format, .width = width, .height = height, .stride = (int32_t)stride,
	};

	if (drmIoctl(dev->fd, DRM_IOCTL_QXL_ALLOC_SURF, &as))
		return -errno;
	return qxl_bo_wrap(dev, as.handle, stride * height, out);
}

void qxl_bo_unref(struct qxl_bo *bo)
{
	if (!bo || --bo->refs)
		return;
	munmap(bo->map, bo->size);
	qxl_gem_close(bo->dev->fd, bo->handle);
	free(bo);
}

/*
 * Reserve @size bytes (8-byte aligned) for one command. Pieces larger than
 * half a stream buffer get a buffer of their own. The caller fills out->ptr,
 * submits, then calls qxl_alloc_done().
 */
int qxl_stream_alloc(struct qxl_device *dev, uint32_t size, struct qxl_alloc *out)
{
	uint32_t need = (size + 7u) & ~7u;
	int ret;

	if (!size || size > UINT32_MAX - 4096u)
		return -EINVAL;
	if (need > QXL_STREAM_SIZE / 2) {
		ret = qxl_bo_new(dev, need, &out->bo);
		if (ret)
			return ret;
		out->offset = 0;
		out->ptr = out->bo->map;
		return 0;
	}
	if (!dev->stream || dev->stream_used + need > dev->stream->size) {
		struct qxl_bo *bo;

		ret = qxl_bo_new(dev, QXL_STREAM_SIZE, &bo);
		if (ret)
			return ret;
		qxl_bo_unref(dev->stream);
		dev->stream = bo;
		dev->stream_used = 0;
	}
	out->bo = dev->stream;
	out->bo->refs++;
	out->offset = dev->stream_used;
	out->ptr = dev->stream->map + dev->stream_used;
	dev->stream_used += need;
	return 0;
}

void qxl_alloc_done(struct qxl_alloc *a)
{
	qxl_bo_unref(a->bo);
	a->bo = NULL;
}
