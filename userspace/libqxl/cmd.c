// SPDX-License-Identifier: MIT
/*
 * The drawable encoder: one QXLDrawable with its relocations, submitted with
 * DRM_IOCTL_QXL_EXECBUFFER. Every device address and surface id in it is
 * written by the driver from a relocation, never by libqxl.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <xf86drm.h>

#include "private.h"

static void qxl_rect_set(QXLRect *r, int32_t x, int32_t y, uint32_t w, uint32_t h)
{
	r->left = x;
	r->top = y;
	r->right = x + (int32_t)w;
	r->bottom = y + (int32_t)h;
}

/*
 * Start a drawable of @type on @dst with the bounding box (x, y, w, h):
 * clip none, no surface dependencies (surfaces_dest[] = -1).
 */
void qxl_cmd_init(struct qxl_cmd *cmd, const struct qxl_surface *dst, uint8_t type,
		  uint8_t effect, int32_t x, int32_t y, uint32_t w, uint32_t h)
{
	QXLDrawable *d = &cmd->u.drawable;
	unsigned int i;

	memset(&cmd->u, 0, sizeof(cmd->u));
	cmd->nrelocs = 0;
	cmd->error = 0;
	d->type = type;
	d->effect = effect;
	d->clip.type = SPICE_CLIP_TYPE_NONE;
	qxl_rect_set(&d->bbox, x, y, w, h);
	for (i = 0; i < 3; i++)
		d->surfaces_dest[i] = -1;
	qxl_cmd_reloc_surf(cmd, 0, offsetof(QXLDrawable, surface_id), dst);
}

static struct drm_qxl_reloc *qxl_cmd_reloc(struct qxl_cmd *cmd)
{
	struct drm_qxl_reloc *r;

	if (cmd->nrelocs >= QXL_MAX_RELOCS) {
		cmd->error = -E2BIG;
		return NULL;
	}
	r = &cmd->relocs[cmd->nrelocs++];
	memset(r, 0, sizeof(*r));
	return r;
}

/* Write the surface id of @src at @dst_offset of buffer @dst_handle (0: the drawable). */
void qxl_cmd_reloc_surf(struct qxl_cmd *cmd, uint32_t dst_handle, uint32_t dst_offset,
			const struct qxl_surface *src)
{
	struct drm_qxl_reloc *r = qxl_cmd_reloc(cmd);

	if (!r)
		return;
	r->reloc_type = QXL_RELOC_TYPE_SURF;
	r->src_handle = src->bo->handle;
	r->dst_handle = dst_handle;
	r->dst_offset = dst_offset;
}

/* Write the device address of @src + @src_offset at @dst_offset of @dst_handle. */
void qxl_cmd_reloc_bo(struct qxl_cmd *cmd, uint32_t dst_handle, uint32_t dst_offset,
		      const struct qxl_bo *src, uint32_t src_offset)
{
	struct drm_qxl_reloc *r = qxl_cmd_reloc(cmd);

	if (!r)
		return;
	r->reloc_type = QXL_RELOC_TYPE_BO;
	r->src_handle = src->handle;
	r->src_offset = src_offset;
	r->dst_handle = dst_handle;
	r->dst_offset = dst_offset;
}

/*
 * Declare that the drawable reads @src in (x, y, w, h): the device renders
 * what is pending there before this drawable.
 */
void qxl_cmd_depend(struct qxl_cmd *cmd, unsigned int slot, const struct qxl_surface *src,
		    int32_t x, int32_t y, uint32_t w, uint32_t h)
{
	QXLDrawable *d = &cmd->u.drawable;
	QXLRect r;

	qxl_rect_set(&r, x, y, w, h);
	memcpy(&d->surfaces_rects[slot], &r, sizeof(r));
	qxl_cmd_reloc_surf(cmd, 0, (uint32_t)(offsetof(QXLDrawable, surfaces_dest) +
					       slot * sizeof(int32_t)), src);
}

int qxl_cmd_submit(struct qxl_device *dev, struct qxl_cmd *cmd)
{
	struct drm_qxl_command c = {
		.command = (uintptr_t)(cmd->u.bytes + QXL_RELEASE_INFO_SIZE),
		.relocs = (uintptr_t)cmd->relocs,
		.type = QXL_CMD_DRAW,
		.command_size = QXL_DRAW_CMD_SIZE,
		.relocs_num = cmd->nrelocs,
	};
	struct drm_qxl_execbuffer eb = {
		.commands_num = 1,
		.commands = (uintptr_t)&c,
	};

	if (cmd->error)
		return cmd->error;
	if (drmIoctl(dev->fd, DRM_IOCTL_QXL_EXECBUFFER, &eb))
		return -errno;
	return 0;
}

uint64_t qxl_next_image_id(struct qxl_device *dev)
{
	return ((uint64_t)++dev->image_serial << 32) | QXL_IMAGE_GROUP_DRIVER_DONT_CACHE;
}

/* A top-down bitmap whose pixels follow in device memory (DIRECT). */
void qxl_image_encode_bitmap(QXLImage *img, uint64_t id, uint8_t bitmap_format,
			     uint32_t width, uint32_t height, uint32_t stride)
{
	memset(img, 0, sizeof(*img));
	img->descriptor.id = id;
	img->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
	img->descriptor.width = width;
	img->descriptor.height = height;
	img->bitmap.format = bitmap_format;
	img->bitmap.flags = QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN;
	img->bitmap.x = width;
	img->bitmap.y = height;
	img->bitmap.stride = stride;
}

/* An image naming a surface; its id is written by a SURF relocation. */
void qxl_image_encode_surface(QXLImage *img, uint64_t id, uint32_t width, uint32_t height)
{
	memset(img, 0, sizeof(*img));
	img->descriptor.id = id;
	img->descriptor.type = SPICE_IMAGE_TYPE_SURFACE;
	img->descriptor.width = width;
	img->descriptor.height = height;
}
