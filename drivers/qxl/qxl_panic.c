// SPDX-License-Identifier: GPL-2.0-only
/*
 * The panic screen (drm_panic, kernels built with CONFIG_DRM_PANIC).
 *
 * drm_panic draws into the buffer a plane scans out, then asks the driver
 * to show it, in panic context: nothing may sleep, allocate or wait for a
 * lock another (stopped) CPU may hold. A framebuffer here is shown only
 * through draw commands, so the panic screen is drawn where the device
 * keeps the picture, the head's rectangle of the primary surface in BAR0
 * (what QEMU's own display and screendump read), and then sent to the
 * SPICE clients as one DRAW_COPY of that rectangle onto itself, from a
 * block of device memory reserved for it at load time.
 *
 * Before drm_panic draws, the device renders everything still queued
 * (a synchronous UPDATE_AREA also drains the command ring), so that no
 * older command lands on top of the panic screen afterwards. Both steps
 * only trylock: if the panic interrupted the driver itself, the screen is
 * still drawn into the primary surface and QEMU shows it, but clients may
 * not get it.
 *
 * The block is never entered in the release table: after a panic nothing
 * frees anything. Should the kernel go on (drm_panic's debugfs trigger),
 * the device's release of it ends the release chain it is on, which leaks
 * the blocks behind it; the trigger is a debugging aid, so that is left.
 */

#include <drm/drm_fourcc.h>
#include <drm/drm_managed.h>
#include <drm/drm_panic.h>
#include <drm/drm_print.h>
#include <drm/drm_rect.h>

#include "qxl_drv.h"

/* Drawable and image of the panic's DRAW_COPY. */
#define QXL_PANIC_IMAGE_OFF	192
#define QXL_PANIC_BLOCK_SIZE	256
static_assert(sizeof(struct qxl_drawable) <= QXL_PANIC_IMAGE_OFF);
static_assert(QXL_PANIC_IMAGE_OFF + sizeof(struct qxl_image) <= QXL_PANIC_BLOCK_SIZE);

static void qxl_panic_block_free(struct drm_device *drm, void *data)
{
	struct qxl_device *qdev = data;

	qxl_dmem_free(qdev, qdev->panic_block);
}

int qxl_panic_init(struct qxl_device *qdev)
{
	int ret = qxl_dmem_alloc(qdev, QXL_PANIC_BLOCK_SIZE, &qdev->panic_block);

	if (ret)
		return ret;
	return drmm_add_action_or_reset(&qdev->drm, qxl_panic_block_free, qdev);
}

/* The head a primary plane belongs to, and its place in the primary surface. */
static const struct qxl_head_rect *qxl_panic_head(struct qxl_device *qdev,
						  struct drm_plane *plane)
{
	unsigned int i;

	for (i = 0; i < qdev->num_heads; i++)
		if (plane == &qdev->heads[i].primary)
			return &qdev->layout[i];
	return NULL;
}

/* Offset of the head's top-left pixel in BAR0. */
static u32 qxl_panic_offset(const struct qxl_device *qdev, const struct qxl_head_rect *r)
{
	return (r->y * qdev->primary_width + r->x) * 4;
}

/* Let the device render what is queued; skipped if a port operation is under way. */
static void qxl_panic_render_pending(struct qxl_device *qdev)
{
	if (!mutex_trylock(&qdev->io_lock))
		return;
	if (!qdev->io_pending) {
		struct drm_rect all = DRM_RECT_INIT(0, 0, qdev->primary_width,
						    qdev->primary_height);
		struct qxl_port_args args;

		qxl_port_update_area(&args, 0, &all);
		qxl_io_write_args(qdev, QXL_IO_UPDATE_AREA, 0, &args);
	}
	mutex_unlock(&qdev->io_lock);
}

int qxl_panic_get_scanout_buffer(struct drm_plane *plane, struct drm_scanout_buffer *sb)
{
	struct qxl_device *qdev = to_qxl(plane->dev);
	const struct qxl_head_rect *r = qxl_panic_head(qdev, plane);

	if (!r || !r->w || !plane->state || !plane->state->visible ||
	    !qdev->primary_live || !READ_ONCE(qdev->ring_live) ||
	    r->x + r->w > qdev->primary_width || r->y + r->h > qdev->primary_height)
		return -ENODEV;

	qxl_panic_render_pending(qdev);
	sb->format = drm_format_info(DRM_FORMAT_XRGB8888);
	sb->width = r->w;
	sb->height = r->h;
	sb->pitch[0] = qdev->primary_width * 4;
	iosys_map_set_vaddr(&sb->map[0], qdev->ram + qxl_panic_offset(qdev, r));
	return 0;
}

void qxl_panic_flush(struct drm_plane *plane)
{
	struct qxl_device *qdev = to_qxl(plane->dev);
	const struct qxl_head_rect *r = qxl_panic_head(qdev, plane);
	void *blk = qxl_dmem_ptr(qdev, qdev->panic_block);
	struct qxl_image image;
	struct qxl_drawable draw;

	if (!r)
		return;
	qxl_cmd_image_bitmap(&image, r->w, r->h, qdev->primary_width * 4,
			     qxl_slot_phys(&qdev->main_slot, qxl_panic_offset(qdev, r)));
	memcpy(blk + QXL_PANIC_IMAGE_OFF, &image, sizeof(image));

	qxl_cmd_draw_copy(&draw, qxl_mm_time(qdev),
			  qxl_dmem_phys(qdev, qdev->panic_block, QXL_PANIC_IMAGE_OFF),
			  0, 0, r->x, r->y, r->w, r->h);
	memcpy(blk, &draw, sizeof(draw));
	if (qxl_ring_push_panic(qdev, QXL_CMD_DRAW, qdev->panic_block))
		drm_dbg_driver(&qdev->drm, "panic screen not sent: command ring busy\n");
}
